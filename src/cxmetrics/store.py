"""The embedded store: one DuckDB file holding the canonical tables."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import StoreBusy, StoreError, StoreMissing
from cxmetrics.model import schema

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxmetrics.engine.core import Engine
    from cxmetrics.facts.tickets import BaseFacts
    from cxmetrics.ingest.pipeline import ImportResult
    from cxmetrics.settings import Config

#: Bump when facts.base_facts changes, so stores rebuild their stored facts.
FACTS_VERSION = 2

META_DDL = (
    """CREATE SEQUENCE IF NOT EXISTS _import_seq START 1""",
    """CREATE TABLE IF NOT EXISTS _import_log (
        import_id BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP,
        table_name VARCHAR, file VARCHAR, checksum VARCHAR, source VARCHAR,
        status VARCHAR, rows_read BIGINT, inserted BIGINT, updated BIGINT,
        unchanged BIGINT, rejected BIGINT, tz VARCHAR, options VARCHAR, message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS _quarantine (
        import_id BIGINT, table_name VARCHAR, file VARCHAR, line BIGINT,
        "column" VARCHAR, reason VARCHAR, raw VARCHAR)""",
    # API tokens (cxm token, docs/api.md): only a SHA-256 of each token is kept.
    """CREATE SEQUENCE IF NOT EXISTS _token_seq START 1""",
    """CREATE TABLE IF NOT EXISTS _tokens (
        id BIGINT, role VARCHAR, hash VARCHAR, label VARCHAR, created_at TIMESTAMP, revoked_at TIMESTAMP)""",
)


def open_error(path: Path, error: Exception) -> StoreError:
    """What a DuckDB ``IOException`` on opening ``path`` means to the user."""
    text = re.sub(r"^IO Error: ", "", str(error))
    held = re.search(r"lock is held in (.+?) \(PID (\d+)\)", text)
    if held or "Could not set lock" in text:
        who = f" (PID {held.group(2)}, {held.group(1)})" if held else ""
        return StoreBusy(f"the store {path} is in use by another process{who}: an import or `cxm serve` holds "
                         "it; wait until it finishes (or stop the server) and try again")
    return StoreError(f"cannot open the store {path}: {text}; give the path of a cxmetrics store with --db "
                      "(or $CXM_DB), or a new file name to create one")


@contextlib.contextmanager
def transaction(con: Any) -> Iterator[Any]:
    """``BEGIN`` ... ``COMMIT``; on any exception (even KeyboardInterrupt) ``ROLLBACK`` and re-raise."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class Store:
    """A DuckDB file with the canonical tables, plus the Ibis connection over it.

    ``path`` defaults to the ``db`` setting of ``config`` (``--db``, ``$CXM_DB``, ``cxm.toml``,
    else ``./cx.duckdb``). Opening raises :class:`~cxmetrics.errors.StoreMissing` (read-only,
    no file), :class:`~cxmetrics.errors.StoreBusy` (another process holds the lock) or
    :class:`~cxmetrics.errors.StoreError` (not a DuckDB file, unreadable)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 config: Config | None = None) -> None:
        import duckdb
        import ibis

        from cxmetrics.settings import load_config

        self.config = config if config is not None else load_config()
        self.path = Path(path) if path is not None else self.config.db
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreMissing(f"no store at {self.path}; run `cxm demo` or `cxm import` first")
        try:
            self.ibis = ibis.duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            raise open_error(self.path, e) from None
        self.raw = self.ibis.con
        # Our own commands show progress where it helps; DuckDB's bar would interleave with it.
        self.raw.execute("SET enable_progress_bar = false")
        if not read_only:
            self._create()

    @classmethod
    def from_connection(cls, con: Any, *, path: str | Path | None = None, read_only: bool = False,
                        config: Config | None = None, create: bool = False) -> Store:
        """A store over an open DuckDB connection or cursor (the API server opens the file once
        and gives each request its own cursor). ``read_only`` here is a promise, not a lock:
        such a store never writes, e.g. it derives stale facts in memory instead of storing them.
        Closing the store closes ``con``."""
        import ibis

        from cxmetrics.settings import load_config

        self = cls.__new__(cls)
        self.config = config if config is not None else load_config()
        self.path = Path(path) if path is not None else self.config.db
        self.read_only = read_only
        self.ibis = ibis.duckdb.from_connection(con)
        self.raw = con
        self.raw.execute("SET enable_progress_bar = false")
        if create and not read_only:
            self._create()
        return self

    def _create(self) -> None:
        for stmt in META_DDL:
            self.raw.execute(stmt)
        for t in schema.TABLES.values():
            self.raw.execute(schema.ddl(t))

    # -- reading ---------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.ibis.table(name)

    def count(self, name: str) -> int:
        return int(self.raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in schema.TABLES}

    # -- writing ---------------------------------------------------------
    def import_file(self, table: str, path: str | Path, **options: Any) -> ImportResult:
        from cxmetrics.ingest.pipeline import import_file

        return import_file(self, table, Path(path), **options)

    def import_frame(self, table: str, frame: pd.DataFrame, **options: Any) -> ImportResult:
        from cxmetrics.ingest.pipeline import import_frame

        return import_frame(self, table, frame, **options)

    #: Tables the stored base facts never read (facts.tickets.base_facts): writing them keeps
    #: current facts current, so a collected survey answer does not rebuild the ticket facts.
    OUTSIDE_FACTS = ("survey_responses", "survey_invitations")

    def record(self, table: str, frame: pd.DataFrame, *, source: str) -> ImportResult:
        """Upsert rows the application collected itself (survey answers and invitations) as an
        import (logged, so the data stamp and every cache keyed on it move on). Only for
        :attr:`OUTSIDE_FACTS`: stored facts that were current stay current."""
        if table not in self.OUTSIDE_FACTS:
            raise ValueError(f"record() writes {', '.join(self.OUTSIDE_FACTS)}, not {table}")
        current = self.facts_stamp() == self.data_stamp()
        res = self.import_frame(table, frame, source=source)
        if current:
            self.raw.execute("UPDATE _facts_meta SET stamp = ?", [self.data_stamp()])
        return res

    # -- derived facts ---------------------------------------------------
    FACT_TABLES = ("tickets", "waits", "spans", "events")

    def data_stamp(self) -> int:
        """Changes whenever an import may have changed the data, or the fact
        derivation itself changed (FACTS_VERSION)."""
        n = int(self.raw.execute("SELECT coalesce(max(import_id), 0) FROM _import_log").fetchone()[0])
        return n * 1000 + FACTS_VERSION

    def facts_stamp(self) -> int | None:
        import duckdb

        try:
            row = self.raw.execute("SELECT stamp FROM _facts_meta").fetchone()
        except duckdb.CatalogException:  # no such table: the facts were never built
            return None
        return None if row is None else int(row[0])

    def stored_facts(self, *, refresh: bool = True) -> BaseFacts | None:
        """The stored base facts, rebuilt first if an import happened since; ``None``
        when they are stale and the store is read-only (the engine then derives them)."""
        from cxmetrics.facts.tickets import BaseFacts

        stamp = self.data_stamp()
        if self.facts_stamp() != stamp:
            if self.read_only or not refresh:
                return None
            self.refresh_facts(stamp)
        return BaseFacts(*(self.ibis.table(f"_fact_{n}") for n in self.FACT_TABLES))

    def refresh_facts(self, stamp: int | None = None) -> None:
        """Derive and store the base facts in one transaction (SPEC 4.1: once per ticket)."""
        from cxmetrics.engine.core import Engine
        from cxmetrics.facts.tickets import base_facts

        stamp = self.data_stamp() if stamp is None else stamp
        src = Engine(self.ibis, self.config).sources()
        con = self.raw

        def stage(name: str, expr: ir.Table) -> ir.Table:
            sql = self.ibis.compile(expr)
            if name == "messages":  # an intermediate, not worth keeping
                con.execute(f"CREATE OR REPLACE TEMP TABLE _fact_{name} AS {sql}")
                return self.ibis.table(f"_fact_{name}", database="temp")
            con.execute(f"CREATE OR REPLACE TABLE _fact_{name} AS {sql}")
            return self.ibis.table(f"_fact_{name}")

        with transaction(con):
            base_facts(src, stage)
            con.execute("CREATE OR REPLACE TABLE _facts_meta AS SELECT ?::BIGINT AS stamp, now() AS built_at",
                        [stamp])
        con.execute("DROP TABLE IF EXISTS temp._fact_messages")

    # -- metrics ---------------------------------------------------------
    def engine(self, *, cache: bool = True, stored: bool = True, **kw: Any) -> Engine:
        """An engine over this store; ``stored=False`` derives facts from the raw tables."""
        from cxmetrics.engine.core import Engine

        base = self.stored_facts() if stored and cache else None
        return Engine(self.ibis, self.config, cache=cache, base=base, **kw)

    def metrics(self, ids: list[str] | str | None = None, **kw: Any) -> pd.DataFrame:
        """Tidy DataFrame with the columns of the JSON record (SPEC 5.1)."""
        if isinstance(ids, str):
            ids = [ids]
        return self.engine().frame(ids, **kw)

    def close(self) -> None:
        # Cached (temp) tables die with the connection; detach Ibis's finalizers so
        # they do not try to drop them on a closed connection later.
        for entry in list(getattr(self.ibis, "_cache_name_to_entry", {}).values()):
            entry.finalizer.detach()
        getattr(self.ibis, "_cache_name_to_entry", {}).clear()
        getattr(self.ibis, "_cache_op_to_entry", {}).clear()
        self.ibis.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(path: str | Path | None = None, *, read_only: bool = False,
            config: Config | None = None) -> Store:
    """Open (creating if needed) the store at ``path`` (default: the ``db`` setting, see :class:`Store`)."""
    return Store(path, read_only=read_only, config=config)
