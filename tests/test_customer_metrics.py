"""Customer and revenue metrics on small hand-checked stores and the seed 004 examples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxmetrics.analyses.churn import churn_by_feedback, churn_reasons
from cxmetrics.engine.core import Query
from cxmetrics.errors import QueryError
from cxmetrics.metrics.stats import wilson
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests.scenario import T

CUSTOMER_METRICS = ["active_customers_start", "active_customers", "new_customers", "churned_customers",
                    "churn_rate", "churn_rate:starting_customers", "retention_rate"]


def customers(rows: list[tuple]) -> pd.DataFrame:
    """(id, acquired_at, churned_at, segment[, churn_reason, acquisition_channel])."""
    cols = ["customer_id", "acquired_at", "churned_at", "segment", "churn_reason", "acquisition_channel"]
    return pd.DataFrame([r + (None,) * (len(cols) - len(r)) for r in rows], columns=cols)


def one(df: pd.DataFrame, metric: str, period: str | None = None, **dims: str) -> dict:
    sel = df[df.metric == metric]
    if period is not None:
        sel = sel[sel.period_start == dt.date.fromisoformat(period)]
    for k, v in dims.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (metric, period, dims, sel)
    return sel.iloc[0].to_dict()


@pytest.fixture
def seed(store):
    """Seed 004: S = 100 at the start of January, 25 lost and 15 acquired in it, so E = 90.

    consumer: 60 at start, 18 lost, 10 new; business: 40 at start, 7 lost, 5 new."""
    rows = []
    for i in range(100):
        seg = "consumer" if i < 60 else "business"
        lost = i < 18 or 60 <= i < 67
        rows.append((f"s{i:03d}", T("2023-06-01"), T("2024-01-10") if lost else None, seg))
    rows += [(f"n{i:02d}", T("2024-01-15"), None, "consumer" if i < 10 else "business") for i in range(15)]
    store.import_frame("customers", customers(rows))
    return store


def test_seed_004_churn_and_retention(seed) -> None:
    df = seed.metrics(CUSTOMER_METRICS, grain="month", from_="2024-01-01", to="2024-02-29")
    jan = {m: one(df, m, "2024-01-01") for m in CUSTOMER_METRICS}
    assert [jan[m]["value"] for m in CUSTOMER_METRICS[:4]] == [100, 90, 15, 25]
    churn, crr = jan["churn_rate"], jan["retention_rate"]
    assert (churn["value"], churn["numerator"], churn["denominator"]) == (25.0, 25, 100)
    assert (crr["value"], crr["numerator"], crr["denominator"]) == (75.0, 75, 100)
    lo, hi = wilson(np.array([25]), np.array([100]))
    assert (churn["ci_low"], churn["ci_high"]) == (pytest.approx(lo[0]), pytest.approx(hi[0]))
    assert jan["churn_rate:starting_customers"]["value"] == 25.0
    assert churn["unit"] == "percent" and not churn["low_sample"]
    # February: the 90 of the end of January, nobody lost
    feb = {m: one(df, m, "2024-02-01")["value"] for m in CUSTOMER_METRICS}
    assert [feb[m] for m in CUSTOMER_METRICS] == [90, 90, 0, 0, 0.0, 0.0, 100.0]


def test_by_segment_and_where(seed) -> None:
    df = seed.metrics(["churn_rate", "retention_rate", "active_customers"], grain="month",
                      from_="2024-01-01", to="2024-01-31", by=["segment"])
    assert one(df, "churn_rate", segment="consumer")["value"] == pytest.approx(30.0)  # 18 / 60
    assert one(df, "retention_rate", segment="consumer")["value"] == pytest.approx(70.0)  # (52 - 10) / 60
    assert one(df, "churn_rate", segment="business")["value"] == pytest.approx(17.5)  # 7 / 40
    assert one(df, "active_customers", segment="business")["value"] == 38  # 40 - 7 + 5
    only = seed.metrics(["churn_rate"], grain="month", from_="2024-01-01", to="2024-01-31",
                        where={"segment": "business"})
    assert len(only) == 1 and only.iloc[0]["value"] == pytest.approx(17.5)


def test_new_customers_lost_in_the_same_period(store) -> None:
    # 4 at start, 1 of them lost; 2 acquired in March, 1 of those lost in March too
    store.import_frame("customers", customers([
        ("a", T("2024-01-01"), None, None), ("b", T("2024-01-01"), None, None), ("c", T("2024-01-01"), None, None),
        ("d", T("2024-01-01"), T("2024-03-05"), None),
        ("e", T("2024-03-02"), None, None), ("f", T("2024-03-03"), T("2024-03-20"), None),
    ]))
    df = store.metrics(CUSTOMER_METRICS, grain="month", from_="2024-03-01", to="2024-03-31")
    v = {m: one(df, m)["value"] for m in CUSTOMER_METRICS}
    assert [v[m] for m in CUSTOMER_METRICS[:4]] == [4, 4, 2, 2]  # S, E, N, lost
    assert v["churn_rate"] == 50.0  # 2 lost / 4 (the seed formula counts f too)
    assert v["retention_rate"] == 50.0  # (E - N) / S = (4 - 2) / 4
    assert v["churn_rate:starting_customers"] == 25.0  # only d was there at the start


def test_period_boundaries_and_time_zone(store) -> None:
    store.import_frame("customers", customers([
        ("a", T("2023-12-01"), T("2024-01-31 23:30"), None),  # 1 February 01:30 in Helsinki
        ("b", T("2024-01-01 00:00"), None, None),  # acquired at January's first instant: new, not at start
        ("c", T("2023-12-31 23:00"), None, None),  # 1 January 01:00 in Helsinki
    ]))
    utc = store.metrics(CUSTOMER_METRICS, grain="month", from_="2024-01-01", to="2024-02-29")
    assert one(utc, "active_customers_start", "2024-01-01")["value"] == 2  # a, c
    assert one(utc, "new_customers", "2024-01-01")["value"] == 1
    assert one(utc, "churn_rate", "2024-01-01")["value"] == 50.0
    assert one(utc, "churn_rate", "2024-02-01")["value"] == 0.0
    hel = store.metrics(CUSTOMER_METRICS, grain="month", from_="2024-01-01", to="2024-02-29",
                        tz="Europe/Helsinki")
    assert one(hel, "active_customers_start", "2024-01-01")["value"] == 1  # a only
    assert one(hel, "new_customers", "2024-01-01")["value"] == 2  # b, c
    assert one(hel, "churn_rate", "2024-01-01")["value"] == 0.0
    assert one(hel, "churn_rate", "2024-02-01")["value"] == pytest.approx(100 / 3)  # a of a, b, c


def test_total_grain_needs_a_start(seed) -> None:
    # without --from the period starts before anyone was a customer
    r = one(seed.metrics(["churn_rate", "active_customers"], grain="total"), "churn_rate")
    assert (r["numerator"], r["denominator"]) == (0, 0) and pd.isna(r["value"])
    df = seed.metrics(["churn_rate", "active_customers"], grain="total", from_="2024-01-01", to="2024-02-29")
    assert one(df, "churn_rate")["value"] == 25.0
    assert one(df, "active_customers")["value"] == 90


def test_cac_seed_example(store) -> None:
    # seed 004: 10,000 spent and 20,000 customers acquired give 0.50
    n = 20_000
    store.import_frame("customers", pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "acquired_at": T("2024-01-01") + pd.to_timedelta(np.arange(n) % (31 * 24), "h")}))
    store.import_frame("marketing_spend", pd.DataFrame({
        "period_start": [T("2024-01-01")], "period_end": [T("2024-01-31")], "amount": [10_000.0]}))
    df = store.metrics(["cac", "marketing_spend"], grain="month", from_="2024-01-01", to="2024-01-31")
    cac = one(df, "cac")
    assert (cac["value"], cac["n"], cac["unit"]) == (pytest.approx(0.5), n, "currency")
    assert pd.isna(cac["ci_low"])
    assert one(df, "marketing_spend")["value"] == pytest.approx(10_000)


@pytest.fixture
def spend(store):
    """3,000 over 16 January - 14 February (30 days, 100 a day) on paid_search; 620 in January on social."""
    store.import_frame("marketing_spend", pd.DataFrame({
        "period_start": [T("2024-01-16"), T("2024-01-01")], "period_end": [T("2024-02-14"), T("2024-01-31")],
        "amount": [3000.0, 620.0], "channel": ["paid_search", "social"]}))
    rows = [(f"p{i}", T("2024-01-20"), None, None, None, "paid_search") for i in range(16)]
    rows += [(f"q{i}", T("2024-02-02"), None, None, None, "paid_search") for i in range(7)]
    rows += [(f"s{i}", T("2024-01-05"), None, None, None, "social") for i in range(2)]
    rows += [("o1", T("2024-01-06"), None, None, None, "organic")]
    store.import_frame("customers", customers(rows))
    return store


def test_spend_is_prorated_by_overlapping_days(spend) -> None:
    df = spend.metrics(["marketing_spend", "cac"], grain="month", from_="2024-01-01", to="2024-02-29")
    assert one(df, "marketing_spend", "2024-01-01")["value"] == pytest.approx(1600 + 620)
    assert one(df, "marketing_spend", "2024-02-01")["value"] == pytest.approx(1400)
    assert one(df, "cac", "2024-01-01")["value"] == pytest.approx(2220 / 19)  # blended: all spend / all acquired
    by = spend.metrics(["cac"], grain="month", from_="2024-01-01", to="2024-02-29", by=["acquisition_channel"])
    assert one(by, "cac", "2024-01-01", acquisition_channel="paid_search")["value"] == pytest.approx(100)
    assert one(by, "cac", "2024-02-01", acquisition_channel="paid_search")["value"] == pytest.approx(200)
    assert one(by, "cac", "2024-01-01", acquisition_channel="social")["value"] == pytest.approx(310)
    assert one(by, "cac", "2024-01-01", acquisition_channel="organic")["value"] == 0.0
    assert pd.isna(one(by, "cac", "2024-02-01", acquisition_channel="social")["value"])  # nobody acquired
    week = spend.metrics(["marketing_spend"], grain="total", from_="2024-02-10", to="2024-02-16")
    assert one(week, "marketing_spend")["value"] == pytest.approx(500)  # 10-14 February


def test_spend_slices_by_acquisition_channel_only(spend) -> None:
    with pytest.raises(QueryError, match="does not apply to marketing spend"):
        spend.metrics(["cac"], grain="month", by=["segment"], from_="2024-01-01", to="2024-01-31")
    # "all metrics" by segment leaves CAC out instead of failing
    engine = spend.engine()
    keys = {m.key for m in engine.applicable(Query(by=("segment",)))}
    assert "churn_rate" in keys and "cac" not in keys and "marketing_spend" not in keys
    keys = {m.key for m in engine.applicable(Query(by=("hour",)))}
    assert "churn_rate" not in keys and "new_customers" in keys
    assert {m.key for m in engine.applicable(Query(by=("acquisition_channel",)))} >= {"cac", "churn_rate"}


@pytest.fixture
def shop(store):
    store.import_frame("customers", customers([
        ("a", T("2023-01-01"), None, "consumer"), ("b", T("2023-01-01"), T("2024-01-20"), "business"),
        ("c", T("2024-02-10"), None, "consumer")]))
    rows = [("o1", "a", "2024-01-02", 10.0), ("o2", "a", "2024-01-09", 20.0), ("o3", "b", "2024-01-15", 30.0),
            ("o4", "a", "2024-02-01", 5.0), ("o5", "c", "2024-02-11", 40.0), ("o6", "c", "2024-02-12", 60.0),
            ("o7", "x", "2024-02-20", 100.0)]  # x is not in the customers table
    store.import_frame("orders", pd.DataFrame({
        "order_id": [r[0] for r in rows], "customer_id": [r[1] for r in rows],
        "ordered_at": [T(r[2]) for r in rows], "amount": [r[3] for r in rows], "currency": "EUR"}))
    return store


def test_revenue_arpu_and_repeat_purchase(shop) -> None:
    keys = ["revenue", "arpu", "repeat_purchase_rate"]
    df = shop.metrics(keys, grain="month", from_="2024-01-01", to="2024-02-29")
    rev = one(df, "revenue", "2024-01-01")
    assert (rev["value"], rev["n"], rev["unit"]) == (60.0, 3, "currency")
    assert one(df, "revenue", "2024-02-01")["value"] == 205.0
    # ARPU: January a (30) and b (30, lost on the 20th); February a (5) and c (100); x is no customer
    jan = one(df, "arpu", "2024-01-01")
    assert (jan["value"], jan["n"]) == (30.0, 2)
    assert one(df, "arpu", "2024-02-01")["value"] == 52.5
    feb = one(df, "arpu", "2024-02-01")
    half = 12.706204736174698 * np.std([5.0, 100.0], ddof=1) / np.sqrt(2)  # t(0.975, 1)
    assert (feb["ci_low"], feb["ci_high"]) == (pytest.approx(52.5 - half), pytest.approx(52.5 + half))
    # repeat purchase within the period: January a (2 orders) of a, b; February c of a, c, x
    rpr = one(df, "repeat_purchase_rate", "2024-01-01")
    assert (rpr["value"], rpr["numerator"], rpr["denominator"]) == (50.0, 1, 2)
    assert one(df, "repeat_purchase_rate", "2024-02-01")["value"] == pytest.approx(100 / 3)
    total = shop.metrics(keys, grain="total", from_="2024-01-01", to="2024-02-29")
    assert one(total, "repeat_purchase_rate")["value"] == 50.0  # a, c of a, b, c, x
    assert one(total, "revenue")["value"] == 265.0
    seg = shop.metrics(["revenue", "arpu"], grain="total", from_="2024-01-01", to="2024-02-29", by=["segment"])
    assert one(seg, "revenue", segment="consumer")["value"] == 135.0
    assert one(seg, "arpu", segment="business")["value"] == 30.0


def test_mixed_currencies_are_an_error_unless_split(shop) -> None:
    shop.import_frame("orders", pd.DataFrame({"order_id": ["u1"], "customer_id": ["a"],
                                              "ordered_at": [T("2024-01-03")], "amount": [7.0], "currency": "USD"}))
    for key in ("revenue", "arpu"):
        with pytest.raises(QueryError, match=r"2 currencies \(EUR, USD\)"):
            shop.metrics([key], grain="total", from_="2024-01-01", to="2024-02-29")
    df = shop.metrics(["revenue"], grain="total", from_="2024-01-01", to="2024-02-29", by=["currency"])
    assert one(df, "revenue", currency="USD")["value"] == 7.0
    assert one(df, "revenue", currency="EUR")["value"] == 265.0
    eur = shop.metrics(["arpu"], grain="month", from_="2024-01-01", to="2024-01-31", where={"currency": "EUR"})
    assert eur.iloc[0]["value"] == 30.0
    # February alone is in one currency
    assert shop.metrics(["revenue"], grain="total", from_="2024-02-01", to="2024-02-29").iloc[0]["value"] == 205


def test_ticket_dimensions_do_not_apply(seed) -> None:
    with pytest.raises(QueryError, match="does not apply"):
        seed.metrics(["churn_rate"], by=["channel"], from_="2024-01-01", to="2024-01-31")


def test_every_customer_metric_compiles(seed) -> None:
    from cxmetrics.metrics.customers import METRICS

    engine = seed.engine()
    keys = [m.key for m in METRICS]
    assert len(keys) == 12
    for key in keys:
        q = Query(grain="month", by=("acquisition_channel",), from_=dt.date(2024, 1, 1), to=dt.date(2024, 3, 31),
                  tz="Europe/Helsinki")
        assert "SELECT" in engine.sql(key, q)


# -- feedback meets churn -------------------------------------------------------------
@pytest.fixture
def feedback(store):
    """Promoters p1-p4 (p1 lost in January), detractors d1-d4 (three lost), passive v1, silent s1-s2 (s1 lost)."""
    ids = ["p1", "p2", "p3", "p4", "d1", "d2", "d3", "d4", "v1", "s1", "s2"]
    lost = {"p1", "d1", "d2", "d3", "s1"}
    store.import_frame("customers", customers([
        (c, T("2023-01-01"), T("2024-01-15") if c in lost else None, None) for c in ids]))
    answers = [(c, T("2023-11-01"), 10.0) for c in ("p1", "p2", "p3", "p4")]
    answers += [(c, T("2023-11-01"), 3.0) for c in ("d1", "d2", "d3", "d4")]
    answers += [("v1", T("2023-11-01"), 8.0),
                ("p2", T("2023-05-01"), 2.0),  # an older answer: the latest one counts
                ("d4", T("2024-01-10"), 10.0)]  # answered during the period: not yet known at its start
    csat = [("p1", T("2023-12-01"), 5.0), ("d1", T("2023-12-01"), 2.0), ("d2", T("2023-12-01"), 1.0)]
    rows = [("nps", *a) for a in answers] + [("csat", *a) for a in csat]
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": [f"r{i}" for i in range(len(rows))], "survey": [r[0] for r in rows],
        "customer_id": [r[1] for r in rows], "responded_at": [r[2] for r in rows],
        "score": [r[3] for r in rows]}))
    return store


def test_churn_by_nps_group(feedback) -> None:
    df = churn_by_feedback(feedback, grain="month", from_="2024-01-01", to="2024-01-31")
    churn = df[df.metric == "churn_rate"].set_index("feedback_group")
    assert churn.loc["promoter", "value"] == 25.0  # p1 of p1-p4
    assert churn.loc["detractor", "value"] == 75.0  # d1-d3 of d1-d4
    assert churn.loc["passive", "value"] == 0.0
    assert churn.loc["no answer", "value"] == 50.0
    assert churn["denominator"].sum() == 11
    crr = df[df.metric == "retention_rate"].set_index("feedback_group")
    assert (crr["value"] + churn["value"]).tolist() == [100.0] * 4


def test_churn_by_csat_group(feedback) -> None:
    df = churn_by_feedback(feedback, survey="csat", grain="total", from_="2024-01-01", to="2024-01-31")
    churn = df[df.metric == "churn_rate"].set_index("csat_group")
    assert churn.loc["satisfied", "value"] == 100.0  # p1
    assert churn.loc["not_satisfied", "value"] == 100.0  # d1, d2
    assert churn.loc["no answer", "value"] == pytest.approx(200 / 8)  # d3, s1 of 8
    with pytest.raises(QueryError, match="nps or csat"):
        churn_by_feedback(feedback, survey="ces")


def test_churn_reasons_with_exit_surveys(store) -> None:
    store.import_frame("customers", customers([
        ("a", T("2023-01-01"), T("2024-01-10"), None, "price"),
        ("b", T("2023-01-01"), T("2024-01-11"), None, "price"),
        ("c", T("2023-01-01"), T("2024-01-12"), None, "poor service"),
        ("d", T("2023-01-01"), T("2024-01-13"), None, None),  # reason from the exit survey
        ("e", T("2023-01-01"), T("2024-01-14"), None, None),  # no reason at all
        ("f", T("2023-01-01"), T("2024-03-01"), None, "price"),  # outside the range
        ("g", T("2023-01-01"), None, None, None),
    ]))
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": ["x1", "x2", "x3", "x4"], "survey": ["exit", "exit", "Exit", "nps"],
        "customer_id": ["d", "a", "e", "e"],
        "responded_at": [T("2024-01-14"), T("2024-01-10"), T("2023-06-01"), T("2024-01-14")],
        "score": [None, None, None, 2.0],
        "comment": [" Too Expensive ", "cost", "long before the churn", "not an exit survey"]}))
    df = churn_reasons(store, from_="2024-01-01", to="2024-01-31")
    assert df["reason"].tolist() == ["price", "poor service", "too expensive", "unknown"]
    assert df["customers"].tolist() == [2, 1, 1, 1]
    assert df["share"].tolist() == [40.0, 20.0, 20.0, 20.0]
    assert df["from_exit_survey"].tolist() == [0, 0, 1, 0]
    assert df["exit_comments"].tolist() == [1, 0, 1, 0]  # a commented but has a reason
    lo, hi = wilson(np.array([2]), np.array([5]))
    assert (df["ci_low"][0], df["ci_high"][0]) == (pytest.approx(lo[0]), pytest.approx(hi[0]))


# -- invariants -----------------------------------------------------------------------
# A store and the customer metrics per example (about 1 s): a quarter of the profile's examples
# (tests/conftest.py: ``ci`` 100 -> 25), no shrinking.
SETTINGS = settings(max_examples=max(3, settings.default.max_examples // 4), phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
lives = st.lists(st.tuples(st.integers(0, 120), st.one_of(st.none(), st.integers(0, 80)),
                           st.sampled_from(["x", "y"]), st.sampled_from(["price", "service", None])),
                 min_size=1, max_size=40)


@SETTINGS
@given(lives)
def test_churn_and_retention_are_consistent(rows: list[tuple]) -> None:
    """For any customers: CRR = 100 - churn, E = S + N - lost, next S = this E; reason shares sum to 100."""
    start = T("2024-01-01")
    data = customers([(f"c{i}", start + pd.Timedelta(days=a), None if c is None else start + pd.Timedelta(days=a + c),
                       seg, reason) for i, (a, c, seg, reason) in enumerate(rows)])
    store = Store(":memory:", config=Config())
    try:
        store.import_frame("customers", data)
        df = store.metrics(CUSTOMER_METRICS, grain="month", from_="2024-02-01", to="2024-05-31", by=["segment"])
        for (_period, _seg), g in df.groupby(["period_start", "segment"]):
            v = g.set_index("metric")["value"]
            if v.isna().all():  # a month before the first customer: no data
                continue
            flows = v.get("new_customers", 0) - v.get("churned_customers", 0)  # counts show groups with rows only
            assert v["active_customers"] == v["active_customers_start"] + flows
            if v["active_customers_start"] > 0:
                assert v["retention_rate"] + v["churn_rate"] == pytest.approx(100)
                assert v["churn_rate:starting_customers"] <= v["churn_rate"]
            else:
                assert pd.isna(v["churn_rate"]) and pd.isna(v["retention_rate"])
        for _seg, g in df.groupby("segment"):
            start_next = g[g.metric == "active_customers_start"]["value"].to_numpy()[1:]
            end_prev = g[g.metric == "active_customers"]["value"].to_numpy()[:-1]
            known = ~np.isnan(end_prev.astype("float64"))  # a month before the first customer has no data
            assert (start_next[known] == end_prev[known]).all()
        reasons = churn_reasons(store)
        assert reasons["customers"].sum() == data["churned_at"].notna().sum()
        if len(reasons):
            assert reasons["share"].sum() == pytest.approx(100)
    finally:
        store.close()
