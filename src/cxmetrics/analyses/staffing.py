"""Agents required for a queue: Erlang C and Erlang A, pure functions (no store).

Notation: ``volume`` contacts arrive in an interval of ``interval`` minutes and take
``aht`` seconds each (talk + hold + wrap). The offered load is ``A = volume * aht /
(interval * 60)`` Erlangs. With ``N`` productive agents:

**Erlang C** (M/M/N, nobody hangs up), from the Erlang B recursion
``B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))``:

- ``p_wait = C = N B / (N - A (1 - B))`` (for ``N > A``; 1 otherwise),
- ``service_level = 1 - C exp(-(N - A) T / aht)`` (share of contacts answered within T s),
- ``asa_seconds = C aht / (N - A)`` (mean wait of all contacts), ``occupancy = A / N``.

**Erlang A** (M/M/N+M, Palm 1943; Garnett, Mandelbaum & Reiman 2002): callers hang up after
an exponential patience of mean ``patience`` seconds. The number in the system is a
birth-death chain with death rate ``k mu`` up to N and ``N mu + j theta`` with j waiting
(``mu = 1/aht``, ``theta = 1/patience``); it has a stationary law for every N (no
``N > A`` condition). ``p_wait`` is the chance an arrival finds every agent busy,
``p_abandon = theta E[queue] / lambda``, ``asa_seconds`` the mean wait of answered contacts
and ``service_level`` the share of *all* arrivals answered within T (those who hang up
count as missed), computed exactly: a caller with j ahead in the queue moves up at rate
``N mu + i theta`` (i ahead) and hangs up at rate ``theta``; that pure-death chain is
solved with a matrix exponential (``scipy.sparse.linalg.expm_multiply``) and checked against
a simulation in the tests.
``occupancy = A (1 - p_abandon) / N``.

Required agents: the smallest N meeting every given target (service level, ASA) and
the maximum occupancy; ``scheduled_agents = ceil(N / (1 - shrinkage))``. Chat handled
``concurrency`` at a time is staffed with the effective AHT ``aht / concurrency``.

Why not a library: pyworkforce (the one maintained WFM package) has Erlang C but not
Erlang A and pulls in OR-Tools; the formulas are a few lines, and the tests check them
against published values and identities (Erlang A with patience = AHT is M/M/infinity:
the number in the system is Poisson(A)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cxmetrics.errors import UsageError

__all__ = ["Staffing", "erlang_a", "erlang_b", "erlang_c", "offered_load", "required_agents",
           "staff", "staff_intervals"]

FloatArray = npt.NDArray[np.float64]
#: stop looking for N beyond A + this many sqrt(A) + 50 (a target no N meets is an error)
_SEARCH_SIGMAS = 12
#: the largest offered load staffed (a bigger one is a units mistake, and the search would be slow)
MAX_ERLANGS = 100_000
#: Erlang A: the longest queue computed (states); beyond, the inputs are a units mistake
_MAX_QUEUE = 200_000
#: Erlang A: queue states kept until the stationary tail falls below this (relative)
_TAIL = 1e-13


def offered_load(volume: float, interval_minutes: float, aht: float) -> float:
    """Erlangs: contacts x handle seconds / seconds in the interval."""
    return volume * aht / (interval_minutes * 60.0)


def erlang_b(n: int, a: float) -> float:
    """Blocking probability of N servers offered A Erlangs (Erlang B), by the stable recursion."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _erlang_b_all(n_max: int, a: float) -> FloatArray:
    """B(k, A) for k = 0..n_max."""
    out = np.empty(n_max + 1)
    b = 1.0
    out[0] = b
    for k in range(1, n_max + 1):
        b = a * b / (k + a * b)
        out[k] = b
    return out


@dataclass(frozen=True)
class Staffing:
    """One interval's staffing: the JSON of ``cxm staff`` (``p_abandon`` is None for Erlang C)."""

    model: str
    volume: float
    interval_minutes: float
    aht_seconds: float
    traffic_erlangs: float
    agents: int
    scheduled_agents: int
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float
    p_abandon: float | None
    target: float | None
    within_seconds: float
    asa_target_seconds: float | None
    max_occupancy: float | None
    shrinkage: float
    patience_seconds: float | None
    max_abandon: float | None
    concurrency: float

    def to_dict(self) -> dict[str, Any]:
        """The fields; an unbounded ASA (too few agents for the load) is None."""
        return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in asdict(self).items()}


