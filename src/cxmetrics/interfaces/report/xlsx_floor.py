"""The workbook's support-floor sheet (issue 14): teams with the median of their agents, agents,
and SLA attainment by policy and SLA metric, the same data as the HTML/PDF block
(:mod:`cxmetrics.interfaces.report.floor`). Values are stored as numbers in the sheets' units
(percent as fractions, durations as days); names from the data are defused like every cell."""

from __future__ import annotations

from typing import Any

from cxmetrics.interfaces.report.floor import SHOWN, SLA_METRICS
from cxmetrics.interfaces.report.xlsx import (
    HEADER,
    Book,
    excel_value,
    metric_label,
    title_block,
    value_format,
)
from cxmetrics.metrics.registry import get


def floor_sheet(book: Book) -> None:
    """Nothing when the report has no agents (no support data or the section not asked for)."""
    tr, floor = book.tr, book.data.get("floor")
    if not floor or not floor.get("agents"):
        return
    sh = book.sheet("floor")
    month = tr.month(book.start)
    row = title_block(book, sh, tr.t("report.floor.teams_title", month=month),
                      [tr.t("report.floor.lead"), tr.t("report.floor.note")], 10)
    figs = [(f, m) for f, m in floor["figures"].items() if f in SHOWN]
    none = tr.t("report.floor.unassigned")
    head = book.fmt(**HEADER)

    def header(first: list[str]) -> None:
        for c, text in enumerate([*first, *(metric_label(tr, m) for _, m in figs)]):
            sh.label(row, c, text, head)

    def figures(r: int, col: int, rec: dict[str, Any], fmt_extra: dict[str, Any]) -> None:
        for i, (fig, metric) in enumerate(figs):
            unit = get(metric).unit
            fmt = book.fmt(num_format=value_format(unit, metric), **fmt_extra)
            low = fig in rec.get("low_n", [])
            if low:
                fmt = book.fmt(num_format=value_format(unit, metric), italic=True, font_color="#808080", **fmt_extra)
            sh.number(r, col + i, excel_value(rec.get(fig), unit), fmt)

    header([tr.t("report.floor.col_team"), ""])
    row += 1
    for t in floor["teams"]:
        sh.text(row, 0, t["team"] if t["team"] is not None else none)
        figures(row, 2, t, {"bold": True})
        row += 1
        sh.label(row, 1, tr.t("report.floor.median"), book.fmt(italic=True))
        figures(row, 2, t["median_of_agents"], {"italic": True})
        row += 1
    row += 1
    sh.label(row, 0, tr.t("report.floor.agents_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    header([tr.t("report.floor.col_agent"), tr.t("report.floor.col_team")])
    first = row
    row += 1
    for a in floor["agents"]:
        sh.text(row, 0, a["agent"] if a["agent"] is not None else none)
        sh.text(row, 1, a["team"])
        figures(row, 2, a, {})
        row += 1
    sh.ws.autofilter(first, 0, row - 1, 1 + len(figs))
    row += 1
    sla = floor.get("sla") or []
    if sla:
        sh.label(row, 0, tr.t("report.floor.sla_title", month=month), book.fmt(bold=True, font_size=12), track=False)
        row += 1
        for c, key in enumerate(("col_policy", "col_sla_metric", "col_attainment", "col_met_n", "col_decided",
                                 "col_breaches")):
            sh.label(row, c, tr.t(f"report.floor.{key}"), head)
        row += 1
        by_key: dict[tuple[Any, Any], dict[str, Any]] = {}
        for r in sla:
            by_key.setdefault((r["sla_policy"], r["sla_metric"]), {})[r["metric"]] = r
        order = {m: i for i, m in enumerate(SLA_METRICS)}
        for (policy, metric), recs in sorted(by_key.items(), key=lambda kv: (str(kv[0][0]), order.get(kv[0][1], 99))):
            att, br = recs.get("sla_attainment"), recs.get("sla_breaches")
            mkey = f"report.floor.sla_metric.{metric}"
            sh.text(row, 0, policy)
            sh.label(row, 1, tr.t(mkey) if tr.has(mkey) else str(metric))
            sh.number(row, 2, excel_value(att["value"], "percent") if att else None, book.fmt(num_format="0.0%"))
            sh.number(row, 3, att["numerator"] if att else None, book.fmt(num_format="#,##0"))
            sh.number(row, 4, att["denominator"] if att else None, book.fmt(num_format="#,##0"))
            sh.number(row, 5, br["value"] if br else 0, book.fmt(num_format="#,##0"))
            row += 1
    sh.fit()
    sh.print_setup()
