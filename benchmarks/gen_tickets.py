"""Write a large synthetic help desk as CSV files, for the import and metrics benchmark.

Usage: python benchmarks/gen_tickets.py [--tickets 1000000] [--out DIR] [--seed 42]

Writes tickets.csv, messages.csv (~5 per ticket), status_changes.csv and
work_sessions.csv into DIR with the canonical column names (SPEC 3), timestamps
as ISO 8601 UTC. It is the demo generator (``cxmetrics.demo``) at scale, with
exactly N tickets: the same queues, seasonality and conversation rules, only
without surveys, customers and commerce tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cxmetrics.demo.generator import SUPPORT_TABLES, generate_tables


def _utc(table: pa.Table) -> pa.Table:
    """Naive UTC timestamps -> explicit UTC, so the CSV says ``...Z``."""
    cols = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(col.type):
            col = pc.assume_timezone(col, "UTC")
        cols.append((name, col))
    return pa.table(dict(cols))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=1_000_000, help="number of tickets (default 1,000,000)")
    p.add_argument("--out", type=Path, default=Path("bench-data"), help="output directory (default ./bench-data)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--months", type=int, default=18, help="months of history (default 18)")
    p.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1),
                   help="exclusive end date, YYYY-MM-DD (default 2025-01-01, so runs are comparable)")
    a = p.parse_args(argv)
    if a.tickets < 1:
        p.error("--tickets must be at least 1")
    a.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tables = generate_tables(a.seed, a.months, a.end, total_tickets=a.tickets, support_only=True,
                             progress=lambda msg: print(f"  {time.perf_counter() - t0:6.1f}s {msg}", flush=True))
    t_gen = time.perf_counter() - t0
    opts = pacsv.WriteOptions(include_header=True, batch_size=1 << 16)
    for name in SUPPORT_TABLES:
        path = a.out / f"{name}.csv"
        pacsv.write_csv(_utc(tables[name]), path, write_options=opts)
        print(f"  {tables[name].num_rows:>10,} rows  {path}  ({path.stat().st_size / 1e6:,.0f} MB)")
    t_all = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generated in {t_gen:.1f}s, written in {t_all - t_gen:.1f}s; peak memory {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
