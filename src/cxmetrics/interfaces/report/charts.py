"""Vega-Lite charts of the monthly report, built in Python from the report data.

Each ``spec_*(data, tr)`` returns one self-contained Vega-Lite spec (data inlined,
config included) or ``None`` when the data has nothing to draw, so a caller never
shows an empty chart. Words come from the report catalogue through ``tr`` and
categorical labels (months, weekdays, channels...) are formatted in Python, so the
same spec reads right in every report language; numbers on axes follow the
language's separators when rendered with :func:`d3_format_locale` (the dashboard
can hand the same dict to vega-embed as ``formatLocale``).

:func:`render_svgs` turns specs into inline SVG offline with vl-convert (no
JavaScript in the report), caching identical specs and giving each chart's
element ids a unique prefix so many charts can live in one HTML page.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxmetrics.interfaces.i18n import Translator

#: Okabe-Ito, the colour-blind-safe qualitative palette (yellow last: weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
GOOD, BAD, NEUTRAL = "#0072B2", "#D55E00", "#6B6B6B"
SPIKE = "#D55E00"
#: total drawing width of a chart in CSS px: fits an A4 page with 15 mm margins (680 px)
WIDTH = 640
FONTS = "Noto Sans, DejaVu Sans, Liberation Sans, Arial, WenQuanYi Micro Hei, Noto Sans CJK JP, sans-serif"
FONTS_CJK = {
    "ja": "Noto Sans CJK JP, Hiragino Sans, Yu Gothic, WenQuanYi Micro Hei, Noto Sans, DejaVu Sans, sans-serif",
    "zh-Hant": "Noto Sans CJK TC, PingFang TC, Microsoft JhengHei, WenQuanYi Micro Hei, Noto Sans, DejaVu Sans, "
               "sans-serif",
}
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


# -- shared pieces ---------------------------------------------------------------------------
def font(tr: Translator) -> str:
    return FONTS_CJK.get(tr.lang, FONTS)


def config(tr: Translator) -> dict[str, Any]:
    """The Vega config every report chart shares (fonts covering CJK, palette, quiet axes)."""
    f = font(tr)
    return {
        "font": f, "aria": False, "background": "white", "padding": 4,
        "view": {"stroke": None},
        "range": {"category": PALETTE},
        "axis": {"labelFont": f, "titleFont": f, "labelFontSize": 10, "titleFontSize": 10, "titleFontWeight": "normal",
                 "titleColor": "#333", "labelColor": "#333", "gridColor": "#e6e6e6", "domainColor": "#999",
                 "tickColor": "#999"},
        "legend": {"labelFont": f, "titleFont": f, "labelFontSize": 10, "titleFontSize": 10, "titleFontWeight": "normal",
                   "symbolStrokeWidth": 2, "labelLimit": 360, "gradientLength": 110},
        "title": {"font": f, "fontSize": 11, "fontWeight": "bold", "anchor": "start", "color": "#222",
                  "subtitleFont": f, "subtitleFontSize": 9, "subtitleColor": "#555"},
        "header": {"labelFont": f, "titleFont": f},
        "text": {"font": f},
        "concat": {"spacing": 24},
        "line": {"strokeWidth": 2},
    }


def d3_format_locale(tr: Translator) -> dict[str, Any]:
    """d3-format locale of the report language (CLDR separators, as the Translator uses)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return {"decimal": get_decimal_symbol(tr.locale), "thousands": get_group_symbol(tr.locale),
            "grouping": [3], "currency": ["", ""], "minus": "−"}


def metric_name(tr: Translator, key: str) -> str:
    return tr.metric_name(key)


def _spec(tr: Translator, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SCHEMA, **body, "config": config(tr)}


def month_labels(data: dict[str, Any], tr: Translator) -> list[str]:
    """Axis labels of the trend months: the month with its year at both ends and in January,
    the bare abbreviated month elsewhere (locale-formatted by Babel)."""
    from babel.dates import format_date

    months = data["months"]
    out = []
    for i, m in enumerate(months):
        d = dt.date.fromisoformat(m[:10])
        full = i in (0, len(months) - 1) or d.month == 1
        out.append(tr.month(d, short=True) if full else format_date(d, "LLL", locale=tr.locale))
    return out


