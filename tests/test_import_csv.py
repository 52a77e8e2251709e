"""CSV import: delimiters, encodings, line numbers, quarantine, upsert semantics, transactions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxmetrics as cx
from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import write as write_mod

FIXTURES = Path(__file__).parent / "fixtures" / "import"


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def put(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def rows(store, sql: str) -> list[tuple]:
    return store.raw.execute(sql).fetchall()


def quarantine(store) -> list[tuple]:
    return rows(store, 'SELECT line, "column", reason, raw FROM _quarantine ORDER BY line, "column"')


TICKETS = (
    "ticket_id,created_at,channel,status,reopens\n"
    "T1,2024-03-01T10:00:00Z,email,open,0\n"
    "T2,2024-03-02T11:30:00Z,chat,solved,1\n"
)


def test_basic_csv(store, tmp_path):
    res = store.import_file("tickets", put(tmp_path, "t.csv", TICKETS))
    assert (res.rows_read, res.inserted, res.rejected, res.exit_code) == (2, 2, 0, 0)
    assert rows(store, "SELECT ticket_id, created_at::VARCHAR, channel, status, reopens FROM tickets ORDER BY 1") == [
        ("T1", "2024-03-01 10:00:00", "email", "open", 0),
        ("T2", "2024-03-02 11:30:00", "chat", "solved", 1),
    ]
    log = rows(store, "SELECT table_name, status, rows_read, inserted, tz, checksum FROM _import_log")
    assert log[0][:5] == ("tickets", "ok", 2, 2, "UTC") and len(log[0][5]) == 64


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_delimiters_are_sniffed(store, tmp_path, delim):
    text = TICKETS.replace(",", delim)
    res = store.import_file("tickets", put(tmp_path, "t.csv", text))
    assert res.inserted == 2 and res.rejected == 0
    assert rows(store, "SELECT channel FROM tickets ORDER BY 1") == [("chat",), ("email",)]


def test_semicolon_fixture_with_commas_in_values(store):
    res = store.import_file("tickets", FIXTURES / "tickets_semicolon.csv")
    assert (res.inserted, res.rejected) == (3, 0)
    assert rows(store, "SELECT handle_seconds FROM tickets WHERE ticket_id = 'S2'") == [(90.5,)]
    assert rows(store, "SELECT category FROM tickets WHERE ticket_id = 'S3'") == [("billing, refunds",)]


def test_bom_and_crlf(store, tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + TICKETS.replace("\n", "\r\n").encode())
    res = store.import_file("tickets", p)
    assert res.inserted == 2 and res.rejected == 0  # the BOM is not part of the first header


@pytest.mark.parametrize(("encoding", "word"), [("shift_jis", "サポート"), ("cp1252", "Café “naïve”")])
def test_other_encodings(store, tmp_path, encoding, word):
    text = f"ticket_id,created_at,category\nE1,2024-03-01 10:00,{word}\n"
    p = put(tmp_path, f"{encoding}.csv", text, encoding)
    with pytest.raises(ImportFailed, match=r"line 2 is not valid UTF-8.*--encoding"):
        store.import_file("tickets", p)
    assert store.count("tickets") == 0
    res = store.import_file("tickets", p, encoding=encoding)
    assert res.inserted == 1
    assert rows(store, "SELECT category FROM tickets") == [(word,)]


def test_wrong_explicit_encoding_names_the_line(store, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"ticket_id,created_at\nA,2024-01-01\nB,2024-01-02 \x81\xff\n")
    with pytest.raises(ImportFailed, match=r"line 3 is not valid shift_jis"):
        store.import_file("tickets", p, encoding="shift_jis")


def test_multiline_fields_keep_physical_line_numbers(store):
    res = store.import_file("tickets", FIXTURES / "tickets_multiline.csv")
    # M3 (line 7) has a bad status, M5 (line 12) a bad date; the quoted line breaks before
    # them push them down, and the blank line 11 is skipped but counted
    assert (res.rows_read, res.inserted, res.rejected) == (6, 4, 2)
    q = quarantine(store)
    assert [(line, col) for line, col, *_ in q] == [(7, "status"), (12, "created_at")]
    assert "'waiting' is not one of new, open, pending" in q[0][2]
    raw = json.loads(q[0][3])
    assert raw["ticket_id"] == "M3" and raw["category"] == "two\nlines"


def test_bad_rows_are_quarantined_with_reasons(store, tmp_path):
    text = (
        "ticket_id,created_at,status,reopens,handle_seconds,first_reply_at\n"
        "A,2024-03-01T10:00:00Z,open,0,12.5,\n"           # line 2 ok
        ",2024-03-01T10:00:00Z,open,0,,\n"                # line 3 no id
        "C,yesterday,open,0,,\n"                          # line 4 bad date
        "D,2024-03-01T10:00:00Z,On Hold,-1,,\n"          # line 5 negative reopens; 'On Hold' is fine
        "E,2024-03-01T10:00:00Z,open,two,abc,\n"          # line 6 two bad numbers
        "F,2024-03-01T10:00:00Z,open,0,,2024-03-01T09:00:00Z\n"  # line 7 reply before creation
    )
    res = store.import_file("tickets", put(tmp_path, "t.csv", text), accept_partial=True)  # 5 of 6 rows fail
    assert (res.rows_read, res.inserted, res.rejected, res.exit_code, res.status) == (6, 1, 5, 3, "partial")
    got = [(line, col, reason) for line, col, reason, _ in quarantine(store)]
    assert got == [
        (3, "ticket_id", "required value is empty"),
        (4, "created_at", got[1][2]),
        (5, "reopens", "'-1' is below the minimum 0"),
        (6, "handle_seconds", "not a number: 'abc'"),
        (6, "reopens", "not a whole number: 'two'"),
        (7, "first_reply_at", "first_reply_at is before created_at"),
    ]
    assert got[1][2].startswith("not a recognised date/time: 'yesterday'")
    assert res.problem_count == 6 and res.problems[0]["line"] == 3
    assert rows(store, "SELECT status, rejected FROM _import_log") == [("partial", 5)]


def test_wrong_field_count_is_quarantined(store, tmp_path):
    text = "ticket_id,created_at,channel\nA,2024-01-01,email\nB,2024-01-02\nC,2024-01-03,chat,extra\nD,2024-01-04,web\n"
    res = store.import_file("tickets", put(tmp_path, "t.csv", text))
    assert (res.inserted, res.rejected) == (2, 2)
    q = quarantine(store)
    assert [(line, col) for line, col, *_ in q] == [(3, None), (4, None)]
    assert "has 2 fields, the header has 3" in q[0][2]
    assert json.loads(q[1][3])["_extra_fields"] == ["extra"]


def test_missing_required_column_is_refused(store, tmp_path):
    p = put(tmp_path, "t.csv", "ticket_id,opened,channel\nA,2024-01-01,email\n")
    with pytest.raises(ImportFailed, match=r"required column 'created_at' of tickets missing.*"
                                           r"the file has: ticket_id, opened, channel") as e:
        store.import_file("tickets", p)
    assert e.value.code == 1
    assert store.count("tickets") == 0 and rows(store, "SELECT count(*) FROM _import_log") == [(0,)]


def test_headers_match_loosely(store, tmp_path):
    p = put(tmp_path, "t.csv", "Ticket ID,Created At,Channel\nA,2024-01-01,email\n")
    assert store.import_file("tickets", p).inserted == 1


def test_unknown_table_and_unreadable_file(store, tmp_path):
    with pytest.raises(ImportFailed, match="unknown table 'tikets'") as e:
        store.import_file("tikets", put(tmp_path, "t.csv", TICKETS))
    assert e.value.code == 2
    with pytest.raises(ImportFailed, match="no such file"):
        store.import_file("tickets", tmp_path / "missing.csv")
    with pytest.raises(ImportFailed, match="empty"):
        store.import_file("tickets", put(tmp_path, "empty.csv", ""))


def test_reimport_is_unchanged_and_updates_replace(store, tmp_path):
    p = put(tmp_path, "t.csv", TICKETS)
    first = store.import_file("tickets", p)
    again = store.import_file("tickets", p)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert store.count("tickets") == 2
    # unchanged rows keep the import that wrote them
    assert rows(store, "SELECT DISTINCT _import_id FROM tickets") == [(first.import_id,)]
    newer = put(tmp_path, "t2.csv", TICKETS.replace("T2,2024-03-02T11:30:00Z,chat,solved,1",
                                                    "T2,2024-03-02T11:30:00Z,chat,closed,2") + "T3,2024-03-03,web,new,0\n")
    res = store.import_file("tickets", newer)
    assert (res.inserted, res.updated, res.unchanged) == (1, 1, 1)
    assert rows(store, "SELECT status, reopens FROM tickets WHERE ticket_id = 'T2'") == [("closed", 2)]
    assert store.count("tickets") == 3


def test_duplicate_ids_last_occurrence_wins(store, tmp_path):
    text = TICKETS + "T1,2024-03-01T10:00:00Z,phone,pending,0\n"
    res = store.import_file("tickets", put(tmp_path, "t.csv", text))
    assert (res.rows_read, res.inserted, res.duplicates) == (3, 2, 1)
    assert rows(store, "SELECT channel, status FROM tickets WHERE ticket_id = 'T1'") == [("phone", "pending")]


def test_keyless_table_is_idempotent(store, tmp_path):
    text = ("ticket_id,changed_at,to_status,from_status\n"
            "T1,2024-03-01 10:00,open,new\nT1,2024-03-01 12:00,solved,open\nT1,2024-03-01 12:00,solved,open\n")
    p = put(tmp_path, "s.csv", text)
    res = store.import_file("status_changes", p)
    assert (res.inserted, res.duplicates) == (2, 1)  # identical rows are one fact
    assert store.import_file("status_changes", p).unchanged == 2
    assert store.count("status_changes") == 2
    assert rows(store, "SELECT count(DISTINCT _key) FROM status_changes") == [(2,)]


def test_reimport_replaces_its_quarantine_entries(store, tmp_path):
    p = put(tmp_path, "t.csv", TICKETS + "T9,not a date,email,open,0\n")
    store.import_file("tickets", p)
    store.import_file("tickets", p)
    assert rows(store, "SELECT count(*) FROM _quarantine") == [(1,)]
    assert rows(store, "SELECT count(*) FROM _import_log") == [(2,)]


def test_failure_mid_write_leaves_store_unchanged(store, tmp_path, monkeypatch):
    store.import_file("tickets", put(tmp_path, "t.csv", TICKETS))
    before = rows(store, "SELECT * FROM tickets ORDER BY ticket_id")
    log_before = rows(store, "SELECT count(*) FROM _import_log")
    calls = []
    original = write_mod._insert_changed

    def boom(con, part, import_id):
        original(con, part, import_id)  # the rows are written ... then the disk "fails"
        calls.append(import_id)
        raise OSError("disk full")

    monkeypatch.setattr(write_mod, "_insert_changed", boom)
    changed = put(tmp_path, "t2.csv", TICKETS.replace(",open,", ",closed,") + "T3,2024-03-03,web,new,0\nT4,x,web,new,0\n")
    with pytest.raises(ImportFailed, match=r"t2.csv: cannot write to the store .*: disk full; nothing of the file"):
        store.import_file("tickets", changed)
    assert calls
    assert rows(store, "SELECT * FROM tickets ORDER BY ticket_id") == before
    assert rows(store, "SELECT count(*) FROM _import_log") == log_before
    assert rows(store, "SELECT count(*) FROM _quarantine") == [(0,)]
    monkeypatch.undo()
    assert store.import_file("tickets", changed).updated == 1  # and the store is still usable


def test_import_frame_still_works_and_matches_file_keys(store, tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"ticket_id": ["T1"], "changed_at": [pd.Timestamp("2024-03-01 10:00")],
                          "to_status": ["open"], "from_status": ["new"]})
    res = store.import_frame("status_changes", frame)
    assert res.inserted == 1
    p = put(tmp_path, "s.csv", "ticket_id,changed_at,to_status,from_status\nT1,2024-03-01T10:00:00Z,open,new\n")
    assert store.import_file("status_changes", p).unchanged == 1


def test_camel_case_headers_match(store, tmp_path):
    p = put(tmp_path, "c.csv", "customerID,acquiredAt\nC1,2024-01-01\n")
    assert store.import_file("customers", p).inserted == 1
