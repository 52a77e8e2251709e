"""The staffing a forecast needs: agents per forecast hour and series (channel, queue...).

Each hour of a forecast is one staffing interval. Erlang C depends only on the offered load
in Erlangs, so an hour's agents are also those of each of its half-hours or quarters when the
contacts spread evenly over the hour (the ``[staffing] interval`` is the length a schedule is
written in, not a different answer here). Per channel:

- **asynchronous channels** (``staffing.asynchronous``: e-mail, forms, social by default) are
  staffed against their response-time target (``sla.first_reply`` for the channel, read as
  business time) over business hours (``business_hours``, in the forecast's zone): no one out of
  hours, and each open hour the work of the last target's worth of open hours at the maximum
  occupancy (:func:`response_target_agents`);
- **chat** and other concurrent channels use the effective AHT ``aht / concurrency``;
- a channel with a ``staffing.patience`` uses Erlang A, the others Erlang C, against the
  service-level target (``staffing.service_level_target`` within ``calls.service_level``),
  the ASA target and the maximum occupancy.

The AHT is the series' forecast per hour of the week (:mod:`cxmetrics.analyses.aht`), or ``aht``
when given (the data may have none: interval reports without AHT). The coverage against the
schedules table is pooled over the series and, with ``--by``, per series value against the
schedule rows of that value (``coverage["series"]``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cxmetrics.analyses.staffing import scheduled, staff
from cxmetrics.errors import UsageError

FloatArray = npt.NDArray[np.float64]

if TYPE_CHECKING:
    import pandas as pd

    from cxmetrics.analyses.forecast import Forecast
    from cxmetrics.engine.core import Engine
    from cxmetrics.settings import Config


def _per_channel(table: dict[str, float], channel: Any) -> float | None:
    if channel is not None and str(channel) in table:
        return table[str(channel)]
    return table.get("default")


def _business_hours(config: Config, first: dt.date, days: int) -> npt.NDArray[np.bool_]:
    """(days * 24,) whether each local hour from ``first`` is inside the business week (an hour
    counts when its window covers any of it) and not a closed date."""
    bh = config.business_hours
    closed = bh.closed_dates(range(first.year, (first + dt.timedelta(days=days)).year + 1))
    out = np.zeros((days, 24), dtype=bool)
    for i in range(days):
        d = first + dt.timedelta(days=i)
        window = bh.week[d.weekday()]
        if window is None or d in closed:
            continue
        lo = window[0].hour
        hi = window[1].hour + (1 if window[1].minute or window[1].second else 0)
        out[i, lo:max(hi, lo)] = True
    return out.ravel()


def response_target_agents(volume: FloatArray, aht: FloatArray, open_hours: npt.NDArray[np.bool_],
                           target_seconds: float | None, max_occupancy: float) -> npt.NDArray[np.int64]:
    """Agents per hour for asynchronous work answered within ``target_seconds`` of business time.

    Contacts arriving outside business hours wait for the next open hour. Each open hour staffs
    the work that arrived over the last ``L`` open hours (``L`` = the target in whole hours, at
    least 1) spread over ``L`` hours: throughput keeps up with the arrivals and the backlog never
    holds more than a target's worth of work. Closed hours need no one. Without business hours in
    the forecast (an empty week) every hour is open."""
    work = np.asarray(volume, dtype=float) * np.nan_to_num(np.asarray(aht, dtype=float))
    if not open_hours.any():
        open_hours = np.ones_like(open_hours)
    window = max(round((target_seconds or 3600.0) / 3600.0), 1)
    # move closed-hour work to the next open hour: cumulative work, read at each open hour
    cum = np.cumsum(work)
    idx = np.flatnonzero(open_hours)
    at_open = np.diff(np.concatenate([[0.0], cum[idx]]))
    at_open[-1] += cum[-1] - cum[idx[-1]]  # work after the last open hour counts there
    c = np.concatenate([[0.0], np.cumsum(at_open)])
    k = np.arange(1, len(idx) + 1)
    trailing = c[k] - c[np.maximum(k - window, 0)]
    need = np.ceil(trailing / (window * 3600.0 * max_occupancy) - 1e-9)
    out = np.zeros(len(work), dtype=np.int64)
    out[idx] = np.maximum(need, 0).astype(np.int64)
    return out


def staffing_plan(result: Forecast, config: Config, *, aht: float | None = None,
                  volume_factor: float = 1.0, aht_factor: float = 1.0) -> list[dict[str, Any]]:
    """Agents per forecast hour and series; ``volume_factor``/``aht_factor`` are the what-if.

    The AHT of each hour is the series' forecast for that hour of the week (``result.aht_hours``),
    or ``aht`` for all when given."""
    s = config.staffing
    dims = list(result.meta["by"])
    if result.meta["grain"] != "hour":
        raise UsageError("staffing needs an hourly forecast (--grain hour)")
    target = s.service_level_target
    within = config.calls.service_level
    first = dt.date.fromisoformat(result.meta["history_to"]) + dt.timedelta(days=1)
    days = int(result.meta["horizon_days"])
    open_hours = _business_hours(config, first, days)

    @lru_cache(maxsize=65536)
    def solve(volume: float, handle: float, channel: str | None) -> tuple[int, float | None, float | None, str]:
        if volume <= 0:
            return 0, None, None, "closed"
        concurrency = s.concurrency.get(str(channel), 1.0) if channel is not None else 1.0
        patience = _per_channel(s.patience, channel)
        r = staff(volume, 60, handle, target=target, within=within, asa_target=s.asa_target,
                  max_occupancy=s.max_occupancy, patience=patience, concurrency=concurrency)
        return r.agents, r.service_level, r.occupancy, r.model

    series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in result.records:
        series.setdefault(tuple(rec[d] for d in dims), []).append(rec)
    out = []
    for key, recs in series.items():
        hours = np.array([(dt.date.fromisoformat(r["period_start"][:10]) - first).days * 24
                          + int(r["period_start"][11:13]) for r in recs])
        if aht is not None:
            handle = np.full(len(recs), float(aht))
        else:
            per_hour = result.aht_hours.get(key)
            handle = per_hour[hours] if per_hour is not None else np.full(len(recs), np.nan)
            if np.isnan(handle).any():
                raise UsageError("the data has no handle times for " + (" ".join(map(str, key)) or "this history")
                                 + ": give --aht SECONDS")
        handle = np.round(handle * aht_factor, 3)
        volume = np.round(np.array([float(r["value"]) for r in recs]) * volume_factor, 3)
        channel = (recs[0].get("channel") if "channel" in dims
                   else ("phone" if result.meta["source"] == "calls" else None))
        if channel is not None and str(channel) in s.asynchronous:
            concurrency = s.concurrency.get(str(channel), 1.0)
            target_s = _per_channel(dict(config.sla.first_reply), channel)
            agents = response_target_agents(volume, handle / concurrency, open_hours[hours], target_s,
                                            s.max_occupancy)
            solved: list[tuple[int, float | None, float | None, str]] = [
                (int(a), None, None, "response_target" if v > 0 or a > 0 else "closed")
                for a, v in zip(agents, volume, strict=True)]
        else:
            solved = [solve(float(v), float(h), channel) for v, h in zip(volume, handle, strict=True)]
        for r, v, h, (agents_, sl, occ, how) in zip(recs, volume, handle, solved, strict=True):
            out.append({"period_start": r["period_start"], **{d: r[d] for d in dims}, "volume": float(v),
                        "aht_seconds": round(float(h), 1), "agents": agents_,
                        "scheduled_agents": scheduled(agents_, s.shrinkage), "service_level": sl,
                        "occupancy": occ, "method": how})
    return out


# -- required against scheduled agents, by hour of the week ------------------------------------------
#: schedule columns a per-series coverage can be matched on
SCHEDULE_DIMS = ("channel", "queue", "team")


def scheduled_hours(engine: Engine, tz: str, **where: Any) -> pd.DataFrame:
    """Agents on the ``schedules`` table per local hour (columns ``hour``, ``agents``): an interval's
    agents count for the share of the hour it covers (two half-hours of 10 and 12 agents are 11 for
    the hour), and an interval longer than an hour covers each of its hours. Empty without schedules.
    ``where`` (``channel="email"``) keeps the rows of one channel, queue or team."""
    import pandas as pd

    from cxmetrics.periods.clock import clock_for

    t = engine.source("schedules")
    for col, value in where.items():
        t = t.filter(t[col] == value) if value is not None else t.filter(t[col].isnull())
    row = t.aggregate(lo=t.interval_start.min(), hi=t.interval_start.max(), n=t.count()).execute().iloc[0]
    if int(row["n"]) == 0:
        return pd.DataFrame({"hour": pd.Series(dtype="datetime64[ns]"), "agents": pd.Series(dtype=float)})
    lo, hi = (pd.Timestamp(row[k]).to_pydatetime() for k in ("lo", "hi"))
    f = t.select(start=clock_for(tz, lo, hi).local(t.interval_start), minutes=t.interval_minutes,
                 agents=t.agents).execute()
    start = pd.to_datetime(f["start"])
    offset = (start - start.dt.floor("h")).dt.total_seconds().to_numpy() / 60
    minutes = f["minutes"].to_numpy(dtype=float)
    spans = np.ceil((offset + minutes) / 60).astype(int)  # hours each interval touches
    row_of = np.repeat(np.arange(len(f)), spans)
    k = np.arange(len(row_of)) - np.repeat(np.cumsum(spans) - spans, spans)  # 0.. within each interval
    covered = np.minimum(offset[row_of] + minutes[row_of], 60 * (k + 1)) - np.maximum(offset[row_of], 60 * k)
    hours = start.dt.floor("h").to_numpy()[row_of] + k.astype("timedelta64[h]")
    agents = f["agents"].to_numpy(dtype=float)[row_of] * covered / 60
    out = pd.DataFrame({"hour": hours, "agents": agents}).groupby("hour")["agents"].sum()
    return out.reset_index()


def coverage(plan: list[dict[str, Any]], schedule: pd.DataFrame) -> dict[str, Any]:
    """Required (``scheduled_agents`` of the plan, summed over its series) against scheduled agents per
    hour of the week over the forecast's weeks.

    The schedule is read for the forecast's own hours when it has any of them (``basis``
    ``dates``: a forecast hour it does not list has nobody scheduled); otherwise its typical week
    (``typical_week``: each hour of the week's mean over the days of that weekday it spans). Per weekday
    (1 = Monday) and hour: ``required`` (mean over the forecast's weeks) and ``required_max``,
    ``scheduled`` (mean), ``gap`` (the worst week's scheduled - required: below 0 is short) and
    ``short_hours`` (forecast hours with fewer scheduled than required). Without schedules the
    scheduled figures are null."""
    import pandas as pd

    p = pd.DataFrame(plan)
    if p.empty:
        return {"basis": None, "cells": [], "short_hours": 0, "hours": 0}
    req = p.assign(hour=pd.to_datetime(p["period_start"])).groupby("hour")["scheduled_agents"].sum()
    hours = pd.DatetimeIndex(req.index)
    f = pd.DataFrame({"required": req.to_numpy(dtype=float)})
    basis = None
    if not schedule.empty:
        inside = schedule[(schedule["hour"] >= hours.min()) & (schedule["hour"] <= hours.max())]
        if not inside.empty:
            basis = "dates"
            f["scheduled"] = inside.set_index("hour")["agents"].reindex(hours, fill_value=0.0).to_numpy()
        else:
            basis = "typical_week"
            s = schedule.assign(weekday=schedule["hour"].dt.weekday + 1, h=schedule["hour"].dt.hour)
            days = pd.date_range(s["hour"].min().normalize(), s["hour"].max().normalize(), freq="D")
            times = pd.Series(days.weekday + 1).value_counts()  # how often each weekday is in the span
            total = s.groupby(["weekday", "h"])["agents"].sum()
            typical = total / times.reindex(total.index.get_level_values("weekday")).to_numpy()
            key = pd.MultiIndex.from_arrays([hours.weekday + 1, hours.hour])
            f["scheduled"] = typical.reindex(key, fill_value=0.0).to_numpy()
    f["weekday"], f["hour"] = hours.weekday + 1, hours.hour
    if basis is None:
        f["scheduled"] = np.nan
    f["gap"] = f["scheduled"] - f["required"]
    f["short"] = (f["gap"] < -1e-9).astype("int64")  # a column summed, not a Python function per group
    g = f.groupby(["weekday", "hour"]).agg(required=("required", "mean"), required_max=("required", "max"),
                                           scheduled=("scheduled", "mean"), gap=("gap", "min"),
                                           short=("short", "sum"))
    cells = []
    known = basis is not None
    for r in g.reset_index().to_dict(orient="records"):
        cells.append({"weekday": int(r["weekday"]), "hour": int(r["hour"]), "required": round(float(r["required"]), 2),
                      "required_max": int(r["required_max"]),
                      "scheduled": round(float(r["scheduled"]), 2) if known else None,
                      "gap": round(float(r["gap"]), 2) if known else None,
                      "short_hours": int(r["short"]) if known else None})
    out: dict[str, Any] = {"basis": basis, "cells": cells, "hours": len(f),
                           "short_hours": int((f["gap"] < -1e-9).sum()) if basis else None}
    if basis:
        out["schedule_from"] = schedule["hour"].min().isoformat()
        out["schedule_to"] = schedule["hour"].max().isoformat()
    return out


def plan_with_coverage(result: Forecast, engine: Engine, *, aht: float | None = None, volume_factor: float = 1.0,
                       aht_factor: float = 1.0) -> dict[str, Any]:
    """``staffing`` (per forecast hour and series) and its ``coverage`` against the schedules table
    (by hour of the week, in the forecast's zone), as ``cxm forecast --staff`` and the API add them."""
    plan = staffing_plan(result, engine.config, aht=aht, volume_factor=volume_factor, aht_factor=aht_factor)
    tz = result.meta["timezone"]
    cov = coverage(plan, scheduled_hours(engine, tz))
    dims = list(result.meta["by"])
    if len(dims) == 1 and dims[0] in SCHEDULE_DIMS:
        dim = dims[0]
        per = []
        for value in dict.fromkeys(r[dim] for r in plan):
            own = [r for r in plan if r[dim] == value]
            methods = sorted({r["method"] for r in own} - {"closed"})
            c = coverage(own, scheduled_hours(engine, tz, **{dim: value}))
            per.append({dim: value, "method": methods[0] if len(methods) == 1 else (methods or None), **c})
        cov["series"] = per
    return {"staffing": plan, "coverage": cov, "what_if": {"volume_change": round(volume_factor - 1, 6),
                                                          "aht_change": round(aht_factor - 1, 6)}}
