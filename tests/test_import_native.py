"""The DuckDB-native CSV path gives exactly what the general path gives (issue 11, speed).

Both paths import the same files into fresh stores; stored rows, counts, problems and the
quarantine (line, column, reason, raw) must be identical, and refusals the same message.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxmetrics as cx
from cxmetrics.errors import CxmError
from cxmetrics.ingest import native, pipeline
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests.fuzz_files import case

TABLES = ("tickets", "messages", "calls", "survey_responses")


def outcome(path: Path, table: str, *, use_native: bool, **options) -> tuple:
    """Everything an import shows and stores, from a fresh store (in memory: the file and its
    publishing are not what differs between the paths). Mostly quarantined files are imported
    (``accept_partial``), so their quarantines are compared too."""
    store = Store(":memory:", config=Config())
    old = pipeline.NATIVE
    pipeline.NATIVE = use_native
    try:
        try:
            r = store.import_file(table, path, **{"accept_partial": True, **options})
        except CxmError as e:
            return ("refused", e.message)
        rows = {t: store.raw.execute(f'SELECT * EXCLUDE (_import_id) FROM "{t}" ORDER BY ALL').fetchall()
                for t in TABLES}
        q = store.raw.execute('SELECT line, "column", reason, raw FROM _quarantine ORDER BY line, "column", '
                              "reason").fetchall()
        summary = (r.rows_read, r.inserted, r.updated, r.unchanged, r.duplicates, r.rejected, r.problems,
                   r.problem_count, r.ignored_columns, r.date_order, r.delimiter)
        return ("imported", summary, rows, q)
    finally:
        pipeline.NATIVE = old
        store.close()


@pytest.fixture
def spy(monkeypatch):
    """Which path each import took: True for native, False for the general one."""
    took: list[bool] = []
    real = native.import_csv

    def wrapped(*a, **k):
        got = real(*a, **k)
        took.append(got is not None)
        return got

    monkeypatch.setattr(native, "import_csv", wrapped)
    return took


def test_the_fuzz_corpus_gives_the_same_result_on_both_paths(tmp_path, spy):
    compared = 0
    for i in range(150):
        cid, table, name, data = case(7, i)
        if not name.endswith(".csv"):
            continue
        p = tmp_path / f"{i}.csv"
        p.write_bytes(data)
        tz = ("UTC", "Europe/Helsinki", "America/New_York")[i % 3]
        assert outcome(p, table, use_native=True, tz=tz) == outcome(p, table, use_native=False, tz=tz), cid
        compared += 1
    assert compared > 40 and any(spy) and not all(spy)  # both paths really ran


# -- a property: values near every edge, in several zones --------------------------------------------
_ZONES = ["UTC", "Europe/Helsinki", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
_DST = [dt.datetime(2024, 3, 10, 2), dt.datetime(2024, 3, 31, 3), dt.datetime(2024, 10, 27, 3),
        dt.datetime(2024, 11, 3, 1), dt.datetime(2024, 4, 7, 2), dt.datetime(2024, 10, 6, 2)]


@st.composite
def stamp(draw) -> str:
    base = draw(st.sampled_from(_DST)) + dt.timedelta(minutes=draw(st.integers(-150, 150)))
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        return base.strftime(draw(st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"])))
    if kind <= 4:
        h = draw(st.integers(-16, 16))
        mins = draw(st.sampled_from([0, 30, 45, 99]))
        sign = "-" if h < 0 else "+"
        sep = draw(st.sampled_from([":", ""]))
        return base.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(h):02d}{sep}{mins:02d}"
    if kind == 5:
        return base.strftime("%Y-%m-%dT%H:%M:%S.%f")[: draw(st.integers(20, 26))] + draw(st.sampled_from(["Z", ""]))
    if kind == 6:
        return base.strftime(draw(st.sampled_from(["%d/%m/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y", "%b %d, %Y"])))
    return draw(st.sampled_from(["2024-02-30", "2024-13-01 10:00", "0001-01-01 00:30", "9999-12-31 23:30",
                                 "2024-01-01 24:00:00", "", " ", "soon", "2024-01-01T10:00:00 Z",
                                 "\u30002024-01-01\u00a0"]))


_NUMBERS = st.sampled_from(["1", "2.5", "1.", ".5", "+3", "-1", "1e400", "9" * 30, "3.0", "1e3", "", "x", " 7 ",
                            "0x1", "NaN", "1,5"])
_LABELS = st.sampled_from(["open", "On Hold", " SOLVED ", "on-hold", "closed", "done", "", "new\u00a0"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D", "E", "F"]), stamp(), stamp(), _NUMBERS, _NUMBERS,
                               _LABELS), min_size=1, max_size=25),
       zone=st.sampled_from(_ZONES), order=st.sampled_from([None, "dmy", "mdy"]))
def test_both_paths_agree_on_values_near_every_edge(rows, zone, order):
    text = "ticket_id,created_at,first_reply_at,handle_seconds,reopens,status\n" + "".join(
        ",".join('"' + v + '"' if "," in v else v for v in r) + "\n" for r in rows)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.csv"
        p.write_text(text, encoding="utf-8")
        got = outcome(p, "tickets", use_native=True, tz=zone, date_order=order)
        assert got == outcome(p, "tickets", use_native=False, tz=zone, date_order=order)


# -- which files take which path -------------------------------------------------------------------
CANON = "ticket_id,created_at,channel\nT1,2024-01-01T10:00:00Z,email\nT2,2024-01-02 10:00,chat\n"


@pytest.mark.parametrize(("text", "mapping", "native_path"), [
    (CANON, None, True),
    ('ticket_id,created_at,channel\nT1,2024-01-01,"two\nlines"\nT2,bad,x\n', None, True),
    ("ticket_id;created_at\nT1;2024-01-01\n", None, True),
    ('ticket_id,created_at,channel\nT1,2024-01-01," \nx\n "\n\u3000T2 ,bad,\u00a0\nT3,,\n', None, True),
    ("ticket_id,created_at\nT1,2024-01-01\n\nT2,2024-01-02\n", None, False),  # a blank line between rows
    ("ticket_id,created_at\nT1,2024-01-01,extra\n", None, False),  # a wrong field count
    ("ticket_id\nT1\n", None, False),  # one column
    ("id,created_at\nT1,2024-01-01\n", '[columns]\nticket_id = "id"\n[values.ticket_id]\nt1 = "X"\n', True),
    ("id,created_at\nT1,2024-01-01\n", '[columns]\nticket_id = "id"\n[transforms]\nticket_id = "lower"\n', False),
])
def test_which_files_take_the_native_path(tmp_path, spy, text, mapping, native_path):
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    options = {}
    if mapping:
        (tmp_path / "m.toml").write_text(mapping)
        options["mapping"] = tmp_path / "m.toml"
    a = outcome(p, "tickets", use_native=True, **options)
    assert spy == [native_path]
    assert a == outcome(p, "tickets", use_native=False, **options)


def test_lines_after_quoted_line_breaks(tmp_path, spy):
    p = tmp_path / "t.csv"
    p.write_text('ticket_id,created_at,channel\nT1,2024-01-01,"a\nb\nc"\nT2,never,x\nT3,2024-01-01,"d\ne"\n'
                 "T4,nope,y\n", encoding="utf-8")
    got = outcome(p, "tickets", use_native=True)
    assert spy == [True]
    assert [q[0] for q in got[3]] == [5, 8]


def test_file_order_survives_a_parallel_read(tmp_path):
    """The last occurrence of a key wins: the native path must see rows in file order, also when
    DuckDB reads the file in parallel blocks."""
    n = 300_000
    lines = ["ticket_id,created_at,channel,reopens"]
    lines += [f"K{i % 1000},2024-01-01T10:00:00Z,email,{i}" for i in range(n)]
    bad = 250_123  # a row far into the file, in a later block: its line must still be exact
    lines[1 + bad] = f"X{bad},never,email,{bad}"
    p = tmp_path / "big.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with tempfile.TemporaryDirectory() as d:
        store = cx.connect(Path(d) / "cx.duckdb")
        try:
            res = store.import_file("tickets", p)
            assert (res.inserted, res.duplicates, res.rejected) == (1000, n - 1001, 1)
            assert [(q["line"], q["column"]) for q in res.problems] == [(bad + 2, "created_at")]
            got = dict(store.raw.execute("SELECT ticket_id, reopens FROM tickets").fetchall())
        finally:
            store.close()
    assert all(got[f"K{k}"] == n - 1000 + k for k in range(1000))


_BYTES = st.lists(st.sampled_from([b"a", b"1", b",", b'"', b" ", b"\n", b"\r", b"\t", "é".encode(), "\u3000".encode(),
                                   "\u00a0".encode()]), max_size=60).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_BYTES, chunk=st.integers(min_value=8, max_value=24))
def test_the_trim_scan_does_not_depend_on_where_chunks_end(tmp_path, monkeypatch, data, chunk):
    """The file is scanned in chunks; whether a value may need trimming must be what one look at the
    whole file says, wherever a chunk ends (in a character, next to a delimiter, in a CR LF)."""
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    monkeypatch.setattr(native, "CHUNK", chunk)
    assert native.scan(p).trim_free == (not native._touches_boundary(data, ord(",")))


@pytest.mark.parametrize(("text", "trim_free"), [
    ('"id","when","who"\n"T1",2024-01-01 10:00:00Z,"agent"\n', True),  # quoted last column, spaces inside values
    ('id,note\nT1,"\nx"\n', False),  # a quoted value starting with a line break, nothing else white
    ('id,note\nT1,"x\r\n"\n', False),  # ... or ending with one
    ("id,note\nT1, x\n", False),
])
def test_which_files_need_trimming(tmp_path, text, trim_free):
    p = tmp_path / "f.csv"
    p.write_bytes(text.encode())
    assert native.scan(p).trim_free is trim_free


def test_a_value_in_quotes_starting_with_a_line_break_is_trimmed_alike(tmp_path, spy):
    p = tmp_path / "t.csv"
    p.write_bytes(b'ticket_id,created_at,channel\nT1,2024-01-01,"\nemail"\nT2,2024-01-02,"chat\n"\n')
    got = outcome(p, "tickets", use_native=True)
    assert spy == [True]
    assert got == outcome(p, "tickets", use_native=False)
    assert [r[2] for r in got[2]["tickets"]] == ["email", "chat"]
