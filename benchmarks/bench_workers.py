"""Benchmark: a new metrics question, one at a time, answered by a warm compute worker or by the server.

Usage: PYTHONPATH=src python benchmarks/bench_workers.py --db DEMO.duckdb [--workers 0,2] [--questions 100]

For each worker count, in this process: the app over a copy of the store (``create_app``, the
same code as ``cxm serve``) with ``CXM_COMPUTE_PROCESSES`` set, waits until every worker is
ready, asks the overview and 21 new questions to warm up, then times ``--questions`` new
questions (each a date range not asked before, the shapes of ``bench_store.py``) one at a time.
``bench_store.py`` measures the same on a server that has just started (workers still starting);
this shows the cost once they are warm. Prints median and p95 per worker count, and how many
questions the workers answered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import QUERIES


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True, help="a demo store (`cxm demo`) to copy")
    p.add_argument("--workers", default="0,2", help="worker counts to compare, comma-separated")
    p.add_argument("--questions", type=int, default=100)
    a = p.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from cxmetrics.interfaces.web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="cxm-bench-workers-"))
    (work / "cxm.toml").write_text("", encoding="utf-8")
    asked = 0

    def new() -> str:
        nonlocal asked
        asked += 1
        start = dt.date(2024, 1, 1) + dt.timedelta(days=asked)
        return f"/api/v1/metrics?{QUERIES[asked % len(QUERIES)]}&from={start}"

    print("| workers | questions | median ms | p95 ms | answered by workers |")
    print("|---|---|---|---|---|")
    for n in (int(x) for x in a.workers.split(",")):
        os.environ["CXM_COMPUTE_PROCESSES"] = str(n)
        db = work / f"w{n}.duckdb"
        shutil.copyfile(a.db, db)
        with TestClient(create_app(db, config_path=work / "cxm.toml")) as c:
            workers = c.app.state.ctx.workers
            if not all(w.ready(120) for w in workers):
                raise SystemExit("a worker did not start")
            c.get("/api/v1/overview")
            for _ in range(21):
                c.get(new())
            ms = []
            for _ in range(a.questions):
                t = time.perf_counter()
                r = c.get(new())
                ms.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"{r.status_code} {r.text[:300]}")
            ms.sort()
            p95 = ms[min(len(ms) - 1, round(0.95 * len(ms) + 0.5) - 1)]
            print(f"| {n} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | "
                  f"{sum(w.answered for w in workers)} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
