"""SLA events: per ticket and SLA metric, the target, the breach instant, met / breached / running.

The reference is fivetran's ``dbt_zendesk`` (models/sla_policy/): an SLA event starts
(``applied_at``) when its clock starts, runs while the ticket is in a status that counts
for it, and stops at the instant that fulfils it:

===================  ===============================  ==================================  ===================
sla_metric           starts                           stops (the earliest of)             counts statuses
===================  ===============================  ==================================  ===================
``first_reply``      ticket created                   first agent reply; a resolution     new/open/pending/on_hold
``next_reply``       a customer message that follows  the next agent reply; the next       new/open/pending/on_hold
                     an agent reply                   resolution after it
``periodic_update``  every agent reply                the next agent reply; the next       new/open/pending/on_hold
                                                      resolution after it
``requester_wait``   ticket created                   its resolution (the latest)         new/open/on_hold
``agent_work``       ticket created                   its resolution (the latest)         new/open
``resolution``       ticket created                   its resolution (the latest)         new/open/pending/on_hold
===================  ===============================  ==================================  ===================

A policy's ``pause`` statuses are taken out of every clock. A reopened ticket's
resolution, requester-wait and agent-work clocks resume where they stopped (the time
between the solve and the reopen is in ``solved``, which never counts). A clock counts
calendar seconds or the seconds inside ``[business_hours]`` (``hours`` of the policy).

The policy of an event is the first ``[[sla.policies]]`` whose ``where`` matches the
ticket as it was at ``applied_at`` (``field_changes`` holds the history of priority,
assignee, team...; dbt_zendesk's ``priority_applied``), so a ticket escalated after its
first reply has its next replies measured against the escalated policy. A policy
without a target for the metric measures nothing for it.

Per event: ``elapsed_s`` (clock seconds until the stop, or until the data's last instant
while running), ``breach_at`` (the instant the clock reaches the target: past for a
breached event, maybe future for a running one, null for a met one or while paused
open-ended), and ``sla_status``: ``met`` (stopped within the target), ``breached`` (stopped
after it, or still running past it) or ``running`` (not stopped, target not yet reached).

Everything is set operations: the status history becomes spans, each event is joined to
its ticket's spans (equi-join on the ticket, then an overlap filter), cumulative sums in
a window find the span where the target is reached, and a business-hours breach instant
is found by merging those instants into the calendar of business days in one ordered
window (no range join).

Without ``[[sla.policies]]`` the events are the original targets of ``[sla]``
(first reply and resolution per channel, priority overriding), measured exactly as the
original ``sla_attainment`` measured them (in ``--hours``; a ticket resolved without a
reply has no first-reply event), so its numbers are unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.errors import ConfigError
from cxmetrics.facts.schedules import (
    EVENT_KEY,
    POLICY_COLUMNS,
    fields_at,
    schedule_case,
    schedule_clock,
    ticket_schedules,
    where_cols,
)
from cxmetrics.facts.tickets import TICKET_DIMS, Stage, classified_messages, no_stage
from cxmetrics.model.schema import RESOLVED_STATUSES
from cxmetrics.periods.business import BusinessClock, epoch, schedules_frame
from cxmetrics.periods.clock import LocalClock
from cxmetrics.settings import DEFAULT_SCHEDULE, SLA_METRICS, Config, SlaPolicy

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine as Engine

UNRESOLVED = ("new", "open", "pending", "on_hold")
#: statuses in which each SLA metric's clock runs (before a policy's pauses)
COUNTED: dict[str, tuple[str, ...]] = {
    "first_reply": UNRESOLVED, "next_reply": UNRESOLVED, "periodic_update": UNRESOLVED,
    "requester_wait": ("new", "open", "on_hold"), "agent_work": ("new", "open"), "resolution": UNRESOLVED,
}
SLA_STATUSES = ("met", "breached", "running")
COLUMNS = ("ticket_id", "created_at", *TICKET_DIMS, "sla_policy", "sla_metric", "hours", "seq", "applied_at",
           "target_s", "stop_at", "stopped_by", "elapsed_s", "breach_at", "sla_status", "met", "breached", "running",
           "decided", "headline")


def sla_for(engine: Engine, hours: str) -> ir.Table:
    """The SLA events of the store (engine.HOURLY_FACT_BUILDERS): from ``[[sla.policies]]``, else
    from the original ``[sla]`` targets measured in ``hours``."""
    policies = engine.config.sla.policies
    as_of = engine.bounds()[1] or dt.datetime(1970, 1, 1)
    if not policies:
        return legacy_events(engine, hours, as_of)
    return policy_events(
        # only the ticket facts' settings-independent columns are read
        tickets=engine.facts("calendar").tickets, messages=engine.source("messages"),
        status_changes=engine.source("status_changes"),
        field_changes=engine.source("field_changes"), config=engine.config, as_of=as_of,
        bounds=engine.bounds(), stage=engine.stage,
    )


# -- the original targets ([sla] without policies) --------------------------------------------------
def legacy_events(engine: Engine, hours: str, as_of: dt.datetime) -> ir.Table:
    """First-reply and resolution events of the ``[sla]`` targets, with the population and
    condition of the original ``sla_attainment`` (so its values do not change)."""
    c = engine.config
    t = engine.facts(hours).tickets
    business = hours == "business"
    parts = []
    for metric, by_channel, by_priority, target, elapsed, done in (
        ("first_reply", c.sla_first_reply, c.sla_priority_first_reply, t.frt_target_s, t.frt_s, t.first_reply_at),
        ("resolution", c.sla_resolution, c.sla_priority_resolution, t.res_target_s, t.resolution_s, t.resolved_at),
    ):
        overdue = ~t.is_resolved & (t.open_age_s > target)
        if metric == "first_reply":
            decided = elapsed.notnull() | (t.first_reply_at.isnull() & overdue)
            waiting = t.first_reply_at.isnull() & ~t.is_resolved & ~overdue
        else:
            decided = elapsed.notnull() | overdue
            waiting = ~t.is_resolved & ~overdue
        met = elapsed.notnull() & (elapsed <= target)
        status = ibis.cases((decided & met, "met"), (decided, "breached"), (waiting, "running"), else_=ibis.null("string"))
        start_b = t.created_at__b if business else epoch(t.created_at)
        e = t.filter(target.notnull()).mutate(
            sla_policy=_legacy_name(t, by_channel, by_priority), sla_metric=ibis.literal(metric),
            hours=ibis.literal(hours), seq=ibis.literal(0, "int64"), applied_at=t.created_at,
            target_s=target.cast("float64"), stop_at=done, stopped_by=ibis.ifelse(
                done.notnull(), ibis.literal("reply" if metric == "first_reply" else "resolution"), ibis.null("string")),
            elapsed_s=ibis.ifelse(elapsed.notnull(), elapsed, t.open_age_s).cast("float64"),
            _x=(start_b + target).cast("float64"), sla_status=status,
        )
        parts.append(e.filter(e.sla_status.notnull()))
    ev = parts[0].union(parts[1])
    if business:
        targets = [v for d in (c.sla_first_reply, c.sla_resolution, c.sla_priority_first_reply,
                               c.sla_priority_resolution) for v in d.values()]
        ev = ev.mutate(_sched=ibis.literal(DEFAULT_SCHEDULE, "string"))
        if c.schedules:  # the schedule the ticket facts counted in (its schedule as created)
            a = ticket_schedules(engine.source("tickets"), engine.source("field_changes"), c)
            a = a.select(_at="ticket_id", _as="schedule")
            ev = ev.left_join(a, ev.ticket_id == a._at)
            ev = ev.mutate(_sched=ev._as.fill_null(DEFAULT_SCHEDULE)).drop("_at", "_as")
        ev = _with_breach(ev, sla_calendar(c, engine.bounds(), targets), "_x")
    else:
        ev = ev.mutate(_breach=_from_epoch(ev._x))
    return _finish(ev, legacy=True)


def _legacy_name(t: ir.Table, by_channel: dict[str, float], by_priority: dict[str, float]) -> ir.Value:
    """The name of the [sla] target that applies: ``priority=P``, ``channel=C`` or ``default``."""
    default = ibis.literal("default" if "default" in by_channel else None, "string")
    named = [(t.channel == k, f"channel={k}") for k in by_channel if k != "default"]
    out = ibis.cases(*named, else_=default) if named else default
    if by_priority:
        out = ibis.cases(*[(t.priority == k, f"priority={k}") for k in by_priority], else_=out)
    return out


# -- policies --------------------------------------------------------------------------------------
def status_timeline(status_changes: ir.Table, tickets: ir.Table) -> ir.Table:
    """Every ticket's statuses as spans ``[span_start, span_end)``, the last one open-ended (null end).

    Before its first change a ticket is in that change's ``from_status``, else ``new``.
    A ticket without status changes is ``open`` from creation to its resolution
    (``tickets.solved_at``) and ``solved`` after it."""
    s = status_changes
    w = ibis.window(group_by=s.ticket_id, order_by=[s.changed_at, s.to_status])
    s = s.mutate(_next=s.changed_at.lead().over(w), _rn=ibis.row_number().over(w))
    spans = s.select("ticket_id", status=s.to_status, span_start=s.changed_at, span_end=s._next)
    first = s.filter(s._rn == 0)
    tt = tickets.select("ticket_id", "created_at")
    j = first.join(tt, "ticket_id")
    initial = j.select("ticket_id", status=j.from_status.fill_null("new"), span_start=j.created_at,
                       span_end=j.changed_at.cast("timestamp"))
    initial = initial.filter(initial.span_end > initial.span_start)
    nos = tickets.filter(~tickets.has_status_changes)
    done = nos.is_resolved & nos.resolved_at.notnull()
    before = nos.select("ticket_id", status=ibis.literal("open"), span_start=nos.created_at,
                        span_end=ibis.ifelse(done, nos.resolved_at, ibis.null("timestamp")))
    solved = nos.filter(done)
    after = solved.select("ticket_id", status=ibis.literal("solved"), span_start=solved.resolved_at,
                          span_end=ibis.null("timestamp"))
    parts = [x.cast({"span_start": "timestamp", "span_end": "timestamp"}) for x in (spans, initial, before, after)]
    return ibis.union(*parts)


def reply_instants(cm: ir.Table, tickets: ir.Table) -> ir.Table:
    """Agent replies (ticket_id, seq, at): from messages, else the ticket's own first_reply_at (seq 1)."""
    r = cm.filter(cm.is_reply).select("ticket_id", seq=cm._rn.cast("int64") + 1, at=cm.created_at)
    nm = tickets.filter(~tickets.has_messages & tickets.first_reply_at.notnull())
    nr = nm.select("ticket_id", seq=ibis.literal(1, "int64"), at=nm.first_reply_at)
    return r.cast({"at": "timestamp"}).union(nr.cast({"at": "timestamp"}))


