"""Per-ticket work facts for the support-floor metrics (issue 14): agent work time,
reassignments, next-reply waits and CSAT ratings that changed.

* ``ticket_work`` (per --hours): the ticket facts plus ``agent_work_s`` (time in new and
  open, dbt_zendesk's agent work time) and ``reassignments`` (assignee changes from one
  agent to another, from ``field_changes``; null without assignment history);
* ``reply_waits`` (per --hours): the ``waits`` facts with ``is_first`` (the wait before the
  ticket's first reply), so next-reply time is every later wait;
* ``ratings``: one row per ticket and CSAT survey it was rated on more than once, with the
  first and the latest rating's top-two-box verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.facts.tickets import TICKET_DIMS, seconds

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine as Engine

AGENT_WORK_STATES = ("new", "open")


def agent_work_seconds(spans: ir.Table, measure: str, business: object | None) -> ir.Table:
    """Seconds per ticket in new and open, over closed spans (an open-ended span never
    counts towards a resolved ticket)."""
    s = spans.filter(spans.status.isin(AGENT_WORK_STATES) & spans.span_end.notnull())
    if business is not None:
        s = business.add(s, ["span_start", "span_end"])  # type: ignore[attr-defined]
        secs = s.span_end__b - s.span_start__b
    else:
        secs = seconds(s.span_start, s.span_end)
    s = s.mutate(_s=secs)
    return s.group_by("ticket_id").aggregate(agent_work_s=s._s.sum())


def reassignment_counts(field_changes: ir.Table) -> ir.Table:
    """Per ticket with assignment history: changes from one assignee to another (a first
    assignment and an unassignment are not reassignments)."""
    f = field_changes.filter(field_changes.field == "agent_id")
    w = ibis.window(group_by=f.ticket_id, order_by=[f.changed_at, f.to_value])
    f = f.mutate(_prev=f.from_value.fill_null(f.to_value.lag().over(w)))
    moved = f._prev.notnull() & f.to_value.notnull() & (f._prev != f.to_value)
    return f.group_by("ticket_id").aggregate(reassignments=moved.cast("int64").sum())


def ticket_work_for(engine: Engine, hours: str) -> ir.Table:
    t = engine.facts(hours).tickets
    # The stored closed spans, not the status changes windowed again (~1.3 s at 1M tickets): agent
    # work counts closed spans only, and is null for a ticket without status changes, so the
    # timeline's extra spans (open-ended last spans, tickets without changes) never count.
    spans = engine.status_spans()
    biz = engine.business_clock() if hours == "business" else None
    work = agent_work_seconds(spans, hours, biz)
    t = t.left_join(work, "ticket_id").drop("ticket_id_right")
    t = t.mutate(agent_work_s=ibis.ifelse(t.has_status_changes, t.agent_work_s.fill_null(0.0), ibis.null("float64")))
    re = reassignment_counts(engine.source("field_changes"))
    t = t.left_join(re, "ticket_id").drop("ticket_id_right")
    return t


def reply_waits_for(engine: Engine, hours: str) -> ir.Table:
    f = engine.facts(hours)
    first = f.tickets.select(_tid="ticket_id", _first="first_reply_at")
    w = f.waits.left_join(first, f.waits.ticket_id == first._tid).drop("_tid")
    return w.mutate(is_first=(w.reply_at <= w._first).fill_null(True)).drop("_first")


def ratings_for(engine: Engine) -> ir.Table:
    """Tickets rated at least twice on one CSAT survey: the first and the latest answer."""
    r = engine.fact_table("responses", "calendar")
    r = r.filter((r.survey_type == "csat") & r.answered & r.ticket_id.notnull())
    keys = [r.ticket_id, r.survey]
    w_first = ibis.window(group_by=keys, order_by=[r.responded_at, r.response_id])
    w_last = ibis.window(group_by=keys, order_by=[r.responded_at.desc(), r.response_id.desc()])
    r = r.mutate(_a=ibis.row_number().over(w_first), _z=ibis.row_number().over(w_last))
    g = r.group_by(["ticket_id", "survey"]).aggregate(
        ratings=r.count(),
        first_rated_at=r.responded_at.min(),
        rated_at=r.responded_at.max(),
        first_score=r.score.arbitrary(where=r._a == 0),
        latest_score=r.score.arbitrary(where=r._z == 0),
        first_satisfied=r.top2.arbitrary(where=r._a == 0),
        latest_satisfied=r.top2.arbitrary(where=r._z == 0),
    )
    g = g.filter(g.ratings >= 2)
    dims = engine.source("tickets").select("ticket_id", *TICKET_DIMS)
    return g.left_join(dims, "ticket_id").drop("ticket_id_right")
