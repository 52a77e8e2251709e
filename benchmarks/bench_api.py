"""Benchmark: latency of GET /api/v1/metrics on a real `cxm serve` (Uvicorn in its own process).

Usage: python benchmarks/bench_api.py [--db DEMO.duckdb] [--requests 300] [--clients 20] [--work DIR]

Without --db, builds the demo store (`cxm --db PATH demo`, 18 months). With --db, a copy of
that store is served (the server opens its file for writing: facts, tokens), the original
is only read. Measures, with httpx from this process:

1. cold: each dashboard query once on a fresh server (computed, no cached answer);
2. warm, sequential: --requests requests cycling through the same queries, one at a time;
3. warm, concurrent: --requests requests from --clients threads at once;
4. mixed, concurrent: as 3 while every request asks for a different date range
   (half the answers have to be computed).

Prints p50/p95/p99 per phase as a Markdown table (target: p95 < 150 ms on the demo store).
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

#: What a dashboard asks for: KPI tiles, trends by channel, a weekly view, the feedback trio.
QUERIES = [
    "metric=ticket_volume&metric=backlog&metric=first_response_time&metric=resolution_time&grain=month",
    "metric=first_response_time&metric=fcr_rate&grain=month&by=channel",
    "metric=nps&metric=csat&metric=ces&grain=month",
    "metric=ticket_volume&grain=week&by=category",
    "metric=call_abandonment_rate&metric=average_speed_of_answer&metric=service_level&grain=month",
    "metric=churn_rate&metric=retention_rate&metric=active_customers&grain=month",
    "metric=csat&grain=month&by=agent",
    "metric=resolution_time&grain=month&hours=business&stat=p90",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def row(name: str, ms: list[float], wall: float) -> str:
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {pct(ms, 95):.1f} | {pct(ms, 99):.1f} | "
            f"{max(ms):.1f} | {len(ms) / wall:.0f} |")


def timed(client: httpx.Client, url: str) -> float:
    t0 = time.perf_counter()
    r = client.get(url)
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")
    return ms


def concurrent(base: str, urls: list[str], clients: int) -> tuple[list[float], float]:
    local = threading.local()

    def one(url: str) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=120)
        return timed(local.client, url)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ms = list(pool.map(one, urls))
    return ms, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=None, help="a demo store to copy (default: build one)")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--work", type=Path, default=None, help="working directory (default: a temp dir)")
    a = p.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="cxm-bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    cxm = [sys.executable, "-m", "cxmetrics.interfaces.cli.main"]
    env = {**os.environ, "CXM_CONFIG": str(work / "cxm.toml")}
    (work / "cxm.toml").write_text("", encoding="utf-8")
    if a.db:
        shutil.copyfile(a.db, db)
    else:
        print("building the demo store...", file=sys.stderr)
        subprocess.run([*cxm, "--db", str(db), "demo", "--out", str(work / "demo-out")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*cxm, "--db", str(db), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        with httpx.Client(base_url=base, timeout=120) as c:
            while True:
                try:
                    health = c.get("/api/v1/health").json()
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the server did not start: {server.stderr.read()}") from None
                    time.sleep(0.2)
            urls = [f"/api/v1/metrics?{q}" for q in QUERIES]
            t0 = time.perf_counter()
            cold = [timed(c, u) for u in urls]
            cold_wall = time.perf_counter() - t0
            seq_urls = [urls[i % len(urls)] for i in range(a.requests)]
            t0 = time.perf_counter()
            seq = [timed(c, u) for u in seq_urls]
            seq_wall = time.perf_counter() - t0
        conc, conc_wall = concurrent(base, seq_urls, a.clients)
        start = dt.date(2025, 1, 1)
        mixed_urls = [u if i % 2 else f"{u}&from={start + dt.timedelta(days=i)}" for i, u in enumerate(seq_urls)]
        mixed, mixed_wall = concurrent(base, mixed_urls, a.clients)
    finally:
        server.terminate()
        server.wait(30)
    t = health["tables"]
    print(f"\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; store: "
          f"{t['tickets']:,} tickets, {t['survey_responses']:,} survey responses, {t['calls']:,} calls, "
          f"{t['customers']:,} customers\n")
    print("| phase | requests | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---|---|---|---|---|---|")
    print(row("cold (each query computed once)", cold, cold_wall))
    print(row("warm, sequential", seq, seq_wall))
    print(row(f"warm, {a.clients} concurrent clients", conc, conc_wall))
    print(row(f"mixed (half computed), {a.clients} clients", mixed, mixed_wall))
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
