"""Dates a query may name: parsed once at the edge, within the range the engine computes.

The engine's open-ended periods run from :data:`~cxmetrics.periods.grain.MIN_INSTANT` to
:data:`~cxmetrics.periods.grain.MAX_INSTANT`; a query may name dates a year inside them
(:data:`~cxmetrics.periods.grain.MIN_DATE`..:data:`~cxmetrics.periods.grain.MAX_DATE`) so
that the period it is compared with still fits. A ``--from`` or ``--to`` outside is a
usage error (:class:`~cxmetrics.errors.QueryError`), not an overflow deep in pandas.
"""

from __future__ import annotations

import datetime as dt

from cxmetrics.errors import QueryError
from cxmetrics.periods.grain import MAX_DATE, MIN_DATE

__all__ = ["MAX_DATE", "MIN_DATE", "parse_date"]


def parse_date(value: str | dt.date | None, name: str = "date") -> dt.date | None:
    """``YYYY-MM-DD`` (or a date) within ``MIN_DATE..MAX_DATE``; ``None`` or ``""`` -> None.
    ``name`` is the option or parameter, for the message (``--from``)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        d = value
    else:
        try:
            d = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise QueryError(f"{name}: not a date: {value!r} (use YYYY-MM-DD)") from None
    if not MIN_DATE <= d <= MAX_DATE:
        raise QueryError(f"{name}: {d} is outside {MIN_DATE}..{MAX_DATE}")
    return d
