"""Benchmark for issue 11 item 5: how the cost grows with the data, on DuckDB and on Spark local mode.

Usage: python benchmarks/bench_scaling.py [--tickets 100000,1000000,3000000] [--spark-max 1000000]
                                          [--work DIR] [--keep]

For each size, the CSVs of benchmarks/gen_tickets.py (not timed; about 5 messages, 2 status
changes and 0.7 work sessions per ticket), then, each step in its own process:

* DuckDB: one `cxm import` of the four files (``cxm import tickets.csv messages.csv ...``: one
  writer session, which derives the ticket facts and the dashboard's first screen once before it
  publishes), the first `cxm metrics` of every support
  metric at month grain by channel in a new process, and the same again;
* Spark local mode (``local[2]``, sizes up to ``--spark-max``): the same files as Parquet (written
  by DuckDB, not timed) read by Spark as the canonical tables (``register_table``), then every
  support metric at month grain by channel through ``catalog_engine`` (facts derived on Spark).

Prints a Markdown table with seconds and seconds per million tickets: a linear cost keeps the
second figure flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from bench_support import run  # benchmarks/: each step a process, its wall time and peak memory

TABLES = ("tickets", "messages", "status_changes", "work_sessions")

SPARK_STEP = r"""
import sys, time
from cxmetrics.engine.spark import catalog_engine, register_table, spark_session
from cxmetrics.metrics.registry import all_metrics

data, work = sys.argv[1], sys.argv[2]
spark = spark_session("local[2]", "cxm-bench-scaling", driver_memory="8g", workdir=work)
t0 = time.perf_counter()
for name in ("tickets", "messages", "status_changes", "work_sessions"):
    register_table(name, spark.read.parquet(f"{data}/{name}.parquet"))
engine = catalog_engine(spark)
support = [m.key for m in all_metrics() if m.domain == "support"]
frame = engine.frame(support, grain="month", by=["channel"])
print(f"{time.perf_counter() - t0:.2f} {len(frame)}")
spark.stop()
"""


def support_metrics() -> list[str]:
    from cxmetrics.metrics.registry import all_metrics

    return [m.key for m in all_metrics() if m.domain == "support"]


def to_parquet(data: Path) -> None:
    import duckdb

    con = duckdb.connect()
    for t in TABLES:
        con.execute(f"COPY (SELECT * FROM read_csv('{data / (t + '.csv')}', header=true)) "
                    f"TO '{data / (t + '.parquet')}' (FORMAT parquet)")
    con.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", default="100000,1000000,3000000", help="sizes, comma-separated")
    p.add_argument("--spark-max", type=int, default=1_000_000, help="largest size run on Spark too (0: none)")
    p.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the generated files and stores")
    a = p.parse_args(argv)
    sizes = [int(x) for x in a.tickets.split(",")]
    work = a.work or Path(tempfile.mkdtemp(prefix="cxm-bench-scaling-"))
    py = sys.executable
    cxm = str(Path(py).with_name("cxm"))
    env = {k: v for k, v in os.environ.items() if k not in ("CXM_CONFIG", "CXM_DB")}
    support = support_metrics()
    load = os.getloadavg()[0]
    rows: list[str] = []
    try:
        for n in sizes:
            data, db = work / f"t{n}", work / f"t{n}.duckdb"
            if not (data / "tickets.csv").exists():
                print(f"generating {n:,} tickets ...", file=sys.stderr, flush=True)
                run([py, str(Path(__file__).with_name("gen_tickets.py")), "--tickets", str(n), "--out", str(data)],
                    env)
            db.unlink(missing_ok=True)
            # one command, one writer session: the files are named after their tables
            t_import, peak, _ = run([cxm, "--db", str(db), "import", *(str(data / f"{t}.csv") for t in TABLES)], env)
            base = [cxm, "--db", str(db), "metrics", *support, "--grain", "month", "--by", "channel",
                    "--format", "json"]
            first, rss1, _ = run(base, env)
            warm, rss2, _ = run(base, env)
            m = n / 1e6
            rows.append(f"| {n:,} | DuckDB | {t_import:.1f} s ({t_import / m:.1f}) | {first:.1f} s ({first / m:.1f}) "
                        f"| {warm:.1f} s ({warm / m:.1f}) | {max(peak, rss1, rss2) / 1024:.2f} GiB |")
            print(rows[-1], file=sys.stderr, flush=True)
            if n <= a.spark_max:
                to_parquet(data)
                sw = work / f"spark{n}"
                sw.mkdir(exist_ok=True)
                wall, _, out = run([py, "-c", SPARK_STEP, str(data), str(sw)], env)
                inner = float(out.split()[0])
                rows.append(f"| {n:,} | Spark local[2] | Parquet read lazily | {inner:.1f} s ({inner / m:.1f}) "
                            f"| — | (process {wall:.0f} s with the JVM start) |")
                print(rows[-1], file=sys.stderr, flush=True)
            if not a.keep:
                shutil.rmtree(data, ignore_errors=True)
                db.unlink(missing_ok=True)
    finally:
        if not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n### Scaling — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} "
          f"cores, Python {platform.python_version()}, load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after\n")
    print(f"{len(support)} support metrics, month x channel. In brackets: seconds per million tickets "
          "(flat = linear).\n")
    print("| tickets | engine | import of the four files | first metrics | again "
          "| peak memory |\n|---|---|---|---|---|---|")
    for r in rows:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
