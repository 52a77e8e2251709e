"""Reading files into columns of text, with the physical line of every row.

CSV goes through PyArrow's multi-threaded parser; the line numbers come from one
quote-aware NumPy scan of the bytes (a newline ends a record when an even number of
quote characters precedes it), checked against what the parser saw. Files whose
quoting that scan cannot follow (stray quotes inside unquoted fields together with
quoted line breaks) fall back to Python's csv module: slower, same result.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed

FORMATS = ("auto", "csv", "json", "jsonl", "parquet", "xlsx")
DELIMITERS = (",", ";", "\t", "|")
_EXT = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
        ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}

Progress = Callable[[str, float], None]


@dataclass
class BadRecord:
    line: int
    reason: str
    raw: str  # JSON


@dataclass
class RawTable:
    """A file as columns (text, or typed where the format has types) plus where each row came from."""

    columns: dict[str, pa.Array]
    lines: np.ndarray  # int64, one per row
    fmt: str
    checksum: str
    bad: list[BadRecord] = field(default_factory=list)
    excel: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def n(self) -> int:
        return len(self.lines)

    @property
    def header(self) -> list[str]:
        return list(self.columns)


def detect_format(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    f = _EXT.get(path.suffix.lower())
    if f:
        return f
    head = path.open("rb").read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK"):
        return "xlsx"
    return "csv"


def read(path: Path, fmt: str = "auto", *, encoding: str | None = None, delimiter: str | None = None,
         sheet: str | None = None, table: str | None = None, progress: Progress | None = None) -> RawTable:
    """Read ``path`` in ``fmt``; raises :class:`ImportFailed` when the file cannot be read at all."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    if path.is_dir():
        raise ImportFailed(f"{path}: is a directory, not a file")
    fmt = detect_format(path, fmt)
    try:
        if fmt == "csv":
            return read_csv(path, encoding=encoding, delimiter=delimiter, progress=progress)
        if fmt in ("json", "jsonl"):
            return read_json(path, fmt, encoding=encoding, table=table)
        if fmt == "parquet":
            return read_parquet(path)
        if fmt == "xlsx":
            return read_xlsx(path, sheet=sheet)
    except ImportFailed:
        raise
    except (OSError, pa.ArrowException, ValueError, KeyError, EOFError) as e:
        raise ImportFailed(f"{path}: cannot read as {fmt}: {_short(e)}") from None
    raise ImportFailed(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})", code=2)


