"""CLV: the model formulas by hand on tiny data, the set-based inputs, historic CLV
on a hand-checked store, predictions and feedback groups, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
import typer
from scipy.special import beta as B
from scipy.special import gammaincinv
from typer.testing import CliRunner

from cxmetrics.analyses.clv import (
    ClvError,
    bgnbd_conditional,
    bgnbd_expected,
    bgnbd_loglik,
    bgnbd_p_alive,
    clv_bgnbd,
    clv_by_feedback,
    fit_sbg_survival,
    gamma_gamma_loglik,
    gamma_gamma_mean,
    historic_clv,
    predict_bgnbd,
    predict_sbg,
    rfm_summary,
    sbg_churn_probability,
    sbg_discounted_lifetime,
    sbg_loglik,
    sbg_survival,
    tenure_summary,
)
from cxmetrics.store import Store

BG = {"r": 0.5, "alpha": 2.0, "a": 1.5, "b": 2.5}


# -- formulas on tiny data ---------------------------------------------------
def _bgnbd_likelihood(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. 6 with plain Gamma and Beta functions (no logs)."""
    common = math.gamma(r + x) * alpha**r / math.gamma(r)
    one = B(a, b + x) / B(a, b) * common / (alpha + T) ** (r + x)
    two = B(a + 1, b + x - 1) / B(a, b) * common / (alpha + t_x) ** (r + x) if x > 0 else 0.0
    return one + two


def test_bgnbd_loglik_by_hand() -> None:
    x, t_x, T = np.array([3, 0, 1]), np.array([4.0, 0.0, 0.5]), np.array([6.0, 5.0, 7.0])
    want = sum(math.log(_bgnbd_likelihood(*BG.values(), int(xi), ti, Ti)) for xi, ti, Ti in zip(x, t_x, T, strict=True))
    assert bgnbd_loglik(tuple(BG.values()), x, t_x, T) == pytest.approx(want, rel=1e-12)
    # weights count a row several times
    assert bgnbd_loglik(tuple(BG.values()), x[:1], t_x[:1], T[:1], np.array([3.0])) == pytest.approx(
        3 * math.log(_bgnbd_likelihood(*BG.values(), 3, 4.0, 6.0)))


def test_bgnbd_predictions_are_consistent() -> None:
    t = np.array([1.0, 10.0, 52.0])
    # a customer seen at time 0 with no purchase is a new customer: conditional = unconditional
    cond = bgnbd_conditional(BG, t, np.zeros(3), np.zeros(3), np.zeros(3))
    assert np.allclose(cond, bgnbd_expected(BG, t))
    assert (np.diff(bgnbd_expected(BG, t)) > 0).all()
    assert bgnbd_p_alive(BG, np.array([0]), np.array([0.0]), np.array([9.0]))[0] == 1.0
    # a recent buyer is more likely alive than one who stopped long ago
    late, early = bgnbd_p_alive(BG, np.array([3, 3]), np.array([9.0, 1.0]), np.array([10.0, 10.0]))
    assert 0 < early < late < 1
    # P(alive) by hand: 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))
    want = 1 / (1 + 1.5 / (2.5 + 3 - 1) * ((2 + 10) / (2 + 1.0)) ** 3.5)
    assert early == pytest.approx(want)


def test_gamma_gamma_by_hand() -> None:
    p, q, g = 2.0, 3.0, 10.0
    x, m = 2, 15.0
    # density of the mean of x gamma(p, nu) spends, nu ~ gamma(q, g)
    dens = (math.gamma(p * x + q) / (math.gamma(p * x) * math.gamma(q)) * g**q * m ** (p * x - 1) * x ** (p * x)
            / (g + x * m) ** (p * x + q))
    assert gamma_gamma_loglik((p, q, g), np.array([x]), np.array([m])) == pytest.approx(math.log(dens))
    mean = gamma_gamma_mean({"p": p, "q": q, "gamma": g}, np.array([2, 0]), np.array([15.0, 0.0]))
    assert mean[0] == pytest.approx(p * (g + x * m) / (p * x + q - 1))
    assert mean[1] == pytest.approx(p * g / (q - 1))  # no repeat purchase: the population mean


