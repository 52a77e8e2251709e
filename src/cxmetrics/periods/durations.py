"""Durations as people read them: ``3725`` seconds -> ``1h 02m`` (CLI tables, timelines,
reports through :mod:`cxmetrics.interfaces.i18n`).

Below the analyses, so that an analysis that writes text (a customer timeline's event
summaries) formats durations exactly as the interfaces do.
"""

from __future__ import annotations

import math
from typing import Literal

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
