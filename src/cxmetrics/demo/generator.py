"""Runs the demo's parts in order and shapes them into canonical tables.

Why Arrow in the middle: ids for millions of rows ("M000000123") and typed,
nullable columns are built column-at-a-time with pyarrow compute; the same
tables feed pandas (``generate``) and fast CSV files (the benchmark script).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.demo import customers as cu
from cxmetrics.demo.clock import TEAMS, Calendar, Staff, Timeline, make_staff, timeline
from cxmetrics.demo.conversation import AUTHORS, STATUSES, Simulation
from cxmetrics.demo.facts import cut
from cxmetrics.demo.feedback import SURVEYS, experience, surveys
from cxmetrics.demo.tickets import (
    BRANDS,
    CALL_QUEUES,
    CANCEL,
    CATEGORIES,
    CHANNELS,
    OUTBOUND,
    PRIORITIES,
    PRODUCTS,
    SYSTEM,
    make_tickets,
)

SUPPORT_TABLES = ("tickets", "messages", "status_changes", "field_changes", "work_sessions")
TABLE_ORDER = (*SUPPORT_TABLES, "calls", "survey_invitations", "survey_responses",
               "customers", "orders", "carts", "marketing_spend")
#: tickets per month at scale 1 (measured; used to turn a ticket count into a scale)
TICKETS_PER_MONTH = 3900
Progress = Callable[[str], None]


def ids(prefix: str, idx: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + 1-based zero-padded number; null where ``idx`` < 0."""
    idx = np.asarray(idx, dtype=np.int64)
    s = pc.utf8_lpad(pc.cast(pa.array(idx + 1), pa.string()), width, "0")
    s = pc.binary_join_element_wise(pa.scalar(prefix), s, "")
    return pc.if_else(pa.array(idx < 0), pa.scalar(None, pa.string()), s)


def width(n: int, minimum: int = 6) -> int:
    return max(minimum, len(str(n)))


def names(values: tuple[str, ...] | np.ndarray, codes: np.ndarray) -> pa.Array:
    codes = np.asarray(codes, dtype=np.int64)
    return pc.take(pa.array(list(values), pa.string()), pa.array(codes, mask=codes < 0))


def stamp(t: np.ndarray) -> pa.Array:
    """Float/int epoch seconds (NaN = null) -> naive UTC timestamp[s]."""
    t = np.asarray(t, dtype=float)
    bad = ~np.isfinite(t)
    return pa.array(np.where(bad, 0, np.floor(t)).astype(np.int64), mask=bad, type=pa.timestamp("s"))


def floats(x: np.ndarray) -> pa.Array:
    x = np.asarray(x, dtype=float)
    return pa.array(x, mask=np.isnan(x))


