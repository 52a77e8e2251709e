"""A small, hand-checked support scenario (see test_support_metrics.py for the numbers).

T1 email, customer, bot ack + internal note, two waits, solved then closed two days later
T2 chat, one reply, solved, reopened next day, solved again the day after
T3 outbound email: the agent's opening message is not a reply
T4 phone, no messages and no status changes: the ticket's own columns stand in
T5 email, no reply, still open (backlog, SLA breach); same customer+category as T4 within 7 days
T6 email, resolved with zero replies
T7 social (April), two replies by two different agents
"""

from __future__ import annotations

import pandas as pd


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def frames() -> dict[str, pd.DataFrame]:
    tickets = pd.DataFrame(
        [
            ("T1", T("2024-03-04 08:00"), "email", "billing", "c1", "a1", "customer", "closed", None, None, None, None, None),
            ("T2", T("2024-03-10 10:00"), "chat", "technical", "c2", "a2", "customer", "solved", None, None, None, None, None),
            ("T3", T("2024-03-15 09:00"), "email", "sales question", "c3", "a1", "agent", "solved", None, None, None, None, None),
            ("T4", T("2024-03-20 10:00"), "phone", "delivery", "c4", "a2", "customer", "solved",
             T("2024-03-20 10:01"), T("2024-03-20 10:20"), 1, 0, 600.0),
            ("T5", T("2024-03-25 10:00"), "email", "delivery", "c4", None, "customer", "open", None, None, None, None, None),
            ("T6", T("2024-03-28 10:00"), "email", "billing", "c1", "a1", "customer", "solved", None, None, None, None, None),
            ("T7", T("2024-04-02 10:00"), "social", "returns", "c7", "a1", "customer", "solved", None, None, None, None, None),
        ],
        columns=["ticket_id", "created_at", "channel", "category", "customer_id", "agent_id", "created_by", "status",
                 "first_reply_at", "solved_at", "replies", "reopens", "handle_seconds"],
    )
    m = [
        ("T1", "2024-03-04 08:00:00", "customer", "c1", True),
        ("T1", "2024-03-04 08:00:05", "bot", "bot", True),
        ("T1", "2024-03-04 08:30:00", "agent", "a1", False),  # internal note
        ("T1", "2024-03-04 10:00:00", "agent", "a1", True),
        ("T1", "2024-03-04 11:00:00", "customer", "c1", True),
        ("T1", "2024-03-04 11:30:00", "customer", "c1", True),
        ("T1", "2024-03-04 11:45:00", "system", None, True),
        ("T1", "2024-03-04 12:00:00", "agent", "a1", True),
        ("T2", "2024-03-10 10:00:00", "customer", "c2", True),
        ("T2", "2024-03-10 10:05:00", "agent", "a2", True),
        ("T3", "2024-03-15 09:00:00", "agent", "a1", True),  # outbound opener
        ("T3", "2024-03-15 12:00:00", "customer", "c3", True),
        ("T3", "2024-03-15 13:00:00", "agent", "a1", True),
        ("T5", "2024-03-25 10:00:00", "customer", "c4", True),
        ("T6", "2024-03-28 10:00:00", "customer", "c1", True),
        ("T7", "2024-04-02 10:00:00", "customer", "c7", True),
        ("T7", "2024-04-02 10:30:00", "agent", "a1", True),
        ("T7", "2024-04-02 11:00:00", "customer", "c7", True),
        ("T7", "2024-04-02 11:30:00", "agent", "a2", True),
    ]
    messages = pd.DataFrame(
        [(f"M{i}", t, T(at), who, aid, pub) for i, (t, at, who, aid, pub) in enumerate(m)],
        columns=["message_id", "ticket_id", "created_at", "author_type", "author_id", "public"],
    )
    s = [
        ("T1", "2024-03-04 10:00", "open"),
        ("T1", "2024-03-04 12:00", "solved"),
        ("T1", "2024-03-06 12:00", "closed"),
        ("T2", "2024-03-10 10:10", "solved"),
        ("T2", "2024-03-11 09:00", "open"),
        ("T2", "2024-03-12 10:00", "solved"),
        ("T3", "2024-03-15 13:00", "solved"),
        ("T5", "2024-03-25 10:05", "open"),
        ("T6", "2024-03-28 11:00", "solved"),
        ("T7", "2024-04-02 12:00", "solved"),
    ]
    status_changes = pd.DataFrame([(t, T(at), to) for t, at, to in s], columns=["ticket_id", "changed_at", "to_status"])
    work_sessions = pd.DataFrame(
        [
            ("T1", "a1", T("2024-03-04 09:55"), None, 300.0),
            ("T1", "a1", T("2024-03-04 11:50"), T("2024-03-04 12:00"), None),
            ("T2", "a2", T("2024-03-10 10:04"), None, 120.0),
        ],
        columns=["ticket_id", "agent_id", "started_at", "ended_at", "seconds"],
    )
    return {"tickets": tickets, "messages": messages, "status_changes": status_changes, "work_sessions": work_sessions}


def load(store) -> None:
    for name, df in frames().items():
        store.import_frame(name, df)
