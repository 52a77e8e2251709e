"""Reporting periods as UTC instant ranges, computed in the reporting time zone.

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

import pandas as pd

Grain = Literal["day", "week", "month", "quarter", "year", "total"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "total")

#: Far-away bounds for open-ended periods (``total`` without --from/--to).
MIN_INSTANT = dt.datetime(1900, 1, 1)
MAX_INSTANT = dt.datetime(2200, 1, 1)


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
        if self.grain == "total":
            rows = [(0, None, lo, hi)]
        else:
            if self.start is None or self.end is None:
                raise ValueError("a grain other than total needs a start and end date")
            rows = []
            d = floor_local(self.start, self.grain)
            i = 0
            while d <= self.end:
                nxt = next_start(d, self.grain)
                s = max(local_midnight_utc(d, zone), lo)
                e = min(local_midnight_utc(nxt, zone), hi)
                rows.append((i, d, s, e))
                d, i = nxt, i + 1
        df = pd.DataFrame(rows, columns=["period_index", "period_start", "p_start", "p_end"])
        df["period_index"] = df["period_index"].astype("int64")
        df["p_start"] = pd.to_datetime(df["p_start"]).astype("datetime64[us]")
        df["p_end"] = pd.to_datetime(df["p_end"]).astype("datetime64[us]")
        df["period_start"] = df["period_start"].astype("string")
        return df
