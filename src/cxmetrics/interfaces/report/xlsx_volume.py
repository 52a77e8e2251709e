"""Tab 2 of the Excel report: ticket volume by category (monthly and daily tables with
native line charts) and the volume spikes, each explained in a sentence."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from cxmetrics.interfaces.report.xlsx import (
    HEADER,
    HIGHLIGHT,
    SENTENCE_COLUMNS,
    SPIKE,
    Book,
    Sheet,
    finite,
    text_width,
    title_block,
)

# -- 2. ticket volume ----------------------------------------------------------------------------------

def volume_sheet(book: Book) -> None:
    tr, data = book.tr, book.data
    sh = book.sheet("volume")
    vol = data.get("volume")
    month = tr.month(book.start)
    if not vol:
        reason = book.omitted.get("support", "no_tickets")
        title_block(book, sh, book.t("volume.title", month=month), [book.omitted_line("support", reason)])
        sh.print_setup()
        return
    method = vol.get("method") or {}
    lines = [book.t("volume.note")]
    if method:
        lines.append(book.t("spike.method", ratio=tr.number(method.get("ratio"), 1), weeks=method.get("weeks"),
                            z=tr.number(method.get("z"), 0), min_excess=method.get("min_excess")))
    row = title_block(book, sh, book.t("volume.title", month=month), lines, 10)
    row = _monthly_table(book, sh, row, vol)
    row = _daily_table(book, sh, row + 1, vol)
    _spikes_table(book, sh, row + 1, vol)
    sh.fit(fixed={0: 14})
    sh.print_setup()


def chart_column(categories: int) -> int:
    """Where both volume charts start: right of the wider, daily table (date, weekday, the
    categories, total, usual, spike) and one blank column, so the two charts line up."""
    return 2 + categories + 3 + 1


def _categories(records: list[dict[str, Any]], value_key: str) -> list[Any]:
    totals: dict[Any, float] = {}
    for r in records:
        totals[r.get("category")] = totals.get(r.get("category"), 0.0) + (finite(r.get(value_key)) or 0.0)
    return sorted(totals, key=lambda c: (-totals[c], str(c)))


def _line_chart(book: Book, sh: Sheet, title: str, header_row: int, first: int, last: int,
                cols: list[int], y_title: str, x_title: str, date_axis: bool = False) -> Any:
    chart = book.wb.add_chart({"type": "line"})
    name = sh.ws.get_name()
    for c in cols:
        chart.add_series({"name": [name, header_row, c], "categories": [name, first, 0, last, 0],
                          "values": [name, first, c, last, c], "marker": {"type": "circle", "size": 4},
                          "line": {"width": 1.75}})
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    chart.set_y_axis({"name": y_title, "num_format": "#,##0", "major_gridlines": {"visible": True,
                                                                               "line": {"color": "#D9D9D9"}}})
    x: dict[str, Any] = {"name": x_title}
    if date_axis:
        x.update(date_axis=True, num_format="d", num_font={"size": 8})
    chart.set_x_axis(x)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 360})
    return chart


def _monthly_table(book: Book, sh: Sheet, row: int, vol: dict[str, Any]) -> int:
    tr, months = book.tr, book.data.get("months", [])
    records = vol.get("monthly") or []
    sh.label(row, 0, book.t("volume.monthly_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    cats = _categories(records, "value")
    if not cats:
        sh.label(row, 0, book.t("volume.none"), book.fmt(italic=True), track=False)
        return row + 2
    header = row
    sh.label(row, 0, book.t("col.month"), book.fmt(**HEADER))
    for j, c in enumerate(cats):
        sh.text(row, 1 + j, tr.dim_value("category", c), book.fmt(**HEADER))
    total_col = 1 + len(cats)
    sh.label(row, total_col, book.t("col.total"), book.fmt(**HEADER))
    cell = {(str(r["period_start"])[:10], r.get("category")): finite(r.get("value")) or 0.0 for r in records}
    first = row + 1
    for i, m in enumerate(months):
        r = first + i
        hl = {"bg_color": HIGHLIGHT, "bold": True} if m == book.start else {}
        sh.label(r, 0, tr.month(m, short=True), book.fmt(**hl))
        total = 0.0
        for j, c in enumerate(cats):
            v = cell.get((m, c), 0.0)
            total += v
            sh.number(r, 1 + j, v, book.fmt(num_format="#,##0", **hl))
        sh.number(r, total_col, total, book.fmt(num_format="#,##0", bold=True, **({"bg_color": HIGHLIGHT} if hl else {})))
    last = first + len(months) - 1
    chart = _line_chart(book, sh, book.t("volume.monthly_chart"), header, first, last,
                        [1 + j for j in range(len(cats))], book.t("volume.tickets"), book.t("col.month"))
    sh.ws.insert_chart(header, chart_column(len(cats)), chart, {"x_offset": 10})
    # the chart is 18 rows high; keep the next block below it
    return max(last, header + 18) + 2


def _daily_table(book: Book, sh: Sheet, row: int, vol: dict[str, Any]) -> int:
    tr = book.tr
    records = vol.get("daily") or []
    days = vol.get("days") or []
    spike_days = {s["date"] for s in vol.get("spikes") or [] if s.get("in_period")}
    sh.label(row, 0, book.t("volume.daily_title", month=tr.month(book.start)), book.fmt(bold=True, font_size=12),
             track=False)
    row += 1
    cats = _categories(records, "tickets")
    dates = sorted({d["date"] for d in days} | {r["date"] for r in records})
    if not cats or not dates:
        sh.label(row, 0, book.t("volume.none"), book.fmt(italic=True), track=False)
        return row + 2
    header = row
    heads = [book.t("col.date"), book.t("col.weekday")]
    for c, text in enumerate(heads):
        sh.label(row, c, text, book.fmt(**HEADER))
    c0 = len(heads)
    for j, c in enumerate(cats):
        sh.text(row, c0 + j, tr.dim_value("category", c), book.fmt(**HEADER))
    c_total = c0 + len(cats)
    for k, key in enumerate(("total", "baseline", "spike")):
        sh.label(row, c_total + k, book.t(f"col.{key}"), book.fmt(**HEADER))
    cell = {(r["date"], r.get("category")): finite(r.get("tickets")) or 0.0 for r in records}
    per_day = {d["date"]: d for d in days}
    first = row + 1
    datefmt = book.date_format()
    for i, d in enumerate(dates):
        r = first + i
        spike = d in spike_days
        hl = {"bg_color": SPIKE} if spike else {}
        day = dt.date.fromisoformat(d)
        sh.ws.write_datetime(r, 0, dt.datetime.combine(day, dt.time()), book.fmt(num_format=datefmt, **hl))
        sh.track(0, 12)
        sh.label(r, 1, tr.dim_value("weekday", day.isoweekday()), book.fmt(**hl))
        total = 0.0
        for j, c in enumerate(cats):
            v = cell.get((d, c), 0.0)
            total += v
            sh.number(r, c0 + j, v, book.fmt(num_format="#,##0", **hl))
        info = per_day.get(d, {})
        sh.number(r, c_total, finite(info.get("tickets")) if info else total,
                  book.fmt(num_format="#,##0", bold=True, **hl))
        sh.number(r, c_total + 1, info.get("baseline"), book.fmt(num_format="#,##0.0", **hl))
        if spike:
            sh.label(r, c_total + 2, book.t("spike.marker"), book.fmt(bold=True, font_color="#C00000", **hl))
        else:
            sh.ws.write_blank(r, c_total + 2, None)
    last = first + len(dates) - 1
    chart = _line_chart(book, sh, book.t("volume.daily_chart", month=tr.month(book.start)), header, first, last,
                        [c0 + j for j in range(len(cats))], book.t("volume.tickets"), tr.month(book.start),
                        date_axis=True)
    sh.ws.insert_chart(header, chart_column(len(cats)), chart, {"x_offset": 10})
    return max(last, header + 18) + 2


def spike_sentence(book: Book, spike: dict[str, Any]) -> str:
    tr = book.tr
    day = dt.date.fromisoformat(spike["date"])
    parts = [book.t("spike.main", date=tr.date(day), weekday=tr.dim_value("weekday", day.isoweekday()),
                    tickets=book.count(spike.get("tickets")), baseline=book.count(spike.get("baseline")),
                    excess=book.count(spike.get("excess")))]
    for dim in ("category", "channel"):
        top = (spike.get(dim) or [None])[0]
        if top and top.get("value") is not None:
            share = finite(top.get("share"))
            parts.append(book.t(f"spike.{dim}", value=tr.dim_value(dim, top["value"]),
                                share=tr.percent(share * 100, 0) if share is not None else "–"))
    return book.join(parts)


def _spikes_table(book: Book, sh: Sheet, row: int, vol: dict[str, Any]) -> int:
    tr = book.tr
    spikes = vol.get("spikes") or []
    sh.label(row, 0, book.t("spike.title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    if not spikes:
        sh.label(row, 0, book.t("spike.none"), book.fmt(italic=True), track=False)
        return row + 1
    heads = ["date", "in_period", "tickets", "baseline", "excess", "top_category", "category_share",
             "top_channel", "channel_share", "explanation"]
    for c, key in enumerate(heads):
        if key == "explanation":
            sh.ws.merge_range(row, c, row, c + SENTENCE_COLUMNS - 1, "", book.fmt(**HEADER))
        sh.label(row, c, book.t(f"col.{key}"), book.fmt(**HEADER), track=key != "explanation")
    row += 1
    datefmt = book.date_format()
    for s in spikes:
        hl = {"bg_color": SPIKE} if s.get("in_period") else {}
        day = dt.date.fromisoformat(s["date"])
        sh.ws.write_datetime(row, 0, dt.datetime.combine(day, dt.time()), book.fmt(num_format=datefmt, **hl))
        sh.label(row, 1, book.t("yes") if s.get("in_period") else book.t("no"), book.fmt(**hl))
        sh.number(row, 2, s.get("tickets"), book.fmt(num_format="#,##0", **hl))
        sh.number(row, 3, s.get("baseline"), book.fmt(num_format="#,##0.0", **hl))
        sh.number(row, 4, s.get("excess"), book.fmt(num_format="#,##0.0", **hl))
        for k, dim in enumerate(("category", "channel")):
            top = (s.get(dim) or [None])[0]
            c = 5 + 2 * k
            if top:
                sh.text(row, c, tr.dim_value(dim, top.get("value")), book.fmt(**hl))
                sh.number(row, c + 1, top.get("share"), book.fmt(num_format="0%", **hl))
            else:
                sh.ws.write_blank(row, c, None, book.fmt(**hl))
                sh.ws.write_blank(row, c + 1, None, book.fmt(**hl))
        # the sentence spans several ordinary columns (merged), so the tables above keep their widths
        sentence = spike_sentence(book, s)
        f = book.fmt(text_wrap=True, **hl)
        sh.ws.merge_range(row, 9, row, 9 + SENTENCE_COLUMNS - 1, "", f)
        sh.text(row, 9, sentence, f, track=False)
        sh.ws.set_row(row, 14 * max(1, math.ceil(text_width(sentence) / (SENTENCE_COLUMNS * 11))) + 2)
        row += 1
    return row
