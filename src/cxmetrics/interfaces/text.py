"""Small formatting helpers shared by the CLI and reports."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

Unit = Literal["day", "hour", "minute", "second"]

#: Duration units, largest first: (name, seconds).
UNITS: tuple[tuple[Unit, int], ...] = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
SHORT = {"day": "d", "hour": "h", "minute": "m", "second": "s"}


def duration_parts(seconds: float, *, business: bool = False) -> tuple[str, list[tuple[int, Unit]]]:
    """Sign and at most two ``(number, unit)`` parts of a duration, largest unit first.

    Rounded half up at the smaller unit shown, carrying into the larger one (67.52 s ->
    1m 08s, 59.6 s -> 1m 00s, 3599.6 s -> 1h 00m, not 59m 60s). A duration in business
    hours (``business``) is never shown in days: a business day is not 24 hours, so
    43 business hours are 43h 00m, not 1d 19h. The dashboard's ``duration`` (app.js)
    does the same."""
    units = UNITS[1:] if business else UNITS
    s = abs(float(seconds))
    i = next((k for k, (_, size) in enumerate(units) if s >= size), len(units) - 1)
    while True:
        size = units[i][1]
        small = units[i + 1][1] if i + 1 < len(units) else size
        q = math.floor(s / small + 0.5)  # whole smaller units, half up
        if i > 0 and q * small >= units[i - 1][1]:  # rounding reached the larger unit: 59m 60s -> 1h 00m
            i -= 1
            continue
        break
    big, rest = divmod(q, size // small)
    parts = [(big, units[i][0])] + ([(rest, units[i + 1][0])] if i + 1 < len(units) else [])
    return ("-" if float(seconds) < 0 and q else ""), parts


def human_duration(seconds: float | None, *, business: bool = False) -> str:
    """3725 -> '1h 02m'; keeps two units so a table stays readable, rounded at the
    smaller one; ``business``: hours at most (43 business hours -> '43h 00m')."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    sign, parts = duration_parts(seconds, business=business)
    (a, ua), *rest = parts
    return sign + f"{a}{SHORT[ua]}" + "".join(f" {b:02d}{SHORT[ub]}" for b, ub in rest)


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
