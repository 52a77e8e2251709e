"""Average handle time ahead, per series and hour of the week, with its backtest.

Staffing multiplies the forecast volume by the AHT, so an AHT that is off by 10% is a
staffing plan off by about 10%. The input is the handled contacts and their handle
seconds per local hour (:class:`~cxmetrics.analyses.forecast.History`: ``handled`` and
``handle``, (series, days, 24) arrays).

**Models** (docs/forecasting.md has the measured comparison):

- ``hour_of_week`` (default): per weekday-hour, the handle seconds over the handled contacts
  of the previous ``WEEKS`` weeks with weights halving every ``HALF_LIFE`` weeks, shrunk
  toward the series' decayed overall mean with the weight of ``PRIOR`` contacts (an hour
  with few contacts is mostly the overall mean; a busy hour is its own);
- ``decayed_mean``: the series' decayed overall mean (the same weights, every hour alike);
- ``recent_mean``: the plain mean of the last 8 weeks (what cxm used before issue 15's AHT
  work; kept as the comparison).

**Backtest.** The same rolling origins as the volume backtest: each held-out day's actual
AHT (its handle seconds over its handled contacts) against the forecast applied to that
day's contacts (so the comparison is not confounded by the volume forecast). ``mape`` is
the contact-weighted mean absolute percentage error; ``mase`` the model's contact-weighted
absolute error over that of the seasonal-naive AHT (the same weekday a week earlier, or the
last earlier one with contacts) on the same days: below 1 beats it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["AHT_MODELS", "aht_backtest", "aht_forecast", "aht_scores"]

FloatArray = npt.NDArray[np.float64]
AHT_MODELS = ("hour_of_week", "decayed_mean", "recent_mean")
#: weeks of history and the half-life of their weights (measured, docs/forecasting.md)
WEEKS = 16
HALF_LIFE = 4.0
#: handled contacts' worth of weight the overall mean carries in each weekday-hour
PRIOR = 30.0
RECENT_WEEKS = 8


def _decayed_sums(handled: FloatArray, handle: FloatArray) -> tuple[float, float]:
    days = handled.shape[0]
    age = (days - 1 - np.arange(days)) / 7.0
    w = np.where(age < WEEKS, 0.5 ** (age / HALF_LIFE), 0.0)
    return float((w[:, None] * handle).sum()), float((w[:, None] * handled).sum())


def _overall(handled: FloatArray, handle: FloatArray, model: str) -> float:
    """A series' single AHT; falls back to the whole history when the window has no handled contact."""
    if model == "recent_mean":
        n, s = handled[-7 * RECENT_WEEKS:].sum(), handle[-7 * RECENT_WEEKS:].sum()
    else:
        s, n = _decayed_sums(handled, handle)
    if n <= 0:
        n, s = handled.sum(), handle.sum()
    return float(s / n) if n > 0 else float("nan")


def aht_forecast(handled: FloatArray, handle: FloatArray, horizon: int, model: str = "hour_of_week") -> FloatArray:
    """(horizon, 24) AHT in seconds for the days after ``handled``/``handle`` (days, 24); NaN without data."""
    overall = _overall(handled, handle, model)
    out = np.full((horizon, 24), overall)
    if model != "hour_of_week" or np.isnan(overall):
        return out
    days = handled.shape[0]
    k = np.arange(1, WEEKS + 1)
    w = 0.5 ** ((k - 1) / HALF_LIFE)
    for wd in range(min(7, horizon)):
        rows = days + wd - 7 * k  # the same weekday in the previous weeks
        ok = rows >= 0
        s = (w[ok, None] * handle[rows[ok]]).sum(axis=0)
        n = (w[ok, None] * handled[rows[ok]]).sum(axis=0)
        out[wd::7] = (s + PRIOR * overall) / (n + PRIOR)
    return out


def aht_backtest(handled: FloatArray, handle: FloatArray, horizon: int, folds: int,
                 model: str = "hour_of_week") -> dict[str, Any]:
    """Sums of the backtest of one series (``err``, ``naive``, ``ape``, ``n``: contacts scored, ``days``)."""
    days = handled.shape[0]
    tot = {"err": 0.0, "naive": 0.0, "ape": 0.0, "n": 0.0, "days": 0}
    daily_n, daily_s = handled.sum(axis=1), handle.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily = np.where(daily_n > 0, daily_s / daily_n, np.nan)
    for k in range(folds, 0, -1):
        o = days - k * horizon
        if o < 7:
            continue
        fc = aht_forecast(handled[:o], handle[:o], horizon, model)
        n_act = handled[o:o + horizon]
        n_day = n_act.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            pred = np.where(n_day > 0, (np.nan_to_num(fc) * n_act).sum(axis=1) / n_day, np.nan)
        naive = np.full(horizon, np.nan)
        for d in range(horizon):  # the last same weekday with contacts before the origin
            start = o + d % 7 - 7
            prev = daily[start::-7] if start >= 0 else np.array([])
            prev = prev[~np.isnan(prev)]
            naive[d] = prev[0] if prev.size else np.nan
        act = daily[o:o + horizon]
        ok = (n_day > 0) & ~np.isnan(pred) & ~np.isnan(naive) & (act > 0)
        tot["err"] += float((n_day * np.abs(pred - act))[ok].sum())
        tot["naive"] += float((n_day * np.abs(naive - act))[ok].sum())
        tot["ape"] += float((n_day * np.abs(pred - act) / np.where(ok, act, 1.0))[ok].sum())
        tot["n"] += float(n_day[ok].sum())
        tot["days"] += int(ok.sum())
    return tot


def aht_scores(s: dict[str, Any]) -> dict[str, Any]:
    """MAPE and MASE (against seasonal naive) from :func:`aht_backtest` sums; None where nothing was scored."""
    return {"mape": round(s["ape"] / s["n"], 4) if s["n"] else None,
            "mase": round(s["err"] / s["naive"], 4) if s["naive"] > 0 else None,
            "mae_seconds": round(s["err"] / s["n"], 1) if s["n"] else None,
            "contacts": int(s["n"]), "days": int(s["days"])}
