"""``GET /api/v1/agents`` and ``GET /api/v1/queue``: the support floor (analyses/agents.py, queue.py).

Both answer exactly what ``cxm agents --format json`` and ``cxm queue --format json`` print, and
are cached per data stamp like ``/metrics``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from cxmetrics.interfaces.web.api import ERRORS, FromParam, Grain, ToParam, TzParam, WhereParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.responses import (
    JSON_TYPE,
    check_span,
    check_tz,
    json_bytes,
    parse_date,
    parse_where,
)

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)
TeamParam = Annotated[str | None, Query(description="Only this team's tickets (as where=team=TEAM).")]


class AgentsAnswer(BaseModel):
    grain: str
    hours: str
    stat: str
    figures: dict[str, str]
    agents: list[dict[str, Any]]
    teams: list[dict[str, Any]]


class QueueAnswer(BaseModel):
    as_of: str
    open: int
    unassigned: int
    waiting_on_us: int
    by_age: list[dict[str, Any]]
    by_status: list[dict[str, Any]]
    soon_minutes: int
    breaching_soon: list[dict[str, Any]]
    breached: list[dict[str, Any]]
    today: dict[str, Any]
    by_team: list[dict[str, Any]]
    tickets: list[dict[str, Any]]


@router.get("/agents", response_model=AgentsAnswer, tags=["support floor"])
def agents(
    request: Request,
    team: TeamParam = None,
    grain: Grain = "total",
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    hours: Literal["calendar", "business"] = "calendar",
    stat: Literal["mean", "median", "p90"] = "median",
    where: WhereParam = None,
    comments: Annotated[int | None, Query(ge=0, le=100_000, description=(
        "At most N newest CSAT/NPS comments listed per agent (default: all; 0: none)."))] = None,
) -> Response:
    """Per agent and per team: the records of `cxm metrics ... --by agent` (`--by team`) for
    tickets handled and solved, first response and resolution time, FCR, replies, handle time,
    CSAT, SLA attainment and open backlog, with n, intervals, low-n flags and each team's median
    of its agents, and each agent's CSAT and NPS comments (`comments_n`, `comments`: score, date,
    ticket, language and text of the answers on the agent's tickets, newest first), as
    `cxm agents --format json`."""
    from cxmetrics.analyses.agents import agents as build

    ctx = ctx_of(request)
    w = parse_where(where)
    start, end = parse_date(from_, "from"), parse_date(to, "to")
    check_span(start, end, grain)
    tz = check_tz(tz)
    params = (team, grain, start, end, tz, hours, stat, tuple(w), comments)

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots, ctx.reader() as r:
            out = build(r.engine, grain=grain, from_=start, to=end, tz=tz, hours=hours, stat=stat, where=w,
                        team=team, comments=comments)
        return json_bytes(out), JSON_TYPE

    body, media = ctx.cache.get_or_compute(("agents", ctx.stamp, params), compute)
    return Response(body, media_type=media)


@router.get("/queue", response_model=QueueAnswer, tags=["support floor"])
def queue(
    request: Request,
    team: TeamParam = None,
    soon: Annotated[int, Query(ge=1, le=10_080, description="Minutes ahead that count as breaching soon.")] = 60,
    tz: TzParam = None,
    hours: Literal["calendar", "business"] = "calendar",
    where: WhereParam = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="At most N tickets per list.")] = None,
) -> Response:
    """The open tickets now (the latest instant in the store): by age and status, unassigned,
    SLA breaching within `soon` minutes and already breached, today against the same weekday,
    per team, and every open ticket oldest first (as `cxm queue --format json`)."""
    from cxmetrics.analyses.queue import queue as build

    ctx = ctx_of(request)
    w = parse_where(where)
    tz = check_tz(tz)
    params = (team, soon, tz, hours, tuple(w), limit)

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots, ctx.reader() as r:
            out = build(r.engine, tz=tz, hours=hours, soon_minutes=soon, where=w, team=team, limit=limit)
        return json_bytes(out), JSON_TYPE

    body, media = ctx.cache.get_or_compute(("queue", ctx.stamp, params), compute)
    return Response(body, media_type=media)


__all__ = ["router"]