def _month_axis(data: dict[str, Any], tr: Translator, every: int = 3, angle: int = 0) -> dict[str, Any]:
    """A quantitative month-index axis (0 = same month last year ... 12 = report month) with
    locale-formatted labels at every ``every``-th month counted back from the report month."""
    labels = month_labels(data, tr)
    last = len(labels) - 1
    values = sorted({last - i for i in range(0, last + 1, every)})
    expr = "[" + ",".join(json.dumps(lbl, ensure_ascii=False) for lbl in labels) + "][datum.value]"
    return {"field": "i", "type": "quantitative", "title": None,
            "scale": {"domain": [0, last], "nice": False, "zero": False},
            "axis": {"values": values, "labelExpr": expr, "labelAngle": angle, "grid": False,
                     "labelFontSize": 9, "labelOverlap": False, "labelFlush": False}}


def duration_scale(values: list[float | None]) -> tuple[float, str]:
    """Divisor and catalogue unit key that make durations readable on an axis."""
    vs = [abs(v) for v in values if v is not None]
    top = max(vs) if vs else 0.0
    if top < 120:
        return 1.0, "seconds"
    if top < 2 * 3600:
        return 60.0, "minutes"
    if top < 3 * 86400:
        return 3600.0, "hours"
    return 86400.0, "days"


def percent_labels() -> str:
    """Axis labels of values already in percent units (82.1 -> 82.1%)."""
    return "format(datum.value, ',~r') + '%'"


def axis_title(tr: Translator, unit: str | None, dur_key: str | None = None) -> str | None:
    if unit == "seconds" and dur_key:
        return tr.t(f"report.chart.unit_{dur_key}")
    if unit == "percent":
        return "%"
    return None


def _y_axis(unit: str | None) -> dict[str, Any]:
    ax: dict[str, Any] = {"tickCount": 4, "labelFontSize": 9}
    if unit == "percent":
        ax["labelExpr"] = percent_labels()
    else:
        ax["format"] = ",~r"
    return ax


# -- trends ----------------------------------------------------------------------------------
def _trend_layer(data: dict[str, Any], tr: Translator, key: str, series: list[dict[str, Any]], unit: str | None,
                 width: int, height: int) -> dict[str, Any] | None:
    idx = {m: i for i, m in enumerate(data["months"])}
    pts = [p for p in series if p.get("period_start") in idx and p.get("value") is not None]
    if not pts:
        return None
    div, dur_key = 1.0, None
    if unit == "seconds":
        div, dur_key = duration_scale([p["value"] for p in pts] + [p.get("ci_high") for p in pts])

    def sc(v: Any) -> float | None:
        return None if v is None else float(v) / div

    rows = [{"i": idx[p["period_start"]], "v": sc(p["value"]), "lo": sc(p.get("ci_low")), "hi": sc(p.get("ci_high")),
             "low": bool(p.get("low_sample")), "t": sc(p.get("target"))} for p in pts]
    x = _month_axis(data, tr)
    y_title = axis_title(tr, unit, dur_key)
    y = {"field": "v", "type": "quantitative", "title": y_title, "scale": {"zero": unit == "count"},
         "axis": _y_axis(unit)}
    layers: list[dict[str, Any]] = []
    if any(r["lo"] is not None and r["hi"] is not None for r in rows):  # months without one drop out
        layers.append({"mark": {"type": "area", "color": PALETTE[0], "opacity": 0.18},
                       "encoding": {"x": x, "y": {**y, "field": "lo"}, "y2": {"field": "hi"}}})
    targets = sorted({r["t"] for r in rows if r["t"] is not None})
    if targets:
        layers.append({"mark": {"type": "rule", "color": "#444", "strokeDash": [4, 3], "strokeWidth": 1},
                       "encoding": {"y": {"datum": targets[-1]}}})
    layers.append({"mark": {"type": "line", "color": PALETTE[0], "strokeWidth": 2},
                   "encoding": {"x": x, "y": y}})
    # low-sample months hollow and orange (one layer, no filters: cheaper to render)
    low = {"test": "datum.low"}
    layers.append({"mark": {"type": "point", "size": 24, "strokeWidth": 1.5, "opacity": 1},
                   "encoding": {"x": x, "y": y, "fill": {"condition": {**low, "value": "white"}, "value": PALETTE[0]},
                                "stroke": {"condition": {**low, "value": BAD}, "value": PALETTE[0]}}})
    title: dict[str, Any] = {"text": metric_name(tr, key)}
    notes = []
    if any(r["lo"] is not None for r in rows):
        notes.append(tr.t("report.chart.band_note"))
    if targets:
        notes.append(tr.t("report.chart.target_note", target=tr.value(targets[-1] * div, unit)))
    if notes:
        title["subtitle"] = " · ".join(notes)
    return {"width": width, "height": height, "title": title, "data": {"values": rows}, "layer": layers}


