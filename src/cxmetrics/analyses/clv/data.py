"""Model inputs as set operations (Ibis group-bys and windows, run by the engine),
plus the shaping of results into SPEC 5.1-like records.

* ``rfm_summary``: per customer x (repeat purchase days), t_x and T in weeks and the
  mean value of the repeat purchase days, exactly as Fader, Hardie & Lee (2005)
  summarise CDNOW: purchases on the same day are one transaction.
* ``tenure_summary``: per customer the discrete periods survived and whether the
  customer churned, with left truncation for customers acquired before the
  customers table starts recording churn.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.errors import ClvError
from cxmetrics.facts.tickets import seconds

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables

DAY_S = 86400.0
WEEK_DAYS = 7.0
MONTH_DAYS = 365.25 / 12
YEAR_DAYS = 365.25
CUSTOMER_DIMS = ("segment", "plan", "country", "acquisition_channel")
# Money is summed as an exact decimal: a float sum depends on the order of its terms, which a
# parallel query does not fix (the same orders gave other last digits run to run, and the
# Gamma-Gamma fit on them other digits and another convergence flag).
MONEY = dt_.Decimal(38, 9)
RECORD_COLUMNS = ["metric", "period_start", "value", "unit", "n", "numerator", "denominator", "ci_low", "ci_high",
                  "mean", "median", "p90"]


def days_between(a: ir.TimestampValue, b: ir.TimestampValue) -> ir.NumericValue:
    """Days from ``a`` to ``b`` (whole seconds), as a float."""
    return seconds(a, b) / DAY_S


def _ts(d: dt.date | dt.datetime) -> dt.datetime:
    return d if isinstance(d, dt.datetime) else dt.datetime(d.year, d.month, d.day)


def rfm_summary(orders: ir.Table, end: dt.date, *, unit_days: float = WEEK_DAYS) -> ir.Table:
    """customer_id, x, t_x, T (in ``unit_days``), zbar, first_at, orders_value for purchases on or before
    ``end``, in customer order; amounts are summed exactly (``MONEY``), so the same orders give the same bits.

    T runs from the first purchase day to ``end`` (the day itself, as in FHL 2005:
    a customer first buying on 1997-01-01 has T = 272 / 7 = 38.86 weeks at 1997-09-30)."""
    end_ts = ibis.literal(_ts(end), "timestamp")
    o = orders.filter(orders.ordered_at.notnull() & (orders.ordered_at < end_ts + ibis.interval(days=1)))
    o = o.mutate(day=o.ordered_at.truncate("D"), money=o.amount.cast(MONEY))
    d = o.group_by(["customer_id", "day"]).aggregate(value=o.money.sum())
    d = d.mutate(first=d.day.min().over(ibis.window(group_by=d.customer_id)))
    g = d.group_by("customer_id").aggregate(
        first_at=d.first.min(), last_at=d.day.max(), days=d.count(),
        repeat=d.value.sum(where=d.day > d.first), total=d.value.sum(),
    )
    x = (g.days - 1).cast("int64")
    return g.select(
        "customer_id", "first_at",
        x=x,
        t_x=days_between(g.first_at, g.last_at) / unit_days,
        T=days_between(g.first_at, end_ts) / unit_days,
        zbar=ibis.ifelse(x > 0, g.repeat.cast("float64") / x, 0.0),
        orders_value=g.total.cast("float64"),
    ).order_by("customer_id")


def tenure_summary(customers: ir.Table, as_of: dt.datetime, *, period_days: float = MONTH_DAYS,
                   observed_from: dt.datetime | None = None) -> ir.Table:
    """customer_id, cohort (acquisition month), t, churned, entered, plus the customer dimensions.

    A customer churned in period ``t`` (1 = the first ``period_days`` after acquisition)
    if the churn fell within the complete periods observed by ``as_of``; otherwise
    the customer survived ``t`` = the complete periods observed (censored). Customers
    acquired before ``observed_from`` enter the data having survived ``entered``
    periods (left truncation); others have ``entered`` = 0."""
    c = customers.filter(customers.acquired_at.notnull() & (customers.acquired_at <= ibis.literal(as_of, "timestamp")))
    end = ibis.literal(as_of, "timestamp")
    observed = (days_between(c.acquired_at, end) / period_days).floor().cast("int64")
    churn_t = (days_between(c.acquired_at, c.churned_at) / period_days).floor().cast("int64") + 1
    is_churn = c.churned_at.notnull() & (c.churned_at <= end) & (churn_t <= observed)
    if observed_from is not None:
        start = ibis.literal(observed_from, "timestamp")
        entered = ibis.greatest((days_between(c.acquired_at, start) / period_days).floor().cast("int64"), 0)
    else:
        entered = ibis.literal(0, "int64")
    out = c.select(
        "customer_id", *CUSTOMER_DIMS,
        cohort=c.acquired_at.truncate("M").cast("date"),
        t=ibis.ifelse(is_churn, churn_t, observed),
        churned=is_churn.fill_null(False),
        entered=entered,
    )
    # only periods after entering carry information (a churn before it is outside the data)
    return out.filter(out.t > out.entered)


def as_of(store: Tables) -> dt.datetime:
    """The latest instant in customers and orders: the 'now' of customer metrics."""
    o, c = store.table("orders"), store.table("customers")
    latest = ibis.union(o.aggregate(at=o.ordered_at.max()),
                        c.aggregate(at=ibis.greatest(c.acquired_at.max(), c.churned_at.max())))
    value = latest.at.max().execute()
    if value is None or pd.isna(value):
        raise ClvError("no customers or orders in the store; import them (or run `cxm demo`) first")
    return pd.Timestamp(value).to_pydatetime()


def currency(store: Tables) -> str:
    """The orders' one currency (money is reported in the data's currency, SPEC 4)."""
    o = store.table("orders")
    names = sorted(str(x) for x in o.filter(o.currency.notnull()).currency.as_table().distinct()
                   .execute()["currency"])
    if len(names) > 1:
        raise ClvError(f"orders are in several currencies ({', '.join(names)}); CLV needs one (filter or convert first)")
    return names[0] if names else "currency"


def check_by(by: str | None) -> None:
    if by is not None and by not in CUSTOMER_DIMS:
        raise ClvError(f"--by must be one of {', '.join(CUSTOMER_DIMS)}, not {by!r}")


def as_records(frame: pd.DataFrame, metric: str, unit: str, by: str | None, extra: list[str]) -> pd.DataFrame:
    """Flat records: the SPEC 5.1 columns (missing ones null), the group, then ``extra``."""
    out = frame.copy()
    out["metric"] = metric
    out["period_start"] = None
    out["unit"] = unit
    for c in RECORD_COLUMNS:
        if c not in out:
            out[c] = None
    dims = [by] if by else []
    cols = RECORD_COLUMNS[:2] + dims + RECORD_COLUMNS[2:] + [c for c in extra if c not in RECORD_COLUMNS]
    out = out[cols].astype(object)
    return out.where(pd.notna(out), None).reset_index(drop=True)  # type: ignore[call-overload]  # pandas/scipy stubs too narrow (where(..., None), minimize(callable))


def records_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from cxmetrics.engine.records import to_records

    return to_records(frame)
