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


def _c(name: str, type_: ColType = "string", **kw: object) -> Column:
    return Column(name, type_, **kw)  # type: ignore[arg-type]


NONNEG = {"min": 0}

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "tickets",
            (
                _c("ticket_id", required=True),
                _c("created_at", "timestamp", required=True),
                _c("channel"),
                _c("category"),
                _c("priority"),
                _c("status", allowed=TICKET_STATUSES),
                _c("customer_id"),
                _c("agent_id", description="assignee"),
                _c("team"),
                _c("brand"),
                _c("product"),
                _c("language"),
                _c("created_by", allowed=CREATED_BY),
                _c("first_reply_at", "timestamp"),
                _c("solved_at", "timestamp"),
                _c("reopens", "int", **NONNEG),
                _c("replies", "int", **NONNEG),
                _c("handle_seconds", "float", **NONNEG),
                _c("satisfaction", "float"),
            ),
            key="ticket_id",
            description="One row per ticket (conversation, case).",
        ),
        Table(
            "messages",
            (
                _c("message_id", required=True),
                _c("ticket_id", required=True),
                _c("created_at", "timestamp", required=True),
                _c("author_type", required=True, allowed=AUTHOR_TYPES),
                _c("author_id"),
                _c("public", "bool", default=True),
                _c("channel"),
            ),
            key="message_id",
            description="Every message of a ticket: customer, agent, bot or system; public or internal note.",
        ),
        Table(
            "status_changes",
            (
                _c("ticket_id", required=True),
                _c("changed_at", "timestamp", required=True),
                _c("to_status", required=True, allowed=TICKET_STATUSES),
                _c("from_status", allowed=TICKET_STATUSES),
            ),
            key=None,
            description="The status history of tickets.",
        ),
        Table(
            "field_changes",
            (
                _c("ticket_id", required=True),
                _c("changed_at", "timestamp", required=True),
                _c("field", required=True, allowed=CHANGE_FIELDS,
                   description="the tickets column that changed (priority, agent_id = assignee, team, ...)"),
                _c("to_value", description="the value from changed_at on (empty: cleared)"),
                _c("from_value", description="the value before"),
            ),
            key=None,
            description="The history of other ticket fields (priority, assignee, team...): SLA policies "
                        "match a ticket as it was when each SLA event started; reassignments count "
                        "assignee changes.",
        ),
        Table(
            "work_sessions",
            (
                _c("ticket_id", required=True),
                _c("agent_id", required=True),
                _c("started_at", "timestamp", required=True),
                _c("ended_at", "timestamp"),
                _c("seconds", "float", **NONNEG),
            ),
            key=None,
            description="Agent working time on a ticket (ended_at or seconds).",
        ),
        Table(
            "calls",
            (
                _c("call_id", required=True),
                _c("offered_at", "timestamp", required=True),
                _c("answered_at", "timestamp"),
                _c("ended_at", "timestamp"),
                _c("abandoned", "bool"),
                _c("wait_seconds", "float", **NONNEG),
                _c("talk_seconds", "float", **NONNEG),
                _c("hold_seconds", "float", **NONNEG),
                _c("wrap_seconds", "float", **NONNEG),
                _c("queue"),
                _c("topic"),
                _c("agent_id"),
                _c("customer_id"),
                _c("resolved", "bool"),
                _c("satisfaction", "float"),
            ),
            key="call_id",
            description="Calls offered to a queue.",
        ),
        Table(
            "survey_responses",
            (
                _c("response_id", required=True),
                _c("survey", required=True),
                _c("responded_at", "timestamp", required=True),
                _c("score", "float"),
                _c("scale_min", "float"),
                _c("scale_max", "float"),
                _c("question"),
                _c("comment"),
                _c("customer_id"),
                _c("ticket_id"),
                _c("agent_id"),
                _c("channel"),
                _c("language"),
            ),
            key="response_id",
            description="Survey answers (nps/csat/ces/cx/custom); an empty score is a skipped answer.",
        ),
        Table(
            "survey_invitations",
            (
                _c("invitation_id", required=True),
                _c("survey", required=True),
                _c("sent_at", "timestamp", required=True),
                _c("customer_id"),
                _c("ticket_id"),
            ),
            key="invitation_id",
            description="Survey invitations sent.",
        ),
        Table(
            "customers",
            (
                _c("customer_id", required=True),
                _c("acquired_at", "timestamp", required=True),
                _c("churned_at", "timestamp"),
                _c("segment"),
                _c("plan"),
                _c("country"),
                _c("acquisition_channel"),
                _c("churn_reason"),
            ),
            key="customer_id",
            description="Customers with acquisition and churn dates.",
        ),
        Table(
            "orders",
            (
                _c("order_id", required=True),
                _c("customer_id", required=True),
                _c("ordered_at", "timestamp", required=True),
                _c("amount", "float", required=True),
                _c("currency"),
            ),
            key="order_id",
            description="Orders (purchases) of customers.",
        ),
        Table(
            "carts",
            (
                _c("cart_id", required=True),
                _c("created_at", "timestamp", required=True),
                _c("purchased_at", "timestamp"),
                _c("order_id"),
                _c("customer_id"),
            ),
            key="cart_id",
            description="Shopping carts, purchased or abandoned.",
        ),
        Table(
            "marketing_spend",
            (
                _c("period_start", "timestamp", required=True),
                _c("period_end", "timestamp", required=True),
                _c("amount", "float", required=True, **NONNEG),
                _c("channel"),
            ),
            key=None,
            description="Sales and marketing spend per period.",
        ),
        Table(
            "interval_volumes",
            (
                _c("interval_start", "timestamp", required=True),
                _c("interval_minutes", "int", required=True, min=1, max=1440),
                _c("channel", required=True),
                _c("queue"),
                _c("offered", "int", required=True, **NONNEG),
                _c("handled", "int", **NONNEG),
                _c("aht_seconds", "float", **NONNEG),
            ),
            key=None,
            description="Contacts per interval from a contact-centre interval report (offered and handled per "
                        "5, 15, 30 or 60 minutes, with AHT); forecasts and staffing read it like calls.",
        ),
        Table(
            "schedules",
            (
                _c("interval_start", "timestamp", required=True),
                _c("interval_minutes", "int", required=True, min=1, max=1440),
                _c("agents", "float", required=True, **NONNEG),
                _c("channel"),
                _c("queue"),
                _c("team"),
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