def generate_tables(seed: int = 42, months: int = 18, end: dt.date | None = None, scale: float = 1.0, *,
                    total_tickets: int | None = None, support_only: bool = False,
                    progress: Progress | None = None) -> dict[str, pa.Table]:
    """All demo tables as Arrow tables (see :func:`cxmetrics.demo.generate`)."""
    say = progress or (lambda _msg: None)
    tl = timeline(months, end)
    if total_tickets is not None:
        scale = total_tickets / (TICKETS_PER_MONTH * months)
    say("calendar and staff")
    cal = Calendar(tl)
    staff = make_staff(cal, seed, scale)
    cust = cu.make_customers(cal, tl, seed, scale)
    say("tickets and calls")
    tk, call = make_tickets(cal, staff, cust, tl, seed, scale, total_tickets)
    say("conversations")
    sim = Simulation(cal, staff, tl, tk, call, seed)
    ev = sim.run_all()
    m, s, w = ev.arrays()
    ev_cut = cut(tk, m, s, w, sim.assignee, tl.end_ts)
    del ev, m, s, w, sim  # the uncut events are the biggest arrays; free them before building tables
    facts = ev_cut["tickets"]
    say("tables")
    n = len(tk["t0"])
    tw = width(n, 7)
    tid = ids("T", np.arange(n), tw)
    agent_ids = pa.array(list(staff.ids), pa.string())
    cust_id = ids("C", np.arange(len(cust)), width(len(cust)))

    def agent_col(a: np.ndarray) -> pa.Array:
        a = np.asarray(a, dtype=np.int64)
        return pc.take(agent_ids, pa.array(a, mask=a < 0))

    def cust_col(c: np.ndarray) -> pa.Array:
        c = np.asarray(c, dtype=np.int64)
        return pc.take(cust_id, pa.array(c, mask=c < 0))

    tcust = np.where(tk["guest"], -1, tk["customer"])
    out: dict[str, pa.Table] = {}
    satisfaction = np.full(n, np.nan)
    if not support_only:
        say("surveys")
        z = experience(tk, facts, staff.skill, seed)
        _churn(cust, tk, facts, z, tl, seed)
        inv, res, satisfaction = surveys(tk, facts, z, staff.skill, cust, tl, seed)
    created_by = np.select([tk["kind"] == OUTBOUND, tk["kind"] == SYSTEM], [1, 2], 0)
    out["tickets"] = pa.table({
        "ticket_id": tid, "created_at": stamp(facts["created_at"]),
        "channel": names(CHANNELS, tk["channel"]), "category": names(CATEGORIES, tk["category"]),
        "priority": names(PRIORITIES, tk["priority"]), "status": names(STATUSES, facts["status"]),
        "customer_id": cust_col(tcust), "agent_id": agent_col(facts["agent"]),
        "team": names(TEAMS, tk["team"]), "brand": names(BRANDS, tk["brand"]),
        "product": names(PRODUCTS, tk["product"]), "language": names(cu.LANGUAGES, tk["language"]),
        "created_by": names(("customer", "agent", "system"), created_by),
        "first_reply_at": stamp(facts["first_reply_at"]), "solved_at": stamp(facts["solved_at"]),
        "reopens": pa.array(facts["reopens"], pa.int64()), "replies": pa.array(facts["replies"], pa.int64()),
        "handle_seconds": floats(facts["handle_seconds"]), "satisfaction": floats(satisfaction),
    })
    m = ev_cut["messages"]
    mt = m["ticket"]
    author_id = np.select([m["author"] == 0, m["author"] == 1], [0, 1], 2)
    aid = pc.if_else(pa.array(author_id == 0), cust_col(tcust[mt]),
                     pc.if_else(pa.array(author_id == 1), agent_col(m["agent"]),
                                pc.if_else(pa.array(m["author"] == 2), pa.scalar("bot"),
                                           pa.scalar(None, pa.string()))))
    out["messages"] = pa.table({
        "message_id": ids("M", np.arange(len(mt)), width(len(mt), 8)), "ticket_id": pc.take(tid, mt),
        "created_at": stamp(m["t"]), "author_type": names(AUTHORS, m["author"]), "author_id": aid,
        "public": pa.array(m["public"]), "channel": names(CHANNELS, tk["channel"][mt]),
    })
    s = ev_cut["status_changes"]
    out["status_changes"] = pa.table({
        "ticket_id": pc.take(tid, s["ticket"]), "changed_at": stamp(s["t"]),
        "to_status": names(STATUSES, s["to"]), "from_status": names(STATUSES, s["from"]),
    })
    out["field_changes"] = _field_changes(tk, facts, staff, seed, tl.end_ts, tid, agent_col)
    w = ev_cut["work_sessions"]
    out["work_sessions"] = pa.table({
        "ticket_id": pc.take(tid, w["ticket"]), "agent_id": agent_col(w["agent"]),
        "started_at": stamp(w["start"]), "ended_at": stamp(w["end"]), "seconds": floats(w["seconds"]),
    })
    if support_only:
        return out
    say("customers, orders, carts")
    c = call
    keep = c["offered_at"] < tl.end_ts
    ans = c["answered"]
    out["calls"] = pa.table({
        "call_id": ids("CL", np.arange(keep.sum()), width(int(keep.sum()))),
        "offered_at": stamp(c["offered_at"][keep]),
        "answered_at": stamp(np.where(ans, c["answered_at"], np.nan)[keep]),
        "ended_at": stamp(np.where(ans, c["ended_at"], c["offered_at"] + c["wait"])[keep]),
        "abandoned": pa.array(~ans[keep]), "wait_seconds": floats(np.round(c["wait"][keep], 1)),
        "talk_seconds": floats(np.where(ans, np.round(c["talk"]), np.nan)[keep]),
        "hold_seconds": floats(np.where(ans, np.round(c["hold"]), np.nan)[keep]),
        "wrap_seconds": floats(np.where(ans, np.round(c["wrap"]), np.nan)[keep]),
        "queue": names(CALL_QUEUES, c["queue"][keep]), "topic": names(CATEGORIES, c["topic"][keep]),
        "agent_id": agent_col(np.where(ans, c["agent"], -1)[keep]), "customer_id": cust_col(c["customer"][keep]),
        "resolved": pa.array(c["resolved"][keep], mask=~ans[keep]),
        "satisfaction": floats(c["satisfaction"][keep]),
    })
    out["survey_invitations"] = pa.table({
        "invitation_id": ids("I", np.arange(len(inv["sent_at"])), width(len(inv["sent_at"]), 7)),
        "survey": pa.array(inv["survey"].astype(str)), "sent_at": stamp(inv["sent_at"]),
        "customer_id": cust_col(np.where(inv["ticket"] >= 0, tcust[np.maximum(inv["ticket"], 0)],
                                         inv["customer"])),
        "ticket_id": pc.take(tid, pa.array(inv["ticket"].astype(np.int64), mask=inv["ticket"] < 0)),
    })
    nr = len(res["responded_at"])
    scale_min = np.array([SURVEYS[v][0] for v in res["survey"]], dtype=float) if nr else np.empty(0)
    scale_max = np.array([SURVEYS[v][1] for v in res["survey"]], dtype=float) if nr else np.empty(0)
    rt = res["ticket"].astype(np.int64)
    out["survey_responses"] = pa.table({
        "response_id": ids("R", np.arange(nr), width(nr, 7)), "survey": pa.array(res["survey"].astype(str)),
        "responded_at": stamp(res["responded_at"]), "score": floats(res["score"].astype(float)),
        "scale_min": pa.array(scale_min), "scale_max": pa.array(scale_max),
        "question": pa.array(res["question"], pa.string()), "comment": pa.array(res["comment"], pa.string()),
        "customer_id": cust_col(np.where(rt >= 0, tcust[np.maximum(rt, 0)], res["customer"].astype(np.int64))),
        "ticket_id": pc.take(tid, pa.array(rt, mask=rt < 0)),
        "agent_id": agent_col(res["agent"].astype(np.int64)),
        "channel": names(CHANNELS, res["channel"].astype(np.int64)),
        "language": names(cu.LANGUAGES, res["language"].astype(np.int64)),
    })
    churned = np.where(cust.churned < tl.end_ts, cust.churned, np.nan)
    out["customers"] = pa.table({
        "customer_id": cust_id, "acquired_at": stamp(cust.acquired), "churned_at": stamp(churned),
        "segment": names(cu.SEGMENTS, cust.segment), "plan": names(cu.PLANS, cust.plan),
        "country": names(cu.COUNTRIES, cust.country), "acquisition_channel": names(cu.ACQ_CHANNELS, cust.channel),
        "churn_reason": names(cu.CHURN_REASONS, np.where(np.isnan(churned), -1, cust.reason)),
    })
    orders = cu.make_orders(cal, cust, tl, seed)
    no = len(orders["ordered_at"])
    oid = ids("O", np.arange(no), width(no, 7))
    out["orders"] = pa.table({
        "order_id": oid, "customer_id": cust_col(orders["customer"]), "ordered_at": stamp(orders["ordered_at"]),
        "amount": pa.array(orders["amount"]), "currency": pa.array(np.full(no, "EUR")),
    })
    carts = cu.make_carts(orders, tl, seed)
    nc = len(carts["created_at"])
    out["carts"] = pa.table({
        "cart_id": ids("K", np.arange(nc), width(nc, 7)), "created_at": stamp(carts["created_at"]),
        "purchased_at": stamp(carts["purchased_at"]),
        "order_id": pc.take(oid, pa.array(carts["order"], mask=carts["order"] < 0)),
        "customer_id": cust_col(carts["customer"]),
    })
    sp = cu.make_spend(cust, tl, seed, scale)
    out["marketing_spend"] = pa.table({
        "period_start": stamp(sp["period_start"]), "period_end": stamp(sp["period_end"]),
        "amount": pa.array(sp["amount"]), "channel": pa.array(sp["channel"].astype(str)),
    })
    return {k: out[k] for k in TABLE_ORDER}


