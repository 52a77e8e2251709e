"""Contact-volume forecasts per hour of the week, with honest intervals and their backtest.

**History.** Contacts per local hour and series (a channel, queue...), from ``tickets``
(``created_at``; outbound tickets, created by an agent, are not demand), ``calls``
(``offered_at``) or ``interval_volumes`` (``offered`` per interval, any interval length up
to an hour). Counting is one group-by in the engine (:func:`hourly_history`); everything
after works on a days x 24 array per series.

**Days that tell nothing.** A public holiday (the ``holidays`` package for ``country``, plus
``business_hours.holidays``) and a day with no contacts at all on a weekday that is normally
open (a gap in the export) are left out of the model's history (NaN), not read as zeros.

**Model.** Chosen by measured backtest accuracy (docs/forecasting.md has the figures): the
default ``weekly_mean`` forecasts each hour of the week as the exponentially weighted mean
of the same hour in the previous ``WEEKS`` weeks (weights halve every ``HALF_LIFE`` weeks,
skipping the days above). Hours with no contacts in all those weeks (closed hours,
weekends of a weekday desk) forecast exactly zero. Alternatives for comparison:
``seasonal_naive`` (the same hour one week earlier: the benchmark of the MASE) and ``ets``
(Holt-Winters on daily totals, additive damped trend and weekly season, statsmodels,
split into hours by the weekday's recent intraday profile).

**Holidays ahead.** A holiday is forecast at the share of a normal day that the same holiday
brought in earlier years (its contacts over the same weekday's mean in the 4 weeks either
side), else at the median share of all past holidays in the history; with none in the
history, a holiday forecasts zero (``business_hours`` holidays are closed days).

**Intervals.** Counts are negative binomial around the forecast mean, variance
``mu + alpha mu^2``: ``alpha`` (over-dispersion: level errors on top of Poisson noise) is
estimated by moments from the model's own errors on the ``CALIBRATION`` windows of the same
horizon just before the forecast origin. Bounds are quantiles of the distribution spread
over each integer (mid-p), so an 80% interval covers about 80% also for small counts.

**Backtest.** ``folds`` consecutive held-out windows of ``horizon`` days at the end of the
history, each forecast from the data before it (with its own calibration). ``mase`` is the
model's mean absolute error over the seasonal-naive forecast's on the same held-out points
(below 1: better than seasonal naive); ``coverage_80``/``coverage_95`` are the shares of
held-out points inside the intervals. Scored points: open ones (forecast or actual above
zero) on days with data; closed hours, both zero, would make any coverage look perfect.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxmetrics.analyses.aht import aht_backtest, aht_forecast, aht_scores
from cxmetrics.errors import QueryError, UsageError

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

__all__ = ["MODELS", "SOURCES", "Forecast", "History", "backtest", "forecast", "hourly_history", "run"]

FloatArray = npt.NDArray[np.float64]
Model = Literal["weekly_mean", "seasonal_naive", "ets"]
MODELS: tuple[str, ...] = ("weekly_mean", "seasonal_naive", "ets")
SOURCES = ("tickets", "calls", "interval_volumes")
#: dimensions each source can be split by
SOURCE_DIMS: dict[str, tuple[str, ...]] = {
    "tickets": ("channel", "category", "priority", "team", "brand", "product", "language"),
    "calls": ("queue", "topic"),
    "interval_volumes": ("channel", "queue"),
}
#: weekly_mean: weeks of history and the half-life of their weights (measured, docs/forecasting.md)
WEEKS = 16
HALF_LIFE = 6.0
#: ets: weeks of daily totals fitted; weeks behind the intraday profile
ETS_WEEKS = 26
PROFILE_WEEKS = 8
#: calibration windows of the interval width, each one horizon long
CALIBRATION = 3
#: the fewest weeks of history a forecast is made from
MIN_WEEKS = 3
#: the least share of (open) days with contacts a forecast is made from (check_density)
MIN_DENSITY = 0.5
LEVELS = (0.8, 0.95)


# -- history ---------------------------------------------------------------------------------------
@dataclass
class History:
    """Contacts per local hour: ``values[s]`` is a (days, 24) array for series ``keys[s]``."""

    first_day: dt.date
    dims: tuple[str, ...]
    keys: list[tuple[Any, ...]]
    values: FloatArray  # (series, days, 24)
    aht: list[float | None] = field(default_factory=list)
    #: handled contacts and their handle seconds per series, day and hour (the AHT model's input)
    handled: FloatArray | None = None
    handle: FloatArray | None = None

    @property
    def days(self) -> int:
        return int(self.values.shape[1])

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.days - 1)

    def day(self, i: int) -> dt.date:
        return self.first_day + dt.timedelta(days=i)


def _local_hour(engine: Engine, t: Any, tz: str, lo: dt.datetime | None, hi: dt.datetime | None) -> Any:
    from cxmetrics.periods.clock import clock_for

    return clock_for(tz, lo, hi).local(t).truncate("h")


def hourly_history(engine: Engine, source: str, by: Sequence[str], tz: str) -> pd.DataFrame:
    """Contacts per local hour (``hour``), per ``by`` value, with handle seconds where known
    (``handled``, ``handle_seconds``): one group-by in the engine."""
    import ibis

    dims = list(by)
    bad = [d for d in dims if d not in SOURCE_DIMS[source]]
    if bad:
        raise QueryError(f"{source} cannot be split by {', '.join(bad)}; use "
                         f"{', '.join(SOURCE_DIMS[source])}")
    t = engine.source(source)
    if source == "tickets":
        at, n = t.created_at, ibis.literal(1)
        t = t.filter(t.created_by.isnull() | (t.created_by != "agent"))
        handled, handle = t.handle_seconds.notnull().cast("int64"), t.handle_seconds.fill_null(0.0)
    elif source == "calls":
        at, n = t.offered_at, ibis.literal(1)
        parts = [t.talk_seconds, t.hold_seconds, t.wrap_seconds]
        known = parts[0].notnull() | parts[1].notnull() | parts[2].notnull()
        handled = known.cast("int64")
        handle = ibis.ifelse(known, parts[0].fill_null(0.0) + parts[1].fill_null(0.0) + parts[2].fill_null(0.0), 0.0)
    else:
        at, n = t.interval_start, t.offered
        handled = t.aht_seconds.notnull().cast("int64") * t.handled.fill_null(t.offered)
        handle = t.aht_seconds.fill_null(0.0) * t.handled.fill_null(t.offered)
    row = t.aggregate(lo=at.min(), hi=at.max()).execute().iloc[0]
    lo, hi = (None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in (row["lo"], row["hi"]))
    if lo is None:
        return pd.DataFrame(columns=["hour", *dims, "n", "handled", "handle_seconds"])
    hour = _local_hour(engine, at, tz, lo, hi)
    g = t.mutate(hour=hour, _n=n, _handled=handled, _handle=handle).group_by(["hour", *dims]).aggregate(
        n=lambda x: x._n.sum(), handled=lambda x: x._handled.sum(), handle_seconds=lambda x: x._handle.sum())
    return g.execute()


def _instants(s: pd.Series) -> pd.Series:
    """``s`` as datetimes; already datetimes as they are (``pd.to_datetime`` of datetime64[ns]
    walks every value to fill its cache: ~60 ms over the demo's 11k hours)."""
    return s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s)