def resolution_instants(status_changes: ir.Table, tickets: ir.Table) -> ir.Table:
    """Resolution events (ticket_id, at): changes to solved/closed, else tickets.solved_at."""
    s = status_changes.filter(status_changes.to_status.isin(RESOLVED_STATUSES))
    nos = tickets.filter(~tickets.has_status_changes & tickets.first_resolved_at.notnull())
    return ibis.union(s.select("ticket_id", at=s.changed_at.cast("timestamp")),
                      nos.select("ticket_id", at=nos.first_resolved_at.cast("timestamp")))


def wait_starts(cm: ir.Table) -> ir.Table:
    """Customer messages that follow an agent reply (ticket_id, seq, at): next-reply clocks start there."""
    r = cm.filter(cm.is_customer | cm.is_reply)
    w = ibis.window(group_by=r.ticket_id, order_by=[r.created_at, r.message_id])
    r = r.mutate(_prev=r.is_customer.lag().over(w))
    s = r.filter(r.is_customer & r._prev.notnull() & ~r._prev)
    return s.select("ticket_id", seq=s._rn.cast("int64") + 1, at=s.created_at.cast("timestamp"))


def _next_after(ev: ir.Table, inst: ir.Table, name: str, *, by_seq: bool) -> ir.Table:
    """``ev`` with ``name`` = the first instant of ``inst`` after each event's start: by message
    order when ``by_seq`` (a later message), else in time (at or after the start: a ticket solved
    with the reply that started a periodic-update clock stops it at once)."""
    i = inst.select(_tid="ticket_id", _at="at", **({"_seq": "seq"} if by_seq else {}))
    cond = [ev.ticket_id == i._tid, (i._seq > ev.seq) if by_seq else (i._at >= ev.applied_at)]
    j = ev.left_join(i, cond)
    keys = [c for c in ev.columns]
    return j.group_by(keys).aggregate(**{name: j._at.min()})


