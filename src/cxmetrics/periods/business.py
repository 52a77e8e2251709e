"""Business-hours time as a column operation.

A duration in business time is ``B(end) - B(start)``, where ``B(t)`` is the
number of business seconds between a fixed origin and instant ``t``. ``B`` is
computed by joining each instant, on its local day (see clock.py), to a small
calendar of days (built here with zoneinfo, so DST days have the right length)
that carries the day's working window and the business seconds accumulated
before it: one hash join per instant column, portable to every Ibis engine,
instead of a Python loop over rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.periods.clock import LocalClock
from cxmetrics.periods.grain import local_midnight_utc
from cxmetrics.settings import BusinessHours


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


def epoch(x: ir.TimestampValue) -> ir.NumericValue:
    """Whole epoch seconds (truncated; engines disagree on fractions, see facts.seconds)."""
    return x.truncate("s").epoch_seconds().cast("float64")


@dataclass(frozen=True)
class BusinessClock:
    """B(t): business seconds since the calendar's first day, via an equi-join on the local day."""

    calendar: ir.Table
    clock: LocalClock

    def add(self, t: ir.Table, cols: list[str]) -> ir.Table:
        """Add ``<col>__b`` = B(col) for each instant column (null where the instant is null)."""
        for col in cols:
            c = self.calendar.view()
            keyed = t.mutate(_bday=self.clock.day(t[col]))
            j = keyed.left_join(c, keyed._bday == c.d)
            bval = c.cum + ibis.greatest(ibis.least(epoch(keyed[col]) - c.open_e, c.len_s), 0.0)
            t = j.select(*[keyed[n] for n in t.columns], **{f"{col}__b": bval})
        return t
