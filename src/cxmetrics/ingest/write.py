"""Writing validated rows: idempotent upsert by key, quarantine and import log, one transaction.

Counting happens in SQL against the stored rows: a row whose key exists with identical
content is *unchanged* (not rewritten, keeps its old import id), one whose key exists
with other content is *updated* (replaced), the rest *inserted*. Within a file the last
occurrence of a key wins.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed
from cxmetrics.model import schema

if TYPE_CHECKING:
    import duckdb

    from cxmetrics.model.database import Database as Store  # what ingest may use of a cxmetrics.store.Store

QUARANTINE_SCHEMA = pa.schema([("line", pa.int64()), ("column", pa.string()), ("reason", pa.string()),
                               ("raw", pa.string())])
ARROW_TYPES = {"string": pa.string(), "timestamp": pa.timestamp("us"), "int": pa.int64(),
               "float": pa.float64(), "bool": pa.bool_()}


@dataclass
class Part:
    """Everything one file contributes to one table."""

    table: schema.Table
    data: pa.Table | None  # canonical columns in schema order, typed, plus "_row" (file order)
    rows_read: int
    rejected: int = 0
    quarantine: pa.Table = field(default_factory=lambda: QUARANTINE_SCHEMA.empty_table())
    #: instead of ``data``: a SELECT over the connection giving the same columns (DuckDB-native import)
    sql: str | None = None
    # filled by write()
    #: the relation holding the rows to write: the staged table, or the file's rows themselves
    #: when every one is new (then nothing is staged)
    changed_from: str = ""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write(store: Store, parts: list[Part], *, file: str, checksum: str | None, source: str, tz: str | None,
          options: dict[str, Any], started: dt.datetime, also: Callable[[Any], None] | None = None,
          accept_partial: bool = True) -> int:
    """Apply all parts in one transaction; returns the import id. Any error rolls everything back.

    ``also(con)`` runs inside the same transaction after the parts (a connector deletes removed
    tickets and advances its stored cursor there, so data and cursor commit together). Without
    ``accept_partial`` a file most of whose rows were quarantined is refused (:func:`mostly_quarantined`)."""
    if not accept_partial:
        mostly_quarantined(parts, file)
    con = store.raw
    # DuckDB draws its own progress bar on long statements; the CLI has one already
    con.execute("SET enable_progress_bar = false")
    try:
        # Staged before the transaction: DuckDB reads a table created inside a transaction (its
        # local storage) about twice as slowly, and inserts from it twice as slowly again (5.5M
        # status changes: 6.0 s against 2.8 s). Only this session writes the store, so what is
        # staged here cannot go stale before the transaction below.
        for i, part in enumerate(parts):
            _stage(con, part, i)
        con.execute("BEGIN TRANSACTION")
        try:
            import_id = int(con.execute("SELECT nextval('_import_seq')").fetchone()[0])
            for part in parts:
                _insert_changed(con, part, import_id)
                _quarantine(con, part, import_id, file, checksum)
                status = "partial" if part.rejected else "ok"
                message = (f"{part.duplicates} duplicate key(s) in the file: the last occurrence won"
                           if part.duplicates else None)
                con.execute(
                    "INSERT INTO _import_log VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, started, part.table.name, file, checksum, source, status, part.rows_read,
                     part.inserted, part.updated, part.unchanged, part.rejected, tz,
                     json.dumps(options, sort_keys=True, default=str), message],
                )
            if also is not None:
                also(con)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
    except BaseException as e:
        failed = _write_failed(e, store, file)
        if failed is None:
            raise
        raise failed from None
    finally:
        for i in range(len(parts)):
            con.unregister(f"_cxm_stage{i}")  # a no-op when not registered
            con.execute(f"DROP TABLE IF EXISTS _cxm_in{i}")
            con.execute(f"DROP TABLE IF EXISTS _cxm_changed{i}")
        con.unregister("_cxm_quarantine")
        con.execute("RESET enable_progress_bar")
    return import_id


#: quoted values and numbers in a quarantine reason: reasons that differ only there are counted together
_VARIES = re.compile(r"'[^']*'|\d+")
TOP_REASONS = 3


def mostly_quarantined(parts: list[Part], file: str) -> None:
    """Refuse a file in which over half the rows of a table failed validation: that is a wrong
    delimiter, date order or mapping far more often than a file to import in part."""
    for part in parts:
        if part.rejected * 2 > part.rows_read:
            raise ImportFailed(
                f"{file}: {part.rejected:,} of {part.rows_read:,} rows of {part.table.name} failed validation "
                f"(over half), so the file was refused and nothing was stored; most often: "
                f"{top_reasons(part.quarantine)}; fix the file or its mapping, or import it anyway with the "
                "failing rows quarantined (--accept-partial; API: accept_partial=true)")


def top_reasons(quarantine: pa.Table, n: int = TOP_REASONS) -> str:
    """The commonest problems, each as its first example with how often its kind occurs."""
    kind = pc.replace_substring_regex(quarantine["reason"], _VARIES.pattern, "#")
    q = quarantine.append_column("_kind", kind).append_column("_pos", pa.array(range(quarantine.num_rows)))
    counts = q.group_by(["column", "_kind"], use_threads=False).aggregate([("_pos", "min"), ("_pos", "count")])
    counts = counts.sort_by([("_pos_count", "descending"), ("_pos_min", "ascending")]).slice(0, n)
    out = []
    for pos, count in zip(counts["_pos_min"].to_pylist(), counts["_pos_count"].to_pylist(), strict=True):
        line, column, reason = (quarantine[c][pos].as_py() for c in ("line", "column", "reason"))
        out.append(f"line {line}, {column or '(row)'}: {reason} ({'once' if count == 1 else f'{count:,} times'})")
    return "; ".join(out)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    import duckdb

    # the failure may have ended the transaction already (or the disk is gone): nothing to undo then
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _write_failed(e: BaseException, store: Store, file: str) -> ImportFailed | None:
    """A failure of the store itself (disk full, out of memory, I/O) as a refused file; ``None`` for a bug."""
    import errno

    import duckdb

    if isinstance(e, ImportFailed):
        return e
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    full = (isinstance(e, OSError) and e.errno == errno.ENOSPC) or "No space left on device" in text \
        or "disk is full" in text.lower()
    if full:
        return ImportFailed(f"{file}: cannot write to the store {store.path}: the disk is full; nothing of the "
                            "file was stored (free some space and import it again)")
    if isinstance(e, (duckdb.IOException, duckdb.OutOfMemoryException, OSError, MemoryError)):
        return ImportFailed(f"{file}: cannot write to the store {store.path}: {text}; nothing of the file was "
                            "stored")
    return None


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The row of an aggregate query without GROUP BY (always exactly one)."""
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row


