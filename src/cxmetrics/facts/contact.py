"""Call and cart facts (SPEC 4.5), built from the ``calls`` and ``carts`` tables.

Call exports differ in what they record, so the call facts derive what is missing
instead of leaving metrics empty: a call is abandoned when the export says so, else
when it has neither ``answered_at`` nor talk time; its wait is ``wait_seconds``, else
``answered_at - offered_at`` (answered) or ``ended_at - offered_at`` (abandoned).
The metrics over them are in :mod:`cxmetrics.metrics.contact`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.facts.tickets import seconds

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine


def calls_for(engine: FactEngine) -> ir.Table:
    """Call facts: abandoned/answered, wait, handle time, short abandons, service-level hits, CSAT box."""
    c = engine.source("calls")
    # thresholds from the settings (their defaults live in cxmetrics.settings.Config)
    short_s = float(engine.config.call_short_abandon_seconds)
    target_s = float(engine.config.call_service_level_seconds)
    lo, hi = engine.config.call_satisfaction_scale
    talked = c.answered_at.notnull() | (c.talk_seconds.fill_null(0) > 0)
    abandoned = c.abandoned.fill_null(~talked)
    wait = c.wait_seconds.fill_null(ibis.ifelse(abandoned, seconds(c.offered_at, c.ended_at),
                                                seconds(c.offered_at, c.answered_at)))
    parts = [c.talk_seconds, c.hold_seconds, c.wrap_seconds]
    any_part = parts[0].notnull() | parts[1].notnull() | parts[2].notnull()
    handle = ibis.ifelse(any_part, sum((p.fill_null(0.0) for p in parts[1:]), parts[0].fill_null(0.0)),
                         ibis.null("float64"))
    top = float(hi) - 1 if float(hi) - float(lo) + 1 > 3 else float(hi)
    t = c.select("call_id", "offered_at", "answered_at", "queue", "topic", "agent_id", "customer_id",
                 "satisfaction", abandoned=abandoned, answered=~abandoned, wait_s=wait, handle_s=handle,
                 resolved=c.resolved)
    return t.mutate(
        short_abandon=t.abandoned & (t.wait_s < short_s).fill_null(False),
        within_target=t.answered & (t.wait_s <= target_s).fill_null(False),
        sat_top2=t.satisfaction >= top,
    )


def carts_for(engine: FactEngine) -> ir.Table:
    c = engine.source("carts")
    return c.select("cart_id", "created_at", "customer_id", purchased=c.purchased_at.notnull() | c.order_id.notnull())
