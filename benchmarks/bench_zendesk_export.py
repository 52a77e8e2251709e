"""Benchmark: `cxm import tickets EXPORT --source zendesk` on a generated Zendesk JSON export.

Usage: python benchmarks/bench_zendesk_export.py [--tickets 20000] [--comments 4] [--work DIR]

Writes an export of --tickets tickets (one per line, --comments comments and as many status
audits each, every third rated), imports it into a fresh store with the Python API
(``Store.import_file``; the same code as the CLI without the dashboard's warm start), then
imports it again (every row unchanged). Prints the seconds and rows per second of both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import tempfile
import time
from pathlib import Path


def export(path: Path, tickets: int, comments: int) -> int:
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = 0
    with path.open("w") as f:
        for i in range(1, tickets + 1):
            created = start + dt.timedelta(minutes=rng.randrange(0, 525600))
            at = [created + dt.timedelta(minutes=37 * k + rng.randrange(0, 30)) for k in range(comments)]
            requester = 100000 + rng.randrange(0, tickets // 3 + 1)
            t = {
                "id": i, "created_at": created.isoformat(), "updated_at": at[-1].isoformat(), "type": "question",
                "priority": "normal", "status": "solved", "via": {"channel": rng.choice(["email", "web", "chat"])},
                "requester_id": requester, "submitter_id": requester, "assignee_id": 1 + i % 25,
                "group_id": 1 + i % 4, "brand_id": 1, "tags": [],
                "comments": [{"id": i * 100 + k, "author_id": requester if k % 2 == 0 else 1 + i % 25,
                              "public": True, "created_at": a.isoformat()} for k, a in enumerate(at)],
                "audits": [{"id": i * 100 + k, "created_at": a.isoformat(),
                            "events": [{"type": "Change", "field_name": "status",
                                        "value": "solved" if k == comments - 1 else "open" if k % 2 == 0 else "pending",
                                        "previous_value": None if k == 0 else "open"}]} for k, a in enumerate(at)],
            }
            if i % 3 == 0:
                t["satisfaction_rating"] = {"id": i, "score": rng.choice(["good", "good", "bad"]),
                                            "created_at": at[-1].isoformat()}
            f.write(json.dumps(t) + "\n")
            rows += 1 + 2 * comments
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=20000)
    ap.add_argument("--comments", type=int, default=4)
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    from cxmetrics.store import Store

    work = args.work or Path(tempfile.mkdtemp(prefix="cxm-zd-"))
    path = work / "tickets.json"
    rows = export(path, args.tickets, args.comments)
    print(f"{platform.python_version()} on {platform.machine()}; {args.tickets:,} tickets, "
          f"{path.stat().st_size / 1e6:.1f} MB, ~{rows:,} canonical rows")
    store = Store(work / "cx.duckdb")
    try:
        for label in ("first import", "re-import (unchanged)"):
            t0 = time.perf_counter()
            store.import_file("tickets", path, source="zendesk")
            s = time.perf_counter() - t0
            print(f"| {label} | {s:.2f} s | {args.tickets / s:,.0f} tickets/s |")
    finally:
        store.close()


if __name__ == "__main__":
    main()
