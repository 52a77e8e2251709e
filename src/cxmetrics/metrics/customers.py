"""Customer and revenue metrics (SPEC 4.4): active, new and lost customers, churn,
retention (CRR), marketing spend, CAC, revenue, ARPU and repeat purchases.

Churn and retention are builder metrics over one customer x period table
(:func:`cxmetrics.facts.customers.customer_periods`), so S, E, N and the lost
customers of one period always come from the same rows and
``retention_rate = 100 - churn_rate`` holds exactly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.errors import QueryError
from cxmetrics.facts.customers import (
    CUSTOMER_DIMS,
    check_one_currency,
    customer_periods,
    finish,
    group_keys,
    orders_in_periods,
    period_key,
    periods_table,
)
from cxmetrics.metrics.kinds import COUNT, LEVEL, MEAN, RATE, SUM
from cxmetrics.metrics.registry import Builder, Metric, Reference

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine, Query

SEED004 = Reference("seed 004 (Sparkcentral, fi)",
                    "churn = lost / customers at start x 100; CRR = ((E - N) / S) x 100 (S=100, E=90, N=15 give 75%); "
                    "CAC = spend / customers acquired (10,000 / 20,000 = 0.50)")
SEED002 = Reference("seed 002 (Mopinion, zh)", "follow churn and customer value by feedback group; exit surveys")
WILSON = Reference("Wilson (1927)", "score interval for a proportion")
SHOPIFY = Reference("Shopify, repeat customer rate", "customers with more than one order / customers who ordered")
CUSTOMERS = ("customers.customer_id", "customers.acquired_at", "customers.churned_at")
ORDERS = ("orders.order_id", "orders.customer_id", "orders.ordered_at", "orders.amount")
SPAN = "A customer counts from acquired_at (inclusive) until churned_at (exclusive); no churned_at = still a customer."
TOTAL = ("With --grain total and no --from, the period starts before any customer: S = 0, the rate is empty "
         "and numerator and denominator are 0.")
CURRENCY = ("Money is in the orders' currency; orders in several currencies are an error unless split "
            "(--by currency) or filtered (--where currency=CODE).")
SPEND_DIMS = ("acquisition_channel",)
DIMS = "Sliced by segment, plan, country and acquisition_channel (customer attributes)."


def _states(engine: FactEngine, q: Query) -> ir.Table:
    """S, E, N, lost (all, and of the starting customers) per period and group."""
    dims = list(q.by)
    cp = customer_periods(engine, q, dims)
    n = lambda flag: flag.cast("int64").sum()  # noqa: E731
    return cp.group_by(group_keys(dims)).aggregate(
        s=n(cp.at_start), e=n(cp.at_end), new=n(cp.new), lost=n(cp.lost), lost_start=n(cp.at_start & cp.lost))


def _level(column: str) -> Builder:
    """A stock (customers at the start or end) as a level: the engine adds up ``delta`` per group."""
    def build(engine: FactEngine, q: Query) -> ir.Table:
        dims = list(q.by)
        t = _states(engine, q)
        w = ibis.window(group_by=[t[f"_d_{d}"] for d in dims], order_by=t.period_index)
        t = t.mutate(delta=(t[column] - t[column].lag().over(w)).fill_null(t[column]))
        return finish(t.select(*group_keys(dims), "delta"), dims)
    return build


def _rate(numerator: str) -> Builder:
    def build(engine: FactEngine, q: Query) -> ir.Table:
        dims = list(q.by)
        t = _states(engine, q)
        num = t.e - t.new if numerator == "retained" else t[numerator]
        num = ibis.ifelse(t.s > 0, num, 0)  # no customers at the start: nothing to rate (see churned_customers)
        return finish(t.select(*group_keys(dims), numerator=num, denominator=t.s), dims)
    return build


def _spend_per_period(engine: FactEngine, q: Query) -> ir.Table:
    """Marketing spend prorated to the periods by overlapping time.

    A row covers the local days from its period_start to its period_end, both
    inclusive (a January budget: 2024-01-01 .. 2024-01-31); the part of the amount
    that falls in a reporting period is amount x overlap / covered time."""
    bad = sorted(d for d in {*q.by, *(w[0] for w in q.where)} if d != "acquisition_channel")
    if bad:
        raise QueryError(f"dimension {bad[0]!r} does not apply to marketing spend: spend is known per "
                         "acquisition_channel only")
    s = engine.source("marketing_spend")
    clock = engine.clock(q.tz or engine.config.timezone)
    s0 = clock.local(s.period_start).truncate("D")
    s1 = clock.local(s.period_end).truncate("D") + ibis.interval(days=1)
    s = s.select(s0=s0, s1=s1, amount=s.amount, _d_acquisition_channel=s.channel)
    for d in sorted({w[0] for w in q.where}):
        s = s.filter(s[f"_d_{d}"].isin([v for k, v in q.where if k == d]))
    p = periods_table(engine, q)
    j = s.inner_join(p, [s.s0 < p.l_end, s.s1 > p.l_start])
    overlap = ibis.least(j.s1, j.l_end).epoch_seconds() - ibis.greatest(j.s0, j.l_start).epoch_seconds()
    length = j.s1.epoch_seconds() - j.s0.epoch_seconds()
    return j.mutate(part=j.amount * overlap.cast("float64") / length.cast("float64"))


def _money_parts(engine: FactEngine, q: Query) -> ir.Table:
    """Spend and customers acquired per period (and acquisition channel), side by side."""
    dims = list(q.by)
    keys = group_keys(dims)
    spend = _spend_per_period(engine, q).select(*keys, spend=lambda t: t.part, new=ibis.literal(0, "int64"))
    cp = customer_periods(engine, q, dims)
    cp = cp.filter(cp.new).select(*keys, spend=ibis.literal(0.0, "float64"), new=ibis.literal(1, "int64"))
    u = spend.union(cp)
    return u.group_by(keys).aggregate(spend=u.spend.sum(), new=u.new.sum())


def _marketing_spend(engine: FactEngine, q: Query) -> ir.Table:
    dims = list(q.by)
    t = _spend_per_period(engine, q)
    return finish(t.group_by(group_keys(dims)).aggregate(n=t.count(), total=t.part.sum()), dims)


def _cac(engine: FactEngine, q: Query) -> ir.Table:
    dims = list(q.by)
    t = _money_parts(engine, q)
    cac = ibis.ifelse(t.new > 0, t.spend / t.new.cast("float64"), ibis.null("float64"))
    nan = ibis.null("float64")
    return finish(t.select(*group_keys(dims), n=t.new, mean=cac, median=nan, p90=nan, std=nan), dims)


def _revenue(engine: FactEngine, q: Query) -> ir.Table:
    check_one_currency(engine, q, "revenue")
    dims = list(q.by)
    o = orders_in_periods(engine, q, dims)
    return finish(o.group_by(group_keys(dims, index=False)).aggregate(n=o.count(), total=o.amount.sum()), dims)


def _arpu(engine: FactEngine, q: Query) -> ir.Table:
    """Mean over the period's active customers of their revenue in it (0 without orders)."""
    if "currency" in q.by:
        raise QueryError("arpu cannot be split by currency (customers have none); use --where currency=CODE")
    check_one_currency(engine, q, "arpu")
    dims = list(q.by)
    cp = customer_periods(engine, replace(q, where=tuple(w for w in q.where if w[0] != "currency")), dims)
    cp = cp.filter(cp.active)
    cur = tuple(w for w in q.where if w[0] == "currency")
    o = orders_in_periods(engine, replace(q, by=(), where=cur), [])
    per = o.group_by(o_customer=o.customer_id, o_key=period_key(o)).aggregate(rev=o.amount.sum())
    j = cp.left_join(per, [cp.customer_id == per.o_customer, period_key(cp) == per.o_key])
    rev = j.rev.fill_null(0.0)
    return finish(j.group_by(group_keys(dims)).aggregate(
        n=j.count(), mean=rev.mean(), median=rev.quantile(0.5), p90=rev.quantile(0.9), std=rev.std()), dims)