def sla_events(tickets: ir.Table, cm: ir.Table, status_changes: ir.Table) -> ir.Table:
    """Every candidate SLA event (before policies): ticket_id, sla_metric, seq, applied_at, stop_at, stopped_by."""
    t = tickets
    res = resolution_instants(status_changes, t)
    replies = reply_instants(cm, t)
    # first reply: the earlier of the first reply and the first resolution
    first = t.select("ticket_id", sla_metric=ibis.literal("first_reply"), seq=ibis.literal(0, "int64"),
                     applied_at=t.created_at, _reply=t.first_reply_at, _solve=t.first_resolved_at)
    # next reply / periodic update: the next reply (by message order) or the next resolution (in time)
    nxt = wait_starts(cm).select("ticket_id", sla_metric=ibis.literal("next_reply"), seq="seq", applied_at="at")
    per = replies.select("ticket_id", sla_metric=ibis.literal("periodic_update"), seq="seq", applied_at="at")
    moving = nxt.union(per)
    moving = _next_after(moving, replies, "_reply", by_seq=True)
    moving = _next_after(moving, res, "_solve", by_seq=False)
    # whole-ticket clocks: to the latest resolution while resolved
    done = ibis.ifelse(t.is_resolved, t.resolved_at, ibis.null("timestamp"))
    whole = [t.select("ticket_id", sla_metric=ibis.literal(m), seq=ibis.literal(0, "int64"), applied_at=t.created_at,
                      _reply=ibis.null("timestamp"), _solve=done)
             for m in ("requester_wait", "agent_work", "resolution")]
    ts = {"applied_at": "timestamp", "_reply": "timestamp", "_solve": "timestamp"}
    ev = ibis.union(*[x.select(*first.columns).cast(ts) for x in (first, moving, *whole)])
    reply_first = ev._reply.notnull() & (ev._solve.isnull() | (ev._reply <= ev._solve))
    stop = ibis.ifelse(reply_first, ev._reply, ev._solve)
    by = ibis.cases((reply_first, "reply"), (ev._solve.notnull(), "resolution"), else_=ibis.null("string"))
    return ev.select("ticket_id", "sla_metric", "seq", "applied_at", stop_at=stop, stopped_by=by)


