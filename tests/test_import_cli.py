"""`cxm import`: exit codes 0/1/2/3, the summary, and no tracebacks on bad input."""

from __future__ import annotations

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


def put(tmp_path: Path, name: str, text: str) -> str:
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
