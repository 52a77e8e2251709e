"""Volume forecasts (`cxmetrics.analyses.forecast`, `cxm forecast`): closed hours and holidays
forecast zero, gaps are not zeros, the backtest beats seasonal naive with calibrated intervals
on a synthetic series, on the small demo and on the real bank call-centre series; the JSON
shape of the CLI; interval_volumes as the history; the staffing plan."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxmetrics.analyses import forecast as fc
from cxmetrics.errors import CxmError

FIRST = dt.date(2025, 1, 6)  # a Monday


def synthetic(weeks: int = 30, seed: int = 1, level: float = 20.0) -> np.ndarray:
    """Poisson contacts, weekdays 08:00-17:59 only, busier on Mondays and late mornings."""
    rng = np.random.default_rng(seed)
    days = 7 * weeks
    hour = np.arange(24)
    shape = np.where((hour >= 8) & (hour < 18), 1 + np.exp(-((hour - 10.5) ** 2) / 8), 0.0)
    wd = (np.arange(days) + FIRST.weekday()) % 7
    day_level = np.where(wd < 5, level * np.where(wd == 0, 1.4, 1.0), 0.0)
    trend = 1 + 0.1 * np.arange(days) / days
    mu = (day_level * trend)[:, None] * shape[None, :]
    return rng.poisson(mu).astype(float)


def history(y: np.ndarray) -> fc.History:
    return fc.History(FIRST, (), [()], y[None, :, :], [300.0])


def test_closed_hours_and_weekends_forecast_exactly_zero() -> None:
    y = synthetic()
    out = fc.forecast(history(y), 14)
    f = pd.DataFrame(out)
    stamps = pd.to_datetime(f["period_start"])
    closed = (stamps.dt.weekday >= 5) | (stamps.dt.hour < 8) | (stamps.dt.hour >= 18)
    assert (f.loc[closed, ["value", "lower_80", "upper_80", "lower_95", "upper_95"]] == 0).all().all()
    assert (f.loc[~closed, "value"] > 0).all()
    assert (f["lower_95"] <= f["lower_80"]).all() and (f["lower_80"] <= f["value"] + 1).all()
    assert (f["upper_80"] <= f["upper_95"]).all()
    assert stamps.iloc[0] == pd.Timestamp(FIRST + dt.timedelta(days=y.shape[0]))


def test_backtest_beats_seasonal_naive_with_calibrated_intervals() -> None:
    y = synthetic(weeks=40, seed=3)
    for grain in ("hour", "day"):
        bt = fc.backtest(history(y), 28, model="weekly_mean", holidays={}, grain=grain)
        assert bt["folds"] == 4 and bt["points"] > 0
        assert bt["mase"] < 0.9, (grain, bt)
        assert 0.7 <= bt["coverage_80"] <= 0.9, (grain, bt)
        assert 0.88 <= bt["coverage_95"] <= 0.99, (grain, bt)
    naive = fc.backtest(history(y), 28, model="seasonal_naive", holidays={})
    assert naive["mase"] == pytest.approx(1.0)  # the benchmark against itself


def test_holidays_closed_in_the_history_forecast_zero_and_gaps_are_not_zeros() -> None:
    y = synthetic(weeks=20)
    days = y.shape[0]
    holiday = FIRST + dt.timedelta(days=7 * 10 + 2)  # a Wednesday, closed
    gap = FIRST + dt.timedelta(days=7 * 19 + 1)  # the last Tuesday: missing from the export
    y[(holiday - FIRST).days] = 0
    y[(gap - FIRST).days] = 0
    future_holiday = FIRST + dt.timedelta(days=days + 3)  # a Thursday ahead
    hol = {holiday: "Founders Day", future_holiday: "Founders Day"}
    f = pd.DataFrame(fc.forecast(history(y), 7, holidays=hol))
    f["day"] = pd.to_datetime(f["period_start"]).dt.date
    per_day = f.groupby("day")["value"].sum()
    assert per_day[future_holiday] == 0
    # the gap is left out, not read as a zero: next Tuesday is forecast like other Tuesdays
    tuesday = FIRST + dt.timedelta(days=days + 1)
    assert per_day[tuesday] > 0.8 * y[(gap - FIRST).days - 7].sum()
    masked, was_holiday = fc.mask_history(y, FIRST, hol)
    assert np.isnan(masked[(gap - FIRST).days]).all() and np.isnan(masked[(holiday - FIRST).days]).all()
    assert was_holiday.sum() == 1


def test_a_holiday_the_history_shows_open_keeps_its_share() -> None:
    y = synthetic(weeks=20)
    days = y.shape[0]
    past = FIRST + dt.timedelta(days=7 * 10 + 2)
    y[(past - FIRST).days] *= 0.5  # half a normal day
    ahead = FIRST + dt.timedelta(days=days + 2)
    f = pd.DataFrame(fc.forecast(history(y), 7, holidays={past: "Half Day", ahead: "Half Day"},
                                 events={ahead + dt.timedelta(days=1): 2.0}))
    per_day = f.groupby(pd.to_datetime(f["period_start"]).dt.date)["value"].sum()
    ratio = per_day[ahead] / per_day[ahead - dt.timedelta(days=1)]
    assert 0.35 < ratio < 0.65
    assert per_day[ahead + dt.timedelta(days=1)] > 1.6 * per_day[ahead - dt.timedelta(days=1)]


@settings(max_examples=settings.default.max_examples // 2, deadline=None)
@given(mu=st.lists(st.floats(0, 500), min_size=1, max_size=20), alpha=st.floats(0, 0.5),
       q=st.sampled_from([0.025, 0.1, 0.9, 0.975]))
def test_nb_quantiles_are_ordered_and_zero_at_zero(mu: list[float], alpha: float, q: float) -> None:
    m = np.asarray(mu)
    lo, hi = fc.nb_quantile(m, alpha, q), fc.nb_quantile(m, alpha, 1 - q)
    assert (lo >= 0).all() and (lo[m == 0] == 0).all()
    if q < 0.5:
        assert (lo <= hi + 1e-9).all()


def _nb_quantile_by_scipy_stats(mu: np.ndarray, alpha: float, q: float) -> np.ndarray:
    """The mid-p quantile as first written, on ``scipy.stats.nbinom``."""
    from scipy.stats import nbinom

    a = max(alpha, 1e-6)
    m = np.maximum(mu, 1e-12)
    n = 1.0 / a
    p = n / (n + m)
    k = nbinom.ppf(q, n, p)
    below = nbinom.cdf(k - 1, n, p)
    pk = np.maximum(nbinom.pmf(k, n, p), 1e-300)
    return np.where(mu > 0, np.maximum(k - 0.5 + (q - below) / pk, 0.0), 0.0)


@settings(max_examples=300, deadline=None)
@given(mu=st.lists(st.one_of(st.floats(0, 500), st.floats(0, 1e5), st.floats(0, 1e-6)), min_size=1, max_size=20),
       alpha=st.one_of(st.floats(0, 0.5), st.floats(0, 1e-5), st.floats(0.5, 20)),
       q=st.one_of(st.sampled_from([0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975]), st.floats(0.001, 0.999)))
def test_nb_quantiles_equal_scipy_stats(mu: list[float], alpha: float, q: float) -> None:
    """The negative binomial from scipy.special (no scipy.stats import) gives scipy.stats'
    quantile: the same whole step k, and the mid-p interpolation to 1e-9."""
    m = np.asarray(mu)
    np.testing.assert_allclose(fc.nb_quantile(m, alpha, q), _nb_quantile_by_scipy_stats(m, alpha, q),
                               rtol=1e-9, atol=1e-9)


def test_weekly_mean_is_a_weighted_mean_of_the_same_hour() -> None:
    hist = np.zeros((21, 24))
    hist[[0, 7, 14], 9] = [10.0, 20.0, 40.0]  # three Mondays at 09:00
    out = fc.weekly_mean(hist, 7, weeks=3, half_life=1.0)  # weights 1, 1/2, 1/4 from the latest
    assert out[0, 9] == pytest.approx((40 + 20 / 2 + 10 / 4) / 1.75)
    assert out[1:].sum() == 0
    assert fc.seasonal_naive(hist, 7)[0, 9] == 40.0


# -- through the store and the CLI ----------------------------------------------------------------
def _interval_frame(y: np.ndarray, minutes: int = 30) -> pd.DataFrame:
    """The hourly synthetic series as an interval report: two half-hours per hour."""
    stamps = pd.Timestamp(FIRST) + pd.to_timedelta(np.arange(y.size), unit="h")
    half = y.ravel() // 2
    rows = pd.DataFrame({"interval_start": np.r_[stamps, stamps + pd.Timedelta(minutes=minutes)],
                         "offered": np.r_[half, y.ravel() - half].astype(int)})
    rows = rows[rows["offered"] > 0]  # closed intervals are not in the export
    return rows.assign(interval_minutes=minutes, channel="phone", queue="main", handled=rows["offered"],
                       aht_seconds=240.0)


def test_interval_volumes_are_the_history_when_they_are_the_only_one(store) -> None:
    y = synthetic(weeks=12)
    frame = _interval_frame(y)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    res = store.import_frame("interval_volumes", frame)
    assert res.rejected == 0
    out = fc.run(store.engine(), horizon=14, by=["channel"]).to_json()
    # the history ends on the last day with contacts (a Friday): the forecast starts the day after
    assert out["source"] == "interval_volumes" and out["history_to"] == (FIRST + dt.timedelta(days=81)).isoformat()
    assert out["aht"] == [{"channel": "phone", "aht_seconds": 240.0}]
    assert {"period_start", "channel", "value", "lower_80", "upper_80", "lower_95", "upper_95"} == set(out["forecast"][0])
    assert len(out["forecast"]) == 14 * 24
    total = sum(r["value"] for r in out["forecast"])
    assert total == pytest.approx(y[-14:].sum(), rel=0.15)
    with pytest.raises(CxmError):
        fc.run(store.engine(), horizon=14, by=["category"])  # not a dimension of interval reports
    with pytest.raises(CxmError):
        fc.run(store.engine(), horizon=0)


def _cxm(tmp_path: Path, db: Path, *args: str) -> tuple[int, str, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    config = tmp_path / "cxm.toml"
    config.write_text("", encoding="utf-8")
    res = CliRunner().invoke(app, ["--db", str(db), "--config", str(config), *args])
    return res.exit_code, res.stdout, res.stderr


def test_cli_forecast_json_on_the_small_demo(small_demo: Path, tmp_path: Path) -> None:
    code, out, err = _cxm(tmp_path, small_demo, "forecast", "--grain", "day", "--horizon", "28", "--by",
                          "channel", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data["backtest"]) >= {"mase", "coverage_80", "coverage_95"}
    channels = {r["channel"] for r in data["forecast"]}
    assert {"email", "chat", "phone"} <= channels
    assert len(data["forecast"]) == 28 * len(channels)
    assert set(data["forecast"][0]) == {"period_start", "channel", "value", "lower_80", "upper_80", "lower_95",
                                        "upper_95"}
    # the demo: beats seasonal naive with 80% intervals covering 70-90% of held-out days
    bt = data["backtest"]
    assert bt["mase"] < 1 and 0.7 <= bt["coverage_80"] <= 0.9, bt
    code, out, err = _cxm(tmp_path, small_demo, "forecast", "--horizon", "7", "--staff", "--format", "json")
    assert code == 0, err
    plan = json.loads(out)["staffing"]
    assert len(plan) == 7 * 24 and all(r["agents"] >= 0 for r in plan)
    assert all(r["agents"] == 0 for r in plan if r["volume"] == 0)
    code, out, err = _cxm(tmp_path, small_demo, "forecast", "--horizon", "7", "--staff", "--volume-change", "0.5",
                          "--folds", "0", "--format", "json")
    assert code == 0, err
    more = json.loads(out)
    assert more["what_if"]["volume_change"] == 0.5 and more["coverage"]["basis"] is None
    assert sum(r["agents"] for r in more["staffing"]) > sum(r["agents"] for r in plan)
    code, _, err = _cxm(tmp_path, small_demo, "forecast", "--grain", "week")
    assert code == 2 and "error:" in err
    code, _, err = _cxm(tmp_path, small_demo, "forecast", "--event", "tomorrow=2")
    assert code == 2 and "--event" in err


# -- the real bank call-centre series -------------------------------------------------------------
@pytest.mark.realdata
@pytest.mark.slow
def test_bank_call_centre_backtest(realdata: Path, store) -> None:
    """Weinberg, Brown & Stroud's bank: 5-minute calls, weekdays 07:00-21:00 (fpp3 `bank_calls`)."""
    root = Path(__file__).resolve().parents[1]
    res = store.import_file("interval_volumes", realdata / "bank_calls_5min.csv",
                            mapping=root / "examples" / "mappings" / "bank_calls_5min.toml")
    assert res.inserted == 27_716
    engine = store.engine()
    hourly = fc.run(engine, horizon=28, grain="hour", country="NYSE")
    bt = hourly.backtest
    assert bt["mase"] < 1 and 0.7 <= bt["coverage_80"] <= 0.9 and bt["coverage_95"] >= 0.85, bt
    f = pd.DataFrame(hourly.records)
    stamps = pd.to_datetime(f["period_start"])
    closed = (stamps.dt.weekday >= 5) | (stamps.dt.hour < 7) | (stamps.dt.hour >= 22)
    assert (f.loc[closed, "value"] == 0).all() and (f.loc[~closed & (stamps.dt.hour < 21), "value"] > 0).all()
    # Veterans Day is a trading day on the NYSE: forecast as a normal Tuesday
    daily = fc.run(engine, horizon=28, grain="day", country="NYSE", folds=4)
    assert daily.backtest["mase"] < 1, daily.backtest
    by_day = {r["period_start"]: r["value"] for r in daily.records}
    assert by_day["2003-11-11"] > 25_000 and by_day["2003-11-08"] == 0
    us = fc.run(engine, horizon=28, grain="day", country="US", backtest_=False)
    assert {r["period_start"]: r["value"] for r in us.records}["2003-11-11"] == 0  # a US public holiday
