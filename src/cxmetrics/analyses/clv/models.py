"""Buy-till-you-die models, fitted by maximum likelihood with SciPy.

Why not a library: PyMC-Marketing fits these models by MAP under priors (its
default priors move BG/NBD ``a`` from the published 0.793 to 0.706) and brings
~460 MB of dependencies and a C compile on first use; ``lifetimes`` is archived
(2020) and has no sBG; ``btyd`` does not import on Python 3.11. The closed-form
likelihoods are short, and tests reproduce the published estimates (docs/clv.md).

* BG/NBD (Fader, Hardie & Lee 2005): repeat purchases of non-contractual customers.
* Gamma-Gamma (Fader & Hardie 2013 note; Colombo & Jiang 1999): spend per purchase.
* Shifted-beta-geometric (Fader & Hardie 2007): discrete-time contract renewals.

Fits run on log parameters (all parameters are positive) with Nelder-Mead, on
rows weighted by how many customers share them; standard errors come from a
numerical Hessian of the log-likelihood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.special import betaln, gammaln, hyp2f1


@dataclass(frozen=True)
class Fit:
    """Maximum-likelihood estimates with their standard errors."""

    model: str
    params: dict[str, float]
    loglik: float
    n: int
    se: dict[str, float | None] = field(default_factory=dict)
    converged: bool = True

    def __getitem__(self, name: str) -> float:
        return self.params[name]


def _weights(w: np.ndarray | None, n: int) -> np.ndarray:
    return np.ones(n) if w is None else np.asarray(w, dtype="float64")


LOG_BOUND = 14.0  # parameters live in [e^-14, e^14]; a fit at the edge is reported as not converged
# Converged: the Newton decrement g' H^-1 g at the estimate (what a Newton step could still
# gain in log-likelihood, twice) is below this (Stata's nrtolerance), the Hessian is positive
# definite and no parameter is at a bound. Not the simplex's own stop: its tolerances were
# below the float noise of a large log-likelihood, so it stopped or ran out of evaluations
# depending on the last bits of the data.
NEWTON_TOL = 1e-5


def _canonical(cols: tuple[np.ndarray, ...], w: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows in sorted order, each weighted by the total weight of its copies.

    A log-likelihood is a float sum over rows, and a float sum depends on the order of
    its terms: the same customers in the order a (parallel) query returned them would
    give other last digits, and the optimiser another path along a flat likelihood.
    Sorted rows make the fit a function of the data alone (and shorter: customers who
    share x, t_x and T are one row)."""
    keep = w != 0
    table = np.column_stack([np.asarray(c, dtype="float64")[keep] for c in cols])
    wk = w[keep]
    order = np.lexsort((wk, *table.T[::-1]))
    rows, inv = np.unique(table[order], axis=0, return_inverse=True)
    weights = np.bincount(inv.ravel(), weights=wk[order], minlength=len(rows))
    return tuple(rows.T), weights


