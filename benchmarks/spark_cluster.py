"""Issue 11 item 5: cxm against a real Spark cluster (a standalone master and worker), over
Spark Connect and through spark-submit, with the numbers checked against the DuckDB store.

Usage: python benchmarks/spark_cluster.py [--tickets 100000] [--work DIR] [--keep]
                                          [--worker-memory 8g] [--report]

Everything runs on this machine, each part its own JVM, as on a cluster (docs/spark.md):

1. the CSVs of benchmarks/gen_tickets.py, one `cxm import` of them into a DuckDB store (the
   reference numbers), and Parquet copies of the CSVs (written by DuckDB, not timed);
2. a Spark standalone cluster from the ``pyspark`` package's own ``spark-class``: a master
   (``spark://127.0.0.1:7077``) and one worker with ``--cores``/``--worker-memory``; the
   script waits until the master lists the worker as ALIVE;
3. a Spark Connect server submitted to that master (``spark-submit --class
   org.apache.spark.sql.connect.service.SparkConnectServer``; the jar ships in pyspark 4),
   with a Hive metastore (Derby) and warehouse under the work directory;
4. a Connect client loads the Parquet files into the catalog as database ``cx``
   (``canonical_frame(...).write.saveAsTable``: the tables live in the cluster's warehouse);
5. ``cxm --engine sc://127.0.0.1:15002 metrics`` (every support metric, month x channel, JSON)
   and, with ``--report``, ``cxm --engine sc://... report``; the metrics are compared value by
   value with ``cxm --db STORE metrics``;
6. the Connect server stopped, the same metrics through ``spark-submit --master
   spark://127.0.0.1:7077 cxmetrics/interfaces/cli/main.py --engine spark metrics`` (the driver
   in that process, the executors on the worker), over the same metastore, compared again.

Prints each step's wall time and a Markdown summary for docs/benchmarks.md. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

TABLES = ("tickets", "messages", "status_changes", "work_sessions")
MASTER = "spark://127.0.0.1:7077"
CONNECT = "sc://127.0.0.1:15002"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"{what} exited ({proc.returncode}); see its log")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    sys.exit(f"{what} did not open port {port} in {timeout:.0f} s")


def wait_worker(ui: int, timeout: float) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as r:
                state = json.load(r)
            alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
            if alive:
                return alive[0]
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"no worker registered with the master in {timeout:.0f} s")


def start(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def timed(cmd: list[str], env: dict[str, str], log: Path | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if log is not None:
        log.write_text(p.stderr, encoding="utf-8")
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-4000:]}")
    return wall, p.stdout


FIELDS = ("value", "n", "numerator", "denominator", "ci_low", "ci_high", "mean", "median", "p90")


def compare(ref: str, got: str) -> tuple[int, float]:
    """Numbers compared (each cell's value, counts, interval and summaries, keyed by metric,
    month and channel), and the largest relative difference; any difference over 1e-9 stops."""
    def cells(text: str) -> dict[tuple[str, ...], Any]:
        rows = json.loads(text)["metrics"]
        return {(r["metric"], str(r["period_start"]), str(r.get("channel")), f): r.get(f)
                for r in rows for f in FIELDS}

    a, b = cells(ref), cells(got)
    if a.keys() != b.keys():
        sys.exit(f"different cells: {sorted(a.keys() ^ b.keys())[:5]}")
    worst, n = 0.0, 0
    for k, x in a.items():
        y = b[k]
        if x is None or y is None:
            if x is not y:
                sys.exit(f"{k}: {x!r} on DuckDB, {y!r} on Spark")
            continue
        n += 1
        if isinstance(x, float) and math.isnan(x) and math.isnan(y):
            continue
        d = abs(x - y) / max(abs(x), 1e-12)
        worst = max(worst, d)
        if d > 1e-9:
            sys.exit(f"{k}: {x!r} on DuckDB, {y!r} on Spark")
    return n, worst


LOAD = r"""
import sys, time
from pyspark.sql import SparkSession
from cxmetrics.engine.spark import canonical_frame
url, data = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.remote(url).getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "UTC")
spark.sql("CREATE DATABASE IF NOT EXISTS cx")
for name in ("tickets", "messages", "status_changes", "work_sessions"):
    t0 = time.perf_counter()
    canonical_frame(name, spark.read.parquet(f"{data}/{name}.parquet")).write.mode("overwrite").saveAsTable(f"cx.{name}")
    print(name, spark.table(f"cx.{name}").count(), f"{time.perf_counter() - t0:.1f}", flush=True)
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 2, help="the worker's cores")
    p.add_argument("--worker-memory", default="8g")
    p.add_argument("--report", action="store_true", help="also time `cxm --engine sc://... report`")
    a = p.parse_args(argv)
    work = (a.work or Path(tempfile.mkdtemp(prefix="cxm-spark-cluster-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    cxm = str(Path(py).with_name("cxm"))
    home = spark_home()
    env = {k: v for k, v in os.environ.items() if k not in ("CXM_CONFIG", "CXM_DB", "CXM_ENGINE")}
    env |= {"SPARK_HOME": str(home), "PYSPARK_PYTHON": py, "SPARK_LOG_DIR": str(work / "logs"),
            "SPARK_LOCAL_IP": "127.0.0.1", "CXM_SPARK_DATABASE": "cx"}
    (work / "logs").mkdir(exist_ok=True)
    load0 = os.getloadavg()[0]
    steps: list[tuple[str, float, str]] = []
    procs: list[subprocess.Popen[bytes]] = []
    data, db = work / "data", work / "store.duckdb"
    # One Hive metastore (Derby, one JVM at a time) and warehouse for the Connect server and spark-submit.
    java = f"-Duser.timezone=UTC -Dderby.system.home={work / 'derby'}"
    conf = {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": (work / "warehouse").as_uri(),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": java,
        "spark.executor.extraJavaOptions": java,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(2 * a.cores),
        "spark.sql.adaptive.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.driver.memory": "4g",
        "spark.executor.memory": "6g",
        "spark.local.dir": str(work / "local"),
    }
    confs = [x for k, v in conf.items() for x in ("--conf", f"{k}={v}")]
    support = [m.key for m in _support()]
    args = ["metrics", *support, "--grain", "month", "--by", "channel", "--format", "json"]
    try:
        if not (data / "tickets.csv").exists():
            subprocess.run([py, str(Path(__file__).with_name("gen_tickets.py")), "--tickets", str(a.tickets),
                            "--out", str(data)], check=True, env=env, capture_output=True)
        if not db.exists():
            subprocess.run([cxm, "--db", str(db), "import", *(str(data / f"{t}.csv") for t in TABLES)],
                           check=True, env=env, capture_output=True)
            import duckdb

            con = duckdb.connect()
            for t in TABLES:
                con.execute(f"COPY (SELECT * FROM read_csv('{data / (t + '.csv')}', header=true)) "
                            f"TO '{data / (t + '.parquet')}' (FORMAT parquet)")
            con.close()
        wall, ref = timed([cxm, "--db", str(db), *args], env)
        steps.append(("DuckDB store: `cxm --db STORE metrics` (reference)", wall, ""))

        t0 = time.perf_counter()
        spark_class = str(home / "bin" / "spark-class")
        procs.append(start([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                            "--port", "7077", "--webui-port", "18080"], work / "logs" / "master.log", env))
        wait_port(7077, 120, procs[-1], "the master")
        procs.append(start([spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                            "--cores", str(a.cores), "--memory", a.worker_memory, "--webui-port", "18081",
                            "--work-dir", str(work / "worker"), MASTER], work / "logs" / "worker.log", env))
        worker = wait_worker(18080, 120)
        steps.append((f"standalone cluster up: master + worker ({worker['cores']} cores, "
                      f"{worker['memory']} MiB)", time.perf_counter() - t0, ""))

        t0 = time.perf_counter()
        submit = str(home / "bin" / "spark-submit")
        connect = start([submit, "--master", MASTER, "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                         "--name", "cxm-connect", "--conf", "spark.connect.grpc.binding.port=15002",
                         "--conf", "spark.connect.grpc.binding.address=127.0.0.1", *confs,
                         "spark-internal"], work / "logs" / "connect.log", env)
        procs.append(connect)
        wait_port(15002, 180, connect, "the Spark Connect server")
        steps.append(("Spark Connect server up (an application on the master)", time.perf_counter() - t0, ""))

        wall, out = timed([py, "-c", LOAD, CONNECT, str(data)], env)
        steps.append(("Parquet -> `cx` tables in the cluster's warehouse, over Connect", wall,
                      ", ".join(f"{r.split()[0]} {int(r.split()[1]):,}" for r in out.splitlines())))

        cmd = [cxm, "--engine", CONNECT, *args]
        wall, got = timed(cmd, env, work / "logs" / "cxm-connect.log")
        n, worst = compare(ref, got)
        steps.append(("`cxm --engine sc://127.0.0.1:15002 metrics`", wall,
                      f"{n} values equal to DuckDB's (largest relative difference {worst:.1e})"))
        if a.report:
            month = max(r["period_start"] for r in json.loads(ref)["metrics"])[:7]
            rcmd = [cxm, "--engine", CONNECT, "report", "--period", month, "--out", str(work / "report.html")]
            wall, _ = timed(rcmd, env, work / "logs" / "cxm-report.log")
            steps.append(("`cxm --engine sc://... report` (HTML)", wall, ""))
        stop(connect)

        main_py = subprocess.run([py, "-c", "import cxmetrics.interfaces.cli.main as m; print(m.__file__)"],
                                 capture_output=True, text=True, check=True, env=env).stdout.strip()
        cmd = [submit, "--master", MASTER, "--name", "cxm-metrics", *confs, main_py, "--engine", "spark", *args]
        wall, got = timed(cmd, env, work / "logs" / "spark-submit.log")
        n, worst = compare(ref, got)
        steps.append(("`spark-submit --master spark://127.0.0.1:7077 .../main.py --engine spark metrics`", wall,
                      f"{n} values equal to DuckDB's (largest relative difference {worst:.1e})"))
    finally:
        for proc in reversed(procs):
            stop(proc)
        if not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n### Spark cluster — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, pyspark {_pyspark_version()}, "
          f"load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print(f"{a.tickets:,} tickets; {len(support)} support metrics, month x channel.\n")
    print("| step | wall | checked |\n|---|---|---|")
    for what, wall, note in steps:
        print(f"| {what} | {wall:.1f} s | {note} |")
    return 0


def _support() -> list[Any]:
    from cxmetrics.metrics.registry import all_metrics

    return [m for m in all_metrics() if m.domain == "support"]


def _pyspark_version() -> str:
    import pyspark

    return str(pyspark.__version__)


if __name__ == "__main__":
    raise SystemExit(main())
