"""Customer facts (SPEC 4.4): customers, orders and customer x period states.

Why one module: churn, retention, CAC, ARPU and the feedback joins all ask the
same question per customer and period (a customer at the start? at the end?
acquired in it? lost in it?), so it is answered once here and every builder
metric aggregates it. Instants compare as UTC against the periods' UTC bounds,
so local periods and DST are handled exactly as for tickets.

A customer is a customer from ``acquired_at`` (inclusive) until ``churned_at``
(exclusive); an empty ``churned_at`` means still a customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.errors import QueryError
from cxmetrics.facts.query import DIMENSIONS, Query

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine

CUSTOMER_DIMS = ("segment", "plan", "country", "acquisition_channel")
#: Per customer and period: the group of the customer's latest answer before the period.
FEEDBACK_DIMS = {"feedback_group": "nps", "csat_group": "csat"}
NO_ANSWER = "no answer"
PERIODS_SCHEMA = ibis.schema({"period_index": "int64", "period_start": "date", "p_start": "timestamp",
                              "p_end": "timestamp", "l_start": "timestamp", "l_end": "timestamp"})
#: Join key standing in for the null period_start of --grain total.
NO_PERIOD = dt.date(1900, 1, 1)


# -- fact builders (engine.core.FACT_BUILDERS) -----------------------------------
def customers_for(engine: FactEngine) -> ir.Table:
    """Customers with their life span; a churn before acquisition (rejected at import) counts at acquisition."""
    c = engine.source("customers")
    churned = ibis.ifelse(c.churned_at < c.acquired_at, c.acquired_at, c.churned_at)
    return c.select("customer_id", "acquired_at", "churn_reason", churned_at=churned)


def orders_for(engine: FactEngine) -> ir.Table:
    return engine.source("orders").select("order_id", "customer_id", "ordered_at", "amount", "currency")


# -- periods and dimensions --------------------------------------------------
def periods_table(engine: FactEngine, q: Query) -> ir.Table:
    """The query's periods as a small table: UTC bounds for instants, local bounds for dates."""
    pdf = engine.periods(q)
    tz = q.tz or engine.config.timezone

    def local(s: pd.Series) -> pd.Series:
        return pd.to_datetime(s).dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[us]")

    df = pd.DataFrame({
        "period_index": pdf["period_index"].astype("int64"),
        "period_start": [None if pd.isna(v) else dt.date.fromisoformat(str(v)) for v in pdf["period_start"]],
        "p_start": pdf["p_start"], "p_end": pdf["p_end"],
        "l_start": local(pdf["p_start"]), "l_end": local(pdf["p_end"]),
    })
    return ibis.memtable(df, schema=PERIODS_SCHEMA)


def period_key(t: ir.Table) -> ir.Value:
    return t.period_start.fill_null(ibis.date(NO_PERIOD))


def with_dims(engine: FactEngine, t: ir.Table, q: Query, dims: list[str], what: str,
              skip: tuple[str, ...] = ()) -> ir.Table:
    """``_d_<dim>`` columns for customer dimensions (joined on customer_id) and the query's filters.

    Dimensions in ``skip`` are handled by the caller (feedback groups, currency)."""
    needed = sorted((set(dims) | {w[0] for w in q.where}) - set(skip))
    join = False
    for d in needed:
        src, column = DIMENSIONS[d]
        if src == "customers":
            join = join or column not in t.columns
        elif src != "fact" or column not in t.columns:
            raise QueryError(f"dimension {d!r} does not apply to {what} metrics")
    if join:
        cust = engine.source("customers").select("customer_id", *CUSTOMER_DIMS)
        cust = cust.rename({f"_c_{c}": c for c in CUSTOMER_DIMS})
        t = t.left_join(cust, t.customer_id == cust.customer_id).drop("customer_id_right")

    def col(d: str) -> ir.Value:
        name = DIMENSIONS[d][1]
        return t[name] if name in t.columns else t[f"_c_{name}"]

    t = t.mutate(**{f"_d_{d}": col(d) for d in needed})
    for d in sorted({w[0] for w in q.where} - set(skip)):
        t = t.filter(t[f"_d_{d}"].isin([v for k, v in q.where if k == d]))
    return t.drop(*[c for c in t.columns if c.startswith("_c_")])


