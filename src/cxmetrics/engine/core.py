"""The one engine behind CLI, API, reports and dashboard.

It turns a metric definition plus a query (grain, dimensions, filters, time
zone, hours) into an Ibis expression, runs it on whatever backend holds the
canonical tables (DuckDB by default, Spark at scale) and shapes the result
into flat records (SPEC 5.1).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.common.exceptions import TableNotFound

from cxmetrics.engine.compare import COMPARE_COLUMNS, Comparison, compare_results
from cxmetrics.engine.records import (
    BASE_COLUMNS,
    VALUE_COLUMNS,
    Result,
    make_result,
    period_positions,
    records_frame,
    to_records,
)
from cxmetrics.engine.targets import TARGET_COLUMNS, apply_targets, check_targets
from cxmetrics.errors import QueryError
from cxmetrics.facts.contact import calls_for, carts_for
from cxmetrics.facts.customers import customers_for, orders_for
from cxmetrics.facts.issues import issues_for
from cxmetrics.facts.query import DIMENSIONS, FactEngine, Query
from cxmetrics.facts.responses import invitations_for, responses_for
from cxmetrics.facts.sla import sla_for
from cxmetrics.facts.tickets import BaseFacts, Facts, Sources, base_facts, query_facts, seconds
from cxmetrics.facts.work import ratings_for, reply_waits_for, ticket_work_for
from cxmetrics.metrics.registry import Metric, all_metrics, get
from cxmetrics.model import schema
from cxmetrics.periods.clock import LocalClock, clock_for
from cxmetrics.periods.dates import parse_date
from cxmetrics.periods.grain import (
    COMPARE_MODES,
    Period,
    PeriodSpec,
    periods_between,
)
from cxmetrics.settings import Config, zone

if TYPE_CHECKING:
    from cxmetrics.periods.business import BusinessClock

# Query and DIMENSIONS (cxmetrics.facts.query) are part of the engine's public surface too: they
# are defined below the engine because fact builders and builder metrics take queries as well.

#: Fact tables other than the ticket facts: name -> builder (the engine passes itself, as a
#: :class:`~cxmetrics.facts.query.FactEngine`). The engine builds each once per query session.
FACT_BUILDERS: dict[str, Callable[[FactEngine], ir.Table]] = {
    "responses": responses_for,
    "invitations": invitations_for,
    "issues": issues_for,
    "customers": customers_for,
    "orders": orders_for,
    "calls": calls_for,
    "carts": carts_for,
    "ratings": ratings_for,
}
#: Fact tables whose durations follow --hours: name -> builder(engine, hours), built once per
#: engine and hours.
HOURLY_FACT_BUILDERS: dict[str, Callable[[FactEngine, str], ir.Table]] = {
    "sla": sla_for,
    "ticket_work": ticket_work_for,
    "reply_waits": reply_waits_for,
}


#: Queries that compute a non-ticket fact table inside themselves before the engine keeps it
#: (materialised for its life): over 1M tickets the SLA events cost 0.53 s to keep, more than a
#: second computation inside the query that reads them (all support metrics 2.73-3.19 -> 2.29-2.41
#: s in process); a report or a server's kept engine asks each many times and keeps it.
FACT_CACHE_AFTER = 2


def _empty_table(name: str) -> ir.Table:
    t = schema.table(name)
    types = {"string": "string", "timestamp": "timestamp", "int": "int64", "float": "float64", "bool": "boolean"}
    sch = ibis.schema({c.name: types[c.type] for c in t.columns})
    return ibis.memtable(pd.DataFrame({c: pd.Series(dtype=object) for c in sch.names}), schema=sch)


@dataclass
class Engine:
    con: Any
    config: Config = field(default_factory=Config)
    cache: bool = True
    base: BaseFacts | None = None
    _facts: dict[str, Facts] = field(default_factory=dict, repr=False)
    _bounds: tuple[dt.datetime | None, dt.datetime | None] | None = field(default=None, repr=False)
    _other_facts: dict[str, ir.Table] = field(default_factory=dict, repr=False)
    _fact_exprs: dict[str, ir.Table] = field(default_factory=dict, repr=False)
    _asked: dict[str, int] = field(default_factory=dict, repr=False)  # fact tables asked for, not cached yet
    _sources: dict[str, ir.Table] = field(default_factory=dict, repr=False)
    _business: list[BusinessClock] = field(default_factory=list, repr=False)
    _spend_bounds: tuple[dt.datetime | None, dt.datetime | None] | None = field(default=None, repr=False)
    #: results of one period each, cut from a query over several (:meth:`_keep_periods`)
    #: a period of an earlier query over several: (that query's result, the period's position),
    #: cut out when asked for (most are never asked for)
    _period_results: dict[tuple[str, Query], tuple[Result, int]] = field(default_factory=dict, repr=False)
    _duration_values: dict[tuple[str, Query], dict[tuple[Any, ...], np.ndarray]] = field(default_factory=dict,
                                                                                         repr=False)

    # -- inputs ----------------------------------------------------------
    def source(self, name: str) -> ir.Table:
        """A canonical table's columns (once per engine: each costs a ``DESCRIBE``)."""
        if name not in self._sources:
            try:
                t = self.con.table(name).select(*schema.table(name).names)
            except TableNotFound:  # a store made before this table existed: the table is empty
                t = _empty_table(name)
            self._sources[name] = t
        return self._sources[name]

    def sources(self) -> Sources:
        return Sources(*(self.source(n) for n in ("tickets", "messages", "status_changes", "work_sessions")))

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Earliest ticket creation and latest instant in the support tables (the 'as of')."""
        if self._bounds is None:
            # (table, columns that start the history, columns that may end it)
            spec = (("tickets", ("created_at",), ("created_at", "solved_at", "first_reply_at")),
                    ("messages", (), ("created_at",)), ("status_changes", (), ("changed_at",)),
                    ("survey_responses", ("responded_at",), ("responded_at",)),
                    ("survey_invitations", ("sent_at",), ("sent_at",)), ("calls", ("offered_at",), ("offered_at",)),
                    ("orders", ("ordered_at",), ("ordered_at",)), ("carts", ("created_at",), ("created_at",)),
                    ("customers", (), ("acquired_at", "churned_at")))
            parts = []
            for name, lows, highs in spec:
                t = self.source(name)
                parts.append(t.aggregate(
                    lo=ibis.least(*[t[c].min() for c in lows]) if len(lows) > 1 else (
                        t[lows[0]].min() if lows else ibis.null("timestamp")),
                    hi=ibis.greatest(*[t[c].max() for c in highs]) if len(highs) > 1 else t[highs[0]].max(),
                    acquired=t.acquired_at.min() if name == "customers" else ibis.null("timestamp"),
                ).cast({"lo": "timestamp", "hi": "timestamp", "acquired": "timestamp"}))
            row = ibis.union(*parts).aggregate(lo=lambda u: u.lo.min(), hi=lambda u: u.hi.max(),
                                               acquired=lambda u: u.acquired.min()).execute().iloc[0]

            def clean(v: Any) -> dt.datetime | None:
                return None if v is None or pd.isna(v) else pd.Timestamp(v).to_pydatetime()

            lo = clean(row["lo"])
            if lo is None:  # customers only: their history is the range
                lo = clean(row["acquired"])
            self._bounds = (lo, clean(row["hi"]))
        return self._bounds

    def coverage(self, m: Metric) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The instants a metric has data for: periods outside them report no data, not zeros.

        Events end at the data's last instant. Customer and money metrics describe a
        snapshot (customers, spend periods) that holds until today, so theirs end now."""
        lo, hi = self.bounds()
        if m.domain != "customers":
            return lo, hi
        if self._spend_bounds is None:
            t = self.source("marketing_spend")
            row = t.aggregate(lo=t.period_start.min(), hi=t.period_end.max()).execute().iloc[0]
            s_lo, s_hi = (None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in (row["lo"], row["hi"]))
            self._spend_bounds = (s_lo, s_hi)
        s_lo, s_hi = self._spend_bounds
        los = [x for x in (lo, s_lo) if x is not None]
        if not los:
            return None, None
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return min(los), max(x for x in (hi, s_hi, now) if x is not None)

    def clock(self, tz: str) -> LocalClock:
        lo, hi = self.bounds()
        return clock_for(tz, lo, hi)

    def business_clock(self) -> BusinessClock:
        """Business time over the data's range: ``[business_hours]``, or with ``[[schedules]]``
        each ticket's schedule as it was created (facts/schedules.py)."""
        from cxmetrics.facts.schedules import schedule_clock, ticket_schedules

        if self._business:
            return self._business[0]
        lo, hi = self.bounds()
        first = (lo or dt.datetime(2000, 1, 1)).date() - dt.timedelta(days=2)
        last = (hi or dt.datetime(2000, 1, 1)).date() + dt.timedelta(days=2)
        assign = None
        if self.config.schedules:
            assign = ticket_schedules(self.source("tickets"), self.source("field_changes"), self.config)
            if self.cache:
                assign = assign.cache()
        self._business.append(schedule_clock(self.config, first, last, self.clock, assign))
        return self._business[0]

    def bounds_known(self) -> tuple[dt.datetime | None, dt.datetime | None] | None:
        """:meth:`bounds` if this engine has asked for them already, else ``None`` (no query)."""
        return self._bounds

    def set_bounds(self, bounds: tuple[dt.datetime | None, dt.datetime | None]) -> None:
        """The data's bounds, known from another engine over the same version of the data
        (the server asks once per data stamp: a query over every support table)."""
        self._bounds = bounds

    def forget_answers(self) -> None:
        """Drop what this engine kept of the queries it answered (periods cut from a longer
        query, duration values) and keep what the data alone decides (facts, sources, clocks,
        bounds): a long-lived engine (the server keeps a few between requests) must not grow
        with every question asked."""
        self._period_results.clear()
        self._duration_values.clear()

    def stage(self, name: str, t: ir.Table) -> ir.Table:
        """A fact builder's intermediate step, materialised when this engine caches (see
        :data:`cxmetrics.facts.tickets.Stage`), else kept lazy."""
        return _stage(name, t) if self.cache else t

    def _base_facts(self) -> BaseFacts:
        """The stored base facts this engine was given, else their derivation (staged), once."""
        if self.base is None:
            self.base = base_facts(self.sources(), self.stage)
        return self.base

    def facts(self, hours: str = "calendar") -> Facts:
        if hours not in self._facts:
            biz = self.business_clock() if hours == "business" else None
            f = query_facts(self._base_facts(), business=biz, repeat_window_days=self.config.fcr_repeat_window_days)
            f = Facts(self._with_targets(f.tickets, biz), f.waits, f.backlog_events)
            if self.cache and biz is not None:  # business time costs joins: do them once
                f = Facts(*(x.cache() for x in (f.tickets, f.waits, f.backlog_events)))
            self._facts[hours] = f
        return self._facts[hours]

    def status_spans(self) -> ir.Table:
        """The closed status spans of tickets with status changes ([change, next change) and
        [created, first change)): the stored ``spans`` fact, or its staged derivation."""
        return self._base_facts().spans

    def feedback_facts(self) -> dict[str, ir.Table]:
        """Survey responses and invitations with types, scales and ticket dimensions."""
        return {name: self.fact_table(name, "calendar") for name in ("responses", "invitations")}

    def fact_table(self, name: str, hours: str) -> ir.Table:
        """A fact table by name: the ticket facts, or one from ``FACT_BUILDERS``
        (built once per engine and cached; they do not depend on --hours)."""
        if name in ("tickets", "waits", "backlog_events"):
            return getattr(self.facts(hours), name)
        key = _fact_key(name, hours)
        if key in self._other_facts:
            return self._other_facts[key]
        t = self._fact_expr(name, hours)
        asked = self._asked.get(key, 0)
        if self.cache and asked < FACT_CACHE_AFTER:
            # The first questions run it lazily: a fact table one or two queries read (a
            # command's answer) costs less computed inside them than materialised first.
            self._asked[key] = asked + 1
            return t
        self._other_facts[key] = t.cache() if self.cache else t
        return self._other_facts[key]

    def fact_columns(self, name: str) -> list[str]:
        """A fact table's columns (of its calendar-time version), without running or caching it."""
        if name in ("tickets", "waits", "backlog_events"):
            return list(getattr(self.facts("calendar"), name).columns)
        key = _fact_key(name, "calendar")
        if key in self._other_facts:
            return list(self._other_facts[key].columns)
        return list(self._fact_expr(name, "calendar").columns)

    def _fact_expr(self, name: str, hours: str) -> ir.Table:
        """A fact table's expression, built once per engine (and hours), not yet cached."""
        key = _fact_key(name, hours)
        if key not in self._fact_exprs:
            if name in HOURLY_FACT_BUILDERS:
                t = HOURLY_FACT_BUILDERS[name](self, hours)
            elif name in FACT_BUILDERS:
                t = FACT_BUILDERS[name](self)
            else:
                raise ValueError(f"no fact table {name!r}")
            self._fact_exprs[key] = t
        return self._fact_exprs[key]

    def _with_targets(self, t: ir.Table, biz: BusinessClock | None) -> ir.Table:
        """SLA targets per ticket (priority overrides channel) and the age of open tickets."""
        c = self.config
        as_of = self.bounds()[1]

        def target(by_channel: dict[str, float], by_priority: dict[str, float]) -> ir.Value:
            default = ibis.literal(by_channel.get("default"), "float64")
            named = [(t.channel == k, v) for k, v in by_channel.items() if k != "default"]
            ch = ibis.cases(*named, else_=default) if named else default
            if by_priority:
                return ibis.cases(*[(t.priority == k, v) for k, v in by_priority.items()], else_=ch)
            return ch

        t = t.mutate(frt_target_s=target(c.sla_first_reply, c.sla_priority_first_reply).cast("float64"),
                     res_target_s=target(c.sla_resolution, c.sla_priority_resolution).cast("float64"),
                     as_of=ibis.literal(as_of or dt.datetime(1970, 1, 1), "timestamp"))
        if biz is not None:
            t = biz.add(t, ["as_of"])
            age = t.as_of__b - t.created_at__b
        else:
            age = seconds(t.created_at, t.as_of)
        return t.mutate(open_age_s=age)

    # -- building one metric's query ---------------------------------------
    # -- building one metric's query ---------------------------------------
    def applicable(self, q: Query) -> list[Metric]:
        """Every metric whose facts have the query's dimensions (for 'all metrics').

        Reads the fact tables' columns from their expressions: nothing is run or cached here."""
        wanted = (*q.by, *(w[0] for w in q.where))
        needed = [DIMENSIONS[d][1] for d in wanted if DIMENSIONS[d][0] == "fact"]
        if not wanted:
            return list(all_metrics())
        cols = {name: set(self.fact_columns(name)) for name in {m.fact for m in all_metrics()}} if needed else {}
        return [m for m in all_metrics() if all(c in cols[m.fact] for c in needed)
                and (m.dimensions is None or all(d in m.dimensions for d in wanted))]

    def date_range(self, q: Query) -> tuple[dt.date, dt.date]:
        """The query's first and last local dates (from the data where not given)."""
        if q.from_ and q.to:
            return q.from_, q.to
        tz = q.tz or self.config.timezone
        lo, hi = self.bounds()
        zi = ZoneInfo(tz)
        start = q.from_ or (_local_date(lo, zi) if lo else dt.date.today())
        end = q.to or (_local_date(hi, zi) if hi else start)
        return start, max(end, start)

    def period_list(self, q: Query) -> list[Period]:
        """The query's periods (the period algebra), cut to its range."""
        start, end = (q.from_, q.to) if q.grain == "total" else self.date_range(q)
        return periods_between(q.grain, start, end)

    def periods(self, q: Query) -> pd.DataFrame:
        """The query's periods as UTC bounds: period_index, period_start (date or None), p_start, p_end."""
        tz = q.tz or self.config.timezone
        zone(tz)
        start, end = (q.from_, q.to) if q.grain == "total" else self.date_range(q)
        return _period_frame(PeriodSpec(q.grain, tz, start, end)).copy()

    def as_of_date(self, tz: str) -> dt.date | None:
        """The local date of the data's last instant: periods are cut there for comparison."""
        hi = self.bounds()[1]
        return _local_date(hi, ZoneInfo(tz)) if hi else None

    def prepared(self, fact_name: str, time: str, dims: list[str] | tuple[str, ...], q: Query, *,
                 level: bool = False, where: Any = None) -> ir.Table:
        """The fact rows of the query's range with ``period_start`` (local date of the row's
        period) and a ``_d_<dim>`` column per dimension, filtered by the query's --where
        and by ``where``. ``level``: keep every row before the range too (a stock carries
        its history), attributed to the first period. Drill-down, comments and timelines
        start from these rows, so they list exactly what the metrics count."""
        fact = self.fact_table(fact_name, q.hours)
        needed = set(dims) | {w[0] for w in q.where}
        for d in sorted(needed):
            src, col = DIMENSIONS[d]
            if src == "fact" and col not in fact.columns:
                raise QueryError(f"dimension {d!r} does not apply to {fact_name} metrics")
        if any(DIMENSIONS[d][0] == "customers" for d in needed):
            cust = self.source("customers").select("customer_id", "segment", "plan", "country", "acquisition_channel")
            # a view: a fact derived with a join of its own (survey responses take their customer
            # from the ticket) cannot take another join in Ibis without one (IntegrityError)
            fact = fact.view().left_join(cust, "customer_id").drop("customer_id_right")
        local = None
        if any(DIMENSIONS[d][0] == "time" for d in needed):
            local = self.clock(q.tz or self.config.timezone).local(fact[time])

        def dim(d: str) -> ir.Value:
            src, col = DIMENSIONS[d]
            if src == "time":
                assert local is not None
                return local.hour() if col == "hour" else (local.day_of_week.index() + 1)
            return fact[col]

        fact = fact.mutate(**{f"_d_{d}": dim(d) for d in sorted(needed)})
        for d in sorted({w[0] for w in q.where}):
            values = [v for k, v in q.where if k == d]
            fact = fact.filter(fact[f"_d_{d}"].isin(values))
        if where is not None:
            fact = fact.filter(where(fact))

        pdf = self.periods(q)
        lo, hi = pdf["p_start"].iloc[0].to_pydatetime(), pdf["p_end"].iloc[-1].to_pydatetime()
        tcol = fact[time]
        in_range = tcol < ibis.literal(hi, "timestamp")
        if not level:  # a level carries everything before the first period
            in_range &= tcol >= ibis.literal(lo, "timestamp")
        j = fact.filter(tcol.notnull() & in_range)
        tcol = j[time]
        if q.grain == "total":
            return j.mutate(period_start=ibis.literal(None, "date"))
        bucket = self.clock(q.tz or self.config.timezone).period(tcol, q.grain)
        if level:
            first = pdf["period_start"].iloc[0]
            bucket = ibis.ifelse(tcol < ibis.literal(lo, "timestamp"), ibis.date(first), bucket)
        return j.mutate(period_start=bucket)

    def population(self, m: Metric, q: Query, dims: list[str] | tuple[str, ...] = ()) -> ir.Table:
        """The prepared rows a metric aggregates (for a ratio: its numerator's rows)."""
        return self.prepared(m.fact, m.time, dims, q, level=getattr(m.kind, "carries_history", False),
                             where=m.where if m.kind.filters_first else None)

    def expr(self, key: str | Metric, q: Query) -> ir.Table:
        """The aggregated Ibis expression for one metric (one row per period x group).

        Shares and levels filter their population first; the other kinds use it as
        a FILTER on their aggregates, exactly as in a batched query."""
        m = key if isinstance(key, Metric) else get(key)
        q.validate()
        if m.builder is not None:
            return m.builder(self, q)
        dims = _metric_dims(m, q)
        j = self.population(m, q, dims)
        part = ["period_start"] + [f"_d_{d}" for d in q.by if d != m.share_dim]
        out = m.kind.aggregate(m, j, ["period_start"] + [f"_d_{d}" for d in dims], part)
        return out.rename({d: f"_d_{d}" for d in dims})

    def denominator_expr(self, m: Metric, q: Query) -> ir.Table:
        """Rows of a ratio metric's denominator fact (e.g. invitations sent)."""
        dims = list(q.by)
        j = self.prepared(m.denominator_fact or "", m.denominator_time or "", dims, q, where=m.denominator_where)
        out = j.group_by(["period_start"] + [f"_d_{d}" for d in dims]).aggregate(denominator=j.count())
        return out.rename({d: f"_d_{d}" for d in dims})

    def batch_expr(self, metrics: list[Metric], q: Query) -> ir.Table:
        """One query for several metrics sharing a fact table and attribution: each
        metric's population becomes a FILTER on its aggregates (same numbers as
        :meth:`expr`, one scan instead of many)."""
        m0 = metrics[0]
        dims = list(q.by)
        j = self.prepared(m0.fact, m0.time, dims, q)
        aggs: dict[str, ir.Value] = {}
        for i, m in enumerate(metrics):
            aggs.update(m.kind.aggregates(m, j, f"m{i}__", m.where(j) if m.where is not None else None))
        out = j.group_by(["period_start"] + [f"_d_{d}" for d in dims]).aggregate(**aggs)
        return out.rename({d: f"_d_{d}" for d in dims})

    def sql(self, key: str, q: Query | None = None) -> str:
        q = q or Query(grain="month")
        m = get(key)
        text = str(ibis.to_sql(self.expr(m, q), dialect=self.con.name))
        if m.denominator_fact is not None:
            text = (f"-- numerator\n{text};\n\n-- denominator\n"
                    f"{ibis.to_sql(self.denominator_expr(m, q), dialect=self.con.name)}")
        return text

    # -- results -----------------------------------------------------------
    def result(self, key: str | Metric, q: Query) -> Result:
        """One metric's typed aggregates for the query (one query, or two for a ratio)."""
        m = key if isinstance(key, Metric) else get(key)
        raw = self.expr(m, q).execute()
        if m.denominator_fact is not None:
            den = self.denominator_expr(m, q).execute()
            keys = ["period_start", *q.by]
            raw = raw.merge(den, on=keys, how="outer")
        sparse = m.builder is None and not m.kind.filters_first and m.denominator_fact is None
        return make_result(m, q, raw, self.periods(q), self.coverage(m), sparse=sparse)

    def results(self, keys: list[str], q: Query) -> dict[str, Result]:
        """Typed aggregates per metric, batching the metrics that can share a scan."""
        metrics = [get(k) for k in keys]
        out: dict[str, Result] = {}
        for m in metrics:  # a period an earlier query of this engine computed
            kept = self._period_results.get((m.key, q))
            if kept is not None:
                out[m.key] = _one_period(kept[0], kept[1], q)
        groups: dict[tuple[str, str], list[Metric]] = {}
        for m in metrics:
            if m.key not in out and m.kind.batchable and m.builder is None and m.denominator_fact is None:
                groups.setdefault((m.fact, m.time), []).append(m)
        periods = self.periods(q)
        for group in groups.values():
            if len(group) < 2:
                continue
            raw = self.batch_expr(group, q).execute()
            base = raw[[c for c in raw.columns if "__" not in c or c.startswith("_d_")]]
            for i, m in enumerate(group):
                part = raw[[c for c in raw.columns if c.startswith(f"m{i}__")]]
                part = part.rename(columns=lambda c: c.split("__", 1)[1])
                out[m.key] = make_result(m, q, pd.concat([base, part], axis=1), periods, self.coverage(m),
                                         sparse=True)
        for m in metrics:
            if m.key not in out:
                out[m.key] = self.result(m, q)
        self._keep_periods(q, out)
        return {k: out[k] for k in keys}

    def _keep_periods(self, q: Query, results: dict[str, Result]) -> None:
        """Keep each period of a query over several as the result of that period's own query
        (the report's 13 months hold the month, the month before and the month a year
        before, which its comparisons ask for next). Only where that is the same result:
        metrics whose value in a period depends on that period's rows alone
        (:func:`_period_local`), without groups (a period's own query lists only its own),
        periods with known dates."""
        if q.grain == "total" or q.by or q.from_ is None or q.to is None:
            return
        plist = self.period_list(q)
        if len(plist) < 2:
            return
        for key, r in results.items():
            if not _period_local(r.metric) or r.metric.share_dim or len(r.frame) != len(plist):
                continue
            for i, p in enumerate(plist):
                self._period_results.setdefault((key, replace(q, from_=p.first, to=p.last)), (r, i))

    def duration_values(self, m: Metric, q: Query) -> dict[tuple[Any, ...], np.ndarray]:
        """A duration metric's values per (period_index, *dims) of ``q`` (for the median test;
        once per engine: a comparison in both modes asks for the current values twice)."""
        kept = self._duration_values.get((m.key, q))
        if kept is None:
            kept = self._duration_values[(m.key, q)] = self._query_duration_values(m, q)
        return kept

    def _query_duration_values(self, m: Metric, q: Query) -> dict[tuple[Any, ...], np.ndarray]:
        dims = list(q.by)
        j = self.prepared(m.fact, m.time, dims, q, where=m.where)
        df = j.select("period_start", *[f"_d_{d}" for d in dims], _v=m.value(j)).execute()  # type: ignore[misc]
        df = df[df["_v"].notna()]
        out: dict[tuple[Any, ...], np.ndarray] = {}
        if df.empty:
            return out
        if q.grain == "total":
            pidx = np.zeros(len(df), dtype="int64")
        else:
            # each row's period by a vectorised lookup of its start (a Python loop over the rows
            # took 1.8 s of the 1M-ticket first screen's 5.9 s); rows outside the periods go
            pidx = period_positions([p.start for p in self.period_list(q)], df["period_start"])
            df = df[pidx >= 0]
            pidx = pidx[pidx >= 0]
        cols = [df[f"_d_{d}"].astype("object").where(df[f"_d_{d}"].notna(), None) for d in dims]
        keyed = pd.DataFrame({"_p": pidx, **{f"k{i}": c.to_numpy() for i, c in enumerate(cols)},
                              "_v": df["_v"].to_numpy("float64")})
        for k, g in keyed.groupby(["_p", *[f"k{i}" for i in range(len(dims))]], dropna=False, sort=False):
            key = tuple(None if (isinstance(x, float) and np.isnan(x)) else x for x in (k if isinstance(k, tuple) else (k,)))
            out[key] = g["_v"].to_numpy("float64")
        return out

    def compare(self, current: dict[str, Result], mode: str) -> dict[str, Comparison]:
        """Each result's comparison with its previous periods (:meth:`Period.previous`)."""
        if not current:
            return {}
        q = next(iter(current.values())).query
        return compare_results(self, current, q, mode)

    def frame(self, ids: list[str] | None = None, *, grain: str = "month", by: list[str] | tuple[str, ...] = (),
              from_: dt.date | str | None = None, to: dt.date | str | None = None, tz: str | None = None,
              hours: str = "calendar", stat: str = "median",
              where: dict[str, str] | list[tuple[str, str]] | None = None,
              compare: str | None = None) -> pd.DataFrame:
        """Tidy DataFrame: one row per metric x period x group, SPEC 5.1 columns
        (plus the comparison columns with ``compare``). ``period_start`` holds dates."""
        w = tuple(where.items()) if isinstance(where, dict) else tuple(where or ())
        q = Query(grain=grain, by=tuple(by), from_=parse_date(from_), to=parse_date(to), tz=tz, hours=hours,
                  stat=stat, where=w)
        q.validate()
        check_targets(self.config)
        keys = ids or [m.key for m in self.applicable(q)]
        if compare is not None:
            if compare not in COMPARE_MODES:
                raise QueryError(f"--compare must be previous or year, not {compare!r}")
            if q.grain == "total" and (q.from_ is None or q.to is None):
                raise QueryError("--compare with --grain total needs --from and --to")
            start, end = self.date_range(q)
            q = replace(q, from_=start, to=end)
        current = self.results(keys, q)
        comparisons = self.compare(current, compare) if compare is not None else {}
        frames = [apply_targets(r.metric, records_frame(r, comparisons.get(k)), self.config)
                  for k, r in current.items()]
        extra = (COMPARE_COLUMNS if compare is not None else []) + TARGET_COLUMNS
        dims: list[str] = []
        for f in frames:
            dims += [c for c in f.columns if c not in BASE_COLUMNS + VALUE_COLUMNS + extra and c not in dims]
        cols = BASE_COLUMNS + dims + VALUE_COLUMNS + extra
        frames = [f if list(f.columns) == cols else f.reindex(columns=cols) for f in frames]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def records(self, ids: list[str] | None = None, **kw: Any) -> list[dict[str, Any]]:
        return to_records(self.frame(ids, **kw))


