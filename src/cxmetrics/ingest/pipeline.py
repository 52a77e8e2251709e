"""Import pipeline: read -> map -> parse and validate column-wise -> upsert in one transaction.

``import_file`` is the user-facing entry (CLI and ``store.import_file``); ``import_frame``
takes already typed pandas frames (the demo generator, tests) and skips parsing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
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
    from cxmetrics.settings import Config

#: problems kept on the result for display; the quarantine table has all of them
PROBLEMS_SHOWN = 20
#: read CSV with DuckDB where the file allows it (tests switch it off to compare with the general path)
NATIVE = True


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
    encoding: str | None = None
    delimiter: str | None = None
    #: what the reader noticed (a header with its own delimiter, a workbook named .csv, ...)
    notes: list[str] = field(default_factory=list)
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


def resolve_options(config: Config, table: str, *, format: str, mapping: Mapping | str | Path | None,
                    tz: str | None, date_order: str | None) -> tuple[schema.Table, Mapping, str, str | None, str]:
    """Check the user's options before any file is touched (usage errors exit 2)."""
    t = _table(table)
    if format not in readers.FORMATS:
        raise ImportFailed(f"unknown format {format!r} (use one of {', '.join(readers.FORMATS)})", code=2)
    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        raise ImportFailed(f"--date-order must be dmy, mdy or ymd, not {date_order!r}", code=2)
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping) if mapping else Mapping()
    check_against(m, t)
    zone = check_zone(tz or m.timezone or config.timezone)
    order = date_order or m.date_order
    fmt = format if format != "auto" else (m.format or "auto")
    if fmt not in readers.FORMATS:
        raise ImportFailed(f"mapping {m.path}: unknown format {fmt!r}")
    return t, m, zone, order, fmt


def import_file(store: Store, table: str, path: str | Path, *, format: str = "auto", source: str | None = None,
                mapping: Mapping | str | Path | None = None, tz: str | None = None, date_order: str | None = None,
                encoding: str | None = None, progress: readers.Progress | None = None,
                name: str | None = None, accept_partial: bool = False) -> ImportResult:
    """Import one file into ``table``; raises :class:`ImportFailed` when the file is refused as a whole.

    Rows that fail validation are quarantined and counted in ``rejected``; everything
    else is upserted. A file in which over half the rows of a table fail is refused unless
    ``accept_partial``. The store is changed in one transaction or not at all. ``name`` is
    what the import log, the quarantine and messages call the file (default: its path;
    the API passes the uploaded file's name, never its temporary copy's path).
    """
    from cxmetrics.ingest import adapters

    path = Path(path)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    adapter = adapters.get(source) if source else None
    try:
        if adapter is not None:
            return adapter(store, table, path, format=format, tz=tz, date_order=date_order, encoding=encoding,
                           mapping=mapping, progress=progress, name=name, accept_partial=accept_partial)
        return _import(store, table, path, format=format, source=source, mapping=mapping, tz=tz,
                       date_order=date_order, encoding=encoding, progress=progress, name=name, started=started,
                       accept_partial=accept_partial)
    except ImportFailed as e:
        if name is None or str(path) not in e.message:
            raise
        raise ImportFailed(e.message.replace(str(path), name), code=e.code) from None


def _import(store: Store, table: str, path: Path, *, format: str, source: str | None,
            mapping: Mapping | str | Path | None, tz: str | None, date_order: str | None, encoding: str | None,
            progress: readers.Progress | None, name: str | None, started: dt.datetime,
            accept_partial: bool) -> ImportResult:
    t, m, zone, order, fmt = resolve_options(store.config, table, format=format, mapping=mapping, tz=tz,
                                             date_order=date_order)
    if NATIVE and path.is_file() and readers.detect_format(path, fmt) == ("csv", None):
        res = _import_native(store, t, m, path, zone=zone, order=order, encoding=encoding or m.encoding,
                             source=source, name=name, started=started, progress=progress,
                             accept_partial=accept_partial)
        if res is not None:
            return res
    raw = readers.read(path, fmt, encoding=encoding or m.encoding, delimiter=m.delimiter, sheet=m.sheet,
                       table=t.name, progress=progress)
    if progress:
        progress("checking", 0.6)
    prep = prepare(raw, t, m, zone=zone, date_order=order, file=path)
    if progress:
        progress("writing", 0.8)
    part = Part(t, prep.data, rows_read=raw.n + len(raw.bad), rejected=prep.rejected, quarantine=prep.quarantine)
    options = {"format": raw.fmt, "source": source, "mapping": m.path, "tz": zone, "date_order": prep.date_order,
               "encoding": raw.encoding or encoding or m.encoding, "delimiter": raw.delimiter, "sheet": m.sheet}
    file = name or str(path)
    import_id = write(store, [part], file=file, checksum=raw.checksum, source=source or raw.fmt, tz=zone,
                      options={k: v for k, v in options.items() if v is not None}, started=started,
                      accept_partial=accept_partial)
    if progress:
        progress("done", 1.0)
    res = result_for(part, prep, file, import_id, raw.checksum, zone, raw.fmt, started)
    res.encoding, res.delimiter, res.notes = options["encoding"], raw.delimiter, list(raw.notes)
    return res


def _import_native(store: Store, t: schema.Table, m: Mapping, path: Path, *, zone: str, order: str | None,
                   encoding: str | None, source: str | None, name: str | None, started: dt.datetime,
                   progress: readers.Progress | None, accept_partial: bool) -> ImportResult | None:
    """The DuckDB-native CSV path (:mod:`cxmetrics.ingest.native`); ``None`` when the file needs the general one."""
    from cxmetrics.ingest import native

    got = native.import_csv(store, t, m, path, zone=zone, date_order=order, encoding=encoding, progress=progress)
    if got is None:
        return None
    try:
        part = Part(t, None, rows_read=got.rows_read, rejected=got.rejected, quarantine=got.quarantine, sql=got.sql)
        options = {"format": "csv", "source": source, "mapping": m.path, "tz": zone, "date_order": got.date_order,
                   "encoding": "utf-8", "delimiter": got.delimiter, "sheet": m.sheet}
        file = name or str(path)
        if progress:
            progress("writing", 0.8)
        import_id = write(store, [part], file=file, checksum=got.checksum, source=source or "csv", tz=zone,
                          options={k: v for k, v in options.items() if v is not None}, started=started,
                          accept_partial=accept_partial)
    finally:
        native.drop(store.raw)
    if progress:
        progress("done", 1.0)
    prep = Prepared(pa.table({}), got.quarantine, got.rejected, got.problems, got.ignored, got.date_order)
    res = result_for(part, prep, file, import_id, got.checksum, zone, "csv", started)
    res.encoding, res.delimiter = "utf-8", got.delimiter
    return res


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
    infinite = [c.name for c in t.columns if c.type == "float"
                and np.isinf(np.asarray(data.column(c.name).to_numpy(), dtype=float)).any()]
    if infinite:  # +-inf would make every statistic over the column fail
        raise ImportFailed(f"import_frame({table}): infinite values in {', '.join(infinite)}")
    part = Part(t, data, rows_read=len(frame))
    import_id = write(store, [part], file=source, checksum=None, source=source, tz="UTC",
                      options={"frame": True}, started=started)
    return ImportResult(table, source, rows_read=len(frame), inserted=part.inserted, updated=part.updated,
                        unchanged=part.unchanged, import_id=import_id, tz="UTC", duplicates=part.duplicates)