def spec_trends(data: dict[str, Any], tr: Translator, section: str, columns: int = 2) -> dict[str, Any] | None:
    """13-month trends of one section's primary metrics as small multiples, with 95% interval
    bands where the metric has one, the target as a dashed line and low-sample months hollow."""
    from cxmetrics.metrics.registry import get

    series = (data.get("trends") or {}).get(section) or {}
    cols = columns if len(series) > 1 else 1
    w = (WIDTH - 70 * cols - 24 * (cols - 1)) // cols
    charts = []
    for key, s in series.items():
        c = _trend_layer(data, tr, key, s, get(key).unit, w, 105 if cols > 1 else 140)
        if c is not None:
            charts.append(c)
    if not charts:
        return None
    if len(charts) == 1:
        return _spec(tr, charts[0])
    return _spec(tr, {"columns": cols, "concat": charts, "spacing": {"row": 18, "column": 24},
                      "resolve": {"scale": {"y": "independent", "x": "independent"}}})


# -- ticket volume and spikes ----------------------------------------------------------------
def spec_volume_daily(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """The report month day by day: all tickets against the usual for the weekday (spikes
    marked), then tickets by category with the spike days as rules."""
    vol = data.get("volume") or {}
    days, daily = vol.get("days") or [], vol.get("daily") or []
    if not days and not daily:
        return None
    start = dt.date.fromisoformat(data["period"]["start"])
    ndays = calendar.monthrange(start.year, start.month)[1]
    spikes = [s for s in vol.get("spikes") or [] if s.get("in_period")]
    spike_days = [{"d": int(s["date"][8:10]), "v": s["tickets"], "label": "+" + tr.number(s["excess"])}
                  for s in spikes]
    x = {"field": "d", "type": "quantitative", "title": tr.month(start),
         "scale": {"domain": [1, ndays], "nice": False},
         "axis": {"values": [1, *range(5, ndays + 1, 5)], "format": "d", "grid": False, "labelFontSize": 9}}
    total, usual = tr.t("report.chart.all_tickets"), tr.t("report.chart.usual")
    rows = []
    for d in days:
        n = int(d["date"][8:10])
        rows.append({"d": n, "s": total, "v": d["tickets"]})
        if d.get("baseline") is not None:
            rows.append({"d": n, "s": usual, "v": d["baseline"]})
    w = WIDTH - 60
    top: dict[str, Any] = {
        "width": w, "height": 130, "title": {"text": tr.t("report.chart.daily_total_title")},
        "layer": [
            {"data": {"values": rows}, "mark": {"type": "line", "strokeWidth": 2},
             "encoding": {"x": x, "y": {"field": "v", "type": "quantitative", "title": tr.t("report.chart.tickets"),
                                        "axis": {"tickCount": 4, "format": ",~r"}},
                          "color": {"field": "s", "type": "nominal", "title": None,
                                    "scale": {"domain": [total, usual], "range": ["#222222", "#8c8c8c"]},
                                    "legend": {"orient": "top", "direction": "horizontal"}},
                          "strokeDash": {"field": "s", "type": "nominal", "legend": None,
                                         "scale": {"domain": [total, usual], "range": [[1, 0], [4, 3]]}}}},
        ],
    }
    if spike_days:
        top["layer"].append({"data": {"values": spike_days},
                             "mark": {"type": "point", "shape": "triangle-up", "filled": True, "size": 90,
                                      "color": SPIKE},
                             "encoding": {"x": x, "y": {"field": "v", "type": "quantitative"}}})
        top["layer"].append({"data": {"values": spike_days},
                             "mark": {"type": "text", "dy": -11, "fontSize": 10, "fontWeight": "bold", "color": SPIKE},
                             "encoding": {"x": x, "y": {"field": "v", "type": "quantitative"},
                                          "text": {"field": "label"}}})
    cat_rows = [{"d": int(r["date"][8:10]), "c": tr.dim_value("category", r["category"]), "v": r["tickets"]}
                for r in daily if r.get("category") is not None or r.get("tickets")]
    parts = [top]
    if cat_rows:
        order = sorted({r["c"] for r in cat_rows})
        bottom: dict[str, Any] = {
            "width": w, "height": 150, "title": {"text": tr.t("report.chart.daily_category_title")},
            "layer": [{"data": {"values": cat_rows}, "mark": {"type": "line", "strokeWidth": 1.6},
                       "encoding": {"x": x,
                                    "y": {"field": "v", "type": "quantitative", "title": tr.t("report.chart.tickets"),
                                          "axis": {"tickCount": 4, "format": ",~r"}},
                                    "color": {"field": "c", "type": "nominal", "title": None, "sort": order,
                                              "legend": {"orient": "bottom", "columns": 3}}}}],
        }
        if spike_days:
            bottom["layer"].insert(0, {"data": {"values": spike_days},
                                       "mark": {"type": "rule", "color": SPIKE, "strokeDash": [3, 3],
                                                "strokeWidth": 1.5},
                                       "encoding": {"x": x}})
        parts.append(bottom)
    if len(parts) == 1:
        return _spec(tr, top)
    return _spec(tr, {"vconcat": parts, "spacing": 18, "resolve": {"scale": {"color": "independent",
                                                                              "strokeDash": "independent"}}})


def spec_volume_monthly(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """Tickets by category over the 13 months; months with spikes get a marker and count."""
    vol = data.get("volume") or {}
    monthly = vol.get("monthly") or []
    idx = {m: i for i, m in enumerate(data["months"])}
    rows = [{"i": idx[r["period_start"]], "c": tr.dim_value("category", r["category"]), "v": r["value"]}
            for r in monthly if r.get("period_start") in idx and r.get("value") is not None]
    if not rows:
        return None
    per_month: dict[int, int] = {}
    for s in vol.get("spikes") or []:
        m = s["date"][:8] + "01"
        if m in idx:
            per_month[idx[m]] = per_month.get(idx[m], 0) + 1
    x = _month_axis(data, tr, every=2)
    order = sorted({r["c"] for r in rows})
    y = {"field": "v", "type": "quantitative", "title": tr.t("report.chart.tickets"),
         "axis": {"tickCount": 5, "format": ",~r"}}
    layers: list[dict[str, Any]] = [
        {"data": {"values": rows}, "mark": {"type": "line", "strokeWidth": 1.8, "point": {"size": 16}},
         "encoding": {"x": x, "y": y, "color": {"field": "c", "type": "nominal", "title": None, "sort": order,
                                                "legend": {"orient": "bottom", "columns": 3}}}}]
    if per_month:
        marks = [{"i": i, "n": n, "label": "▲" + tr.number(n)}
                 for i, n in sorted(per_month.items())]
        layers.append({"data": {"values": marks},
                       "mark": {"type": "text", "color": SPIKE, "fontSize": 9, "fontWeight": "bold", "y": -6,
                                "baseline": "bottom"},
                       "encoding": {"x": x, "text": {"field": "label"}}})
    title: dict[str, Any] = {"text": tr.t("report.chart.monthly_category_title")}
    if per_month:
        title["subtitle"] = tr.t("report.chart.spikes_marker_note")
    return _spec(tr, {"width": WIDTH - 60, "height": 170, "title": title, "layer": layers})


# -- busy hours ------------------------------------------------------------------------------
#: round durations (seconds) that bin boundaries of response times snap to
NICE_DURATIONS = (60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 86400,
                  2 * 86400, 4 * 86400, 7 * 86400)


def duration_bins(values: list[float], tr: Translator, bins: int = 5) -> tuple[list[float], list[str]]:
    """Edges near the quantiles of ``values`` snapped to round durations, and one label per bin
    (``< 15m``, ``15m – 1h``, ``≥ 1d``) in the language's duration format."""
    import numpy as np

    vs = sorted(v for v in values if v is not None and v > 0)
    if not vs:
        return [], []
    qs = np.quantile(vs, [i / bins for i in range(1, bins)])
    logs = np.log(np.asarray(NICE_DURATIONS, dtype=float))
    snapped = {NICE_DURATIONS[int(np.argmin(abs(logs - np.log(q))))] for q in qs if q > 0}
    edges = [float(e) for e in sorted(snapped)]
    labels = [f"< {tr.duration(edges[0])}"]
    labels += [f"{tr.duration(a)} – {tr.duration(b)}" for a, b in itertools.pairwise(edges)]
    labels.append(f"≥ {tr.duration(edges[-1])}")
    return edges, labels


def spec_busy_hours(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """Two weekday x hour heatmaps (tickets created, median first response) with the
    hours that need staff outlined in both. Response times are skewed (a few slow night hours
    would wash out the rest), so their colours are bins at round durations near the quantiles."""
    import bisect

    bh = data.get("busy_hours") or {}
    cells = [c for c in bh.get("cells") or [] if c.get("weekday") is not None and c.get("hour") is not None]
    if not cells:
        return None
    edges, labels = duration_bins([c["frt"] for c in cells if c.get("frt") is not None], tr)
    days = [tr.dim_value("weekday", d) for d in range(1, 8)]
    rows = []
    for c in cells:
        frt = c.get("frt")
        rows.append({"h": int(c["hour"]), "w": tr.dim_value("weekday", int(c["weekday"])),
                     "n": c.get("tickets") or 0,
                     "f": labels[bisect.bisect_right(edges, float(frt))] if frt is not None and edges else None})
    staff = [{"h": int(s["hour"]), "w": tr.dim_value("weekday", int(s["weekday"]))} for s in bh.get("staff") or []]
    cell_w = 22
    x = {"field": "h", "type": "ordinal", "title": tr.t("report.chart.hour"), "scale": {"domain": list(range(24))},
         "axis": {"labelAngle": 0, "labelFontSize": 9}}
    y = {"field": "w", "type": "ordinal", "title": None, "scale": {"domain": days}, "axis": {"labelFontSize": 9}}

    def heat(field: str, title: str, color: dict[str, Any]) -> dict[str, Any]:
        layer: list[dict[str, Any]] = [
            {"data": {"values": rows}, "transform": [{"filter": f"isValid(datum.{field}) && datum.{field} !== 0"}],
             "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
             "encoding": {"x": x, "y": y, "color": {"field": field, **color}}}]
        if staff:
            layer.append({"data": {"values": staff},
                          "mark": {"type": "rect", "fill": None, "stroke": "#000000", "strokeWidth": 2},
                          "encoding": {"x": x, "y": y}})
        return {"width": cell_w * 24, "height": 7 * 18, "title": {"text": title}, "layer": layer}

    # binned colours with stepped legends: print engines mishandle SVG gradient legends
    parts = [heat("n", tr.t("report.chart.busy_volume_title"),
                  {"type": "quantitative", "title": tr.t("report.chart.tickets"),
                   "scale": {"type": "quantize", "scheme": {"name": "blues", "count": 6}, "nice": True},
                   "legend": {"format": ",d"}})]
    if edges:
        parts.append(heat("f", tr.t("report.chart.busy_frt_title"),
                          {"type": "ordinal", "title": tr.t("report.chart.median"),
                           "scale": {"domain": labels, "scheme": {"name": "orangered", "count": len(labels)}},
                           "legend": {"symbolType": "square", "symbolSize": 110}}))
    spec: dict[str, Any] = {"vconcat": parts, "spacing": 20, "resolve": {"scale": {"color": "independent"}}}
    if staff:
        spec["title"] = {"text": "▢ " + tr.t("report.chart.staff_outline_note"), "fontSize": 10,
                         "fontWeight": "normal", "color": "#333"}
    return _spec(tr, spec)


# -- first response by channel ---------------------------------------------------------------
def spec_frt_by_channel(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """Median and 90th percentile of the first response per channel on a log scale, with the
    channel's expectation (seed 003: email 24 h, social 1 h) as a black tick."""
    rows_in = [r for r in data.get("frt_by_channel") or [] if r.get("median") is not None]
    if not rows_in:
        return None
    med, p90, exp = (tr.t("report.chart.median"), tr.t("report.chart.p90"), tr.t("report.chart.expectation"))
    pts: list[dict[str, Any]] = []
    ranges: list[dict[str, Any]] = []
    for r in rows_in:
        ch = tr.dim_value("channel", r["channel"])
        m = max(float(r["median"]), 1.0) / 3600
        pts.append({"c": ch, "k": med, "v": m})
        if r.get("p90") is not None:
            p = max(float(r["p90"]), 1.0) / 3600
            pts.append({"c": ch, "k": p90, "v": p})
            ranges.append({"c": ch, "a": m, "b": p})
        if r.get("expectation") is not None:
            pts.append({"c": ch, "k": exp, "v": float(r["expectation"]) / 3600})
    order = [tr.dim_value("channel", r["channel"]) for r in rows_in]
    lo, hi = min(p["v"] for p in pts), max(p["v"] for p in pts)
    x = {"field": "v", "type": "quantitative", "title": tr.t("report.chart.hours_log"),
         "scale": {"type": "log", "domain": [lo / 1.5, hi * 1.5], "nice": False},
         "axis": {"format": ",~g", "values": [v for v in (0.01, 0.1, 0.5, 1, 2, 4, 8, 24, 48, 168)
                                              if lo / 1.5 <= v <= hi * 1.5]}}
    y = {"field": "c", "type": "nominal", "title": None, "sort": order}
    kinds = [med, p90, exp]
    layers: list[dict[str, Any]] = []
    if ranges:
        layers.append({"data": {"values": ranges}, "mark": {"type": "rule", "color": "#9a9a9a", "strokeWidth": 2},
                       "encoding": {"x": {**x, "field": "a"}, "x2": {"field": "b"}, "y": y}})
    layers.append({"data": {"values": pts}, "mark": {"type": "point", "filled": True, "size": 80, "opacity": 1},
                   "encoding": {"x": x, "y": y,
                                "color": {"field": "k", "type": "nominal", "title": None,
                                          "scale": {"domain": kinds, "range": [PALETTE[0], PALETTE[1], "#000000"]},
                                          "legend": {"orient": "bottom", "direction": "horizontal"}},
                                "shape": {"field": "k", "type": "nominal",
                                          "scale": {"domain": kinds, "range": ["circle", "square", "diamond"]}}}})
    return _spec(tr, {"width": WIDTH - 110, "height": 26 * len(order), "layer": layers,
                      "resolve": {"scale": {"x": "shared"}}})


# -- feedback --------------------------------------------------------------------------------
NPS_GROUPS = (("promoters_share", "#0072B2"), ("passives_share", "#BDBDBD"), ("detractors_share", "#D55E00"))


def spec_nps_composition(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """Promoters, passives and detractors as one stacked 100% bar."""
    comp = {r["metric"]: r for r in (data.get("feedback") or {}).get("nps_composition") or []}
    if not comp or not any((comp.get(k) or {}).get("value") is not None for k, _ in NPS_GROUPS):
        return None
    rows, domain, colors = [], [], []
    for order, (key, color) in enumerate(NPS_GROUPS):
        r = comp.get(key)
        name = tr.t(f"report.feedback.{key}")
        domain.append(name)
        colors.append(color)
        if r is None or r.get("value") is None:
            continue
        v = float(r["value"])
        rows.append({"g": name, "o": order, "v": v, "label": tr.percent(v, 0) if v >= 6 else ""})
    enc_x = {"field": "v", "type": "quantitative", "stack": "zero", "title": None,
             "scale": {"domain": [0, 100]}, "axis": {"labelExpr": percent_labels(), "values": [0, 25, 50, 75, 100]}}
    return _spec(tr, {
        "width": WIDTH - 40, "height": 34, "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar", "stroke": "white", "strokeWidth": 1},
             "encoding": {"x": enc_x, "order": {"field": "o"},
                          "color": {"field": "g", "type": "nominal", "title": None,
                                    "scale": {"domain": domain, "range": colors},
                                    "legend": {"orient": "bottom", "direction": "horizontal"}}}},
            {"mark": {"type": "text", "color": "white", "fontWeight": "bold", "fontSize": 11, "xOffset": 0},
             "transform": [{"stack": "v", "groupby": [], "as": ["v0", "v1"], "sort": [{"field": "o"}]},
                           {"calculate": "(datum.v0 + datum.v1) / 2", "as": "mid"}],
             "encoding": {"x": {"field": "mid", "type": "quantitative"}, "text": {"field": "label"}}},
        ]})


# -- customers ---------------------------------------------------------------------------------
def spec_clv(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """Customer lifetime value by segment with its 95% interval."""
    clv = data.get("clv") or {}
    segs = [s for s in clv.get("by_segment") or [] if s.get("value") is not None]
    if not segs:
        return None
    rows = [{"s": tr.dim_value("segment", s.get("segment")), "v": s["value"], "lo": s.get("ci_low"),
             "hi": s.get("ci_high"), "label": tr.value(s["value"], "currency")} for s in segs]
    order = [r["s"] for r in rows]
    y = {"field": "s", "type": "nominal", "title": None, "sort": order}
    x = {"field": "v", "type": "quantitative", "title": tr.t("report.chart.clv_axis"), "axis": {"format": ",~r"}}
    return _spec(tr, {
        "width": WIDTH - 150, "height": 30 * len(rows), "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar", "color": PALETTE[0], "opacity": 0.85, "height": 16},
             "encoding": {"x": x, "y": y}},
            {"transform": [{"filter": "isValid(datum.lo) && isValid(datum.hi)"}],
             "mark": {"type": "rule", "color": "#000", "strokeWidth": 1.5},
             "encoding": {"x": {"field": "lo", "type": "quantitative"}, "x2": {"field": "hi"}, "y": y}},
            {"mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10, "color": "#222"},
             "encoding": {"x": {"field": "hi", "type": "quantitative"}, "y": y, "text": {"field": "label"}}},
        ]})


