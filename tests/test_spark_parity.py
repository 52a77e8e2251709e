"""Every registered metric gives the same records on DuckDB and on Spark (issue 2 item 8).

One Spark session (tests/conftest.py's ``spark``: one per test process, shared with the
Spark test of tests/test_sla.py) serves the module; each configuration computes all metrics
at once per engine and compares the two frames: keys and counts exactly, floats to 1e-9.

The data set is the demo generator's (two months, scale 0.1: realistic volumes, all
tables) plus a compact deterministic edge-case generator (below) that hits every path
of the ticket facts: outbound tickets, bot / system / private messages, multi-round
conversations, unanswered waits, reopens, solved -> closed, tickets without messages
or status history (their own columns stand in), work sessions with seconds or an end,
several channels / categories / agents / customers (repeat contacts), nulls in
dimensions, and the Europe/Helsinki DST change of 2025-03-30 plus month and week ends
that differ between UTC and Helsinki. Without ``cxmetrics.demo`` the edge cases alone
are used.

``test_cli_on_spark`` runs the real CLI with ``--engine spark`` in this process, on the same
session (no second Spark start), over tables saved in a catalog database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.spark

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'cxmetrics[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is not installed (Spark needs Java 17)", allow_module_level=True)

from cxmetrics.engine.core import BASE_COLUMNS, VALUE_COLUMNS  # noqa: E402
from cxmetrics.metrics.registry import all_metrics, get  # noqa: E402
from cxmetrics.settings import config_from_dict  # noqa: E402
from cxmetrics.store import Store  # noqa: E402

RTOL = 1e-9
ATOL = 1e-9

#: The four query shapes of issue 2 item 8, as keyword arguments of Engine.frame.
CONFIGS: dict[str, dict[str, Any]] = {
    "month_by_channel": {"grain": "month", "by": ["channel"]},
    "week_helsinki": {"grain": "week", "tz": "Europe/Helsinki"},
    "total_business": {"grain": "total", "hours": "business"},
    "where_email_by_segment": {"grain": "month", "by": ["segment"], "where": {"channel": "email"}},
}

CONFIG = {
    "timezone": "UTC",
    "business_hours": {
        "timezone": "Europe/Helsinki",
        "country": "FI",
        "holidays": ["2025-03-14"],
        "week": {"sat": "10:00-14:00"},
    },
    "sla": {
        "first_reply": {"email": "24h", "social": "1h", "default": "8h"},
        "resolution": {"email": "3d"},
        "priority_first_reply": {"urgent": "1h"},
    },
}


# -- data -------------------------------------------------------------------------------

CHANNELS = ["email", "chat", "phone", "social", "web"]
CATEGORIES = ["sales question", "technical", "cancellations", "returns", "delivery", "product availability"]
PRIORITIES = ["low", "normal", "high", "urgent"]
AGENTS = [f"a{i}" for i in range(1, 9)]
TEAMS = {a: ("Care" if i < 4 else "Tech") for i, a in enumerate(AGENTS)}
START = dt.datetime(2025, 2, 1)
SPAN_S = 88 * 86400  # to late April: covers 2025-03-30 (EET -> EEST)


def _pick(rng: np.random.Generator, items: list[Any], p_null: float = 0.0) -> Any:
    if p_null and rng.random() < p_null:
        return None
    return items[int(rng.integers(len(items)))]


def _at(base: dt.datetime, seconds: float) -> dt.datetime:
    return base + dt.timedelta(seconds=int(seconds))


def generate(seed: int = 11, n_tickets: int = 360) -> dict[str, pd.DataFrame]:
    """Canonical frames (naive UTC, whole seconds) with every edge case the facts handle."""
    rng = np.random.default_rng(seed)
    tickets: list[dict[str, Any]] = []
    messages: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    sessions: list[tuple[Any, ...]] = []
    # Instants around boundaries that differ by zone: DST night, UTC vs Helsinki month/week ends.
    pinned = [dt.datetime(2025, 3, 30, 0, 30), dt.datetime(2025, 3, 30, 1, 30), dt.datetime(2025, 3, 31, 21, 30),
              dt.datetime(2025, 2, 28, 22, 30), dt.datetime(2025, 3, 23, 22, 15), dt.datetime(2025, 3, 29, 23, 0)]
    for i in range(n_tickets):
        tid = f"X{i:04d}"  # apart from the demo's T0000001...
        created = pinned[i] if i < len(pinned) else _at(START, rng.integers(SPAN_S))
        agent = _pick(rng, AGENTS, 0.08)
        kind = rng.random()
        created_by = "agent" if kind < 0.12 else "system" if kind < 0.17 else None if kind < 0.22 else "customer"
        t: dict[str, Any] = {
            "ticket_id": tid, "created_at": created,
            "channel": _pick(rng, CHANNELS, 0.04), "category": _pick(rng, CATEGORIES, 0.05),
            "priority": _pick(rng, PRIORITIES, 0.1), "customer_id": f"x{int(rng.integers(60)):02d}",
            "agent_id": agent, "team": TEAMS.get(agent or ""), "brand": _pick(rng, ["Acme", "Zeta"]),
            "product": _pick(rng, ["app", "web", "device"], 0.2), "language": _pick(rng, ["fi", "en", "sv"]),
            "created_by": created_by,
        }
        clock = created
        has_messages = rng.random() < 0.72
        if has_messages:
            conv: list[tuple[dt.datetime, str, str | None, bool | None]] = []
            if created_by == "agent":
                conv.append((clock, "agent", agent or "a1", True))  # outbound opener: not a reply
            rounds = int(rng.integers(0, 4)) if created_by == "agent" else int(rng.integers(1, 5))
            for r in range(rounds):
                clock = _at(clock, rng.integers(60, 7200) if r or created_by == "agent" else 0)
                conv.append((clock, "customer", t["customer_id"], True))
                if rng.random() < 0.3:
                    clock = _at(clock, rng.integers(1, 1800))
                    conv.append((clock, "customer", t["customer_id"], True))  # same wait continues
                if r == 0 and rng.random() < 0.4:
                    conv.append((_at(clock, 5), "bot", "bot", True))  # bot acknowledgement: not a reply
                if rng.random() < 0.25:
                    clock = _at(clock, rng.integers(30, 3600))
                    conv.append((clock, "agent", _pick(rng, AGENTS), False))  # internal note
                if rng.random() < 0.15:
                    clock = _at(clock, rng.integers(1, 600))
                    conv.append((clock, "system", None, None))  # public defaults to true; still not a reply
                if r == rounds - 1 and rng.random() < 0.15:
                    break  # last wait unanswered
                clock = _at(clock, rng.exponential(4 * 3600) + 30)
                replier = agent if (agent and rng.random() < 0.8) else _pick(rng, AGENTS)
                conv.append((clock, "agent", replier, True))
            messages += [(f"{tid}-m{k:02d}", tid, at, who, author, public, t["channel"])
                         for k, (at, who, author, public) in enumerate(conv)]
        else:
            if rng.random() < 0.8:
                clock = _at(clock, rng.exponential(6 * 3600) + 60)
                t["first_reply_at"] = clock
                t["replies"] = int(rng.integers(1, 4))
            else:
                t["replies"] = 0 if rng.random() < 0.5 else None

        fate = rng.random()
        if rng.random() < 0.75:  # status history
            path = ["open"]
            if rng.random() < 0.4:
                path += ["pending", "open"]
            if rng.random() < 0.2:
                path += ["on_hold", "open"]
            if fate < 0.8:
                path.append("solved")
                if rng.random() < 0.2:
                    path += ["open", "solved"]  # reopen
                if rng.random() < 0.4:
                    path.append("closed")
            elif fate < 0.9:
                path.append("pending")
            prev: str | None = None
            first_from = _pick(rng, ["new", None, "open"])
            for k, to in enumerate(path):
                clock = _at(clock, rng.exponential(8 * 3600) + 60)
                frm = (first_from if k == 0 else prev) if rng.random() < 0.6 else None
                changes.append((tid, clock, to, frm))
                prev = to
            t["status"] = path[-1]
        else:  # the ticket's own columns stand in
            if fate < 0.7:
                clock = _at(clock, rng.exponential(24 * 3600) + 60)
                t["status"] = _pick(rng, ["solved", "closed", None])
                t["solved_at"] = clock
                t["reopens"] = int(rng.integers(0, 2)) if rng.random() < 0.7 else None
            else:
                t["status"] = _pick(rng, ["open", "pending", "new"], 0.3)
        if rng.random() < 0.6:
            for _ in range(int(rng.integers(1, 4))):
                st = _at(created, rng.integers(0, 3 * 86400))
                secs = float(rng.integers(30, 3600))
                u = rng.random()
                sessions.append((tid, _pick(rng, AGENTS), st,
                                 _at(st, secs) if u < 0.5 else None, secs if u >= 0.4 else None))
        elif rng.random() < 0.3:
            t["handle_seconds"] = float(rng.integers(60, 5400))
        tickets.append(t)

    customers = pd.DataFrame(
        [(f"x{i:02d}", START - dt.timedelta(days=30 + i), None if i % 9 else START + dt.timedelta(days=40 + i),
          _pick(rng, ["smb", "enterprise", "consumer"], 0.1), _pick(rng, ["free", "pro"]), _pick(rng, ["FI", "SE"]))
         for i in range(60) if i != 59],  # x59 has tickets but no customer row
        columns=["customer_id", "acquired_at", "churned_at", "segment", "plan", "country"],
    )
    return {
        "tickets": pd.DataFrame(tickets),
        "messages": pd.DataFrame(messages, columns=["message_id", "ticket_id", "created_at", "author_type",
                                                    "author_id", "public", "channel"]),
        "status_changes": pd.DataFrame(changes, columns=["ticket_id", "changed_at", "to_status", "from_status"]),
        "work_sessions": pd.DataFrame(sessions, columns=["ticket_id", "agent_id", "started_at", "ended_at", "seconds"]),
        "customers": customers,
    }


# -- fixtures ------------------------------------------------------------------------------

def _demo_build() -> Any:
    """``cxmetrics.demo.build`` if the demo generator is available (it fills every table)."""
    try:
        from cxmetrics.demo import build
    except ImportError:
        return None
    return build


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(tmp_path_factory.mktemp("parity") / "cx.duckdb", config=config_from_dict(CONFIG))
    build = _demo_build()
    if build is not None:
        build(store, seed=7, months=2, scale=0.1, end=dt.date(2025, 3, 1))
    for name, frame in generate().items():
        store.import_frame(name, frame)
    yield store
    store.close()


@pytest.fixture(scope="module")
def engines(duck: Store, spark: Any) -> tuple[Any, Any]:
    from cxmetrics.engine.spark import spark_engine

    return duck.engine(), spark_engine(duck, spark)


# -- comparison ----------------------------------------------------------------------------

def _is_float(col: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(col.dtype)


def diff(left: pd.DataFrame, right: pd.DataFrame) -> str:
    """'' if the frames agree, else a readable report of the records that differ.

    Keys (metric, period, dimensions) and every non-float column (unit, n, numerator,
    denominator, flags) must be equal; float columns agree to RTOL / ATOL, NaN with NaN.
    """
    if list(left.columns) != list(right.columns):
        return f"columns differ:\n  duckdb {list(left.columns)}\n  spark  {list(right.columns)}"
    keys = [c for c in left.columns if c in BASE_COLUMNS or c not in VALUE_COLUMNS]
    values = [c for c in left.columns if c not in keys]
    a, b = _sorted(left, keys), _sorted(right, keys)
    if len(a) != len(b) or not a[keys].astype(str).equals(b[keys].astype(str)):
        ka, kb = (set(map(tuple, f[keys].astype(str).to_numpy())) for f in (a, b))
        return (f"records differ: duckdb {len(a)}, spark {len(b)}\n"
                f"  only in duckdb: {sorted(ka - kb)[:20]}\n  only in spark: {sorted(kb - ka)[:20]}")
    bad = pd.Series(False, index=a.index)
    problems: list[str] = []
    for c in values:
        if _is_float(a[c]) or _is_float(b[c]):
            x, y = a[c].to_numpy("float64", na_value=np.nan), b[c].to_numpy("float64", na_value=np.nan)
            same = pd.Series(np.isclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True), index=a.index)
        else:
            x, y = a[c].astype(object), b[c].astype(object)
            same = (x.isna() & y.isna()) | (x == y).fillna(False).astype(bool)
        if not same.all():
            problems.append(c)
            bad |= ~same
    if not problems:
        return ""
    both = a.loc[bad, keys].join(a.loc[bad, problems]).join(b.loc[bad, problems], rsuffix=" [spark]")
    both = both[[*keys] + [x for p in problems for x in (p, f"{p} [spark]")]]
    with pd.option_context("display.width", 250, "display.max_columns", 40, "display.max_rows", 60,
                           "display.precision", 12):
        return (f"{int(bad.sum())} of {len(a)} records differ in {problems} "
                f"(metrics: {sorted(set(a.loc[bad, 'metric']))}):\n{both.head(60).to_string()}")


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows in a canonical order (by every key column's text), so frames compare row by row."""
    text = frame[keys].map(lambda v: "" if v is None or v is pd.NA or v is pd.NaT or v != v else str(v))
    return frame.iloc[np.lexsort([text[c] for c in reversed(keys)])].reset_index(drop=True)