def _mle(model: str, names: tuple[str, ...], nll: Callable[[np.ndarray], float], start: np.ndarray,
         n: int, *, to_log: Callable[[np.ndarray], np.ndarray] | None = None,
         from_log: Callable[[np.ndarray], np.ndarray] | None = None,
         bounds: list[tuple[float, float]] | None = None) -> Fit:
    """Minimise ``nll`` (Nelder-Mead: robust, and the likelihoods are cheap) over log
    parameters, or over another space given by ``to_log``/``from_log``; standard errors
    by the delta method from the Hessian in log space. Deterministic: no random starts,
    and the same ``nll`` gives the same bits."""
    to_log = to_log or (lambda u: u)
    from_log = from_log or (lambda lp: lp)

    def f(lp: np.ndarray) -> float:
        v = nll(np.exp(lp))
        return v if np.isfinite(v) else 1e300

    bounds = bounds or [(-LOG_BOUND, LOG_BOUND)] * len(start)
    u0 = from_log(np.log(start))
    scale = max(1.0, abs(f(to_log(u0))))  # tolerances the floats can meet: relative to the likelihood's size
    res = optimize.minimize(lambda u: f(to_log(u)), u0, method="Nelder-Mead", bounds=bounds,  # type: ignore[call-overload]  # pandas/scipy stubs too narrow (where(..., None), minimize(callable))
                            options={"xatol": 1e-10, "fatol": 1e-13 * scale, "maxiter": 20000, "maxfev": 20000})
    lp = to_log(res.x)
    se: dict[str, float | None] = dict.fromkeys(names)
    decrement = np.inf
    with np.errstate(all="ignore"):
        try:
            hess = _hessian(f, lp)
            cov = np.linalg.inv(hess)
            var = np.diag(cov) * np.exp(lp) ** 2  # delta method: d exp(u) = exp(u) du
            se = {k: (float(np.sqrt(v)) if v > 0 else None) for k, v in zip(names, var, strict=True)}
            if np.all(np.linalg.eigvalsh(hess) > 0):  # a maximum, not a saddle or a ridge
                grad = _gradient(f, lp)
                decrement = float(grad @ cov @ grad)
        except np.linalg.LinAlgError:
            pass
    at_edge = bool(np.any(np.abs(lp) > LOG_BOUND - 0.5))  # e.g. no heterogeneity: alpha + beta -> infinity
    converged = (bool(np.isfinite(res.fun) and res.fun < 1e300) and not at_edge and decrement < NEWTON_TOL
                 and all(v is not None for v in se.values()))
    return Fit(model, {k: float(v) for k, v in zip(names, np.exp(lp), strict=True)}, -float(res.fun), n, se,
               converged)


def _gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    h = 1e-5 * np.maximum(1.0, np.abs(x))
    return np.array([(f(x + e) - f(x - e)) / (2 * h[i]) for i, e in enumerate(np.diag(h))])


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    k = len(x)
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
            out[i, j] = out[j, i] = v
    return out


# -- BG/NBD -----------------------------------------------------------------
BGNBD = ("r", "alpha", "a", "b")


def bgnbd_loglik(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                 weights: np.ndarray | None = None) -> float:
    """Log-likelihood of BG/NBD (FHL 2005, eq. 6) for x repeat purchases, the last at t_x, observed for T."""
    x = np.asarray(x, dtype="float64")
    ux, inv = np.unique(x, return_inverse=True)
    return _bgnbd_ll(params, ux, inv, np.asarray(t_x, dtype="float64"), np.asarray(T, dtype="float64"),
                     _weights(weights, len(x)))


def _bgnbd_ll(params: tuple[float, float, float, float], ux: np.ndarray, inv: np.ndarray, t_x: np.ndarray,
              T: np.ndarray, w: np.ndarray) -> float:
    """The terms that depend on x only are computed once per distinct x (a few dozen values)."""
    r, alpha, a, b = params
    gab = gammaln(a + b) - gammaln(b)
    g_rx = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    g_den = gammaln(a + b + ux)
    b1 = gab + gammaln(b + ux) - g_den  # betaln(a, b + x) - betaln(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        b2 = np.where(ux > 0, gab + gammaln(a + 1) - gammaln(a) + gammaln(b + np.maximum(ux, 1) - 1) - g_den, -np.inf)
    x = ux[inv]
    t1 = b1[inv] - (r + x) * np.log(alpha + T)
    t2 = b2[inv] - (r + x) * np.log(alpha + t_x)
    return float(np.sum(w * (g_rx[inv] + np.logaddexp(t1, t2))))


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> Fit:
    """MLE of (r, alpha, a, b). Time is in whatever unit t_x and T use (weeks here)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = _weights(weights, len(x))
    if w.sum() < 3 or not (x > 0).any():
        raise ValueError("BG/NBD needs at least 3 customers and some repeat purchases")
    (x, t_x, T), w = _canonical((x, t_x, T), w)
    ux, inv = np.unique(x, return_inverse=True)
    start = np.array([1.0, float(np.average(T, weights=w)) or 1.0, 1.0, 1.0])
    return _mle("bgnbd", BGNBD, lambda p: -_bgnbd_ll(tuple(p), ux, inv, t_x, T, w), start, round(float(w.sum())))


def bgnbd_p_alive(params: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still active at T | x, t_x, T) (FHL 2005, eq. 11); 1 for customers without repeat purchases."""
    r, alpha, a, b = (params[k] for k in BGNBD)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        odds = a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, 1.0 / (1.0 + odds), 1.0)


