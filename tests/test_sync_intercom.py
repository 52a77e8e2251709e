"""`cxm sync intercom` against a loopback fake of the Intercom API (tests/intercom_fake.py).

Scenario (UTC unless said; the arithmetic next to each assertion):
- C1, Messenger (chat), opened 2024-03-04 09:00 by user 10; admin 1 replies 10:30 (first
  reply 5400 s) and snoozes 10:31; the user writes 12:00 (reopens); admin 1 replies and closes
  2024-03-05 09:00 (resolution 86400 s); rated 5 of 5.
- C2, email, opened 2024-03-05T08:30+09:00 = 2024-03-04 23:30 by lead 11; the Operator bot
  answers 23:35 (a bot: no reply), admin 1 leaves a note 23:40 (internal: no reply) and
  replies 2024-03-05 00:30 (first reply 3600 s); stays open; rated 2 of 5.
- C3 is listed by the search but deleted (404): not in the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.connectors import intercom
from cxmetrics.store import Store
from tests.intercom_fake import TOKEN, FakeIntercom, ts
from tests.sync_support import assert_same_rows, served, value

ENV = {"INTERCOM_ACCESS_TOKEN": TOKEN}
FAST: dict[str, Any] = {"backoff": 0.001}
OPERATOR = "operator+abcd1234@intercom.io"


def scenario() -> FakeIntercom:
    f = FakeIntercom()
    f.contact("10", "user", "2024-02-01T00:00:00Z")
    f.contact("11", "lead", "2024-03-01T00:00:00Z")
    f.conversation("1", "2024-03-04T09:00:00Z", contact="10")
    f.part("1", "2024-03-04T10:30:00Z", "comment", "admin", "1", "Hello")
    f.part("1", "2024-03-04T10:31:00Z", "snoozed", "admin", "1", state="snoozed")
    f.part("1", "2024-03-04T12:00:00Z", "comment", "user", "10", "Still broken", state="open")
    f.part("1", "2024-03-05T09:00:00Z", "close", "admin", "1", "Fixed", state="closed")
    f.rate("1", 5, "2024-03-05T12:00:00Z", "great")
    f.conversation("2", "2024-03-05T08:30:00+09:00", contact="11", source_type="email", team="814866")
    f.part("2", "2024-03-04T23:35:00Z", "comment", "admin", "99", "Have you tried...", email=OPERATOR)
    f.part("2", "2024-03-04T23:40:00Z", "note", "admin", "1", "VIP")
    f.part("2", "2024-03-05T00:30:00Z", "comment", "admin", "1", "On it")
    f.rate("2", 2, "2024-03-05T01:00:00Z")
    f.conversation("3", "2024-03-04T08:00:00Z", contact="10")
    f.deleted.add("3")
    return f


@pytest.fixture
def fake():
    with served(scenario()) as f:
        yield f


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.raw.execute(sql).fetchall()


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = intercom.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    assert fake.versions == {intercom.API_VERSION}
    assert rows(store, "SELECT ticket_id, channel, team, status, customer_id, agent_id, created_by, created_at "
                       "FROM tickets ORDER BY 1") == [
        ("1", "chat", "Billing", "closed", "10", "1", "customer", dt.datetime(2024, 3, 4, 9)),
        ("2", "email", "Tech", "open", "11", "1", "customer", dt.datetime(2024, 3, 4, 23, 30))]
    # C1: opening + 3 bodies (the snooze has none); C2: opening, bot, note, reply
    assert rows(store, "SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL") == [
        ("agent", False, 1), ("agent", True, 3), ("bot", True, 1), ("customer", True, 3)]
    assert rows(store, "SELECT ticket_id, changed_at, from_status, to_status FROM status_changes ORDER BY 1, 2") == [
        ("1", dt.datetime(2024, 3, 4, 9), None, "open"),
        ("1", dt.datetime(2024, 3, 4, 10, 31), "open", "on_hold"),
        ("1", dt.datetime(2024, 3, 4, 12), "on_hold", "open"),
        ("1", dt.datetime(2024, 3, 5, 9), "open", "closed"),
        ("2", dt.datetime(2024, 3, 4, 23, 30), None, "open")]
    assert rows(store, "SELECT response_id, score, scale_min, scale_max, comment FROM survey_responses ORDER BY 1") == [
        ("intercom-1", 5.0, 1.0, 5.0, "great"), ("intercom-2", 2.0, 1.0, 5.0, None)]
    assert rows(store, "SELECT customer_id, acquired_at, country FROM customers ORDER BY 1") == [
        ("10", dt.datetime(2024, 2, 1), "Finland"), ("11", dt.datetime(2024, 3, 1), "Finland")]
    assert res.tables["tickets"].read == 2 and "GET /conversations/3?display_as=plaintext" in fake.requests
    assert value(store, "ticket_volume").value == 2
    assert value(store, "tickets_resolved").value == 1
    frt = value(store, "first_response_time", stat="mean")
    assert frt["mean"] == pytest.approx((5400 + 3600) / 2)  # the bot and the note are no replies
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (50.0, 2)  # 5 is top-two-box of 1-5, 2 is not


def test_second_sync_asks_only_for_changes(fake, store):
    intercom.sync(store, fake.url, env=ENV, **FAST)
    first, searched = len(fake.requests), len(fake.searches)
    fake.part("2", "2024-03-06T10:00:00Z", "close", "admin", "1", "Done", state="closed")
    res = intercom.sync(store, fake.url, env=ENV, **FAST)
    asked = fake.requests[first:]
    assert res.incremental
    conv_search = fake.searches[searched:]
    newest = ts("2024-03-05T12:00:00Z")  # C1's rating: the newest updated_at of the first run
    assert conv_search and conv_search[0]["query"]["value"] == newest - 1
    assert [r for r in asked if r.startswith("GET /conversations/")] == ["GET /conversations/2?display_as=plaintext"]
    assert res.tables["tickets"].read == 1
    assert value(store, "tickets_resolved").value == 2
    again = intercom.sync(store, fake.url, env=ENV, **FAST)  # nothing changed: nothing read
    assert "tickets" not in again.tables


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail["/conversations/search"] = 1
    res = intercom.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001)
    assert waits[0] >= 8  # X-RateLimit-Reset is 10 s ahead
    assert len(waits) == 2 and res.retries == 2
    assert store.count("tickets") == 2


def test_interrupted_sync_resumes_and_ends_equal(fake, store, tmp_path):
    fake.fail_forever.add("/conversations/1")  # page 1 is C3, C2; page 2 is C1
    with pytest.raises(SyncFailed, match="resume"):
        intercom.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None)
    assert rows(store, "SELECT ticket_id FROM tickets") == [("2",)]  # the whole first page, nothing more
    fake.fail_forever.clear()
    searched = len(fake.searches)
    intercom.sync(store, fake.url, env=ENV, **FAST)
    assert fake.searches[searched]["query"]["value"] == fake.conversations["2"]["updated_at"] - 1
    other = Store(tmp_path / "clean.duckdb")
    try:
        intercom.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "status_changes", "survey_responses", "customers"))
    finally:
        other.close()


def test_bad_credentials_fail_in_one_line_naming_authentication(fake, store):
    with pytest.raises(SourceAuthFailed, match="authentication") as e:
        intercom.sync(store, fake.url, env={"INTERCOM_ACCESS_TOKEN": "wrong-s3cret"}, **FAST)
    assert "wrong-s3cret" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="INTERCOM_ACCESS_TOKEN"):
        intercom.sync(store, fake.url, env={}, **FAST)
    assert store.count("tickets") == 0


def test_a_deleted_conversation_goes_on_the_next_full_sync(fake, store):
    intercom.sync(store, fake.url, env=ENV, **FAST)
    del fake.conversations["2"]  # deleted in Intercom: the search no longer lists it
    intercom.sync(store, fake.url, env=ENV, **FAST)
    assert store.count("tickets") == 2  # an incremental run cannot see a deletion
    res = intercom.sync(store, fake.url, env=ENV, full=True, **FAST)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 4
    assert rows(store, "SELECT DISTINCT ticket_id FROM messages") == [("1",)]


def test_cli_sync_summary_and_no_secret_anywhere(fake, tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    # the dashboard's warm start is not what this tests (and costs seconds): skip it
    monkeypatch.setattr("cxmetrics.interfaces.web.api_overview.warm_answers", lambda store: None)
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", TOKEN)
    ok = runner.invoke(app, ["--db", str(db), "sync", "intercom", "--url", fake.url])
    assert ok.exit_code == 0, ok.output
    assert "tickets" in ok.output and TOKEN not in ok.output
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", "nope-s3cret")
    bad = runner.invoke(app, ["--db", str(db), "sync", "intercom", "--url", fake.url])
    assert bad.exit_code == 1 and "authentication" in bad.output and "nope-s3cret" not in bad.output
    logged = Store(db, read_only=True)
    try:
        text = str(rows(logged, "SELECT * FROM _import_log")) + str(rows(logged, "SELECT * FROM _sync_state"))
        assert TOKEN not in text
    finally:
        logged.close()
