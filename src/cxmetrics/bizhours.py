"""Business-hours time as a column operation.

A duration in business time is ``B(end) - B(start)``, where ``B(t)`` is the
number of business seconds between a fixed origin and instant ``t``. ``B`` is
computed by joining each instant to a small calendar of local days (built here
with zoneinfo, so DST days have the right length) that carries the day's
working window in UTC and the business seconds accumulated before it. This is
one range join per instant column, portable to every Ibis engine, instead of a
Python loop over rows.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.config import BusinessHours
from cxmetrics.periods import local_midnight_utc


def _utc(d: dt.date, t: dt.time, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(d, t, tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def calendar_frame(bh: BusinessHours, first: dt.date, last: dt.date) -> pd.DataFrame:
    """One row per local day in ``[first, last]``: d_start, d_end, w_open, w_close, cum (seconds)."""
    zone = ZoneInfo(bh.timezone)
    closed = bh.closed_dates(range(first.year, last.year + 1))
    rows = []
    cum = 0.0
    d = first
    while d <= last:
        start = local_midnight_utc(d, zone)
        end = local_midnight_utc(d + dt.timedelta(days=1), zone)
        window = bh.week[d.weekday()]
        if window is None or d in closed:
            o = c = start
        else:
            o, c = _utc(d, window[0], zone), _utc(d, window[1], zone)
        rows.append((start, end, o, c, cum))
        cum += (c - o).total_seconds()
        d += dt.timedelta(days=1)
    df = pd.DataFrame(rows, columns=["d_start", "d_end", "w_open", "w_close", "cum"])
    for col in ("d_start", "d_end", "w_open", "w_close"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[us]")
    df["cum"] = df["cum"].astype("float64")
    return df


def epoch(x: ir.TimestampValue) -> ir.NumericValue:
    return x.epoch_seconds().cast("float64")


def add_business_clock(t: ir.Table, cols: list[str], cal: ir.Table) -> ir.Table:
    """Add ``<col>__b`` = B(col) for each instant column (null where the instant is null)."""
    for col in cols:
        c = cal.view()
        j = t.left_join(c, [t[col] >= c.d_start, t[col] < c.d_end])
        bval = c.cum + ibis.greatest(
            ibis.least(epoch(t[col]) - epoch(c.w_open), epoch(c.w_close) - epoch(c.w_open)), 0.0
        )
        t = j.select(*[t[n] for n in t.columns], **{f"{col}__b": bval})
    return t
