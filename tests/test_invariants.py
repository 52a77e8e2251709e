"""Invariants that hold for any data (hypothesis): order independence, additivity, ranges."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxmetrics.metrics.registry import all_metrics
from cxmetrics.settings import Config
from cxmetrics.store import Store

BASE = pd.Timestamp("2024-03-01", tz="UTC")
CHANNELS = ["email", "chat", "phone"]
STATUSES = ["open", "pending", "on_hold", "solved", "closed"]

ticket_st = st.fixed_dictionaries({
    "start": st.integers(0, 60 * 24 * 60),  # minutes into a two-month window
    "channel": st.sampled_from(CHANNELS),
    "category": st.sampled_from(["a", "b"]),
    "customer": st.sampled_from(["c1", "c2", "c3"]),
    "messages": st.lists(st.tuples(st.sampled_from(["customer", "agent", "bot", "note", "system"]),
                                   st.integers(1, 3000), st.sampled_from(["a1", "a2"])), max_size=6),
    "statuses": st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(1, 5000)), max_size=4),
})


def frames(tickets: list[dict]) -> dict[str, pd.DataFrame]:
    t, m, s = [], [], []
    for i, tk in enumerate(tickets):
        tid = f"T{i}"
        created = BASE + pd.Timedelta(minutes=tk["start"])
        t.append((tid, created, tk["channel"], tk["category"], tk["customer"]))
        at = created
        for j, (kind, gap, agent) in enumerate(tk["messages"]):
            at = at + pd.Timedelta(minutes=gap)
            author = "agent" if kind == "note" else kind
            m.append((f"{tid}m{j}", tid, at, author, agent if author == "agent" else None, kind != "note"))
        for j, (status, gap) in enumerate(tk["statuses"]):
            at = at + pd.Timedelta(minutes=gap)  # status changes after every message
            s.append((tid, at, status, j))
    return {
        "tickets": pd.DataFrame(t, columns=["ticket_id", "created_at", "channel", "category", "customer_id"]),
        "messages": pd.DataFrame(m, columns=["message_id", "ticket_id", "created_at", "author_type", "author_id", "public"]),
        "status_changes": pd.DataFrame(s, columns=["ticket_id", "changed_at", "to_status", "_seq"]).drop(columns="_seq"),
    }


#: The examples fill the help-desk tables only, so the metrics that read them are the ones
#: checked (the others have no rows whatever is generated: half the time, nothing to find).
SUPPORT = [m.key for m in all_metrics() if m.domain == "support"]


def compute(fr: dict[str, pd.DataFrame], **kw) -> pd.DataFrame:
    store = Store(":memory:", config=Config())
    try:
        for name, df in fr.items():
            if len(df):
                store.import_frame(name, df)
        return store.metrics(SUPPORT, **kw)
    finally:
        store.close()


# Each example builds a store and computes every support metric: 0.5-2 s, nearly all of it Ibis
# compiling ~40 queries whatever the data size. So these take a share of the profile's
# examples (tests/conftest.py: ``ci`` 100 -> 10, ``thorough`` 1000 -> 100), each example carries up to
# MAX_TICKETS tickets (more data costs next to nothing and meets more interleavings),
# and shrinking is off: a failure prints the generated tickets, which are small anyway.
STORE_EXAMPLES = max(3, settings.default.max_examples // 10)
MAX_TICKETS = 20
SETTINGS = settings(max_examples=STORE_EXAMPLES, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.lists(ticket_st, min_size=1, max_size=MAX_TICKETS), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(tickets: list[dict], rnd) -> None:
    fr = frames(tickets)
    shuffled = {k: v.sample(frac=1.0, random_state=rnd.randint(0, 2**31)) for k, v in fr.items()}
    a = compute(fr, grain="month", from_="2024-03-01", to="2024-05-31")
    b = compute(shuffled, grain="month", from_="2024-03-01", to="2024-05-31")
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(st.lists(ticket_st, min_size=1, max_size=MAX_TICKETS))
def test_dimension_counts_sum_to_total_and_rates_in_range(tickets: list[dict]) -> None:
    fr = frames(tickets)
    total = compute(fr, grain="month", from_="2024-03-01", to="2024-05-31")
    by = compute(fr, grain="month", by=["channel"], from_="2024-03-01", to="2024-05-31")
    for metric in ("ticket_volume", "tickets_resolved", "backlog"):
        t = total[total.metric == metric].set_index("period_start")["value"]
        b = by[by.metric == metric].groupby("period_start")["value"].sum(min_count=1)
        b = b.reindex(t.index).astype("float64")
        has = t.notna()  # a month outside the data has no value, in total and by group
        pd.testing.assert_series_equal(t[has].astype("float64"), b[has].fillna(0.0), check_names=False)
        assert b[~has].isna().all()
    for metric in ("resolution_rate", "fcr_rate", "reopen_rate", "sla_attainment"):
        t = total[total.metric == metric]
        num = by[by.metric == metric].groupby("period_start")["numerator"].sum()
        expected = num.reindex(t.period_start).astype("float64").fillna(0.0).to_numpy()
        assert (t["numerator"].astype("float64").fillna(0.0).to_numpy() == expected).all()
    rates = total[total.unit == "percent"]["value"].dropna()
    assert ((rates >= 0) & (rates <= 100)).all()
    shares = total[total.metric == "channel_share"].groupby("period_start")["value"].sum()
    assert all(v == pytest.approx(100) for v in shares.dropna() if v > 0)
    assert (total[total.metric == "backlog"]["value"].dropna() >= 0).all()


@SETTINGS
@given(st.lists(ticket_st, min_size=1, max_size=MAX_TICKETS))
def test_first_reply_never_after_full_resolution(tickets: list[dict]) -> None:
    fr = frames(tickets)
    store = Store(":memory:", config=Config())
    try:
        for name, df in fr.items():
            if len(df):
                store.import_frame(name, df)
        f = store.engine().facts().tickets.execute()
    finally:
        store.close()
    both = f[f.first_reply_at.notna() & f.resolved_at.notna()]
    assert (both.first_reply_at <= both.resolved_at).all()
    assert (f.frt_s.dropna() >= 0).all()
    assert (f.replies.dropna() >= 0).all()
