"""CLV by feedback group (seed 002: follow the CLV of customers who gave feedback).

Each customer belongs to the group of their latest answered survey of one type:
promoter / passive / detractor for NPS, satisfied / not_satisfied (top-two-box)
for any other type; customers who never answered form ``no answer``, the baseline.
Per group: mean and median predicted CLV (BG/NBD + Gamma-Gamma, per customer with
orders) and historic CLV (the customer's annual revenue x the group's expected
relationship years - CAC, so a group that churns less is worth more years).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxmetrics.analyses.clv.data import YEAR_DAYS, ClvError, as_of
from cxmetrics.analyses.clv.historic import customer_historic
from cxmetrics.analyses.clv.predictive import DEFAULT_ANNUAL_DISCOUNT, predict_bgnbd

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxmetrics.store import Store

NO_ANSWER = "no answer"  # as in customer_facts (the feedback dimensions of the customer metrics)
NPS_GROUPS = ("promoter", "passive", "detractor")
SAT_GROUPS = ("satisfied", "not_satisfied")
COLUMNS = ["feedback_group", "customers", "with_orders", "predicted_clv_mean", "predicted_clv_median",
           "historic_clv_mean", "historic_clv_median", "relationship_years", "annual_churn_rate"]


def latest_answers(store: Store, survey_type: str = "nps", end: dt.datetime | None = None) -> ir.Table:
    """customer_id, feedback_group of each customer's latest answered response of ``survey_type``."""
    from cxmetrics.engine.core import Engine

    # the survey facts only: no need to derive (or refresh) the ticket facts
    r = Engine(store.ibis, store.config, cache=False).feedback_facts()["responses"]
    r = r.filter((r.survey_type == survey_type) & r.answered & r.customer_id.notnull())
    if end is not None:
        r = r.filter(r.responded_at <= ibis.literal(end, "timestamp"))
    w = ibis.window(group_by=r.customer_id, order_by=[r.responded_at.desc(), r.response_id.desc()])
    r = r.mutate(_rn=ibis.row_number().over(w))
    r = r.filter(r._rn == 0)
    if survey_type == "nps":
        grp = ibis.cases((r.promoter, "promoter"), (r.detractor, "detractor"), else_="passive")
    else:
        grp = ibis.ifelse(r.top2, "satisfied", "not_satisfied")
    return r.select("customer_id", "score", "responded_at", feedback_group=grp)


def clv_by_feedback(store: Store, *, survey_type: str = "nps", end: dt.datetime | None = None,
                    months: int = 12, annual_discount: float = DEFAULT_ANNUAL_DISCOUNT,
                    window_days: float = YEAR_DAYS) -> pd.DataFrame:
    """One row per feedback group (in a fixed order), with mean/median predicted and historic CLV."""
    if store.count("customers") == 0:
        raise ClvError("CLV by feedback group needs the customers table; it is empty")
    end = end or as_of(store)
    answers = latest_answers(store, survey_type, end).execute()
    if answers.empty:
        raise ClvError(f"no answered {survey_type!r} survey responses with a customer; nothing to group by")
    ids = store.table("customers").select("customer_id").execute()["customer_id"]
    group = pd.Series(NO_ANSWER, index=pd.Index(ids, name="customer_id"), dtype=object)
    group.update(answers.set_index("customer_id")["feedback_group"])
    hist = customer_historic(store, end=end, window_days=window_days, group=group)
    pred = predict_bgnbd(store, end=end, months=months, annual_discount=annual_discount).customers
    df = pd.DataFrame({"customer_id": group.index, "feedback_group": group.to_numpy()})
    df = df.merge(pred[["customer_id", "predicted_clv"]], on="customer_id", how="left")
    df = df.merge(hist[["customer_id", "historic_clv", "relationship_years", "churned", "years"]],
                  on="customer_id", how="left")
    order = [*(NPS_GROUPS if survey_type == "nps" else SAT_GROUPS), NO_ANSWER]
    rows = []
    for name in order:
        part = df[df["feedback_group"] == name]
        years = part["years"].sum()
        churned = part["churned"].fillna(False).astype(bool).sum()
        rows.append({
            "feedback_group": name, "customers": len(part),
            "with_orders": int(part["predicted_clv"].notna().sum()),
            "predicted_clv_mean": _stat(part["predicted_clv"], "mean"),
            "predicted_clv_median": _stat(part["predicted_clv"], "median"),
            "historic_clv_mean": _stat(part["historic_clv"], "mean"),
            "historic_clv_median": _stat(part["historic_clv"], "median"),
            "relationship_years": float(years / churned) if churned else None,
            "annual_churn_rate": float(100 * churned / years) if years > 0 else None,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _stat(s: pd.Series, how: str) -> float | None:
    v = s.dropna()
    if v.empty:
        return None
    return float(np.mean(v) if how == "mean" else np.median(v))
