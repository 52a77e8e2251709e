"""Read endpoints of ``/api/v1``: health, catalogue, metrics, volume and spikes, dimension values.

Handlers are plain ``def``: FastAPI runs them in its thread pool, each with its own
snapshot of the store (``AppContext.reader``). Metrics answers are cached per data
stamp, so repeated dashboard queries cost a dictionary lookup until the next import.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cxmetrics.errors import NotFound, QueryError
from cxmetrics.interfaces.web.auth import Credentials, can_read, require_viewer
from cxmetrics.interfaces.web.context import AppContext
from cxmetrics.interfaces.web.responses import (
    CSV_TYPE,
    JSON_TYPE,
    check_span,
    check_tz,
    json_bytes,
    json_response,
    parse_date,
    parse_where,
)
from cxmetrics.interfaces.web.schemas import CatalogAnswer, DimensionValues, Health, MetricsAnswer, Problem
from cxmetrics.interfaces.web.workers import metrics_answer

#: error responses every read route documents (FastAPI's type for ``responses``)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A user error (unknown dimension, bad date...)"},
    401: {"model": Problem, "description": "A token is needed"},
    404: {"model": Problem, "description": "Unknown metric or resource"}}
Grain = Literal["day", "week", "month", "quarter", "year", "total"]
#: dimension -> canonical (table, column) pairs whose distinct values it takes
TIME_VALUES = {"hour": list(range(24)), "weekday": list(range(1, 8))}
MAX_VALUES = 10_000

router = APIRouter()
reads = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)

WhereParam = Annotated[list[str] | None, Query(description="Filter DIM=VALUE (repeatable; the same DIM means or).")]
FromParam = Annotated[str | None, Query(alias="from", description="First local date (inclusive), YYYY-MM-DD.")]
ToParam = Annotated[str | None, Query(description="Last local date (inclusive), YYYY-MM-DD.")]
TzParam = Annotated[str | None, Query(description="Reporting time zone (IANA); default from cxm.toml, else UTC.")]


def ctx_of(request: Request) -> AppContext:
    return request.app.state.ctx


@router.get("/health", response_model=Health, tags=["meta"])
def health(request: Request, credentials: Credentials) -> Response:
    """Liveness and what the store holds. Open to all; table counts and stamps only for
    callers allowed to read."""
    from cxmetrics import __version__
    from cxmetrics.model import schema

    ctx = ctx_of(request)
    out: dict = {"status": "ok", "version": __version__, "store": ctx.db_path.name,
                 "read_token_required": ctx.require_read_token}
    if can_read(request, credentials):
        with ctx.reader() as r:
            out["tables"] = {name: r.store.count(name) for name in schema.TABLES}
            out["data_stamp"] = r.stamp
            out["facts_stamp"] = r.store.facts_stamp()
            out["facts_current"] = out["facts_stamp"] == r.stamp
            out["workers"] = {"started": len(ctx.workers), "running": sum(w.alive for w in ctx.workers),
                              "answered": sum(w.answered for w in ctx.workers)}
    return json_response(out)


@reads.get("/catalog", response_model=CatalogAnswer, tags=["metrics"])
def catalog(
    request: Request,
    lang: Annotated[str | None, Query(description="Also give names, definitions and formulas in this language "
                                                  "(en, ja, zh-Hant, it, fi).")] = None,
) -> Response:
    """Every metric with its definition, unit, direction and references (`catalog`, as `cxm catalog
    --format json`), and what this server computes it with: the reporting and business-hours
    zones (`settings`), and per metric the thresholds its settings set, whether business hours
    apply, the statistics of a duration and its target or benchmark (`context`)."""
    from cxmetrics.interfaces.i18n import normalise_lang
    from cxmetrics.interfaces.web.explain import catalog_context, catalog_texts
    from cxmetrics.metrics.catalog import catalog_entries

    out: dict[str, Any] = {"catalog": catalog_entries(), **catalog_context(ctx_of(request).config)}
    if lang is not None:
        code = normalise_lang(lang)
        out |= {"lang": code, "texts": catalog_texts(code)}
    return json_response(out)


@reads.get("/metrics", response_model=MetricsAnswer, tags=["metrics"],
           responses={200: {"content": {CSV_TYPE: {}}}})
def metrics(
    request: Request,
    metric: Annotated[list[str] | None, Query(description="Metric ids (repeatable; default all that apply).")] = None,
    grain: Grain = "month",
    by: Annotated[list[str] | None, Query(description="Slice by a dimension (repeatable).")] = None,
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    hours: Literal["calendar", "business"] = "calendar",
    stat: Literal["mean", "median", "p90"] = "median",
    compare: Literal["previous", "year"] | None = None,
    where: WhereParam = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Metric records, exactly as `cxm metrics --format json` prints them: `{"metrics": [record, ...]}`."""
    from cxmetrics.metrics.registry import get

    ctx = ctx_of(request)
    ids = list(metric or [])
    for i in ids:
        get(i)  # unknown metric -> 404 before any work
    w = parse_where(where)
    start, end = parse_date(from_, "from"), parse_date(to, "to")
    check_span(start, end, grain)
    tz = check_tz(tz)
    params = (tuple(ids), grain, tuple(by or ()), start, end, tz, hours, stat, compare, tuple(w), format)
    stamp = ctx.stamp

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots:
            answer = ctx.ask_workers(stamp, params)
            return answer if answer is not None else metrics_answer(ctx, params)

    body, media = ctx.cache.get_or_compute(("metrics", stamp, params), compute)
    return Response(body, media_type=media)


