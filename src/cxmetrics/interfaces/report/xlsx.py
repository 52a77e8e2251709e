"""The monthly report as an Excel workbook (seed 004's free template, done properly).

Six sheets, every word in the reader's language:

1. *All metrics*: every metric of the report as a row, the 13 months as columns,
   with change against the previous month and the same month a year before for
   the headline KPIs (coloured by whether the change is good for that metric),
   their significance and target status.
2. *Ticket volume by category*: monthly and daily tables with native line charts,
   and the volume spikes explained in a sentence each.
3. *Formulas and calculators*: live Excel formulas (NPS, CSAT, CES, CRR, churn,
   CAC, CLV) pre-filled with the month's numbers, then every metric's definition
   (:mod:`cxmetrics.interfaces.report.xlsx_calc`).
4. *Agents and SLA*: teams with the median of their agents, agents, and SLA
   attainment by policy and SLA metric (:mod:`cxmetrics.interfaces.report.xlsx_floor`;
   left out when the report has no agents).
5. *Forecast and staffing*: the days ahead per channel with 80/95% bounds, the backtest
   (volume and AHT) and agents required against scheduled by hour of the week, gaps
   highlighted (:mod:`cxmetrics.interfaces.report.xlsx_forecast`; left out without a forecast).
6. *Data*: the KPI records flat, in their raw units, and the detractor comments.

Values are numbers with Excel number formats, never formatted text: percentages
are stored as fractions (95.1 % -> 0.951, format ``0.0%``) and durations as
fractions of a day (format ``[h]:mm:ss``), so that a reader's own sums, averages
and charts work. The *Data* sheet keeps the raw units of the JSON report.

Text that comes from the data (comments, category, channel and queue names,
customer ids) is written with ``write_string`` -- a text cell, which Excel never
evaluates -- *and* passed through :func:`cxmetrics.analyses.comments.safe_cell`, which
puts an apostrophe before text starting with ``=``, ``+``, ``-``, ``@``, tab or
CR. The text cell alone would be safe inside this workbook, but the protection is
lost as soon as a reader saves the sheet as CSV or pastes the cells into another
tool; the apostrophe survives that, and it is the same rule as the CSV exports.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Mapping
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cxmetrics.analyses.comments import safe_cell
from cxmetrics.interfaces.i18n import Translator, translator

#: Domain order of the "All metrics" sheet.
DOMAINS = ("support", "feedback", "customers", "contact", "commerce")
#: Excel's limits on sheet names.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")
#: Number formats by metric unit (values as written by :func:`excel_value`).
UNIT_FORMATS = {"percent": "0.0%", "seconds": "[h]:mm:ss", "count": "#,##0", "currency": "#,##0.00",
                "score": "0.00", "replies": "0.00", "contacts": "0.00"}
GOOD = {"font_color": "#006100", "bg_color": "#C6EFCE"}
BAD = {"font_color": "#9C0006", "bg_color": "#FFC7CE"}
HEADER = {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top",
          "border": 1, "border_color": "#BFBFBF"}
HIGHLIGHT = "#FFF2CC"
HIGHLIGHT_HEADER = "#BF8F00"
SPIKE = "#F8CBAD"
INPUT = "#FFEB9C"
MAX_WIDTH = 60
#: ordinary columns a spike's explanation is merged across
SENTENCE_COLUMNS = 8


def render_xlsx(data: dict[str, Any], lang: str = "en") -> bytes:
    """The report ``data`` (from :func:`cxmetrics.interfaces.report.data.build_report`) as .xlsx bytes."""
    from cxmetrics.interfaces.report.xlsx_calc import calc_sheet
    from cxmetrics.interfaces.report.xlsx_floor import floor_sheet
    from cxmetrics.interfaces.report.xlsx_forecast import forecast_sheet
    from cxmetrics.interfaces.report.xlsx_themes import themes_sheet
    from cxmetrics.interfaces.report.xlsx_volume import volume_sheet

    buf = BytesIO()
    wb = Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                        "strings_to_numbers": False})
    book = Book(wb, translator(lang), data)
    book.properties()
    metrics_sheet(book)
    volume_sheet(book)
    calc_sheet(book)
    floor_sheet(book)
    themes_sheet(book)
    forecast_sheet(book)
    data_sheet(book)
    wb.close()
    return buf.getvalue()


# -- helpers -------------------------------------------------------------------------------------------

def finite(v: Any) -> float | None:
    """A number Excel can store, or None (missing, NaN, infinite, not a number)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def excel_value(v: Any, unit: str | None) -> float | None:
    """A report value as stored on the sheets: percent -> fraction, seconds -> days."""
    f = finite(v)
    if f is None:
        return None
    if unit == "percent":
        return f / 100.0
    if unit == "seconds":
        return f / 86400.0
    return f


