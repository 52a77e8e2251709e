"""The staffing a forecast needs: agents per forecast hour and series (channel, queue...).

Each hour of a forecast is one staffing interval. Erlang C depends only on the offered load
in Erlangs, so an hour's agents are also those of each of its half-hours or quarters when the
contacts spread evenly over the hour (the ``[staffing] interval`` is the length a schedule is
written in, not a different answer here). Per channel:

- **asynchronous channels** (``staffing.asynchronous``: e-mail, forms, social by default) are
  staffed by workload: the hour's contacts x AHT at the maximum occupancy;
- **chat** and other concurrent channels use the effective AHT ``aht / concurrency``;
- a channel with a ``staffing.patience`` uses Erlang A, the others Erlang C, against the
  service-level target (``staffing.service_level_target`` within ``calls.service_level``),
  the ASA target and the maximum occupancy.

The AHT is the series' recent mean handle time (:class:`~cxmetrics.analyses.forecast.History`),
or ``aht`` when given (the data may have none: interval reports without AHT).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from cxmetrics.analyses.staffing import scheduled, staff, workload_agents
from cxmetrics.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from cxmetrics.analyses.forecast import Forecast
    from cxmetrics.engine.core import Engine
    from cxmetrics.settings import Config


def _per_channel(table: dict[str, float], channel: Any) -> float | None:
    if channel is not None and str(channel) in table:
        return table[str(channel)]
    return table.get("default")


def staffing_plan(result: Forecast, config: Config, *, aht: float | None = None,
                  volume_factor: float = 1.0, aht_factor: float = 1.0) -> list[dict[str, Any]]:
    """Agents per forecast hour and series; ``volume_factor``/``aht_factor`` are the what-if."""
    s = config.staffing
    dims = list(result.meta["by"])
    if result.meta["grain"] != "hour":
        raise UsageError("staffing needs an hourly forecast (--grain hour)")
    ahts = {tuple(a[d] for d in dims): a["aht_seconds"] for a in result.aht}
    target = s.service_level_target
    within = config.calls.service_level

    @lru_cache(maxsize=65536)
    def solve(volume: float, handle: float, channel: str | None) -> tuple[int, float | None, float | None, str]:
        if volume <= 0:
            return 0, None, None, "closed"
        concurrency = s.concurrency.get(str(channel), 1.0) if channel is not None else 1.0
        if channel is not None and str(channel) in s.asynchronous:
            return workload_agents(volume, 60, handle / concurrency, max_occupancy=s.max_occupancy), None, None, \
                "workload"
        patience = _per_channel(s.patience, channel)
        r = staff(volume, 60, handle, target=target, within=within, asa_target=s.asa_target,
                  max_occupancy=s.max_occupancy, patience=patience, concurrency=concurrency)
        return r.agents, r.service_level, r.occupancy, r.model

    out = []
    for rec in result.records:
        key = tuple(rec[d] for d in dims)
        handle = aht if aht is not None else ahts.get(key)
        if handle is None:
            raise UsageError("the data has no handle times for " + (" ".join(map(str, key)) or "this history")
                             + ": give --aht SECONDS")
        handle *= aht_factor
        channel = rec.get("channel") if "channel" in dims else ("phone" if result.meta["source"] == "calls" else None)
        volume = round(float(rec["value"]) * volume_factor, 3)
        agents, sl, occ, how = solve(volume, round(float(handle), 3), channel)
        out.append({"period_start": rec["period_start"], **{d: rec[d] for d in dims}, "volume": volume,
                    "aht_seconds": round(float(handle), 1), "agents": agents,
                    "scheduled_agents": scheduled(agents, s.shrinkage), "service_level": sl, "occupancy": occ,
                    "method": how})
    return out


# -- required against scheduled agents, by hour of the week ------------------------------------------
def scheduled_hours(engine: Engine, tz: str) -> pd.DataFrame:
    """Agents on the ``schedules`` table per local hour (columns ``hour``, ``agents``): an interval's
    agents count for the share of the hour it covers (two half-hours of 10 and 12 agents are 11 for
    the hour), and an interval longer than an hour covers each of its hours. Empty without schedules."""
    import pandas as pd

    from cxmetrics.periods.clock import clock_for

    t = engine.source("schedules")
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
    g = f.groupby(["weekday", "hour"]).agg(required=("required", "mean"), required_max=("required", "max"),
                                           scheduled=("scheduled", "mean"), gap=("gap", "min"),
                                           short=("gap", lambda x: int((x < -1e-9).sum())))
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
    cov = coverage(plan, scheduled_hours(engine, result.meta["timezone"]))
    return {"staffing": plan, "coverage": cov, "what_if": {"volume_change": round(volume_factor - 1, 6),
                                                          "aht_change": round(aht_factor - 1, 6)}}