def erlang_c(n: int, a: float, aht: float, within: float) -> dict[str, float]:
    """Erlang C measures of N agents offered A Erlangs: p_wait, service_level, asa_seconds, occupancy."""
    if a <= 0:
        return {"p_wait": 0.0, "service_level": 1.0, "asa_seconds": 0.0, "occupancy": 0.0}
    if n <= a:  # the queue grows without bound
        return {"p_wait": 1.0, "service_level": 0.0, "asa_seconds": math.inf, "occupancy": 1.0}
    b = erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    return {"p_wait": c, "service_level": 1 - c * math.exp(-(n - a) * within / aht),
            "asa_seconds": c * aht / (n - a), "occupancy": a / n}


def _erlang_a_states(n: int, a: float, mu: float, theta: float) -> FloatArray:
    """Stationary probabilities of 0, 1, ... contacts in the system (truncated far in the tail)."""
    from scipy.special import gammaln

    k = np.arange(n + 1, dtype=float)
    # agents part: Poisson-shaped weights a^k / k!, in logs (A can be in the thousands)
    log_w = k * math.log(a) - gammaln(k + 1)
    # queue part: each extra waiting contact multiplies by lambda / (N mu + j theta); the weights
    # rise while that is above 1 (j < j*), then fall like a Gaussian of width ~sqrt(lambda / theta)
    lam = a * mu
    j_star = max(0.0, (lam - n * mu) / theta)
    span = int(j_star + 40 * math.sqrt(lam / theta + 1) + 100)
    if span > _MAX_QUEUE:
        raise UsageError(f"Erlang A with {n} agents for {a:,.0f} Erlangs and that patience needs a queue of "
                         f"{span:,} places: too large to compute; check --patience and --aht (seconds)")
    j = np.arange(1, span + 1, dtype=float)
    logs = log_w[-1] + np.cumsum(math.log(lam) - np.log(n * mu + j * theta))
    full = np.concatenate([log_w, logs])
    keep = full - full.max() > math.log(_TAIL)
    last = int(np.flatnonzero(keep)[-1]) + 1
    w = np.exp(full[:last] - full.max())
    return np.asarray(w / w.sum(), dtype=np.float64)


def erlang_a(n: int, a: float, aht: float, within: float, patience: float) -> dict[str, float]:
    """Erlang A measures: p_wait, p_abandon, service_level (of all arrivals), asa_seconds
    (of answered contacts), occupancy."""
    if a <= 0:
        return {"p_wait": 0.0, "p_abandon": 0.0, "service_level": 1.0, "asa_seconds": 0.0, "occupancy": 0.0}
    if n == 0:
        return {"p_wait": 1.0, "p_abandon": 1.0, "service_level": 0.0, "asa_seconds": 0.0, "occupancy": 0.0}
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = a * mu
    p = _erlang_a_states(n, a, mu, theta)
    queued = p[n:]  # an arrival finding N + j in the system waits behind j others
    j = np.arange(len(queued), dtype=float)
    p_wait = float(queued.sum())
    eq = float((j[1:] * queued[1:]).sum())  # mean number waiting
    p_abandon = theta * eq / lam
    # a caller with i ahead: moves up at rate r_i = N mu + i theta, hangs up at theta
    leave = n * mu + j * theta + theta  # r_i + theta
    p_served_from = np.cumprod((n * mu + j * theta) / leave)  # served from state j: prod_{i<=j} r_i/(r_i+theta)
    mean_to_serve = np.cumsum(1.0 / leave)  # E[wait | served, j ahead]
    served_waiting = float((queued * p_served_from).sum())
    asa = float((queued * p_served_from * mean_to_serve).sum()) / (1 - p_wait + served_waiting)
    sl = (1 - p_wait) + _served_within(queued, n * mu, theta, within)
    return {"p_wait": p_wait, "p_abandon": p_abandon, "service_level": min(max(sl, 0.0), 1.0),
            "asa_seconds": asa, "occupancy": min(a * (1 - p_abandon) / n, 1.0)}


