"""One customer's timeline across channels (SPEC 4.6; seed 001: all interactions
of a contact in one place), with the points where satisfaction changed.

Events: the customer's acquisition and churn, tickets opened (and solved, for
tickets without a status history), their messages and status changes, calls,
survey answers and orders. A survey answer's score is normalised to 0-1 by its
scale (the survey facts' scale, CES oriented so high = easy), so answers on
different scales compare. Answers of one survey at one instant (several
questions of one submission) count as one answer with their mean. Where an
answer differs from the customer's previous answer by more than ``threshold``
(default 0.25, a quarter of the scale: NPS 9 -> 6, CSAT 5 -> 3), it is marked a
``drop`` or ``rise``, with the last few events before it (back to the previous
answer at most): what happened just before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from cxmetrics.errors import UnknownCustomer
from cxmetrics.periods.durations import human_duration

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables

THRESHOLD = 0.25
CONTEXT = 3
COLUMNS = ["time", "kind", "channel", "ticket_id", "ref_id", "summary", "score", "satisfaction", "change",
           "change_by", "before"]
#: order of kinds at the same instant: what starts a story before what follows from it
KIND_ORDER = {"customer_acquired": 0, "order": 1, "ticket_created": 2, "call": 3, "message": 4,
              "status_change": 5, "ticket_solved": 6, "survey_answer": 7, "customer_churned": 8}


def _s(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def _rows(store: Tables, customer_id: str) -> list[pd.DataFrame]:
    """Every source's events for the customer, each already a small DataFrame."""
    cid = ibis.literal(customer_id, "string")
    out: list[pd.DataFrame] = []
    c = store.table("customers")
    cust = c.filter(c.customer_id == cid).execute()
    for r in cust.itertuples():
        attrs = ", ".join(x for x in (_s(r.segment), _s(r.plan), _s(r.acquisition_channel)) if x)
        out.append(pd.DataFrame([{"at": r.acquired_at, "kind": "customer_acquired",
                                  "summary": "Became a customer" + (f" ({attrs})" if attrs else "")}]))
        if pd.notna(r.churned_at):
            reason = _s(r.churn_reason)
            out.append(pd.DataFrame([{"at": r.churned_at, "kind": "customer_churned",
                                      "summary": "Churned" + (f": {reason}" if reason else "")}]))
    t = store.table("tickets")
    tk = t.filter(t.customer_id == cid).execute()
    if len(tk):
        detail = [", ".join(x for x in (_s(c), f"{_s(p)} priority" if _s(p) else "") if x)
                  for c, p in zip(tk["category"], tk["priority"], strict=True)]
        out.append(pd.DataFrame({"at": tk["created_at"], "kind": "ticket_created", "channel": tk["channel"],
                                 "ticket_id": tk["ticket_id"], "ref_id": tk["ticket_id"],
                                 "summary": [f"Ticket opened ({d})" if d else "Ticket opened" for d in detail]}))
        ids = tk["ticket_id"].tolist()
        chan = dict(zip(tk["ticket_id"], tk["channel"], strict=True))
        m = store.table("messages")
        ms = m.filter(m.ticket_id.isin(ids)).execute()
        if len(ms):
            who = ms["author_type"].str.capitalize() + " message"
            who = who.where(ms["public"].fillna(True).astype(bool), ms["author_type"].str.capitalize() + " internal note")
            by = ms["author_id"].fillna("").map(lambda a: f" by {a}" if a else "")
            who = who + by.where(ms["author_type"] == "agent", "")
            out.append(pd.DataFrame({"at": ms["created_at"], "kind": "message",
                                     "channel": ms["channel"].fillna(ms["ticket_id"].map(chan)),
                                     "ticket_id": ms["ticket_id"], "ref_id": ms["message_id"], "summary": who}))
        s = store.table("status_changes")
        sc = s.filter(s.ticket_id.isin(ids)).execute()
        if len(sc):
            out.append(pd.DataFrame({"at": sc["changed_at"], "kind": "status_change",
                                     "channel": sc["ticket_id"].map(chan), "ticket_id": sc["ticket_id"],
                                     "summary": "Status " + (sc["from_status"] + " -> ").fillna("") + sc["to_status"]}))
        solved = tk[tk["solved_at"].notna() & ~tk["ticket_id"].isin(set(sc["ticket_id"]))]
        if len(solved):
            out.append(pd.DataFrame({"at": solved["solved_at"], "kind": "ticket_solved", "channel": solved["channel"],
                                     "ticket_id": solved["ticket_id"], "ref_id": solved["ticket_id"],
                                     "summary": "Ticket solved"}))
    ca = store.table("calls")
    calls = ca.filter(ca.customer_id == cid).execute()
    if len(calls):
        out.append(pd.DataFrame({"at": calls["offered_at"], "kind": "call", "channel": "phone",
                                 "ref_id": calls["call_id"], "summary": [_call(r) for r in calls.itertuples()]}))
    r = store.engine(cache=False).feedback_facts()["responses"]
    rs = r.filter(r.customer_id == cid).execute()
    if len(rs):
        width = (rs["scale_max"] - rs["scale_min"]).where(lambda w: w > 0)
        out.append(pd.DataFrame({"at": rs["responded_at"], "kind": "survey_answer", "channel": rs["channel"],
                                 "ticket_id": rs["ticket_id"], "ref_id": rs["response_id"],
                                 "summary": [_answer(x) for x in rs.itertuples()], "score": rs["raw_score"],
                                 "satisfaction": (rs["score"] - rs["scale_min"]) / width, "_survey": rs["survey"]}))
    o = store.table("orders")
    od = o.filter(o.customer_id == cid).execute()
    if len(od):
        out.append(pd.DataFrame({"at": od["ordered_at"], "kind": "order", "ref_id": od["order_id"],
                                 "summary": [f"Order {a:,.2f}" + (f" {_s(cur)}" if _s(cur) else "")
                                             for a, cur in zip(od["amount"], od["currency"], strict=True)]}))
    return out


