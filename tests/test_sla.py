"""SLA policies (facts/sla.py): hand-computed SLA events.

Business hours 09:00-17:00 Monday to Friday in Europe/Helsinki; EET (UTC+2) until
Sunday 2024-03-31 03:00, EEST (UTC+3) after. Every expected instant below is worked out
by hand in the comment next to it (local times unless marked UTC).

Policies, first match wins:

* Urgent:   priority = urgent; first reply 1 h, next reply 30 min; business hours
* Email:    channel = email; first reply 4 h, next reply 2 h, resolution 12 h,
            requester wait 8 h, agent work 4 h; business hours; pending pauses
* Chat:     channel = chat; first reply 10 min, periodic update 1 h, resolution 1 h; calendar

Tickets:

* D1, D2  email, Friday 2024-03-29 15:00 EET, first reply across the weekend and the DST change
* P       email with a pending stretch (pauses resolution, not requester wait's definition)
* R       chat, solved, reopened the next day, solved again (resolution clock resumes)
* E       email, escalated to urgent between its first reply and its next reply
* O       email, open and unanswered at the end of the data (running, breach in the future)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from cxmetrics.settings import config_from_dict
from cxmetrics.store import Store

CONFIG = {
    "timezone": "Europe/Helsinki",
    "sla": {"policies": [
        {"name": "Urgent", "where": {"priority": "urgent"}, "first_reply": "1h", "next_reply": "30m",
         "hours": "business"},
        {"name": "Email", "where": {"channel": "email"}, "first_reply": "4h", "next_reply": "2h",
         "resolution": "12h", "requester_wait": "8h", "agent_work": "4h", "hours": "business",
         "pause": ["pending"]},
        {"name": "Chat", "where": {"channel": ["chat"]}, "first_reply": "10m", "periodic_update": "1h",
         "resolution": "1h"},
    ]},
}


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def local(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="Europe/Helsinki").tz_convert("UTC")


def frames() -> dict[str, pd.DataFrame]:
    tickets = pd.DataFrame([
        ("D1", local("2024-03-29 15:00"), "email", "normal", "a1", "solved"),
        ("D2", local("2024-03-29 15:00"), "email", "normal", "a2", "solved"),
        ("P", local("2024-04-02 09:00"), "email", "normal", "a1", "solved"),
        ("R", utc("2024-04-04 10:00"), "chat", "normal", "a2", "solved"),
        ("E", local("2024-04-08 09:00"), "email", "urgent", "a1", "solved"),
        ("O", local("2024-04-10 15:00"), "email", "normal", None, "open"),
    ], columns=["ticket_id", "created_at", "channel", "priority", "agent_id", "status"])
    m = [
        ("D1", local("2024-03-29 15:00"), "customer"), ("D1", local("2024-04-01 10:30"), "agent"),
        ("D2", local("2024-03-29 15:00"), "customer"), ("D2", local("2024-04-01 11:30"), "agent"),
        ("P", local("2024-04-02 09:00"), "customer"), ("P", local("2024-04-02 10:00"), "agent"),
        ("P", local("2024-04-03 14:00"), "customer"), ("P", local("2024-04-03 15:00"), "agent"),
        ("R", utc("2024-04-04 10:00"), "customer"), ("R", utc("2024-04-04 10:05"), "agent"),
        ("R", utc("2024-04-05 09:00"), "customer"), ("R", utc("2024-04-05 09:20"), "agent"),
        ("E", local("2024-04-08 09:00"), "customer"), ("E", local("2024-04-08 11:00"), "agent"),
        ("E", local("2024-04-08 12:00"), "customer"), ("E", local("2024-04-08 12:45"), "agent"),
        ("O", local("2024-04-10 15:00"), "customer"),
    ]
    messages = pd.DataFrame([(f"M{i:02d}", t, at, who, "a1" if who == "agent" else "c1", True)
                             for i, (t, at, who) in enumerate(m)],
                            columns=["message_id", "ticket_id", "created_at", "author_type", "author_id", "public"])
    s = [
        ("D1", local("2024-04-01 10:30"), "solved"), ("D2", local("2024-04-01 11:30"), "solved"),
        ("P", local("2024-04-02 09:00"), "open"), ("P", local("2024-04-02 10:00"), "pending"),
        ("P", local("2024-04-03 14:00"), "open"), ("P", local("2024-04-03 16:00"), "solved"),
        ("R", utc("2024-04-04 10:05"), "open"), ("R", utc("2024-04-04 10:30"), "solved"),
        ("R", utc("2024-04-05 09:00"), "open"), ("R", utc("2024-04-05 09:40"), "solved"),
        ("E", local("2024-04-08 09:00"), "open"), ("E", local("2024-04-08 13:00"), "solved"),
    ]
    status_changes = pd.DataFrame(s, columns=["ticket_id", "changed_at", "to_status"])
    field_changes = pd.DataFrame([
        ("E", local("2024-04-08 11:30"), "priority", "urgent", "normal"),
        ("E", local("2024-04-08 09:00"), "agent_id", "a2", None),
        ("E", local("2024-04-08 10:00"), "agent_id", "a1", "a2"),
    ], columns=["ticket_id", "changed_at", "field", "to_value", "from_value"])
    ratings = [("P", "2024-04-03 17:00", 2), ("P", "2024-04-04 09:00", 5),  # improved
               ("R", "2024-04-05 10:00", 5), ("R", "2024-04-05 11:00", 4),  # satisfied both times
               ("E", "2024-04-08 14:00", 5), ("E", "2024-04-09 09:00", 1),  # worsened
               ("D1", "2024-04-01 12:00", 1)]  # rated once: not a change
    survey_responses = pd.DataFrame([(f"S{i}", "csat", utc(at), float(score), t) for i, (t, at, score) in enumerate(ratings)],
                                    columns=["response_id", "survey", "responded_at", "score", "ticket_id"])
    return {"tickets": tickets, "messages": messages, "status_changes": status_changes,
            "field_changes": field_changes, "survey_responses": survey_responses}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = Store(tmp_path_factory.mktemp("sla") / "cx.duckdb", config=config_from_dict(CONFIG))
    for name, frame in frames().items():
        st.import_frame(name, frame)
    yield st
    st.close()


@pytest.fixture(scope="module")
def events(store: Store) -> pd.DataFrame:
    return store.engine().fact_table("sla", "calendar").execute()


def event(events: pd.DataFrame, ticket: str, metric: str, n: int = 0) -> dict:
    rows = events[(events.ticket_id == ticket) & (events.sla_metric == metric)].sort_values("applied_at")
    assert len(rows) > n, f"{ticket} {metric}: {len(rows)} events"
    return rows.iloc[n].to_dict()


def at(v: object) -> dt.datetime | None:
    return None if pd.isna(v) else pd.Timestamp(v).to_pydatetime()  # type: ignore[arg-type]


def naive(ts: pd.Timestamp) -> dt.datetime:
    return ts.tz_convert("UTC").tz_localize(None).to_pydatetime()


def test_business_hours_across_the_dst_change(events: pd.DataFrame) -> None:
    # Friday 15:00-17:00 EET is 2 h; Monday opens 09:00 EEST = 06:00 UTC (not 07:00: the offset changed)
    d1 = event(events, "D1", "first_reply")
    assert (d1["sla_policy"], d1["target_s"], d1["sla_status"]) == ("Email", 4 * 3600, "met")
    assert d1["elapsed_s"] == 2 * 3600 + 1.5 * 3600  # reply Monday 10:30 EEST
    assert at(d1["breach_at"]) is None  # met: no breach
    d2 = event(events, "D2", "first_reply")
    assert d2["sla_status"] == "breached"
    assert d2["elapsed_s"] == 2 * 3600 + 2.5 * 3600  # reply Monday 11:30 EEST
    # 4 h run out Monday 11:00 EEST = 08:00 UTC
    assert at(d2["breach_at"]) == naive(local("2024-04-01 11:00")) == dt.datetime(2024, 4, 1, 8, 0)


def test_pending_pauses_the_policy_clocks(events: pd.DataFrame) -> None:
    # new/open Tue 09:00-10:00 (1 h), pending Tue 10:00 - Wed 14:00 (paused), open Wed 14:00-16:00 (2 h)
    res = event(events, "P", "resolution")
    assert (res["elapsed_s"], res["sla_status"]) == (3 * 3600, "met")  # 15 h of business time without the pause
    assert event(events, "P", "requester_wait")["elapsed_s"] == 3 * 3600
    assert event(events, "P", "agent_work")["elapsed_s"] == 3 * 3600
    fr = event(events, "P", "first_reply")
    assert (fr["elapsed_s"], fr["stopped_by"], fr["sla_status"]) == (3600, "reply", "met")
    nr = event(events, "P", "next_reply")  # customer Wed 14:00 -> agent 15:00
    assert at(nr["applied_at"]) == naive(local("2024-04-03 14:00"))
    assert (nr["elapsed_s"], nr["sla_status"]) == (3600, "met")
    assert len(events[(events.ticket_id == "P") & (events.sla_metric == "next_reply")]) == 1


def test_a_reopen_resumes_the_resolution_clock(events: pd.DataFrame) -> None:
    # unresolved Thu 10:00-10:30 UTC (1800 s), solved overnight, reopened Fri 09:00-09:40 (2400 s)
    res = event(events, "R", "resolution")
    assert res["sla_policy"] == "Chat" and res["hours"] == "calendar"
    assert res["elapsed_s"] == 1800 + 2400
    assert res["sla_status"] == "breached"
    # 1800 s left after the first stretch run out 30 minutes after the reopen
    assert at(res["breach_at"]) == dt.datetime(2024, 4, 5, 9, 30)
    assert at(res["stop_at"]) == dt.datetime(2024, 4, 5, 9, 40)
    # periodic updates: from the 10:05 reply the solve at 10:30 stops it; from 09:20 the solve at 09:40
    p1, p2 = event(events, "R", "periodic_update", 0), event(events, "R", "periodic_update", 1)
    assert (p1["elapsed_s"], p1["stopped_by"], p1["sla_status"]) == (1500, "resolution", "met")
    assert (p2["elapsed_s"], p2["sla_status"]) == (1200, "met")
    assert event(events, "R", "first_reply")["elapsed_s"] == 300
    assert events[(events.ticket_id == "R") & (events.sla_metric == "next_reply")].empty  # Chat sets none


def test_each_event_uses_the_policy_in_force_when_it_started(events: pd.DataFrame) -> None:
    # first reply: priority was normal at creation (the change's from_value) -> Email, 4 h; 2 h taken
    fr = event(events, "E", "first_reply")
    assert (fr["sla_policy"], fr["priority"], fr["elapsed_s"], fr["sla_status"]) == ("Email", "normal", 7200, "met")
    # escalated to urgent at 11:30; the customer writes at 12:00 -> Urgent, 30 min; answered 12:45
    nr = event(events, "E", "next_reply")
    assert (nr["sla_policy"], nr["priority"], nr["target_s"]) == ("Urgent", "urgent", 1800)
    assert (nr["elapsed_s"], nr["sla_status"]) == (2700, "breached")
    assert at(nr["breach_at"]) == naive(local("2024-04-08 12:30"))
    # Urgent sets no resolution target, so the urgent ticket's resolution is measured only if
    # the policy at creation (Email) matched: it did
    assert event(events, "E", "resolution")["sla_policy"] == "Email"


def test_running_event_has_a_future_breach(events: pd.DataFrame) -> None:
    # created Wed 15:00, the last instant in the store: 2 h left Wed, 2 h Thu from 09:00 -> Thu 11:00
    o = event(events, "O", "first_reply")
    assert (o["sla_status"], o["elapsed_s"]) == ("running", 0)
    assert at(o["stop_at"]) is None
    assert at(o["breach_at"]) == naive(local("2024-04-11 11:00"))
    assert o["running"] and not o["decided"]


def test_attainment_and_breaches_by_policy_and_metric(store: Store) -> None:
    df = store.metrics(["sla_attainment", "sla_breaches"], grain="total", by=["sla_policy", "sla_metric"])

    def rec(metric: str, policy: str, sla_metric: str) -> dict:
        sel = df[(df.metric == metric) & (df.sla_policy == policy) & (df.sla_metric == sla_metric)]
        assert len(sel) == 1, (metric, policy, sla_metric)
        return sel.iloc[0].to_dict()

    # Email first replies: D1 met, D2 breached, P met, E met; O running (left out)
    r = rec("sla_attainment", "Email", "first_reply")
    assert (r["numerator"], r["denominator"]) == (3, 4)
    assert rec("sla_attainment", "Urgent", "next_reply")["numerator"] == 0
    assert rec("sla_breaches", "Chat", "resolution")["value"] == 1
    total = store.metrics(["sla_attainment", "sla_breaches"], grain="total")
    events = store.engine().fact_table("sla", "calendar").execute()
    decided = events[events.decided]
    att = total[total.metric == "sla_attainment"].iloc[0]
    assert (att["numerator"], att["denominator"]) == (decided.met.sum(), len(decided))
    # D2's first reply and agent work (4.5 h of new/open > 4 h), R's resolution, E's next reply
    assert total[total.metric == "sla_breaches"].iloc[0]["value"] == events.breached.sum() == 4


def test_breaches_count_at_the_breach_instant(store: Store) -> None:
    day = store.metrics(["sla_breaches"], grain="day", from_="2024-04-01", to="2024-04-08")
    by_day = dict(zip(day.period_start, day.value, strict=True))
    assert by_day[dt.date(2024, 4, 1)] == 2  # D2's first reply and agent work, Monday 11:00
    assert by_day[dt.date(2024, 4, 5)] == 1  # R Friday
    assert by_day[dt.date(2024, 4, 8)] == 1  # E Monday


def test_reassignments_and_next_reply_time(store: Store) -> None:
    df = store.metrics(["reassignments", "next_reply_time", "handoffs"], grain="total")
    re = df[df.metric == "reassignments"].iloc[0]
    assert (re["n"], re["value"]) == (1, 1.0)  # only E has assignment history: a2 -> a1
    nr = df[df.metric == "next_reply_time"].iloc[0]
    # P 3600, R 1200 (Fri 09:00 -> 09:20), E 2700 (calendar)
    assert nr["n"] == 3 and nr["median"] == 2700


def test_csat_change_compares_first_and_latest_rating(store: Store) -> None:
    df = store.metrics(["csat_change", "csat_change:improved", "csat_change:worsened"], grain="total")
    got = {r.metric: (r.numerator, r.denominator) for r in df.itertuples()}
    # rated twice: P (2 -> 5), R (5 -> 4), E (5 -> 1); D1 once
    assert got == {"csat_change": (2, 3), "csat_change:improved": (1, 3), "csat_change:worsened": (1, 3)}


def test_default_without_policies_keeps_the_original_attainment(tmp_path) -> None:
    """No [[sla.policies]]: sla_attainment is the first reply against the [sla] targets."""
    from cxmetrics.settings import Config

    with Store(tmp_path / "x.duckdb", config=Config()) as st:
        for name, frame in frames().items():
            st.import_frame(name, frame)
        ev = st.engine().fact_table("sla", "calendar").execute()
        assert set(ev.sla_metric) == {"first_reply"} and set(ev.sla_policy) == {"channel=email"}
        rec = st.metrics(["sla_attainment"], grain="total").iloc[0]
        # email 24 h: all answered within a day but D1, D2 (Friday -> Monday, calendar); O running
        assert (rec["numerator"], rec["denominator"]) == (2, 4)


def test_policies_are_validated() -> None:
    from cxmetrics.errors import ConfigError

    with pytest.raises(ConfigError, match="sets no target"):
        config_from_dict({"sla": {"policies": [{"name": "x"}]}})
    with pytest.raises(ConfigError, match="did you mean priority"):
        config_from_dict({"sla": {"policies": [{"name": "x", "first_reply": "1h", "where": {"prio": "a"}}]}})
    with pytest.raises(ConfigError, match="two policies are named"):
        config_from_dict({"sla": {"policies": [{"name": "x", "first_reply": "1h"}] * 2}})
    with pytest.raises(ConfigError, match="did you mean next_reply"):
        config_from_dict({"sla": {"policies": [{"name": "x", "next_replyy": "1h"}]}})


@pytest.mark.parametrize("metric", ["sla_attainment", "sla_breaches", "next_reply_time", "reassignments",
                                    "csat_change"])
def test_drill_down_lists_the_counted_rows(store: Store, metric: str) -> None:
    from cxmetrics.engine import drill
    from cxmetrics.engine.core import Query

    rec = store.metrics([metric], grain="total").iloc[0]
    rows, total = drill.rows(store.engine(), metric, Query(grain="total"), None)
    n = rec["denominator"] if rec["unit"] == "percent" else rec["n"]
    assert total == n == len(rows) > 0
    if metric == "sla_attainment":
        assert rows["counted"].sum() == rec["numerator"]
        assert {"sla_metric", "sla_policy", "breach_at", "sla_status"} <= set(rows.columns)


@pytest.mark.spark
def test_policy_events_identical_on_spark(store: Store, spark: Any) -> None:
    """Business hours across the DST change, pauses, reopens and field history run on Spark alike.
    ``spark``: the test process's session (tests/conftest.py), shared with tests/test_spark_parity.py."""
    from cxmetrics.engine.spark import spark_engine

    session = spark.newSession()
    other = spark_engine(store, session)
    key = ["ticket_id", "sla_metric", "seq"]
    a = store.engine().fact_table("sla", "calendar").execute().sort_values(key).reset_index(drop=True)
    b = other.fact_table("sla", "calendar").execute().sort_values(key).reset_index(drop=True)
    # What the engine keeps (the facts, the SLA steps) are local checkpoints (engine/spark.py): a
    # later query plans against a scan of their rows, not the thousands of SELECTs that made them
    kept = [r.tableName for r in session.sql("SHOW TABLES").collect()
            if r.isTemporary and r.tableName.startswith("ibis_cache")]
    assert len(kept) >= 5
    for name in kept:
        plan = session.sql(f"EXPLAIN SELECT * FROM {name}").collect()[0][0]
        assert "ExistingRDD" in plan and "Join" not in plan and "InMemoryRelation" not in plan, plan
    for c in ("sla_policy", "priority", "target_s", "elapsed_s", "stop_at", "breach_at", "sla_status"):
        assert (a[c].astype(str) == b[c].astype(str)).all(), c
    ids = ["sla_attainment", "sla_breaches", "next_reply_time", "agent_work_time", "reassignments", "csat_change"]
    cols = ["metric", "value", "n", "numerator", "denominator"]
    pd.testing.assert_frame_equal(store.engine().frame(ids, grain="total")[cols], other.frame(ids, grain="total")[cols],
                                  check_dtype=False)
