"""Issue effort: chaining contacts into issues (7-day windows, categories, channels)
and the two metrics on a hand-built store.

c1 returns:   T1 email d0 (solved d1), CL1 phone d3 (not resolved), T2 chat d9 (solved d10) -> one issue of 3
              T3 email d20 (solved d21)                                                      -> a new issue
c1 delivery:  T4 email d1, still open                                                        -> unresolved issue
c2 returns:   CL2 phone d0, resolved after 5 minutes                                         -> one issue
c3 returns:   T5 d0, T6 exactly 7 days later (joins), T7 7 days and 1 s after T6 (new issue)
left out:     T8 without customer, T9 without category
"""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from cxmetrics.analyses.effort import contacts_per_issue, issue_resolution_time, issues
from cxmetrics.store import Store

D0 = pd.Timestamp("2024-01-01 10:00", tz="UTC")


def d(days: float, seconds: float = 0) -> pd.Timestamp:
    return D0 + pd.Timedelta(days=days, seconds=seconds)


@pytest.fixture
def effort_store(store: Store) -> Store:
    rows = [  # ticket, created, channel, category, customer, status, solved_at
        ("T1", d(0), "email", "returns", "c1", "solved", d(1)),
        ("T2", d(9, -3600), "chat", "returns", "c1", "solved", d(10, -3600)),
        ("T3", d(20), "email", "returns", "c1", "solved", d(21)),
        ("T4", d(1), "email", "delivery", "c1", "open", None),
        ("T5", d(0), "email", "returns", "c3", "solved", d(0.5)),
        ("T6", d(7), "web", "returns", "c3", "solved", d(7.5)),
        ("T7", d(14, 1), "email", "returns", "c3", "solved", d(15)),
        ("T8", d(2), "email", "returns", None, "solved", d(3)),
        ("T9", d(2), "email", None, "c1", "solved", d(3)),
    ]
    store.import_frame("tickets", pd.DataFrame(rows, columns=["ticket_id", "created_at", "channel", "category",
                                                              "customer_id", "status", "solved_at"]))
    store.import_frame("calls", pd.DataFrame({
        "call_id": ["CL1", "CL2"], "offered_at": [d(3), d(0)], "answered_at": [d(3, 30), d(0, 10)],
        "ended_at": [d(3, 600), d(0, 300)], "abandoned": [False, False], "resolved": [False, True],
        "topic": ["returns", "returns"], "customer_id": ["c1", "c2"]}))
    return store


def test_contacts_chain_into_issues(effort_store: Store) -> None:
    i = issues(effort_store)
    assert len(i) == 6
    got = {(r.customer_id, r.category, r.contacts, r.tickets, r.calls, r.channels) for r in i.itertuples()}
    assert got == {("c1", "returns", 3, 2, 1, 3), ("c1", "returns", 1, 1, 0, 1), ("c1", "delivery", 1, 1, 0, 1),
                   ("c2", "returns", 1, 0, 1, 1), ("c3", "returns", 2, 2, 0, 2), ("c3", "returns", 1, 1, 0, 1)}
    first = i[(i["customer_id"] == "c1") & (i["contacts"] == 3)].iloc[0]
    assert first["channel"] == "email" and first["is_resolved"]
    # first contact d0 10:00 -> the chat's resolution d10 09:00
    assert first["resolution_s"] == pytest.approx((d(10, -3600) - d(0)).total_seconds())
    open_issue = i[i["category"] == "delivery"].iloc[0]
    assert not open_issue["is_resolved"] and pd.isna(open_issue["resolution_s"])
    call = i[i["customer_id"] == "c2"].iloc[0]
    assert call["channel"] == "phone" and call["resolution_s"] == pytest.approx(300)
    assert i["issue_id"].is_unique


def test_window_is_configurable(effort_store: Store) -> None:
    i = issues(effort_store, window_days=3)
    c1 = i[(i["customer_id"] == "c1") & (i["category"] == "returns")].sort_values("first_contact_at")
    # T1 d0 + CL1 d3 (exactly 3 days: joins); T2 six days later starts a new issue
    assert c1["contacts"].tolist() == [2, 1, 1]
    assert not c1.iloc[0]["is_resolved"]  # its last contact, the call, did not resolve it


def test_metrics_by_period_and_dimension(effort_store: Store) -> None:
    cpi = contacts_per_issue(effort_store, grain="month", from_="2024-01-01", to="2024-01-31")
    assert len(cpi) == 1
    r = cpi.iloc[0]
    assert r["metric"] == "contacts_per_issue" and str(r["period_start"]) == "2024-01-01"
    assert r["value"] == pytest.approx(9 / 6) and r["n"] == 6 and r["unit"] == "contacts"
    assert r["ci_low"] < r["value"] < r["ci_high"]
    irt = issue_resolution_time(effort_store, grain="total", stat="mean")
    r = irt.iloc[0]
    secs = [(d(10, -3600) - d(0)).total_seconds(), 86400.0, 300.0, 7.5 * 86400,
            (d(15) - d(14, 1)).total_seconds()]
    assert r["n"] == 5  # the open delivery issue is not resolved
    assert r["mean"] == pytest.approx(sum(secs) / 5) and r["value"] == r["mean"]
    by = contacts_per_issue(effort_store, grain="total", by=["channel"]).set_index("channel")
    assert by.loc["email", "n"] == 5 and by.loc["phone", "n"] == 1 and by.loc["email", "value"] == pytest.approx(8 / 5)


def test_bad_options(effort_store: Store) -> None:
    from cxmetrics.errors import QueryError

    with pytest.raises(QueryError):
        contacts_per_issue(effort_store, by=["nonsense"])
    with pytest.raises(TypeError):
        contacts_per_issue(effort_store, hours="business")


def test_metric_definitions_compile(effort_store: Store) -> None:
    from cxmetrics.engine.core import Query
    from cxmetrics.metrics.effort import METRICS

    eng = effort_store.engine()
    for m in METRICS:
        sql = str(ibis.to_sql(eng.expr(m, Query(grain="month", by=("segment",)))))
        assert "first_contact_at" in sql
