"""Reading delimited text into columns of text, with the physical line of every row.

The dialect is sniffed from lines sampled across the whole file (not only its head): the
delimiter is the candidate that splits most lines into the same number (at least two) of
fields; a header written with another delimiter than the body is read with its own, and a
line that only splits right with another delimiter is quarantined as such. Text without
any of the candidates but with columns aligned by runs of spaces (the CDNOW log) is read
as whitespace-delimited. Old Mac (CR-only) and mixed line ends are read as line breaks.

Parsing goes through PyArrow's multi-threaded reader; line numbers come from one
quote-aware NumPy scan of the bytes (a newline ends a record when an even number of
quote characters precedes it), checked against what the parser saw. Files whose
quoting that scan cannot follow fall back to Python's csv module: slower, same result.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest.rawtable import BadRecord, RawTable, check_names, decode

DELIMITERS = (",", ";", "\t", "|")
#: the ``delimiter`` of a mapping for columns separated by runs of spaces or tabs
WHITESPACE = "whitespace"
#: bytes sampled from each of several places in the file to sniff the dialect
SAMPLE_BYTES = 32 * 1024
SAMPLE_PLACES = 8
#: share of sampled lines that must agree on whitespace-separated columns
WHITESPACE_AGREEMENT = 0.9

Progress = Callable[[str, float], None]


@dataclass
class Dialect:
    delimiter: str  # "whitespace" or one character
    header_delimiter: str | None = None  # set when the header uses another delimiter than the body

    @property
    def whitespace(self) -> bool:
        return self.delimiter == WHITESPACE


def show(delim: str) -> str:
    return {"\t": "tab", WHITESPACE: "whitespace"}.get(delim, repr(delim))


# -- line ends and dialect --------------------------------------------------------------
def normalise_newlines(data: bytes) -> bytes:
    """CR-only (old Mac) or mixed line ends -> LF; CRLF is left alone (the parsers read it)."""
    cr = data.count(b"\r")
    if not cr or cr == data.count(b"\r\n"):
        return data
    return re.sub(rb"\r(?!\n)", b"\n", data)


class FileBytes:
    """The bytes of a file from ``offset`` on, read on demand: enough of ``bytes`` for :func:`sniff`
    to sample a file without loading it."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path, self.offset = path, offset
        self.size = max(path.stat().st_size - offset, 0)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _ = key.indices(self.size)
        with self.path.open("rb") as f:
            f.seek(self.offset + start)
            return f.read(max(stop - start, 0))

    def find(self, sub: bytes, start: int) -> int:
        step = 1 << 16
        while start < self.size:
            got = self[start:start + step + len(sub)].find(sub)
            if got >= 0:
                return start + got
            start += step
        return -1