def _policy_index(ev: ir.Table, policies: tuple[SlaPolicy, ...]) -> ir.Value:
    cases = []
    for i, p in enumerate(policies):
        cond: ir.BooleanValue = ibis.literal(True)
        for dim, values in p.where.items():
            cond = cond & ev[f"_f_{POLICY_COLUMNS.get(dim, dim)}"].isin(values).fill_null(False)
        cases.append((cond, i))
    return ibis.cases(*cases, else_=ibis.null("int64"))


def _by_policy(p: ir.Value, values: list[object], type_: str) -> ir.Value:
    pairs = [(p == i, ibis.literal(v, type_)) for i, v in enumerate(values) if v is not None]
    return ibis.cases(*pairs, else_=ibis.null(type_)) if pairs else ibis.null(type_)


def policy_events(*, tickets: ir.Table, messages: ir.Table, status_changes: ir.Table, field_changes: ir.Table,
                  config: Config, as_of: dt.datetime,
                  bounds: tuple[dt.datetime | None, dt.datetime | None], stage: Stage = no_stage) -> ir.Table:
    """SLA events of ``config.sla.policies`` (see the module doc). ``stage``: the engine's
    (:meth:`Engine.stage`): the steps whose result is read more than once are materialised, or
    Spark, which inlines every reference, plans a query of thousands of SELECTs (seconds each)."""
    policies = config.sla.policies
    cm = stage("sla_messages", classified_messages(messages))
    ev = stage("sla_candidates", sla_events(tickets, cm, status_changes))
    dims = sorted({d for p in policies for d in p.where} | {"priority"} | set(where_cols(config)))
    ev = fields_at(ev, tickets, field_changes, dims)
    pi = _policy_index(ev, policies)
    ev = ev.mutate(_p=pi)
    # the schedule of business-hours events: the policy's, else the ticket's at the clock's start
    named = [(ev._p == i, ibis.literal(p.schedule, "string")) for i, p in enumerate(policies) if p.schedule]
    ev = ev.mutate(_sched=ibis.cases(*named, else_=schedule_case(ev, config)) if named else schedule_case(ev, config))
    target = ibis.cases(*[((ev._p == i) & (ev.sla_metric == m), ibis.literal(t, "float64"))
                          for i, p in enumerate(policies) for m, t in p.targets().items()],
                        else_=ibis.null("float64"))
    ev = ev.mutate(target_s=target, sla_policy=_by_policy(ev._p, [p.name for p in policies], "string"),
                   hours=_by_policy(ev._p, [p.hours for p in policies], "string"),
                   _applied_priority=ev._f_priority)
    ev = ev.filter(ev.target_s.notnull())
    ev = stage("sla_applied", ev.select(*EVENT_KEY, "applied_at", "stop_at", "stopped_by", "target_s", "sla_policy",
                                        "hours", "_p", "_applied_priority", "_sched"))

    # -- the clock: spans of counted statuses between the start and the stop ---------------------
    spans = stage("sla_spans", status_timeline(status_changes, tickets))
    sp = spans.select(_tid="ticket_id", _status="status", _s="span_start", _e="span_end")
    j = ev.join(sp, [ev.ticket_id == sp._tid, sp._e.isnull() | (sp._e > ev.applied_at),
                     ev.stop_at.isnull() | (sp._s < ev.stop_at)])
    counted = ibis.cases(*[(j.sla_metric == m, j._status.isin(states)) for m, states in COUNTED.items()],
                         else_=False)
    paused = ibis.cases(*[(j._p == i, j._status.isin(p.pause)) for i, p in enumerate(policies) if p.pause],
                        else_=False) if any(p.pause for p in policies) else ibis.literal(False)
    j = j.filter(counted & ~paused)
    a_of = ibis.literal(as_of, "timestamp")
    cs = ibis.greatest(j._s, j.applied_at)
    ce = ibis.cases((j._e.isnull(), j.stop_at), (j.stop_at.isnull(), j._e), else_=ibis.least(j._e, j.stop_at))
    j = j.mutate(_cs=cs, _ce=ce, _cn=ibis.ifelse(ce.isnull() | (ce > a_of), a_of, ce))
    business = any(p.hours == "business" for p in policies)
    frame = sla_calendar(config, bounds, [t for p in policies if p.hours == "business" for t in p.targets().values()])
    bc = _business_clock(config, frame) if business else None
    if bc is not None:
        j = bc.add(j, ["_cs", "_ce", "_cn"], key="_sched")
        is_b = j.hours == "business"
        m_cs = ibis.ifelse(is_b, j._cs__b, epoch(j._cs))
        m_ce = ibis.ifelse(is_b, j._ce__b, epoch(j._ce))
        m_cn = ibis.ifelse(is_b, j._cn__b, epoch(j._cn))
    else:
        m_cs, m_ce, m_cn = epoch(j._cs), epoch(j._ce), epoch(j._cn)
    j = j.mutate(_m_cs=m_cs, _run=m_ce - m_cs, _now=ibis.greatest(m_cn - m_cs, 0.0))
    w = ibis.window(group_by=[j.ticket_id, j.sla_metric, j.seq], order_by=[j._cs])
    j = j.mutate(_cum=j._run.cumsum(group_by=[j.ticket_id, j.sla_metric, j.seq], order_by=[j._cs]))
    j = j.mutate(_before=j._cum.lag().over(w).fill_null(0.0))
    crosses = (j._before < j.target_s) & (j._run.isnull() | (j._before + j._run >= j.target_s))
    j = j.mutate(_x=ibis.ifelse(crosses, j._m_cs + (j.target_s - j._before), ibis.null("float64")))
    agg = j.group_by(list(EVENT_KEY)).aggregate(
        _total=j._run.sum(), _open=j._run.isnull().any(), _elapsed=j._now.sum(), _x=j._x.min())
    ev = ev.left_join(agg, list(EVENT_KEY))
    ev = ev.drop(*[c for c in ev.columns if c.endswith("_right")])
    stopped = ev.stop_at.notnull()
    ev = stage("sla_elapsed", ev.mutate(elapsed_s=ibis.ifelse(stopped, ev._total.fill_null(0.0),
                                                               ev._elapsed.fill_null(0.0))))
    if bc is not None:
        biz = ev.filter(ev.hours == "business")
        cal = ev.filter(ev.hours != "business").mutate(_breach=_from_epoch(ev._x))
        biz = _with_breach(biz, frame, "_x")
        ev = cal.union(biz.select(*cal.columns))
    else:
        ev = ev.mutate(_breach=_from_epoch(ev._x))
    stopped = ev.stop_at.notnull()
    status = ibis.cases(
        (stopped & (ev.elapsed_s <= ev.target_s), "met"),
        (stopped, "breached"),
        (ev._breach.notnull() & (ev._breach <= a_of), "breached"),
        else_="running",
    )
    ev = ev.mutate(sla_status=status)
    # the ticket's dimensions (current), with the priority that applied to the event
    dims_t = tickets.select("ticket_id", "created_at", *[d for d in TICKET_DIMS if d != "priority"])
    ev = ev.join(dims_t, "ticket_id").mutate(priority=ev._applied_priority)
    return _finish(ev, legacy=False)


