"""Erlang C and Erlang A staffing (`cxmetrics.analyses.staffing`, `cxm staff`): the published
worked example, closed forms, independent formulas, identities, a simulation of M/M/N+M,
monotonicity and minimality as properties, and the CLI."""

from __future__ import annotations

import heapq
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson
from typer.testing import CliRunner

from cxmetrics.analyses.staffing import erlang_a, erlang_b, erlang_c, required_agents, staff
from cxmetrics.errors import UsageError


# -- the published example (issue 15; the callcentrehelper.com Erlang C worked example) ----------
def test_published_example_100_calls_in_30_minutes() -> None:
    s = staff(100, 30, 180, target=0.8, within=20, max_occupancy=0.85, shrinkage=0.3)
    assert s.traffic_erlangs == pytest.approx(10.0)
    assert s.agents == 14
    assert round(s.service_level, 3) == 0.888
    assert round(s.asa_seconds, 1) == 7.8
    assert round(s.occupancy, 3) == 0.714
    assert round(s.p_wait, 3) == 0.174
    assert s.scheduled_agents == 20
    assert s.p_abandon is None and s.model == "erlang_c"
    # 13 agents miss the target: 14 is the smallest
    assert staff(100, 30, 180, agents=13).service_level < 0.8


# -- closed forms and independent formulas --------------------------------------------------------
@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9])
def test_mm1_and_mm2_closed_forms(rho: float) -> None:
    assert erlang_c(1, rho, 60, 0)["p_wait"] == pytest.approx(rho)  # M/M/1: P(wait) = rho
    a = 2 * rho  # M/M/2 with utilisation rho: P(wait) = 2 rho^2 / (1 + rho)
    assert erlang_c(2, a, 60, 0)["p_wait"] == pytest.approx(2 * rho**2 / (1 + rho))
    # M/M/1 waiting time: P(W > t) = rho exp(-(mu - lambda) t)
    m = erlang_c(1, rho, 60, 30)
    assert m["service_level"] == pytest.approx(1 - rho * math.exp(-(1 - rho) * 30 / 60))
    assert m["asa_seconds"] == pytest.approx(rho / (1 - rho) * 60)


@pytest.mark.parametrize(("n", "a", "published"), [(5, 2.0, 0.0367), (10, 5.0, 0.0184), (10, 10.0, 0.2146)])
def test_erlang_b_table_values(n: int, a: float, published: float) -> None:
    """Erlang B tables (e.g. Cooper, Introduction to Queueing Theory, table of B(N, A))."""
    assert round(erlang_b(n, a), 4) == published


@settings(max_examples=5 * settings.default.max_examples)  # pure arithmetic: cheap
@given(st.integers(1, 150), st.floats(0.01, 140))
def test_erlang_b_and_c_equal_the_poisson_forms(n: int, a: float) -> None:
    """B = P(N) / P(<= N) for X ~ Poisson(A); C = B-weighted form of the M/M/N queue."""
    b = erlang_b(n, a)
    assert b == pytest.approx(poisson.pmf(n, a) / poisson.cdf(n, a), rel=1e-9, abs=1e-300)
    if n > a:
        top = poisson.pmf(n, a) * n / (n - a)
        want = top / (poisson.cdf(n - 1, a) + top)
        assert erlang_c(n, a, 100, 0)["p_wait"] == pytest.approx(want, rel=1e-8, abs=1e-300)


# -- Erlang A identities --------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "a"), [(3, 2.0), (12, 10.0), (14, 10.0), (60, 55.0), (8, 10.0)])
def test_erlang_a_with_patience_equal_to_aht_is_poisson(n: int, a: float) -> None:
    """theta = mu: every contact leaves at rate mu, served or not (M/M/infinity): X ~ Poisson(A)."""
    m = erlang_a(n, a, 180, 20, 180)
    assert m["p_wait"] == pytest.approx(poisson.sf(n - 1, a), rel=1e-9)
    x = np.arange(int(a + 40 * math.sqrt(a) + 50))
    eq = float((np.maximum(x - n, 0) * poisson.pmf(x, a)).sum())
    assert m["p_abandon"] == pytest.approx(eq / a, rel=1e-9)


