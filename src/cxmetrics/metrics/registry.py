"""The metric catalogue: every metric is one frozen, declarative definition.

A definition names the fact table it aggregates, the instant it is attributed
to, the population it counts (``where``) and, by kind, what it measures:

* ``count``    number of fact rows;
* ``rate``     share of the population meeting ``condition``, in percent;
* ``duration`` seconds per row; records carry mean, median and p90;
* ``mean``     mean of ``value`` per row (e.g. replies);
* ``share``    share of the population in each value of ``share_dim``;
* ``level``    a stock at the period's end (the backlog), from +/-1 events;
* ``nps``      % promoters - % detractors of the population;
* ``ratio``    distinct ``distinct`` keys of one fact / rows of ``denominator_fact``
               (e.g. survey responses / invitations), each attributed to its own time;
* ``sum``      total of ``value`` over the rows (e.g. money); ``n`` = rows, no interval.

Reports, CLI, API and dashboard only ever look metrics up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.types as ir

from cxmetrics.errors import UnknownMetric
from cxmetrics.facts.query import FactEngine, Query
from cxmetrics.metrics.kinds import Kind

Direction = Literal["higher", "lower", "neutral"]
Expr = Callable[[ir.Table], ir.Value]
#: A builder metric's query: the engine (as the facts see it) and the query -> the aggregated table.
Builder = Callable[[FactEngine, Query], ir.Table]


@dataclass(frozen=True)
class Reference:
    source: str
    note: str = ""


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    description: str
    #: what it measures (a :class:`~cxmetrics.metrics.kinds.Kind`)
    kind: Kind
    unit: str
    direction: Direction
    fact: str
    time: str
    formula: str
    requires: tuple[str, ...]
    where: Expr | None = None
    condition: Expr | None = None
    value: Expr | None = None
    share_dim: str | None = None
    edge_cases: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    variant: str | None = None
    base: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    domain: str = "support"
    #: the population's answers that were skipped (no score): counted, not scored
    skipped: Expr | None = None
    distinct: Expr | None = None
    denominator_fact: str | None = None
    denominator_time: str | None = None
    denominator_where: Expr | None = None
    #: (value, source) of an industry benchmark shown when the team has no target
    benchmark: tuple[float, str] | None = None
    benchmark_by_channel: dict[str, float] = field(default_factory=dict)
    #: For metrics no generic kind expresses (e.g. churn: lost in the period over
    #: customers at its start): ``builder(engine, query)`` returns the aggregated
    #: Ibis table itself, with ``period_start``, ``_d_<dim>`` per --by dimension and
    #: the columns of its kind (count: n; rate/ratio: numerator, denominator;
    #: mean/duration: n, mean, median, p90, std).
    builder: Builder | None = None
    #: The only dimensions (--by and --where) the metric supports; ``None``: those of its fact.
    #: Builder metrics set it so "all metrics" leaves them out instead of failing.
    dimensions: tuple[str, ...] | None = None

    #: Values of periods ending less than this many days before the data's last instant are
    #: still maturing (their tickets had less time to be resolved, reopened, answered):
    #: flagged ``maturing`` and given no better/worse verdict.
    matures_days: int = 0
    #: The value is an aggregate over rows that can be listed (``cxm``'s drill-down, GET /rows);
    #: False for prorated sums and ratios of totals (spend, CAC, ARPU): no "Show rows" for them.
    rows: bool = True

    @property
    def key(self) -> str:
        return f"{self.base}:{self.variant}" if self.variant else self.id

    @property
    def required_tables(self) -> list[str]:
        """The tables of ``requires`` (``table.column``) the metric cannot do without; alternatives
        (``a|b``) mark optional inputs (contacts per issue chains calls when there are any)."""
        return sorted({req.split(".")[0] for req in self.requires if "|" not in req})


_REGISTRY: dict[str, Metric] = {}


def register(*metrics: Metric) -> None:
    for m in metrics:
        if m.key in _REGISTRY:
            raise ValueError(f"metric {m.key} registered twice")
        _REGISTRY[m.key] = m


#: Modules whose ``METRICS`` tuples make up the catalogue, in display order.
DOMAINS = ("cxmetrics.metrics.support", "cxmetrics.metrics.sla", "cxmetrics.metrics.feedback", "cxmetrics.metrics.effort",
           "cxmetrics.metrics.customers", "cxmetrics.metrics.contact")


def _load() -> None:
    if _REGISTRY:
        return
    import importlib

    for mod in DOMAINS:
        register(*importlib.import_module(mod).METRICS)


def all_metrics() -> list[Metric]:
    _load()
    return list(_REGISTRY.values())


def get(key: str) -> Metric:
    _load()
    try:
        return _REGISTRY[key]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(key, list(_REGISTRY), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `cxm catalog`"
        raise UnknownMetric(f"unknown metric {key!r}{hint}") from None
