"""Records as plain Python (``engine/records.to_records``): cleaned a column at a time, exactly
as :func:`clean` cleans each cell."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmetrics.engine.records import clean, to_records

FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.just(float("nan")))
INTS = st.integers(min_value=-(2**62), max_value=2**62)


def _cellwise(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(frame.columns)
    return [{c: clean(v) for c, v in zip(cols, row, strict=True)} for row in frame.itertuples(index=False, name=None)]


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same type (NaN never reaches a record: both are None)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=0, max_value=6))
    opt = lambda s: st.lists(st.one_of(st.none(), s), min_size=n, max_size=n)  # noqa: E731
    cols: dict[str, Any] = {
        "f": pd.Series(draw(st.lists(FLOATS, min_size=n, max_size=n)), dtype="float64"),
        "i": pd.Series(draw(st.lists(INTS, min_size=n, max_size=n)), dtype="int64"),
        "b": pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype="bool"),
        "ni": pd.Series(draw(opt(INTS)), dtype="Int64"),
        "nb": pd.Series(draw(opt(st.booleans())), dtype="boolean"),
        "d": pd.Series(draw(opt(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)))), dtype="object"),
        "ts": pd.Series(pd.to_datetime(draw(opt(st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2200, 1, 1)))))),
        "o": pd.Series(draw(opt(st.one_of(st.text(max_size=5), FLOATS, INTS))), dtype="object"),
        "f32": pd.Series(draw(st.lists(st.floats(width=32), min_size=n, max_size=n)), dtype="float32"),
    }
    names = draw(st.lists(st.sampled_from(sorted(cols)), min_size=0, max_size=len(cols)))
    # a name twice: the frame has two columns of that name
    return pd.concat([cols[c].rename(c) for c in names], axis=1) if names else pd.DataFrame(index=range(n))


@settings(max_examples=300, deadline=None)
@given(frames())
def test_records_are_the_cells_cleaned_one_by_one(frame: pd.DataFrame) -> None:
    got, want = to_records(frame), _cellwise(frame)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        for k in w:
            assert _same(g[k], w[k]), (k, g[k], w[k])


def test_a_records_frame_keeps_its_types() -> None:
    """The cells a metric record holds: text, ISO dates, None for missing, Python numbers."""
    frame = pd.DataFrame({
        "metric": ["ticket_volume", "ticket_volume"],
        "period_start": [dt.date(2026, 1, 1), None],
        "value": [3.0, np.nan],
        "n": pd.array([3, None], dtype="Int64"),
        "low_sample": pd.array([True, None], dtype="boolean"),
    })
    assert to_records(frame) == [
        {"metric": "ticket_volume", "period_start": "2026-01-01", "value": 3.0, "n": 3, "low_sample": True},
        {"metric": "ticket_volume", "period_start": None, "value": None, "n": None, "low_sample": None},
    ]
    assert type(to_records(frame)[0]["n"]) is int
