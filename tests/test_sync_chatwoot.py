"""`cxm sync chatwoot` against a loopback fake of Chatwoot's Application API (tests/chatwoot_fake.py).

Scenario (written in Tokyo time as the account sees it; UTC in the arithmetic):
- #1 web widget (inbox "Acme web"), team Billing, contact 20, created 2024-03-04 09:00 UTC;
  a greeting template (bot) 09:01, an internal note 09:15, agent 1 replies 10:30 (first
  reply 5400 s), snoozes 10:31, the customer writes 12:00 (the system reopens), agent
  replies 2024-03-05 08:00 and resolves 09:00 (resolution 86400 s). CSAT 5.
- #2 email, contact 21, created 2024-03-05T08:30+09:00 = 2024-03-04 23:30 UTC; the agent bot
  answers 23:31 (no reply), agent 1 replies 00:30 UTC (first reply 3600 s); open. CSAT 2.
- #3 web widget, contact 20, created 2024-03-05 02:00 UTC, still pending with the bot; it
  is deleted in Chatwoot before the second sync.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import SourceAuthFailed, SyncFailed, UsageError
from cxmetrics.ingest.connectors import chatwoot
from cxmetrics.store import Store
from tests.chatwoot_fake import ACCOUNT, TOKEN, FakeChatwoot
from tests.sync_support import assert_same_rows, served, value

ENV = {"CHATWOOT_API_TOKEN": TOKEN}
FAST: dict[str, Any] = {"backoff": 0.001}
IN, OUT, ACT, TPL = 0, 1, 2, 3
CONTACT_20, CONTACT_21, AGENT, BOT = ("contact", 20), ("contact", 21), ("user", 1), ("agent_bot", 9)


def scenario() -> FakeChatwoot:
    c = FakeChatwoot()
    c.contact(20, "2024-02-01T09:00:00+09:00")
    c.contact(21, "2024-03-01T09:00:00+09:00")
    c.conversation(1, "2024-03-04T18:00:00+09:00", team="Billing", labels=("refund", "billing"), priority="medium")
    c.message(1, "2024-03-04T18:00:00+09:00", IN, CONTACT_20)
    c.message(1, "2024-03-04T18:01:00+09:00", TPL, content="We typically reply in a few hours.")
    c.message(1, "2024-03-04T18:15:00+09:00", OUT, AGENT, private=True)
    c.message(1, "2024-03-04T19:30:00+09:00", OUT, AGENT)
    c.message(1, "2024-03-04T19:31:00+09:00", ACT, content="Conversation was snoozed by Agent One")
    c.message(1, "2024-03-04T21:00:00+09:00", IN, CONTACT_20)
    c.message(1, "2024-03-04T21:00:00+09:00", ACT,
              content="System reopened the conversation due to a new incoming message.")
    c.message(1, "2024-03-05T17:00:00+09:00", OUT, AGENT)
    c.message(1, "2024-03-05T18:00:00+09:00", ACT, content="Conversation was marked resolved by Agent One")
    c.conversations[1]["status"] = "resolved"
    c.conversation(2, "2024-03-05T08:30:00+09:00", inbox=2, contact=21)
    c.message(2, "2024-03-05T08:30:00+09:00", IN, CONTACT_21)
    c.message(2, "2024-03-05T08:31:00+09:00", OUT, BOT)
    c.message(2, "2024-03-05T09:30:00+09:00", OUT, AGENT)
    c.conversation(3, "2024-03-05T11:00:00+09:00", status="pending", assignee=None)
    c.message(3, "2024-03-05T11:00:00+09:00", IN, CONTACT_20)
    c.rating(501, 1, 5, "2024-03-05T18:05:00+09:00")
    c.rating(502, 2, 2, "2024-03-05T10:00:00+09:00", contact=21)
    return c


@pytest.fixture
def fake():
    with served(scenario(), f"/app/accounts/{ACCOUNT}") as f:
        yield f


def asked(fake: FakeChatwoot, since: int = 0, what: str = "/messages") -> list[int]:
    return sorted({int(r.split("/conversations/")[1].split("/")[0]) for r in fake.requests[since:] if what in r})


def test_first_sync_fills_the_store_and_metrics_match_hand_computed(fake, store):
    res = chatwoot.sync(store, fake.url, env=ENV, **FAST)
    assert res.exit_code == 0 and not res.incremental
    tickets = store.raw.execute(
        "SELECT ticket_id, channel, category, priority, status, customer_id, agent_id, team, brand, created_by, "
        "created_at FROM tickets ORDER BY 1").fetchall()
    assert tickets == [
        ("1", "chat", "billing", "normal", "solved", "20", "1", "Billing", "Acme web", "customer",
         dt.datetime(2024, 3, 4, 9)),
        ("2", "email", None, None, "open", "21", "1", None, "Acme mail", "customer", dt.datetime(2024, 3, 4, 23, 30)),
        ("3", "chat", None, None, "new", "20", None, None, "Acme web", "customer", dt.datetime(2024, 3, 5, 2)),
    ]
    kinds = store.raw.execute("SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL").fetchall()
    assert kinds == [("agent", False, 1), ("agent", True, 3), ("bot", True, 2), ("customer", True, 4)]
    changes = store.raw.execute("SELECT ticket_id, changed_at, from_status, to_status FROM status_changes "
                                "ORDER BY 1, 2").fetchall()
    assert changes == [
        ("1", dt.datetime(2024, 3, 4, 9), None, "open"),
        ("1", dt.datetime(2024, 3, 4, 10, 31), "open", "pending"),
        ("1", dt.datetime(2024, 3, 4, 12), "pending", "open"),
        ("1", dt.datetime(2024, 3, 5, 9), "open", "solved"),
        ("2", dt.datetime(2024, 3, 4, 23, 30), None, "open"),
        ("3", dt.datetime(2024, 3, 5, 2), None, "new"),
    ]
    customers = store.raw.execute("SELECT customer_id, acquired_at FROM customers ORDER BY 1").fetchall()
    assert customers == [("20", dt.datetime(2024, 2, 1)), ("21", dt.datetime(2024, 3, 1))]
    assert value(store, "ticket_volume").value == 3
    assert value(store, "tickets_resolved").value == 1
    frt = value(store, "first_response_time", stat="mean")
    assert frt["mean"] == pytest.approx((5400 + 3600) / 2)  # notes, templates and the bot are no replies
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (50.0, 2)  # 5 is top-two, 2 is not
    assert value(store, "csat_mean", stat="mean")["mean"] == pytest.approx(3.5)


def test_second_sync_asks_only_for_changes_and_removes_deleted(fake, store):
    chatwoot.sync(store, fake.url, env=ENV, **FAST)
    first = len(fake.requests)
    fake.message(2, "2024-03-06T19:00:00+09:00", OUT, AGENT)
    fake.message(2, "2024-03-06T19:00:00+09:00", ACT, content="Conversation was marked resolved by Agent One")
    fake.conversations[2]["status"] = "resolved"
    fake.rating(503, 2, 4, "2024-03-06T20:00:00+09:00", contact=21)
    del fake.conversations[3]
    res = chatwoot.sync(store, fake.url, env=ENV, **FAST)
    assert res.incremental
    # #2 changed; #1 has the cursor's own second (read again, as ties must be); #3 is gone
    assert asked(fake, first) == [1, 2]
    csat_asked = [r for r in fake.requests[first:] if "csat" in r]
    assert all(f"since={int(dt.datetime(2024, 3, 5, 9, 5, tzinfo=dt.UTC).timestamp())}" in r for r in csat_asked)
    assert res.tables["tickets"].removed == 1 and res.tables["messages"].removed == 1
    assert [r[0] for r in store.raw.execute("SELECT ticket_id FROM tickets ORDER BY 1").fetchall()] == ["1", "2"]
    assert value(store, "tickets_resolved").value == 2
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (pytest.approx(200 / 3), 3)  # 5 and 4 of 5, 2, 4
    last = store.raw.execute("SELECT from_status, to_status, changed_at FROM status_changes WHERE ticket_id = '2' "
                             "ORDER BY changed_at DESC LIMIT 1").fetchone()
    assert last == ("open", "solved", dt.datetime(2024, 3, 6, 10))


def test_interrupted_sync_resumes_without_rereading_and_ends_equal(fake, store, tmp_path, monkeypatch):
    monkeypatch.setattr(chatwoot, "MESSAGES_PAGE", 2)
    fake.messages_page = 2  # conversation 1's nine messages take five answers
    fake.fail_forever.add(f"/api/v1/accounts/{ACCOUNT}/conversations/2/messages")
    with pytest.raises(SyncFailed, match="resume"):
        chatwoot.sync(store, fake.url, env=ENV, attempts=2, sleep=lambda s: None)
    # page 1 (#1, #3, newest activity first) is committed; #2 on page 2 is not
    assert [r[0] for r in store.raw.execute("SELECT ticket_id FROM tickets ORDER BY 1").fetchall()] == ["1", "3"]
    fake.fail_forever.clear()
    before = len(fake.requests)
    chatwoot.sync(store, fake.url, env=ENV, **FAST)
    assert 1 not in asked(fake, before)  # done by the run that stopped
    other = Store(tmp_path / "clean.duckdb")
    try:
        chatwoot.sync(other, fake.url, env=ENV, **FAST)
        assert_same_rows(store, other, ("tickets", "messages", "status_changes", "survey_responses", "customers"))
    finally:
        other.close()


def test_rate_limit_and_server_errors_are_retried(fake, store):
    waits: list[float] = []
    fake.rate_limit_next = 1
    fake.fail[f"/api/v1/accounts/{ACCOUNT}/conversations"] = 1
    res = chatwoot.sync(store, fake.url, env=ENV, sleep=waits.append, backoff=0.001)
    assert waits[0] >= 7 and len(waits) == 2 and res.retries == 2  # Retry-After: 7, then a 500
    assert store.count("tickets") == 3


def test_bad_credentials_fail_in_one_line_naming_authentication(fake, store):
    with pytest.raises(SourceAuthFailed, match="authentication") as e:
        chatwoot.sync(store, fake.url, env={"CHATWOOT_API_TOKEN": "wrong-token"}, **FAST)
    assert "wrong-token" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SourceAuthFailed, match="CHATWOOT_API_TOKEN"):
        chatwoot.sync(store, fake.url, env={}, **FAST)
    assert store.count("tickets") == 0


def test_the_account_comes_from_the_url_or_the_environment():
    api = "https://chat.example.com/api/v1/accounts/3"
    assert chatwoot.account_url("https://chat.example.com/app/accounts/3/dashboard", {}) == api
    assert chatwoot.account_url(api, {}) == api
    assert chatwoot.account_url("https://chat.example.com/", {"CHATWOOT_ACCOUNT_ID": "3"}) == api
    assert chatwoot.account_url("https://x.org/support/app/accounts/12", {}) == "https://x.org/support/api/v1/accounts/12"
    for bad in ("https://chat.example.com", "chat.example.com/app/accounts/3"):
        with pytest.raises(UsageError):
            chatwoot.account_url(bad, {})


def test_cli_sync_summary_leaks_no_token(fake, tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    monkeypatch.setattr("cxmetrics.interfaces.web.api_overview.warm_answers", lambda store: None)
    monkeypatch.setenv("CHATWOOT_API_TOKEN", TOKEN)
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    ok = runner.invoke(app, ["--db", str(db), "sync", "chatwoot", "--url", fake.url])
    assert ok.exit_code == 0, ok.output
    assert "messages" in ok.output and TOKEN not in ok.output
    monkeypatch.setenv("CHATWOOT_API_TOKEN", "nope-nope")
    bad = runner.invoke(app, ["--db", str(db), "sync", "chatwoot", "--url", fake.url, "--full"])
    assert bad.exit_code == 1 and "authentication" in bad.output and "nope-nope" not in bad.output
    logged = Store(db, read_only=True)
    try:
        text = str(logged.raw.execute("SELECT * FROM _import_log").fetchall())
        text += str(logged.raw.execute("SELECT * FROM _sync_state").fetchall())
        assert TOKEN not in text
    finally:
        logged.close()
