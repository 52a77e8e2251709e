"""Business-hours schedules per team and brand (``[[schedules]]``): hand-computed SLA clocks.

Reporting zone Europe/Helsinki. Schedules, first match wins:

* ``emea``: team = emea; Europe/Helsinki 09:00-17:00 Mon-Fri; Finnish holidays (Good Friday
  2024-03-29, Easter Monday 2024-04-01); EET (UTC+2) until Sun 2024-03-31, EEST (UTC+3) after.
* ``us``: team = us; America/New_York 09:00-17:00 Mon-Fri; closed 2024-03-08; EST (UTC-5)
  until Sun 2024-03-10, EDT (UTC-4) after.
* anything else: ``[business_hours]`` (default: Europe/Helsinki 09:00-17:00, no holidays).

Policies: ``VIP`` (brand = vip; first reply 1 h in the ``us`` schedule whatever the team) and
``Support`` (every ticket; first reply 4 h, next reply 2 h, resolution 6 h; business hours of
the ticket's schedule; pending pauses).

Tickets (instants in UTC; local times in the comments):

* E1 emea: Thu 03-28 14:00 (16:00 EET) -> reply and solve Tue 04-02 11:00 (14:00 EEST).
  Thu 16-17 = 1 h; Fri, Mon holidays; weekend; Tue 09-14 = 5 h: 6 h.
* U1 us: Thu 03-07 21:00 (16:00 EST) -> reply Mon 03-11 15:00 (11:00 EDT), pending until Tue
  14:00 (10:00 EDT), solved Tue 19:00 (15:00 EDT). First reply: Thu 1 h + Mon 09-11 2 h = 3 h
  (Fri closed). Resolution: 3 h + Tue 10-15 5 h = 8 h, reaching 6 h Tue 13:00 EDT = 17:00 UTC.
* M1: created Wed 04-03 06:00 (09:00 EEST) in team emea, moved to team us at 08:00; reply 07:00,
  customer writes 09:00 (05:00 EDT), reply 15:30 (11:30 EDT), solved 16:00.
* V1 brand vip, team emea: Mon 04-08 06:00 (09:00 EEST, 02:00 EDT) -> reply and solve 14:30
  (10:30 EDT).
* D1 team apac (no schedule): Fri 03-29 14:00 (16:00 EET) -> reply and solve Mon 04-01 07:00
  (10:00 EEST): Fri 1 h + Mon 1 h = 2 h in the default schedule (no holidays).
"""

from __future__ import annotations

import pandas as pd
import pytest

from cxmetrics.errors import ConfigError
from cxmetrics.settings import config_from_dict
from cxmetrics.store import Store

