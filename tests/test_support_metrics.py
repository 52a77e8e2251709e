"""Every support metric on the hand-checked scenario (tests/scenario.py).

Each expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests import scenario

MARCH, APRIL = dt.date(2024, 3, 1), dt.date(2024, 4, 1)


@pytest.fixture(scope="module")
def s(tmp_path_factory):
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    st = Store(tmp_path_factory.mktemp("scenario") / "cx.duckdb", config=Config())
    scenario.load(st)
    yield st
    st.close()


def rec(df, metric: str, period: dt.date | None = MARCH, **dims: str) -> dict:
    sel = df[(df.metric == metric)]
    sel = sel[sel.period_start.isna()] if period is None else sel[sel.period_start == period]
    for k, v in dims.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{metric} {period} {dims}: {len(sel)} rows"
    return sel.iloc[0].to_dict()


@pytest.fixture(scope="module")
def month(s):
    return s.metrics(grain="month", from_="2024-03-01", to="2024-04-30")


def test_volume_and_resolved(month) -> None:
    assert rec(month, "ticket_volume")["value"] == 6  # T1..T6
    assert rec(month, "ticket_volume", APRIL)["value"] == 1  # T7
    # resolved in March: T1 (closed 03-06), T2 (solved again 03-12), T3, T4 (solved_at), T6
    assert rec(month, "tickets_resolved")["value"] == 5
    assert rec(month, "tickets_resolved", APRIL)["value"] == 1


def test_backlog_at_period_end(month, s) -> None:
    assert rec(month, "backlog")["value"] == 1  # only T5 is open at the end of March
    assert rec(month, "backlog", APRIL)["value"] == 1
    day = s.metrics(["backlog"], grain="day", from_="2024-03-10", to="2024-03-12")
    # end of 03-10: T2 solved 10:10 -> 0; end of 03-11: T2 reopened 09:00 -> 1; end of 03-12: solved again -> 0
    assert list(day["value"]) == [0, 1, 0]


def test_resolution_rate(month) -> None:
    r = rec(month, "resolution_rate")
    assert (r["numerator"], r["denominator"]) == (5, 6)  # all March tickets but T5
    assert r["value"] == pytest.approx(500 / 6)
    assert r["ci_low"] < r["value"] < r["ci_high"]


def test_first_response_time(month) -> None:
    r = rec(month, "first_response_time")
    # T1 08:00->10:00 (bot and internal note ignored) 7200; T2 300; T3 outbound: 09:00 opener
    # is not a reply, first reply 13:00 -> 14400; T4 from the ticket's columns 60; T5, T6 none.
    assert r["n"] == 4
    assert r["mean"] == pytest.approx((7200 + 300 + 14400 + 60) / 4)
    assert r["median"] == pytest.approx((300 + 7200) / 2)
    assert r["value"] == r["median"]
    assert rec(month, "first_response_time", APRIL)["value"] == 1800


def test_response_time(month) -> None:
    r = rec(month, "response_time")
    # waits: T1 08:00->10:00 7200 and 11:00 (first of two customer messages)->12:00 3600;
    # T2 300; T3 12:00->13:00 3600; T4 (no messages) created->first reply 60
    assert r["n"] == 5
    assert r["median"] == 3600
    assert r["mean"] == pytest.approx((7200 + 3600 + 300 + 3600 + 60) / 5)
    a = rec(month, "response_time", APRIL)
    assert (a["n"], a["median"]) == (2, 1800)


def test_resolution_times(month) -> None:
    r = rec(month, "resolution_time")
    # T1 to its latest resolution event (closed 03-06 12:00) 187200; T2 to 03-12 10:00 172800;
    # T3 14400; T4 1200 (solved_at); T6 3600
    assert r["n"] == 5
    assert r["median"] == 14400
    assert r["mean"] == pytest.approx((187200 + 172800 + 14400 + 1200 + 3600) / 5)
    f = rec(month, "first_resolution_time")
    # first events: T1 14400, T2 600, T3 14400, T4 1200, T6 3600
    assert f["median"] == 3600
    assert f["mean"] == pytest.approx((14400 + 600 + 14400 + 1200 + 3600) / 5)


def test_handle_time(month) -> None:
    r = rec(month, "handle_time")
    # T1 300 + (12:00-11:50) 600 = 900; T2 120; T4 handle_seconds 600
    assert r["n"] == 3
    assert r["mean"] == pytest.approx(540)
    assert r["median"] == 600


def test_fcr_variants(month) -> None:
    # population: resolved with >= 1 reply: T1 (2 replies), T2 (1, reopened), T3 (1), T4 (1)
    r = rec(month, "fcr_rate")
    assert (r["numerator"], r["denominator"]) == (2, 4)  # T3, T4
    sa = rec(month, "fcr_rate:single_agent")
    assert (sa["numerator"], sa["denominator"]) == (3, 4)  # T1 (a1 twice), T3, T4
    nr = rec(month, "fcr_rate:no_repeat_contact")
    assert (nr["numerator"], nr["denominator"]) == (2, 4)  # T1, T3; T4's customer came back with T5
    a = rec(month, "fcr_rate:single_agent", APRIL)
    assert (a["numerator"], a["denominator"]) == (0, 1)  # T7 answered by a1 and a2


def test_replies_and_reopens(month) -> None:
    r = rec(month, "replies_per_resolution")
    assert r["value"] == pytest.approx(1.0)  # (2 + 1 + 1 + 1 + 0) / 5
    assert r["n"] == 5
    assert r["ci_low"] < 1.0 < r["ci_high"]
    ro = rec(month, "reopen_rate")
    assert (ro["numerator"], ro["denominator"]) == (1, 5)


def test_sla(month) -> None:
    r = rec(month, "sla_attainment")
    # email targets 24 h: T1 met, T3 met, T5 unanswered and long overdue, T6 resolved without reply (out)
    assert (r["numerator"], r["denominator"]) == (2, 3)
    assert rec(month, "sla_attainment", APRIL)["value"] == 100  # T7 social 30 min <= 1 h
    res = rec(month, "sla_attainment:resolution")
    assert (res["n"] == 0 and res["value"] is None) or math.isnan(res["value"])  # no resolution targets by default


def test_shares(month) -> None:
    assert rec(month, "channel_share", channel="email")["value"] == pytest.approx(400 / 6)
    assert rec(month, "channel_share", channel="chat")["value"] == pytest.approx(100 / 6)
    assert rec(month, "channel_share", APRIL, channel="email")["value"] == 0
    shares = month[(month.metric == "category_share") & (month.period_start == MARCH)]
    assert shares["value"].sum() == pytest.approx(100)


def test_time_in_states(month) -> None:
    rw = rec(month, "requester_wait_time")
    # T1 new 2h + open 2h = 14400; T2 new 600 + open (03-11 09:00 -> 03-12 10:00) 90000;
    # T3 new 14400; T6 new 3600; T4 has no status history
    assert rw["n"] == 4
    assert rw["median"] == 14400
    assert rw["mean"] == pytest.approx((14400 + 90600 + 14400 + 3600) / 4)
    aw = rec(month, "agent_wait_time")
    assert aw["n"] == 4 and aw["mean"] == 0
    assert rec(month, "on_hold_time")["mean"] == 0


def test_by_dimension_and_where(s) -> None:
    df = s.metrics(["ticket_volume", "first_response_time"], grain="total", by=["channel"])
    assert rec(df, "ticket_volume", None, channel="email")["value"] == 4
    assert rec(df, "first_response_time", None, channel="email")["n"] == 2
    w = s.metrics(["ticket_volume"], grain="total", where={"channel": "email"})
    assert w["value"].tolist() == [4]
    both = s.metrics(["ticket_volume"], grain="total", where=[("channel", "email"), ("channel", "chat")])
    assert both["value"].tolist() == [5]


def test_stat_selects_value(s) -> None:
    for stat, expected in (("mean", 5490.0), ("median", 3750.0)):
        df = s.metrics(["first_response_time"], grain="month", from_="2024-03-01", to="2024-03-31", stat=stat)
        assert df["value"].tolist() == [pytest.approx(expected)]
    p90 = s.metrics(["first_response_time"], grain="month", from_="2024-03-01", to="2024-03-31", stat="p90")
    # sorted 60, 300, 7200, 14400: position 0.9 * 3 = 2.7 -> 7200 + 0.7 * 7200
    assert p90["value"].tolist() == [pytest.approx(7200 + 0.7 * 7200)]


@pytest.mark.parametrize("by", [(), ("channel",), ("channel", "category")])
def test_batched_equals_single_queries(s, by) -> None:
    """`cxm metrics` batches metrics sharing a scan; `cxm explain` shows each metric's
    own query. Both must give the same records."""
    import pandas as pd

    from cxmetrics.engine.core import Query

    e = s.engine()
    q = Query(grain="week", by=by, tz="Europe/Helsinki")
    keys = [m.key for m in e.applicable(q)]  # calls and customers have no channel
    from cxmetrics.engine.records import records_frame

    batched = e.results(keys, q)
    for k in keys:
        pd.testing.assert_frame_equal(records_frame(batched[k]), records_frame(e.result(k, q)),
                                      check_dtype=False, obj=k)
