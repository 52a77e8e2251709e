"""CSAT of the real Kaggle support-ticket export, through the shipped mapping, checked
against an independent pandas computation from the raw CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

MAPPING = ROOT / "examples" / "mappings" / "kaggle_support_csat.toml"
PII = ("Customer Name", "Customer Email", "Customer Age", "Customer Gender", "Ticket Description", "Resolution")

pytestmark = pytest.mark.realdata


@pytest.fixture
def kaggle(realdata: Path) -> Path:
    path = realdata / "kaggle_support_tickets.csv"
    if not path.is_file():
        pytest.skip(f"real data file missing: {path}")
    return path


@pytest.fixture
def expected(kaggle: Path) -> pd.DataFrame:
    """Rated tickets straight from the CSV (pandas' own parser, not ours)."""
    raw = pd.read_csv(kaggle)
    rated = raw[raw["Customer Satisfaction Rating"].notna()].copy()
    rated["satisfied"] = rated["Customer Satisfaction Rating"] >= 4  # top two boxes of 1-5
    rated["channel"] = rated["Ticket Channel"].str.lower().replace({"social media": "social"})
    return rated


@pytest.fixture
def imported(store, kaggle: Path):
    res = store.import_file("survey_responses", kaggle, mapping=str(MAPPING), accept_partial=True)  # 5,700 of 8,469 unrated
    return store, res


def test_import_keeps_rated_tickets_and_reports_the_rest(imported, expected: pd.DataFrame) -> None:
    store, res = imported
    raw_rows = 8469
    assert res.rows_read == raw_rows
    assert res.inserted == len(expected) == 2769
    # open and pending tickets were never surveyed: no responded_at, quarantined and reported
    assert res.rejected == raw_rows - len(expected)
    assert res.exit_code == 3
    reasons = store.raw.execute(
        "SELECT DISTINCT \"column\", reason FROM _quarantine WHERE table_name = 'survey_responses'").fetchall()
    assert [r[0] for r in reasons] == ["responded_at"]
    assert res.date_order == "dmy"


def test_pii_never_enters_the_store(imported, kaggle: Path) -> None:
    store, _ = imported
    raws = [json.loads(r[0]) for r in store.raw.execute("SELECT raw FROM _quarantine").fetchall()]
    assert raws and not any(k in r for r in raws for k in PII)
    emails = set(pd.read_csv(kaggle, usecols=["Customer Email"])["Customer Email"])
    stored = store.raw.execute("SELECT * FROM survey_responses").fetchdf()
    assert not stored.isin(emails).any().any()
    assert not any("@" in v for r in raws for v in r.values() if isinstance(v, str))


def test_csat_overall_matches_pandas(imported, expected: pd.DataFrame) -> None:
    from statsmodels.stats.proportion import proportion_confint

    store, _ = imported
    df = store.metrics(["csat"], grain="total")
    r = df.iloc[0]
    sat, n = int(expected["satisfied"].sum()), len(expected)
    assert (int(r["numerator"]), int(r["denominator"]), int(r["skipped"])) == (sat, n, 0)
    assert r["value"] == pytest.approx(100 * sat / n)
    lo, hi = proportion_confint(sat, n, alpha=0.05, method="wilson")
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    assert not r["low_sample"]


def test_csat_by_channel_matches_pandas(imported, expected: pd.DataFrame) -> None:
    store, _ = imported
    df = store.metrics(["csat"], grain="total", by=["channel"])
    got = {row.channel: (int(row.numerator), int(row.denominator), row.value) for row in df.itertuples()}
    want = expected.groupby("channel")["satisfied"].agg(["sum", "count"])
    assert set(got) == set(want.index) == {"chat", "email", "phone", "social"}
    for ch, (s, c) in want.iterrows():
        assert got[ch][:2] == (s, c), ch
        assert got[ch][2] == pytest.approx(100 * s / c), ch


def test_csat_by_month_adds_up(imported, expected: pd.DataFrame) -> None:
    """Responses land in months by the resolution time (day-first dates read correctly)."""
    store, _ = imported
    df = store.metrics(["csat"], grain="month")
    resolved = pd.to_datetime(expected["Time to Resolution"], format="%d-%m-%Y %H:%M")
    want = expected.groupby(resolved.dt.to_period("M"))["satisfied"].agg(["sum", "count"])
    got = df[df["denominator"] > 0]
    assert [str(p)[:7] for p in got["period_start"]] == [str(p) for p in want.index]
    assert list(got["numerator"]) == list(want["sum"]) and list(got["denominator"]) == list(want["count"])
