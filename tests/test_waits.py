"""Customer waits (``_fact_waits``) against the rule as written, over generated conversations.

The rule (SPEC 4.1, facts.tickets.waits_from_messages): each run of customer messages after an
agent reply (or at the start) is one wait, from its first customer message to the next public
agent reply; bot, system and private messages neither start nor end a wait, and an outbound
ticket's opener (a public agent message first) is no reply.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmetrics.facts.tickets import classified_messages, waits_from_messages

T0 = dt.datetime(2024, 3, 1, 8, 0)
message = st.tuples(st.sampled_from(["T1", "T2"]), st.integers(0, 12),  # minutes: ties happen
                    st.sampled_from(["customer", "agent", "agent", "bot", "system"]),
                    st.sampled_from([True, True, False, None]))


def expected_waits(rows: list[tuple[str, str, dt.datetime, str, bool | None]]) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The rule, walked message by message in each ticket's order (time, then message id)."""
    waits = []
    for ticket in sorted({r[1] for r in rows}):
        msgs = sorted((r for r in rows if r[1] == ticket), key=lambda r: (r[2], r[0]))
        start = None
        for i, (_, _, at, author, public) in enumerate(msgs):
            agent_public = author == "agent" and public is not False
            if author == "customer":
                start = start or at
            elif agent_public and i > 0 and start is not None:
                waits.append((ticket, start, at))
                start = None
    return sorted(waits)


@settings(max_examples=60, deadline=None)
@given(st.lists(message, min_size=1, max_size=14))
def test_waits_follow_the_rule(msgs: list[tuple[str, int, str, bool | None]]) -> None:
    rows = [(f"M{i:02d}", t, T0 + dt.timedelta(minutes=m), a, p) for i, (t, m, a, p) in enumerate(msgs)]
    frame = pd.DataFrame(rows, columns=["message_id", "ticket_id", "created_at", "author_type", "public"])
    frame["public"] = frame["public"].astype("boolean")
    con = ibis.duckdb.connect()
    try:
        got = waits_from_messages(classified_messages(con.create_table("messages", frame))).execute()
    finally:
        con.disconnect()
    actual = sorted((r.ticket_id, r.wait_start.to_pydatetime(), r.reply_at.to_pydatetime())
                    for r in got.itertuples())
    assert actual == expected_waits(rows)