def _call(r: object) -> str:
    g = r.__getattribute__
    what = ", ".join(x for x in (_s(g("topic")), _s(g("queue"))) if x)
    head = "Call" + (f" ({what})" if what else "")
    wait = g("wait_seconds")
    abandoned = bool(g("abandoned")) if pd.notna(g("abandoned")) else pd.isna(g("answered_at"))
    if abandoned:
        return head + ": hung up" + (f" after {human_duration(wait)} waiting" if pd.notna(wait) else " before an answer")
    parts = [f"answered after {human_duration(wait)}" if pd.notna(wait) else "answered"]
    if pd.notna(g("talk_seconds")):
        parts.append(f"talked {human_duration(g('talk_seconds'))}")
    if pd.notna(g("resolved")):
        parts.append("resolved" if g("resolved") else "not resolved")
    if pd.notna(g("satisfaction")):
        parts.append(f"rated {g('satisfaction'):g}")
    return head + ": " + ", ".join(parts)


def _answer(r: object) -> str:
    g = r.__getattribute__
    name = _s(g("survey")).upper() if g("survey_type") in ("nps", "csat", "ces") else _s(g("survey"))
    q = _s(g("question"))
    head = name + (f" ({q})" if q else "")
    raw = g("raw_score")
    score = f"{raw:g}/{g('scale_max'):g}" if pd.notna(raw) and pd.notna(g("scale_max")) else (
        f"{raw:g}" if pd.notna(raw) else "skipped")
    comment = _s(g("comment")).strip()
    return f"{head} {score}" + (f': "{comment}"' if comment else "")


#: Tables whose customer_id a lookup matches, in order.
ID_TABLES = ("customers", "tickets", "calls", "orders", "survey_responses")


