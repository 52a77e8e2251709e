"""Golden files for the SQL each metric compiles to (refresh: pytest --update-golden).

A change in a definition shows up here as a reviewable SQL diff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from cxmetrics.engine.core import Query
from cxmetrics.metrics.catalog import normalise_sql
from cxmetrics.metrics.registry import all_metrics
from cxmetrics.settings import Config
from cxmetrics.store import Store

GOLDEN = Path(__file__).parent / "golden" / "sql"
QUERY = Query(grain="month", by=("channel",), from_=dt.date(2024, 1, 1), to=dt.date(2024, 12, 31),
              tz="Europe/Helsinki")


@pytest.fixture(scope="module")
def engine():
    store = Store(":memory:", config=Config())
    yield store.engine(cache=False)
    store.close()


@pytest.mark.parametrize("key", [m.key for m in all_metrics()])
def test_sql_matches_golden(key: str, engine, update_golden: bool) -> None:
    # metrics without a channel (customers, calls, carts) compile without --by
    q = QUERY if key in {m.key for m in engine.applicable(QUERY)} else replace(QUERY, by=())
    sql = normalise_sql(engine.sql(key, q)) + "\n"
    path = GOLDEN / f"{key.replace(':', '__')}.sql"
    if update_golden or not path.exists():
        path.write_text(sql, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"golden file {path.name} was missing and has been written; review and commit it")
    assert path.read_text(encoding="utf-8") == sql, f"{key}: SQL changed; review and run pytest --update-golden"


def test_explain_cli_shows_definition_and_sql(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    db = tmp_path / "x.duckdb"
    Store(db, config=Config()).close()
    res = CliRunner().invoke(app, ["--db", str(db), "explain", "fcr_rate:single_agent"])
    assert res.exit_code == 0, res.output
    assert "First contact resolution (single agent)" in res.output
    assert "references:" in res.output and "seed 004" in res.output
    assert "SELECT" in res.output and "_fact_" not in res.output  # the full derivation, not stored tables
