"""Time, staffing and queueing for the demo generator.

Why this exists: realistic reply times come from *capacity*, not from a random
number per ticket. Agents work Mon-Fri 08-17 in Helsinki (Finnish public holidays
off, summer vacations, sick days), and every reply request waits in a FIFO queue
of its team. The queue is a fluid model on 10-minute slots (the Lindley recursion,
vectorized with cumulative sums), so waits rise in busy hours, pile up overnight
and at weekends, and replies land only in staffed slots - with a handful of numpy
calls instead of a loop per ticket.

All instants are float seconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

TIMEZONE = "Europe/Helsinki"
COUNTRY = "FI"
OPEN_HOUR, CLOSE_HOUR = 8, 17
DAY = 86400.0
HOUR = 3600.0
SLOT = 600.0
#: Stands in for "never" (after the data set's end); keeps arithmetic finite (no inf - inf).
NEVER_PAD_DAYS = 3650
TEAMS = ("Care", "Live", "Tech")
#: Agents per team at scale 1 (15 in all); more at larger scales.
TEAM_SIZES = (7, 5, 3)
#: Opening hours (local) per team: (working days, weekends and public holidays); None = closed.
#: Live (chat, phone, social) also covers evenings and weekends, on a rota.
TEAM_HOURS: tuple[tuple[tuple[int, int], tuple[int, int] | None], ...] = (
    ((OPEN_HOUR, CLOSE_HOUR), None),
    ((OPEN_HOUR, 20), (10, 18)),
    ((OPEN_HOUR, CLOSE_HOUR), None),
)


def rng_for(seed: int, name: str) -> np.random.Generator:
    """One independent stream per component, so changing one part never shifts another."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, _cal.monthrange(year, month)[1]))


def epoch(d: dt.date) -> float:
    return float(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())


def default_end() -> dt.date:
    """First day of the current UTC month: the data ends there, so the last month is complete."""
    today = dt.datetime.now(dt.UTC).date()
    return today.replace(day=1)


@dataclass(frozen=True)
class Timeline:
    """The generated window [start, end) in UTC, and where its story events fall."""

    start: dt.date
    end: dt.date
    months: int
    launch_month: dt.date | None
    holiday_months: tuple[dt.date, ...]
    month_starts: tuple[dt.date, ...] = field(repr=False)

    @property
    def start_ts(self) -> float:
        return epoch(self.start)

    @property
    def end_ts(self) -> float:
        return epoch(self.end)

    @property
    def never(self) -> float:
        return self.end_ts + NEVER_PAD_DAYS * DAY

    @property
    def last_month(self) -> dt.date:
        """The latest complete (or, for a mid-month ``end``, partial) month: "this month"."""
        return self.month_starts[-1]


