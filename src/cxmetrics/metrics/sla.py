"""Support-floor metrics (issue 14): SLA breaches, next-reply and agent work time, touches,
handoffs, reassignments and changed CSAT ratings.

``sla_attainment`` itself stays with the support metrics (metrics/support.py); it and
``sla_breaches`` aggregate the SLA events of facts/sla.py.
"""

from __future__ import annotations

import ibis

from cxmetrics.metrics.kinds import COUNT, DURATION, MEAN, RATE
from cxmetrics.metrics.registry import Metric, Reference
from cxmetrics.metrics.support import DBT_ZENDESK, REPLY_NOTE, RESOLVED_NOTE, TICKETS, ZENDESK

ZENDESK_TOUCH = Reference("Zendesk Explore, Support: tickets metrics",
                          "one-touch and two-touch tickets: solved with one or two agent replies")
ZENDESK_CSAT = Reference("Zendesk satisfaction ratings", "a customer may change a rating; the latest one counts")


def _resolved(t):
    return t.is_resolved & t.resolved_at.notnull()


METRICS: tuple[Metric, ...] = (
    Metric(
        id="sla_breaches", label="SLA breaches", kind=COUNT, unit="count", direction="lower",
        description="SLA events whose target was breached, counted at the breach instant.",
        fact="sla", time="breach_at", formula="count(SLA events breached) by breach_at",
        requires=(*TICKETS, "tickets.channel"), where=lambda t: t.breached & t.breach_at.notnull(),
        edge_cases=("A breach is counted once it has happened: a stopped event past its target, or a running "
                    "one whose breach instant is before the latest instant in the store.",
                    "The events are those of sla_attainment (the [[sla.policies]], else the [sla] targets "
                    "for first reply and resolution); --by sla_metric and --by sla_policy split them."),
        references=(DBT_ZENDESK,),
    ),
    Metric(
        id="next_reply_time", label="Next reply time", kind=DURATION, unit="seconds", direction="lower",
        description="Every wait for an agent after the first reply: from the customer message that starts a "
                    "wait to the next agent reply.",
        fact="reply_waits", time="reply_at", formula="reply_at - wait_start, per wait after the first reply",
        requires=(*TICKETS, "messages"),
        where=lambda t: ~t.is_first & t.wait_s.notnull(), value=lambda t: t.wait_s,
        edge_cases=("response_time without each ticket's first wait (that one is first_response_time).",
                    "Waits still unanswered are left out (the next_reply SLA counts them).", REPLY_NOTE),
        references=(DBT_ZENDESK,),
    ),
    Metric(
        id="agent_work_time", label="Agent work time", kind=DURATION, unit="seconds", direction="lower",
        description="Time a resolved ticket spent in new and open (the team's turn), for tickets resolved in "
                    "the period.",
        fact="ticket_work", time="resolved_at", formula="sum(time in new + open) from status_changes",
        requires=(*TICKETS, "status_changes"),
        where=lambda t: _resolved(t) & t.agent_work_s.notnull(), value=lambda t: t.agent_work_s,
        edge_cases=("Needs status_changes; the time before the first change is in its from_status, else new.",
                    "Pending (waiting on the customer) and on_hold do not count; a reopen adds its time in open.",
                    RESOLVED_NOTE),
        references=(DBT_ZENDESK, ZENDESK),
    ),
    Metric(
        matures_days=14, id="one_touch_rate", label="One-touch resolution rate", kind=RATE, unit="percent",
        direction="higher",
        description="Resolved tickets with exactly one agent reply / tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="100 * count(replies = 1) / count(resolved)",
        requires=TICKETS, where=_resolved, condition=lambda t: t.replies == 1,
        edge_cases=("Unlike fcr_rate, tickets resolved without a reply are in the denominator and a reopen "
                    "does not disqualify a ticket (Zendesk's definition).", REPLY_NOTE),
        references=(ZENDESK_TOUCH,),
    ),
    Metric(
        matures_days=14, id="two_touch_rate", label="Two-touch resolution rate", kind=RATE, unit="percent",
        direction="neutral",
        description="Resolved tickets with exactly two agent replies / tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="100 * count(replies = 2) / count(resolved)",
        requires=TICKETS, where=_resolved, condition=lambda t: t.replies == 2,
        edge_cases=("Denominator as one_touch_rate: every ticket resolved in the period.", REPLY_NOTE),
        references=(ZENDESK_TOUCH,),
    ),
    Metric(
        id="handoffs", label="Handoffs per ticket", kind=MEAN, unit="handoffs", direction="lower",
        description="Mean number of handoffs (distinct agents replying, minus one) over tickets resolved in "
                    "the period with at least one agent reply.",
        fact="tickets", time="resolved_at", formula="mean(distinct reply agents - 1) over resolved, replied tickets",
        requires=(*TICKETS, "messages.author_id"),
        where=lambda t: _resolved(t) & (t.replies >= 1) & t.reply_agents.notnull(),
        value=lambda t: ibis.greatest(t.reply_agents - 1, 0).cast("float64"),
        edge_cases=("A ticket answered by one agent has 0 handoffs, by three agents 2, whatever the order.",
                    "Tickets without messages count as answered by their assignee alone (0).", REPLY_NOTE),
        references=(ZENDESK,),
    ),
    Metric(
        id="reassignments", label="Reassignments per ticket", kind=MEAN, unit="reassignments", direction="lower",
        description="Mean number of assignee changes from one agent to another, over tickets resolved in the "
                    "period that have assignment history.",
        fact="ticket_work", time="resolved_at",
        formula="mean(count(agent_id changes from one agent to another)) over resolved tickets with history",
        requires=(*TICKETS, "field_changes (field = agent_id)"),
        where=lambda t: _resolved(t) & t.reassignments.notnull(), value=lambda t: t.reassignments.cast("float64"),
        edge_cases=("Needs field_changes rows with field = agent_id; tickets without them are left out "
                    "(no value at all without assignment history).",
                    "The first assignment and an unassignment are not reassignments; a missing from_value is "
                    "the previous change's to_value."),
        references=(ZENDESK,),
    ),
    Metric(
        id="csat_change", label="Changed CSAT ratings", kind=RATE, unit="percent", direction="neutral",
        domain="feedback",
        description="Tickets rated more than once whose latest CSAT answer is on the other side of satisfied "
                    "(top-two-box) than their first / tickets rated more than once.",
        fact="ratings", time="rated_at", formula="100 * count(first satisfied != latest satisfied) / count(rated twice or more)",
        requires=("survey_responses.ticket_id", "survey_responses.score"),
        condition=lambda t: t.first_satisfied != t.latest_satisfied,
        edge_cases=("Attributed to the latest rating; answers without a ticket or a score are left out.",
                    "csat counts every answer; this compares a ticket's first and latest answers only."),
        references=(ZENDESK_CSAT,),
    ),
    Metric(
        id="csat_change", variant="improved", base="csat_change", label="CSAT ratings improved", kind=RATE,
        unit="percent", direction="higher", domain="feedback",
        description="Tickets rated more than once whose first CSAT answer was not satisfied and latest is / "
                    "tickets rated more than once.",
        fact="ratings", time="rated_at", formula="100 * count(first unsatisfied and latest satisfied) / count(rated twice or more)",
        requires=("survey_responses.ticket_id", "survey_responses.score"),
        condition=lambda t: ~t.first_satisfied & t.latest_satisfied,
        edge_cases=("Attributed to the latest rating.",),
        references=(ZENDESK_CSAT,),
    ),
    Metric(
        id="csat_change", variant="worsened", base="csat_change", label="CSAT ratings worsened", kind=RATE,
        unit="percent", direction="lower", domain="feedback",
        description="Tickets rated more than once whose first CSAT answer was satisfied and latest is not / "
                    "tickets rated more than once.",
        fact="ratings", time="rated_at", formula="100 * count(first satisfied and latest unsatisfied) / count(rated twice or more)",
        requires=("survey_responses.ticket_id", "survey_responses.score"),
        condition=lambda t: t.first_satisfied & ~t.latest_satisfied,
        edge_cases=("Attributed to the latest rating.",),
        references=(ZENDESK_CSAT,),
    ),
)