def dense_history(long: pd.DataFrame, dims: Sequence[str]) -> History:
    """The long hourly counts as a (series, days, 24) array over whole local days, zeros where no contact."""
    from cxmetrics.analyses.spikes import NONE

    if long.empty:
        raise QueryError("no contacts to forecast from: import tickets, calls or interval_volumes first")
    f = long.copy()
    f["hour"] = _instants(f["hour"])
    for d in dims:
        f[d] = f[d].astype(object).where(f[d].notna(), NONE)
    first = f["hour"].min().normalize()
    last = f["hour"].max().normalize()
    days = int((last - first).days) + 1
    f["_day"] = ((f["hour"].dt.normalize() - first).dt.days).astype(int)
    f["_h"] = f["hour"].dt.hour.astype(int)
    if dims:
        codes, uniques = pd.MultiIndex.from_frame(f[list(dims)]).factorize()
        keys = [tuple(u) if isinstance(u, tuple) else (u,) for u in uniques]
    else:
        codes, keys = np.zeros(len(f), dtype=int), [()]
    order = sorted(range(len(keys)), key=lambda i: tuple(str(x) for x in keys[i]))
    rank = np.empty(len(keys), dtype=int)
    rank[order] = np.arange(len(keys))
    s = rank[np.asarray(codes)]
    values = np.zeros((len(keys), days, 24))
    np.add.at(values, (s, f["_day"].to_numpy(), f["_h"].to_numpy()), f["n"].to_numpy(dtype=float))
    at = (s, f["_day"].to_numpy(), f["_h"].to_numpy())
    handled = np.zeros_like(values)
    handle = np.zeros_like(values)
    np.add.at(handled, at, f["handled"].to_numpy(dtype=float))
    np.add.at(handle, at, f["handle_seconds"].to_numpy(dtype=float))
    # each series' AHT ahead, as one figure (the model's overall level; per hour in Forecast.aht_hours)
    aht: list[float | None] = []
    for i in range(len(keys)):
        level = aht_forecast(handled[rank[i]], handle[rank[i]], 1, "decayed_mean")[0, 0]
        aht.append(None if np.isnan(level) else float(level))
    return History(first.date(), tuple(dims), [keys[i] for i in order], values, [aht[i] for i in order],
                   handled, handle)


