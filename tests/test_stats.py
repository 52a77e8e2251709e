"""The hand-written intervals equal the reference libraries'."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmetrics.metrics.stats import t_interval, wilson


@settings(max_examples=5 * settings.default.max_examples)  # milliseconds each
@given(st.integers(1, 100_000), st.data())
def test_wilson_equals_statsmodels(n: int, data: st.DataObject) -> None:
    from statsmodels.stats.proportion import proportion_confint

    x = data.draw(st.integers(0, n))
    lo, hi = wilson(np.array([x]), np.array([n]))
    elo, ehi = proportion_confint(x, n, alpha=0.05, method="wilson")
    assert lo[0] == pytest.approx(elo * 100, abs=1e-9)
    assert hi[0] == pytest.approx(ehi * 100, abs=1e-9)


def test_wilson_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I: 81/263 -> 0.2553 to 0.3662
    lo, hi = wilson(np.array([81]), np.array([263]))
    assert (round(lo[0] / 100, 4), round(hi[0] / 100, 4)) == (0.2553, 0.3662)


def test_wilson_zero_denominator_is_nan() -> None:
    lo, hi = wilson(np.array([0, 1]), np.array([0, 2]))
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and not np.isnan(lo[1])


@settings(max_examples=5 * settings.default.max_examples)
@given(st.floats(-1e6, 1e6), st.floats(0.001, 1e5), st.integers(2, 10_000))
def test_t_interval_equals_scipy(mean: float, std: float, n: int) -> None:
    from scipy import stats

    lo, hi = t_interval(np.array([mean]), np.array([std]), np.array([n]))
    elo, ehi = stats.t.interval(0.95, n - 1, loc=mean, scale=std / np.sqrt(n))
    assert lo[0] == pytest.approx(elo, rel=1e-9, abs=1e-9)
    assert hi[0] == pytest.approx(ehi, rel=1e-9, abs=1e-9)


_SAMPLE = st.lists(st.one_of(st.integers(0, 20).map(float), st.floats(0, 1e6, allow_nan=False)), min_size=1,
                   max_size=60)


@settings(max_examples=5 * settings.default.max_examples)  # milliseconds each
@given(_SAMPLE, _SAMPLE)
def test_median_test_equals_scipy(a: list[float], b: list[float]) -> None:
    """Ties at the grand median, one-sided samples (scipy refuses: NaN here) and small tables."""
    from scipy.stats import median_test as scipy_median_test

    from cxmetrics.metrics.stats import median_test

    try:
        expected = float(scipy_median_test(np.array(a), np.array(b))[1])
    except ValueError:
        expected = float("nan")
    got = median_test(np.array(a), np.array(b))
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_median_test_published_shape() -> None:
    """A worked 2x2 case: 6 of 8 above the grand median in one sample, 2 of 8 in the other."""
    from cxmetrics.metrics.stats import median_test

    a = np.array([10, 11, 12, 13, 14, 15, 1, 2], dtype=float)
    b = np.array([1, 2, 3, 4, 5, 6, 20, 21], dtype=float)
    # grand median 8.5: table [[6, 2], [2, 6]], expected 4 everywhere; Yates: (|6-4|-0.5)^2/4 * 4 = 2.25
    from scipy.special import chdtrc

    assert median_test(a, b) == pytest.approx(float(chdtrc(1, 2.25)), rel=1e-12)