def _finish(ev: ir.Table, *, legacy: bool) -> ir.Table:
    """The SLA fact columns (:data:`COLUMNS`), breach instants only where not met. ``headline``:
    the event counts in the headline ``sla_attainment`` (every event of the policies; of the
    original targets, first replies only, as before)."""
    breach = ibis.ifelse(ev.sla_status == "met", ibis.null("timestamp"), ev._breach)
    return ev.mutate(breach_at=breach).select(
        "ticket_id", "created_at", *TICKET_DIMS, "sla_policy", "sla_metric", "hours", "seq", "applied_at",
        target_s=ev.target_s.cast("float64"), stop_at=ev.stop_at.cast("timestamp"), stopped_by=ev.stopped_by,
        elapsed_s=ev.elapsed_s.cast("float64"), breach_at="breach_at", sla_status="sla_status",
        met=ev.sla_status == "met", breached=ev.sla_status == "breached", running=ev.sla_status == "running",
        decided=ev.sla_status != "running",
        headline=(ev.sla_metric == "first_reply") if legacy else ibis.literal(True),
    )


def _from_epoch(x: ir.NumericValue) -> ir.TimestampValue:
    """Whole epoch seconds -> naive UTC timestamp (null stays null)."""
    return x.round().cast("int64").as_timestamp("s")


