"""Compiled SQL kept per query shape (engine/sqlcache.py): a filled template is exactly the SQL
Ibis writes for the expression, on other data, other dates and in another process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ibis.backends.duckdb import Backend as DuckDBBackend
from pandas.testing import assert_frame_equal

from cxmetrics.engine.sqlcache import Backend, SqlCache, fingerprint
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests import scenario

#: a few metrics of each fact table that takes a --by channel
METRICS = ["ticket_volume", "backlog", "first_response_time", "resolution_time", "fcr_rate", "sla_attainment",
           "nps", "csat", "handle_time", "channel_share"]


def backend(cache: SqlCache | None) -> Backend:
    b = Backend().connect(":memory:")
    assert isinstance(b, Backend)
    b.sql_cache = cache
    return b


T = ibis.table({"a": "timestamp", "d": "date", "s": "string"}, name="facts")


def at(day: int) -> ibis.Value:
    return ibis.literal(dt.datetime(2026, 1, day, 12), "timestamp")


def test_the_shape_leaves_dates_and_generated_names_out() -> None:
    one, holes = fingerprint(T.filter(T.a < at(1), T.d == ibis.literal(dt.date(2026, 1, 1))).op())
    two, _ = fingerprint(T.filter(T.a < at(9), T.d == ibis.literal(dt.date(2025, 5, 5))).op())
    assert one == two and len(holes) == 2
    assert fingerprint(T.filter(T.a <= at(1), T.d == ibis.literal(dt.date(2026, 1, 1))).op())[0] != one  # another operator
    assert fingerprint(T.filter(T.s == "x").op())[0] != fingerprint(T.filter(T.s == "y").op())[0]  # not a date
    shared, holes = fingerprint(T.filter(T.a > at(1), T.a < at(1)).op())
    apart, holes2 = fingerprint(T.filter(T.a > at(1), T.a < at(2)).op())
    assert shared != apart and (len(holes), len(holes2)) == (1, 2)  # an equal value is one hole
    m1, m2 = ibis.memtable({"x": [1]}), ibis.memtable({"x": [2]})
    assert fingerprint(m1.op())[0] == fingerprint(m2.op())[0]  # generated names are holes


def test_a_filled_template_is_what_ibis_writes() -> None:
    cache = SqlCache(None, verify=True)
    b = backend(cache)
    for day in (1, 2, 3, 2):
        f = T.filter(T.a < at(day), T.d > ibis.literal(dt.date(2026, 1, day)))
        sql = b.compile(f.group_by("s").agg(n=f.count()))
        assert f"MAKE_DATE(2026, 1, {day})" in sql
    assert (cache.hits, cache.misses) == (3, 1)


def test_a_shape_that_does_not_template_faithfully_is_compiled_each_time() -> None:
    """A sentinel value's text that survives filling (here in a string literal) would be stale
    on the next query: such a shape keeps no template."""
    cache = SqlCache(None, verify=True)
    b = backend(cache)
    for day in (1, 2):
        expr = T.filter(T.a < at(day), T.s == "7777")
        assert b.compile(expr) == DuckDBBackend.compile(b, expr)
    assert list(cache._memory.values()) == [None] and cache.misses == 1


def test_cached_tables_compile_through_the_cache_and_answer_the_same() -> None:
    cache = SqlCache(None, verify=True)
    b = backend(cache)
    b.raw_sql("CREATE TABLE facts AS SELECT TIMESTAMP '2026-01-01 10:00' + i * INTERVAL 1 HOUR AS a, "
              "DATE '2026-01-01' AS d, (i % 3)::VARCHAR AS s FROM range(100) r(i)")
    t = b.table("facts")
    for day in (2, 3):
        c = t.filter(t.a < at(day)).cache()
        assert c.count().execute() == 24 * (day - 1) + 2
        assert c.schema() == t.schema()
    assert cache.hits >= 1


def test_a_query_s_graph_is_walked_once_and_in_memory_tables_still_register(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-execute hooks' walk is the fingerprint's, and the compilation that follows uses it;
    a query over an in-memory table (which the hooks register in DuckDB) still answers."""
    from cxmetrics.engine import sqlcache

    walks: list[object] = []
    walk = sqlcache._walk
    monkeypatch.setattr(sqlcache, "_walk", lambda root: walks.append(root) or walk(root))
    b = backend(SqlCache(None, verify=True))
    for n in (3, 5):
        m = ibis.memtable({"x": list(range(n))})
        assert b.execute(m.filter(m.x >= 1).aggregate(n=lambda t: t.count())).iloc[0, 0] == n - 1
    assert len(walks) == 2  # one per query; a second walk would be the fingerprint's own
    assert b.compile(T.filter(T.a < at(1))) and len(walks) == 3  # compiled alone: its own walk


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory: pytest.TempPathFactory, small_demo: Path) -> list[Path]:
    """The small demo (14 months to 2026) and the hand scenario (2024): other data, other bounds."""
    path = tmp_path_factory.mktemp("sqlcache") / "scenario.duckdb"
    with Store(path, config=Config()) as s:
        scenario.load(s)
    return [small_demo, path]


