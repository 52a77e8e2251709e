"""Confidence intervals used on every record.

The closed forms are written out here because importing statsmodels/scipy.stats
costs 2-3 s per command, longer than computing every metric; tests check these
against statsmodels and scipy on many cases (tests/test_stats.py).
"""

from __future__ import annotations

import numpy as np

CONFIDENCE = 0.95


def z_value(confidence: float = CONFIDENCE) -> float:
    from scipy.special import ndtri  # here, not at import: scipy costs ~0.2 s of every start (issue 12)

    return float(ndtri(0.5 + confidence / 2))


def wilson(numerator: np.ndarray, denominator: np.ndarray, confidence: float = CONFIDENCE
           ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, in percent; NaN where the denominator is 0.

    Wilson (1927); the same as statsmodels' ``proportion_confint(method="wilson")``.
    """
    x = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        lo, hi = (centre - half) * 100, (centre + half) * 100
    bad = ~(n > 0)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return np.clip(lo, 0, 100), np.clip(hi, 0, 100)


def t_interval(mean: np.ndarray, std: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE
               ) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for a mean (sample std); NaN where n < 2."""
    mean, std, n = (np.asarray(v, dtype="float64") for v in (mean, std, n))
    lo = np.full(mean.shape, np.nan)
    hi = np.full(mean.shape, np.nan)
    ok = (n >= 2) & np.isfinite(std)
    if ok.any():
        from scipy.special import stdtrit

        half = stdtrit(n[ok] - 1, 0.5 + confidence / 2) * std[ok] / np.sqrt(n[ok])
        lo[ok], hi[ok] = mean[ok] - half, mean[ok] + half
    return lo, hi


def nps_variance(promoters: np.ndarray, detractors: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per-response variance of the NPS (as a fraction): (p + d) - (p - d)^2."""
    p, d, n = (np.asarray(v, dtype="float64") for v in (promoters, detractors, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        pp, dd = p / n, d / n
        return (pp + dd) - (pp - dd) ** 2


def nps_interval(promoters: np.ndarray, detractors: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted Wald interval for the NPS, in points (-100..100); NaN where n is 0.

    Rocks (2016): add 3/4 of a promoter, 3/4 of a detractor and 3/2 of a passive,
    then a Wald interval with variance (p + d) - (p - d)^2.
    """
    p = np.asarray(promoters, dtype="float64") + 0.75
    d = np.asarray(detractors, dtype="float64") + 0.75
    n_ = np.asarray(n, dtype="float64") + 3.0
    z = z_value(confidence)
    centre = (p - d) / n_
    var = nps_variance(p, d, n_)
    half = z * np.sqrt(var / n_)
    lo, hi = np.clip((centre - half) * 100, -100, 100), np.clip((centre + half) * 100, -100, 100)
    bad = ~(np.asarray(n, dtype="float64") > 0)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return lo, hi


def median_test(a: np.ndarray, b: np.ndarray) -> float:
    """p-value of Mood's median test of two samples, exactly ``scipy.stats.median_test(a, b)[1]``
    with its defaults (values equal to the grand median count below it; Pearson's chi-square with
    Yates' correction on the 2x2 table); NaN when a value is NaN or every value lies on one side
    of the grand median (where scipy refuses). Written out because ``scipy.stats`` costs ~0.9 s to
    import, paid by the first comparison of durations in every process (issue 12)."""
    from scipy.special import chdtrc

    x, y = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if not x.size or not y.size or np.isnan(x).any() or np.isnan(y).any():
        return float("nan")
    grand = np.median(np.concatenate([x, y]))
    above = np.array([np.count_nonzero(x > grand), np.count_nonzero(y > grand)])
    table = np.array([above, [x.size - above[0], y.size - above[1]]], dtype="int64")
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    if rows[0] == 0 or rows[1] == 0:
        return float("nan")
    expected = np.outer(rows, cols) / table.sum()
    diff = expected - table
    observed = table + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    return float(chdtrc(1, ((observed - expected) ** 2 / expected).sum()))