def _stage(con: duckdb.DuckDBPyConnection, part: Part, i: int) -> None:
    """Count the part's rows against the stored ones and set ``part.changed_from``: the rows to
    write (staged as ``_cxm_changed{i}``, or the file's rows themselves when all are new)."""
    t = part.table
    cols = t.names
    sel = ", ".join(q(c) for c in cols)
    if part.sql is not None:
        source = f"({part.sql}) s"
    else:
        con.register(f"_cxm_stage{i}", part.data)
        source = f"_cxm_stage{i} s"
    key = q(t.key_column)
    target = q(t.name)
    if t.key is not None and _all_new(con, part, source, key, target):
        return
    staged, changed_from = f"_cxm_in{i}", f"_cxm_changed{i}"
    if t.key is None:
        content = ", ".join(f"CAST({q(c)} AS VARCHAR)" for c in cols)
        con.execute(f"CREATE TEMP TABLE {staged} AS SELECT {sel}, md5(to_json([{content}])) AS _key, _row "
                    f"FROM {source}")
    else:
        con.execute(f"CREATE TEMP TABLE {staged} AS SELECT {sel}, _row FROM {source}")
    if part.sql is None:
        con.unregister(f"_cxm_stage{i}")
    n, distinct = _one(con, f"SELECT count(*), count(DISTINCT {key}) FROM {staged}")
    if n != distinct:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT * FROM {staged} "
                    f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _row DESC) = 1")
    part.duplicates = int(n - distinct)
    same = " AND ".join(f"t.{q(c)} IS NOT DISTINCT FROM s.{q(c)}" for c in cols)
    overlap = int(_one(con, f"SELECT count(*) FROM {staged} s SEMI JOIN {target} t ON t.{key} = s.{key}")[0])
    if overlap == 0:  # the common first import: every row is new, skip comparing contents
        con.execute(f"ALTER TABLE {staged} RENAME TO {changed_from}")
        changed = int(distinct)
    else:
        con.execute(f"CREATE TEMP TABLE {changed_from} AS SELECT s.* FROM {staged} s ANTI JOIN {target} t "
                    f"ON t.{key} = s.{key} AND {same}")
        con.execute(f"DROP TABLE {staged}")
        changed = int(_one(con, f"SELECT count(*) FROM {changed_from}")[0])
    part.updated = int(_one(
        con, f"SELECT count(*) FROM {changed_from} SEMI JOIN {target} t ON t.{key} = {changed_from}.{key}")[0]) \
        if overlap else 0
    part.inserted = changed - part.updated
    part.unchanged = int(distinct) - changed
    part.changed_from = changed_from


