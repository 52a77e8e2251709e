"""Historic CLV (seed 004): annual revenue per customer x expected relationship years - CAC.

Over a trailing window (default the 365.25 days up to the data's latest instant):

* annual revenue per customer = revenue of the window / customer-years lived in it
  (each customer counts the part of the window between acquisition and churn), so
  customers acquired or lost mid-window weigh by the time they were customers;
* annual churn rate = customers lost in the window / customer-years lived in it:
  the maximum-likelihood churn hazard if every customer leaves at the same constant
  rate (exponential lifetimes);
* expected relationship years = 1 / annual churn rate (the mean of that lifetime);
* CAC = sales and marketing spend of the window (pro-rated where a spend period
  straddles its edges) / customers acquired in it, the same for every group
  (spend is recorded by channel, not by segment).

The interval reflects the uncertainty of the churn rate only (exact Poisson
interval on the number lost). Assuming one constant rate ignores that customers
who stayed long are the loyal ones (Fader & Hardie 2010): it undervalues an
existing base; the sBG model (``predict_sbg``) does not.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from cxmetrics.analyses.clv.data import (
    CUSTOMER_DIMS,
    YEAR_DAYS,
    ClvError,
    as_of,
    as_records,
    check_by,
    currency,
    days_between,
)

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables
    from cxmetrics.store import Store

MIN_EXPOSURE_DAYS = 30.0
EXTRA = ["customers", "customer_years", "revenue", "annual_revenue_per_customer", "churned", "annual_churn_rate",
         "relationship_years", "acquired", "spend", "cac", "window_start", "window_end"]


def window(store: Tables, end: dt.datetime | None, window_days: float) -> tuple[dt.datetime, dt.datetime]:
    end = end or as_of(store)
    return end - dt.timedelta(days=window_days), end


def customer_exposure(store: Tables, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Per customer: customer-years lived in (start, end], churned and acquired in it, revenue in it."""
    c = store.table("customers")
    lo_ts, hi_ts = ibis.literal(start, "timestamp"), ibis.literal(end, "timestamp")
    lo = ibis.greatest(c.acquired_at, lo_ts)
    hi = ibis.least(c.churned_at.fill_null(hi_ts), hi_ts)
    c = c.select(
        "customer_id", *CUSTOMER_DIMS,
        years=ibis.greatest(days_between(lo, hi), 0.0) / YEAR_DAYS,
        churned=(c.churned_at.notnull() & (c.churned_at > lo_ts) & (c.churned_at <= hi_ts)
                 & (c.churned_at >= c.acquired_at)).fill_null(False),
        acquired=((c.acquired_at > lo_ts) & (c.acquired_at <= hi_ts)).fill_null(False),
    )
    o = store.table("orders")
    o = o.filter((o.ordered_at > lo_ts) & (o.ordered_at <= hi_ts))
    rev = o.group_by("customer_id").aggregate(revenue=o.amount.sum())
    j = c.left_join(rev, "customer_id").drop("customer_id_right")
    return j.mutate(revenue=j.revenue.fill_null(0.0))


def spend_in(store: Tables, start: dt.datetime, end: dt.datetime) -> float | None:
    """Spend of (start, end]; a period [period_start, period_end + 1 day) counts pro rata. None: no spend data."""
    s = store.table("marketing_spend")
    if int(s.count().execute()) == 0:
        return None
    lo_ts, hi_ts = ibis.literal(start, "timestamp"), ibis.literal(end, "timestamp")
    p_end = s.period_end + ibis.interval(days=1)
    overlap = ibis.greatest(days_between(ibis.greatest(s.period_start, lo_ts), ibis.least(p_end, hi_ts)), 0.0)
    length = ibis.greatest(days_between(s.period_start, p_end), 1.0)
    v = (s.amount * overlap / length).sum().execute()
    return float(v) if v is not None and not pd.isna(v) else 0.0


