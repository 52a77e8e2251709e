"""Mapping files: renames, constants, value maps, transforms, drops, and bad mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxmetrics as cx
from cxmetrics.errors import ImportFailed


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def put(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


CALLS = (
    "Call,Agent,Date,Time,Answered,Wait (min),Talk,Rating,Caller Email\n"
    "C1,Ann,22/03/2021,0.5,Y,1.5,0:02:23,Very good,a@example.com\n"
    "C2,Bob,23/03/2021,14:05:09,N,, ,,b@example.com\n"
    "C3,Ann,24/03/2021,09:00,maybe,2,0.00165509259,Poor,c@example.com\n"
)
CALLS_MAPPING = """
table = "calls"
date_order = "dmy"
timezone = "Europe/London"
drop = ["Caller Email"]

[columns]
call_id = "Call"
agent_id = "Agent"
abandoned = "Answered"
wait_seconds = "Wait (min)"
talk_seconds = "Talk"
satisfaction = "Rating"

[constants]
queue = "support"

[values.abandoned]
Y = false
N = true

[values.satisfaction]
"very good" = 5
poor = 2

[transforms]
offered_at = [{ date_time = ["Date", "Time"] }]
wait_seconds = { multiply = 60 }
talk_seconds = "excel_day_fraction_to_seconds"
agent_id = ["strip", "upper"]
"""


def test_mapping_end_to_end(store, tmp_path):
    res = store.import_file("calls", put(tmp_path, "calls.csv", CALLS),
                            mapping=put(tmp_path, "m.toml", CALLS_MAPPING))
    assert (res.inserted, res.rejected, res.tz) == (2, 1, "Europe/London")
    got = store.raw.execute(
        "SELECT call_id, offered_at::VARCHAR, abandoned, wait_seconds, talk_seconds, satisfaction, queue, agent_id "
        "FROM calls ORDER BY call_id").fetchall()
    assert got == [
        ("C1", "2021-03-22 12:00:00", False, 90.0, 143.0, 5.0, "support", "ANN"),
        ("C2", "2021-03-23 14:05:09", True, None, None, None, "support", "BOB"),
    ]
    [(line, col, reason, raw)] = store.raw.execute('SELECT line, "column", reason, raw FROM _quarantine').fetchall()
    assert (line, col) == (4, "abandoned") and "'maybe'" in reason
    assert "Caller Email" not in json.loads(raw)  # dropped columns never reach the store


def test_strptime_epoch_and_default(store, tmp_path):
    text = "id,opened,closed,who\n1,2021/03/22 10h05,1616410800,\n2,bad,1616410800000,agent\n"
    mapping = """
[columns]
ticket_id = "id"
created_at = "opened"
solved_at = "closed"
created_by = "who"
[transforms]
created_at = { strptime = "%Y/%m/%d %Hh%M" }
solved_at = "epoch_seconds"
created_by = { default = "customer" }
"""
    res = store.import_file("tickets", put(tmp_path, "t.csv", text), mapping=put(tmp_path, "m.toml", mapping))
    got = store.raw.execute("SELECT ticket_id, created_at::VARCHAR, solved_at::VARCHAR, created_by FROM tickets")
    assert got.fetchall() == [("1", "2021-03-22 10:05:00", "2021-03-22 11:00:00", "customer")]
    assert res.rejected == 1
    assert [p["column"] for p in res.problems] == ["created_at"]
    assert "does not match the format '%Y/%m/%d %Hh%M'" in res.problems[0]["reason"]


def test_hms_and_not(store, tmp_path):
    text = "call_id,offered_at,talk,answered\nA,2021-01-01,1:02:03,yes\nB,2021-01-01,02:03,no\n"
    mapping = """
[columns]
talk_seconds = "talk"
abandoned = "answered"
[transforms]
talk_seconds = "hms_to_seconds"
abandoned = "not"
"""
    store.import_file("calls", put(tmp_path, "c.csv", text), mapping=put(tmp_path, "m.toml", mapping))
    got = store.raw.execute("SELECT call_id, talk_seconds, abandoned FROM calls ORDER BY 1").fetchall()
    assert got == [("A", 3723.0, False), ("B", 123.0, True)]


def test_decimal_comma(store, tmp_path):
    text = "ticket_id;created_at;handle_seconds\nA;2021-01-01;12,5\n"
    store.import_file("tickets", put(tmp_path, "t.csv", text), mapping=put(tmp_path, "m.toml", 'decimal = ","\n'))
    assert store.raw.execute("SELECT handle_seconds FROM tickets").fetchone() == (12.5,)


def test_mapped_source_column_missing_names_it(store, tmp_path):
    m = put(tmp_path, "m.toml", '[columns]\nticket_id = "Ticket Number"\n')
    with pytest.raises(ImportFailed, match=r"column 'Ticket Number' for ticket_id .* is not in the file; "
                                           r"the file has: id, created_at"):
        store.import_file("tickets", put(tmp_path, "t.csv", "id,created_at\n1,2021-01-01\n"), mapping=m)


@pytest.mark.parametrize(("text", "message"), [
    ("colums = 1", "unknown key"),
    ("[columns]\nticket_idd = 'x'", "tickets has no such column"),
    ("[transforms]\nchannel = 'shout'", "unknown transform 'shout'"),
    ("[transforms]\nhandle_seconds = 'multiply'", "multiply needs an argument"),
    ("[transforms]\ncreated_at = ['lower', { date_time = ['a', 'b'] }]", "date_time must come first"),
    ("date_order = 'ydm'", "date_order must be one of"),
    ("table = 'calls'", "written for table 'calls', not 'tickets'"),
    ("this is not toml", "not valid TOML"),
    ("[values.status]\nOpen = 'open'\nopen = 'open'", "twice"),
])
def test_bad_mappings_are_refused(store, tmp_path, text, message):
    p = put(tmp_path, "t.csv", "ticket_id,created_at\n1,2021-01-01\n")
    with pytest.raises(ImportFailed, match=message):
        store.import_file("tickets", p, mapping=put(tmp_path, "m.toml", text))
    assert store.count("tickets") == 0


def test_mapping_not_found_is_usage(store, tmp_path):
    with pytest.raises(ImportFailed) as e:
        store.import_file("tickets", put(tmp_path, "t.csv", "ticket_id,created_at\n1,2021-01-01\n"),
                          mapping=tmp_path / "nope.toml")
    assert e.value.code == 2


def test_shipped_examples_load():
    from cxmetrics.ingest.mapping import check_against, load_mapping
    from cxmetrics.model import schema

    root = Path(__file__).resolve().parents[1] / "examples" / "mappings"
    files = sorted(root.glob("*.toml"))
    assert len(files) >= 2
    for f in files:
        m = load_mapping(f)
        check_against(m, schema.table(m.table))
