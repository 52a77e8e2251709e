"""Predictive CLV from the store: BG/NBD + Gamma-Gamma on orders, sBG on subscriptions.

BG/NBD + Gamma-Gamma (non-contractual purchases): one pooled fit over every
customer with an order (their heterogeneity is what the model describes); per
customer the expected purchases and spend over the horizon, discounted monthly;
groups aggregate their customers. A customer the customers table records as
churned is known to be gone: their prediction is 0 (the fit still uses them).

sBG (subscriptions): lifetimes in whole periods (default months) from the
customers table, fitted per group (with no covariates a pooled fit would give
every segment the same curve). Customers acquired before the table records any
churn (``observed_from``, default the earliest churn) are left-truncated: they
are in the data because they survived until then, and the likelihood conditions
on it. Revenue per period comes from orders (the group's revenue per
customer-period in the trailing year).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxmetrics.analyses.clv import models
from cxmetrics.analyses.clv.data import (
    CUSTOMER_DIMS,
    MONTH_DAYS,
    WEEK_DAYS,
    YEAR_DAYS,
    ClvError,
    as_of,
    as_records,
    check_by,
    currency,
    rfm_summary,
    tenure_summary,
)
from cxmetrics.analyses.clv.historic import customer_exposure, spend_in

if TYPE_CHECKING:
    from cxmetrics.store import Store

DEFAULT_ANNUAL_DISCOUNT = 0.10
BG_EXTRA = ["customers", "total", "p_alive", "expected_purchases", "expected_value_per_purchase", "horizon_months",
            "r", "alpha", "a", "b", "p", "q", "gamma", "as_of"]
SBG_EXTRA = ["customers", "churned", "alpha", "beta", "retention_next", "discounted_lifetime", "revenue_per_period",
             "new_customer_value", "cac", "residual_value_mean", "residual_value_total", "period_days", "as_of",
             "note"]


@dataclass
class Prediction:
    """Group records (SPEC 5.1-like), per-customer predictions and the fitted models."""

    groups: pd.DataFrame
    customers: pd.DataFrame
    fits: dict[str, models.Fit] = field(default_factory=dict)
    cohorts: pd.DataFrame | None = None


def monthly_rate(annual: float) -> float:
    return (1 + annual) ** (1 / 12) - 1


def _dims(store: Store) -> pd.DataFrame:
    c = store.table("customers")
    return c.select("customer_id", *CUSTOMER_DIMS, churned_at=c.churned_at).execute()


def predict_bgnbd(store: Store, *, by: str | None = None, end: dt.datetime | None = None, months: int = 12,
                  annual_discount: float = DEFAULT_ANNUAL_DISCOUNT) -> Prediction:
    """BG/NBD + Gamma-Gamma fitted on the orders up to ``end`` (default the latest data)."""
    check_by(by)
    if store.count("orders") == 0:
        raise ClvError("predictive CLV (bgnbd) needs orders; the orders table is empty")
    end = end or as_of(store)
    rfm = rfm_summary(store.table("orders"), end.date(), unit_days=WEEK_DAYS).execute()
    bg = models.fit_bgnbd(rfm["x"], rfm["t_x"], rfm["T"])
    rep = rfm[(rfm["x"] > 0) & (rfm["zbar"] > 0)]
    gg = models.fit_gamma_gamma(rep["x"], rep["zbar"])
    x, t_x, T, z = (rfm[c].to_numpy("float64") for c in ("x", "t_x", "T", "zbar"))
    horizon_weeks = months * MONTH_DAYS / WEEK_DAYS
    out = rfm[["customer_id", "x", "t_x", "T", "zbar"]].copy()
    out["p_alive"] = models.bgnbd_p_alive(bg.params, x, t_x, T)
    out["expected_purchases"] = models.bgnbd_conditional(bg.params, horizon_weeks, x, t_x, T)
    out["expected_value_per_purchase"] = models.gamma_gamma_mean(gg.params, x, z)
    out["predicted_clv"] = models.clv_bgnbd(bg.params, gg.params, x, t_x, T, z, months=months,
                                            monthly_discount=monthly_rate(annual_discount))
    out = out.merge(_dims(store), on="customer_id", how="left")
    gone = out["churned_at"].notna() & (out["churned_at"] <= pd.Timestamp(end))
    out["known_churned"] = gone
    for c in ("p_alive", "expected_purchases", "predicted_clv"):
        out.loc[gone, c] = 0.0
    out = out.drop(columns=["churned_at"])
    groups = _group_stats(out, by, "predicted_clv")
    for k, v in {**bg.params, **gg.params}.items():
        groups[k] = v
    groups["horizon_months"] = months
    groups["as_of"] = end.isoformat()
    return Prediction(as_records(groups, "clv_predicted", currency(store), by, BG_EXTRA), out,
                      {"bgnbd": bg, "gamma_gamma": gg})


def _group_stats(out: pd.DataFrame, by: str | None, col: str) -> pd.DataFrame:
    key = out[by].astype(object).where(out[by].notna(), None) if by else pd.Series("all", index=out.index)  # type: ignore[call-overload]  # pandas/scipy stubs too narrow (where(..., None), minimize(callable))
    g = out.assign(_g=key.fillna("\x00")).groupby("_g", sort=True)
    s = g.agg(customers=(col, "size"), total=(col, "sum"), mean=(col, "mean"), median=(col, "median"),
              p90=(col, lambda v: float(np.quantile(v, 0.9))), p_alive=("p_alive", "mean"),
              expected_purchases=("expected_purchases", "mean"),
              expected_value_per_purchase=("expected_value_per_purchase", "mean")).reset_index()
    if by:
        s[by] = s["_g"].where(s["_g"] != "\x00", None)  # type: ignore[call-overload]  # pandas/scipy stubs too narrow (where(..., None), minimize(callable))
    s = s.drop(columns=["_g"])
    s["value"], s["n"] = s["mean"], s["customers"]
    return s


def observed_from_default(store: Store) -> dt.datetime | None:
    """The earliest recorded churn: before it the table evidently does not record churn."""
    v = store.table("customers").churned_at.min().execute()
    return None if v is None or pd.isna(v) else pd.Timestamp(v).to_pydatetime()


def predict_sbg(store: Store, *, by: str | None = None, end: dt.datetime | None = None,
                period_days: float = MONTH_DAYS, annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
                observed_from: dt.datetime | str | None = "auto") -> Prediction:
    """sBG per group: retention curve, value of a new customer and residual value of each active one."""
    check_by(by)
    if store.count("customers") == 0:
        raise ClvError("predictive CLV (sbg) needs the customers table (acquired_at, churned_at); it is empty")
    end = end or as_of(store)
    start = observed_from_default(store) if observed_from == "auto" else observed_from
    if isinstance(start, str):
        raise ClvError(f"observed_from must be a datetime, None or 'auto', not {start!r}")
    ten = tenure_summary(store.table("customers"), end, period_days=period_days, observed_from=start)
    gcol = ten[by] if by else None
    keys = ["t", "churned", "entered"]
    counted = (ten.group_by([gcol.name("_g"), *keys]) if by else ten.group_by(keys)).aggregate(w=ten.count())  # type: ignore[union-attr]  # checked non-empty above
    counts = counted.execute()
    if not by:
        counts["_g"] = "all"
    counts["_g"] = counts["_g"].astype(object).where(counts["_g"].notna(), "\x00")
    per_customer = ten.order_by("customer_id").execute()  # the same rows in the same order every run
    per_customer["_g"] = (per_customer[by].astype(object).where(per_customer[by].notna(), "\x00")
                          if by else "all")
    d = (1 + annual_discount) ** (period_days / YEAR_DAYS) - 1
    arpp, cac = _revenue_per_period(store, by, end, period_days)
    rows: list[dict[str, Any]] = []
    fits: dict[str, models.Fit] = {}
    per_customer["residual_value"] = np.nan
    for g, part in counts.groupby("_g", sort=True):  # one fit per group: a handful of groups
        row: dict[str, Any] = {"_g": g, "customers": int(part["w"].sum()),
                               "churned": int(part.loc[part["churned"], "w"].sum())}
        try:
            fit = models.fit_sbg(part["t"], part["churned"], part["w"], part["entered"])
        except ValueError as e:
            rows.append({**row, "note": str(e)})
            continue
        fits[str(g)] = fit
        a, b = fit["alpha"], fit["beta"]
        m = arpp.get(g, np.nan)
        life = float(models.sbg_discounted_lifetime(a, b, d))
        mine = per_customer["_g"] == g
        alive = mine & ~per_customer["churned"]
        n = per_customer.loc[alive, "t"].to_numpy("float64")
        per_customer.loc[alive, "residual_value"] = m * (models.sbg_discounted_lifetime(a, b + n, d) - 1)
        per_customer.loc[mine & per_customer["churned"], "residual_value"] = 0.0
        res = per_customer.loc[alive, "residual_value"]
        row.update(alpha=a, beta=b, retention_next=float(models.sbg_retention(a, b, 1)) * 100,
                   discounted_lifetime=life, revenue_per_period=m, new_customer_value=m * life, cac=cac,
                   value=m * life - (cac or 0.0), residual_value_mean=float(res.mean()) if len(res) else None,
                   residual_value_total=float(res.sum()), n=row["customers"], note=_note(fit))
        rows.append(row)
    groups = pd.DataFrame(rows)
    if by:
        groups[by] = groups["_g"].where(groups["_g"] != "\x00", None)  # type: ignore[call-overload]  # pandas/scipy stubs too narrow (where(..., None), minimize(callable))
    groups = groups.drop(columns=["_g"])
    groups["period_days"] = period_days
    groups["as_of"] = end.isoformat()
    cust = per_customer.drop(columns=["_g"])
    cohorts = _cohorts(per_customer, fits)
    return Prediction(as_records(groups, "clv_predicted_sbg", currency(store), by, SBG_EXTRA), cust, fits, cohorts)


def _note(fit: models.Fit) -> str | None:
    if fit.converged:
        return None
    if fit["alpha"] + fit["beta"] > 1e5:
        return ("retention does not rise with tenure: every customer has the same churn probability "
                "alpha / (alpha + beta) per period (a geometric lifetime)")
    return "the fit did not converge cleanly (too few churns?)"


def _revenue_per_period(store: Store, by: str | None, end: dt.datetime, period_days: float
                        ) -> tuple[dict[Any, float], float | None]:
    """Revenue per customer-period per group over the trailing year, and the blended CAC."""
    start = end - dt.timedelta(days=YEAR_DAYS)
    e = customer_exposure(store, start, end)
    key = e[by].name("_g") if by else None
    agg = {"years": e.years.sum(), "revenue": e.revenue.sum()}
    r = (e.group_by(key).aggregate(**agg) if by else e.aggregate(**agg)).execute()
    if not by:
        r["_g"] = "all"
    r["_g"] = r["_g"].astype(object).where(r["_g"].notna(), "\x00")
    per = {g: (rev / (y * YEAR_DAYS / period_days) if y > 0 else np.nan)
           for g, y, rev in zip(r["_g"], r["years"], r["revenue"], strict=True)}
    spend = spend_in(store, start, end)
    acq = int(e.acquired.cast("int64").sum().execute() or 0)
    return per, (spend / acq if spend is not None and acq > 0 else None)


def _cohorts(per_customer: pd.DataFrame, fits: dict[str, models.Fit]) -> pd.DataFrame:
    """Observed vs fitted survival per acquisition cohort (customers seen from acquisition)."""
    c = per_customer[per_customer["entered"] == 0]
    rows = []
    for (g, cohort), part in c.groupby(["_g", "cohort"], sort=True):
        if str(g) not in fits:
            continue
        censored = part.loc[~part["churned"], "t"]
        horizon = int(censored.min()) if len(censored) else int(part["t"].max())
        n = len(part)
        k = np.arange(horizon + 1)
        lost = np.searchsorted(np.sort(part.loc[part["churned"], "t"].to_numpy()), k, side="right")
        f = fits[str(g)]
        fitted = models.sbg_survival(f["alpha"], f["beta"], k) * 100
        rows.append(pd.DataFrame({"group": None if g == "\x00" else g, "cohort": cohort, "period": k,
                                  "customers": n, "observed_survival": 100 * (1 - lost / n),
                                  "fitted_survival": fitted}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["group", "cohort", "period", "customers", "observed_survival", "fitted_survival"])
