"""Benchmark: business-hours durations and SLA events with one schedule against three per team.

Usage: PYTHONPATH=src python benchmarks/bench_schedules.py [--scale 0.25] [--work DIR]

Builds a demo store (``cxm demo``'s generator, 6 months), then with a fresh engine per run
times (wall seconds, best of 3): the business-hours ticket facts and ``first_response_time`` /
``resolution_time`` by team (``--hours business``), and the SLA events of a business-hours
policy, once with ``[business_hours]`` alone and once with three ``[[schedules]]`` per team
(different zones and holiday calendars). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

ONE = {"timezone": "Europe/Helsinki", "business_hours": {"country": "FI"},
       "sla": {"policies": [{"name": "All", "first_reply": "4h", "next_reply": "8h", "resolution": "2d",
                             "hours": "business", "pause": ["pending"]}]}}
THREE = {**ONE, "schedules": [
    {"name": "care", "where": {"team": "Care"}, "timezone": "Europe/Helsinki", "country": "FI"},
    {"name": "live", "where": {"team": "Live"}, "timezone": "America/New_York", "country": "US"},
    {"name": "tech", "where": {"team": "Tech"}, "timezone": "Asia/Tokyo", "country": "JP"},
]}


def best(fn: Any, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    from cxmetrics.demo import build
    from cxmetrics.settings import Config, config_from_dict
    from cxmetrics.store import Store

    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--work", type=Path, default=None)
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="bench-schedules-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "cx.duckdb"
    if not db.exists():
        with Store(db, config=Config()) as s:
            build(s, seed=7, months=6, end=dt.date(2026, 1, 1), scale=a.scale)
            s.stored_facts()
    print("| schedules | tickets | business ticket facts (s) | FRT + resolution by team (s) | SLA events (s) | events |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, raw in (("[business_hours] only", ONE), ("3 per team", THREE)):
        with Store(db, config=config_from_dict(raw), read_only=True) as s:
            n = s.engine().fact_table("tickets", "calendar").count().execute()
            facts = best(lambda: s.engine().fact_table("tickets", "business").frt_s.sum().execute())
            frame = best(lambda: s.engine().frame(["first_response_time", "resolution_time"], grain="total",
                                                  by=["team"], hours="business"))
            sla = best(lambda: s.engine().fact_table("sla", "calendar").count().execute())
            events = int(s.engine().fact_table("sla", "calendar").count().execute())
        print(f"| {name} | {n:,} | {facts:.2f} | {frame:.2f} | {sla:.2f} | {events:,} |")


if __name__ == "__main__":
    main()
