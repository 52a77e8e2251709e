"""``/api/v1/forecast`` and ``/api/v1/staff``: the JSON of `cxm forecast` and `cxm staff`.

Forecasts are cached per data stamp and parameters like metrics answers (an import changes
the stamp); the staffing calculator is pure arithmetic and needs no store.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cxmetrics.interfaces.web.api import ERRORS, TzParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.responses import JSON_TYPE, check_tz, json_bytes, json_response

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS, tags=["forecast"])


@router.get("/forecast")
def forecast(
    request: Request,
    horizon: Annotated[int, Query(ge=1, le=84, description="Days ahead (1 to 12 weeks), whatever the grain.")] = 28,
    grain: Literal["hour", "day"] = "hour",
    by: Annotated[list[str] | None, Query(description="Forecast each value of a dimension (repeatable).")] = None,
    source: Literal["auto", "tickets", "calls", "interval_volumes"] = "auto",
    model: Literal["weekly_mean", "seasonal_naive", "ets"] = "weekly_mean",
    country: Annotated[str | None, Query(description="Holiday calendar: ISO country or market code (NYSE).")] = None,
    event: Annotated[list[str] | None, Query(description="DATE=FACTOR: a known event (repeatable).")] = None,
    folds: Annotated[int, Query(ge=0, le=4, description="Held-out windows of the backtest.")] = 4,
    staff: Annotated[bool, Query(description="Add the agents each forecast hour needs (`staffing`) and, by hour "
                                             "of the week, required against scheduled agents (`coverage`).")] = False,
    aht: Annotated[float | None, Query(gt=0, description="AHT in seconds for staff where the data has none.")] = None,
    volume_change: Annotated[float, Query(gt=-1, le=10, description="What-if: +0.1 = 10% more contacts.")] = 0.0,
    aht_change: Annotated[float, Query(gt=-1, le=10, description="What-if: -0.1 = 10% shorter handle time.")] = 0.0,
    tz: TzParam = None,
) -> Response:
    """Contacts per hour or day ahead with 80/95% intervals and the backtest, as `cxm forecast --format json`
    prints them: `{"forecast": [...], "backtest": {"mase", "coverage_80", "coverage_95", ...}, ...}`."""
    from cxmetrics.analyses.forecast import run
    from cxmetrics.analyses.plan import plan_with_coverage
    from cxmetrics.errors import UsageError
    from cxmetrics.interfaces.cli.forecast_cmd import parse_events

    ctx = ctx_of(request)
    tz = check_tz(tz)
    events = parse_events(event)
    if staff and grain != "hour":
        raise UsageError("staff needs grain=hour (agents are staffed per interval)")
    params = (horizon, grain, tuple(by or ()), source, model, country, tuple(sorted(events.items())), folds,
              staff, aht, volume_change, aht_change, tz)

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots, ctx.reader() as r:
            result = run(r.engine, horizon=horizon, grain=grain, by=list(by or ()), source=source, model=model,
                         tz=tz, country=country, folds=folds, events=events)
            out = result.to_json()
            if staff:
                out |= plan_with_coverage(result, r.engine, aht=aht, volume_factor=1 + volume_change,
                                          aht_factor=1 + aht_change)
        return json_bytes(out), JSON_TYPE

    body, media = ctx.cache.get_or_compute(("forecast", ctx.stamp, params), compute)
    return Response(body, media_type=media)


@router.get("/staff")
def staff(
    request: Request,
    volume: Annotated[float, Query(ge=0, le=1_000_000, description="Contacts offered in the interval.")],
    aht: Annotated[float, Query(gt=0, le=86400, description="Average handle time, seconds.")],
    interval: Annotated[int | None, Query(gt=0, le=1440, description="Minutes (default staffing.interval).")] = None,
    target: Annotated[float | None, Query(ge=0, lt=1, description="Service-level target; 0 leaves it out.")] = None,
    within: Annotated[float | None, Query(ge=0, description="Seconds of the service level.")] = None,
    asa: Annotated[float | None, Query(gt=0, description="ASA target, seconds.")] = None,
    max_occupancy: Annotated[float | None, Query(gt=0, le=1, description="1 leaves it out.")] = None,
    shrinkage: Annotated[float | None, Query(ge=0, lt=1)] = None,
    patience: Annotated[float | None, Query(ge=1, le=86400, description="Erlang A: mean patience, s.")] = None,
    max_abandon: Annotated[float | None, Query(gt=0, lt=1)] = None,
    concurrency: Annotated[float, Query(ge=1, le=100)] = 1.0,
    agents: Annotated[int | None, Query(ge=0, le=100000, description="What-if: this many agents.")] = None,
) -> Response:
    """Agents required for one interval (Erlang C, Erlang A with `patience`), as `cxm staff --format json`."""
    from cxmetrics.analyses.staffing import staff as solve

    cfg = ctx_of(request).config
    s = cfg.staffing
    tgt = s.service_level_target if target is None else target
    occ = s.max_occupancy if max_occupancy is None else max_occupancy
    result = solve(volume, interval or s.interval, aht, target=None if tgt == 0 else tgt,
                   within=cfg.calls.service_level if within is None else within,
                   asa_target=s.asa_target if asa is None else asa, max_occupancy=None if occ == 1 else occ,
                   shrinkage=s.shrinkage if shrinkage is None else shrinkage, patience=patience,
                   max_abandon=max_abandon, concurrency=concurrency, agents=agents)
    return json_response(result.to_dict())