def historic_clv(store: Tables, *, by: str | None = None, end: dt.datetime | None = None,
                 window_days: float = YEAR_DAYS) -> pd.DataFrame:
    """Records ``clv_historic`` per group (or one overall), with every input of the formula as a column."""
    check_by(by)
    if store.count("customers") == 0:
        raise ClvError("historic CLV needs the customers table (acquired_at, churned_at); it is empty")
    start, end = window(store, end, window_days)
    e = customer_exposure(store, start, end)
    keys = [by] if by else []
    agg = dict(customers=(e.years > 0).cast("int64").sum(), customer_years=e.years.sum(),
               churned=e.churned.cast("int64").sum(), acquired=e.acquired.cast("int64").sum(),
               revenue=e.revenue.sum())
    g = (e.group_by(keys).aggregate(**agg) if keys else e.aggregate(**agg)).execute()
    if keys:
        g = g.sort_values(by, na_position="last", kind="stable")
    acquired_total = int(e.acquired.cast("int64").sum().execute() or 0)
    spend = spend_in(store, start, end)
    cac = spend / acquired_total if spend is not None and acquired_total > 0 else None
    g = _formula(g, cac)
    g["spend"] = spend
    g["window_start"] = start.isoformat()
    g["window_end"] = end.isoformat()
    return as_records(g, "clv_historic", currency(store), by, EXTRA)


def _formula(g: pd.DataFrame, cac: float | None) -> pd.DataFrame:
    g = g.copy()
    cy = g["customer_years"].astype("float64").to_numpy()
    k = g["churned"].astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        arpy = np.where(cy > 0, g["revenue"].astype("float64").to_numpy() / cy, np.nan)
        rate = np.where(cy > 0, k / cy, np.nan)
        years = np.where(k > 0, cy / k, np.nan)
        lam_lo = np.where(k > 0, gammaincinv(np.maximum(k, 1), 0.025), 0.0) / cy
        lam_hi = gammaincinv(k + 1, 0.975) / cy
        c = cac or 0.0
        g["ci_low"] = np.where(k > 0, arpy / lam_hi - c, np.nan)
        g["ci_high"] = np.where(k > 0, arpy / np.where(k > 0, lam_lo, 1.0) - c, np.nan)
    g["annual_revenue_per_customer"] = arpy
    g["annual_churn_rate"] = 100 * rate
    g["relationship_years"] = years
    g["cac"] = cac
    g["value"] = arpy * years - c
    g["n"] = g["customers"]
    g["numerator"], g["denominator"] = None, None
    return g


def customer_historic(store: Store, *, end: dt.datetime | None = None, window_days: float = YEAR_DAYS,
                      group: pd.Series | None = None) -> pd.DataFrame:
    """Per customer: annual revenue (window revenue / years lived in it, for customers with at
    least 30 days in it) x the relationship years of the customer's ``group`` (a Series indexed
    by customer_id; default one group) - CAC. Used to compare groups such as feedback groups."""
    start, end = window(store, end, window_days)
    e = customer_exposure(store, start, end).execute().set_index("customer_id")
    e["group"] = group.reindex(e.index) if group is not None else "all"
    e = e[e["group"].notna()]
    per = e.groupby("group").agg(customer_years=("years", "sum"), churned=("churned", "sum"),
                                 revenue=("revenue", "sum"), customers=("years", "size"))
    spend = spend_in(store, start, end)
    acq = int(customer_exposure(store, start, end).acquired.cast("int64").sum().execute() or 0)
    cac = spend / acq if spend is not None and acq > 0 else None
    per = _formula(per, cac)
    e = e.join(per[["relationship_years"]], on="group")
    ok = e["years"] * YEAR_DAYS >= MIN_EXPOSURE_DAYS
    e["annual_revenue"] = np.where(ok, e["revenue"] / e["years"].where(ok), np.nan)
    e["historic_clv"] = e["annual_revenue"] * e["relationship_years"] - (cac or 0.0)
    return e.reset_index()
