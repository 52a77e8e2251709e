"""CSV import at the engine's speed: DuckDB reads, converts and validates; Python only sees the exceptions.

The file is read by DuckDB's parallel CSV reader (every column as text, in file order)
into a temporary table; conversion to the canonical types, every validation and the
quarantine are SQL over that table; accepted rows go to the upsert of
:mod:`cxmetrics.ingest.write` as one ``SELECT``. Values the SQL fast forms do not cover
(timestamps other than strict ISO 8601) are parsed by the same Python code as every other
import (:mod:`cxmetrics.ingest.parse`) and joined back by row. Reasons are formatted in Python
for the quarantined rows only.

This path gives exactly the result of the general path (:mod:`cxmetrics.ingest.validate` over
:mod:`cxmetrics.ingest.csvfile`); a test compares both over the fuzz corpus. It only takes
files it can follow exactly, and returns ``None`` otherwise (the caller then uses the general
path): UTF-8 text in one delimiter with the standard quoting, every row with the header's
number of fields, no blank lines between rows (physical line numbers follow from the row
number and the line breaks inside quoted fields), a mapping without transforms or computed
ids. Anything DuckDB refuses to parse in strict mode also goes to the general path, which
quarantines the offending lines with their reasons.
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

from cxmetrics.ingest import parse as P
from cxmetrics.ingest.csvfile import WHITESPACE, sniff
from cxmetrics.ingest.mapping import Mapping, _as_text, resolve_sources
from cxmetrics.ingest.rawtable import check_names
from cxmetrics.ingest.validate import ORDERED, VALUE_WIDTH, missing_required
from cxmetrics.model import schema

if TYPE_CHECKING:
    import duckdb

    from cxmetrics.store import Store

#: the characters Arrow's utf8_trim_whitespace removes (the general path trims with it)
WS = "".join(map(chr, (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                       0x2028, 0x2029, 0x202F, 0x205F, 0x3000)))
CHUNK = 8 << 20
MAX_COLUMNS = 200
#: ISO 8601 forms DuckDB converts exactly as the general path does; anything else goes to Python
_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
ISO_NAIVE = f"{_DATE}(?:{_TIME})?"
ISO_AWARE = f"{_DATE}{_TIME}(?:Z|[+-](?:0\\d|1[0-3]):?[0-5]\\d|[+-]14:?00)"
#: the template of "the reasons the Python parser gave" (they travel with the row)
FALLBACK = "\x00fallback"
#: DST shifts to try when a wall time happens twice (DuckDB picks the later instant, we the first)
_DST_SHIFTS = (60, 30, 120)


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@dataclass
class Scan:
    """One pass over the bytes: the checksum and what the line structure needs."""

    checksum: str
    size: int
    newlines: int
    lone_cr: bool
    trailing_blank: int  # blank lines at the very end (they shift no row's line)
    first_line: bytes


def scan(path: Path) -> Scan:
    h = hashlib.sha256()
    newlines = cr = crlf = size = 0
    prev_last = b""
    first = b""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            if not first:
                first = chunk[: chunk.find(b"\n") + 1 if b"\n" in chunk else 65536]
            size += len(chunk)
            newlines += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n") + (prev_last == b"\r" and chunk[:1] == b"\n")
            prev_last = chunk[-1:]
            tail = (tail + chunk)[-4096:]
    body = tail.rstrip(b"\r\n")
    trailing = tail[len(body):].count(b"\n")
    return Scan(h.hexdigest(), size, newlines, cr != crlf, max(trailing - 1, 0), first)


@dataclass
class Issue:
    seq: int
    column: str | None
    cond: str  # SQL: the rows with this problem
    template: str
    display: str | None  # SQL text of the value shown in the reason


@dataclass
class Plan:
    values: dict[str, str] = field(default_factory=dict)  # canonical column -> SQL of its typed value
    issues: list[Issue] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    fallback: set[str] = field(default_factory=set)  # timestamp columns with values parsed in Python


def eligible(m: Mapping, encoding: str | None) -> bool:
    if m.transforms or m.id_from or (m.delimiter == WHITESPACE):
        return False
    return (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def import_csv(store: Store, t: schema.Table, m: Mapping, path: Path, *, zone: str, date_order: str | None,
               encoding: str | None, progress: Any = None) -> Any | None:
    """Read, convert and validate ``path`` in DuckDB; returns a :class:`Native` (ready for
    :func:`cxmetrics.ingest.write.write`) or ``None`` when the file needs the general path."""
    if not eligible(m, encoding):
        return None
    sc = scan(path)
    if sc.lone_cr or sc.first_line[:2] in (b"\xff\xfe", b"\xfe\xff") or not sc.first_line.strip():
        return None
    first = sc.first_line
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    try:
        header_text = first.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if header_text.count('"') % 2:  # a quoted line break in the header
        return None
    with path.open("rb") as f:
        head = f.read(min(sc.size, 4 << 20))
    dialect = sniff(head) if m.delimiter is None else None
    delim = m.delimiter or (dialect.delimiter if dialect else ",")
    if (dialect and dialect.header_delimiter) or delim == WHITESPACE or len(delim) != 1 or delim in '"\r\n':
        return None
    header = next(csv.reader(io.StringIO(header_text), delimiter=delim), [])
    names = check_names(header, path)
    if len(names) < 2:  # DuckDB reads a blank line of a one-column file as a row; the general path skips it
        return None
    if len(names) > MAX_COLUMNS:  # the SQL would nest too deep; such exports are rare and small
        return None
    if progress:
        progress("reading", 0.1)
    import duckdb

    con = store.raw
    columns = {n: f"c{i}" for i, n in enumerate(names)}
    spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns.values()) + "}"
    dropped = set(m.drop)
    keep = [n for n in names if n not in dropped]
    kept = [columns[n] for n in keep]
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _cxm_raw AS SELECT row_number() OVER () - 1 AS _row, {_cleaned(kept)} "
            f"FROM read_csv({lit(str(path))}, header=true, "
            f"delim={lit(delim)}, quote='\"', escape='\"', columns={spec}, auto_detect=false, strict_mode=true, "
            "null_padding=false, encoding='utf-8', max_line_size=8388608)")
    except duckdb.Error:  # any parser complaint: the general path reads the file and names the lines
        drop(con)
        return None
    try:
        return _prepare(con, t, m, path, sc, names, keep, columns, delim, zone=zone, date_order=date_order,
                        progress=progress)
    except BaseException:
        drop(con)
        raise


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _cxm_raw")
    con.execute("DROP TABLE IF EXISTS _cxm_bad")
    for name in ("_cxm_fb", "_cxm_fbi"):
        con.unregister(name)


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


def _prepare(con: duckdb.DuckDBPyConnection, t: schema.Table, m: Mapping, path: Path, sc: Scan, names: list[str],
             keep: list[str], columns: dict[str, str], delim: str, *, zone: str, date_order: str | None,
             progress: Any) -> Native | None:
    n = int(con.execute("SELECT count(*) FROM _cxm_raw").fetchone()[0])  # type: ignore[index]
    # physical lines: every \n ends one; a last line without \n still counts
    with path.open("rb") as f:
        f.seek(max(sc.size - 1, 0))
        ends_nl = f.read(1) == b"\n"
    physical = sc.newlines + (0 if ends_nl else 1) - sc.trailing_blank
    embedded = 0
    if physical != 1 + n and keep:
        embedded = int(con.execute(f"SELECT coalesce(sum({breaks([columns[k] for k in keep])}), 0) "
                                   "FROM _cxm_raw").fetchone()[0])  # type: ignore[index]
        if physical != 1 + n + embedded:  # blank lines between rows: only the general path can number them
            drop(con)
            return None
    sources = resolve_sources(m, t, names)
    missing_required(t, set(sources) | set(m.constants), names, m)
    raw_of = {k: columns[k] for k in keep}
    plan, order = _plan(con, t, m, sources, raw_of, zone=zone, date_order=date_order)
    if progress:
        progress("checking", 0.5)
    joins = " ".join(plan.joins)
    base = (f"SELECT {', '.join(f'{v} AS {ident(c)}' for c, v in plan.values.items())}, _cxm_raw._row AS _row "
            f"FROM _cxm_raw {joins}")
    # the rejected rows and their problems: one pass in SQL; only those rows come to Python
    union = " UNION ALL ".join(
        f"SELECT _cxm_raw._row AS _row, {i.seq} AS seq, "
        f"{('CAST(' + i.display + ' AS VARCHAR)') if i.display else 'NULL::VARCHAR'} AS d, "
        f"{('_fbi_' + str(i.column) + '.t') if i.template == FALLBACK else 'NULL::VARCHAR'} AS t "
        f"FROM _cxm_raw {joins} WHERE coalesce({i.cond}, false)" for i in plan.issues)
    con.execute("CREATE OR REPLACE TEMP TABLE _cxm_bad AS " + (
        union or "SELECT 0::BIGINT AS _row, 0 AS seq, NULL::VARCHAR AS d, NULL::VARCHAR AS t WHERE false"))
    accepted = f"SELECT * FROM ({base}) a WHERE NOT EXISTS (SELECT 1 FROM _cxm_bad b WHERE b._row = a._row)"
    quarantine, rejected, problems = _quarantine(con, plan, keep, columns, sc, n, embedded)
    used_src = {s for srcs in sources.values() for s in srcs}
    ignored = [h for h in names if h not in used_src and h not in set(m.drop)]
    label = f"{order} (detected)" if date_order is None and order else order
    return Native(accepted, n, rejected, quarantine, problems, ignored, label, sc.checksum, delim)


# -- conversion and checks -----------------------------------------------------------------------------
#: a value that starts or ends with one of the WS characters (a cheap test; trim(x, WS) is not cheap)
_WS_CLASS = r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
NEEDS_TRIM = f"^{_WS_CLASS}|{_WS_CLASS}$"


def clean(raw: str) -> str:
    """A source value as the general path reads it: trimmed of WS, empty as NULL."""
    return f"(CASE WHEN regexp_matches({raw}, {lit(NEEDS_TRIM)}) THEN nullif(trim({raw}, {lit(WS)}), '') ELSE {raw} END)"


def breaks(kept: list[str]) -> str:
    """SQL: the line breaks inside a row's fields (from its original texts)."""
    nl = "coalesce(length({0}) - length(replace({0}, chr(10), '')), 0)"
    stored = " + ".join(nl.format(c) for c in kept)
    return (f"(CASE WHEN _orig IS NULL THEN {stored} "
            f"ELSE list_sum(list_transform(_orig, x -> {nl.format('x')})) END)")


