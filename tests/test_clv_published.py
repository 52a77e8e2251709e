"""The CLV models reproduce the published estimates.

* BG/NBD on CDNOW (Fader, Hardie & Lee 2005): r = 0.243, alpha = 4.414, a = 0.793,
  b = 2.426, log-likelihood -9582.4; the paper's 2,357 customers are the 1/10 sample
  (CDNOW_sample.txt names their master ids), read here from CDNOW_master.txt.
* Gamma-Gamma on the 946 repeat buyers of that sample (Fader & Hardie 2013 note):
  p = 6.25, q = 3.74, gamma = 15.44.
* sBG (Fader & Hardie 2007) fitted to the survival of the "regular" and "high end"
  cohorts, years 0-7, as the paper does: alpha/beta 0.704/1.182 and 0.668/3.806.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from cxmetrics.analyses.clv import models
from cxmetrics.analyses.clv.data import rfm_summary

CALIBRATION_END = dt.date(1997, 9, 30)
REGULAR = [100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1]
HIGH_END = [100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1]


def _cdnow_sample_orders(root: Path) -> pd.DataFrame:
    """Transactions of the paper's sample customers, from the master file."""
    cols = ["customer_id", "date", "cds", "amount"]
    master = pd.read_csv(root / "cdnow" / "CDNOW_master.txt", sep=r"\s+", header=None, names=cols, skiprows=1,
                         dtype={"customer_id": str, "date": str})
    sample = pd.read_csv(root / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None,
                         names=["customer_id", "sample_id", "date", "cds", "amount"], dtype={"customer_id": str})
    ids = set(sample["customer_id"])
    o = master[master["customer_id"].isin(ids)].copy()
    assert len(o) == len(sample)  # the sample file is exactly those customers' transactions
    o["ordered_at"] = pd.to_datetime(o["date"], format="%Y%m%d")
    o["sample_id"] = o["customer_id"].map(dict(zip(sample["customer_id"], sample["sample_id"], strict=False)))
    return o[["customer_id", "sample_id", "ordered_at", "amount"]]


@pytest.fixture(scope="module")
def cdnow_rfm(request: pytest.FixtureRequest) -> pd.DataFrame:
    from tests.conftest import realdata_dir

    root = realdata_dir()
    if root is None or not (root / "cdnow" / "CDNOW_master.txt").exists():
        pytest.skip("real data not found: set $CXM_REALDATA or provide ../shared/data (cdnow/)")
    o = _cdnow_sample_orders(root)
    rfm = ibis.duckdb.connect().execute(rfm_summary(ibis.memtable(o.drop(columns="sample_id")), CALIBRATION_END))
    order = o.drop_duplicates("customer_id").set_index("customer_id")["sample_id"]
    return rfm.assign(_s=rfm["customer_id"].map(order)).sort_values("_s")  # the published summary's order


@pytest.mark.realdata
def test_rfm_summary_matches_the_published_summary(realdata: Path, cdnow_rfm: pd.DataFrame) -> None:
    ref = pd.read_csv(realdata / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    assert len(cdnow_rfm) == len(ref) == 2357
    mine = cdnow_rfm.reset_index(drop=True)
    assert (mine["x"].to_numpy() == ref["x"].to_numpy()).all()
    for col in ("t_x", "T", "zbar"):  # the reference is rounded to 2 decimals
        assert np.abs(mine[col].to_numpy() - ref[col].to_numpy()).max() <= 0.005 + 1e-9, col
    assert int(((mine["x"] > 0) & (mine["zbar"] > 0)).sum()) == 946


@pytest.mark.realdata
def test_bgnbd_reproduces_fader_hardie_lee_2005(realdata: Path, cdnow_rfm: pd.DataFrame) -> None:
    fit = models.fit_bgnbd(cdnow_rfm["x"], cdnow_rfm["t_x"], cdnow_rfm["T"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for k, v in published.items():  # published to 3 decimals
        assert fit[k] == pytest.approx(v, abs=6e-4), k
    assert fit.loglik == pytest.approx(-9582.4, abs=0.05)
    assert fit.converged
    # FHL 2005 / Hardie's note: a customer with x=2, t_x=30.43, T=38.86 makes 1.226 purchases in the next 39 weeks
    assert float(models.bgnbd_conditional(fit.params, 39, np.array([2]), np.array([30.43]), np.array([38.86]))[0]) \
        == pytest.approx(1.226, abs=1e-3)


@pytest.mark.realdata
def test_gamma_gamma_reproduces_fader_hardie_2013(realdata: Path, cdnow_rfm: pd.DataFrame) -> None:
    fit = models.fit_gamma_gamma(cdnow_rfm["x"], cdnow_rfm["zbar"])
    assert fit.n == 946
    for k, v in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():  # published to 2 decimals
        assert fit[k] == pytest.approx(v, abs=0.01), k


@pytest.mark.parametrize(("survival", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_reproduces_fader_hardie_2007(survival: list[float], alpha: float, beta: float) -> None:
    fit = models.fit_sbg_survival(survival)
    assert fit["alpha"] == pytest.approx(alpha, abs=6e-4)
    assert fit["beta"] == pytest.approx(beta, abs=6e-4)
    fitted = 100 * models.sbg_survival(fit["alpha"], fit["beta"], np.arange(8))
    # the model's own fit to the 7 years (the paper's figure): within 2 percentage points every year
    assert np.abs(fitted - np.array(survival)).max() < 2.0
    assert fitted[0] == pytest.approx(100)


def test_sbg_retention_rises_with_tenure_as_in_the_paper() -> None:
    fit = models.fit_sbg_survival(REGULAR)
    r = models.sbg_retention(fit["alpha"], fit["beta"], np.arange(1, 8))
    assert (np.diff(r) > 0).all()  # the "increasing retention" the paper explains by heterogeneity