@pytest.mark.parametrize(("n", "a"), [(14, 10.0), (12, 10.0), (30, 25.0)])
def test_erlang_a_tends_to_erlang_c_without_abandonment(n: int, a: float) -> None:
    ea, ec = erlang_a(n, a, 180, 20, 86400), erlang_c(n, a, 180, 20)
    for k in ("p_wait", "service_level", "asa_seconds", "occupancy"):
        assert ea[k] == pytest.approx(ec[k], rel=0.02), k
    assert ea["p_abandon"] < 0.001


@pytest.mark.parametrize(("n", "a"), [(5, 4.0), (8, 10.0), (20, 18.0)])
def test_erlang_a_tends_to_erlang_b_with_instant_abandonment(n: int, a: float) -> None:
    """Callers who hang up at once: a loss system, the share lost is Erlang B."""
    m = erlang_a(n, a, 36000, 20, 1)
    assert m["p_abandon"] == pytest.approx(erlang_b(n, a), rel=1e-3)
    assert m["p_wait"] == pytest.approx(erlang_b(n, a), rel=1e-3)


@pytest.mark.parametrize(("n", "a", "patience"), [(12, 10.0, 200), (9, 10.0, 60), (30, 28.0, 600)])
def test_erlang_a_service_level_ends_at_the_served_share(n: int, a: float, patience: float) -> None:
    """Waiting long enough, everyone who does not hang up is answered; at T = 0 only those not waiting."""
    assert erlang_a(n, a, 180, 1e6, patience)["service_level"] == pytest.approx(
        1 - erlang_a(n, a, 180, 20, patience)["p_abandon"], rel=1e-6)
    # by the matrix exponential (below the shortcut at theta t > 40): within e^-10 of the end
    assert erlang_a(n, a, 180, 10 * patience, patience)["service_level"] == pytest.approx(
        1 - erlang_a(n, a, 180, 20, patience)["p_abandon"], abs=1e-4)
    m0 = erlang_a(n, a, 180, 0, patience)
    assert m0["service_level"] == pytest.approx(1 - m0["p_wait"])


def _simulate(n: int, lam: float, aht: float, patience: float, within: float, calls: int,
              seed: int) -> dict[str, float]:
    """M/M/N+M, first come first served: a caller takes the first agent to come free, unless
    that is later than their patience (then they hang up and take no agent)."""
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(1 / lam, calls))
    service = rng.exponential(aht, calls)
    pat = rng.exponential(patience, calls)
    free = [0.0] * n
    waited, answered_within, abandoned, answered_wait = 0, 0, 0, 0.0
    for t, s, p in zip(arrive, service, pat, strict=True):
        f = free[0]
        wait = max(f - t, 0.0)
        waited += wait > 0
        if wait > p:
            abandoned += 1
            continue
        answered_within += wait <= within
        answered_wait += wait
        heapq.heapreplace(free, max(f, t) + s)
    return {"p_wait": waited / calls, "p_abandon": abandoned / calls,
            "service_level": answered_within / calls, "asa_seconds": answered_wait / (calls - abandoned)}


@pytest.mark.parametrize(("n", "volume", "patience"), [(13, 100, 300), (9, 100, 120)])
def test_erlang_a_matches_a_simulation(n: int, volume: float, patience: float) -> None:
    aht, within = 180.0, 20.0
    lam = volume / 1800
    sim = _simulate(n, lam, aht, patience, within, 200_000, seed=15)
    m = erlang_a(n, lam * aht, aht, within, patience)
    for k in ("p_wait", "p_abandon", "service_level"):
        assert m[k] == pytest.approx(sim[k], abs=0.01), (k, m[k], sim[k])
    assert m["asa_seconds"] == pytest.approx(sim["asa_seconds"], rel=0.05)


# -- properties -----------------------------------------------------------------------------------
@settings(max_examples=settings.default.max_examples)
@given(volume=st.floats(1, 2000), aht=st.floats(20, 1200), target=st.floats(0.5, 0.95),
       within=st.floats(5, 120), patience=st.one_of(st.none(), st.floats(30, 900)))
def test_required_agents_are_the_fewest_that_meet_the_target(volume: float, aht: float, target: float,
                                                           within: float, patience: float | None) -> None:
    s = staff(volume, 30, aht, target=target, within=within, patience=patience)
    assert s.service_level >= target - 1e-9
    assert 0 <= s.p_wait <= 1 and 0 < s.occupancy <= 1
    if s.agents > 1:
        fewer = staff(volume, 30, aht, target=target, within=within, patience=patience, agents=s.agents - 1)
        assert fewer.service_level < target
    more = staff(volume, 30, aht, target=target, within=within, patience=patience, agents=s.agents + 1)
    assert more.service_level >= s.service_level - 1e-9
    assert more.p_wait <= s.p_wait + 1e-9
    if patience is not None:
        assert s.p_abandon is not None and more.p_abandon is not None
        assert more.p_abandon <= s.p_abandon + 1e-9


