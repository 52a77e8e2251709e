"""Reading files into columns of text (or typed values), with where every row came from.

The format is recognised by content first (Parquet and XLSX signatures; a workbook named
``.csv`` is read as a workbook, and the summary says so), then by extension, else CSV.
CSV and other delimited text: :mod:`cxmetrics.ingest.csvfile`; XLSX with bounded memory:
:mod:`cxmetrics.ingest.xlsx`; JSON, JSONL and Parquet here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest.csvfile import DELIMITERS, WHITESPACE, read_csv, sniff
from cxmetrics.ingest.rawtable import BadRecord, RawTable, cell_text, check_names, decode, sha256
from cxmetrics.ingest.xlsx import read_xlsx

__all__ = ["DELIMITERS", "FORMATS", "WHITESPACE", "BadRecord", "RawTable", "cell_text", "decode",
           "detect_format", "read", "read_csv", "read_json", "read_parquet", "read_xlsx", "sha256", "sniff"]

FORMATS = ("auto", "csv", "json", "jsonl", "parquet", "xlsx")
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
        ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}

Progress = Callable[[str, float], None]


def content_format(path: Path) -> str | None:
    """What the bytes say the file is: ``parquet``, ``xlsx`` (any zip: the XLSX reader names other
    zips), ``xls``, ``gzip`` or ``None`` (text)."""
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return None


_NAMES = {"parquet": "a Parquet file", "xlsx": "an Excel workbook (.xlsx) or another zip archive",
          "xls": "an Excel 97-2003 workbook (.xls)", "gzip": "a gzip-compressed file"}


def detect_format(path: Path, fmt: str) -> tuple[str, str | None]:
    """The format to read ``path`` in, and a note when the content overrides the name."""
    found = content_format(path)
    if found in ("xls", "gzip"):
        fix = "save it as .xlsx or CSV" if found == "xls" else "decompress it first (gunzip)"
        raise ImportFailed(f"{path}: {_NAMES[found]}, which cxm does not read; {fix}")
    if fmt != "auto":
        if found and found != fmt:
            raise ImportFailed(f"{path}: the file is {_NAMES[found]}, not {fmt}; import it with --format {found} "
                               "(or --format auto)")
        if found is None and fmt in ("parquet", "xlsx"):
            raise ImportFailed(f"{path}: not {'a Parquet file' if fmt == 'parquet' else 'an Excel workbook (.xlsx)'}"
                               " (its first bytes are not the format's signature); check --format")
        return fmt, None
    by_name = EXTENSIONS.get(path.suffix.lower())
    if found:
        note = None
        if by_name and by_name != found:
            note = f"the file is {_NAMES[found].split(' or ')[0]} named {path.suffix}: read as {found}"
        return found, note
    return by_name or "csv", None


def read(path: Path, fmt: str = "auto", *, encoding: str | None = None, delimiter: str | None = None,
         sheet: str | None = None, table: str | None = None, progress: Progress | None = None) -> RawTable:
    """Read ``path`` in ``fmt``; raises :class:`ImportFailed` when the file cannot be read at all."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    if path.is_dir():
        raise ImportFailed(f"{path}: is a directory, not a file")
    try:
        fmt, note = detect_format(path, fmt)
        raw = _read(path, fmt, encoding=encoding, delimiter=delimiter, sheet=sheet, table=table,
                    progress=progress)
    except ImportFailed:
        raise
    except (OSError, pa.ArrowException, ValueError, KeyError, EOFError, OverflowError) as e:
        raise ImportFailed(f"{path}: cannot read as {fmt}: {_short(e)}") from None
    except MemoryError:
        raise ImportFailed(f"{path}: too large to read into memory as {fmt}") from None
    if note:
        raw.notes.insert(0, note)
    return raw


def _read(path: Path, fmt: str, *, encoding: str | None, delimiter: str | None, sheet: str | None,
          table: str | None, progress: Progress | None) -> RawTable:
    if fmt == "csv":
        return read_csv(path, encoding=encoding, delimiter=delimiter, progress=progress)
    if fmt in ("json", "jsonl"):
        return read_json(path, fmt, encoding=encoding, table=table)
    if fmt == "parquet":
        return read_parquet(path)
    if fmt == "xlsx":
        return read_xlsx(path, sheet=sheet)
    raise ImportFailed(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})", code=2)


