"""Benchmark: the monthly report of the demo store, every format (target: under 10 s each).

Usage: python benchmarks/bench_report.py [--db PATH] [--langs en,ja] [--repeat 2]

Builds the default demo (`cxm demo`, 18 months, ~3,900 tickets a month) into a temp
store unless --db names one, then times, in this process:
- `build_report` (every engine query the report needs), cold and warm;
- each renderer (HTML, XLSX, PDF) on the built data, per language;
- `cxm report --out FILE` end to end in a fresh process per format (what a user waits for).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--langs", default="en,ja")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    cxm = str(Path(sys.executable).with_name("cxm"))
    work = Path(tempfile.mkdtemp(prefix="cxm-bench-report-"))
    db = args.db
    if db is None:
        db = work / "demo.duckdb"
        subprocess.run([cxm, "--db", str(db), "demo", "--no-report"], check=True, stdout=subprocess.DEVNULL)

    import cxmetrics as cx
    from cxmetrics.interfaces.report import build_report, render

    rows: list[tuple[str, float]] = []
    with cx.connect(db, read_only=True) as store:
        data = None
        for i in range(args.repeat):
            t = time.perf_counter()
            data = build_report(store)
            rows.append((f"build_report ({'cold' if i == 0 else 'warm'})", time.perf_counter() - t))
    assert data is not None
    for lang in args.langs.split(","):
        for fmt in ("html", "xlsx", "pdf"):
            t = time.perf_counter()
            size = len(render(data, fmt, lang))
            rows.append((f"render {fmt} {lang} ({size / 1024:.0f} KiB)", time.perf_counter() - t))
    env = dict(os.environ)
    for fmt in ("html", "xlsx", "pdf"):
        out = work / f"report.{fmt}"
        t = time.perf_counter()
        subprocess.run([cxm, "--db", str(db), "report", "--out", str(out)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        rows.append((f"`cxm report --out report.{fmt}` (new process)", time.perf_counter() - t))

    print(f"\nReport benchmark, {dt.date.today()}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, store {db}\n")
    print("| step | seconds |\n|---|---:|")
    for name, sec in rows:
        print(f"| {name} | {sec:.2f} |")


if __name__ == "__main__":
    main()
