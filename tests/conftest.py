"""Shared fixtures (a fresh store per test, demo stores built once per worker, real-data
location, golden-file flag), the hypothesis profiles, and how pytest-xdist splits the suite."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# Writes skip the dashboard's warm start (``server.warm_start``: seconds per import on a demo
# store, paid by hundreds of tests that import); tests/test_store_processes.py tests it on its
# own. Child processes (the CLI, cxm serve) inherit this.
os.environ.setdefault("CXM_WARM_START", "0")
# CLI writers keep the priority they start with (``write_nice``): commands run in a pytest worker
# (CliRunner) would otherwise renice the worker for the rest of the run; test_store_processes.py
# checks the default in a process of its own.
os.environ.setdefault("CXM_WRITE_NICE", "0")
# Servers and commands the tests start build their reports in their own process
# (``report_helper``): a helper for every server would compete with the workers for the two
# cores. Reports built in a worker with ``Config()`` use the worker's one helper;
# tests/test_report_helper.py tests it.
os.environ.setdefault("CXM_REPORT_HELPER", "0")
# Servers the tests start answer every question in their own process (``compute_processes``):
# worker processes for each of them would cost a start-up each and compete for the two cores;
# tests/test_server_workers.py and tests/test_store_processes.py run servers with them.
os.environ.setdefault("CXM_COMPUTE_PROCESSES", "0")
# Caches (compiled SQL, engine/sqlcache.py, under $XDG_CACHE_HOME/cxmetrics/sql: the default
# of the sql_cache setting, so settings made with Config() use it too) are kept for this run
# only, in a folder the first process (xdist's controller) names and its workers and their
# child processes inherit: never the user's ~/.cache, never a template from an earlier run.
os.environ.setdefault("XDG_CACHE_HOME", str(Path(tempfile.gettempdir()) / f"cxm-cache-{os.getpid()}"))
RUN_CACHE = Path(os.environ["XDG_CACHE_HOME"])


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput") and RUN_CACHE.name == f"cxm-cache-{os.getpid()}":  # ours to remove
        import shutil

        shutil.rmtree(RUN_CACHE, ignore_errors=True)

# -- hypothesis profiles ---------------------------------------------------------------
# ``ci`` is the default (scripts/test, CI): 100 examples a property unless a test scales
# that for its own cost, reproducible (derandomize: the same examples on every run and
# every machine, so a CI failure repeats at home), no example database written by the
# parallel workers, no deadline (a shared 2-core machine makes timings noise).
# ``quick`` is for editing loops; ``thorough`` searches ten times longer with fresh random
# examples and keeps failures in .hypothesis/ for replay. Pick one with
# ``pytest --hypothesis-profile thorough`` or ``HYPOTHESIS_PROFILE=thorough``.
# Tests whose examples are expensive (a store built and every metric computed per example)
# take a fraction of ``settings.default.max_examples``, so the profiles scale them too.
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("quick", settings.get_profile("ci"), max_examples=10)
settings.register_profile("thorough", settings.get_profile("ci"), max_examples=1000, derandomize=False,
                          database=settings.default.database)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def process_tempdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temp dir of this test process's own (an xdist worker's), for tempfile and for
    child processes (TMPDIR): parallel workers never see each other's temp files, so a
    test that checks nothing is left behind there (upload copies, PDF scratch dirs) is
    not fooled by another worker's test running at the same moment."""
    path = tmp_path_factory.mktemp("tmp")
    saved, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(path), str(path)
    yield path
    tempfile.tempdir = saved
    if saved_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_env


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden files (generated SQL, docs) instead of comparing.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def realdata_dir() -> Path | None:
    env = os.environ.get("CXM_REALDATA")
    for p in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data"]:
        if p.is_dir():
            return p
    return None


@pytest.fixture
def realdata() -> Path:
    d = realdata_dir()
    if d is None:
        pytest.skip("real data not found: set $CXM_REALDATA or provide ../shared/data")
    return d


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty store in a temp dir, with default settings (no cxm.toml is read)."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXM_CONFIG", raising=False)
    monkeypatch.delenv("CXM_DB", raising=False)
    s = Store(tmp_path / "cx.duckdb", config=Config())
    yield s
    s.close()


