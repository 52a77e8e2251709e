"""--compare (previous period / a year before) with significance, and targets/benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxmetrics.metrics.kinds import poisson as _poisson
from cxmetrics.metrics.kinds import two_proportions as _two_proportions
from cxmetrics.metrics.kinds import welch as _welch
from cxmetrics.settings import config_from_dict
from tests.scenario import T


def _csat(store, month: str, good: int, bad: int, start: int = 0) -> None:
    n = good + bad
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": [f"{month}-{i}" for i in range(start, start + n)], "survey": "csat",
        "responded_at": T(f"{month}-10 12:00"), "score": [5] * good + [2] * bad}))


def test_compare_previous_month_with_two_proportion_test(store) -> None:
    _csat(store, "2024-02", 60, 40)
    _csat(store, "2024-03", 85, 15)
    df = store.metrics(["csat"], grain="month", from_="2024-03-01", to="2024-03-31", compare="previous")
    r = df.iloc[0]
    assert (r.value, r.previous_value, r.change) == (85, 60, 25)
    # independent: statsmodels' pooled two-proportion z-test
    from statsmodels.stats.proportion import proportions_ztest

    _, p = proportions_ztest([85, 60], [100, 100])
    assert r.p_value == pytest.approx(p)
    assert bool(r.significant) is True


def test_small_change_is_not_significant(store) -> None:
    _csat(store, "2024-02", 80, 20)
    _csat(store, "2024-03", 82, 18)
    r = store.metrics(["csat"], grain="month", from_="2024-03-01", to="2024-03-31", compare="previous").iloc[0]
    assert bool(r.significant) is False and r.change == pytest.approx(2)


def test_compare_year_and_total(store) -> None:
    _csat(store, "2023-03", 50, 50)
    _csat(store, "2024-03", 90, 10)
    y = store.metrics(["csat"], grain="month", from_="2024-03-01", to="2024-03-31", compare="year").iloc[0]
    assert y.previous_value == 50
    t = store.metrics(["csat"], grain="total", from_="2024-03-01", to="2024-03-31", compare="year").iloc[0]
    assert (t.value, t.previous_value) == (90, 50)


def test_compare_total_needs_range(store) -> None:
    from cxmetrics.errors import QueryError

    _csat(store, "2024-03", 1, 1)
    with pytest.raises(QueryError, match="needs --from and --to"):
        store.metrics(["csat"], grain="total", compare="previous")
    with pytest.raises(QueryError, match="previous or year"):
        store.metrics(["csat"], grain="month", compare="last")


def test_welch_equals_scipy() -> None:
    from scipy import stats

    rng = np.random.default_rng(7)
    a, b = rng.normal(3.0, 1.0, 40), rng.normal(3.6, 2.0, 25)
    p = _welch(np.array([a.mean()]), np.array([a.std(ddof=1)]), np.array([40.0]),
               np.array([b.mean()]), np.array([b.std(ddof=1)]), np.array([25.0]))[0]
    assert p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_two_proportions_and_poisson_edges() -> None:
    assert _two_proportions(np.array([5.0]), np.array([5.0]), np.array([3.0]), np.array([3.0]))[0] == 1.0
    assert np.isnan(_two_proportions(np.array([1.0]), np.array([0.0]), np.array([1.0]), np.array([2.0]))[0])
    # equal rates over equal lengths: no evidence
    assert _poisson(np.array([100.0]), np.array([1.0]), np.array([100.0]), np.array([1.0]))[0] == pytest.approx(1.0)
    assert _poisson(np.array([200.0]), np.array([1.0]), np.array([100.0]), np.array([1.0]))[0] < 1e-6


def test_mean_and_duration_comparisons(store) -> None:
    rows = []
    for i in range(40):  # February: first replies after 1 h; March after 10 min
        rows.append((f"f{i}", T("2024-02-05 08:00"), T("2024-02-05 09:00") + pd.Timedelta(seconds=i)))
        rows.append((f"m{i}", T("2024-03-05 08:00"), T("2024-03-05 08:10") + pd.Timedelta(seconds=i)))
    store.import_frame("tickets", pd.DataFrame(rows, columns=["ticket_id", "created_at", "first_reply_at"]))
    df = store.metrics(["first_response_time", "ticket_volume"], grain="month", from_="2024-03-01",
                       to="2024-03-31", compare="previous")
    frt = df[df.metric == "first_response_time"].iloc[0]
    assert frt.change == pytest.approx(-3000)
    assert bool(frt.significant) is True  # Mood's median test: every March value is below every February one
    vol = df[df.metric == "ticket_volume"].iloc[0]
    assert vol.change == 0 and bool(vol.significant) is False


def test_nps_compare(store) -> None:
    def nps(month: str, prom: int, pas: int, det: int) -> None:
        scores = [10] * prom + [8] * pas + [3] * det
        store.import_frame("survey_responses", pd.DataFrame({
            "response_id": [f"{month}-{i}" for i in range(len(scores))], "survey": "nps",
            "responded_at": T(f"{month}-10 12:00"), "score": scores}))

    nps("2024-02", 40, 30, 30)
    nps("2024-03", 60, 30, 10)
    r = store.metrics(["nps"], grain="month", from_="2024-03-01", to="2024-03-31", compare="previous").iloc[0]
    assert (r.value, r.previous_value, r.change) == (50, 10, 40)
    # by hand: var = (p+d)-(p-d)^2 per response; z = diff / sqrt(v1/n1 + v2/n2)
    v1, v2 = (0.7 - 0.5**2) / 100, (0.7 - 0.1**2) / 100
    z = 0.4 / np.sqrt(v1 + v2)
    from scipy.stats import norm

    assert r.p_value == pytest.approx(2 * norm.sf(z))


def test_targets_from_config_and_benchmarks(store) -> None:
    store.config = config_from_dict({"targets": {"csat": 90, "first_response_time": {"chat": "2m"}}})
    _csat(store, "2024-03", 85, 15)
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["e", "c", "s"], "created_at": [T("2024-03-01 10:00")] * 3,
        "channel": ["email", "chat", "social"],
        "first_reply_at": [T("2024-03-01 12:00"), T("2024-03-01 10:05"), T("2024-03-01 12:00")]}))
    c = store.metrics(["csat"], grain="total").iloc[0]
    assert (c.target, bool(c.meets_target), c.target_source) == (90, False, "cxm.toml")
    f = store.metrics(["first_response_time"], grain="total", by=["channel"]).set_index("channel")
    assert (f.loc["chat", "target"], bool(f.loc["chat", "meets_target"])) == (120, False)  # own target
    assert (f.loc["email", "target"], bool(f.loc["email", "meets_target"])) == (86400, True)  # seed 003
    assert bool(f.loc["social", "meets_target"]) is False  # 2 h > 1 h
    assert "seed 003" in f.loc["social", "target_source"]
    store.config = config_from_dict({})
    c = store.metrics(["csat"], grain="total").iloc[0]
    assert (c.target, bool(c.meets_target)) == (80, True)
    assert "seed 000" in c.target_source


def test_unknown_target_metric_is_a_config_error(store) -> None:
    from cxmetrics.errors import ConfigError

    store.config = config_from_dict({"targets": {"csatt": 90}})
    with pytest.raises(ConfigError, match="did you mean csat"):
        store.metrics(["csat"], grain="total")


def test_duration_comparison_tests_each_group_s_own_values(store) -> None:
    """A duration's p-value is Mood's median test of that period's and group's values against
    the previous period's same group (scipy.stats.median_test, independently)."""
    from scipy.stats import median_test

    rng = np.random.default_rng(7)
    rows = []
    for month, shift in (("2024-02", 0.0), ("2024-03", 1.5)):
        for channel, base in (("email", 2.0), ("chat", 0.2)):
            hours = rng.gamma(2.0, base + shift, size=25)
            for i, h in enumerate(hours):
                created = pd.Timestamp(f"{month}-{1 + i % 27:02d} 09:00")
                rows.append({"ticket_id": f"{month}-{channel}-{i}", "created_at": created, "channel": channel,
                             "first_reply_at": created + pd.Timedelta(seconds=round(h * 3600))})
    df = pd.DataFrame(rows)
    store.import_frame("tickets", df)
    out = store.metrics(["first_response_time"], grain="month", by=["channel"], from_="2024-02-01",
                        to="2024-03-31", compare="previous")
    out = out[out.period_start.astype(str) == "2024-03-01"].set_index("channel")  # two periods: each its own values
    secs = (df.first_reply_at - df.created_at).dt.total_seconds()
    for channel in ("chat", "email"):
        cur = secs[(df.channel == channel) & (df.created_at >= "2024-03-01")]
        prev = secs[(df.channel == channel) & (df.created_at < "2024-03-01")]
        assert out.loc[channel, "value"] == pytest.approx(cur.median())
        assert out.loc[channel, "p_value"] == pytest.approx(median_test(cur, prev)[1], rel=1e-9)