def test_sbg_by_hand() -> None:
    # alpha = beta = 1: S(t) = 1 / (1 + t), P(T = 1) = 1/2, P(T = 2) = 1/6
    assert np.allclose(sbg_survival(1, 1, np.arange(4)), [1, 1 / 2, 1 / 3, 1 / 4])
    assert np.allclose(sbg_churn_probability(1, 1, [1, 2]), [1 / 2, 1 / 6])
    ll = sbg_loglik((1.0, 1.0), np.array([1, 2, 2]), np.array([True, True, False]))
    assert ll == pytest.approx(math.log(1 / 2) + math.log(1 / 6) + math.log(1 / 3))
    # left truncation: entered after 1 period, so every term is divided by S(1) = 1/2
    ll = sbg_loglik((1.0, 1.0), np.array([2]), np.array([True]), entered=np.array([1]))
    assert ll == pytest.approx(math.log((1 / 6) / (1 / 2)))


def test_sbg_fit_recovers_the_parameters_from_expected_counts() -> None:
    s = sbg_survival(1.3, 2.7, np.arange(11))
    fit = fit_sbg_survival(s, size=10**7)
    assert fit["alpha"] == pytest.approx(1.3, rel=2e-3)
    assert fit["beta"] == pytest.approx(2.7, rel=2e-3)


def test_sbg_discounted_lifetime_equals_the_sum() -> None:
    d = 0.01
    for beta in (1.2, 5.0, 40.0):
        k = np.arange(20000)
        brute = float(np.sum(sbg_survival(0.7, beta, k) / (1 + d) ** k))
        assert float(sbg_discounted_lifetime(0.7, beta, d)) == pytest.approx(brute, rel=1e-6)
    with pytest.raises(ValueError, match="positive discount"):
        sbg_discounted_lifetime(0.7, 1.2, 0.0)


def test_clv_bgnbd_one_month_undiscounted() -> None:
    gg = {"p": 2.0, "q": 3.0, "gamma": 10.0}
    x, t_x, T, z = np.array([2]), np.array([5.0]), np.array([8.0]), np.array([20.0])
    month = 365.25 / 12 / 7
    want = bgnbd_conditional(BG, month, x, t_x, T) * gamma_gamma_mean(gg, x, z)
    assert clv_bgnbd(BG, gg, x, t_x, T, z, months=1) == pytest.approx(want)
    assert clv_bgnbd(BG, gg, x, t_x, T, z, months=1, monthly_discount=0.01) == pytest.approx(want / 1.01)


# -- set-based inputs -------------------------------------------------------------
def test_rfm_summary_merges_same_day_purchases() -> None:
    o = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "c"],
        "ordered_at": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-08 10:00", "2024-01-15 10:00",
                                      "2024-01-29 10:00", "2024-02-10 10:00"]),
        "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 99.0],
    })
    r = ibis.duckdb.connect().execute(rfm_summary(ibis.memtable(o), dt.date(2024, 1, 29))).set_index("customer_id")
    assert list(r.index.sort_values()) == ["a", "b"]  # c bought after the end
    a = r.loc["a"]
    assert a["x"] == 2  # two repeat days; the two orders of Jan 1 are one transaction
    assert a["t_x"] == pytest.approx(2.0) and a["T"] == pytest.approx(4.0)
    assert a["zbar"] == pytest.approx(25.0)  # mean of the repeat days 20 and 30
    assert r.loc["b", "x"] == 0 and r.loc["b", "T"] == 0 and r.loc["b", "zbar"] == 0