# -- tests -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _session_as_found(session: Any) -> Iterator[None]:
    """The CLI reuses this process's Spark session (``getOrCreate``): it makes its database
    current and registers empty views for the canonical tables it lacks. Temp views of those
    names (this module's other tests read the store's copy through them) would hide the
    database's tables, so they are set aside here, and everything is put back after."""
    from cxmetrics.model import schema

    current = session.catalog.currentDatabase()
    kept = {t.name: session.table(t.name) for t in session.catalog.listTables()
            if t.isTemporary and t.name in schema.TABLES}
    for name in kept:
        session.catalog.dropTempView(name)
    try:
        yield
    finally:
        for name in schema.TABLES:
            session.catalog.dropTempView(name)
        for name, df in kept.items():
            df.createOrReplaceTempView(name)
        session.catalog.setCurrentDatabase(current)


def test_cli_on_spark(spark: Any, tmp_path: Path) -> None:
    """`cxm --engine spark metrics` (the real CLI, in this process, on the test process's session) over
    tables in a Spark catalog database loaded from a store prints the records `cxm --engine duckdb
    metrics` prints from the store itself; the counts a report and the dashboard show agree too."""
    from typer.testing import CliRunner

    from cxmetrics.engine.spark import SparkTables, canonical_frame, spark_ddl
    from cxmetrics.errors import EngineUnavailable
    from cxmetrics.interfaces.cli.main import app, register_commands
    from cxmetrics.model import schema
    from cxmetrics.settings import Config, load_config

    db = tmp_path / "cx.duckdb"
    with Store(db, config=Config()) as store:
        for name, frame in generate(seed=3, n_tickets=80).items():
            store.import_frame(name, frame)
    toml = tmp_path / "cxm.toml"
    toml.write_text('[engine]\nmaster = "local[2]"\ndatabase = "cli"\n', encoding="utf-8")
    register_commands()
    ids = ["ticket_volume", "first_response_time", "resolution_rate", "backlog"]

    def cxm(*args: str) -> pd.DataFrame:
        res = CliRunner().invoke(app, ["--db", str(db), "--config", str(toml), *args, "metrics", *ids,
                                       "--grain", "month", "--by", "channel", "--format", "json"])
        assert res.exit_code == 0, res.stdout + res.stderr
        return pd.DataFrame(json.loads(res.stdout)["metrics"])

    with _session_as_found(spark):
        spark.sql("CREATE DATABASE IF NOT EXISTS nothing_here")
        with pytest.raises(EngineUnavailable, match="Spark has none of the canonical tables"):
            SparkTables(spark, Config(), database="nothing_here")  # an error, not a report of zeros
        spark.sql("CREATE DATABASE IF NOT EXISTS cli")
        with Store(db, read_only=True, config=Config()) as store:
            counts = store.counts()
            for name in [n for n, rows in counts.items() if rows]:  # the others are missing in Spark
                rows = store.table(name).select(*schema.table(name).names).to_pyarrow()
                df = spark.createDataFrame(rows, schema=spark_ddl(name))
                canonical_frame(name, df).write.mode("overwrite").saveAsTable(f"cli.{name}")
        expected = cxm("--engine", "duckdb")
        t0 = time.perf_counter()
        got = cxm("--engine", "spark")
        print(f"\ncxm --engine spark metrics: {time.perf_counter() - t0:.1f} s, {len(got)} records")
        assert spark.catalog.currentDatabase() == "cli"  # it did compute here, on that database
        assert SparkTables.open(load_config(toml, overrides={"engine.kind": "spark"})).counts() == counts
    assert len(expected) > 20 and set(expected["metric"]) == set(ids)
    problem = diff(expected, got)
    if problem:
        pytest.fail(f"cxm metrics on DuckDB and on Spark disagree\n{problem}", pytrace=False)


