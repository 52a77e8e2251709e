"""Issue 15's last gaps: the AHT forecast and its backtest, asynchronous channels staffed against
their response-time target over business hours, coverage per channel, histories too short or
too sparse to forecast, and the real TWCS and Kaggle series."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmetrics.analyses import aht as A
from cxmetrics.analyses import forecast as fc
from cxmetrics.analyses.plan import plan_with_coverage, response_target_agents
from cxmetrics.errors import QueryError
from tests.conftest import ROOT
from tests.test_forecast import _cxm, _interval_frame, synthetic


def _handle(weeks: int = 12, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Handled contacts and handle seconds per day and hour: mornings (09-11) take 600 s, other hours 300 s."""
    rng = np.random.default_rng(seed)
    n = synthetic(weeks=weeks, seed=seed)
    mean = np.where((np.arange(24) >= 9) & (np.arange(24) < 12), 600.0, 300.0)
    per_contact = rng.gamma(20.0, mean / 20.0, size=n.shape)  # each hour's mean handle time, noisy
    return n, n * per_contact


def test_aht_forecast_follows_the_hour_of_the_week() -> None:
    n, h = _handle()
    f = A.aht_forecast(n, h, 7)
    assert f.shape == (7, 24)
    monday = (7 * 12) % 7  # the forecast starts on a Monday
    assert f[monday, 10] == pytest.approx(600, rel=0.15) and f[monday, 15] == pytest.approx(300, rel=0.15)
    # closed hours (no contacts) take the overall level, not NaN
    assert np.isfinite(f).all() and f[monday, 3] == pytest.approx(A.aht_forecast(n, h, 1, "decayed_mean")[0, 0])
    assert np.isnan(A.aht_forecast(np.zeros((21, 24)), np.zeros((21, 24)), 3)).all()
    # backtested on days: beats seasonal naive (a day's AHT here moves only by noise, so the plain
    # mean is as good: the hour-of-week model pays off where the mix of hours changes)
    hw = A.aht_scores(A.aht_backtest(n, h, 14, 3))
    assert hw["mase"] < 1 and hw["mape"] < 0.15, hw
    assert hw["days"] == 3 * 10  # weekdays of three 14-day windows


def test_aht_backtest_is_in_the_forecast_json(store) -> None:
    frame = _interval_frame(synthetic(weeks=8))
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", frame)
    out = fc.run(store.engine(), horizon=7, by=["channel"], folds=2).to_json()
    bt = out["aht_backtest"]
    assert bt["model"] == "hour_of_week" and bt["folds"] == 2 and bt["mape"] == pytest.approx(0.0, abs=1e-9)
    assert bt["series"][0]["channel"] == "phone" and bt["series"][0]["contacts"] > 0


def test_asynchronous_work_is_staffed_in_business_hours_within_the_target() -> None:
    hours = 48
    open_ = np.zeros(hours, dtype=bool)
    open_[9:17] = open_[33:41] = True
    volume = np.zeros(hours)
    volume[2] = 36.0  # 36 e-mails at 02:00, 1 800 s each: 18 agent-hours of work
    aht = np.full(hours, 1800.0)
    one_hour = response_target_agents(volume, aht, open_, 3600, 1.0)
    assert (one_hour[~open_] == 0).all()
    assert one_hour[9] == 18 and one_hour[10:].sum() == 0  # answered in the first open hour
    day = response_target_agents(volume, aht, open_, 8 * 3600, 1.0)
    assert list(day[9:17]) == [3] * 8 and day[33:].sum() == 0  # spread over a business day
    assert response_target_agents(volume, aht, open_, 8 * 3600, 0.5)[9] == 5  # at most 50% busy
    # no business hours at all: every hour is open
    assert response_target_agents(volume, aht, np.zeros(hours, dtype=bool), 3600, 1.0)[2] == 18