def test_tenure_summary_periods_censoring_and_truncation() -> None:
    c = pd.DataFrame({
        "customer_id": ["P", "Q", "R", "S", "U"],
        "acquired_at": pd.to_datetime(["2024-01-01", "2024-11-01", "2024-11-01", "2024-11-20", "2024-12-15"]),
        "churned_at": pd.to_datetime(["2024-02-15", None, "2024-12-25", "2024-12-30", None]),
    })
    for col in ("segment", "plan", "country", "acquisition_channel"):
        c[col] = "x"
    con = ibis.duckdb.connect()
    end = dt.datetime(2024, 12, 31)
    t = con.execute(tenure_summary(ibis.memtable(c), end, period_days=30)).set_index("customer_id")
    assert list(t.index.sort_values()) == ["P", "Q", "R", "S"]  # U: not a full period yet
    assert (t.loc["P", "t"], t.loc["P", "churned"]) == (2, True)  # 45 days: lost in period 2
    assert (t.loc["Q", "t"], t.loc["Q", "churned"]) == (2, False)
    assert (t.loc["R", "t"], t.loc["R", "churned"]) == (2, True)
    # S churned in period 2, which was not complete by the end: censored after 1 period
    assert (t.loc["S", "t"], t.loc["S", "churned"]) == (1, False)
    assert pd.Timestamp(t.loc["P", "cohort"]) == pd.Timestamp("2024-01-01")
    # observation from June: P churned before it (outside the data); nobody else was acquired earlier
    t = con.execute(tenure_summary(ibis.memtable(c), end, period_days=30,
                                   observed_from=dt.datetime(2024, 6, 1))).set_index("customer_id")
    assert "P" not in t.index and (t["entered"] == 0).all()


# -- stores -----------------------------------------------------------------------
def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


@pytest.fixture
def hand_store(store: Store) -> Store:
    """Four customers, two segments (see test_historic_clv_by_hand)."""
    store.import_frame("customers", pd.DataFrame({
        "customer_id": ["A", "B", "C", "D"],
        "acquired_at": [_ts("2023-01-01"), _ts("2023-01-01"), _ts("2024-04-01"), _ts("2023-06-01")],
        "churned_at": [None, _ts("2024-07-01"), None, _ts("2024-10-01")],
        "segment": ["x", "x", "y", "y"],
    }))
    store.import_frame("orders", pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o0"],
        "customer_id": ["A", "A", "B", "C", "D", "A"],
        "ordered_at": [_ts("2024-03-01"), _ts("2024-09-01"), _ts("2024-02-01"), _ts("2024-05-01"),
                       _ts("2024-02-01"), _ts("2023-05-01")],
        "amount": [100.0, 100.0, 50.0, 80.0, 40.0, 999.0],
        "currency": "EUR",
    }))
    store.import_frame("marketing_spend", pd.DataFrame({
        "period_start": [_ts("2024-01-01")], "period_end": [_ts("2024-12-31")], "amount": [366.0]}))
    return store


END = dt.datetime(2024, 12, 31)


def test_historic_clv_by_hand(hand_store: Store) -> None:
    start = END - dt.timedelta(days=365.25)
    years = {  # customer-years lived in the window
        "A": 365.25, "B": (dt.datetime(2024, 7, 1) - start).total_seconds() / 86400,
        "C": (END - dt.datetime(2024, 4, 1)).days, "D": (dt.datetime(2024, 10, 1) - start).total_seconds() / 86400,
    }
    years = {k: v / 365.25 for k, v in years.items()}
    spend = 366.0 * 365 / 366  # the window covers 365 of the spend period's 366 days
    cac = spend / 1  # one customer (C) acquired in the window
    r = historic_clv(hand_store, end=END).iloc[0]
    assert r["unit"] == "EUR" and r["customers"] == 4 and r["churned"] == 2 and r["acquired"] == 1
    assert r["customer_years"] == pytest.approx(sum(years.values()))
    assert r["revenue"] == pytest.approx(370.0)  # the order before the window is left out
    assert r["annual_revenue_per_customer"] == pytest.approx(370 / sum(years.values()))
    assert r["relationship_years"] == pytest.approx(sum(years.values()) / 2)
    assert r["annual_churn_rate"] == pytest.approx(100 * 2 / sum(years.values()))
    assert r["cac"] == pytest.approx(cac)
    assert r["value"] == pytest.approx(370 / 2 - cac)  # revenue per year x years = revenue / customers lost
    assert r["ci_low"] == pytest.approx(370 / gammaincinv(3, 0.975) - cac)
    assert r["ci_low"] < r["value"] < r["ci_high"]
    seg = historic_clv(hand_store, end=END, by="segment").set_index("segment")
    assert seg.loc["x", "value"] == pytest.approx(250 - cac)
    assert seg.loc["y", "value"] == pytest.approx(120 - cac)
    assert list(seg.columns[:3]) == ["metric", "period_start", "value"]


def test_historic_clv_errors(store: Store, hand_store: Store) -> None:
    with pytest.raises(ClvError, match="--by"):
        historic_clv(hand_store, by="agent")


