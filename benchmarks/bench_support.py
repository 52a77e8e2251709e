"""Benchmark: import N tickets (and ~5N messages), then compute every support metric.

Usage: python benchmarks/bench_support.py [--tickets 1000000] [--work DIR] [--keep]

Steps, each in its own process so wall time and peak memory are the command's own:
1. generate CSVs with benchmarks/gen_tickets.py (not timed as part of the product);
2. `cxm import` of tickets, messages, status_changes, work_sessions (rows/s each);
3. the derived ticket facts (done once after import, also timed alone);
4. `cxm metrics` of every support metric at month grain by channel, twice (cold, warm),
   plus `--hours business`.
Prints a Markdown table to paste into docs/benchmarks.md. Targets (issue 2): all
metrics over 1M tickets in under 5 s, import at 200k+ rows/s, peak memory < 2 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = ("tickets", "messages", "status_changes", "work_sessions")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the child alone, and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 3):
            sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the generated files and store")
    a = p.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data, db = work / "data", work / "bench.duckdb"
    py = sys.executable
    cxm = str(Path(py).with_name("cxm"))
    env = {**os.environ, "CXM_DB": str(db)}
    env.pop("CXM_CONFIG", None)
    figures: list[tuple[str, str, str, str]] = []
    try:
        if not (data / "tickets.csv").exists():
            print(f"generating {a.tickets:,} tickets into {data} ...", file=sys.stderr)
            run([py, str(Path(__file__).with_name("gen_tickets.py")), "--tickets", str(a.tickets), "--out", str(data)],
                env)
        if db.exists():
            db.unlink()
        total_rows, total_time = 0, 0.0
        for t in TABLES:
            n = rows(data / f"{t}.csv")
            wall, rss, _ = run([cxm, "--db", str(db), "import", t, str(data / f"{t}.csv")], env)
            total_rows += n
            total_time += wall
            figures.append((f"import {t}", f"{n:,} rows", f"{wall:.1f} s ({n / wall:,.0f} rows/s)", f"{rss:,.0f} MiB"))
        figures.append(("import, all four files", f"{total_rows:,} rows", f"{total_time:.1f} s "
                        f"({total_rows / total_time:,.0f} rows/s)", ""))
        wall, rss, _ = run([py, "-c", "import cxmetrics as cx, sys; s = cx.connect(sys.argv[1]); s.refresh_facts()",
                            str(db)], env)
        figures.append(("derive ticket facts (runs once per import)", "", f"{wall:.1f} s", f"{rss:,.0f} MiB"))
        support = [m.key for m in _support_metrics()]
        base = [cxm, "--db", str(db), "metrics", *support, "--grain", "month", "--by", "channel", "--format", "json"]
        for label, extra in (("all support metrics, month x channel (1st run)", []),
                             ("all support metrics, month x channel (2nd run)", []),
                             ("all support metrics, month x channel, business hours", ["--hours", "business"])):
            wall, rss, out = run(base + extra, env)
            records = len(json.loads(out)["metrics"])
            figures.append((label, f"{len(support)} metrics, {records:,} records",
                            f"{wall:.2f} s", f"{rss:,.0f} MiB"))
    finally:
        if not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n### {a.tickets:,} tickets — {dt.date.today().isoformat()}\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, "
          f"{platform.system()} {platform.release()}, Python {platform.python_version()}; load average "
          f"before the run {os.getloadavg()[0]:.1f}.\n")
    print("| step | size | wall time | peak memory |\n|---|---|---|---|")
    for f in figures:
        print("| " + " | ".join(f) + " |")
    return 0


def _support_metrics() -> list:
    from cxmetrics.metrics.registry import all_metrics

    return [m for m in all_metrics() if m.domain == "support"]


def _mem_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1]) / 1024 / 1024
    except OSError:
        return 0.0


if __name__ == "__main__":
    raise SystemExit(main())
