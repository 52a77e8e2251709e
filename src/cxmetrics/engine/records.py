"""Typed results and the records they become (SPEC 5.1).

A :class:`Result` holds one metric's aggregates per period and group, dense over the
query's periods, with dates as dates. Comparison works on two results (see
:mod:`cxmetrics.engine.compare`); records are made from a result once, and turned
into JSON-able values only at the edge (:func:`to_records`). Everything here runs on
the small aggregated result (periods x groups), never on raw rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from cxmetrics.metrics.kinds import LOW_SAMPLE, record_values
from cxmetrics.periods.grain import Period

if TYPE_CHECKING:
    from cxmetrics.engine.compare import Comparison
    from cxmetrics.engine.core import Query
    from cxmetrics.metrics.registry import Metric

BASE_COLUMNS = ["metric", "period_start"]
VALUE_COLUMNS = ["value", "unit", "n", "numerator", "denominator", "ci_low", "ci_high", "mean", "median", "p90",
                 "skipped", "low_sample", "maturing"]
#: record columns that are whole numbers (integers in JSON and CSV)
COUNT_COLUMNS = ("n", "numerator", "denominator", "skipped")


@dataclass(frozen=True)
class Result:
    """One metric's aggregates for a query: ``frame`` has ``period_index``, ``period_start``
    (a date, ``None`` for total), one column per dimension and the kind's aggregates;
    ``seconds`` (the period's length) and ``has_data`` (the period overlaps the data)."""

    metric: Metric
    query: Query
    periods: list[Period]
    frame: pd.DataFrame
    #: the data's last instant (UTC, naive): periods ending less than the metric's
    #: maturing window before it are still maturing
    as_of: dt.datetime | None = None
    p_end: list[dt.datetime] = field(default_factory=list)

    @property
    def dims(self) -> list[str]:
        m = self.metric
        return list(self.query.by) + ([m.share_dim] if m.share_dim and m.share_dim not in self.query.by else [])

    def keys(self) -> list[tuple[Any, ...]]:
        """(period_index, *dims) per row, with None for empty values."""
        cols = [self.frame["period_index"]] + [self.frame[d] for d in self.dims]
        return [tuple(None if _missing(v) else v for v in row) for row in zip(*cols, strict=True)]

    def maturing(self) -> np.ndarray:
        days = self.metric.matures_days
        if not days or self.as_of is None:
            return np.zeros(len(self.frame), dtype=bool)
        limit = self.as_of - dt.timedelta(days=days)
        ends = np.array([e > limit for e in self.p_end], dtype=bool)
        return ends[self.frame["period_index"].to_numpy("int64")] if len(ends) else np.zeros(0, dtype=bool)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def period_positions(starts: list[dt.date | None], values: pd.Series) -> np.ndarray:
    """Each value's position in ``starts`` (ascending period start dates), the value read as the
    date it is or falls on (a date, datetime or Timestamp), -1 where it is missing or no period's."""
    want = np.array(starts, dtype="datetime64[D]")
    got = np.asarray(values.to_numpy(), dtype="datetime64[D]") if len(values) else np.zeros(0, dtype="datetime64[D]")
    pos = np.searchsorted(want, got)
    inside = pos < len(want)
    found = np.zeros(len(got), dtype=bool)
    found[inside] = want[pos[inside]] == got[inside]
    return np.where(found, pos, -1).astype("int64")


def make_result(m: Metric, q: Query, raw: pd.DataFrame, periods: pd.DataFrame,
                bounds: tuple[dt.datetime | None, dt.datetime | None], *, sparse: bool = False) -> Result:
    """A dense result from an aggregated frame (``period_start`` and ``_d_<dim>`` or dim columns).

    ``sparse``: ``raw`` came from a batched query and may hold groups where this metric
    has no rows; they are dropped first so the result equals the metric's own query.

    The frame is every period x every group seen (groups sorted, empty last), built column
    by column and made a DataFrame once: pandas costs ~0.3 ms per column operation, per metric."""
    dims = list(q.by) + ([m.share_dim] if m.share_dim and m.share_dim not in q.by else [])
    raw = m.kind.finish(raw.rename(columns={f"_d_{d}": d for d in dims}))
    if sparse:
        size = raw[m.kind.size] if m.kind.size in raw else raw["n"]
        keep = size.fillna(0) > 0
        if "skipped" in raw:  # a group with only skipped answers still reports them
            keep |= raw["skipped"].fillna(0) > 0
        raw = raw[keep]
    starts = [None if _missing(v) else v for v in periods["period_start"]]
    plist = [Period("total", q.from_, q.from_, q.to)] if q.grain == "total" else [
        Period(q.grain, dt.date.fromisoformat(str(s)), None, None) for s in starts]
    if q.grain == "total":
        raw_pidx = np.zeros(len(raw), dtype="int64")
    else:
        raw_pidx = period_positions([p.start for p in plist], raw["period_start"])
        raw = raw[raw_pidx >= 0]
        raw_pidx = raw_pidx[raw_pidx >= 0]
    n_periods = len(periods)
    # the groups: each distinct combination of dimension values, in sorted order (empty last)
    if dims:
        groups = raw[dims].astype("object").drop_duplicates()
        groups = groups.sort_values(dims, na_position="last", kind="stable")
        group_cols = [groups[d].to_numpy(dtype="object") for d in dims]
    else:
        group_cols = []
    n_groups = len(group_cols[0]) if dims else 1
    pidx = np.repeat(np.arange(n_periods, dtype="int64"), n_groups)
    dim_cols = [np.tile(c, n_periods) for c in group_cols]
    # each grid row's row of raw (matching keys where empty equals empty; the last one wins)
    raw_dims = [raw[d].astype("object").to_numpy(dtype="object") for d in dims]
    def key(p: Any, vs: list[Any]) -> tuple[Any, ...]:
        return (int(p), *(None if _missing(v) else v for v in vs))

    pos = {key(p, vs): i for i, (p, *vs) in enumerate(zip(raw_pidx, *raw_dims, strict=True))}
    take = np.array([pos.get(key(p, vs), -1) for p, *vs in zip(pidx, *dim_cols, strict=True)], dtype="int64")
    cols: dict[str, Any] = {"period_index": pidx,
                            "period_start": pd.Series([None if q.grain == "total" else plist[i].start for i in pidx],
                                                      dtype="object")}
    for d, values in zip(dims, dim_cols, strict=True):
        cols[d] = values
    for c in raw.columns:
        if c == "period_start" or c in dims:
            continue
        col = raw[c]
        vals = col.to_numpy(dtype="float64", na_value=np.nan) if pd.api.types.is_numeric_dtype(col) else col.to_numpy(
            dtype="object")
        cols[c] = np.where(take >= 0, vals[np.clip(take, 0, None)] if len(vals) else np.nan, np.nan)
    p_start = [x.to_pydatetime() for x in periods["p_start"]]
    p_end = [x.to_pydatetime() for x in periods["p_end"]]
    lo, hi = bounds
    has = np.array([lo is not None and hi is not None and s <= hi and e > lo for s, e in zip(p_start, p_end, strict=True)],
                   dtype=bool)
    lengths = np.array([(e - s).total_seconds() for s, e in zip(p_start, p_end, strict=True)], dtype="float64")
    cols["seconds"] = lengths[pidx] if len(pidx) else np.zeros(0)
    cols["has_data"] = has[pidx] if len(pidx) else np.zeros(0, dtype=bool)
    return Result(m, q, plist, pd.DataFrame(cols), as_of=hi, p_end=p_end)


def records_frame(r: Result, comparison: Comparison | None = None) -> pd.DataFrame:
    """The records of a result (SPEC 5.1 columns, dates as dates), with its comparison."""
    m, q, df = r.metric, r.query, r.frame
    part = [d for d in q.by if d != m.share_dim]
    v = record_values(m.kind, m, df, q.stat, part)
    none = ~df["has_data"].to_numpy(bool)  # periods outside the data: no data, not zeros
    # one frame from its columns (a column at a time costs pandas ~0.3 ms each, per metric)
    cols: dict[str, Any] = {"metric": m.key, "period_start": df["period_start"].astype("object")}
    for d in r.dims:
        cols[d] = pd.Series([None if _missing(x) else x for x in df[d]], dtype="object", index=df.index)
    cols["value"] = np.where(none, np.nan, v["value"])
    cols["unit"] = m.unit
    for c in ("n", "numerator", "denominator"):
        cols[c] = _ints(np.where(none, np.nan, v[c]), df.index)
    for c in ("ci_low", "ci_high", "mean", "median", "p90"):
        cols[c] = np.where(none, np.nan, v[c])
    if m.skipped is not None:
        sk = df["skipped"].astype("float64").fillna(0).to_numpy() if "skipped" in df else np.zeros(len(df))
        cols["skipped"] = _ints(np.where(none, np.nan, sk), df.index)
    else:
        cols["skipped"] = pd.array([pd.NA] * len(df), dtype="Int64")
    if m.kind.sample:  # an estimate from a sample: flag fewer than 30 (seed 000: a healthy sample size)
        n = v["n"]
        cols["low_sample"] = pd.array([None if x else bool(y) for x, y in zip(none, n < LOW_SAMPLE, strict=True)],
                                      dtype="boolean")
    else:
        cols["low_sample"] = pd.array([pd.NA] * len(df), dtype="boolean")
    cols["maturing"] = pd.array(r.maturing() & ~none, dtype="boolean") if m.matures_days else \
        pd.array([False] * len(df), dtype="boolean")
    out = pd.DataFrame(cols, index=df.index)
    return out if comparison is None else with_comparison(out, comparison)


def with_comparison(records: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """``records`` (:func:`records_frame` of a result) with a comparison's columns, as a new
    frame: the report adds two comparisons to one result's records without building them twice."""
    return records.assign(**comparison.columns(records))


def _ints(a: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Counts as nullable integers."""
    a = np.asarray(a, dtype="float64")
    missing = np.isnan(a)
    # np.round rounds half to even, as round() does
    values = pd.arrays.IntegerArray(np.where(missing, 0, np.round(a)).astype("int64"), missing)
    return pd.Series(values, dtype="Int64", index=index)


def clean(v: Any) -> Any:
    """A cell as plain JSON-able Python: NaN, NA and NaT become None, numpy scalars Python,
    dates ISO 8601 text (the edge where dates stop being dates)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts of :func:`clean` cells, cleaned a column at a time (an API answer of a
    few hundred records spent ~4 ms in a call per cell)."""
    cols = list(frame.columns)
    values = [_clean_column(frame.iloc[:, i]) for i in range(len(cols))]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _clean_column(s: pd.Series) -> list[Any]:
    """:func:`clean` of every cell of ``s``: NumPy floats, integers and booleans, and pandas'
    nullable integers and booleans, converted in bulk; anything else a cell at a time."""
    d = s.dtype
    if isinstance(d, np.dtype):
        if d.kind == "f":
            return [None if x != x else x for x in s.to_numpy().tolist()]  # x != x: NaN
        if d.kind in "iub":
            return list(s.to_numpy().tolist())
    elif isinstance(d, (pd.Int64Dtype, pd.Int32Dtype, pd.BooleanDtype)):
        return list(cast(Any, s).to_numpy(dtype=object, na_value=None).tolist())  # stubs: no None
    return [clean(v) for v in s]