def _one_period(r: Result, i: int, q: Query) -> Result:
    """Period ``i`` of ``r`` as the result of its own query ``q``."""
    frame = r.metric.kind.period_row(r.frame, i)
    frame["period_index"] = np.zeros(1, dtype="int64")
    return Result(r.metric, q, [r.periods[i]], frame, as_of=r.as_of, p_end=[r.p_end[i]])


def _period_local(m: Metric) -> bool:
    """A metric whose record in a period equals that period's own query (:attr:`Kind.separable`):
    every kind but a share. That includes the builders: the customer stocks, churn, retention
    and money metrics compute each period from its own rows of the customer x period table
    (:func:`cxmetrics.facts.customers.periods_table`), a stock's delta over the period before
    adding back up to the same level; a level's query carries all history before its first
    period, so its level at a period's end is the same from any first period. A test checks
    every metric kept against its own query, over several time zones and grains."""
    return m.kind.separable


def _metric_dims(m: Metric, q: Query) -> list[str]:
    """The query's dimensions plus a share's own (a share by its own dimension is the plain share)."""
    return list(q.by) + ([m.share_dim] if m.share_dim and m.share_dim not in q.by else [])



def _stage(_name: str, t: ir.Table) -> ir.Table:
    """Cache on the table's backend; an expression over in-memory tables only (a missing
    canonical table) would be cached on Ibis's default backend, so it stays lazy."""
    import ibis.expr.operations as ops

    return t.cache() if t.op().find(ops.DatabaseTable) else t



def _fact_key(name: str, hours: str) -> str:
    """A non-ticket fact table's key per engine: hourly ones have a version per ``hours``."""
    return f"{name}@{hours}" if name in HOURLY_FACT_BUILDERS else name


@functools.lru_cache(maxsize=256)
def _period_frame(spec: PeriodSpec) -> pd.DataFrame:
    """A spec's periods (pure: the same spec, the same frame; callers get a copy)."""
    return spec.frame()


def _local_date(instant: dt.datetime, zi: ZoneInfo) -> dt.date:
    return instant.replace(tzinfo=dt.UTC).astimezone(zi).date()