def bgnbd_expected(params: dict[str, float], t: float | np.ndarray) -> np.ndarray:
    """E[X(t)]: purchases a new customer makes in (0, t] (FHL 2005, eq. 9)."""
    r, alpha, a, b = (params[k] for k in BGNBD)
    t = np.asarray(t, dtype="float64")
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def bgnbd_conditional(params: dict[str, float], t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray,
                      T: np.ndarray) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: purchases in (T, T + t] (FHL 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in BGNBD)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    t = np.asarray(t, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1,
                                                                      t / (alpha + T + t))
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return head * tail / (1 + odds)


# -- Gamma-Gamma -----------------------------------------------------------
GAMMA_GAMMA = ("p", "q", "gamma")


def gamma_gamma_loglik(params: tuple[float, float, float], x: np.ndarray, zbar: np.ndarray,
                       weights: np.ndarray | None = None) -> float:
    """Log-likelihood of the mean spend ``zbar`` over ``x`` purchases (Fader & Hardie 2013, eq. 3)."""
    p, q, g = params
    x, m = np.asarray(x, dtype="float64"), np.asarray(zbar, dtype="float64")
    w = _weights(weights, len(x))
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g) + (p * x - 1) * np.log(m)
          + p * x * np.log(x) - (p * x + q) * np.log(g + x * m))
    return float(np.sum(w * ll))


def fit_gamma_gamma(x: np.ndarray, zbar: np.ndarray, weights: np.ndarray | None = None) -> Fit:
    """MLE of (p, q, gamma) on customers with at least one repeat purchase of positive value."""
    x, m = np.asarray(x, dtype="float64"), np.asarray(zbar, dtype="float64")
    keep = (x > 0) & (m > 0)
    w = _weights(weights, len(x))[keep]
    x, m = x[keep], m[keep]
    if len(x) < 3:
        raise ValueError("Gamma-Gamma needs at least 3 repeat buyers with positive spend")
    (x, m), w = _canonical((x, m), w)
    start = np.array([1.0, 2.0, float(np.average(m, weights=w))])
    return _mle("gamma_gamma", GAMMA_GAMMA, lambda p: -gamma_gamma_loglik(tuple(p), x, m, w), start,
                round(float(w.sum())))


