"""The twcs source adapter: conversations -> tickets, tweets -> messages, in one transaction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cxmetrics as cx
from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import write as write_mod

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "import" / "twcs_small.csv"


def realdata() -> Path | None:
    for d in (os.environ.get("CXM_REALDATA"), ROOT.parent / "shared" / "data"):
        if d and Path(d).is_dir():
            return Path(d)
    return None


needs_realdata = pytest.mark.skipif(
    realdata() is None, reason="real data not found: set $CXM_REALDATA or provide ../shared/data")


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def q(store, sql: str) -> list[tuple]:
    return store.raw.execute(sql).fetchall()


def test_small_thread_file(store):
    res = store.import_file("tickets", SMALL, source="twcs")
    [msgs] = res.also
    assert (res.table, res.inserted, msgs.table, msgs.inserted, msgs.rejected) == ("tickets", 3, "messages", 8, 1)
    assert res.exit_code == 3
    got = q(store, "SELECT ticket_id, created_at::VARCHAR, channel, brand, customer_id, created_by, "
                   "first_reply_at::VARCHAR, replies FROM tickets ORDER BY created_at")
    assert got == [
        ("1", "2017-10-31 21:00:00", "social", "AcmeHelp", "115712", "customer", "2017-10-31 21:10:00", 2),
        # outbound: the opening agent tweet is not a reply; the reply follows the customer's answer
        ("10", "2017-11-01 09:00:00", "social", "AcmeHelp", "115800", "agent", "2017-11-01 09:45:00", 1),
        ("21", "2017-11-01 10:00:00", "social", None, "115901", "customer", None, 0),
    ]
    assert q(store, "SELECT message_id, ticket_id, author_type, author_id, public FROM messages "
                    "WHERE ticket_id = '1' ORDER BY created_at") == [
        ("1", "1", "customer", "115712", True), ("2", "1", "agent", "AcmeHelp", True),
        ("3", "1", "customer", "115712", True), ("4", "1", "agent", "AcmeHelp", True)]
    [(line, column, reason, table)] = q(store, 'SELECT line, "column", reason, table_name FROM _quarantine')
    assert (line, column, table) == (9, "created_at", "messages")
    assert "someday" in reason
    log = q(store, "SELECT table_name, source, rows_read, inserted, rejected FROM _import_log ORDER BY 1 DESC")
    assert log == [("tickets", "twcs", 3, 3, 0), ("messages", "twcs", 9, 8, 1)]
    assert len({r[0] for r in q(store, "SELECT import_id FROM _import_log")}) == 1


def test_reimport_is_unchanged(store):
    store.import_file("tickets", SMALL, source="twcs")
    res = store.import_file("tickets", SMALL, source="twcs")
    assert (res.unchanged, res.also[0].unchanged, res.inserted, res.also[0].inserted) == (3, 8, 0, 0)
    assert q(store, "SELECT count(*) FROM _quarantine") == [(1,)]


def test_both_tables_or_neither(store, monkeypatch):
    original = write_mod._insert_changed

    def fail_on_messages(con, part, import_id):
        if part.table.name == "messages":
            raise RuntimeError("injected")
        original(con, part, import_id)

    monkeypatch.setattr(write_mod, "_insert_changed", fail_on_messages)
    with pytest.raises(RuntimeError, match="injected"):
        store.import_file("tickets", SMALL, source="twcs")
    assert store.count("tickets") == 0 and store.count("messages") == 0
    assert q(store, "SELECT count(*) FROM _import_log") == [(0,)]


def test_adapter_refuses_other_tables_and_shapes(store, tmp_path):
    with pytest.raises(ImportFailed, match="writes tickets and messages") as e:
        store.import_file("calls", SMALL, source="twcs")
    assert e.value.code == 2
    p = tmp_path / "x.csv"
    p.write_text("tweet_id,text\n1,hi\n")
    with pytest.raises(ImportFailed, match=r"not a twcs export: column\(s\) author_id, inbound"):
        store.import_file("tickets", p, source="twcs")


@pytest.mark.realdata
@needs_realdata
def test_real_sample(store):
    path = realdata() / "twcs_sample.csv"
    res = store.import_file("tickets", path, source="twcs")
    msgs = res.also[0]
    # 5,000 tweets; one tweet's text holds an unquoted line break, which splits it over
    # lines 2589-2591: both fragments are quarantined (the second is the row with no date)
    assert msgs.rows_read == 5001 and msgs.inserted == 4999 and msgs.rejected == 2
    assert [p["line"] for p in msgs.problems] == [2589, 2591]
    assert store.count("messages") == 4999
    assert res.inserted == store.count("tickets") == 1312
    # every message belongs to a stored ticket whose root message it contains
    assert q(store, "SELECT count(*) FROM messages m ANTI JOIN tickets t USING (ticket_id)") == [(0,)]
    assert q(store, "SELECT count(*) FROM tickets t ANTI JOIN messages m ON m.message_id = t.ticket_id") == [(0,)]
    assert q(store, "SELECT count(*) FROM tickets WHERE first_reply_at < created_at") == [(0,)]
    brands = q(store, "SELECT brand, count(*) AS n, median(epoch(first_reply_at - created_at)) AS frt, "
                      "avg(replies) FROM tickets WHERE brand IS NOT NULL GROUP BY brand ORDER BY n DESC")
    assert len(brands) > 50
    assert brands[0][:2] == ("ChipotleTweets", 172)
    assert {b for b, *_ in brands[:4]} == {"ChipotleTweets", "AmazonHelp", "AppleSupport", "Uber_Support"}
    for brand, n, frt, replies in brands:
        assert n >= 1 and replies >= 1, brand
        assert frt is None or 0 < frt < 60 * 86400, brand  # never negative; a few threads span days
    [(overall,)] = q(store, "SELECT median(epoch(first_reply_at - created_at)) FROM tickets")
    assert 60 < overall < 3600  # brands on Twitter answer in minutes
    authors = q(store, "SELECT DISTINCT author_type FROM messages ORDER BY 1")
    assert authors == [("agent",), ("customer",)]
    assert q(store, "SELECT count(*) FROM messages WHERE author_type = 'agent' "
                    "AND regexp_full_match(author_id, '[0-9]+')") == [(0,)]
