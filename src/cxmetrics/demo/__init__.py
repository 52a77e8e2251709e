"""A deterministic, realistic synthetic help desk (``cxm demo``).

``generate`` returns every canonical table as pandas DataFrames; ``build``
writes them into a store. The story: an online shop with two brands, 14+
agents in three teams working Mon-Fri 08-17 Helsinki time, five channels,
weekly and daily rhythm, a holiday season (Black Friday, Christmas deliveries,
January returns) and a product-launch spike in technical tickets; replies go
through the teams' queues, so response times rise in busy hours, overnight and
at weekends. See the modules for each part.

Window: ``months`` months ending (exclusive) at ``end``. The default ``end`` is
the first day of the current UTC month, so the last generated month is the
latest complete one ("this month" in ``cxm demo``) and the data set's "now" is
that instant: tickets created shortly before it are still open or pending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics.demo.clock import TIMEZONE, Timeline, timeline

if TYPE_CHECKING:
    from cxmetrics.store import Store

__all__ = ["TIMEZONE", "Timeline", "build", "generate", "timeline"]


def generate(seed: int = 42, months: int = 18, end: dt.date | None = None,
             scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Every canonical table (SPEC 3) of a synthetic help desk, identical for the same arguments.

    ``scale`` multiplies volumes (about 3,900 tickets a month at 1.0).
    """
    from cxmetrics.demo.generator import generate_tables, to_pandas

    return to_pandas(generate_tables(seed, months, end, scale))


def build(store: Store, seed: int = 42, months: int = 18, end: dt.date | None = None, scale: float = 1.0,
          progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Generate and write all tables into ``store``; returns rows written per table.

    ``progress(step, done, total)`` is called before each step (generation, then
    one step per table).
    """
    from cxmetrics.demo.generator import TABLE_ORDER, generate_tables, to_pandas

    total = len(TABLE_ORDER) + 1
    if progress:
        progress("generating", 0, total)
    tables = to_pandas(generate_tables(seed, months, end, scale))
    counts: dict[str, int] = {}
    for i, name in enumerate(TABLE_ORDER, start=1):
        if progress:
            progress(f"writing {name}", i, total)
        store.import_frame(name, tables[name], source="demo")
        counts[name] = len(tables[name])
    if progress:
        progress("done", total, total)
    return counts
