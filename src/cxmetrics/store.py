"""The embedded store: one DuckDB file holding the canonical tables.

How processes share it (docs/architecture.md, "One store, many processes"): the file at
the store's path is never written in place. A **writer** (an import, ``cxm demo``,
``cxm token``, an upload to ``cxm serve``) takes an OS lock on the sidecar file
``<store>.lock`` (a second writer waits, up to the ``write_wait`` setting, saying who it
waits for), copies the store to ``<store>.writing-<pid>``, writes the copy, derives the
ticket facts, and atomically renames the copy over the store when it closes. A
**reader** (every other command, reports, the server's requests, ``cxmetrics.connect``)
opens the file it finds at the path read-only, as a snapshot: a writer never blocks it
and it never blocks a writer, since the writer's file is another file. A reader sees a
new version by opening the path again; :meth:`Store.refresh` and the server do that when
the file at the path changed (its :func:`snapshot_id`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import StoreBusy, StoreError, StoreMissing
from cxmetrics.model import schema

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxmetrics.engine.core import Engine
    from cxmetrics.engine.sqlcache import Backend
    from cxmetrics.facts.tickets import BaseFacts
    from cxmetrics.ingest.pipeline import ImportResult
    from cxmetrics.settings import Config

#: Bump when facts.base_facts changes, so stores rebuild their stored facts.
FACTS_VERSION = 3
#: The statements that derived the stored facts, by FACTS_VERSION, full or delta and the columns of
#: the tables they read: building and compiling them costs ~0.25 s whatever the data, and for the
#: same source columns they come out the same (the tables they stage have fixed names).
DERIVATIONS: dict[tuple[Any, ...], tuple[str, ...]] = {}
#: The name a snapshot attaches the store file under (readers ``USE`` it).
SNAPSHOT_ALIAS = "cx"
log = logging.getLogger("cxmetrics.store")

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
        return StoreBusy(f"the store {path} is in use by another process{who} that holds it for writing: cxmetrics "
                         "never does (it writes a copy), so a DuckDB session outside cxmetrics or an older cxmetrics "
                         "does; close it and try again")
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


# -- sharing the file between processes ------------------------------------------------------------
def snapshot_id(path: Path) -> tuple[int, int, int, int] | None:
    """Identifies the version of the store file at ``path`` (every write publishes a new file,
    so a new inode): a reader whose id differs is reading an older version. ``None``: no file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def lock_path(path: Path) -> Path:
    """The sidecar file writers lock (the store file itself is replaced by every write)."""
    return path.with_name(path.name + ".lock")


def _holder_text() -> str:
    args = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    command = " ".join(a if len(a) < 60 else a[:57] + "..." for a in args)[:200]
    return f"PID {os.getpid()} ({command})"