def text_width(s: str) -> int:
    """Display width in Excel column units (East Asian wide characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def sheet_name(text: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name: no ``[]:*?/\\``, no edge apostrophes, at most 31 characters."""
    name = "".join(" " if ch in SHEET_NAME_FORBIDDEN else ch for ch in text).strip().strip("'").strip()
    name = (name or "Sheet")[:SHEET_NAME_MAX]
    low = {t.lower() for t in taken}
    base, i = name, 2
    while name.lower() in low:
        suffix = f" ({i})"
        name = base[:SHEET_NAME_MAX - len(suffix)] + suffix
        i += 1
    return name


def metric_label(tr: Translator, key: str) -> str:
    return tr.metric_name(key)


def metric_text(tr: Translator, key: str, part: str) -> str:
    return tr.metric_text(key, part)


class Sheet:
    """A worksheet that remembers the widest text of each column."""

    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book, self.ws = book, ws
        self.widths: dict[int, int] = {}

    def track(self, col: int, width: int) -> None:
        self.widths[col] = max(self.widths.get(col, 0), width)

    def label(self, row: int, col: int, text: str, fmt: Format | None = None, track: bool = True) -> None:
        """Our own (catalogue) text."""
        self.ws.write_string(row, col, text, fmt)
        if track:
            self.track(col, max((text_width(p) for p in text.split("\n")), default=0))

    def text(self, row: int, col: int, value: Any, fmt: Format | None = None, track: bool = True) -> None:
        """Text from the data: stored as text and defused (see the module docstring)."""
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
            return
        self.label(row, col, safe_cell(str(value)), fmt, track)

    def number(self, row: int, col: int, value: Any, fmt: Format | None = None, width: int = 10) -> None:
        f = finite(value)
        if f is None:
            self.ws.write_blank(row, col, None, fmt)
        else:
            self.ws.write_number(row, col, f, fmt)
            self.track(col, width)

    def boolean(self, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
        else:
            self.ws.write_boolean(row, col, bool(value), fmt)
            self.track(col, 6)

    def fit(self, fixed: Mapping[int, float] | None = None, minimum: int = 8) -> None:
        fixed = fixed or {}
        for col in sorted(set(self.widths) | set(fixed)):
            width = fixed.get(col, min(max(self.widths.get(col, 0) + 2, minimum), MAX_WIDTH))
            self.ws.set_column(col, col, width)

    def print_setup(self, repeat_row: int | None = None) -> None:
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)
        self.ws.set_paper(9)  # A4
        self.ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        self.ws.set_footer("&L&A&R&P / &N")
        if repeat_row is not None:
            self.ws.repeat_rows(repeat_row)


