"""Support-operations metrics (SPEC 4.2), aggregated from the ticket facts."""

from __future__ import annotations

from cxmetrics.metrics.kinds import COUNT, DURATION, LEVEL, MEAN, RATE, SHARE
from cxmetrics.metrics.registry import Metric, Reference
from cxmetrics.settings import DEFAULTS

SEED003 = Reference("seed 003 (it)", "ticket volume, backlog, resolution rate, response and first response time, FCR, replies per ticket")
SEED004 = Reference("seed 004 (Sparkcentral, fi)", "formulas for response, resolution, FCR and resolution rate; categories; channels")
SEED000 = Reference("seed 000 (eDesk, ja)", "ticket volume, backlog, resolution and response time, FCR, replies per resolution")
SPEC41 = Reference("SPEC 4.1", "ticket facts: agent replies, first reply, resolution events, reopens")
ZENDESK = Reference("Zendesk ticket metrics", "requester wait, agent wait and on-hold time are time spent in those statuses")
DBT_ZENDESK = Reference("fivetran dbt_zendesk, models/sla_policy/",
                        "SLA events: first and next reply, requester wait and agent work time, breach instants, "
                        "business minutes, priority at the time of the event")

TICKETS = ("tickets.ticket_id", "tickets.created_at")
#: Setting defaults quoted in the definitions (the engine reads the configured values).
REPEAT_DAYS = DEFAULTS.fcr.repeat_window_days
FIRST_REPLY = ", ".join(f"{channel} {s / 3600:g} h" for channel, s in DEFAULTS.sla_first_reply.items())
REPLY_NOTE = "Agent reply = public message by an agent; bot, system and internal notes never count; an outbound ticket's opening agent message is not a reply."
RESOLVED_NOTE = "Resolved = current status solved or closed; resolved_at = the latest change to solved/closed (a solved -> closed change counts, per SPEC 4.1)."


def _resolved(t):
    return t.is_resolved & t.resolved_at.notnull()


