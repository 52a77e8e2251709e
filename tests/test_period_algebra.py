"""The period algebra: comparison periods, partial periods, and previous values that equal
what the previous period reports on its own (issue: November was compared with 1-30 October)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxmetrics.periods.grain import Period, contiguous_runs, floor_local, periods_between
from cxmetrics.settings import Config
from cxmetrics.store import Store

D = dt.date


@pytest.mark.parametrize(("period", "mode", "expected"), [
    # whole months: the whole previous calendar month, whatever its length
    (Period("month", D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)), "previous",
     Period("month", D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 31))),
    (Period("month", D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 31)), "previous",
     Period("month", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28))),
    (Period("month", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28)), "previous",
     Period("month", D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 31))),
    # a partial month (1-5 December) against the same elapsed span of November
    (Period("month", D(2026, 12, 1), D(2026, 12, 1), D(2026, 12, 5)), "previous",
     Period("month", D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 5))),
    # cut at the start (--from 2026-10-15): the rest of September from the 15th
    (Period("month", D(2026, 10, 1), D(2026, 10, 15), D(2026, 10, 31)), "previous",
     Period("month", D(2026, 9, 1), D(2026, 9, 15), D(2026, 9, 30))),
    # a span longer than the previous period is clipped to it
    (Period("month", D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 30)), "previous",
     Period("month", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28))),
    (Period("week", D(2026, 11, 30), D(2026, 11, 30), D(2026, 12, 6)), "previous",
     Period("week", D(2026, 11, 23), D(2026, 11, 23), D(2026, 11, 29))),
    (Period("week", D(2026, 11, 30), D(2026, 11, 30), D(2026, 12, 6)), "year",
     Period("week", D(2025, 12, 1), D(2025, 12, 1), D(2025, 12, 7))),
    (Period("quarter", D(2026, 10, 1), D(2026, 10, 1), D(2026, 12, 31)), "previous",
     Period("quarter", D(2026, 7, 1), D(2026, 7, 1), D(2026, 9, 30))),
    (Period("month", D(2024, 2, 1), D(2024, 2, 1), D(2024, 2, 29)), "year",
     Period("month", D(2023, 2, 1), D(2023, 2, 1), D(2023, 2, 28))),
    (Period("day", D(2024, 3, 1), D(2024, 3, 1), D(2024, 3, 1)), "previous",
     Period("day", D(2024, 2, 29), D(2024, 2, 29), D(2024, 2, 29))),
    (Period("year", D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 5)), "previous",
     Period("year", D(2025, 1, 1), D(2025, 1, 1), D(2025, 12, 5))),
    # total: the span of equal length just before, or a year before
    (Period("total", D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)), "previous",
     Period("total", D(2026, 10, 2), D(2026, 10, 2), D(2026, 10, 31))),
    (Period("total", D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)), "year",
     Period("total", D(2025, 11, 1), D(2025, 11, 1), D(2025, 11, 30))),
])
def test_previous_period(period: Period, mode: str, expected: Period) -> None:
    assert period.previous(mode) == expected


def test_partial_and_runs() -> None:
    ps = periods_between("month", D(2026, 10, 15), D(2026, 12, 5))
    assert [(p.first, p.last, p.partial) for p in ps] == [
        (D(2026, 10, 15), D(2026, 10, 31), True), (D(2026, 11, 1), D(2026, 11, 30), False),
        (D(2026, 12, 1), D(2026, 12, 5), True)]
    prev = [p.previous("previous") for p in ps]
    # Sep 15-30, Oct 1-31 follow each other; Nov 1-5 overlaps nothing before it but follows October
    assert contiguous_runs(prev) == [[0, 1, 2]]
    assert contiguous_runs([Period("month", D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 5)),
                            Period("month", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28))]) == [[0], [1]]


# -- property: previous_value equals the previous period computed on its own ----------------
BASE = pd.Timestamp("2024-01-01", tz="UTC")
METRICS = ["ticket_volume", "tickets_resolved", "backlog", "resolution_rate", "first_response_time",
           "resolution_time", "replies_per_resolution", "fcr_rate", "channel_share", "nps"]

ticket_st = st.fixed_dictionaries({
    "start": st.integers(0, 330 * 24 * 60),  # minutes into 2024 (both DST changes of Europe/Helsinki)
    "channel": st.sampled_from(["email", "chat"]),
    "reply": st.one_of(st.none(), st.integers(1, 4000)),
    "solve": st.one_of(st.none(), st.integers(1, 60 * 24 * 20)),
})
answer_st = st.tuples(st.integers(0, 330 * 24 * 60), st.integers(0, 10))


def build(tickets: list[dict], answers: list[tuple[int, int]]) -> Store:
    t, m, s = [], [], []
    for i, tk in enumerate(tickets):
        tid = f"T{i}"
        created = BASE + pd.Timedelta(minutes=tk["start"])
        t.append((tid, created, tk["channel"]))
        m.append((f"{tid}c", tid, created, "customer", True))
        if tk["reply"] is not None:
            m.append((f"{tid}a", tid, created + pd.Timedelta(minutes=tk["reply"]), "agent", True))
        if tk["solve"] is not None:
            s.append((tid, created + pd.Timedelta(minutes=tk["solve"]), "solved"))
    store = Store(":memory:", config=Config())
    store.import_frame("tickets", pd.DataFrame(t, columns=["ticket_id", "created_at", "channel"]))
    store.import_frame("messages", pd.DataFrame(m, columns=["message_id", "ticket_id", "created_at", "author_type",
                                                            "public"]))
    if s:
        store.import_frame("status_changes", pd.DataFrame(s, columns=["ticket_id", "changed_at", "to_status"]))
    if answers:
        store.import_frame("survey_responses", pd.DataFrame(
            [(f"R{i}", "nps", BASE + pd.Timedelta(minutes=at), score) for i, (at, score) in enumerate(answers)],
            columns=["response_id", "survey", "responded_at", "score"]))
    return store


def same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]


# Each example builds a store and queries every metric two to six times (~1 s): a fifth of the
# profile's examples (tests/conftest.py: ``ci`` 100 -> 20, ``thorough`` 1000 -> 200), no shrinking.
@settings(max_examples=max(10, settings.default.max_examples // 5), deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(ticket_st, min_size=1, max_size=25), st.lists(answer_st, max_size=25),
       st.sampled_from(["UTC", "Europe/Helsinki"]), st.sampled_from(["day", "week", "month", "quarter", "total"]),
       st.sampled_from(["previous", "year"]), st.integers(0, 330), st.integers(0, 60))
def test_previous_value_is_the_previous_period_on_its_own(tickets, answers, tz, grain, mode, start, days) -> None:
    store = build(tickets, answers)
    try:
        first = D(2024, 1, 1) + dt.timedelta(days=start)
        # a few periods of each grain (each comparison period is queried again on its own)
        span = {"day": days % 5, "week": days % 5 * 7, "month": days % 3 * 30, "quarter": days % 2 * 91}
        last = first + dt.timedelta(days=span.get(grain, days))
        if mode == "year":
            first, last = first + dt.timedelta(days=366), last + dt.timedelta(days=366)
        got = store.metrics(METRICS, grain=grain, from_=first, to=last, tz=tz, compare=mode)
        assert len(got)
        own_cache: dict[tuple[D, D], pd.DataFrame] = {}
        for r in got.to_dict("records"):
            span = (r["previous_from"], r["previous_to"])
            if span not in own_cache:
                own_cache[span] = store.metrics(METRICS, grain=grain, from_=span[0], to=span[1], tz=tz)
            own = own_cache[span]
            match = own[(own["metric"] == r["metric"])]
            if grain != "total":
                match = match[match["period_start"] == floor_local(span[0], grain)]
            if "channel" in own and r["metric"] == "channel_share":
                match = match[match["channel"] == r["channel"]]
            actual = None if r["previous_value"] is None or pd.isna(r["previous_value"]) else r["previous_value"]
            if not len(match):  # a channel the comparison period does not have: 0% of its tickets, or no data
                assert r["metric"] == "channel_share" and actual in (0, None), (r, span)
                continue
            expected = match["value"].iloc[0]
            expected = None if expected is None or pd.isna(expected) else expected
            assert same(actual, expected), (r["metric"], r["period_start"], span, actual, expected)
    finally:
        store.close()
