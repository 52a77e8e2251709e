"""Benchmark for compiled SQL kept per query shape (engine/sqlcache.py, issue 12).

Usage: python benchmarks/bench_sqlcache.py --db DEMO.duckdb [--rounds 3]

A new engine (what each CLI command, each server request for a new data version, each
notebook query gets) answers the dashboard's questions for date ranges never asked before:

1. without the cache (``sql_cache = off`` and a cache object that keeps nothing): Ibis compiles every query;
2. with an empty cache: every shape is compiled once (with sentinels) and kept;
3. with the templates another process left in the folder (a new cache object over it):
   no compilation at all.

Prints the time per round of questions and the compilation share, as a Markdown table
(yardstick: 1, the same engine work compiling every query, in this process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from cxmetrics.engine.core import Engine
from cxmetrics.engine.sqlcache import SqlCache
from cxmetrics.settings import Config
from cxmetrics.store import Store

QUESTIONS: list[dict[str, object]] = [
    {"ids": ["ticket_volume", "backlog", "first_response_time", "resolution_time"], "grain": "month"},
    {"ids": ["first_response_time", "fcr_rate"], "grain": "month", "by": ["channel"]},
    {"ids": ["nps", "csat", "ces"], "grain": "month"},
    {"ids": ["ticket_volume"], "grain": "week", "by": ["category"]},
    {"ids": ["call_abandonment_rate", "average_speed_of_answer", "service_level"], "grain": "month"},
    {"ids": ["churn_rate", "retention_rate", "active_customers"], "grain": "month"},
    {"ids": ["csat"], "grain": "month", "by": ["agent"]},
    {"ids": ["resolution_time"], "grain": "month", "hours": "business", "stat": "p90"},
]


def one_round(store: Store, cache: SqlCache | None, day: int) -> float:
    """Every question once, for a date range of its own, on new engines over the stored facts."""
    store.ibis.sql_cache = cache
    base = store.stored_facts(refresh=False)
    t0 = time.perf_counter()
    for q in QUESTIONS:
        kw = dict(q)
        ids = kw.pop("ids")
        engine = Engine(store.ibis, store.config, cache=base is None, base=base)
        engine.frame(ids, from_=dt.date(2025, 1, 1) + dt.timedelta(days=day),  # type: ignore[arg-type]
                     to=dt.date(2026, 6, 30) - dt.timedelta(days=day), **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    store = Store(a.db, read_only=True, config=Config(sql_cache="off"))
    folder = Path(tempfile.mkdtemp(prefix="cxm-sql-bench-"))
    one_round(store, None, 0)  # imports, the data's bounds, schemas: paid once, by no phase
    plain = [one_round(store, None, 1 + i) for i in range(a.rounds)]
    cold = []
    for i in range(a.rounds):  # each round a new, empty cache: every shape compiled once and kept
        cold.append(one_round(store, SqlCache(folder / f"cold{i}"), 10 + i))
    one_round(store, SqlCache(folder / "warm"), 20)  # "another process" leaves its templates
    warm = [one_round(store, SqlCache(folder / "warm"), 30 + i) for i in range(a.rounds)]  # a new process's cache
    store.close()
    load = os.getloadavg()[0]
    print(f"\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {load:.1f}; store {a.db.name}; "
          f"{len(QUESTIONS)} questions per round, each on a new engine, dates never asked before\n")
    print(f"| compiled SQL | seconds per round (median of {a.rounds}) | ratio to compiling every query |")
    print("|---|---|---|")
    base = statistics.median(plain)
    for label, xs in (("compiled by Ibis every time (yardstick)", plain), ("empty cache (each shape compiled once)", cold),
                      ("templates left by another process", warm)):
        print(f"| {label} | {statistics.median(xs):.2f} | {statistics.median(xs) / base:.2f} |")


if __name__ == "__main__":
    main()