def _served_within(queued: FloatArray, rate: float, theta: float, t: float) -> float:
    """Probability mass of ``queued`` arrivals (index = contacts ahead) answered within t seconds.

    A pure-death chain on "i ahead": up a place at ``rate + i theta`` (to "answered" from 0),
    hang up at ``theta``; the mass absorbed in "answered" by t is ``expm(Q^T t) p0``, solved
    with ``expm_multiply`` (its cost grows with ``t`` times the largest rate, which the
    validated patience of at least a second and the truncated queue keep small)."""
    from scipy.sparse import lil_matrix
    from scipy.sparse.linalg import expm_multiply

    m = len(queued)
    if t <= 0 or queued.sum() == 0:
        return 0.0
    up = rate + np.arange(m, dtype=float) * theta
    # Done by t: everyone still waiting would have hung up (e^-40), or even the last in the queue,
    # whose m steps each end at rate >= rate + theta (a wait below Gamma(m, rate + theta)), is through.
    from scipy.special import gammaincc  # Gamma(m, scale).sf(t) = Q(m, t / scale), without scipy.stats

    if theta * t > 40 or gammaincc(m, t / (1.0 / (rate + theta))) < 1e-13:
        return float((queued * np.cumprod(up / (up + theta))).sum())
    q = lil_matrix((m + 2, m + 2))  # transposed generator: d p / dt = Q^T p
    q.setdiag(np.r_[-(up + theta), 0.0, 0.0])
    q.setdiag(up[1:], 1)  # i + 1 ahead -> i ahead
    q[m, 0] = up[0]  # answered
    q[m + 1, :m] = theta  # hung up
    res = expm_multiply(q.tocsc() * t, np.r_[queued, 0.0, 0.0])
    return float(res[m])


def _measures(n: int, a: float, aht: float, within: float, patience: float | None) -> dict[str, float]:
    if patience is None:
        return erlang_c(n, a, aht, within)
    return erlang_a(n, a, aht, within, patience)


