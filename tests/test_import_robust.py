"""Regression tests for the robustness findings of issue 11: one test (or more) per finding.

Every refused file is a :class:`ImportFailed` with a one-line message and leaves the store as
it was; through the API the same files answer 4xx, never 500, and the server keeps answering.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

import cxmetrics as cx
from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import write as write_mod
from cxmetrics.ingest import xlsx
from tests.api_support import bearer, client, make_token
from tests.conftest import realdata_dir


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def put(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def rows(store, sql: str) -> list[tuple]:
    return store.raw.execute(sql).fetchall()


def state(store) -> tuple:
    """Everything an import can change."""
    return (rows(store, "SELECT count(*) FROM _import_log"), rows(store, "SELECT count(*) FROM _quarantine"),
            {t: store.count(t) for t in ("tickets", "calls", "orders", "customers")})


def problems(store) -> list[tuple]:
    return rows(store, 'SELECT line, "column", reason FROM _quarantine ORDER BY line, "column"')


def workbook(path: Path, header: list[str], body: list[list], sheet: str = "Sheet1",
             edit: dict[str, bytes] | None = None, far: str | None = None) -> Path:
    """An .xlsx written by XlsxWriter; ``edit`` replaces zip parts, ``far`` adds one value in that cell."""
    plain = path.with_suffix(".plain.xlsx")
    wb = xlsxwriter.Workbook(str(plain))
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, header)
    for i, r in enumerate(body, start=1):
        ws.write_row(i, 0, r)
    wb.close()
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if edit and item.filename in edit:
                data = edit[item.filename]
            elif far and item.filename == "xl/worksheets/sheet1.xml":
                row = int("".join(ch for ch in far if ch.isdigit()))
                data = data.replace(b"</sheetData>",
                                    f'<row r="{row}"><c r="{far}"><v>1</v></c></row></sheetData>'.encode())
            zout.writestr(item.filename, data)
    plain.unlink()
    return path


# -- spreadsheets: a far cell, bombs, damaged and sheet-less workbooks ----------------------------
def test_far_cell_is_refused_without_allocating_the_area(store, tmp_path):
    import resource

    p = workbook(tmp_path / "far.xlsx", ["ticket_id", "created_at"], [["T1", "2024-01-01"]], far="XFD1048576")
    assert p.stat().st_size < 10_000
    before = state(store)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportFailed, match=r"far.xlsx: sheet 'Sheet1' has values as far as row 1,048,576 and "
                                           r"column XFD: a used area of 17,179,869,184 cells, over the limit"):
        store.import_file("tickets", p)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    assert grown_mib < 100  # the parser never saw it (it would ask for 512 GiB)
    assert state(store) == before


def test_far_formatted_empty_cell_and_a_moderate_area_import(store, tmp_path):
    p = workbook(tmp_path / "ok.xlsx", ["ticket_id", "created_at"], [["T1", "2024-01-01"]], far="Z500")
    res = store.import_file("tickets", p)  # Z500 holds a value beyond the header: that row is quarantined
    assert (res.inserted, res.rejected) == (1, 1)
    assert problems(store)[0][0] == 500
    styled = workbook(tmp_path / "styled.xlsx", ["ticket_id", "created_at"], [["T2", "2024-01-01"]],
                      edit=None)
    with zipfile.ZipFile(styled) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')
    styled2 = workbook(tmp_path / "styled2.xlsx", ["ticket_id", "created_at"], [["T2", "2024-01-01"]],
                       edit={"xl/worksheets/sheet1.xml": sheet})
    assert store.import_file("tickets", styled2).inserted == 1  # formatting without a value costs nothing


def test_xlsx_limits_on_values_and_decompressed_size(store, tmp_path, monkeypatch):
    p = workbook(tmp_path / "many.xlsx", ["ticket_id", "created_at"], [[f"T{i}", "2024-01-01"] for i in range(50)])
    monkeypatch.setattr(xlsx, "MAX_VALUES", 40)
    with pytest.raises(ImportFailed, match="has more than 40 values"):
        store.import_file("tickets", p)
    monkeypatch.setattr(xlsx, "MAX_VALUES", 10_000_000)
    monkeypatch.setattr(xlsx, "MAX_SHEET_BYTES", 1000)
    with pytest.raises(ImportFailed, match=r"xl/worksheets/sheet1.xml decompresses to .* over the limit"):
        store.import_file("tickets", p)
    monkeypatch.setattr(xlsx, "MAX_SHEET_BYTES", 2 * 1024**3)
    # a bomb: megabytes of padding that compress a thousand-fold
    with zipfile.ZipFile(p) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    bomb = workbook(tmp_path / "bomb.xlsx", ["a"], [],
                    edit={"xl/worksheets/sheet1.xml": sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 3_000_000)})
    monkeypatch.setattr(xlsx, "BOMB_MIN_BYTES", 1_000_000)
    with pytest.raises(ImportFailed, match="refused as a decompression bomb"):
        store.import_file("tickets", bomb)
    assert store.count("tickets") == 0


@pytest.mark.parametrize("case", ["broken_xml", "no_sheets", "no_sheet_part", "not_a_workbook", "truncated"])
def test_damaged_workbooks_are_refused_with_a_reason(store, tmp_path, case):
    base = workbook(tmp_path / "base.xlsx", ["ticket_id", "created_at"], [["T1", "2024-01-01"]])
    with zipfile.ZipFile(base) as z:
        book = z.read("xl/workbook.xml")
    if case == "broken_xml":
        p = workbook(tmp_path / "b.xlsx", ["x"], [], edit={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c"})
        match = "not an Excel workbook"
    elif case == "no_sheets":
        start, end = book.index(b"<sheets>"), book.index(b"</sheets>") + len(b"</sheets>")
        p = workbook(tmp_path / "b.xlsx", ["x"], [], edit={"xl/workbook.xml": book[:start] + b"<sheets/>" + book[end:]})
        match = "the workbook has no sheets"
    elif case == "no_sheet_part":
        p = tmp_path / "b.xlsx"
        with zipfile.ZipFile(base) as zin, zipfile.ZipFile(p, "w") as zout:
            for item in zin.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    zout.writestr(item.filename, zin.read(item.filename))
        match = "has no data part"
    elif case == "not_a_workbook":
        p = tmp_path / "b.xlsx"
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("hello.txt", "hi")
        match = r"a zip archive without a workbook"
    else:
        p = put(tmp_path, "b.xlsx", base.read_bytes()[: base.stat().st_size // 2])
        match = "not an Excel workbook"
    before = state(store)
    with pytest.raises(ImportFailed, match=match):
        store.import_file("tickets", p)
    assert state(store) == before


# -- numbers: no +-inf, no overflow ------------------------------------------------------------------
def test_overflowing_numbers_are_out_of_range_with_line_and_column(store, tmp_path):
    big = "9" * 400
    p = put(tmp_path, "t.csv", "ticket_id,created_at,handle_seconds,reopens\n"
                               "T1,2024-01-01,1e400,1\n"
                               f"T2,2024-01-01,{big},2\n"
                               f"T3,2024-01-01,5,{big}\n"
                               "T4,2024-01-01,-1e400,0\n"
                               "T5,2024-01-01,12.5,3\n")
    res = store.import_file("tickets", p, accept_partial=True)
    assert (res.inserted, res.rejected) == (1, 4)
    got = problems(store)
    assert got[0] == (2, "handle_seconds", "number out of range: '1e400'")
    assert got[1][:2] == (3, "handle_seconds") and got[1][2].startswith("number out of range: '999")
    assert got[2][:2] == (4, "reopens") and "whole number out of range" in got[2][2]
    assert got[3] == (5, "handle_seconds", "number out of range: '-1e400'")
    assert rows(store, "SELECT count(*) FROM tickets WHERE isinf(handle_seconds)") == [(0,)]


def test_non_finite_typed_values_and_uint64(store, tmp_path):
    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({
        "ticket_id": ["A", "B", "C", "D", "E"],
        "created_at": ["2024-01-01"] * 5,
        "handle_seconds": pa.array([float("inf"), float("nan"), 3.0, -float("inf"), 5.0]),
        "reopens": pa.array([1, 2, 2**64 - 1, 0, 2**63], pa.uint64()),
        "satisfaction": pa.array([1, 2**64 - 1, 3, 4, 5], pa.uint64()),  # a float column: any uint64 fits
    }), p)
    res = store.import_file("tickets", p, accept_partial=True)
    assert (res.inserted, res.rejected) == (1, 4)
    assert problems(store) == [(1, "handle_seconds", "number out of range: 'inf'"),
                               (3, "reopens", "number out of range: '18446744073709551615'"),
                               (4, "handle_seconds", "number out of range: '-inf'"),
                               (5, "reopens", "number out of range: '9223372036854775808'")]
    # a typed NaN is a missing value, never stored as NaN
    assert rows(store, "SELECT ticket_id, handle_seconds, reopens FROM tickets") == [("B", None, 2)]


def test_json_numbers_keep_their_text(store, tmp_path):
    p = put(tmp_path, "t.json", '[{"ticket_id": 1, "created_at": "2024-01-01", "handle_seconds": 1e400},'
                                f' {{"ticket_id": 2, "created_at": "2024-01-01", "reopens": {"1" * 5000}}},'
                                ' {"ticket_id": 3, "created_at": "2024-01-01", "handle_seconds": NaN}]')
    res = store.import_file("tickets", p, accept_partial=True)
    assert (res.inserted, res.rejected) == (0, 3)
    reasons = [r[2] for r in problems(store)]
    assert reasons[0] == "number out of range: '1e400'"
    assert "whole number out of range" in reasons[1]
    assert reasons[2] == "not a number: 'NaN'"


def test_import_frame_refuses_infinite_values(store):
    frame = pd.DataFrame({"ticket_id": ["A"], "created_at": ["2024-01-01"], "handle_seconds": [float("inf")]})
    with pytest.raises(ImportFailed, match="infinite values in handle_seconds"):
        store.import_frame("tickets", frame)
    assert store.count("tickets") == 0


def test_a_transform_that_overflows_is_out_of_range(store, tmp_path):
    p = put(tmp_path, "t.csv", "ticket_id,created_at,minutes\nT1,2024-01-01,1e307\nT2,2024-01-01,2\n")
    m = put(tmp_path, "m.toml", '[columns]\nhandle_seconds = "minutes"\n[transforms]\nhandle_seconds = { multiply = 60 }\n')
    res = store.import_file("tickets", p, mapping=m)
    assert (res.inserted, res.rejected) == (1, 1)
    assert problems(store) == [(2, "handle_seconds", "number out of range: '1e307'")]


# -- timestamps: offsets beyond +-14:00 -----------------------------------------------------------
@pytest.mark.parametrize("value", ["2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00-15:00",
                                   "2024-01-01 10:00 +1430", "2024-01-01T10:00:00+05:99", "01/02/2024 10:00 +2500"])
def test_impossible_utc_offsets_are_refused(store, tmp_path, value):
    p = put(tmp_path, "t.csv", f"ticket_id,created_at\nT1,{value}\nT2,2024-01-01T10:00:00+14:00\n")
    res = store.import_file("tickets", p, date_order="dmy")
    assert (res.inserted, res.rejected) == (1, 1)
    assert problems(store) == [(2, "created_at", f"UTC offset out of range in {value!r} (offsets run from "
                                                 "-14:00 to +14:00)")]
    assert rows(store, "SELECT created_at::VARCHAR FROM tickets") == [("2023-12-31 20:00:00",)]


# -- text files: line ends, nesting, empty exports, duplicate names --------------------------------
@pytest.mark.parametrize("newline", ["\r", "\r\n", "mixed"])
def test_cr_only_and_mixed_newlines(store, tmp_path, newline):
    lines = ["ticket_id,created_at", "T1,2024-01-01", "T2,bad", "T3,2024-01-03"]
    text = ("\r".join(lines[:2]) + "\n" + "\r\n".join(lines[2:]) if newline == "mixed"
            else newline.join(lines)) + "\n"
    res = store.import_file("tickets", put(tmp_path, "t.csv", text))
    assert (res.inserted, res.rejected) == (2, 1)
    assert problems(store)[0][:2] == (3, "created_at")


def test_deeply_nested_json_is_refused_and_a_deep_jsonl_line_quarantined(store, tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ImportFailed, match="nested too deeply"):
        store.import_file("tickets", put(tmp_path, "t.json", deep))
    good = json.dumps({"ticket_id": "J1", "created_at": "2024-01-01"})
    res = store.import_file("tickets", put(tmp_path, "t.jsonl", f"{good}\n{deep}\n"))
    assert (res.inserted, res.rejected) == (1, 1)
    assert problems(store) == [(2, None, "JSON nested too deeply")]


@pytest.mark.parametrize(("name", "content"), [
    ("t.csv", "ticket_id,created_at\n"),
    ("t.csv", "\ufeffticket_id;created_at\r\n"),
    ("t.json", "[]"),
    ("t.json", '{"tickets": []}'),
    ("t.jsonl", ""),
    ("t.jsonl", "\n\n"),
])
def test_headers_only_exports_import_zero_rows(store, tmp_path, name, content):
    res = store.import_file("tickets", put(tmp_path, name, content))
    assert (res.status, res.rows_read, res.inserted, res.rejected, res.exit_code) == ("ok", 0, 0, 0, 0)
    assert rows(store, "SELECT status, rows_read FROM _import_log") == [("ok", 0)]


def test_headers_only_in_every_format_is_the_same(store, tmp_path):
    pq.write_table(pa.table({"ticket_id": pa.array([], pa.string()), "created_at": pa.array([], pa.string())}),
                   tmp_path / "t.parquet")
    workbook(tmp_path / "t.xlsx", ["ticket_id", "created_at"], [])
    for name in ("t.parquet", "t.xlsx"):
        assert store.import_file("tickets", tmp_path / name).rows_read == 0
    with pytest.raises(ImportFailed, match="required column 'created_at'"):  # a header still has to fit
        store.import_file("tickets", put(tmp_path, "x.csv", "ticket_id\n"))


def test_duplicate_column_names_are_refused_in_every_format(store, tmp_path):
    msg = r"the same column name more than once: 'ticket_id' \(columns 1, 3\)"
    with pytest.raises(ImportFailed, match=f"the header has {msg}"):
        store.import_file("tickets", put(tmp_path, "t.csv", "ticket_id,created_at, ticket_id\nA,2024-01-01,B\n"))
    with pytest.raises(ImportFailed, match=f"the header row \\(row 1\\) has {msg}"):
        store.import_file("tickets", workbook(tmp_path / "t.xlsx", ["ticket_id", "created_at", "ticket_id"],
                                              [["A", "2024-01-01", "B"]]))
    t = pa.Table.from_arrays([pa.array(["A"]), pa.array(["2024-01-01"]), pa.array(["B"])],
                             names=["ticket_id", "created_at", "ticket_id"])
    pq.write_table(t, tmp_path / "t.parquet")
    with pytest.raises(ImportFailed, match=f"the schema has {msg}"):
        store.import_file("tickets", tmp_path / "t.parquet")
    with pytest.raises(ImportFailed, match="an object has the key 'ticket_id' more than once"):
        store.import_file("tickets", put(tmp_path, "t.json",
                                         '[{"ticket_id": "A", "created_at": "2024-01-01", "ticket_id": "B"}]'))
    with pytest.raises(ImportFailed, match="line 2 has the key 'ticket_id' more than once"):
        store.import_file("tickets", put(tmp_path, "t.jsonl", '{"ticket_id": "A", "created_at": "2024-01-01"}\n'
                                         '{"ticket_id": "A", "created_at": "2024-01-01", "ticket_id": "B"}\n'))
    with pytest.raises(ImportFailed, match=r"columns 'Ticket ID', 'ticket-id' all match ticket_id"):
        store.import_file("tickets", put(tmp_path, "u.csv", "Ticket ID,created_at,ticket-id\nA,2024-01-01,B\n"))
    assert store.count("tickets") == 0


# -- formats by content ----------------------------------------------------------------------------
def test_a_workbook_named_csv_is_read_as_a_workbook(store, tmp_path):
    book = workbook(tmp_path / "real.xlsx", ["ticket_id", "created_at"], [["X1", "2024-01-01"]])
    named = put(tmp_path, "export.csv", book.read_bytes())
    res = store.import_file("tickets", named)
    assert (res.format, res.inserted) == ("xlsx", 1)
    assert res.notes == ["the file is an Excel workbook (.xlsx) named .csv: read as xlsx"]
    with pytest.raises(ImportFailed, match=r"export.csv: the file is an Excel workbook .* not csv; import it "
                                           r"with --format xlsx"):
        store.import_file("tickets", named, format="csv")
    pq.write_table(pa.table({"ticket_id": ["P1"], "created_at": ["2024-01-01"]}), tmp_path / "p.parquet")
    assert store.import_file("tickets", put(tmp_path, "p.json", (tmp_path / "p.parquet").read_bytes())).format \
        == "parquet"
    with pytest.raises(ImportFailed, match="Excel 97-2003 workbook"):
        store.import_file("tickets", put(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(ImportFailed, match="gzip-compressed"):
        store.import_file("tickets", put(tmp_path, "t.csv.gz", b"\x1f\x8b\x08\x00" + b"\0" * 20))


# -- delimiters: whitespace-aligned text, a line mixing two, a file mostly quarantined ------------
def test_whitespace_aligned_text_is_sniffed_without_a_mapping(store, tmp_path):
    p = put(tmp_path, "aligned.txt", "ticket_id   created_at   channel\n"
                                     "W1          2024-01-01   email\n"
                                     "W22         2024-01-02   chat\n"
                                     "W333        2024-01-03   web\n")
    res = store.import_file("tickets", p)
    assert (res.inserted, res.rejected, res.delimiter) == (3, 0, "whitespace")
    assert rows(store, "SELECT ticket_id, channel FROM tickets ORDER BY 1") == [
        ("W1", "email"), ("W22", "chat"), ("W333", "web")]


def test_a_line_mixing_delimiters_is_named_as_such(store, tmp_path):
    p = put(tmp_path, "t.csv", "ticket_id,created_at,channel\nT1,2024-01-01,email\nT2;2024-01-02,chat\n"
                               "T3,2024-01-03,web\n")
    res = store.import_file("tickets", p)
    assert (res.inserted, res.rejected) == (2, 1)
    assert problems(store) == [(3, None, "line has 2 fields, the header has 3: the line mixes ';' and ',' as "
                                         "delimiters")]


def test_a_mostly_quarantined_file_is_refused_with_its_top_reasons(store, tmp_path):
    """Issue 11: the telco file imported 3 rows and quarantined 7,040 as a 'partial success'."""
    text = ("ticket_id,created_at,channel\nT1,2024-01-01,email\n"
            + "".join(f"T{i},2024-W0{i},chat\n" for i in range(2, 6)) + ",2024-01-06,web\n")
    p = put(tmp_path, "export.csv", text)
    before = state(store)
    with pytest.raises(ImportFailed) as e:
        store.import_file("tickets", p)
    assert e.value.code == 1
    assert e.value.message.startswith(
        f"{p}: 5 of 6 rows of tickets failed validation (over half), so the file was refused and nothing was "
        "stored; most often: line 3, created_at: not a recognised date/time: '2024-W02' (use ISO 8601")
    assert e.value.message.endswith(
        "(4 times); line 7, ticket_id: required value is empty (once); fix the file or its mapping, or import it "
        "anyway with the failing rows quarantined (--accept-partial; API: accept_partial=true)")
    assert state(store) == before
    res = store.import_file("tickets", p, accept_partial=True)
    assert (res.inserted, res.rejected, res.status, res.exit_code) == (1, 5, "partial", 3)
    half = put(tmp_path, "half.csv", "ticket_id,created_at\nH1,2024-01-01\nH2,someday\n")
    assert store.import_file("tickets", half).rejected == 1  # half is not over half: imported


def test_cli_and_api_refuse_a_mostly_quarantined_file_unless_accepted(tmp_path, api):
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    body = b"ticket_id,created_at\nC1,2024-01-01\nC2,someday\nC3,never\n"
    p = put(tmp_path, "t.csv", body)
    args = ["--db", str(tmp_path / "cx.duckdb"), "import", "tickets", str(p)]
    r = CliRunner().invoke(app, args, terminal_width=400)
    assert r.exit_code == 1 and "2 of 3 rows of tickets failed validation (over half)" in r.output, r.output
    r = CliRunner().invoke(app, [*args, "--accept-partial"], terminal_width=400)
    assert r.exit_code == 3, r.output
    refused = _post(api, "t.csv", body)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("t.csv: 2 of 3 rows"), refused.text
    accepted = _post(api, "t.csv", body, accept_partial="true")
    assert accepted.status_code == 200 and (accepted.json()["inserted"], accepted.json()["rejected"]) == (1, 2)


# -- mappings: values mapped to missing, computed ids --------------------------------------------
def test_value_map_can_map_to_missing(store, tmp_path):
    p = put(tmp_path, "t.csv", "ticket_id,created_at,solved\nT1,2024-01-01,No\nT2,2024-01-01,2024-01-02\n")
    m = put(tmp_path, "m.toml", '[columns]\nsolved_at = "solved"\n[values.solved_at]\nNo = ""\n')
    res = store.import_file("tickets", p, mapping=m)
    assert (res.inserted, res.rejected) == (2, 0)
    assert rows(store, "SELECT ticket_id, solved_at::VARCHAR FROM tickets ORDER BY 1") == [
        ("T1", None), ("T2", "2024-01-02 00:00:00")]


def test_computed_ids_are_stable_and_repeat_safe(store, tmp_path):
    log = " 001 19970101  1   11.77\n 002 19970112  1   12.00\n 002 19970112  1   12.00\n"
    p = put(tmp_path, "log.txt", " customer  date cds  dollars\n" + log)
    m = put(tmp_path, "m.toml", 'delimiter = "whitespace"\nid_from = ["customer", "date", "dollars"]\n'
                                '[columns]\ncustomer_id = "customer"\nordered_at = "date"\namount = "dollars"\n'
                                '[transforms]\nordered_at = { strptime = "%Y%m%d" }\n')
    res = store.import_file("orders", p, mapping=m)
    assert (res.inserted, res.duplicates, res.delimiter) == (3, 0, "whitespace")
    ids = [r[0] for r in rows(store, "SELECT order_id FROM orders ORDER BY order_id")]
    assert len(set(ids)) == 3 and sum(i.endswith("-2") for i in ids) == 1
    longer = put(tmp_path, "log2.txt", " customer  date cds  dollars\n" + log + " 003 19970201 2 5.00\n")
    again = store.import_file("orders", longer, mapping=m)
    assert (again.inserted, again.unchanged) == (1, 3)
    with pytest.raises(ImportFailed, match="id_from: status_changes has no id column"):
        store.import_file("status_changes", p, mapping=m)


# -- writing: a full disk ------------------------------------------------------------------------
def test_a_full_disk_refuses_the_file_and_changes_nothing(store, tmp_path, monkeypatch):
    store.import_file("tickets", put(tmp_path, "a.csv", "ticket_id,created_at\nT1,2024-01-01\n"))
    before = state(store)

    def full(con, part, import_id):
        raise duckdb.IOException("Could not write file \"cx.duckdb.wal\": No space left on device")

    monkeypatch.setattr(write_mod, "_insert_changed", full)
    with pytest.raises(ImportFailed, match=r"b.csv: cannot write to the store .*: the disk is full; nothing of "
                                           "the file was stored"):
        store.import_file("tickets", put(tmp_path, "b.csv", "ticket_id,created_at\nT2,2024-01-01\n"))
    assert state(store) == before
    monkeypatch.undo()
    assert store.import_file("tickets", tmp_path / "b.csv").inserted == 1


# -- the CLI: a missing file creates no store ------------------------------------------------------
def test_import_of_a_missing_file_creates_no_store(tmp_path):
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    db = tmp_path / "new.duckdb"
    r = CliRunner().invoke(app, ["--db", str(db), "import", "tickets", str(tmp_path / "nope.csv")])
    assert r.exit_code == 1 and "no such file" in r.output
    assert not db.exists()


def test_cli_summary_names_delimiter_encoding_and_notes(tmp_path):
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    p = put(tmp_path, "t.csv", "ticket_id;created_at\nT1,2024-01-01\nT2;2024-01-02\nT3,2024-01-03\nT4,2024-01-04\n")
    r = CliRunner().invoke(app, ["--db", str(tmp_path / "cx.duckdb"), "import", "tickets", str(p)],
                           terminal_width=200)
    assert r.exit_code == 3, r.output
    assert "encoding utf-8, delimiter ','" in r.output
    assert "note: the header uses ';' as delimiter, the rows ','" in r.output
    assert "line 3, (row): line has 1 field, the header has 2: the line uses ';' as delimiter, the file ','" \
        in r.output


# -- the API: 4xx, never 500; uploads named and cleaned up ------------------------------------------
@pytest.fixture
def api(tmp_path: Path):
    db = tmp_path / "api" / "cx.duckdb"
    db.parent.mkdir()
    cx.connect(db).close()
    with client(db, max_upload_bytes=1024 * 1024) as c:
        c.headers.update(bearer(make_token(c, "editor")))
        yield c


def _post(c, name: str, content: bytes, **params: str):
    return c.post("/api/v1/imports/tickets", params=params,
                  files={"file": (name, io.BytesIO(content), "application/octet-stream")})


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_api_refuses_bad_files_with_4xx_and_stays_up(api, tmp_path, monkeypatch):
    far = workbook(tmp_path / "far.xlsx", ["ticket_id", "created_at"], [["T1", "2024-01-01"]], far="XFD1048576")
    cases = [
        ("far.xlsx", far.read_bytes()),
        ("deep.json", b"[" * 50_000 + b"]" * 50_000),
        ("t.csv", b"ticket_id,created_at,ticket_id\nA,2024-01-01,B\n"),
        ("sheetless.xlsx", workbook(tmp_path / "s.xlsx", ["a"], [], edit={"xl/workbook.xml": b"<workbook/>"})
         .read_bytes()),
        ("broken.xlsx", workbook(tmp_path / "b.xlsx", ["a"], [], edit={"xl/worksheets/sheet1.xml": b"<w><x"})
         .read_bytes()),
    ]
    no_raise = api.__class__(api.app, raise_server_exceptions=False, headers=dict(api.headers))
    for name, content in cases:
        r = _post(no_raise, name, content)
        assert r.status_code == 422, (name, r.text)
        assert name in r.json()["detail"] and "cxm-upload" not in r.json()["detail"]
    parquet = io.BytesIO()
    pq.write_table(pa.table({"ticket_id": ["U"], "created_at": ["2024-01-01"],
                             "reopens": pa.array([2**64 - 1], pa.uint64())}), parquet)
    r = _post(no_raise, "u.parquet", parquet.getvalue(), accept_partial="true")
    assert r.status_code == 200 and r.json()["rejected"] == 1
    r = _post(no_raise, "inf.csv", b"ticket_id,created_at,handle_seconds\nI1,2024-01-01,1e400\n", accept_partial="true")
    assert r.status_code == 200 and r.json()["problems"][0]["reason"] == "number out of range: '1e400'"

    def full(con, part, import_id):
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(write_mod, "_insert_changed", full)
    r = _post(no_raise, "full.csv", b"ticket_id,created_at\nF1,2024-01-01\n")
    assert r.status_code == 422 and "the disk is full" in r.json()["detail"]
    monkeypatch.undo()
    assert api.get("/api/v1/health").status_code == 200
    assert api.get("/api/v1/health").json()["tables"]["tickets"] == 0


def test_api_reads_cr_only_lines_and_answers_delimiter_and_encoding(api):
    """CR-only line ends took the 'please report' path and answered 500 (issue 11)."""
    r = _post(api, "mac.csv", b"ticket_id;created_at\rM1;2024-01-01\rM2;2024-01-02\r")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["inserted"], doc["rejected"], doc["delimiter"], doc["encoding"]) == (2, 0, ";", "utf-8")


def test_api_logs_the_uploaded_name_in_the_transaction_and_sweeps_dead_uploads(api, monkeypatch):
    stale = Path(tempfile.mkdtemp(prefix=f"cxm-upload-{_dead_pid()}-"))
    (stale / "upload.csv").write_text("left by a killed server")
    mine = Path(tempfile.mkdtemp(prefix=f"cxm-upload-{os.getpid()}-"))
    seen = []
    real = write_mod.write

    def spy(store, parts, *, file, **kw):
        seen.append(file)
        return real(store, parts, file=file, **kw)

    monkeypatch.setattr(write_mod, "write", spy)
    monkeypatch.setattr("cxmetrics.ingest.pipeline.write", spy)
    try:
        r = _post(api, "march export.csv", b"ticket_id,created_at\nN1,2024-01-01\nN2,nope\n")
        assert r.status_code == 200, r.text
        assert seen == ["march export.csv"]  # written in the import's own transaction, not patched after
        log = api.get("/api/v1/imports?limit=1").json()["imports"][0]
        assert log["file"] == "march export.csv"
        assert not stale.exists()  # the killed server's copy is gone
        assert mine.exists()  # a live process's directory is left alone
        assert not [d for d in Path(tempfile.gettempdir()).glob(f"cxm-upload-{os.getpid()}-*") if d != mine]
    finally:
        import shutil

        shutil.rmtree(mine, ignore_errors=True)
        shutil.rmtree(stale, ignore_errors=True)


# -- real exports (skipped without ../shared/data) ----------------------------------------------------
REAL = realdata_dir()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "mappings"


@pytest.mark.realdata
@pytest.mark.skipif(REAL is None, reason="real data not found: set $CXM_REALDATA or provide ../shared/data")
def test_telco_snapshot_through_the_example_mapping(store):
    path = REAL / "telco_churn.csv"
    res = store.import_file("customers", path, mapping=EXAMPLES / "telco_customers.toml")
    assert (res.rows_read, res.inserted, res.rejected, res.exit_code) == (7043, 7035, 8, 3)
    assert res.delimiter == "," and res.notes == ["the header uses ';' as delimiter, the rows ','"]
    got = problems(store)
    assert [g[0] for g in got] == list(range(2, 10))
    assert all(g[2].endswith("the line uses ';' as delimiter, the file ','") for g in got[:7])
    assert got[7][2].endswith("the line mixes ';' and ',' as delimiters")
    # the pandas check: the same file read by hand (header split on ';', the ',' rows after line 9)
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    df = pd.read_csv(path, skiprows=9, header=None, names=header, dtype=str, encoding="utf-8-sig")
    want = df.groupby("Contract")["Churn"].agg(customers="size", churned=lambda s: int((s == "Yes").sum()))
    have = pd.DataFrame(rows(store, "SELECT segment, count(*), count(churned_at) FROM customers GROUP BY 1"),
                        columns=["Contract", "customers", "churned"]).set_index("Contract")
    assert have.sort_index().to_dict() == want.sort_index().to_dict()
    tenure = dict(zip(df["customerID"], df["tenure"].astype(int), strict=True))
    stored = rows(store, "SELECT customer_id, acquired_at FROM customers WHERE customer_id IN "
                         "('7590-VHVEG', '7892-POOKP')")
    for cid, acquired in stored:
        months = (2018 - acquired.year) * 12 + (2 - acquired.month)
        assert months == tenure[cid]


@pytest.mark.realdata
@pytest.mark.skipif(REAL is None, reason="real data not found: set $CXM_REALDATA or provide ../shared/data")
def test_cdnow_log_through_the_example_mapping(store):
    path = REAL / "cdnow" / "CDNOW_master.txt"
    res = store.import_file("orders", path, mapping=EXAMPLES / "cdnow_orders.toml")
    assert (res.rows_read, res.inserted, res.rejected, res.delimiter) == (69659, 69659, 0, "whitespace")
    df = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    assert len(df) == 69659
    per = df.groupby("customer_id").agg(n=("date", "size"), total=("dollar_value", "sum"))
    have = pd.DataFrame(rows(store, "SELECT customer_id, count(*), sum(amount) FROM orders GROUP BY 1"),
                        columns=["customer_id", "n", "total"]).set_index("customer_id").sort_index()
    assert (have["n"] == per["n"].sort_index()).all()
    assert np.allclose(have["total"], per["total"].sort_index())
    again = store.import_file("orders", path, mapping=EXAMPLES / "cdnow_orders.toml")
    assert (again.inserted, again.unchanged) == (0, 69659)


@pytest.mark.parametrize("args", [
    ["metrics", "ticket_volume"], ["report", "--out", "r.xlsx"], ["comments"], ["drivers"], ["cohort"],
    ["customer", "C1"], ["clv"], ["agents"], ["queue"], ["forecast"], ["explain", "fcr_rate"], ["token", "list"],
])
def test_commands_that_only_read_create_no_store(tmp_path, monkeypatch, args):
    """Issue 11: a command that only reads, pointed at a store that is not there, says so and
    leaves no empty store file behind."""
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "missing.duckdb"
    r = CliRunner().invoke(app, ["--db", str(db), *args])
    assert r.exit_code != 0, r.output
    assert not db.exists()
    assert "Traceback" not in r.output


def test_a_refused_import_into_a_new_store_creates_no_store(tmp_path):
    """Every file refused and no store before: no empty store file is left, and no lock file.
    With one file imported, or into an existing store, the session publishes as always."""
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("ticket_id,created_at\nT1,2025-01-02 10:00:00\n", encoding="utf-8")
    db = tmp_path / "new.duckdb"
    r = CliRunner().invoke(app, ["--db", str(db), "import", "tickets", str(bad)])
    assert r.exit_code == 1 and "required columns" in r.output, r.output
    assert not db.exists()
    assert not list(tmp_path.glob("new.duckdb*"))  # no copy, no lock file
    r = CliRunner().invoke(app, ["--db", str(db), "import", "tickets", str(bad), str(good)])
    assert r.exit_code == 1 and "1 imported, 1 refused" in r.output, r.output
    r = CliRunner().invoke(app, ["--db", str(db), "import", "tickets", str(bad)])  # the store exists now
    assert r.exit_code == 1 and db.exists()
    from cxmetrics.store import Store

    with Store(db, read_only=True) as s:
        assert s.counts()["tickets"] == 1