def _cleaned(kept: list[str]) -> str:
    """The stored columns: cleaned values, plus ``_orig``, the row's original texts where any of them
    changed (the quarantine's raw JSON shows what the file holds)."""
    if not kept:
        return "NULL::VARCHAR[] AS _orig"
    dirty = " OR ".join(f"coalesce(regexp_matches({c}, {lit(NEEDS_TRIM)}), false)" for c in kept)
    return ", ".join(f"{clean(c)} AS {c}" for c in kept) + f", CASE WHEN {dirty} THEN [{', '.join(kept)}] END AS _orig"


def _plan(con: duckdb.DuckDBPyConnection, t: schema.Table, m: Mapping, sources: dict[str, list[str]],
          raw_of: dict[str, str], *, zone: str, date_order: str | None) -> tuple[Plan, str | None]:
    plan = Plan()
    seq = 0

    def add(column: str | None, cond: str, template: str, display: str | None) -> None:
        nonlocal seq
        plan.issues.append(Issue(seq, column, cond, template, display))
        seq += 10

    texts: dict[str, str] = {}
    shown: dict[str, str] = {}  # what a reason quotes: the source text before any value map
    for c in t.columns:
        if c.name in m.constants:
            const = _as_text(m.constants[c.name])
            texts[c.name] = shown[c.name] = "NULL::VARCHAR" if const is None else lit(const)
        elif c.name in sources:
            texts[c.name] = shown[c.name] = raw_of[sources[c.name][0]]
        if c.name in texts and c.name in m.values:
            vmap = m.values[c.name]
            cases = " ".join(f"WHEN {lit(k)} THEN {'NULL' if _as_text(v) is None else lit(str(_as_text(v)))}"
                             for k, v in vmap.items())
            texts[c.name] = f"(CASE lower({texts[c.name]}) {cases} ELSE {texts[c.name]} END)"
    # timestamps the fast forms do not cover: parsed in Python, with the file's date order
    fast = {c.name: _fast_stamp(texts[c.name], zone) for c in t.columns if c.type == "timestamp" and c.name in texts}
    order = _fallback_stamps(con, plan, fast, texts, zone=zone, date_order=date_order)
    bad_cols: dict[str, list[str]] = {}
    for c in t.columns:
        if c.name not in texts:
            plan.values[c.name] = _default(c)
            continue
        x = texts[c.name]
        display = shown[c.name]
        conds: list[str] = []

        def issue(cond: str, template: str, col: str = c.name, disp: str | None = display,
                  into: list[str] = conds) -> None:
            add(col, cond, template, disp)
            into.append(f"coalesce({cond}, false)")

        if c.type == "timestamp":
            f = fast[c.name]
            if c.name in plan.fallback:
                value = f"coalesce({f}, _fb_{c.name}.v)"
                issue(f"_fbi_{c.name}.t IS NOT NULL", FALLBACK)
            else:
                value = f
        elif c.type == "float":
            ok = f"regexp_full_match({x}, {lit(P._FLOAT_RE[1:-1])})"
            num = f"TRY_CAST({x} AS DOUBLE)"
            if m.decimal == ",":
                xd = f"replace({x}, ',', '.')"
                ok = f"regexp_full_match({xd}, {lit(P._FLOAT_RE[1:-1])})"
                num = f"TRY_CAST({xd} AS DOUBLE)"
            issue(f"{x} IS NOT NULL AND NOT {ok}", "not a number: {value!r}")
            issue(f"{ok} AND NOT isfinite({num})", P.OUT_OF_RANGE)
            value = f"(CASE WHEN {ok} AND isfinite({num}) THEN {num} END)"
        elif c.type == "int":
            ok = f"regexp_full_match({x}, {lit(P._INT_RE[1:-1])})"
            digits = f"regexp_replace({x}, '\\.0*$', '')"
            long = f"length(ltrim({digits}, '+-')) > 18"
            issue(f"{x} IS NOT NULL AND NOT {ok}", "not a whole number: {value!r}")
            issue(f"{ok} AND {long}", "whole number out of range: {value!r} (at most 18 digits)")
            value = f"(CASE WHEN {ok} AND NOT {long} THEN CAST({digits} AS BIGINT) END)"
        elif c.type == "bool":
            low = f"lower({x})"
            yes = f"{low} IN ({', '.join(map(lit, P.TRUE_WORDS))})"
            no = f"{low} IN ({', '.join(map(lit, P.FALSE_WORDS))})"
            issue(f"{x} IS NOT NULL AND NOT {yes} AND NOT {no}",
                  "not a yes/no value: {value!r} (expected true/false, yes/no, y/n, 1/0)")
            value = f"(CASE WHEN {yes} THEN true WHEN {no} THEN false END)"
        elif c.allowed:
            norm = f"regexp_replace(lower({x}), '[\\s\\-]+', '_', 'g')"
            ok = f"{norm} IN ({', '.join(map(lit, c.allowed))})"
            issue(f"{x} IS NOT NULL AND NOT {ok}", f"{{value!r}} is not one of {', '.join(c.allowed)} "
                                                   f"(map it with [values.{c.name}] in a mapping file)")
            value = f"(CASE WHEN {ok} THEN {norm} END)"
        else:
            value = x
        if c.default is not None:
            value = f"coalesce({value}, {_literal(c.default)})"
        plan.values[c.name] = value
        bad_cols[c.name] = conds
    # ranges and required values (schema order), then impossible orders, as the general path does
    for c in t.columns:
        v = plan.values[c.name]
        if c.min is not None:
            add(c.name, f"{v} < {c.min!r}", f"{{value!r}} is below the minimum {c.min:g}", shown.get(c.name))
        if c.max is not None:
            add(c.name, f"{v} > {c.max!r}", f"{{value!r}} is above the maximum {c.max:g}", shown.get(c.name))
        if c.required:
            other = " OR ".join(bad_cols.get(c.name, [])) or "false"
            add(c.name, f"{v} IS NULL AND NOT ({other})", "required value is empty", None)
    for later, earlier in ORDERED.get(t.name, []):
        add(later, f"{plan.values[later]} < {plan.values[earlier]}", f"{later} is before {earlier}", None)
    if t.name == "survey_responses":
        s, lo, hi = (plan.values[k] for k in ("score", "scale_min", "scale_max"))
        add("score", f"({s} < {lo} OR {s} > {hi})", "score is outside scale_min..scale_max", None)
        add("scale_max", f"{hi} <= {lo}", "scale_max is not above scale_min", None)
    return plan, order


