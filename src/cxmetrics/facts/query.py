"""A query over the facts, and what the layers below the engine may ask of the engine.

:class:`Query` (grain, dimensions, filters, range, zone, hours, statistic) is the engine's
input (:mod:`cxmetrics.engine.core` uses it and offers it as part of its public surface),
but the fact builders and the builder metrics take one too, so it is defined here, below
them. :data:`DIMENSIONS` says where each user-facing dimension lives.

:class:`FactEngine` is the engine as the fact builders (``engine.core.FACT_BUILDERS``) and
builder metrics (``Metric.builder``) see it: the engine hands itself to them, and they
call back only what this protocol lists. :class:`cxmetrics.engine.core.Engine` implements
it; mypy checks that where the engine passes itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cxmetrics.errors import QueryError
from cxmetrics.periods.dates import parse_date
from cxmetrics.periods.grain import GRAINS

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxmetrics.facts.tickets import Facts
    from cxmetrics.periods.business import BusinessClock
    from cxmetrics.periods.clock import LocalClock
    from cxmetrics.settings import Config

#: user-facing dimension name -> (source, column)
DIMENSIONS: dict[str, tuple[str, str]] = {
    "channel": ("fact", "channel"),
    "category": ("fact", "category"),
    "priority": ("fact", "priority"),
    "team": ("fact", "team"),
    "agent": ("fact", "agent_id"),
    "agent_id": ("fact", "agent_id"),
    "brand": ("fact", "brand"),
    "product": ("fact", "product"),
    "language": ("fact", "language"),
    "status": ("fact", "status"),
    "created_by": ("fact", "created_by"),
    "customer": ("fact", "customer_id"),
    "customer_id": ("fact", "customer_id"),
    "segment": ("customers", "segment"),
    "plan": ("customers", "plan"),
    "country": ("customers", "country"),
    "acquisition_channel": ("customers", "acquisition_channel"),
    "survey": ("fact", "survey"),
    "question": ("fact", "question"),
    "queue": ("fact", "queue"),
    "topic": ("fact", "topic"),
    "currency": ("fact", "currency"),
    # SLA events (facts/sla.py): the policy that applied and the SLA metric measured
    "sla_policy": ("fact", "sla_policy"),
    "sla_metric": ("fact", "sla_metric"),
    # local hour of day (0-23) and ISO weekday (1 = Monday) of the metric's own instant
    "hour": ("time", "hour"),
    "weekday": ("time", "weekday"),
}
STATS = ("mean", "median", "p90")
HOURS = ("calendar", "business")


@dataclass(frozen=True)
class Query:
    grain: str = "month"
    by: tuple[str, ...] = ()
    from_: dt.date | None = None
    to: dt.date | None = None
    tz: str | None = None
    hours: str = "calendar"
    stat: str = "median"
    where: tuple[tuple[str, str], ...] = ()

    def validate(self) -> None:
        if self.grain not in GRAINS:
            raise QueryError(f"unknown grain {self.grain!r}; use one of {', '.join(GRAINS)}")
        for d in list(self.by) + [w[0] for w in self.where]:
            if d not in DIMENSIONS:
                raise QueryError(f"unknown dimension {d!r}; use one of {', '.join(DIMENSIONS)}")
        if self.hours not in HOURS:
            raise QueryError(f"--hours must be calendar or business, not {self.hours!r}")
        if self.stat not in STATS:
            raise QueryError(f"--stat must be one of {', '.join(STATS)}, not {self.stat!r}")
        for option, day in (("--from", self.from_), ("--to", self.to)):
            if day is not None:
                parse_date(day, option)
        if self.from_ and self.to and self.from_ > self.to:
            raise QueryError(f"--from {self.from_} is after --to {self.to}")
        if len(set(self.by)) != len(self.by):
            raise QueryError("a dimension is repeated in --by")


def split_where(items: list[str] | tuple[str, ...] | None, option: str = "--where") -> list[tuple[str, str]]:
    """``DIM=VALUE`` filter texts (CLI options, API parameters) as (dimension, value) pairs."""
    out = []
    for item in items or []:
        if "=" not in item:
            raise QueryError(f"{option} expects DIM=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out.append((k.strip(), v))
    return out


class FactEngine(Protocol):
    """What fact builders and builder metrics may ask of the engine that calls them
    (see :class:`cxmetrics.engine.core.Engine` for each method)."""

    config: Config

    def source(self, name: str) -> ir.Table:
        """A canonical table with its declared columns (empty where the store lacks it)."""
        ...

    def fact_table(self, name: str, hours: str) -> ir.Table:
        """A fact table by name (the ticket facts, or one of ``FACT_BUILDERS``)."""
        ...

    def prepared(self, fact_name: str, time: str, dims: list[str] | tuple[str, ...], q: Query, *,
                 level: bool = False, where: Any = None) -> ir.Table:
        """A fact's rows in the query's range with ``period_start`` and ``_d_<dim>`` columns."""
        ...

    def periods(self, q: Query) -> pd.DataFrame:
        """The query's periods as UTC bounds."""
        ...

    def clock(self, tz: str) -> LocalClock:
        """Local wall time in ``tz`` over the data's range."""
        ...

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Earliest ticket creation and latest instant in the support tables (the 'as of')."""
        ...

    def stage(self, name: str, t: ir.Table) -> ir.Table:
        """A builder's intermediate step that is read more than once, materialised when the engine caches."""
        ...

    def business_clock(self) -> BusinessClock:
        """Business time over the data's range from ``[business_hours]``."""
        ...

    def facts(self, hours: str = "calendar") -> Facts:
        """The ticket facts (tickets, waits, backlog events) in calendar or business hours."""
        ...

    def status_spans(self) -> ir.Table:
        """Closed status spans of the tickets with status changes (the stored ``spans`` fact)."""
        ...
