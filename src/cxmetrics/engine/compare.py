"""Period comparison (``--compare previous|year``) with a significance test per kind.

The comparison window is the query's window shifted back by one period of the
grain (``previous``) or by a year (``year``; 52 weeks at week grain so weekdays
line up). Each record meets the record of the shifted period with the same
dimensions. Tests, two-sided at 95%:

* rates, shares, ratios: two-proportion z-test (pooled);
* NPS: z-test on the difference with summed variances ((p+d)-(p-d)^2)/n;
* means: Welch's t-test;
* durations: Mood's median test on the two periods' values (the record's
  value is a median by default, and durations are skewed);
* counts: z-test of a Poisson rate, conditional on the two periods' total and
  their lengths;
* levels (backlog): a stock, not a sample: no test.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from scipy.special import ndtr, stdtr

from cxmetrics.engine.stats import nps_variance

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine, Query
    from cxmetrics.metrics.registry import Metric

ALPHA = 0.05
COMPARE_COLUMNS = ["previous_value", "change", "p_value", "significant"]


def shift(grain: str, mode: str) -> relativedelta:
    if mode == "year":
        return relativedelta(weeks=52) if grain == "week" else relativedelta(years=1)
    return {"day": relativedelta(days=1), "week": relativedelta(weeks=1), "month": relativedelta(months=1),
            "quarter": relativedelta(months=3), "year": relativedelta(years=1)}[grain]


def shifted_query(q: Query, start: dt.date, end: dt.date, mode: str) -> tuple[Query, relativedelta]:
    from dataclasses import replace

    if q.grain == "total":
        delta = relativedelta(years=1) if mode == "year" else relativedelta(days=(end - start).days + 1)
    else:
        delta = shift(q.grain, mode)
    return replace(q, from_=start - delta, to=end - delta), delta


def _two_proportions(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        p = (x1 + x2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        pv = 2 * ndtr(-np.abs(z))
    # identical proportions of 0% or 100% have no variance: no evidence of change
    return np.where((n1 > 0) & (n2 > 0), np.where(p1 == p2, 1.0, pv), np.nan)


def _welch(m1: np.ndarray, s1: np.ndarray, n1: np.ndarray, m2: np.ndarray, s2: np.ndarray, n2: np.ndarray
           ) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = s1**2 / n1, s2**2 / n2
        t = (m1 - m2) / np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        pv = 2 * stdtr(df, -np.abs(t))
    return np.where((n1 >= 2) & (n2 >= 2), np.where(m1 == m2, 1.0, pv), np.nan)


def _poisson(x1: np.ndarray, t1: np.ndarray, x2: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """X1 | X1 + X2 ~ Binomial(X1 + X2, t1 / (t1 + t2)); normal approximation."""
    n = x1 + x2
    with np.errstate(divide="ignore", invalid="ignore"):
        p0 = t1 / (t1 + t2)
        z = (x1 - n * p0) / np.sqrt(n * p0 * (1 - p0))
        pv = 2 * ndtr(-np.abs(z))
    return np.where(n > 0, pv, np.nan)


def compare(engine: Engine, m: Metric, cur: pd.DataFrame, prev: pd.DataFrame, q: Query, pq: Query,
            delta: relativedelta, values: Values | None = None) -> pd.DataFrame:
    """Add previous_value, change, p_value, significant to one metric's records."""
    dims = [c for c in cur.columns if c not in _RECORD and not c.startswith("_")]
    prev = prev.copy()
    if q.grain == "total":
        prev["period_start"] = None
    else:
        prev["period_start"] = [None if v is None or pd.isna(v) else (dt.date.fromisoformat(v) + delta).isoformat()
                                for v in prev["period_start"]]
    key = ["period_start", *dims]
    left = cur.copy()
    for k in key:
        left[k] = left[k].astype("object").where(left[k].notna(), "\x00")
        prev[k] = prev[k].astype("object").where(prev[k].notna(), "\x00")
    merged = left.merge(prev, on=key, how="left", suffixes=("", "_prev"))
    for k in key:
        merged[k] = merged[k].where(merged[k] != "\x00", None)
    out = cur.copy()
    v1 = merged["value"].to_numpy("float64")
    v2 = merged["value_prev"].to_numpy("float64")
    out["previous_value"] = v2
    out["change"] = v1 - v2
    pv = np.full(len(out), np.nan)
    f = lambda c: merged[c].to_numpy("float64")  # noqa: E731
    if m.kind in ("rate", "share", "ratio"):
        pv = _two_proportions(f("numerator"), f("denominator"), f("numerator_prev"), f("denominator_prev"))
    elif m.kind == "nps":
        pv = _nps_p(merged)
    elif m.kind == "mean":
        pv = _welch(f("mean"), f("_std"), f("n"), f("mean_prev"), f("_std_prev"), f("n_prev"))
    elif m.kind == "count":
        pv = _poisson(f("n"), f("_seconds"), f("n_prev"), f("_seconds_prev"))
    elif m.kind == "duration":
        pv = _median_test(engine, m, q, pq, merged, dims, delta, values)
    out["p_value"] = pv
    sig = pd.array(np.where(np.isnan(pv), None, pv < ALPHA), dtype="boolean")
    out["significant"] = sig
    return out


