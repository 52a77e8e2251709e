"""Running the metric registry on Apache Spark (SPEC 2: the distributed engine).

The engine is backend-agnostic: it only needs an Ibis connection whose tables
carry the canonical names and columns of :mod:`cxmetrics.model.schema`. This module
supplies that connection for PySpark: a session configured so results match
DuckDB exactly (session time zone UTC, because stored timestamps are naive UTC
instants and Spark's ``TIMESTAMP`` is interpreted in the session zone), a way to
copy a DuckDB store into Spark, and a way to register tables that already live
in a Spark catalog under the canonical names. :class:`SparkTables` (with
:func:`session_for`) is what ``[engine] kind = "spark"`` (``cxm --engine spark``) gives
`cxm metrics`, `cxm report` and `cxm serve`: the tables of the Spark the settings name,
read like a store. See ``docs/spark.md``.

``pyspark`` is an optional dependency (``pip install 'cxmetrics[spark]'``); it is
imported lazily so the rest of the package never needs it, and without it every entry
point here raises :class:`~cxmetrics.extras.MissingExtra` naming that command.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.extras import require
from cxmetrics.model import schema

if TYPE_CHECKING:
    from ibis.backends.pyspark import Backend
    from pyspark.sql import DataFrame, SparkSession

    from cxmetrics.engine.core import Engine
    from cxmetrics.model.database import Database
    from cxmetrics.settings import Config, EngineSettings

#: Spark SQL type of each logical column type. Timestamps are Spark ``TIMESTAMP``
#: (instants); with the session zone at UTC they read back as the same naive UTC
#: values DuckDB stores, and they are the type Ibis gives its own timestamp literals
#: and in-memory tables, so comparisons with those need no conversion.
SPARK_TYPES: dict[str, str] = {
    "string": "STRING",
    "timestamp": "TIMESTAMP",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
}

#: Log4j 2 configuration that keeps the JVM quiet (errors only) from its first line on;
#: ``setLogLevel`` alone comes too late for the start-up warnings.
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
# PySpark's gateway counts as a shell; at the root's level Spark does not announce a new one.
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""


def default_settings(workdir: str | os.PathLike[str], *, cores: int | None = None,
                     driver_memory: str = "4g", java_options: str = "") -> dict[str, str]:
    """Spark settings for one small machine (2 cores, ~24 GiB) and for tests.

    Why each one:

    * ``session.timeZone=UTC`` (and the JVM's ``user.timezone``): stored timestamps are
      naive UTC; any other zone would shift every instant on the way in or out.
    * few shuffle partitions: the default 200 costs far more in task scheduling than the
      work itself on one machine. Adaptive execution is off: with so few partitions it has
      little to coalesce, and re-planning at every stage made the parity workload about
      1.5x slower (many small queries); on a cluster, build the session your own way.
    * no UI, no Hive, warehouse / derby / scratch dirs in ``workdir``: nothing is
      written to the working directory and no port is opened for a UI.
    * Arrow for pandas transfer: fast, and it keeps nulls and types intact.

    ``java_options`` are added to the driver's and executors' JVM options (the tests pass
    ``-XX:TieredStopAtLevel=1``: a short-lived JVM planning many small queries spends a third
    of its CPU on the optimising JIT compiler).
    """
    work = Path(workdir)
    parts = str(max(2, 2 * (cores or os.cpu_count() or 2)))
    log4j = work / "log4j2.properties"
    if not log4j.exists():
        log4j.write_text(_LOG4J2, encoding="utf-8")
    java_opts = " ".join([
        "-Duser.timezone=UTC",
        f"-Dderby.system.home={work / 'derby'}",
        f"-Dlog4j2.configurationFile={log4j.as_uri()}",
        *java_options.split(),
    ])
    return {
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": java_opts,
        "spark.executor.extraJavaOptions": java_opts,
        "spark.driver.memory": driver_memory,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": (work / "warehouse").as_uri(),
        "spark.local.dir": str(work / "local"),
        "spark.sql.shuffle.partitions": parts,
        "spark.default.parallelism": parts,
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
        "spark.sql.execution.pandas.respectSessionTimeZone": "true",
    }


def spark_session(master: str = "local[*]", app: str = "cxmetrics", *,
                  driver_memory: str = "4g", workdir: str | os.PathLike[str] | None = None,
                  conf: dict[str, str] | None = None, java_options: str = "") -> SparkSession:
    """A local Spark session with :func:`default_settings`; ``conf`` overrides any of them.

    Scratch files go to ``workdir`` (default: a fresh temp dir removed at exit). Static
    settings (memory, JVM options, catalog) only take effect if no session is running
    yet in this process; the session time zone is set either way, as it is essential.
    """
    require("pyspark")
    from pyspark.sql import SparkSession

    if workdir is None:
        workdir = tempfile.mkdtemp(prefix="cxm-spark-")
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    cores = _cores(master)
    settings = default_settings(workdir, cores=cores, driver_memory=driver_memory,
                                java_options=java_options) | (conf or {})
    builder = SparkSession.builder.master(master).appName(app)
    for k, v in settings.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", settings["spark.sql.session.timeZone"])
    session.sparkContext.setLogLevel("ERROR")
    return session


def _cores(master: str) -> int | None:
    """Cores of a ``local[N]`` master (``None`` for ``local[*]`` or a cluster)."""
    if master.startswith("local[") and master.endswith("]"):
        n = master[6:-1]
        return int(n) if n.isdigit() else None
    return 1 if master == "local" else None


def spark_backend(session: SparkSession | None = None, *, database: str | None = None,
                  catalog: str | None = None) -> Backend:
    """The Ibis backend over ``session``; ``catalog`` and ``database`` become current.

    The engine looks tables up by bare canonical name (``tickets``, ``messages``...), so
    temp views and the current database are where it finds them.
    """
    if session is None:
        session = spark_session()
    backend = _backend_class()().connect(session)
    # Ibis sets this too; kept explicit because correctness depends on it.
    session.conf.set("spark.sql.session.timeZone", "UTC")
    if catalog is not None:
        session.catalog.setCurrentCatalog(catalog)
    if database is not None:
        session.catalog.setCurrentDatabase(database)
    return backend


@functools.cache
def _backend_class() -> type[Backend]:
    """Ibis's PySpark backend with two Ibis 12 bugs fixed that the engine runs into.

    * ``median(where=...)`` compiles to ``percentile(IF(w, x, NULL), IF(w, 0.5, NULL))``:
      the filter is applied to the percentage too, which Spark rejects (the percentage
      must be a constant). Compiled here like ``quantile(0.5, where=...)``, which filters
      the values only; both are exact and interpolate linearly, like DuckDB's
      ``quantile_cont``.
    * ``.cache()`` compiles the expression without first registering the
      ``ibis.memtable`` s it reads (every other backend does, through ``create_table``),
      so caching facts joined to the business-hours calendar fails with
      TABLE_OR_VIEW_NOT_FOUND. They are registered first here.
    * ``.cache()`` keeps the whole logical plan: every later query over the cached view
      analyses it again and looks it up in Spark's cache by comparing plans, which for the
      SLA events (a plan of thousands of SELECTs) cost seconds per metric. Over Spark Connect
      it even failed Ibis's own ``assert t.is_cached``: the server analyses a query's SQL anew
      on every call, and a query with a CTE read twice (the status spans) gets new CTE ids
      each time, so the cache never matched its own plan. A cached table is therefore
      materialised once as a local checkpoint (``localCheckpoint(eager=True)``, on the
      driver's or the Connect server's executors), which cuts the lineage: later queries
      plan against a small leaf (the SLA events' Spark test 27 -> 10 s, the Spark tests
      202 -> 166 s). The price: a lost executor's checkpoint blocks cannot be recomputed
      (the query fails instead), and they are freed when Spark collects the dropped
      DataFrame, not at once. (And Ibis asks Connect for ``verifySchema=False`` on every
      in-memory table, which Connect ignores with a UserWarning on stderr: silenced.)
    """
    require("pyspark")
    import ibis
    import sqlglot.expressions as sge
    from ibis.backends.pyspark import Backend as Base

    ibis.pyspark  # noqa: B018 - first access registers the backend's options (ibis.options.pyspark)

    class Compiler(type(Base.compiler)):  # type: ignore[misc]
        def visit_Median(self, op: Any, *, arg: Any, where: Any) -> Any:
            return self.visit_Quantile(op, arg=arg, quantile=sge.convert(0.5), where=where)

    class Backend(Base):
        compiler = Compiler()

        def _create_cached_table(self, name: str, expr: Any) -> Any:
            self._register_in_memory_tables(expr)
            t = self._session.sql(self.compile(expr)).localCheckpoint(eager=True)
            t.createTempView(name)
            self._cached_dataframes[name] = t
            return self.table(name)

        def _register_in_memory_table(self, op: Any) -> None:
            with warnings.catch_warnings():  # Connect ignores it, and said so on stderr for every memtable
                warnings.filterwarnings("ignore", message="'verifySchema' is ignored")
                super()._register_in_memory_table(op)

        def _drop_cached_table(self, name: str) -> None:
            self._cached_dataframes.pop(name, None)  # Spark frees the checkpoint with its last reference
            if not _stopped(self._session):  # Ibis's finalizers run at exit too: a closed session's views are gone
                self._session.catalog.dropTempView(name)

    return Backend


def _stopped(session: Any) -> bool:
    """Whether ``session`` was stopped (a Connect client says so; a local session's context is gone)."""
    if _is_connect(session):
        return bool(session.is_stopped)
    from pyspark import SparkContext

    return SparkContext._active_spark_context is None  # pyspark has no public "is stopped"


def _is_connect(session: Any) -> bool:
    """Whether ``session`` is a Spark Connect client session (not a JVM in this process)."""
    return type(session).__module__.startswith("pyspark.sql.connect")


def canonical_frame(name: str, df: DataFrame) -> DataFrame:
    """``df`` reduced to the canonical columns of table ``name``, in order, cast to their types.

    Optional columns the source lacks become typed nulls (metrics that need them then say
    so instead of failing on a missing column); a missing required column is an error.
    """
    require("pyspark")
    from pyspark.sql import functions as F

    t = schema.table(name)
    have = {c.lower(): c for c in df.columns}
    missing = [c for c in t.required if c.lower() not in have]
    if missing:
        raise ValueError(f"{name}: required column(s) missing: {', '.join(missing)}")
    cols = []
    for c in t.columns:
        typ = SPARK_TYPES[c.type]
        src = F.col(f"`{have[c.name.lower()]}`") if c.name.lower() in have else F.lit(None)
        col = src.cast(typ)
        if c.default is not None:
            col = F.coalesce(col, F.lit(c.default).cast(typ))
        cols.append(col.alias(c.name))
    return df.select(*cols)


def register_table(name: str, df: DataFrame) -> DataFrame:
    """Expose ``df`` (any Spark DataFrame, e.g. a catalog table) as canonical temp view ``name``.

    The view lives in ``df``'s session, where the engine looks tables up by bare name.
    """
    out = canonical_frame(name, df)
    out.createOrReplaceTempView(name)
    return out


def spark_ddl(name: str) -> str:
    """The Spark schema of canonical table ``name`` as DDL (``ticket_id STRING, ...``)."""
    return ", ".join(f"`{c.name}` {SPARK_TYPES[c.type]}" for c in schema.table(name).columns)


def load_store_into_spark(store: Database, backend: Backend, tables: list[str] | None = None, *,
                          cache: bool = True) -> dict[str, int]:
    """Copy the canonical tables of a DuckDB store into Spark temp views; returns row counts.

    Data travels DuckDB -> Arrow -> Spark through the driver, with an explicit Spark
    schema, so this suits stores that fit in the driver's memory (tests, trying Spark
    out). Arrow keeps nulls in integer and boolean columns, and timestamps stay the same
    UTC instants (naive values, session zone UTC). Large data should be written as Parquet
    and read by Spark instead (docs/spark.md). ``cache`` keeps the copies in Spark memory,
    so they are read from DuckDB once, not once per query.
    """
    session = backend._session
    counts: dict[str, int] = {}
    for name in tables or list(schema.TABLES):
        arrow = store.table(name).select(*schema.table(name).names).to_pyarrow()
        df = session.createDataFrame(arrow, schema=spark_ddl(name))
        if cache:
            df = df.cache()
        df.createOrReplaceTempView(name)
        counts[name] = arrow.num_rows
    return counts


def spark_engine(store: Database, session: SparkSession | None = None, *, cache: bool = True) -> Engine:
    """An :class:`~cxmetrics.engine.core.Engine` over Spark holding a copy of ``store``, with its config."""
    from cxmetrics.engine.core import Engine

    backend = spark_backend(session)
    load_store_into_spark(store, backend)
    return Engine(backend, store.config, cache=cache)


def catalog_engine(session: SparkSession, config: Config | None = None, *,
                   database: str | None = None, catalog: str | None = None) -> Engine:
    """An Engine over tables already in a Spark catalog (``database``) or registered as temp views.

    The tables must carry the canonical names and columns; :func:`register_table` maps any
    DataFrame (e.g. ``session.table("warehouse.zendesk_tickets")``) onto them. Canonical
    tables that do not exist are registered as empty temp views (their metrics are empty).
    """
    from cxmetrics.engine.core import Engine
    from cxmetrics.settings import Config as _Config

    backend = spark_backend(session, database=database, catalog=catalog)
    register_missing(session)
    return Engine(backend, config or _Config())


def missing_tables(session: SparkSession) -> list[str]:
    """The canonical tables the session cannot see (neither temp views nor in the current database)."""
    return [name for name in schema.TABLES if not session.catalog.tableExists(name)]


def register_missing(session: SparkSession, missing: list[str] | None = None) -> None:
    """Register each canonical table the session cannot see (``missing``) as an empty temp view.

    An empty view, so the facts never mix in an Ibis in-memory stand-in: cached, such a
    stand-in would land on Ibis's default backend (DuckDB), not on Spark.
    """
    for name in missing_tables(session) if missing is None else missing:
        session.createDataFrame([], schema=spark_ddl(name)).createOrReplaceTempView(name)


# -- the [engine] settings: `cxm --engine spark metrics|report|serve` ---------------------------------
def session_for(settings: EngineSettings) -> SparkSession:
    """The Spark session the ``[engine]`` settings name.

    ``remote``: a Spark Connect session. Else a local ``master`` (``local[N]``): :func:`spark_session`,
    tuned for one machine, ``conf`` on top. Else (a cluster's master, or none under
    spark-submit, whose master and settings then apply) the session with only what
    correctness needs, the UTC session zone, plus ``conf``: a cluster's own settings stay.
    A session already running in this process is reused (static settings then do not change).
    """
    require("pyspark")
    from pyspark.sql import SparkSession

    conf = dict(settings.conf)
    url = settings.remote_url
    master = settings.master
    if url is None and master is None and not os.environ.get("PYSPARK_GATEWAY_PORT"):
        master = "local[*]"  # not under spark-submit (which starts the JVM and sets that variable)
    if url is None and master is not None and _is_local(master):
        return spark_session(master, conf=conf)
    builder = SparkSession.builder.appName("cxmetrics").config("spark.sql.session.timeZone", "UTC")
    if url is not None:
        _reach(url)
        builder = builder.remote(url)
    elif master is not None:
        builder = builder.master(master)
    for k, v in conf.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def _reach(url: str, timeout: float = 10.0) -> None:
    """Fail fast when the Spark Connect server of ``url`` does not accept connections.

    The Connect client retries an unreachable server with backoff for about ten minutes
    before it gives up, silently; an OSError here becomes one line naming the server."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url.partition("/;")[0])
    host, port = parts.hostname or "localhost", parts.port or 15002
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as e:
        raise OSError(f"cannot reach {host}:{port} ({e.strerror or e or type(e).__name__}); is the Spark "
                      "Connect server running there?") from None


def _is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def shown_engine(settings: EngineSettings) -> str:
    """The Spark the settings name, as it may be shown (a Spark Connect URL's token masked)."""
    from cxmetrics.settings import shown_url

    url = settings.remote_url
    if url is not None:
        return f"Spark Connect {shown_url(url)}"
    return f"Spark {settings.master or 'local[*] or spark-submit'}"


class SparkTables:
    """The canonical tables of a Spark session's catalog, read as a read-only store is
    (:class:`~cxmetrics.engine.tables.Tables`): what `cxm metrics`, `cxm report` and `cxm serve`
    compute on with ``[engine] kind = "spark"``.

    One engine serves the object's life, so the facts are derived once and kept in Spark
    memory; the numbers are those of the tables when they were first read (a new object
    sees new data). Canonical tables the catalog lacks read as empty; a catalog with none
    of them is an error, not a report of zeros.
    """

    def __init__(self, session: SparkSession, config: Config, *, database: str | None = None,
                 catalog: str | None = None) -> None:
        from cxmetrics.engine.core import Engine
        from cxmetrics.errors import EngineUnavailable

        self.session = session
        self.config = config
        self.ibis = spark_backend(session, database=database, catalog=catalog)
        missing = missing_tables(session)
        if len(missing) == len(schema.TABLES):
            place = ".".join(x for x in (catalog, database) if x) or "the current database"
            raise EngineUnavailable(f"Spark has none of the canonical tables ({', '.join(list(schema.TABLES)[:4])}, "
                                    f"...) in {place}; set [engine] database (and catalog) to where they are, "
                                    "or load them there first (docs/spark.md)")
        register_missing(session, missing)
        self._engine = Engine(self.ibis, config)
        self._counts: dict[str, int] | None = None
        self._end_client = False  # set by open(): a Spark Connect client session it made is closed by close()

    @classmethod
    def open(cls, config: Config) -> SparkTables:
        """The tables the ``[engine]`` settings of ``config`` name; a Spark that cannot be started
        or reached is an :class:`~cxmetrics.errors.EngineUnavailable` whose message shows no secret."""
        settings = config.engine
        try:
            tables = cls(session_for(settings), config, database=settings.database, catalog=settings.catalog)
        except Exception as e:
            if not _spark_failure(e):
                raise
            raise _unavailable(e, settings) from None
        tables._end_client = _is_connect(tables.session)
        return tables

    def table(self, name: str) -> Any:
        return self.ibis.table(name)

    def counts(self) -> dict[str, int]:
        """Rows of every canonical table, in one Spark query, counted once."""
        if self._counts is None:
            import ibis

            parts = [self.table(n).aggregate(name=ibis.literal(n), n=lambda t: t.count()) for n in schema.TABLES]
            got = ibis.union(*parts).execute()
            self._counts = {n: 0 for n in schema.TABLES} | {str(k): int(v) for k, v in zip(got["name"], got["n"],
                                                                                         strict=True)}
        return dict(self._counts)

    def count(self, name: str) -> int:
        if name in schema.TABLES:
            return self.counts()[name]
        return int(self.table(name).count().execute())

    def engine(self, *, cache: bool = True, stored: bool = True, **kw: Any) -> Engine:
        """The one engine over these tables (its facts kept in Spark memory); the arguments
        choose among a store's facts and do not apply here."""
        return self._engine

    def data_stamp(self) -> int:
        """Always 0: the tables are read as they were at first use, for the object's life."""
        return 0

    def facts_stamp(self) -> int | None:
        return 0  # the facts are derived from the same reading of the tables

    def close(self) -> None:
        """A local or cluster session is the process's and stays (stopping it would end a
        session the caller may share; its JVM ends with the process). A Spark Connect client
        session that :meth:`open` made is closed (the server and its tables stay): left to the
        interpreter's exit, its result streams print "cannot schedule new futures after
        shutdown" tracebacks as they are collected."""
        if self._end_client:
            self._end_client = False
            self.session.stop()


def _spark_failure(e: BaseException) -> bool:
    """An exception of Spark's making (or a missing pyspark, Java, Connect client): the engine is unavailable."""
    mod = type(e).__module__
    return isinstance(e, (ImportError, OSError)) or mod.startswith(("pyspark", "py4j"))


#: Spark settings whose values may be credentials (masked in messages).
_SECRET_KEYS = ("secret", "password", "token", "credential", "key", "auth")


def _unavailable(e: BaseException, settings: EngineSettings) -> Exception:
    """``e`` as one line, with the Connect URL and credential-like settings masked."""
    from cxmetrics.errors import EngineUnavailable
    from cxmetrics.settings import shown_url

    lines = [x.strip() for x in str(e).strip().splitlines() if x.strip()]
    text = lines[0] if lines else type(e).__name__
    url = settings.remote_url
    if url is not None:
        text = text.replace(url, shown_url(url))
        for param in url.partition("/;")[2].split(";"):
            value = param.partition("=")[2]
            if len(value) >= 3:
                text = text.replace(value, "***")
    for k, v in settings.conf.items():
        if len(v) >= 3 and any(s in k.lower() for s in _SECRET_KEYS):
            text = text.replace(v, "***")
    if url is not None and ("PACKAGE_NOT_INSTALLED" in text or isinstance(e, ImportError)):
        text += " Spark Connect needs its client: pip install 'cxmetrics[spark-connect]'"
    elif "JAVA_GATEWAY" in text or "JAVA_HOME" in text:
        text += " Is Java 17 installed (java -version)?"
    return EngineUnavailable(f"cannot use {shown_engine(settings)}: {text}")