def test_loaded_tables_keep_types_and_instants(duck: Store, engines: tuple[Any, Any]) -> None:
    """The copy into Spark is lossless: same types, rows, instants, booleans and nulls."""
    from cxmetrics.model import schema

    _, spark_engine = engines
    for name in schema.TABLES:
        cols = schema.table(name).names
        a_t, b_t = duck.table(name).select(*cols), spark_engine.con.table(name).select(*cols)
        # Same logical types; Spark timestamps are microseconds too but report no scale.
        types = [{c: (type(d), getattr(d, "timezone", None)) for c, d in t.schema().items()} for t in (a_t, b_t)]
        assert types[0] == types[1], f"{name}: {a_t.schema()} != {b_t.schema()}"
        a, b = (_sorted(t.to_pandas(), cols) for t in (a_t, b_t))
        assert len(a) == len(b), name
        for c in cols:
            x, y = a[c].astype(object), b[c].astype(object)
            same = (x.isna() & y.isna()) | (x == y).fillna(False).astype(bool)
            assert same.all(), f"{name}.{c}:\n{pd.DataFrame({'duckdb': x[~same], 'spark': y[~same]}).head()}"


@pytest.mark.parametrize("label", list(CONFIGS))
def test_every_metric_identical_on_duckdb_and_spark(label: str, engines: tuple[Any, Any]) -> None:
    duck_engine, spark_engine = engines
    kw = CONFIGS[label]
    t0 = time.perf_counter()
    expected = duck_engine.frame(**kw)
    t1 = time.perf_counter()
    got = spark_engine.frame(**kw)
    t2 = time.perf_counter()
    print(f"\n{label}: duckdb {t1 - t0:.2f} s, spark {t2 - t1:.2f} s, {len(expected)} records")

    # The data set must exercise every metric, or equality would prove little (the
    # edge-case generator alone only fills the support tables).
    # Metrics whose facts lack the query's dimensions (no channel on calls or customers) are
    # left out by the engine itself.
    from cxmetrics.engine.core import Query

    q = Query(grain=kw["grain"], by=tuple(kw.get("by", ())), where=tuple(kw.get("where", {}).items()))
    applicable = {m.key for m in duck_engine.applicable(q)}
    covered = {m.key for m in all_metrics() if (_demo_build() or m.domain == "support") and m.key in applicable}
    missing = sorted(covered - set(expected["metric"]))
    assert not missing, f"{label}: no records for {missing}"
    # a total without --from starts before the first customer: no customers at its start
    undefined = {"churn_rate", "churn_rate:starting_customers", "retention_rate"} if kw["grain"] == "total" else set()
    empty = sorted(k for k in covered - undefined if expected.loc[expected.metric == k, "value"].isna().all())
    assert not empty, f"{label}: no values for {empty}; enrich the generated data"
    problem = diff(expected, got)
    if problem:
        pytest.fail(f"{label}: DuckDB and Spark disagree\n{problem}", pytrace=False)


