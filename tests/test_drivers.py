"""Service drivers on a hand-built store: bands, values, intervals, order and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cxmetrics.analyses.drivers import COLUMNS, fix_first, service_drivers, summary
from cxmetrics.errors import QueryError
from cxmetrics.interfaces.cli import drivers_cmd
from cxmetrics.interfaces.cli.common import State
from cxmetrics.metrics.stats import nps_interval, wilson
from tests.scenario import T

H = pd.Timedelta(hours=1)
C0 = T("2024-03-04 08:00")
#: ticket, first reply after (None: no reply), replies, reopens, channel, CSAT, NPS
TICKETS = [
    ("T1", 0.5 * H, 1, 0, "email", 5, 9),
    ("T2", 2 * H, 2, 0, "email", 4, None),
    ("T3", 10 * H, 3, 1, "chat", 2, None),
    ("T4", 30 * H, 4, 1, "chat", 1, 3),
    ("T5", None, 0, 0, "phone", 5, None),
    ("T6", 59 * pd.Timedelta(minutes=1), 1, 0, "chat", 3, 10),
    ("T7", 1 * H, 2, 0, "email", 5, 7),  # exactly 1 h: the 1-4h band
]


def load(store, tickets=TICKETS, when: str = "2024-03-20 12:00") -> None:
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": [t[0] for t in tickets], "created_at": C0, "status": "solved",
        "first_reply_at": [None if t[1] is None else C0 + t[1] for t in tickets],
        "replies": [t[2] for t in tickets], "reopens": [t[3] for t in tickets],
        "channel": [t[4] for t in tickets]}))
    rows = [(f"c{t[0]}", "csat", t[5], t[0]) for t in tickets]
    rows += [(f"n{t[0]}", "nps", t[6], t[0]) for t in tickets if t[6] is not None]
    rows += [("x1", "csat", 1, None), ("x2", "csat", 1, "NOPE"),  # no ticket: says nothing about service
             ("x3", "csat", None, "T1"), ("x4", "cx", 1, "T1")]    # skipped; another survey
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": [r[0] for r in rows], "survey": [r[1] for r in rows], "responded_at": T(when),
        "score": [None if r[2] is None else float(r[2]) for r in rows], "ticket_id": [r[3] for r in rows]}))


def band(df: pd.DataFrame, driver: str) -> dict[str, tuple[int, float]]:
    sel = df[df.driver == driver]
    return {b: (int(n), float(v)) for b, n, v in zip(sel.band, sel.n, sel.value, strict=True)}


def test_csat_by_service_band(store) -> None:
    load(store)
    df = service_drivers(store)
    assert list(df.columns) == COLUMNS
    assert list(df.driver.unique()) == ["first_response_time", "replies", "reopened", "channel"]
    assert band(df, "first_response_time") == {"<1h": (2, 50.0), "1-4h": (2, 100.0), "4-24h": (1, 0.0),
                                               ">24h": (1, 0.0), "no reply": (1, 100.0)}
    assert list(df[df.driver == "first_response_time"].band) == ["<1h", "1-4h", "4-24h", ">24h", "no reply"]
    assert band(df, "replies") == {"0": (1, 100.0), "1": (2, 50.0), "2": (2, 100.0), "3+": (2, 0.0)}
    assert list(df[df.driver == "replies"].band) == ["0", "1", "2", "3+"]
    assert band(df, "reopened") == {"not reopened": (5, 80.0), "reopened": (2, 0.0)}
    # channels by sample size, then name
    assert list(df[df.driver == "channel"].band) == ["chat", "email", "phone"]
    assert band(df, "channel") == {"chat": (3, 0.0), "email": (3, 100.0), "phone": (1, 100.0)}
    assert set(df.metric) == {"csat"} and set(df.unit) == {"percent"}
    assert df.low_sample.all()


def test_intervals_are_the_metrics_intervals(store) -> None:
    load(store)
    df = service_drivers(store)
    hits = (df.value * df.n / 100).round().to_numpy()
    lo, hi = wilson(hits, df.n.to_numpy())
    np.testing.assert_allclose(df.ci_low, lo)
    np.testing.assert_allclose(df.ci_high, hi)


def test_nps_by_band(store) -> None:
    load(store)
    df = service_drivers(store, survey="nps")
    # T1 9 and T6 10 (<1h): 2 promoters; T7 7 (1-4h): passive; T4 3 (>24h): detractor
    assert band(df, "first_response_time") == {"<1h": (2, 100.0), "1-4h": (1, 0.0), ">24h": (1, -100.0)}
    r = df[(df.driver == "first_response_time") & (df.band == "<1h")].iloc[0]
    lo, hi = nps_interval(np.array([2]), np.array([0]), np.array([2]))
    assert (r.ci_low, r.ci_high) == (pytest.approx(lo[0]), pytest.approx(hi[0]))
    assert set(df.unit) == {"score"}


def test_date_range(store) -> None:
    load(store, when="2024-03-20 12:00")
    assert service_drivers(store, from_="2024-04-01", to="2024-04-30").empty
    assert service_drivers(store, from_="2024-03-01", to="2024-03-31").n.sum() == 4 * 7


def test_small_samples_name_no_driver(store) -> None:
    load(store)
    df = service_drivers(store)
    assert fix_first(df) is None
    assert summary(df).startswith("No clear driver yet")


def test_clear_gap_names_the_driver(store) -> None:
    # 40 tickets, all answered in < 1 h with one reply by email; the 20 reopened ones are unhappy
    many = [(f"R{i}", 0.5 * H, 1, 1 if i < 20 else 0, "email", 1 if i < 20 else 5, None) for i in range(40)]
    load(store, many)
    df = service_drivers(store)
    f = fix_first(df)
    assert f is not None
    assert (f["driver"], f["best_band"], f["worst_band"], f["gap"]) == ("reopened", "not reopened", "reopened", 100.0)
    assert summary(df).startswith("Fix first: reopens.")


def test_fix_first_prefers_the_largest_clear_gap() -> None:
    def row(driver, band, value, lo, hi):
        return {"driver": driver, "band": band, "metric": "csat", "unit": "percent", "n": 100, "value": value,
                "ci_low": lo, "ci_high": hi, "low_sample": False}

    frame = pd.DataFrame([
        row("first_response_time", "<1h", 95, 90, 98), row("first_response_time", ">24h", 60, 50, 70),
        row("first_response_time", "no reply", 20, 10, 30),  # shown, but not a speed: not ranked
        row("replies", "1", 90, 40, 99), row("replies", "3+", 10, 5, 60),  # bigger gap, overlapping
        row("channel", "chat", 80, 75, 85), row("channel", "email", 70, 64, 74),
    ])
    f = fix_first(frame)
    assert f is not None and (f["driver"], f["worst_band"], f["gap"]) == ("first_response_time", ">24h", 35)


def test_bad_survey(store) -> None:
    with pytest.raises(QueryError, match="csat or nps"):
        service_drivers(store, survey="ces")


def test_empty_store(store) -> None:
    df = service_drivers(store)
    assert df.empty and list(df.columns) == COLUMNS
    assert summary(df).startswith("No survey responses linked to tickets")


# -- CLI ---------------------------------------------------------------------------------------------
def run(db: Path, *args: str) -> tuple[int, str, str]:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = State(db=db)

    drivers_cmd.register(app)
    res = CliRunner().invoke(app, ["drivers", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def db(store) -> Path:
    load(store)
    path = store.path
    store.close()
    return path


def test_cli_table_and_json(db: Path) -> None:
    code, out, err = run(db)
    assert code == 0, err
    assert "first response time" in out and "no reply" in out and "No clear driver yet" in out
    code, out, _ = run(db, "--survey", "nps", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"survey", "drivers", "fix_first", "summary"}
    assert doc["survey"] == "nps" and doc["fix_first"] is None
    assert doc["drivers"][0] == {"driver": "first_response_time", "band": "<1h", "metric": "nps", "unit": "score",
                                 "n": 2, "value": 100.0, "ci_low": pytest.approx(doc["drivers"][0]["ci_low"]),
                                 "ci_high": pytest.approx(doc["drivers"][0]["ci_high"]), "low_sample": True}


def test_cli_where(db: Path) -> None:
    code, out, _ = run(db, "--where", "channel=email", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {d["band"] for d in doc["drivers"] if d["driver"] == "channel"} == {"email"}
    assert sum(d["n"] for d in doc["drivers"] if d["driver"] == "reopened") == 3


@pytest.mark.parametrize(("args", "message"), [
    (["--survey", "ces"], "--survey"), (["--where", "mood=x"], "unknown dimension"), (["--format", "csv"], "--format"), (["--hours", "x"], "--hours"),
    (["--from", "2024-02-30"], "not a date"),
])
def test_cli_errors(db: Path, args: list[str], message: str) -> None:
    code, out, err = run(db, *args)
    assert code == 2 and message in err and "Traceback" not in out + err
