"""Shared fixtures: a fresh store per test, real-data location, golden-file flag."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden files (generated SQL, docs) instead of comparing.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def realdata_dir() -> Path | None:
    env = os.environ.get("CXM_REALDATA")
    for p in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data"]:
        if p.is_dir():
            return p
    return None


@pytest.fixture
def realdata() -> Path:
    d = realdata_dir()
    if d is None:
        pytest.skip("real data not found: set $CXM_REALDATA or provide ../shared/data")
    return d


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty store in a temp dir, with default settings (no cxm.toml is read)."""
    from cxmetrics.config import Config
    from cxmetrics.store import Store

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXM_CONFIG", raising=False)
    monkeypatch.delenv("CXM_DB", raising=False)
    s = Store(tmp_path / "cx.duckdb", config=Config())
    yield s
    s.close()


def ts(text: str) -> pd.Timestamp:
    """UTC instant from 'YYYY-MM-DD HH:MM' (tests read better with short literals)."""
    return pd.Timestamp(text, tz="UTC")