def _fast_stamp(x: str, zone: str) -> str:
    aware = f"(TRY_CAST({x} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    naive = f"TRY_CAST({x} AS TIMESTAMP)"
    if zone != "UTC":
        naive = _wall_to_utc(naive, zone)
    year_ok = f"substr({x}, 1, 1) BETWEEN '1' AND '8'"  # years 1000-8999; the edges of time go to Python
    return (f"(CASE WHEN {year_ok} AND regexp_full_match({x}, {lit(ISO_NAIVE)}) THEN {naive} "
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


def _fallback_stamps(con: duckdb.DuckDBPyConnection, plan: Plan, fast: dict[str, str], texts: dict[str, str], *,
                     zone: str, date_order: str | None) -> str | None:
    """Parse the timestamps the fast forms missed with the general path's code; join them back."""
    pending = {}
    for name, f in fast.items():
        x = texts[name]
        tbl = con.execute(f"SELECT _row, {x} AS x FROM _cxm_raw WHERE {x} IS NOT NULL AND {f} IS NULL").to_arrow_table()
        if tbl.num_rows:
            pending[name] = tbl
    evidence = P.OrderEvidence()
    order = date_order
    if order is None:
        for tbl in pending.values():
            evidence.add(P.order_evidence(tbl.column("x").combine_chunks()))
        order = evidence.decide()
    vals_rows, vals_cols, vals_v = [], [], []
    iss_rows, iss_cols, iss_t = [], [], []
    for name, tbl in pending.items():
        rows = tbl.column("_row").to_numpy()
        st = P.parse_stamps(tbl.column("x").combine_chunks(), date_order=order, mixed_orders=evidence)
        utc, out = P.to_utc_checked(st, zone)
        vals_rows.append(rows)
        vals_cols += [name] * len(rows)
        vals_v.append(utc)
        for k, (mask_, template) in enumerate([*st.issues, *out]):
            idx = np.flatnonzero(np.asarray(mask_, bool))
            iss_rows.append(rows[idx])
            iss_cols += [name] * len(idx)
            iss_t += [f"{k:03d}{template}"] * len(idx)
    if not pending:
        return order
    fb = pa.table({"_row": np.concatenate(vals_rows), "col": pa.array(vals_cols, pa.string()),
                   "v": pa.array(np.concatenate(vals_v), pa.timestamp("us"))})
    fbi = pa.table({"_row": pa.array(np.concatenate(iss_rows) if iss_rows else [], pa.int64()),
                    "col": pa.array(iss_cols, pa.string()), "t": pa.array(iss_t, pa.string())})
    con.register("_cxm_fb", fb)
    con.register("_cxm_fbi", fbi)
    for name in pending:
        plan.fallback.add(name)
        plan.joins.append(f"LEFT JOIN (SELECT _row, v FROM _cxm_fb WHERE col = {lit(name)}) _fb_{name} "
                          f"USING (_row)")
        plan.joins.append(f"LEFT JOIN (SELECT _row, string_agg(t, chr(1) ORDER BY t) AS t FROM _cxm_fbi "
                          f"WHERE col = {lit(name)} GROUP BY _row) _fbi_{name} USING (_row)")
    return order


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


QUARANTINE_SCHEMA = pa.schema([("line", pa.int64()), ("column", pa.string()), ("reason", pa.string()),
                               ("raw", pa.string())])


def _quarantine(con: duckdb.DuckDBPyConnection, plan: Plan, keep: list[str], columns: dict[str, str], sc: Scan,
                n: int, embedded: int) -> tuple[pa.Table, int, list[dict[str, Any]]]:
    rejected = int(con.execute("SELECT count(DISTINCT _row) FROM _cxm_bad").fetchone()[0])  # type: ignore[index]
    if not rejected:
        return QUARANTINE_SCHEMA.empty_table(), 0, []
    by_seq = {i.seq: i for i in plan.issues}
    # lines: the header is line 1; rows follow, shifted by the line breaks inside earlier rows' fields
    if embedded:
        shift = (f"SELECT _row, sum({breaks([columns[k] for k in keep])}) OVER (ORDER BY _row ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
                 " AS s FROM _cxm_raw")
        line = "2 + b._row + coalesce(sh.s, 0)"
        join = f"LEFT JOIN ({shift}) sh USING (_row)"
    else:
        line, join = "2 + b._row", ""
    raw = f"list_transform(coalesce(r._orig, [{', '.join(f'r.{columns[k]}' for k in keep)}]), x -> coalesce(x, ''))"
    sql = (f"SELECT b._row, {line} AS line, b.seq, b.d, b.t, {raw} AS raw FROM _cxm_bad b "
           f"JOIN _cxm_raw r USING (_row) {join} ORDER BY line, b.seq")
    got = con.execute(sql).to_arrow_table().to_pydict()
    lines, cols, reasons, raws = [], [], [], []
    raw_cache: dict[int, str] = {}
    for row, ln, seq, d, extra, raw in zip(got["_row"], got["line"], got["seq"], got["d"], got["t"], got["raw"],
                                           strict=True):
        issue = by_seq[seq]
        if row not in raw_cache:
            raw_cache[row] = json.dumps(dict(zip(keep, raw, strict=True)), ensure_ascii=False)
        templates = [t[3:] for t in extra.split("\x01")] if issue.template == FALLBACK else [issue.template]
        for template in templates:  # the Python parser's reasons come in its own order
            lines.append(ln)
            cols.append(issue.column)
            reasons.append(template.format(value=_short(d)) if "{value" in template
                           else template.replace("{value!r}", "").replace("{value}", ""))
            raws.append(raw_cache[row])
    q = pa.Table.from_arrays([pa.array(lines, pa.int64()), pa.array(cols, pa.string()),
                              pa.array(reasons, pa.string()), pa.array(raws, pa.string())], schema=QUARANTINE_SCHEMA)
    head = q.slice(0, 50).select(["line", "column", "reason"]).to_pylist()
    return q, rejected, head