def _short(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- text decoding ---------------------------------------------------------------
def decode(data: bytes, encoding: str | None, path: Path) -> tuple[bytes, str]:
    """Return UTF-8 bytes without BOM and the encoding used; a bad byte is an error naming its line."""
    enc = (encoding or "").lower().replace("_", "-")
    if enc in ("", "utf-8", "utf8", "utf-8-sig"):
        if not encoding and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return _transcode(data, "utf-16", path), "utf-16"
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                line = data.count(b"\n", 0, e.start) + 1
                raise ImportFailed(
                    f"{path}: line {line} is not valid UTF-8 (byte 0x{data[e.start]:02x}); "
                    "if the file is in another encoding, give --encoding (e.g. cp1252, shift_jis, latin-1)"
                ) from None
        return data, "utf-8"
    return _transcode(data, encoding or enc, path), encoding or enc


def _transcode(data: bytes, encoding: str, path: Path) -> bytes:
    try:
        text = data.decode(encoding)
    except LookupError:
        raise ImportFailed(f"unknown encoding {encoding!r}", code=2) from None
    except UnicodeDecodeError as e:
        line = data[: e.start].decode(encoding, errors="replace").count("\n") + 1
        raise ImportFailed(
            f"{path}: line {line} is not valid {encoding} (byte 0x{data[e.start]:02x}); check --encoding"
        ) from None
    return text.lstrip("\ufeff").encode("utf-8")


# -- CSV -----------------------------------------------------------------------------
def sniff_delimiter(sample: str) -> str:
    """The candidate giving the most consistent field count (>1) over the first lines."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and len(sample) >= 65536:
        lines = lines[:-1]  # the last line of a sample may be cut
    text = "".join(lines[:200])
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if score > best_score:
            best, best_score = d, score
    return best


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = raw.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             progress: Progress | None = None) -> RawTable:
    raw = path.read_bytes()
    checksum = hashlib.sha256(raw).hexdigest()
    data, enc = decode(raw, encoding, path)
    del raw
    if not data.strip():
        raise ImportFailed(f"{path}: the file is empty (no header line)")
    if progress:
        progress("reading", 0.1)
    delim = delimiter or sniff_delimiter(data[:65536].decode("utf-8", errors="replace"))
    if len(delim) != 1:
        raise ImportFailed(f"delimiter must be one character, got {delim!r}", code=2)
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34)
    ends = nl[(np.searchsorted(quotes, nl) % 2) == 0] if len(quotes) else nl
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(data)]))
    first_line = np.concatenate(([1], np.searchsorted(nl, ends) + 2))
    length = stops - starts
    blank = (length == 0) | ((length == 1) & (buf[np.minimum(starts, max(len(buf) - 1, 0))] == 13))
    keep = np.flatnonzero(~blank)
    if len(keep) == 0:
        raise ImportFailed(f"{path}: the file is empty (no header line)")
    h = keep[0]
    header_text = data[starts[h]:stops[h]].decode("utf-8")
    names = _unique_names(next(csv.reader(io.StringIO(header_text), delimiter=delim)))
    recs = keep[1:]
    body = pa.py_buffer(data)[int(stops[h]) + 1:] if stops[h] < len(data) else pa.py_buffer(b"")
    table, invalid = _arrow_csv(body, names, delim)
    if progress:
        progress("reading", 0.5)
    lines = first_line[recs].astype(np.int64)
    bad: list[BadRecord] = []
    ok = table.num_rows + invalid == len(recs)
    if ok and invalid:
        counts = _field_counts(buf, quotes, starts[recs], stops[recs], delim)
        wrong = counts != len(names)
        ok = int(wrong.sum()) == invalid
        if ok:
            for i in np.flatnonzero(wrong):
                text = data[starts[recs[i]]:stops[recs[i]]].decode("utf-8").rstrip("\r")
                bad.append(_bad_fields(int(lines[i]), text, names, delim))
            lines = lines[~wrong]
            recs = recs[~wrong]
    if ok and len(nl) > len(ends):  # quoted line breaks: the parser must agree on every row's span
        spans = np.searchsorted(nl, stops[recs]) - np.searchsorted(nl, starts[recs])
        embedded = np.zeros(table.num_rows, dtype=np.int64)
        for col in table.columns:
            embedded += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy(zero_copy_only=False)
        ok = bool(np.array_equal(spans, embedded))
    if not ok:
        return _python_csv(data, path, names, delim, checksum, enc, h_line=int(first_line[h]))
    cols = {name: table.column(i).combine_chunks() for i, name in enumerate(names)}
    return RawTable(cols, lines, "csv", checksum, bad, encoding=enc, delimiter=delim)


def _arrow_csv(body: pa.Buffer, names: list[str], delim: str) -> tuple[pa.Table, int]:
    import pyarrow.csv as pacsv

    invalid = 0

    def on_invalid(_row: Any) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    return table, invalid


def _field_counts(buf: np.ndarray, quotes: np.ndarray, starts: np.ndarray, stops: np.ndarray,
                  delim: str) -> np.ndarray:
    d = np.flatnonzero(buf == ord(delim))
    if len(quotes):
        d = d[(np.searchsorted(quotes, d) % 2) == 0]
    return np.searchsorted(d, stops) - np.searchsorted(d, starts) + 1


def _bad_fields(line: int, text: str, names: list[str], delim: str) -> BadRecord:
    fields = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    raw: dict[str, Any] = dict(zip(names, fields, strict=False))
    if len(fields) > len(names):
        raw["_extra_fields"] = fields[len(names):]
    hint = " (a line break inside an unquoted field?)" if len(fields) < len(names) else " (an unquoted delimiter?)"
    return BadRecord(line, f"line has {len(fields)} fields, the header has {len(names)}{hint}",
                     json.dumps(raw, ensure_ascii=False))


def _python_csv(data: bytes, path: Path, names: list[str], delim: str, checksum: str, enc: str,
                h_line: int) -> RawTable:
    """Exact but slower: csv module semantics (same as PyArrow's) with its own line counter."""
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[BadRecord] = []
    header_seen = False
    last = 0
    try:
        for rec in reader:
            start = last + 1
            last = reader.line_num
            if not rec or (len(rec) == 1 and rec[0] == "" and len(names) > 1):
                continue
            if not header_seen:
                header_seen = True
                continue
            if len(rec) != len(names):
                bad.append(_bad_fields(start, delim.join(rec), names, delim))
                continue
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise ImportFailed(f"{path}: line {reader.line_num}: {e}") from None
    cols = {n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)}
    return RawTable(cols, np.array(lines, dtype=np.int64), "csv", checksum, bad, encoding=enc, delimiter=delim)


# -- JSON ------------------------------------------------------------------------------
def read_json(path: Path, fmt: str, *, encoding: str | None, table: str | None) -> RawTable:
    raw = path.read_bytes()
    checksum = hashlib.sha256(raw).hexdigest()
    text = decode(raw, encoding, path)[0].decode("utf-8")
    bad: list[BadRecord] = []
    if fmt == "jsonl":
        records, lines = [], []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                bad.append(BadRecord(i, f"not valid JSON: {e.msg}", json.dumps({"_text": line[:2000]})))
                continue
            if not isinstance(obj, dict):
                bad.append(BadRecord(i, "not a JSON object", json.dumps({"_text": line[:2000]})))
                continue
            records.append(obj)
            lines.append(i)
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ImportFailed(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
        records = _json_records(doc, table, path)
        lines = list(range(1, len(records) + 1))
        keep = [i for i, r in enumerate(records) if isinstance(r, dict)]
        for i in sorted(set(range(len(records))) - set(keep)):
            bad.append(BadRecord(i + 1, "not a JSON object", json.dumps({"_value": records[i]}, default=str)))
        records = [records[i] for i in keep]
        lines = [lines[i] for i in keep]
    names: list[str] = []
    for r in records:  # union of keys, first-seen order
        for k in r:
            if k not in names:
                names.append(k)
    cols = {k: pa.array([_cell_text(r.get(k)) for r in records], pa.string()) for k in names}
    return RawTable(cols, np.array(lines, dtype=np.int64), fmt, checksum, bad)


def _json_records(doc: Any, table: str | None, path: Path) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if table and isinstance(doc.get(table), list):
            return doc[table]
        lists = [k for k, v in doc.items() if isinstance(v, list)]
        if len(lists) == 1:
            return doc[lists[0]]
        raise ImportFailed(f"{path}: expected an array of objects or {{\"{table or 'table'}\": [...]}}; "
                           f"found an object with keys {', '.join(map(str, doc))[:200]}")
    raise ImportFailed(f"{path}: expected an array of objects, found {type(doc).__name__}")


def _cell_text(v: Any) -> str | None:
    """A JSON or spreadsheet cell as the text the column parsers read."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v.total_seconds())
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


# -- Parquet, XLSX -------------------------------------------------------------------------
def read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    cols: dict[str, pa.Array] = {}
    for name, col in zip(_unique_names(t.column_names), t.columns, strict=True):
        a = col.combine_chunks()
        if pa.types.is_dictionary(a.type):
            a = a.dictionary_decode()
        if pa.types.is_large_string(a.type):
            a = a.cast(pa.string())
        if not (pa.types.is_string(a.type) or pa.types.is_integer(a.type) or pa.types.is_floating(a.type)
                or pa.types.is_boolean(a.type) or pa.types.is_timestamp(a.type) or pa.types.is_date(a.type)
                or pa.types.is_null(a.type)):
            a = pa.array([_cell_text(v) for v in a.to_pylist()], pa.string())
        cols[name] = a
    return RawTable(cols, np.arange(1, t.num_rows + 1, dtype=np.int64), "parquet", sha256(path))


def read_xlsx(path: Path, *, sheet: str | None) -> RawTable:
    rows = _xlsx_rows(path, sheet)
    first = next((i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)), None)
    if first is None:
        raise ImportFailed(f"{path}: the sheet is empty (no header row)")
    names = _unique_names([_cell_text(v) or "" for v in rows[first]])
    width = len(names)
    body = [(i + 1, r) for i, r in enumerate(rows) if i > first and any(v not in (None, "") for v in r)]
    cols = {n: pa.array([_cell_text(r[j]) if j < len(r) else None for _, r in body], pa.string())
            for j, n in enumerate(names)}
    bad = [BadRecord(i, f"row has values beyond the {width} header columns",
                     json.dumps([_cell_text(v) for v in r], ensure_ascii=False))
           for i, r in body if any(v not in (None, "") for v in r[width:])]
    bad_lines = {b.line for b in bad}
    if bad_lines:
        keep = pa.array([i not in bad_lines for i, _ in body])
        cols = {n: a.filter(keep) for n, a in cols.items()}
        body = [(i, r) for i, r in body if i not in bad_lines]
    lines = np.array([i for i, _ in body], dtype=np.int64)
    return RawTable(cols, lines, "xlsx", sha256(path), bad, excel=True)


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    """Cell values of one sheet; python-calamine when installed (fast), else openpyxl."""
    try:
        import python_calamine as cal
    except ImportError:
        return _openpyxl_rows(path, sheet)
    try:
        wb = cal.CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is not None and sheet not in names:
            raise ImportFailed(f"{path}: no sheet {sheet!r} (sheets: {', '.join(names)})")
        ws = wb.get_sheet_by_name(sheet) if sheet is not None else wb.get_sheet_by_index(0)
        return [list(r) for r in ws.to_python(skip_empty_area=False)]
    except cal.CalamineError as e:  # ZipError: not a workbook at all; XmlError: a damaged sheet
        raise _not_a_workbook(path, e) from None


def _not_a_workbook(path: Path, e: Exception) -> ImportFailed:
    return ImportFailed(f"{path}: not an Excel workbook (.xlsx) or damaged: {e}")


def _openpyxl_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, SyntaxError) as e:
        # not a zip; a zip without [Content_Types].xml or the workbook (KeyError); broken XML
        raise _not_a_workbook(path, e) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise ImportFailed(f"{path}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    except SyntaxError as e:  # xml.etree ParseError (and lxml's): a damaged sheet
        raise _not_a_workbook(path, e) from None
    finally:
        wb.close()
