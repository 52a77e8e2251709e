"""The comment-themes section of the monthly report (issue 16) in HTML, XLSX and PDF, in every
language, with the very numbers of ``cxm themes --format json`` over the report's trend window."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cxmetrics.interfaces.i18n import translator
from cxmetrics.interfaces.report import render
from cxmetrics.interfaces.report.html import language_name, theme_label
from tests.test_themes import labelled_store

LANGS = ("en", "fi", "it", "ja", "zh-Hant")
PERIOD = "2026-10"
COMPARED = ("n", "share", "nps", "nps_low", "nps_high", "impact", "trend", "sentiment", "negative_share", "language",
            "source", "terms")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report data of October 2026, ``cxm themes`` JSON over the same 13 months) of the labelled comments:
    every development comment as an NPS answer, the app theme only in October."""
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands
    from cxmetrics.interfaces.report import build_report
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    db = labelled_store(tmp_path_factory.mktemp("report-themes"))
    with Store(db, config=Config(), read_only=True) as s:
        data = build_report(s, PERIOD)
    register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "themes", "--survey", "nps", "--from", data["months"][0],
                                   "--to", data["period"]["end"], "--format", "json"])
    assert res.exit_code == 0, res.output
    return data, json.loads(res.stdout)


def test_data_equals_the_command(built: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, cli = built
    (survey,) = data["feedback"]["themes"]
    assert survey["survey"] == "nps" and survey["value"] == cli["nps"] and survey["responses"] == cli["responses"]
    assert survey["themes_total"] == len(cli["themes"]) and survey["latest_month"] == PERIOD
    by_id = {t["id"]: t for t in cli["themes"]}
    largest = sorted(cli["themes"], key=lambda t: (-t["n"], t["id"]))[:8]
    shown = [t["id"] for t in survey["themes"]]
    assert shown[:8] == [t["id"] for t in largest]
    rising = {t["id"] for t in cli["themes"] if t["trend"]["rising"]}
    assert rising and rising <= set(shown)  # every rising theme is shown, however small
    for t in survey["themes"]:
        assert {k: t[k] for k in COMPARED} == {k: by_id[t["id"]][k] for k in COMPARED}


class Tables(HTMLParser):
    """Rows of the report's theme tables: {table id: [(data-theme, [cell texts])]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self.table: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "themes" in (a.get("class") or ""):
            self.table = a["id"]
            self.tables[self.table or ""] = []
        elif tag == "tr" and self.table and a.get("data-theme"):
            self.tables[self.table].append((a["data-theme"] or "", []))
        elif tag == "td" and self.table and self.tables[self.table]:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.table:
            self.tables[self.table][-1][1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.parametrize("lang", LANGS)
def test_html_in_every_language(built: tuple[dict[str, Any], dict[str, Any]], lang: str) -> None:
    data, _ = built
    tr = translator(lang)
    html = render(data, "html", lang).decode()
    assert tr.t("report.themes.title") in html and tr.t("report.themes.col_sentiment") in html
    parser = Tables()
    parser.feed(html)
    rows = parser.tables["themes-nps"]
    themes = data["feedback"]["themes"][0]["themes"]
    assert [r[0] for r in rows] == [t["id"] for t in themes]
    for (_, cells), t in zip(rows, themes, strict=True):
        assert cells[0] == theme_label(t, lang) and cells[1] == language_name(tr, t["language"])
        assert cells[2] == tr.number(t["n"], 0) and cells[3] == tr.number(t["share"], 1)
        assert cells[4] == tr.number(t["nps"], 1) and cells[6] == tr.number(t["impact"], 2)
        assert cells[8].lstrip("+") == tr.number(t["sentiment"], 2)
        assert cells[9] == tr.number(t["negative_share"], 1)
        assert (tr.t("report.themes.rising") in cells[7]) == t["trend"]["rising"]
    delivery = next(t for t in themes if t["id"] == "delivery:fi") if any(
        t["id"] == "delivery:fi" for t in themes) else None
    if delivery is not None and lang != "en":  # library themes read in the reader's language
        assert theme_label(delivery, lang) != "Delivery"


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_xlsx_read_back(built: tuple[dict[str, Any], dict[str, Any]], lang: str) -> None:
    data, _ = built
    tr = translator(lang)
    wb = openpyxl.load_workbook(io.BytesIO(render(data, "xlsx", lang)))
    ws = wb[tr.t("xlsx.sheet.themes")]
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(cells) if r[0] == tr.t("report.themes.col_theme"))
    themes = data["feedback"]["themes"][0]["themes"]
    for r, t in zip(cells[head + 1:head + 1 + len(themes)], themes, strict=True):
        assert r[0] == theme_label(t, lang) and r[1] == language_name(tr, t["language"])
        assert r[2:9] == [t["n"], t["share"], t["nps"], t["nps_low"], t["nps_high"], t["impact"],
                          t["trend"]["change"]]
        assert r[9] is t["trend"]["rising"] and r[10] == t["sentiment"] and r[11] == t["negative_share"]


def test_pdf_text(built: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path) -> None:
    from cxmetrics.interfaces.report.pdf import chromium_path, has_weasyprint

    if not (chromium_path() or has_weasyprint()):
        pytest.skip("no PDF printer")
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (poppler-utils) to read the PDF")
    data, _ = built
    tr = translator("en")
    pdf = render(data, "pdf", "en")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert tr.t("report.themes.title") in text and tr.t("report.themes.col_sentiment") in text
    survey = data["feedback"]["themes"][0]
    assert tr.t("report.themes.survey_title", survey="NPS", n="200", score="NPS", value="-55.0") in text
    rows = [" ".join(line.split()) for line in text.splitlines()]
    for t in survey["themes"]:  # a row: label (may wrap), language, n, share, NPS, interval, impact, trend...
        cells = [tr.number(t["n"], 0), tr.number(t["share"], 1), tr.number(t["nps"], 1)]
        assert any(" ".join(cells) in r for r in rows), t["id"]
    assert tr.t("report.themes.rising") in text
