"""`cxm import --source zendesk`: Zendesk's JSON export with the API connector's mapping.

Fixture tests/fixtures/zendesk/ (times UTC unless said; the arithmetic next to each assertion):
- users.json: agent 1; end-users 10, 11 and 12 (12 is a colleague of 11, not CC'd).
- tickets.json, one ticket per line:
  1. #101 email, created 2024-03-04 09:00 by 10; agent 1 replies 10:30 (first reply 5400 s),
     an internal note 11:00, customer 12:00, agent solves 2024-03-05 09:00 (resolution
     86400 s); audits give four status changes; rated good.
  2. #102 chat, created 2024-03-05T08:30+09:00 = 2024-03-04 23:30 UTC by 11; end-user 12
     writes 08:45+09:00; agent 1 replies 09:30+09:00 = 00:30 UTC (first reply 3600 s, or
     900 s when 12 is taken for an agent without the users export); rating only offered.
  3. #103 merged into another (closed_by_merge): not imported.
  4. a line cut short: quarantined (line 4, not JSON).
  5. #105 without created_at: quarantined (line 5, created_at).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmetrics.errors import ImportFailed
from tests.sync_support import value

FIX = Path(__file__).parent / "fixtures" / "zendesk"
USERS, TICKETS = FIX / "users.json", FIX / "tickets.json"


def test_export_fills_the_tables_and_metrics_match_hand_computed(store):
    users = store.import_file("customers", USERS, source="zendesk")
    assert (users.table, users.inserted, users.exit_code) == ("customers", 3, 0)
    res = store.import_file("tickets", TICKETS, source="zendesk")
    assert res.exit_code == 3 and res.inserted == 2 and res.rejected == 2
    assert {r.table: r.inserted for r in res.also} == {"messages": 8, "status_changes": 4, "survey_responses": 1}
    assert [(p["line"], p["column"]) for p in res.problems] == [(5, "created_at"), (4, None)]
    assert "not JSON at column" in res.problems[1]["reason"]
    tickets = store.raw.execute("SELECT ticket_id, channel, category, team, brand, status, customer_id, created_at "
                                "FROM tickets ORDER BY 1").fetchall()
    assert tickets == [("101", "email", "question", "360001", "900", "solved", "10", dt.datetime(2024, 3, 4, 9)),
                       ("102", "chat", "incident", "360002", "900", "open", "11", dt.datetime(2024, 3, 4, 23, 30))]
    kinds = store.raw.execute("SELECT author_type, public, count(*) FROM messages GROUP BY ALL ORDER BY ALL").fetchall()
    assert kinds == [("agent", False, 1), ("agent", True, 3), ("customer", True, 4)]
    acquired = store.raw.execute("SELECT acquired_at FROM customers WHERE customer_id = '11'").fetchone()[0]
    assert acquired == dt.datetime(2024, 3, 1)  # 09:00+09:00
    assert value(store, "ticket_volume").value == 2
    assert value(store, "tickets_resolved").value == 1
    assert value(store, "first_response_time", stat="mean")["mean"] == pytest.approx((5400 + 3600) / 2)
    assert value(store, "resolution_time", stat="mean")["mean"] == pytest.approx(86400)
    csat = value(store, "csat")
    assert (csat.value, csat.n) == (100.0, 1)  # good; "offered" is no answer
    comment = store.raw.execute("SELECT comment FROM survey_responses").fetchone()[0]
    assert comment == "quick <b>thanks</b>"  # kept as written; escaped where shown


def test_without_users_the_requester_is_the_customer_and_others_agents(store):
    store.import_file("tickets", TICKETS, source="zendesk")
    author = store.raw.execute("SELECT author_type FROM messages WHERE message_id = '1012'").fetchone()[0]
    assert author == "agent"  # user 12 is neither requester nor CC: taken for an agent
    assert value(store, "first_response_time", stat="mean")["mean"] == pytest.approx((5400 + 900) / 2)


def test_reimport_is_unchanged_and_a_merge_removes_the_ticket(store, tmp_path):
    store.import_file("tickets", TICKETS, source="zendesk")
    again = store.import_file("tickets", TICKETS, source="zendesk")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    merged = tmp_path / "later.json"
    line = TICKETS.read_text().splitlines()[1].replace('"tags": ["vip"]', '"tags": ["vip", "closed_by_merge"]')
    merged.write_text(line + "\n")
    res = store.import_file("tickets", merged, source="zendesk")
    assert "1 deleted or merged ticket(s) removed" in res.notes[0]
    for table in ("tickets", "messages"):
        assert store.raw.execute(f"SELECT count(*) FROM {table} WHERE ticket_id = '102'").fetchone()[0] == 0


def test_usage_errors_and_a_file_that_is_no_export(store, tmp_path):
    with pytest.raises(ImportFailed, match="zendesk adapter") as e:
        store.import_file("calls", TICKETS, source="zendesk")
    assert e.value.code == 2
    other = tmp_path / "other.json"
    other.write_text('{"name": "not a ticket"}\n')
    with pytest.raises(ImportFailed, match="no Zendesk tickets or users"):
        store.import_file("tickets", other, source="zendesk")


def test_cli_import_summary(tmp_path, monkeypatch):
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    # the dashboard's warm start is not under test here (and costs seconds)
    monkeypatch.setattr("cxmetrics.interfaces.web.api_overview.warm_answers", lambda store: None)
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    out = runner.invoke(app, ["--db", str(db), "import", "tickets", str(TICKETS), "--source", "zendesk"])
    assert out.exit_code == 3, out.output
    assert "messages" in out.output and "line 4" in out.output
    bad = runner.invoke(app, ["--db", str(db), "import", "calls", str(TICKETS), "--source", "zendesk"])
    assert bad.exit_code == 2
