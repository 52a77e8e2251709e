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

from cxmetrics.analyses.staffing import scheduled, staff, workload_agents
from cxmetrics.errors import UsageError

if TYPE_CHECKING:
    from cxmetrics.analyses.forecast import Forecast
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