# -- days left out, holidays -----------------------------------------------------------------------
def holiday_dates(country: str | None, extra: Sequence[dt.date], first: dt.date, last: dt.date,
                  subdivision: str | None = None) -> dict[dt.date, str]:
    """Public holidays of ``country`` (the ``holidays`` package: a country code, or a market whose
    trading holidays a business keeps, such as NYSE) and ``extra`` dates in first..last, with
    their names (an extra date is named by itself)."""
    dates = {d: d.isoformat() for d in extra if first <= d <= last}
    if country:
        import holidays as hol

        years = range(first.year, last.year + 1)
        try:
            if country.upper() in hol.list_supported_financial():
                cal = hol.financial_holidays(country.upper(), years=years)
            else:
                cal = hol.country_holidays(country, subdiv=subdivision, years=years)
        except NotImplementedError:
            raise UsageError(f"the holidays package has no calendar for {country!r} (use an ISO 3166 country "
                             "code such as US or FI, or a market such as NYSE)") from None
        dates.update({d: str(name) for d, name in cal.items() if first <= d <= last})
    return dates


def _weekdays(first: dt.date, n: int) -> npt.NDArray[np.int64]:
    return (np.arange(n) + first.weekday()) % 7


def mask_history(y: FloatArray, first: dt.date, holidays: dict[dt.date, str] | set[dt.date]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """``y`` (days, 24) with holidays and gaps as NaN rows; and which rows were holidays."""
    days = y.shape[0]
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    hol = np.array([d in holidays for d in dates], dtype=bool)
    total = y.sum(axis=1)
    wd = _weekdays(first, days)
    # a weekday is open when it had contacts on at least half of its (non-holiday) days
    open_wd = np.array([(total[(wd == w) & ~hol] > 0).mean() >= 0.5 if ((wd == w) & ~hol).any() else False
                        for w in range(7)])
    gap = (total == 0) & open_wd[wd] & ~hol
    out = y.astype(float).copy()
    out[hol | gap] = np.nan
    return out, hol


def holiday_factors(y: FloatArray, first: dt.date, holidays: dict[dt.date, str],
                    masked: FloatArray) -> tuple[dict[str, float], float]:
    """Each past holiday's contacts over the same weekday's mean of the 4 weeks either side:
    the mean ratio per holiday name, and the median over all past holidays (0 without any)."""
    totals = np.nansum(masked, axis=1)
    valid: npt.NDArray[np.bool_] = np.asarray(~np.isnan(masked).all(axis=1), dtype=bool)
    by_name: dict[str, list[float]] = {}
    for i in range(y.shape[0]):
        name = holidays.get(first + dt.timedelta(days=i))
        if name is None:
            continue
        around = [i + 7 * k for k in (-4, -3, -2, -1, 1, 2, 3, 4) if 0 <= i + 7 * k < len(totals)]
        around = [j for j in around if bool(valid[j])]
        expected = float(np.mean(totals[around])) if around else 0.0
        if expected > 0:
            by_name.setdefault(name, []).append(float(y[i].sum()) / expected)
    ratios = [r for rs in by_name.values() for r in rs]
    return {k: float(np.mean(v)) for k, v in by_name.items()}, float(np.median(ratios)) if ratios else 0.0


# -- models ----------------------------------------------------------------------------------------
def _same_weekday_rows(days: int, horizon: int, weeks: int) -> npt.NDArray[np.int64]:
    """(horizon, weeks): the history row k weeks before each forecast day's weekday slot."""
    h = np.arange(horizon)[:, None]
    k = np.arange(1, weeks + 1)[None, :]
    return np.asarray(days + (h % 7) - 7 * k, dtype=np.int64)


def weekly_mean(hist: FloatArray, horizon: int, weeks: int = WEEKS, half_life: float = HALF_LIFE) -> FloatArray:
    """Each hour: the exponentially weighted mean of the same weekday-hour in the previous weeks."""
    days = hist.shape[0]
    rows = _same_weekday_rows(days, horizon, weeks)  # (H, K)
    w = np.broadcast_to(0.5 ** (np.arange(weeks) / half_life), rows.shape).copy()
    inside = rows >= 0
    x = hist[np.where(inside, rows, 0)]  # (H, K, 24)
    ok = inside[:, :, None] & ~np.isnan(x)
    wk = np.where(ok, w[:, :, None], 0.0)
    num = (np.where(ok, x, 0.0) * wk).sum(axis=1)
    den = wk.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / den, 0.0)
    return np.asarray(out, dtype=np.float64)


