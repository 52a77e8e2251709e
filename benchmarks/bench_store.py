"""Benchmark for issue 12: warm start, new questions, reads during an import (a real `cxm serve`).

Usage: python benchmarks/bench_store.py --db DEMO.duckdb [--new 60] [--requests 200] [--clients 20] [--workers N]

``--workers N``: the server's compute worker processes (``CXM_COMPUTE_PROCESSES``; default the
``compute_processes`` setting, 2); the figures say how many ran and how many questions they answered.

Serves a copy of the store (the original is not touched) and measures, with httpx from
this process:

1. start: from launching `cxm serve` to the overview's numbers (`GET /api/v1/overview`)
   answered (target < 2 s);
2. new questions, one at a time: metrics requests never asked before (each a different
   date range) (target p95 < 300 ms);
3. 20 concurrent clients, one request in four new (target p95 < 500 ms);
4. as 3 while `cxm import` imports into the same store, publishing new versions the
   server picks up (target p95 < 500 ms);
5. the cost of a reader opening the store (`Store(read_only=True)`) and of a writer
   session that changes nothing (copy + publish), in this process.

Prints p50/p95/max per phase as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

#: Questions a dashboard user asks; a "new" one gets a date range no one asked for before.
QUERIES = [
    "metric=ticket_volume&metric=backlog&metric=first_response_time&metric=resolution_time&grain=month",
    "metric=first_response_time&metric=fcr_rate&grain=month&by=channel",
    "metric=nps&metric=csat&metric=ces&grain=month",
    "metric=ticket_volume&grain=week&by=category",
    "metric=call_abandonment_rate&metric=average_speed_of_answer&grain=month",
    "metric=csat&grain=month&by=agent",
    "metric=resolution_time&grain=month&stat=p90",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def row(name: str, ms: list[float]) -> str:
    return f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {pct(ms, 95):.0f} | {max(ms):.0f} |"


class Questions:
    """Fresh questions: each a query with a date range not asked before."""

    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def new(self) -> str:
        with self.lock:
            self.n += 1
            n = self.n
        start = dt.date(2024, 1, 1) + dt.timedelta(days=n)
        return f"/api/v1/metrics?{QUERIES[n % len(QUERIES)]}&from={start}"


def timed(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url)
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")
    return ms


def mixed(base: str, questions: Questions, requests: int, clients: int, stop: threading.Event | None = None
          ) -> list[float]:
    local = threading.local()
    known = [f"/api/v1/metrics?{q}" for q in QUERIES]

    def one(i: int) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=120)
        return timed(local.client, questions.new() if i % 4 == 0 else known[i % len(known)])

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(requests)))


def tickets_csv(path: Path, prefix: str, n: int) -> Path:
    lines = ["ticket_id,created_at,channel"]
    lines += [f"{prefix}-{i},2025-06-{1 + i % 28:02d} 10:00:00,email" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True, help="a demo store (`cxm demo`) to copy")
    p.add_argument("--new", type=int, default=60, help="new questions asked one at a time")
    p.add_argument("--requests", type=int, default=200, help="requests per concurrent phase")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--workers", type=int, default=None,
                   help="the server's compute worker processes (default: the compute_processes setting, 2)")
    a = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="cxm-bench-store-"))
    db = work / "bench.duckdb"
    shutil.copyfile(a.db, db)
    (work / "cxm.toml").write_text("", encoding="utf-8")
    env = {**os.environ, "CXM_CONFIG": str(work / "cxm.toml")}
    if a.workers is not None:
        env["CXM_COMPUTE_PROCESSES"] = str(a.workers)
    cxm = [sys.executable, "-m", "cxmetrics.interfaces.cli.main"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t_start = time.perf_counter()
    server = subprocess.Popen([*cxm, "--db", str(db), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows: list[str] = []
    try:
        with httpx.Client(base_url=base, timeout=120) as c:
            while True:
                try:
                    r = c.get("/api/v1/overview")
                    if r.status_code == 200:
                        break
                    raise SystemExit(f"overview: {r.status_code} {r.text[:300]}")
                except httpx.TransportError:
                    if server.poll() is not None:
                        raise SystemExit(f"the server did not start: {server.stderr.read()}") from None
                    time.sleep(0.05)
            start_s = time.perf_counter() - t_start
            health = c.get("/api/v1/health").json()
            questions = Questions()
            new = [timed(c, questions.new()) for _ in range(a.new)]
        rows.append(row("new questions, one at a time", new))
        rows.append(row(f"{a.clients} clients, one in four new", mixed(base, questions, a.requests, a.clients)))
        stop = threading.Event()
        imports: list[float] = []

        def importing() -> None:
            i = 0
            while not stop.is_set():
                f = tickets_csv(work / f"t{i}.csv", f"bench{i}", 500)
                t0 = time.perf_counter()
                subprocess.run([*cxm, "--db", str(db), "import", "tickets", str(f)], env=env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                imports.append(time.perf_counter() - t0)
                i += 1

        writer = threading.Thread(target=importing)
        writer.start()
        time.sleep(1.0)  # the import process is up and writing
        during = mixed(base, questions, a.requests, a.clients)
        stop.set()
        writer.join()
        with httpx.Client(base_url=base, timeout=120) as c:
            workers = c.get("/api/v1/health").json()["workers"]
        rows.append(row(f"{a.clients} clients, one in four new, during imports ({len(imports)} imports)", during))
    finally:
        server.terminate()
        server.wait(30)
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    opens = []
    for _ in range(10):
        t0 = time.perf_counter()
        Store(db, read_only=True, config=Config()).close()
        opens.append((time.perf_counter() - t0) * 1000)
    writes = []
    for _ in range(5):
        t0 = time.perf_counter()
        Store(db, config=Config()).close()
        writes.append((time.perf_counter() - t0) * 1000)
    rows.append(row("open a snapshot (a reader)", opens))
    rows.append(row(f"writer session, no change (copy {db.stat().st_size / 2**20:.0f} MiB + publish)", writes))
    t = health["tables"]
    print(f"\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; store: "
          f"{t['tickets']:,} tickets, {t['survey_responses']:,} survey responses, {t['calls']:,} calls\n")
    print(f"Server start to the overview's numbers: **{start_s:.2f} s**; compute workers: "
          f"{workers['running']} of {workers['started']} running, {workers['answered']} questions answered\n")
    print("| phase | requests | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    if imports:
        print(f"\n`cxm import` of 500 tickets while serving: {statistics.median(imports):.2f} s median (whole process)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
