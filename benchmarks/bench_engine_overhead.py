"""Benchmark: the engine's fixed cost per call on small stores (what most tests pay).

Usage: PYTHONPATH=src python benchmarks/bench_engine_overhead.py [--rounds 5]

Three cases, each in this process after one warm-up call (compiled SQL is then kept, as in
a test session), timed ``--rounds`` times:

1. demo: ``Store.metrics(None, grain="total")`` on a new read-only snapshot of a small demo
   store (14 months, scale 0.15: ~8,000 tickets; facts stored);
2. tickets: a new in-memory store, 20 tickets imported, every metric by month (as
   tests/test_invariants.py does per example: the facts are derived, then computed);
3. survey: a new in-memory store with 30 survey answers only, four NPS metrics
   (tests/test_feedback_invariants.py).

Prints the median and the fastest round per case, in seconds, as a Markdown table. The
machine is shared: compare two trees by running both, alternately, on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cxmetrics.demo import build
from cxmetrics.settings import Config
from cxmetrics.store import Store

BASE = pd.Timestamp("2024-03-01 08:00", tz="UTC")


def ticket_frames(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """``n`` tickets with messages and status changes (the shape tests/test_invariants.py generates)."""
    rnd = random.Random(seed)
    t, m, s = [], [], []
    for i in range(n):
        created = BASE + pd.Timedelta(minutes=rnd.randint(0, 86400))
        t.append((f"T{i}", created, rnd.choice(["email", "chat", "phone"]), "a", "c1"))
        at = created
        for j in range(rnd.randint(0, 6)):
            at += pd.Timedelta(minutes=rnd.randint(1, 3000))
            author = rnd.choice(["customer", "agent", "bot"])
            m.append((f"T{i}m{j}", f"T{i}", at, author, "a1" if author == "agent" else None, True))
        for _ in range(rnd.randint(0, 4)):
            at += pd.Timedelta(minutes=rnd.randint(1, 5000))
            s.append((f"T{i}", at, rnd.choice(["open", "solved", "closed"])))
    return {"tickets": pd.DataFrame(t, columns=["ticket_id", "created_at", "channel", "category", "customer_id"]),
            "messages": pd.DataFrame(m, columns=["message_id", "ticket_id", "created_at", "author_type", "author_id",
                                                 "public"]),
            "status_changes": pd.DataFrame(s, columns=["ticket_id", "changed_at", "to_status"])}


def demo_case(folder: Path) -> Callable[[], object]:
    path = folder / "demo.duckdb"
    with Store(path, config=Config()) as s:
        build(s, seed=7, months=14, end=dt.date(2026, 1, 1), scale=0.15)
        s.stored_facts()

    def run() -> object:
        with Store(path, read_only=True, config=Config()) as s:
            return s.metrics(None, grain="total")
    return run


def tickets_case() -> Callable[[], object]:
    frames = ticket_frames(20)

    def run() -> object:
        with Store(":memory:", config=Config()) as s:
            for name, df in frames.items():
                s.import_frame(name, df)
            return s.metrics(None, grain="month", from_="2024-03-01", to="2024-05-31")
    return run


def survey_case() -> Callable[[], object]:
    values = [1, 5, 9, 10, None, 7] * 5
    answers = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(values))], "survey": "nps",
                            "responded_at": pd.Timestamp("2024-03-05", tz="UTC")
                            + pd.to_timedelta(np.arange(len(values)), "h"),
                            "score": pd.array(values, dtype="Float64")})

    def run() -> object:
        with Store(":memory:", config=Config()) as s:
            s.import_frame("survey_responses", answers)
            return s.metrics(["nps", "promoters_share", "passives_share", "detractors_share"], grain="total")
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {"demo, all metrics, total": demo_case(Path(tmp)), "20 tickets, all metrics, month": tickets_case(),
                 "survey only, 4 NPS metrics": survey_case()}
        print(f"{platform.machine()}, Python {platform.python_version()}, {args.rounds} rounds", file=sys.stderr)
        print("| case | median s | fastest s |\n|---|---|---|")
        for name, run in cases.items():
            run()  # warm: compiled SQL, imports
            times = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                run()
                times.append(time.perf_counter() - t)
            print(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f} |", flush=True)


if __name__ == "__main__":
    main()