Values = dict[tuple, np.ndarray]


def duration_values(engine: Engine, m: Metric, q: Query, dims: list[str]) -> Values:
    """A duration metric's values per record key (period start ISO or None, *dims), one query."""
    j = engine._prepared(m.fact, m.time, dims, q, where=m.where)
    v = m.value(j)  # type: ignore[misc]
    df = j.select("period_start", *[f"_d_{d}" for d in dims], _v=v).execute()
    df = df[df["_v"].notna()]
    if q.grain == "total" or df.empty:
        df["period_start"] = None
    else:
        df["period_start"] = pd.to_datetime(df["period_start"]).dt.strftime("%Y-%m-%d")
    cols = ["period_start"] + [f"_d_{d}" for d in dims]
    key = df[cols].astype("object").where(df[cols].notna(), None)
    return {tuple(k) if isinstance(k, tuple) else (k,): g["_v"].to_numpy("float64")
            for k, g in df.groupby([key[c] for c in cols], dropna=False)}


def _shifted(values: Values, delta: relativedelta) -> Values:
    def move(p: str | None) -> str | None:
        return None if p is None else (dt.date.fromisoformat(p) + delta).isoformat()

    return {(move(k[0]), *k[1:]): v for k, v in values.items()}


def _median_test(engine: Engine, m: Metric, q: Query, pq: Query, merged: pd.DataFrame, dims: list[str],
                 delta: relativedelta, values: Values | None = None) -> np.ndarray:
    """Mood's median test between each record's values and its comparison period's.
    ``values`` (from :func:`duration_values` over a window holding both periods) saves
    the two queries when the caller compares several periods of one fetch."""
    from scipy.stats import median_test

    cur = values if values is not None else duration_values(engine, m, q, dims)
    prev = _shifted(values if values is not None else duration_values(engine, m, pq, dims), delta)
    out = np.full(len(merged), np.nan)
    for i, row in enumerate(merged[["period_start", *dims]].itertuples(index=False, name=None)):
        a, b = cur.get(tuple(row)), prev.get(tuple(row))
        if a is None or b is None or len(a) == 0 or len(b) == 0:
            continue
        if np.median(a) == np.median(b):
            out[i] = 1.0
            continue
        try:
            out[i] = median_test(a, b)[1]
        except ValueError:  # all values on one side of the grand median
            out[i] = np.nan
    return out


def _nps_p(merged: pd.DataFrame) -> np.ndarray:
    def parts(sfx: str) -> tuple[np.ndarray, np.ndarray]:
        n = merged[f"n{sfx}"].to_numpy("float64")
        prom = merged[f"_promoters{sfx}"].to_numpy("float64")
        det = merged[f"_detractors{sfx}"].to_numpy("float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            return nps_variance(prom, det, n) / n, (prom - det) / n

    v1, s1 = parts("")
    v2, s2 = parts("_prev")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 - s2) / np.sqrt(v1 + v2)
        pv = 2 * ndtr(-np.abs(z))
    return np.where(np.isfinite(s1) & np.isfinite(s2), np.where(s1 == s2, 1.0, pv), np.nan)


_RECORD = {"metric", "period_start", "value", "unit", "n", "numerator", "denominator", "ci_low", "ci_high",
           "mean", "median", "p90", "skipped", "low_sample", "previous_value", "change", "p_value", "significant",
           "target", "meets_target", "target_source"}