CONFIG = {
    "timezone": "Europe/Helsinki",
    "schedules": [
        {"name": "emea", "where": {"team": "emea"}, "timezone": "Europe/Helsinki", "country": "FI"},
        {"name": "us", "where": {"team": ["us"]}, "timezone": "America/New_York", "holidays": ["2024-03-08"]},
    ],
    "sla": {"policies": [
        {"name": "VIP", "where": {"brand": "vip"}, "first_reply": "1h", "hours": "business", "schedule": "us"},
        {"name": "Support", "first_reply": "4h", "next_reply": "2h", "resolution": "6h", "hours": "business",
         "pause": ["pending"]},
    ]},
}
H = 3600.0


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def frames() -> dict[str, pd.DataFrame]:
    tickets = pd.DataFrame([
        ("E1", utc("2024-03-28 14:00"), "emea", "acme", "solved"),
        ("U1", utc("2024-03-07 21:00"), "us", "acme", "solved"),
        ("M1", utc("2024-04-03 06:00"), "us", "acme", "solved"),
        ("V1", utc("2024-04-08 06:00"), "emea", "vip", "solved"),
        ("D1", utc("2024-03-29 14:00"), "apac", "acme", "solved"),
    ], columns=["ticket_id", "created_at", "team", "brand", "status"]).assign(channel="email", agent_id="a1")
    m = [("E1", "2024-03-28 14:00", "customer"), ("E1", "2024-04-02 11:00", "agent"),
         ("U1", "2024-03-07 21:00", "customer"), ("U1", "2024-03-11 15:00", "agent"),
         ("M1", "2024-04-03 06:00", "customer"), ("M1", "2024-04-03 07:00", "agent"),
         ("M1", "2024-04-03 09:00", "customer"), ("M1", "2024-04-03 15:30", "agent"),
         ("V1", "2024-04-08 06:00", "customer"), ("V1", "2024-04-08 14:30", "agent"),
         ("D1", "2024-03-29 14:00", "customer"), ("D1", "2024-04-01 07:00", "agent")]
    messages = pd.DataFrame([(f"M{i:02d}", t, utc(at), who, "a1" if who == "agent" else "c1", True)
                             for i, (t, at, who) in enumerate(m)],
                            columns=["message_id", "ticket_id", "created_at", "author_type", "author_id", "public"])
    s = [("E1", "2024-03-28 14:00", "open"), ("E1", "2024-04-02 11:00", "solved"),
         ("U1", "2024-03-07 21:00", "open"), ("U1", "2024-03-11 15:00", "pending"),
         ("U1", "2024-03-12 14:00", "open"), ("U1", "2024-03-12 19:00", "solved"),
         ("M1", "2024-04-03 06:00", "open"), ("M1", "2024-04-03 16:00", "solved"),
         ("V1", "2024-04-08 06:00", "open"), ("V1", "2024-04-08 14:30", "solved"),
         ("D1", "2024-03-29 14:00", "open"), ("D1", "2024-04-01 07:00", "solved")]
    status_changes = pd.DataFrame([(t, utc(at), st) for t, at, st in s], columns=["ticket_id", "changed_at", "to_status"])
    field_changes = pd.DataFrame([("M1", utc("2024-04-03 08:00"), "team", "us", "emea")],
                                 columns=["ticket_id", "changed_at", "field", "to_value", "from_value"])
    return {"tickets": tickets, "messages": messages, "status_changes": status_changes,
            "field_changes": field_changes}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = Store(tmp_path_factory.mktemp("schedules") / "cx.duckdb", config=config_from_dict(CONFIG))
    for name, frame in frames().items():
        st.import_frame(name, frame)
    yield st
    st.close()


@pytest.fixture(scope="module")
def events(store: Store) -> pd.DataFrame:
    return store.engine().fact_table("sla", "calendar").execute()


def event(events: pd.DataFrame, ticket: str, metric: str) -> dict:
    rows = events[(events.ticket_id == ticket) & (events.sla_metric == metric)]
    assert len(rows) == 1, f"{ticket} {metric}: {len(rows)} events"
    return rows.iloc[0].to_dict()


def breach(e: dict) -> pd.Timestamp | None:
    return None if pd.isna(e["breach_at"]) else pd.Timestamp(e["breach_at"]).tz_localize("UTC")


def test_emea_schedule_skips_finnish_holidays_across_the_dst_change(events: pd.DataFrame) -> None:
    fr = event(events, "E1", "first_reply")
    assert (fr["sla_policy"], fr["elapsed_s"], fr["sla_status"]) == ("Support", 6 * H, "breached")
    assert breach(fr) == utc("2024-04-02 09:00")  # 1 h Thu + 3 h Tue: 12:00 EEST
    res = event(events, "E1", "resolution")
    assert (res["elapsed_s"], res["sla_status"]) == (6 * H, "met")  # exactly at the target


def test_us_schedule_in_its_own_zone_with_a_pause(events: pd.DataFrame) -> None:
    fr = event(events, "U1", "first_reply")
    assert (fr["elapsed_s"], fr["sla_status"]) == (3 * H, "met")
    res = event(events, "U1", "resolution")
    assert (res["elapsed_s"], res["sla_status"]) == (8 * H, "breached")  # pending Mon 11:00 - Tue 10:00 paused
    assert breach(res) == utc("2024-03-12 17:00")  # Tue 13:00 EDT


def test_team_change_each_event_counts_the_team_when_its_clock_started(events: pd.DataFrame) -> None:
    fr = event(events, "M1", "first_reply")  # started in emea: 09:00-10:00 EEST
    assert (fr["elapsed_s"], fr["sla_status"]) == (1 * H, "met")
    nr = event(events, "M1", "next_reply")  # started after the move to us: 09:00-11:30 EDT
    assert (nr["elapsed_s"], nr["sla_status"]) == (2.5 * H, "breached")
    assert breach(nr) == utc("2024-04-03 15:00")  # 11:00 EDT
    res = event(events, "M1", "resolution")  # started in emea: 09:00-17:00 EEST (closed after)
    assert (res["elapsed_s"], res["sla_status"]) == (8 * H, "breached")
    assert breach(res) == utc("2024-04-03 12:00")  # 15:00 EEST


