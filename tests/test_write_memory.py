"""The ``write_memory`` setting: a writer session's DuckDB memory is bounded (issue 11: an import's
peak memory stays bounded whatever the file size), and what spills is removed with the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.errors import ConfigError
from cxmetrics.settings import Config, config_from_dict, load_config
from cxmetrics.store import Store


def limit(store: Store) -> str:
    return str(store.raw.execute("SELECT current_setting('memory_limit')").fetchone()[0])


@pytest.mark.parametrize(("value", "shown"), [("1GB", "953.6 MiB"), ("1.5gib", "1.5 GiB"), ("256 MB", "244.1 MiB")])
def test_a_writer_session_takes_the_limit(tmp_path: Path, value: str, shown: str) -> None:
    with Store(tmp_path / "cx.duckdb", config=config_from_dict({"write_memory": value})) as s:
        assert limit(s) == shown


def test_zero_leaves_duckdbs_own_limit(tmp_path: Path) -> None:
    with Store(tmp_path / "a.duckdb", config=config_from_dict({"write_memory": 0})) as s:
        own = limit(s)
    with Store(tmp_path / "b.duckdb", config=Config()) as s:
        assert limit(s) == "953.6 MiB" != own  # the default is 1GB


@pytest.mark.parametrize(("value", "says"), [("2", "give a unit"), ("lots", "expected a size"),
                                              ("100MB", "at least 128MB"), ("-1GB", "expected a size")])
def test_bad_sizes_are_refused_naming_the_setting(value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=f"write_memory: .*{says}"):
        config_from_dict({"write_memory": value})


def test_the_environment_sets_it() -> None:
    assert load_config(environ={"CXM_WRITE_MEMORY": "2GB"}).write_memory == "2GB"


def test_an_import_under_the_smallest_limit_lands_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """200,000 tickets under 128MB: the import lands whole, and no spill folder or work file stays."""
    rows = ["ticket_id,created_at,channel,category,reopens"]
    rows += [f"T{i:07d},2024-01-{1 + i % 28:02d}T10:{i % 60:02d}:00Z,email,billing question number {i % 97},{i % 3}"
             for i in range(200_000)]
    f = tmp_path / "tickets.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = tmp_path / "cx.duckdb"
    config = config_from_dict({"write_memory": "128MB", "server": {"warm_start": False}})
    with Store(db, config=config) as s:
        res = s.import_file("tickets", f)
        assert res.inserted == 200_000
    with Store(db, read_only=True, config=config) as s:
        assert s.count("tickets") == 200_000
        assert s.raw.execute("SELECT sum(reopens) FROM tickets").fetchone()[0] == sum(i % 3 for i in range(200_000))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cx.duckdb", "cx.duckdb.lock", "tickets.csv"]


def test_the_first_screen_kept_by_a_writer_with_another_limit_is_found(tmp_path: Path) -> None:
    """The limit changes no number: a server with the default finds the answer such a writer kept."""
    from cxmetrics.interfaces.web.api_overview import stored_answer, warm_answers

    f = tmp_path / "tickets.csv"
    f.write_text("ticket_id,created_at,channel\nT1,2024-01-02T10:00:00Z,email\n", encoding="utf-8")
    db = tmp_path / "cx.duckdb"
    with Store(db, config=config_from_dict({"write_memory": "2GB"})) as w:
        w.import_file("tickets", f)
        w.before_publish.append(warm_answers)
    with Store(db, read_only=True, config=Config()) as r:
        assert stored_answer(r, r.data_stamp()) is not None
