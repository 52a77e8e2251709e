"""Where an import's time goes: every SQL statement of one writer session, timed.

Usage: python benchmarks/profile_import.py DIR [--db STORE] [--top 30]

Imports DIR's tickets.csv, messages.csv, status_changes.csv and work_sessions.csv (those
present) into a new store, as `cxm import` does in one writer session, then publishes it
(the facts are derived there, and the dashboard's first screen computed). Prints each file's
time, the facts' and the first screen's, and the slowest statements with their seconds
(the rest of a file's time is Python: the scan and the quarantine). With --db naming an
existing store the files are imported on top of it, into a copy (a delta).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TABLES = ("tickets", "messages", "status_changes", "work_sessions")


class Timed:
    """A DuckDB connection whose ``execute`` records each statement's wall time."""

    def __init__(self, con: Any, log: list[tuple[float, str]]) -> None:
        self._con, self._log = con, log

    def execute(self, sql: Any, *args: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        out = self._con.execute(sql, *args, **kw)
        self._log.append((time.perf_counter() - t, " ".join(str(sql).split())))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path)
    p.add_argument("--db", type=Path, default=None, help="import on top of this store (into a copy)")
    p.add_argument("--top", type=int, default=30)
    a = p.parse_args(argv)
    from cxmetrics.ingest.pipeline import import_file
    from cxmetrics.interfaces.web.api_overview import warm_answers
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    work = Path(tempfile.mkdtemp(prefix="cxm-profile-"))
    db = work / "profile.duckdb"
    if a.db is not None:
        shutil.copyfile(a.db, db)
    log: list[tuple[float, str]] = []
    try:
        t0 = time.perf_counter()
        store = Store(db, config=Config(db=db))
        print(f"open the writer session: {time.perf_counter() - t0:.2f} s")
        store.raw = Timed(store.raw, log)  # type: ignore[assignment]  # what ingest and the facts use
        for name in TABLES:
            path = a.dir / f"{name}.csv"
            if path.exists():
                t = time.perf_counter()
                res = import_file(store, name, path)
                print(f"{name}: {time.perf_counter() - t:.2f} s ({res.rows_read:,} rows, {res.inserted:,} new)")
        t = time.perf_counter()
        store.refresh_facts()
        print(f"facts: {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        warm_answers(store)
        print(f"the dashboard's first screen: {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        store.close()
        print(f"publish (checkpoint, rename): {time.perf_counter() - t:.2f} s")
        print(f"total: {time.perf_counter() - t0:.2f} s; the statements: {sum(d for d, _ in log):.2f} s "
              f"in {len(log)}")
        for d, sql in sorted(log, reverse=True)[: a.top]:
            print(f"{d:7.2f}  {sql[:160]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
