"""The Excel report: read back with openpyxl (and the chart XML), its live formulas
recalculated by the `formulas` engine, text from the data defused, five languages."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import string
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cxmetrics.interfaces.i18n import LANGS, translator
from cxmetrics.interfaces.report import render
from cxmetrics.interfaces.report.xlsx import render_xlsx, sheet_name
from tests.test_report_html import demo_report, tickets_only_report

CATALOGS = Path(__file__).resolve().parents[1] / "src" / "cxmetrics" / "interfaces" / "i18n" / "catalogs"
SHEETS = ("metrics", "volume", "calc", "floor", "themes", "forecast", "data")
EVIL = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)",
        "\t=1+1", "\r=1+1"]


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    """A small full demo (about 500 tickets a month, every table) for December 2024: the
    same report the HTML and PDF tests read, built once per process (treat as read-only)."""
    return demo_report()


@pytest.fixture(scope="module")
def tickets_report() -> dict[str, Any]:
    """Only the help desk's tables: feedback, customers, calls and carts are left out."""
    return tickets_only_report()


@pytest.fixture(scope="module")
def xlsx(report: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "report-en.xlsx"
    path.write_bytes(render_xlsx(report, "en"))
    return path


@pytest.fixture(scope="module")
def book(xlsx: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(xlsx)


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _header_row(ws: Any, first: str) -> int:
    """1-based row whose first cell is ``first``."""
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row and row[0] == first:
            return i
    raise AssertionError(f"no row starting with {first!r}")


def _days(value: Any) -> Any:
    """A duration cell as stored (a fraction of a day); openpyxl reads [h]:mm:ss cells as times."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return value


def _texts(wb: openpyxl.Workbook) -> list[str]:
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


# -- structure -----------------------------------------------------------------------------------------

def test_four_translated_sheets_and_properties(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    assert book.sheetnames == [tr.t(f"xlsx.sheet.{s}") for s in SHEETS]
    assert book.properties.title == tr.t("xlsx.title", month=tr.month(report["period"]["start"]))
    assert book.properties.subject
    assert book.properties.created == dt.datetime.fromisoformat(report["generated_at"]).replace(tzinfo=None)
    for ws in book:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
        assert ws.page_setup.fitToHeight == 0  # as many pages down as needed


def test_sheet_names_are_valid_and_unique() -> None:
    name = sheet_name("Tickets: [a/b] * c? \\ d" * 3)
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert sheet_name("'Data'") == "Data"
    assert sheet_name("Data", ["data"]) == "Data (2)"
    assert sheet_name("x" * 40, ["x" * 31]) == "x" * 27 + " (2)"


def test_all_metrics_has_every_row_and_month_as_numbers(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    ws = book.worksheets[0]
    h = _header_row(ws, tr.t("xlsx.col.domain"))
    header = [c.value for c in ws[h]]
    months = report["months"]
    assert len(months) == 13
    assert header[3:16] == [tr.month(m, short=True) for m in months]
    id_col = header.index(tr.t("xlsx.col.metric_id"))
    body = [row for row in _rows(ws)[h:] if row[id_col]]
    assert len(body) == len(report["table"])
    # each table row once, matched by metric id and the group in the label
    remaining = list(body)
    for r in report["table"]:
        match = [b for b in remaining if b[id_col] == r["metric"]
                 and (r["group"] is None or b[1].endswith(tr.dim_value(r["dimension"], r["group"])))]
        assert match, r["metric"]
        row = match[0]
        remaining.remove(row)
        for v, value in zip(r["values"], row[3:16], strict=True):
            cell = _days(value)
            if v is None:
                assert cell is None
            elif r["unit"] == "percent":
                assert cell == pytest.approx(v / 100)
            elif r["unit"] == "seconds":
                assert cell == pytest.approx(v / 86400)
            else:
                assert cell == pytest.approx(v)
    # grouped by domain in the report's order, headline metrics first within each
    domains = [b[0] for b in body]
    order = [tr.t(f"xlsx.domain.{d}") for d in ("support", "feedback", "customers", "contact", "commerce")]
    assert [d for d in order if d in domains] == list(dict.fromkeys(domains))
    assert body[0][id_col] == "ticket_volume"
    share = [b[1] for b in body if b[id_col] == "channel_share"]
    assert share and all(" — " in s for s in share)


def test_all_metrics_formats_highlight_filter_and_freeze(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    ws = book.worksheets[0]
    h = _header_row(ws, tr.t("xlsx.col.domain"))
    assert ws.freeze_panes == f"C{h + 1}"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{h}:")
    rep = 4 + report["months"].index(report["period"]["start"])  # 1-based column of the report month
    fills = {ws.cell(r, rep).fill.fgColor.rgb for r in range(h + 1, ws.max_row + 1)}
    assert fills == {"FFFFF2CC"}
    assert ws.cell(h + 1, rep - 1).fill.fgColor.rgb != "FFFFF2CC"
    units = {}
    for r in range(h + 1, ws.max_row + 1):
        units.setdefault(ws.cell(r, 3).value, ws.cell(r, rep).number_format)
    assert units[tr.t("xlsx.unit.percent")] == "0.0%"
    assert units[tr.t("xlsx.unit.seconds")] == "[h]:mm:ss"
    assert units[tr.t("xlsx.unit.count")] == "#,##0"
    assert units[tr.t("xlsx.unit.currency")] == "#,##0.00"
    # good/bad colouring of the change columns by each metric's direction
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) >= 2 * sum(k["direction"] != "neutral" for k in report["kpis"])


def test_kpi_change_columns(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    ws = book.worksheets[0]
    h = _header_row(ws, tr.t("xlsx.col.domain"))
    header = [c.value for c in ws[h]]
    c_prev, c_year = header.index(tr.t("xlsx.col.change_previous")), header.index(tr.t("xlsx.col.change_year"))
    id_col = header.index(tr.t("xlsx.col.metric_id"))
    by_id = {row[id_col]: row for row in _rows(ws)[h:] if row[id_col]}
    kpis = {k["metric"]: k for k in report["kpis"]}
    nps, vol = kpis["nps"], kpis["ticket_volume"]
    assert by_id["nps"][c_prev] == pytest.approx(nps["previous"]["change"])  # points
    assert by_id["ticket_volume"][c_year] == pytest.approx(vol["year"]["change"] / vol["year"]["previous_value"])
    csat = kpis["csat"]
    assert by_id["csat"][c_prev] == pytest.approx(csat["previous"]["change"])  # percentage points
    assert by_id["csat"][header.index(tr.t("xlsx.col.target"))] == pytest.approx(csat["target"] / 100)
    assert by_id["csat"][header.index(tr.t("xlsx.col.target_status"))] == tr.t(
        "xlsx.target_met" if csat["meets_target"] else "xlsx.target_missed")
    sig = by_id["ticket_volume"][c_prev + 1]
    assert sig == tr.t("xlsx.yes" if vol["previous"]["significant"] else "xlsx.no")
    # non-headline rows carry no comparison
    assert by_id["reopen_rate"][c_prev] is None


# -- ticket volume -------------------------------------------------------------------------------------

def _charts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)}


def _refs(xml: str, tag: str) -> list[str]:
    return re.findall(rf"<c:{tag}>\s*<c:numRef>\s*<c:f>([^<]+)</c:f>", xml) + \
        re.findall(rf"<c:{tag}>\s*<c:strRef>\s*<c:f>([^<]+)</c:f>", xml)


def _cells(wb: openpyxl.Workbook, ref: str) -> list[Any]:
    sheet, rng = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'").replace("''", "'")]
    return [c.value for row in ws[rng.replace("$", "")] for c in row]


def _check_charts(path: Path, wb: openpyxl.Workbook, n: int) -> None:
    charts = _charts(path)
    assert len(charts) == n
    volume = wb.worksheets[1].title
    for xml in charts.values():
        assert "<c:lineChart>" in xml
        values = _refs(xml, "val")
        assert values, "a chart without series"
        for ref in values:
            assert volume in ref
            cells = _cells(wb, ref)
            assert len(cells) >= 2 and all(isinstance(v, int | float) for v in cells)
        for ref in _refs(xml, "cat"):
            assert all(v is not None for v in _cells(wb, ref))


def test_volume_tables_and_native_line_charts(xlsx: Path, book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    _check_charts(xlsx, book, 2)
    ws = book.worksheets[1]
    rows = _rows(ws)
    h = _header_row(ws, tr.t("xlsx.col.month"))
    header = rows[h - 1]
    monthly = rows[h:h + 13]
    assert [r[0] for r in monthly] == [tr.month(m, short=True) for m in report["months"]]
    cats = [c for c in header[1:] if c and c != tr.t("xlsx.col.total")]
    want: dict[tuple[str, str], float] = {}
    for r in report["volume"]["monthly"]:
        key = (tr.month(r["period_start"], short=True), tr.dim_value("category", r["category"]))
        want[key] = want.get(key, 0) + (r["value"] or 0)
    for row in monthly:
        for j, c in enumerate(cats, start=1):
            assert row[j] == want.get((row[0], c), 0)
        assert row[len(cats) + 1] == sum(row[1:len(cats) + 1])
    # the daily table: one row per day of the month, spike days highlighted
    d = _header_row(ws, tr.t("xlsx.col.date"))
    days = [r for r in rows[d:d + 31] if isinstance(r[0], dt.datetime)]
    assert len(days) == 31
    spike_days = {s["date"] for s in report["volume"]["spikes"] if s["in_period"]}
    assert spike_days, "the small demo has a spike in December"
    for i, r in enumerate(days):
        marked = ws.cell(d + 1 + i, 1).fill.fgColor.rgb == "FFF8CBAD"
        assert marked == (r[0].date().isoformat() in spike_days)
    # spikes: one row each with a sentence naming the numbers
    s = next(i for i, r in enumerate(rows) if len(r) > 9 and r[9] == tr.t("xlsx.col.explanation"))
    sentences = [r[9] for r in rows[s + 1:] if r and isinstance(r[9], str)]
    assert len(sentences) == len(report["volume"]["spikes"])
    first = report["volume"]["spikes"][0]
    assert tr.number(first["tickets"]) in sentences[0]
    assert tr.dim_value("category", first["top_category"]) in sentences[0]


# -- calculators ---------------------------------------------------------------------------------------

def recalc(path: Path) -> dict[str, Any]:
    """Every defined name's value after the `formulas` engine recalculated the workbook."""
    import formulas

    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = {k.upper(): v for k, v in model.calculate().items()}
    out = {}
    for name, dn in openpyxl.load_workbook(path).defined_names.items():
        sheet, ref = dn.attr_text.split("!")
        sheet = sheet.strip("'").replace("''", "'")
        key = f"'[{path.name}]{sheet}'!{ref.replace('$', '')}".upper()
        value = solution[key].value[0][0]
        # a blank cell is the engine's `empty` token; "" is a formula's blank
        out[name] = float(value) if isinstance(value, int | float) else (None if str(value) in ("", "empty")
                                                                          else str(value))
    return out


CALC_INPUTS = ("nps_promoters", "nps_passives", "nps_detractors", "csat_satisfied", "csat_responses",
               "ces_low_effort", "ces_responses", "ces_score_sum", "ces_answers", "crr_end", "crr_new", "crr_start",
               "churn_lost", "churn_start", "cac_spend", "cac_new", "clv_revenue", "clv_churn", "clv_cac")


@pytest.fixture(scope="module")
def solved(xlsx: Path) -> dict[str, Any]:
    return recalc(xlsx)


def _month(report: dict[str, Any], metric: str) -> float:
    i = report["months"].index(report["period"]["start"])
    return next(r["values"][i] for r in report["table"] if r["metric"] == metric and r["group"] is None)


def test_prefilled_calculators_equal_the_report(solved: dict[str, Any], report: dict[str, Any]) -> None:
    kpi = {k["metric"]: k for k in report["kpis"]}
    comp = {c["metric"]: c["numerator"] for c in report["feedback"]["nps_composition"]}
    assert solved["nps_promoters"] == comp["promoters_share"]
    assert solved["nps_result"] == pytest.approx(kpi["nps"]["value"])
    assert solved["nps_answers"] == kpi["nps"]["denominator"]
    assert solved["csat_result"] == pytest.approx(kpi["csat"]["value"])
    assert solved["ces_result"] == pytest.approx(kpi["ces"]["value"])
    assert solved["ces_mean_result"] == pytest.approx(_month(report, "ces_mean"))
    assert solved["crr_result"] == pytest.approx(kpi["retention_rate"]["value"])
    assert solved["churn_result"] == pytest.approx(kpi["churn_rate"]["value"])
    assert solved["cac_result"] == pytest.approx(kpi["cac"]["value"])
    clv = report["clv"]["overall"]
    assert solved["clv_years"] == pytest.approx(clv["relationship_years"])
    assert solved["clv_result"] == pytest.approx(clv["value"])


def test_calculator_cells_are_inputs_and_cached(xlsx: Path, book: openpyxl.Workbook,
                                                solved: dict[str, Any]) -> None:
    ws = book.worksheets[2]
    cached = openpyxl.load_workbook(xlsx, data_only=True).worksheets[2]
    assert ws.protection.sheet and not ws.protection.password
    assert set(CALC_INPUTS) < set(book.defined_names)
    for name, dn in book.defined_names.items():
        ref = dn.attr_text.split("!")[1].replace("$", "")
        cell = ws[ref]
        if name in CALC_INPUTS:
            assert cell.protection.locked is False, name
            assert cell.fill.fgColor.rgb == "FFFFEB9C", name
        else:  # a locked formula, every division guarded, its value cached for viewers that do not recalculate
            assert cell.data_type == "f" and cell.protection.locked is not False, name
            assert "/" not in cell.value or cell.value.startswith("=IF("), name
            assert cached[ref].value == pytest.approx(solved[name]), name


def test_calculators_follow_new_inputs(xlsx: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(xlsx)
    ws = wb.worksheets[2]
    new = {"nps_promoters": 50, "nps_passives": 30, "nps_detractors": 20, "csat_satisfied": 45,
           "csat_responses": 60, "ces_low_effort": 30, "ces_responses": 40, "ces_score_sum": 250, "ces_answers": 50,
           "crr_end": 1100, "crr_new": 200, "crr_start": 1000, "churn_lost": 25, "churn_start": 0,
           "cac_spend": 10000, "cac_new": 250, "clv_revenue": 500, "clv_churn": 25, "clv_cac": 40}
    for name, value in new.items():
        ws[wb.defined_names[name].attr_text.split("!")[1].replace("$", "")] = value
    path = tmp_path / "changed.xlsx"
    wb.save(path)
    got = recalc(path)
    assert got["nps_result"] == pytest.approx(30.0)  # (50 - 20) / 100 * 100
    assert got["csat_result"] == pytest.approx(75.0)
    assert got["ces_result"] == pytest.approx(75.0)
    assert got["ces_mean_result"] == pytest.approx(5.0)
    assert got["crr_result"] == pytest.approx(90.0)  # (1100 - 200) / 1000
    assert got["churn_result"] is None  # no customers at the start: blank, not #DIV/0!
    assert got["cac_result"] == pytest.approx(40.0)
    assert got["clv_years"] == pytest.approx(4.0)  # 1 / 25 %
    assert got["clv_result"] == pytest.approx(1960.0)  # 500 x 4 - 40


# -- text from the data is inert -----------------------------------------------------------------------

def test_formula_injection_is_defused(report: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(report)
    base = data["feedback"]["comments"][0]
    data["feedback"]["comments"] = [dict(base, comment=e, customer_id=e, channel="=chan") for e in EVIL]
    for r in data["volume"]["monthly"] + data["volume"]["daily"]:
        if r["category"] == data["volume"]["monthly"][0]["category"]:
            r["category"] = "=1+2"
    data["volume"]["spikes"][0]["category"][0]["value"] = "@evil"
    data["kpis"][0]["target_source"] = "-1+1"
    path = tmp_path / "evil.xlsx"
    path.write_bytes(render_xlsx(data, "en"))
    wb = openpyxl.load_workbook(path)
    # (openpyxl leaves the CR escaped as the file stores it: _x000D_)
    texts = [t.replace("_x000D_", "\r") for t in _texts(wb)]
    for e in EVIL:
        assert "'" + e in texts
        assert e not in texts
    for e in ("=1+2", "@evil", "-1+1", "=chan"):
        assert "'" + e in texts and e not in texts
    for i, ws in enumerate(wb):
        for row in ws.iter_rows():
            for c in row:
                if i != 2:  # only the calculators hold formulas
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(path) as z:
        for n in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet4.xml"):
            assert "<f>" not in z.read(n).decode()
        assert "HYPERLINK" not in "".join(z.read(n).decode() for n in z.namelist() if "worksheets" in n)


# -- a store with tickets only -------------------------------------------------------------------------

def test_tickets_only_workbook(tickets_report: dict[str, Any], tmp_path: Path) -> None:
    tr = translator("en")
    omitted = tickets_report["omitted"]
    assert {o["section"] for o in omitted} == {"feedback", "customers", "calls", "carts"}
    path = tmp_path / "tickets.xlsx"
    path.write_bytes(render_xlsx(tickets_report, "en"))
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 6  # the agents and forecast sheets need tickets only
    texts = _texts(wb)
    for o in omitted:
        line = tr.t("xlsx.omitted.line", section=tr.t(f"xlsx.section.{o['section']}"),
                    reason=tr.t(f"xlsx.reason.{o['reason']}"))
        assert line in [c.value for c in wb.worksheets[0]["A"]]
    ids = {r[-1] for r in _rows(wb.worksheets[0])}
    assert "ticket_volume" in ids and "contacts_per_issue" in ids
    assert not ids & {"active_customers", "new_customers", "call_volume", "revenue", "marketing_spend", "nps"}
    _check_charts(path, wb, 2)
    got = recalc(path)
    assert all(got[n] is None for n in CALC_INPUTS)
    assert got["nps_result"] is None and got["clv_result"] is None
    data_texts = [v for row in _rows(wb.worksheets[-1]) for v in row if isinstance(v, str)]
    assert any(t.startswith(tr.t("xlsx.section.feedback")) for t in data_texts)
    assert not any("xlsx." in t for t in texts)


def test_without_support_there_is_no_chart(report: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(report)
    del data["volume"]
    data["omitted"] = [{"section": "support", "reason": "no_tickets"}]
    path = tmp_path / "nosupport.xlsx"
    path.write_bytes(render_xlsx(data, "en"))
    wb = openpyxl.load_workbook(path)
    assert not _charts(path)
    tr = translator("en")
    assert tr.t("xlsx.reason.no_tickets") in " ".join(_texts(wb))


# -- languages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", list(LANGS))
def test_every_language(report: dict[str, Any], lang: str) -> None:
    tr = translator(lang)
    wb = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", lang)))
    names = [tr.t(f"xlsx.sheet.{s}") for s in SHEETS]
    assert wb.sheetnames == names
    if lang != "en":
        en = translator("en")
        assert not set(names) & {en.t(f"xlsx.sheet.{s}") for s in SHEETS}
    texts = _texts(wb)
    leaked = [t for t in texts if re.search(r"\bxlsx\.[a-z_]+\.", t)]
    assert not leaked
    h = _header_row(wb.worksheets[0], tr.t("xlsx.col.domain"))
    header = [c.value for c in wb.worksheets[0][h]]
    assert header[3:16] == [tr.month(m, short=True) for m in report["months"]]
    assert tr.t("xlsx.calc.nps.title") in texts
    assert wb.properties.title == tr.t("xlsx.title", month=tr.month(report["period"]["start"]))


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def test_catalogs_complete_and_consistent() -> None:
    cats = {lang: _flat(tomllib.loads((CATALOGS / f"xlsx.{lang}.toml").read_text("utf-8"))) for lang in LANGS}
    en = cats["en"]
    assert all(k.startswith("xlsx.") for k in en)
    for lang, cat in cats.items():
        assert set(cat) == set(en), lang
        for k, v in cat.items():
            assert v.strip(), (lang, k)
            assert _placeholders(v) == _placeholders(en[k]), (lang, k)
        for s in SHEETS:
            name = cat[f"xlsx.sheet.{s}"]
            assert len(name) <= 31 and not set(name) & set("[]:*?/\\") and sheet_name(name) == name
        if lang != "en":
            same = [k for k, v in cat.items() if v == en[k] and not re.fullmatch(r"[\W\dA-Zn]*|.*[=×/].*", v)]
            assert len(same) < len(cat) // 10, (lang, same)  # names such as NPS, Feedback, Ticket


# -- agents, teams and SLA by policy (issue 14) ------------------------------------------------------
def test_floor_sheet_lists_teams_agents_and_sla(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    tr = translator("en")
    ws = book[tr.t("xlsx.sheet.floor")]
    floor = report["floor"]
    agents_head = _header_row(ws, "Agent")
    rows = _rows(ws)
    agents = []
    for r in rows[agents_head:]:
        if r[0] is None:
            break
        agents.append(r)
    assert len(agents) == len(floor["agents"])
    from cxmetrics.interfaces.report.xlsx import metric_label

    figs = rows[agents_head - 1]
    col = figs.index(metric_label(tr, floor["figures"]["tickets_resolved"]))
    assert [r[col] for r in agents] == [a["tickets_resolved"] for a in floor["agents"]]
    if floor["sla"]:
        sla_head = _header_row(ws, "Policy")
        att = [r for r in floor["sla"] if r["metric"] == "sla_attainment"]
        got = [r for r in rows[sla_head:] if r[0] is not None]
        assert len(got) == len({(r["sla_policy"], r["sla_metric"]) for r in floor["sla"]})
        one = att[0]
        row = next(r for r in got if r[0] == one["sla_policy"] and r[4] == one["denominator"])
        assert row[2] == pytest.approx(one["value"] / 100) and row[3] == one["numerator"]


def test_floor_sheet_defuses_names(report: dict[str, Any], tmp_path: Path) -> None:
    evil = copy.deepcopy(report)
    for a, name in zip(evil["floor"]["agents"], EVIL, strict=False):
        a["agent"] = name
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(evil, "en")))
    ws = wb[translator("en").t("xlsx.sheet.floor")]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not any(str(c.value).startswith(("=", "+", "-", "@")) for c in cells)
