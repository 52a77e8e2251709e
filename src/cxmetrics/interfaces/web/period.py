"""The dashboard's period: what the period picker asks for, resolved against the data.

Every filtered page carries its period in the query string:

=====================================  ==============================================
``period=month&month=2025-12``         a calendar month (default: the last complete one,
                                       as the monthly report's ``latest``)
``period=week&week=2025-W52``          an ISO week, Monday to Sunday (default: the last
                                       complete one)
``period=last7`` / ``last30`` /        the last 7, 30 or 90 days of data, ending on the
``last90``                             local date of the data's last instant
``period=custom&from=...&to=...``      any range (``from``/``to`` without ``period`` too)
``period=all``                         everything the store holds
=====================================  ==============================================

:func:`resolve` turns a :class:`Selection` into an :class:`Effective` period: local dates
in the reporting zone, the grain the overview asks it at (``month``, ``week``, else
``total``) and the span it is compared with, taken from the engine's own comparison
(:func:`cxmetrics.engine.compare.comparison_periods`, the period algebra's
``Period.previous`` on the period as cut at the data's last date), so what a page says
it compares is what the records' ``previous_from``/``previous_to`` say.

Pages resolve their period through ``GET /api/v1/period`` (the data's bounds are data,
so they are read with the caller's token like any other number).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from cxmetrics.errors import QueryError
from cxmetrics.periods.dates import parse_date
from cxmetrics.periods.grain import MAX_DATE, MIN_DATE, floor_local, next_start

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

PeriodKind = Literal["month", "week", "last7", "last30", "last90", "custom", "all"]
KINDS: tuple[str, ...] = ("month", "week", "last7", "last30", "last90", "custom", "all")
LAST_DAYS = {"last7": 7, "last30": 30, "last90": 90}
#: the calendar grain of a kind; the others are one ``total`` span
KIND_GRAIN = {"month": "month", "week": "week"}
#: query-string keys of a selection (they travel with the filters from page to page)
PARAMS = ("period", "month", "week", "from", "to")
#: periods a sparkline shows before and including a calendar period
SPARK_PERIODS = 13
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Selection:
    """What the picker asked for. ``month``/``week``: the first day of the calendar period
    (``None``: the last complete one); ``from_``/``to``: a custom range (``None``: the data's
    first or last date)."""

    kind: str
    month: dt.date | None = None
    week: dt.date | None = None
    from_: dt.date | None = None
    to: dt.date | None = None


def parse_month(text: str) -> dt.date:
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise QueryError(f"month: not a month: {text!r} (use YYYY-MM)")
    d = dt.date(int(m.group(1)), int(m.group(2)), 1)
    if not MIN_DATE <= d <= MAX_DATE:
        raise QueryError(f"month: {text} is outside {MIN_DATE:%Y-%m}..{MAX_DATE:%Y-%m}")
    return d


def parse_week(text: str) -> dt.date:
    """``YYYY-Www`` (an HTML week input) or any date in the week; returns its Monday."""
    text = text.strip()
    m = _WEEK.match(text)
    if m:
        try:
            d = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise QueryError(f"week: no week {text!r}") from None
    else:
        day = parse_date(text, "week")
        if day is None:
            raise QueryError("week: empty")
        d = floor_local(day, "week")
    if not MIN_DATE <= d <= MAX_DATE:
        raise QueryError(f"week: {text} is outside {MIN_DATE}..{MAX_DATE}")
    return d


def iso_week(d: dt.date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def parse_selection(period: str | None = None, month: str | None = None, week: str | None = None,
                    from_: str | dt.date | None = None, to: str | dt.date | None = None) -> Selection:
    """A selection from query parameters. Without ``period``: ``custom`` when a date is given,
    else ``month``. Parameters of another kind are ignored (a month with ``period=last30``)."""
    kind = (period or "").strip()
    first, last = parse_date(from_, "from"), parse_date(to, "to")
    if not kind:
        kind = "custom" if first or last else "month"
    if kind not in KINDS:
        raise QueryError(f"period must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "month":
        return Selection(kind, month=parse_month(month) if month and month.strip() else None)
    if kind == "week":
        return Selection(kind, week=parse_week(week) if week and week.strip() else None)
    if kind == "custom":
        if first and last and first > last:
            raise QueryError(f"from {first} is after to {last}")
        return Selection(kind, from_=first, to=last)
    return Selection(kind)


@dataclass(frozen=True)
class Effective:
    """A selection resolved against the data, in the reporting zone ``tz``."""

    kind: str
    #: the grain the overview asks for (one period of it): month, week or total
    grain: str
    tz: str
    #: the local dates asked for (inclusive); ``None`` only for ``all`` on an empty store
    first: dt.date | None
    last: dt.date | None
    #: the data's first and last local dates, and its last instant (UTC, naive)
    data_first: dt.date | None
    data_last: dt.date | None
    as_of: dt.datetime | None
    #: the span the engine compares the period with (``None``: nothing to compare)
    previous_first: dt.date | None = None
    previous_last: dt.date | None = None

    @property
    def in_data(self) -> bool:
        """Whether the period overlaps the data at all (outside it there is no data, not zeros)."""
        return (self.first is not None and self.last is not None and self.data_first is not None
                and self.data_last is not None and self.first <= self.data_last and self.last >= self.data_first)

    @property
    def covered_last(self) -> dt.date | None:
        """The last date of the period the data reaches (the period is cut there)."""
        if self.last is None or self.data_last is None:
            return self.last
        return min(self.last, self.data_last) if self.in_data else self.last

    @property
    def partial(self) -> bool:
        """The data ends inside the period: values cover it up to ``covered_last`` and it is
        compared with the same elapsed span of the previous one."""
        return self.in_data and self.covered_last is not None and self.last is not None and self.covered_last < self.last

    def step(self, n: int) -> dict[str, str] | None:
        """The selection of the calendar period ``n`` periods away (month and week only),
        or ``None`` when it would lie wholly outside the data."""
        if self.grain not in ("month", "week") or self.first is None:
            return None
        start = self.first + (relativedelta(months=n) if self.grain == "month" else relativedelta(weeks=n))
        end = next_start(start, self.grain) - dt.timedelta(days=1)
        if self.data_first is None or self.data_last is None or end < self.data_first or start > self.data_last:
            return None
        if self.grain == "month":
            return {"period": "month", "month": f"{start:%Y-%m}"}
        return {"period": "week", "week": iso_week(start)}

    def spark_range(self) -> tuple[str, dt.date, dt.date] | None:
        """The overview's sparklines: the grain and range of the series before and up to the period
        (13 months or weeks; a span by day, week or month, by its length)."""
        if self.first is None or self.last is None:
            return None
        if self.grain == "month":
            return "month", self.first - relativedelta(months=SPARK_PERIODS - 1), self.last
        if self.grain == "week":
            return "week", self.first - dt.timedelta(weeks=SPARK_PERIODS - 1), self.last
        days = (self.last - self.first).days + 1
        grain = "day" if days <= 31 else ("week" if days <= 190 else "month")
        return grain, self.first, self.last

    def to_json(self) -> dict[str, Any]:
        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d is not None else None

        as_of = None
        if self.as_of is not None:
            as_of = self.as_of.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.tz)).isoformat()
        return {
            "kind": self.kind, "grain": self.grain, "tz": self.tz,
            "from": iso(self.first), "to": iso(self.last),
            "month": f"{self.first:%Y-%m}" if self.kind == "month" and self.first else None,
            "week": iso_week(self.first) if self.kind == "week" and self.first else None,
            "days": (self.last - self.first).days + 1 if self.first and self.last else None,
            "in_data": self.in_data, "partial": self.partial, "covered_to": iso(self.covered_last),
            "previous_from": iso(self.previous_first), "previous_to": iso(self.previous_last),
            "data_from": iso(self.data_first), "data_to": iso(self.data_last), "as_of": as_of,
            "previous_step": self.step(-1), "next_step": self.step(1),
        }


def _today(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def resolve(sel: Selection, engine: Engine, tz: str, today: dt.date | None = None) -> Effective:
    """The effective period of ``sel`` on the engine's data, in zone ``tz``."""
    from cxmetrics.interfaces.report.data import default_period

    zi = ZoneInfo(tz)
    lo, hi = engine.bounds()
    data_first = lo.replace(tzinfo=dt.UTC).astimezone(zi).date() if lo else None
    data_last = hi.replace(tzinfo=dt.UTC).astimezone(zi).date() if hi else None
    today = today or _today(tz)
    grain = KIND_GRAIN.get(sel.kind, "total")
    first: dt.date | None
    last: dt.date | None
    if sel.kind == "month":
        first = sel.month or default_period(engine, tz, today)
        last = next_start(first, "month") - dt.timedelta(days=1)
    elif sel.kind == "week":
        if sel.week is not None:
            first = sel.week
        else:  # the last complete week, of the calendar or of the data (as the report's month)
            end = min(today, data_last + dt.timedelta(days=1)) if data_last else today
            first = floor_local(end, "week") - dt.timedelta(weeks=1)
        last = first + dt.timedelta(days=6)
    elif sel.kind in LAST_DAYS:
        last = data_last or today
        first = last - dt.timedelta(days=LAST_DAYS[sel.kind] - 1)
    elif sel.kind == "custom":  # an open end is the data's, never past the end given
        last = sel.to or max(data_last or today, sel.from_ or dt.date.min)
        first = sel.from_ or min(data_first or last, last)
        if first > last:
            raise QueryError(f"from {first} is after to {last}")
    else:  # all
        first, last = data_first, data_last
    eff = Effective(sel.kind, grain, tz, first, last, data_first, data_last, hi)
    return _with_previous(eff, engine)


def _with_previous(eff: Effective, engine: Engine) -> Effective:
    """The comparison span, exactly as the engine computes it for this period's records."""
    from cxmetrics.engine.compare import comparison_periods
    from cxmetrics.engine.core import Query

    if eff.first is None or eff.last is None:
        return eff
    q = Query(grain=eff.grain, from_=eff.first, to=eff.last, tz=eff.tz)
    _cut, windows = comparison_periods(engine, q, "previous")
    if len(windows) != 1:  # one period by construction
        raise QueryError(f"the period {eff.first}..{eff.last} is not one {eff.grain} period")
    return replace(eff, previous_first=windows[0].first, previous_last=windows[0].last)
