"""A seeded generator of malformed (and some well-formed) import files for the fuzz tests.

``cases(seed, n)`` yields ``(case_id, table, file name, bytes)``; the same seed always gives
the same files, so a failure names a case that can be rebuilt with ``case(seed, i)``.
Kinds (issue 11): random bytes, truncation, encodings, NUL bytes, mixed newlines, huge
fields, thousands of columns, duplicate headers, empty and headers-only files, impossible
dates and offsets, non-finite and overflowing numbers, conflicting duplicates, far cells and
decompression bombs, broken quoting, odd JSON, odd Parquet types.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

TABLES = {
    "tickets": ["ticket_id", "created_at", "channel", "status", "reopens", "handle_seconds", "first_reply_at"],
    "messages": ["message_id", "ticket_id", "created_at", "author_type", "public"],
    "calls": ["call_id", "offered_at", "answered_at", "abandoned", "wait_seconds"],
    "survey_responses": ["response_id", "survey", "responded_at", "score", "scale_min", "scale_max"],
}
NASTY = ["", " ", "1e400", "-1e400", "9" * 400, "inf", "NaN", "-0", "1e-400", "0x10", "١٢", "12,5", "true",
         "2024-02-30", "2024-13-01", "2024-01-01T25:61:00", "2024-01-01T10:00:00+25:00", "2024-01-01 10:00 -1500",
         "01/02/2024", "31/12/2024", "99999-01-01", "0000-00-00", "Tue Oct 31 22:10:47 +0000 2017", "\x00",
         "\u202e", "😀", "a\nb", 'x"y', "\\", "NULL", "solved", "On Hold", "yes", "2024-01-01T10:00:00Z"]


def _value(rng: random.Random, col: str, i: int) -> str:
    if rng.random() < 0.15:
        return rng.choice(NASTY)
    if col.endswith("_id"):
        return f"{col[0].upper()}{rng.randrange(40)}"
    if col.endswith("_at"):
        return f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z"
    if col in ("reopens",):
        return str(rng.randrange(4))
    if col in ("handle_seconds", "wait_seconds", "score"):
        return f"{rng.random() * 100:.2f}"
    if col == "scale_min":
        return "0"
    if col == "scale_max":
        return "10"
    if col in ("public", "abandoned"):
        return rng.choice(["true", "false", "y", "n"])
    if col == "status":
        return rng.choice(["open", "solved", "pending"])
    if col == "author_type":
        return rng.choice(["customer", "agent"])
    if col == "survey":
        return "nps"
    return rng.choice(["email", "chat", "phone"])


def _rows(rng: random.Random, table: str, n: int) -> tuple[list[str], list[list[str]]]:
    cols = TABLES[table][:]
    if rng.random() < 0.3:
        cols = rng.sample(cols, rng.randrange(1, len(cols) + 1))
    return cols, [[_value(rng, c, i) for c in cols] for i in range(n)]


def _csv_field(v: str, delim: str) -> str:
    if any(ch in v for ch in (delim, '"', "\n", "\r")):
        return '"' + v.replace('"', '""') + '"'
    return v


def _csv(cols: list[str], rows: list[list[str]], delim: str = ",", nl: str = "\n") -> bytes:
    lines = [delim.join(_csv_field(c, delim) for c in cols)]
    lines += [delim.join(_csv_field(v, delim) for v in r) for r in rows]
    return (nl.join(lines) + nl).encode("utf-8")


def _json(cols: list[str], rows: list[list[str]]) -> bytes:
    return json.dumps([dict(zip(cols, r, strict=True)) for r in rows]).encode()


def _jsonl(cols: list[str], rows: list[list[str]]) -> bytes:
    return "".join(json.dumps(dict(zip(cols, r, strict=True))) + "\n" for r in rows).encode()


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _xlsx(cols: list[str], rows: list[list[object]], extra_xml: bytes = b"", sheet_xml: bytes | None = None,
          workbook_xml: bytes | None = None) -> bytes:
    """A minimal workbook written by hand (inline strings), so odd XML is easy to make."""
    def cell(r: int, c: int, v: object) -> str:
        ref = f"{chr(65 + c % 26) if c < 26 else 'A' + chr(65 + c % 26)}{r}"
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f'<c r="{ref}"><v>{v}</v></c>'
        text = str(v).replace("&", "&amp;").replace("<", "&lt;").replace("\x00", "")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    body = "".join(f'<row r="{i + 1}">' + "".join(cell(i + 1, j, v) for j, v in enumerate(r)) + "</row>"
                   for i, r in enumerate([cols, *rows]))
    sheet = sheet_xml if sheet_xml is not None else (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><sheetData>{body}').encode() + extra_xml + b"</sheetData></worksheet>"
    book = workbook_xml if workbook_xml is not None else (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Default Extension="xml" ContentType="application/xml"/><Override '
             b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
             b'"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    root_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


# -- the kinds -------------------------------------------------------------------------------------
def k_random_bytes(rng: random.Random, table: str) -> tuple[str, bytes]:
    ext = rng.choice([".csv", ".json", ".jsonl", ".parquet", ".xlsx", ".txt"])
    head = rng.choice([b"", b"PK\x03\x04", b"PAR1", b"\xef\xbb\xbf", b"\xff\xfe", b"["])
    return "r" + ext, head + rng.randbytes(rng.randrange(0, 3000))


def k_truncated(rng: random.Random, table: str) -> tuple[str, bytes]:
    name, data = k_valid(rng, table)
    return name, data[: rng.randrange(0, max(len(data), 1))]


def k_valid(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, rng.randrange(0, 30))
    fmt = rng.choice(["csv", "json", "jsonl", "parquet", "xlsx"])
    if fmt == "csv":
        return "v.csv", _csv(cols, rows, rng.choice([",", ";", "\t", "|"]))
    if fmt == "json":
        return "v.json", _json(cols, rows)
    if fmt == "jsonl":
        return "v.jsonl", _jsonl(cols, rows)
    if fmt == "parquet":
        return "v.parquet", _parquet(pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)}))
    return "v.xlsx", _xlsx(cols, rows)


def k_encoding(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 10)
    text = _csv(cols, rows).decode("utf-8").replace("email", "émail ü")
    enc = rng.choice(["utf-16", "utf-16-le", "cp1252", "latin-1", "shift_jis", "utf-8-sig"])
    return "e.csv", text.encode(enc, errors="replace")


def k_nul(rng: random.Random, table: str) -> tuple[str, bytes]:
    name, data = k_valid(rng, table)
    pos = [rng.randrange(len(data) + 1) for _ in range(rng.randrange(1, 5))]
    for p in sorted(pos, reverse=True):
        data = data[:p] + b"\x00" + data[p:]
    return name, data


def k_newlines(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 15)
    data = _csv(cols, rows)
    out = b"".join(rng.choice([b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r\n"]) if ch == 10 else bytes([ch])
                   for ch in data)
    return "n.csv", out


def k_huge_field(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 5)
    if rows:
        rows[rng.randrange(len(rows))][0] = "x" * rng.choice([70_000, 300_000, 2_000_000])
    return "h.csv", _csv(cols, rows)


def k_many_columns(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols = TABLES[table] + [f"extra{i}" for i in range(rng.choice([1000, 3000]))]
    rows = [[_value(rng, c, 0) if not c.startswith("extra") else "1" for c in cols] for _ in range(3)]
    fmt = rng.choice(["csv", "json", "xlsx"])
    if fmt == "csv":
        return "w.csv", _csv(cols, rows)
    if fmt == "json":
        return "w.json", _json(cols, rows)
    return "w.xlsx", _xlsx(cols[:600], [r[:600] for r in rows])


def k_duplicate_headers(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 4)
    cols = [*cols, cols[0]]
    rows = [[*r, "dup"] for r in rows]
    fmt = rng.choice(["csv", "xlsx", "parquet", "json"])
    if fmt == "csv":
        return "d.csv", _csv(cols, rows)
    if fmt == "xlsx":
        return "d.xlsx", _xlsx(cols, rows)
    if fmt == "json":
        body = ",".join("{" + ",".join(f'"{c}": {json.dumps(v)}' for c, v in zip(cols, r, strict=True)) + "}"
                        for r in rows)
        return "d.json", f"[{body}]".encode()
    arrays = [pa.array([r[i] for r in rows], pa.string()) for i in range(len(cols))]
    return "d.parquet", _parquet(pa.Table.from_arrays(arrays, names=cols))


def k_empty(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols = TABLES[table]
    return rng.choice([("e.csv", b""), ("e.csv", ",".join(cols).encode() + b"\n"), ("e.csv", b"\n\n\n"),
                       ("e.json", b"[]"), ("e.json", b"{}"), ("e.json", b""), ("e.jsonl", b""),
                       ("e.xlsx", _xlsx(cols, [])), ("e.xlsx", _xlsx([], [])),
                       ("e.parquet", _parquet(pa.table({c: pa.array([], pa.string()) for c in cols})))])


def k_conflicts(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 20)
    for r in rows:
        r[0] = f"K{rng.randrange(3)}"
    return "c.csv", _csv(cols, rows)


def k_parquet_types(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols = TABLES[table]
    n = 5
    choices: list[Callable[[], pa.Array]] = [
        lambda: pa.array([2**64 - 1, 0, 1, 2**63, 5], pa.uint64()),
        lambda: pa.array([float("inf"), float("nan"), -0.0, 1e308, None]),
        lambda: pa.array([1, 2, 3, 4, 5], pa.int8()),
        lambda: pa.array([True, False, None, True, False]),
        lambda: pa.array([0, 10**15, -(10**15), 1, None], pa.timestamp("ms", tz="Asia/Tokyo")),
        lambda: pa.array([0, 1, 2, 3, 4], pa.date32()),
        lambda: pa.array([[1], [], None, [2, 3], [4]]),
        lambda: pa.array([{"a": 1}, None, {"a": 2}, {"a": 3}, {"a": 4}]),
        lambda: pa.array(["a", "b", None, "a", "c"]).dictionary_encode(),
        lambda: pa.array([b"\x00\xff", b"", None, b"x", b"y"], pa.binary()),
        lambda: pa.array([1, 2, 3, 4, 5], pa.decimal128(5, 0)),
        lambda: pa.array([None] * n, pa.null()),
        lambda: pa.array(["2024-01-01T00:00:00+25:00", "1e400", "", None, "ok"], pa.large_string()),
    ]
    return "p.parquet", _parquet(pa.table({c: rng.choice(choices)() for c in cols}))


def k_far_cell(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 3)
    # beyond the limit (refused before parsing) or within it but costly to parse (a few per run)
    ref, row = rng.choice([("XFD1048576", 1048576), ("XFD1", 1), ("ZZ900", 900), ("A9999999", 9999999),
                           ("XFD900000", 900000), ("C100000", 100000)])
    extra = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
    return "f.xlsx", _xlsx(cols, rows, extra_xml=extra)


def k_bomb(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 2)
    pad = b" " * rng.choice([60_000_000, 1_000_000])
    return "b.xlsx", _xlsx(cols, rows, extra_xml=b"<row r='9'>" + pad + b"</row>")


def k_odd_xlsx(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 3)
    return "o.xlsx", rng.choice([
        _xlsx(cols, rows, sheet_xml=b"<worksheet><sheetData><row><c"),
        _xlsx(cols, rows, workbook_xml=b"<workbook><sheets/></workbook>"),
        _xlsx(cols, rows, workbook_xml=b"<workbook"),
        _xlsx(cols, rows, extra_xml=b'<row><c t="s"><v>99</v></c><c t="b"><v>7</v></c><c t="e"><v>#N/A</v></c></row>'),
        _xlsx(cols, rows, extra_xml=b'<row r="5"><c r="A5" t="d"><v>not a date</v></c></row>'),
    ])


def k_quotes(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols, rows = _rows(rng, table, 10)
    data = bytearray(_csv(cols, rows))
    for _ in range(rng.randrange(1, 4)):
        data.insert(rng.randrange(len(data) + 1), ord('"'))
    return "q.csv", bytes(data)


def k_odd_json(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols = TABLES[table]
    return rng.choice([
        ("j.json", b"[" * 20_000 + b"]" * 20_000),
        ("j.json", b'{"a": [], "b": []}'),
        ("j.json", b'[1, "x", null, {"' + cols[0].encode() + b'": "A", "' + cols[1].encode() + b'": 1e999}]'),
        ("j.json", b'"just a string"'),
        ("j.jsonl", b'{"a":1}\n[1]\nnot json\n' + b"{" * 5000 + b"\n"),
        ("j.json", ('[{"' + cols[0] + '": ' + "9" * 5000 + "}]").encode()),
        ("j.json", b'[{"' + cols[0].encode() + b'": {"nested": [1, 2]}, "' + cols[1].encode() + b'": NaN}]'),
    ])


def k_dates(rng: random.Random, table: str) -> tuple[str, bytes]:
    cols = TABLES[table]
    stamps = ["2024-02-30", "2024-01-01T24:00:00", "2024-01-01T10:00:00+14:01", "2024-01-01T10:00:00-14:00",
              "1/2/3", "31/31/2024", "2024-01-01T10:00:00.1234567890Z", "0001-01-01", "9999-12-31T23:59:59Z",
              "2024-03-31 02:30", "Feb 30, 2024", "32 Jan 2024", "2024/1/1 1:1", "1e10", "-1"]
    rows = [[rng.choice(stamps) if c.endswith("_at") else _value(rng, c, 0) for c in cols] for _ in range(20)]
    return "t.csv", _csv(cols, rows)


KINDS = [k_random_bytes, k_truncated, k_valid, k_encoding, k_nul, k_newlines, k_huge_field, k_many_columns,
         k_duplicate_headers, k_empty, k_conflicts, k_parquet_types, k_far_cell, k_odd_xlsx, k_quotes,
         k_odd_json, k_dates]
RARE = [k_bomb]  # expensive to build: a few per run


def case(seed: int, i: int) -> tuple[str, str, str, bytes]:
    rng = random.Random(seed * 1_000_003 + i)
    kind = RARE[0] if i % 97 == 96 else KINDS[i % len(KINDS)]
    table = rng.choice(list(TABLES))
    name, data = kind(rng, table)
    return f"{kind.__name__[2:]}#{i}", table, name, data


def cases(seed: int, n: int) -> Iterator[tuple[str, str, str, bytes]]:
    for i in range(n):
        yield case(seed, i)