def test_coverage_per_channel_against_each_channel_s_schedule(store) -> None:
    y = synthetic(weeks=6)
    phone = _interval_frame(y)
    email = _interval_frame(y).assign(channel="email", aht_seconds=900.0)
    frame = pd.concat([phone, email], ignore_index=True)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", frame)
    engine = store.engine()
    result = fc.run(engine, horizon=7, by=["channel"], folds=0)
    start = pd.Timestamp(result.meta["history_to"]) + pd.Timedelta(days=1)
    stamps = start + pd.to_timedelta(range(7 * 24), unit="h")
    store.import_frame("schedules", pd.DataFrame({"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                  "interval_minutes": 60, "agents": 2.0, "channel": "phone"}))
    out = plan_with_coverage(result, store.engine())
    per = {s["channel"]: s for s in out["coverage"]["series"]}
    assert set(per) == {"email", "phone"}
    assert per["phone"]["method"] == "erlang_c" and per["phone"]["basis"] == "dates"
    assert per["email"]["method"] == "response_target" and per["email"]["basis"] is None  # no e-mail schedule
    # e-mail needs no one out of business hours (09-17 on weekdays by default)
    email_plan = [r for r in out["staffing"] if r["channel"] == "email"]
    assert all(r["agents"] == 0 for r in email_plan if not 9 <= int(r["period_start"][11:13]) < 17)
    assert sum(r["agents"] for r in email_plan) > 0
    # the pooled heatmap still adds all channels
    pooled = {(c["weekday"], c["hour"]): c["required"] for c in out["coverage"]["cells"]}
    for c in per["phone"]["cells"]:
        assert pooled[(c["weekday"], c["hour"])] >= c["required"]


def test_too_short_and_too_sparse_histories_are_refused_clearly(store, tmp_path: Path) -> None:
    y = synthetic(weeks=2)
    frame = _interval_frame(y)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", frame)
    with pytest.raises(QueryError, match="a forecast needs at least 3 weeks"):
        fc.run(store.engine(), horizon=7)
    # a contact every ~4th day over 12 weeks: bursts between silences
    sparse = np.zeros((84, 24))
    sparse[::4, 10] = 5.0
    rows = _interval_frame(sparse)
    rows["interval_start"] = (rows["interval_start"] + pd.Timedelta(weeks=10)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", rows)
    with pytest.raises(QueryError, match="too sparse to forecast: contacts on 21 of the last 112 days"):
        fc.run(store.engine(), horizon=7)
    store.close()
    code, out, err = _cxm(tmp_path, Path(store.path), "forecast", "--format", "json")
    assert code != 0 and out == "" and "too sparse to forecast" in err and "Traceback" not in err


# -- real series: TWCS and the Kaggle tickets ------------------------------------------------------
@pytest.mark.realdata
def test_twcs_sample_is_too_sparse_to_forecast(realdata: Path, store, tmp_path: Path) -> None:
    """The sample is the first 5,000 tweets of the file: 1,312 conversations over 2011-2017, 70% of
    them on one day. Not a volume series: the command says so instead of printing a forecast."""
    store.import_file("tickets", realdata / "twcs_sample.csv", source="twcs")
    with pytest.raises(QueryError, match="too sparse to forecast"):
        fc.run(store.engine(), horizon=7)


@pytest.mark.realdata
def test_kaggle_tickets_backtest(realdata: Path, store) -> None:
    """8,469 tickets, 2020-2021, dated by day only (Date of Purchase stands in for created_at), so the
    daily grain is the honest one; about 2.5 tickets a day per channel."""
    res = store.import_file("tickets", realdata / "kaggle_support_tickets.csv",
                            mapping=ROOT / "examples" / "mappings" / "kaggle_support_tickets.toml")
    assert res.inserted > 7000
    out = fc.run(store.engine(), horizon=28, grain="day", by=["channel"]).to_json()
    bt = out["backtest"]
    assert bt["folds"] == 4 and bt["mase"] < 1 and 0.7 <= bt["coverage_80"] <= 0.9, bt
    assert bt["coverage_95"] >= 0.9, bt
    assert out["aht_backtest"]["contacts"] == 0 and all(a["aht_seconds"] is None for a in out["aht"])  # no handle times
    json.dumps(out)
