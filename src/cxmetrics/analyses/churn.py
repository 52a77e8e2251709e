"""Feedback meets churn (seed 002: does good service keep customers?): churn and retention
per feedback group, and why customers left.

Both read the customer facts (:mod:`cxmetrics.facts.customers`) through the engine of a
store (or an engine given directly).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd

from cxmetrics.engine.core import Query
from cxmetrics.engine.records import make_result, records_frame
from cxmetrics.errors import QueryError
from cxmetrics.metrics.registry import get
from cxmetrics.metrics.stats import wilson
from cxmetrics.periods.dates import parse_date

#: Survey names read as exit surveys by :func:`churn_reasons` (case-insensitive).
EXIT_SURVEYS = ("exit", "exit_survey", "cancellation", "churn")


def churn_by_feedback(store: Any, *, survey: str = "nps", grain: str = "total", by: tuple[str, ...] = (),
                      from_: dt.date | str | None = None, to: dt.date | str | None = None,
                      tz: str | None = None) -> pd.DataFrame:
    """Churn and retention rate per feedback group (seed 002: does good service keep customers?).

    ``survey="nps"``: promoter / passive / detractor of each customer's latest NPS answer
    before the period; ``"csat"``: satisfied (top two boxes) / not_satisfied, the groups of
    CLV by feedback. Customers who never answered form the group ``no answer``. Records as
    ``store.metrics``, with a ``feedback_group`` or ``csat_group`` column."""
    if survey not in ("nps", "csat"):
        raise QueryError(f"survey must be nps or csat, not {survey!r}")
    engine = store.engine() if hasattr(store, "engine") else store
    dim = "feedback_group" if survey == "nps" else "csat_group"
    Query(grain=grain, by=tuple(by), from_=parse_date(from_), to=parse_date(to), tz=tz).validate()
    q = Query(grain=grain, by=(dim, *by), from_=parse_date(from_), to=parse_date(to), tz=tz)
    frames = []
    for key in ("churn_rate", "retention_rate"):
        m = get(key)
        raw = m.builder(engine, q).execute()  # type: ignore[misc]
        frames.append(records_frame(make_result(m, q, raw, engine.periods(q), engine.coverage(m))))
    return pd.concat(frames, ignore_index=True)


def churn_reasons(store: Any, *, from_: dt.date | str | None = None, to: dt.date | str | None = None,
                  tz: str | None = None, exit_surveys: tuple[str, ...] = EXIT_SURVEYS,
                  window_days: int = 30) -> pd.DataFrame:
    """Why customers left: counts and shares of reasons among customers churned in the range.

    The reason is ``customers.churn_reason``; where it is empty, the comment of the
    customer's latest exit-survey answer (a survey named in ``exit_surveys``, answered
    within ``window_days`` of the churn), trimmed and lower-cased; else ``unknown``.
    Shares are of all churned customers in the range (they sum to 100), with Wilson
    intervals; ``from_exit_survey`` counts reasons taken from a comment and
    ``exit_comments`` the customers of the reason who left an exit-survey comment."""
    engine = store.engine() if hasattr(store, "engine") else store
    q = Query(grain="total", from_=parse_date(from_), to=parse_date(to), tz=tz)
    q.validate()
    p = engine.periods(q)
    lo, hi = p["p_start"].iloc[0].to_pydatetime(), p["p_end"].iloc[-1].to_pydatetime()
    c = engine.fact_table("customers", "calendar")
    c = c.filter(c.churned_at.notnull() & (c.churned_at >= ibis.literal(lo, "timestamp"))
                 & (c.churned_at < ibis.literal(hi, "timestamp")))
    r = engine.source("survey_responses")
    names = [s.lower() for s in exit_surveys]
    r = r.filter(r.survey.lower().isin(names) & r.customer_id.notnull() & r.comment.notnull())
    r = r.filter(r.comment.strip() != "")
    r = r.select(r_customer=r.customer_id, r_at=r.responded_at, r_id=r.response_id,
                 r_comment=r.comment.strip().lower())
    window = ibis.interval(days=window_days)
    j = c.inner_join(r, [c.customer_id == r.r_customer, r.r_at >= c.churned_at - window,
                         r.r_at < c.churned_at + window])
    w = ibis.window(group_by=j.customer_id, order_by=[ibis.desc(j.r_at), ibis.desc(j.r_id)])
    j = j.mutate(_rn=ibis.row_number().over(w))
    latest = j.filter(j._rn == 0).select(x_customer=j.customer_id, x_comment=j.r_comment)
    t = c.left_join(latest, c.customer_id == latest.x_customer)
    reason = t.churn_reason.strip()
    reason = ibis.ifelse(reason == "", ibis.null("string"), reason)
    t = t.mutate(reason=reason.fill_null(t.x_comment).fill_null("unknown"),
                 from_comment=reason.isnull() & t.x_comment.notnull(), commented=t.x_comment.notnull())
    agg = t.group_by("reason").aggregate(customers=t.count(), from_exit_survey=t.from_comment.cast("int64").sum(),
                                         exit_comments=t.commented.cast("int64").sum()).execute()
    agg = agg.sort_values(["customers", "reason"], ascending=[False, True], kind="stable").reset_index(drop=True)
    total = float(agg["customers"].sum())
    n = agg["customers"].to_numpy("float64")
    agg["share"] = 100.0 * n / total if total else n * float("nan")
    lo_ci, hi_ci = wilson(n, n * 0 + total)
    agg["ci_low"], agg["ci_high"] = lo_ci, hi_ci
    for col in ("customers", "from_exit_survey", "exit_comments"):
        agg[col] = agg[col].astype("int64")
    return agg[["reason", "customers", "share", "ci_low", "ci_high", "from_exit_survey", "exit_comments"]]