def _all_new(con: duckdb.DuckDBPyConnection, part: Part, source: str, key: str, target: str) -> bool:
    """The common first import (or a day of new tickets): when no key of the file's rows
    (``source``, aliased ``s``) is stored yet, they are written straight from there (the last
    occurrence of a repeated key), without staging a copy; ``False`` when some key is stored."""
    if _one(con, f"SELECT count(*) FROM {target}")[0] and \
            _one(con, f"SELECT count(*) FROM {source} SEMI JOIN {target} t ON t.{key} = s.{key}")[0]:
        return False
    n, distinct = _one(con, f"SELECT count(*), count(DISTINCT {key}) FROM {source}")
    part.duplicates = int(n - distinct)
    part.inserted, part.updated, part.unchanged = int(distinct), 0, 0
    last = "" if n == distinct else f" QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _row DESC) = 1"
    part.changed_from = f"(SELECT * FROM {source}{last}) _cxm_new"
    return True


def _insert_changed(con: duckdb.DuckDBPyConnection, part: Part, import_id: int) -> None:
    """Replace the changed rows (a separate function so tests can inject a failure here)."""
    t = part.table
    key = q(t.key_column)
    target = q(t.name)
    stored = [*t.names, *(["_key"] if t.key is None else [])]
    sel = ", ".join(q(c) for c in stored)
    if part.updated:
        con.execute(f"DELETE FROM {target} WHERE {key} IN (SELECT {key} FROM {part.changed_from})")
    con.execute(f"INSERT INTO {target} ({sel}, _import_id) SELECT {sel}, {int(import_id)} FROM {part.changed_from}")


def _quarantine(con: duckdb.DuckDBPyConnection, part: Part, import_id: int, file: str,
                checksum: str | None) -> None:
    """Record rejected rows; a re-import of the same file replaces its earlier entries."""
    if checksum:
        con.execute("DELETE FROM _quarantine WHERE table_name = ? AND import_id IN "
                    "(SELECT import_id FROM _import_log WHERE checksum = ? AND table_name = ?)",
                    [part.table.name, checksum, part.table.name])
    if part.quarantine.num_rows == 0:
        return
    con.register("_cxm_quarantine", part.quarantine)
    con.execute('INSERT INTO _quarantine SELECT ?, ?, ?, line, "column", reason, raw FROM _cxm_quarantine',
                [import_id, part.table.name, file])
    con.unregister("_cxm_quarantine")
