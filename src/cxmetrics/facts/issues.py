"""Issue facts (SPEC 4.6; seed 001: time until the customer found a solution).

One *issue* is the same customer's contacts about one subject: tickets (by
``category``) and calls (by ``topic``, the same vocabulary) of one customer in
one category, chained in time: a contact opened within ``window_days`` (default
7, the repeat-contact window of ``fcr.repeat_window_days``) after the previous
contact of that customer and category joins its issue, whatever the channel;
a longer gap starts a new issue. Chaining runs start to start, so an issue can
last longer than the window when contacts keep coming.

An issue is resolved when none of its tickets is still unresolved and its last
contact was resolved (a solved ticket, or a call marked resolved); it was
resolved at the latest resolution among its contacts (a ticket's resolved_at, a
resolved call's end). Contacts without a customer or a category cannot be
linked to an issue and are left out. Abandoned calls are contacts too (the
customer tried). Everything is window functions and group-bys (runs on any
Ibis engine); the issue is attributed to its first contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.facts.tickets import seconds

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine

ISSUE_COLUMNS = ("issue_id", "customer_id", "category", "channel", "first_contact_at", "last_contact_at",
                 "resolved_at", "contacts", "tickets", "calls", "channels", "is_resolved", "resolution_s")


def contacts(tickets: ir.Table, calls: ir.Table) -> ir.Table:
    """Tickets (from the ticket facts: is_resolved, resolved_at) and calls as one contact table."""
    t = tickets.filter(tickets.customer_id.notnull() & tickets.category.notnull())
    t = t.select(contact_id=t.ticket_id, kind=ibis.literal("ticket"), customer_id=t.customer_id,
                 category=t.category, channel=t.channel, at=t.created_at.cast("timestamp"),
                 resolved=t.is_resolved.fill_null(False), resolved_at=t.resolved_at.cast("timestamp"))
    c = calls.filter(calls.customer_id.notnull() & calls.topic.notnull())
    ok = c.resolved.fill_null(False)
    c = c.select(contact_id=c.call_id, kind=ibis.literal("call"), customer_id=c.customer_id, category=c.topic,
                 channel=ibis.literal("phone"), at=c.offered_at.cast("timestamp"), resolved=ok,
                 resolved_at=ibis.ifelse(ok, ibis.coalesce(c.ended_at, c.answered_at, c.offered_at),
                                         ibis.null("timestamp")).cast("timestamp"))
    return t.union(c)


def issue_facts(tickets: ir.Table, calls: ir.Table, window_days: int) -> ir.Table:
    """One row per issue (see the module docstring) with its contacts, channels and resolution."""
    c = contacts(tickets, calls)
    order = ["at", "kind", "contact_id"]
    part = ["customer_id", "category"]
    c = c.mutate(_prev=c.at.lag().over(ibis.window(group_by=part, order_by=order)))
    new = c._prev.isnull() | (c.at > c._prev + ibis.interval(days=window_days))
    c = c.mutate(_new=new.cast("int64"))
    c = c.mutate(_issue=c._new.cumsum(group_by=part, order_by=order))
    key = [*part, "_issue"]
    c = c.mutate(_first=ibis.row_number().over(ibis.window(group_by=key, order_by=order)),
                 _last=ibis.row_number().over(ibis.window(group_by=key, order_by=[ibis.desc(x) for x in order])))
    g = c.group_by(["customer_id", "category", "_issue"]).aggregate(
        first_contact_at=c.at.min(),
        last_contact_at=c.at.max(),
        channel=c.channel.arbitrary(where=c._first == 0),
        first_id=c.contact_id.arbitrary(where=c._first == 0),
        last_resolved=c.resolved.arbitrary(where=c._last == 0),
        open_tickets=((c.kind == "ticket") & ~c.resolved).cast("int64").sum(),
        resolved_at=c.resolved_at.max(),
        contacts=c.count(),
        tickets=(c.kind == "ticket").cast("int64").sum(),
        calls=(c.kind == "call").cast("int64").sum(),
        channels=c.channel.nunique(),
    )
    done = (g.open_tickets == 0) & g.last_resolved.fill_null(False) & g.resolved_at.notnull()
    g = g.mutate(is_resolved=done)
    return g.select(
        issue_id=g.customer_id.concat("|", g.category, "|", g.first_id),
        customer_id=g.customer_id, category=g.category, channel=g.channel,
        first_contact_at=g.first_contact_at, last_contact_at=g.last_contact_at,
        resolved_at=ibis.ifelse(done, g.resolved_at, ibis.null("timestamp")),
        contacts=g.contacts, tickets=g.tickets, calls=g.calls, channels=g.channels, is_resolved=done,
        resolution_s=ibis.ifelse(done, seconds(g.first_contact_at, g.resolved_at), ibis.null("float64")),
    )


def issues_for(engine: FactEngine) -> ir.Table:
    """The ``issues`` fact table (engine.core.FACT_BUILDERS): calendar time, the configured window."""
    return issue_facts(engine.fact_table("tickets", "calendar"), engine.source("calls"),
                       engine.config.fcr_repeat_window_days)
