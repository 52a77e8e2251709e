"""Business-hours time as a column operation.

A duration in business time is ``B(end) - B(start)``, where ``B(t)`` is the
number of business seconds between a fixed origin and instant ``t``. ``B`` is
computed by joining each instant, on its local day (see clock.py), to a small
calendar of days (built here with zoneinfo, so DST days have the right length)
that carries the day's working window and the business seconds accumulated
before it: one hash join per instant column, portable to every Ibis engine,
instead of a Python loop over rows.

Several schedules (``[[schedules]]``: per team or brand, each with its zone and holidays)
are one calendar with a ``schedule`` column: each row names its schedule, its local day
is taken in that schedule's zone (a CASE over the few schedules), and the join is on
(schedule, day). ``B`` then counts each schedule's own business seconds, so
``B(end) - B(start)`` is meaningful for two instants of the same schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.periods.clock import LocalClock
from cxmetrics.periods.grain import local_midnight_utc
from cxmetrics.settings import DEFAULT_SCHEDULE, BusinessHours


def _utc(d: dt.date, t: dt.time, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(d, t, tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def calendar_frame(bh: BusinessHours, first: dt.date, last: dt.date) -> pd.DataFrame:
    """One row per local day in ``[first, last]``: d, open_e (epoch s), len_s, cum (s before the day)."""
    zone = ZoneInfo(bh.timezone or "UTC")  # resolved to the reporting zone at load
    closed = bh.closed_dates(range(first.year, last.year + 1))
    rows = []
    cum = 0.0
    d = first
    while d <= last:
        window = bh.week[d.weekday()]
        if window is None or d in closed:
            o = c = local_midnight_utc(d, zone)
        else:
            o, c = _utc(d, window[0], zone), _utc(d, window[1], zone)
        length = (c - o).total_seconds()
        rows.append((d, o.replace(tzinfo=dt.UTC).timestamp(), length, cum))
        cum += length
        d += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["d", "open_e", "len_s", "cum"])


CALENDAR_SCHEMA = ibis.schema({"d": "date", "open_e": "float64", "len_s": "float64", "cum": "float64"})


def calendar_table(bh: BusinessHours, first: dt.date, last: dt.date) -> ir.Table:
    return ibis.memtable(calendar_frame(bh, first, last), schema=CALENDAR_SCHEMA)


SCHEDULES_SCHEMA = ibis.schema({"schedule": "string", **dict(CALENDAR_SCHEMA.items())})


def schedules_frame(schedules: Mapping[str, BusinessHours], first: dt.date, last: dt.date) -> pd.DataFrame:
    """:func:`calendar_frame` of every schedule, stacked, with a ``schedule`` column."""
    parts = [calendar_frame(bh, first, last).assign(schedule=name) for name, bh in schedules.items()]
    return pd.concat(parts, ignore_index=True)[list(SCHEDULES_SCHEMA.names)]


def whole_epoch_seconds(x: ir.TimestampValue) -> ir.IntegerValue:
    """Epoch seconds of ``x`` floored to the whole second, as ``x.truncate("s")`` gives them.
    FLOOR(EPOCH(x)) costs DuckDB less than EPOCH(DATE_TRUNC('SECOND', x)), which takes each
    timestamp apart into its fields (40 -> 12 ms a column over 1M rows). Exact while a double
    tells microseconds apart: through the year 2242 (a test checks 1900-2241)."""
    return x.epoch_seconds().floor()


def epoch(x: ir.TimestampValue) -> ir.NumericValue:
    """Whole epoch seconds (floored; engines disagree on fractions, see facts.seconds)."""
    return whole_epoch_seconds(x).cast("float64")


@dataclass(frozen=True)
class BusinessClock:
    """B(t): business seconds since the calendar's first day, via an equi-join on the local day.

    With one schedule, ``calendar`` is :data:`CALENDAR_SCHEMA` and ``clock`` its zone. With
    several, ``calendar`` is :data:`SCHEDULES_SCHEMA`, ``clocks`` gives each schedule's zone
    and ``assign`` (``ticket_id``, ``schedule``) each ticket's schedule; a row's schedule is
    then the column ``key`` of :meth:`add`, else its ticket's, else ``default``."""

    calendar: ir.Table
    clock: LocalClock
    clocks: tuple[tuple[str, LocalClock], ...] = ()
    assign: ir.Table | None = None

    def add(self, t: ir.Table, cols: list[str], key: str | None = None) -> ir.Table:
        """Add ``<col>__b`` = B(col) for each instant column (null where the instant is null)."""
        if not self.clocks:
            return self._add_one(t, cols)
        names = list(t.columns)
        if key is None:
            a = (self.assign if self.assign is not None
                 else ibis.memtable({"ticket_id": [], "schedule": []}, schema={"ticket_id": "string", "schedule": "string"}))
            a = a.select(_at=a.ticket_id, _asched=a.schedule)
            t = t.left_join(a, t.ticket_id == a._at).drop("_at")
            t = t.mutate(_bsched=t._asched.fill_null(DEFAULT_SCHEDULE)).drop("_asched")
            key = "_bsched"
        for col in cols:
            c = self.calendar.view()
            day = ibis.cases(*[(t[key] == name, clk.day(t[col])) for name, clk in self.clocks],
                             else_=ibis.null("date"))
            keyed = t.mutate(_bday=day)
            j = keyed.left_join(c, [keyed[key] == c.schedule, keyed._bday == c.d])
            bval = c.cum + ibis.greatest(ibis.least(epoch(keyed[col]) - c.open_e, c.len_s), 0.0)
            t = j.select(*[keyed[n] for n in t.columns], **{f"{col}__b": bval})
        return t.select(*names, *[f"{col}__b" for col in cols])

    def _add_one(self, t: ir.Table, cols: list[str]) -> ir.Table:
        for col in cols:
            c = self.calendar.view()
            keyed = t.mutate(_bday=self.clock.day(t[col]))
            j = keyed.left_join(c, keyed._bday == c.d)
            bval = c.cum + ibis.greatest(ibis.least(epoch(keyed[col]) - c.open_e, c.len_s), 0.0)
            t = j.select(*[keyed[n] for n in t.columns], **{f"{col}__b": bval})
        return t
