"""`cxm import`: exit codes 0/1/2/3, the summary, and no tracebacks on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmetrics.interfaces.cli import main as cli_main

_registered = False


@pytest.fixture
def cxm(tmp_path: Path):
    """Run `cxm --db <tmp> ...` in-process; returns (exit code, stdout + stderr)."""
    global _registered
    if not _registered:
        cli_main.register_commands()
        _registered = True
    runner = CliRunner()
    db = tmp_path / "cx.duckdb"

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli_main.app, ["--db", str(db), *args], catch_exceptions=False)
        return r.exit_code, r.output

    return run


def put(tmp_path: Path, name: str, text: str) -> str:  # tmp_path: any folder
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


GOOD = "ticket_id,created_at,channel\nA,2024-01-01T10:00:00Z,email\nB,2024-01-02T10:00:00Z,chat\n"


def test_ok_then_unchanged(cxm, tmp_path):
    f = put(tmp_path, "t.csv", GOOD)
    code, out = cxm("import", "tickets", f)
    assert code == 0, out
    assert "inserted" in out and "tickets" in out
    code, out = cxm("import", "tickets", f)
    assert code == 0
    assert "unchanged" in out


def test_quarantine_exits_3_and_shows_problems(cxm, tmp_path):
    f = put(tmp_path, "t.csv", GOOD + "C,someday,web\nD,,web\n")
    code, out = cxm("import", "tickets", f)
    assert code == 3, out
    assert "line 4, created_at: not a recognised date/time: 'someday'" in out
    assert "line 5, created_at: required value is empty" in out
    assert "_quarantine" in out


def test_missing_column_exits_1(cxm, tmp_path):
    code, out = cxm("import", "tickets", put(tmp_path, "t.csv", "id,created_at\n1,2024-01-01\n"))
    assert code == 1
    assert "required column 'ticket_id'" in out and "the file has: id, created_at" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(("name", "text"), [
    ("nightly.csv", "ticket_id,channel\nA,email\n"),
    ("nightly.jsonl", '{"ticket_id": "A", "channel": "email"}\n'),
])
def test_missing_column_names_the_file(cxm, tmp_path, name: str, text: str):
    """With several files, "required column missing" must say which file lacks it, and what to do."""
    good, bad = put(tmp_path, "good.csv", GOOD), put(tmp_path, name, text)
    code, out = cxm("import", "tickets", good, bad)
    assert code == 1, out
    error = next(line for line in out.splitlines() if line.startswith("error:"))
    assert error.startswith(f"error: {bad}: required column 'created_at' of tickets missing; "
                            "the file has: ticket_id, channel; rename it in the file, or map it"), error
    assert "2 files: 1 imported, 1 refused" in out


@pytest.mark.parametrize("args", [
    ("import", "tikets", "x.csv"),
    ("import", "tickets", "x.csv", "--format", "xml"),
    ("import", "tickets", "x.csv", "--date-order", "dym"),
    ("import", "tickets", "x.csv", "--tz", "Mars/Olympus"),
    ("import", "tickets", "x.csv", "--encoding", "klingon"),
    ("import", "tickets", "x.csv", "--mapping", "no-such-mapping.toml"),
    ("import", "calls", "x.csv", "--source", "twcs"),
])
def test_usage_errors_exit_2(cxm, args):
    code, out = cxm(*args)
    assert code == 2, out
    assert "Traceback" not in out


def test_unreadable_and_bad_mapping_exit_1(cxm, tmp_path):
    code, out = cxm("import", "tickets", str(tmp_path / "missing.csv"))
    assert code == 1 and "no such file" in out
    m = put(tmp_path, "m.toml", "[columns]\nnot_a_column = 'x'\n")
    code, out = cxm("import", "tickets", put(tmp_path, "t.csv", GOOD), "--mapping", m)
    assert code == 1 and "no such column" in out


def test_several_files_worst_code_wins(cxm, tmp_path):
    good = put(tmp_path, "good.csv", GOOD)
    bad = put(tmp_path, "bad.csv", "nothing,useful\n1,2\n")
    code, out = cxm("import", "tickets", good, bad)
    assert code == 1
    assert "2 files: 1 imported, 1 refused" in out


def test_console_script_entry(tmp_path):
    f = put(tmp_path, "t.csv", GOOD + "C,2024-13-01,web\n")
    r = subprocess.run([sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(tmp_path / "x.duckdb"),
                        "import", "tickets", f], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    assert "line 4" in r.stdout and "Traceback" not in r.stderr


MESSAGES = ("message_id,ticket_id,created_at,author_type\n"
            "m1,A,2024-01-01T10:05:00Z,customer\nm2,A,2024-01-01T11:00:00Z,agent\n")


def test_a_folder_imports_each_table_in_one_writer_session(cxm, tmp_path, monkeypatch):
    """A nightly export folder: files named after their tables land in their tables, tickets first,
    other files are skipped with a note, and the facts are derived once for all of them."""
    from cxmetrics.store import Store

    export = tmp_path / "export"
    export.mkdir()
    put(export, "messages.csv", MESSAGES)
    put(export, "Tickets_2024-01-02.csv", GOOD)
    put(export, "README.txt", "not data\n")
    derived: list[int] = []
    real = Store.refresh_facts
    monkeypatch.setattr(Store, "refresh_facts", lambda self, *a, **k: (derived.append(1), real(self, *a, **k))[1])
    code, out = cxm("import", str(export))
    assert code == 0, out
    assert out.index("Tickets_2024-01-02.csv") < out.index("messages.csv")  # tickets first, whatever the order
    assert "skipped README.txt (not named after a table)" in out
    assert "2 files: 2 imported, 0 refused" in out
    assert derived == [1]
    with Store(tmp_path / "cx.duckdb", read_only=True) as s:
        assert s.counts()["tickets"] == 2 and s.counts()["messages"] == 2
        assert s.facts_stamp() == s.data_stamp()


def test_files_named_after_their_tables(cxm, tmp_path):
    m, t = put(tmp_path, "messages.csv", MESSAGES), put(tmp_path, "tickets.csv", GOOD)
    code, out = cxm("import", m, t)
    assert code == 0, out
    assert out.index("tickets.csv") < out.index("messages.csv")
    code, out = cxm("import", m, t)
    assert code == 0 and "unchanged" in out


@pytest.mark.parametrize(("args", "says"), [
    (["data.csv"], "cannot tell which table it is for"),
    (["tickets.csv", "notes.csv"], "cannot tell which table it is for"),
    (["empty"], "no file named after a table"),
    (["tickets.csv", "messages.csv", "--mapping", "m.toml"], "--mapping maps the columns of one table"),
    (["tickets"], "give the files to import into tickets"),
])
def test_files_without_a_table_are_usage_errors(cxm, tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    put(tmp_path, "data.csv", GOOD)
    put(tmp_path, "notes.csv", GOOD)
    put(tmp_path, "tickets.csv", GOOD)
    put(tmp_path, "messages.csv", MESSAGES)
    put(tmp_path, "m.toml", "[columns]\n")
    (tmp_path / "empty").mkdir()
    code, out = cxm("import", *args)
    assert code == 2, out
    assert says in out
    assert not (tmp_path / "cx.duckdb").exists()  # a usage error reads nothing and creates no store


def test_the_summary_never_cuts_a_table_name(tmp_path):
    """A narrow terminal or pipe once cut the summary: "status_chang…", "inse…"."""
    f = put(tmp_path, "status_changes.csv", "ticket_id,changed_at,to_status\nT1,2024-01-01T10:00:00Z,open\n")
    r = subprocess.run([sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(tmp_path / "x.duckdb"),
                        "import", f], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "40"})
    assert r.returncode == 0, r.stderr
    assert "status_changes " in r.stdout and "inserted" in r.stdout and "…" not in r.stdout, r.stdout


def test_a_wide_summary_leaves_the_shared_console_to_the_terminal(tmp_path, monkeypatch):
    """Printing a summary wider than the terminal must not pin the console's width for the
    commands after it in the same process (a notebook, the tests)."""
    from cxmetrics.interfaces.cli import common

    cli_main.register_commands()
    f = put(tmp_path, "status_changes.csv", "ticket_id,changed_at,to_status\nT1,2024-01-01T10:00:00Z,open\n")
    r = CliRunner().invoke(cli_main.app, ["--db", str(tmp_path / "x.duckdb"), "import", f], env={"COLUMNS": "40"})
    assert r.exit_code == 0, r.output
    assert "status_changes " in r.output
    monkeypatch.setenv("COLUMNS", "200")
    assert common.console.width == 200