class Book:
    """The workbook, its translator and data, and a cache of cell formats."""

    def __init__(self, wb: Workbook, tr: Translator, data: dict[str, Any]) -> None:
        self.wb, self.tr, self.data = wb, tr, data
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.names: list[str] = []
        self.start: str = data["period"]["start"]
        self.kpis: dict[str, dict[str, Any]] = {k["metric"]: k for k in data.get("kpis", [])}
        self.omitted: dict[str, str] = {o["section"]: o["reason"] for o in data.get("omitted", [])}
        # build_report keeps only metrics whose tables have rows (report.data.has_data)
        self.rows: list[dict[str, Any]] = list(data.get("table", []))

    def t(self, key: str, **kw: Any) -> str:
        return self.tr.t(f"xlsx.{key}", **kw)

    def fmt(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({"font_size": 10, "valign": "top", **props})
        return self._formats[key]

    def dxf(self, **props: Any) -> Format:
        """A conditional format: only the properties it changes (no font size or alignment)."""
        key = (("dxf", True), *sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, key: str) -> Sheet:
        name = sheet_name(self.t(f"sheet.{key}"), self.names)
        self.names.append(name)
        return Sheet(self, self.wb.add_worksheet(name))

    def date_format(self) -> str:
        return self.t("format.date")

    def percent_points_format(self, digits: int = 1) -> str:
        """Numbers already in percent units (82.8 -> ``82.8%``; Finnish ``82,8 %``)."""
        from babel import Locale

        space = "\u00a0%" in (Locale.parse(self.tr.locale).percent_formats[None].pattern or "")
        return "0." + "0" * digits + ('" %"' if space else '"%"')

    def unit_label(self, unit: str | None) -> str:
        return self.t_or(f"unit.{unit}", unit or "")

    def month_value(self, metric: str) -> float | None:
        """The report month's value of an ungrouped table row (None when absent)."""
        months = self.data.get("months", [])
        if self.start not in months:
            return None
        i = months.index(self.start)
        for row in self.rows:
            if row["metric"] == metric and not row.get("dimension"):  # ungrouped (a null group has its dimension)
                return finite(row["values"][i])
        kpi = self.kpis.get(metric)
        return finite(kpi.get("value")) if kpi else None

    def join(self, sentences: Iterable[str]) -> str:
        """Sentences one after another: with a space, but none in Japanese and Chinese."""
        return ("" if self.tr.lang in ("ja", "zh-Hant") else " ").join(sentences)

    def count(self, v: Any) -> str:
        """A count or a median of counts (13, 95.5): a decimal only when there is one."""
        f = finite(v)
        if f is None:
            return "–"
        return self.tr.number(f, 0 if f == int(f) else 1)

    def t_or(self, key: str, fallback: str) -> str:
        """A label, or ``fallback`` for a value this catalogue does not know yet (a new section)."""
        return self.t(key) if self.tr.has(f"xlsx.{key}") else fallback

    def omitted_line(self, section: str, reason: str) -> str:
        return self.t("omitted.line", section=self.t_or(f"section.{section}", section),
                      reason=self.t_or(f"reason.{reason}", reason))

    def created(self) -> dt.datetime | None:
        """When the report data was built, in UTC (naive, as Excel's document properties want it)."""
        try:
            created = dt.datetime.fromisoformat(str(self.data["generated_at"]))
        except (KeyError, TypeError, ValueError):
            return None
        return created.astimezone(dt.UTC).replace(tzinfo=None) if created.tzinfo is not None else created

    def generated(self) -> str:
        created = self.created()
        return "–" if created is None else f"{self.tr.date(created.date())} {created:%H:%M} UTC"

    def properties(self) -> None:
        month = self.tr.month(self.start)
        created = self.created()
        props: dict[str, Any] = {"title": self.t("title", month=month), "subject": self.t("subject", month=month),
                                 "author": "cxmetrics", "comments": str(self.data.get("generator", "cxmetrics")),
                                 "keywords": "cxmetrics, NPS, CSAT, CES", "category": self.t("category")}
        if created is not None:
            props["created"] = created
        self.wb.set_properties(props)
        self.wb.set_custom_property("Report period", self.start)
        self.wb.set_custom_property("Report language", self.tr.lang)


def title_block(book: Book, sh: Sheet, title: str, lines: Iterable[str], width_cols: int = 12) -> int:
    """The sheet's title and explanatory lines; returns the next free row."""
    sh.label(0, 0, title, book.fmt(bold=True, font_size=14), track=False)
    sh.ws.set_row(0, 20)
    row = 1
    note = book.fmt(italic=True, font_color="#404040", text_wrap=True, valign="top")
    for line in lines:
        sh.ws.merge_range(row, 0, row, width_cols - 1, "", note)
        sh.label(row, 0, line, note, track=False)
        # roughly one line per 150 characters across the merged width
        sh.ws.set_row(row, 14 * max(1, math.ceil(text_width(line) / 150)))
        row += 1
    return row + 1


# -- 1. all metrics ------------------------------------------------------------------------------------

def _row_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Grouped by domain (support, feedback, customers, contact, commerce); in each, the headline
    metrics first in the report's order, then the others in the data's order."""
    from cxmetrics.interfaces.report.data import PRIMARY

    primary = [k for ids in PRIMARY.values() for k in ids]
    extra_domains = [d for d in dict.fromkeys(r["domain"] for r in rows) if d not in DOMAINS]
    domains = [*DOMAINS, *extra_domains]

    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, int, int, int]:
        i, r = item
        is_primary = r["metric"] in primary and not r.get("dimension")
        return (domains.index(r["domain"]), 0 if is_primary else 1,
                primary.index(r["metric"]) if is_primary else 0, i)

    return [r for _i, r in sorted(enumerate(rows), key=key)]


def row_label(tr: Translator, row: dict[str, Any]) -> str:
    name = metric_label(tr, row["metric"])
    if row.get("group") is not None or row.get("dimension"):
        return f"{name} — {tr.dim_value(row['dimension'] or '', row.get('group'))}"
    return name


def value_format(unit: str | None, metric: str) -> str:
    if unit == "score" and metric.split(":")[0] == "nps":
        return "0.0"
    return UNIT_FORMATS.get(unit or "", "#,##0.00")


def change_value(kpi: dict[str, Any], which: str) -> float | None:
    """The change as shown: points for percent and score metrics, else relative (a fraction)."""
    comp = kpi.get(which) or {}
    change, prev = finite(comp.get("change")), finite(comp.get("previous_value"))
    if change is None:
        return None
    if kpi["unit"] in ("percent", "score"):
        return change
    if prev is None or prev == 0:
        return None
    return change / prev


def change_format(book: Book, unit: str) -> str:
    if unit == "percent":
        pp = book.tr.t("unit.pp").replace('"', "")
        return f'+0.0" {pp}";-0.0" {pp}";0.0" {pp}"'
    if unit == "score":
        return "+0.0;-0.0;0.0"
    return "+0.0%;-0.0%;0.0%"


def metrics_sheet(book: Book) -> None:
    tr, data = book.tr, book.data
    sh = book.sheet("metrics")
    ws = sh.ws
    months: list[str] = data.get("months", [])
    month = tr.month(book.start)
    lines = [book.t("metrics.period", start=tr.date(data["period"]["start"]), end=tr.date(data["period"]["end"]),
                    tz=data.get("timezone", ""), generated=book.generated()),
             book.t("metrics.note_units"), book.t("metrics.note_changes"), book.t("metrics.note_highlight")]
    lines += [book.omitted_line(o["section"], o["reason"]) for o in data.get("omitted", [])]
    ncols = 3 + len(months) + 7
    row = title_block(book, sh, book.t("metrics.title", month=month), lines, ncols)

    cols = ["domain", "metric", "unit"]
    head = [book.t(f"col.{c}") for c in cols] + [tr.month(m, short=True) for m in months]
    extra = ["change_previous", "significant_previous", "change_year", "significant_year", "target",
             "target_status", "metric_id"]
    head += [book.t(f"col.{c}") for c in extra]
    c_month0 = 3
    c_extra = c_month0 + len(months)
    report_col = c_month0 + months.index(book.start) if book.start in months else None
    header_row = row
    for c, text in enumerate(head):
        f = book.fmt(**{**HEADER, "bg_color": HIGHLIGHT_HEADER}) if c == report_col else book.fmt(**HEADER)
        sh.label(row, c, text, f, track=c < c_month0 or c >= c_extra)
    row += 1

    rows = _row_order(book.rows)
    for r in rows:
        metric, unit = r["metric"], r["unit"]
        kpi = book.kpis.get(metric) if not r.get("dimension") else None
        bold = bool(kpi)
        sh.label(row, 0, book.t_or(f"domain.{r['domain']}", r["domain"]), book.fmt(bold=bold))
        sh.text(row, 1, row_label(tr, r), book.fmt(bold=bold))
        sh.label(row, 2, book.unit_label(unit), book.fmt(font_color="#595959"))
        num = value_format(unit, metric)
        for i, v in enumerate(r["values"]):
            c = c_month0 + i
            props: dict[str, Any] = {"num_format": num}
            if c == report_col:
                props["bg_color"] = HIGHLIGHT
                props["bold"] = bold
                if kpi and kpi.get("low_sample"):
                    props.update(italic=True, font_color="#7F7F7F")
            sh.number(row, c, excel_value(v, unit), book.fmt(**props), width=11)
        if kpi:
            _kpi_columns(book, sh, row, c_extra, kpi)
        sh.label(row, c_extra + 6, metric, book.fmt(font_color="#7F7F7F"))
        row += 1
    last = row - 1

    if rows:
        ws.autofilter(header_row, 0, last, len(head) - 1)
    ws.freeze_panes(header_row + 1, 2)
    widths = {**{c_month0 + i: 11 for i in range(len(months))}, c_extra: 16, c_extra + 1: 12, c_extra + 2: 16,
              c_extra + 3: 12, c_extra + 4: 12, c_extra + 5: 14}
    sh.fit(fixed=widths)
    # header texts wrap inside these widths: make the header row tall enough for the longest
    tall = max((math.ceil(text_width(text) / max(widths[c] - 2, 1)) for c, text in enumerate(head) if c in widths),
               default=1)
    ws.set_row(header_row, 14 * max(tall, 2) + 2)
    sh.print_setup(header_row)


def _kpi_columns(book: Book, sh: Sheet, row: int, col: int, kpi: dict[str, Any]) -> None:
    unit, direction = kpi["unit"], kpi.get("direction")
    for j, which in enumerate(("previous", "year")):
        sig = (kpi.get(which) or {}).get("significant")
        f = book.fmt(num_format=change_format(book, unit), bold=bool(sig))
        c = col + 2 * j
        sh.number(row, c, change_value(kpi, which), f, width=12)
        if sig is not None:
            sh.label(row, c + 1, book.t("yes") if sig else book.t("no"), book.fmt(bold=bool(sig)))
        if direction in ("higher", "lower"):
            up, down = (GOOD, BAD) if direction == "higher" else (BAD, GOOD)
            sh.ws.conditional_format(row, c, row, c, {"type": "cell", "criteria": ">", "value": 0,
                                                      "format": book.dxf(**up)})
            sh.ws.conditional_format(row, c, row, c, {"type": "cell", "criteria": "<", "value": 0,
                                                      "format": book.dxf(**down)})
    target = kpi.get("target")
    if finite(target) is not None:
        sh.number(row, col + 4, excel_value(target, unit), book.fmt(num_format=value_format(unit, kpi["metric"])))
    met = kpi.get("meets_target")
    if met is not None:
        sh.label(row, col + 5, book.t("target_met") if met else book.t("target_missed"),
                 book.fmt(**(GOOD if met else BAD)))




# -- 4. data -------------------------------------------------------------------------------------------

KPI_COLUMNS = ("metric_id", "metric", "value", "unit", "n", "numerator", "denominator", "ci_low", "ci_high",
               "low_sample", "previous_value", "change", "p_value", "significant", "year_value", "year_change",
               "year_p_value", "year_significant", "target", "meets_target", "target_source")
COMMENT_COLUMNS = ("responded_at", "comment", "survey", "score", "group", "channel", "category", "customer_id",
                   "ticket_id", "agent_id")


def data_sheet(book: Book) -> None:
    tr, data = book.tr, book.data
    sh = book.sheet("data")
    ws = sh.ws
    row = title_block(book, sh, book.t("data.title", month=tr.month(book.start)), [book.t("data.note")], 12)
    header = row
    for c, key in enumerate(KPI_COLUMNS):
        sh.label(row, c, book.t(f"data.col.{key}"), book.fmt(**HEADER))
    row += 1
    for k in data.get("kpis", []):
        prev, year = k.get("previous") or {}, k.get("year") or {}
        values: dict[str, Any] = {
            "metric_id": k["metric"], "value": k.get("value"), "unit": k.get("unit"), "n": k.get("n"),
            "numerator": k.get("numerator"), "denominator": k.get("denominator"), "ci_low": k.get("ci_low"),
            "ci_high": k.get("ci_high"), "low_sample": k.get("low_sample"),
            "previous_value": prev.get("previous_value"), "change": prev.get("change"),
            "p_value": prev.get("p_value"), "significant": prev.get("significant"),
            "year_value": year.get("previous_value"), "year_change": year.get("change"),
            "year_p_value": year.get("p_value"), "year_significant": year.get("significant"),
            "target": k.get("target"), "meets_target": k.get("meets_target"), "target_source": k.get("target_source"),
        }
        for c, key in enumerate(KPI_COLUMNS):
            v = values.get(key)
            if key == "metric":
                sh.label(row, c, metric_label(tr, k["metric"]))
            elif key in ("metric_id", "unit"):
                sh.label(row, c, str(v or ""))
            elif key == "target_source":
                sh.text(row, c, v)
            elif key in ("low_sample", "significant", "year_significant", "meets_target"):
                sh.boolean(row, c, v)
            elif key in ("p_value", "year_p_value"):
                sh.number(row, c, v, book.fmt(num_format="0.0000"))
            elif key in ("n", "numerator", "denominator"):
                sh.number(row, c, v, book.fmt(num_format="#,##0"))
            else:
                sh.number(row, c, v, book.fmt(num_format="#,##0.00##"), width=12)
        row += 1
    if data.get("kpis"):
        ws.autofilter(header, 0, row - 1, len(KPI_COLUMNS) - 1)
    else:
        sh.label(row, 0, book.t("data.no_kpis"), book.fmt(italic=True), track=False)
        row += 1
    ws.freeze_panes(header + 1, 2)
    row += 1
    feedback = data.get("feedback")
    sh.label(row, 0, book.t("data.comments_title"), book.fmt(bold=True, font_size=12), track=False)
    row += 1
    if not feedback:
        sh.label(row, 0, book.omitted_line("feedback", book.omitted.get("feedback", "no_survey_responses")),
                 book.fmt(italic=True), track=False)
    elif not feedback.get("comments"):
        sh.label(row, 0, book.t("data.no_comments"), book.fmt(italic=True), track=False)
    else:
        _comments(book, sh, row, feedback["comments"])
    sh.fit(fixed={1: 50, 20: 40})
    sh.print_setup(header)


def _comments(book: Book, sh: Sheet, row: int, comments: list[dict[str, Any]]) -> None:
    tr, tz = book.tr, book.data["timezone"]
    for c, key in enumerate(COMMENT_COLUMNS):
        sh.label(row, c, book.t(f"data.comment.{key}"), book.fmt(**HEADER))
    row += 1
    for cm in comments:
        for c, key in enumerate(COMMENT_COLUMNS):
            v = cm.get(key)
            if key == "responded_at" and v:
                try:
                    when = dt.datetime.fromisoformat(str(v))
                    if when.tzinfo is not None:
                        when = when.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
                    sh.ws.write_datetime(row, c, when, book.fmt(num_format=book.date_format() + " hh:mm"))
                    sh.track(c, 17)
                except (ValueError, KeyError):
                    sh.text(row, c, v)
            elif key == "score":
                sh.number(row, c, v, book.fmt(num_format="0"))
            elif key == "comment":
                sh.text(row, c, v, book.fmt(text_wrap=True), track=False)
            elif key in ("group", "survey", "channel", "category") and v is not None:
                sh.text(row, c, tr.dim_value(key, v))
            else:
                sh.text(row, c, v)
        row += 1
