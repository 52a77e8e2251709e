"""Customers, churn, orders, carts and marketing spend for the demo.

Why: later features (churn, retention, CAC, CLV, cart abandonment, feedback by
customer group) need customers whose life cycle is tied to the support data:
tickets only come from customers who exist at that moment, and customers whose
last experience was bad (slow, reopened) or who asked to cancel churn more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxmetrics.demo.clock import DAY, Calendar, Timeline, add_months, epoch, rng_for

SEGMENTS = ("consumer", "small_business", "enterprise")
PLANS = ("free", "plus", "premium")
COUNTRIES = ("FI", "SE", "DE", "EE", "GB", "NL")
ACQ_CHANNELS = ("organic", "paid_search", "social", "email", "affiliate", "referral")
PAID = {"paid_search": 42.0, "social": 31.0, "email": 9.0, "affiliate": 24.0}
LANGUAGES = ("en", "fi", "sv", "de", "et")
#: country -> language probabilities over LANGUAGES
COUNTRY_LANG = np.array([
    [0.20, 0.70, 0.10, 0.00, 0.00],
    [0.20, 0.00, 0.80, 0.00, 0.00],
    [0.15, 0.00, 0.00, 0.85, 0.00],
    [0.35, 0.05, 0.00, 0.00, 0.60],
    [1.00, 0.00, 0.00, 0.00, 0.00],
    [1.00, 0.00, 0.00, 0.00, 0.00],
])
CHURN_REASONS = ("price", "no longer needed", "switched to competitor", "product quality",
                 "poor service", "moved or other")
BASE_REASON_P = np.array([0.25, 0.30, 0.18, 0.17, 0.0, 0.10])
SERVICE_REASON_P = np.array([0.0, 0.0, 0.30, 0.0, 0.70, 0.0])
CANCEL_REASON_P = np.array([0.40, 0.33, 0.22, 0.05, 0.0, 0.0])
#: monthly base churn hazard by segment, multiplied by plan factor
HAZARD = np.array([0.021, 0.013, 0.006])
PLAN_HAZARD = np.array([1.4, 1.0, 0.6])
MONTH = 30.44 * DAY


def choose(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of an index of ``p`` (weights, need not sum to 1)."""
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").clip(0, len(p) - 1)


