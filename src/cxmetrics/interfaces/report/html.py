"""The monthly report as one self-contained HTML file (and the source of the PDF).

Everything the page needs is inside it: the CSS, the charts as inline SVG rendered
at build time by vl-convert (:mod:`cxmetrics.interfaces.report.charts`), and no script, web
font or remote image, so the file reads the same opened from disk without a
network. All words come from the ``report.*`` catalogue and all numbers, dates and
durations from the :class:`~cxmetrics.interfaces.i18n.Translator`; user text (comments,
category names...) goes through Jinja's autoescaping and is never marked safe.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from cxmetrics.interfaces.i18n import Translator, translator
from cxmetrics.interfaces.report import charts

#: report sections in page order; each needs its own rows (see report.data.NEEDS)
SECTIONS = ("support", "feedback", "customers", "calls", "carts")
TABLE_COUNTS = ("tickets", "messages", "survey_responses", "survey_invitations", "customers", "orders", "calls",
                "carts")


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("cxmetrics.interfaces.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env


# -- metric words with a fallback to the registry while a translation is missing ------------------
metric_name = charts.metric_name


def _metric_text(tr: Translator, key: str, part: str) -> str:
    return tr.metric_text(key, part)


def _unit(key: str) -> str | None:
    """The unit of a record's metric (records only carry registered metrics)."""
    from cxmetrics.metrics.registry import get

    return get(key).unit


def _num(tr: Translator, v: Any) -> str:
    """A count or a median of counts: a decimal only when it has one (142.5)."""
    if v is None:
        return "–"
    f = float(v)
    return tr.number(f, 0 if f == round(f) else 1)


def _join(tr: Translator, items: list[str]) -> str:
    return tr.t("report.list_sep").join(items)


# -- headline KPIs -------------------------------------------------------------------------------------
def tone(direction: str | None, value: Any, previous: Any) -> str:
    """good / bad / neutral (no better direction) / flat / none (nothing to compare)."""
    if value is None or previous is None:
        return "none"
    d = float(value) - float(previous)
    if d == 0:
        return "flat"
    if direction not in ("higher", "lower"):
        return "neutral"
    return "good" if (d > 0) == (direction == "higher") else "bad"


ARROWS = {"up": "▲", "down": "▼", "flat": "■"}


def _comparison(tr: Translator, k: dict[str, Any], mode: str, when: str) -> dict[str, Any]:
    c = k.get(mode) or {}
    prev = c.get("previous_value")
    value, unit = k.get("value"), k.get("unit")
    t = tone(k.get("direction"), value, prev)
    move = "flat"
    if value is not None and prev is not None and float(value) != float(prev):
        move = "up" if float(value) > float(prev) else "down"
    sig = c.get("significant")
    return {
        "label": tr.t(f"report.kpi.vs_{mode}", month=tr.month(when, short=True)),
        "change": tr.change(value, prev, unit) if prev is not None else "–",
        "previous": tr.value(prev, unit),
        "tone": t, "arrow": ARROWS[move] if prev is not None else "", "significant": sig,
        "sig_label": tr.t("report.kpi.significant") if sig else (
            tr.t("report.kpi.not_significant") if sig is False else tr.t("report.kpi.no_test")),
        "tone_label": tr.t(f"report.kpi.tone_{t}"),
    }


def kpi_view(tr: Translator, k: dict[str, Any], period: dict[str, str]) -> dict[str, Any]:
    unit = k.get("unit")
    view: dict[str, Any] = {
        "metric": k["metric"], "name": metric_name(tr, k["metric"]), "value": tr.value(k.get("value"), unit),
        "interval": None, "low_sample": bool(k.get("low_sample")), "target": None,
        "comparisons": [_comparison(tr, k, "previous", period["previous"]),
                        _comparison(tr, k, "year", period["year_ago"])],
    }
    if k.get("ci_low") is not None and k.get("ci_high") is not None:
        view["interval"] = tr.t("report.kpi.interval", low=tr.value(k["ci_low"], unit),
                                high=tr.value(k["ci_high"], unit))
    if k.get("target") is not None:
        met = k.get("meets_target")
        view["target"] = {
            "text": tr.t("report.kpi.target", target=tr.value(k["target"], unit)),
            "status": tr.t("report.kpi.target_met") if met else (
                tr.t("report.kpi.target_missed") if met is False else ""),
            "met": met, "source": k.get("target_source") or "",
        }
    return view


