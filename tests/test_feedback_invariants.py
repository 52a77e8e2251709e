"""Feedback invariants for any answers (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxmetrics.metrics.stats import nps_interval
from cxmetrics.settings import Config
from cxmetrics.store import Store

scores = st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=60)
# Each example imports into a new store and computes four metrics twice (about 1 s): a
# share of the profile's examples (tests/conftest.py: ``ci`` 100 -> 25); no shrinking.
SETTINGS = settings(max_examples=max(3, settings.default.max_examples // 4), phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


def compute(values: list[int | None]) -> pd.DataFrame:
    store = Store(":memory:", config=Config())
    try:
        store.import_frame("survey_responses", pd.DataFrame({
            "response_id": [f"r{i}" for i in range(len(values))], "survey": "nps",
            "responded_at": pd.Timestamp("2024-03-05", tz="UTC") + pd.to_timedelta(np.arange(len(values)), "h"),
            "score": pd.array(values, dtype="Float64")}))
        return store.metrics(["nps", "promoters_share", "passives_share", "detractors_share"], grain="total")
    finally:
        store.close()


@SETTINGS
@given(scores, st.randoms(use_true_random=False))
def test_nps_bounds_shares_and_order(values: list[int | None], rnd) -> None:
    df = compute(values).set_index("metric")
    answered = [v for v in values if v is not None]
    nps = df.loc["nps"]
    assert nps["skipped"] == len(values) - len(answered)
    if not answered:
        assert pd.isna(nps["value"])
        return
    assert -100 <= nps["value"] <= 100
    assert nps["ci_low"] <= nps["ci_high"]
    assert nps["ci_low"] >= -100 and nps["ci_high"] <= 100
    shares = df.loc[["promoters_share", "passives_share", "detractors_share"], "value"]
    assert shares.sum() == pytest.approx(100)
    assert nps["value"] == pytest.approx(shares["promoters_share"] - shares["detractors_share"])
    shuffled = list(values)
    rnd.shuffle(shuffled)
    again = compute(shuffled).set_index("metric")
    pd.testing.assert_frame_equal(df, again)


@settings(max_examples=10 * settings.default.max_examples)  # microseconds each
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_nps_interval_contains_adjusted_estimate_and_stays_in_range(p: int, pa: int, d: int) -> None:
    n = p + pa + d
    lo, hi = nps_interval(np.array([p]), np.array([d]), np.array([n]))
    if n == 0:
        assert np.isnan(lo[0]) and np.isnan(hi[0])
        return
    centre = 100 * ((p + 0.75) - (d + 0.75)) / (n + 3)
    assert -100 <= lo[0] <= centre <= hi[0] <= 100
