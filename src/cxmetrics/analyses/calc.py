"""Calculators: the seed formulas from aggregate numbers or a list of scores.

For teams without raw data (the "metrics calculator" tab of seed 004). Every
function is pure and returns one flat SPEC 5.1 record, the same shape as a row
of ``cxm metrics --format json``, so a calculated value can sit next to a
computed one. Intervals come from :mod:`cxmetrics.metrics.stats`, the functions the
engine itself uses, so a calculator and the store always agree.

Inputs are validated up front and a bad one raises ``ValueError`` naming it:
a wrong number must never look like a result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np

from cxmetrics.metrics.stats import nps_interval, wilson

#: Below this many answers an estimate is flagged ``low_sample`` (seed 000: a healthy sample).
LOW_SAMPLE = 30

#: The keys of a record, in SPEC 5.1 order.
RECORD_KEYS = ("metric", "period_start", "value", "unit", "n", "numerator", "denominator",
               "ci_low", "ci_high", "mean", "median", "p90", "skipped", "low_sample")

Record = dict[str, Any]
Score = float | int | None

__all__ = ["cac", "ces", "ces_counts", "churn", "clv", "crr", "csat", "csat_counts", "nps", "nps_counts", "nps_groups",
           "top_box_threshold"]


# -- helpers ---------------------------------------------------------------------------
def _record(metric: str, value: float, unit: str, **kw: Any) -> Record:
    rec: Record = dict.fromkeys(RECORD_KEYS)
    rec.update(metric=metric, value=float(value), unit=unit, **kw)
    return rec


def _count(name: str, v: Any) -> int:
    """A non-negative whole number (``3`` or ``3.0``), else a ValueError naming ``name``."""
    if isinstance(v, bool) or not isinstance(v, Real):
        raise ValueError(f"{name} must be a whole number, got {v!r}")
    if isinstance(v, Integral):
        iv = int(v)
    else:
        f = float(v)
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(f"{name} must be a whole number, got {v!r}")
        iv = int(f)
    if iv < 0:
        raise ValueError(f"{name} cannot be negative, got {iv}")
    return iv


def _amount(name: str, v: Any) -> float:
    """A finite, non-negative number (money, years)."""
    if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(float(v)):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    if float(v) < 0:
        raise ValueError(f"{name} cannot be negative, got {v}")
    return float(v)


def _scale(scale: Any) -> tuple[float, float]:
    try:
        lo, hi = scale
    except (TypeError, ValueError):
        raise ValueError(f"scale must be (min, max), got {scale!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(float(v)):
            raise ValueError(f"scale must be two finite numbers, got {scale!r}")
    if float(hi) <= float(lo):
        raise ValueError(f"scale maximum must be above its minimum, got {lo}-{hi}")
    return float(lo), float(hi)


def _scores(scores: Iterable[Score], lo: float, hi: float) -> tuple[np.ndarray, int]:
    """Answered scores as floats and the number skipped (None or NaN).

    Scores outside the scale are refused rather than clipped: they mean the
    scale is wrong (e.g. 0-10 answers given to a 1-5 calculator)."""
    if isinstance(scores, str | bytes):
        raise ValueError("scores must be a list of numbers, not a string")
    answered: list[float] = []
    skipped = 0
    for i, s in enumerate(scores):
        if s is None or _is_na(s):
            skipped += 1
            continue
        if isinstance(s, bool) or not isinstance(s, Real):
            raise ValueError(f"score #{i + 1} is not a number: {s!r}")
        f = float(s)
        if not math.isfinite(f) or f < lo or f > hi:
            raise ValueError(f"score #{i + 1} ({_num(f)}) is outside the scale {_num(lo)}-{_num(hi)}")
        answered.append(f)
    return np.asarray(answered, dtype="float64"), skipped


def _is_na(s: Any) -> bool:
    """NaN of any float type, or pandas' NA (a nullable column's missing value)."""
    if isinstance(s, Real) and not isinstance(s, bool):
        return math.isnan(float(s))
    import pandas as pd

    return s is pd.NA or s is pd.NaT


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def top_box_threshold(scale: tuple[float, float]) -> float:
    """Lowest satisfied score: top two boxes (4-5 of 1-5, 9-10 of 0-10), top box of a
    3-point (or shorter) scale. The same rule as the survey facts (SPEC 4.3)."""
    lo, hi = _scale(scale)
    return hi - 1 if hi - lo + 1 > 3 else hi


def _proportion(metric: str, hits: int, total: int, skipped: int | None) -> Record:
    lo, hi = wilson(np.array([hits]), np.array([total]))
    return _record(metric, 100.0 * hits / total, "percent", n=total, numerator=hits, denominator=total,
                   ci_low=float(lo[0]), ci_high=float(hi[0]), skipped=skipped, low_sample=total < LOW_SAMPLE)


# -- feedback ----------------------------------------------------------------------------
def nps_counts(promoters: int, passives: int, detractors: int, *, skipped: int | None = None) -> Record:
    """NPS from counts: % promoters - % detractors (seed 004: 80, 5, 15 -> 65).

    ``numerator`` is promoters - detractors and ``denominator`` the answers, as in
    ``cxm metrics nps``; the interval is the adjusted Wald of Rocks (2016).
    ``skipped`` stays null unless given: counts alone do not say how many skipped."""
    p = _count("promoters", promoters)
    pa = _count("passives", passives)
    d = _count("detractors", detractors)
    n = p + pa + d
    if n == 0:
        raise ValueError("NPS needs at least one answer (promoters + passives + detractors is 0)")
    lo, hi = nps_interval(np.array([p]), np.array([d]), np.array([n]))
    return _record("nps", 100.0 * (p - d) / n, "score", n=n, numerator=p - d, denominator=n,
                   ci_low=float(lo[0]), ci_high=float(hi[0]),
                   skipped=None if skipped is None else _count("skipped", skipped), low_sample=n < LOW_SAMPLE)


def nps_groups(scores: Iterable[Score]) -> tuple[int, int, int, int]:
    """(promoters 9-10, passives 7-8, detractors 0-6, skipped) of 0-10 answers."""
    s, skipped = _scores(scores, 0, 10)
    if (s != np.round(s)).any():
        bad = s[s != np.round(s)][0]
        raise ValueError(f"NPS answers are whole numbers 0-10, got {_num(bad)}")
    return int((s >= 9).sum()), int(((s > 6) & (s < 9)).sum()), int((s <= 6).sum()), skipped


def nps(scores: Iterable[Score]) -> Record:
    """NPS of 0-10 answers; ``None`` is a skipped answer, counted in ``skipped``, not scored.

    R package NPS: 0, 7, 7, 9, 9, 9 -> 33.3."""
    p, pa, d, skipped = nps_groups(scores)
    if p + pa + d == 0:
        raise ValueError("NPS needs at least one answered score")
    return nps_counts(p, pa, d, skipped=skipped)


def csat_counts(satisfied: int, total: int) -> Record:
    """CSAT from counts: satisfied / answers x 100 (seed 004), Wilson interval."""
    s = _count("satisfied", satisfied)
    t = _count("total", total)
    if t == 0:
        raise ValueError("CSAT needs at least one answer (total is 0)")
    if s > t:
        raise ValueError(f"satisfied ({s}) cannot exceed total ({t})")
    return _proportion("csat", s, t, None)


def csat(scores: Iterable[Score], scale: tuple[float, float] = (1, 5)) -> Record:
    """CSAT of scores on ``scale``: share in the top two boxes (top box of a 3-point scale)."""
    lo, hi = _scale(scale)
    s, skipped = _scores(scores, lo, hi)
    if s.size == 0:
        raise ValueError("CSAT needs at least one answered score")
    return _proportion("csat", int((s >= top_box_threshold((lo, hi))).sum()), int(s.size), skipped)


def ces_counts(easy: int, total: int) -> Record:
    """CES from counts: low-effort answers / answers x 100 (seed 004), Wilson interval."""
    e = _count("easy", easy)
    t = _count("total", total)
    if t == 0:
        raise ValueError("CES needs at least one answer (total is 0)")
    if e > t:
        raise ValueError(f"easy ({e}) cannot exceed total ({t})")
    return _proportion("ces", e, t, None)


def ces(scores: Iterable[Score], scale: tuple[float, float] = (1, 7), effort_high: bool = False) -> Record:
    """CES of scores on ``scale``: share of low-effort answers (top two boxes with high = easy).

    ``effort_high``: the survey asks "how much effort" so a high score is bad; scores
    are inverted (min + max - score) first, as the store does for such surveys."""
    lo, hi = _scale(scale)
    s, skipped = _scores(scores, lo, hi)
    if s.size == 0:
        raise ValueError("CES needs at least one answered score")
    if effort_high:
        s = lo + hi - s
    return _proportion("ces", int((s >= top_box_threshold((lo, hi))).sum()), int(s.size), skipped)


# -- customers and revenue ----------------------------------------------------------------
def churn(lost: int, start: int) -> Record:
    """Churn rate: customers lost in the period / customers at its start x 100 (seed 004).

    ``lost`` counts only customers who were there at the start, so it cannot exceed
    ``start``. The Wilson interval reads the rate as a churn probability."""
    lo_ = _count("lost", lost)
    s = _count("start", start)
    if s == 0:
        raise ValueError("churn needs customers at the start of the period (start is 0)")
    if lo_ > s:
        raise ValueError(f"lost ({lo_}) cannot exceed customers at the start ({s}): "
                         "count only customers who were there at the start")
    return _proportion("churn_rate", lo_, s, None)


def crr(start: int, end: int, new: int) -> Record:
    """Customer retention rate ((E - N) / S) x 100 (seed 004: S=100, E=90, N=15 -> 75).

    E - N are the start customers still there at the end. It must lie in 0..S:
    below 0 means new customers also left during the period (the formula cannot
    tell them apart), above S that E or N is wrong; both are refused, not reported
    as a retention under 0% or over 100%."""
    s = _count("start", start)
    e = _count("end", end)
    n = _count("new", new)
    if s == 0:
        raise ValueError("retention needs customers at the start of the period (start is 0)")
    kept = e - n
    if kept < 0:
        raise ValueError(f"end - new is negative ({e} - {n}): more customers were acquired than remain; "
                         "use new customers still active at the end")
    if kept > s:
        raise ValueError(f"end - new ({kept}) exceeds customers at the start ({s}); check end and new")
    return _proportion("retention_rate", kept, s, None)


def cac(spend: float, acquired: int) -> Record:
    """Customer acquisition cost: sales and marketing spend / customers acquired
    (seed 004: 10,000 / 20,000 = 0.50), in the spend's currency."""
    x = _amount("spend", spend)
    a = _count("acquired", acquired)
    if a == 0:
        raise ValueError("CAC needs at least one acquired customer (acquired is 0)")
    num: float | int = int(x) if x.is_integer() else x
    return _record("cac", x / a, "currency", n=a, numerator=num, denominator=a)


def clv(annual_revenue: float, years: float, cac: float = 0.0) -> Record:
    """Historic customer lifetime value: annual revenue per customer x expected
    relationship years - CAC (seed 004). Negative when acquisition costs more than
    the customer brings, which is worth seeing, so it is not refused."""
    r = _amount("annual_revenue", annual_revenue)
    y = _amount("years", years)
    c = _amount("cac", cac)
    return _record("clv", r * y - c, "currency")
