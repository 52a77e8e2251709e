"""Import pipeline: read -> map -> parse and validate column-wise -> upsert in one transaction.

``import_file`` is the user-facing entry (CLI and ``store.import_file``); ``import_frame``
takes already typed pandas frames (the demo generator, tests) and skips parsing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import readers
from cxmetrics.ingest.mapping import Mapping, check_against, load_mapping
from cxmetrics.ingest.validate import Prepared, prepare
from cxmetrics.ingest.write import ARROW_TYPES, Part, write
from cxmetrics.model import schema

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store  # what ingest may use of a cxmetrics.store.Store

#: problems kept on the result for display; the quarantine table has all of them
PROBLEMS_SHOWN = 20


@dataclass
class ImportResult:
    table: str
    file: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    status: str = "ok"
    message: str = ""
    import_id: int | None = None
    checksum: str | None = None
    tz: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    problem_count: int = 0
    duplicates: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    date_order: str | None = None
    format: str | None = None
    seconds: float = 0.0
    #: other tables written in the same transaction (source adapters feeding several tables)
    also: list[ImportResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.status == "failed":
            return 1
        return 3 if self.rejected or any(r.rejected for r in self.also) else 0


def _table(name: str) -> schema.Table:
    try:
        return schema.table(name)
    except KeyError:
        raise ImportFailed(f"unknown table {name!r}; known tables: {', '.join(schema.TABLES)}", code=2) from None


def check_zone(name: str) -> str:
    from cxmetrics.errors import ConfigError
    from cxmetrics.settings import zone

    try:
        zone(name)
    except ConfigError as e:
        raise ImportFailed(str(e), code=2) from None
    return name


def resolve_options(store: Store, table: str, *, format: str, mapping: Mapping | str | Path | None,
                    tz: str | None, date_order: str | None) -> tuple[schema.Table, Mapping, str, str | None, str]:
    """Check the user's options before any file is touched (usage errors exit 2)."""
    t = _table(table)
    if format not in readers.FORMATS:
        raise ImportFailed(f"unknown format {format!r} (use one of {', '.join(readers.FORMATS)})", code=2)
    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        raise ImportFailed(f"--date-order must be dmy, mdy or ymd, not {date_order!r}", code=2)
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping) if mapping else Mapping()
    check_against(m, t)
    zone = check_zone(tz or m.timezone or store.config.timezone)
    order = date_order or m.date_order
    fmt = format if format != "auto" else (m.format or "auto")
    if fmt not in readers.FORMATS:
        raise ImportFailed(f"mapping {m.path}: unknown format {fmt!r}")
    return t, m, zone, order, fmt


def import_file(store: Store, table: str, path: str | Path, *, format: str = "auto", source: str | None = None,
                mapping: Mapping | str | Path | None = None, tz: str | None = None, date_order: str | None = None,
                encoding: str | None = None, progress: readers.Progress | None = None) -> ImportResult:
    """Import one file into ``table``; raises :class:`ImportFailed` when the file is refused as a whole.

    Rows that fail validation are quarantined and counted in ``rejected``; everything
    else is upserted. The store is changed in one transaction or not at all.
    """
    from cxmetrics.ingest import adapters

    path = Path(path)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    adapter = adapters.get(source) if source else None
    if adapter is not None:
        return adapter(store, table, path, format=format, tz=tz, date_order=date_order, encoding=encoding,
                       mapping=mapping, progress=progress)
    t, m, zone, order, fmt = resolve_options(store, table, format=format, mapping=mapping, tz=tz,
                                             date_order=date_order)
    raw = readers.read(path, fmt, encoding=encoding or m.encoding, delimiter=m.delimiter, sheet=m.sheet,
                       table=t.name, progress=progress)
    if progress:
        progress("checking", 0.6)
    prep = prepare(raw, t, m, zone=zone, date_order=order)
    if progress:
        progress("writing", 0.8)
    part = Part(t, prep.data, rows_read=raw.n + len(raw.bad), rejected=prep.rejected, quarantine=prep.quarantine)
    options = {"format": raw.fmt, "source": source, "mapping": m.path, "tz": zone, "date_order": prep.date_order,
               "encoding": raw.encoding or encoding or m.encoding, "delimiter": raw.delimiter, "sheet": m.sheet}
    import_id = write(store, [part], file=str(path), checksum=raw.checksum, source=source or raw.fmt, tz=zone,
                      options={k: v for k, v in options.items() if v is not None}, started=started)
    if progress:
        progress("done", 1.0)
    return result_for(part, prep, str(path), import_id, raw.checksum, zone, raw.fmt, started)


def result_for(part: Part, prep: Prepared, file: str, import_id: int, checksum: str | None, zone: str,
               fmt: str | None, started: dt.datetime) -> ImportResult:
    return ImportResult(
        part.table.name, file, rows_read=part.rows_read, inserted=part.inserted, updated=part.updated,
        unchanged=part.unchanged, rejected=part.rejected, status="partial" if part.rejected else "ok",
        import_id=import_id, checksum=checksum, tz=zone, problems=prep.problems[:PROBLEMS_SHOWN],
        problem_count=prep.quarantine.num_rows, duplicates=part.duplicates, ignored_columns=prep.ignored,
        date_order=prep.date_order, format=fmt,
        seconds=(dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds(),
    )


# -- typed frames ------------------------------------------------------------------------------
def _typed(t: schema.Table, frame: pd.DataFrame) -> pa.Table:
    """A typed frame -> Arrow columns of the canonical types (naive timestamps are UTC)."""
    n = len(frame)
    arrays = []
    for c in t.columns:
        if c.name not in frame:
            arr = pa.nulls(n, ARROW_TYPES[c.type])
            if c.default is not None:
                arr = pa.array([c.default] * n, ARROW_TYPES[c.type])
            arrays.append(arr)
            continue
        s = frame[c.name]
        if c.type == "timestamp":
            s = pd.to_datetime(s, utc=True).dt.tz_localize(None).astype("datetime64[us]")
        elif c.type == "int":
            s = pd.array(s, dtype="Int64")  # type: ignore[call-overload]  # pandas-stubs: pd.array takes no Series
        elif c.type == "float":
            s = pd.to_numeric(s).astype("Float64")
        elif c.type == "bool":
            s = pd.Series(s).astype("boolean")
        else:
            s = pd.Series(s).astype("string")
        if c.default is not None:
            s = pd.Series(s).fillna(c.default)
        arrays.append(pa.array(s, type=ARROW_TYPES[c.type], from_pandas=True))
    arrays.append(pa.array(range(n), pa.int64()))
    return pa.Table.from_arrays(arrays, names=[*t.names, "_row"])


def import_frame(store: Store, table: str, frame: pd.DataFrame, *, source: str = "frame", **_: Any) -> ImportResult:
    """Upsert an already-typed DataFrame (used by the demo generator and tests); no row validation."""
    t = _table(table)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    data = _typed(t, frame)
    missing = [c for c in t.required if data.column(c).null_count]
    if missing:
        raise ImportFailed(f"import_frame({table}): required column(s) with empty values: {', '.join(missing)}")
    part = Part(t, data, rows_read=len(frame))
    import_id = write(store, [part], file=source, checksum=None, source=source, tz="UTC",
                      options={"frame": True}, started=started)
    return ImportResult(table, source, rows_read=len(frame), inserted=part.inserted, updated=part.updated,
                        unchanged=part.unchanged, import_id=import_id, tz="UTC", duplicates=part.duplicates)