def _short(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# -- JSON ------------------------------------------------------------------------------
class _DuplicateKey(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _loads(text: str) -> Any:
    """JSON with numbers kept as their text (``1e400`` stays out of range, a 5,000-digit integer is
    no ValueError) and duplicate keys refused."""
    return json.loads(text, object_pairs_hook=_pairs, parse_float=str, parse_int=str, parse_constant=str)


def _dup(path: Path, where: str, key: str) -> ImportFailed:
    return ImportFailed(f"{path}: {where} has the key {key!r} more than once; each key may appear once per object")


def read_json(path: Path, fmt: str, *, encoding: str | None, table: str | None) -> RawTable:
    raw = path.read_bytes()
    checksum = hashlib.sha256(raw).hexdigest()
    text = decode(raw, encoding, path)[0].decode("utf-8")
    del raw
    bad: list[BadRecord] = []
    if fmt == "jsonl":
        records, lines = [], []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = _loads(line)
            except json.JSONDecodeError as e:
                bad.append(BadRecord(i, f"not valid JSON: {e.msg}", json.dumps({"_text": line[:2000]})))
                continue
            except RecursionError:
                bad.append(BadRecord(i, "JSON nested too deeply", json.dumps({"_text": line[:2000]})))
                continue
            except _DuplicateKey as e:
                raise _dup(path, f"line {i}", str(e)) from None
            if not isinstance(obj, dict):
                bad.append(BadRecord(i, "not a JSON object", json.dumps({"_text": line[:2000]})))
                continue
            records.append(obj)
            lines.append(i)
    else:
        try:
            doc = _loads(text)
        except json.JSONDecodeError as e:
            raise ImportFailed(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
        except RecursionError:
            raise ImportFailed(f"{path}: the JSON is nested too deeply to be a table of records") from None
        except _DuplicateKey as e:
            raise _dup(path, "an object", str(e)) from None
        records = _json_records(doc, table, path)
        lines = list(range(1, len(records) + 1))
        keep = [i for i, r in enumerate(records) if isinstance(r, dict)]
        for i in sorted(set(range(len(records))) - set(keep)):
            bad.append(BadRecord(i + 1, "not a JSON object", _json_value(records[i])))
        records = [records[i] for i in keep]
        lines = [lines[i] for i in keep]
    names: dict[str, None] = {}
    for r in records:  # union of keys, first-seen order
        names.update(dict.fromkeys(r))
    cols = {k: pa.array([_json_cell(r.get(k)) for r in records], pa.string()) for k in names}
    return RawTable(cols, np.array(lines, dtype=np.int64), fmt, checksum, bad)


def _json_value(v: Any) -> str:
    try:
        return json.dumps({"_value": v}, default=str)
    except (RecursionError, ValueError):
        return json.dumps({"_value": "(nested too deeply to show)"})


def _json_cell(v: Any) -> str | None:
    if isinstance(v, (dict, list)):
        try:
            return json.dumps(v, ensure_ascii=False)
        except RecursionError:
            return "(nested too deeply)"
    return cell_text(v)


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


# -- Parquet -------------------------------------------------------------------------------
def read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    names = check_names(pq.read_schema(path).names, path, "the schema")
    t = pq.read_table(path)
    cols: dict[str, pa.Array] = {}
    for name, col in zip(names, t.columns, strict=True):
        a = col.combine_chunks()
        if pa.types.is_dictionary(a.type):
            a = a.dictionary_decode()
        if pa.types.is_large_string(a.type):
            a = a.cast(pa.string())
        if not (pa.types.is_string(a.type) or pa.types.is_integer(a.type) or pa.types.is_floating(a.type)
                or pa.types.is_boolean(a.type) or pa.types.is_timestamp(a.type) or pa.types.is_date(a.type)
                or pa.types.is_null(a.type)):
            a = pa.array([_json_cell(v) for v in a.to_pylist()], pa.string())
        cols[name] = a
    return RawTable(cols, np.arange(1, t.num_rows + 1, dtype=np.int64), "parquet", sha256(path))
