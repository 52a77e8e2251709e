"""The monthly report as data: one language-neutral, JSON-able dict.

Every format (HTML, PDF, Excel, the dashboard and ``--format json``) renders this
one structure, so they cannot disagree. It holds raw numbers, metric ids and
text keys; words and number formats are added by the renderers in the reader's
language. Built from a handful of engine queries (one 13-month frame of every
metric, one compare per direction for the headline KPIs, and small grouped
frames), never from ticket rows in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd
from dateutil.relativedelta import relativedelta

from cxmetrics.engine.core import Query
from cxmetrics.engine.records import clean, to_records
from cxmetrics.errors import BadPeriod, ClvError, ReportError
from cxmetrics.metrics.registry import get

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine
    from cxmetrics.engine.tables import Tables

VERSION = 1
#: months shown in trends, ending with the report month (a year plus the same month last year)
TREND_MONTHS = 13
#: Headline KPIs per section, in display order (seed 000/003/004's lists).
PRIMARY: dict[str, tuple[str, ...]] = {
    "support": ("ticket_volume", "tickets_resolved", "backlog", "resolution_rate", "first_response_time",
                "resolution_time", "handle_time", "fcr_rate", "replies_per_resolution", "sla_attainment"),
    "feedback": ("nps", "csat", "ces", "cx_rating", "survey_response_rate"),
    "customers": ("active_customers", "new_customers", "churn_rate", "retention_rate", "cac", "arpu"),
    "calls": ("call_volume", "call_abandonment_rate", "average_speed_of_answer", "service_level"),
    "carts": ("cart_abandonment_rate",),
}
#: the tables a section needs; without rows there it is left out with a reason
NEEDS: dict[str, str] = {"support": "tickets", "feedback": "survey_responses", "customers": "customers",
                         "calls": "calls", "carts": "carts"}
TRENDS: dict[str, tuple[str, ...]] = {
    "support": ("ticket_volume", "backlog", "first_response_time", "resolution_time", "fcr_rate", "handle_time"),
    "feedback": ("nps", "csat", "ces"),
    "customers": ("churn_rate", "retention_rate", "active_customers", "arpu"),
    "calls": ("call_abandonment_rate", "average_speed_of_answer", "service_level"),
    "carts": ("cart_abandonment_rate",),
}
RECORD_KEYS = ("value", "n", "numerator", "denominator", "ci_low", "ci_high", "mean", "median", "p90",
               "low_sample", "maturing", "target", "meets_target", "target_source")
COMMENTS = 10
#: comment themes shown per survey, largest first
THEMES = 8


def parse_period(period: str | dt.date | None) -> dt.date | None:
    if period is None or period == "latest":
        return None
    if isinstance(period, dt.date):
        return period.replace(day=1)
    try:
        return dt.datetime.strptime(period.strip(), "%Y-%m").date()
    except ValueError:
        raise BadPeriod(f"period must be YYYY-MM (e.g. 2026-10), not {period!r}") from None


def default_period(engine: Engine, tz: str, today: dt.date | None = None) -> dt.date:
    """The last complete month: of the calendar, or of the data when the data ends earlier."""
    today = today or dt.datetime.now(ZoneInfo(tz)).date()
    _lo, hi = engine.bounds()
    end = today
    if hi is not None:
        last = hi.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(tz)).date()
        end = min(end, last + dt.timedelta(days=1))
    return end.replace(day=1) - relativedelta(months=1)


def _month_frames(engine: Engine, first: dt.date, end: dt.date, tz: str) -> dict[str, pd.DataFrame]:
    """Every applicable metric by month over the trend window."""
    from cxmetrics.engine.records import records_frame

    q = Query(grain="month", from_=first, to=end, tz=tz)
    q.validate()
    return {k: records_frame(r) for k, r in engine.results([m.key for m in engine.applicable(q)], q).items()}


def _public(engine: Engine, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    from cxmetrics.engine.targets import apply_targets

    parts = [apply_targets(get(k), f, engine.config) for k, f in frames.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["metric", "period_start"])


def _kpis(engine: Engine, ids: list[str], start: dt.date, end: dt.date, tz: str) -> list[dict[str, Any]]:
    """The month's KPIs against the month before and the same month a year before, by the
    engine's own comparison (the same numbers as ``cxm metrics --compare previous|year``)."""
    from cxmetrics.engine.compare import COMPARE_COLUMNS
    from cxmetrics.engine.records import records_frame, with_comparison
    from cxmetrics.engine.targets import apply_targets

    q = Query(grain="month", from_=start, to=end, tz=tz)
    current = engine.results(ids, q)
    comparisons = {mode: engine.compare(current, mode) for mode in ("previous", "year")}
    out = []
    for key, res in current.items():
        m = res.metric
        item: dict[str, Any] = {"metric": key, "unit": m.unit, "direction": m.direction, "kind": m.kind.name,
                                "domain": m.domain}
        base = records_frame(res)
        r = apply_targets(m, base, engine.config).iloc[0]
        item.update({k: clean(r.get(k)) for k in RECORD_KEYS})
        for mode, comp in comparisons.items():
            c = with_comparison(base, comp[key]).iloc[0]
            item[mode] = {k: clean(c.get(k)) for k in COMPARE_COLUMNS}
        out.append(item)
    return out