class WriteLock:
    """The one-writer lock of a store: ``flock`` on ``<store>.lock``. The OS drops it when
    the holder exits, even on a crash, so a lock is never left behind. Whoever holds it
    writes its PID and command line into the file, for the message of those who wait.

    ``wait``: seconds to wait for another writer before :class:`~cxmetrics.errors.StoreBusy`;
    ``on_wait`` is called once with a message when waiting starts."""

    def __init__(self, store_path: Path, wait: float, on_wait: Callable[[str], None] | None = None) -> None:
        self.store_path = store_path
        self.path = lock_path(store_path)
        self.wait = wait
        self.on_wait = on_wait if on_wait is not None else log.warning
        self.fd: int | None = None

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
        except OSError:
            return "another process"

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            fd = self._open()
            try:
                told = self._lock(fd, deadline, told)
                if self._names(fd):
                    break
            except BaseException:
                os.close(fd)
                raise
            # The holder removed the file before letting go (a session that left no store, see
            # :meth:`release`): this lock guards nothing any more, take the one at the path.
            os.close(fd)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, _holder_text().encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise StoreError(f"cannot write the store {self.store_path}: cannot create its lock file {self.path} "
                             f"({e.strerror}); writing needs a writable folder") from None

    def _names(self, fd: int) -> bool:
        """The lock file at the path is the one ``fd`` holds."""
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def _lock(self, fd: int, deadline: float, told: bool) -> bool:
        """Take the flock on ``fd``, waiting until ``deadline``; returns whether waiting was said."""
        import fcntl

        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return told
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"the store {self.store_path} is being written by {self.holder()}; gave up after "
                        f"waiting {self.wait:g} s: try again when it has finished, or wait longer with "
                        "--wait SECONDS ($CXM_WRITE_WAIT, `write_wait` in cxm.toml)") from None
                if not told:
                    self.on_wait(f"waiting for the store {self.store_path}: {self.holder()} is writing it "
                                 f"(waiting up to {self.wait:g} s; --wait SECONDS changes that)")
                    told = True
                time.sleep(0.05)

    def release(self, *, remove: bool = False) -> None:
        """Let go of the lock. ``remove``: delete the lock file first (still holding it), as a
        session that leaves no store file does, so a refused import leaves nothing behind;
        writers waiting on the removed file see that and lock the path's new one."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            if remove:
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            os.close(fd)  # drops the flock

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def open_snapshot(path: Path) -> Any:
    """A DuckDB connection reading the store file now at ``path``, read-only.

    The file is attached to a private in-memory database (``USE cx``): DuckDB shares one
    database instance per path within a process, so opening the path directly would hand a
    reader that was open before a write the old version again. Cursors must ``USE cx``."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {SNAPSHOT_ALIAS} (READ_ONLY)")
        con.execute(f"USE {SNAPSHOT_ALIAS}")
    except duckdb.Error as e:
        con.close()
        if not path.exists():
            raise StoreMissing(f"no store at {path}; run `cxm demo` or `cxm import` first") from None
        raise open_error(path, e) from None
    return con


