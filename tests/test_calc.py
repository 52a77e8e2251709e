"""Calculators (`cxmetrics.analyses.calc`, `cxm calc`): seed examples, the R NPS case, validation,
agreement with the store's metrics, and the JSON record through the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxmetrics.analyses import calc
from cxmetrics.interfaces.cli import calc_cmd
from cxmetrics.metrics.stats import nps_variance
from tests.scenario import T

Z95 = 1.959963984540054


def run(*args: str) -> tuple[int, str, str]:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """cxm"""

    calc_cmd.register(app)
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


# -- seed and published examples -------------------------------------------------------------
def test_nps_seed_004_counts() -> None:
    r = calc.nps_counts(80, 5, 15)
    assert r["value"] == pytest.approx(65.0)
    assert (r["n"], r["numerator"], r["denominator"], r["unit"]) == (100, 65, 100, "score")
    # adjusted Wald by hand (Rocks 2016): +3/4 promoter, +3/4 detractor, +3/2 passive
    p, d, n = 80.75 / 103, 15.75 / 103, 103
    half = Z95 * math.sqrt(((p + d) - (p - d) ** 2) / n)
    assert r["ci_low"] == pytest.approx(100 * (p - d - half))
    assert r["ci_high"] == pytest.approx(100 * (p - d + half))
    assert r["low_sample"] is False and r["skipped"] is None


def test_nps_r_package_example() -> None:
    r = calc.nps([0, 7, 7, 9, 9, 9])
    assert r["value"] == pytest.approx(100 / 3)
    assert round(r["value"], 1) == 33.3
    prom, pas, det, skipped = calc.nps_groups([0, 7, 7, 9, 9, 9])
    assert (prom, pas, det, skipped) == (3, 2, 1, 0)
    assert nps_variance(np.array([prom]), np.array([det]), np.array([6]))[0] == pytest.approx(5 / 9)
    assert r["low_sample"] is True
    assert r["ci_low"] < r["value"] < r["ci_high"]


def test_nps_skipped_answers_counted_not_scored() -> None:
    r = calc.nps([9, None, 3, float("nan"), 10])
    assert (r["n"], r["skipped"]) == (3, 2)
    assert r["value"] == pytest.approx(100 * (2 - 1) / 3)
    # a nullable pandas column and a float32 array work the same
    assert calc.nps(pd.Series([9, None, 3, 10], dtype="Int64")) == {**r, "skipped": 1}
    assert calc.nps(np.array([9, np.nan, 3, 10], dtype="float32"))["skipped"] == 1


def test_customer_seed_examples() -> None:
    assert calc.crr(100, 90, 15)["value"] == pytest.approx(75.0)
    ch = calc.churn(25, 100)
    assert ch["value"] == pytest.approx(25.0)
    assert (ch["numerator"], ch["denominator"], ch["unit"]) == (25, 100, "percent")
    # churn + retention = 100 when the lost are the start customers not retained
    assert calc.churn(100 - (90 - 15), 100)["value"] + calc.crr(100, 90, 15)["value"] == pytest.approx(100)
    c = calc.cac(10_000, 20_000)
    assert c["value"] == pytest.approx(0.50)
    assert (c["unit"], c["numerator"], c["denominator"], c["ci_low"]) == ("currency", 10_000, 20_000, None)
    v = calc.clv(1_200, 3, cac=150)
    assert v["value"] == pytest.approx(3_450)
    assert calc.clv(100, 1, cac=250)["value"] == pytest.approx(-150)  # costs more than it brings: shown


def test_csat_and_ces_top_box_rules() -> None:
    assert calc.csat([5, 4, 3, 2])["value"] == pytest.approx(50)
    assert calc.csat([7, 6, 5], scale=(1, 7))["numerator"] == 2
    assert calc.csat([10, 9, 8, 0], scale=(0, 10))["numerator"] == 2
    assert calc.csat([3, 2, 2, 1], scale=(1, 3))["numerator"] == 1  # top box only on a 3-point scale
    assert calc.csat_counts(80, 100)["value"] == pytest.approx(80)
    # seed 004 CES: share choosing 4-5 of 1-5
    assert calc.ces([5, 4, 3, 1], scale=(1, 5))["value"] == pytest.approx(50)
    # effort-high: 1 (no effort -> 5) and 2 (-> 4) are easy, 4 (-> 2) is not
    assert calc.ces([1, 2, 4], scale=(1, 5), effort_high=True)["numerator"] == 2
    assert calc.ces_counts(30, 40)["value"] == pytest.approx(75)


def test_wilson_interval_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    r = calc.csat_counts(17, 23)
    lo, hi = proportion_confint(17, 23, alpha=0.05, method="wilson")
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))


def test_record_shape() -> None:
    for rec in (calc.nps([9]), calc.csat([5]), calc.ces([7]), calc.churn(1, 2), calc.crr(10, 9, 1),
                calc.cac(1, 1), calc.clv(1, 1)):
        assert tuple(rec) == calc.RECORD_KEYS
        assert rec["period_start"] is None
        json.dumps(rec)  # plain Python types only


def test_calculator_agrees_with_the_store(store) -> None:
    """A calculated NPS/CSAT is the same number, n and interval as `cxm metrics`."""
    nps_scores = [0, 7, 7, 9, 9, 9, 10, 3, 8]
    csat_scores = [5, 4, 4, 3, 1, 5, 2]
    rows = [("nps", s) for s in nps_scores] + [("csat", s) for s in csat_scores]
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": [f"r{i}" for i in range(len(rows))], "survey": [r[0] for r in rows],
        "responded_at": T("2024-03-05 12:00"), "score": [float(r[1]) for r in rows]}))
    df = store.metrics(["nps", "csat"], grain="total")
    for rec in (calc.nps(nps_scores), calc.csat(csat_scores)):
        got = df[df.metric == rec["metric"]].iloc[0]
        for k in ("value", "n", "numerator", "denominator", "ci_low", "ci_high"):
            assert got[k] == pytest.approx(rec[k]), (rec["metric"], k)


@settings(max_examples=5 * settings.default.max_examples)  # pure arithmetic: cheap
@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=60).filter(
    lambda xs: any(x is not None for x in xs)))
def test_nps_invariants(scores: list[int | None]) -> None:
    r = calc.nps(scores)
    assert -100 <= r["ci_low"] <= r["ci_high"] <= 100
    assert -100 <= r["value"] <= 100
    assert calc.nps(list(reversed(scores)))["value"] == pytest.approx(r["value"])
    p, pa, d, s = calc.nps_groups(scores)
    assert p + pa + d == r["n"] and s == r["skipped"]


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("fn", "args", "match"), [
    (calc.nps_counts, (-1, 5, 15), "promoters cannot be negative"),
    (calc.nps_counts, (0, 0, 0), "at least one answer"),
    (calc.nps_counts, (1.5, 0, 0), "whole number"),
    (calc.nps_counts, (True, 0, 0), "whole number"),
    (calc.nps, ([11],), "outside the scale 0-10"),
    (calc.nps, ([7.5],), "whole numbers 0-10"),
    (calc.nps, ([None, None],), "at least one answered"),
    (calc.nps, ("0,7,9",), "not a string"),
    (calc.nps, (["9"],), "not a number"),
    (calc.csat, ([6],), "outside the scale 1-5"),
    (calc.csat, ([3], (5, 1)), "maximum must be above"),
    (calc.csat, ([3], (1,)), r"scale must be \(min, max\)"),
    (calc.csat_counts, (5, 4), "cannot exceed total"),
    (calc.csat_counts, (0, 0), "total is 0"),
    (calc.ces, ([0],), "outside the scale 1-7"),
    (calc.ces_counts, (3, 2), "cannot exceed total"),
    (calc.churn, (5, 0), "start is 0"),
    (calc.churn, (11, 10), "cannot exceed customers at the start"),
    (calc.crr, (100, 10, 15), "end - new is negative"),
    (calc.crr, (100, 130, 10), "exceeds customers at the start"),
    (calc.crr, (0, 10, 5), "start is 0"),
    (calc.cac, (100, 0), "acquired is 0"),
    (calc.cac, (-1, 10), "spend cannot be negative"),
    (calc.cac, (float("inf"), 10), "finite"),
    (calc.clv, (100, -1), "years cannot be negative"),
])
def test_validation_errors(fn, args, match) -> None:
    with pytest.raises(ValueError, match=match):
        fn(*args)


# -- CLI ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "metric", "value"), [
    (["nps", "--promoters", "80", "--passives", "5", "--detractors", "15"], "nps", 65.0),
    (["nps", "--scores", "0,7,7,9,9,9"], "nps", 100 / 3),
    (["csat", "--satisfied", "80", "--total", "100"], "csat", 80.0),
    (["csat", "--scores", "7,6,5,1", "--scale", "1-7"], "csat", 50.0),
    (["ces", "--scores", "1,2,4", "--scale", "1-5", "--effort-high"], "ces", 200 / 3),
    (["ces", "--easy", "3", "--total", "4"], "ces", 75.0),
    (["churn", "--lost", "25", "--start", "100"], "churn_rate", 25.0),
    (["crr", "--start", "100", "--end", "90", "--new", "15"], "retention_rate", 75.0),
    (["cac", "--spend", "10000", "--acquired", "20000"], "cac", 0.5),
    (["clv", "--annual-revenue", "1200", "--years", "3", "--cac", "150"], "clv", 3450.0),
])
def test_cli_json_record(args: list[str], metric: str, value: float) -> None:
    code, out, err = run("calc", *args, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["metrics"] and len(doc["metrics"]) == 1
    rec = doc["metrics"][0]
    assert list(rec) == list(calc.RECORD_KEYS)
    assert rec["metric"] == metric and rec["value"] == pytest.approx(value)


def test_cli_table_shows_value_interval_and_formula() -> None:
    code, out, _ = run("calc", "nps", "--promoters", "80", "--passives", "5", "--detractors", "15")
    assert code == 0
    assert "65.0" in out and "48.9 - 77.3" in out
    assert "promoters 80 - detractors 15" in out


def test_cli_skipped_scores() -> None:
    code, out, _ = run("calc", "nps", "--scores", "9,,3,10", "--format", "json")
    assert code == 0
    rec = json.loads(out)["metrics"][0]
    assert (rec["n"], rec["skipped"]) == (3, 1)


@pytest.mark.parametrize(("args", "message"), [
    (["nps", "--promoters", "80"], "missing --passives, --detractors"),
    (["nps", "--promoters", "1", "--passives", "1", "--detractors", "1", "--scores", "9"], "not both"),
    (["nps", "--scores", "9,x"], "'x' is not a number"),
    (["nps", "--scores", "12"], "outside the scale"),
    (["csat", "--scores", "5", "--scale", "five"], "--scale expects MIN-MAX"),
    (["csat", "--satisfied", "9", "--total", "5"], "cannot exceed total"),
    (["churn", "--lost", "-3", "--start", "10"], "lost cannot be negative"),
    (["crr", "--start", "100", "--end", "10", "--new", "15"], "end - new is negative"),
    (["cac", "--spend", "100", "--acquired", "0"], "acquired is 0"),
    (["nps", "--promoters", "1", "--passives", "1", "--detractors", "1", "--format", "xml"], "--format"),
])
def test_cli_errors_exit_2_without_traceback(args: list[str], message: str) -> None:
    code, out, err = run("calc", *args)
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err + out


def test_cli_bad_number_is_a_usage_error() -> None:
    code, _, err = run("calc", "churn", "--lost", "x", "--start", "3")
    assert code == 2 and "Traceback" not in err
