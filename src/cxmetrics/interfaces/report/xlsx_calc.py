"""Tab 3 of the Excel report: live calculators and every metric's definition.

Each calculator is a small block of input cells (unlocked, highlighted, each with
a workbook-level defined name such as ``nps_promoters``) and result cells holding
Excel formulas written with those names, e.g.
``=IF(nps_promoters+nps_passives+nps_detractors=0,"",(nps_promoters-nps_detractors)/(...)*100)``.
Every division is guarded, so an empty calculator shows blanks, never ``#DIV/0!``.
The inputs are pre-filled with the report month's own numbers where the data has
them, so the results equal the report's values until the reader types over them;
the results also carry that value as their cached result, for viewers that do not
recalculate. The sheet is protected without a password (Review -> Unprotect sheet)
so that typing cannot overwrite a formula by accident; only the inputs are editable.

Results in percent are in percent units (``× 100``, as the definitions read), shown
with a literal percent sign in the language's style (``82.8%``, Finnish ``82,8 %``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from cxmetrics.interfaces.report.xlsx import HEADER, INPUT, finite, metric_label, metric_text

if TYPE_CHECKING:
    from cxmetrics.interfaces.report.xlsx import Book, Sheet

Values = dict[str, float | None]
TITLE = {"bold": True, "font_size": 11, "bg_color": "#DDEBF7", "top": 1, "top_color": "#9BC2E6"}


@dataclass(frozen=True)
class Input:
    name: str
    value: float | None
    fmt: str


@dataclass(frozen=True)
class Result:
    name: str
    formula: str
    compute: Callable[[Values], float | None]
    fmt: str
    report: float | None = None


@dataclass(frozen=True)
class Calculator:
    key: str
    section: str
    inputs: tuple[Input, ...]
    results: tuple[Result, ...]
    omitted: tuple[str, ...] = field(default_factory=tuple)


def _z(v: float | None) -> float:
    """An input as Excel reads it: a blank cell is 0."""
    return 0.0 if v is None else float(v)


def _div(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def _integral(v: float | None) -> float | None:
    """Counts rebuilt from a mean x n: the whole number when it is one."""
    if v is None:
        return None
    r = round(v)
    return float(r) if abs(v - r) < 1e-6 else v


def _kpi(book: Book, metric: str, key: str) -> float | None:
    k = book.kpis.get(metric)
    return finite(k.get(key)) if k else None


def calculators(book: Book) -> list[Calculator]:
    data = book.data
    pct = book.percent_points_format(1)
    count, money = "#,##0", "#,##0.00"
    comp = {r["metric"]: finite(r.get("numerator")) for r in (data.get("feedback") or {}).get("nps_composition", [])}
    ces_n = _kpi(book, "ces", "denominator")
    ces_mean = book.month_value("ces_mean")
    clv = (data.get("clv") or {}).get("overall") or {}

    nps_sum = "nps_promoters+nps_passives+nps_detractors"
    out = [
        Calculator("nps", "feedback", (
            Input("nps_promoters", comp.get("promoters_share"), count),
            Input("nps_passives", comp.get("passives_share"), count),
            Input("nps_detractors", comp.get("detractors_share"), count)), (
            Result("nps_answers", f"={nps_sum}",
                   lambda v: _z(v["nps_promoters"]) + _z(v["nps_passives"]) + _z(v["nps_detractors"]), count,
                   _kpi(book, "nps", "denominator")),
            Result("nps_result", f'=IF({nps_sum}=0,"",(nps_promoters-nps_detractors)/({nps_sum})*100)',
                   lambda v: None if (s := _z(v["nps_answers"])) == 0
                   else (_z(v["nps_promoters"]) - _z(v["nps_detractors"])) / s * 100, "0.0",
                   book.month_value("nps")))),
        Calculator("csat", "feedback", (
            Input("csat_satisfied", _kpi(book, "csat", "numerator"), count),
            Input("csat_responses", _kpi(book, "csat", "denominator"), count)), (
            Result("csat_result", '=IF(csat_responses=0,"",csat_satisfied/csat_responses*100)',
                   lambda v: _pct(v, "csat_satisfied", "csat_responses"), pct, book.month_value("csat")),)),
        Calculator("ces", "feedback", (
            Input("ces_low_effort", _kpi(book, "ces", "numerator"), count),
            Input("ces_responses", ces_n, count)), (
            Result("ces_result", '=IF(ces_responses=0,"",ces_low_effort/ces_responses*100)',
                   lambda v: _pct(v, "ces_low_effort", "ces_responses"), pct, book.month_value("ces")),)),
        Calculator("ces_mean", "feedback", (
            Input("ces_score_sum", _integral(ces_mean * ces_n) if ces_mean is not None and ces_n else None, count),
            Input("ces_answers", ces_n if ces_mean is not None else None, count)), (
            Result("ces_mean_result", '=IF(ces_answers=0,"",ces_score_sum/ces_answers)',
                   lambda v: _div(_z(v["ces_score_sum"]), _z(v["ces_answers"])), "0.00", ces_mean),)),
        Calculator("crr", "customers", (
            Input("crr_end", book.month_value("active_customers"), count),
            Input("crr_new", book.month_value("new_customers"), count),
            Input("crr_start", _kpi(book, "retention_rate", "denominator") or book.month_value("active_customers_start"),
                  count)), (
            Result("crr_result", '=IF(crr_start=0,"",(crr_end-crr_new)/crr_start*100)',
                   lambda v: None if _z(v["crr_start"]) == 0
                   else (_z(v["crr_end"]) - _z(v["crr_new"])) / _z(v["crr_start"]) * 100, pct,
                   book.month_value("retention_rate")),)),
        Calculator("churn", "customers", (
            Input("churn_lost", _kpi(book, "churn_rate", "numerator"), count),
            Input("churn_start", _kpi(book, "churn_rate", "denominator"), count)), (
            Result("churn_result", '=IF(churn_start=0,"",churn_lost/churn_start*100)',
                   lambda v: _pct(v, "churn_lost", "churn_start"), pct, book.month_value("churn_rate")),)),
        Calculator("cac", "customers", (
            Input("cac_spend", book.month_value("marketing_spend"), money),
            Input("cac_new", _kpi(book, "cac", "n") or book.month_value("new_customers"), count)), (
            Result("cac_result", '=IF(cac_new=0,"",cac_spend/cac_new)',
                   lambda v: _div(_z(v["cac_spend"]), _z(v["cac_new"])), money, book.month_value("cac")),)),
        Calculator("clv", "customers", (
            Input("clv_revenue", finite(clv.get("annual_revenue_per_customer")), money),
            Input("clv_churn", finite(clv.get("annual_churn_rate")), book.percent_points_format(2)),
            Input("clv_cac", finite(clv.get("cac")), money)), (
            Result("clv_years", '=IF(clv_churn=0,"",1/(clv_churn/100))',
                   lambda v: None if _z(v["clv_churn"]) == 0 else 1 / (_z(v["clv_churn"]) / 100), "0.00",
                   finite(clv.get("relationship_years"))),
            Result("clv_result", '=IF(clv_years="","",clv_revenue*clv_years-clv_cac)',
                   lambda v: None if v["clv_years"] is None
                   else _z(v["clv_revenue"]) * _z(v["clv_years"]) - _z(v["clv_cac"]), money,
                   finite(clv.get("value")))), omitted=("clv",)),
    ]
    # A calculator whose data is missing from the store starts empty (not with zeros).
    return [c if not ({c.section, *c.omitted} & set(book.omitted))
            else replace(c, inputs=tuple(replace(i, value=None) for i in c.inputs),
                         results=tuple(replace(r, report=None) for r in c.results))
            for c in out]


def _pct(v: Values, num: str, den: str) -> float | None:
    d = _z(v[den])
    return None if d == 0 else _z(v[num]) / d * 100


def calc_sheet(book: Book) -> None:
    from cxmetrics.interfaces.report.xlsx import title_block

    sh = book.sheet("calc")
    ws = sh.ws
    name = ws.get_name()
    row = title_block(book, sh, book.t("calc.title"), [book.t("calc.note"), book.t("calc.note_protect")], 5)
    heads = ["calc.col.item", "calc.col.value", "calc.col.how", "calc.col.report"]
    for c, key in enumerate(heads):
        sh.label(row, c, book.t(key), book.fmt(**HEADER), track=False)
    row += 1
    title = book.fmt(**TITLE)
    label = book.fmt(text_wrap=True)
    hint = book.fmt(italic=True, font_color="#595959", text_wrap=True)
    for calc in calculators(book):
        for c in range(4):
            ws.write_blank(row, c, None, title)
        sh.label(row, 0, book.t(f"calc.{calc.key}.title"), title, track=False)
        sh.label(row, 2, book.t(f"calc.{calc.key}.formula"), book.fmt(**{**TITLE, "italic": True, "bold": False,
                                                                           "text_wrap": True}),
                 track=False)
        row += 1
        missing = [s for s in (calc.section, *calc.omitted) if s in book.omitted]
        if missing:
            s = missing[0]
            sh.ws.merge_range(row, 0, row, 3, "", hint)
            sh.label(row, 0, book.join([book.omitted_line(s, book.omitted[s]), book.t("calc.own_numbers")]), hint,
                     track=False)
            ws.set_row(row, 28)
            row += 1
        values: Values = {}
        for inp in calc.inputs:
            sh.label(row, 0, book.t(f"calc.{calc.key}.{inp.name}"), label, track=False)
            f = book.fmt(num_format=inp.fmt, locked=False, bg_color=INPUT, border=1, border_color="#BF8F00")
            if inp.value is None:
                ws.write_blank(row, 1, None, f)
            else:
                ws.write_number(row, 1, inp.value, f)
            ws.data_validation(row, 1, row, 1, {
                "validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True,
                "error_title": book.t("calc.invalid_title"), "error_message": book.t("calc.invalid_message"),
                "input_title": book.t("calc.input_title"), "input_message": book.t("calc.input_message")[:255]})
            sh.label(row, 2, book.t(f"calc.{calc.key}.{inp.name}_hint"), hint, track=False)
            book.wb.define_name(inp.name, f"={quote_sheetname(name)}!{xl_rowcol_to_cell(row, 1, True, True)}")
            values[inp.name] = inp.value
            row += 1
        for res in calc.results:
            value = res.compute(values)
            values[res.name] = value
            bold = book.fmt(bold=True, text_wrap=True)
            sh.label(row, 0, book.t(f"calc.{calc.key}.{res.name}"), bold, track=False)
            ws.write_formula(row, 1, res.formula, book.fmt(num_format=res.fmt, bold=True, border=1,
                                                           border_color="#7F7F7F"),
                             "" if value is None else value)
            sh.label(row, 2, book.t(f"calc.{calc.key}.{res.name}_hint"), hint, track=False)
            sh.number(row, 3, res.report, book.fmt(num_format=res.fmt, font_color="#595959"))
            book.wb.define_name(res.name, f"={quote_sheetname(name)}!{xl_rowcol_to_cell(row, 1, True, True)}")
            row += 1
        row += 1
    row = definitions(book, sh, row + 1)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 48)
    ws.set_column(5, 5, 16)
    ws.set_column(6, 6, 30)
    ws.set_column(7, 7, 24)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})
    sh.print_setup()


#: Laid out to share the calculators' column widths (name, narrow, wide, narrow, wide).
DEFINITION_COLUMNS = ("metric", "unit", "description", "direction", "formula", "domain", "source", "metric_id")


def definitions(book: Book, sh: Sheet, row: int) -> int:
    """Every metric of the report: translated name, description, formula, unit and source."""
    tr, defs = book.tr, book.data.get("definitions", [])
    sh.label(row, 0, book.t("calc.definitions_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    for c, key in enumerate(DEFINITION_COLUMNS):
        sh.label(row, c, book.t(f"def.col.{key}"), book.fmt(**HEADER), track=False)
    row += 1
    wrap = book.fmt(text_wrap=True)
    for d in defs:
        key = d["metric"]
        sh.label(row, 0, metric_label(tr, key), book.fmt(bold=True, text_wrap=True), track=False)
        sh.label(row, 1, book.unit_label(d.get("unit")), wrap, track=False)
        sh.label(row, 2, metric_text(tr, key, "description"), wrap, track=False)
        direction = d.get("direction")
        sh.label(row, 3, book.t_or(f"direction.{direction}", str(direction or "")), wrap, track=False)
        sh.label(row, 4, metric_text(tr, key, "formula"), wrap, track=False)
        domain = d.get("domain")
        sh.label(row, 5, book.t_or(f"domain.{domain}", str(domain or "")), wrap, track=False)
        sh.text(row, 6, "; ".join(str(r) for r in d.get("references") or []), wrap, track=False)
        sh.label(row, 7, key, book.fmt(font_color="#7F7F7F"), track=False)
        row += 1
    return row
