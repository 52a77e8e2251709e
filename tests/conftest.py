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
    from cxmetrics.settings import Config
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


#: The small demo the report, API and dashboard tests share: 14 months ending 2026-01-01
#: (so the report month December 2025 has a month before and the same month a year before).
SMALL_DEMO_END = "2026-01-01"


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a small demo store (about 600 tickets a month), built once per session.
    Tests open it read-only; a test that writes must copy it first."""
    import datetime as dt

    from cxmetrics.demo import build
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    path = tmp_path_factory.mktemp("small-demo") / "demo.duckdb"
    with Store(path, config=Config()) as s:
        build(s, seed=7, months=14, end=dt.date.fromisoformat(SMALL_DEMO_END), scale=0.15)
        s.stored_facts()
    return path


@pytest.fixture(scope="session")
def tickets_only(tmp_path_factory: pytest.TempPathFactory, small_demo: Path) -> Path:
    """The small demo's help-desk tables only: no surveys, customers, calls, orders or carts."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    path = tmp_path_factory.mktemp("tickets-only") / "tickets.duckdb"
    with Store(path, config=Config()) as s:
        s.raw.execute(f"ATTACH '{small_demo}' AS src (READ_ONLY)")
        for name in ("tickets", "messages", "status_changes", "work_sessions", "_import_log"):
            s.raw.execute(f'INSERT INTO "{name}" SELECT * FROM src."{name}"')
        s.raw.execute("DETACH src")
        s.stored_facts()
    return path
