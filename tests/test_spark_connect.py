"""Spark Connect for real: a Spark Connect server (the jar pyspark ships, ``local[2]``) on a
loopback port in its own JVM, the canonical tables saved in its catalog by a Connect client,
and `cxm --engine sc://...` in a new process printing what `cxm --db` prints from the store
the tables came from (docs/spark.md; benchmarks/spark_cluster.py does the same on a
standalone cluster).

Two bugs this found: Ibis's ``.cache()`` asserted ``is_cached``, which is false over Connect
for any query with a CTE read twice (the status spans), so every ticket metric failed with an
internal error; and the client's result streams and Ibis's cached-table finalizers printed
tracebacks at the process's exit (and a UserWarning for every in-memory table)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark
if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("grpc") is None:
    pytest.skip("the Spark Connect client is not installed (pip install 'cxmetrics[spark-connect]')",
                allow_module_level=True)
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Java is not installed (Spark needs Java 17)", allow_module_level=True)

from cxmetrics.settings import Config  # noqa: E402
from cxmetrics.store import Store  # noqa: E402
from tests.conftest import TEST_JVM_OPTIONS, TEST_SPARK_CONF  # noqa: E402
from tests.test_spark_parity import generate  # noqa: E402

#: the ticket facts (their status spans: the CTE read twice), replies and waits
IDS = ["ticket_volume", "first_response_time", "requester_wait_time"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import pyspark

    from cxmetrics.engine.spark import default_settings

    work = tmp_path_factory.mktemp("connect")
    port = free_port()
    home = Path(pyspark.__file__).parent
    conf = (default_settings(work, cores=2, driver_memory="1g", java_options=TEST_JVM_OPTIONS) | TEST_SPARK_CONF
            | {"spark.connect.grpc.binding.port": str(port), "spark.connect.grpc.binding.address": "127.0.0.1"})
    cmd = [str(home / "bin" / "spark-submit"), "--master", "local[2]", "--name", "cxm-tests-connect",
           "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
           *[x for k, v in conf.items() for x in ("--conf", f"{k}={v}")], "spark-internal"]
    env = os.environ | {"SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        end = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (work / "server.log").read_text(errors="replace")[-3000:]
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < end, "the Spark Connect server did not start in 180 s"
            time.sleep(0.3)
        yield f"sc://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def cxm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cxmetrics.interfaces.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=300)


#: a Connect client in a process of its own (this one may run a local Spark session, and a process
#: has one kind or the other) saves a store's tables in the server's catalog, as database ``cx``
LOAD = r"""
import sys
from pyspark.sql import SparkSession
from cxmetrics.engine.spark import canonical_frame, spark_ddl
from cxmetrics.model import schema
from cxmetrics.settings import Config
from cxmetrics.store import Store

url, db = sys.argv[1:3]
session = SparkSession.builder.remote(url).getOrCreate()
session.conf.set("spark.sql.session.timeZone", "UTC")
session.sql("CREATE DATABASE IF NOT EXISTS cx")
with Store(db, read_only=True, config=Config()) as store:
    for name in [n for n, rows in store.counts().items() if rows]:
        rows = store.table(name).select(*schema.table(name).names).to_pyarrow()
        df = session.createDataFrame(rows.to_pandas(), schema=spark_ddl(name))
        canonical_frame(name, df).write.mode("overwrite").saveAsTable(f"cx.{name}")
session.stop()
"""


def test_cli_over_spark_connect_prints_the_store_numbers(connect_url: str, tmp_path: Path) -> None:
    db = tmp_path / "cx.duckdb"
    with Store(db, config=Config()) as store:
        for name, frame in generate(seed=5, n_tickets=60).items():
            store.import_frame(name, frame)
    load = subprocess.run([sys.executable, "-c", LOAD, connect_url, str(db)], capture_output=True, text=True,
                          timeout=300)
    assert load.returncode == 0, load.stderr[-3000:]

    env = {k: v for k, v in os.environ.items() if not k.startswith("CXM_")} | {"CXM_SPARK_DATABASE": "cx"}
    # business hours: the calendar is an in-memory table, registered over Connect
    args = ["metrics", *IDS, "--grain", "month", "--by", "channel", "--hours", "business", "--format", "json"]
    expected = cxm("--db", str(db), *args, env=env)
    assert expected.returncode == 0, expected.stderr
    t0 = time.perf_counter()
    got = cxm("--db", str(db), "--engine", connect_url, *args, env=env)
    print(f"\ncxm --engine sc://... metrics: {time.perf_counter() - t0:.1f} s")
    assert got.returncode == 0, got.stderr[-3000:]
    # no traceback at exit: the client session is closed before the interpreter ends
    assert got.stderr == "", got.stderr[-3000:]  # no warning either ('verifySchema' is ignored ...)
    records = json.loads(got.stdout)["metrics"]
    assert {r["metric"] for r in records} == set(IDS) and len(records) > 30
    assert got.stdout == expected.stdout
