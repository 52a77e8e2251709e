"""Required against scheduled agents (`cxmetrics.analyses.plan`): the schedules table read per
local hour, the heatmap's cells by hour of the week, gaps where fewer are scheduled than needed,
and the what-if factors."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cxmetrics.analyses import forecast as fc
from cxmetrics.analyses.plan import coverage, scheduled_hours, staffing_plan
from tests.test_forecast import _interval_frame, synthetic


def _schedule(start: pd.Timestamp, days: int, agents: float, minutes: int = 30) -> pd.DataFrame:
    stamps = start + pd.to_timedelta(range(0, days * 24 * 60, minutes), unit="min")
    return pd.DataFrame({"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"), "interval_minutes": minutes,
                         "agents": agents, "channel": "phone"})


def test_schedule_intervals_count_for_their_share_of_the_hour(store) -> None:
    rows = pd.DataFrame({"interval_start": ["2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "2025-03-03T10:15:00Z"],
                         "interval_minutes": [30, 30, 90], "agents": [10.0, 12.0, 4.0]})
    assert store.import_frame("schedules", rows).rejected == 0
    got = scheduled_hours(store.engine(), "UTC").set_index("hour")["agents"]
    # 09: (10 + 12) / 2; 10:15-11:45 covers 45 minutes of 10 and 45 of 11
    assert got[pd.Timestamp("2025-03-03 09:00")] == pytest.approx(11.0)
    assert got[pd.Timestamp("2025-03-03 10:00")] == pytest.approx(4 * 45 / 60)
    assert got[pd.Timestamp("2025-03-03 11:00")] == pytest.approx(4 * 45 / 60)
    helsinki = scheduled_hours(store.engine(), "Europe/Helsinki").set_index("hour")["agents"]
    assert helsinki[pd.Timestamp("2025-03-03 11:00")] == pytest.approx(11.0)  # UTC+2 in March


def test_coverage_finds_the_short_hours(store) -> None:
    y = synthetic(weeks=8)
    frame = _interval_frame(y)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", frame)
    engine = store.engine()
    result = fc.run(engine, horizon=14, folds=0)
    plan = staffing_plan(result, engine.config)
    # without schedules: required only
    empty = coverage(plan, scheduled_hours(engine, "UTC"))
    assert empty["basis"] is None and len(empty["cells"]) == 7 * 24
    assert all(c["scheduled"] is None and c["gap"] is None for c in empty["cells"])
    peak = max(empty["cells"], key=lambda c: c["required"])
    assert peak["weekday"] == 1 and 9 <= peak["hour"] <= 12  # Mondays are the busiest, late morning
    assert all(c["required"] == 0 for c in empty["cells"] if c["weekday"] >= 6)
    # a flat schedule of 3 agents over the forecast's days: short where more are needed
    start = pd.Timestamp(dt.date.fromisoformat(result.meta["history_to"]) + dt.timedelta(days=1))
    store.import_frame("schedules", _schedule(start, 14, 3.0))
    cov = coverage(plan, scheduled_hours(engine, "UTC"))
    assert cov["basis"] == "dates" and cov["hours"] == 14 * 24
    for c in cov["cells"]:
        assert c["scheduled"] == pytest.approx(3.0)
        assert (c["gap"] < 0) == (c["required_max"] > 3) and (c["short_hours"] > 0) == (c["required_max"] > 3)
    assert cov["short_hours"] == sum(c["short_hours"] for c in cov["cells"]) > 0
    # a schedule of other weeks is read as its typical week
    later = coverage(plan, scheduled_hours(engine, "UTC").assign(hour=lambda f: f["hour"] + pd.Timedelta(weeks=10)))
    assert later["basis"] == "typical_week"
    assert [c["gap"] for c in later["cells"]] == [c["gap"] for c in cov["cells"]]


def test_what_if_scales_the_required_agents(store) -> None:
    y = synthetic(weeks=8)
    frame = _interval_frame(y)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.import_frame("interval_volumes", frame)
    engine = store.engine()
    result = fc.run(engine, horizon=7, folds=0)
    base = staffing_plan(result, engine.config)
    more = staffing_plan(result, engine.config, volume_factor=1.5)
    longer = staffing_plan(result, engine.config, aht_factor=1.5)
    assert all(m["agents"] >= b["agents"] and x["agents"] >= b["agents"] for b, m, x in zip(base, more, longer, strict=True))
    assert sum(m["agents"] for m in more) > sum(b["agents"] for b in base)
    assert longer[0]["aht_seconds"] == pytest.approx(1.5 * base[0]["aht_seconds"], abs=0.1)