def frames(path: Path, cache: SqlCache | None, ids: list[str] | None = METRICS, **query: object) -> object:
    store = Store(path, read_only=True, config=Config())
    try:
        store.ibis.sql_cache = cache
        return store.engine().frame(ids, **query)  # type: ignore[arg-type]
    finally:
        store.close()


def test_two_stores_share_templates_and_get_their_own_numbers(two_stores: list[Path]) -> None:
    """Every metric that applies, on two stores: the second store's queries are filled templates
    (``verify``: the very SQL Ibis writes), and its numbers those of a store without a cache."""
    cache = SqlCache(None, verify=True)
    queries = [dict(grain="month", by=["channel"]), dict(grain="week"),
               dict(grain="total", from_="2024-03-01", to="2024-04-30", hours="business", stat="p90")]
    for i, q in enumerate(queries):
        before = cache.misses
        frames(two_stores[0], cache, None if i == 0 else METRICS, **q)
        first = cache.misses - before
        before, hits = cache.misses, cache.hits
        frames(two_stores[1], cache, None if i == 0 else METRICS, **q)
        # the second store's queries are nearly all templates the first store left (its business
        # calendar may differ: a shape or two of its own)
        assert cache.misses - before <= 2 < first, q
        assert cache.hits - hits >= first - 2, q
    small = two_stores[1]
    assert_frame_equal(frames(small, cache, None, grain="month"), frames(small, None, None, grain="month"),
                       check_exact=False, rtol=1e-9)  # type: ignore[arg-type]


@settings(max_examples=max(5, settings.default.max_examples // 20))  # each: an engine, 10 metrics compiled twice
@given(grain=st.sampled_from(["day", "week", "month", "quarter"]),
       start=st.dates(dt.date(2024, 11, 1), dt.date(2026, 2, 1)), days=st.integers(0, 200),
       tz=st.sampled_from(["UTC", "Europe/Helsinki", "Asia/Tokyo", "America/Los_Angeles"]),
       hours=st.sampled_from(["calendar", "business"]), by=st.sampled_from([[], ["channel"], ["priority"]]))
def test_any_query_compiles_to_ibis_own_sql(small_demo: Path, grain: str, start: dt.date, days: int, tz: str,
                                            hours: str, by: list[str]) -> None:
    """Whatever the dates, zone and grain, a query answered from a template runs exactly the
    SQL Ibis would have written (``verify`` compiles each hit both ways)."""
    cache = _SHARED
    frames(small_demo, cache, grain=grain, from_=start, to=start + dt.timedelta(days=days), tz=tz, hours=hours, by=by)


_SHARED = SqlCache(None, verify=True)


def test_another_process_reuses_the_templates(two_stores: list[Path], tmp_path: Path) -> None:
    folder = tmp_path / "sql"
    env = {**os.environ, "CXM_SQL_CACHE": str(folder)}
    cmd = [sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(two_stores[0]), "metrics", *METRICS,
           "--grain", "month", "--by", "channel", "--format", "csv"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    files = sorted(folder.rglob("*.sql"))
    assert len(files) >= 5
    stamps = [f.stat().st_mtime_ns for f in files]
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    assert again == first and [f.stat().st_mtime_ns for f in files] == stamps  # read, not written again
    # a new process's cache (empty memory) finds every shape on disk
    fresh = SqlCache(folder, verify=True)
    frames(two_stores[0], fresh, grain="month", by=["channel"])
    assert fresh.misses == 0 and fresh.hits > 0


def test_a_damaged_or_unwritable_folder_costs_time_not_answers(two_stores: list[Path], tmp_path: Path) -> None:
    folder = tmp_path / "sql"
    plain = frames(two_stores[1], None, grain="month")
    frames(two_stores[1], SqlCache(folder), grain="month")
    files = sorted(folder.rglob("*.sql"))
    for i, f in enumerate(files):
        text = f.read_text()
        f.write_text([text[: len(text) // 2], text.replace("SELECT", "SELECT 1 AS x,", 1), "garbage"][i % 3])
    again = SqlCache(folder, verify=True)
    assert_frame_equal(frames(two_stores[1], again, grain="month"), plain)  # type: ignore[arg-type]
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert_frame_equal(frames(two_stores[1], SqlCache(blocked), grain="month"), plain)  # type: ignore[arg-type]


def test_the_setting() -> None:
    assert Config(sql_cache="off").sql_cache_folder is None
    assert Config(sql_cache="~/x").sql_cache_folder == Path("~/x").expanduser()
    assert Config().sql_cache_folder is not None


def test_a_cached_table_collected_after_its_connection_closed_raises_nothing() -> None:
    """Ibis drops a cached table from a finalizer when its expression is collected; on a closed
    connection that DROP fails, and an exception in a finalizer would fail whatever test (or
    request) happens to run then (pytest reports it as an unraisable exception)."""
    import gc

    import duckdb

    from cxmetrics.engine import sqlcache

    raw = duckdb.connect()
    raw.execute("CREATE TABLE t AS SELECT 1 AS x")
    backend = sqlcache.from_connection(raw, sql_cache=None)
    cached = backend.table("t").cache()
    assert cached.x.sum().execute() == 1
    raw.close()
    del cached
    gc.collect()  # the finalizer runs here; with the error suppressed nothing is raised
