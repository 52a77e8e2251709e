"""Ticket arrivals, their attributes, and the phone line (calls) for the demo.

Why: volume is where a support story starts. Tickets arrive per local day and
category with weekly and daily seasonality, growth, a holiday season (Black
Friday, Christmas deliveries, January returns) and a product-launch spike in
technical questions; each gets a channel (chat grows over time, the phone line
is open only in business hours), a customer alive at that moment, a brand and
product, a priority and the team whose queue will answer it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from cxmetrics.demo.clock import (
    DAY,
    HOUR,
    Calendar,
    Clock,
    Staff,
    Timeline,
    rng_for,
)
from cxmetrics.demo.customers import Customers, choose, choose_per_row

CHANNELS = ("email", "chat", "phone", "social", "web")
EMAIL, CHAT, PHONE, SOCIAL, WEB = range(5)
LIVE_CHANNELS = (CHAT, PHONE, SOCIAL)
CATEGORIES = ("sales question", "technical", "cancellations", "returns", "delivery", "product availability")
SALES, TECH, CANCEL, RETURNS, DELIVERY, AVAIL = range(6)
PRIORITIES = ("low", "normal", "high", "urgent")
BRANDS = ("Aurora Home", "Kettu Outdoor")
PRODUCTS = ("Aurora Hub", "Aurora Bulb", "Aurora Sensor", "Aurora Hub 2",
            "Kettu Jacket", "Kettu Tent", "Kettu Backpack")
NEW_PRODUCT = 3
CALL_QUEUES = ("orders", "sales", "support")
CALL_QUEUE_OF_CATEGORY = np.array([1, 2, 2, 0, 0, 1])
#: kinds of ticket
INBOUND, OUTBOUND, SYSTEM, ZERO, BOT = range(5)
#: work queues: 0 phone line, 1 live (chat/social/phone follow-ups), 2/3 care high/normal, 4/5 tech high/normal
Q_PHONE, Q_LIVE, Q_CARE_HI, Q_CARE, Q_TECH_HI, Q_TECH = range(6)

BASE_PER_DAY = 108.0
CAT_MIX = np.array([0.18, 0.16, 0.07, 0.17, 0.27, 0.15])
#: channel mix per category over CHANNELS (email, chat, phone, social, web)
CHANNEL_MIX = np.array([
    [0.25, 0.35, 0.10, 0.15, 0.15],
    [0.38, 0.22, 0.15, 0.05, 0.20],
    [0.45, 0.15, 0.20, 0.05, 0.15],
    [0.35, 0.20, 0.10, 0.05, 0.30],
    [0.30, 0.30, 0.12, 0.13, 0.15],
    [0.20, 0.30, 0.05, 0.30, 0.15],
])
DOW = np.array([1.22, 1.12, 1.06, 1.02, 0.95, 0.62, 0.58])
_EMAIL_WD = [1, .6, .4, .3, .3, .5, 1.2, 2.5, 4.5, 6, 6.5, 6, 5.2, 5.8, 6, 5.5, 4.8, 4, 3.4, 3.6, 3.8, 3.4, 2.6, 1.6]
_CHAT_WD = [.6, .3, .2, .1, .1, .2, .6, 1.8, 4, 5.5, 6, 6, 5.5, 5.8, 6, 5.8, 5.4, 5.4, 5.8, 6.4, 6.6, 5.5, 3.6, 1.6]
_SOCIAL_WD = [1.5, .8, .4, .3, .3, .4, 1, 2, 3, 3.8, 4.2, 4.5, 4.8, 4.6, 4.5, 4.6, 4.8, 5.2, 6, 6.8, 7, 6.4, 4.8, 2.8]
_PHONE_WD = [0] * 8 + [3, 6, 6.5, 5.5, 4.5, 5.5, 5.5, 4.5, 3.5] + [0] * 7
_WEEKEND = [1.4, .8, .5, .4, .3, .4, .8, 1.5, 2.6, 3.6, 4.4, 4.8, 4.8, 4.8, 4.6, 4.4, 4.2, 4.2, 4.4, 4.6, 4.6, 4, 3, 2]
#: hour-of-day weights (local) per channel, [weekday, closed day]
HOURS = np.array([
    [_EMAIL_WD, _WEEKEND],
    [_CHAT_WD, _WEEKEND],
    [_PHONE_WD, [0] * 24],
    [_SOCIAL_WD, _WEEKEND],
    [_EMAIL_WD, _WEEKEND],
], dtype=float)
HOURS[2, 1, 12] = 1e-9  # never used: phone is not offered on closed days
PRIORITY_MIX = np.array([
    [0.25, 0.60, 0.12, 0.03],
    [0.10, 0.50, 0.28, 0.12],
    [0.15, 0.55, 0.25, 0.05],
    [0.25, 0.60, 0.12, 0.03],
    [0.22, 0.58, 0.15, 0.05],
    [0.30, 0.58, 0.10, 0.02],
])


def _black_friday(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    return nov1 + dt.timedelta(days=(4 - nov1.weekday()) % 7 + 21)


def season(cal: Calendar, days: np.ndarray, tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """Per-day category multipliers (holidays, summer, launch) and the launch share of technical."""
    dates = cal.dates[days]
    month, dom = dates.month.to_numpy(), dates.day.to_numpy()
    m = np.ones((len(days), len(CATEGORIES)))
    hol = ((month == 11) & (dom >= 15)) | ((month == 12) & (dom <= 23))
    m[hol] *= 1.12
    bf = np.array([_black_friday(d.year) for d in dates.date])
    off = np.array([(d - b).days for d, b in zip(dates.date, bf, strict=True)])
    week = (off >= -3) & (off <= 4)
    m[week, SALES] *= 2.0
    m[week, AVAIL] *= 1.7
    m[week, DELIVERY] *= 1.25
    dec = (month == 12) & (dom <= 22)
    m[dec, DELIVERY] *= 1.9
    m[dec, AVAIL] *= 1.4
    m[dec, SALES] *= 1.3
    m[(month == 12) & (dom >= 24) & (dom <= 26)] *= 0.45
    after = ((month == 12) & (dom >= 27)) | ((month == 1) & (dom <= 25))
    m[after, RETURNS] *= 1.9
    gifts = ((month == 12) & (dom >= 25)) | ((month == 1) & (dom <= 10))
    m[gifts, TECH] *= 1.35
    m[month == 1, CANCEL] *= 1.3
    m[month == 7] *= 0.85
    launch_share = np.zeros(len(days))
    if tl.launch_month is not None:
        since = days - cal.day_index(tl.launch_month + dt.timedelta(days=7))
        extra = np.where(since >= 0, 2.3 * np.exp(-np.maximum(since, 0) / 9.0), 0.0)
        m[:, TECH] *= 1 + extra
        launch_share = extra / (1 + extra)
    return m, launch_share


def arrivals(cal: Calendar, tl: Timeline, seed: int, scale: float,
             total: int | None = None) -> dict[str, np.ndarray]:
    """Inbound contacts: instant, category, channel, and the chance it is about the new product."""
    rng = rng_for(seed, "arrivals")
    first, last = cal.day_index(tl.start), cal.day_index(tl.end)
    days = np.arange(first - 1, last + 1)
    progress = np.clip((days - first) / max(last - first, 1), 0, 1)
    wd = cal.weekday[days]
    trend = 1.012 ** ((days - first) / 30.44)
    lam = (BASE_PER_DAY * scale * CAT_MIX[None, :] * (DOW[wd] * trend)[:, None]
           * np.where(cal.holiday[days] & (wd < 5), 0.75, 1.0)[:, None])
    sea, launch_share = season(cal, days, tl)
    lam *= sea * rng.gamma(40, 1 / 40, len(days))[:, None] * rng.gamma(60, 1 / 60, lam.shape)
    if total is None:
        counts = rng.poisson(lam)
    else:
        counts = rng.multinomial(total, (lam / lam.sum()).ravel()).reshape(lam.shape)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    di, cat = np.divmod(cell, len(CATEGORIES))
    n = len(cell)
    day = days[di]
    closed = cal.closed[day]
    p = CHANNEL_MIX[cat].copy()
    p[:, CHAT] *= 1 + 0.5 * progress[di]
    p[:, EMAIL] *= 1 - 0.2 * progress[di]
    p[closed, PHONE] = 0.0
    channel = choose_per_row(rng, p)
    hour = np.zeros(n)
    u = rng.random(n)
    for ch in range(len(CHANNELS)):
        for c in (0, 1):
            sel = (channel == ch) & (closed == bool(c))
            prof = np.cumsum(HOURS[ch, c]) / HOURS[ch, c].sum()
            hour[sel] = np.searchsorted(prof, u[sel], side="right")
    hour = np.minimum(hour, 23) + rng.random(n)
    if (channel == PHONE).any():  # keep calls inside opening hours
        ph = channel == PHONE
        hour[ph] = np.clip(hour[ph], 8.0, 16.99)
    t = cal.from_local(cal.d0 + day * DAY + hour * HOUR)
    keep = (t >= tl.start_ts) & (t < tl.end_ts)
    order = np.argsort(t[keep], kind="stable")
    return {"t": t[keep][order], "category": cat[keep][order], "channel": channel[keep][order],
            "p_new": np.where(cat == TECH, launch_share[di], 0.0)[keep][order]}


PHONE_SHARE = 0.4


def erlang_c(agents: np.ndarray, load: np.ndarray, aht: float) -> tuple[np.ndarray, np.ndarray]:
    """Probability of waiting and mean wait of those who wait (Erlang C), per interval."""
    b = np.ones_like(load)
    out_b = np.ones_like(load)
    for k in range(1, int(agents.max()) + 1):  # Erlang B recursion, vectorized over intervals
        b = load * b / (k + load * b)
        out_b = np.where(agents == k, b, out_b)
    ok = load < agents
    c = np.where(ok, agents * out_b / np.maximum(agents - load * (1 - out_b), 1e-9), 1.0)
    mean = np.where(ok, aht / np.maximum(agents - load, 1e-9), 30 * 60.0)
    return np.clip(c, 0, 1), np.minimum(mean, 30 * 60.0)


def calls(cal: Calendar, staff: Staff, tl: Timeline, seed: int, offered: np.ndarray,
          category: np.ndarray) -> dict[str, np.ndarray]:
    """The phone line: two in five of the Live team take calls; long waits make callers hang up."""
    rng = rng_for(seed, "calls")
    n = len(offered)
    talk = rng.lognormal(np.log(290), 0.55, n)
    hold = np.where(rng.random(n) < 0.35, rng.lognormal(np.log(60), 0.7, n), 0.0)
    wrap = rng.lognormal(np.log(45), 0.5, n)
    aht = float(np.mean(talk + hold + wrap)) if n else 400.0
    # Erlang C per hour: callers wait when the phone agents on duty are busy
    hour = ((offered - cal.d0) // HOUR).astype(np.int64)
    load = np.bincount(hour, minlength=cal.ndays * 24) * aht / HOUR
    on_duty = staff.available(1, cal).reshape(cal.ndays * 24, -1).max(axis=1)
    agents = np.maximum(np.floor(on_duty * PHONE_SHARE), 1.0)
    p_wait, mean_wait = erlang_c(agents, load, aht)
    waits = rng.random(n) < p_wait[hour]
    wait = 4 + rng.random(n) * 16 + np.where(waits, rng.exponential(1.0, n) * mean_wait[hour], 0.0)
    patience = rng.lognormal(np.log(300), 0.8, n)
    abandoned = (patience < wait) & (wait > 10)
    wait = np.where(abandoned, patience, wait)
    answered = offered + wait
    resolved = ~abandoned & (rng.random(n) < np.clip(0.8 - wait / 3600, 0.5, 0.8))
    agent = staff.pick(np.ones(n, dtype=int), cal.local_day(answered), rng)
    sat_score = 4.3 - wait / 300 + np.where(resolved, 0.3, -0.9) + rng.normal(0, 0.8, n)
    rated = ~abandoned & (rng.random(n) < 0.22)
    return {
        "offered_at": offered, "answered": ~abandoned, "answered_at": answered,
        "ended_at": answered + talk + hold, "wait": wait, "talk": talk, "hold": hold, "wrap": wrap,
        "queue": CALL_QUEUE_OF_CATEGORY[category], "topic": category, "agent": agent,
        "resolved": resolved, "satisfaction": np.where(rated, np.clip(np.round(sat_score), 1, 5), np.nan),
    }


def make_tickets(cal: Calendar, staff: Staff, cust: Customers, tl: Timeline, seed: int, scale: float,
                 total: int | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All tickets (inbound, outbound, system-created) with attributes, plus the calls table."""
    rng = rng_for(seed, "tickets")
    arr = arrivals(cal, tl, seed, scale, None if total is None else int(total * 1.05))
    t, cat, ch, p_new = arr["t"], arr["category"], arr["channel"], arr["p_new"]
    customer = cust.assign(t, rng)
    # the phone line: abandoned calls make no ticket; answered ones become phone tickets
    ph = np.flatnonzero(ch == PHONE)
    call = calls(cal, staff, tl, seed, t[ph], cat[ph])
    call["customer"] = customer[ph]
    call_of = np.full(len(t), -1)
    call_of[ph] = np.arange(len(ph))
    t = t.copy()
    t[ph] = call["answered_at"]
    keep = (call_of < 0) | np.append(call["answered"], True)[call_of]
    keep &= t < tl.end_ts
    t, cat, ch, p_new, customer, call_of = (a[keep] for a in (t, cat, ch, p_new, customer, call_of))
    n_in = len(t)
    kind = np.full(n_in, INBOUND)
    u = rng.random(n_in)
    kind[(ch != PHONE) & (u < 0.035)] = ZERO
    kind[((ch == CHAT) | (ch == WEB)) & (u >= 0.035) & (u < 0.085)] = BOT
    # outbound (agents reach out) and system-created tickets (alerts from the order system)
    care_clock = Clock(cal, staff.available(0, cal) > 0)
    n_out, n_sys = rng.binomial(n_in, 0.04), rng.binomial(n_in, 0.02)
    t_out = care_clock.add(t[rng.integers(0, n_in, n_out)], rng.random(n_out) * 2 * HOUR)
    t_sys = t[rng.integers(0, n_in, n_sys)] + rng.normal(0, HOUR, n_sys)
    t_new = np.concatenate([t_out, t_sys])
    kind = np.concatenate([kind, np.full(n_out, OUTBOUND), np.full(n_sys, SYSTEM)])
    cat = np.concatenate([cat, choose(rng, np.array([.4, 0, 0, 0, .4, .2]), n_out),
                          choose(rng, np.array([.3, 0, 0, 0, .7, 0]), n_sys)])
    ch = np.concatenate([ch, np.where(rng.random(n_out) < 0.85, EMAIL, SOCIAL), np.full(n_sys, WEB)])
    p_new = np.concatenate([p_new, np.zeros(n_out + n_sys)])
    customer = np.concatenate([customer, cust.assign(t_new, rng)])
    call_of = np.concatenate([call_of, np.full(n_out + n_sys, -1)])
    t = np.concatenate([t, t_new])
    keep = (t >= tl.start_ts) & (t < tl.end_ts)
    if total is not None and keep.sum() > total:
        idx = np.flatnonzero(keep)
        keep[:] = False
        keep[np.sort(rng.choice(idx, total, replace=False))] = True
    order = np.flatnonzero(keep)[np.argsort(t[keep], kind="stable")]
    t, kind, cat, ch, p_new, customer, call_of = (a[order] for a in (t, kind, cat, ch, p_new, customer, call_of))
    n = len(t)
    # repeat contacts: some customers come back about the same thing within a week
    rep = rng.random(n) < 0.06
    k = np.searchsorted(t, t - (0.5 + rng.random(n) * 5.5) * DAY)
    rep &= (k > 0) & (kind == INBOUND)
    src = np.maximum(k - 1 - (rng.random(n) * np.minimum(k, 50)).astype(int), 0)
    rep &= cust.churned[customer[src]] > t
    customer = np.where(rep, customer[src], customer)
    cat = np.where(rep, cat[src], cat)
    priority = choose_per_row(rng, PRIORITY_MIX[cat])
    aurora = rng.random(n) < np.where(cat == TECH, 0.85, 0.55)
    prod = np.where(aurora, rng.integers(0, 3, n), rng.integers(4, 7, n))
    launched = 10**9 if tl.launch_month is None else cal.day_index(tl.launch_month)
    new_ok = (cal.local_day(t) >= launched + 7) & aurora
    prod = np.where(new_ok & (rng.random(n) < 0.25), NEW_PRODUCT, prod)
    prod = np.where(aurora & (rng.random(n) < p_new), NEW_PRODUCT, prod)
    live = np.isin(ch, LIVE_CHANNELS)
    team = np.where(live, 1, np.where(cat == TECH, 2, 0))
    team = np.where((kind == OUTBOUND) & ~live, 0, team)
    hi = priority >= 2
    queue = np.select([live, team == 0, team == 2], [Q_LIVE, np.where(hi, Q_CARE_HI, Q_CARE),
                                                      np.where(hi, Q_TECH_HI, Q_TECH)], Q_LIVE)
    language = cust.language[customer]
    guest = ((ch == SOCIAL) | (ch == CHAT)) & (rng.random(n) < 0.03) & (kind == INBOUND)
    tickets = {
        "t0": t, "kind": kind, "category": cat, "channel": ch, "priority": priority, "customer": customer,
        "brand": np.where(aurora, 0, 1), "product": prod, "team": team, "queue": queue,
        "language": language, "call": call_of, "guest": guest, "difficulty": rng.normal(0, 1, n),
    }
    return tickets, call