def kpi_groups(data: dict[str, Any], tr: Translator) -> list[dict[str, Any]]:
    from cxmetrics.interfaces.report.data import PRIMARY

    by_key = {k["metric"]: k for k in data.get("kpis") or []}
    groups = []
    for section, ids in PRIMARY.items():
        items = [kpi_view(tr, by_key[i], data["period"]) for i in ids if i in by_key]
        if items:
            groups.append({"section": section, "title": tr.t(f"report.section.{section}"), "kpis": items})
    return groups


# -- ticket volume spikes ------------------------------------------------------------------------------
def _first(drivers: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The driver that brought most of a spike's extra tickets (spikes lists them largest first)."""
    return drivers[0] if drivers else None


def spike_sentence(tr: Translator, s: dict[str, Any]) -> str:
    """'On 25 Nov 2025, 287 tickets arrived against a usual 142 for that weekday (+145);
    delivery brought 33% of the extra tickets, chat ...' in the report language."""
    base = tr.t("report.volume.spike_base", date=tr.date(s["date"], "long"), tickets=_num(tr, s["tickets"]),
                baseline=_num(tr, s.get("baseline")), excess=_num(tr, s.get("excess")))
    cat, ch = _first(s.get("category")), _first(s.get("channel"))
    cat_txt = ch_txt = None
    if cat is not None:
        cat_txt = tr.t("report.volume.spike_category", category=tr.dim_value("category", cat["value"]),
                       share=tr.percent(100 * (cat.get("share") or 0), 0))
    if ch is not None:
        ch_txt = tr.t("report.volume.spike_channel", channel=tr.dim_value("channel", ch["value"]),
                      share=tr.percent(100 * (ch.get("share") or 0), 0))
    if cat_txt and ch_txt:
        return tr.t("report.volume.spike_full", base=base, category=cat_txt, channel=ch_txt)
    if cat_txt or ch_txt:
        return tr.t("report.volume.spike_one", base=base, driver=cat_txt or ch_txt)
    return tr.t("report.volume.spike_plain", base=base)


def _drivers(tr: Translator, items: list[dict[str, Any]] | None, dim: str) -> str:
    parts = [tr.t("report.volume.driver_item", name=tr.dim_value(dim, it["value"]), tickets=_num(tr, it["tickets"]),
                  baseline=_num(tr, it.get("baseline"))) for it in items or []]
    return _join(tr, parts)


def spikes_view(data: dict[str, Any], tr: Translator) -> dict[str, Any]:
    vol = data.get("volume") or {}
    spikes = vol.get("spikes") or []
    current, earlier = [], []
    for s in sorted(spikes, key=lambda x: x["date"]):
        if s.get("in_period"):
            current.append({"date": tr.date(s["date"]), "sentence": spike_sentence(tr, s),
                            "categories": _drivers(tr, s.get("category"), "category"),
                            "channels": _drivers(tr, s.get("channel"), "channel")})
        else:
            cat, ch = _first(s.get("category")), _first(s.get("channel"))
            earlier.append({
                "date": tr.date(s["date"]), "tickets": _num(tr, s["tickets"]), "baseline": _num(tr, s.get("baseline")),
                "excess": "+" + _num(tr, s.get("excess")),
                "category": tr.dim_value("category", cat["value"]) if cat else "–",
                "category_share": tr.percent(100 * (cat.get("share") or 0), 0) if cat else "",
                "channel": tr.dim_value("channel", ch["value"]) if ch else "–",
                "channel_share": tr.percent(100 * (ch.get("share") or 0), 0) if ch else "",
            })
    earlier.reverse()  # most recent first
    m = vol.get("method") or {}
    method = tr.t("report.volume.method", ratio=tr.number(m.get("ratio", 1.5), 1), weeks=tr.number(m.get("weeks", 4)),
                  z=tr.number(m.get("z", 3), 0), min_excess=tr.number(m.get("min_excess", 10)))
    return {"current": current, "earlier": earlier, "method": method}


# -- busy hours, first response by channel --------------------------------------------------------------
def _hour(tr: Translator, h: int) -> str:
    from babel.dates import format_skeleton

    return format_skeleton("Hm", dt.time(h % 24), locale=tr.locale)


def busy_view(data: dict[str, Any], tr: Translator) -> dict[str, Any]:
    from babel.dates import get_day_names

    bh = data.get("busy_hours") or {}
    names = get_day_names("wide", locale=tr.locale)
    median = bh.get("frt_median")
    staff = []
    for s in bh.get("staff") or []:
        h = int(s["hour"])
        line = tr.t("report.busy.staff_item", weekday=names[(int(s["weekday"]) - 1) % 7],
                    start=_hour(tr, h), end=_hour(tr, h + 1), tickets=_num(tr, s.get("tickets")),
                    frt=tr.duration(s.get("frt")), median=tr.duration(median))
        staff.append(line[:1].upper() + line[1:])
    return {"staff": staff, "median": tr.duration(median) if median is not None else None,
            "intro": tr.t("report.busy.staff_intro", median=tr.duration(median))}


def forecast_view(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    """The forecast section: series rows, the backtest sentence, the staffing lines."""
    from babel.dates import get_day_names

    fc = data.get("forecast")
    if not fc:
        return None
    if "omitted" in fc:
        return {"omitted": tr.t("report.forecast.omitted", reason=fc["omitted"])}
    dim = fc["by"][0]
    pct = lambda v: "–" if v is None else tr.percent(100 * v)  # noqa: E731 (shares 0-1 as percent)
    rows = [{"series": tr.dim_value(dim, r[dim]),
             "total": _num(tr, round(r["total"])), "peak_day": tr.date(r["peak_day"]), "peak": _num(tr, round(r["peak"])),
             "i80": f"{_num(tr, round(r['lower_80']))}–{_num(tr, round(r['upper_80']))}",
             "i95": f"{_num(tr, round(r['lower_95']))}–{_num(tr, round(r['upper_95']))}",
             "mase": "–" if r["mase"] is None else tr.number(r["mase"], 2), "coverage_80": pct(r["coverage_80"]),
             "aht": "–" if r["aht_seconds"] is None else tr.duration(r["aht_seconds"])} for r in fc["series"]]
    bt = fc["backtest"]
    backtest = (tr.t("report.forecast.backtest", folds=_num(tr, bt["folds"]), days=_num(tr, bt["horizon_days"]),
                     mase=tr.number(bt["mase"], 2), c80=pct(bt["coverage_80"]), c95=pct(bt["coverage_95"]))
                if bt.get("points") else tr.t("report.forecast.no_backtest"))
    lines: list[str] = []
    st = fc.get("staffing") or {}
    names = get_day_names("wide", locale=tr.locale)
    if "omitted" in st:
        lines.append(tr.t("report.forecast.staff_omitted", reason=st["omitted"]))
    elif st:
        lines.append(tr.t("report.forecast.staff_peak", agents=_num(tr, st["peak_agents"]),
                          when=tr.date(st["peak_at"][:10]) + " " + _hour(tr, int(st["peak_at"][11:13])),
                          hours=_num(tr, st["agent_hours"])))
        if st["basis"] is None:
            lines.append(tr.t("report.forecast.no_schedule"))
        else:
            lines.append(tr.t("report.forecast.short", short=_num(tr, st["short_hours"]), hours=_num(tr, st["hours"])))
            for c in st["worst"]:
                h = int(c["hour"])
                lines.append(tr.t("report.forecast.short_item", weekday=names[(int(c["weekday"]) - 1) % 7],
                                  start=_hour(tr, h), end=_hour(tr, h + 1), required=_num(tr, c["required_max"]),
                                  scheduled=tr.number(c["scheduled"], 1), gap=tr.number(-c["gap"], 1)))
    return {"rows": rows, "dim": tr.t(f"report.forecast.by_{dim}"), "backtest": backtest, "staff": lines,
            "intro": tr.t("report.forecast.lead", start=tr.date(fc["from"]), end=tr.date(fc["to"]),
                          history=tr.date(fc["history_to"]))}


def frt_rows(data: dict[str, Any], tr: Translator) -> list[dict[str, Any]]:
    rows = []
    for r in data.get("frt_by_channel") or []:
        meets = r.get("meets")
        rows.append({
            "channel": tr.dim_value("channel", r.get("channel")), "n": _num(tr, r.get("n")),
            "median": tr.duration(r.get("median")), "p90": tr.duration(r.get("p90")),
            "expectation": tr.duration(r["expectation"]) if r.get("expectation") is not None
            else tr.t("report.frt.no_expectation"),
            "within": tr.percent(r.get("within_expectation")),
            "meets": meets,
            "status": tr.t("report.frt.meets") if meets else (tr.t("report.frt.misses") if meets is False else "–"),
        })
    return rows


# -- feedback, customers, calls ---------------------------------------------------------------------------
def composition_text(data: dict[str, Any], tr: Translator) -> str | None:
    comp = {r["metric"]: r for r in (data.get("feedback") or {}).get("nps_composition") or []}
    if not comp:
        return None
    parts, total = [], None
    for key, _c in charts.NPS_GROUPS:
        r = comp.get(key)
        if r is None:
            continue
        total = r.get("denominator") or total
        parts.append(tr.t("report.feedback.group_count", group=tr.t(f"report.feedback.{key}"),
                          count=_num(tr, r.get("numerator")), share=tr.percent(r.get("value"))))
    return tr.t("report.feedback.composition_text", parts=_join(tr, parts), total=_num(tr, total))


def comment_rows(data: dict[str, Any], tr: Translator) -> list[dict[str, Any]]:
    tz = ZoneInfo(data["timezone"])
    rows = []
    for c in (data.get("feedback") or {}).get("comments") or []:
        when = c.get("responded_at")
        day = None
        if when:
            try:
                day = dt.datetime.fromisoformat(str(when)).astimezone(tz).date()
            except ValueError:
                day = None
        rows.append({"date": tr.date(day) if day else "–", "survey": tr.dim_value("survey", c.get("survey")),
                     "score": _num(tr, c.get("score")), "channel": tr.dim_value("channel", c.get("channel")),
                     "comment": str(c.get("comment") or "")})
    return rows


def language_name(tr: Translator, code: str) -> str:
    """A language's name in the reader's language (``fi`` -> "suomi", "Finnish", "フィンランド語")."""
    from babel import Locale

    return Locale.parse(tr.locale).languages.get(code.replace("-", "_"), code)


def theme_label(t: dict[str, Any], lang: str) -> str:
    """A library theme in the reader's language; a discovered one by its terms (any language)."""
    return str((t.get("labels") or {}).get(lang) or t.get("label") or t["id"])


def themes_view(data: dict[str, Any], tr: Translator) -> list[dict[str, Any]]:
    """Per survey: its title line and the rows of its largest themes, formatted."""
    out = []
    for sv in (data.get("feedback") or {}).get("themes") or []:
        key = sv["score"]
        rows = []
        for t in sv["themes"]:
            lo, hi, tr_ = t.get(f"{key}_low"), t.get(f"{key}_high"), t["trend"]
            change = tr_.get("change")
            rows.append({
                "id": t["id"], "theme": theme_label(t, tr.lang), "language": language_name(tr, t["language"]),
                "n": _num(tr, t["n"]), "share": tr.number(t["share"], 1) if t["share"] is not None else "–",
                "score": tr.number(t[key], 1) if t.get(key) is not None else "–",
                "interval": "–" if lo is None or hi is None else
                tr.t("report.header.period_range", start=tr.number(lo, 1), end=tr.number(hi, 1)),
                "impact": tr.number(t["impact"], 2) if t.get("impact") is not None else "–",
                "trend": "–" if change is None else ("+" if change > 0 else "") + tr.number(change, 1),
                "rising": bool(tr_.get("rising")),
                "sentiment": "–" if t.get("sentiment") is None else
                ("+" if t["sentiment"] > 0 else "") + tr.number(t["sentiment"], 2),
                "negative": "–" if t.get("negative_share") is None else tr.number(t["negative_share"], 1),
            })
        label = key.upper()
        out.append({"id": f"themes-{sv['survey']}", "score": label,
                    "title": tr.t("report.themes.survey_title", survey=tr.dim_value("survey", sv["survey"]),
                                  n=_num(tr, sv["responses"]), score=label,
                                  value="–" if sv.get("value") is None else tr.number(sv["value"], 1)),
                    "more": tr.t("report.themes.more", shown=_num(tr, len(rows)), total=_num(tr, sv["themes_total"]),
                                 survey=sv["survey"]) if sv["themes_total"] > len(rows) else None,
                    "rows": rows})
    return out


def clv_view(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    clv = data.get("clv")
    if not clv:
        return None

    def facts(r: dict[str, Any]) -> dict[str, str]:
        return {"value": tr.value(r.get("value"), "currency"),
                "interval": tr.t("report.kpi.interval", low=tr.value(r.get("ci_low"), "currency"),
                                 high=tr.value(r.get("ci_high"), "currency")),
                "range": tr.t("report.header.period_range", start=tr.value(r.get("ci_low"), "currency"),
                              end=tr.value(r.get("ci_high"), "currency")),
                "n": _num(tr, r.get("n")),
                "revenue": tr.value(r.get("annual_revenue_per_customer"), "currency"),
                "churn": tr.percent(r.get("annual_churn_rate")),
                "years": tr.t("report.clv.years_value", n=tr.number(r.get("relationship_years"), 1)),
                "cac": tr.value(r.get("cac"), "currency")}

    ov = clv.get("overall") or {}
    segs = [{"segment": tr.dim_value("segment", s.get("segment")), **facts(s)} for s in clv.get("by_segment") or []]
    return {"overall": facts(ov), "segments": segs, "currency": ov.get("currency")}


def calls_view(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    rows = data.get("calls_by_queue") or []
    if not rows:
        return None
    metrics: list[str] = []
    queues: dict[str, dict[str, str]] = {}
    for r in rows:
        if r["metric"] not in metrics:
            metrics.append(r["metric"])
        q = tr.dim_value("queue", r.get("queue"))
        queues.setdefault(q, {})[r["metric"]] = tr.value(r.get("value"), _unit(r["metric"]))
    return {"metrics": [{"key": m, "name": metric_name(tr, m)} for m in metrics],
            "rows": [{"queue": q, "cells": [vals.get(m, "–") for m in metrics]} for q, vals in queues.items()]}


def definitions(data: dict[str, Any], tr: Translator) -> list[dict[str, Any]]:
    out = []
    for d in data.get("definitions") or []:
        key = d["metric"]
        ukey, dkey = f"report.unit.{d.get('unit')}", f"report.direction.{d.get('direction')}"
        out.append({"key": key, "name": metric_name(tr, key), "description": _metric_text(tr, key, "description"),
                    "formula": _metric_text(tr, key, "formula"),
                    "unit": tr.t(ukey) if tr.has(ukey) else str(d.get("unit") or ""),
                    "direction": tr.t(dkey) if tr.has(dkey) else str(d.get("direction") or ""),
                    "references": _join(tr, [str(r) for r in d.get("references") or []])})
    return out


# -- the page ---------------------------------------------------------------------------------------------
def _generated(data: dict[str, Any], tr: Translator) -> str:
    from babel.dates import format_datetime

    raw = data.get("generated_at")
    if not raw:
        return "–"
    try:
        when = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return str(raw)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    tz = ZoneInfo(data["timezone"])
    return format_datetime(when.astimezone(tz), "medium", locale=tr.locale)


def chart_specs(data: dict[str, Any], tr: Translator) -> dict[str, dict[str, Any] | None]:
    sections = set(data.get("sections") or [])
    specs: dict[str, dict[str, Any] | None] = {}
    if "support" in sections:
        specs["support_trends"] = charts.spec_trends(data, tr, "support")
        specs["volume_daily"] = charts.spec_volume_daily(data, tr)
        specs["volume_monthly"] = charts.spec_volume_monthly(data, tr)
        specs["busy_hours"] = charts.spec_busy_hours(data, tr)
        specs["frt_by_channel"] = charts.spec_frt_by_channel(data, tr)
    if "feedback" in sections:
        specs["nps_composition"] = charts.spec_nps_composition(data, tr)
        specs["feedback_trends"] = charts.spec_trends(data, tr, "feedback")
    if "customers" in sections:
        specs["customers_trends"] = charts.spec_trends(data, tr, "customers")
        specs["clv"] = charts.spec_clv(data, tr)
    if "calls" in sections:
        specs["calls_trends"] = charts.spec_trends(data, tr, "calls")
    if "carts" in sections:
        specs["carts_trends"] = charts.spec_trends(data, tr, "carts")
    return specs


def context(data: dict[str, Any], tr: Translator, svg: charts.SvgRenderer | None = None) -> dict[str, Any]:
    """Everything the template shows, already translated and formatted (``svg``: where the charts
    are drawn, :func:`charts.render_svgs`)."""
    svgs = {name: Markup(s) for name, s in charts.render_svgs(chart_specs(data, tr), tr, svg).items()}
    sections = [s for s in SECTIONS if s in set(data.get("sections") or [])]
    omitted: dict[str, str] = {}
    for o in data.get("omitted") or []:
        skey, rkey = f"report.section.{o['section']}", f"report.omitted.{o['reason']}"
        omitted[o["section"]] = tr.t("report.omitted.line", section=tr.t(skey) if tr.has(skey) else o["section"],
                                     reason=tr.t(rkey) if tr.has(rkey) else o["reason"])
    counts = data.get("counts") or {}
    shown_counts = [{"label": tr.t(f"report.counts.{k}"), "value": _num(tr, counts[k])}
                    for k in TABLE_COUNTS if k in counts]
    toc = [{"id": "kpis", "title": tr.t("report.section.kpis")}]
    toc += [{"id": s, "title": tr.t(f"report.section.{s}")} for s in sections]
    if data.get("forecast"):
        toc.append({"id": "forecast", "title": tr.t("report.section.forecast")})
    toc.append({"id": "definitions", "title": tr.t("report.section.definitions")})
    month = tr.month(data["period"]["start"])
    return {
        "lang": tr.lang, "t": tr.t, "charts": svgs, "sections": sections,
        # whole sections left out are listed up front; a left-out part (CLV) says so in its place
        "omitted": [line for s, line in omitted.items() if s != "clv"],
        "title": tr.t("report.title"), "month": month,
        "heading": month[:1].upper() + month[1:],  # 'lokakuu 2026' opens the page as 'Lokakuu 2026'
        "doc_title": tr.t("report.doc_title", month=month),
        "period_range": tr.t("report.header.period_range", start=tr.date(data["period"]["start"]),
                             end=tr.date(data["period"]["end"])),
        "generated": _generated(data, tr), "timezone": data["timezone"],
        "generator": data.get("generator") or "", "counts": shown_counts, "toc": toc,
        "kpi_groups": kpi_groups(data, tr),
        "spikes": spikes_view(data, tr) if "support" in sections else None,
        "busy": busy_view(data, tr) if "support" in sections else None,
        "frt_rows": frt_rows(data, tr) if "support" in sections else [],
        "floor": _floor_view(data, tr) if "support" in sections else None,
        "composition": composition_text(data, tr) if "feedback" in sections else None,
        "comments": comment_rows(data, tr) if "feedback" in sections else [],
        "themes": themes_view(data, tr) if "feedback" in sections else [],
        "themes_lead": tr.t("report.themes.lead", start=tr.date(data["months"][0]), end=tr.date(data["period"]["end"]),
                            month=month),
        "clv": clv_view(data, tr) if "customers" in sections else None,
        "clv_omitted": omitted.get("clv"),
        "calls": calls_view(data, tr) if "calls" in sections else None,
        "forecast": forecast_view(data, tr),
        "definitions": definitions(data, tr),
    }


def _floor_view(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    from cxmetrics.interfaces.report.floor import floor_view

    return floor_view(data, tr)


def render_html(data: dict[str, Any], lang: str = "en", svg: charts.SvgRenderer | None = None) -> str:
    """The report of already-built ``data`` as one self-contained HTML page in ``lang``."""
    tr = translator(lang)
    return _env().get_template("report.html").render(**context(data, tr, svg))
