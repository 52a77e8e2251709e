"""`cxm sync zendesk` against a loopback fake of the Zendesk API (tests/zendesk_fake.py).

Scenario (all times UTC; the arithmetic next to each assertion):
- T1, email, created 2024-03-04 09:00 by end-user 10; agent 1 replies publicly 10:30
  (first reply 1.5 h = 5400 s) and sets pending; customer writes 12:00; agent replies
  and solves 2024-03-05 09:00 (resolution 24 h = 86400 s); rated "good".
- T2, chat, created 2024-03-05T08:30+09:00 = 2024-03-04 23:30 UTC; agent 1 leaves an
  internal note 23:40 (not a reply), replies publicly 2024-03-05 00:30 (first reply
  3600 s); stays open; its rating is only "offered" (not an answer).
- T3 deleted, T4 merged into T1 (closed_by_merge): neither is in the store.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.connectors import zendesk
from cxmetrics.store import Store
from tests.sync_support import assert_same_rows, served, value
from tests.zendesk_fake import EMAIL, OAUTH, TOKEN, FakeZendesk, ts

ENV = {"ZENDESK_EMAIL": EMAIL, "ZENDESK_API_TOKEN": TOKEN}
FAST: dict[str, Any] = {"backoff": 0.001}


def comment(author: int, public: bool = True, at: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"event_type": "Comment", "author_id": author, "public": public, "body": "..."}
    if at:
        c["created_at"] = at
    return c


def status(to: str, before: str | None) -> dict[str, Any]:
    return {"event_type": "Change" if before else "Create", "field_name": "status", "value": to,
            "previous_value": before}


def scenario() -> FakeZendesk:
    z = FakeZendesk()
    z.user(1, "agent", "2023-01-01T00:00:00Z")
    z.user(10, "end-user", "2024-02-01T00:00:00Z")
    z.user(11, "end-user", "2024-03-01T00:00:00Z")
    z.ticket(1, "2024-03-04T09:00:00Z", "2024-03-05T09:00:00Z", "solved")
    z.ticket(2, "2024-03-04T23:30:00Z", "2024-03-05T00:30:00Z", "open", channel="chat", requester=11,
             group=360002)
    z.ticket(3, "2024-03-04T10:00:00Z", "2024-03-05T10:00:00Z", "deleted")
    z.ticket(4, "2024-03-04T11:00:00Z", "2024-03-05T11:00:00Z", "closed", tags=("closed_by_merge",))
    z.event(1, "2024-03-04T09:00:00Z", [comment(10), status("new", None)], updater=10, channel="email")
    z.event(1, "2024-03-04T10:30:00Z", [comment(1), status("pending", "new")], updater=1)
    z.event(1, "2024-03-04T12:00:00Z", [comment(10), status("open", "pending")], updater=10, channel="email")
    z.event(2, "2024-03-05T08:30:00+09:00", [comment(11), status("new", None)], updater=11, channel="chat")
    z.event(2, "2024-03-04T23:40:00Z", [comment(1, public=False)], updater=1)
    z.event(2, "2024-03-05T00:30:00Z", [comment(1), status("open", "new")], updater=1)
    z.event(1, "2024-03-05T09:00:00Z", [comment(1), status("solved", "open")], updater=1)
    z.event(3, "2024-03-05T10:00:00Z", [status("deleted", "open")], updater=1)
    z.rating(501, 1, "good", "2024-03-05T12:00:00Z")
    z.rating(502, 2, "offered", "2024-03-05T12:00:00Z", requester=11)
    return z


@pytest.fixture
def fake():
    with served(scenario()) as f:
        yield f


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = zendesk.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    tickets = store.raw.execute("SELECT ticket_id, channel, team, brand, status, customer_id, created_at "
                                "FROM tickets ORDER BY 1").fetchall()
    assert tickets == [("1", "email", "Billing", "Acme", "solved", "10", dt.datetime(2024, 3, 4, 9)),
                       ("2", "chat", "Tech", "Acme", "open", "11", dt.datetime(2024, 3, 4, 23, 30))]
    assert store.count("messages") == 7  # 4 on T1, 3 on T2
    kinds = store.raw.execute("SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL").fetchall()
    assert kinds == [("agent", False, 1), ("agent", True, 3), ("customer", True, 3)]
    assert store.count("customers") == 2  # end-users 10 and 11; agent 1 is not a customer
    assert value(store, "ticket_volume").value == 2
    assert value(store, "tickets_resolved").value == 1
    frt = value(store, "first_response_time", stat="mean")
    assert frt["mean"] == pytest.approx((5400 + 3600) / 2)  # T1 1.5 h, T2 1 h (the internal note is no reply)
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (100.0, 1)  # one "good"; "offered" is not an answer


def test_second_sync_asks_only_for_changes(fake, store):
    zendesk.sync(store, fake.url, env=ENV, **FAST)
    first = len(fake.requests)
    # T2 is solved a day later and rated bad
    fake.ticket(2, "2024-03-04T23:30:00Z", "2024-03-06T10:00:00Z", "solved", channel="chat", requester=11,
                group=360002)
    fake.event(2, "2024-03-06T10:00:00Z", [comment(1), status("solved", "open")], updater=1)
    fake.rating(503, 2, "bad", "2024-03-06T11:00:00Z", requester=11)
    res = zendesk.sync(store, fake.url, env=ENV, **FAST)
    asked = fake.requests[first:]
    assert res.incremental
    tickets_asked = [r for r in asked if "tickets/cursor" in r]
    assert tickets_asked and all("cursor=" in r and "start_time" not in r for r in tickets_asked)
    events_asked = [r for r in asked if "ticket_events" in r]
    last_seen = ts("2024-03-05T10:00:00Z")  # the newest event of the first run (T3 deleted)
    assert events_asked[0].split("start_time=")[1].split("&")[0] == str(last_seen)
    assert res.tables["tickets"].read == 1  # only T2 changed
    assert value(store, "tickets_resolved").value == 2
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (50.0, 2)  # good + bad


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail["/api/v2/incremental/ticket_events.json"] = 2
    res = zendesk.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001)
    assert waits[0] >= 7  # Retry-After: 7
    assert len(waits) == 3 and res.retries == 3
    assert store.count("tickets") == 2


def test_interrupted_sync_resumes_and_ends_equal(fake, store, tmp_path):
    fake.fail_forever.add("/api/v2/satisfaction_ratings.json")
    with pytest.raises(SyncFailed, match="resume"):
        zendesk.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None)
    assert store.count("tickets") == 2 and store.count("survey_responses") == 0  # whole pages kept
    fake.fail_forever.clear()
    before = len(fake.requests)
    zendesk.sync(store, fake.url, env=ENV, **FAST)
    assert all("start_time" not in r for r in fake.requests[before:] if "tickets/cursor" in r)
    other = Store(tmp_path / "clean.duckdb")
    try:
        zendesk.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "status_changes", "survey_responses", "customers"))
    finally:
        other.close()


def test_bad_credentials_fail_in_one_line_naming_authentication(fake, store):
    with pytest.raises(SourceAuthFailed, match="authentication") as e:
        zendesk.sync(store, fake.url, env={"ZENDESK_EMAIL": EMAIL, "ZENDESK_API_TOKEN": "wrong"}, **FAST)
    assert "wrong" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="authentication"):
        zendesk.sync(store, fake.url, env={}, **FAST)
    assert store.count("tickets") == 0


def test_oauth_bearer_works(fake, store):
    zendesk.sync(store, fake.url, env={"ZENDESK_OAUTH_TOKEN": OAUTH}, **FAST)
    assert store.count("tickets") == 2


def test_cli_sync_summary_and_exit_codes(fake, tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    monkeypatch.setenv("ZENDESK_EMAIL", EMAIL)
    monkeypatch.setenv("ZENDESK_API_TOKEN", TOKEN)
    ok = runner.invoke(app, ["--db", str(db), "sync", "zendesk", "--url", fake.url])
    assert ok.exit_code == 0, ok.output
    assert "tickets" in ok.output and "messages" in ok.output and TOKEN not in ok.output
    monkeypatch.setenv("ZENDESK_API_TOKEN", "nope")
    bad = runner.invoke(app, ["--db", str(db), "sync", "zendesk", "--url", fake.url, "--full"])
    assert bad.exit_code == 1 and "authentication" in bad.output and "nope" not in bad.output
    usage = runner.invoke(app, ["--db", str(db), "sync", "nosuch", "--url", fake.url])
    assert usage.exit_code == 2
    logged = Store(db, read_only=True)
    try:
        text = str(logged.raw.execute("SELECT * FROM _import_log").fetchall())
        text += str(logged.raw.execute("SELECT * FROM _sync_state").fetchall())
        assert TOKEN not in text and EMAIL not in text
    finally:
        logged.close()


def test_serve_syncs_on_a_timer(fake, tmp_path):
    from cxmetrics.interfaces.web.scheduler import SyncSchedule
    from tests.api_support import client as api_client

    schedule = SyncSchedule("zendesk", fake.url, 3600, {"env": ENV, **FAST})
    with api_client(tmp_path / "served.duckdb", sync=schedule) as client:
        scheduler = client.app.state.scheduler
        for _ in range(500):  # the first run starts with the server
            if scheduler.runs:
                break
            threading.Event().wait(0.02)
        assert scheduler.runs == 1 and scheduler.last_error is None
        body = client.get("/api/v1/metrics", params={"ids": "ticket_volume", "grain": "total"})
        assert body.status_code == 200, body.text
        assert body.json()["metrics"][0]["value"] == 2


def test_serve_sync_options_are_checked():
    from cxmetrics.errors import UsageError
    from cxmetrics.interfaces.cli.serve_cmd import _schedule

    assert _schedule("15m", "zendesk", "https://acme.zendesk.com").every == 900  # type: ignore[union-attr]
    for bad in (("15m", None, "https://x"), (None, "zendesk", None), ("10s", "zendesk", "https://x"),
                ("15m", "nosuch", "https://x")):
        with pytest.raises(UsageError):
            _schedule(*bad)


def test_a_row_without_a_required_value_is_quarantined_not_dropped(fake, store):
    fake.tickets.append({**fake.tickets[0], "id": 9, "created_at": None, "tags": []})
    res = zendesk.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 3 and res.tables["tickets"].quarantined == 1
    row = store.raw.execute("SELECT table_name, \"column\", reason FROM _quarantine").fetchall()
    assert row == [("tickets", "created_at", "required value is empty")]
    assert store.count("tickets") == 2


def test_since_starts_the_first_run_there(fake, store):
    zendesk.sync(store, fake.url, env=ENV, since=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC), **FAST)
    first = next(r for r in fake.requests if "tickets/cursor" in r)
    assert f"start_time={ts('2024-03-05T09:30:00Z')}" in first
    assert store.raw.execute("SELECT ticket_id FROM tickets").fetchall() == []  # T1, T2 last changed before


def test_a_ticket_deleted_after_a_sync_is_removed_with_its_rows(fake, store):
    zendesk.sync(store, fake.url, env=ENV, **FAST)
    assert store.raw.execute("SELECT count(*) FROM messages WHERE ticket_id = '2'").fetchone()[0] == 3
    fake.ticket(2, "2024-03-04T23:30:00Z", "2024-03-07T10:00:00Z", "deleted", channel="chat", requester=11)
    res = zendesk.sync(store, fake.url, env=ENV, **FAST)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 3
    for table in ("tickets", "messages", "status_changes"):
        assert store.raw.execute(f"SELECT count(*) FROM {table} WHERE ticket_id = '2'").fetchone()[0] == 0


def test_timeouts_are_retried_with_backoff():
    import httpx

    from cxmetrics.ingest.connectors.base import Client

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"ok": True})

    waits: list[float] = []
    client = Client("http://127.0.0.1:9", {}, source="test", transport=httpx.MockTransport(handler),
                    sleep=waits.append, backoff=0.5)
    assert client.get("api/x") == {"ok": True}
    assert len(calls) == 3 and len(waits) == 2 and all(0 <= w <= 120 for w in waits)
    with pytest.raises(SyncFailed, match="outside"):
        client.get("http://evil.example/api")  # never sends the credentials to another host
