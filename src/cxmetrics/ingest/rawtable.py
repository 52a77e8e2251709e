"""What every reader returns: a file as columns plus where each row came from; shared helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cxmetrics.errors import ImportFailed


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
    #: what the reader noticed and the summary should say (a header with its own delimiter, ...)
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.lines)

    @property
    def header(self) -> list[str]:
        return list(self.columns)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_names(header: list[str], path: Path | str, what: str = "the header") -> list[str]:
    """Column names, trimmed; an empty one becomes ``column_N``. The same name twice refuses the
    file in every format (which of the two columns holds the data would be a guess)."""
    names = [str(h).strip() or f"column_{i + 1}" for i, h in enumerate(header)]
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i + 1)
    dups = {n: pos for n, pos in seen.items() if len(pos) > 1}
    if dups:
        listed = "; ".join(f"{n!r} (columns {', '.join(map(str, pos))})" for n, pos in list(dups.items())[:5])
        raise ImportFailed(f"{path}: {what} has the same column name more than once: {listed}; "
                           "rename the columns so that each name is used once")
    return names


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


def cell_text(v: Any) -> str | None:
    """A JSON or spreadsheet cell as the text the column parsers read."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:  # NaN
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
