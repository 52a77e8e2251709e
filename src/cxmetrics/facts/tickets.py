"""Ticket facts (SPEC 4.1), derived once per ticket as Ibis expressions.

Every support metric aggregates one of three fact tables built here:

* ``tickets``: one row per ticket with its dimensions, first reply, first and
  latest resolution, reply counts, reopens, handle time and time in states;
* ``waits``: one row per customer wait that an agent reply ended;
* ``backlog_events``: +1 when a ticket is created, -1 when it becomes resolved,
  +1 when it is reopened; the backlog at an instant is their running sum.

Facts come from ``messages`` and ``status_changes`` for the tickets that have
them and from the ticket's own columns otherwise (per ticket, not per store).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.model.schema import RESOLVED_STATUSES
from cxmetrics.periods.business import whole_epoch_seconds

if TYPE_CHECKING:
    from cxmetrics.periods.business import BusinessClock

TICKET_DIMS = (
    "channel", "category", "priority", "team", "agent_id", "brand", "product",
    "language", "customer_id", "status", "created_by",
)
REQUESTER_WAIT_STATES = ("new", "open", "on_hold")
AGENT_WAIT_STATES = ("pending",)
ON_HOLD_STATES = ("on_hold",)


def seconds(a: ir.TimestampValue, b: ir.TimestampValue) -> ir.NumericValue:
    """Calendar seconds from ``a`` to ``b``, each instant floored to the whole second:
    DuckDB's EPOCH() keeps fractions, Spark's unix_timestamp() floors them
    (:func:`~cxmetrics.periods.business.whole_epoch_seconds`)."""
    return (whole_epoch_seconds(b) - whole_epoch_seconds(a)).cast("float64")


@dataclass(frozen=True)
class Sources:
    tickets: ir.Table
    messages: ir.Table
    status_changes: ir.Table
    work_sessions: ir.Table


def classified_messages(m: ir.Table) -> ir.Table:
    """Messages with ``is_reply``: public agent messages, except an outbound ticket's opener;
    and ``_turn``: the number of public agent messages before the message (in the ticket's order
    of messages), which delimits the waits (:func:`waits_from_messages`) without a second sort."""
    order = [m.created_at, m.message_id]
    columns = m.columns
    public = m.public.fill_null(True)
    agent_public = (m.author_type == "agent") & public
    m = m.mutate(public=public, _rn=ibis.row_number().over(ibis.window(group_by=m.ticket_id, order_by=order)),
                 _ap=agent_public, _ap_upto=agent_public.cast("int64").sum().over(
                     ibis.cumulative_window(group_by=m.ticket_id, order_by=order)))
    opener = (m._rn == 0) & m._ap
    return m.select(*columns, "_rn", is_reply=m._ap & ~opener, is_customer=m.author_type == "customer",
                    _turn=m._ap_upto - m._ap.cast("int64"))


def message_facts(cm: ir.Table) -> ir.Table:
    return cm.group_by("ticket_id").aggregate(
        m_count=cm.count(),
        m_first_reply_at=cm.created_at.min(where=cm.is_reply),
        m_replies=cm.is_reply.cast("int64").sum(),
        m_reply_agents=cm.author_id.nunique(where=cm.is_reply),
    )


def waits_from_messages(cm: ir.Table) -> ir.Table:
    """Each run of customer messages after an agent reply (or at the start) is one wait.

    The wait starts at the run's first customer message and ends at the next
    agent reply; bot, system and private messages neither start nor end a wait. Of the
    customer messages and replies, those with the same number of public agent messages before
    them (``_turn``) are one run of customer messages and the reply that ends it (an opener
    adds one to every later message alike; a group without a customer message is no wait).
    """
    r = cm.filter(cm.is_customer | cm.is_reply)
    g = r.group_by(["ticket_id", "_turn"]).aggregate(
        wait_start=r.created_at.min(where=r.is_customer),
        reply_at=r.created_at.min(where=r.is_reply),
    )
    return g.filter(g.wait_start.notnull() & g.reply_at.notnull()).select("ticket_id", "wait_start", "reply_at")


def status_sequence(s: ir.Table) -> ir.Table:
    """Each status change with its place in its ticket's sequence (ordered by time, then status):
    the status before it (``_prev``: its ``from_status`` if given), the next change's time
    (``_next``), its position (``_rn``, from 0) and the number of changes (``_n``). One window
    for what the status facts, spans and backlog events all need: one sort of the changes."""
    w = ibis.window(group_by=s.ticket_id, order_by=[s.changed_at, s.to_status])
    return s.mutate(
        _prev=s.from_status.fill_null(s.to_status.lag().over(w)),
        _next=s.changed_at.lead().over(w),
        _rn=ibis.row_number().over(w),
        _n=s.count().over(w),
    )


def status_facts(s: ir.Table) -> ir.Table:
    """Per ticket (``s``: a :func:`status_sequence`): first resolution, current status (the
    last change's), latest resolution, reopens."""
    is_res = s.to_status.isin(RESOLVED_STATUSES)
    reopen = s._prev.isin(RESOLVED_STATUSES) & ~is_res
    return s.group_by("ticket_id").aggregate(
        s_count=s.count(),
        s_first_resolved_at=s.changed_at.min(where=is_res),
        s_last_resolved_at=s.changed_at.max(where=is_res),
        s_current=s.to_status.arbitrary(where=s._rn == s._n - 1),
        s_reopens=reopen.cast("int64").sum(),
    )


def status_spans(s: ir.Table, t: ir.Table) -> ir.Table:
    """Spans of time in each status (``s``: a :func:`status_sequence`): [change, next change),
    plus [created, first change).

    The span before the first change is in its ``from_status`` if given, else ``new``.
    Open-ended last spans are left out: they never count towards a resolved ticket.
    """
    spans = s.filter(s._next.notnull()).select(
        "ticket_id", status=s.to_status, span_start=s.changed_at, span_end=s._next
    )
    first = s.filter(s._rn == 0)
    tt = t.select("ticket_id", "created_at")
    j = first.join(tt, "ticket_id")
    initial = j.select(
        "ticket_id",
        status=j.from_status.fill_null("new"),
        span_start=j.created_at,
        span_end=j.changed_at,
    )
    return spans.union(initial.filter(initial.span_end > initial.span_start))


def backlog_status_events(s: ir.Table) -> ir.Table:
    """-1 when a ticket enters solved/closed from an unresolved status, +1 when it leaves
    (``s``: a :func:`status_sequence`)."""
    now_res = s.to_status.isin(RESOLVED_STATUSES)
    was_res = s._prev.notnull() & s._prev.isin(RESOLVED_STATUSES)
    delta = ibis.cases((now_res & ~was_res, -1), (~now_res & was_res, 1), else_=0)
    e = s.mutate(delta=delta)
    return e.filter(e.delta != 0).select("ticket_id", instant=e.changed_at, delta=e.delta.cast("int64"))


def handle_facts(ws: ir.Table) -> ir.Table:
    secs = ws.seconds.fill_null(seconds(ws.started_at, ws.ended_at))
    return ws.group_by("ticket_id").aggregate(w_handle=secs.sum(), w_sessions=secs.count())


@dataclass(frozen=True)
class BaseFacts:
    """Facts that depend on the data only (not on settings), so they can be stored."""

    tickets: ir.Table
    waits: ir.Table
    spans: ir.Table
    events: ir.Table


@dataclass(frozen=True)
class Facts:
    """Facts ready for metrics: durations in the chosen hours, dimensions, SLA targets."""

    tickets: ir.Table
    waits: ir.Table
    backlog_events: ir.Table


Stage = Callable[[str, ir.Table], ir.Table]


#: steps :func:`base_facts` stages that are not stored facts (a refresh keeps them in temporary tables)
INTERMEDIATES = ("messages", "statuses")


def no_stage(name: str, t: ir.Table) -> ir.Table:
    """The :data:`Stage` that keeps every step lazy (one query; golden SQL, uncached engines)."""
    return t


def base_facts(src: Sources, stage: Stage = no_stage) -> BaseFacts:
    """Derive the stored facts. ``stage`` may materialise an intermediate table
    (it is given a name and an expression and returns a table to read from)."""
    t = src.tickets
    cm = stage("messages", classified_messages(src.messages))
    mf = message_facts(cm)
    seq = stage("statuses", status_sequence(src.status_changes))
    sf = status_facts(seq)
    hf = handle_facts(src.work_sessions)

    j = t.left_join(mf, "ticket_id").left_join(sf, "ticket_id").left_join(hf, "ticket_id")
    has_m = j.m_count.notnull()
    has_s = j.s_count.notnull()
    fallback_resolved = j.status.isin(RESOLVED_STATUSES) | (j.status.isnull() & j.solved_at.notnull())
    is_resolved = ibis.ifelse(has_s, j.s_current.isin(RESOLVED_STATUSES), fallback_resolved).fill_null(False)
    replies = ibis.ifelse(has_m, j.m_replies, j.replies)
    f = j.select(
        "ticket_id", "created_at", *TICKET_DIMS,
        has_messages=has_m,
        has_status_changes=has_s,
        first_reply_at=ibis.ifelse(has_m, j.m_first_reply_at, j.first_reply_at),
        replies=replies,
        reply_agents=ibis.ifelse(has_m, j.m_reply_agents, ibis.ifelse(replies > 0, 1, 0)),
        reopens=ibis.ifelse(has_s, j.s_reopens, j.reopens.fill_null(0)),
        is_resolved=is_resolved,
        first_resolved_at=ibis.ifelse(has_s, j.s_first_resolved_at, j.solved_at),
        resolved_at=ibis.ifelse(is_resolved, ibis.ifelse(has_s, j.s_last_resolved_at, j.solved_at), ibis.null()),
        handle_seconds=j.w_handle.fill_null(j.handle_seconds),
    )
    # The same customer's next ticket in the same category: a repeat contact when it
    # comes within the (configurable) window, decided at query time.
    w = ibis.window(group_by=[f.customer_id, f.category], order_by=[f.created_at, f.ticket_id])
    nxt = f.created_at.lead().over(w)
    f = f.mutate(next_contact_at=ibis.ifelse(f.customer_id.notnull() & f.category.notnull(), nxt, ibis.null()))

    spans = stage("spans", status_spans(seq, t))
    # Calendar time in states is settings-independent: keep it on the ticket.
    state = state_seconds(spans.mutate(span_s=seconds(spans.span_start, spans.span_end)))
    derived = f
    f = f.left_join(state, "ticket_id").drop("ticket_id_right")
    f = f.mutate(**{
        c: ibis.ifelse(f.has_status_changes, f[c].fill_null(0.0), ibis.null())
        for c in STATE_COLUMNS
    })
    staged = stage("tickets", f)
    # Waits read the staged tickets when there are some (not the whole derivation again); kept lazy,
    # they read the tickets before the state join, which they do not need.
    g = derived if staged is f else staged
    f = staged

    # Waits: from messages where the ticket has them; else created -> first reply
    # for tickets a customer (or system) opened.
    mw = waits_from_messages(cm)
    no_msg = g.filter(~g.has_messages & g.first_reply_at.notnull()
                      & (g.created_by.isnull() | (g.created_by != "agent")))
    waits = mw.union(no_msg.select("ticket_id", wait_start=no_msg.created_at, reply_at=no_msg.first_reply_at))

    # Dimensions travel with waits and backlog events so metrics need no join.
    dims = f.select("ticket_id", *TICKET_DIMS)
    created = f.select("ticket_id", instant=f.created_at, delta=ibis.literal(1, "int64"))
    fb = f.filter(~f.has_status_changes & f.is_resolved & f.resolved_at.notnull())
    fallback = fb.select("ticket_id", instant=fb.resolved_at, delta=ibis.literal(-1, "int64"))
    events = created.union(backlog_status_events(seq)).union(fallback).join(dims, "ticket_id")
    return BaseFacts(tickets=f, waits=stage("waits", waits.join(dims, "ticket_id")), spans=spans,
                     events=stage("events", events))


STATE_COLUMNS = ("requester_wait_s", "agent_wait_s", "on_hold_s")


def state_seconds(spans: ir.Table) -> ir.Table:
    """Seconds per ticket in the requester-wait, agent-wait and on-hold statuses."""
    return spans.group_by("ticket_id").aggregate(
        requester_wait_s=spans.span_s.sum(where=spans.status.isin(REQUESTER_WAIT_STATES)),
        agent_wait_s=spans.span_s.sum(where=spans.status.isin(AGENT_WAIT_STATES)),
        on_hold_s=spans.span_s.sum(where=spans.status.isin(ON_HOLD_STATES)),
    )


def query_facts(base: BaseFacts, *, business: BusinessClock | None = None,
                repeat_window_days: int) -> Facts:
    """Durations (calendar or business seconds) and repeat contacts, as lazy columns."""
    f, waits = base.tickets, base.waits
    if business is not None:
        f = business.add(f, ["created_at", "first_reply_at", "first_resolved_at", "resolved_at"])
        waits = business.add(waits, ["wait_start", "reply_at"])
        spans = business.add(base.spans, ["span_start", "span_end"])
        state = state_seconds(spans.mutate(span_s=spans.span_end__b - spans.span_start__b))
        f = f.drop(*STATE_COLUMNS).left_join(state, "ticket_id").drop("ticket_id_right")
        f = f.mutate(**{
            c: ibis.ifelse(f.has_status_changes, f[c].fill_null(0.0), ibis.null()) for c in STATE_COLUMNS
        })

        def dur(tb: ir.Table, a_: str, b_: str) -> ir.NumericValue:
            return tb[f"{b_}__b"] - tb[f"{a_}__b"]
    else:
        def dur(tb: ir.Table, a_: str, b_: str) -> ir.NumericValue:
            return seconds(tb[a_], tb[b_])

    window = ibis.interval(days=repeat_window_days)
    f = f.mutate(
        frt_s=dur(f, "created_at", "first_reply_at"),
        resolution_s=dur(f, "created_at", "resolved_at"),
        first_resolution_s=dur(f, "created_at", "first_resolved_at"),
        repeat_contact=(f.next_contact_at.notnull() & (f.next_contact_at <= f.created_at + window)).fill_null(False),
    )
    waits = waits.mutate(wait_s=dur(waits, "wait_start", "reply_at"))
    return Facts(tickets=f, waits=waits, backlog_events=base.events)