def required_agents(a: float, aht: float, *, target: float | None = 0.8, within: float = 20.0,
                    asa_target: float | None = None, max_occupancy: float | None = None,
                    patience: float | None = None, max_abandon: float | None = None) -> int:
    """The smallest N meeting the service-level target (share answered within ``within`` s),
    the ASA target, the maximum occupancy and (Erlang A, when ``patience`` is given) the
maximum share of callers who hang up.

    Every measure is monotone in N (service level up, ASA and occupancy down), so the
    smallest N is found by bisection."""
    if a <= 0:
        return 0

    def ok(n: int) -> bool:
        m = _measures(n, a, aht, within, patience)
        return ((target is None or m["service_level"] >= target - 1e-12)
                and (asa_target is None or m["asa_seconds"] <= asa_target + 1e-12)
                and (max_occupancy is None or m["occupancy"] <= max_occupancy + 1e-12)
                and (max_abandon is None or m.get("p_abandon", 0.0) <= max_abandon + 1e-12))

    hi = int(a + _SEARCH_SIGMAS * math.sqrt(a) + 50)
    if max_occupancy is not None:
        hi = max(hi, math.ceil(a / max_occupancy) + 1)
    if not ok(hi):
        raise UsageError(f"no number of agents up to {hi} meets the targets (service level {target}, ASA "
                         f"{asa_target}); check --target and --asa")
    # ok(lo) is false: Erlang C needs N > A; with hang-ups, service level <= answered share <= N / A
    lo = math.floor(a) if patience is None else max(0, math.floor(a * target) - 1 if target else 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _check(volume: float, interval: float, aht: float, target: float | None, within: float,
           asa_target: float | None, max_occupancy: float | None, shrinkage: float,
           patience: float | None, concurrency: float, max_abandon: float | None) -> None:
    if volume < 0 or not math.isfinite(volume):
        raise UsageError(f"volume must be a number >= 0, not {volume}")
    if interval <= 0:
        raise UsageError(f"interval must be > 0 minutes, not {interval}")
    if aht <= 0 or not math.isfinite(aht):
        raise UsageError(f"AHT must be > 0 seconds, not {aht}")
    if offered_load(volume, interval, aht / max(concurrency, 1.0)) > MAX_ERLANGS:
        raise UsageError(f"{volume:g} contacts of {aht:g} s in {interval:g} minutes is more than "
                         f"{MAX_ERLANGS:,} Erlangs: check the units (--aht is seconds, --interval minutes)")
    if target is not None and not 0 < target < 1:
        raise UsageError(f"the service-level target is a share between 0 and 1 (0.8 = 80%), not {target}")
    if within < 0:
        raise UsageError(f"--within must be >= 0 seconds, not {within}")
    if asa_target is not None and asa_target <= 0:
        raise UsageError(f"the ASA target must be > 0 seconds, not {asa_target}")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise UsageError(f"the maximum occupancy is a share in (0, 1], not {max_occupancy}")
    if not 0 <= shrinkage < 1:
        raise UsageError(f"shrinkage is a share in [0, 1), not {shrinkage}")
    if patience is not None and not 1 <= patience <= 86400:
        raise UsageError(f"patience (mean time before a caller hangs up) must be 1 s to 1 day, not {patience}")
    if max_abandon is not None and (patience is None or not 0 < max_abandon < 1):
        raise UsageError("a maximum abandonment needs --patience (Erlang A) and is a share in (0, 1)"
                         if patience is None else f"the maximum abandonment is a share in (0, 1), not {max_abandon}")
    if concurrency < 1:
        raise UsageError(f"concurrency must be >= 1, not {concurrency}")
    if target is None and asa_target is None and max_occupancy is None and max_abandon is None:
        raise UsageError("give a service-level target, an ASA target or a maximum occupancy")


def scheduled(agents: int, shrinkage: float) -> int:
    """Agents on the schedule so that ``agents`` are productive after shrinkage."""
    return math.ceil(agents / (1 - shrinkage) - 1e-9) if agents else 0


def staff(volume: float, interval: float, aht: float, *, target: float | None = 0.8, within: float = 20.0,
          asa_target: float | None = None, max_occupancy: float | None = None, shrinkage: float = 0.0,
          patience: float | None = None, concurrency: float = 1.0, max_abandon: float | None = None,
          agents: int | None = None) -> Staffing:
    """Staffing of one interval: the required agents (or the given ``agents``) and what they achieve."""
    _check(volume, interval, aht, target, within, asa_target, max_occupancy, shrinkage, patience, concurrency,
           max_abandon)
    if agents is not None and agents < 0:
        raise UsageError(f"agents must be >= 0, not {agents}")
    eff = aht / concurrency
    a = offered_load(volume, interval, eff)
    n = agents if agents is not None else required_agents(
        a, eff, target=target, within=within, asa_target=asa_target, max_occupancy=max_occupancy,
        patience=patience, max_abandon=max_abandon)
    m = _measures(n, a, eff, within, patience)
    return Staffing(
        model="erlang_a" if patience is not None else "erlang_c", volume=volume, interval_minutes=interval,
        aht_seconds=aht, traffic_erlangs=a, agents=n, scheduled_agents=scheduled(n, shrinkage),
        service_level=m["service_level"], asa_seconds=m["asa_seconds"], occupancy=m["occupancy"],
        p_wait=m["p_wait"], p_abandon=m.get("p_abandon"), target=target, within_seconds=within,
        asa_target_seconds=asa_target, max_occupancy=max_occupancy, shrinkage=shrinkage,
        patience_seconds=patience, max_abandon=max_abandon, concurrency=concurrency)


def staff_intervals(volume: Sequence[float] | npt.ArrayLike, aht: Sequence[float] | npt.ArrayLike,
                    interval: float, **kw: Any) -> list[Staffing]:
    """:func:`staff` for every interval of a forecast (same targets); zero volume needs no agents."""
    vols = np.asarray(volume, dtype=float)
    ahts = np.broadcast_to(np.asarray(aht, dtype=float), vols.shape)
    return [staff(max(float(v), 0.0), interval, float(h), **kw) for v, h in zip(vols, ahts, strict=True)]
