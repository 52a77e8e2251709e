"""What every request shares: the one DuckDB connection, the writer lock, caches and the auth policy.

DuckDB allows one read-write connection per file and process, so the app opens the
file once. Each request reads through its own cursor (a separate connection to the
same database instance, safe across threads) inside a transaction: it sees one
snapshot from its first statement to its last, even while an import commits. All
writes (imports, facts refresh, tokens) go through one writer cursor under one lock:
one writer, many readers.

Pages (``cxmetrics.interfaces.web.pages``) reach this through ``request.app.state.ctx``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from cxmetrics.engine.core import Engine
    from cxmetrics.interfaces.web.auth import TokenInfo
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

#: Responses kept per data stamp (metrics answers are small; an import changes the stamp).
CACHE_ENTRIES = 256


def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


@dataclass
class Reader:
    """One request's view of the store: a read-only store and an engine over its cursor."""

    store: Store
    engine: Engine
    #: the data stamp of the snapshot (changes with every import)
    stamp: int


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
    con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)
    cache: ResponseCache = field(default_factory=ResponseCache, repr=False)
    #: Metric computations at once (one per core): more only queue inside DuckDB and the GIL,
    #: and would make cached answers and light requests wait behind them.
    compute_slots: threading.BoundedSemaphore = field(default_factory=_slots, repr=False)
    _writer: Store | None = field(default=None, repr=False)
    _write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cursor_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _bounds: dict[int, Any] = field(default_factory=dict, repr=False)
    _stamp: int = field(default=0, repr=False)
    _schemas: dict[tuple, Any] = field(default_factory=dict, repr=False)
    _schemas_stamp: int | None = field(default=None, repr=False)

    @property
    def max_upload_bytes(self) -> int:
        return self.upload_limit if self.upload_limit is not None else self.config.server.max_upload_bytes

    @property
    def stamp(self) -> int:
        """The data stamp as of the last write. Only this process can write the file (DuckDB
        locks it), and every write goes through :meth:`writer`, which refreshes it: a cache
        hit needs no database round trip."""
        return self._stamp

    def open(self) -> None:
        """Open the store file (creating it if needed) and bring its stored facts up to date."""
        import duckdb

        from cxmetrics.store import Store, open_error

        try:
            self.con = duckdb.connect(str(self.db_path))
        except duckdb.IOException as e:  # locked by another process, not a DuckDB file...
            raise open_error(self.db_path, e) from None
        self._writer = Store.from_connection(self.con.cursor(), path=self.db_path, config=self.config, create=True)
        with self.writer() as w:
            w.stored_facts()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self.con is not None:
            self.con.close()
            self.con = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError("the store is closed")
        with self._cursor_lock:
            return self.con.cursor()

    @contextlib.contextmanager
    def reader(self) -> Iterator[Reader]:
        """A snapshot of the store for one request, with an engine over the stored facts."""
        from cxmetrics.engine.core import Engine
        from cxmetrics.store import Store

        cur = self.cursor()
        store = Store.from_connection(cur, path=self.db_path, config=self.config, read_only=True)
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                stamp = store.data_stamp()
                self._remember_schemas(store.ibis, stamp)
                base = store.stored_facts(refresh=False)
                if base is None and self._write_lock.locked():
                    # the writer is (most likely) rebuilding them: answer from the previous ones.
                    # Not otherwise: after a failed rebuild they would answer for good, cached
                    # under the new data stamp.
                    base = _previous_facts(store)
                # no stored facts at all: derive them, staged in this cursor's temp tables
                engine = Engine(store.ibis, self.config, cache=base is None, base=base)
                if stamp in self._bounds:
                    engine._bounds = self._bounds[stamp]
                yield Reader(store, engine, stamp)
                if engine._bounds is not None and stamp not in self._bounds:
                    self._bounds = {stamp: engine._bounds}  # only the latest stamp is worth keeping
            finally:
                cur.execute("ROLLBACK")  # a read: nothing to keep
        finally:
            store.close()

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
        """The writer store, held under the one writer lock (imports, facts, tokens)."""
        if self._writer is None:
            raise RuntimeError("the store is closed")
        with self._write_lock:
            try:
                yield self._writer
            finally:
                self._stamp = self._writer.data_stamp()

    def verify_token(self, token: str) -> TokenInfo | None:
        from cxmetrics.interfaces.web.auth import verify

        cur = self.cursor()
        try:
            return verify(cur, token)
        finally:
            cur.close()


def _previous_facts(store: Store) -> Any:
    """The stored facts even when an import committed since: the writer is rebuilding them
    (seconds; on a large store deriving them per request would take longer and slow the
    rebuild). Ticket metrics computed in that window are those of the previous import;
    they are cached under the previous data stamp, so no later request sees them."""
    from ibis.common.exceptions import TableNotFound

    from cxmetrics.facts.tickets import BaseFacts

    try:
        return BaseFacts(*(store.ibis.table(f"_fact_{n}") for n in store.FACT_TABLES))
    except TableNotFound:  # never built: the caller derives them
        return None
