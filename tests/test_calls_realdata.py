"""Contact-centre metrics on the real call workbook, against pandas reading the xlsx directly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "contact_center_calls.toml"
KEYS = ["call_volume", "call_abandonment_rate", "average_speed_of_answer", "call_resolution_rate",
        "call_handle_time", "call_csat", "call_csat_mean"]

pytestmark = pytest.mark.realdata


def expected(raw: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The same definitions computed independently from the workbook's own columns."""
    def talk(v: object) -> float:
        if isinstance(v, dt.time):
            return v.hour * 3600 + v.minute * 60 + v.second
        return float(v) * 86400 if pd.notna(v) else float("nan")  # a day fraction

    df = raw.assign(answered=raw["Answered (Y/N)"] == "Y", resolved=raw["Resolved"] == "Y",
                    talk=raw["AvgTalkDuration"].map(talk), rating=raw["Satisfaction rating"],
                    speed=raw["Speed of answer in seconds"])
    groups = df.groupby(by) if by else [("all", df)]
    rows = {}
    for key, g in groups:
        a = g[g.answered]
        rated = g[g.rating.notna()]
        rows[key] = {
            "call_volume": float(len(g)),
            "call_abandonment_rate": 100.0 * (~g.answered).sum() / len(g),
            "average_speed_of_answer": a.speed.mean(),
            "call_resolution_rate": 100.0 * a.resolved.sum() / len(a),
            "call_handle_time": a.talk.mean(),
            "call_csat": 100.0 * (rated.rating >= 4).sum() / len(rated),
            "call_csat_mean": rated.rating.mean(),
        }
    return pd.DataFrame(rows).T


@pytest.fixture
def calls(store, realdata: Path):
    path = realdata / "contact_center_calls.xlsx"
    res = store.import_file("calls", path, mapping=MAPPING)
    assert (res.rows_read, res.rejected) == (5000, 0)
    return store, pd.read_excel(path, engine="openpyxl")


def actual(store, by: str | None) -> pd.DataFrame:
    df = store.metrics(KEYS, grain="total", by=[by] if by else [], stat="mean")
    if by:
        return df.pivot(index=by, columns="metric", values="value")
    return df.set_index("metric")[["value"]].T.rename(index={"value": "all"})


@pytest.mark.parametrize(("dim", "column"), [(None, None), ("agent", "Agent"), ("topic", "Topic")])
def test_call_metrics_match_pandas(calls, dim: str | None, column: str | None) -> None:
    store, raw = calls
    got = actual(store, dim)
    want = expected(raw, column)
    assert sorted(got.index) == sorted(want.index)
    for group, row in want.iterrows():
        assert {k: got.loc[group, k] for k in KEYS} == {k: pytest.approx(row[k], rel=1e-9) for k in KEYS}, group
    if dim is None:  # the workbook's headline numbers: 946 of 5,000 calls abandoned, 3,646 resolved
        assert got.loc["all", "call_abandonment_rate"] == pytest.approx(100 * 946 / 5000)
        assert got.loc["all", "call_resolution_rate"] == pytest.approx(100 * 3646 / 4054)


def test_monthly_volume_and_hours(calls) -> None:
    store, raw = calls
    month = store.metrics(["call_volume", "call_abandonment_rate"], grain="month", from_="2021-01-01",
                          to="2021-03-31")
    vol = month[month.metric == "call_volume"].set_index("period_start")["value"]
    dates = pd.to_datetime(raw["Date"])
    want = dates.dt.strftime("%Y-%m-01").value_counts().sort_index()
    assert {str(k): v for k, v in vol.to_dict().items()} == {k: float(v) for k, v in want.items()}
    hours = store.metrics(["call_volume"], grain="total", by=["hour"])
    got = dict(zip(hours["hour"].astype(int), hours["value"], strict=True))
    want_h = raw["Time"].map(lambda t: t.hour if isinstance(t, dt.time) else pd.Timestamp(str(t)).hour)
    assert got == {int(k): float(v) for k, v in want_h.value_counts().items()}
    # abandoned calls carry no wait in this workbook: nothing to average, not a zero
    tta = store.metrics(["average_time_to_abandon"], grain="total").iloc[0]
    assert tta["n"] == 0 and pd.isna(tta["value"])