def test_a_policy_schedule_overrides_the_team_schedule(events: pd.DataFrame) -> None:
    fr = event(events, "V1", "first_reply")
    assert fr["sla_policy"] == "VIP"
    assert (fr["elapsed_s"], fr["sla_status"]) == (1.5 * H, "breached")  # 09:00-10:30 EDT
    assert breach(fr) == utc("2024-04-08 14:00")


def test_tickets_of_no_schedule_count_business_hours(events: pd.DataFrame) -> None:
    fr = event(events, "D1", "first_reply")  # no holidays in [business_hours]
    assert (fr["elapsed_s"], fr["sla_status"]) == (2 * H, "met")


def test_business_hours_durations_use_the_schedule_as_created(store: Store) -> None:
    """``--hours business`` first response per ticket: each in its schedule at creation."""
    t = store.engine().fact_table("tickets", "business").execute().set_index("ticket_id")
    assert t.frt_s.to_dict() == {"E1": 6 * H, "U1": 3 * H, "M1": 1 * H, "V1": 8 * H, "D1": 2 * H}
    # the metric by team reads the same facts
    r = store.engine().frame(["first_response_time"], grain="total", by=["team"], hours="business", stat="mean")
    assert dict(zip(r.team, r.value, strict=True)) == {"emea": 7 * H, "us": 2 * H, "apac": 2 * H}


def test_without_schedules_one_calendar_for_all(tmp_path) -> None:
    cfg = {k: v for k, v in CONFIG.items() if k != "schedules"}
    cfg["sla"] = {"policies": [CONFIG["sla"]["policies"][1]]}  # type: ignore[index]
    with Store(tmp_path / "cx.duckdb", config=config_from_dict(cfg)) as st:
        for name, frame in frames().items():
            st.import_frame(name, frame)
        ev = st.engine().fact_table("sla", "calendar").execute()
    fr = event(ev, "E1", "first_reply")  # Thu 1 h, Fri 8 h: breached on Friday 12:00 EET
    assert breach(fr) == utc("2024-03-29 10:00")


@pytest.mark.parametrize(("schedules", "policy", "message"), [
    ([{"name": "default"}], {}, "'default' is [business_hours]"),
    ([{"name": "a"}, {"name": "a"}], {}, "two schedules are named 'a'"),
    ([{"name": "a", "where": {"teem": "x"}}], {}, "did you mean team?"),
    ([{"name": "us"}], {"schedule": "uss", "hours": "business"}, "did you mean us?"),
    ([{"name": "us"}], {"schedule": "us"}, 'set hours = "business"'),
    ([{"name": "us", "timezone": "Mars/Base"}], {}, "unknown time zone 'Mars/Base'"),
    ([{"name": "us", "country": "XX"}], {}, "no calendar for country 'XX'"),
])
def test_schedules_are_validated(schedules: list, policy: dict, message: str) -> None:
    raw = {"schedules": schedules, "sla": {"policies": [{"name": "p", "first_reply": "1h", **policy}]}}
    with pytest.raises(ConfigError, match=r"cxm\.toml: ") as e:
        config_from_dict(raw, "cxm.toml")
    assert message in str(e.value)


def test_dashboard_settings_list_the_schedules() -> None:
    """The explain panel ("What is this number?") shows each schedule and whom it applies to."""
    from cxmetrics.interfaces.web.explain import server_settings

    s = server_settings(config_from_dict(CONFIG))["schedules"]
    assert [(x["name"], x["where"], x["timezone"], x["country"], x["holidays"]) for x in s] == [
        ("emea", {"team": ["emea"]}, "Europe/Helsinki", "FI", []),
        ("us", {"team": ["us"]}, "America/New_York", None, ["2024-03-08"]),
    ]
    assert s[1]["week"]["mon"] == "09:00-17:00" and s[1]["week"]["sun"] is None