def _samples(data: bytes | FileBytes) -> list[str]:
    """Chunks of whole lines from the start and from places spread over the file."""
    n = len(data)
    starts = [0] if n <= SAMPLE_BYTES * SAMPLE_PLACES else \
        [0, *(n * k // SAMPLE_PLACES for k in range(1, SAMPLE_PLACES))]
    out = []
    for i, s in enumerate(starts):
        if i:  # skip to the next line start
            nl = data.find(b"\n", s)
            if nl < 0:
                continue
            s = nl + 1
        chunk = data[s:s + SAMPLE_BYTES] if len(starts) > 1 else data[:SAMPLE_BYTES * SAMPLE_PLACES]
        end = len(chunk) if s + len(chunk) >= n else chunk.rfind(b"\n") + 1
        if end > 0:
            out.append(chunk[:end].decode("utf-8", errors="replace"))
    return out


def _widths(text: str, delim: str) -> list[int]:
    try:
        return [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
    except csv.Error:
        return []


def sniff(data: bytes | FileBytes) -> Dialect:
    """The body's delimiter (most lines agreeing on one field count >= 2), and the header's
    if it differs (a header that only splits into that many fields with another candidate)."""
    samples = _samples(data)
    first = samples[0] if samples else ""
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        widths = [w for s in samples for w in _widths(s, d)]
        body = widths[1:] or widths  # the header may differ (it is checked below)
        if not body:
            continue
        width, freq = Counter(body).most_common(1)[0]
        if width < 2:
            continue
        score = (freq / len(body), width)
        if score > best_score:
            best, best_score = d, score
    if best_score[0] < 0:  # no delimiter splits the lines: columns aligned by spaces?
        lines = [ln for s in samples for ln in s.splitlines() if ln.strip()]
        widths = [len(ln.split()) for ln in lines]
        if widths and min(Counter(widths).most_common(1)[0][0], widths[0]) >= 2:
            width, freq = Counter(widths).most_common(1)[0]
            if freq / len(widths) >= WHITESPACE_AGREEMENT and widths[0] == width:
                return Dialect(WHITESPACE)
        return Dialect(",")
    width = best_score[1]
    head_line = next((ln for ln in first.splitlines() if ln.strip()), "")
    if head_line and len(_split(head_line, best)) != width:
        for d in DELIMITERS:
            if d != best and len(_split(head_line, d)) == width:
                return Dialect(best, header_delimiter=d)
    return Dialect(best)


def _whitespace_to_tabs(data: bytes) -> bytes:
    """Columns separated by runs of spaces/tabs -> one tab between fields, none at the ends."""
    data = re.sub(rb"[ \t]+", b"\t", data)
    return re.sub(rb"(?m)^\t|\t(?=\r?$)", b"", data)


# -- reading ------------------------------------------------------------------------------------
def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
             progress: Progress | None = None) -> RawTable:
    raw = path.read_bytes()
    checksum = hashlib.sha256(raw).hexdigest()
    data, enc = decode(raw, encoding, path)
    del raw
    data = normalise_newlines(data)
    if not data.strip():
        raise ImportFailed(f"{path}: the file is empty (no header line)")
    if progress:
        progress("reading", 0.1)
    if delimiter is not None and delimiter != WHITESPACE and len(delimiter) != 1:
        raise ImportFailed(f"delimiter must be one character or {WHITESPACE!r}, got {delimiter!r}", code=2)
    dialect = Dialect(delimiter) if delimiter else sniff(data)
    quoting = not dialect.whitespace
    if dialect.whitespace:
        data = _whitespace_to_tabs(data)
    delim = "\t" if dialect.whitespace else dialect.delimiter
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34) if quoting else np.zeros(0, np.int64)
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
    header_text = data[starts[h]:stops[h]].decode("utf-8").rstrip("\r")
    head_delim = dialect.header_delimiter or delim
    header = next(csv.reader(io.StringIO(header_text), delimiter=head_delim,
                             quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE), [])
    names = check_names(header, path)
    recs = keep[1:]
    notes = []
    if dialect.header_delimiter:
        notes.append(f"the header uses {show(dialect.header_delimiter)} as delimiter, the rows {show(delim)}")
    meta: dict[str, Any] = {"encoding": enc, "delimiter": dialect.delimiter, "notes": notes}
    if len(recs) == 0:  # headers only: a quiet day's export has no rows, and that is fine
        cols = {n: pa.array([], pa.string()) for n in names}
        return RawTable(cols, np.zeros(0, np.int64), "csv", checksum, **meta)
    body = pa.py_buffer(data)[int(stops[h]) + 1:] if stops[h] < len(data) else pa.py_buffer(b"")
    try:
        table, invalid = _arrow_csv(body, names, delim, quoting)
    except pa.ArrowInvalid:  # e.g. a record beyond the parser's block size: the exact path copes
        return _python_csv(data, path, names, delim, checksum, meta, quoting)
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
                bad.append(bad_fields(int(lines[i]), text, names, delim, quoting))
            lines = lines[~wrong]
            recs = recs[~wrong]
    if ok and len(nl) > len(ends):  # quoted line breaks: the parser must agree on every row's span
        spans = np.searchsorted(nl, stops[recs]) - np.searchsorted(nl, starts[recs])
        embedded = np.zeros(table.num_rows, dtype=np.int64)
        for col in table.columns:
            embedded += pc.fill_null(pc.count_substring(col, "\n"), 0).to_numpy(zero_copy_only=False)
        ok = bool(np.array_equal(spans, embedded))
    if not ok:
        return _python_csv(data, path, names, delim, checksum, meta, quoting)
    cols = {name: table.column(i).combine_chunks() for i, name in enumerate(names)}
    return RawTable(cols, lines, "csv", checksum, bad, **meta)


def _arrow_csv(body: pa.Buffer, names: list[str], delim: str, quoting: bool) -> tuple[pa.Table, int]:
    import pyarrow.csv as pacsv

    invalid = 0

    def on_invalid(_row: Any) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(body),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"' if quoting else False,
                                         newlines_in_values=quoting, invalid_row_handler=on_invalid),
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


def _split(text: str, delim: str, quoting: bool = True) -> list[str]:
    return next(csv.reader(io.StringIO(text), delimiter=delim,
                           quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE), [])


def bad_fields(line: int, text: str, names: list[str], delim: str, quoting: bool = True) -> BadRecord:
    """A line with the wrong number of fields, with the likely cause named: another delimiter
    (the whole line, or part of it), an unquoted delimiter, or a line break in an unquoted field."""
    fields = _split(text, delim, quoting)
    raw: dict[str, Any] = dict(zip(names, fields, strict=False))
    if len(fields) > len(names):
        raw["_extra_fields"] = fields[len(names):]
    width = len(names)
    reason = f"line has {len(fields)} field{'' if len(fields) == 1 else 's'}, the header has {width}"
    others = [d for d in DELIMITERS if d != delim and d in text]
    if quoting and others:
        for d in others:
            if len(_split(text, d)) == width:
                return BadRecord(line, f"{reason}: the line uses {show(d)} as delimiter, the file {show(delim)}",
                                 json.dumps(raw, ensure_ascii=False))
        for d in others:
            if len(_split(text.replace(d, delim), delim)) == width:
                return BadRecord(line, f"{reason}: the line mixes {show(d)} and {show(delim)} as delimiters",
                                 json.dumps(raw, ensure_ascii=False))
    hint = " (a line break inside an unquoted field?)" if len(fields) < width else " (an unquoted delimiter?)"
    return BadRecord(line, reason + hint, json.dumps(raw, ensure_ascii=False))


def _python_csv(data: bytes, path: Path, names: list[str], delim: str, checksum: str, meta: dict[str, Any],
                quoting: bool) -> RawTable:
    """Exact but slower: csv module semantics (same as PyArrow's) with its own line counter."""
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim,
                        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
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
                bad.append(bad_fields(start, delim.join(rec), names, delim, quoting))
                continue
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise ImportFailed(f"{path}: line {reader.line_num}: {e}") from None
    cols = {n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)}
    return RawTable(cols, np.array(lines, dtype=np.int64), "csv", checksum, bad, **meta)