def _churn(cust: cu.Customers, tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], z: np.ndarray,
           tl: Timeline, seed: int) -> None:
    """Feed each customer's last ticket (bad experience, cancellation) into churn."""
    nc = len(cust)
    ok = ~tk["guest"]
    c = tk["customer"][ok]
    t = tk["t0"][ok]
    order = np.lexsort((t, c))
    c, idx = c[order], np.flatnonzero(ok)[order]
    last = np.r_[c[1:] != c[:-1], True] if len(c) else np.empty(0, bool)
    li = idx[last]
    last_t = np.zeros(nc)
    bad = np.zeros(nc, bool)
    cancel = np.zeros(nc, bool)
    done_t = np.where(np.isnan(facts["solved_at"]), facts["created_at"], facts["solved_at"])
    last_t[c[last]] = done_t[li]
    bad[c[last]] = z[li] < -0.2
    cancel[c[last]] = tk["category"][li] == CANCEL
    cu.finish_churn(cust, tl, seed, last_t, bad, cancel)


_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype()}


def to_pandas(tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    return {k: v.to_pandas(types_mapper=_TYPES.get) for k, v in tables.items()}


def _field_changes(tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], staff: Staff, seed: int, end_ts: float,
                   tid: pa.Array, agent_col: Callable[[np.ndarray], pa.Array]) -> pa.Table:
    """Assignment history and priority escalations (demo/changes.py) as the canonical table."""
    from cxmetrics.demo.changes import FIELDS, PRIORITIES, field_changes

    fc = field_changes(tk, facts, staff.team, seed, end_ts)
    is_agent = fc["field"] == 0

    def value(codes: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(is_agent), agent_col(np.where(is_agent, codes, -1)),
                          names(PRIORITIES, np.where(is_agent, -1, codes)))

    return pa.table({
        "ticket_id": pc.take(tid, fc["ticket"]), "changed_at": stamp(fc["t"]),
        "field": names(FIELDS, fc["field"]), "to_value": value(fc["to"]), "from_value": value(fc["frm"]),
    })


__all__ = ["SUPPORT_TABLES", "TABLE_ORDER", "Calendar", "generate_tables", "timeline", "to_pandas"]
