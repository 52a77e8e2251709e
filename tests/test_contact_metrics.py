"""Contact-centre and cart metrics on six hand-checked calls and five carts.

c1 answered after 10 s (from the timestamps), talk 300 + hold 60 + wrap 40, resolved, rated 5
c2 no answered_at but talk time: answered; wait_seconds 30; not resolved; rated 4
c3 abandoned after 3 s (a short abandon)
c4 no answer, no talk, no abandoned flag: abandoned; hung up after 60 s (ended_at)
c5 answered after 25 s, talk 100, resolved, rated 2
c6 answered after exactly 20 s, talk 500 + wrap 100, resolved unknown, unrated
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxmetrics.errors import QueryError
from cxmetrics.settings import config_from_dict
from cxmetrics.store import Store
from tests.scenario import T

CALL_METRICS = ["call_volume", "call_abandonment_rate", "call_abandonment_rate:excluding_short",
                "average_speed_of_answer", "service_level", "service_level:excluding_short",
                "average_time_to_abandon", "call_handle_time", "call_resolution_rate", "call_csat", "call_csat_mean"]


def calls() -> pd.DataFrame:
    cols = ["call_id", "offered_at", "answered_at", "ended_at", "abandoned", "wait_seconds", "talk_seconds",
            "hold_seconds", "wrap_seconds", "queue", "agent_id", "resolved", "satisfaction"]
    N = None
    rows = [
        ("c1", T("2024-01-08 09:00:00"), T("2024-01-08 09:00:10"), N, N, N, 300.0, 60.0, 40.0, "sales", "a1", True, 5.0),
        ("c2", T("2024-01-08 09:30:00"), N, N, N, 30.0, 200.0, N, N, "sales", "a1", False, 4.0),
        ("c3", T("2024-01-08 10:00:00"), N, N, True, 3.0, N, N, N, "sales", N, N, N),
        ("c4", T("2024-01-08 10:15:00"), N, T("2024-01-08 10:16:00"), N, N, N, N, N, "support", N, N, N),
        ("c5", T("2024-01-08 14:00:00"), T("2024-01-08 14:00:25"), N, False, N, 100.0, N, N, "support", "a2", True,
         2.0),
        ("c6", T("2024-01-08 14:30:00"), T("2024-01-08 14:30:20"), N, N, N, 500.0, N, 100.0, "support", "a2", N, N),
    ]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("abandoned", "resolved"):
        df[c] = df[c].astype("boolean")
    for c in ("wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "satisfaction"):
        df[c] = df[c].astype("Float64")
    return df


@pytest.fixture
def cc(store):
    store.import_frame("calls", calls())
    store.import_frame("carts", pd.DataFrame({
        "cart_id": ["k1", "k2", "k3", "k4", "k5"], "created_at": [T("2024-01-05")] * 5,
        "purchased_at": [T("2024-01-05 01:00"), None, None, None, None], "order_id": [None, "o2", None, None, None]}))
    return store


def values(df: pd.DataFrame, column: str = "value") -> dict[str, float]:
    return dict(zip(df.metric, df[column], strict=True))


def test_call_metrics_by_hand(cc) -> None:
    df = cc.metrics(CALL_METRICS, grain="total")
    v = values(df)
    assert v["call_volume"] == 6
    assert v["call_abandonment_rate"] == pytest.approx(100 * 2 / 6)
    assert v["call_abandonment_rate:excluding_short"] == pytest.approx(100 * 1 / 5)
    assert v["service_level"] == pytest.approx(100 * 2 / 6)  # c1 (10 s) and c6 (20 s) of 6 offered
    assert v["service_level:excluding_short"] == pytest.approx(100 * 2 / 5)
    assert v["call_resolution_rate"] == pytest.approx(100 * 2 / 3)  # c6 has no resolved flag
    assert v["call_csat"] == pytest.approx(100 * 2 / 3)  # 5 and 4 of 5, 4, 2
    assert v["call_csat_mean"] == pytest.approx(11 / 3)
    mean, median = values(df, "mean"), values(df, "median")
    assert (mean["average_speed_of_answer"], median["average_speed_of_answer"]) == (21.25, 22.5)  # 10, 30, 25, 20
    assert (mean["average_time_to_abandon"], median["average_time_to_abandon"]) == (31.5, 31.5)  # 3, 60
    assert (mean["call_handle_time"], median["call_handle_time"]) == (325.0, 300.0)  # 400, 200, 100, 600
    n = values(df, "n")
    assert (n["average_speed_of_answer"], n["call_handle_time"], n["call_csat"]) == (4, 4, 3)
    assert (n["call_abandonment_rate"], n["service_level"]) == (6, 6)
    units = values(df, "unit")
    assert (units["average_speed_of_answer"], units["call_csat"], units["call_volume"]) == ("seconds", "percent",
                                                                                          "count")


def test_calls_by_queue_agent_and_local_hour(cc) -> None:
    by_queue = cc.metrics(["call_abandonment_rate", "call_volume"], grain="total", by=["queue"])
    rates = by_queue[by_queue.metric == "call_abandonment_rate"].set_index("queue")["value"]
    assert rates.to_dict() == {"sales": pytest.approx(100 / 3), "support": pytest.approx(100 / 3)}
    by_agent = cc.metrics(["average_speed_of_answer", "call_handle_time"], grain="total", by=["agent"],
                          stat="mean")
    asa = by_agent[by_agent.metric == "average_speed_of_answer"].set_index("agent")["value"]
    assert asa.to_dict() == {"a1": 20.0, "a2": 22.5}
    aht = by_agent[by_agent.metric == "call_handle_time"].set_index("agent")["value"]
    assert aht.to_dict() == {"a1": 300.0, "a2": 350.0}
    # Helsinki is UTC+2 in January
    hours = cc.metrics(["call_volume"], grain="day", by=["hour"], tz="Europe/Helsinki",
                       from_="2024-01-08", to="2024-01-08")
    assert dict(zip(hours["hour"], hours["value"], strict=True)) == {11: 2, 12: 2, 16: 2}
    with pytest.raises(QueryError, match="does not apply"):
        cc.metrics(["call_volume"], by=["channel"])


def test_thresholds_come_from_the_settings(tmp_path) -> None:
    settings = config_from_dict({"calls": {"short_abandon": "61s", "service_level": 25, "satisfaction_scale": [0, 10]}})
    store = Store(tmp_path / "cx.duckdb", config=settings)
    try:
        store.import_frame("calls", calls())
        v = values(store.metrics(["call_abandonment_rate:excluding_short", "service_level", "call_csat"],
                                 grain="total"))
    finally:
        store.close()
    assert v["call_abandonment_rate:excluding_short"] == 0.0  # both abandons are now short
    assert v["service_level"] == pytest.approx(100 * 3 / 6)  # c5 (25 s) is now within the target
    assert v["call_csat"] == 0.0  # on 0-10 the top two boxes are 9-10


def test_monthly_calls_keep_the_interval(cc) -> None:
    df = cc.metrics(["call_abandonment_rate"], grain="month", from_="2024-01-01", to="2024-02-29")
    jan, feb = df.iloc[0], df.iloc[1]
    assert (jan["numerator"], jan["denominator"], bool(jan["low_sample"])) == (2, 6, True)
    assert jan["ci_low"] < jan["value"] < jan["ci_high"]
    assert pd.isna(feb["value"]) and pd.isna(feb["denominator"])  # after the last call: no data, not 0 of 0


def test_cart_abandonment_with_benchmark(cc) -> None:
    df = cc.metrics(["cart_abandonment_rate"], grain="month", from_="2024-01-01", to="2024-01-31")
    r = df.iloc[0]
    assert (r["value"], r["numerator"], r["denominator"]) == (60.0, 3, 5)  # k3, k4, k5 were never bought
    assert r["target"] == 70.0 and bool(r["meets_target"]) is True
    assert "Baymard" in r["target_source"]
    assert np.isfinite(r["ci_low"])