# -- business time ---------------------------------------------------------------------------------
def sla_calendar(config: Config, bounds: tuple[dt.datetime | None, dt.datetime | None],
                 targets: list[float]) -> pd.DataFrame:
    """The business-day calendars of SLA clocks (schedules_frame: every schedule): from two days
    before the data, as the engine's business clock starts (so their counters agree), to far
    enough after it for the longest target to run out in the schedule with the fewest hours."""
    weekly = {}
    for name, bh in config.schedule_hours().items():
        weekly[name] = sum(((dt.datetime.combine(dt.date.min, w[1]) - dt.datetime.combine(dt.date.min, w[0]))
                            .total_seconds() for w in (bh.week[i] for i in range(7)) if w is not None), 0.0)
        if weekly[name] <= 0 and targets:
            where = "[business_hours]" if name == DEFAULT_SCHEDULE else f"schedule {name!r}"
            raise ConfigError(f"{where} has no working window, so business-hours SLA targets are never reached")
    lo, hi = bounds
    first = (lo or dt.datetime(2000, 1, 1)).date() - dt.timedelta(days=2)
    longest = max(targets, default=0.0)
    fewest = min(weekly.values())
    days = min(math.ceil(longest / max(fewest, 1.0) * 7 * 1.5) + 30, 3660)  # 1.5: room for holidays
    last = (hi or dt.datetime(2000, 1, 1)).date() + dt.timedelta(days=days)
    return schedules_frame(config.schedule_hours(), first, last)