# -- rendering ---------------------------------------------------------------------------------
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 128
_ID = re.compile(r'\bid="([^"]+)"')
_ARIA = re.compile(r'\s(?:aria-[a-z]+|role)="[^"]*"')
#: what a static chart never uses: Vega's hooks for CSS and events, and its empty placeholder
#: paths (dropping them shrinks the page and spares HTML/PDF engines thousands of nodes)
_NOISE = re.compile(r'\s(?:class|pointer-events)="[^"]*"')
_EMPTY = re.compile(r'<path(?: [a-z-]+="[^"]*")*? d="(?:|M0,0h0v0h0Z)"[^>]*/>')


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix every element id (and its references) so charts don't clash in one page."""
    for old in set(_ID.findall(svg)):
        new = f"{prefix}-{old}"
        svg = (svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
               .replace(f'href="#{old}"', f'href="#{new}"'))
    return svg


def warm_up() -> threading.Thread:
    """Start vl-convert's JavaScript runtime (about 0.7 s) in a background thread. Called
    before the report's queries, it overlaps with DuckDB's work, which releases the GIL."""

    def run() -> None:
        import vl_convert as vlc

        with contextlib.suppress(Exception):  # the real render reports any problem
            vlc.vegalite_to_svg({"data": {"values": [{"x": 1}]}, "mark": "point",
                                 "encoding": {"x": {"field": "x", "type": "quantitative"}}})

    t = threading.Thread(target=run, name="cxm-vl-convert-warm-up", daemon=True)
    t.start()
    return t