def timeline(months: int = 18, end: dt.date | None = None) -> Timeline:
    """The window of ``months`` months ending (exclusive) at ``end``.

    The launch spike goes into the month seven months before the end (moved
    earlier to stay clear of the Nov-Jan holiday season); windows shorter than
    nine months have none.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    end = end or default_end()
    start = add_months(end, -months)
    firsts = []
    m = start.replace(day=1)
    while m < end:
        firsts.append(m)
        m = add_months(m, 1)
    firsts = [f for f in firsts if f >= start] or [start.replace(day=1)]
    if start.day != 1:
        firsts.insert(0, start.replace(day=1))
    launch = None
    if months >= 9:
        for back in range(7, months):
            cand = add_months(end.replace(day=1), -back)
            if cand.month not in (11, 12, 1) and cand >= start:
                launch = cand
                break
    hol = tuple(f for f in firsts if f.month in (11, 12))
    return Timeline(start, end, months, launch, hol, tuple(firsts))


class Calendar:
    """UTC day and 10-minute slot grids with their Helsinki local time and opening hours."""

    def __init__(self, tl: Timeline, pad_before: int = 3, pad_after: int = 75) -> None:
        import holidays

        self.tl = tl
        self.d0 = tl.start_ts - pad_before * DAY
        self.ndays = int((tl.end_ts - self.d0) / DAY) + pad_after
        first = dt.datetime.fromtimestamp(self.d0, dt.UTC).date()
        self.dates = pd.date_range(first, periods=self.ndays, freq="D")
        noon = (self.dates + pd.Timedelta(hours=12)).tz_localize("UTC")
        local_noon = noon.tz_convert(TIMEZONE).tz_localize(None)
        self.offset = ((local_noon - noon.tz_localize(None)).total_seconds()).to_numpy()
        years = sorted({d.year for d in self.dates})
        hol = holidays.country_holidays(COUNTRY, years=years)
        self.holiday = np.array([d.date() in hol for d in self.dates])
        self.weekday = self.dates.weekday.to_numpy()
        self.closed = (self.weekday >= 5) | self.holiday
        self.nslots = self.ndays * int(DAY / SLOT)
        self.slot_t = self.d0 + np.arange(self.nslots) * SLOT
        lday = self.local_day(self.slot_t + SLOT / 2)
        lhour = self.local_hour(self.slot_t + SLOT / 2)
        self.slot_lday = np.clip(lday, 0, self.ndays - 1)
        self.slot_lhour = lhour
        self.slot_closed = self.closed[self.slot_lday]
        self.staffed = self.open_slots(0)
        self.lunch = np.where((lhour >= 11) & (lhour < 13), 0.75, 1.0)

    def open_slots(self, team: int) -> np.ndarray:
        """Slots inside the team's opening hours (see TEAM_HOURS)."""
        (lo, hi), weekend = TEAM_HOURS[team]
        h = self.slot_lhour
        out = ~self.slot_closed & (h >= lo) & (h < hi)
        if weekend is not None:
            out |= self.slot_closed & (h >= weekend[0]) & (h < weekend[1])
        return out

    # local time ---------------------------------------------------------
    def _utc_day(self, t: np.ndarray) -> np.ndarray:
        return np.clip(((t - self.d0) // DAY).astype(np.int64), 0, self.ndays - 1)

    def to_local(self, t: np.ndarray) -> np.ndarray:
        """Seconds on the local wall clock (same epoch base), for hour/weekday arithmetic."""
        return t + self.offset[self._utc_day(t)]

    def from_local(self, lt: np.ndarray) -> np.ndarray:
        return lt - self.offset[self._utc_day(lt)]

    def local_day(self, t: np.ndarray) -> np.ndarray:
        return ((self.to_local(t) - self.d0) // DAY).astype(np.int64)

    def local_hour(self, t: np.ndarray) -> np.ndarray:
        return ((self.to_local(t) - self.d0) % DAY) / HOUR

    def slot(self, t: np.ndarray) -> np.ndarray:
        return np.clip(((t - self.d0) // SLOT).astype(np.int64), 0, self.nslots - 1)

    def day_index(self, d: dt.date | pd.Timestamp) -> int:
        return int((epoch(d) - self.d0) // DAY)


class Clock:
    """Counts staffed seconds only: "20 working minutes after t" lands in opening hours."""

    def __init__(self, cal: Calendar, open_slots: np.ndarray) -> None:
        self.cal = cal
        self.open = open_slots.astype(float)
        self.cum = np.cumsum(self.open) * SLOT

    def add(self, t: np.ndarray, seconds: np.ndarray | float) -> np.ndarray:
        cal = self.cal
        i = cal.slot(t)
        frac = np.clip((t - cal.slot_t[i]) / SLOT, 0, 1)
        b = self.cum[i] - self.open[i] * SLOT * (1 - frac) + seconds
        j = np.searchsorted(self.cum, b, side="left")
        ok = j < len(self.cum)
        j = np.minimum(j, len(self.cum) - 1)
        prev = self.cum[j] - self.open[j] * SLOT
        out = cal.slot_t[j] + np.clip(b - prev, 0, SLOT)
        return np.where(ok, np.maximum(out, t), cal.tl.never)


class FluidQueue:
    """FIFO work queue with capacity per slot (agent-seconds); see the module docstring."""

    def __init__(self, cal: Calendar, cap: np.ndarray) -> None:
        self.cal = cal
        self.cap = cap
        self.a: np.ndarray = np.zeros(cal.nslots)
        self.fit(np.empty(0), np.empty(0))

    def fit(self, t: np.ndarray, work: np.ndarray) -> np.ndarray:
        """Load arrivals (time, agent-seconds); returns the capacity used per slot."""
        n = self.cal.nslots
        keep = t < self.cal.slot_t[-1]
        self.a = np.bincount(self.cal.slot(t[keep]), weights=work[keep], minlength=n)[:n]
        x = np.cumsum(self.a - self.cap)
        q = x - np.minimum(0.0, np.minimum.accumulate(x))
        self.A = np.cumsum(self.a)
        self.S = self.A - q
        return np.diff(self.S, prepend=0.0)

    def start(self, t: np.ndarray) -> np.ndarray:
        """When an item arriving at ``t`` reaches the head of the queue (FIFO).

        The work ahead of it is everything that arrived earlier (its own work is
        the agent's writing time, added by the caller).
        """
        cal = self.cal
        i = cal.slot(t)
        frac = np.clip((t - cal.slot_t[i]) / SLOT, 0, 1)
        level = self.A[i] - self.a[i] * (1 - frac)
        j = np.searchsorted(self.S, level, side="left")
        ok = j < len(self.S)
        j = np.minimum(j, len(self.S) - 1)
        lo = np.where(j > 0, self.S[np.maximum(j - 1, 0)], 0.0)
        span = np.maximum(self.S[j] - lo, 1e-9)
        out = cal.slot_t[j] + SLOT * np.clip((level - lo) / span, 0, 1)
        return np.where(ok, np.maximum(out, t), cal.tl.never)


class QueueGroup:
    """Priority classes sharing one team's capacity: class 0 is served first."""

    def __init__(self, cal: Calendar, cap: np.ndarray, classes: int) -> None:
        self.cap = cap
        self.queues = [FluidQueue(cal, cap.copy()) for _ in range(classes)]

    def fit(self, arrivals: list[tuple[np.ndarray, np.ndarray]]) -> None:
        left = self.cap.copy()
        for q, (t, w) in zip(self.queues, arrivals, strict=True):
            q.cap = left
            used = q.fit(t, w)
            left = np.maximum(left - used, 0.0)


@dataclass
class Staff:
    """The agents: team, skills, and which local days each one works."""

    ids: np.ndarray
    team: np.ndarray
    skill: np.ndarray
    avail: np.ndarray  # (agents, local days) bool
    members: np.ndarray  # (teams, max size) agent index, padded with -1
    sizes: np.ndarray

    def available(self, team: int, cal: Calendar) -> np.ndarray:
        """Agents on duty per slot (lunch counted as 3/4) - the team's raw capacity shape."""
        on = self.avail[self.team == team].sum(axis=0)
        return on[cal.slot_lday] * cal.open_slots(team) * cal.lunch

    def pick(self, team: np.ndarray, day: np.ndarray, rng: np.random.Generator,
             preferred: np.ndarray | None = None, stick: float = 0.88) -> np.ndarray:
        """An agent of ``team`` on duty on local ``day`` (the preferred one when possible)."""
        n = len(team)
        day = np.clip(day, 0, self.avail.shape[1] - 1)
        out = np.full(n, -1)
        if preferred is not None:
            ok = (preferred >= 0) & (rng.random(n) < stick)
            ok &= self.avail[np.maximum(preferred, 0), day]
            out[ok] = preferred[ok]
        for _ in range(12):
            todo = np.flatnonzero(out < 0)
            if not len(todo):
                break
            tt = team[todo]
            cand = self.members[tt, (rng.random(len(todo)) * self.sizes[tt]).astype(int)]
            good = self.avail[cand, day[todo]]
            out[todo[good]] = cand[good]
        left = out < 0
        out[left] = self.members[team[left], 0]
        return out


def make_staff(cal: Calendar, seed: int, scale: float) -> Staff:
    """14+ agents in three teams with Finnish-style summer vacations and sick days."""
    rng = rng_for(seed, "staff")
    sizes = np.array([max(s, round(s * scale)) for s in TEAM_SIZES])
    team = np.repeat(np.arange(len(TEAMS)), sizes)
    n = len(team)
    avail = np.repeat((~cal.closed)[None, :], n, axis=0)
    week = np.arange(cal.ndays) // 7
    for live in np.flatnonzero(team == 1):  # Live works weekends on a rota
        avail[live] |= cal.closed & ((week + live) % 5 < 2)
    years = sorted({d.year for d in cal.dates})
    rank = np.concatenate([np.arange(k) for k in sizes])
    for a in range(n):  # a loop per agent is cheap and reads clearly
        for y in years:  # three summer weeks, staggered within the team, and a winter week
            start = cal.day_index(dt.date(y, 6, 1)) + (rank[a] * 21) % 70 + int(rng.integers(0, 7))
            avail[a, max(start, 0):max(start + 21, 0)] = False
            ski = cal.day_index(dt.date(y, 2, 1)) + int(rng.integers(0, 50))
            avail[a, max(ski, 0):max(ski + 7, 0)] = False
        avail[a, rng.random(cal.ndays) < 0.03] = False
    # one agent joins a third of the way in, another leaves two thirds in (turnover)
    third = cal.day_index(cal.tl.start) + (cal.ndays - 75) // 3
    avail[n - 1, :third] = False
    avail[1, 2 * third:] = False
    members = np.full((len(TEAMS), sizes.max()), -1)
    for t in range(len(TEAMS)):
        idx = np.flatnonzero(team == t)
        members[t, : len(idx)] = idx
    ids = np.array([f"A{i + 1:02d}" for i in range(n)])
    skill = rng.normal(0, 0.3, n)
    return Staff(ids, team, skill, avail, members, sizes)