def seasonal_naive(hist: FloatArray, horizon: int) -> FloatArray:
    """Each hour: the same hour one week earlier (two, three... when that day was left out)."""
    days = hist.shape[0]
    rows = _same_weekday_rows(days, horizon, max(days // 7, 1))  # (H, K), k = 1, 2, ...
    inside = rows >= 0
    x = hist[np.where(inside, rows, 0)]  # (H, K, 24)
    avail = inside & ~np.isnan(x).all(axis=2)
    first = np.argmax(avail, axis=1)
    out = x[np.arange(horizon), first]
    out[~avail.any(axis=1)] = 0.0
    return np.asarray(np.nan_to_num(out), dtype=np.float64)


def _profile(hist: FloatArray, horizon: int) -> FloatArray:
    """(horizon, 24) intraday shares of each forecast day's weekday over the last PROFILE_WEEKS weeks."""
    m = weekly_mean(hist, horizon, PROFILE_WEEKS, half_life=1e9)
    tot = m.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(tot > 0, m / tot, 0.0), dtype=np.float64)


def ets(hist: FloatArray, horizon: int) -> FloatArray:
    """Holt-Winters on the daily totals (damped additive trend, additive weekly season) x intraday profile."""
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing  # type: ignore[import-untyped]

    totals = np.nansum(hist, axis=1)
    missing = np.isnan(hist).all(axis=1)
    # a left-out day takes the same weekday's weighted mean: the model needs an unbroken series
    filled = totals.copy()
    for i in np.flatnonzero(missing):
        filled[i] = float(weekly_mean(hist[:i], 1).sum()) if i >= 7 else 0.0
    y = filled[-7 * ETS_WEEKS:]
    if len(y) < 14:
        return weekly_mean(hist, horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimiser
        fit = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7).fit()
        daily = np.maximum(np.asarray(fit.forecast(horizon), dtype=float), 0.0)
    return np.asarray(daily[:, None] * _profile(hist, horizon), dtype=np.float64)


FUNCTIONS: dict[str, Callable[[FloatArray, int], FloatArray]] = {
    "weekly_mean": weekly_mean, "seasonal_naive": seasonal_naive, "ets": ets}


# -- intervals -------------------------------------------------------------------------------------
def nb_quantile(mu: FloatArray, alpha: float, q: float) -> FloatArray:
    """Mid-p quantile of a negative binomial of mean ``mu`` and variance ``mu + alpha mu^2``."""
    a = max(alpha, 1e-6)  # alpha -> 0 is Poisson
    m = np.maximum(mu, 1e-12)
    n = np.full_like(m, 1.0 / a)
    p = n / (n + m)
    k = _nb_ppf(q, n, p)
    below = _nb_cdf(k - 1, n, p)
    pk = np.maximum(_nb_pmf(k, n, p), 1e-300)
    out = np.maximum(k - 0.5 + (q - below) / pk, 0.0)
    return np.asarray(np.where(mu > 0, out, 0.0), dtype=np.float64)


# The negative binomial (failures before the n-th success, success probability p) from
# scipy.special: ``scipy.stats`` would cost ~0.45 s of the import of every report and server
# (issue 12). tests/test_forecast.py checks them against ``scipy.stats.nbinom``.
def _nb_cdf(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """P(X <= k): the regularized incomplete beta I_p(n, k + 1); 0 below 0."""
    from scipy.special import betainc

    k = np.floor(k)
    return np.asarray(np.where(k < 0, 0.0, betainc(n, np.maximum(k, 0.0) + 1.0, p)), dtype=np.float64)


def _nb_pmf(k: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """P(X = k) = C(k + n - 1, k) p^n (1 - p)^k, in logs (a large n over a few k keeps its digits
    through ``gammaln`` differences of ~k log n)."""
    from scipy.special import gammaln, xlog1py

    log = gammaln(n + k) - gammaln(k + 1.0) - gammaln(n) + n * np.log(p) + xlog1py(k, -p)
    return np.asarray(np.where(k < 0, 0.0, np.exp(log)), dtype=np.float64)


def _nb_ppf(q: float, n: FloatArray, p: FloatArray) -> FloatArray:
    """The smallest whole k >= 0 with P(X <= k) >= q (0 < q < 1): a start from the inverse of
    the continuous CDF, then whole steps until the definition holds exactly."""
    from scipy.special import nbdtrik

    k = np.maximum(np.ceil(np.nan_to_num(nbdtrik(q, n, p), nan=0.0)), 0.0)
    for _ in range(64):  # the start is within a step or two; each pass moves a step
        up = _nb_cdf(k, n, p) < q
        down = (k > 0) & (_nb_cdf(k - 1.0, n, p) >= q)
        if not (up.any() or down.any()):
            break
        k = k + up - down
    return k


Aggregate = Callable[[FloatArray], FloatArray]


def _per_hour(x: FloatArray) -> FloatArray:
    return x


def _per_day(x: FloatArray) -> FloatArray:
    return np.asarray(x.sum(axis=-1, keepdims=True), dtype=np.float64)


def _alpha(errors: list[tuple[FloatArray, FloatArray]]) -> float:
    """Method-of-moments over-dispersion from (forecast, actual) pairs on open points with data."""
    num = den = 0.0
    for fc, act in errors:
        ok = ~np.isnan(act) & (fc > 0)
        num += float((((act - fc) ** 2) - fc)[ok].sum())
        den += float((fc[ok] ** 2).sum())
    return max(num / den, 0.0) if den > 0 else 0.0


@dataclass
class SeriesForecast:
    mean: FloatArray  # (horizon, 24) or (horizon, 1)
    bounds: dict[str, FloatArray]
    alpha: float


def forecast_series(y: FloatArray, first: dt.date, horizon: int, *, model: str, holidays: dict[dt.date, str],
                    agg: Aggregate = _per_hour, events: dict[dt.date, float] | None = None) -> SeriesForecast:
    """Forecast the ``horizon`` days after ``y`` (days, 24), at the grain ``agg`` gives; a known
    event multiplies its day's forecast by its factor (after the holiday factor)."""
    masked, hol = mask_history(y, first, holidays)
    fn = FUNCTIONS[model]
    days = y.shape[0]
    named, usual = holiday_factors(y, first, holidays, masked)

    def predict(h: FloatArray, start: int, n: int) -> FloatArray:
        out = fn(h, n)
        for i in range(n):
            name = holidays.get(first + dt.timedelta(days=start + i))
            if name is not None:
                out[i] = out[i] * named.get(name, usual)
        return out

    raw = predict(masked, days, horizon)
    for d, factor in (events or {}).items():
        i = (d - first).days - days
        if 0 <= i < horizon:
            raw[i] = raw[i] * factor
    mean = agg(raw)
    pairs = []
    for j in range(1, CALIBRATION + 1):
        o = days - j * horizon
        if o < 7 * MIN_WEEKS:
            break
        actual = y[o:o + horizon].astype(float).copy()
        actual[np.isnan(masked[o:o + horizon]).all(axis=1) & ~hol[o:o + horizon]] = np.nan  # gaps
        pairs.append((agg(predict(masked[:o], o, horizon)), agg(actual)))
    if not pairs:  # too short a history to calibrate on whole horizons: use one-week windows
        for j in range(1, CALIBRATION + 1):
            o = days - 7 * j
            if o < 7 * (MIN_WEEKS - 1):
                break
            actual = y[o:o + 7].astype(float).copy()
            actual[np.isnan(masked[o:o + 7]).all(axis=1) & ~hol[o:o + 7]] = np.nan
            pairs.append((agg(predict(masked[:o], o, 7)), agg(actual)))
    alpha = _alpha(pairs)
    bounds = {}
    for level in LEVELS:
        tag = f"{round(level * 100)}"
        bounds[f"lower_{tag}"] = nb_quantile(mean, alpha, (1 - level) / 2)
        bounds[f"upper_{tag}"] = nb_quantile(mean, alpha, (1 + level) / 2)
    return SeriesForecast(mean, bounds, alpha)


# -- backtest --------------------------------------------------------------------------------------
def backtest(history: History, horizon: int, *, model: str, holidays: dict[dt.date, str], folds: int = 4,
             grain: str = "hour") -> dict[str, Any]:
    """Rolling-origin backtest over the last ``folds`` windows of ``horizon`` days (module doc)."""
    agg = _per_day if grain == "day" else _per_hour
    folds = min(folds, max((history.days - 7 * (MIN_WEEKS + 1)) // horizon, 0))
    series: list[dict[str, Any]] = []
    tot = {"err": 0.0, "naive": 0.0, "in80": 0, "in95": 0, "n": 0}
    for key, y in zip(history.keys, history.values, strict=True):
        s = {"err": 0.0, "naive": 0.0, "in80": 0, "in95": 0, "n": 0}
        masked, hol = mask_history(y, history.first_day, holidays)
        for k in range(folds, 0, -1):
            o = history.days - k * horizon
            fc = forecast_series(y[:o], history.first_day, horizon, model=model, holidays=holidays, agg=agg)
            naive = agg(seasonal_naive(masked[:o], horizon))
            actual = y[o:o + horizon].astype(float).copy()
            actual[np.isnan(masked[o:o + horizon]).all(axis=1) & ~hol[o:o + horizon]] = np.nan
            act = agg(actual)
            ok = ~np.isnan(act) & ((fc.mean > 0) | (act > 0))
            s["err"] += float(np.abs(fc.mean - act)[ok].sum())
            s["naive"] += float(np.abs(naive - act)[ok].sum())
            s["in80"] += int(((act >= fc.bounds["lower_80"]) & (act <= fc.bounds["upper_80"]))[ok].sum())
            s["in95"] += int(((act >= fc.bounds["lower_95"]) & (act <= fc.bounds["upper_95"]))[ok].sum())
            s["n"] += int(ok.sum())
        for k2 in tot:
            tot[k2] += s[k2]
        series.append({**dict(zip(history.dims, key, strict=True)), **_scores(s)})
    return {**_scores(tot), "model": model, "baseline": "seasonal_naive", "folds": folds,
            "horizon_days": horizon, "grain": grain, "series": series if history.dims else []}


def _scores(s: dict[str, Any]) -> dict[str, Any]:
    n = s["n"]
    return {"mase": s["err"] / s["naive"] if s["naive"] > 0 else None,
            "coverage_80": s["in80"] / n if n else None, "coverage_95": s["in95"] / n if n else None,
            "mae": s["err"] / n if n else None, "naive_mae": s["naive"] / n if n else None, "points": n}


def check_density(history: History) -> None:
    """Refuse a history too sparse to forecast: over the model's window (the last ``WEEKS`` weeks),
    fewer than ``MIN_DENSITY`` of the days of the weekdays with any contact have contacts (all series
    together). Such a series is bursts between silences (a sample of a larger export, a desk
    contacted a few times a month); a forecast of it would be noise with misleadingly narrow bounds."""
    window = min(history.days, 7 * WEEKS)
    daily = history.values[:, -window:, :].sum(axis=(0, 2))
    wd = _weekdays(history.last_day - dt.timedelta(days=window - 1), window)
    active = np.isin(wd, wd[daily > 0])
    busy = int((daily > 0).sum())
    if busy < MIN_DENSITY * int(active.sum()):
        raise QueryError(
            f"too sparse to forecast: contacts on {busy} of the last {window} days (to {history.last_day}); "
            f"a forecast needs contacts on at least {MIN_DENSITY:.0%} of the days of the weekdays that have any, "
            "else it would be noise. Check that the whole export was imported.")


# -- the whole run ---------------------------------------------------------------------------------
@dataclass
class Forecast:
    """The answer of ``cxm forecast`` and ``/api/v1/forecast``."""

    records: list[dict[str, Any]]
    backtest: dict[str, Any]
    aht: list[dict[str, Any]]
    meta: dict[str, Any]
    #: the backtest of the AHT forecast (module aht)
    aht_backtest: dict[str, Any] = field(default_factory=dict)
    #: per series key: the forecast AHT of each hour ahead (horizon x 24 values; NaN without data)
    aht_hours: dict[tuple[Any, ...], FloatArray] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"forecast": self.records, "backtest": self.backtest, "aht": self.aht,
                "aht_backtest": self.aht_backtest, **self.meta}


def pick_source(engine: Engine, source: str) -> str:
    """``auto``: tickets if there are any, else calls, else interval_volumes."""
    if source != "auto":
        if source not in SOURCES:
            raise UsageError(f"--source must be auto or one of {', '.join(SOURCES)}, not {source!r}")
        return source
    for name in SOURCES:
        if int(engine.source(name).count().execute()) > 0:
            return name
    raise QueryError("no contacts to forecast from: import tickets, calls or interval_volumes first")


def forecast(history: History, horizon: int, *, model: str = "weekly_mean", grain: str = "hour",
             holidays: dict[dt.date, str] | None = None,
             events: dict[dt.date, float] | None = None) -> list[dict[str, Any]]:
    """Forecast records for ``horizon`` days after the history, one per series and period."""
    hol = holidays or {}
    agg = _per_day if grain == "day" else _per_hour
    start = history.last_day + dt.timedelta(days=1)
    frames = []
    for key, y in zip(history.keys, history.values, strict=True):
        fc = forecast_series(y, history.first_day, horizon, model=model, holidays=hol, agg=agg, events=events)
        f = pd.DataFrame({"value": fc.mean.ravel(), **{k: v.ravel() for k, v in fc.bounds.items()}})
        base = pd.Timestamp(start)
        if grain == "day":
            f.insert(0, "period_start", [(base + pd.Timedelta(days=i)).date().isoformat() for i in range(horizon)])
        else:
            stamps = base + pd.to_timedelta(np.arange(horizon * 24), unit="h")
            f.insert(0, "period_start", stamps.strftime("%Y-%m-%dT%H:%M:%S"))
        for d, v in zip(history.dims, key, strict=True):
            f.insert(1 + history.dims.index(d), d, v)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    num = ["value", "lower_80", "upper_80", "lower_95", "upper_95"]
    out[num] = out[num].round(3)
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in out.to_dict(orient="records")]


def run(engine: Engine, *, horizon: int = 28, grain: str = "hour", by: Sequence[str] = (),
        source: str = "auto", model: str = "weekly_mean", tz: str | None = None, country: str | None = None,
        folds: int = 4, backtest_: bool = True, events: dict[dt.date, float] | None = None,
        until: dt.date | None = None, hourly: pd.DataFrame | None = None) -> Forecast:
    """Load the history, forecast ``horizon`` days and backtest the same model. ``until``: the
    history ends on that local day at the latest (a report's forecast from its month's end).
    ``hourly``: :func:`hourly_history` of this engine, source, ``by`` and zone, when the caller
    already has it (the report forecasts by day and by hour from one history)."""
    if grain not in ("hour", "day"):
        raise UsageError(f"--grain must be hour or day, not {grain!r}")
    if not 1 <= horizon <= 366:
        raise UsageError(f"--horizon is in days, 1 to 366 (12 weeks = 84), not {horizon}")
    if model not in MODELS:
        raise UsageError(f"--model must be one of {', '.join(MODELS)}, not {model!r}")
    if folds < 0 or folds > 12:
        raise UsageError(f"--folds must be 0 to 12, not {folds}")
    config = engine.config
    zone_name = tz or config.timezone
    src = pick_source(engine, source)
    long = hourly_history(engine, src, by, zone_name) if hourly is None else hourly
    if until is not None:
        long = long[_instants(long["hour"]) < pd.Timestamp(until + dt.timedelta(days=1))]
    history = dense_history(long, by)
    if history.days < 7 * MIN_WEEKS:
        raise QueryError(f"{history.days} days of history: a forecast needs at least {MIN_WEEKS} weeks")
    check_density(history)
    bh = config.business_hours
    ctry = country or bh.country
    end = history.last_day + dt.timedelta(days=horizon)
    hol = holiday_dates(ctry, bh.holidays, history.first_day, end,
                        bh.subdivision if ctry == bh.country else None)
    records = forecast(history, horizon, model=model, grain=grain, holidays=hol, events=events)
    bt = backtest(history, horizon, model=model, holidays=hol, folds=folds, grain=grain) if backtest_ else {}
    aht = [{**dict(zip(history.dims, k, strict=True)), "aht_seconds": None if a is None else round(a, 1)}
           for k, a in zip(history.keys, history.aht, strict=True)]
    assert history.handled is not None and history.handle is not None
    hours = {k: aht_forecast(n, h, horizon).ravel()
             for k, n, h in zip(history.keys, history.handled, history.handle, strict=True)}
    aht_bt = run_aht_backtest(history, horizon, bt.get("folds", 0)) if backtest_ else {}
    meta = {"source": src, "model": model, "grain": grain, "horizon_days": horizon, "timezone": zone_name,
            "by": list(by), "history_from": history.first_day.isoformat(), "history_to": history.last_day.isoformat(),
            "holidays": [{"date": d.isoformat(), "name": n} for d, n in sorted(hol.items()) if d > history.last_day],
            "country": ctry, "events": {d.isoformat(): f for d, f in sorted((events or {}).items())}}
    return Forecast(records, bt, aht, meta, aht_bt, hours)


def run_aht_backtest(history: History, horizon: int, folds: int, model: str = "hour_of_week") -> dict[str, Any]:
    """The AHT model's backtest on the volume backtest's windows, pooled and per series (module aht)."""
    assert history.handled is not None and history.handle is not None
    tot = {"err": 0.0, "naive": 0.0, "ape": 0.0, "n": 0.0, "days": 0}
    series = []
    for key, n, h in zip(history.keys, history.handled, history.handle, strict=True):
        s = aht_backtest(n, h, horizon, folds, model)
        for k in tot:
            tot[k] += s[k]
        series.append({**dict(zip(history.dims, key, strict=True)), **aht_scores(s)})
    return {**aht_scores(tot), "model": model, "baseline": "seasonal_naive", "folds": folds,
            "horizon_days": horizon, "series": series if history.dims else []}