def reading_every_table(engine: Any) -> list[str]:
    """Metrics that together read every fact table and every canonical table any metric reads:
    in registry order, each one that adds a fact or a table (so a new fact or source is covered
    without editing this list). ``engine`` must not cache or store facts, so that the metrics'
    expressions name the canonical tables they read."""
    import ibis.expr.operations as ops

    from cxmetrics.engine.core import Query

    q = Query(grain="total")
    facts: set[str] = set()
    tables: set[str] = set()
    keys = []
    for m in all_metrics():
        exprs = [engine.expr(m, q)] + ([engine.denominator_expr(m, q)] if m.denominator_fact else [])
        read = {t.name for e in exprs for t in e.op().find(ops.DatabaseTable)}
        if m.fact not in facts or not read <= tables:
            keys.append(m.key)
            facts.add(m.fact)
            tables |= read
    return keys


def test_tables_in_a_spark_catalog(duck: Store, spark: Any, tmp_path: Path) -> None:
    """The warehouse route (docs/spark.md): Parquet files -> managed tables in a catalog
    database, mapped onto the canonical columns, read by ``catalog_engine``.

    Every metric's numbers are compared in test_every_metric_identical_on_duckdb_and_spark;
    here the metrics that read every fact and every table a metric reads are enough."""
    from cxmetrics.engine.spark import canonical_frame, catalog_engine
    from cxmetrics.model import schema

    ids = reading_every_table(duck.engine(cache=False, stored=False))

    session = spark.newSession()  # own temp views: only the catalog database is visible
    session.sql("CREATE DATABASE IF NOT EXISTS cx")
    for name in schema.TABLES:
        path = tmp_path / f"{name}.parquet"
        duck.table(name).to_parquet(path)
        df = session.read.parquet(str(path))  # DuckDB's naive timestamps arrive as TIMESTAMP_NTZ
        if name == "tickets":  # a source with other spellings and without an optional column
            df = df.drop("satisfaction").toDF(*[c.upper() for c in df.columns if c != "satisfaction"])
        canonical_frame(name, df).write.saveAsTable(f"cx.{name}")
    engine = catalog_engine(session, duck.config, database="cx")
    expected = duck.engine().frame(ids, grain="total")
    assert set(expected.loc[expected["n"] > 0, "metric"]) == set(ids)  # each one has rows to compare
    problem = diff(expected, engine.frame(ids, grain="total"))
    if problem:
        pytest.fail(problem, pytrace=False)


