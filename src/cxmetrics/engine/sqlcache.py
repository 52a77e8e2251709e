"""Compiled SQL kept per query shape, in this process and across processes.

Compiling an Ibis expression to SQL costs 20-150 ms (rewrites over a graph of a few hundred
nodes), often more than DuckDB takes to run the query on the demo store, and every engine
compiles the same shapes again: a new CLI process, each writer's fact derivation, each
request the server has not seen. What changes between two such compilations is data, not
shape: the period bounds and the data's "as of" instant (timestamp and date literals), and
the generated names of cached tables and in-memory tables.

So a query's *shape* is its operation graph with those values replaced by numbered holes
(:func:`fingerprint`, ~2 ms). The first time a shape is seen it is compiled once with
sentinel values in the holes (year 7777; generated names ``__cxm_hole_N__``) and kept as a
template; later the holes are filled with the renderings of the actual values, which the
compiler produces for a literal regardless of where it stands. A template whose sentinels do
not all come out verbatim, or leave any trace after filling, is not kept: that shape is
compiled every time. Templates live in memory and, with a folder (the ``sql_cache``
setting), on disk, keyed by the graph, Ibis and sqlglot versions and the dialect, so another
process (the CLI after the server, a notebook) reuses them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.operations as ops
import ibis.expr.schema as sch
import sqlglot as sg
import sqlglot.expressions as sge
from ibis.backends import BaseBackend
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.common.exceptions import TableNotFound
from ibis.common.graph import Node

log = logging.getLogger(__name__)

#: names Ibis generates for cached and in-memory tables (``util.gen_name``): data, not shape
_GENERATED = re.compile(r"^ibis_[a-z_]+_[a-z0-9]{20,}$")
_SENTINEL_YEAR = 7777
_MARK = "\x00"
#: the nodes Ibis's DuckDB pre-execute hooks act on
_HOOKED = (ops.PhysicalTable, ops.GeoSpatialUnOp, ops.GeoSpatialBinOp, ops.ScalarUDF)
#: bump when the template format or what counts as a hole changes
_FORMAT = 1


class _Uncacheable(Exception):
    """The graph holds something whose text is not a faithful key (an object's address)."""


def fingerprint(root: Node) -> tuple[str, list[ops.Node]]:
    """The shape of ``root``: a digest of its graph with hole values left out, and the
    holes' nodes (timestamp and date literals, generated tables) in first-seen order;
    equal values share a hole."""
    digest, nodes, _ = _walk(root)
    return digest, nodes


def _walk(root: Node) -> tuple[str, list[ops.Node], list[ops.Node]]:
    """:func:`fingerprint`, and the nodes Ibis's pre-execute hooks act on (``_HOOKED``), found
    in the same walk of the graph: a query's execution walked it twice (0.3 s of the ~9 s an
    all-metrics call on the small demo took three times under a profiler)."""
    index: dict[Node, int] = {}
    parts: list[str] = []
    holes: dict[Any, int] = {}
    nodes: list[ops.Node] = []
    hooked: list[ops.Node] = []

    def hole(key: Any, node: ops.Node) -> str:
        k = holes.get(key)
        if k is None:
            k = holes[key] = len(nodes)
            nodes.append(node)
        return f"${k}"

    def enc(v: Any) -> str:
        if isinstance(v, Node):
            return visit(v)
        if isinstance(v, tuple):
            return "(" + ",".join(map(enc, v)) + ")"
        if isinstance(v, Mapping):
            return "{" + ",".join(f"{k!r}:{enc(x)}" for k, x in v.items()) + "}"
        if isinstance(v, BaseBackend):
            return f"<{v.name}>"
        text = repr(v)
        if " at 0x" in text:
            raise _Uncacheable(text)
        return text

    def visit(n: Node) -> str:
        i = index.get(n)
        if i is not None:
            return f"#{i}"
        if isinstance(n, _HOOKED):
            hooked.append(n)
        if isinstance(n, ops.Literal) and _is_hole_literal(n):
            body = f"Literal[{n.dtype!r}]{hole(('lit', str(n.dtype), n.value), n)}"
        elif isinstance(n, (ops.DatabaseTable, ops.InMemoryTable, ops.UnboundTable)):
            name = hole(("table", n.name), n) if _GENERATED.match(n.name) else repr(n.name)
            body = f"{type(n).__name__}[{name},{n.schema!r},{getattr(n, 'namespace', None)!r}]"
        else:
            body = type(n).__name__ + "(" + ",".join(enc(a) for a in n.__args__) + ")"
        index[n] = i = len(parts)
        parts.append(body)
        return f"#{i}"

    visit(root)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), nodes, hooked


