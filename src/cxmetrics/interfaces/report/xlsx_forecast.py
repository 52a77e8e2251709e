"""The workbook's forecast-and-staffing sheet (issue 15): the same data as the HTML/PDF section
(``forecast`` of the report JSON). Three blocks: every forecast day per series with its 80% and
95% bounds (numbers and dates, filterable); the backtest per series (MASE, interval coverage, the
AHT forecast's MAPE and MASE); and agents required against scheduled by weekday and hour, the
gaps (scheduled - required, below 0 is short) highlighted by conditional formatting so that a
reader's own edits recolour. Series names from the data are defused like every cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import get_day_names

from cxmetrics.interfaces.report.xlsx import HEADER, Book, excel_value, title_block

BOUNDS = ("lower_80", "upper_80", "lower_95", "upper_95")


def forecast_sheet(book: Book) -> None:
    """Nothing when the report has no forecast; one explanatory line when it was omitted."""
    tr, fc = book.tr, book.data.get("forecast")
    if not fc:
        return
    sh = book.sheet("forecast")
    t = lambda key, **kw: tr.t(f"report.forecast.{key}", **kw)  # noqa: E731
    if "omitted" in fc:
        title_block(book, sh, tr.t("report.section.forecast"), [t("omitted", reason=fc["omitted"])], 8)
        sh.print_setup()
        return
    bt = fc["backtest"]
    pct = lambda v: "–" if v is None else tr.percent(100 * v)  # noqa: E731
    backtest = (t("backtest", folds=tr.number(bt["folds"], 0), days=tr.number(bt["horizon_days"], 0),
                  mase=tr.number(bt["mase"], 2), c80=pct(bt["coverage_80"]), c95=pct(bt["coverage_95"]))
                if bt.get("points") else t("no_backtest"))
    row = title_block(book, sh, tr.t("report.section.forecast"),
                      [t("lead", start=tr.date(fc["from"]), end=tr.date(fc["to"]), history=tr.date(fc["history_to"])),
                       backtest, book.t("forecast.note")], 10)
    head = book.fmt(**HEADER)
    dim = fc["by"][0]
    dim_label = t(f"by_{dim}")
    date_fmt = book.fmt(num_format=book.date_format())
    count_fmt = book.fmt(num_format="#,##0.0")

    # 1. the days ahead
    sh.label(row, 0, t("title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    cols = [dim_label, book.t("forecast.col_date"), t("col_peak"), *(book.t(f"forecast.{b}") for b in BOUNDS)]
    for c, text in enumerate(cols):
        sh.label(row, c, text, head)
    first = row
    row += 1
    for r in fc.get("daily", []):
        sh.text(row, 0, tr.dim_value(dim, r.get(dim)))
        sh.ws.write_datetime(row, 1, dt.datetime.fromisoformat(str(r["period_start"])[:10]), date_fmt)
        sh.track(1, 11)
        sh.number(row, 2, r["value"], count_fmt)
        for i, b in enumerate(BOUNDS):
            sh.number(row, 3 + i, r[b], count_fmt)
        row += 1
    sh.ws.autofilter(first, 0, max(row - 1, first), len(cols) - 1)
    sh.ws.freeze_panes(first + 1, 0)
    row += 1

    # 2. the backtest per series, volume and AHT
    sh.label(row, 0, book.t("forecast.backtest_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    cols = [dim_label, "MASE", t("col_coverage"), book.t("forecast.col_coverage_95"), t("col_aht"),
            book.t("forecast.col_aht_mape"), book.t("forecast.col_aht_mase")]
    for c, text in enumerate(cols):
        sh.label(row, c, text, head)
    row += 1
    ahts = {str(s.get(dim)): s for s in fc.get("series", [])}
    aht_bt = {str(s.get(dim)): s for s in fc.get("aht_series", [])}
    for s in fc.get("backtest_series", []):
        key = str(s.get(dim))
        sh.text(row, 0, tr.dim_value(dim, s.get(dim)))
        sh.number(row, 1, s.get("mase"), book.fmt(num_format="0.00"))
        sh.number(row, 2, s.get("coverage_80"), book.fmt(num_format="0.0%"))
        sh.number(row, 3, s.get("coverage_95"), book.fmt(num_format="0.0%"))
        sh.number(row, 4, excel_value((ahts.get(key) or {}).get("aht_seconds"), "seconds"),
                  book.fmt(num_format="[h]:mm:ss"))
        sh.number(row, 5, (aht_bt.get(key) or {}).get("mape"), book.fmt(num_format="0.0%"))
        sh.number(row, 6, (aht_bt.get(key) or {}).get("mase"), book.fmt(num_format="0.00"))
        row += 1
    total = book.fmt(bold=True)
    sh.label(row, 0, book.t("forecast.all"), total)
    sh.number(row, 1, bt.get("mase"), book.fmt(num_format="0.00", bold=True))
    sh.number(row, 2, bt.get("coverage_80"), book.fmt(num_format="0.0%", bold=True))
    sh.number(row, 3, bt.get("coverage_95"), book.fmt(num_format="0.0%", bold=True))
    aht_all = fc.get("aht_backtest") or {}
    sh.number(row, 5, aht_all.get("mape"), book.fmt(num_format="0.0%", bold=True))
    sh.number(row, 6, aht_all.get("mase"), book.fmt(num_format="0.00", bold=True))
    row += 2

    # 3. required against scheduled by weekday and hour
    st = fc.get("staffing") or {}
    sh.label(row, 0, t("staff_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    if "omitted" in st:
        sh.label(row, 0, t("staff_omitted", reason=st["omitted"]), track=False)
        _finish(sh)
        return
    cells = {(int(c["weekday"]), int(c["hour"])): c for c in st.get("cells", [])}
    known = st.get("basis") is not None
    row = _grid(book, sh, row, book.t("forecast.required_grid"), cells, "required", None)
    if known:
        sh.label(row, 0, t("short", short=tr.number(st["short_hours"], 0), hours=tr.number(st["hours"], 0)),
                 track=False)
        row += 1
        row = _grid(book, sh, row, book.t("forecast.scheduled_grid"), cells, "scheduled", None)
        _grid(book, sh, row, book.t("forecast.gap_grid"), cells, "gap", "gap")
    else:
        sh.label(row, 0, t("no_schedule"), track=False)
    _finish(sh)


def _grid(book: Book, sh: Any, row: int, title: str, cells: dict[tuple[int, int], dict[str, Any]], field: str,
          highlight: str | None) -> int:
    """A weekday x hour table of ``field``; ``highlight="gap"`` colours short cells red, covered green."""
    names = get_day_names("abbreviated", locale=book.tr.locale)
    head = book.fmt(**HEADER)
    sh.label(row, 0, title, book.fmt(bold=True), track=False)
    row += 1
    sh.label(row, 0, "", head)
    for h in range(24):
        sh.label(row, 1 + h, f"{h:02d}", head, track=False)
    top = row + 1
    for wd in range(1, 8):
        r = top + wd - 1
        sh.label(r, 0, names[wd - 1], book.fmt(bold=True))
        for h in range(24):
            c = cells.get((wd, h))
            sh.number(r, 1 + h, None if c is None else c.get(field), book.fmt(num_format="0.0"), width=4)
    if highlight == "gap":
        rng = (top, 1, top + 6, 24)
        sh.ws.conditional_format(*rng, {"type": "cell", "criteria": "<", "value": 0,
                                        "format": book.dxf(bg_color="#FFC7CE", font_color="#9C0006")})
        sh.ws.conditional_format(*rng, {"type": "cell", "criteria": ">=", "value": 0,
                                        "format": book.dxf(bg_color="#C6EFCE", font_color="#006100")})
    else:
        sh.ws.conditional_format(top, 1, top + 6, 24, {"type": "2_color_scale", "min_color": "#FFFFFF",
                                                      "max_color": "#9BC2E6"})
    return top + 8


def _finish(sh: Any) -> None:
    sh.fit({c: 5.5 for c in range(8, 25)})
    sh.print_setup()
