"""Benchmark: forecast accuracy (backtest) and time, on the demo and on the real bank series.

Usage: python benchmarks/bench_forecast.py [--demo PATH] [--data DIR] [--horizons 7,28,84]

- demo: builds the default demo (`cxm demo`, 18 months) into a temp store unless --demo
  names one; tickets per channel, Europe/Helsinki hours;
- bank: imports ../shared/data/bank_calls_5min.csv (or --data DIR, or $CXM_REALDATA) into a
  temp store as interval_volumes (examples/mappings/bank_calls_5min.toml), with the NYSE
  trading calendar as its holidays (the centre was closed on Memorial Day, 4 July and
  Labor Day, open on Columbus Day) and, for comparison, the US public holidays.

For every model and grain it prints the backtest (MASE against seasonal naive, 80%/95%
coverage, scored points) and the wall time of forecast + backtest, as a Markdown table
for docs/benchmarks.md, with the machine, date and load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _demo(path: Path | None, tmp: Path) -> Path:
    if path is not None:
        return path
    from cxmetrics.demo import build
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    out = tmp / "demo.duckdb"
    with Store(out, config=Config()) as s:
        build(s, seed=7)
        s.stored_facts()
    return out


def _bank(data: Path, tmp: Path) -> Path:
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    out = tmp / "bank.duckdb"
    with Store(out, config=Config()) as s:
        s.import_file("interval_volumes", data / "bank_calls_5min.csv",
                      mapping=ROOT / "examples" / "mappings" / "bank_calls_5min.toml")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("CXM_REALDATA", ROOT.parent / "shared" / "data")))
    ap.add_argument("--horizons", default="7,28,84")
    ap.add_argument("--models", default="weekly_mean,ets,seasonal_naive")
    args = ap.parse_args()

    from cxmetrics.analyses.forecast import run
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    horizons = [int(h) for h in args.horizons.split(",")]
    models = args.models.split(",")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cases = [("demo tickets by channel", _demo(args.demo, tmp), {"by": ["channel"], "tz": "Europe/Helsinki"})]
        if (args.data / "bank_calls_5min.csv").exists():
            bank = _bank(args.data, tmp)
            cases += [("bank calls, NYSE holidays", bank, {"country": "NYSE"}),
                      ("bank calls, US holidays", bank, {"country": "US"})]
        else:
            print(f"(no {args.data / 'bank_calls_5min.csv'}: bank series skipped)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"{dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"load average {load:.2f}\n")
        print("| series | model | grain | horizon (days) | folds | points | MASE | 80% coverage | 95% coverage | s |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, db, kw in cases:
            with Store(db, read_only=True, config=Config()) as s:
                engine = s.engine()
                for h in horizons:
                    for grain in ("hour", "day"):
                        for model in models:
                            t0 = time.perf_counter()
                            b = run(engine, horizon=h, grain=grain, model=model, **kw).backtest
                            secs = time.perf_counter() - t0
                            if not b.get("points"):
                                continue
                            print(f"| {label} | {model} | {grain} | {h} | {b['folds']} | {b['points']:,} | "
                                  f"{b['mase']:.3f} | {b['coverage_80']:.3f} | {b['coverage_95']:.3f} | {secs:.1f} |")
        print(f"\nload average after: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
