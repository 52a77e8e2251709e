"""XLSX sheets with bounded memory: the workbook is checked before a parser sees it.

Spreadsheet parsers (calamine, openpyxl) hold a sheet's *used area* as a dense grid, so a
4.9 KB file with one value in cell XFD1048576 asks for 17 billion cells. Before the sheet is
parsed, :func:`inspect` streams its XML out of the zip (never more than a chunk in memory)
and finds the used area from the cells that hold a value; the decompressed size of every
part read, the number of values and the used area all have limits, and a file over any of
them is refused with a message saying which and what to do. Broken zips, workbooks
without sheets, damaged XML and parser failures are refused as "not a workbook or
damaged", never a crash.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pyarrow as pa

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest.rawtable import BadRecord, RawTable, cell_text, check_names, sha256

#: cells of the used area (rows x columns) a sheet may have: the parser allocates them all
MAX_AREA = 10_000_000
#: cells holding a value
MAX_VALUES = 10_000_000
#: decompressed bytes of the sheet's XML, and of the shared strings
MAX_SHEET_BYTES = 2 * 1024**3
MAX_STRINGS_BYTES = 512 * 1024**2
#: decompressed bytes of the small parts (workbook, relationships, styles)
MAX_SMALL_BYTES = 64 * 1024**2
#: compression ratio beyond which a part of at least BOMB_MIN_BYTES is taken for a decompression bomb
MAX_RATIO = 200
BOMB_MIN_BYTES = 50 * 1024**2
CHUNK = 1 << 20

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_TAG = re.compile(rb"<(row|c)\b([^>]*?)(/?)>(</c>)?")
_REF = re.compile(rb'\br\s*=\s*["\']([A-Za-z]{1,3})?([0-9]{1,7})["\']')


@dataclass
class SheetInfo:
    name: str
    part: str
    rows: int = 0
    columns: int = 0
    values: int = 0
    far: str = ""  # the furthest cell holding a value, e.g. "XFD1048576"


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _damaged(path: Path, e: BaseException | str) -> ImportFailed:
    return ImportFailed(f"{path}: not an Excel workbook (.xlsx) or damaged: {e}")


def _check_size(path: Path, info: zipfile.ZipInfo, limit: int) -> None:
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > limit:
        raise ImportFailed(f"{path}: {info.filename} decompresses to {size / 1024**2:,.0f} MB, over the limit of "
                           f"{limit / 1024**2:,.0f} MB for a spreadsheet; save the sheet as CSV and import that")
    if size >= BOMB_MIN_BYTES and size / packed > MAX_RATIO:
        raise ImportFailed(f"{path}: {info.filename} decompresses {size / packed:,.0f}-fold ({packed / 1024:,.0f} KB "
                           f"to {size / 1024**2:,.0f} MB): refused as a decompression bomb")


def _small_xml(z: zipfile.ZipFile, path: Path, name: str) -> ET.Element:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise _damaged(path, f"it has no {name}") from None
    _check_size(path, info, MAX_SMALL_BYTES)
    try:
        return ET.fromstring(z.read(info))
    except ET.ParseError as e:
        raise _damaged(path, f"{name}: {e}") from None


def sheets(z: zipfile.ZipFile, path: Path) -> list[SheetInfo]:
    """The workbook's worksheets in order, with the zip part holding each."""
    names = set(z.namelist())
    if "xl/workbook.xml" not in names:
        what = ("an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV" if "content.xml" in names
                else "a zip archive without a workbook (xl/workbook.xml)")
        raise _damaged(path, what)
    book = _small_xml(z, path, "xl/workbook.xml")
    rels = _small_xml(z, path, "xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else None
    targets = {}
    if rels is not None:
        for r in rels.iter(f"{PKG_REL_NS}Relationship"):
            target = r.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[r.get("Id")] = part
    out = []
    for s in book.iter(f"{MAIN_NS}sheet"):
        part = targets.get(s.get(f"{REL_NS}id"), "")
        out.append(SheetInfo(s.get("name") or "", part))
    if not out:
        raise ImportFailed(f"{path}: the workbook has no sheets")
    return out


def inspect(path: Path, sheet: str | None) -> SheetInfo:
    """The chosen sheet's used area and number of values, read with bounded memory; raises
    :class:`ImportFailed` for a damaged workbook or one over the limits."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise _damaged(path, e) from None
    with z:
        try:
            return _inspect(z, path, sheet)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as e:  # a bad CRC or header, a damaged deflate stream, an unknown
            raise _damaged(path, e) from None  # compression, an encrypted member


def _inspect(z: zipfile.ZipFile, path: Path, sheet: str | None) -> SheetInfo:
    found = sheets(z, path)
    if sheet is not None:
        chosen = next((s for s in found if s.name == sheet), None)
        if chosen is None:
            raise ImportFailed(f"{path}: no sheet {sheet!r} (sheets: {', '.join(s.name for s in found)})")
    else:
        chosen = found[0]
    if chosen.part not in set(z.namelist()):
        raise _damaged(path, f"sheet {chosen.name!r} has no data part ({chosen.part or 'none named'})")
    if "xl/sharedStrings.xml" in z.namelist():
        _check_size(path, z.getinfo("xl/sharedStrings.xml"), MAX_STRINGS_BYTES)
    info = z.getinfo(chosen.part)
    _check_size(path, info, MAX_SHEET_BYTES)
    _scan(z, info, chosen, path)
    return chosen


def _scan(z: zipfile.ZipFile, info: zipfile.ZipInfo, s: SheetInfo, path: Path) -> None:
    row = col = 0
    far = (0, 0)
    tail = b""
    with z.open(info) as f:
        while chunk := f.read(CHUNK):
            buf = tail + chunk
            cut = buf.rfind(b">") + 1
            body, tail = buf[:cut], buf[cut:]
            if len(tail) > 4 * CHUNK:  # a long text node: only its end can hold the start of a tag
                tail = tail[-CHUNK:]
            for m in _TAG.finditer(body):
                ref = _REF.search(m.group(2))
                if m.group(1) == b"row":
                    row = int(ref.group(2)) if ref else row + 1
                    col = 0
                    continue
                if ref:
                    col = _column_number(ref.group(1)) if ref.group(1) else col + 1
                    row = int(ref.group(2))
                else:
                    col += 1
                if m.group(3) or m.group(4):  # <c .../> or <c ...></c>: formatting only, no value
                    continue
                s.values += 1
                if row > s.rows:
                    s.rows = row
                if col > s.columns:
                    s.columns = col
                if (row, col) > far:
                    far = (row, col)
                if s.values > MAX_VALUES:
                    raise ImportFailed(f"{path}: sheet {s.name!r} has more than {MAX_VALUES:,} values, over the "
                                       "limit for a spreadsheet; save it as CSV and import that")
            if s.rows * s.columns > MAX_AREA:
                break
    s.far = f"{column_letters(s.columns)}{s.rows}" if s.values else ""
    if s.rows * s.columns > MAX_AREA:
        raise ImportFailed(
            f"{path}: sheet {s.name!r} has values as far as row {s.rows:,} and column {column_letters(s.columns)}: "
            f"a used area of {s.rows * s.columns:,} cells, over the limit of {MAX_AREA:,}; delete the cells "
            "beyond your data (or save the sheet as CSV) and import again")


# -- reading ---------------------------------------------------------------------------------------
def read_xlsx(path: Path, *, sheet: str | None) -> RawTable:
    rows = sheet_rows(path, sheet)
    first = next((i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)), None)
    if first is None:
        raise ImportFailed(f"{path}: the sheet is empty (no header row)")
    header = [cell_text(v) or "" for v in rows[first]]
    body = [(i + 1, r) for i, r in enumerate(rows) if i > first and any(v not in (None, "") for v in r)]
    # the header ends at its last named column or the last column holding a value below it
    used = [j for j, h in enumerate(header)
            if h.strip() or any(j < len(r) and r[j] not in (None, "") for _, r in body)]
    header = header[: used[-1] + 1] if used else header
    names = check_names(header, path, f"the header row (row {first + 1})")
    width = len(names)
    cols = {n: pa.array([cell_text(r[j]) if j < len(r) else None for _, r in body], pa.string())
            for j, n in enumerate(names)}
    bad = [BadRecord(i, f"row has values beyond the {width} header columns",
                     json.dumps([cell_text(v) for v in r], ensure_ascii=False))
           for i, r in body if any(v not in (None, "") for v in r[width:])]
    bad_lines = {b.line for b in bad}
    if bad_lines:
        keep = pa.array([i not in bad_lines for i, _ in body])
        cols = {n: a.filter(keep) for n, a in cols.items()}
        body = [(i, r) for i, r in body if i not in bad_lines]
    lines = np.array([i for i, _ in body], dtype=np.int64)
    return RawTable(cols, lines, "xlsx", sha256(path), bad, excel=True)


Rows = Callable[[Path, str], list[list[Any]]]


def sheet_rows(path: Path, sheet: str | None, reader: Rows | None = None) -> list[list[Any]]:
    """Cell values of one sheet (the first without ``sheet``), after :func:`inspect` has checked the
    workbook; python-calamine when installed (fast), else openpyxl."""
    info = inspect(path, sheet)
    if reader is None:
        try:
            import python_calamine  # noqa: F401
        except ImportError:
            reader = openpyxl_rows
        else:
            reader = calamine_rows
    return reader(path, info.name)


def calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    import python_calamine as cal

    try:
        wb = cal.CalamineWorkbook.from_path(str(path))
        ws = wb.get_sheet_by_name(sheet)
        return [list(r) for r in ws.to_python(skip_empty_area=False)]
    except Exception as e:  # calamine's errors (ZipError, XmlError, ...) have no common base but Exception
        raise _damaged(path, e) from None
    except BaseException as e:  # a Rust panic (pyo3's PanicException derives from BaseException)
        if type(e).__name__ == "PanicException":
            raise _damaged(path, "the spreadsheet reader failed on it") from None
        raise


def openpyxl_rows(path: Path, sheet: str) -> list[list[Any]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # not a zip, missing parts (KeyError), broken XML (SyntaxError), ...
        raise _damaged(path, e) from None
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    except Exception as e:  # xml.etree ParseError (and lxml's) on a damaged sheet, bad values
        raise _damaged(path, e) from None
    finally:
        wb.close()
