"""`cxm metrics`, `cxm catalog` and error handling, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmetrics.interfaces.cli.main import app, register_commands
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests import scenario

RECORD_KEYS = ["metric", "period_start", "value", "unit", "n", "numerator", "denominator",
               "ci_low", "ci_high", "mean", "median", "p90", "skipped", "low_sample", "maturing",
               "target", "meets_target", "target_source"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "cx.duckdb"
    s = Store(path, config=Config())
    scenario.load(s)
    s.stored_facts()
    s.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    register_commands()
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_json_record_shape(db: Path) -> None:
    code, out, _ = run("--db", str(db), "metrics", "first_response_time", "fcr_rate", "--grain", "month",
                       "--by", "channel", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["metrics"]
    recs = doc["metrics"]
    assert {tuple(r) for r in recs} == {tuple([*RECORD_KEYS[:2], "channel", *RECORD_KEYS[2:]])}
    email = next(r for r in recs if r["metric"] == "first_response_time" and r["channel"] == "email")
    assert email["period_start"] == "2024-03-01"
    assert (email["n"], email["value"], email["unit"]) == (2, 10800.0, "seconds")  # T1 7200, T3 14400
    assert email["numerator"] is None and email["ci_low"] is None  # missing parts are null, not omitted


def test_total_grain_has_null_period(db: Path) -> None:
    code, out, _ = run("--db", str(db), "metrics", "ticket_volume", "--grain", "total", "--format", "json")
    assert code == 0
    assert json.loads(out)["metrics"] == [
        {"metric": "ticket_volume", "period_start": None, "value": 7, "unit": "count", "n": 7,
         "numerator": None, "denominator": None, "ci_low": None, "ci_high": None,
         "mean": None, "median": None, "p90": None, "skipped": None, "low_sample": None, "maturing": False,
         "target": None, "meets_target": None, "target_source": None}]


def test_csv_and_table_formats(db: Path) -> None:
    code, out, _ = run("--db", str(db), "metrics", "backlog", "--grain", "month", "--from", "2024-03-01",
                       "--to", "2024-04-30", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split(",") == RECORD_KEYS
    assert len(lines) == 3
    code, out, _ = run("--db", str(db), "metrics", "resolution_rate", "--grain", "total")
    assert code == 0 and "resolution_rate" in out and "85.7%" in out  # 6 of 7 tickets resolved


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["metrics", "nps_score"], 2, "unknown metric"),
        (["metrics", "ticket_volum"], 2, "did you mean ticket_volume"),
        (["metrics", "ticket_volume", "--grain", "fortnight"], 2, "unknown grain"),
        (["metrics", "ticket_volume", "--by", "colour"], 2, "unknown dimension"),
        (["metrics", "ticket_volume", "--where", "channel"], 2, "DIM=VALUE"),
        (["metrics", "ticket_volume", "--from", "2024-13-01"], 2, "not a date"),
        (["metrics", "ticket_volume", "--tz", "Mars/Base"], 2, "unknown time zone"),
        (["metrics", "ticket_volume", "--format", "xml"], 2, "--format"),
        (["explain", "nope"], 2, "unknown metric"),
    ],
)
def test_user_errors_are_clear(db: Path, args: list[str], code: int, message: str) -> None:
    got, out, err = run("--db", str(db), *args)
    assert got == code
    assert message in err
    assert "Traceback" not in out + err


def test_missing_store_is_a_clear_failure(tmp_path: Path) -> None:
    got, _, err = run("--db", str(tmp_path / "none.duckdb"), "metrics", "ticket_volume")
    assert got == 1 and "no store" in err
    assert not (tmp_path / "none.duckdb").exists()


def test_an_empty_store_says_which_tables_have_no_rows(db: Path, tmp_path: Path) -> None:
    """The records stay honest nulls on stdout (exit 0); stderr says why and what to do. A store
    with data says nothing, even for a range without data."""
    empty = tmp_path / "empty.duckdb"
    Store(empty, config=Config()).close()
    got, out, err = run("--db", str(empty), "metrics", "ticket_volume", "--format", "json")
    assert got == 0 and json.loads(out)["metrics"][0]["value"] is None
    assert "no data: the store has no rows in tickets; import some (`cxm import tickets FILE`)" in err
    got, _, err = run("--db", str(empty), "metrics", "ticket_volume", "nps")
    assert got == 0 and "no rows in survey_responses, tickets" in err and "cxm import TABLE FILE" in err
    got, _, err = run("--db", str(db), "metrics", "ticket_volume", "--from", "2030-01-01", "--to", "2030-01-31")
    assert got == 0 and "no data" not in err


def test_catalog_lists_every_metric() -> None:
    from cxmetrics.metrics.registry import all_metrics

    code, out, _ = run("catalog", "--format", "json")
    assert code == 0
    ids = [e["id"] for e in json.loads(out)["catalog"]]
    assert ids == [m.key for m in all_metrics()]


def test_console_script_and_db_env(db: Path, tmp_path: Path) -> None:
    """The installed entry point, with the store from $CXM_DB."""
    exe = Path(sys.executable).with_name("cxm")
    env = {"CXM_DB": str(db), "PATH": str(exe.parent)}
    res = subprocess.run([str(exe), "metrics", "tickets_resolved", "--grain", "total", "--format", "json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["metrics"][0]["value"] == 6


def test_console_script_exit_statuses_and_pipes(db: Path, tmp_path: Path) -> None:
    """The entry point ends its process without Python's teardown (main._leave): every line still
    reaches a pipe, each outcome keeps its status, and a write made by the command is in the store."""
    exe = str(Path(sys.executable).with_name("cxm"))

    def cxm(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)

    import cxmetrics as cx

    with cx.connect(db, read_only=True) as s:
        expected = s.metrics(None, grain="month")
    res = cxm("--db", str(db), "metrics", "--grain", "month", "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.splitlines()) == len(expected) + 1  # the header, then every row
    res = cxm("--db", str(tmp_path / "none.duckdb"), "metrics")
    assert (res.returncode, res.stdout) == (1, "") and "no store at" in res.stderr
    assert not (tmp_path / "none.duckdb").exists()
    res = cxm("metrics", "--no-such-option")
    assert res.returncode == 2 and "No such option" in res.stderr
    out = tmp_path / "copy.duckdb"
    csv = tmp_path / "t.csv"
    csv.write_text("ticket_id,created_at,channel\nT1,2024-01-02T10:00:00Z,email\nT2,2024-01-03T10:00:00Z,chat\n")
    res = cxm("--db", str(out), "import", "tickets", str(csv))
    assert res.returncode == 0, res.stderr
    with cx.connect(out, read_only=True) as s:
        assert s.count("tickets") == 2


def test_python_api_matches_cli(db: Path) -> None:
    import cxmetrics as cx

    with cx.connect(db, read_only=True) as s:
        df = s.metrics(["reopen_rate"], grain="total")
    _code, out, _ = run("--db", str(db), "metrics", "reopen_rate", "--grain", "total", "--format", "json")
    rec = json.loads(out)["metrics"][0]
    assert list(df.columns) == RECORD_KEYS
    assert df.iloc[0]["value"] == rec["value"] and df.iloc[0]["n"] == rec["n"]


def test_compare_fields_in_json(db: Path) -> None:
    code, out, _ = run("--db", str(db), "metrics", "ticket_volume", "--grain", "month", "--from", "2024-04-01",
                       "--to", "2024-04-30", "--compare", "previous", "--format", "json")
    assert code == 0
    [r] = json.loads(out)["metrics"]
    assert list(r) == [*RECORD_KEYS[:-3], "previous_value", "change", "p_value", "significant", "partial",
                       "previous_from", "previous_to", "verdict", *RECORD_KEYS[-3:]]
    # the data ends on 2 April: April so far is compared with 1-2 March, before the first ticket
    assert (r["value"], r["previous_value"], r["change"]) == (1, None, None)
    assert (r["partial"], r["previous_from"], r["previous_to"]) == (True, "2024-03-01", "2024-03-02")
