"""Cohort retention by acquisition month (SPEC 4.4): cohort x months since acquisition.

Why a table and not a metric: a cohort's retention is a curve, read along each
row (how fast does the January cohort fade?) and down each column (do newer
cohorts keep better?); no single period value expresses that.

Definitions (months are local calendar months of the reporting zone):

* cohort month: the month of ``acquired_at``; month k: the k-th month after it
  (month 0 is the acquisition month itself);
* ``active``: cohort customers still customers when month k began, i.e. not
  churned before it (month 0: every customer, 100%);
* ``buyers`` / ``repeat_buyers``: cohort customers with at least one / two orders
  up to the end of month k (orders before acquisition count in month 0), and
  ``repeat_purchase_rate`` = repeat_buyers / buyers x 100;
* months that have not begun at the latest instant in the customers and orders
  are not observed and have no row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cxmetrics.engine.core import Query
from cxmetrics.errors import QueryError
from cxmetrics.facts.customers import with_dims
from cxmetrics.periods.clock import clock_for

COLUMNS = ["cohort_month", "months_since_acquisition", "customers", "active", "retention", "buyers",
           "repeat_buyers", "repeat_purchase_rate"]


def _month_index(d: ir.DateValue) -> ir.IntegerValue:
    return d.year().cast("int64") * 12 + d.month().cast("int64") - 1


def _month_name(i: int) -> str:
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def cohort_table(store: Any, *, months: int = 12, by: str | None = None, tz: str | None = None,
                 from_: dt.date | str | None = None, to: dt.date | str | None = None) -> pd.DataFrame:
    """Retention and repeat purchase per acquisition-month cohort, months 0..``months``.

    ``by``: one customer attribute (segment, plan, country, acquisition_channel) splits
    every cohort; ``from_``/``to``: first and last acquisition date of the cohorts."""
    from cxmetrics.periods.dates import parse_date

    if months < 0:
        raise QueryError("--months must be 0 or more")
    engine = store.engine() if hasattr(store, "engine") else store
    q = Query(grain="total", by=(by,) if by else (), tz=tz)
    q.validate()
    tz = tz or engine.config.timezone
    lo, as_of = _span(engine)
    if as_of is None:
        return pd.DataFrame(columns=_columns([by] if by else []))
    clock = clock_for(tz, lo, as_of)
    dims = [by] if by else []
    dcols = [f"_d_{d}" for d in dims]
    c = with_dims(engine, engine.fact_table("customers", "calendar"), q, dims, "cohort")
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    day = clock.day(c.acquired_at)
    if first:
        c = c.filter(day >= ibis.literal(first, "date"))
    if last:
        c = c.filter(day <= ibis.literal(last, "date"))
    c = c.mutate(cohort=_month_index(clock.period(c.acquired_at, "month")))
    c = c.mutate(churn_off=_month_index(clock.period(c.churned_at, "month")) - c.cohort)
    sizes = c.group_by(["cohort", *dcols, "churn_off"]).aggregate(n=c.count()).execute()

    o = engine.fact_table("orders", "calendar")
    j = o.inner_join(c.select("customer_id", "cohort", *dcols), "customer_id")
    off = _month_index(clock.period(j.ordered_at, "month")) - j.cohort
    w = ibis.window(group_by=j.customer_id, order_by=[j.ordered_at, j.order_id])
    j = j.mutate(off=ibis.greatest(off, 0), nth=ibis.row_number().over(w))
    j = j.filter(j.nth < 2)
    buys = j.group_by(["cohort", *dcols, "nth", "off"]).aggregate(n=j.count()).execute()

    if sizes.empty:
        return pd.DataFrame(columns=_columns(dims))
    zone_now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz)
    now = zone_now.year * 12 + zone_now.month - 1
    rows = []
    for key, grp in sizes.groupby(["cohort", *dcols], dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        cohort = int(key[0])
        size = int(grp["n"].sum())
        churn = grp.dropna(subset=["churn_off"])
        mine = buys[(buys["cohort"] == cohort)]
        for d, v in zip(dcols, key[1:], strict=True):
            mine = mine[mine[d].isna()] if pd.isna(v) else mine[mine[d] == v]
        for k in range(min(months, now - cohort) + 1):
            active = size - int(churn.loc[churn["churn_off"] < k, "n"].sum())
            buyers = int(mine.loc[(mine["nth"] == 0) & (mine["off"] <= k), "n"].sum())
            repeat = int(mine.loc[(mine["nth"] == 1) & (mine["off"] <= k), "n"].sum())
            rows.append((_month_name(cohort), *[None if pd.isna(v) else v for v in key[1:]], k, size, active,
                         100.0 * active / size, buyers, repeat, 100.0 * repeat / buyers if buyers else np.nan))
    out = pd.DataFrame(rows, columns=_columns(dims))
    for col in ("months_since_acquisition", "customers", "active", "buyers", "repeat_buyers"):
        out[col] = out[col].astype("int64")
    return out


def _columns(dims: list[str]) -> list[str]:
    return [COLUMNS[0], *dims, *COLUMNS[1:]]


def _span(engine: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """First acquisition and the latest instant in the customers and orders (the 'as of':
    months after it are not observed yet)."""
    c, o = engine.source("customers"), engine.source("orders")
    row = c.aggregate(lo=c.acquired_at.min(), a=c.acquired_at.max(), b=c.churned_at.max()).execute().iloc[0]
    vals = [row["a"], row["b"], o.ordered_at.max().execute()]
    vals = [pd.Timestamp(v).to_pydatetime() for v in vals if v is not None and not pd.isna(v)]
    lo = None if pd.isna(row["lo"]) else pd.Timestamp(row["lo"]).to_pydatetime()
    return lo, (max(vals) if vals else None)
