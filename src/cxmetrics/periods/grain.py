"""Reporting periods: the period algebra and their UTC instant ranges in the reporting zone.

A :class:`Period` is a calendar period of a grain (day, ISO week, month, quarter, year)
in the reporting zone, or the part of it a query covers (``first``..``last``, cut by
--from/--to or by the end of the data). Its comparison period (:meth:`Period.previous`)
is always the whole previous calendar period of the same grain (``previous``) or the
same period a year before (``year``; 52 weeks at week grain so weekdays line up); a
partial period is compared with the same elapsed span of that period. ``total`` is one
span compared with the span of equal length just before it, or a year before.

Engines cannot portably convert instants to local time, so periods are built
here (DST-correct, with zoneinfo) as a small table of ``[start, end)`` UTC
instants and joined to the facts by range. A local day that is 23 or 25 hours
long is still exactly one day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

Grain = Literal["day", "week", "month", "quarter", "year", "total"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "total")

COMPARE_MODES: tuple[str, ...] = ("previous", "year")

#: Far-away bounds for open-ended periods (``total`` without --from/--to); dates a
#: query may name lie between them.
MIN_INSTANT = dt.datetime(1900, 1, 1)
MAX_INSTANT = dt.datetime(2200, 1, 1)
MIN_DATE = dt.date(1901, 1, 1)  # a year inside the bounds, so a comparison period still fits
MAX_DATE = dt.date(2198, 12, 31)


def floor_local(d: dt.date, grain: str) -> dt.date:
    """First local date of the period containing ``d`` (weeks start on Monday, ISO)."""
    if grain == "day":
        return d
    if grain == "week":
        return d - dt.timedelta(days=d.weekday())
    if grain == "month":
        return d.replace(day=1)
    if grain == "quarter":
        return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)
    if grain == "year":
        return d.replace(month=1, day=1)
    raise ValueError(f"unknown grain {grain!r}")


def next_start(d: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return d + dt.timedelta(days=1)
    if grain == "week":
        return d + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def local_midnight_utc(d: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant (naive) of local midnight starting ``d``.

    A midnight that does not exist (DST gap at 00:00, e.g. America/Havana) maps
    to the first existing instant after it, via zoneinfo's fold rules.
    """
    local = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class PeriodSpec:
    grain: str
    tz: str
    start: dt.date | None  # inclusive local date
    end: dt.date | None  # inclusive local date

    def frame(self) -> pd.DataFrame:
        """Columns: period_index, period_start (local date or None), p_start, p_end (UTC)."""
        zone = ZoneInfo(self.tz)
        lo = local_midnight_utc(self.start, zone) if self.start else MIN_INSTANT
        hi = local_midnight_utc(self.end + dt.timedelta(days=1), zone) if self.end else MAX_INSTANT
        rows: list[tuple[int, dt.date | None, dt.datetime, dt.datetime]] = []
        if self.grain == "total":
            rows.append((0, None, lo, hi))
        else:
            if self.start is None or self.end is None:
                raise ValueError("a grain other than total needs a start and end date")
            d = floor_local(self.start, self.grain)
            i = 0
            while d <= self.end:
                nxt = next_start(d, self.grain)
                s = max(local_midnight_utc(d, zone), lo)
                e = min(local_midnight_utc(nxt, zone), hi)
                rows.append((i, d, s, e))
                d, i = nxt, i + 1
        # built from typed columns: converting a frame of Python objects column by column
        # cost ~2 ms, paid by every query with a range not asked before
        return pd.DataFrame({
            "period_index": np.arange(len(rows), dtype="int64"),
            "period_start": pd.array([None if r[1] is None else r[1].isoformat() for r in rows], dtype="string"),
            "p_start": np.array([r[2] for r in rows], dtype="datetime64[us]"),
            "p_end": np.array([r[3] for r in rows], dtype="datetime64[us]"),
        })


@dataclass(frozen=True)
class Period:
    """One period of a query: the calendar period starting ``start`` (``None`` for an open
    ``total``) and the local dates it covers, ``first``..``last`` inclusive."""

    grain: str
    start: dt.date | None
    first: dt.date | None
    last: dt.date | None

    @property
    def end(self) -> dt.date | None:
        """The calendar period's last local date."""
        if self.grain == "total" or self.start is None:
            return self.last
        return next_start(self.start, self.grain) - dt.timedelta(days=1)

    @property
    def partial(self) -> bool:
        """Covers less than its whole calendar period (cut by --from/--to or by the data's end)."""
        if self.grain == "total":
            return False
        return self.first != self.start or self.last != self.end

    def previous(self, mode: str) -> Period:
        """The period this one is compared with (see the module docs)."""
        if mode not in COMPARE_MODES:
            raise ValueError(f"compare mode must be previous or year, not {mode!r}")
        if self.first is None or self.last is None or self.start is None:
            raise ValueError("an open-ended period has no previous period")
        if self.grain == "total":
            if mode == "year":
                return Period("total", _year_back(self.first), _year_back(self.first), _year_back(self.last))
            days = dt.timedelta(days=(self.last - self.first).days + 1)
            return Period("total", self.first - days, self.first - days, self.last - days)
        if mode == "year":
            start = self.start - dt.timedelta(weeks=52) if self.grain == "week" else _year_back(self.start)
        else:
            start = floor_local(self.start - dt.timedelta(days=1), self.grain)
        end = next_start(start, self.grain) - dt.timedelta(days=1)
        first = min(start + (self.first - self.start), end)
        last = end if self.last == self.end else min(start + (self.last - self.start), end)
        return Period(self.grain, start, first, last)


def _year_back(d: dt.date) -> dt.date:
    return d - relativedelta(years=1)


def periods_between(grain: str, first: dt.date | None, last: dt.date | None) -> list[Period]:
    """The periods of ``grain`` covering ``first``..``last`` (each cut to that range)."""
    if grain == "total":
        return [Period("total", first, first, last)]
    if first is None or last is None:
        raise ValueError("a grain other than total needs a start and end date")
    out = []
    d = floor_local(first, grain)
    while d <= last:
        nxt = next_start(d, grain)
        out.append(Period(grain, d, max(d, first), min(nxt - dt.timedelta(days=1), last)))
        d = nxt
    return out


def contiguous_runs(periods: list[Period]) -> list[list[int]]:
    """Indexes of ``periods`` in runs one bucketed query can compute: each run's periods
    follow each other day after day, so the query over ``first``..``last`` of the run
    cuts each calendar period exactly as the period is cut."""
    runs: list[list[int]] = []
    for i, p in enumerate(periods):
        if runs and p.grain != "total":
            prev = periods[runs[-1][-1]]
            if prev.last is not None and p.first == prev.last + dt.timedelta(days=1):
                runs[-1].append(i)
                continue
        runs.append([i])
    return runs
