"""Drill-down: the rows behind one metric value (the tickets, calls, responses...).

A number is only trusted when the rows behind it can be seen (seed 002: drill down
into why). :func:`rows` lists the population of one metric for one period and one
group, built from the same prepared fact table, period bounds, filters and
``where``/``condition``/``value`` expressions the engine aggregates, so the number
of rows equals the record's ``n`` (``denominator`` for rates) by construction:

* tickets, waits, calls, responses, invitations, carts, orders, issues: one row
  per fact row of the population, with the metric's per-row ``value`` where it has
  one (a duration, a score; for NPS +100/0/-100, whose mean is the NPS) and
  ``counted`` for rates (is the row in the numerator) and shares (is it in the group);
* backlog: the tickets open at the period's end;
* customer builder metrics (active customers, churn, retention): the customers of
  the period with their flags (``at_start``, ``at_end``, ``new``, ``lost``). For
  churn_rate these are the customers at the start (the denominator: ``at_start``)
  and every customer lost in the period (the numerator: ``counted``), so a new
  customer lost in the period is listed too; for retention_rate the customers at
  the start, ``counted`` when not lost (the rate's E - N also subtracts new
  customers lost in the period); revenue lists orders and repeat purchase the
  customers who ordered (``value`` = their orders).

Metrics without natural rows (spend, CAC, ARPU: ``Metric.rows`` is False) raise :class:`NoDrillDown`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.engine.core import DIMENSIONS, Query
from cxmetrics.errors import QueryError
from cxmetrics.metrics.registry import Metric, get
from cxmetrics.periods.dates import parse_date
from cxmetrics.periods.grain import floor_local, next_start

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

#: The columns shown per fact table (those present), first the row's id.
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("ticket_id", "created_at", "first_reply_at", "resolved_at", "channel", "category", "priority",
                "team", "agent_id", "customer_id", "status"),
    "waits": ("ticket_id", "wait_start", "reply_at", "channel", "category", "priority", "team", "agent_id",
              "customer_id", "status"),
    "responses": ("response_id", "survey", "responded_at", "raw_score", "scale_min", "scale_max", "question",
                  "comment", "ticket_id", "customer_id", "agent_id", "channel", "category"),
    "invitations": ("invitation_id", "survey", "sent_at", "ticket_id", "customer_id", "agent_id", "channel",
                    "category"),
    "calls": ("call_id", "offered_at", "answered_at", "queue", "topic", "agent_id", "customer_id", "abandoned",
              "wait_s", "handle_s", "resolved", "satisfaction"),
    "carts": ("cart_id", "created_at", "customer_id", "purchased"),
    "orders": ("order_id", "ordered_at", "customer_id", "amount", "currency"),
    "customers": ("customer_id", "acquired_at", "churned_at", "churn_reason"),
    "issues": ("issue_id", "customer_id", "category", "channel", "first_contact_at", "last_contact_at",
               "resolved_at", "contacts", "tickets", "calls", "is_resolved"),
    # the support floor (facts/sla.py, facts/work.py)
    "sla": ("ticket_id", "sla_metric", "seq", "sla_policy", "applied_at", "target_s", "stop_at", "stopped_by", "elapsed_s",
            "breach_at", "sla_status", "channel", "priority", "team", "agent_id", "customer_id"),
    "ticket_work": ("ticket_id", "created_at", "resolved_at", "channel", "category", "priority", "team", "agent_id",
                    "customer_id", "status", "agent_work_s", "reassignments"),
    "reply_waits": ("ticket_id", "wait_start", "reply_at", "channel", "category", "priority", "team", "agent_id",
                    "customer_id", "status"),
    "ratings": ("ticket_id", "survey", "first_rated_at", "rated_at", "ratings", "first_score", "latest_score",
                "channel", "team", "agent_id", "customer_id"),
}
#: Tie-breakers after the metric's instant, so pages are stable.
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "tickets": ("ticket_id",), "waits": ("ticket_id", "wait_start"), "responses": ("response_id",),
    "invitations": ("invitation_id",), "calls": ("call_id",), "carts": ("cart_id",), "orders": ("order_id",),
    "customers": ("customer_id",), "issues": ("issue_id",),
    "sla": ("ticket_id", "sla_metric", "seq"), "ticket_work": ("ticket_id",), "reply_waits": ("ticket_id", "wait_start"),
    "ratings": ("ticket_id", "survey"),
}
CUSTOMER_FLAGS = ("at_start", "at_end", "new", "lost")
#: customer builder metric -> (population, counted) over the customer x period flags
CUSTOMER_DRILLS: dict[str, tuple[Any, Any]] = {
    "active_customers": (lambda t: t.at_end, None),
    "active_customers_start": (lambda t: t.at_start, None),
    "churn_rate": (lambda t: t.at_start | t.lost, lambda t: t.lost),
    "churn_rate:starting_customers": (lambda t: t.at_start, lambda t: t.lost),
    "retention_rate": (lambda t: t.at_start, lambda t: ~t.lost),
}
MAX_PAGE_SIZE = 10_000


class NoDrillDown(QueryError):
    """The metric has no rows to list (a prorated sum, a ratio of totals)."""


Filters = list[tuple[str, str | None]] | tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class RowsPage:
    """One page of drill-down rows: ``total`` rows match (the record's ``n`` when neither
    ``search`` nor ``counted_only`` narrows them); ``population``: the rows before those
    narrowings; ``counted``: how many of the population are ``counted`` (rates, shares;
    ``None`` for kinds without it)."""

    frame: pd.DataFrame
    total: int
    population: int
    counted: int | None


def rows(engine: Engine, key: str | Metric, query: Query, period_start: dt.date | str | None,
         filters: Filters = (), page: int = 1, page_size: int | None = 100) -> tuple[pd.DataFrame, int]:
    """One page of the rows behind the value of ``key`` for ``period_start`` and the group
    ``filters`` ((dimension, value) pairs; ``None`` selects rows where it is empty).

    ``query`` is the metric's query (grain, from/to, tz, hours, where); its ``by`` is
    ignored: the group is ``filters``. ``page_size=None`` returns every row. Returns
    the page (timestamps in the query's zone) and the total number of rows."""
    p = rows_page(engine, key, query, period_start, filters, page=page, page_size=page_size)
    return p.frame, p.total


def rows_page(engine: Engine, key: str | Metric, query: Query, period_start: dt.date | str | None,
              filters: Filters = (), page: int = 1, page_size: int | None = 100, *, sort: str | None = None,
              descending: bool = False, search: str | None = None, counted_only: bool = False) -> RowsPage:
    """:func:`rows` as a work list: sorted by the shown column ``sort`` (``descending``; empty
    values last), narrowed to rows where a text column contains ``search`` (ignoring case)
    and, for rates and shares, to the ``counted`` rows (the numerator) with ``counted_only``."""
    m = key if isinstance(key, Metric) else get(key)
    if not m.rows:
        raise NoDrillDown(f"no row-level drill-down for {m.key}: its value is not a count over rows")
    if page < 1 or (page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE):
        raise QueryError(f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}")
    group = [(d, v) for d, v in filters]
    dims = [d for d, _ in group]
    if len(set(dims)) != len(dims):
        raise QueryError("a dimension is repeated in the group")
    q = replace(query, by=tuple(dims))
    q.validate()
    if m.dimensions is not None:
        bad = [d for d in (*dims, *(w[0] for w in q.where)) if d not in m.dimensions]
        if bad:
            raise QueryError(f"dimension {bad[0]!r} does not apply to {m.key}")
    q, label = _one_period(engine, q, period_start)
    t, order = _population(engine, m, q, group)
    has_counted = "counted" in t.columns
    if has_counted:
        agg = t.aggregate(_n=t.count(), _c=t.counted.fill_null(False).cast("int64").sum()).execute()
        population, counted = int(agg["_n"].iloc[0]), int(agg["_c"].fillna(0).iloc[0])
    else:
        population, counted = int(t.count().execute()), None
    if counted_only:
        if not has_counted:
            raise QueryError(f"{m.key} has no counted rows (only rates and shares do)")
        t = t.filter(t.counted.fill_null(False))
    if search and search.strip():
        t = _search(t, search.strip())
    if sort is not None:
        if sort not in t.columns:
            raise QueryError(f"cannot sort by {sort!r}; columns: {', '.join(t.columns)}")
        col = t[sort]
        order = [col.isnull(), col.desc() if descending else col.asc(), *order]
    total = population if not (counted_only or (search and search.strip())) else int(t.count().execute())
    t = t.mutate(period_start=ibis.literal(label, "string"))
    t = t.order_by(order)
    if page_size is not None:
        t = t.limit(page_size, offset=(page - 1) * page_size)
    out = t.execute()
    front = ["period_start"] + [c for c in out.columns if c not in ("period_start", "value", "counted")]
    out = out[front + [c for c in ("value", "counted") if c in out.columns]]
    return RowsPage(localise(out, q.tz or engine.config.timezone), total, population, counted)


def _search(t: ir.Table, text: str) -> ir.Table:
    """Rows where a text column contains ``text``, ignoring case."""
    cols = [c for c, typ in t.schema().items() if typ.is_string()]
    if not cols:
        return t.filter(ibis.literal(False))
    needle = ibis.literal(text.lower(), "string")
    hit = None
    for c in cols:
        one = t[c].lower().contains(needle).fill_null(False)
        hit = one if hit is None else hit | one
    return t.filter(hit)


def _one_period(engine: Engine, q: Query, period_start: dt.date | str | None) -> tuple[Query, str | None]:
    """The query narrowed to the one period starting at ``period_start`` (clipped to --from/--to
    exactly as the metric's own period is)."""
    if q.grain == "total":
        if period_start not in (None, ""):
            raise QueryError("grain total has no period_start")
        return q, None
    if period_start in (None, ""):
        raise QueryError(f"period_start is required for grain {q.grain}")
    start = parse_date(period_start, "period_start")
    assert start is not None
    if floor_local(start, q.grain) != start:
        raise QueryError(f"{start} does not start a {q.grain} (it would be {floor_local(start, q.grain)})")
    end = next_start(start, q.grain) - dt.timedelta(days=1)
    lo, hi = q.from_, q.to
    if (lo and lo > end) or (hi and hi < start):
        raise QueryError(f"the period {start} is outside --from/--to")
    return replace(q, from_=max(start, lo) if lo else start, to=min(end, hi) if hi else end), start.isoformat()


def _in_group(t: ir.Table, group: list[tuple[str, str | None]]) -> ir.Table:
    for d, v in group:
        col = t[f"_d_{d}"]
        t = t.filter(col.isnull() if v is None else col.cast("string") == v)
    return t


def _shown(t: ir.Table, fact: str, extra: dict[str, ir.Value]) -> ir.Table:
    cols = [c for c in ROW_COLUMNS.get(fact, ()) if c in t.columns]
    return t.select(*cols, **extra)


def _population(engine: Engine, m: Metric, q: Query, group: list[tuple[str, str | None]]) -> tuple[ir.Table, list]:
    dims = [d for d, _ in group]
    if m.builder is not None:
        return _builder_rows(engine, m, q, group)
    if getattr(m.kind, "carries_history", False):
        return _level_rows(engine, m, q, group)
    if m.denominator_fact is not None:  # n is the denominator: e.g. the invitations sent
        j = _in_group(engine.prepared(m.denominator_fact, m.denominator_time or "", dims, q), group)
        j, cols = m.kind.row_columns(m, j)
        return _shown(j, m.denominator_fact, cols), [m.denominator_time, *ROW_KEYS[m.denominator_fact]]
    extra: dict[str, ir.Value]
    if m.share_dim is not None:  # every row of the population; counted: is it in the group
        share = [(d, v) for d, v in group if d == m.share_dim]
        rest = [(d, v) for d, v in group if d != m.share_dim]
        j, extra = m.kind.row_columns(m, engine.prepared(m.fact, m.time, dims, q))
        j = _in_group(j, rest)
        if share:
            d, v = share[0]
            extra["counted"] = j[f"_d_{d}"].isnull() if v is None else (j[f"_d_{d}"].cast("string") == v)
            extra["counted"] = extra["counted"].fill_null(False)
        if m.share_dim and m.share_dim not in [c for c in ROW_COLUMNS.get(m.fact, ())]:
            extra[m.share_dim] = j[DIMENSIONS[m.share_dim][1]]
    else:
        j, extra = m.kind.row_columns(m, _in_group(engine.prepared(m.fact, m.time, dims, q), group))
    return _shown(j, m.fact, extra), [m.time, *ROW_KEYS[m.fact]]


def _level_rows(engine: Engine, m: Metric, q: Query, group: list[tuple[str, str | None]]) -> tuple[ir.Table, list]:
    """Tickets open at the period's end: their +1/-1 events before it add up to more than 0."""
    ev = _in_group(engine.population(m, q, [d for d, _ in group]), group)
    open_ = ev.group_by("ticket_id").aggregate(_open=ev.delta.sum())
    open_ = open_.filter(open_._open > 0).select(_tid="ticket_id")
    t = engine.fact_table("tickets", q.hours)
    j = t.inner_join(open_, t.ticket_id == open_._tid)
    return _shown(j, "tickets", {}), ["created_at", "ticket_id"]


def _builder_rows(engine: Engine, m: Metric, q: Query, group: list[tuple[str, str | None]]) -> tuple[ir.Table, list]:
    from cxmetrics.facts.customers import customer_periods

    dims = [d for d, _ in group]
    if m.key in CUSTOMER_DRILLS:
        population, counted = CUSTOMER_DRILLS[m.key]
        cp = _in_group(customer_periods(engine, q, dims), group)
        cp = cp.filter(population(cp))
        extra: dict[str, ir.Value] = {f: cp[f] for f in CUSTOMER_FLAGS}
        if counted is not None:
            extra["counted"] = counted(cp)
        return _shown(cp, "customers", extra), ["acquired_at", "customer_id"]
    if m.key == "revenue":
        o = _in_group(engine.prepared("orders", "ordered_at", dims, q), group)
        return _shown(o, "orders", {"value": o.amount}), ["ordered_at", "order_id"]
    if m.key == "repeat_purchase_rate":
        o = _in_group(engine.prepared("orders", "ordered_at", dims, q), group)
        o = o.filter(o.customer_id.notnull())
        per = o.group_by("customer_id").aggregate(first_order_at=o.ordered_at.min(), value=o.count())
        per = per.mutate(counted=per.value >= 2)
        return per, ["first_order_at", "customer_id"]
    raise NoDrillDown(f"no row-level drill-down for {m.key}: its value is not a count over rows")


def localise(df: pd.DataFrame, zone: str) -> pd.DataFrame:
    """Naive UTC timestamps -> the reporting zone (ISO 8601 with offset when serialised)."""
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]):
            s = pd.to_datetime(df[c])
            df[c] = (s.dt.tz_localize("UTC") if s.dt.tz is None else s).dt.tz_convert(zone)
    return df
