"""Ticket-volume spikes and what drove them (seed 004: volume as a line chart, spikes explained).

A day is a spike when its ticket volume stands well above what that weekday
usually brings: the baseline is the median of the same weekday in the four weeks
before (help-desk volume has a strong weekly rhythm, so Mondays are compared with
Mondays). Three conditions must all hold, so neither a quiet queue's noise nor a
big queue's normal wobble is flagged:

- ``tickets >= RATIO * baseline`` (a relative jump),
- ``tickets - baseline >= Z * sqrt(baseline)`` (beyond Poisson noise at ~3 sigma),
- ``tickets - baseline >= MIN_EXCESS`` (a jump a team would notice).

Each spike is explained by splitting its excess over the baseline by category and
by channel (each against its own same-weekday baseline): the values that brought
most of the extra tickets, with their share of it. Runs on the daily aggregate
(days x categories x channels), never on ticket rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

#: How the daily aggregate names a missing category or channel (interfaces show it as ``ui.none``).
NONE = "(none)"
RATIO = 1.5
Z = 3.0
MIN_EXCESS = 10
#: weeks of same-weekday history behind a baseline; at least MIN_WEEKS must exist
WEEKS = 4
MIN_WEEKS = 2
#: drivers listed per dimension
TOP = 3

METHOD = {"baseline": "median of the same weekday over the previous 4 weeks", "ratio": RATIO, "z": Z,
          "min_excess": MIN_EXCESS, "weeks": WEEKS}


def _baseline(wide: pd.DataFrame, first: dt.date) -> pd.DataFrame:
    """Same-weekday median of the previous WEEKS weeks per column; NaN where fewer than
    MIN_WEEKS of those weeks lie on or after the first day with data."""
    lags = []
    days = cast(pd.DatetimeIndex, wide.index)  # callers index by day (pd.date_range)
    for k in range(1, WEEKS + 1):
        lag = wide.shift(7 * k)
        valid = (days - pd.Timedelta(days=7 * k)) >= pd.Timestamp(first)
        arr = lag.to_numpy(dtype=float)
        arr[~np.asarray(valid)] = np.nan
        lags.append(arr)
    stack = np.stack(lags)
    enough = (~np.isnan(stack)).sum(axis=0) >= MIN_WEEKS
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(stack, axis=0)
    med = np.where(enough, med, np.nan)
    return pd.DataFrame(med, index=wide.index, columns=wide.columns)


def _row(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series[float]:
    """The row of ``day`` (pandas types ``.loc`` of a label as row or frame: the index is unique)."""
    return cast("pd.Series[float]", frame.loc[day])


def _cell(frame: pd.DataFrame, day: pd.Timestamp, col: Any) -> float:
    """One count of a float frame (pandas types ``.at`` as any scalar)."""
    return float(cast(float, frame.at[day, col]))


def _drivers(day: pd.Timestamp, wide: pd.DataFrame, base: pd.DataFrame, dim: str) -> list[dict[str, Any]]:
    x, b = _row(wide, day), _row(base, day).fillna(0.0)
    excess = x - b
    pos = excess[excess > 0].sort_values(ascending=False)
    total = float(pos.sum())
    top = pos.head(TOP)
    return [{"value": value, "tickets": int(n), "baseline": float(base_n), "excess": float(ex),
             "share": float(ex / total) if total else None, "dimension": dim}
            for value, ex, n, base_n in zip(top.index, top, x.loc[top.index], b.loc[top.index], strict=True)]


def detect(engine: Engine, *, from_: dt.date, to: dt.date, tz: str | None = None,
           where: list[tuple[str, str]] | tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """Daily volume by category and channel over ``from_``..``to`` with its spikes."""
    start = from_ - dt.timedelta(days=7 * WEEKS)
    f = engine.frame(["ticket_volume"], grain="day", by=["category", "channel"], from_=start, to=to, tz=tz,
                     where=list(where))
    f = f[["period_start", "category", "channel", "value"]].copy()
    f["value"] = f["value"].fillna(0).astype(float)
    f["category"] = f["category"].fillna(NONE)
    f["channel"] = f["channel"].fillna(NONE)
    days = pd.date_range(start, to, freq="D")
    f["period_start"] = pd.to_datetime(f["period_start"])

    def wide(dim: str) -> pd.DataFrame:
        w = f.pivot_table(index="period_start", columns=dim, values="value", aggfunc="sum", fill_value=0.0)
        return w.reindex(days, fill_value=0.0)

    cat, ch = wide("category"), wide("channel")
    total = cat.sum(axis=1).to_frame("total") if len(cat.columns) else pd.DataFrame({"total": 0.0}, index=days)
    nonzero = total.index[total["total"] > 0]
    first = nonzero[0].date() if len(nonzero) else to
    base_total = _baseline(total, first)["total"]
    base_cat, base_ch = _baseline(cat, first), _baseline(ch, first)

    window = days[days >= pd.Timestamp(from_)]
    spikes = []
    for day in window:
        x, b = _cell(total, day, "total"), float(base_total.loc[day])
        if np.isnan(b):
            continue
        excess = x - b
        if x >= RATIO * b and excess >= Z * np.sqrt(max(b, 1.0)) and excess >= MIN_EXCESS:
            cats, chans = _drivers(day, cat, base_cat, "category"), _drivers(day, ch, base_ch, "channel")
            spikes.append({"date": day.date().isoformat(), "tickets": int(x), "baseline": float(b),
                           "excess": float(excess), "ratio": float(x / b) if b else None,
                           "category": cats, "channel": chans,
                           "top_category": cats[0]["value"] if cats else None,
                           "top_channel": chans[0]["value"] if chans else None})

    def long(w: pd.DataFrame, dim: str) -> list[dict[str, Any]]:
        part = w.loc[window]
        return [{"date": d.date().isoformat(), dim: col, "tickets": int(_cell(part, d, col))}
                for col in part.columns for d in part.index]

    return {
        "from": from_.isoformat(), "to": to.isoformat(), "grain": "day",
        "days": [{"date": d.date().isoformat(), "tickets": int(_cell(total, d, "total")),
                  "baseline": None if np.isnan(base_total.loc[d]) else float(base_total.loc[d])}
                 for d in window],
        "by_category": long(cat, "category"),
        "by_channel": long(ch, "channel"),
        "spikes": spikes,
        "method": METHOD,
    }
