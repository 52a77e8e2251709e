"""Issue effort (SPEC 4.6; seed 001: time until the customer found a solution).

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

from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.facts.tickets import seconds

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine
    from cxmetrics.store import Store

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


def issues_for(engine: Engine) -> ir.Table:
    """The ``issues`` fact table (engine.FACT_BUILDERS): calendar time, the configured window."""
    return issue_facts(engine.fact_table("tickets", "calendar"), engine.source("calls"),
                       engine.config.fcr_repeat_window_days)


def issues(store: Store, *, window_days: int | None = None) -> pd.DataFrame:
    """Every issue as a DataFrame (for inspection and tests)."""
    eng = store.engine(stored=False)
    days = eng.config.fcr_repeat_window_days if window_days is None else window_days
    t = issue_facts(eng.fact_table("tickets", "calendar"), eng.source("calls"), days)
    return t.order_by(["customer_id", "category", "first_contact_at"]).execute()


def _records(store: Store, metric_id: str, **kw: Any) -> pd.DataFrame:
    """Records of one effort metric (SPEC 5.1 columns), whether or not the registry lists it yet."""
    from cxmetrics.engine.core import BASE_COLUMNS, VALUE_COLUMNS, Query
    from cxmetrics.engine.records import records_frame
    from cxmetrics.metrics.effort import METRICS
    from cxmetrics.periods.dates import parse_date

    m = next(x for x in METRICS if x.id == metric_id)
    eng = store.engine()
    by = tuple(kw.pop("by", ()) or ())
    q = Query(grain=kw.pop("grain", "month"), by=by, from_=parse_date(kw.pop("from_", None)), to=parse_date(kw.pop("to", None)),
              tz=kw.pop("tz", None), stat=kw.pop("stat", "median"),
              where=tuple((kw.pop("where", None) or {}).items()))
    if kw:
        raise TypeError(f"unexpected options: {', '.join(kw)}")
    q.validate()
    out = records_frame(eng.result(m, q))
    cols = BASE_COLUMNS + list(by) + VALUE_COLUMNS
    return out.reindex(columns=cols)


def contacts_per_issue(store: Store, **kw: Any) -> pd.DataFrame:
    """Mean contacts per issue, by the period of the issue's first contact (``grain``, ``by``,
    ``from_``, ``to``, ``tz``, ``where`` as in ``store.metrics``)."""
    return _records(store, "contacts_per_issue", **kw)


def issue_resolution_time(store: Store, **kw: Any) -> pd.DataFrame:
    """First contact -> resolution of resolved issues, in seconds (mean, median, p90; ``stat`` picks value)."""
    return _records(store, "issue_resolution_time", **kw)

