"""`cxm agents` / `/api/v1/agents` and `cxm queue` / `/api/v1/queue` (issue 14).

The agents table must equal the metric records by agent (it is built from them); the queue
must list exactly the open tickets, checked here against the raw tables with plain SQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.api_support import build_demo, client, copy_store, empty_config


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("floor") / "cx.duckdb")


def cli(db: Path, *args: str) -> Any:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "--config", str(empty_config(db.parent)), *args])
    assert res.exit_code == 0, res.output
    return res.stdout


def records(db: Path, metrics: list[str], *args: str) -> list[dict[str, Any]]:
    return json.loads(cli(db, "metrics", *metrics, *args, "--format", "json"))["metrics"]


@pytest.mark.parametrize("grain", ["total", "month"])
def test_agents_equal_the_metric_records_by_agent_and_team(demo: Path, grain: str) -> None:
    from cxmetrics.analyses.agents import FIGURES

    out = json.loads(cli(demo, "agents", "--grain", grain, "--format", "json"))
    metrics = [m for _, m in FIGURES]
    for key, rows in (("agent", out["agents"]), ("team", out["teams"])):
        assert rows, key
        recs = records(demo, metrics, "--by", key, "--grain", grain)
        by = {(r[key], r["period_start"]): r for r in rows}
        checked = 0
        for rec in recs:
            fig = next(f for f, m in FIGURES if m == rec["metric"])
            row = by.get((rec[key], rec["period_start"]))
            if rec["value"] is None:
                assert row is None or row[fig] is None
                continue
            assert row is not None, (key, rec)
            assert row[fig] == rec["value"], (key, fig, rec)
            if f"{fig}_n" in row:
                assert row[f"{fig}_n"] == rec["n"]
            if f"{fig}_ci_low" in row:
                assert (row[f"{fig}_ci_low"], row[f"{fig}_ci_high"]) == (rec["ci_low"], rec["ci_high"])
            checked += 1
        assert checked >= 20
        # and nothing in the table that the records do not have
        have = {(r[key], r["period_start"], r["metric"]) for r in recs if r["value"] is not None}
        for row in rows:
            for fig, metric in FIGURES:
                if row[fig] is not None:
                    assert (row[key], row["period_start"], metric) in have


def test_team_median_and_low_n(demo: Path) -> None:
    import statistics

    out = json.loads(cli(demo, "agents", "--format", "json"))
    for team in out["teams"]:
        members = [a for a in out["agents"] if a["team"] == team["team"] and a["agent"] is not None]
        assert team["agents"] == len(members)
        vals = [a["csat"] for a in members if a["csat"] is not None]
        if vals:
            assert team["median_of_agents"]["csat"] == pytest.approx(statistics.median(vals))
    for a in out["agents"]:
        for fig in a["low_n"]:
            assert a[f"{fig}_n"] < 30


def test_agents_team_option_is_a_filter(demo: Path) -> None:
    out = json.loads(cli(demo, "agents", "--team", "Tech", "--format", "json"))
    recs = records(demo, ["tickets_resolved"], "--by", "agent", "--grain", "total", "--where", "team=Tech")
    want = {r["agent"]: r["value"] for r in recs if r["value"] is not None}
    assert {a["agent"]: a["tickets_resolved"] for a in out["agents"] if a["tickets_resolved"] is not None} == want
    assert [t["team"] for t in out["teams"]] == ["Tech"]


def test_agents_table_and_csv(demo: Path) -> None:
    text = cli(demo, "agents")
    assert "Agents" in text and "median" in text and "handled" in text
    csv = cli(demo, "agents", "--format", "csv")
    assert csv.splitlines()[0].startswith("row,agent,team,period_start,tickets_handled")


def comments_on_agents_tickets(db: Path) -> pd.DataFrame:
    """From the stored tables alone: the commented CSAT and NPS responses of each agent's tickets."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql("""
            select coalesce(r.agent_id, t.agent_id) as agent, r.response_id, r.ticket_id, r.score, r.survey,
                   t.language as ticket_language, r.language as response_language, r.comment
            from survey_responses r join tickets t using (ticket_id)
            where r.survey in ('csat', 'nps') and trim(r.comment) <> '' and coalesce(r.agent_id, t.agent_id) is not null
        """).df()


@pytest.mark.parametrize("grain", ["total", "month"])
def test_agents_comments_are_the_survey_responses_on_their_tickets(demo: Path, grain: str) -> None:
    out = json.loads(cli(demo, "agents", "--grain", grain, "--format", "json"))
    want = comments_on_agents_tickets(demo)
    assert len(want) >= 10 and want.agent.nunique() >= 3
    got = [(a["agent"], c["response_id"], c["ticket_id"], c["score"], c["survey"], c["language"], c["comment"])
           for a in out["agents"] for c in a["comments"]]
    assert sum(a["comments_n"] for a in out["agents"]) == len(got) == len(want)
    language = want.response_language.fillna(want.ticket_language)
    score = want.score.astype(object).where(want.score.notna(), None)  # a comment without a score is listed
    assert sorted(got, key=str) == sorted(zip(want.agent, want.response_id, want.ticket_id, score, want.survey,
                                              language, want.comment, strict=True), key=str)
    for a in out["agents"]:
        stamps = [c["responded_at"] for c in a["comments"]]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        if grain == "month" and stamps:
            assert all(s[:7] == a["period_start"][:7] for s in stamps)
    limited = json.loads(cli(demo, "agents", "--comments", "1", "--format", "json"))
    assert all(len(a["comments"]) == min(1, a["comments_n"]) for a in limited["agents"])


def open_ticket_ids(db: Path) -> set[str]:
    """Open = the latest status change is not solved/closed; without changes, tickets.status."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""
            WITH last AS (
              SELECT ticket_id, to_status,
                     row_number() OVER (PARTITION BY ticket_id ORDER BY changed_at DESC, to_status DESC) AS rn
              FROM status_changes)
            SELECT t.ticket_id FROM tickets t LEFT JOIN last l ON l.ticket_id = t.ticket_id AND l.rn = 1
            WHERE coalesce(l.to_status, t.status, 'open') NOT IN ('solved', 'closed')
              AND NOT (l.to_status IS NULL AND t.status IS NULL AND t.solved_at IS NOT NULL)""").fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_queue_lists_exactly_the_open_tickets(demo: Path) -> None:
    out = json.loads(cli(demo, "queue", "--format", "json"))
    ids = [t["ticket_id"] for t in out["tickets"]]
    assert len(ids) == len(set(ids)) == out["open"]
    assert set(ids) == open_ticket_ids(demo)
    assert sum(b["tickets"] for b in out["by_age"]) == out["open"]
    assert sum(s["tickets"] for s in out["by_status"]) == out["open"]
    assert sum(t["open"] for t in out["by_team"]) == out["open"]
    assert out["unassigned"] == sum(1 for t in out["tickets"] if t["agent_id"] is None)
    created = [t["created_at"] for t in out["tickets"]]
    assert created == sorted(created)  # oldest first (one zone, so text order is time order)
    backlog = records(demo, ["backlog"], "--grain", "total")[0]
    assert backlog["value"] == out["open"]  # the backlog at the data's last instant
    assert {t["ticket_id"] for t in out["breached"]} <= set(ids)
    for t in out["breached"]:
        assert t["breached_at"] <= out["as_of"]


def test_queue_breaching_soon(tmp_path: Path) -> None:
    """The SLA scenario of test_sla: O (email, open, unanswered) breaches Thursday 11:00, 20 h after now."""
    from cxmetrics.analyses.queue import queue
    from cxmetrics.settings import config_from_dict
    from cxmetrics.store import Store
    from tests.test_sla import CONFIG, frames

    with Store(tmp_path / "sla.duckdb", config=config_from_dict(CONFIG)) as st:
        for name, frame in frames().items():
            st.import_frame(name, frame)
        q = queue(st.engine())
        assert [t["ticket_id"] for t in q["tickets"]] == ["O"]
        assert q["breaching_soon"] == [] and q["breached"] == []
        soon = queue(st.engine(), soon_minutes=20 * 60)
        assert [t["ticket_id"] for t in soon["breaching_soon"]] == ["O"]
        assert soon["breaching_soon"][0]["next_breach_at"] == "2024-04-11T11:00:00+03:00"
        assert soon["breaching_soon"][0]["next_breach_metric"] in ("first_reply", "agent_work")


def test_queue_table(demo: Path) -> None:
    text = cli(demo, "queue")
    assert "open" in text and "By age" in text and "Today" in text


def test_api_answers_as_the_cli(demo: Path, tmp_path: Path) -> None:
    db = copy_store(demo, tmp_path / "api")
    want_agents = json.loads(cli(db, "agents", "--grain", "month", "--format", "json"))
    want_queue = json.loads(cli(db, "queue", "--format", "json"))
    with client(db) as c:
        a = c.get("/api/v1/agents", params={"grain": "month"})
        assert a.status_code == 200, a.text
        assert a.json() == want_agents
        q = c.get("/api/v1/queue")
        assert q.status_code == 200, q.text
        assert q.json() == want_queue
        assert c.get("/api/v1/queue", params={"soon": 0}).status_code == 422
        assert c.get("/api/v1/agents", params={"where": "nonsense=1"}).status_code == 400


def test_report_has_agents_teams_and_sla_by_policy(demo: Path) -> None:
    import datetime as dt

    from cxmetrics.analyses.agents import agents
    from cxmetrics.interfaces.i18n import LANGS
    from cxmetrics.interfaces.report.data import build_report
    from cxmetrics.interfaces.report.html import render_html
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    with Store(demo, read_only=True, config=Config()) as st:
        data = build_report(st, "2026-09")
        same = agents(st.engine(), from_=dt.date(2026, 9, 1), to=dt.date(2026, 9, 30), comments=0)
    floor = data["floor"]
    assert floor["agents"] == same["agents"] and floor["teams"] == same["teams"]
    assert {r["metric"] for r in floor["sla"]} == {"sla_attainment", "sla_breaches"}
    for lang in LANGS:
        html = render_html(data, lang)
        assert 'id="agents-teams"' in html and 'id="sla-policies"' in html
        assert html.count("<tr") > len(floor["agents"]) + 2 * len(floor["teams"])
