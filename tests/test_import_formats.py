"""JSON, JSONL, Parquet and XLSX go through the same mapping, validation and upsert."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxmetrics as cx
from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import xlsx


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def tickets(store) -> list[tuple]:
    return store.raw.execute(
        "SELECT ticket_id, created_at::VARCHAR, reopens, satisfaction FROM tickets ORDER BY 1").fetchall()


RECORDS = [
    {"ticket_id": "J1", "created_at": "2024-03-01T10:00:00Z", "reopens": 1, "satisfaction": 4.5,
     "tags": ["a", "b"]},
    {"ticket_id": 2, "created_at": "2024-03-02 10:00", "reopens": None},
    {"ticket_id": "J3", "created_at": "soon", "reopens": 0},
]


@pytest.mark.parametrize("shape", ["array", "object"])
def test_json(store, tmp_path, shape):
    p = tmp_path / "t.json"
    p.write_text(json.dumps(RECORDS if shape == "array" else {"tickets": RECORDS}))
    res = store.import_file("tickets", p)
    assert (res.format, res.inserted, res.rejected) == ("json", 2, 1)
    assert tickets(store) == [("2", "2024-03-02 10:00:00", None, None), ("J1", "2024-03-01 10:00:00", 1, 4.5)]
    assert res.problems[0]["line"] == 3  # record number in an array
    assert res.ignored_columns == ["tags"]


def test_jsonl_with_a_broken_line(store, tmp_path):
    lines = [json.dumps(r) for r in RECORDS[:2]]
    p = tmp_path / "t.jsonl"
    p.write_text(lines[0] + "\n\n{not json\n" + lines[1] + "\n")
    res = store.import_file("tickets", p)
    assert (res.inserted, res.rejected) == (2, 1)
    assert res.problems == [{"line": 3, "column": None, "reason": res.problems[0]["reason"]}]
    assert res.problems[0]["reason"].startswith("not valid JSON")


def test_invalid_json_file_is_refused(store, tmp_path):
    p = tmp_path / "t.json"
    p.write_text('[{"ticket_id": 1,}]')
    with pytest.raises(ImportFailed, match=r"not valid JSON \(line 1"):
        store.import_file("tickets", p)


def test_parquet_typed_columns(store, tmp_path):
    table = pa.table({
        "ticket_id": pa.array([1, 2, 3], pa.int64()),
        "created_at": pa.array([dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 2, 10), None],
                               pa.timestamp("ms", tz="Europe/Helsinki")),
        "solved_at": pa.array([dt.datetime(2024, 3, 1, 12), None, None], pa.timestamp("us")),
        "reopens": pa.array([0.0, 2.0, 1.0]),
        "satisfaction": pa.array([5, None, 3], pa.int32()),
    })
    p = tmp_path / "t.parquet"
    pq.write_table(table, p)
    res = store.import_file("tickets", p, tz="Europe/Helsinki")
    assert (res.format, res.inserted, res.rejected) == ("parquet", 2, 1)  # row 3 has no created_at
    got = store.raw.execute("SELECT ticket_id, created_at::VARCHAR, solved_at::VARCHAR, reopens, satisfaction "
                            "FROM tickets ORDER BY 1").fetchall()
    assert got == [("1", "2024-03-01 10:00:00", "2024-03-01 10:00:00", 0, 5.0),
                   ("2", "2024-03-02 10:00:00", None, 2, None)]


def _xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calls"
    ws.append(["Call Id", "Date", "Time", "Answered", "Talk"])
    ws.append(["X1", dt.date(2021, 3, 22), dt.time(9, 30), "Y", dt.time(0, 2, 23)])
    ws.append(["X2", 44278, 0.75, "N", None])  # an unformatted serial date and day fraction
    ws.append([None, None, None, None, None])  # empty rows are skipped
    ws.append(["X3", "not a date", 0.5, "Y", 0.001])
    other = wb.create_sheet("Notes")
    other.append(["nothing here"])
    wb.save(path)


MAPPING = """
format = "xlsx"
sheet = "Calls"
[columns]
call_id = "Call Id"
abandoned = "Answered"
talk_seconds = "Talk"
[values.abandoned]
Y = false
N = true
[transforms]
offered_at = [{ date_time = ["Date", "Time"] }]
talk_seconds = "excel_day_fraction_to_seconds"
"""


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_xlsx(store, tmp_path, monkeypatch, engine):
    if engine == "openpyxl":
        monkeypatch.setattr(xlsx, "calamine_rows", xlsx.openpyxl_rows)
    else:
        pytest.importorskip("python_calamine", reason="python-calamine not installed; openpyxl path tested")
    p = tmp_path / "calls.xlsx"
    _xlsx(p)
    m = tmp_path / "m.toml"
    m.write_text(MAPPING)
    res = store.import_file("calls", p, mapping=m)
    assert (res.format, res.inserted, res.rejected) == ("xlsx", 2, 1)
    got = store.raw.execute("SELECT call_id, offered_at::VARCHAR, abandoned, talk_seconds FROM calls ORDER BY 1")
    assert got.fetchall() == [("X1", "2021-03-22 09:30:00", False, 143.0), ("X2", "2021-03-23 18:00:00", True, None)]
    assert res.problems[0]["line"] == 5  # the sheet's row number


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_damaged_xlsx_is_named_not_a_zip_error(store, tmp_path, monkeypatch, engine):
    if engine == "openpyxl":
        monkeypatch.setattr(xlsx, "calamine_rows", xlsx.openpyxl_rows)
    p = tmp_path / "calls.xlsx"
    p.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(ImportFailed, match=r"calls.xlsx: not an Excel workbook \(.xlsx\) or damaged"):
        store.import_file("calls", p, format="xlsx")
    assert store.count("calls") == 0


def test_xlsx_unknown_sheet(store, tmp_path):
    p = tmp_path / "calls.xlsx"
    _xlsx(p)
    m = tmp_path / "m.toml"
    m.write_text(MAPPING.replace('sheet = "Calls"', 'sheet = "Nope"'))
    with pytest.raises(ImportFailed, match=r"no sheet 'Nope' \(sheets: Calls, Notes\)"):
        store.import_file("calls", p, mapping=m)


def test_format_is_detected_by_content(store, tmp_path):
    p = tmp_path / "data.bin"
    pq.write_table(pa.table({"ticket_id": ["A"], "created_at": ["2024-01-01"]}), p)
    assert store.import_file("tickets", p).format == "parquet"
    with pytest.raises(ImportFailed, match="cannot read as parquet"):
        bad = tmp_path / "bad.parquet"
        bad.write_text("ticket_id\n1\n")
        store.import_file("tickets", bad)