@settings(max_examples=2 * settings.default.max_examples)
@given(a=st.floats(0.1, 500), extra=st.floats(0, 300), aht=st.floats(20, 900))
def test_more_volume_never_needs_fewer_agents(a: float, extra: float, aht: float) -> None:
    assert required_agents(a + extra, aht, max_occupancy=0.85) >= required_agents(a, aht, max_occupancy=0.85)


@given(agents=st.integers(0, 500), shrinkage=st.floats(0, 0.9))
def test_scheduled_agents_cover_shrinkage(agents: int, shrinkage: float) -> None:
    from cxmetrics.analyses.staffing import scheduled

    k = scheduled(agents, shrinkage)
    assert k * (1 - shrinkage) >= agents - 1e-6
    assert k == 0 or (k - 1) * (1 - shrinkage) < agents


def test_targets_and_options() -> None:
    base = staff(100, 30, 180, target=0.8)
    assert staff(100, 30, 180, target=0.8, asa_target=3).agents > base.agents  # 7.8 s ASA too slow
    assert staff(100, 30, 180, target=None, max_occupancy=0.6).occupancy <= 0.6
    chat = staff(100, 30, 180, target=0.8, concurrency=2)
    assert chat.traffic_erlangs == pytest.approx(5.0)
    a = staff(100, 30, 180, target=0.8, patience=120, max_abandon=0.01)
    assert a.p_abandon is not None and a.p_abandon <= 0.01
    assert staff(0, 30, 180).agents == 0
    for bad in ({"target": 80}, {"shrinkage": 1.0}, {"patience": 0.0}, {"max_occupancy": 0.0},
                {"max_abandon": 0.1}, {"target": None}):
        with pytest.raises(UsageError):
            staff(100, 30, 180, **bad)  # type: ignore[arg-type]


# -- the CLI --------------------------------------------------------------------------------------
def _cxm(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    config = tmp_path / "cxm.toml"
    config.write_text("", encoding="utf-8")
    res = CliRunner().invoke(app, ["--config", str(config), *args])
    return res.exit_code, res.stdout, res.stderr


def test_cli_reproduces_the_published_example(tmp_path: Path) -> None:
    code, out, err = _cxm(tmp_path, "staff", "--volume", "100", "--interval", "30", "--aht", "180", "--target",
                          "0.8", "--within", "20", "--max-occupancy", "0.85", "--shrinkage", "0.3", "--format",
                          "json")
    assert code == 0, err
    rec = json.loads(out)
    assert (rec["agents"], rec["scheduled_agents"]) == (14, 20)
    assert (round(rec["service_level"], 3), round(rec["asa_seconds"], 1), round(rec["occupancy"], 3),
            round(rec["p_wait"], 3)) == (0.888, 7.8, 0.714, 0.174)
    assert rec["p_abandon"] is None
    # the same from the defaults (80/20, 30 minutes, 30% shrinkage)
    code, out, _ = _cxm(tmp_path, "staff", "--volume", "100", "--aht", "180", "--format", "json")
    assert json.loads(out)["agents"] == 14 and json.loads(out)["scheduled_agents"] == 20


def test_cli_erlang_a_and_errors(tmp_path: Path) -> None:
    code, out, _ = _cxm(tmp_path, "staff", "--volume", "100", "--aht", "180", "--patience", "300", "--format",
                        "json")
    assert code == 0 and json.loads(out)["model"] == "erlang_a" and json.loads(out)["p_abandon"] > 0
    code, out, _ = _cxm(tmp_path, "staff", "--volume", "100", "--aht", "180", "--agents", "9", "--format", "json")
    assert code == 0 and json.loads(out)["asa_seconds"] is None  # 9 agents for 10 Erlangs: unbounded
    code, out, err = _cxm(tmp_path, "staff", "--volume", "100", "--aht", "180", "--target", "80")
    assert code == 2 and "error:" in err and "Traceback" not in err + out
    code, out, _ = _cxm(tmp_path, "staff", "--volume", "100", "--aht", "180")
    assert code == 0 and "14" in out and "88.8%" in out