def _is_hole_literal(n: ops.Literal) -> bool:
    dtype = n.dtype
    if n.value is None:
        return False
    return bool(dtype.is_date() or (dtype.is_timestamp() and dtype.timezone is None and dtype.scale is None))


def _sentinel(k: int, node: ops.Node) -> ops.Node:
    if isinstance(node, ops.Literal):
        day = dt.date(_SENTINEL_YEAR, 1, 1) + dt.timedelta(days=k)
        value: Any = day if node.dtype.is_date() else dt.datetime(_SENTINEL_YEAR, 1, 1) + dt.timedelta(seconds=k)
        return ops.Literal(value, node.dtype)
    return node.copy(name=f"__cxm_hole_{k}__")


class SqlCache:
    """Templates by shape: a bounded in-memory map, backed by ``folder`` when given."""

    def __init__(self, folder: Path | None, size: int = 4096, *, verify: bool = False) -> None:
        self.folder = folder
        self.size = size
        #: compile every hit the plain way too and fail on any difference (tests)
        self.verify = verify
        self._memory: OrderedDict[str, list[str] | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def compile(self, backend: DuckDBBackend, expr: ibis.Expr, limit: Any = None,
                shape: tuple[str, list[ops.Node]] | None = None) -> str:
        """The SQL of ``expr``; ``shape``: its :func:`fingerprint`, when the caller has it."""
        if shape is None:
            try:
                shape = fingerprint(expr.op())
            except _Uncacheable:
                return _compile(backend, expr, limit)
        digest, holes = shape
        key = f"{digest}-{limit}"
        template = self._get(key, backend.dialect)
        if template is _UNKNOWN:
            self.misses += 1
            template = self._build(backend, expr, holes, limit)
            self._put(key, template, backend.dialect)
        else:
            self.hits += 1
        if template is None:  # a shape that does not template faithfully
            return _compile(backend, expr, limit)
        assert isinstance(template, list)
        fills = [_render(backend, n) for n in holes]
        out = template[:]
        for i in range(1, len(out), 2):
            out[i] = fills[int(out[i])]
        sql = "".join(out)
        if self.verify and sql != (plain := _compile(backend, expr, limit)):
            raise AssertionError(f"a filled template differs from Ibis's SQL:\n{sql}\n---\n{plain}")
        return sql

    # -- templates -------------------------------------------------------
    def _build(self, backend: DuckDBBackend, expr: ibis.Expr, holes: list[ops.Node],
               limit: Any) -> list[str] | None:
        sentinels = [_sentinel(k, n) for k, n in enumerate(holes)]
        op = expr.op().replace(dict(zip(holes, sentinels, strict=True))) if holes else expr.op()
        sql = _compile(backend, op.to_expr(), limit)
        marks = {_render(backend, s): str(k) for k, s in enumerate(sentinels)}
        if not marks:
            return [sql]
        pattern = re.compile("|".join(re.escape(m) for m in sorted(marks, key=len, reverse=True)))
        pieces = pattern.split(sql)
        found = pattern.findall(sql)
        rest = "".join(pieces)
        if str(_SENTINEL_YEAR) in rest or "__cxm_hole_" in rest or _MARK in rest:
            log.debug("shape %s does not template faithfully; compiled each time", expr.op().__class__.__name__)
            return None
        out: list[str] = [pieces[0]]
        for m, p in zip(found, pieces[1:], strict=True):
            out += [marks[m], p]
        return out

    def _get(self, key: str, dialect: Any) -> Any:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        path = self._path(key, dialect)
        if path is None:
            return _UNKNOWN
        try:
            head, _, body = path.read_text(encoding="utf-8").partition("\n")
        except (OSError, UnicodeDecodeError):
            return _UNKNOWN
        if head != _header(key, body):  # damaged, cut short, or not ours: compile again
            return _UNKNOWN
        template = None if body == "" else body.split(_MARK)
        if template is not None and len(template) % 2 == 0:
            return _UNKNOWN
        with self._lock:
            self._remember(key, template)
        return template

    def _put(self, key: str, template: list[str] | None, dialect: Any) -> None:
        with self._lock:
            self._remember(key, template)
        path = self._path(key, dialect)
        if path is None:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            body = "" if template is None else _MARK.join(template)
            tmp.write_text(f"{_header(key, body)}\n{body}", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:  # a cache that cannot be written costs time, never an answer
            log.debug("cannot keep compiled SQL in %s: %s", path, e)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _remember(self, key: str, template: list[str] | None) -> None:
        self._memory[key] = template
        self._memory.move_to_end(key)
        while len(self._memory) > self.size:
            self._memory.popitem(last=False)

    def _path(self, key: str, dialect: Any) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / _VERSION_TAG / str(dialect) / key[:2] / f"{key}.sql"


_UNKNOWN: Any = object()
_VERSION_TAG = f"v{_FORMAT}-ibis{ibis.__version__}-sqlglot{sg.__version__}"


def _header(key: str, body: str) -> str:
    """A file's first line: what it is and a digest of the rest, so that a damaged file is never used."""
    return f"cxmetrics-sql {_FORMAT} {key} {hashlib.sha256(body.encode()).hexdigest()}"


def _compile(backend: DuckDBBackend, expr: ibis.Expr, limit: Any) -> str:
    return DuckDBBackend.compile(backend, expr, limit=limit)


_render_cache: dict[tuple[Any, ...], str] = {}


def _render(backend: DuckDBBackend, node: ops.Node) -> str:
    """The SQL text of one hole's value, as the compiler writes it anywhere in a query."""
    if isinstance(node, ops.Literal):
        key = (str(backend.dialect), str(node.dtype), node.value)
        text = _render_cache.get(key)
        if text is None:
            text = backend.compiler.visit_Literal(node, value=node.value, dtype=node.dtype).sql(dialect=backend.dialect)
            if len(_render_cache) > 65536:
                _render_cache.clear()
            _render_cache[key] = text
        return text
    return sg.to_identifier(node.name, quoted=True).sql(dialect=backend.dialect)


_caches: dict[Path | None, SqlCache] = {}
_caches_lock = threading.Lock()


def cache_for(folder: Path | None) -> SqlCache:
    """The process's cache for ``folder`` (one per folder, shared by every connection)."""
    with _caches_lock:
        cache = _caches.get(folder)
        if cache is None:
            cache = _caches[folder] = SqlCache(folder)
        return cache


class _Walked(threading.local):
    """The last graph this thread's pre-execute hooks walked and its shape, for the compilation
    that follows them (Ibis's ``execute``: hooks, then ``compile`` of the same operation)."""

    op: ops.Node | None = None
    shape: tuple[str, list[ops.Node]] | None = None

    def keep(self, op: ops.Node, shape: tuple[str, list[ops.Node]]) -> None:
        self.op, self.shape = op, shape

    def take(self, op: ops.Node) -> tuple[str, list[ops.Node]] | None:
        shape = self.shape if self.op is op else None
        self.op = self.shape = None
        return shape


_walked = _Walked()


class Backend(DuckDBBackend):
    """Ibis's DuckDB backend compiling through a :class:`SqlCache` (``sql_cache``; none: as Ibis does)."""

    sql_cache: SqlCache | None = None

    def compile(self, expr: ibis.Expr, /, *, limit: Any = None, params: Any = None,
                pretty: bool = False) -> str:
        if self.sql_cache is None or params or pretty:
            return super().compile(expr, limit=limit, params=params, pretty=pretty)
        return self.sql_cache.compile(self, expr, limit, shape=_walked.take(expr.op()))

    def _run_pre_execute_hooks(self, expr: ibis.Expr) -> None:
        """Ibis's hooks walk the query's graph four times (record-batch tables, spatial functions,
        UDFs, in-memory tables); one walk shows when none of them has anything to do. With a
        cache, that walk is the fingerprint's, kept for :meth:`compile`, which comes next."""
        op = expr.op()
        nodes: list[ops.Node] | None = None
        if self.sql_cache is not None:
            with contextlib.suppress(_Uncacheable):
                digest, holes, nodes = _walk(op)
                _walked.keep(op, (digest, holes))
        if nodes is None:
            nodes = list(op.find(_HOOKED))
        if any(not isinstance(n, ops.PhysicalTable) or isinstance(n, ops.InMemoryTable)
               or n.name in self._record_batch_readers_consumed for n in nodes):
            super()._run_pre_execute_hooks(expr)

    def _drop_cached_table(self, name: str) -> None:
        """Ibis drops a cached table when its expression is garbage-collected, from a finalizer,
        at any later moment. A connection that is closed, or has a failed query pending, refuses
        the ``DROP``; the temporary table dies with the connection then, and an exception raised
        in a finalizer would only surface in whatever code happens to be running."""
        with contextlib.suppress(duckdb.Error):
            super()._drop_cached_table(name)

    def get_schema(self, table_name: str, *, catalog: str | None = None,
                   database: str | None = None) -> sch.Schema:
        """As Ibis's (one ``DESCRIBE``), with each DuckDB type text parsed once per process:
        parsing (sqlglot) cost more than the query, and a type's text always means the same type."""
        query = sge.Describe(this=sg.table(table_name, db=database, catalog=catalog,
                                           quoted=self.compiler.quoted)).sql(self.dialect)
        try:
            result = self.con.sql(query)
        except duckdb.CatalogException:
            raise TableNotFound(table_name) from None
        meta = result.fetch_arrow_table()
        names = meta["column_name"].to_pylist()
        types = meta["column_type"].to_pylist()
        nulls = meta["null"].to_pylist()
        mapper = self.compiler.type_mapper
        return sch.Schema({n: _dtype(mapper, t, null == "YES") for n, t, null in zip(names, types, nulls, strict=True)})

    def _create_cached_table(self, name: str, expr: ibis.Table) -> ibis.Table:
        """``Table.cache()``: as Ibis creates it (typed columns, then insert), compiled through the cache."""
        if self.sql_cache is None:
            return super()._create_cached_table(name, expr)
        self._run_pre_execute_hooks(expr)
        schema = expr.schema()
        quoted = self.compiler.quoted
        target = sg.table(name, catalog="temp", db="main", quoted=quoted)
        create = sge.Create(kind="TABLE", this=sge.Schema(this=target, expressions=schema.to_sqlglot_column_defs(self.dialect)),
                            properties=sge.Properties(expressions=[sge.TemporaryProperty()]))
        columns = ", ".join(sge.to_identifier(c, quoted=quoted).sql(self.dialect) for c in expr.columns)
        with self._safe_raw_sql(create) as cur:
            cur.execute(f"INSERT INTO {target.sql(self.dialect)} ({columns}) {self.compile(expr)}").fetchall()
        return self.table(name, database=("temp", "main"))


@functools.lru_cache(maxsize=1024)
def _dtype(mapper: Any, text: str, nullable: bool) -> dt_.DataType:
    return mapper.from_string(text, nullable=nullable)


def connect(path: str, *, sql_cache: SqlCache | None) -> Backend:
    """An Ibis DuckDB connection to ``path`` compiling through ``sql_cache``."""
    backend = Backend().connect(path)
    assert isinstance(backend, Backend)
    backend.sql_cache = sql_cache
    return backend


def from_connection(con: Any, *, sql_cache: SqlCache | None) -> Backend:
    """An Ibis connection over an open DuckDB connection, compiling through ``sql_cache``."""
    backend = Backend.from_connection(con)
    assert isinstance(backend, Backend)
    backend.sql_cache = sql_cache
    return backend