def _has_value(rec: dict[str, Any]) -> bool:
    return rec.get("value") is not None or bool(rec.get("n"))


def _series(all_frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    f = all_frame[all_frame["metric"] == key]
    cols = ["period_start", "value", "ci_low", "ci_high", "n", "low_sample", "target"]
    return to_records(f[[c for c in cols if c in f.columns]])


def has_data(key: str, counts: dict[str, int]) -> bool:
    """Every table the metric requires (:attr:`Metric.required_tables`) has rows: a store without
    calls shows no call metrics, not a row of zeros."""
    return all(counts.get(t, 0) > 0 for t in get(key).required_tables)


def _table(all_frame: pd.DataFrame, months: list[str], counts: dict[str, int]) -> list[dict[str, Any]]:
    """Every metric as a row, months as columns (Excel tab 1); share metrics one row per group."""
    rows = []
    for key, f in all_frame.groupby("metric", sort=False):
        m = get(str(key))
        if not has_data(m.key, counts):
            continue
        groups: list[tuple[Any, pd.DataFrame]] = [(None, f)]
        if m.share_dim and m.share_dim in f.columns:
            # iterated, not list(): pandas 2.3 fails on len() of a dropna=False grouping with a
            # null key (tickets imported without a category), "Categorical categories cannot be null"
            groups = [(g, part) for g, part in f.groupby(m.share_dim, sort=True, dropna=False)]
        for g, part in groups:
            by_month = {str(p): clean(v) for p, v in zip(part["period_start"], part["value"], strict=True)}
            values = [by_month.get(mo) for mo in months]
            if all(v is None for v in values) and m.kind.sample:
                continue
            rows.append({"metric": str(key), "group": None if g is None else clean(g),
                         "dimension": m.share_dim if g is not None else None, "unit": m.unit,
                         "domain": m.domain, "primary": any(str(key) in p for p in PRIMARY.values()),
                         "values": values})
    return rows


def _busy_hours(engine: Engine, start: dt.date, end: dt.date, tz: str, median: float | None) -> dict[str, Any]:
    """``median``: the month's first response time (its record in the 13-month frame)."""
    f = engine.frame(["ticket_volume", "first_response_time"], grain="total", by=["weekday", "hour"],
                     from_=start, to=end, tz=tz)
    vol = f[f["metric"] == "ticket_volume"][["weekday", "hour", "value"]].rename(columns={"value": "tickets"})
    frt = f[f["metric"] == "first_response_time"][["weekday", "hour", "value", "n"]].rename(
        columns={"value": "frt", "n": "replied"})
    cells = vol.merge(frt, on=["weekday", "hour"], how="outer")
    cells = cells.dropna(subset=["weekday", "hour"])
    cells["tickets"] = cells["tickets"].fillna(0)
    # Hours to staff: busy (top quarter by volume) and slow (first reply above the month's median).
    staff: list[dict[str, Any]] = []
    if median is not None and not cells.empty:
        busy = cells["tickets"] >= cells["tickets"].quantile(0.75)
        slow = cells["frt"] > median
        pick = cells[busy & slow].copy()
        pick["load"] = pick["tickets"] * pick["frt"]
        staff = to_records(pick.sort_values("load", ascending=False).head(8).drop(columns=["load"]))
    cells = cells.astype({"weekday": "int64", "hour": "int64"}).sort_values(["weekday", "hour"])
    return {"cells": to_records(cells), "frt_median": median, "staff": staff}


def _frt_by_channel(engine: Engine, start: dt.date, end: dt.date, tz: str) -> list[dict[str, Any]]:
    f = engine.frame(["first_response_time", "sla_attainment"], grain="total", by=["channel"],
                     from_=start, to=end, tz=tz)
    frt = f[f["metric"] == "first_response_time"]
    sla = f[f["metric"] == "sla_attainment"].set_index("channel")
    expect = engine.config.sla_first_reply
    out = []
    for r in to_records(frt):
        ch = r["channel"]
        target = expect.get(ch, expect.get("default")) if ch is not None else None
        within = clean(sla["value"].get(ch)) if ch in sla.index else None
        out.append({"channel": ch, "median": r["median"], "mean": r["mean"], "p90": r["p90"], "n": r["n"],
                    "expectation": target, "within_expectation": within,
                    "meets": None if target is None or r["median"] is None else bool(r["median"] <= target)})
    return sorted(out, key=lambda x: -(x["n"] or 0))


def _volume(engine: Engine, start: dt.date, end: dt.date, first: dt.date, tz: str) -> dict[str, Any]:
    from cxmetrics.analyses.spikes import METHOD, detect

    det = detect(engine, from_=first, to=end, tz=tz)
    lo = start.isoformat()
    daily = [p for p in det["by_category"] if p["date"] >= lo]
    monthly = engine.frame(["ticket_volume"], grain="month", by=["category"], from_=first, to=end, tz=tz)
    spikes = [dict(s, in_period=s["date"] >= lo) for s in det["spikes"]]
    return {"daily": daily, "days": [d for d in det["days"] if d["date"] >= lo],
            "monthly": to_records(monthly[["period_start", "category", "value"]]),
            "spikes": spikes, "method": METHOD}


#: the report's forecast: days after the report month, backtest windows of as many days
FORECAST_DAYS = 28
FORECAST_FOLDS = 2


def _forecast(engine: Engine, end: dt.date, tz: str) -> dict[str, Any]:
    """Contacts in the FORECAST_DAYS after the report month (history up to the month's end) per
    channel (calls: queue): each series' total and busiest day with its 80/95% interval, the backtest, AHT, and the
    staffing against the schedules table (``cxm forecast --staff``). ``{"omitted": reason}`` when
    there is too little history."""
    from cxmetrics.analyses import forecast as fc
    from cxmetrics.analyses.plan import plan_with_coverage
    from cxmetrics.errors import CxmError

    try:
        src = fc.pick_source(engine, "auto")
        by = {"tickets": ["channel"], "calls": ["queue"]}.get(src, ["channel"])
        hourly = fc.hourly_history(engine, src, by, tz)  # one history for the daily and the hourly forecast
        daily = fc.run(engine, horizon=FORECAST_DAYS, grain="day", by=by, source=src, tz=tz, folds=FORECAST_FOLDS,
                       until=end, hourly=hourly)
    except CxmError as e:
        return {"omitted": str(e)}
    bt = daily.backtest
    f = pd.DataFrame(daily.records)
    per = {tuple(s[d] for d in by): s for s in bt.get("series", [])}
    ahts = {tuple(a[d] for d in by): a["aht_seconds"] for a in daily.aht}
    series = []
    for key, g in f.groupby(by, sort=True):
        k = key if isinstance(key, tuple) else (key,)
        s = per.get(k, {})
        top = g.loc[g["value"].idxmax()]  # the busiest day, with its own interval (intervals do not add up)
        series.append({**dict(zip(by, k, strict=True)), "total": round(float(g["value"].sum()), 1),
                       "peak_day": top["period_start"], "peak": float(top["value"]),
                       **{c: float(top[c]) for c in ("lower_80", "upper_80", "lower_95", "upper_95")},
                       "mase": s.get("mase"), "coverage_80": s.get("coverage_80"), "aht_seconds": ahts.get(k)})
    out: dict[str, Any] = {
        "source": src, "by": by, "from": (end + dt.timedelta(days=1)).isoformat(),
        "to": (end + dt.timedelta(days=FORECAST_DAYS)).isoformat(), "history_to": daily.meta["history_to"],
        "model": daily.meta["model"], "series": series,
        "backtest": {k: bt.get(k) for k in ("mase", "coverage_80", "coverage_95", "folds", "horizon_days", "points")},
        # every day of every series with its intervals (the Excel sheet lists them), and the AHT backtest
        "daily": daily.records,
        "backtest_series": [{**{d: s[d] for d in by}, **{k: s.get(k) for k in ("mase", "coverage_80", "coverage_95",
                                                                              "points")}} for s in bt.get("series", [])],
        "aht_backtest": {k: daily.aht_backtest.get(k) for k in ("mape", "mase", "contacts", "days")},
        "aht_series": daily.aht_backtest.get("series", []),
    }
    try:
        by_hour = fc.run(engine, horizon=FORECAST_DAYS, grain="hour", by=by, source=src, tz=tz, folds=0, until=end,
                         hourly=hourly)
        plan = plan_with_coverage(by_hour, engine)
    except CxmError as e:  # no handle times to staff from
        out["staffing"] = {"omitted": str(e)}
        return out
    cov = plan["coverage"]
    per_hour: dict[str, int] = {}
    for r in plan["staffing"]:
        per_hour[r["period_start"]] = per_hour.get(r["period_start"], 0) + r["scheduled_agents"]
    peak = max(per_hour.items(), key=lambda x: x[1]) if per_hour else (None, 0)
    short = sorted((c for c in cov["cells"] if c["gap"] is not None and c["gap"] < 0), key=lambda c: c["gap"])
    out["staffing"] = {"basis": cov["basis"], "hours": cov["hours"], "short_hours": cov["short_hours"],
                       "agent_hours": sum(per_hour.values()), "peak_agents": peak[1], "peak_at": peak[0],
                       "worst": short[:5], "cells": cov["cells"]}
    return out


def _comments(engine: Engine, start: dt.date, end: dt.date, tz: str) -> list[dict[str, Any]]:
    from cxmetrics.analyses.comments import comments

    f = comments(engine, group="detractor", from_=start, to=end, tz=tz, limit=COMMENTS)
    if f.empty:  # no NPS detractors: unhappy CSAT answers instead
        f = comments(engine, group="unsatisfied", from_=start, to=end, tz=tz, limit=COMMENTS)
    return to_records(f.drop(columns=["response_id"], errors="ignore"))


def _themes(engine: Engine, first: dt.date, end: dt.date, tz: str) -> list[dict[str, Any]]:
    """Per survey with comments in the trend window, its largest themes and every rising one: ``cxm themes --survey S
    --from FIRST --to END`` (so the trend is the report month against the twelve before), with
    each library theme's label in every language (the data stays language-neutral)."""
    from cxmetrics.analyses.comments import responses_in_range
    from cxmetrics.analyses.themes import library, themes
    from cxmetrics.errors import QueryError

    r = responses_in_range(engine, from_=first, to=end, tz=tz)
    r = r.filter(r.answered & (r.comment.strip().length() > 0))
    surveys = sorted(str(v) for v in r.select("survey").distinct().execute()["survey"].dropna())
    labels = {t.id: t.labels for t in library()}
    out = []
    for survey in surveys:
        try:
            res = themes(engine, survey=survey, from_=first, to=end, tz=tz)
        except QueryError:  # comments, but no answered score of that survey
            continue
        ranked = sorted(res["themes"], key=lambda t: (-t["n"], t["id"]))
        top = ranked[:THEMES] + [t for t in ranked[THEMES:] if t["trend"]["rising"]]  # a rising theme is news
        for t in top:
            t["labels"] = labels.get(t["id"].split(":")[0], {}) if t["source"] == "library" else {}
        key = res["score"]
        out.append({"survey": survey, "score": key, "value": res[key], "responses": res["responses"],
                    "latest_month": res["latest_month"], "languages": res["languages"],
                    "themes_total": len(res["themes"]), "themes": top})
    return out


def _clv(store: Tables, end: dt.date, tz: str) -> dict[str, Any] | None:
    from cxmetrics.analyses.clv.historic import historic_clv

    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()).replace(tzinfo=ZoneInfo(tz))
    stop = stop.astimezone(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    try:
        overall = historic_clv(store, end=stop)
        seg = historic_clv(store, by="segment", end=stop)
    except ClvError:  # no customers, mixed currencies...: the section is left out
        return None
    keep = ["value", "ci_low", "ci_high", "n", "annual_revenue_per_customer", "annual_churn_rate",
            "relationship_years", "cac", "currency"]
    return {"overall": to_records(overall[[c for c in keep if c in overall.columns]])[0],
            "by_segment": to_records(seg[["segment", *[c for c in keep if c in seg.columns]]])}


#: modules the report's analyses import on first use (themes use scikit-learn: ~1 s after pandas);
#: :func:`preload` imports them alongside its queries
PRELOAD = ("sklearn.decomposition", "sklearn.feature_extraction.text")
_preloading: list[threading.Thread] = []


def preload() -> None:
    """Import :data:`PRELOAD` in a background thread, once per process. Importing holds the
    GIL but DuckDB releases it while it works (the first queries derive the fact tables), so
    on a second core the imports are mostly done before the analyses need them; the analyses
    import as before (an import in progress is waited for, a failed one raises there)."""
    if _preloading:
        return

    def run() -> None:
        for name in PRELOAD:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    t = threading.Thread(target=run, name="cxm-report-preload", daemon=True)
    _preloading.append(t)
    t.start()


@dataclass(frozen=True)
class Month:
    """The report's month as resolved over one version of the data: what the report covers."""

    start: dt.date
    end: dt.date
    #: the first month of the trends (TREND_MONTHS ending with the report month)
    first: dt.date
    tz: str
    counts: dict[str, int]

    @property
    def present(self) -> dict[str, bool]:
        return {s: self.counts.get(t, 0) > 0 for s, t in NEEDS.items()}

    def key(self) -> list[Any]:
        """What two builds over the same version of the data must share for their sections to be
        interchangeable (plain JSON)."""
        return [self.start.isoformat(), self.end.isoformat(), self.first.isoformat(), self.tz,
                [list(kv) for kv in sorted(self.counts.items())]]


def resolve_month(store: Tables, engine: Engine, period: str | dt.date | None, tz: str | None,
                  today: dt.date | None) -> Month:
    """The report's month (default: the last complete month), refused when the store is empty
    or holds nothing in it."""
    tz = tz or engine.config.timezone
    counts = store.counts()
    if not any(counts.values()):
        raise ReportError("the store is empty; run `cxm demo` or `cxm import` first")
    start = parse_period(period) or default_period(engine, tz, today)
    end = start + relativedelta(months=1) - dt.timedelta(days=1)
    _check_data_in(engine, start, end, tz)
    return Month(start, end, start - relativedelta(months=TREND_MONTHS - 1), tz, counts)


def detached_sections(store: Tables, engine: Engine, month: Month, *, volume: bool = True) -> dict[str, Any]:
    """The sections that need nothing from the 13-month frame (the floor, ticket volume with its
    spikes, first response by channel, the forecast, comments, themes with scikit-learn, CLV):
    `cxm report` computes them in a second process while this one computes the frame
    (:mod:`cxmetrics.interfaces.report.parallel`), a process that stays in its report helper
    (:mod:`cxmetrics.interfaces.report.helper`). ``volume=False`` leaves ticket volume and first
    response by channel to the report (`cxm report`'s child has the charts to draw as well)."""
    start, end, first, tz, present = month.start, month.end, month.first, month.tz, month.present
    out: dict[str, Any] = {}
    if present["support"]:
        from cxmetrics.interfaces.report.floor import floor_data

        if volume:
            out["volume"] = _volume(engine, start, end, first, tz)
            out["frt_by_channel"] = _frt_by_channel(engine, start, end, tz)
        out["floor"] = floor_data(engine, start, end, tz)  # agents, teams, SLA by policy
    if present["support"] or present["calls"] or month.counts.get("interval_volumes", 0) > 0:
        out["forecast"] = _forecast(engine, end, tz)
    if present["feedback"]:
        out["comments"] = _comments(engine, start, end, tz)
        out["themes"] = _themes(engine, first, end, tz)
    if present["customers"]:
        out["clv"] = _clv(store, end, tz)
    return out


#: sections computed elsewhere for a month (its :meth:`Month.key`), or None where they were not
Detached = Callable[[Month], "dict[str, Any] | None"]


def build_report(store: Tables, period: str | dt.date | None = None, *, tz: str | None = None,
                 engine: Engine | None = None, today: dt.date | None = None,
                 detached: Detached | None = None,
                 on_trends: Callable[[list[str], dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """The report of one month (default: the last complete month) as plain data.

    ``detached``: the :func:`detached_sections` of this month computed elsewhere (another
    process over the same version of the data); where it gives None they are computed here.
    Without it (and without ``engine``), a snapshot of a store file asks the process's report
    helper for them (:mod:`cxmetrics.interfaces.report.helper`, setting ``report_helper``).
    ``on_trends``: called with ``months`` and ``trends`` as soon as they are known."""
    from cxmetrics.interfaces.report import helper

    asked = helper.ask(store, period, tz, today) if detached is None and engine is None else None
    try:
        return _build(store, period, tz, engine, today,
                      (lambda m: asked.receive(store, m)) if asked is not None else detached, on_trends)
    finally:
        if asked is not None:
            asked.done()


def _build(store: Tables, period: str | dt.date | None, tz: str | None, engine: Engine | None,
           today: dt.date | None, detached: Detached | None,
           on_trends: Callable[[list[str], dict[str, Any]], None] | None) -> dict[str, Any]:
    from cxmetrics import __version__

    if detached is None:  # else the analyses that need them run elsewhere first
        preload()
    engine = engine or store.engine()
    month = resolve_month(store, engine, period, tz, today)
    start, end, first, tz, counts, present = month.start, month.end, month.first, month.tz, month.counts, \
        month.present
    months = [(first + relativedelta(months=i)).isoformat() for i in range(TREND_MONTHS)]

    omitted = [{"section": s, "reason": f"no_{NEEDS[s]}"} for s, ok in present.items() if not ok]
    frames = _month_frames(engine, first, end, tz)
    all_frame = _public(engine, frames)
    month_rows = all_frame[all_frame["period_start"] == start]

    computed = set(all_frame["metric"])
    trends = {s: {k: _series(all_frame, k) for k in ids if k in computed}
              for s, ids in TRENDS.items() if present[s]}
    if on_trends is not None:  # their charts can be drawn while the rest is computed
        on_trends(months, trends)

    kpi_ids = []
    for section, ids in PRIMARY.items():
        if not present[section]:
            continue
        for key in ids:
            if not has_data(key, counts):
                continue
            r = month_rows[month_rows["metric"] == key]
            if not r.empty and _has_value(to_records(r)[0]):
                kpi_ids.append(key)
    kpis = _kpis(engine, kpi_ids, start, end, tz) if kpi_ids else []

    report: dict[str, Any] = {
        "version": VERSION, "generator": f"cxmetrics {__version__}",
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat(),
                   "previous": (start - relativedelta(months=1)).isoformat(),
                   "year_ago": (start - relativedelta(years=1)).isoformat()},
        "timezone": tz, "months": months, "counts": counts, "sections": [s for s, ok in present.items() if ok],
        "omitted": omitted, "kpis": kpis, "trends": trends, "table": _table(all_frame, months, counts),
    }
    d = detached(month) if detached is not None else None
    if d is None:
        d = detached_sections(store, engine, month)
    if present["support"]:
        report["volume"] = d["volume"] if "volume" in d else _volume(engine, start, end, first, tz)
        frt = month_rows[month_rows["metric"] == "first_response_time"]["value"]
        report["busy_hours"] = _busy_hours(engine, start, end, tz, clean(frt.iloc[0]) if len(frt) else None)
        report["frt_by_channel"] = d["frt_by_channel"] if "frt_by_channel" in d else \
            _frt_by_channel(engine, start, end, tz)
        report["floor"] = d["floor"]
    if "forecast" in d:
        report["forecast"] = d["forecast"]
    if present["feedback"]:
        comp = [r for r in to_records(month_rows) if r["metric"] in ("promoters_share", "passives_share",
                                                                    "detractors_share")]
        report["feedback"] = {"nps_composition": [{k: r.get(k) for k in ("metric", "value", "numerator",
                                                                             "denominator")} for r in comp],
                              "comments": d["comments"], "themes": d["themes"]}
    if present["customers"]:
        report["clv"] = d["clv"]
        if d["clv"] is None:
            report["omitted"].append({"section": "clv", "reason": "clv_history"})
    if present["calls"]:
        q = engine.frame(["call_volume", "call_abandonment_rate", "average_speed_of_answer", "service_level"],
                         grain="total", by=["queue"], from_=start, to=end, tz=tz)
        report["calls_by_queue"] = to_records(q[["metric", "queue", "value", "n"]])
    shown = {k["metric"] for k in kpis} | {r["metric"] for r in report["table"]}
    from cxmetrics.metrics.registry import all_metrics

    report["definitions"] = [_definition(m.key) for m in all_metrics() if m.key in shown]  # catalogue order
    return report


def _check_data_in(engine: Engine, start: dt.date, end: dt.date, tz: str) -> None:
    """A month outside the data would be a report of zeros; say which months there are."""
    lo, hi = engine.bounds()
    if lo is None or hi is None:
        return
    zi = ZoneInfo(tz)
    first, last = (x.replace(tzinfo=dt.UTC).astimezone(zi).date() for x in (lo, hi))
    if end < first or start > last:
        raise ReportError(f"no data in {start:%Y-%m}: the store holds {first} to {last}; "
                          f"pick a month from {first:%Y-%m} to {last:%Y-%m} with --period")


def _definition(key: str) -> dict[str, Any]:
    m = get(key)
    return {"metric": key, "unit": m.unit, "direction": m.direction, "domain": m.domain,
            "references": [r.source for r in m.references]}