def choose_per_row(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One draw per row of a probability matrix."""
    cum = np.cumsum(p, axis=1)
    u = rng.random(len(p)) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1).clip(0, p.shape[1] - 1)


def season_factor(cal: Calendar, t: np.ndarray) -> np.ndarray:
    """Shopping seasonality: holiday season high, January and summer low."""
    m = cal.dates.month.to_numpy()[cal.local_day(t).clip(0, cal.ndays - 1)]
    return np.select([m == 11, m == 12, m == 1, m == 7], [1.35, 1.6, 0.85, 0.9], 1.0)


@dataclass
class Customers:
    acquired: np.ndarray
    churned: np.ndarray  # base churn instant (never = tl.never); final churn after finish()
    segment: np.ndarray
    plan: np.ndarray
    country: np.ndarray
    channel: np.ndarray
    language: np.ndarray
    propensity: np.ndarray  # how often this customer contacts support
    reason: np.ndarray  # churn reason index, -1 none

    def __len__(self) -> int:
        return len(self.acquired)

    def assign(self, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A customer alive at each instant, favouring frequent contacters (rejection sampling)."""
        order = np.argsort(self.acquired, kind="stable")
        acq_sorted = self.acquired[order]
        n = len(t)
        out = np.full(n, -1)
        pmax = np.quantile(self.propensity, 0.99)
        for attempt in range(60):
            todo = np.flatnonzero(out < 0)
            if not len(todo):
                break
            k = np.searchsorted(acq_sorted, t[todo], side="right")
            cand = order[(rng.random(len(todo)) * np.maximum(k, 1)).astype(int)]
            ok = (k > 0) & (self.churned[cand] > t[todo])
            if attempt < 30:  # then give up on the propensity weighting, never on being alive
                ok &= rng.random(len(todo)) * pmax < self.propensity[cand]
            out[todo[ok]] = cand[ok]
        left = out < 0
        alive = np.flatnonzero((self.churned >= self.churned.max()) & (self.acquired <= t.min(initial=np.inf)))
        alive = alive if len(alive) else order[:1]
        out[left] = alive[(rng.random(left.sum()) * len(alive)).astype(int)]
        return out


def make_customers(cal: Calendar, tl: Timeline, seed: int, scale: float) -> Customers:
    """A base alive at the start plus monthly acquisitions (more in the holiday season)."""
    rng = rng_for(seed, "customers")
    n0 = int(22000 * scale)
    base_acq = tl.start_ts - rng.random(n0) * 3 * 365 * DAY
    span = tl.end_ts - tl.start_ts
    per_month = 1500 * scale
    expected = per_month * span / MONTH * 1.25
    cand = tl.start_ts + rng.random(rng.poisson(expected)) * span
    growth = 1.0 + 0.25 * (cand - tl.start_ts) / span
    keep = rng.random(len(cand)) < season_factor(cal, cand) * growth / (1.6 * 1.25)
    acquired = np.sort(np.concatenate([base_acq, cand[keep]]))
    n = len(acquired)
    segment = choose(rng, np.array([0.8, 0.15, 0.05]), n)
    plan = choose(rng, np.array([0.55, 0.33, 0.12]), n)
    country = choose(rng, np.array([0.42, 0.2, 0.14, 0.08, 0.1, 0.06]), n)
    channel = choose(rng, np.array([0.3, 0.25, 0.15, 0.08, 0.1, 0.12]), n)
    language = choose_per_row(rng, COUNTRY_LANG[country])
    hazard = HAZARD[segment] * PLAN_HAZARD[plan] / MONTH
    since = np.maximum(acquired, tl.start_ts)
    churned = since + rng.exponential(1.0, n) / hazard
    churned = np.where(churned < tl.end_ts, churned, tl.never)
    reason = np.where(churned < tl.never, choose(rng, BASE_REASON_P, n), -1)
    propensity = rng.gamma(0.7, 1.0, n) * np.where(segment > 0, 2.0, 1.0)
    return Customers(acquired, churned, segment, plan, country, channel, language, propensity, reason)


def finish_churn(c: Customers, tl: Timeline, seed: int, last_t: np.ndarray, last_bad: np.ndarray,
                 last_cancel: np.ndarray) -> None:
    """Service-driven churn: after a bad last experience or a cancellation request.

    Only a customer's *last* ticket can trigger it, so no ticket follows the churn.
    """
    rng = rng_for(seed, "churn")
    n = len(c)
    has = last_t > 0
    lag = (3 + rng.random(n) * 40) * DAY
    p = np.where(last_cancel, 0.45, np.where(last_bad, 0.3, 0.0))
    hit = has & (rng.random(n) < p)
    when = last_t + lag
    hit &= (when < c.churned) & (when < tl.end_ts)
    reasons = np.where(last_cancel, choose(rng, CANCEL_REASON_P, n), choose(rng, SERVICE_REASON_P, n))
    c.churned = np.where(hit, when, c.churned)
    c.reason = np.where(hit, reasons, c.reason)


def make_orders(cal: Calendar, c: Customers, tl: Timeline, seed: int) -> dict[str, np.ndarray]:
    """Repeat purchases while a customer is alive (Poisson with gamma-spread rates and spend)."""
    rng = rng_for(seed, "orders")
    n = len(c)
    rate = rng.gamma(0.9, 0.28 / 0.9, n) / MONTH * np.where(c.segment > 0, 1.8, 1.0)
    avg = rng.gamma(3.0, 68.0 / 3.0, n) * np.where(c.segment == 2, 4.0, np.where(c.segment == 1, 1.8, 1.0))
    lo = np.maximum(c.acquired, tl.start_ts)
    hi = np.minimum(c.churned, tl.end_ts)
    life = np.maximum(hi - lo, 0)
    k = rng.poisson(rate * life * 1.6)
    who = np.repeat(np.arange(n), k)
    t = lo[who] + rng.random(len(who)) * life[who]
    keep = rng.random(len(t)) * 1.6 < season_factor(cal, t)
    who, t = who[keep], t[keep]
    first = (c.acquired >= tl.start_ts) & (c.acquired < hi)
    fw = np.flatnonzero(first)
    who = np.concatenate([who, fw])
    t = np.concatenate([t, c.acquired[fw] + 60 + rng.random(len(fw)) * 1800])
    keep = t < hi[who]
    who, t = who[keep], t[keep]
    order = np.argsort(t, kind="stable")
    who, t = who[order], t[order]
    amount = np.round(rng.gamma(5.0, avg[who] / 5.0) + 4.9, 2)
    return {"customer": who, "ordered_at": t, "amount": amount}


def make_carts(orders: dict[str, np.ndarray], tl: Timeline, seed: int) -> dict[str, np.ndarray]:
    """Web carts: a third of orders went through a tracked cart; ~70% of carts are abandoned."""
    rng = rng_for(seed, "carts")
    no = len(orders["ordered_at"])
    bought = np.flatnonzero(rng.random(no) < 0.3)
    created_b = orders["ordered_at"][bought] - (120 + rng.gamma(2.0, 600.0, len(bought)))
    n_ab = round(len(bought) * 0.70 / 0.30)
    src = rng.integers(0, no, n_ab) if no else np.empty(0, dtype=int)
    created_a = orders["ordered_at"][src] + rng.normal(0, 2 * DAY, n_ab)
    logged = rng.random(n_ab) < 0.55
    cust_a = np.where(logged, orders["customer"][src], -1)
    created = np.concatenate([created_b, created_a])
    keep = (created >= tl.start_ts) & (created < tl.end_ts)
    out = {
        "created_at": created,
        "purchased_at": np.concatenate([orders["ordered_at"][bought], np.full(n_ab, np.nan)]),
        "order": np.concatenate([bought, np.full(n_ab, -1)]),
        "customer": np.concatenate([orders["customer"][bought], cust_a]),
    }
    order = np.argsort(created[keep], kind="stable")
    return {k: v[keep][order] for k, v in out.items()}


def make_spend(c: Customers, tl: Timeline, seed: int, scale: float) -> dict[str, np.ndarray]:
    """Monthly spend per paid channel, proportional to what that channel acquired (CAC ~ 10-45)."""
    rng = rng_for(seed, "spend")
    starts, ends, amounts, channels = [], [], [], []
    for m in tl.month_starts:
        lo, hi = epoch(m), epoch(add_months(m, 1))
        got = (c.acquired >= lo) & (c.acquired < hi)
        for ch, cac in [*PAID.items(), ("display", 0.0)]:
            k = np.count_nonzero(got & (c.channel == ACQ_CHANNELS.index(ch))) if ch != "display" else 0
            amount = k * cac * rng.lognormal(0, 0.15) if ch != "display" else 4000.0 * scale * rng.lognormal(0, 0.2)
            starts.append(lo)
            ends.append(hi - DAY)
            amounts.append(round(float(amount), 2))
            channels.append(ch)
    return {"period_start": np.array(starts), "period_end": np.array(ends),
            "amount": np.array(amounts), "channel": np.array(channels)}
