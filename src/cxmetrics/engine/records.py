"""Shaping aggregated rows into SPEC 5.1 records: dense periods, values, intervals.

Runs on the small aggregated result (periods x groups), never on raw rows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.engine.core import Query
    from cxmetrics.metrics.registry import Metric

from cxmetrics.engine.stats import nps_interval, t_interval, wilson

#: Below this many observations an estimate is flagged ``low_sample``.
LOW_SAMPLE = 30


def shape(m: Metric, raw: pd.DataFrame, periods: pd.DataFrame, q: Query, *, sparse: bool = False) -> pd.DataFrame:
    """Records for one metric. ``sparse``: ``raw`` came from a batched query and may
    hold groups where this metric has no rows; they are dropped first so the result
    equals the metric's own query."""
    dims = list(q.by) + ([m.share_dim] if m.share_dim and m.share_dim not in q.by else [])
    raw = raw.copy()
    if sparse:
        size = raw["denominator"] if m.kind == "rate" else raw["n"]
        keep = size.fillna(0) > 0
        if "skipped" in raw:  # a group with only skipped answers still reports them
            keep |= raw["skipped"].fillna(0) > 0
        raw = raw[keep]
    pk = periods[["period_index", "period_start"]].copy()
    pk["period_start"] = pk["period_start"].astype("object")
    if q.grain == "total":
        raw["period_index"] = 0
    else:
        raw["period_start"] = raw["period_start"].map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date().isoformat())
        raw = raw.merge(pk, on="period_start", how="inner")
    raw = raw.drop(columns=["period_start"])
    # Densify: every period for every group seen, so gaps read as 0 (counts) or empty.
    if dims:
        groups = raw[dims].drop_duplicates()
        if groups.empty:
            groups = pd.DataFrame({d: pd.Series([], dtype="object") for d in dims})
        grid = periods[["period_index", "period_start"]].merge(groups, how="cross")
    else:
        grid = periods[["period_index", "period_start"]].copy()
    for d in dims:
        grid[d] = grid[d].astype("object")
        raw[d] = raw[d].astype("object")
    df = grid.merge(raw, on=["period_index", *dims], how="left")
    df = df.sort_values(["period_index", *dims], na_position="last", kind="stable").reset_index(drop=True)

    out = pd.DataFrame({"metric": m.key, "period_start": df["period_start"].astype("object")})
    for d in dims:
        out[d] = df[d].where(df[d].notna(), None)
    nan = np.full(len(df), np.nan)
    value = numerator = denominator = ci_low = ci_high = mean = median = p90 = nan
    if m.kind == "count":
        n = df["n"].fillna(0).to_numpy("float64")
        value = n
    elif m.kind == "sum":
        n = df["n"].fillna(0).to_numpy("float64")
        value = df["total"].fillna(0).to_numpy("float64")
    elif m.kind == "level":
        delta = df["delta"].fillna(0)
        n = delta.groupby([df[d].astype("string").fillna("\x00") for d in dims] or [np.zeros(len(df))]).cumsum()
        n = n.to_numpy("float64")
        value = n
    elif m.kind == "nps":
        n = df["n"].fillna(0).to_numpy("float64")
        prom = df["promoters"].fillna(0).to_numpy("float64")
        det = df["detractors"].fillna(0).to_numpy("float64")
        numerator, denominator = prom - det, n
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(n > 0, 100.0 * (prom - det) / n, np.nan)
        ci_low, ci_high = nps_interval(prom, det, n)
    elif m.kind in ("rate", "share", "ratio"):
        numerator = df["numerator"].fillna(0).to_numpy("float64")
        if m.kind == "share":
            keys = [df["period_index"]] + [df[d].astype("string").fillna("\x00") for d in q.by]
            denominator = pd.Series(numerator).groupby(keys).transform("sum").to_numpy("float64")
        else:
            denominator = df["denominator"].fillna(0).to_numpy("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(denominator > 0, 100.0 * numerator / denominator, np.nan)
        n = denominator
        ci_low, ci_high = wilson(numerator, denominator)
        if m.kind == "ratio":  # a ratio above 1 is not a proportion: no Wilson interval
            over = numerator > denominator
            ci_low, ci_high = np.where(over, np.nan, ci_low), np.where(over, np.nan, ci_high)
    else:  # duration, mean
        n = df["n"].fillna(0).to_numpy("float64")
        mean = df["mean"].to_numpy("float64")
        median = df["median"].to_numpy("float64")
        p90 = df["p90"].to_numpy("float64")
        if m.kind == "mean":
            value = mean
            ci_low, ci_high = t_interval(mean, df["std"].to_numpy("float64"), n)
            median = p90 = nan
        else:
            value = {"mean": mean, "median": median, "p90": p90}[q.stat]
    out["value"] = value
    out["unit"] = m.unit
    out["n"] = pd.array(np.asarray(n).round(), dtype="Int64")
    for name, arr in (("numerator", numerator), ("denominator", denominator)):
        out[name] = pd.array(np.where(np.isnan(arr), np.nan, np.round(arr)), dtype="Float64").astype("Int64") \
            if not np.all(np.isnan(arr)) else pd.array([pd.NA] * len(df), dtype="Int64")
    out["ci_low"], out["ci_high"] = ci_low, ci_high
    out["mean"], out["median"], out["p90"] = mean, median, p90
    if m.skipped is not None:
        out["skipped"] = pd.array(df["skipped"].fillna(0).round().astype("int64"), dtype="Int64") \
            if "skipped" in df else pd.array([0] * len(df), dtype="Int64")
    else:
        out["skipped"] = pd.array([pd.NA] * len(df), dtype="Int64")
    # hidden inputs of the comparison tests (dropped before records leave the engine)
    if "std" in df:
        out["_std"] = df["std"].to_numpy("float64")
    if m.kind == "nps":
        out["_promoters"] = df["promoters"].fillna(0).to_numpy("float64")
        out["_detractors"] = df["detractors"].fillna(0).to_numpy("float64")
    if m.kind == "count":
        lengths = (periods["p_end"] - periods["p_start"]).dt.total_seconds()
        out["_seconds"] = df["period_index"].map(dict(zip(periods["period_index"], lengths, strict=True))).to_numpy()
    if m.kind in ("count", "level", "sum"):
        out["low_sample"] = pd.array([pd.NA] * len(df), dtype="boolean")
    else:  # an estimate from a sample: flag fewer than 30 (seed 000: a healthy sample size)
        out["low_sample"] = pd.array(np.asarray(n) < LOW_SAMPLE, dtype="boolean")
    return out


def clean(v: Any) -> Any:
    """A cell as plain JSON-able Python: NaN, NA and NaT become None, numpy scalars Python."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(frame.columns)
    return [{c: clean(v) for c, v in zip(cols, row, strict=True)} for row in frame.itertuples(index=False, name=None)]