class Store:
    """A DuckDB file with the canonical tables, plus the Ibis connection over it.

    ``path`` defaults to the ``db`` setting of ``config`` (``--db``, ``$CXM_DB``, ``cxm.toml``,
    else ``./cx.duckdb``).

    ``read_only=True``: a **snapshot** of the store as it is now, never blocked by writers
    (:meth:`refresh` moves it to the newest version; :meth:`engine` does that itself).
    Otherwise a **writer session**: it takes the store's write lock (waiting up to ``wait``
    seconds, default the ``write_wait`` setting, for another writer; ``on_wait`` hears
    about it), works on a copy of the file, and publishes the copy, with its ticket facts
    derived, when it is closed: other processes see its changes from then on. Keep writer
    sessions short (``with Store(path) as s: ...``); :func:`connect` gives a snapshot whose
    imports are short writer sessions of their own.

    Opening raises :class:`~cxmetrics.errors.StoreMissing` (read-only, no file),
    :class:`~cxmetrics.errors.StoreBusy` (another writer held the lock for ``wait`` seconds)
    or :class:`~cxmetrics.errors.StoreError` (not a DuckDB file, unreadable)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 config: Config | None = None, wait: float | None = None,
                 on_wait: Callable[[str], None] | None = None) -> None:
        from cxmetrics.settings import load_config

        self.config = config if config is not None else load_config()
        self.path = Path(path) if path is not None else self.config.db
        self.read_only = read_only
        #: a snapshot whose import methods open writer sessions (see :func:`connect`)
        self.writable = not read_only
        self.on_wait = on_wait
        #: called with this writer session before it publishes (e.g. to compute answers kept with the data)
        self.before_publish: list[Callable[[Store], None]] = []
        self._lock: WriteLock | None = None
        self._work: Path | None = None
        self._snapshot: tuple[int, int, int, int] | None = None
        if read_only:
            if not self.path.exists():
                raise StoreMissing(f"no store at {self.path}; run `cxm demo` or `cxm import` first")
            self._open_snapshot()
            return
        if str(self.path) == ":memory:":  # a private in-memory store: nothing to share
            self.ibis = self._connect_ibis(":memory:")
            self.raw = self.ibis.con
            self.raw.execute("SET enable_progress_bar = false")
            self._create()
            return
        self._lock = WriteLock(self.path, self.config.write_wait if wait is None else wait, on_wait)
        self._lock.acquire()
        try:
            self._open_work()
        except BaseException:
            self._discard()
            raise
        self._create()

    def _connect_ibis(self, target: Any) -> Backend:
        """Ibis over a DuckDB file path or open connection, compiling through the SQL kept
        by this process and, with the ``sql_cache`` setting, other processes (engine/sqlcache.py)."""
        from cxmetrics.engine import sqlcache

        cache = sqlcache.cache_for(self.config.sql_cache_folder)
        if isinstance(target, str):
            return sqlcache.connect(target, sql_cache=cache)
        return sqlcache.from_connection(target, sql_cache=cache)

    def _open_snapshot(self) -> None:
        ident = snapshot_id(self.path)  # before opening: a write in between makes us look stale, not fresh
        con = open_snapshot(self.path)
        self._snapshot = ident
        self.ibis = self._connect_ibis(con)
        self.raw = con
        self.raw.execute("SET enable_progress_bar = false")

    def _open_work(self) -> None:
        """Copy the store to ``<store>.writing-<pid>`` and open the copy read-write."""
        import duckdb

        folder = self.path.parent
        if not folder.is_dir():
            raise StoreError(f"cannot create the store {self.path}: no folder {folder}")
        for stale in folder.glob(f"{self.path.name}.writing-*"):  # a writer that died: we hold the lock now
            _remove(stale)
        self._work = work = folder / f"{self.path.name}.writing-{os.getpid()}"
        try:
            if self.path.exists():
                shutil.copyfile(self.path, work)
                wal = self.path.with_name(self.path.name + ".wal")  # a store last closed by an older cxmetrics
                if wal.exists():
                    shutil.copyfile(wal, work.with_name(work.name + ".wal"))
        except OSError as e:
            raise StoreError(f"cannot open the store {self.path}: {e.strerror or e}; give the path of a cxmetrics "
                             "store with --db (or $CXM_DB), or a new file name to create one") from None
        try:
            self.ibis = self._connect_ibis(str(work))
        except duckdb.Error as e:
            raise open_error(self.path, e) from None
        self.raw = self.ibis.con
        # Our own commands show progress where it helps; DuckDB's bar would interleave with it.
        self.raw.execute("SET enable_progress_bar = false")
        if self.config.write_memory != "0":  # bounded: beyond it DuckDB spills to <work>.tmp (removed with the work file)
            self.raw.execute(f"SET memory_limit = '{self.config.write_memory}'")

    def _discard(self) -> None:
        if self._work is not None:
            for f in (self._work, self._work.with_name(self._work.name + ".wal"),
                      self._work.with_name(self._work.name + ".tmp")):
                _remove(f)
            self._work = None
        if self._lock is not None:
            self._lock.release(remove=not self.path.exists())  # no store: no lock file beside it
            self._lock = None

    def _publish(self) -> None:
        """Derive the facts if an import made them stale, then put the copy in place."""
        try:
            if self.data_stamp() // 1000 > 0 and self.facts_stamp() != self.data_stamp():
                self.refresh_facts()
            for hook in self.before_publish:
                try:
                    hook(self)
                except Exception:  # an extra (a kept answer) must never cost the import: log it, publish
                    log.exception("before-publish step %s failed; publishing without it", hook)
            self._disconnect()  # checkpoints: the copy is complete in one file
            assert self._work is not None
            os.replace(self._work, self.path)
            with contextlib.suppress(OSError):  # make the rename durable
                fd = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            self._work = None
        finally:
            self._discard()

    def refresh(self) -> bool:
        """Move a snapshot to the newest version of the store; ``True`` if there was one.
        Ibis tables taken from the old snapshot stop working."""
        if self._snapshot is None or snapshot_id(self.path) == self._snapshot:
            return False  # a writer session, a store over someone else's connection, or current
        self._disconnect()
        self._open_snapshot()
        return True

    @classmethod
    def from_connection(cls, con: Any, *, path: str | Path | None = None, read_only: bool = False,
                        config: Config | None = None, create: bool = False) -> Store:
        """A store over an open DuckDB connection or cursor (the API server opens the file once
        and gives each request its own cursor). ``read_only`` here is a promise, not a lock:
        such a store never writes, e.g. it derives stale facts in memory instead of storing them.
        Closing the store closes ``con``."""
        from cxmetrics.settings import load_config

        self = cls.__new__(cls)
        self.config = config if config is not None else load_config()
        self.path = Path(path) if path is not None else self.config.db
        self.read_only = read_only
        self.writable = not read_only
        self.on_wait = None
        self.before_publish = []
        self._lock = self._work = self._snapshot = None
        self.ibis = self._connect_ibis(con)
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
    @property
    def _writes_itself(self) -> bool:
        """A writer session (holding the lock), or a store over a connection that may write."""
        return self._lock is not None or (not self.read_only and self._snapshot is None)

    @contextlib.contextmanager
    def writing(self) -> Iterator[Store]:
        """A writer session on this store: this store itself if it is one, else a new one,
        published when the block ends (this snapshot then moves to the new version)."""
        if self._writes_itself:
            yield self
            return
        if not self.writable:
            raise StoreError(f"the store {self.path} was opened read-only; open it with "
                             "cxmetrics.connect(path) to import")
        with Store(self.path, config=self.config, on_wait=self.on_wait) as writer:
            yield writer
        self.refresh()

    def import_file(self, table: str, path: str | Path, **options: Any) -> ImportResult:
        from cxmetrics.ingest.pipeline import import_file

        with self.writing() as w:
            return import_file(w, table, Path(path), **options)

    def import_frame(self, table: str, frame: pd.DataFrame, **options: Any) -> ImportResult:
        from cxmetrics.ingest.pipeline import import_frame

        with self.writing() as w:
            return import_frame(w, table, frame, **options)

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

    def refresh_facts(self, stamp: int | None = None, *, full: bool = False) -> None:
        """Derive and store the base facts in one transaction (SPEC 4.1: once per ticket).

        After imports into a store whose facts are current up to an earlier import, only
        the tickets those imports touched (and the other tickets of their customers, whose
        repeat contacts may change) are derived again, unless they are more than
        :attr:`DELTA_SHARE` of all tickets; ``full`` rebuilds everything. Either way the
        stored facts equal a full rebuild.
        """
        if not self._writes_itself:  # a snapshot: through a writer, which reads the newest version (its stamp)
            with self.writing() as w:
                w.refresh_facts(full=full)
            return
        stamp = self.data_stamp() if stamp is None else stamp
        old = self.facts_stamp()
        if not full and old is not None and old % 1000 == stamp % 1000 and old // 1000 < stamp // 1000 \
                and self._refresh_delta(old // 1000, stamp):
            return
        self._derive_facts(stamp)

    #: above this share of all tickets affected, an incremental refresh rebuilds everything instead
    DELTA_SHARE = 0.2

    def _derive_facts(self, stamp: int, affected: ir.Table | None = None) -> None:
        """Derive the facts of every ticket, or (``affected``: a table of ticket ids) of those
        tickets only, replacing their earlier rows.

        The derivation is a fixed list of statements for given source columns (the staged tables
        have fixed names): the first derivation in a process builds and compiles it, later ones
        with the same source columns run the same statements again (:data:`DERIVATIONS`)."""
        import ibis.expr.operations as ops
        import sqlglot as sg

        from cxmetrics.engine.core import Engine
        from cxmetrics.facts.tickets import INTERMEDIATES, Sources, base_facts

        src = Engine(self.ibis, self.config).sources()
        tables = (src.tickets, src.messages, src.status_changes, src.work_sessions)
        if affected is not None:
            src = Sources(*(t.filter(t.ticket_id.isin(affected.ticket_id)) for t in tables))
        con = self.raw
        delta = affected is not None
        inputs = (*tables, *((affected,) if affected is not None else ()))
        # an in-memory table (a missing canonical table) has a generated name: not a fixed statement
        key = None if any(t.op().find(ops.InMemoryTable) for t in inputs) else \
            (FACTS_VERSION, delta, tuple(t.schema() for t in inputs))
        known = DERIVATIONS.get(key) if key is not None else None
        statements: list[str] = []
        dialect = self.ibis.dialect

        def run(statement: str) -> None:
            con.execute(statement)
            statements.append(statement)

        def stage(name: str, expr: ir.Table) -> ir.Table:
            # Typed as Ibis types them (CREATE ... AS would keep DuckDB's: a SUM of BIGINTs is a
            # HUGEINT, whose compressed columns DuckDB scans ~60x slower: reading the replies and
            # reopens of 1M tickets took 0.3 s of every query that counts them).
            sql = self.ibis.compile(expr)
            columns = ", ".join(f"{sg.to_identifier(c, quoted=True).sql(dialect)} "
                                f"{self.ibis.compiler.type_mapper.to_string(t)}" for c, t in expr.schema().items())
            if name in INTERMEDIATES or delta:  # an intermediate, or a delta (named apart: temp shadows main)
                temp = f"_cxm_delta_{name}" if delta else f"_fact_{name}"
                run(f"CREATE OR REPLACE TEMP TABLE {temp} ({columns})")
                run(f"INSERT INTO temp.{temp} {sql}")
                return self.ibis.table(temp, database="temp")
            run(f"CREATE OR REPLACE TABLE _fact_{name} ({columns})")
            run(f"INSERT INTO _fact_{name} {sql}")
            return self.ibis.table(f"_fact_{name}")

        # A writer session derives in its private copy, which nobody sees before it is published:
        # no transaction is needed (a failure leaves _facts_meta's stamp stale, so the next refresh
        # derives again, and every statement replaces whole tables or whole tickets). Inside one,
        # DuckDB reads the tables it has just written from the transaction's local storage, 1.5-2x
        # slower: the facts of 1M tickets took 22.6 s instead of 15.
        private = self._work is not None
        try:
            with contextlib.nullcontext() if private else transaction(con):
                if known is None:
                    base_facts(src, stage)
                else:
                    for statement in known:
                        con.execute(statement)
                if delta:
                    for n in self.FACT_TABLES:
                        con.execute(f"DELETE FROM _fact_{n} WHERE ticket_id IN (SELECT ticket_id FROM _cxm_affected)")
                        con.execute(f"INSERT INTO _fact_{n} BY NAME SELECT * FROM _cxm_delta_{n}")
                con.execute("CREATE OR REPLACE TABLE _facts_meta AS SELECT ?::BIGINT AS stamp, now() AS built_at",
                            [stamp])
        finally:
            for n in (*INTERMEDIATES, *self.FACT_TABLES) if delta else INTERMEDIATES:
                con.execute(f"DROP TABLE IF EXISTS temp.{'_cxm_delta_' if delta else '_fact_'}{n}")
        if key is not None and known is None:
            DERIVATIONS[key] = tuple(statements)

    def _refresh_delta(self, since: int, stamp: int) -> bool:
        """Refresh the facts of the tickets imports after ``since`` touched; ``False`` (nothing
        done) when too many tickets are affected for that to pay."""
        con = self.raw
        touched = " UNION ".join(f'SELECT ticket_id FROM "{n}" WHERE "_import_id" > {int(since)}'
                                 for n in ("tickets", "messages", "status_changes", "work_sessions"))
        # a ticket's repeat-contact link depends on the other tickets of its customer in its category
        # (before and after an update): those groups are derived again whole
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _cxm_affected AS
            WITH touched AS ({touched}),
            groups AS (
                SELECT customer_id, category FROM tickets WHERE ticket_id IN (SELECT ticket_id FROM touched)
                UNION SELECT customer_id, category FROM _fact_tickets
                WHERE ticket_id IN (SELECT ticket_id FROM touched))
            SELECT ticket_id FROM touched
            UNION SELECT t.ticket_id FROM tickets t JOIN groups g USING (customer_id, category)
            UNION SELECT f.ticket_id FROM _fact_tickets f JOIN groups g USING (customer_id, category)""")
        try:
            n = int(con.execute("SELECT count(*) FROM temp._cxm_affected").fetchone()[0])
            if n > self.DELTA_SHARE * max(self.count("tickets"), 1):
                return False
            self._derive_facts(stamp, self.ibis.table("_cxm_affected", database="temp"))
            return True
        finally:
            con.execute("DROP TABLE IF EXISTS temp._cxm_affected")

    # -- metrics ---------------------------------------------------------
    def engine(self, *, cache: bool = True, stored: bool = True, **kw: Any) -> Engine:
        """An engine over this store; ``stored=False`` derives facts from the raw tables."""
        from cxmetrics.engine.core import Engine

        self.refresh()
        base = self.stored_facts() if stored and cache else None
        return Engine(self.ibis, self.config, cache=cache, base=base, **kw)

    def metrics(self, ids: list[str] | str | None = None, **kw: Any) -> pd.DataFrame:
        """Tidy DataFrame with the columns of the JSON record (SPEC 5.1)."""
        if isinstance(ids, str):
            ids = [ids]
        return self.engine().frame(ids, **kw)

    def _disconnect(self) -> None:
        # Cached (temp) tables die with the connection; detach Ibis's finalizers so
        # they do not try to drop them on a closed connection later.
        for entry in list(getattr(self.ibis, "_cache_name_to_entry", {}).values()):
            entry.finalizer.detach()
        getattr(self.ibis, "_cache_name_to_entry", {}).clear()
        getattr(self.ibis, "_cache_op_to_entry", {}).clear()
        self.ibis.disconnect()

    def discard(self) -> None:
        """End a writer session without publishing: nothing it changed reaches the store file
        (``cxm import`` into a new store whose every file was refused leaves no empty store).
        Elsewhere the same as :meth:`close`."""
        if self._lock is None:
            self.close()
            return
        self._disconnect()
        self._discard()

    def close(self) -> None:
        """Close the store; a writer session publishes its changes and releases the write lock."""
        if self._lock is not None:
            self._publish()
            return
        if getattr(self, "_closed", False):
            return
        self._closed = True
        self._disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def connect(path: str | Path | None = None, *, read_only: bool = False,
            config: Config | None = None) -> Store:
    """Open the store at ``path`` (default: the ``db`` setting, see :class:`Store`) as a snapshot
    that other processes can write meanwhile (:meth:`Store.refresh`; :meth:`Store.engine`
    and :meth:`Store.metrics` refresh it themselves). Unless ``read_only``, a missing store
    is created, and :meth:`Store.import_file` / :meth:`Store.import_frame` each run in a
    short writer session (waiting for another writer, see the ``write_wait`` setting).

    >>> import cxmetrics as cx
    >>> store = cx.connect("cx.duckdb")                                   # doctest: +SKIP
    >>> store.metrics(["tickets"], grain="month").tail(1)                 # doctest: +SKIP
    """
    from cxmetrics.settings import load_config

    config = config if config is not None else load_config()
    where = Path(path) if path is not None else config.db
    if not read_only and not where.exists():
        Store(where, config=config).close()
    store = Store(where, read_only=True, config=config)
    store.writable = not read_only
    return store
