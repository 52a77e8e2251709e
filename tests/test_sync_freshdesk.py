"""`cxm sync freshdesk` against a loopback fake of the Freshdesk API v2 (tests/freshdesk_fake.py).

Scenario (UTC unless said; the arithmetic next to each assertion):
- T1, email, created 2024-03-04 09:00 by contact 10 (company Globex); agent 1 replies
  10:30 (first reply 1.5 h = 5400 s); the customer writes 12:00; the agent replies
  2024-03-05 09:00 and resolves it then (resolution 24 h = 86400 s); 30 min logged
  (handle 1800 s; a running timer is not counted); rated 103 (happy).
- T2, chat, created 2024-03-05T05:00+05:30 = 2024-03-04 23:30 UTC by contact 11; agent 1
  leaves a private note 23:40 (no reply), replies 2024-03-05 00:30 (first reply 3600 s);
  open; rated 100 (neutral).
- T3 deleted (only in ``filter=deleted``), T4 merged into T1 (closed, Freshdesk's note
  "merged into ticket #1"): neither is in the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.connectors import freshdesk
from cxmetrics.store import Store
from tests.freshdesk_fake import KEY, FakeFreshdesk
from tests.sync_support import assert_same_rows, served, value

ENV = {"FRESHDESK_API_KEY": KEY}
FAST: dict[str, Any] = {"backoff": 0.001}


def scenario() -> FakeFreshdesk:
    f = FakeFreshdesk()
    f.contact(10, "2024-02-01T00:00:00Z", company=8001)
    f.contact(11, "2024-03-01T00:00:00Z")
    f.ticket(1, "2024-03-04T09:00:00Z", "2024-03-05T09:00:00Z", 4,
             stats={"first_responded_at": "2024-03-04T10:30:00Z", "resolved_at": "2024-03-05T09:00:00Z"})
    f.reply(1, "2024-03-04T10:30:00Z", 1)
    f.reply(1, "2024-03-04T12:00:00Z", 10, incoming=True)
    f.reply(1, "2024-03-05T09:00:00Z", 1)
    f.time_entry(1, 1, 1, "2024-03-04T10:00:00Z", "00:30")
    f.time_entry(2, 1, 1, "2024-03-05T08:00:00Z", "01:00", running=True)
    f.ticket(2, "2024-03-05T05:00:00+05:30", "2024-03-05T00:30:00Z", 2, source=7, requester=11, group=5002,
             stats={"first_responded_at": "2024-03-05T00:30:00Z"})
    f.reply(2, "2024-03-04T23:40:00Z", 1, private=True)
    f.reply(2, "2024-03-05T06:00:00+05:30", 1)
    f.ticket(3, "2024-03-04T10:00:00Z", "2024-03-05T10:00:00Z", 2, deleted=True)
    f.ticket(4, "2024-03-04T11:00:00Z", "2024-03-05T11:00:00Z", 5)
    f.reply(4, "2024-03-05T11:00:00Z", 1, private=True, body="This ticket is closed and merged into ticket #1")
    f.rating(601, 1, 103, "2024-03-05T12:00:00Z")
    f.rating(602, 2, 100, "2024-03-05T12:00:00Z", user=11)
    return f


@pytest.fixture
def fake():
    with served(scenario()) as f:
        yield f


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = freshdesk.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    tickets = store.raw.execute("SELECT ticket_id, channel, priority, team, brand, status, customer_id, created_by, "
                                "created_at FROM tickets ORDER BY 1").fetchall()
    assert tickets == [("1", "email", "medium", "Billing", "Acme", "solved", "10", "customer", dt.datetime(2024, 3, 4, 9)),
                       ("2", "chat", "medium", "Tech", "Acme", "open", "11", "customer", dt.datetime(2024, 3, 4, 23, 30))]
    messages = store.raw.execute("SELECT ticket_id, author_type, public, created_at FROM messages "
                                 "ORDER BY ticket_id, created_at").fetchall()
    assert messages == [
        ("1", "customer", True, dt.datetime(2024, 3, 4, 9)),  # the description
        ("1", "agent", True, dt.datetime(2024, 3, 4, 10, 30)),
        ("1", "customer", True, dt.datetime(2024, 3, 4, 12)),
        ("1", "agent", True, dt.datetime(2024, 3, 5, 9)),
        ("2", "customer", True, dt.datetime(2024, 3, 4, 23, 30)),
        ("2", "agent", False, dt.datetime(2024, 3, 4, 23, 40)),
        ("2", "agent", True, dt.datetime(2024, 3, 5, 0, 30)),
    ]
    assert store.raw.execute("SELECT ticket_id, agent_id, started_at, seconds FROM work_sessions").fetchall() == \
        [("1", "1", dt.datetime(2024, 3, 4, 10), 1800.0)]
    assert store.raw.execute("SELECT customer_id, segment FROM customers ORDER BY 1").fetchall() == \
        [("10", "Globex"), ("11", None)]
    assert value(store, "ticket_volume").value == 2
    assert value(store, "tickets_resolved").value == 1
    assert value(store, "first_response_time", stat="mean")["mean"] == pytest.approx((5400 + 3600) / 2)
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    assert value(store, "handle_time", stat="mean")["mean"] == pytest.approx(1800)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (50.0, 2)  # happy (7 of 1-7) is top-two-box, neutral (4) is not


def test_second_sync_asks_only_for_changes(fake, store):
    freshdesk.sync(store, fake.url, env=ENV, **FAST)
    first = len(fake.requests)
    # T2 is resolved a day later and rated unhappy
    fake.ticket(2, "2024-03-04T23:30:00Z", "2024-03-06T10:00:00Z", 4, source=7, requester=11, group=5002,
                stats={"first_responded_at": "2024-03-05T00:30:00Z", "resolved_at": "2024-03-06T10:00:00Z"})
    fake.reply(2, "2024-03-06T10:00:00Z", 1)
    fake.rating(603, 2, -103, "2024-03-06T11:00:00Z", user=11)
    res = freshdesk.sync(store, fake.url, env=ENV, **FAST)
    asked = fake.requests[first:]
    assert res.incremental
    listing = [r for r in asked if r.startswith("/api/v2/tickets?") and "filter=" not in r]
    # the newest ticket of the first run was T4 (2024-03-05 11:00), asked from a second before
    assert listing and all("updated_since=2024-03-05T10%3A59%3A59Z" in r for r in listing[:1])
    conversations = {r.split("/")[4] for r in asked if "/conversations" in r}
    assert conversations <= {"2", "4"}  # T1 did not change: its conversations are not read again
    assert res.tables["tickets"].read == 1  # only T2 (T4 is the merged one on the boundary)
    ratings = [r for r in asked if "satisfaction_ratings" in r]
    assert "created_since=2024-03-05T12%3A00%3A00Z" in ratings[0]
    assert value(store, "tickets_resolved").value == 2
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (pytest.approx(100 / 3), 3)


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail["/api/v2/tickets/1/conversations"] = 1
    res = freshdesk.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001)
    assert waits[0] >= 7  # Retry-After: 7
    assert len(waits) == 2 and res.retries == 2
    assert store.count("tickets") == 2


def test_interrupted_sync_resumes_and_ends_equal(fake, store, tmp_path):
    fake.fail_forever.add("/api/v2/tickets/4/conversations")  # on the second page of tickets
    with pytest.raises(SyncFailed, match="resume"):
        freshdesk.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None)
    assert store.count("tickets") == 2 and store.count("survey_responses") == 0  # the first page is kept
    fake.fail_forever.clear()
    before = len(fake.requests)
    freshdesk.sync(store, fake.url, env=ENV, **FAST)
    listing = [r for r in fake.requests[before:] if r.startswith("/api/v2/tickets?") and "filter=" not in r]
    assert "updated_since=2024-03-05T08%3A59%3A59Z" in listing[0]  # after T1, the first page's newest
    other = Store(tmp_path / "clean.duckdb")
    try:
        freshdesk.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "work_sessions", "survey_responses", "customers"))
    finally:
        other.close()


def test_bad_credentials_fail_in_one_line_naming_authentication(fake, store):
    with pytest.raises(SourceAuthFailed, match="authentication") as e:
        freshdesk.sync(store, fake.url, env={"FRESHDESK_API_KEY": "wrong-key"}, **FAST)
    assert "wrong-key" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="FRESHDESK_API_KEY"):
        freshdesk.sync(store, fake.url, env={}, **FAST)
    assert store.count("tickets") == 0


def test_cli_sync_leaks_no_key(fake, tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    monkeypatch.setenv("FRESHDESK_API_KEY", KEY)
    ok = runner.invoke(app, ["--db", str(db), "sync", "freshdesk", "--url", fake.url])
    assert ok.exit_code == 0, ok.output
    assert "work_sessions" in ok.output and KEY not in ok.output
    monkeypatch.setenv("FRESHDESK_API_KEY", "nope-nope")
    bad = runner.invoke(app, ["--db", str(db), "sync", "freshdesk", "--url", fake.url, "--full"])
    assert bad.exit_code == 1 and "authentication" in bad.output and "nope-nope" not in bad.output
    logged = Store(db, read_only=True)
    try:
        text = str(logged.raw.execute("SELECT * FROM _import_log").fetchall())
        text += str(logged.raw.execute("SELECT * FROM _sync_state").fetchall())
        assert KEY not in text
    finally:
        logged.close()


def test_deleted_later_and_edited_time_entries(fake, store):
    freshdesk.sync(store, fake.url, env=ENV, **FAST)
    fake.tickets[2]["deleted"] = True
    fake.tickets[2]["updated_at"] = "2024-03-07T10:00:00Z"
    fake.time_entries[1][0]["time_spent"] = "00:45"  # edited; T1 changes with it
    fake.tickets[1]["updated_at"] = "2024-03-07T09:00:00Z"
    res = freshdesk.sync(store, fake.url, env=ENV, **FAST)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 3
    assert store.raw.execute("SELECT ticket_id FROM tickets").fetchall() == [("1",)]
    assert store.raw.execute("SELECT seconds FROM work_sessions").fetchall() == [(2700.0,)]  # replaced, not added


def test_pages_within_one_second_and_the_page_limit(fake, store):
    for tid in (11, 12, 13, 14, 15):  # five tickets changed in the same second
        fake.ticket(tid, "2024-03-06T08:00:00Z", "2024-03-06T09:00:00Z", 2)
    fake.max_page = 3
    freshdesk.sync(store, fake.url, env=ENV, max_page=3, **FAST)
    assert store.count("tickets") == 7
    fake.max_page = 2
    with pytest.raises(SyncFailed, match="share"):
        freshdesk.sync(store, fake.url, env=ENV, max_page=2, full=True, **FAST)


def test_since_starts_the_first_run_there(fake, store):
    freshdesk.sync(store, fake.url, env=ENV, since=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC), **FAST)
    first = next(r for r in fake.requests if r.startswith("/api/v2/tickets?"))
    assert "updated_since=2024-03-05T09%3A29%3A59Z" in first
    assert store.raw.execute("SELECT ticket_id FROM tickets").fetchall() == []  # T1, T2 changed before; T4 merged


EXPORT = """\ufeff"Ticket ID","Subject","Status","Priority","Source","Type","Agent","Group","Created time","Due by Time",\
"Resolved time","Closed time","Last update time","Initial response time","Full name","Contact ID","Product"
1,"Refund, please","Resolved","Medium","Email","Question","Ann Agent","Billing","2024-03-04 14:30:00",\
"2024-03-05 14:30:00","2024-03-05 14:30:00","","2024-03-05 14:30:00","2024-03-04 16:00:00","Jo Doe",10,"Acme"
2,"Login","Open","High","Chat","Incident","Ann Agent","Tech","2024-03-05 05:00:00","","","","2024-03-05 06:00:00",\
"2024-03-05 06:00:00","Sam Roe",11,"Acme"
3,"Other","Waiting on Developer","Low","Portal","","","","2024-03-05 07:00:00","","","","","","Al",12,""
"""


def test_the_csv_export_imports_offline_with_the_same_mapping(tmp_path, store):
    """Times in the export are the account's zone (here Asia/Kolkata, +05:30): T1 09:00 UTC, first reply
    10:30 (5400 s), resolved next day 09:00 (86400 s); T2 2024-03-04 23:30, reply 00:30 (3600 s); T3 has
    a custom status with no canonical meaning: quarantined with the reason, not guessed."""
    from cxmetrics.interfaces.cli.main import app, register_commands

    path = tmp_path / "tickets.csv"
    path.write_text(EXPORT, encoding="utf-8")
    register_commands()
    db = tmp_path / "export.duckdb"
    res = CliRunner().invoke(app, ["--db", str(db), "import", "tickets", str(path), "--source", "freshdesk",
                                   "--tz", "Asia/Kolkata"])
    assert res.exit_code == 3, res.output  # imported, one row quarantined
    s = Store(db, read_only=True)
    try:
        rows = s.raw.execute("SELECT ticket_id, created_at, status, priority, channel, team, brand, customer_id "
                             "FROM tickets ORDER BY 1").fetchall()
        assert rows == [("1", dt.datetime(2024, 3, 4, 9), "solved", "medium", "email", "Billing", "Acme", "10"),
                        ("2", dt.datetime(2024, 3, 4, 23, 30), "open", "high", "chat", "Tech", "Acme", "11")]
        reason = s.raw.execute('SELECT "column", reason, raw FROM _quarantine').fetchall()
        assert reason[0][0] == "status" and "Waiting on Developer" in reason[0][1]
        assert "Al" not in reason[0][2] and "Other" not in reason[0][2]  # names and subjects are dropped
        assert value(s, "first_response_time", stat="mean")["mean"] == pytest.approx((5400 + 3600) / 2)
        assert value(s, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    finally:
        s.close()
    wrong = CliRunner().invoke(app, ["--db", str(db), "import", "messages", str(path), "--source", "freshdesk"])
    assert wrong.exit_code == 2 and "tickets" in wrong.output