def test_missing_tables_read_as_empty(duck: Store, spark: Any) -> None:
    """A warehouse with only some canonical tables still runs; the others read as empty."""
    from cxmetrics.engine.spark import catalog_engine, register_table

    session = spark.newSession()
    register_table("tickets", session.createDataFrame(duck.table("tickets").to_pyarrow()))
    got = catalog_engine(session, duck.config).frame(["ticket_volume", "handle_time", "nps"], grain="total")
    n = dict(zip(got["metric"], got["n"], strict=True))
    assert n["ticket_volume"] == duck.count("tickets")
    assert n["nps"] == 0
    # Without work_sessions only tickets.handle_seconds remains (the edge-case tickets have some).
    expected = duck.table("tickets").filter(lambda t: t.handle_seconds.notnull()).count().execute()
    assert 0 < n["handle_time"] <= expected


def test_sub_second_timestamps(tmp_path: Path, spark: Any) -> None:
    """Exports with milliseconds (common) must give the same durations on both engines.

    Spark's time here is its queries (planning a fact's SQL, running its cached stages), not
    the rows: on a warm session 20 tickets took as long as these 60, which vary the cases more."""
    from cxmetrics.engine.spark import spark_engine

    frames = generate(seed=5, n_tickets=60)
    jitter = np.random.default_rng(5)
    for name, col in (("tickets", "created_at"), ("messages", "created_at"), ("status_changes", "changed_at")):
        f = frames[name]
        f[col] = f[col] + pd.to_timedelta(jitter.integers(0, 1000, len(f)), unit="ms")
    store = Store(tmp_path / "ms.duckdb", config=config_from_dict(CONFIG))
    try:
        for name, frame in frames.items():
            store.import_frame(name, frame)
        ids = [m.key for m in all_metrics() if m.kind == "duration" or m.id == "sla_attainment"]
        # A session of its own: temp views are per session, so the module's engine keeps its tables.
        other = spark_engine(store, spark.newSession())
        problems = []
        for hours in ("calendar", "business"):
            expected = store.engine().frame(ids, grain="total", hours=hours)
            # every duration has rows to compare (calls': the edge-case generator writes no calls)
            assert {k for k in ids if get(k).fact != "calls"} <= set(expected.loc[expected["n"] > 0, "metric"])
            problem = diff(expected, other.frame(ids, grain="total", hours=hours))
            if problem:
                problems.append(f"{hours}: {problem}")
    finally:
        store.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
