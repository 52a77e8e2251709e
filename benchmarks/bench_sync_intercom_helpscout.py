"""Benchmark for issue 13 (Intercom, Help Scout): a first and a quiet second sync against the
loopback fakes of the tests, N conversations with 4 messages and a rating each.

Usage: PYTHONPATH=src:. python benchmarks/bench_sync_intercom_helpscout.py [N]

Measures the connectors' own cost (mapping, page writes, cursors) and counts requests; the
fakes answer at once, so a real account adds its network and rate-limit time per request.
Pages are 50 items (Intercom allows 150, Help Scout sends 25 conversations or 50 others).
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import time
from typing import Any

import tests.helpscout_fake as hsf
import tests.intercom_fake as icf

from cxmetrics.ingest.connectors import helpscout, intercom
from cxmetrics.store import Store


def run(name: str, module: Any, fake: Any, env: dict[str, str]) -> None:
    with hsf.Server(fake.app()) as server, tempfile.TemporaryDirectory() as folder:
        store = Store(pathlib.Path(folder) / "cx.duckdb")
        try:
            for label in ("first", "second"):
                before, t0 = len(fake.requests), time.perf_counter()
                res = module.sync(store, server.url, env=env, backoff=0.001)
                read = {t: c.read for t, c in res.tables.items()}
                print(f"| {name} | {label} | {time.perf_counter() - t0:.2f} | {len(fake.requests) - before} | "
                      f"{read.get('tickets', 0)} | {read.get('messages', 0)} |")
        finally:
            store.close()


def main(n: int) -> None:
    icf.PAGE = hsf.PAGE = 50
    print("| source | sync | seconds | requests | tickets read | messages read |\n|---|---|---|---|---|---|")
    f = icf.FakeIntercom()
    for i in range(n):
        cid, at = str(i + 1), f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        f.contact(cid, "user", "2024-01-01T00:00:00Z")
        f.conversation(cid, at, contact=cid)
        f.part(cid, at.replace(":00:00Z", ":30:00Z"), "comment", "admin", "1", "hi")
        f.part(cid, at.replace(":00:00Z", ":40:00Z"), "comment", "user", cid, "thanks")
        f.part(cid, at.replace(":00:00Z", ":50:00Z"), "close", "admin", "1", "bye", state="closed")
        f.rate(cid, 1 + i % 5, at.replace(":00:00Z", ":55:00Z"))
    run("intercom", intercom, f, {"INTERCOM_ACCESS_TOKEN": icf.TOKEN})
    g = hsf.FakeHelpScout()
    for i in range(n):
        at = f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        g.customer(i + 1, "2024-01-01T00:00:00Z")
        g.conversation(i + 1, at, customer=i + 1)
        g.thread(i + 1, at, "customer", "customer", i + 1, status="active")
        g.thread(i + 1, at.replace(":00:00Z", ":30:00Z"), "message", "user", 1)
        g.thread(i + 1, at.replace(":00:00Z", ":40:00Z"), "customer", "customer", i + 1)
        rated = g.thread(i + 1, at.replace(":00:00Z", ":50:00Z"), "message", "user", 1, status="closed")
        g.rate(i + 1, rated, 1 + i % 3, at.replace(":00:00Z", ":55:00Z"))
    run("helpscout", helpscout, g, {"HELPSCOUT_ACCESS_TOKEN": hsf.TOKEN})


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
