"""`cxm sync helpscout` against a loopback fake of the Help Scout Mailbox API (tests/helpscout_fake.py).

Scenario (UTC unless said; the arithmetic next to each assertion):
- C1, email, mailbox Support, opened 2024-03-04 09:00 by customer 10; user 1 replies 10:30 and
  sets pending (first reply 5400 s); the customer writes 12:00 (active again); user 1 replies and
  closes 2024-03-05 09:00 (resolution 86400 s); rated great.
- C2, chat, mailbox Billing, opened 2024-03-05T08:30+09:00 = 2024-03-04 23:30 by customer 11;
  user 1 leaves a note 23:40 (internal: no reply) and chats 2024-03-05 00:30 (first reply
  3600 s); stays active; rated not good.
- C3 is deleted (state deleted): not in the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.connectors import helpscout
from cxmetrics.store import Store
from tests.helpscout_fake import APP_ID, APP_SECRET, GRANTED, TOKEN, FakeHelpScout
from tests.sync_support import assert_same_rows, served, value

ENV = {"HELPSCOUT_ACCESS_TOKEN": TOKEN}
FAST: dict[str, Any] = {"backoff": 0.001}


def scenario() -> FakeHelpScout:
    f = FakeHelpScout()
    f.customer(10, "2024-02-01T00:00:00Z")
    f.customer(11, "2024-03-01T00:00:00Z")
    f.conversation(1, "2024-03-04T09:00:00Z", customer=10)
    f.thread(1, "2024-03-04T09:00:00Z", "customer", "customer", 10, status="active")
    f.thread(1, "2024-03-04T10:30:00Z", "message", "user", 1, status="pending")
    f.thread(1, "2024-03-04T12:00:00Z", "customer", "customer", 10, status="active")
    closing = f.thread(1, "2024-03-05T09:00:00Z", "message", "user", 1, status="closed")
    f.rate(1, closing, 1, "2024-03-05T12:00:00Z", "Thanks!")
    f.conversation(2, "2024-03-05T08:30:00+09:00", customer=11, kind="chat", mailbox=102)
    f.thread(2, "2024-03-05T08:30:00+09:00", "chat", "customer", 11, status="active")
    f.thread(2, "2024-03-04T23:40:00Z", "note", "user", 1)
    chat = f.thread(2, "2024-03-05T00:30:00Z", "chat", "user", 1)
    f.rate(2, chat, 3, "2024-03-05T01:00:00Z")
    f.conversation(3, "2024-03-04T08:00:00Z", customer=10)
    f.thread(3, "2024-03-04T08:00:00Z", "customer", "customer", 10, status="active")
    f.conversations[3]["state"] = "deleted"
    return f


@pytest.fixture
def fake():
    with served(scenario()) as f:
        yield f


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.raw.execute(sql).fetchall()


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    assert rows(store, "SELECT ticket_id, channel, team, status, customer_id, agent_id, created_by, created_at "
                       "FROM tickets ORDER BY 1") == [
        ("1", "email", "Support", "closed", "10", "1", "customer", dt.datetime(2024, 3, 4, 9)),
        ("2", "chat", "Billing", "open", "11", "1", "customer", dt.datetime(2024, 3, 4, 23, 30))]
    assert rows(store, "SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL") == [
        ("agent", False, 1), ("agent", True, 3), ("customer", True, 3)]
    assert rows(store, "SELECT ticket_id, changed_at, from_status, to_status FROM status_changes ORDER BY 1, 2") == [
        ("1", dt.datetime(2024, 3, 4, 9), None, "open"),
        ("1", dt.datetime(2024, 3, 4, 10, 30), "open", "pending"),
        ("1", dt.datetime(2024, 3, 4, 12), "pending", "open"),
        ("1", dt.datetime(2024, 3, 5, 9), "open", "closed"),
        ("2", dt.datetime(2024, 3, 4, 23, 30), None, "open")]
    assert rows(store, "SELECT ticket_id, score, scale_min, scale_max, comment, responded_at "
                       "FROM survey_responses ORDER BY 1") == [
        ("1", 3.0, 1.0, 3.0, "Thanks!", dt.datetime(2024, 3, 5, 12)),
        ("2", 1.0, 1.0, 3.0, None, dt.datetime(2024, 3, 5, 1))]
    assert rows(store, "SELECT customer_id, acquired_at FROM customers ORDER BY 1") == [
        ("10", dt.datetime(2024, 2, 1)), ("11", dt.datetime(2024, 3, 1))]
    assert value(store, "ticket_volume").value == 2
    assert value(store, "tickets_resolved").value == 1
    frt = value(store, "first_response_time", stat="mean")
    assert frt["mean"] == pytest.approx((5400 + 3600) / 2)  # the note is no reply
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (50.0, 2)  # great is the top box of 1-3; not good is not


def test_second_sync_asks_only_for_changes(fake, store):
    helpscout.sync(store, fake.url, env=ENV, **FAST)
    first = len(fake.requests)
    fake.thread(2, "2024-03-06T10:00:00Z", "chat", "user", 1, status="closed")
    res = helpscout.sync(store, fake.url, env=ENV, **FAST)
    asked = [r for r in fake.requests[first:] if r.startswith("GET /v2/conversations")]
    assert res.incremental
    # the newest stamp of the first run: C1's closing reply
    assert "modifiedSince=2024-03-05T09%3A00%3A00Z" in asked[0]
    assert res.tables["tickets"].read == 1  # C1 comes back (inclusive) but is skipped: unchanged
    assert value(store, "tickets_resolved").value == 2
    again = helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert "tickets" not in again.tables


def test_a_conversation_merged_away_is_removed(fake, store):
    fake.conversation(4, "2024-03-04T09:30:00Z", customer=10)
    fake.thread(4, "2024-03-04T09:30:00Z", "customer", "customer", 10, status="active")
    helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert store.count("tickets") == 3
    del fake.conversations[4]  # merged into C1: gone from the lists, a line item on C1 says so
    fake.thread(1, "2024-03-06T08:00:00Z", "lineitem", "user", 1,
                action={"type": "merged", "text": "merged #1004", "associatedEntities": {"originalConversation": 4}})
    res = helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 1
    assert rows(store, "SELECT ticket_id FROM tickets ORDER BY 1") == [("1",), ("2",)]


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail["/v2/conversations"] = 1
    res = helpscout.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001)
    assert waits[0] >= 7  # X-RateLimit-Retry-After: 7
    assert len(waits) == 2 and res.retries == 2
    assert store.count("tickets") == 2


def test_interrupted_sync_resumes_and_ends_equal(fake, store, tmp_path):
    fake.fail_forever.add("/v2/reports/happiness/ratings")
    with pytest.raises(SyncFailed, match="resume"):
        helpscout.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None)
    assert store.count("tickets") == 2 and store.count("survey_responses") == 0
    fake.fail_forever.clear()
    before = len(fake.requests)
    helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert all("modifiedSince=2024-03-05T09" in r for r in fake.requests[before:] if "/v2/conversations" in r)
    other = Store(tmp_path / "clean.duckdb")
    try:
        helpscout.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "status_changes", "survey_responses", "customers"))
    finally:
        other.close()


def test_client_credentials_and_bad_credentials(fake, store):
    helpscout.sync(store, fake.url, env={"HELPSCOUT_APP_ID": APP_ID, "HELPSCOUT_APP_SECRET": APP_SECRET}, **FAST)
    assert store.count("tickets") == 2 and fake.requests[0] == "POST /v2/oauth2/token"
    for env, secret in (({"HELPSCOUT_ACCESS_TOKEN": "wrong-s3cret"}, "wrong-s3cret"),
                        ({"HELPSCOUT_APP_ID": APP_ID, "HELPSCOUT_APP_SECRET": "bad-s3cret"}, "bad-s3cret")):
        with pytest.raises(SourceAuthFailed, match="authentication") as e:
            helpscout.sync(store, fake.url, env=env, full=True, **FAST)
        assert secret not in str(e.value) and GRANTED not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="HELPSCOUT_ACCESS_TOKEN"):
        helpscout.sync(store, fake.url, env={}, **FAST)
    text = str(rows(store, "SELECT * FROM _import_log")) + str(rows(store, "SELECT * FROM _sync_state"))
    assert all(s not in text for s in (TOKEN, APP_SECRET, GRANTED))


def test_without_reports_the_ratings_are_skipped(fake, store):
    fake.reports_forbidden = True  # Standard plan: the reports answer 403
    res = helpscout.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and store.count("tickets") == 2 and store.count("survey_responses") == 0
