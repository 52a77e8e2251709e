"""Golden files for the SQL each metric compiles to (refresh: pytest --update-golden).

A change in a definition shows up here as a reviewable SQL diff. Each metric's file is its
SQL against the stored facts (``_fact_tickets``, ``_fact_waits``, ``_fact_spans``,
``_fact_events``: what ``Store.stored_facts`` hands the engine), so it shows that metric's
own logic: the settings-dependent columns (durations, SLA targets, repeat contacts), the
periods, dimensions and aggregates. The derivation of the stored facts from the canonical
tables has one file of its own, ``golden/facts.sql``. Fact tables that are built per query
(survey responses and invitations, issues, calls, carts, customers, orders) are not stored,
so their derivation stays in their metrics' files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pytest

from cxmetrics.engine.core import Engine, Query
from cxmetrics.facts.tickets import INTERMEDIATES, base_facts
from cxmetrics.metrics.catalog import normalise_sql
from cxmetrics.metrics.registry import all_metrics
from cxmetrics.settings import Config
from cxmetrics.store import Store

GOLDEN = Path(__file__).parent / "golden"
METRICS = GOLDEN / "sql"
FACTS = GOLDEN / "facts.sql"
QUERY = Query(grain="month", by=("channel",), from_=dt.date(2024, 1, 1), to=dt.date(2024, 12, 31),
              tz="Europe/Helsinki")


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store(":memory:", config=Config())
    yield store
    store.close()


@pytest.fixture(scope="module")
def engine(store: Store) -> Engine:
    """An engine over the stored facts, without caching (cached tables would show as temp names)."""
    return Engine(store.ibis, store.config, cache=False, base=store.stored_facts())


def check_golden(path: Path, text: str, update: bool) -> None:
    if update or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {path.name} was missing and has been written; review and commit it")
    assert path.read_text(encoding="utf-8") == text, f"{path.name}: SQL changed; review and run pytest --update-golden"


def metric_path(key: str) -> Path:
    return METRICS / f"{key.replace(':', '__')}.sql"


@pytest.mark.parametrize("key", [m.key for m in all_metrics()])
def test_sql_matches_golden(key: str, engine: Engine, update_golden: bool) -> None:
    # metrics without a channel (customers, calls, carts) compile without --by
    q = QUERY if key in {m.key for m in engine.applicable(QUERY)} else replace(QUERY, by=())
    sql = normalise_sql(engine.sql(key, q)) + "\n"
    check_golden(metric_path(key), sql, update_golden)


def test_ticket_metrics_read_the_stored_facts(engine: Engine) -> None:
    """A metric of the ticket facts starts from a stored table, not from the raw tables."""
    sql = engine.sql("first_response_time", QUERY)
    assert 'FROM "_fact_tickets"' in sql and '"messages"' not in sql and '"status_changes"' not in sql


def test_stored_facts_derivation_matches_golden(store: Store, update_golden: bool) -> None:
    """The stored facts (facts.tickets.base_facts) as Store.refresh_facts builds them: one
    SELECT per stored table, each reading the canonical tables and the facts built before it."""
    parts: list[str] = []

    def stage(name: str, expr: ir.Table) -> ir.Table:
        kind = "a temporary table during the refresh" if name in INTERMEDIATES else "stored"
        parts.append(f"-- _fact_{name} ({kind})\n{normalise_sql(str(ibis.to_sql(expr, dialect='duckdb')))};\n")
        return ibis.table(expr.schema(), name=f"_fact_{name}")

    base_facts(Engine(store.ibis, store.config, cache=False).sources(), stage)
    head = ("-- The facts derived from the canonical tables and stored in the DuckDB file after an import\n"
            "-- (cxmetrics.facts.tickets.base_facts, Store.refresh_facts). Metrics read them (tests/golden/sql).\n\n")
    check_golden(FACTS, head + "\n".join(parts), update_golden)


def test_no_golden_without_a_metric(update_golden: bool) -> None:
    """A metric removed or renamed takes its golden file with it."""
    expected = {metric_path(m.key).name for m in all_metrics()}
    stale = sorted(p for p in METRICS.glob("*.sql") if p.name not in expected)
    if update_golden:
        for p in stale:
            p.unlink()
        return
    assert not stale, f"golden files of no metric: {[p.name for p in stale]}; run pytest --update-golden"


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
