"""Comments behind a number: filters, order, time zones, escaping and CSV formula injection."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cxmetrics.analyses.comments import COLUMNS, comments, safe_cell, write_csv
from cxmetrics.engine import core
from cxmetrics.errors import QueryError
from cxmetrics.interfaces.cli import comments_cmd
from cxmetrics.interfaces.cli.common import State
from cxmetrics.settings import config_from_dict
from tests.scenario import T

MARKUP = "[bold red]boom[/] [link=http://x]y[/link]"
MULTILINE = 'Line one, with "quotes"\nline two'


@pytest.fixture
def fb(store):
    store.config = config_from_dict({"surveys": {"effort": {"type": "ces", "scale": [1, 5],
                                                            "orientation": "effort_high"}}})
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["t1", "t2"], "created_at": [T("2024-02-01")] * 2, "channel": ["email", "chat"],
        "agent_id": ["a7", "a2"], "category": ["billing", "delivery"], "customer_id": ["c1", "c2"]}))
    rows = [
        # id, survey, responded_at, score, comment, ticket
        ("r1", "nps", "2024-03-05 10:00", 3, "Too slow.", "t1"),
        ("r2", "nps", "2024-03-06 10:00", 10, "=HYPERLINK(\"http://evil\")", "t2"),
        ("r3", "nps", "2024-03-07 10:00", 8, MARKUP, "t1"),
        ("r4", "nps", "2024-03-08 10:00", 2, "   ", "t1"),           # blank: not a comment
        ("r5", "nps", "2024-03-09 10:00", 5, None, "t1"),            # no comment
        ("r6", "csat", "2024-02-28 23:30", 2, "-2+3 refund", "t1"),  # 01:30 on the 29th in Helsinki
        ("r7", "csat", "2024-03-10 10:00", 5, "@SUM(A1)", "t2"),
        ("r8", "nps", "2024-03-11 10:00", None, MULTILINE, "t2"),    # skipped answer with a comment
        ("r9", "effort", "2024-03-12 10:00", 1, "\tSo easy", None),  # effort-high 1 = very easy
        ("r10", "nps", "2024-04-02 10:00", 1, "April detractor", "t1"),
        ("r11", "nps", "2024-03-20 10:00", 4, "Other agent", "t2"),
    ]
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": [r[0] for r in rows], "survey": [r[1] for r in rows],
        "responded_at": [T(r[2]) for r in rows], "score": [None if r[3] is None else float(r[3]) for r in rows],
        "comment": [r[4] for r in rows], "ticket_id": [r[5] for r in rows]}))
    return store


def ids(df: pd.DataFrame) -> list[str]:
    return list(df["response_id"])


def test_lists_commented_responses_newest_first(fb) -> None:
    df = comments(fb)
    assert list(df.columns) == COLUMNS
    assert ids(df) == ["r10", "r11", "r9", "r8", "r7", "r3", "r2", "r1", "r6"]
    r1 = df[df.response_id == "r1"].iloc[0]
    assert (r1["survey"], r1["score"], r1["group"], r1["ticket_id"], r1["customer_id"], r1["agent_id"],
            r1["channel"], r1["category"]) == ("nps", 3.0, "detractor", "t1", "c1", "a7", "email", "billing")
    assert r1["responded_at"] == "2024-03-05T10:00:00+00:00"


def test_groups_and_raw_scores(fb) -> None:
    df = comments(fb).set_index("response_id")
    assert df.loc["r2", "group"] == "promoter"
    assert df.loc["r3", "group"] == "passive"
    assert df.loc["r6", "group"] == "unsatisfied"
    assert df.loc["r7", "group"] == "satisfied"
    assert df.loc["r8", "group"] == "skipped" and pd.isna(df.loc["r8", "score"])
    # the answer as given (1) is shown; the group uses the oriented score (5 = easy)
    assert (df.loc["r9", "score"], df.loc["r9", "group"]) == (1.0, "low_effort")


def test_this_months_detractors_for_one_agent(fb) -> None:
    df = comments(fb, group="detractor", where={"agent": "a7"}, from_="2024-03-01", to="2024-03-31")
    assert ids(df) == ["r1"]
    assert ids(comments(fb, group="detractor")) == ["r10", "r11", "r1"]


def test_survey_by_name_or_type(fb) -> None:
    assert ids(comments(fb, survey="csat")) == ["r7", "r6"]
    assert ids(comments(fb, survey="effort")) == ["r9"]
    assert ids(comments(fb, survey="ces")) == ["r9"]


def test_reporting_zone_for_range_and_timestamps(fb) -> None:
    utc = comments(fb, from_="2024-02-29", to="2024-02-29")
    assert ids(utc) == []
    hel = comments(fb, from_="2024-02-29", to="2024-02-29", tz="Europe/Helsinki")
    assert ids(hel) == ["r6"]
    assert hel.iloc[0]["responded_at"] == "2024-02-29T01:30:00+02:00"


def test_limit_and_engine_input(fb) -> None:
    assert ids(comments(fb.engine(), limit=2)) == ["r10", "r11"]
    with pytest.raises(QueryError, match="limit"):
        comments(fb, limit=0)


def test_bad_filters_are_clear_errors(fb) -> None:
    with pytest.raises(QueryError, match="unknown group 'angry'"):
        comments(fb, group="angry")
    with pytest.raises(core.QueryError, match="unknown dimension"):  # the engine's Query checks dimensions
        comments(fb, where={"mood": "x"})
    with pytest.raises(QueryError, match="not a date"):
        comments(fb, from_="2024-31-01")


def test_empty_store(store) -> None:
    df = comments(store)
    assert df.empty and list(df.columns) == COLUMNS


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_safe_cell_neutralises_formulas(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Great service", "", " =not first", 3.0, None, -2])
def test_safe_cell_leaves_other_values(value) -> None:
    assert safe_cell(value) == value


def test_write_csv_round_trip_with_a_real_reader(fb) -> None:
    buf = io.StringIO()
    write_csv(comments(fb), buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    by_id = {r["response_id"]: r for r in rows}
    assert by_id["r2"]["comment"] == "'=HYPERLINK(\"http://evil\")"
    assert by_id["r6"]["comment"] == "'-2+3 refund"
    assert by_id["r7"]["comment"] == "'@SUM(A1)"
    assert by_id["r9"]["comment"] == "'\tSo easy"
    assert by_id["r8"]["comment"] == MULTILINE  # quotes and line breaks survive
    assert by_id["r1"]["comment"] == "Too slow."
    assert by_id["r1"]["score"] == "3.0"  # numbers are not touched
    for r in rows:
        assert not any(v[:1] in ("=", "+", "-", "@", "\t", "\r") for v in r.values()), r


# -- CLI ---------------------------------------------------------------------------------------------
def run(db: Path, *args: str) -> tuple[int, str, str]:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = State(db=db)

    comments_cmd.register(app)
    res = CliRunner().invoke(app, ["comments", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def db(fb) -> Path:
    fb.stored_facts()
    path = fb.path
    fb.close()
    return path


def test_cli_table_escapes_markup(db: Path) -> None:
    code, out, err = run(db, "--survey", "nps", "--group", "passive")
    assert code == 0, err
    assert "[bold red]boom[/]" in out and "[link=http://x]y[/link]" in out
    assert "1 comment(s)" in out


def test_cli_json(db: Path) -> None:
    code, out, _ = run(db, "--group", "detractor", "--where", "agent=a7", "--from", "2024-03-01",
                       "--to", "2024-03-31", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert [c["response_id"] for c in doc["comments"]] == ["r1"]
    assert doc["comments"][0]["comment"] == "Too slow."


def test_cli_csv_is_safe(db: Path) -> None:
    code, out, _ = run(db, "--format", "csv", "--limit", "20")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 9
    assert {r["comment"] for r in rows} >= {"'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", MULTILINE}


@pytest.mark.parametrize(("args", "message"), [
    (["--group", "angry"], "unknown group"),
    (["--where", "agent"], "DIM=VALUE"),
    (["--where", "mood=x"], "unknown dimension"),
    (["--format", "xml"], "--format"),
    (["--limit", "0"], "--limit"),
    (["--from", "yesterday"], "not a date"),
    (["--tz", "Mars/Base"], "unknown time zone"),
])
def test_cli_errors(db: Path, args: list[str], message: str) -> None:
    code, out, err = run(db, *args)
    assert code == 2
    assert message in err and "Traceback" not in err + out
