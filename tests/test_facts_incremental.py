"""Issue 11: after the first load, a delta import refreshes the facts of the affected tickets only,
and the stored facts equal a full rebuild."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import cxmetrics as cx
from cxmetrics.demo.generator import generate_tables
from cxmetrics.metrics.registry import all_metrics
from cxmetrics.store import Store

CUTOFF = pd.Timestamp("2024-12-20")
TIME_OF = {"tickets": "created_at", "messages": "created_at", "status_changes": "changed_at",
           "work_sessions": "started_at", "field_changes": "changed_at"}


def facts(store: Store) -> dict[str, pd.DataFrame]:
    out = {}
    for n in Store.FACT_TABLES:
        df = store.raw.execute(f"SELECT * FROM _fact_{n}").df()
        out[n] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def split() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """A help desk as a first load (before the cutoff) and a delta: new tickets, later messages and
    status changes of old ones, and old tickets re-sent with another category and status."""
    tables = {k: v.to_pandas() for k, v in generate_tables(7, 3, dt.date(2025, 1, 1), total_tickets=1500,
                                                            support_only=True).items()}
    base, delta = {}, {}
    for name, df in tables.items():
        early = df[TIME_OF[name]] < CUTOFF
        base[name], delta[name] = df[early], df[~early]
    changed = base["tickets"].sample(20, random_state=1).copy()
    changed["category"] = "billing"
    changed["status"] = "open"
    delta["tickets"] = pd.concat([delta["tickets"], changed])
    assert 0 < len(delta["tickets"]) < 0.2 * len(tables["tickets"])
    return base, delta


def test_delta_refresh_equals_full_rebuild(tmp_path, split, monkeypatch) -> None:
    base, delta = split
    with cx.connect(tmp_path / "s.duckdb") as store:
        for name, df in base.items():
            store.import_frame(name, df)
        store.refresh_facts()
        first = facts(store)
        calls = []
        real = Store._derive_facts

        def spy(self, stamp, affected=None):
            calls.append(None if affected is None else int(affected.count().execute()))
            return real(self, stamp, affected)

        monkeypatch.setattr(Store, "_derive_facts", spy)
        monkeypatch.setattr(Store, "DELTA_SHARE", 0.9)  # a small store: the delta is a large share of it
        with store.writing() as w:  # one writer session: its facts are refreshed once, when it publishes
            for name, df in delta.items():
                w.import_frame(name, df)
        assert len(calls) == 1 and calls[0] is not None, "the delta took the incremental path"
        assert 0 < calls[0] < store.count("tickets")
        assert store.facts_stamp() == store.data_stamp()
        incremental = facts(store)
        store.refresh_facts(full=True)
        assert calls[-1] is None
        rebuilt = facts(store)
    for n in Store.FACT_TABLES:
        pd.testing.assert_frame_equal(incremental[n], rebuilt[n], check_dtype=True, obj=n)
    assert len(rebuilt["tickets"]) > len(first["tickets"])


def test_refresh_with_nothing_new_or_too_much_rebuilds_fully(tmp_path, split, monkeypatch) -> None:
    base, delta = split
    with cx.connect(tmp_path / "s.duckdb") as store:
        store.import_frame("tickets", base["tickets"])
        store.refresh_facts()
        monkeypatch.setattr(Store, "DELTA_SHARE", 0.0)  # any delta is "too much"
        store.import_frame("tickets", delta["tickets"])
        store.refresh_facts()
        assert store.facts_stamp() == store.data_stamp()
        assert store.count("_fact_tickets") == store.count("tickets")


def test_metrics_after_a_delta_equal_metrics_of_a_fresh_store(tmp_path, split) -> None:
    base, delta = split
    ids = [m.key for m in all_metrics() if m.domain == "support"]
    with cx.connect(tmp_path / "a.duckdb") as a, cx.connect(tmp_path / "b.duckdb") as b:
        for name, df in base.items():
            a.import_frame(name, df)
        a.metrics(ids, grain="month")  # facts stored after the first load
        for name, df in delta.items():
            a.import_frame(name, df)
        for name in base:
            b.import_frame(name, base[name])
            b.import_frame(name, delta[name])
        got, want = a.metrics(ids, grain="month"), b.metrics(ids, grain="month")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))



def test_facts_of_a_store_without_support_data_equal_a_derivation(monkeypatch) -> None:
    """A survey-only store gets its (empty) facts from the columns an earlier derivation over empty
    tables gave, without deriving again: the same tables and numbers; a ticket derives as ever."""
    import cxmetrics.facts.tickets as tickets
    from cxmetrics import store as store_module
    from cxmetrics.settings import Config

    monkeypatch.setattr(store_module, "EMPTY_FACT_COLUMNS", {})
    derivations = []
    real = tickets.base_facts
    monkeypatch.setattr(tickets, "base_facts", lambda *a, **k: (derivations.append(1), real(*a, **k))[1])
    answers = pd.DataFrame({"response_id": ["r1", "r2", "r3"], "survey": "nps", "score": [9.0, 3.0, 10.0],
                            "responded_at": pd.to_datetime(["2024-03-05", "2024-03-06", "2024-04-01"], utc=True)})

    def survey_store() -> tuple[dict[str, list], pd.DataFrame, Store]:
        s = Store(":memory:", config=Config())
        s.import_frame("survey_responses", answers)
        frame = s.metrics(["nps", "promoters_share", "ticket_volume"], grain="month")
        return {n: s.raw.execute(f"DESCRIBE _fact_{n}").fetchall() for n in Store.FACT_TABLES}, frame, s

    first, frame1, s1 = survey_store()
    assert derivations == [1] and store_module.EMPTY_FACT_COLUMNS
    second, frame2, s2 = survey_store()
    assert derivations == [1], "no second derivation"
    assert second == first
    pd.testing.assert_frame_equal(frame1, frame2)
    assert s2.facts_stamp() == s2.data_stamp()
    assert all(s2.count(f"_fact_{n}") == 0 for n in Store.FACT_TABLES)
    s2.import_frame("tickets", pd.DataFrame({"ticket_id": ["t1"], "channel": ["email"],
                                             "created_at": pd.to_datetime(["2024-03-05"], utc=True)}))
    s2.stored_facts()
    assert derivations == [1, 1] and s2.count("_fact_tickets") == 1
    s1.close()
    s2.close()
