"""Period comparison (``--compare previous|year``) on typed results.

Every period of the query is compared with its comparison period from the period
algebra (:meth:`cxmetrics.periods.grain.Period.previous`): the whole previous calendar
period of the same grain, or the same period a year before; a partial period (cut by
--from/--to or by the end of the data) with the same elapsed span of that period, and
its records say ``partial`` with the compared span (``previous_from``..``previous_to``).
The comparison periods are computed by the same engine code as any query (one query
per run of consecutive periods), so a record's ``previous_value`` is exactly the value
its comparison period reports on its own.

The test is the metric kind's (:mod:`cxmetrics.metrics.kinds`), two-sided at 95%.
``verdict`` (better/worse) is given only when the change is significant, does not
round to zero at the unit's precision, the metric has a direction, and neither period
is still maturing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from cxmetrics.metrics.kinds import Duration, record_values
from cxmetrics.periods.grain import Period, contiguous_runs

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine, Query
    from cxmetrics.engine.records import Result
    from cxmetrics.metrics.registry import Metric

ALPHA = 0.05
COMPARE_COLUMNS = ["previous_value", "change", "p_value", "significant", "partial", "previous_from", "previous_to",
                   "verdict"]
#: decimals a change is shown with, per unit: a change that rounds to zero gets no verdict
PRECISION = {"percent": 1, "score": 1, "count": 0, "seconds": 0, "currency": 2}


@dataclass(frozen=True)
class Comparison:
    """One result's comparison: per record row the comparison window's value and the test."""

    current: Result
    previous_value: np.ndarray
    p_value: np.ndarray
    previous_maturing: np.ndarray
    #: per period index: is the period partial, and the compared span
    partial: list[bool]
    spans: list[tuple[dt.date | None, dt.date | None]]

    def columns(self, records: pd.DataFrame) -> dict[str, Any]:
        """The comparison columns for the result's records (same row order)."""
        m = self.current.metric
        v1 = records["value"].to_numpy("float64")
        v2 = self.previous_value
        change = v1 - v2
        pv = np.where(np.isnan(v1) | np.isnan(v2), np.nan, self.p_value)
        sig = [None if np.isnan(p) else bool(p < ALPHA) for p in pv]
        pidx = self.current.frame["period_index"].to_numpy("int64")
        digits = PRECISION.get(m.unit, 2)
        maturing = records["maturing"].fillna(False).to_numpy(bool) | self.previous_maturing
        verdict: list[str | None] = []
        for s, c, mat in zip(sig, change, maturing, strict=True):
            if not s or mat or m.direction == "neutral" or np.isnan(c) or round(float(c), digits) == 0:
                verdict.append(None)
            else:
                verdict.append("better" if (c > 0) == (m.direction == "higher") else "worse")
        return {
            "previous_value": v2, "change": change, "p_value": pv,
            "significant": pd.array(sig, dtype="boolean"),
            "partial": pd.array([self.partial[i] for i in pidx], dtype="boolean"),
            "previous_from": pd.Series([self.spans[i][0] for i in pidx], dtype="object"),
            "previous_to": pd.Series([self.spans[i][1] for i in pidx], dtype="object"),
            "verdict": pd.Series(verdict, dtype="object"),
        }


def comparison_periods(engine: Engine, q: Query, mode: str) -> tuple[list[Period], list[Period]]:
    """The query's periods, cut at the data's last date, and their comparison periods."""
    tz = q.tz or engine.config.timezone
    as_of = engine.as_of_date(tz)
    cut = []
    for p in engine.period_list(q):
        if as_of is not None and p.first is not None and p.last is not None and p.first <= as_of < p.last:
            p = replace(p, last=as_of)
        cut.append(p)
    return cut, [p.previous(mode) for p in cut]