def gamma_gamma_mean(params: dict[str, float], x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    """E[M | x, zbar]: expected spend per purchase, shrunk towards the population mean p*gamma/(q-1)."""
    p, q, g = (params[k] for k in GAMMA_GAMMA)
    x = np.asarray(x, dtype="float64")
    m = np.nan_to_num(np.asarray(zbar, dtype="float64"))
    return p * (g + x * m) / (p * x + q - 1)


def clv_bgnbd(bg: dict[str, float], gg: dict[str, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
              zbar: np.ndarray, *, months: int = 12, period_weeks: float = 365.25 / 12 / 7,
              monthly_discount: float = 0.0) -> np.ndarray:
    """Discounted expected spend over the next ``months``: each month's expected purchases
    (the increment of E[Y(t)]) times E[M], discounted at the month's end."""
    x = np.asarray(x, dtype="float64")
    value = gamma_gamma_mean(gg, x, zbar)
    total = np.zeros(len(x))
    prev = np.zeros(len(x))
    for k in range(1, months + 1):  # a dozen vectorised steps, not a loop over customers
        cum = bgnbd_conditional(bg, k * period_weeks, x, t_x, T)
        total += (cum - prev) * value / (1 + monthly_discount) ** k
        prev = cum
    return total


# -- shifted-beta-geometric --------------------------------------------------
SBG = ("alpha", "beta")


def sbg_survival(alpha: float, beta: float, t: int | np.ndarray) -> np.ndarray:
    """S(t) = B(alpha, beta + t) / B(alpha, beta): share still subscribed after t renewals."""
    t = np.asarray(t, dtype="float64")
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def sbg_churn_probability(alpha: float, beta: float, t: int | np.ndarray) -> np.ndarray:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): lost in period t (t >= 1)."""
    t = np.asarray(t, dtype="float64")
    return np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))


def sbg_retention(alpha: float, beta: float, t: int | np.ndarray) -> np.ndarray:
    """r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1): rises with tenure."""
    t = np.asarray(t, dtype="float64")
    return (beta + t - 1) / (alpha + beta + t - 1)


def sbg_loglik(params: tuple[float, float], t: np.ndarray, churned: np.ndarray, weights: np.ndarray | None = None,
               entered: np.ndarray | None = None) -> float:
    """Churned in period t: log P(T = t); still active after t periods: log S(t).

    ``entered`` (periods survived before observation began) conditions on having
    survived them (left truncation): every term is divided by S(entered)."""
    alpha, beta = params
    t = np.asarray(t, dtype="float64")
    c = np.asarray(churned, dtype=bool)
    w = _weights(weights, len(t))
    lp = np.where(c, betaln(alpha + 1, beta + np.maximum(t, 1) - 1), betaln(alpha, beta + t)) - betaln(alpha, beta)
    if entered is not None:
        lp = lp - (betaln(alpha, beta + np.asarray(entered, dtype="float64")) - betaln(alpha, beta))
    return float(np.sum(w * lp))


def fit_sbg(t: np.ndarray, churned: np.ndarray, weights: np.ndarray | None = None,
            entered: np.ndarray | None = None) -> Fit:
    """MLE of (alpha, beta) from individual (or weighted) lifetimes, censored or not."""
    t = np.asarray(t, dtype="float64")
    c = np.asarray(churned, dtype=bool)
    w = _weights(weights, len(t))
    if not (c & (w > 0)).any():
        raise ValueError("sBG needs at least one churned customer")
    if not ((t > 0) & (w > 0)).any():
        raise ValueError("sBG needs customers observed for at least one period")
    e = np.zeros(len(t)) if entered is None else np.asarray(entered, dtype="float64")
    (t, cf, e), w = _canonical((t, c.astype("float64"), e), w)
    c = cf > 0
    entered = e if entered is not None else None
    # Searched as (logit of the mean churn probability, log(alpha + beta)): without
    # heterogeneity the likelihood is flat along alpha + beta -> infinity, a straight
    # ridge there instead of a diagonal one the simplex would zigzag up.
    return _mle("sbg", SBG, lambda p: -sbg_loglik(tuple(p), t, c, w, entered), np.array([1.0, 1.0]),
                round(float(w.sum())), to_log=_sbg_to_log, from_log=_sbg_from_log,
                bounds=[(-30.0, 30.0), (-LOG_BOUND, LOG_BOUND)])


def _sbg_to_log(u: np.ndarray) -> np.ndarray:
    m = 1 / (1 + np.exp(-u[0]))
    return np.array([np.log(m) + u[1], np.log1p(-m) + u[1]])


def _sbg_from_log(lp: np.ndarray) -> np.ndarray:
    a, b = np.exp(lp)
    return np.array([np.log(a / b), np.log(a + b)])


def fit_sbg_survival(survival: list[float] | np.ndarray, size: int = 1000) -> Fit:
    """Fit sBG to a cohort's survival curve S(0..n) as Fader & Hardie (2007) do: a cohort of
    ``size`` customers, the drop between consecutive years churned in that year, the rest
    still active (censored) after the last year."""
    s = np.asarray(survival, dtype="float64")
    s = s / s[0]
    alive = np.round(size * s)
    lost = alive[:-1] - alive[1:]
    n = len(s) - 1
    t = np.r_[np.arange(1, n + 1), n]
    churned = np.r_[np.ones(n, bool), False]
    return fit_sbg(t, churned, np.r_[lost, alive[-1]])


def sbg_discounted_lifetime(alpha: float, beta: np.ndarray | float, discount: float) -> np.ndarray:
    """sum_{k>=0} S(k) / (1 + d)^k = 2F1(1, beta; alpha + beta; 1/(1+d)) (Fader & Hardie 2010):
    expected discounted number of payments of a customer paying at the start of each period.
    With ``beta`` = beta + n it is the same for a customer who has already renewed n times
    (the posterior of their churn probability is Beta(alpha, beta + n))."""
    if discount <= 0:
        raise ValueError("sBG lifetimes need a positive discount rate (the mean lifetime is infinite when alpha <= 1)")
    b = np.asarray(beta, dtype="float64")
    return hyp2f1(1.0, b, alpha + b, 1.0 / (1.0 + discount))