def ts(text: str) -> pd.Timestamp:
    """UTC instant from 'YYYY-MM-DD HH:MM' (tests read better with short literals)."""
    return pd.Timestamp(text, tz="UTC")


#: The small demo the report, API and dashboard tests share: 14 months ending 2026-01-01
#: (so the report month December 2025 has a month before and the same month a year before).
SMALL_DEMO_END = "2026-01-01"


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a small demo store (about 600 tickets a month), built once per session.
    Tests open it read-only; a test that writes must copy it first."""
    import datetime as dt

    from cxmetrics.demo import build
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    path = tmp_path_factory.mktemp("small-demo") / "demo.duckdb"
    with Store(path, config=Config()) as s:
        build(s, seed=7, months=14, end=dt.date.fromisoformat(SMALL_DEMO_END), scale=0.15)
        s.stored_facts()
    return path


@pytest.fixture(scope="session")
def api_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the API tests' small demo store (3 months to 2026-10-31, a twentieth of the
    volume, every table), built once per session (per xdist worker). A template: tests copy
    it (``tests.api_support.copy_store``) before opening it for writing."""
    from tests.api_support import build_demo

    return build_demo(tmp_path_factory.mktemp("api-demo") / "cx.duckdb")


@pytest.fixture(scope="session")
def tickets_only(tmp_path_factory: pytest.TempPathFactory, small_demo: Path) -> Path:
    """The small demo's help-desk tables only: no surveys, customers, calls, orders or carts."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    path = tmp_path_factory.mktemp("tickets-only") / "tickets.duckdb"
    with Store(path, config=Config()) as s:
        s.raw.execute(f"ATTACH '{small_demo}' AS src (READ_ONLY)")
        for name in ("tickets", "messages", "status_changes", "work_sessions", "_import_log"):
            s.raw.execute(f'INSERT INTO "{name}" SELECT * FROM src."{name}"')
        s.raw.execute("DETACH src")
        s.stored_facts()
    return path


#: Spark settings for the tests' sessions (the fixture below, tests/test_spark_connect.py's server) on
#: top of ``default_settings``: interpreted execution instead of whole-stage code generation. The
#: tests' tables have tens of rows, where compiling generated Java for every query (Janino) costs
#: more than it saves; results are the same by Spark's contract (and benchmarks/spark_cluster.py
#: checks every number with code generation on). Opt out with CXM_TEST_SPARK_CODEGEN=1.
TEST_SPARK_CONF = {} if os.environ.get("CXM_TEST_SPARK_CODEGEN") == "1" else {
    "spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"}
#: JVM options for the tests' Spark JVMs: the quick (C1) JIT compiler only. A JVM that lives a few
#: minutes planning hundreds of small queries spent a third of its CPU in the optimising (C2)
#: compiler, on two cores shared with the other test worker: the Spark tests in one process took
#: 311 s of CPU (186 s) with it and 209 s (150 s) without it. Opt out with CXM_TEST_SPARK_C2=1.
TEST_JVM_OPTIONS = "" if os.environ.get("CXM_TEST_SPARK_C2") == "1" else "-XX:TieredStopAtLevel=1"


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local Spark session (``local[2]``, 2 GB) for this test process, started when a test
    first asks for it and stopped at the end of the session: its JVM start and warm-up (tens of
    seconds) is paid once by tests/test_spark_parity.py and the Spark test of tests/test_sla.py,
    which share a work unit (JOIN_UNIT below) so one worker runs them one after the other.
    Tests that need their own temp views or current database use ``spark.newSession()``."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'cxmetrics[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java is not installed (Spark needs Java 17)")
    from cxmetrics.engine.spark import spark_session

    t0 = time.perf_counter()
    session = spark_session("local[2]", "cxmetrics-tests", driver_memory="2g",
                            workdir=tmp_path_factory.mktemp("spark"), conf=TEST_SPARK_CONF,
                            java_options=TEST_JVM_OPTIONS)
    print(f"\nSpark session started in {time.perf_counter() - t0:.1f} s")
    jvm = session.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    assert set(TEST_JVM_OPTIONS.split()) <= set(jvm.getInputArguments()), "the JVM options did not reach the JVM"
    yield session
    session.stop()


# -- parallel runs (pytest-xdist) ----------------------------------------------------
# scripts/test runs ``-n auto --dist loadgroup --no-loadscope-reorder``, and
# pytest_xdist_make_scheduler below gives --dist loadgroup this suite's work units, each
# run whole on one worker: a module's tests, so its module-scoped fixtures (a demo store,
# a live server with Chromium) are built once; modules that share a process-wide cache share
# a unit; a test elsewhere that uses a costly session fixture of a unit's (the Spark session)
# joins that unit (JOIN_UNIT), so only one worker builds it; each long property test
# (OWN_UNIT: minutes, no module-scoped fixture) is a unit of its own, which is what keeps
# the two workers evenly busy. Units start longest first (LONG_FIRST, then collection order), so no long unit is
# left to start at the end. (xdist's own loadgroup reads ``xdist_group`` marks through
# node ids, which pytest 9.2 no longer lets it rewrite: pytest-xdist issue 1386.)

#: modules that share a cache (tests.test_report_html's built reports) run together
SHARED_UNITS = {"test_report_html": "report", "test_report_pdf": "report", "test_report_xlsx": "report"}
#: node-id prefixes of tests that run in another unit: the one whose session-scoped fixture they use
JOIN_UNIT = {"tests/test_sla.py::test_policy_events_identical_on_spark": "test_spark_parity",
             # not a shared fixture but a JVM of its own: after the others', not beside them
             "tests/test_spark_connect.py::": "test_spark_parity"}
#: node-id prefixes of tests that are each a unit of their own
OWN_UNIT = ("tests/test_invariants.py::", "tests/test_feedback_invariants.py::",
            "tests/test_customer_metrics.py::test_churn_and_retention_are_consistent")
#: units by how long they take (about 2-5 minutes of one core for Spark), longest first
LONG_FIRST = ("test_spark_parity", "tests/test_invariants.py::", "tests/test_feedback_invariants.py::",
              "tests/test_customer_metrics.py::test_churn", "test_browser", "report", "test_api", "test_demo")


def work_unit(nodeid: str) -> str:
    """The unit of work (see above) a test belongs to, from its node id."""
    if nodeid.startswith(OWN_UNIT):
        return nodeid
    joined = next((unit for prefix, unit in JOIN_UNIT.items() if nodeid.startswith(prefix)), None)
    if joined is not None:
        return joined
    module = nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
    return SHARED_UNITS.get(module, module)


def _rank(unit: str) -> int:
    return next((i for i, prefix in enumerate(LONG_FIRST) if unit.startswith(prefix)), len(LONG_FIRST))


@pytest.hookimpl(optionalhook=True)  # an xdist hook, on the controller
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SuiteScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return SuiteScheduling(config, log)


#: terminal size variables a worker process is started with (80 x 24) when the run's own
#: environment has none; Rich's Console fixes its width from them at creation, so CLI
#: output would differ from a one-process run
TERMINAL_SIZE = ("COLUMNS", "LINES")


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the controller, once per worker
def pytest_configure_node(node: Any) -> None:
    node.workerinput["environ"] = {name: os.environ.get(name) for name in TERMINAL_SIZE}


def pytest_configure(config: pytest.Config) -> None:
    from cxmetrics.engine.collector import tune_collector

    tune_collector()  # as the CLI does (engine/collector.py): 10-15% less CPU in query-heavy modules
    environ = getattr(config, "workerinput", {}).get("environ", {})
    for name, value in environ.items():  # on a worker: the controller's values, or none
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest units first; within a rank, collection order (modules stay together)."""
    order = {item.nodeid: (_rank(work_unit(item.nodeid)), i) for i, item in enumerate(items)}
    items.sort(key=lambda item: order[item.nodeid])
