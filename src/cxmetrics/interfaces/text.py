"""Small formatting helpers shared by the CLI and reports (durations: :mod:`cxmetrics.periods.durations`)."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

#: Record fields that count things (rows, answers): whole numbers, whatever the unit.
COUNT_FIELDS = ("n", "numerator", "denominator", "skipped", "tickets")
#: Fields in the record's unit: whole numbers when the unit is ``count`` (``values``: a series).
VALUE_FIELDS = ("value", "previous_value", "change", "target", "this_month", "last_month", "values")


def _whole(v: Any) -> Any:
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, list):
        return [_whole(x) for x in v]
    return v


@cache
def _metric_unit(key: str) -> str | None:
    from cxmetrics.errors import UnknownMetric
    from cxmetrics.metrics.registry import get

    try:
        return get(key).unit
    except UnknownMetric:
        return None


def integral_counts(obj: Any, unit: str | None = None) -> Any:
    """Counts as integers (``3893``, not ``3893.0``) in records and nested report data:
    the count fields everywhere, and the value fields of records whose unit is ``count``.
    A record's unit is its ``unit``, else its ``metric``'s, else its container's (a
    comparison ``{"previous": {...}}`` inside a record; a series ``{"ticket_volume": [...]}``
    keyed by metric). Other numbers are left alone; returns new containers."""
    if isinstance(obj, list):
        return [integral_counts(x, unit) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "unit" in obj:
        unit = obj["unit"] if isinstance(obj["unit"], str) else None
    elif isinstance(obj.get("metric"), str):
        unit = _metric_unit(obj["metric"])
    out = {}
    for k, v in obj.items():
        if k in COUNT_FIELDS or (unit == "count" and k in VALUE_FIELDS):
            out[k] = _whole(v)
        elif isinstance(v, (dict, list)):
            out[k] = integral_counts(v, (_metric_unit(k) or unit) if isinstance(k, str) and isinstance(v, list)
                                    else unit)
        else:
            out[k] = v
    return out


def integral_count_frame(frame: Any) -> Any:
    """``frame`` (metric records) for CSV: missing cells empty, counts as integers (a float
    column would print ``3893.0``)."""
    import pandas as pd

    from cxmetrics.engine.records import to_records

    return pd.DataFrame(integral_counts(to_records(frame)), columns=frame.columns, dtype=object)
