"""Feedback metrics on small hand-checked responses and the published examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cxmetrics.metrics.stats import nps_interval, nps_variance
from cxmetrics.settings import config_from_dict
from tests.scenario import T


def responses(rows: list[tuple]) -> pd.DataFrame:
    cols = ["survey", "score", "question", "ticket_id", "customer_id", "scale_min", "scale_max"]
    df = pd.DataFrame([r + (None,) * (len(cols) - len(r)) for r in rows], columns=cols)
    df.insert(0, "response_id", [f"r{i}" for i in range(len(df))])
    df.insert(2, "responded_at", T("2024-03-05 12:00"))
    return df


@pytest.fixture
def fb(store):
    store.config = config_from_dict({"surveys": {"effort": {"type": "ces", "scale": [1, 5],
                                                            "orientation": "effort_high"},
                                                 "post_chat": {"type": "csat", "scale": [1, 7]}}})
    store.import_frame("tickets", pd.DataFrame({"ticket_id": ["t1", "t2"], "created_at": [T("2024-03-01")] * 2,
                                                "channel": ["email", "chat"], "agent_id": ["a1", "a2"]}))
    store.import_frame("survey_responses", responses([
        # R package NPS example: 0,7,7,9,9,9 -> 33.3; plus one skipped answer
        ("nps", 0, None, "t1"), ("nps", 7, None, "t1"), ("nps", 7, None, "t2"), ("nps", 9, None, "t2"),
        ("nps", 9, None, "t2"), ("nps", 9, None, "t2"), ("nps", None, None, "t2"),
        # CSAT 1-5: 5, 4 satisfied; 3, 2 not -> 50%
        ("csat", 5, None, "t1"), ("csat", 4, None, "t1"), ("csat", 3, None, "t2"), ("csat", 2, None, "t2"),
        # a 1-7 CSAT survey declared in cxm.toml: 6, 7 satisfied, 5 not
        ("post_chat", 6), ("post_chat", 7), ("post_chat", 5),
        # CES where high = effort: 1 (very easy -> 5), 2 (-> 4), 4 (-> 2): 2 of 3 low-effort
        ("effort", 1), ("effort", 2), ("effort", 4),
        # a response carrying its own 1-3 scale: top box only
        ("csat", 3, None, None, None, 1, 3), ("csat", 2, None, None, None, 1, 3),
        # experience ratings per question
        ("cx", 5, "tone"), ("cx", 3, "tone"), ("cx", 4, "manner"),
    ]))
    store.import_frame("survey_invitations", pd.DataFrame({
        "invitation_id": [f"i{i}" for i in range(10)], "survey": ["nps"] * 10, "sent_at": T("2024-03-01")}))
    return store


def one(df: pd.DataFrame, metric: str, **dims: str) -> dict:
    sel = df[df.metric == metric]
    for k, v in dims.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (metric, dims, sel)
    return sel.iloc[0].to_dict()


def test_nps_published_example(fb) -> None:
    df = fb.metrics(["nps", "promoters_share", "passives_share", "detractors_share"], grain="total")
    r = one(df, "nps")
    assert r["value"] == pytest.approx(100 / 3)
    assert (r["n"], r["numerator"], r["denominator"], r["skipped"]) == (6, 2, 6, 1)
    assert bool(r["low_sample"]) is True
    assert nps_variance(np.array([3]), np.array([1]), np.array([6]))[0] == pytest.approx(5 / 9)
    assert r["ci_low"] < r["value"] < r["ci_high"]
    shares = [one(df, f"{g}_share")["value"] for g in ("promoters", "passives", "detractors")]
    assert shares == [pytest.approx(50), pytest.approx(100 / 3), pytest.approx(100 / 6)]
    assert sum(shares) == pytest.approx(100)


def test_nps_seed_example_and_interval() -> None:
    # seed 004: 80% promoters, 15% detractors -> 65; adjusted Wald by hand for n = 100
    lo, hi = nps_interval(np.array([80]), np.array([15]), np.array([100]))
    p, d, n = 80.75 / 103, 15.75 / 103, 103
    half = 1.959963984540054 * math.sqrt(((p + d) - (p - d) ** 2) / n)
    assert lo[0] == pytest.approx(100 * (p - d - half))
    assert hi[0] == pytest.approx(100 * (p - d + half))
    assert lo[0] < 65 < hi[0]


def test_csat_top_two_box_on_each_scale(fb) -> None:
    df = fb.metrics(["csat", "csat_mean"], grain="total", by=["survey"])
    c = one(df, "csat", survey="csat")
    # 5, 4 of 1-5 and 3 of 1-3 satisfied; 3, 2 of 1-5 and 2 of 1-3 not
    assert (c["numerator"], c["denominator"]) == (3, 6)
    pc = one(df, "csat", survey="post_chat")
    assert (pc["numerator"], pc["denominator"]) == (2, 3)
    assert one(df, "csat_mean", survey="post_chat")["value"] == pytest.approx(6.0)


def test_ces_inverts_effort_high_scales(fb) -> None:
    df = fb.metrics(["ces", "ces_mean"], grain="total")
    assert (one(df, "ces")["numerator"], one(df, "ces")["denominator"]) == (2, 3)
    assert one(df, "ces_mean")["value"] == pytest.approx((5 + 4 + 2) / 3)


def test_cx_rating_per_question(fb) -> None:
    df = fb.metrics(["cx_rating"], grain="total", by=["question"])
    assert one(df, "cx_rating", question="tone")["value"] == pytest.approx(4.0)
    assert one(df, "cx_rating", question="manner")["value"] == pytest.approx(4.0)
    pooled = fb.metrics(["cx_rating"], grain="total")
    assert one(pooled, "cx_rating")["value"] == pytest.approx(4.0)
    assert one(pooled, "cx_rating")["n"] == 3


def test_feedback_by_ticket_dimensions(fb) -> None:
    df = fb.metrics(["nps"], grain="total", by=["channel"])
    # t1 (email): 0, 7 -> -50; t2 (chat): 7, 9, 9, 9 -> 75
    assert one(df, "nps", channel="email")["value"] == pytest.approx(-50)
    assert one(df, "nps", channel="chat")["value"] == pytest.approx(75)
    by_agent = fb.metrics(["csat"], grain="total", by=["agent"], where={"survey": "csat"})
    assert one(by_agent, "csat", agent="a1")["value"] == 100


def test_response_rate(fb) -> None:
    df = fb.metrics(["survey_response_rate"], grain="total", by=["survey"])
    r = one(df, "survey_response_rate", survey="nps")
    # 6 answered NPS responses: r0-r1 share (t1, responded_at) so they are one submission;
    # r2-r5 share (t2, ...) so one more: 2 returned / 10 invitations
    assert (r["numerator"], r["denominator"]) == (2, 10)


def test_dimension_that_does_not_apply_is_an_error(fb) -> None:
    from cxmetrics.errors import QueryError

    with pytest.raises(QueryError, match="does not apply"):
        fb.metrics(["ticket_volume"], grain="total", by=["question"])


@pytest.mark.parametrize("by", [(), ("survey",), ("channel",)])
def test_batched_equals_single_queries(fb, by) -> None:
    from cxmetrics.engine.core import Query
    from cxmetrics.metrics.registry import all_metrics

    e = fb.engine()
    q = Query(grain="month", by=by)
    keys = [m.key for m in all_metrics() if m.domain == "feedback"]
    from cxmetrics.engine.records import records_frame

    batched = e.results(keys, q)
    for k in keys:
        pd.testing.assert_frame_equal(records_frame(batched[k]), records_frame(e.result(k, q)),
                                      check_dtype=False, obj=k)


def test_survey_metrics_by_and_where_a_customer_attribute(small_demo) -> None:
    """Survey responses take their customer from their ticket (a join of their own): sliced by a
    customer attribute they answer, the groups add up to the whole, and a --where of one value is
    that value's row (it was an internal error from Ibis, IntegrityError)."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    with Store(small_demo, read_only=True, config=Config()) as s:
        whole = s.metrics(["nps", "csat"], grain="total")
        by = s.metrics(["nps", "csat"], grain="total", by=["segment"])
        for metric in ("nps", "csat"):
            rows = by[by["metric"] == metric]
            assert len(rows) >= 2
            assert rows["n"].sum() == whole[whole["metric"] == metric]["n"].iloc[0]
            for _, row in rows[rows["segment"].notna()].iterrows():
                one = s.metrics([metric], grain="total", where={"segment": row["segment"]})
                assert one["n"].iloc[0] == row["n"] and one["value"].iloc[0] == pytest.approx(row["value"])