def compare_results(engine: Engine, current: dict[str, Result], q: Query, mode: str) -> dict[str, Comparison]:
    """Comparisons of every result of ``q`` with its comparison periods."""
    from cxmetrics.metrics.registry import get

    cut, windows = comparison_periods(engine, q, mode)
    keys = list(current)
    runs = contiguous_runs(windows)
    prev_parts: dict[str, list[pd.DataFrame]] = {k: [] for k in keys}
    prev_values: dict[str, dict[tuple[Any, ...], np.ndarray]] = {k: {} for k in keys}
    zi = ZoneInfo(q.tz or engine.config.timezone)

    def window_data(m: Metric) -> np.ndarray:
        lo, hi = engine.coverage(m)
        lo_d = lo.replace(tzinfo=dt.UTC).astimezone(zi).date() if lo else None
        hi_d = hi.replace(tzinfo=dt.UTC).astimezone(zi).date() if hi else None
        return np.array([lo_d is not None and hi_d is not None and w.first is not None and w.last is not None
                         and w.first <= hi_d and w.last >= lo_d for w in windows], dtype=bool)
    for run in runs:
        first, last = windows[run[0]], windows[run[-1]]
        wq = replace(q, from_=first.first, to=last.last)
        results = engine.results(keys, wq)
        for k, r in results.items():
            f = r.frame.copy()
            f = f[f["period_index"] < len(run)]
            mapping = np.array(run, dtype="int64")
            local = f["period_index"].to_numpy("int64")
            vals = record_values(r.metric.kind, r.metric, r.frame, q.stat, _part(r))["value"]
            f["_value"] = np.where(f["has_data"].to_numpy(bool), vals[: len(r.frame)][f.index], np.nan)
            f["_maturing"] = r.maturing()[f.index] if len(f) else np.zeros(0, dtype=bool)
            f["period_index"] = mapping[local]
            prev_parts[k].append(f)
            if isinstance(r.metric.kind, Duration):
                for key, v in engine.duration_values(r.metric, wq).items():
                    prev_values[k][(int(mapping[key[0]]), *key[1:])] = v
    out: dict[str, Comparison] = {}
    cut_days = np.array([_days(p) for p in cut], dtype="float64")
    window_days = np.array([_days(w) for w in windows], dtype="float64")
    spans = [(w.first, w.last) for w in windows]
    partial = [p.partial for p in cut]
    for k, r in current.items():
        m = get(k)
        prev = pd.concat(prev_parts[k], ignore_index=True) if prev_parts[k] else pd.DataFrame()
        aligned = _align(r, prev, window_data(m))
        # exposures of the compared spans (a count over a cut period runs over the cut span only)
        pidx = r.frame["period_index"].to_numpy("int64")
        cur = r.frame.assign(seconds=cut_days[pidx] * 86400.0)
        aligned = aligned.assign(seconds=window_days[pidx] * 86400.0)
        if isinstance(m.kind, Duration):
            cur = cur.assign(values=_values_column(r.keys(), engine.duration_values(m, q)))
            aligned = aligned.assign(values=_values_column(r.keys(), prev_values[k]))
        fallback = record_values(m.kind, m, aligned, q.stat, _part(r))["value"]
        pv_value = aligned["_value"].to_numpy("float64")
        pv_value = np.where(np.isnan(pv_value) & aligned["has_data"].to_numpy(bool), fallback, pv_value)
        out[k] = Comparison(r, pv_value, m.kind.p_values(m, cur, aligned),
                            aligned["_maturing"].fillna(False).to_numpy(bool), partial, spans)
    return out


def _days(p: Period) -> float:
    return float((p.last - p.first).days + 1) if p.first is not None and p.last is not None else np.nan


def _part(r: Result) -> list[str]:
    return [d for d in r.query.by if d != r.metric.share_dim]


def _values_column(keys: list[tuple[Any, ...]], values: dict[tuple[Any, ...], np.ndarray]) -> pd.Series:
    return pd.Series([values.get(k) for k in keys], dtype="object")


def _align(r: Result, prev: pd.DataFrame, window_data: np.ndarray) -> pd.DataFrame:
    """``prev`` rows in the order of ``r``'s rows (same period index and group); a group the
    comparison period lacks gets an empty row (zero for counts), unless it had no data."""
    keys = r.keys()
    dims = r.dims
    pos: dict[tuple[Any, ...], int] = {}
    if not prev.empty:
        cols = [prev["period_index"]] + [prev[d] for d in dims]
        for i, key in enumerate(zip(*cols, strict=True)):
            pos[tuple(None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in key)] = i
    rows: list[dict[Any, Any]] = []
    for k in keys:
        found = pos.get(k)
        if found is not None:
            rows.append(prev.iloc[found].to_dict())
        else:
            row: dict[str, Any] = {"period_index": k[0], **dict(zip(dims, k[1:], strict=True))}
            row["has_data"] = bool(window_data[k[0]])
            row["_value"] = np.nan
            row["_maturing"] = False
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(prev.columns) if not prev.empty else None)
    if out.empty:
        out = pd.DataFrame({"period_index": pd.Series([], dtype="int64"), "has_data": pd.Series([], dtype=bool),
                            "_value": pd.Series([], dtype="float64"), "_maturing": pd.Series([], dtype=bool)})
    out["has_data"] = out["has_data"].fillna(False).astype(bool)
    return out.reset_index(drop=True)