def render_svg(spec: dict[str, Any], tr: Translator) -> str:
    """One spec as an SVG string (cached by spec and language)."""
    import vl_convert as vlc

    key = _key(spec, tr)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    return _keep(key, vlc.vegalite_to_svg(spec, format_locale=d3_format_locale(tr)))


#: Renders Vega-Lite specs, each with its d3 format locale, to vl-convert's SVG text, all or
#: nothing (None): `cxm report`'s second process (:mod:`cxmetrics.interfaces.report.parallel`).
SvgRenderer = Callable[[list[tuple[dict[str, Any], dict[str, Any]]]], "list[str] | None"]


def _key(spec: dict[str, Any], tr: Translator) -> str:
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(f"{tr.lang}\n{text}".encode()).hexdigest()


def _keep(key: str, svg: str) -> str:
    """vl-convert's SVG made inline-ready, kept under ``key``."""
    svg = _EMPTY.sub("", _NOISE.sub("", _ARIA.sub("", svg)))
    # inline in HTML the namespace is implied; without it the page holds no http:// string at all
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "").replace(
        ' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    svg = svg.replace("<svg ", '<svg class="vega" ', 1)
    _CACHE[key] = svg
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return svg


def to_draw(specs: list[dict[str, Any]], tr: Translator) -> tuple[list[str], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The specs not drawn yet (their cache keys, and each with its d3 format locale), for a
    :data:`SvgRenderer` elsewhere; :func:`keep_drawn` keeps what it draws."""
    todo = {_key(spec, tr): spec for spec in specs}
    todo = {k: v for k, v in todo.items() if k not in _CACHE}
    locale = d3_format_locale(tr) if todo else {}
    return list(todo), [(spec, locale) for spec in todo.values()]


def keep_drawn(keys: list[str], svgs: list[str] | None) -> None:
    """Keep SVGs drawn elsewhere under their specs' keys (nothing where none came back)."""
    if svgs is not None and len(svgs) == len(keys):
        for key, svg in zip(keys, svgs, strict=True):
            _keep(key, svg)


def _render_elsewhere(specs: list[dict[str, Any]], tr: Translator, renderer: SvgRenderer) -> None:
    """Render the specs not cached yet with ``renderer`` and keep them; where it gives nothing,
    :func:`render_svg` renders them here."""
    keys, requests = to_draw(specs, tr)
    if keys:
        keep_drawn(keys, renderer(requests))


def render_svgs(specs: dict[str, dict[str, Any] | None], tr: Translator,
                renderer: SvgRenderer | None = None) -> dict[str, str]:
    """Every non-empty spec rendered once, as inline-ready SVG with ids scoped by name; a
    spec equal to one already rendered is reused. ``renderer``: render them there first."""
    if renderer is not None:
        _render_elsewhere([spec for spec in specs.values() if spec is not None], tr, renderer)
    out: dict[str, str] = {}
    for name, spec in specs.items():
        if spec is None:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        out[name] = _scope_ids(render_svg(spec, tr), f"c-{slug}")
    return out