def _repeat_purchase(engine: FactEngine, q: Query) -> ir.Table:
    dims = list(q.by)
    o = orders_in_periods(engine, q, dims)
    o = o.filter(o.customer_id.notnull())
    keys = group_keys(dims, index=False)
    per = o.group_by([*keys, "customer_id"]).aggregate(orders=o.count())
    return finish(per.group_by(keys).aggregate(
        numerator=(per.orders >= 2).cast("int64").sum(), denominator=per.count()), dims)


def _cust(**kw: object) -> Metric:
    base: dict[str, object] = {"domain": "customers", "fact": "customers", "requires": CUSTOMERS}
    return Metric(**{**base, **kw})  # type: ignore[arg-type]


METRICS: tuple[Metric, ...] = (
    _cust(
        id="active_customers", label="Active customers (end)", kind=LEVEL, unit="count", direction="higher",
        description="Customers at the period's end: acquired before the end and not churned before it.",
        time="period_end", formula="count(acquired_at < end and (churned_at is null or churned_at >= end))",
        builder=_level("e"), dimensions=CUSTOMER_DIMS, edge_cases=(SPAN, DIMS, "E of the CRR formula."), references=(SEED004,),
    ),
    _cust(
        id="active_customers_start", label="Active customers (start)", kind=LEVEL, unit="count",
        direction="higher",
        description="Customers at the period's start: acquired before the start and not churned before it.",
        time="period_start", formula="count(acquired_at < start and (churned_at is null or churned_at >= start))",
        builder=_level("s"), dimensions=CUSTOMER_DIMS, edge_cases=(SPAN, DIMS, "S of the churn and CRR formulas.", TOTAL),
        references=(SEED004,),
    ),
    _cust(
        id="new_customers", label="New customers", kind=COUNT, unit="count", direction="higher",
        description="Customers acquired in the period.", time="acquired_at",
        formula="count(customers) by acquired_at", edge_cases=(DIMS, "N of the CRR formula."),
        references=(SEED004,),
    ),
    _cust(
        id="churned_customers", label="Churned customers", kind=COUNT, unit="count", direction="lower",
        description="Customers lost in the period (churned_at in it), including customers acquired in it.",
        time="churned_at", formula="count(customers) by churned_at", edge_cases=(DIMS,), references=(SEED004,),
    ),
    _cust(
        id="churn_rate", label="Churn rate", kind=RATE, unit="percent", direction="lower",
        description="Customers lost in the period / customers at its start x 100.", time="churned_at",
        formula="100 * count(churned_at in period) / count(customers at start)", builder=_rate("lost"), dimensions=CUSTOMER_DIMS,
        edge_cases=(SPAN, DIMS, TOTAL,
                    "Customers acquired and lost in the same period count as lost (the seed's formula), so "
                    "retention_rate = 100 - churn_rate exactly; churn_rate:starting_customers leaves them out.",
                    "Interval: Wilson on lost out of S; none when more customers were lost than there were at the "
                    "start (possible when new customers churn in the period)."),
        references=(SEED004, WILSON),
    ),
    _cust(
        id="churn_rate", variant="starting_customers", base="churn_rate",
        label="Churn rate (starting customers)", kind=RATE, unit="percent", direction="lower",
        description="Customers at the period's start who were lost in it / customers at its start x 100.",
        time="churned_at", formula="100 * count(at start and churned in period) / count(customers at start)",
        builder=_rate("lost_start"), dimensions=CUSTOMER_DIMS,
        edge_cases=(SPAN, DIMS, TOTAL, "A true proportion of S: new customers lost in the period are left out."),
        references=(SEED004, WILSON),
    ),
    _cust(
        id="retention_rate", label="Customer retention rate (CRR)", kind=RATE, unit="percent", direction="higher",
        description="((E - N) / S) x 100: customers at the end, less those acquired in the period, over customers "
                    "at its start.",
        time="period_end", formula="100 * (E - N) / S", builder=_rate("retained"), dimensions=CUSTOMER_DIMS,
        edge_cases=(SPAN, DIMS, TOTAL, "N counts every customer acquired in the period, so E - N = S - lost and "
                    "retention_rate = 100 - churn_rate.",
                    "Interval: Wilson on E - N out of S."),
        references=(SEED004, WILSON),
    ),
    _cust(
        id="marketing_spend", label="Sales and marketing spend", kind=SUM, unit="currency", direction="neutral",
        description="Sales and marketing spend in the period, rows spanning periods prorated by overlapping days.",
        fact="orders", time="period_start", formula="sum(amount x overlap / covered days)",
        requires=("marketing_spend.period_start", "marketing_spend.period_end", "marketing_spend.amount"),
        builder=_marketing_spend, dimensions=SPEND_DIMS, rows=False,
        edge_cases=("period_end is the last day covered (inclusive); days are local days of the reporting zone.",
                    "Sliced by acquisition_channel only (marketing_spend.channel); other dimensions do not apply.",
                    "`n` is the number of spend rows overlapping the period."),
        references=(SEED004,),
    ),
    _cust(
        id="cac", label="Customer acquisition cost (CAC)", kind=MEAN, unit="currency", direction="lower",
        description="Sales and marketing spend in the period / customers acquired in it.",
        time="acquired_at", formula="sum(prorated spend) / count(acquired in period)", builder=_cac, dimensions=SPEND_DIMS,
        rows=False,
        requires=(*CUSTOMERS, "marketing_spend.amount"),
        edge_cases=("Spend rows spanning periods are prorated by overlapping days (see marketing_spend).",
                    "--by acquisition_channel: spend of that marketing channel / customers it acquired; "
                    "other dimensions do not apply.",
                    "`n` = customers acquired; empty when none were; no interval (spend is not a sample).",
                    "Spend is taken to be in the orders' currency."),
        references=(SEED004,),
    ),
    _cust(
        id="revenue", label="Revenue", kind=SUM, unit="currency", direction="higher",
        description="Sum of order amounts in the period.", fact="orders", time="ordered_at",
        formula="sum(orders.amount) by ordered_at", requires=ORDERS, builder=_revenue, dimensions=(*CUSTOMER_DIMS, "currency"),
        edge_cases=(CURRENCY, "Negative amounts (refunds) reduce revenue.", "`n` = orders.", DIMS),
        references=(SEED004,),
    ),
    _cust(
        id="arpu", label="Average revenue per user (ARPU)", kind=MEAN, unit="currency", direction="higher",
        description="Revenue in the period per customer active in it (a customer at any instant of it).",
        time="ordered_at", formula="mean over active customers of their order amounts in the period (0 if none)",
        requires=(*CUSTOMERS, *ORDERS), builder=_arpu, dimensions=CUSTOMER_DIMS, rows=False,
        edge_cases=(CURRENCY, "Orders of customers not in the customers table, or not active in the period, "
                    "are left out.", "Interval: t interval of the per-customer mean.", DIMS),
        references=(SEED004,),
    ),
    _cust(
        id="repeat_purchase_rate", label="Repeat purchase rate", kind=RATE, unit="percent", direction="higher",
        description="Customers with two or more orders in the period / customers with at least one.",
        fact="orders", time="ordered_at", formula="100 * count(customers with 2+ orders) / count(customers with 1+)",
        requires=ORDERS, builder=_repeat_purchase, dimensions=CUSTOMER_DIMS,
        edge_cases=("The window is the reporting period (with --grain total, the whole --from/--to range); "
                    "per acquisition cohort see `cxm cohort`.", "Orders without customer_id are left out.", DIMS),
        references=(SHOPIFY, WILSON),
    ),
)
