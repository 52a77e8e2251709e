"""The dashboard's period and overview endpoints of ``/api/v1`` (the overview page's JSON twin).

``GET /period`` resolves a period selection (:mod:`cxmetrics.interfaces.web.period`) against
the data: the local dates, the zone, the compared span, where the data ends.
``GET /overview`` is everything the overview page shows: per section the headline KPIs of
the monthly report (:data:`cxmetrics.interfaces.report.data.PRIMARY`) as metric records of
that period with ``compare=previous`` (the records ``cxm metrics --compare previous`` prints
for the same range, built by :meth:`Engine.frame` like ``/metrics``), and the series the
sparklines draw. Answers are cached per data stamp like ``/metrics``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cxmetrics.errors import QueryError
from cxmetrics.interfaces.web.api import ERRORS, FromParam, ToParam, TzParam, WhereParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.period import Effective, parse_selection, resolve
from cxmetrics.interfaces.web.responses import JSON_TYPE, check_tz, json_bytes, json_response, parse_where
from cxmetrics.interfaces.web.schemas import OverviewAnswer, PeriodAnswer

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)

PeriodParam = Annotated[Literal["month", "week", "last7", "last30", "last90", "custom", "all"] | None, Query(
    description="month (with `month`), week (with `week`), last7|last30|last90 (days ending on the data's last "
                "date), custom (with `from`/`to`) or all. Default: custom when `from` or `to` is given, else month.")]
MonthParam = Annotated[str | None, Query(description="YYYY-MM (period=month); default the last complete month.")]
WeekParam = Annotated[str | None, Query(description="YYYY-Www or a date in the week (period=week); default the "
                                                    "last complete week.")]


def _effective(request: Request, period: str | None, month: str | None, week: str | None, from_: str | None,
               to: str | None, tz: str | None) -> Effective:
    sel = parse_selection(period, month, week, from_, to)
    ctx = ctx_of(request)
    zone = check_tz(tz) or ctx.config.timezone
    with ctx.reader() as r:
        return resolve(sel, r.engine, zone)


@router.get("/period", response_model=PeriodAnswer, tags=["dashboard"])
def period(request: Request, period: PeriodParam = None, month: MonthParam = None, week: WeekParam = None,
           from_: FromParam = None, to: ToParam = None, tz: TzParam = None) -> Response:
    """A period selection resolved against the data: local dates in the reporting zone, the grain
    of its records, the span it is compared with (`previous_from`..`previous_to`, as the
    records of a `compare=previous` query say), whether the data ends inside it (`partial`,
    `covered_to`) or misses it (`in_data` false: no data, not zeros), and the neighbouring
    calendar periods."""
    eff = _effective(request, period, month, week, from_, to, tz)
    return json_response({"period": eff.to_json()})


@router.get("/overview", response_model=OverviewAnswer, tags=["dashboard"])
def overview(
    request: Request,
    period: PeriodParam = None,
    month: MonthParam = None,
    week: WeekParam = None,
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    hours: Literal["calendar", "business"] = "calendar",
    stat: Literal["mean", "median", "p90"] = "median",
    where: WhereParam = None,
) -> Response:
    """The overview page as data: the period, and per section the headline KPIs of that period
    compared with the previous one (metric records exactly as `/metrics?compare=previous`
    with the period's grain and dates), KPIs the filters do not apply to (`unsupported`),
    sections without data (`omitted`), and each KPI's series for its sparkline."""
    ctx = ctx_of(request)
    w = parse_where(where)
    eff = _effective(request, period, month, week, from_, to, tz)
    key = ("overview", ctx.stamp, eff, hours, stat, tuple(w))

    first_screen = (period, month, week, from_, to, tz, hours, stat) == (None,) * 6 + ("calendar", "median") and not w

    def compute() -> tuple[bytes, str]:
        with ctx.compute_slots, ctx.reader() as r:
            if first_screen and ctx.tables is None:  # computed by the writer that published this version?
                kept = stored_answer(r.store, r.stamp)
                if kept is not None:
                    return kept, JSON_TYPE
            return overview_body(r.store, r.engine, eff, hours, stat, w), JSON_TYPE

    body, media = ctx.cache.get_or_compute(key, compute)
    return Response(body, media_type=media)


def overview_body(store: Any, engine: Any, eff: Effective, hours: str, stat: str,
                  w: list[tuple[str, str]]) -> bytes:
    """The overview's JSON for a resolved period (see :func:`overview`)."""
    from cxmetrics.engine.core import Query as MetricQuery
    from cxmetrics.engine.counts import integral_counts
    from cxmetrics.engine.records import to_records
    from cxmetrics.interfaces.report.data import NEEDS, PRIMARY, has_data

    spark = eff.spark_range()
    sections: list[dict[str, Any]] = []
    omitted: list[dict[str, str]] = []
    series: list[dict[str, Any]] = []
    counts = store.counts()
    q = MetricQuery(where=tuple(w))
    q.validate()  # an unknown dimension is a user error before anything else
    applicable = {m.key for m in engine.applicable(q)}
    for section, ids in PRIMARY.items():
        table = NEEDS[section]
        if not counts.get(table):
            omitted.append({"section": section, "reason": f"no_{table}"})
            continue
        present = [k for k in ids if has_data(k, counts)]
        ok = [k for k in present if k in applicable]
        out: dict[str, Any] = {"section": section, "table": table, "metrics": [],
                               "unsupported": [k for k in present if k not in applicable], "error": None}
        sections.append(out)
        if not ok or eff.first is None or eff.last is None:
            continue
        try:
            # the sparklines first: their 13 months (or weeks) hold the period and the one before,
            # which the engine keeps for the period's own query and its comparison
            s = None
            if spark is not None:
                grain, first, last = spark
                s = engine.frame(ok, grain=grain, from_=first, to=last, tz=eff.tz, hours=hours, stat=stat, where=w)
            frame = engine.frame(ok, grain=eff.grain, from_=eff.first, to=eff.last, tz=eff.tz,
                                 hours=hours, stat=stat, where=w, compare="previous")
            out["metrics"] = integral_counts(to_records(frame))
            if s is not None:
                series += integral_counts(to_records(s))
        except QueryError as e:  # e.g. money in several currencies: said, not hidden
            out["metrics"], out["error"] = [], str(e)
    body = {"period": eff.to_json(), "hours": hours, "stat": stat,
            "where": [f"{k}={v}" for k, v in w], "sections": sections, "omitted": omitted,
            "series": {"grain": spark[0] if spark else None,
                       "from": spark[1].isoformat() if spark else None,
                       "to": spark[2].isoformat() if spark else None, "metrics": series}}
    return json_bytes(body)


# -- answers computed by writers ----------------------------------------------------------------
#: Table of answers a writer computed for the version it publishes (the dashboard's first screen).
ANSWERS = "_answers"


def _answer_key(store: Any) -> str:
    """The first screen's answer depends on the data (the stamp) and on the settings (zone,
    targets, business hours...): a writer and a server with different settings do not share it."""
    import hashlib

    from cxmetrics.settings import NUMBER_NEUTRAL

    settings = store.config.model_dump_json(exclude=set(NUMBER_NEUTRAL))
    return "overview:" + hashlib.sha256(settings.encode()).hexdigest()[:16]


def stored_answer(store: Any, stamp: int) -> bytes | None:
    import duckdb

    try:
        row = store.raw.execute(f"SELECT body FROM {ANSWERS} WHERE stamp = ? AND key = ?",
                                [stamp, _answer_key(store)]).fetchone()
    except duckdb.CatalogException:  # no writer has stored any
        return None
    return None if row is None else bytes(row[0])


def warm_answers(store: Any) -> None:
    """In a writer session, before it publishes (``Store.before_publish``): compute the
    dashboard's first screen (the overview of the default period) and keep it with the data,
    so a server that starts, or sees this version, answers it without computing (issue 12)."""
    from cxmetrics.store import FACTS_VERSION

    stamp = store.data_stamp()
    if stamp == FACTS_VERSION or stored_answer(store, stamp) is not None:  # nothing imported, or nothing new
        return
    engine = store.engine()
    eff = resolve(parse_selection(None, None, None, None, None), engine, store.config.timezone)
    body = overview_body(store, engine, eff, "calendar", "median", [])
    store.raw.execute(f"CREATE TABLE IF NOT EXISTS {ANSWERS} (stamp BIGINT, key VARCHAR, body BLOB)")
    store.raw.execute(f"DELETE FROM {ANSWERS} WHERE stamp <> ? OR key = ?", [stamp, _answer_key(store)])
    store.raw.execute(f"INSERT INTO {ANSWERS} VALUES (?, ?, ?)", [stamp, _answer_key(store), body])