@reads.get("/volume", tags=["metrics"])
def volume(
    request: Request,
    from_: FromParam = None,
    to: ToParam = None,
    grain: Literal["day"] = "day",
    tz: TzParam = None,
    where: WhereParam = None,
) -> Response:
    """Daily ticket volume by category and channel, with detected spikes and what drove them
    (default: the last 90 days of data)."""
    from cxmetrics.analyses.spikes import detect
    from cxmetrics.engine.core import Query as MetricQuery

    ctx = ctx_of(request)
    w = parse_where(where)
    start, end = parse_date(from_, "from"), parse_date(to, "to")
    check_span(start, end, grain)
    tz = check_tz(tz)

    def compute() -> tuple[bytes, str]:
        first, last = start, end
        with ctx.compute_slots, ctx.reader() as r:
            if first is None or last is None:
                lo, hi = r.engine.date_range(MetricQuery(tz=tz))
                last = last or hi
                first = first or max(lo, last - dt.timedelta(days=89))
            if first > last:
                raise QueryError(f"from {first} is after to {last}")
            return json_bytes(detect(r.engine, from_=first, to=last, tz=tz, where=w)), JSON_TYPE

    body, media = ctx.cache.get_or_compute(("volume", ctx.stamp, (start, end, tz, tuple(w))), compute)
    return Response(body, media_type=media)


def _dimension_sources(dim: str) -> list[tuple[str, str]]:
    from cxmetrics.engine.core import DIMENSIONS
    from cxmetrics.model import schema

    src, col = DIMENSIONS[dim]
    if src == "customers":
        return [("customers", col)]
    return [(t.name, col) for t in schema.TABLES.values() if col in t.names]


@reads.get("/dimensions/{dim}/values", response_model=DimensionValues, tags=["metrics"])
def dimension_values(
    request: Request, dim: str,
    limit: Annotated[int, Query(ge=1, le=MAX_VALUES, description="At most this many values.")] = 1000,
) -> Response:
    """The distinct values of a dimension across the tables that have it (for filter bars)."""
    from cxmetrics.engine.core import DIMENSIONS

    if dim not in DIMENSIONS:
        raise NotFound(f"unknown dimension {dim!r}; use one of {', '.join(DIMENSIONS)}")
    if dim in TIME_VALUES:
        return json_response({"dimension": dim, "values": TIME_VALUES[dim][:limit],
                              "truncated": len(TIME_VALUES[dim]) > limit})
    values: list = []
    sources = _dimension_sources(dim)
    if sources:
        import ibis

        with ctx_of(request).reader() as r:  # Ibis, so the Spark tables answer too
            parts = [t.filter(t[c].notnull()).select(v=t[c].cast("string")).distinct()
                     for t, c in ((r.store.table(name), col) for name, col in sources)]
            found = ibis.union(*parts, distinct=True).order_by("v").limit(limit + 1).execute()
            values = [str(v) for v in found["v"]]
    return json_response({"dimension": dim, "values": values[:limit], "truncated": len(values) > limit})
