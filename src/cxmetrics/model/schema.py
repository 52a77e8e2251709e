"""The canonical data model (SPEC section 3), declared once.

Everything else (DDL, import validation, docs, the demo generator) reads these
declarations, so a column is added in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColType = Literal["string", "timestamp", "int", "float", "bool"]

TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
RESOLVED_STATUSES = ("solved", "closed")
AUTHOR_TYPES = ("customer", "agent", "bot", "system")
CREATED_BY = ("customer", "agent", "system")
#: ticket columns whose history ``field_changes`` may hold
CHANGE_FIELDS = ("priority", "agent_id", "team", "channel", "category", "brand", "product", "language")

#: SQL type used for each logical type. Timestamps are stored as naive
#: TIMESTAMP values holding the UTC instant, which every Ibis engine reads alike.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    #: value of a missing or empty cell (a scalar of the column's type)
    default: str | int | float | bool | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: identifying column; ``None`` means rows are keyed by their full content.
    key: str | None
    description: str = ""
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def key_column(self) -> str:
        """The stored key: the id column, or ``_key`` (a content hash)."""
        return self.key or "_key"


def _c(name: str, type_: ColType, meaning: str, **kw: object) -> Column:
    return Column(name, type_, description=meaning, **kw)  # type: ignore[arg-type]


NONNEG = {"min": 0}
#: the logical types, short, for the declarations below
S: ColType = "string"
TS: ColType = "timestamp"
INT: ColType = "int"
NUM: ColType = "float"
BOOL: ColType = "bool"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "tickets",
            (
                _c("ticket_id", S, "the ticket's id in the help desk", required=True),
                _c("created_at", TS, "when the ticket was opened", required=True),
                _c("channel", S, "where the contact came in (email, chat, phone, social, web, ...); "
                                 "SLA targets are set per channel"),
                _c("category", S, "what the contact is about (the help desk's category, type or topic)"),
                _c("priority", S, "the ticket's priority (low, normal, high, urgent, ...)"),
                _c("status", S, "the current status; used where status_changes has no history for the ticket",
                   allowed=TICKET_STATUSES),
                _c("customer_id", S, "the customer (requester); a customer's next ticket in the same category "
                                     "within the repeat window is a repeat contact"),
                _c("agent_id", S, "the assignee"),
                _c("team", S, "the team (group) the ticket is assigned to"),
                _c("brand", S, "the brand the contact is for"),
                _c("product", S, "the product the contact is about"),
                _c("language", S, "the customer's language"),
                _c("created_by", S, "who opened the ticket: the customer (inbound), an agent (outbound) or "
                                    "the system", allowed=CREATED_BY),
                _c("first_reply_at", TS, "the first public agent reply; used where messages has none "
                                         "for the ticket"),
                _c("solved_at", TS, "when the ticket was solved; used where status_changes has no history "
                                    "for the ticket"),
                _c("reopens", INT, "times reopened after a solve; used where status_changes has no history "
                                   "for the ticket", **NONNEG),
                _c("replies", INT, "public agent replies; used where messages has none for the ticket",
                   **NONNEG),
                _c("handle_seconds", NUM, "agent working time in seconds; used where work_sessions has none "
                                          "for the ticket", **NONNEG),
                _c("satisfaction", NUM, "the help desk's own satisfaction rating, if it stores one"),
            ),
            key="ticket_id",
            description="One row per ticket (conversation, case).",
        ),
        Table(
            "messages",
            (
                _c("message_id", S, "the message's id", required=True),
                _c("ticket_id", S, "the ticket it belongs to", required=True),
                _c("created_at", TS, "when it was sent", required=True),
                _c("author_type", S, "who wrote it; a public agent message is a reply (except the opening "
                                     "message of a ticket an agent started)", required=True,
                   allowed=AUTHOR_TYPES),
                _c("author_id", S, "the agent or customer who wrote it"),
                _c("public", BOOL, "false for an internal note, which neither starts nor ends a customer's "
                                   "wait", default=True),
                _c("channel", S, "the channel it was sent through"),
            ),
            key="message_id",
            description="Every message of a ticket: customer, agent, bot or system; public or internal note.",
        ),
        Table(
            "status_changes",
            (
                _c("ticket_id", S, "the ticket whose status changed", required=True),
                _c("changed_at", TS, "when it changed", required=True),
                _c("to_status", S, "the status from changed_at on; solved and closed are resolved, a move "
                                   "from them to another status is a reopen", required=True,
                   allowed=TICKET_STATUSES),
                _c("from_status", S, "the status before (empty: the previous change's to_status, or new "
                                     "before the first change)", allowed=TICKET_STATUSES),
            ),
            key=None,
            description="The status history of tickets.",
        ),
        Table(
            "field_changes",
            (
                _c("ticket_id", S, "the ticket whose field changed", required=True),
                _c("changed_at", TS, "when it changed", required=True),
                _c("field", S, "the tickets column that changed (priority, agent_id = assignee, team, ...)",
                   required=True, allowed=CHANGE_FIELDS),
                _c("to_value", S, "the value from changed_at on (empty: cleared)"),
                _c("from_value", S, "the value before"),
            ),
            key=None,
            description="The history of other ticket fields (priority, assignee, team...): SLA policies "
                        "match a ticket as it was when each SLA event started; reassignments count "
                        "assignee changes.",
        ),
        Table(
            "work_sessions",
            (
                _c("ticket_id", S, "the ticket worked on", required=True),
                _c("agent_id", S, "the agent who worked", required=True),
                _c("started_at", TS, "when the work started", required=True),
                _c("ended_at", TS, "when it ended (give ended_at or seconds)"),
                _c("seconds", NUM, "time worked in seconds (empty: ended_at - started_at)", **NONNEG),
            ),
            key=None,
            description="Agent working time on a ticket (ended_at or seconds).",
        ),
        Table(
            "calls",
            (
                _c("call_id", S, "the call's id", required=True),
                _c("offered_at", TS, "when the call entered the queue", required=True),
                _c("answered_at", TS, "when an agent answered (empty: not answered)"),
                _c("ended_at", TS, "when the call ended (abandoned: when the caller hung up)"),
                _c("abandoned", BOOL, "the caller hung up before being answered (empty: abandoned when there "
                                      "is neither answered_at nor talk time)"),
                _c("wait_seconds", NUM, "seconds in the queue (empty: until answered_at, or ended_at if "
                                        "abandoned)", **NONNEG),
                _c("talk_seconds", NUM, "seconds talking", **NONNEG),
                _c("hold_seconds", NUM, "seconds on hold", **NONNEG),
                _c("wrap_seconds", NUM, "seconds of after-call work; handle time is talk + hold + wrap",
                   **NONNEG),
                _c("queue", S, "the queue (skill, line) the call was offered to"),
                _c("topic", S, "what the call was about"),
                _c("agent_id", S, "the agent who answered"),
                _c("customer_id", S, "the caller"),
                _c("resolved", BOOL, "resolved on this call (first-contact resolution)"),
                _c("satisfaction", NUM, "the caller's rating after the call, on the scale "
                                        "calls.satisfaction_scale of cxm.toml (default 1-5)"),
            ),
            key="call_id",
            description="Calls offered to a queue.",
        ),
        Table(
            "survey_responses",
            (
                _c("response_id", S, "the answer's id", required=True),
                _c("survey", S, "the survey: nps, csat, ces, cx, or a custom name (its type and scale in "
                                     "[surveys.NAME] of cxm.toml)",
                   required=True),
                _c("responded_at", TS, "when it was answered", required=True),
                _c("score", NUM, "the score (empty: the question was skipped)"),
                _c("scale_min", NUM, "the scale's lowest score (empty: the survey's declared scale, else the "
                                     "survey type's default)"),
                _c("scale_max", NUM, "the scale's highest score (empty: as for scale_min)"),
                _c("question", S, "the question answered, for surveys of several questions"),
                _c("comment", S, "the customer's comment"),
                _c("customer_id", S, "who answered (empty: the ticket's customer)"),
                _c("ticket_id", S, "the ticket the survey was about; the answer takes the ticket's "
                                   "dimensions"),
                _c("agent_id", S, "the agent rated (empty: the ticket's assignee)"),
                _c("channel", S, "the channel rated (empty: the ticket's channel)"),
                _c("language", S, "the language of the answer (empty: the ticket's language)"),
            ),
            key="response_id",
            description="Survey answers (nps/csat/ces/cx/custom); an empty score is a skipped answer.",
        ),
        Table(
            "survey_invitations",
            (
                _c("invitation_id", S, "the invitation's id", required=True),
                _c("survey", S, "the survey the customer was invited to (as in survey_responses)",
                   required=True),
                _c("sent_at", TS, "when the invitation was sent", required=True),
                _c("customer_id", S, "who was invited (empty: the ticket's customer)"),
                _c("ticket_id", S, "the ticket the invitation is about"),
            ),
            key="invitation_id",
            description="Survey invitations sent.",
        ),
        Table(
            "customers",
            (
                _c("customer_id", S, "the customer's id", required=True),
                _c("acquired_at", TS, "when they became a customer", required=True),
                _c("churned_at", TS, "when they stopped being one (empty: still a customer)"),
                _c("segment", S, "the customer segment"),
                _c("plan", S, "the plan or subscription they are on"),
                _c("country", S, "their country"),
                _c("acquisition_channel", S, "how they were acquired; marketing_spend is split by it"),
                _c("churn_reason", S, "why they left"),
            ),
            key="customer_id",
            description="Customers with acquisition and churn dates.",
        ),
        Table(
            "orders",
            (
                _c("order_id", S, "the order's id", required=True),
                _c("customer_id", S, "the customer who ordered", required=True),
                _c("ordered_at", TS, "when it was ordered", required=True),
                _c("amount", NUM, "the order's value, in its currency", required=True),
                _c("currency", S, "the currency (orders in several currencies must be split or filtered)"),
            ),
            key="order_id",
            description="Orders (purchases) of customers.",
        ),
        Table(
            "carts",
            (
                _c("cart_id", S, "the cart's id", required=True),
                _c("created_at", TS, "when the cart was started", required=True),
                _c("purchased_at", TS, "when it was bought (empty, and no order_id: abandoned)"),
                _c("order_id", S, "the order it became (marks it purchased, like purchased_at)"),
                _c("customer_id", S, "the customer"),
            ),
            key="cart_id",
            description="Shopping carts, purchased or abandoned.",
        ),
        Table(
            "marketing_spend",
            (
                _c("period_start", TS, "the first day the spend covers", required=True),
                _c("period_end", TS, "the last day it covers (inclusive); the amount is spread evenly over "
                                     "the days", required=True),
                _c("amount", NUM, "the amount spent", required=True, **NONNEG),
                _c("channel", S, "the acquisition channel it was spent on (as customers.acquisition_channel)"),
            ),
            key=None,
            description="Sales and marketing spend per period.",
        ),
        Table(
            "interval_volumes",
            (
                _c("interval_start", TS, "when the interval starts", required=True),
                _c("interval_minutes", INT, "the interval's length in minutes", required=True, min=1, max=1440),
                _c("channel", S, "the channel counted (phone, chat, ...)", required=True),
                _c("queue", S, "the queue counted"),
                _c("offered", INT, "contacts offered in the interval", required=True, **NONNEG),
                _c("handled", INT, "contacts handled in it, the weight of aht_seconds (empty: offered)", **NONNEG),
                _c("aht_seconds", NUM, "average handle time of the handled contacts, in seconds", **NONNEG),
            ),
            key=None,
            description="Contacts per interval from a contact-centre interval report (offered and handled per "
                        "5, 15, 30 or 60 minutes, with AHT); forecasts and staffing read it like calls.",
        ),
        Table(
            "schedules",
            (
                _c("interval_start", TS, "when the interval starts", required=True),
                _c("interval_minutes", INT, "the interval's length in minutes", required=True, min=1, max=1440),
                _c("agents", NUM, "agents on the schedule in the interval (may be fractional)",
                   required=True, **NONNEG),
                _c("channel", S, "the channel they work"),
                _c("queue", S, "the queue they work"),
                _c("team", S, "their team"),
            ),
            key=None,
            description="Agents scheduled per interval (headcount on the schedule, before shrinkage), to compare "
                        "with the staffing a forecast needs.",
        ),
    )
}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}") from None


def ddl(t: Table) -> str:
    cols = [f'"{c.name}" {SQL_TYPES[c.type]}' for c in t.columns]
    if t.key is None:
        cols.append('"_key" VARCHAR')
    cols.append('"_import_id" BIGINT')
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" ({", ".join(cols)})'
