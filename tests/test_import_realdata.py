"""The shipped example mappings on the real files they were written for."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

import cxmetrics as cx

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ROOT / "examples" / "mappings"


def realdata() -> Path | None:
    for d in (os.environ.get("CXM_REALDATA"), ROOT.parent / "shared" / "data"):
        if d and Path(d).is_dir():
            return Path(d)
    return None


pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(realdata() is None, reason="real data not found: set $CXM_REALDATA or provide ../shared/data"),
]


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def q(store, sql: str) -> list[tuple]:
    return store.raw.execute(sql).fetchall()


def test_contact_center_calls(store):
    res = store.import_file("calls", realdata() / "contact_center_calls.xlsx",
                            mapping=MAPPINGS / "contact_center_calls.toml")
    assert (res.rows_read, res.inserted, res.rejected, res.exit_code) == (5000, 5000, 0, 0)
    [(n, abandoned, agents, first, last)] = q(
        store, "SELECT count(*), count(*) FILTER (WHERE abandoned), count(DISTINCT agent_id), "
               "min(offered_at)::VARCHAR, max(offered_at)::VARCHAR FROM calls")
    assert (n, abandoned, agents) == (5000, 946, 8)
    assert first.startswith("2021-01-01 09:") and last.startswith("2021-03-31")
    # answered calls have a speed of answer and a talk time; abandoned ones neither
    assert q(store, "SELECT count(*) FROM calls WHERE NOT abandoned AND (wait_seconds IS NULL "
                    "OR talk_seconds IS NULL OR satisfaction IS NULL)") == [(0,)]
    assert q(store, "SELECT count(*) FROM calls WHERE abandoned AND talk_seconds IS NOT NULL") == [(0,)]
    assert q(store, "SELECT call_id, offered_at::VARCHAR, wait_seconds, talk_seconds, resolved, satisfaction "
                    "FROM calls WHERE call_id = 'ID0001'") == [
        ("ID0001", "2021-01-01 09:12:58", 109.0, 143.0, True, 3.0)]
    [(lo, hi)] = q(store, "SELECT min(satisfaction), max(satisfaction) FROM calls")
    assert (lo, hi) == (1.0, 5.0)
    again = store.import_file("calls", realdata() / "contact_center_calls.xlsx",
                              mapping=MAPPINGS / "contact_center_calls.toml")
    assert again.unchanged == 5000


def test_kaggle_support_tickets(store):
    res = store.import_file("tickets", realdata() / "kaggle_support_tickets.csv",
                            mapping=MAPPINGS / "kaggle_support_tickets.toml")
    assert res.rows_read == 8469
    assert res.inserted + res.rejected == 8469
    # the only impossible rows are the closed tickets "resolved" before their first response
    reasons = Counter(r for (r,) in q(store, "SELECT reason FROM _quarantine"))
    assert reasons == {"solved_at is before first_reply_at": 1365}
    assert (res.inserted, res.rejected, res.exit_code) == (7104, 1365, 3)
    assert q(store, "SELECT count(*) FROM tickets WHERE solved_at < first_reply_at") == [(0,)]
    assert q(store, "SELECT status, count(*) FROM tickets GROUP BY 1 ORDER BY 1") == [
        ("closed", 2769 - 1365), ("open", 2819), ("pending", 2881)]
    assert {c for (c,) in q(store, "SELECT DISTINCT channel FROM tickets")} == {"email", "chat", "phone", "social"}
    assert {p for (p,) in q(store, "SELECT DISTINCT priority FROM tickets")} == {"low", "medium", "high", "critical"}
    # day-first: 22-03-2021 is the 22nd of March
    assert q(store, "SELECT created_at::VARCHAR, first_reply_at::VARCHAR FROM tickets WHERE ticket_id = '1'") == [
        ("2021-03-22 00:00:00", "2023-06-01 12:15:00")]
    # satisfaction only on closed tickets, 1-5
    assert q(store, "SELECT min(satisfaction), max(satisfaction), count(*) FILTER (WHERE status <> 'closed' "
                    "AND satisfaction IS NOT NULL) FROM tickets") == [(1.0, 5.0, 0)]
    # personal data never reaches the store, not even the quarantine's raw rows
    raw = " ".join(r for (r,) in q(store, "SELECT raw FROM _quarantine LIMIT 200"))
    assert "@example" not in raw and "Customer Name" not in raw and "Ticket Description" not in raw
    assert res.ignored_columns == ["Ticket Subject"]
    # the quarantined rows point at their physical lines in a file full of multi-line fields
    [(line, raw_row)] = q(store, "SELECT line, raw FROM _quarantine ORDER BY line LIMIT 1")
    text = (realdata() / "kaggle_support_tickets.csv").read_text(encoding="utf-8").split("\n")
    ticket_id = raw_row.split('"Ticket ID": "')[1].split('"')[0]
    assert text[line - 1].startswith(f"{ticket_id},")
