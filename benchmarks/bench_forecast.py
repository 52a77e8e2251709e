"""Benchmark: forecast accuracy (backtest) and time, on the demo and on the real bank series.

Usage: python benchmarks/bench_forecast.py [--demo PATH] [--data DIR] [--horizons 7,28,84]

- demo: builds the default demo (`cxm demo`, 18 months) into a temp store unless --demo
  names one; tickets per channel, Europe/Helsinki hours;
- bank: imports ../shared/data/bank_calls_5min.csv (or --data DIR, or $CXM_REALDATA) into a
  temp store as interval_volumes (examples/mappings/bank_calls_5min.toml), with the NYSE
  trading calendar as its holidays (the centre was closed on Memorial Day, 4 July and
  Labor Day, open on Columbus Day) and, for comparison, the US public holidays.

- Kaggle tickets (by channel; dated by day only) and the TWCS sample (refused as too sparse);
- AHT: the AHT models' backtest on the demo and on the contact-centre calls workbook (the
  bank series has no handle times).

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


def _tickets(data: Path, tmp: Path, name: str) -> Path | None:
    """TWCS (the twcs adapter) or the Kaggle tickets (its shipped mapping) as tickets in a temp store."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    f = data / ("twcs_sample.csv" if name == "twcs" else "kaggle_support_tickets.csv")
    if not f.exists():
        print(f"(no {f}: skipped)")
        return None
    out = tmp / f"{name}.duckdb"
    kw: dict[str, object] = ({"source": "twcs"} if name == "twcs" else
                             {"mapping": ROOT / "examples" / "mappings" / "kaggle_support_tickets.toml"})
    with Store(out, config=Config()) as s:
        s.import_file("tickets", f, **kw)  # type: ignore[arg-type]
    return out


def _calls(data: Path, tmp: Path) -> Path | None:
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    f = data / "contact_center_calls.xlsx"
    if not f.exists():
        return None
    out = tmp / "calls.duckdb"
    with Store(out, config=Config()) as s:
        s.import_file("calls", f, mapping=ROOT / "examples" / "mappings" / "contact_center_calls.toml")
    return out


def aht_table(cases: list[tuple[str, Path, dict[str, object]]], horizons: list[int]) -> None:
    """The AHT models' backtest (analyses/aht.py) on the series with handle times."""
    from cxmetrics.analyses import forecast as fc
    from cxmetrics.analyses.aht import AHT_MODELS
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    print("\n| series | AHT model | horizon (days) | folds | contacts scored | MAPE | MASE vs seasonal naive |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, db, kw in cases:
        with Store(db, read_only=True, config=Config()) as s:
            engine = s.engine()
            by = list(kw.get("by", []))  # type: ignore[call-overload]
            src = fc.pick_source(engine, "auto")
            h = fc.dense_history(fc.hourly_history(engine, src, by, str(kw.get("tz", "UTC"))), by)
            for horizon in horizons:
                folds = min(4, max((h.days - 7 * (fc.MIN_WEEKS + 1)) // horizon, 0))
                for model in AHT_MODELS:
                    r = fc.run_aht_backtest(h, horizon, folds, model)
                    if not r["contacts"]:
                        continue
                    print(f"| {label} | {model} | {horizon} | {folds} | {r['contacts']:,} | {r['mape']:.3f} | "
                          f"{r['mase']:.3f} |")


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
        kaggle = _tickets(args.data, tmp, "kaggle")
        if kaggle is not None:
            cases += [("Kaggle tickets by channel (dates only)", kaggle, {"by": ["channel"]})]
        twcs = _tickets(args.data, tmp, "twcs")
        calls = _calls(args.data, tmp)
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
        if twcs is not None:
            from cxmetrics.errors import CxmError

            with Store(twcs, read_only=True, config=Config()) as s:
                try:
                    run(s.engine(), horizon=28)
                    print("\nTWCS sample: forecast made")
                except CxmError as e:
                    print(f"\nTWCS sample: {e}")
        aht_cases = [c for c in cases if c[0].startswith("demo")]
        if calls is not None:
            aht_cases.append(("contact-centre calls (xlsx)", calls, {}))
        aht_table(aht_cases, [h for h in horizons if h <= 28] or horizons)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