def customer_periods(engine: FactEngine, q: Query, dims: list[str]) -> ir.Table:
    """One row per customer and period for customers acquired before the period's end.

    Flags: ``at_start`` (a customer at the period's first instant), ``at_end`` (at its
    end), ``new`` (acquired in it), ``lost`` (churned in it), ``active`` (a customer at
    some instant of it). Dimensions ``feedback_group``/``csat_group`` are the group of
    the customer's latest NPS/CSAT answer before the period (``no answer`` without one).
    """
    c = with_dims(engine, engine.fact_table("customers", "calendar"), q, dims, "customer",
                  skip=tuple(FEEDBACK_DIMS))
    p = periods_table(engine, q)
    j = c.inner_join(p, c.acquired_at < p.p_end)
    gone_before = lambda x: j.churned_at.notnull() & (j.churned_at < x)  # noqa: E731
    j = j.mutate(
        at_start=(j.acquired_at < j.p_start) & ~gone_before(j.p_start),
        at_end=~gone_before(j.p_end),
        new=j.acquired_at >= j.p_start,
        lost=((j.churned_at >= j.p_start) & (j.churned_at < j.p_end)).fill_null(False),
        active=~gone_before(j.p_start),
    )
    for d, survey in FEEDBACK_DIMS.items():
        if d in dims or any(w[0] == d for w in q.where):
            j = _with_feedback(engine, j, d, survey)
            values = [v for k, v in q.where if k == d]
            if values:
                j = j.filter(j[f"_d_{d}"].isin(values))
    return j


def _with_feedback(engine: FactEngine, cp: ir.Table, name: str, survey_type: str) -> ir.Table:
    """The group of each customer's latest answer before each period (ties: the larger response_id)."""
    r = engine.fact_table("responses", "calendar")
    r = r.filter((r.survey_type == survey_type) & r.answered & r.customer_id.notnull())
    if survey_type == "nps":
        grp = ibis.cases((r.promoter, "promoter"), (r.detractor, "detractor"), else_="passive")
    else:
        grp = ibis.ifelse(r.top2, "satisfied", "not_satisfied")
    r = r.select(r_customer=r.customer_id, r_at=r.responded_at, r_id=r.response_id, r_group=grp)
    keys = cp.select("customer_id", "period_index", "p_start").distinct()
    j = keys.inner_join(r, [keys.customer_id == r.r_customer, r.r_at < keys.p_start])
    w = ibis.window(group_by=[j.customer_id, j.period_index], order_by=[ibis.desc(j.r_at), ibis.desc(j.r_id)])
    j = j.mutate(_rn=ibis.row_number().over(w))
    latest = j.filter(j._rn == 0).select(f_customer=j.customer_id, f_period=j.period_index, f_group=j.r_group)
    out = cp.left_join(latest, [cp.customer_id == latest.f_customer, cp.period_index == latest.f_period])
    out = out.mutate(**{f"_d_{name}": out.f_group.fill_null(NO_ANSWER)})
    return out.drop("f_customer", "f_period", "f_group")


def group_keys(dims: list[str], *, index: bool = True) -> list[str]:
    """Grouping keys of a builder: the period (``period_index`` where the rows carry it) and dimensions."""
    return ["period_index"] * index + ["period_start", *[f"_d_{d}" for d in dims]]


def finish(t: ir.Table, dims: list[str]) -> ir.Table:
    """A builder's result: ``period_start`` and one column per dimension, named as the dimension."""
    t = t.drop("period_index") if "period_index" in t.columns else t
    return t.rename({d: f"_d_{d}" for d in dims})


# -- orders and currencies -----------------------------------------------------
def orders_in_periods(engine: FactEngine, q: Query, dims: list[str]) -> ir.Table:
    """Orders of the query's range with ``period_start`` and the dimensions (customer dims joined)."""
    return engine.prepared("orders", "ordered_at", dims, q)


def check_one_currency(engine: FactEngine, q: Query, metric: str) -> None:
    """Money from orders in several currencies cannot be added up: say so instead of mixing them."""
    if "currency" in q.by or any(k == "currency" for k, _ in q.where):
        return
    o = orders_in_periods(engine, replace(q, by=(), where=()), [])
    found = sorted(o.filter(o.currency.notnull()).select("currency").distinct().limit(10).execute()["currency"])
    if len(found) > 1:
        raise QueryError(f"{metric}: orders are in {len(found)} currencies ({', '.join(found)}); "
                         "add --by currency or --where currency=CODE")
