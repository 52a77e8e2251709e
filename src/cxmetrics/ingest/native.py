"""CSV import at the engine's speed: DuckDB reads, converts and validates; Python only sees the exceptions.

One streaming pass of DuckDB's parallel CSV reader cleans the texts, converts every column
to its canonical type and flags conversion problems and impossible values, storing the typed
rows in a temporary table in file order: its rowid is the row number (insertion order is kept;
numbering the rows inside the pass would run it on one thread). Only *suspicious* rows
keep their texts (for reasons and the quarantine's raw JSON). Timestamps outside the
strict ISO forms are parsed by the same Python code as every other import
(:mod:`cxmetrics.ingest.parse`) and written back by row. The checks then run in SQL on the
suspicious rows only; reasons are formatted in Python for the rejected rows only; the
accepted rows go to the upsert of :mod:`cxmetrics.ingest.write` as one ``SELECT``.

This path gives exactly the result of the general path (:mod:`cxmetrics.ingest.validate` over
:mod:`cxmetrics.ingest.csvfile`); tests compare both over the fuzz corpus and a property. It
only takes files it can follow exactly and returns ``None`` otherwise (the caller then uses
the general path): UTF-8 text in one delimiter with the standard quoting, 2 to 200 columns,
every row with the header's number of fields, no blank lines between rows (physical line
numbers follow from the row number and the line breaks inside quoted fields), a mapping
without transforms or computed ids. Anything DuckDB's strict parser refuses also goes to
the general path, which quarantines the offending lines with their reasons.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import parse as P
from cxmetrics.ingest.csvfile import WHITESPACE, FileBytes, sniff
from cxmetrics.ingest.mapping import Mapping, as_text
from cxmetrics.ingest.rawtable import check_names
from cxmetrics.ingest.validate import ORDERED, VALUE_WIDTH, check_header
from cxmetrics.model import schema

if TYPE_CHECKING:
    import duckdb

    from cxmetrics.model.database import Database as Store

#: the characters Arrow's utf8_trim_whitespace removes (the general path trims with it)
WS = "".join(map(chr, (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                       0x2028, 0x2029, 0x202F, 0x205F, 0x3000)))
#: a value that starts or ends with one of them (a cheap test; trim(x, WS) itself is not cheap)
_WS_CLASS = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
NEEDS_TRIM = f"^{_WS_CLASS}|{_WS_CLASS}$"
CHUNK = 8 << 20
MAX_COLUMNS = 200
#: ISO 8601 forms DuckDB converts exactly as the general path does; anything else goes to Python
_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
ISO_NAIVE = f"{_DATE}(?:{_TIME})?"
ISO_AWARE = f"{_DATE}{_TIME}(?:Z|[+-](?:0\\d|1[0-3]):?[0-5]\\d|[+-]14:?00)"
#: the commonest aware form, UTC written as Z: its wall time is the instant (no time-zone arithmetic)
ISO_Z = f"{_DATE}{_TIME}Z"
#: the template of "the reasons the Python parser gave" (they travel with the row)
FALLBACK = "\x00fallback"
#: DST shifts to try when a wall time happens twice (DuckDB picks the later instant, we the first)
_DST_SHIFTS = (60, 30, 120)
QUARANTINE_SCHEMA = pa.schema([("line", pa.int64()), ("column", pa.string()), ("reason", pa.string()),
                               ("raw", pa.string())])


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


# -- one pass over the bytes -------------------------------------------------------------------------
@dataclass
class Scan:
    """The checksum and what the line structure needs."""

    checksum: str
    size: int
    newlines: int
    lone_cr: bool
    trailing_blank: int  # blank lines at the very end (they shift no row's line)
    first_line: bytes
    quotes: bool  # any '"' at all (without one no field can hold a line break)
    ends_with_newline: bool
    trim_free: bool  # no white space next to a delimiter, quote or line end: no value needs trimming


#: bytes that may start a white-space character (ASCII ones, and the lead bytes of U+0085 ... U+3000)
_WS_BYTES = np.zeros(256, bool)
_WS_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]] = True


#: bytes of look-ahead (and look-behind) a position needs: a white-space character is up to 3 bytes
LOOK = 4


def _touches_boundary(chunk: bytes, delim: int, lo: int = 0, hi: int | None = None) -> bool:
    """Conservatively: does any white-space byte at a position in ``lo:hi`` of ``chunk`` sit next to
    a field boundary (delimiter, quote, line break)? Then some value may need trimming. CR before
    LF is a line end. The bytes outside ``lo:hi`` are only context; the start and end of ``chunk``
    count as boundaries (they are the file's, when ``lo:hi`` reaches them)."""
    buf = np.frombuffer(chunk, np.uint8)
    hi = len(buf) if hi is None else hi
    if not len(buf) or hi <= lo:
        return False
    n = len(buf)
    bound = np.zeros(256, bool)
    bound[[delim, 34, 10, 13]] = True
    # Two sparse passes instead of a table look-up per byte: ASCII white space and line breaks are
    # bytes <= 32, the lead bytes of the other white-space characters are >= 0xC2.
    view = buf[lo:hi]
    # Without a quote no line break can be inside a value: line breaks need not be looked at (they
    # are most of the low bytes: one per line)
    quoted = b'"' in chunk
    low = np.flatnonzero((view <= 32) if quoted else (view <= 32) & (view != 10)) + lo
    high = np.flatnonzero(view >= 0xC2) + lo
    b_low = buf[low]
    crlf = (b_low == 13) & (buf[np.minimum(low + 1, n - 1)] == 10) & (low + 1 < n)
    # a line break is a boundary, not a value's white space (it counts when quoted, see below)
    ws1 = low[_WS_BYTES[b_low] & (b_low != 10) & ~crlf]
    b_high = buf[high]
    ws2, ws3 = high[b_high == 0xC2], high[(b_high >= 0xE1) & (b_high <= 0xE3)]
    pos = np.concatenate([ws1, ws2, ws3])
    if len(pos):
        width = np.concatenate([np.ones(len(ws1), np.int64), np.full(len(ws2), 2), np.full(len(ws3), 3)])
        before = bound[buf[np.maximum(pos - 1, 0)]] | (pos == 0)
        nxt = pos + width  # the byte after the character
        after = (nxt >= n) | bound[buf[np.minimum(nxt, n - 1)]]
        if (before | after).any():
            return True
    # a quoted value that starts with a line break (delimiter or line start, quote, CR or LF) or ends
    # with one (CR or LF, quote, delimiter or line end); a line that merely ends in a quoted value
    # (quote, LF) is neither
    brk = low[(b_low == 10) | (b_low == 13)]
    if not quoted or not len(brk):
        return False
    edge = np.zeros(256, bool)
    edge[[delim, 10, 13]] = True
    starts = (buf[np.maximum(brk - 1, 0)] == 34) & ((brk < 2) | edge[buf[np.maximum(brk - 2, 0)]])
    ends = (buf[np.minimum(brk + 1, n - 1)] == 34) & ((brk + 2 >= n) | edge[buf[np.minimum(brk + 2, n - 1)]])
    return bool((starts | ends).any())


def scan(path: Path, delim: str = ",") -> Scan:
    # The checksum is computed in a thread of its own (hashlib lets go of the GIL): alongside the
    # rest of the pass, which is NumPy's (counting bytes with NumPy is ~5x quicker than bytes.count)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="cxm-checksum") as hashing:
        return _scan(path, delim, hashing)


def _scan(path: Path, delim: str, hashing: Any) -> Scan:
    h = hashlib.sha256()
    newlines = cr = crlf = size = 0
    quotes = False
    trim_free = True
    prev_last = b""
    first = b""
    tail = b""
    hashed = None
    with path.open("rb") as f:
        chunk = f.read(CHUNK)
        while chunk:
            ahead = f.read(CHUNK)
            if hashed is not None:  # at most one chunk waits to be hashed (memory stays bounded)
                hashed.result()
            hashed = hashing.submit(h.update, chunk)
            if not first:
                first = chunk[: chunk.find(b"\n") + 1 if b"\n" in chunk else 65536]
            size += len(chunk)
            view = np.frombuffer(chunk, np.uint8)
            newlines += int(np.count_nonzero(view == 10))
            crs = int(np.count_nonzero(view == 13)) if b"\r" in chunk else 0
            cr += crs
            if crs or prev_last[-1:] == b"\r":  # most files have no CR at all: skip the slower 2-byte count
                crlf += chunk.count(b"\r\n") + (prev_last[-1:] == b"\r" and chunk[:1] == b"\n")
            quotes = quotes or b'"' in chunk
            if trim_free:  # a chunk's last LOOK bytes wait for the next chunk, to be seen with what follows
                window = prev_last + chunk
                lo = max(len(prev_last) - LOOK, 0)
                hi = len(window) - (LOOK if ahead else 0)
                trim_free = not _touches_boundary(window, ord(delim), lo, max(hi, lo))
            prev_last = (prev_last + chunk)[-2 * LOOK:]
            tail = (tail + chunk[-4096:])[-4096:]
            chunk = ahead
        if hashed is not None:
            hashed.result()
    body = tail.rstrip(b"\r\n")
    trailing = tail[len(body):].count(b"\n")
    return Scan(h.hexdigest(), size, newlines, cr != crlf, max(trailing - 1, 0), first, quotes,
                tail.endswith(b"\n"), trim_free)


# -- the plan: SQL of one file -----------------------------------------------------------------------
@dataclass
class Issue:
    seq: int  # the order of reasons within a line, as the general path reports them
    column: str | None
    template: str
    display: int | None  # index into the row's shown texts (``_x``) of the value a reason quotes
    flag: str | None = None  # a stored boolean column (conversion problems, found in the first pass)
    cond: str | None = None  # SQL over the stored typed values (checks, run on suspicious rows only)
    first: str | None = None  # the check as the first pass runs it (before Python-parsed values exist)


@dataclass
class Plan:
    l1: list[str] = field(default_factory=list)  # cleaned source texts x0, x1, ...
    #: named expressions computed once, in a level of their own, that values and flags share
    #: (DuckDB evaluates an expression written twice twice: a timestamp's value and its flag)
    helpers: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # canonical column -> SQL of its typed value
    flags: dict[str, str] = field(default_factory=dict)  # stored flag column -> SQL condition
    issues: list[Issue] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # the texts reasons quote (stored for suspicious rows)
    fallback: dict[str, tuple[str, int]] = field(default_factory=dict)  # column -> (its flag, index in _x)
    column_flags: dict[str, list[str]] = field(default_factory=dict)  # column -> its conversion flags


@dataclass
class Native:
    """A file read and validated in DuckDB, ready to be written."""

    sql: str  # the accepted rows: canonical columns (schema order) and _row
    rows_read: int
    rejected: int
    quarantine: pa.Table
    problems: list[dict[str, Any]]
    ignored: list[str]
    date_order: str | None
    checksum: str
    delimiter: str


def eligible(m: Mapping, encoding: str | None) -> bool:
    if m.transforms or m.id_from or (m.delimiter == WHITESPACE):
        return False
    return (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def import_csv(store: Store, t: schema.Table, m: Mapping, path: Path, *, zone: str, date_order: str | None,
               encoding: str | None, progress: Any = None) -> Native | None:
    """Read, convert and validate ``path`` in DuckDB; a :class:`Native` ready for
    :func:`cxmetrics.ingest.write.write`, or ``None`` when the file needs the general path."""
    import duckdb

    if not eligible(m, encoding):
        return None
    with path.open("rb") as f:
        head = f.read(1 << 16)
    if not head.strip() or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    # sampled as the general path does: over the whole file (after a byte-order mark)
    dialect = sniff(FileBytes(path, 3 if head.startswith(b"\xef\xbb\xbf") else 0)) if m.delimiter is None else None
    delim = m.delimiter or (dialect.delimiter if dialect else ",")
    if (dialect and dialect.header_delimiter) or delim == WHITESPACE or len(delim) != 1 or delim in '"\r\n':
        return None
    sc = scan(path, delim)
    if sc.lone_cr or not sc.first_line.strip():
        return None
    first = sc.first_line[3:] if sc.first_line.startswith(b"\xef\xbb\xbf") else sc.first_line
    try:
        header_text = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if header_text.count('"') % 2:  # a quoted line break in the header
        return None
    header = next(csv.reader(io.StringIO(header_text), delimiter=delim), [])
    names = check_names(header, path)
    if not 2 <= len(names) <= MAX_COLUMNS:  # one column: DuckDB reads a blank line as a row (the general
        return None  # path skips it); very many: the SQL would nest too deep. Both rare and small.
    try:  # an unusable header: the general path reports it (after reading the file, as it always does)
        sources = check_header(t, m, names, path)
    except ImportFailed:
        return None
    if progress:
        progress("reading", 0.1)
    con = store.raw
    columns = {n: f"c{i}" for i, n in enumerate(names)}
    keep = [n for n in names if n not in set(m.drop)]
    plan = _plan(t, m, sources, columns, zone=zone, trim=not sc.trim_free)
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns.values()) + "}"
    reader = (f"read_csv({lit(str(path))}, header=true, delim={lit(delim)}, quote='\"', escape='\"', "
              f"columns={spec}, auto_detect=false, strict_mode=true, null_padding=false, encoding='utf-8', "
              "max_line_size=8388608)")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cxm_t AS {_first_pass(plan, reader, keep, columns, sc)}")
    except duckdb.Error:  # any parser complaint: the general path reads the file and names the lines
        drop(con)
        return None
    try:
        return _finish(con, m, plan, sc, names, keep, sources, delim, zone=zone, date_order=date_order,
                       progress=progress)
    except BaseException:
        drop(con)
        raise


def drop(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_cxm_t", "_cxm_s", "_cxm_bad"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    for name in ("_cxm_fb", "_cxm_fbi"):
        con.unregister(name)


def _newlines_in(c: str) -> str:
    return f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)"


def _first_pass(plan: Plan, reader: str, keep: list[str], columns: dict[str, str], sc: Scan) -> str:
    """One streaming pass: number the rows, clean, convert, flag; keep texts of suspicious rows only."""
    raw = [columns[k] for k in keep]
    if sc.quotes and raw:
        has = " OR ".join(f"contains(coalesce({c}, ''), chr(10))" for c in raw)
        nl = f"(CASE WHEN {has} THEN {' + '.join(_newlines_in(c) for c in raw)} ELSE 0 END)"
    else:
        nl = "0"
    # No row number here: row_number() OVER () would run every expression above it on one thread.
    # The table this fills keeps the file's order (insertion order is preserved), so its rowid is the row.
    l1 = f"SELECT {', '.join([*raw, *plan.l1]) or 'NULL AS _none'}, {nl} AS _nl FROM {reader}"
    if plan.helpers:
        l1 = f"SELECT *, {', '.join(f'{v} AS {h}' for h, v in plan.helpers.items())} FROM ({l1})"
    typed = ", ".join(f"{v} AS {ident('v_' + c)}" for c, v in plan.values.items())
    flags = "".join(f", coalesce({cond}, false) AS {f}" for f, cond in plan.flags.items())
    l2 = f"SELECT *, {typed}{flags} FROM ({l1})"
    checks = [f"coalesce({i.first or i.cond}, false)" for i in plan.issues if i.cond is not None]
    susp = " OR ".join([*plan.flags, *checks]) or "false"
    l3 = f"SELECT *, ({susp}) AS _susp FROM ({l2})"
    stored = [ident("v_" + c) for c in plan.values] + list(plan.flags)
    texts = (f"CASE WHEN _susp THEN [{', '.join(plan.shown)}]::VARCHAR[] END AS _x" if plan.shown
             else "NULL::VARCHAR[] AS _x")
    orig = f"CASE WHEN _susp THEN [{', '.join(raw)}]::VARCHAR[] END AS _orig" if raw else "NULL::VARCHAR[] AS _orig"
    return f"SELECT {', '.join(stored)}, _nl, _susp, {texts}, {orig} FROM ({l3})"


def _finish(con: duckdb.DuckDBPyConnection, m: Mapping, plan: Plan, sc: Scan, names: list[str], keep: list[str],
            sources: dict[str, list[str]], delim: str, *, zone: str, date_order: str | None,
            progress: Any) -> Native | None:
    row = con.execute("SELECT count(*), coalesce(sum(_nl), 0) FROM _cxm_t").fetchone()
    n, embedded = (int(row[0]), int(row[1])) if row else (0, 0)
    # physical lines: every \n ends one, a last line without one still counts; blank lines at the end
    # move no row. Blank lines between rows: only the general path can number the rows after them.
    physical = sc.newlines + (0 if sc.ends_with_newline else 1) - sc.trailing_blank
    if physical != 1 + n + embedded:
        drop(con)
        return None
    if progress:
        progress("checking", 0.5)
    order = _fallback_stamps(con, plan, zone=zone, date_order=date_order)
    con.execute("CREATE OR REPLACE TEMP TABLE _cxm_s AS SELECT rowid AS _row, * FROM _cxm_t WHERE _susp")
    _bad_rows(con, plan)
    values = ", ".join(f"{ident('v_' + c)} AS {ident(c)}" for c in plan.values)
    accepted = (f"SELECT {values}, rowid AS _row FROM _cxm_t WHERE NOT _susp OR NOT EXISTS "
                "(SELECT 1 FROM _cxm_bad b WHERE b._row = _cxm_t.rowid)")
    quarantine, rejected, problems = _quarantine(con, plan, keep, embedded)
    used = {s for srcs in sources.values() for s in srcs}
    ignored = [h for h in names if h not in used and h not in set(m.drop)]
    label = f"{order} (detected)" if date_order is None and order else order
    return Native(accepted, n, rejected, quarantine, problems, ignored, label, sc.checksum, delim)


# -- conversion and checks -----------------------------------------------------------------------------
def clean(raw: str) -> str:
    """A source value as the general path reads it: trimmed of WS, empty as NULL."""
    return f"(CASE WHEN regexp_matches({raw}, {lit(NEEDS_TRIM)}) THEN nullif(trim({raw}, {lit(WS)}), '') ELSE {raw} END)"


def _plan(t: schema.Table, m: Mapping, sources: dict[str, list[str]], columns: dict[str, str], *,
          zone: str, trim: bool = True) -> Plan:
    plan = Plan()
    seq = 0

    def add(column: str | None, template: str, display: int | None, *, flag: str | None = None,
            cond: str | None = None, first: str | None = None) -> None:
        nonlocal seq
        plan.issues.append(Issue(seq, column, template, display, flag, cond, first))
        seq += 10

    def new_flag(cond: str) -> str:
        name = f"k{len(plan.flags)}"
        plan.flags[name] = cond
        return name

    def helper(sql: str) -> str:
        name = f"h{len(plan.helpers)}"
        plan.helpers[name] = sql
        return name

    texts: dict[str, str] = {}  # the text each canonical column is converted from (after a value map)
    shown: dict[str, int] = {}  # index into _x of the text a reason quotes (before the value map)
    cleaned: dict[str, str] = {}
    for c in t.columns:
        if c.name in m.constants:
            const = as_text(m.constants[c.name])
            texts[c.name] = "NULL::VARCHAR" if const is None else lit(const)
        elif c.name in sources:
            src = columns[sources[c.name][0]]
            if src not in cleaned:
                cleaned[src] = f"x{len(cleaned)}"
                plan.l1.append(f"{clean(src) if trim else src} AS {cleaned[src]}")
            texts[c.name] = cleaned[src]
        else:
            continue
        shown[c.name] = len(plan.shown)
        plan.shown.append(texts[c.name])
        if c.name in m.values:
            x = texts[c.name]
            cases = " ".join(f"WHEN {lit(k)} THEN {'NULL' if as_text(v) is None else lit(str(as_text(v)))}"
                             for k, v in m.values[c.name].items())
            texts[c.name] = f"(CASE lower({x}) {cases} ELSE {x} END)"
    for c in t.columns:
        if c.name not in texts:
            plan.values[c.name] = _default(c)
            continue
        x, disp = texts[c.name], shown[c.name]
        flags: list[str] = []
        if c.type == "timestamp":
            value = helper(_fast_stamp(x, zone))
            name = new_flag(f"{x} IS NOT NULL AND {value} IS NULL")  # parsed in Python, written back
            plan.fallback[c.name] = (name, disp)
            add(c.name, FALLBACK, disp, flag=name)
            conversions: list[tuple[str, str]] = []
        elif c.type == "float":
            xd = f"replace({x}, ',', '.')" if m.decimal == "," else x
            ok = helper(f"regexp_full_match({xd}, {lit(P.FLOAT_RE[1:-1])})")
            num = helper(f"TRY_CAST({xd} AS DOUBLE)")
            conversions = [(f"{x} IS NOT NULL AND NOT {ok}", "not a number: {value!r}"),
                           (f"{ok} AND NOT isfinite({num})", P.OUT_OF_RANGE)]
            value = f"(CASE WHEN {ok} AND isfinite({num}) THEN {num} END)"
        elif c.type == "int":
            ok = helper(f"regexp_full_match({x}, {lit(P.INT_RE[1:-1])})")
            digits = helper(f"regexp_replace({x}, '\\.0*$', '')")
            long = f"length(ltrim({digits}, '+-')) > 18"
            conversions = [(f"{x} IS NOT NULL AND NOT {ok}", "not a whole number: {value!r}"),
                           (f"{ok} AND {long}", "whole number out of range: {value!r} (at most 18 digits)")]
            value = f"(CASE WHEN {ok} AND NOT {long} THEN CAST({digits} AS BIGINT) END)"
        elif c.type == "bool":
            low = f"lower({x})"
            yes = helper(f"{low} IN ({', '.join(map(lit, P.TRUE_WORDS))})")
            no = helper(f"{low} IN ({', '.join(map(lit, P.FALSE_WORDS))})")
            conversions = [(f"{x} IS NOT NULL AND NOT {yes} AND NOT {no}",
                            "not a yes/no value: {value!r} (expected true/false, yes/no, y/n, 1/0)")]
            value = f"(CASE WHEN {yes} THEN true WHEN {no} THEN false END)"
        elif c.allowed:
            allowed = ", ".join(map(lit, c.allowed))
            norm = f"regexp_replace(lower({x}), {lit(P.LABEL_SEPARATORS)}, '_', 'g')"
            if P.normalise_label(pa.array(c.allowed)).to_pylist() == list(c.allowed):
                # a value written as allowed needs no normalising (the common case; a regular expression costs)
                norm = f"(CASE WHEN {x} IN ({allowed}) THEN {x} ELSE {norm} END)"
            norm = helper(norm)
            ok = f"{norm} IN ({allowed})"
            conversions = [(f"{x} IS NOT NULL AND NOT {ok}", f"{{value!r}} is not one of {', '.join(c.allowed)} "
                                                             f"(map it with [values.{c.name}] in a mapping file)")]
            value = f"(CASE WHEN {ok} THEN {norm} END)"
        else:
            conversions = []
            value = x
        for cond, template in conversions:
            name = new_flag(cond)
            flags.append(name)
            add(c.name, template, disp, flag=name)
        if c.default is not None:
            value = f"coalesce({value}, {_literal(c.default)})"
        plan.values[c.name] = value
        plan.column_flags[c.name] = flags
    # ranges and required values (schema order), then impossible orders, as the general path does;
    # these run on the stored typed values (after the Python-parsed timestamps are written back)
    v = {c: ident("v_" + c) for c in plan.values}
    for c in t.columns:
        if c.min is not None:
            add(c.name, f"{{value!r}} is below the minimum {c.min:g}", shown.get(c.name),
                cond=f"{v[c.name]} < {c.min!r}")
        if c.max is not None:
            add(c.name, f"{{value!r}} is above the maximum {c.max:g}", shown.get(c.name),
                cond=f"{v[c.name]} > {c.max!r}")
        if c.required:
            add(c.name, "required value is empty", None, cond=f"{v[c.name]} IS NULL AND NOT {_other(plan, c.name)}",
                first=f"{v[c.name]} IS NULL AND NOT {_other(plan, c.name, first=True)}")
    for later, earlier in ORDERED.get(t.name, []):
        add(later, f"{later} is before {earlier}", None, cond=f"{v[later]} < {v[earlier]}")
    if t.name == "survey_responses":
        s, lo, hi = v["score"], v["scale_min"], v["scale_max"]
        add("score", "score is outside scale_min..scale_max", None, cond=f"({s} < {lo} OR {s} > {hi})")
        add("scale_max", "scale_max is not above scale_min", None, cond=f"{hi} <= {lo}")
    return plan


def _other(plan: Plan, column: str, *, first: bool = False) -> str:
    """SQL: the column already has a conversion problem (then 'required value is empty' is not added).
    In the first pass a fallback timestamp counts as a problem (the row is suspicious either way);
    on the suspicious rows, only the Python parser's actual reasons do."""
    parts = list(plan.column_flags.get(column, []))
    if column in plan.fallback and first:
        parts.append(plan.fallback[column][0])
    elif column in plan.fallback:
        parts.append(f"({plan.fallback[column][0]} AND (_row IN (SELECT _row FROM _cxm_fbi "
                     f"WHERE col = {lit(column)})))")
    return "(" + (" OR ".join(parts) or "false") + ")"


def _fast_stamp(x: str, zone: str) -> str:
    aware = f"(TRY_CAST({x} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    naive = f"TRY_CAST({x} AS TIMESTAMP)"
    if zone != "UTC":
        naive = _wall_to_utc(naive, zone)
    year_ok = f"substr({x}, 1, 1) BETWEEN '1' AND '8'"  # years 1000-8999; the edges of time go to Python
    utc = f"TRY_CAST(left({x}, -1) AS TIMESTAMP)"  # ...Z: the same instant as the aware cast, 2-3x cheaper
    return (f"(CASE WHEN {year_ok} AND ends_with({x}, 'Z') AND regexp_full_match({x}, {lit(ISO_Z)}) THEN {utc} "
            f"WHEN {year_ok} AND regexp_full_match({x}, {lit(ISO_NAIVE)}) THEN {naive} "
            f"WHEN {year_ok} AND regexp_full_match({x}, {lit(ISO_AWARE)}) THEN {aware} END)")


def _wall_to_utc(ts: str, zone: str) -> str:
    """Wall-clock time in ``zone`` -> the UTC instant, as :func:`cxmetrics.ingest.parse.to_utc` does:
    a time that happens twice is its first occurrence (DuckDB picks the later one), a time in a gap
    keeps the offset before the change (as DuckDB does)."""
    z = lit(zone)
    later = f"(timezone({z}, {ts}) AT TIME ZONE 'UTC')"
    cases = " ".join(
        f"WHEN timezone({z}, timezone('UTC', {later} - INTERVAL {s} MINUTE)) = {ts} "
        f"THEN {later} - INTERVAL {s} MINUTE" for s in _DST_SHIFTS)
    return f"(CASE {cases} ELSE {later} END)"


def _fallback_stamps(con: duckdb.DuckDBPyConnection, plan: Plan, *, zone: str, date_order: str | None) -> str | None:
    """Parse the timestamps the fast forms missed with the general path's code; write them back."""
    pending = {}
    for name, (flag, idx) in plan.fallback.items():
        tbl = con.execute(f"SELECT rowid AS _row, _x[{idx + 1}] AS x FROM _cxm_t WHERE {flag}").to_arrow_table()
        if tbl.num_rows:
            pending[name] = tbl
    evidence = P.OrderEvidence()
    order = date_order
    if order is None:  # ISO values prove no order, so the values parsed here are all the evidence
        for tbl in pending.values():
            evidence.add(P.order_evidence(tbl.column("x").combine_chunks()))
        order = evidence.decide()
    rows_, cols_, vals_ = [], [], []
    irows, icols, itpl = [], [], []
    for name, tbl in pending.items():
        rows = tbl.column("_row").to_numpy()
        st = P.parse_stamps(tbl.column("x").combine_chunks(), date_order=order, mixed_orders=evidence)
        utc, out = P.to_utc_checked(st, zone)
        rows_.append(rows)
        cols_ += [name] * len(rows)
        vals_.append(utc)
        for k, (mask_, template) in enumerate([*st.issues, *out]):
            hit = np.flatnonzero(np.asarray(mask_, bool))
            irows.append(rows[hit])
            icols += [name] * len(hit)
            itpl += [f"{k:03d}{template}"] * len(hit)
    fb = pa.table({"_row": pa.array(np.concatenate(rows_) if rows_ else [], pa.int64()),
                   "col": pa.array(cols_, pa.string()),
                   "v": pa.array(np.concatenate(vals_) if vals_ else [], pa.timestamp("us"))})
    fbi = pa.table({"_row": pa.array(np.concatenate(irows) if irows else [], pa.int64()),
                    "col": pa.array(icols, pa.string()), "t": pa.array(itpl, pa.string())})
    con.register("_cxm_fb", fb)
    con.register("_cxm_fbi", fbi)
    for name in pending:
        col = ident("v_" + name)
        con.execute(f"UPDATE _cxm_t SET {col} = fb.v FROM (SELECT _row, v FROM _cxm_fb WHERE col = {lit(name)}) fb "
                    "WHERE _cxm_t.rowid = fb._row")
    return order


def _bad_rows(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """_cxm_bad: one row per (row, problem) among the suspicious rows, with the quoted text."""
    parts = []
    for i in plan.issues:
        d = f"_x[{i.display + 1}]" if i.display is not None else "NULL::VARCHAR"
        if i.template == FALLBACK:
            parts.append(f"SELECT s._row, {i.seq} AS seq, {d} AS d, f.t FROM _cxm_s s JOIN (SELECT _row, "
                         f"string_agg(t, chr(1) ORDER BY t) AS t FROM _cxm_fbi WHERE col = {lit(str(i.column))} "
                         "GROUP BY _row) f USING (_row)")
        else:
            cond = i.flag if i.flag is not None else f"coalesce({i.cond}, false)"
            parts.append(f"SELECT _row, {i.seq} AS seq, {d} AS d, NULL::VARCHAR AS t FROM _cxm_s WHERE {cond}")
    con.execute("CREATE OR REPLACE TEMP TABLE _cxm_bad AS " + (
        " UNION ALL ".join(parts) or "SELECT 0::BIGINT AS _row, 0 AS seq, NULL::VARCHAR AS d, NULL::VARCHAR AS t "
                                     "WHERE false"))


def _default(c: schema.Column) -> str:
    sql = schema.SQL_TYPES[c.type]
    return f"NULL::{sql}" if c.default is None else f"{_literal(c.default)}::{sql}"


def _literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return lit(str(v))


# -- the quarantine --------------------------------------------------------------------------------
def _short(v: Any) -> str:
    s = "" if v is None else str(v)
    return s if len(s) <= VALUE_WIDTH else s[: VALUE_WIDTH - 1] + "…"


def _quarantine(con: duckdb.DuckDBPyConnection, plan: Plan, keep: list[str],
                embedded: int) -> tuple[pa.Table, int, list[dict[str, Any]]]:
    row = con.execute("SELECT count(DISTINCT _row) FROM _cxm_bad").fetchone()
    rejected = int(row[0]) if row else 0
    if not rejected:
        return QUARANTINE_SCHEMA.empty_table(), 0, []
    by_seq = {i.seq: i for i in plan.issues}
    # lines: the header is line 1; rows follow, shifted by the line breaks inside earlier rows' fields
    if embedded:
        shift = ("SELECT _row, s FROM (SELECT rowid AS _row, sum(_nl) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING "
                 "AND 1 PRECEDING) AS s FROM _cxm_t) WHERE _row IN (SELECT _row FROM _cxm_bad)")
        line, join = "2 + b._row + coalesce(sh.s, 0)", f"LEFT JOIN ({shift}) sh USING (_row)"
    else:
        line, join = "2 + b._row", ""
    sql = (f"SELECT b._row, {line} AS line, b.seq, b.d, b.t, list_transform(r._orig, x -> coalesce(x, '')) AS raw "
           f"FROM _cxm_bad b JOIN _cxm_s r USING (_row) {join} ORDER BY line, b.seq")
    got = con.execute(sql).to_arrow_table().to_pydict()
    lines, cols, reasons, raws = [], [], [], []
    raw_cache: dict[int, str] = {}
    for r, ln, seq, d, extra, raw in zip(got["_row"], got["line"], got["seq"], got["d"], got["t"], got["raw"],
                                         strict=True):
        issue = by_seq[seq]
        if r not in raw_cache:
            raw_cache[r] = json.dumps(dict(zip(keep, raw or [], strict=False)), ensure_ascii=False)
        templates = [x[3:] for x in extra.split("\x01")] if issue.template == FALLBACK else [issue.template]
        for template in templates:  # the Python parser's reasons come in its own order
            lines.append(ln)
            cols.append(issue.column)
            reasons.append(template.format(value=_short(d)) if "{value" in template
                           else template.replace("{value!r}", "").replace("{value}", ""))
            raws.append(raw_cache[r])
    q = pa.Table.from_arrays([pa.array(lines, pa.int64()), pa.array(cols, pa.string()),
                              pa.array(reasons, pa.string()), pa.array(raws, pa.string())], schema=QUARANTINE_SCHEMA)
    head = q.slice(0, 50).select(["line", "column", "reason"]).to_pylist()
    return q, rejected, head