def test_historic_clv_needs_customers(tmp_path: Path) -> None:
    from cxmetrics.settings import Config

    with Store(tmp_path / "empty.duckdb", config=Config()) as s, pytest.raises(ClvError, match="customers table"):
        historic_clv(s)


@pytest.fixture
def shop(store: Store) -> Store:
    """120 customers over two years: monthly cohorts, heterogeneous churn and purchase rates, surveys."""
    rng = np.random.default_rng(5)
    n = 120
    start = pd.Timestamp("2023-01-01")
    acquired = start + pd.to_timedelta(rng.integers(0, 540, n), unit="D")
    theta = rng.beta(1.0, 6.0, n)
    life = np.minimum(rng.geometric(theta), 120) * 30.4375
    churned = acquired + pd.to_timedelta(life, unit="D")
    end = pd.Timestamp("2024-12-31")
    churned = pd.Series(churned).where(churned < end, pd.NaT)
    ids = [f"c{i:03d}" for i in range(n)]
    store.import_frame("customers", pd.DataFrame({
        "customer_id": ids, "acquired_at": acquired, "churned_at": churned,
        "segment": np.where(np.arange(n) % 3 == 0, "business", "consumer")}))
    rows = []
    for i, cid in enumerate(ids):  # test data: a few orders per customer
        stop = churned.iloc[i] if pd.notna(churned.iloc[i]) else end
        k = 1 + rng.poisson(max((stop - acquired[i]).days, 1) / 60)
        days = np.sort(rng.uniform(0, max((stop - acquired[i]).days, 1), k))
        days[0] = 0
        for j, d in enumerate(days):
            rows.append((f"o{i}-{j}", cid, acquired[i] + pd.Timedelta(days=float(d)), float(rng.gamma(4, 10))))
    store.import_frame("orders", pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "amount"]))
    store.import_frame("marketing_spend", pd.DataFrame({
        "period_start": [pd.Timestamp("2024-01-01")], "period_end": [pd.Timestamp("2024-12-31")], "amount": [1000.0]}))
    answers = [("r1", "c001", "2024-03-01", 10), ("r2", "c002", "2024-03-01", 8), ("r3", "c004", "2024-03-01", 3),
               ("r4", "c005", "2024-01-01", 10), ("r5", "c005", "2024-06-01", 2), ("r6", "c007", "2024-06-01", None)]
    store.import_frame("survey_responses", pd.DataFrame(
        [(r, "nps", pd.Timestamp(t), s, c) for r, c, t, s in answers],
        columns=["response_id", "survey", "responded_at", "score", "customer_id"]))
    return store


def test_predict_bgnbd_on_a_store(shop: Store) -> None:
    p = predict_bgnbd(shop, by="segment", end=END)
    c = p.customers
    assert set(p.fits) == {"bgnbd", "gamma_gamma"} and p.fits["bgnbd"].converged
    gone = c[c["known_churned"]]
    assert len(gone) and (gone["predicted_clv"] == 0).all() and (gone["p_alive"] == 0).all()
    live = c[~c["known_churned"]]
    assert (live["predicted_clv"] > 0).all() and live["p_alive"].between(0, 1).all()
    g = p.groups.set_index("segment")
    for seg, part in c.groupby("segment"):
        assert g.loc[seg, "value"] == pytest.approx(part["predicted_clv"].mean())
        assert g.loc[seg, "n"] == len(part)
    assert g["r"].nunique() == 1  # one pooled fit


def test_predict_sbg_on_a_store(shop: Store) -> None:
    p = predict_sbg(shop, end=END)
    g = p.groups.iloc[0]
    assert g["metric"] == "clv_predicted_sbg" and g["alpha"] > 0 and g["beta"] > 0
    assert g["value"] == pytest.approx(g["revenue_per_period"] * g["discounted_lifetime"] - g["cac"])
    c = p.customers
    assert (c.loc[c["churned"], "residual_value"] == 0).all()
    assert (c.loc[~c["churned"], "residual_value"] > 0).all()
    # a customer who stayed longer is worth more in the future (retention rises with tenure)
    alive = c[~c["churned"]].sort_values("t")
    assert alive["residual_value"].is_monotonic_increasing
    coh = p.cohorts
    assert set(coh.columns) >= {"cohort", "period", "observed_survival", "fitted_survival"}
    assert (coh.loc[coh["period"] == 0, "observed_survival"] == 100).all()
    by = predict_sbg(shop, by="segment", end=END).groups
    assert set(by["segment"]) == {"business", "consumer"}


