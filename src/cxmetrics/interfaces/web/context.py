"""What every request shares: the read-only snapshot of the store, writer sessions, caches and the auth policy.

The server shares the store with other processes (docs/architecture.md): it never holds
it for writing. It keeps one read-only snapshot of the file (:func:`cxmetrics.store.open_snapshot`)
and each request reads through its own cursor of it (a separate connection to the same
database instance, safe across threads). Every write publishes a new file, so before
each request a ``stat`` of the path tells whether a writer (this server's own import or
token call, or a `cxm import` from cron) published a new version; the first request
after that opens the new snapshot (about 30 ms) and the response caches move to the new
data stamp. Requests already running finish on the old snapshot. The server's own writes
(uploads, tokens) are writer sessions (:class:`cxmetrics.store.Store`) like any other
process's, taken one at a time.

With ``[engine] kind = "spark"`` (``cxm --engine spark serve``) the numbers come from the
Spark tables instead (``AppContext.tables``): every request reads them through one engine,
one request at a time, the store file keeps only tokens and the import log, and writes are
refused.

Pages (``cxmetrics.interfaces.web.pages``) reach this through ``request.app.state.ctx``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import UsageError

if TYPE_CHECKING:
    import duckdb

    from cxmetrics.engine.core import Engine
    from cxmetrics.engine.tables import Tables
    from cxmetrics.interfaces.web.auth import TokenInfo
    from cxmetrics.interfaces.web.workers import MetricsParams, Worker
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

log = logging.getLogger("cxmetrics.interfaces.web")
#: Responses kept per data stamp (metrics answers are small; an import changes the stamp).
CACHE_ENTRIES = 256


#: Idle readers kept for the next requests (each a cursor of the snapshot, a store over it and an
#: engine whose fact expressions, sources and clocks are built): about a fifth of a new
#: question's time is building them afresh. At most one per request running at once.
KEPT_READERS = 4
#: Requests a kept reader serves before it is replaced: Ibis registers its small in-memory
#: tables (clocks, calendars) on the reader's connection and never drops them.
KEPT_USES = 500


def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


@dataclass
class Snapshot:
    """One version of the store file, open read-only."""

    con: duckdb.DuckDBPyConnection
    #: :func:`cxmetrics.store.snapshot_id` of the file when it was opened
    ident: Any
    #: its data stamp (a version of the file never changes)
    stamp: int
    #: its stored facts are older than its data
    facts_stale: bool


@dataclass
class Reader:
    """One request's view of the data: the tables (a read-only store over its cursor, or the
    Spark tables) and an engine over them."""

    store: Tables
    engine: Engine
    #: the data stamp of the snapshot (changes with every import)
    stamp: int


@dataclass
class _Kept:
    """A reader kept between requests, and the snapshot it reads."""

    ident: Any
    reader: Reader
    uses: int = 0

    def close(self) -> None:
        self.reader.store.close()


class ResponseCache:
    """A small LRU of finished response bodies. Keys include the data stamp, so an
    entry can never outlive the data it was computed from. Concurrent requests for the
    same missing key compute it once (the others wait for that answer): after an import,
    twenty dashboards asking the same thing cost one query, not twenty."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[bytes, str]] = OrderedDict()
        self._inflight: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: Any, body: bytes, media_type: str) -> None:
        with self._lock:
            self._items[key] = (body, media_type)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(self, key: Any, compute: Callable[[], tuple[bytes, str]],
                       wait_seconds: float = 300) -> tuple[bytes, str]:
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            running = self._inflight.get(key)
            if running is None:
                self._inflight[key] = threading.Event()
        if running is not None:  # someone is computing it: wait for theirs
            running.wait(wait_seconds)
            hit = self.get(key)
            if hit is not None:
                return hit
            return compute()  # theirs failed (a user error, say): ours will tell
        try:
            body, media = compute()
            self.put(key, body, media)
            return body, media
        finally:
            with self._lock:
                self._inflight.pop(key).set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class AppContext:
    """The app's state: store access, settings, auth policy, limits."""

    db_path: Path
    config: Config
    #: reads need a viewer token (the server listens beyond loopback)
    require_read_token: bool = False
    #: the largest import upload; None: ``[server] max_upload_mb`` of ``config``
    upload_limit: int | None = None
    cors_origins: tuple[str, ...] = ()
    #: where the numbers come from when not the store file: the Spark tables of ``[engine] kind = "spark"``
    #: (the store file then keeps only the server's own records: tokens, the import log)
    tables: Tables | None = None
    #: the current snapshot (None: closed)
    snapshot: Snapshot | None = field(default=None, repr=False)
    cache: ResponseCache = field(default_factory=ResponseCache, repr=False)
    #: Metric computations at once (one per core): more only queue inside DuckDB and the GIL,
    #: and would make cached answers and light requests wait behind them.
    compute_slots: threading.BoundedSemaphore = field(default_factory=_slots, repr=False)
    _old: list[Snapshot] = field(default_factory=list, repr=False)
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cursor_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: one request at a time on the Spark tables: they share one engine (its facts), and Spark
    #: spreads each query over the cluster itself
    _tables_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _bounds: dict[int, Any] = field(default_factory=dict, repr=False)
    _schemas: dict[tuple, Any] = field(default_factory=dict, repr=False)
    _schemas_stamp: int | None = field(default=None, repr=False)
    _kept: list[_Kept] = field(default_factory=list, repr=False)
    _kept_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: processes that answer new metrics questions beside this one's threads (:meth:`start_workers`)
    workers: list[Worker] = field(default_factory=list, repr=False)

    @property
    def max_upload_bytes(self) -> int:
        return self.upload_limit if self.upload_limit is not None else self.config.server.max_upload_bytes

    @property
    def stamp(self) -> int:
        """The data stamp of the newest version of the store (a ``stat`` of the file per call;
        an import changes it, so cache keys that include it never serve older data)."""
        return self.current().stamp

    def open(self, *, derive: bool = True) -> None:
        """Open the store file (creating it if needed); derive its facts if they are stale
        (a store last written by an older cxmetrics) and no one else is writing it.
        ``derive=False``: only read (a compute worker: the server derives them)."""
        from cxmetrics.errors import StoreBusy
        from cxmetrics.store import Store

        if not self.db_path.exists():
            Store(self.db_path, config=self.config).close()
        snap = self._open_snapshot()
        if snap.facts_stale and derive:
            try:
                with Store(self.db_path, config=self.config, wait=0) as w:
                    w.stored_facts()
            except StoreBusy:
                pass  # a writer is at work and derives them; until then requests derive them
        self.snapshot = snap
        self.current()

    def _open_snapshot(self) -> Snapshot:
        from cxmetrics.store import SNAPSHOT_ALIAS, Store, open_snapshot, snapshot_id

        ident = snapshot_id(self.db_path)
        con = open_snapshot(self.db_path)
        cur = con.cursor()
        cur.execute(f"USE {SNAPSHOT_ALIAS}")
        store = Store.from_connection(cur, path=self.db_path, config=self.config, read_only=True)
        try:
            stamp = store.data_stamp()
            stale = store.facts_stamp() != stamp
        finally:
            store.raw.close()
        return Snapshot(con, ident, stamp, stale)

    def current(self) -> Snapshot:
        """The snapshot of the newest version of the store, opened if a writer published one."""
        from cxmetrics.store import snapshot_id

        snap = self.snapshot
        if snap is None:
            raise RuntimeError("the store is closed")
        if snapshot_id(self.db_path) == snap.ident:
            return snap
        switched = False
        with self._cursor_lock:
            snap = self.snapshot
            if snap is None:
                raise RuntimeError("the store is closed")
            if snapshot_id(self.db_path) != snap.ident:
                new = self._open_snapshot()
                # Requests still reading the old snapshot finish on it; the one before is closed.
                for old in self._old[:-1]:
                    old.con.close()
                self._old = [*self._old[-1:], snap]
                self.snapshot = snap = new
                switched = True
        if switched:
            self._drop_kept(snap.ident)  # idle readers of older versions: their files can go
        return snap

    def start_workers(self) -> None:
        """Start the ``[server] compute_processes`` worker processes, at most one per core this
        process may run on (none on Spark: Spark spreads each query over its cluster itself;
        none on Windows: the pipes are passed as POSIX file descriptors)."""
        from cxmetrics.interfaces.web.workers import Worker

        if self.tables is None and not self.workers and os.name == "posix":
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            self.workers = [Worker(self.db_path, self.config)
                            for _ in range(min(self.config.server.compute_processes, cores))]

    def ask_workers(self, stamp: int, params: MetricsParams) -> tuple[bytes, str] | None:
        """A metrics answer from an idle worker process, or None (compute it here): all busy, or
        one declined (a question one worker refuses, all would)."""
        from cxmetrics.interfaces.web.workers import BUSY

        for w in self.workers:
            answer = w.ask(stamp, params)
            if answer is not BUSY:
                return answer
        return None

    def close(self) -> None:
        workers, self.workers = self.workers, []
        for w in workers:
            w.close()
        self._drop_kept(None)
        with self._cursor_lock:
            for snap in [*self._old, *([self.snapshot] if self.snapshot is not None else [])]:
                snap.con.close()
            self._old, self.snapshot = [], None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._cursor_of(self.current())

    def _cursor_of(self, snap: Snapshot) -> duckdb.DuckDBPyConnection:
        from cxmetrics.store import SNAPSHOT_ALIAS

        with self._cursor_lock:
            cur = snap.con.cursor()
        cur.execute(f"USE {SNAPSHOT_ALIAS}")
        return cur

    # -- readers kept between requests ------------------------------------------------------------
    def _take_kept(self, ident: Any) -> _Kept | None:
        """An idle kept reader of the snapshot ``ident``; kept readers of older snapshots are
        closed (one given back while a newer snapshot opened may have slipped in)."""
        self._drop_kept(ident)
        with self._kept_lock:
            return self._kept.pop() if self._kept and self._kept[-1].ident == ident else None

    def _give_back(self, kept: _Kept) -> None:
        snap = self.snapshot
        if kept.uses < KEPT_USES and snap is not None and kept.ident == snap.ident:
            with self._kept_lock:
                if len(self._kept) < KEPT_READERS:
                    self._kept.append(kept)
                    return
        kept.close()

    def _drop_kept(self, keep: Any) -> None:
        """Close the idle kept readers, except those of the snapshot ``keep``."""
        with self._kept_lock:
            gone = [k for k in self._kept if keep is None or k.ident != keep]
            self._kept = [k for k in self._kept if k not in gone]
        for k in gone:
            k.close()

    def _new_kept(self, snap: Snapshot) -> _Kept | None:
        """A reader to keep over ``snap``, or ``None`` where its facts are stale: the engine then
        derives them in temp tables of one request's transaction (see :meth:`reader`)."""
        from cxmetrics.engine.core import Engine
        from cxmetrics.store import Store

        if snap.facts_stale:
            return None
        store = Store.from_connection(self._cursor_of(snap), path=self.db_path, config=self.config,
                                      read_only=True)
        try:
            stamp = store.data_stamp()
            base = store.stored_facts(refresh=False)
            if base is None:
                store.close()
                return None
            self._remember_schemas(store.ibis, stamp)
            engine = Engine(store.ibis, self.config, cache=True, base=base)
        except BaseException:
            store.close()
            raise
        return _Kept(snap.ident, Reader(store, engine, stamp))

    @contextlib.contextmanager
    def reader(self) -> Iterator[Reader]:
        """A snapshot of the store for one request, with an engine over the stored facts (on
        Spark: the Spark tables and their one engine)."""
        from cxmetrics.engine.core import Engine
        from cxmetrics.store import Store

        if self.tables is not None:
            with self._tables_lock:
                yield Reader(self.tables, self.tables.engine(), self.tables.data_stamp())
            return
        snap = self.current()
        kept = self._take_kept(snap.ident) or self._new_kept(snap)
        if kept is not None:
            engine, stamp = kept.reader.engine, kept.reader.stamp
            self._lend_bounds(engine, stamp)
            done = False
            try:
                yield kept.reader
                done = True
            finally:
                kept.uses += 1
                engine.forget_answers()
                self._keep_bounds(engine, stamp)
                if done:
                    self._give_back(kept)
                else:  # a failed request may have left the engine half-built: start afresh
                    kept.close()
            return
        # stale stored facts: a reader for this request alone
        cur = self._cursor_of(snap)
        store = Store.from_connection(cur, path=self.db_path, config=self.config, read_only=True)
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                stamp = store.data_stamp()
                self._remember_schemas(store.ibis, stamp)
                base = store.stored_facts(refresh=False)
                # stale stored facts (an older cxmetrics wrote the store): derive them, staged
                # in this cursor's temp tables
                engine = Engine(store.ibis, self.config, cache=base is None, base=base)
                self._lend_bounds(engine, stamp)
                yield Reader(store, engine, stamp)
                self._keep_bounds(engine, stamp)
            finally:
                cur.execute("ROLLBACK")  # a read: nothing to keep
        finally:
            store.close()

    def _lend_bounds(self, engine: Engine, stamp: int) -> None:
        """The data's bounds, once asked by any engine of this data stamp, spare the next ones the query."""
        if engine.bounds_known() is None and stamp in self._bounds:
            engine.set_bounds(self._bounds[stamp])

    def _keep_bounds(self, engine: Engine, stamp: int) -> None:
        bounds = engine.bounds_known()
        if bounds is not None and stamp not in self._bounds:
            self._bounds = {stamp: bounds}  # only the latest stamp is worth keeping

    def _remember_schemas(self, backend: Any, stamp: int) -> None:
        """Table schemas are looked up once per data stamp, not per request: Ibis asks the
        database for the schema of every table it touches (a DESCRIBE and a type parse per
        column), which cost more than a cached answer. Tables only change with the data."""
        real = backend.get_schema

        def get_schema(table_name: str, *, catalog: str | None = None, database: str | None = None) -> Any:
            key = (stamp, table_name, catalog, database)
            found = self._schemas.get(key)
            if found is None:
                found = real(table_name, catalog=catalog, database=database)
                if not table_name.startswith("ibis_"):  # Ibis's own temporary tables come and go
                    with self._cursor_lock:
                        if self._schemas_stamp != stamp:  # an import: start afresh
                            self._schemas, self._schemas_stamp = {}, stamp
                        self._schemas[key] = found
            return found

        backend.get_schema = get_schema

    @contextlib.contextmanager
    def writer(self) -> Iterator[Store]:
        """A writer session (imports, tokens), one at a time in this process; it waits for
        writers in other processes up to the ``write_wait`` setting, then answers 423. Its
        changes are published when the block ends; the next request reads them."""
        from cxmetrics.interfaces.web.api_overview import warm_answers
        from cxmetrics.store import Store

        if self.tables is not None:
            raise UsageError("this server computes on Spark ([engine] kind = \"spark\") and writes nothing: load "
                             "data into the Spark tables with Spark, manage tokens with `cxm token` "
                             "(--engine duckdb), collect surveys on a server without --engine spark")
        with self._write_lock:
            store = Store(self.db_path, config=self.config, on_wait=log.warning)
            if self.config.server.warm_start:
                store.before_publish.append(warm_answers)
            try:
                yield store
            finally:
                store.close()

    def verify_token(self, token: str) -> TokenInfo | None:
        from cxmetrics.interfaces.web.auth import verify

        cur = self.cursor()
        try:
            return verify(cur, token)
        finally:
            cur.close()