def find_customer(store: Tables, customer_id: str) -> str:
    """The stored id of a customer looked up by ``customer_id``: the id itself when some table
    has it, else the one id equal to it ignoring case and surrounding spaces (``c-0042`` finds
    ``C-0042``); unchanged when none or several ids match (the timeline then says unknown)."""
    wanted = str(customer_id).strip()
    lower = ibis.literal(wanted.lower(), "string")
    found: set[str] = set()
    for name in ID_TABLES:
        t = store.table(name)
        if "customer_id" not in t.columns:
            continue
        if int(t.filter(t.customer_id == ibis.literal(wanted, "string")).count().execute()):
            return wanted
        hit = t.filter(t.customer_id.lower() == lower).select("customer_id").distinct().execute()
        found.update(str(x) for x in hit["customer_id"])
    return found.pop() if len(found) == 1 else wanted


def customer_timeline(store: Tables, customer_id: str, tz: str | None = None, *, threshold: float = THRESHOLD,
                      context: int = CONTEXT) -> pd.DataFrame:
    """Every event of one customer in time order (local ``tz``, default the configured zone);
    ``customer_id`` as :func:`find_customer` looks it up."""
    customer_id = find_customer(store, customer_id)
    parts = [p for p in _rows(store, str(customer_id)) if len(p)]
    if not parts:
        raise UnknownCustomer(f"unknown customer {customer_id!r}: not in customers, tickets, calls, surveys or orders")
    df = pd.concat(parts, ignore_index=True)
    for c in ("channel", "ticket_id", "ref_id", "score", "satisfaction", "_survey"):
        if c not in df:
            df[c] = None
    df["_rank"] = df["kind"].map(KIND_ORDER)
    df = df.sort_values(["at", "_rank", "ref_id"], kind="stable", na_position="last").reset_index(drop=True)
    zone = tz or store.config.timezone
    df["time"] = pd.to_datetime(df["at"]).dt.tz_localize("UTC").dt.tz_convert(zone)
    df = _mark_changes(df, threshold, context)
    df = df[COLUMNS].astype(object)
    return df.where(pd.notna(df), None)  # type: ignore[call-overload]  # pandas-stubs: None as ``other``


def _mark_changes(df: pd.DataFrame, threshold: float, context: int) -> pd.DataFrame:
    """``change`` (drop/rise) and ``change_by`` on an answer that moved more than ``threshold``
    from the previous answer; ``before``: the summaries of up to ``context`` events before it."""
    df["change"] = None
    df["change_by"] = None
    df["before"] = None
    ans = df[(df["kind"] == "survey_answer") & df["satisfaction"].notna()]
    if len(ans) < 2:
        return df
    sub = ans.assign(_pos=ans.index).groupby(["at", "_survey"], sort=False, dropna=False).agg(
        satisfaction=("satisfaction", "mean"), pos=("_pos", "max"), first=("_pos", "min")).reset_index()
    sub = sub.sort_values(["at", "pos"], kind="stable").reset_index(drop=True)
    sub["delta"] = sub["satisfaction"].astype(float).diff()
    sub["prev_pos"] = sub["pos"].shift()
    hits = sub[sub["delta"].abs() > threshold + 1e-12]
    # a handful of marks for one customer
    for pos, first, prev_pos, delta in zip(hits["pos"], hits["first"], hits["prev_pos"], hits["delta"],
                                           strict=True):
        lo = int(prev_pos) + 1
        window = df.iloc[lo:int(first)]
        window = window[window["kind"] != "survey_answer"].tail(context)
        df.at[pos, "change"] = "drop" if delta < 0 else "rise"
        df.at[pos, "change_by"] = round(float(delta), 4)
        before = [f"{t:%Y-%m-%d %H:%M} {k}: {s}" for t, k, s in
                  zip(window["time"], window["kind"], window["summary"], strict=True)]
        df.at[pos, "before"] = before  # type: ignore[assignment]  # a list in an object cell; pandas-stubs allow scalars only
    return df
