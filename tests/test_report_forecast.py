"""The report's Forecast and staffing section (report/data.py ``forecast``, report/html.py): the
forecast from the report month's end, its backtest, the staffing against a schedules table, in
every language, in the HTML and the PDF printed from it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape

from cxmetrics.interfaces.i18n import LANGS, catalog
from tests.api_support import copy_store


@pytest.fixture(scope="module")
def reports(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from cxmetrics.interfaces.report.data import build_report
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    db = copy_store(small_demo, tmp_path_factory.mktemp("report-forecast"))
    with Store(db, config=Config()) as s:
        plain = build_report(s, "2025-12")
        october = build_report(s, "2025-10")
        stamps = pd.Timestamp("2026-01-01") + pd.to_timedelta(range(0, 28 * 24 * 60, 60), unit="min")
        s.import_frame("schedules", pd.DataFrame({"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                  "interval_minutes": 60, "agents": 3.0}))
        scheduled = build_report(s, "2025-12")
    return {"plain": plain, "october": october, "scheduled": scheduled}


def test_the_forecast_starts_after_the_report_month(reports: dict[str, Any]) -> None:
    dec, octo = reports["plain"]["forecast"], reports["october"]["forecast"]
    assert (dec["from"], dec["to"], dec["history_to"]) == ("2026-01-01", "2026-01-28", "2025-12-31")
    # a report of an earlier month forecasts from that month's history only: the same report later
    assert (octo["from"], octo["history_to"]) == ("2025-11-01", "2025-10-31")
    assert dec["by"] == ["channel"] and {r["channel"] for r in dec["series"]} >= {"email", "chat", "phone"}
    bt = dec["backtest"]
    assert bt["mase"] < 1 and 0.7 <= bt["coverage_80"] <= 0.9, bt
    for r in dec["series"]:
        assert r["lower_95"] <= r["lower_80"] <= r["peak"] <= r["upper_80"] <= r["upper_95"]
        assert r["aht_seconds"] > 0
    st = dec["staffing"]
    assert st["basis"] is None and st["short_hours"] is None and st["peak_agents"] > 0


def test_the_schedule_gaps_are_listed(reports: dict[str, Any]) -> None:
    st = reports["scheduled"]["forecast"]["staffing"]
    assert st["basis"] == "dates" and st["short_hours"] > 0
    assert 0 < len(st["worst"]) <= 5 and all(c["gap"] < 0 and c["scheduled"] == 3.0 for c in st["worst"])
    assert [c["gap"] for c in st["worst"]] == sorted(c["gap"] for c in st["worst"])


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_section_in_every_language(reports: dict[str, Any], lang: str) -> None:
    from cxmetrics.interfaces.report.html import render_html

    words = catalog(lang)
    html = render_html(reports["scheduled"], lang)
    section = re.search(r'<section id="forecast".*?</section>\s*</section>', html, re.S)
    assert section, lang
    text = section.group(0)
    assert words["report.section.forecast"] in html and 'href="#forecast"' in html
    assert text.count('<tr><th scope="row">') == len(reports["scheduled"]["forecast"]["series"])
    assert "MASE" in text and "{" not in re.sub(r"<[^>]+>", "", text)  # every placeholder filled
    assert text.count("<li>") == 2 + len(reports["scheduled"]["forecast"]["staffing"]["worst"])
    assert str(escape(words["report.forecast.method"])) in text  # the method sentence, escaped as rendered


#: how each language says that asynchronous channels are staffed against their response target
ASYNC_METHOD = {"en": "asynchronous channels (e-mail, web, social) against their response-time target over business hours",
                "it": "i canali asincroni (e-mail, web, social) rispetto al loro obiettivo di tempo di risposta",
                "ja": "非同期チャネル（メール・Web・ソーシャル）は営業時間内の応答時間目標",
                "zh-Hant": "非同步通路（電子郵件、網頁、社群）依營業時間內的回覆時間目標",
                "fi": "asynkroniset kanavat (sähköposti, verkko, some) vastausaikatavoitettaan vastaan aukioloaikoina"}


@pytest.mark.parametrize("lang", ["en", "it", "ja"])
def test_the_method_says_how_each_kind_of_channel_is_staffed(reports: dict[str, Any], lang: str) -> None:
    from cxmetrics.interfaces.report.html import render_html

    text = re.sub(r"<[^>]+>", "", render_html(reports["plain"], lang)).replace("&#39;", "'")
    assert ASYNC_METHOD[lang] in text and "Erlang C" in text and "Erlang A" in text
    assert "workload" not in text and "carico di lavoro" not in text and "作業量" not in text


@pytest.mark.slow
def test_the_pdf_has_the_section(reports: dict[str, Any]) -> None:
    from cxmetrics.interfaces.report.pdf import chromium_path, has_weasyprint, render_pdf

    if not (chromium_path() or has_weasyprint()):
        pytest.skip("no PDF printer")
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (poppler-utils) to read the PDF")
    pdf = render_pdf(reports["scheduled"], "en")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Forecast and staffing" in text and "Agents required against scheduled" in text
    assert dt.date(2026, 1, 1).strftime("%b %-d, %Y") in text


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_excel_sheet_read_back(reports: dict[str, Any], lang: str, tmp_path: Path) -> None:
    """The forecast sheet: every day of every series with its bounds as numbers, the backtest per
    series with the AHT's, and the gaps by hour of the week coloured by conditional formatting."""
    import openpyxl

    from cxmetrics.interfaces.report.xlsx import render_xlsx

    words = catalog(lang)
    data = reports["scheduled"]
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(data, lang))
    book = openpyxl.load_workbook(path)
    ws = book[words["xlsx.sheet.forecast"][:31]]
    assert book.sheetnames[-2] == ws.title  # before Data
    rows = list(ws.iter_rows(values_only=True))
    fc = data["forecast"]
    head = next(i for i, r in enumerate(rows) if r[0] == words["report.forecast.by_channel"])
    days = rows[head + 1:head + 1 + len(fc["daily"])]
    assert len(fc["daily"]) == 28 * len(fc["series"])
    for got, want in zip(days, fc["daily"], strict=True):
        assert got[1].date().isoformat() == want["period_start"]
        assert got[2:7] == pytest.approx([want[k] for k in ("value", "lower_80", "upper_80", "lower_95", "upper_95")])
    flat = [c for r in rows for c in r if isinstance(c, str)]
    assert words["xlsx.forecast.gap_grid"] in flat and words["xlsx.forecast.col_aht_mape"] in flat
    assert not any("{" in c for c in flat)  # every placeholder filled
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert any(r.type == "cellIs" and r.operator == "lessThan" and r.formula == ["0"] for r in rules)
    gap_title = next(i for i, r in enumerate(rows) if r[0] == words["xlsx.forecast.gap_grid"])
    grid = [r[1:25] for r in rows[gap_title + 2:gap_title + 9]]
    cells = {(c["weekday"], c["hour"]): c["gap"] for c in fc["staffing"]["cells"]}
    assert grid[0][10] == pytest.approx(cells[(1, 10)])  # Monday 10:00
    assert min(v for r in grid for v in r if v is not None) < 0  # the short hours are there


def test_excel_forecast_sheet_defuses_series_names(reports: dict[str, Any], tmp_path: Path) -> None:
    import copy

    import openpyxl

    from cxmetrics.interfaces.report.xlsx import render_xlsx

    data = copy.deepcopy(reports["plain"])
    evil = '=HYPERLINK("http://x","y")'
    for r in data["forecast"]["daily"] + data["forecast"]["backtest_series"]:
        r["channel"] = evil
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(data, "en"))
    ws = openpyxl.load_workbook(path)[catalog("en")["xlsx.sheet.forecast"]]
    values = [c for r in ws.iter_rows(values_only=True) for c in r if isinstance(c, str) and "HYPERLINK" in c]
    assert values and all(v.startswith("'=") for v in values)
