"""Which business-hours schedule counts a ticket's time (``[[schedules]]``, docs/sla.md).

A schedule applies to the tickets its ``where`` matches (first match wins, else
``[business_hours]``, named ``default``), tested on the ticket as it was when the clock
started, exactly as SLA policies are chosen: ``field_changes`` gives each field's value at
an instant (:func:`fields_at`). So a ticket moved from team EMEA to team US counts its
first-reply and resolution clocks (which start at creation) in EMEA's hours, and a next
reply asked for after the move in US hours. All of it is set operations: a window over the
field history and a CASE over the few schedules, joined to the tickets by key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.periods.business import (
    CALENDAR_SCHEMA,
    SCHEDULES_SCHEMA,
    BusinessClock,
    calendar_table,
    schedules_frame,
)
from cxmetrics.periods.clock import LocalClock
from cxmetrics.settings import DEFAULT_SCHEDULE, Config

#: policy/schedule ``where`` dimension -> tickets column
POLICY_COLUMNS = {"agent": "agent_id"}
#: the event key within the SLA facts
EVENT_KEY = ("ticket_id", "sla_metric", "seq")


def fields_at(ev: ir.Table, tickets: ir.Table, field_changes: ir.Table, dims: list[str]) -> ir.Table:
    """``ev`` with ``_f_<dim>``: each ticket column in ``dims`` as it was at ``applied_at``.

    The value after the latest change at or before the instant; before the first change,
    that change's ``from_value``; without history (or without a from_value), the ticket's
    current value."""
    cols = sorted({POLICY_COLUMNS.get(d, d) for d in dims})
    cur = tickets.select("ticket_id", **{f"_cur_{c}": tickets[c].cast("string") for c in cols})
    ev = ev.left_join(cur, "ticket_id").drop("ticket_id_right")
    fc = field_changes.filter(field_changes.field.isin(cols)) if cols else None
    if fc is None:
        return ev.mutate(**{f"_f_{c}": ev[f"_cur_{c}"] for c in cols})
    # the latest change at or before each event's start
    f = fc.select(_tid="ticket_id", _field="field", _at="changed_at", _to="to_value", _from="from_value")
    k = ev.select(*EVENT_KEY, "applied_at")
    j = k.join(f, [k.ticket_id == f._tid, f._at <= k.applied_at])
    w = ibis.window(group_by=[j.ticket_id, j.sla_metric, j.seq, j._field], order_by=[j._at.desc(), j._to.desc()])
    j = j.mutate(_rn=ibis.row_number().over(w))
    j = j.filter(j._rn == 0)
    prior = j.group_by(list(EVENT_KEY)).aggregate(**{
        f"_p_{c}": j._to.arbitrary(where=j._field == c) for c in cols
    }, **{f"_h_{c}": (j._field == c).any() for c in cols})
    # the value before the first change
    w1 = ibis.window(group_by=[f._tid, f._field], order_by=[f._at, f._to])
    f1 = f.mutate(_rn=ibis.row_number().over(w1))
    f1 = f1.filter(f1._rn == 0)
    initial = f1.group_by("_tid").aggregate(**{f"_i_{c}": f1._from.arbitrary(where=f1._field == c) for c in cols})
    ev = ev.left_join(prior, list(EVENT_KEY))
    ev = ev.drop(*[c for c in ev.columns if c.endswith("_right")])
    ev = ev.left_join(initial, ev.ticket_id == initial._tid).drop("_tid")
    return ev.mutate(**{
        f"_f_{c}": ibis.ifelse(ev[f"_h_{c}"].fill_null(False), ev[f"_p_{c}"],
                               ev[f"_i_{c}"].fill_null(ev[f"_cur_{c}"]))
        for c in cols
    })


def where_cols(config: Config) -> list[str]:
    """The ``where`` dimensions of the schedules."""
    return sorted({d for s in config.schedules for d in s.where})


def schedule_case(ev: ir.Table, config: Config) -> ir.StringValue:
    """The schedule of each row of ``ev`` (which has the ``_f_<column>`` of :func:`fields_at`
    for :func:`where_cols`): the first ``[[schedules]]`` whose ``where`` matches, else ``default``."""
    cases = []
    for s in config.schedules:
        if not s.where:
            continue  # only policies that name it use it
        cond: ir.BooleanValue = ibis.literal(True)
        for dim, values in s.where.items():
            cond = cond & ev[f"_f_{POLICY_COLUMNS.get(dim, dim)}"].isin(values).fill_null(False)
        cases.append((cond, s.name))
    default = ibis.literal(DEFAULT_SCHEDULE, "string")
    return ibis.cases(*cases, else_=default) if cases else default


def ticket_schedules(tickets: ir.Table, field_changes: ir.Table, config: Config) -> ir.Table:
    """``ticket_id``, ``schedule``: each ticket's schedule as it was created (the start of its
    first-reply, resolution and other whole-ticket clocks)."""
    ev = tickets.select("ticket_id", sla_metric=ibis.literal("ticket"), seq=ibis.literal(0, "int64"),
                        applied_at=tickets.created_at.cast("timestamp"))
    ev = fields_at(ev, tickets, field_changes, where_cols(config))
    return ev.select("ticket_id", schedule=schedule_case(ev, config))


def schedule_clock(config: Config, first: dt.date, last: dt.date, clock: Callable[[str], LocalClock],
                   assign: ir.Table | None = None, frame: pd.DataFrame | None = None) -> BusinessClock:
    """The business clock of ``config``: ``[business_hours]`` alone without ``[[schedules]]``,
    else every schedule (``clock(zone)`` gives a zone's local clock; ``frame`` a prebuilt
    :func:`schedules_frame`)."""
    bh = config.business_hours
    if not config.schedules:
        cal = (calendar_table(bh, first, last) if frame is None
               else ibis.memtable(frame.drop(columns="schedule"), schema=CALENDAR_SCHEMA))
        return BusinessClock(cal, clock(bh.timezone or config.timezone))
    hours: Mapping[str, object] = config.schedule_hours()
    f = frame if frame is not None else schedules_frame(config.schedule_hours(), first, last)
    clocks = tuple((name, clock(getattr(h, "timezone", None) or config.timezone)) for name, h in hours.items())
    return BusinessClock(ibis.memtable(f, schema=SCHEDULES_SCHEMA), clocks[0][1], clocks, assign)


__all__ = ["EVENT_KEY", "POLICY_COLUMNS", "fields_at", "schedule_case", "schedule_clock", "ticket_schedules",
           "where_cols"]