def _business_clock(config: Config, frame: pd.DataFrame) -> BusinessClock:
    from cxmetrics.periods.clock import clock_for

    first, last = frame["d"].min(), frame["d"].max()

    def clock(tz: str) -> LocalClock:
        return clock_for(tz, dt.datetime.combine(first, dt.time()), dt.datetime.combine(last, dt.time()))

    return schedule_clock(config, first, last, clock, frame=frame)


def _with_breach(ev: ir.Table, frame: pd.DataFrame, col: str) -> ir.Table:
    """``ev`` with ``_breach`` = B⁻¹(``col``): the instant at which the business-seconds counter
    reaches ``col`` (the close of a day when it is reached exactly at it).

    The business days (strictly increasing ``cum``) and the events' counter values are
    merged in one ordered window; each event takes the last day starting at or before its
    value (running maxima of the monotone ``cum`` and ``open_e``)."""
    days = frame[frame["len_s"] > 0].reset_index(drop=True)
    if days.empty:
        return ev.mutate(_breach=ibis.null("timestamp"))
    days = days.assign(_total=days["cum"] + days["len_s"])
    days["_total"] = days.groupby("schedule")["_total"].transform("max")
    d = ibis.memtable(days[["schedule", "cum", "open_e", "_total"]].astype({"cum": "float64", "open_e": "float64",
                                                                             "_total": "float64"}))
    keys = ev.select(*EVENT_KEY, _s=ev._sched, _k=ev[col]).filter(ev[col].notnull())
    q = keys.mutate(_o=ibis.literal(0, "int64"), _cum=ibis.null("float64"), _open=ibis.null("float64"),
                    _t=ibis.null("float64"))
    dd = d.select(ticket_id=ibis.null("string"), sla_metric=ibis.null("string"), seq=ibis.null("int64"),
                  _s=d.schedule, _k=d.cum, _o=ibis.literal(1, "int64"), _cum=d.cum, _open=d.open_e, _t=d._total)
    u = q.union(dd)
    # per schedule: its days and its events in counter order (each counter is the schedule's own)
    w = ibis.window(group_by=u._s, order_by=[u._k, u._o], preceding=None, following=0)
    wt = ibis.window(group_by=u._s)
    u = u.mutate(_c=u._cum.max().over(w), _oe=u._open.max().over(w), _tt=u._t.max().over(wt))
    r = u.filter(u._o == 0)
    r = r.select(*EVENT_KEY, _breach=ibis.ifelse(r._c.notnull() & (r._k <= r._tt),
                                                 _from_epoch(r._oe + (r._k - r._c)), ibis.null("timestamp")))
    out = ev.left_join(r, list(EVENT_KEY))
    return out.drop(*[c for c in out.columns if c.endswith("_right")])


__all__ = ["COLUMNS", "COUNTED", "SLA_METRICS", "SLA_STATUSES", "legacy_events", "policy_events", "sla_events",
           "sla_for", "status_timeline"]