def test_clv_by_feedback_groups(shop: Store) -> None:
    f = clv_by_feedback(shop, end=END).set_index("feedback_group")
    assert list(f.index) == ["promoter", "passive", "detractor", "no answer"]
    # c005 answered 10 then 2: the latest answer counts; c007 skipped (no group)
    assert f.loc["promoter", "customers"] == 1 and f.loc["passive", "customers"] == 1
    assert f.loc["detractor", "customers"] == 2 and f.loc["no answer", "customers"] == 116
    assert f.loc["no answer", "predicted_clv_mean"] is not None
    with pytest.raises(ClvError, match="csat"):
        clv_by_feedback(shop, survey_type="csat", end=END)


# -- CLI --------------------------------------------------------------------------
def _app(db: Path) -> typer.Typer:
    from cxmetrics.interfaces.cli import clv_cmd
    from cxmetrics.interfaces.cli.common import State

    app = typer.Typer()

    @app.callback()
    def _cb(ctx: typer.Context) -> None:
        ctx.obj = State(db=db)

    clv_cmd.register(app)
    return app


def _run(db: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(_app(db), list(args))
    return res.exit_code, res.stdout, res.stderr


def test_cli_historic_and_predict(shop: Store) -> None:
    db = shop.path
    shop.close()
    code, out, _ = _run(db, "clv", "historic", "--by", "segment", "--format", "json", "--as-of", "2024-12-31")
    assert code == 0
    recs = json.loads(out)["metrics"]
    assert {r["segment"] for r in recs} == {"business", "consumer"}
    assert all(r["metric"] == "clv_historic" and "ci_low" in r and "mean" in r for r in recs)
    code, out, _ = _run(db, "clv", "predict", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["fits"]["bgnbd"]["converged"] and doc["metrics"][0]["metric"] == "clv_predicted"
    code, out, _ = _run(db, "clv", "predict", "--model", "sbg", "--format", "csv")
    assert code == 0 and out.startswith("metric,period_start,value")
    code, out, _ = _run(db, "clv", "predict", "--model", "sbg", "--cohorts", "--format", "csv")
    assert code == 0 and "observed_survival" in out.splitlines()[0]
    code, out, _ = _run(db, "clv", "predict", "--per-customer", "--format", "json")
    assert code == 0 and len(json.loads(out)["customers"]) > 100
    code, out, _ = _run(db, "clv", "historic")
    assert code == 0 and "Historic CLV" in out
    code, out, _ = _run(db, "clv", "predict", "--by", "segment")
    assert code == 0 and "bgnbd: r =" in out
    code, out, _ = _run(db, "clv", "feedback", "--format", "json")
    assert code == 0 and json.loads(out)["groups"][0]["feedback_group"] == "promoter"


def test_cli_errors(tmp_path: Path, shop: Store) -> None:
    db = shop.path
    shop.close()
    assert _run(db, "clv", "historic", "--format", "xml")[0] == 2
    code, _, err = _run(db, "clv", "historic", "--by", "agent")
    assert code == 2 and "--by must be one of" in err
    assert _run(db, "clv", "predict", "--model", "pareto")[0] == 2
    assert _run(db, "clv", "predict", "--cohorts")[0] == 2
    assert _run(db, "clv", "historic", "--as-of", "yesterday")[0] == 2
    assert _run(db, "clv", "feedback", "--survey", "xyz")[0] == 2
    from cxmetrics.settings import Config

    Store(tmp_path / "empty.duckdb", config=Config()).close()
    code, _, err = _run(tmp_path / "empty.duckdb", "clv", "historic")
    assert code == 1 and "customers table" in err
    code, _, err = _run(tmp_path / "empty.duckdb", "clv", "predict")
    assert code == 1 and "orders" in err
    code, _, err = _run(tmp_path / "missing.duckdb", "clv", "historic")
    assert code == 1 and "no store" in err