METRICS: tuple[Metric, ...] = (
    Metric(
        id="ticket_volume", label="Ticket volume", kind=COUNT, unit="count", direction="neutral",
        description="Tickets created in the period.",
        fact="tickets", time="created_at", formula="count(tickets) by created_at",
        requires=TICKETS,
        edge_cases=("Outbound (agent-created) tickets count too; filter with --where created_by=customer.",),
        references=(SEED000, SEED003),
    ),
    Metric(
        id="tickets_resolved", label="Tickets resolved", kind=COUNT, unit="count", direction="higher",
        description="Tickets whose resolved_at falls in the period (currently resolved tickets only).",
        fact="tickets", time="resolved_at", formula="count(tickets where resolved) by resolved_at",
        requires=TICKETS, where=_resolved,
        edge_cases=(RESOLVED_NOTE, "A ticket reopened and not solved again is not resolved."),
        references=(SPEC41,),
    ),
    Metric(
        id="backlog", label="Backlog", kind=LEVEL, unit="count", direction="lower",
        description="Tickets created on or before the period's end and not resolved at that instant.",
        fact="backlog_events", time="instant",
        formula="sum(+1 created, -1 resolved, +1 reopened) over events before the period end",
        requires=TICKETS,
        edge_cases=("Status as of the period end: a ticket solved later is in the backlog; one reopened later is not.",
                    "Without status_changes, a ticket counts as resolved from tickets.solved_at when its status is solved/closed."),
        references=(SEED000, SEED003),
    ),
    Metric(
        matures_days=14, id="resolution_rate", label="Resolution rate", kind=RATE, unit="percent", direction="higher",
        description="Resolved tickets / tickets created, for tickets created in the period, status as of now.",
        fact="tickets", time="created_at", formula="100 * count(resolved) / count(created)",
        requires=TICKETS, condition=lambda t: t.is_resolved,
        edge_cases=("Seed 004 prints resolved / unresolved: that is a ratio (odds), not this rate; "
                    "ratio = rate / (100 - rate).",
                    "Recent periods are lower because their tickets had less time to be resolved."),
        references=(SEED003, SEED004),
    ),
    Metric(
        id="first_response_time", label="First response time", kind=DURATION, unit="seconds", direction="lower",
        description="Time from ticket creation to the first agent reply, over tickets with a first reply.",
        fact="tickets", time="created_at", formula="first_reply_at - created_at",
        requires=TICKETS, where=lambda t: t.frt_s.notnull(), value=lambda t: t.frt_s,
        edge_cases=(REPLY_NOTE, "tickets.first_reply_at is used only for tickets without messages.",
                    "Tickets without a reply are left out (see sla_attainment for unanswered tickets)."),
        references=(SEED003, SEED004, SPEC41),
        benchmark_by_channel=dict(DEFAULTS.sla_first_reply),  # seed 003, also the default sla.first_reply
        options={"benchmark_source": "seed 003: first response within 24 h for e-mail, 1 h for social"},
    ),
    Metric(
        id="response_time", label="Response time", kind=DURATION, unit="seconds", direction="lower",
        description="Every wait for an agent: from the customer message that starts a wait to the next agent reply.",
        fact="waits", time="reply_at", formula="reply_at - wait_start, per wait",
        requires=TICKETS,
        where=lambda t: t.wait_s.notnull(), value=lambda t: t.wait_s,
        edge_cases=("A wait starts at the first customer message after the last agent reply (or the first customer message).",
                    "Waits still unanswered are left out.",
                    "Tickets without messages contribute one wait: created_at -> first_reply_at (not for agent-created tickets)."),
        references=(SEED000, SEED003),
    ),
    Metric(
        id="resolution_time", label="Resolution time", kind=DURATION, unit="seconds", direction="lower",
        description="Time from creation to resolved_at, for tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="resolved_at - created_at",
        requires=TICKETS, where=lambda t: _resolved(t) & t.resolution_s.notnull(), value=lambda t: t.resolution_s,
        edge_cases=(RESOLVED_NOTE,),
        references=(SEED000, SEED004),
    ),
    Metric(
        id="first_resolution_time", label="First resolution time", kind=DURATION, unit="seconds", direction="lower",
        description="Time from creation to the first resolution event, for tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="first resolution event - created_at",
        requires=TICKETS, where=lambda t: _resolved(t) & t.first_resolution_s.notnull(),
        value=lambda t: t.first_resolution_s,
        edge_cases=("Attributed like resolution_time (to resolved_at) so both describe the same tickets.",),
        references=(SPEC41,),
    ),
    Metric(
        id="handle_time", label="Average handle time", kind=DURATION, unit="seconds", direction="lower",
        description="Agent working seconds per resolved ticket, over tickets resolved in the period with handle data.",
        fact="tickets", time="resolved_at", formula="sum(work_sessions seconds) per ticket (else tickets.handle_seconds)",
        requires=(*TICKETS, "work_sessions|tickets.handle_seconds"),
        where=lambda t: _resolved(t) & t.handle_seconds.notnull(), value=lambda t: t.handle_seconds,
        edge_cases=("A work session without seconds uses ended_at - started_at.",
                    "Working time is not affected by --hours business.",
                    "The record's value is the median by default; AHT as usually quoted is the mean (--stat mean)."),
        references=(Reference("seed 002 (Mopinion, zh)", "AHT"), SEED003),
    ),
    Metric(
        matures_days=14, id="fcr_rate", label="First contact resolution", kind=RATE, unit="percent", direction="higher",
        description="Resolved tickets with exactly one agent reply and no reopen / resolved tickets with at least one agent reply.",
        fact="tickets", time="resolved_at", formula="100 * count(replies = 1 and reopens = 0) / count(replies >= 1)",
        requires=TICKETS, where=lambda t: _resolved(t) & (t.replies >= 1),
        condition=lambda t: (t.replies == 1) & (t.reopens == 0),
        edge_cases=("Tickets resolved without any agent reply are outside the population.", REPLY_NOTE),
        references=(SEED000, SEED003, SEED004),
    ),
    Metric(
        matures_days=14, id="fcr_rate", variant="single_agent", base="fcr_rate", label="First contact resolution (single agent)",
        kind=RATE, unit="percent", direction="higher",
        description="Resolved tickets with no reopen whose agent replies all came from one agent / resolved tickets with at least one agent reply.",
        fact="tickets", time="resolved_at", formula="100 * count(distinct reply agents = 1 and reopens = 0) / count(replies >= 1)",
        requires=TICKETS, where=lambda t: _resolved(t) & (t.replies >= 1),
        condition=lambda t: (t.reply_agents == 1) & (t.reopens == 0),
        edge_cases=("Tickets without messages are taken to have been answered by their assignee alone.",),
        references=(SEED004,),
    ),
    Metric(
        matures_days=14, id="fcr_rate", variant="no_repeat_contact", base="fcr_rate", label="First contact resolution (no repeat contact)",
        kind=RATE, unit="percent", direction="higher",
        description="Resolved tickets with no reopen whose customer opened no other ticket in the same category "
                    f"within {REPEAT_DAYS} days / resolved tickets with at least one agent reply.",
        fact="tickets", time="resolved_at",
        formula="100 * count(no reopen and no same-customer same-category ticket created within "
                f"{REPEAT_DAYS} days after) / count(replies >= 1)",
        requires=(*TICKETS, "tickets.customer_id", "tickets.category"),
        where=lambda t: _resolved(t) & (t.replies >= 1),
        condition=lambda t: (t.reopens == 0) & ~t.repeat_contact,
        edge_cases=(f"The window (default {REPEAT_DAYS} days, `fcr.repeat_window_days`) runs from this ticket's "
                    "creation.",
                    "Tickets without customer_id or category cannot have a repeat contact."),
        references=(SEED003,),
    ),
    Metric(
        id="replies_per_resolution", label="Replies per resolution", kind=MEAN, unit="replies", direction="lower",
        description="Mean number of agent replies over tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="mean(agent replies) over resolved tickets",
        requires=TICKETS, where=lambda t: _resolved(t) & t.replies.notnull(), value=lambda t: t.replies.cast("float64"),
        edge_cases=(REPLY_NOTE, "Zero-reply resolutions count as 0."),
        references=(SEED000, SEED003),
    ),
    Metric(
        matures_days=14, id="reopen_rate", label="Reopen rate", kind=RATE, unit="percent", direction="lower",
        description="Resolved tickets reopened at least once / resolved tickets.",
        fact="tickets", time="resolved_at", formula="100 * count(reopens >= 1) / count(resolved)",
        requires=TICKETS, where=_resolved, condition=lambda t: t.reopens >= 1,
        edge_cases=("Reopen = a change from solved/closed to any other status.",),
        references=(SPEC41,),
    ),
    Metric(
        matures_days=7, id="sla_attainment", label="SLA attainment", kind=RATE, unit="percent", direction="higher",
        description="Share of SLA events that met their target: every target of the [[sla.policies]] (by "
                    "sla_policy and sla_metric), or without policies the first reply against the [sla] target "
                    "for the ticket's priority or channel.",
        fact="sla", time="applied_at",
        formula="100 * count(SLA events met) / count(SLA events met or breached)",
        requires=(*TICKETS, "tickets.channel"),
        where=lambda t: t.headline & t.decided, condition=lambda t: t.met,
        edge_cases=("Attributed to the instant the SLA clock started (ticket creation for first reply, "
                    "resolution, requester wait and agent work; the customer message or agent reply for next "
                    "reply and periodic update).",
                    "Running events (not stopped, target not yet reached as of the latest instant in the "
                    "store) are left out; a running event past its target counts as breached.",
                    "With policies: the first matching policy applies, tested on the ticket as it was when "
                    "the clock started (priority and other fields from field_changes); a resolution stops a "
                    "reply clock (met if within the target, as in dbt_zendesk); a policy's pause statuses "
                    "stop its clocks; hours are the policy's, not --hours. See docs/sla.md.",
                    f"Without policies: targets from [sla] (default {FIRST_REPLY}, seed 003; other channels "
                    "have none); --hours applies; unanswered open tickets count as breached once past their "
                    "target; tickets resolved without a reply are left out.",
                    "--by priority is the priority at the event's start; --by sla_policy names the policy "
                    "(without policies: priority=P, channel=C or default)."),
        references=(SEED003, DBT_ZENDESK),
    ),
    Metric(
        matures_days=14, id="sla_attainment", variant="resolution", base="sla_attainment", label="Resolution SLA attainment",
        kind=RATE, unit="percent", direction="higher",
        description="Share of resolution SLA events that met their target: the resolution targets of the "
                    "[[sla.policies]], or without policies of [sla] for the ticket's priority or channel.",
        fact="sla", time="applied_at",
        formula="100 * count(resolution time <= target) / count(tickets with a target, resolved or overdue)",
        requires=(*TICKETS, "tickets.channel"),
        where=lambda t: (t.sla_metric == "resolution") & t.decided, condition=lambda t: t.met,
        edge_cases=("Targets: `resolution` of [[sla.policies]], else [sla.resolution] in cxm.toml (none by "
                    "default).",
                    "With policies the clock counts every unresolved status but the policy's pause statuses, "
                    "and a reopen resumes it; without, it is resolved_at - created_at in --hours."),
        references=(SEED003, DBT_ZENDESK),
    ),
    Metric(
        id="channel_share", label="Channel share", kind=SHARE, unit="percent", direction="neutral",
        description="Share of tickets created in the period by channel (preferred channels).",
        fact="tickets", time="created_at", formula="100 * count(channel) / count(all)", share_dim="channel",
        requires=(*TICKETS, "tickets.channel"),
        edge_cases=("Tickets without a channel form their own group (null).",),
        references=(SEED004,),
    ),
    Metric(
        id="category_share", label="Category share", kind=SHARE, unit="percent", direction="neutral",
        description="Share of tickets created in the period by category.",
        fact="tickets", time="created_at", formula="100 * count(category) / count(all)", share_dim="category",
        requires=(*TICKETS, "tickets.category"),
        edge_cases=("Tickets without a category form their own group (null).",),
        references=(SEED004,),
    ),
    Metric(
        id="requester_wait_time", label="Requester wait time", kind=DURATION, unit="seconds", direction="lower",
        description="Time a resolved ticket spent in new, open and on_hold, for tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="sum(time in new + open + on_hold) from status_changes",
        requires=(*TICKETS, "status_changes"),
        where=lambda t: _resolved(t) & t.requester_wait_s.notnull(), value=lambda t: t.requester_wait_s,
        edge_cases=("Needs status_changes; the time before the first change is in its from_status, else new.",),
        references=(ZENDESK,),
    ),
    Metric(
        id="agent_wait_time", label="Agent wait time", kind=DURATION, unit="seconds", direction="lower",
        description="Time a resolved ticket spent in pending (waiting on the customer), for tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="sum(time in pending) from status_changes",
        requires=(*TICKETS, "status_changes"),
        where=lambda t: _resolved(t) & t.agent_wait_s.notnull(), value=lambda t: t.agent_wait_s,
        edge_cases=("Needs status_changes.",),
        references=(ZENDESK,),
    ),
    Metric(
        id="on_hold_time", label="On-hold time", kind=DURATION, unit="seconds", direction="lower",
        description="Time a resolved ticket spent in on_hold, for tickets resolved in the period.",
        fact="tickets", time="resolved_at", formula="sum(time in on_hold) from status_changes",
        requires=(*TICKETS, "status_changes"),
        where=lambda t: _resolved(t) & t.on_hold_s.notnull(), value=lambda t: t.on_hold_s,
        edge_cases=("Needs status_changes.",),
        references=(ZENDESK,),
    ),
)
