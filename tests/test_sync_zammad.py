"""`cxm sync zammad` against a loopback fake of the Zammad REST API (tests/zammad_fake.py).

Scenario (UTC unless said; the arithmetic next to each assertion):
- T1, email, created 2024-03-04 09:00 by customer 10 (organization Globex); the System's
  auto-reply 09:00:01 (no reply); agent 2 replies 10:30 (first reply 1.5 h = 5400 s,
  new -> open); the customer writes 12:00; the agent replies and closes it 2024-03-05
  09:00 (resolution 24 h = 86400 s); 30 time units logged (minutes: handle 1800 s).
- T2, web, created 2024-03-05T00:30+01:00 = 2024-03-04 23:30 UTC by customer 11; agent 2
  leaves an internal note 23:40 (no reply), replies 2024-03-05 00:30 (first reply 3600 s);
  open.
- T3 merged into T1 (state ``merged``): not in the store. T4 is deleted in Zammad after the
  first sync: a ``--full`` run removes it.
Zammad has no satisfaction ratings: CSAT has no value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.connectors import zammad
from cxmetrics.store import Store
from tests.sync_support import assert_same_rows, served, value
from tests.zammad_fake import PASSWORD, TOKEN, USER, FakeZammad

ENV = {"ZAMMAD_TOKEN": TOKEN}
FAST: dict[str, Any] = {"backoff": 0.001, "per_page": 2}


def scenario() -> FakeZammad:
    z = FakeZammad()
    z.user(2, ["Agent"], "2023-01-01T00:00:00.000Z")
    z.user(10, ["Customer"], "2024-02-01T00:00:00.000Z", organization=3)
    z.user(11, ["Customer"], "2024-03-01T00:00:00.000Z")
    z.ticket(1, "2024-03-04T09:00:00.000Z", "2024-03-05T09:00:00.000Z", "closed", close_at="2024-03-05T09:00:00.000Z")
    z.article(1, "2024-03-04T09:00:00.000Z", "Customer", 10)
    z.article(1, "2024-03-04T09:00:01.000Z", "System", 1)
    z.article(1, "2024-03-04T10:30:00.000Z", "Agent", 2)
    z.article(1, "2024-03-04T12:00:00.000Z", "Customer", 10)
    z.article(1, "2024-03-05T09:00:00.000Z", "Agent", 2)
    z.state_change(1, "2024-03-04T10:30:00.000Z", "new", "open")
    z.state_change(1, "2024-03-05T09:00:00.000Z", "open", "closed")
    z.time_entry(1, "2024-03-05T09:00:00.000Z", "30.0")
    z.ticket(2, "2024-03-05T00:30:00.000+01:00", "2024-03-05T00:30:00.000Z", "open", kind="web", customer=11, group=2)
    z.article(2, "2024-03-05T00:30:00.000+01:00", "Customer", 11, kind="web")
    z.article(2, "2024-03-04T23:40:00.000Z", "Agent", 2, kind="note", internal=True)
    z.article(2, "2024-03-05T00:30:00.000Z", "Agent", 2, kind="web")
    z.state_change(2, "2024-03-05T00:30:00.000Z", "new", "open")
    z.ticket(3, "2024-03-04T11:00:00.000Z", "2024-03-05T10:00:00.000Z", "merged")
    z.ticket(4, "2024-03-04T12:00:00.000Z", "2024-03-05T11:00:00.000Z", "new", customer=11)
    z.article(4, "2024-03-04T12:00:00.000Z", "Customer", 11)
    return z


@pytest.fixture
def fake():
    with served(scenario()) as f:
        yield f


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = zammad.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    tickets = store.raw.execute("SELECT ticket_id, channel, priority, team, status, customer_id, agent_id, created_by, "
                                "created_at FROM tickets ORDER BY 1").fetchall()
    assert tickets == [
        ("1", "email", "normal", "Users", "closed", "10", "2", "customer", dt.datetime(2024, 3, 4, 9)),
        ("2", "web", "normal", "Tech", "open", "11", "2", "customer", dt.datetime(2024, 3, 4, 23, 30)),
        ("4", "email", "normal", "Users", "new", "11", "2", "customer", dt.datetime(2024, 3, 4, 12)),
    ]
    kinds = store.raw.execute("SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL").fetchall()
    assert kinds == [("agent", False, 1), ("agent", True, 3), ("customer", True, 4), ("system", True, 1)]
    changes = store.raw.execute("SELECT ticket_id, changed_at, from_status, to_status FROM status_changes "
                                "WHERE ticket_id = '1' ORDER BY changed_at").fetchall()
    assert changes == [("1", dt.datetime(2024, 3, 4, 9), None, "new"), ("1", dt.datetime(2024, 3, 4, 10, 30), "new", "open"),
                       ("1", dt.datetime(2024, 3, 5, 9), "open", "closed")]
    assert store.raw.execute("SELECT ticket_id, agent_id, seconds FROM work_sessions").fetchall() == [("1", "2", 1800.0)]
    assert store.raw.execute("SELECT customer_id, segment FROM customers ORDER BY 1").fetchall() == \
        [("10", "Globex"), ("11", None)]  # agent 2 is no customer
    assert value(store, "ticket_volume").value == 3
    assert value(store, "tickets_resolved").value == 1
    assert value(store, "first_response_time", stat="mean")["mean"] == pytest.approx((5400 + 3600) / 2)
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    assert value(store, "handle_time", stat="mean")["mean"] == pytest.approx(1800)
    assert store.count("survey_responses") == 0


def test_second_sync_asks_only_for_changes(fake, store):
    zammad.sync(store, fake.url, env=ENV, **FAST)
    first = len(fake.requests)
    fake.tickets[2].update(state="closed", updated_at="2024-03-06T10:00:00.000Z", close_at="2024-03-06T10:00:00.000Z")
    fake.state_change(2, "2024-03-06T10:00:00.000Z", "open", "closed")
    res = zammad.sync(store, fake.url, env=ENV, **FAST)
    asked = fake.requests[first:]
    assert res.incremental
    searches = [r for r in asked if r.startswith("/api/v1/tickets/search")]
    # the newest ticket of the first run was T4 (2024-03-05 11:00), asked from a second before
    assert "updated_at%3A%5B2024-03-05T10%3A59%3A59Z+TO+%2A%5D" in searches[0]
    read = {r.split("/")[-1].split("?")[0] for r in asked if r.startswith("/api/v1/ticket_articles/by_ticket/")}
    assert read == {"2", "4"}  # T4 on the boundary is read again; T1 is not
    assert res.tables["tickets"].updated == 1 and res.tables["tickets"].inserted == 0
    assert value(store, "tickets_resolved").value == 2
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx((86400 + 124200) / 2)  # T2 34.5 h


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail["/api/v1/ticket_history/1"] = 2
    res = zammad.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001, per_page=2)
    assert waits[0] >= 7 and len(waits) == 3 and res.retries == 3
    assert store.count("tickets") == 3


def test_interrupted_sync_resumes_and_ends_equal(fake, store, tmp_path):
    fake.fail_forever.add("/api/v1/tickets/4/time_accountings")  # the third page of tickets
    with pytest.raises(SyncFailed, match="resume"):
        zammad.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None, per_page=2)
    assert store.count("tickets") == 2  # T1, T2: the pages before are kept
    fake.fail_forever.clear()
    before = len(fake.requests)
    zammad.sync(store, fake.url, env=ENV, **FAST)
    search = next(r for r in fake.requests[before:] if r.startswith("/api/v1/tickets/search"))
    assert "2024-03-05T09%3A59%3A59Z" in search  # after T3, the newest committed
    other = Store(tmp_path / "clean.duckdb")
    try:
        zammad.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "status_changes", "work_sessions", "customers"))
    finally:
        other.close()


def test_bad_credentials_fail_in_one_line_naming_authentication(fake, store):
    with pytest.raises(SourceAuthFailed, match="authentication") as e:
        zammad.sync(store, fake.url, env={"ZAMMAD_TOKEN": "wrong-token"}, **FAST)
    assert "wrong-token" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="ZAMMAD_TOKEN"):
        zammad.sync(store, fake.url, env={}, **FAST)
    assert store.count("tickets") == 0


def test_basic_auth_works(fake, store):
    zammad.sync(store, fake.url, env={"ZAMMAD_USER": USER, "ZAMMAD_PASSWORD": PASSWORD}, **FAST)
    assert store.count("tickets") == 3


def test_deleted_in_zammad_is_removed_by_a_full_run_and_edits_replace(fake, store):
    zammad.sync(store, fake.url, env=ENV, **FAST)
    del fake.tickets[4]
    fake.time[1][0]["time_unit"] = "45.0"  # an admin corrects the logged time; T1 changes with it
    fake.tickets[1]["updated_at"] = "2024-03-07T09:00:00.000Z"
    res = zammad.sync(store, fake.url, env=ENV, **FAST)
    assert store.count("tickets") == 3  # incremental: a deletion is not visible
    assert store.raw.execute("SELECT seconds FROM work_sessions").fetchall() == [(2700.0,)]  # replaced, not added
    res = zammad.sync(store, fake.url, env=ENV, full=True, **FAST)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 1
    assert store.raw.execute("SELECT ticket_id FROM tickets ORDER BY 1").fetchall() == [("1",), ("2",)]


def test_cli_sync_leaks_no_token(fake, tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    monkeypatch.setenv("ZAMMAD_TOKEN", "nope-nope")
    bad = runner.invoke(app, ["--db", str(db), "sync", "zammad", "--url", fake.url])
    assert bad.exit_code == 1 and "authentication" in bad.output and "nope-nope" not in bad.output
    assert len(bad.output.strip().splitlines()) == 1
