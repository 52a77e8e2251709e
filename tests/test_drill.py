"""Drill-down (cxmetrics.engine.drill): the rows behind a value are exactly the metric's population.

Hand-checked on the support scenario (tests/scenario.py), then checked against every
record's n / denominator on the small demo store, for several metrics and groups.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics.engine import drill
from cxmetrics.engine.core import Query
from cxmetrics.errors import QueryError
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests import scenario
from tests.api_support import END, copy_store

MARCH = dt.date(2024, 3, 1)
Q = Query(grain="month", from_=dt.date(2024, 3, 1), to=dt.date(2024, 4, 30))


@pytest.fixture(scope="module")
def sc(tmp_path_factory: pytest.TempPathFactory):
    s = Store(tmp_path_factory.mktemp("drill") / "cx.duckdb", config=Config())
    scenario.load(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def demo(api_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    s = Store(copy_store(api_demo, tmp_path_factory.mktemp("drill_demo")), config=Config())
    yield s
    s.close()


def ids(df: pd.DataFrame, col: str = "ticket_id") -> list[str]:
    return sorted(df[col])


def test_ticket_volume_lists_the_periods_tickets(sc) -> None:
    rows, total = drill.rows(sc.engine(), "ticket_volume", Q, MARCH)
    assert total == 6 and ids(rows) == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert list(rows.columns[:3]) == ["period_start", "ticket_id", "created_at"]
    assert set(rows["period_start"]) == {"2024-03-01"}
    assert str(rows["created_at"].dt.tz) == "UTC"  # timestamps in the reporting zone
    email, total = drill.rows(sc.engine(), "ticket_volume", Q, "2024-03-01", [("channel", "email")])
    assert total == 4 and ids(email) == ["T1", "T3", "T5", "T6"]


def test_duration_rows_carry_the_value(sc) -> None:
    rows, total = drill.rows(sc.engine(), "first_response_time", Q, MARCH, [("channel", "email")])
    # T1 first reply 10:00 (2 h), T3 13:00 after the outbound opener (4 h); T5, T6 never replied
    assert total == 2
    assert dict(zip(rows.ticket_id, rows.value, strict=True)) == {"T1": 7200.0, "T3": 14400.0}


def test_rate_rows_say_which_are_counted(sc) -> None:
    rows, total = drill.rows(sc.engine(), "fcr_rate", Q, MARCH)
    # resolved in March with a reply: T1 (2 replies), T2 (1 reply, reopened), T3 (1 reply), T4 (1 reply)
    assert total == 4
    assert dict(zip(rows.ticket_id, rows.counted, strict=True)) == {"T1": False, "T2": False, "T3": True,
                                                                   "T4": True}


def test_backlog_rows_are_the_open_tickets(sc) -> None:
    rows, total = drill.rows(sc.engine(), "backlog", Q, MARCH)
    assert total == 1 and ids(rows) == ["T5"]
    day = Query(grain="day", from_=dt.date(2024, 3, 11), to=dt.date(2024, 3, 11))
    # end of 03-11: T2 was reopened at 09:00; T5 is not created yet
    assert ids(drill.rows(sc.engine(), "backlog", day, "2024-03-11")[0]) == ["T2"]


def test_share_rows_flag_the_group(sc) -> None:
    rows, total = drill.rows(sc.engine(), "channel_share", Q, MARCH, [("channel", "email")])
    assert total == 6 and int(rows.counted.sum()) == 4  # 4 of the 6 March tickets are e-mails


def test_paging_is_stable_and_complete(sc) -> None:
    pages = [drill.rows(sc.engine(), "ticket_volume", Q, MARCH, page=p, page_size=4)[0] for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [4, 2, 0]
    assert ids(pd.concat(pages)) == ["T1", "T2", "T3", "T4", "T5", "T6"]


def test_user_errors(sc) -> None:
    e = sc.engine()
    with pytest.raises(QueryError, match="does not start a month"):
        drill.rows(e, "ticket_volume", Q, "2024-03-05")
    with pytest.raises(QueryError, match="required"):
        drill.rows(e, "ticket_volume", Q, None)
    with pytest.raises(QueryError, match="outside"):
        drill.rows(e, "ticket_volume", Q, "2023-01-01")
    with pytest.raises(QueryError, match="unknown dimension"):
        drill.rows(e, "ticket_volume", Q, MARCH, [("colour", "red")])
    with pytest.raises(QueryError, match="page"):
        drill.rows(e, "ticket_volume", Q, MARCH, page=0)
    with pytest.raises(drill.NoDrillDown):
        drill.rows(e, "cac", Q, MARCH)


def _expected(rec: dict, kind: str) -> int:
    if kind in ("rate", "share", "ratio"):
        return int(rec["denominator"])
    if kind == "level":
        return int(rec["value"])
    return int(rec["n"])


@pytest.mark.parametrize(("metric", "by"), [
    ("ticket_volume", "channel"), ("first_response_time", "channel"), ("fcr_rate", "category"),
    ("csat", None), ("nps", "channel"), ("call_abandonment_rate", "queue"), ("backlog", "priority"),
    ("resolution_time", None), ("response_time", "channel"), ("cart_abandonment_rate", None),
    ("survey_response_rate", None), ("contacts_per_issue", None), ("new_customers", "segment"),
    ("active_customers", "plan"), ("churn_rate:starting_customers", None), ("revenue", None),
])
def test_row_count_equals_the_records_n(demo, metric: str, by: str | None) -> None:
    from cxmetrics.metrics.registry import get

    m = get(metric)
    e = demo.engine()
    q = Query(grain="month", from_=dt.date(2026, 8, 1), to=END)
    frame = e.frame([metric], grain="month", by=[by] if by else [], from_=q.from_, to=q.to)
    checked = 0
    for rec in frame.to_dict("records"):
        group = [(by, rec[by])] if by else []
        _, total = drill.rows(e, metric, q, rec["period_start"], group, page_size=1)
        assert total == _expected(rec, m.kind), (metric, rec["period_start"], group)
        checked += total > 0
    assert checked > 0


def test_nps_row_values_average_to_the_nps(demo) -> None:
    e = demo.engine()
    q = Query(grain="month", from_=dt.date(2026, 9, 1), to=dt.date(2026, 9, 30))
    rec = e.frame(["nps"], grain="month", from_=q.from_, to=q.to).iloc[0]
    rows, total = drill.rows(e, "nps", q, "2026-09-01", page_size=None)
    assert total == rec["n"] and rows["value"].mean() == pytest.approx(rec["value"])


def test_rate_counted_rows_are_the_numerator(demo) -> None:
    e = demo.engine()
    q = Query(grain="total", from_=dt.date(2026, 8, 1), to=END)
    for metric in ("fcr_rate", "csat", "call_abandonment_rate", "churn_rate"):
        rec = e.frame([metric], grain="total", from_=q.from_, to=q.to).iloc[0]
        rows, _ = drill.rows(e, metric, q, None, page_size=None)
        assert int(rows["counted"].sum()) == rec["numerator"], metric
    churn = drill.rows(e, "churn_rate", q, None, page_size=None)[0]
    rec = e.frame(["churn_rate"], grain="total", from_=q.from_, to=q.to).iloc[0]
    assert int(churn["at_start"].sum()) == rec["denominator"]  # S; new customers lost are listed too


def test_group_filters_and_where_combine(demo) -> None:
    e = demo.engine()
    q = Query(grain="total", from_=dt.date(2026, 8, 1), to=END, where=(("priority", "high"),))
    rec = e.frame(["ticket_volume"], grain="total", by=["channel"], from_=q.from_, to=q.to,
                  where=[("priority", "high")]).iloc[0]
    rows, total = drill.rows(e, "ticket_volume", q, None, [("channel", rec["channel"])], page_size=None)
    assert total == rec["n"] and set(rows["priority"]) == {"high"} and set(rows["channel"]) == {rec["channel"]}



# -- drill-down as a work tool: sort, search, counted rows only ----------------------------------
def test_sort_by_a_shown_column(sc) -> None:
    p = drill.rows_page(sc.engine(), "first_response_time", Q, MARCH, [("channel", "email")],
                        sort="value", descending=True)
    # T3 waited 4 h, T1 2 h (test_duration_rows_carry_the_value)
    assert list(p.frame.ticket_id) == ["T3", "T1"] and p.total == p.population == 2
    with pytest.raises(QueryError, match="cannot sort"):
        drill.rows_page(sc.engine(), "ticket_volume", Q, MARCH, sort="colour")


def test_counted_only_lists_the_numerator(sc) -> None:
    p = drill.rows_page(sc.engine(), "fcr_rate", Q, MARCH, counted_only=True)
    # of T1..T4 resolved in March, T3 and T4 were resolved with one reply and not reopened
    assert ids(p.frame) == ["T3", "T4"] and p.total == 2 and p.population == 4 and p.counted == 2
    with pytest.raises(QueryError, match="no counted rows"):
        drill.rows_page(sc.engine(), "ticket_volume", Q, MARCH, counted_only=True)
    assert drill.rows_page(sc.engine(), "ticket_volume", Q, MARCH).counted is None


def test_search_ignores_case(sc) -> None:
    p = drill.rows_page(sc.engine(), "ticket_volume", Q, MARCH, search="EMAIL")
    assert p.population == 6 and p.total == 4 and set(p.frame.channel) == {"email"}  # 4 of 6 are e-mails


def test_metrics_without_rows_say_so() -> None:
    from cxmetrics.metrics.registry import all_metrics

    assert {m.key for m in all_metrics() if not m.rows} == {"marketing_spend", "cac", "arpu"}


@pytest.mark.parametrize("metric", ["marketing_spend", "cac", "arpu"])
def test_no_rows_raise(sc, metric: str) -> None:
    with pytest.raises(drill.NoDrillDown):
        drill.rows(sc.engine(), metric, Q, MARCH)
