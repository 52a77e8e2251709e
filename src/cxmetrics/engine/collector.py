"""Garbage-collector thresholds for processes that build many queries.

Building one metric's Ibis expression creates and drops tens of thousands of small objects,
nearly all freed by reference counting. CPython's default thresholds (700, 10, 10) still run a
generation-0 collection every 700 allocations and full collections over a heap that grows in
long-lived processes (``cxm serve``, a notebook, a test worker). Fewer, larger collections
cost a few megabytes and saved 6-15% of the CPU time of `cxm report` and of API and drill
test modules (docs/benchmarks.md, "Garbage collector")."""

from __future__ import annotations

import gc

#: generation 0 every 100,000 net allocations; generation 1 every 50 of those; a full
#: collection every 1,000 of those (CPython also waits for the heap to grow by a quarter)
THRESHOLDS = (100_000, 50, 1_000)


def tune_collector() -> None:
    """Set :data:`THRESHOLDS`; called by the entry points (the CLI, the test suite), never at import."""
    gc.set_threshold(*THRESHOLDS)
