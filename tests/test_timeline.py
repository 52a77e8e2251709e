"""The customer's timeline: every event in time order across channels, and the
satisfaction changes with what happened just before (hand-built store)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cxmetrics.analyses.timeline import customer_timeline
from cxmetrics.errors import UnknownCustomer
from cxmetrics.store import Store


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


@pytest.fixture
def story(store: Store) -> Store:
    store.import_frame("customers", pd.DataFrame({
        "customer_id": ["c1", "c2"], "acquired_at": [T("2024-01-01 08:00"), T("2024-01-01 08:00")],
        "churned_at": [T("2024-06-01 00:00"), None], "segment": ["consumer", "consumer"],
        "churn_reason": ["poor service", None]}))
    store.import_frame("orders", pd.DataFrame({
        "order_id": ["O1", "O2"], "customer_id": ["c1", "c2"], "ordered_at": [T("2024-01-02 10:00")] * 2,
        "amount": [50.0, 10.0], "currency": "EUR"}))
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["T1", "T2", "T9"], "created_at": [T("2024-02-01 09:00"), T("2024-03-01 12:10"), T("2024-02-01 09:00")],
        "channel": ["email", "chat", "email"], "category": ["returns", "returns", "returns"],
        "customer_id": ["c1", "c1", "c2"], "status": ["solved", "solved", "open"],
        "solved_at": [None, T("2024-03-03 08:00"), None]}))
    store.import_frame("messages", pd.DataFrame({
        "message_id": ["M1", "M2", "M3", "M9"], "ticket_id": ["T1", "T1", "T1", "T9"],
        "created_at": [T("2024-02-01 09:00"), T("2024-02-01 10:00"), T("2024-02-01 10:05"), T("2024-02-01 09:00")],
        "author_type": ["customer", "agent", "agent", "customer"], "author_id": ["c1", "a1", "a1", "c2"],
        "public": [True, True, False, True]}))
    store.import_frame("status_changes", pd.DataFrame({
        "ticket_id": ["T1", "T1"], "changed_at": [T("2024-02-01 09:30"), T("2024-02-01 10:10")],
        "to_status": ["open", "solved"], "from_status": [None, "open"]}))
    store.import_frame("calls", pd.DataFrame({
        "call_id": ["CL1"], "offered_at": [T("2024-03-01 12:00")], "abandoned": [True], "wait_seconds": [120.0],
        "topic": ["returns"], "customer_id": ["c1"]}))
    store.import_frame("survey_responses", pd.DataFrame({
        "response_id": ["R1", "R2", "R3", "R4", "R5"],
        "survey": ["nps", "csat", "csat", "cx", "cx"],
        "responded_at": [T("2024-02-02 08:00"), T("2024-03-04 08:00"), T("2024-04-01 08:00"), T("2024-05-01 08:00"),
                         T("2024-05-01 08:00")],
        "score": [9.0, 2.0, 5.0, 4.0, 4.0], "question": [None, None, None, "tone", "manner"],
        "comment": ["Great [bold]help[/bold]", "slow", None, None, None],
        "ticket_id": ["T1", "T2", None, None, None], "customer_id": [None, None, "c1", "c1", "c1"]}))
    return store


def test_every_event_in_time_order(story: Store) -> None:
    df = customer_timeline(story, "c1")
    assert list(df["kind"]) == [
        "customer_acquired", "order", "ticket_created", "message", "status_change", "message", "message",
        "status_change", "survey_answer", "call", "ticket_created", "ticket_solved", "survey_answer",
        "survey_answer", "survey_answer", "survey_answer", "customer_churned"]
    times = pd.to_datetime(df["time"])
    assert times.is_monotonic_increasing
    assert "T9" not in set(df["ticket_id"]) and "O2" not in set(df["ref_id"])  # c2's events stay out
    msgs = df[df["kind"] == "message"]["summary"].tolist()
    assert msgs == ["Customer message", "Agent message by a1", "Agent internal note by a1"]
    assert df[df["kind"] == "message"]["channel"].eq("email").all()  # the ticket's channel
    nps = df[df["ref_id"] == "R1"].iloc[0]
    # answered through the ticket: customer and channel come from T1
    assert nps["summary"] == 'NPS 9/10: "Great [bold]help[/bold]"' and nps["channel"] == "email"
    assert nps["satisfaction"] == pytest.approx(0.9)
    call = df[df["kind"] == "call"].iloc[0]
    assert call["channel"] == "phone" and "hung up after 2m 00s" in call["summary"]
    assert df.iloc[-1]["summary"] == "Churned: poor service"
    assert df[df["kind"] == "status_change"]["summary"].tolist() == ["Status open", "Status open -> solved"]


def test_times_in_the_requested_zone(story: Store) -> None:
    df = customer_timeline(story, "c1", tz="Europe/Helsinki")
    created = df[df["kind"] == "ticket_created"].iloc[0]["time"]
    assert str(created.tzinfo) == "Europe/Helsinki" and created.hour == 11  # 09:00 UTC in winter


def test_satisfaction_changes_are_marked_with_what_came_before(story: Store) -> None:
    df = customer_timeline(story, "c1")
    marked = df[df["change"].notna()]
    assert list(marked["ref_id"]) == ["R2", "R3"]
    drop, rise = marked.iloc[0], marked.iloc[1]
    # NPS 9/10 = 0.9 -> CSAT 2 on 1-5 = 0.25: a drop of 0.65, after the abandoned call and the chat
    assert drop["change"] == "drop" and drop["change_by"] == pytest.approx(-0.65)
    assert [b.split(" ", 2)[2] for b in drop["before"]] == [
        "call: Call (returns): hung up after 2m 00s waiting", "ticket_created: Ticket opened (returns)",
        "ticket_solved: Ticket solved"]
    assert rise["change"] == "rise" and rise["change_by"] == pytest.approx(0.75)
    assert rise["before"] == []  # nothing happened between the two answers
    # the cx answers (tone 4, manner 4 at one instant) are one answer of 0.75: a 0.25 move is not beyond 0.25
    assert df[df["ref_id"].isin(["R4", "R5"])]["change"].isna().all()
    # a lower threshold marks it
    df = customer_timeline(story, "c1", threshold=0.2)
    assert df[df["ref_id"] == "R5"]["change"].iloc[0] == "drop"


def test_unknown_customer(story: Store) -> None:
    with pytest.raises(UnknownCustomer, match="unknown customer 'nobody'"):
        customer_timeline(story, "nobody")


def test_a_customer_known_only_from_tickets(story: Store) -> None:
    story.import_frame("tickets", pd.DataFrame({"ticket_id": ["T5"], "created_at": [T("2024-02-01 09:00")],
                                                "customer_id": ["c5"]}))
    df = customer_timeline(story, "c5")
    assert list(df["kind"]) == ["ticket_created"] and df.iloc[0]["summary"] == "Ticket opened"


def test_lookup_ignores_case_when_the_id_is_not_stored(story: Store) -> None:
    from cxmetrics.analyses.timeline import find_customer

    assert find_customer(story, " C1 ") == "c1"
    assert (customer_timeline(story, "C1")["time"] == customer_timeline(story, "c1")["time"]).all()
    story.import_frame("tickets", pd.DataFrame({"ticket_id": ["T6", "T7"], "created_at": [T("2024-02-01 09:00")] * 2,
                                                "customer_id": ["Ab", "AB"]}))
    assert find_customer(story, "AB") == "AB"  # stored exactly: no guessing
    assert find_customer(story, "ab") == "ab"  # two ids match ignoring case: none is chosen
    with pytest.raises(UnknownCustomer):
        customer_timeline(story, "ab")


def _app(db: Path) -> typer.Typer:
    from cxmetrics.interfaces.cli import customer_cmd
    from cxmetrics.interfaces.cli.common import State

    app = typer.Typer()

    @app.callback()
    def _cb(ctx: typer.Context) -> None:
        ctx.obj = State(db=db)

    customer_cmd.register(app)
    return app


def test_cli(story: Store) -> None:
    db = story.path
    story.close()
    runner = CliRunner()
    res = runner.invoke(_app(db), ["customer", "c1", "--format", "json", "--tz", "Europe/Helsinki"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["customer_id"] == "c1" and len(doc["events"]) == 17
    assert doc["events"][2]["time"] == "2024-02-01T11:00:00+02:00"
    assert doc["events"][12]["change"] == "drop" and len(doc["events"][12]["before"]) == 3
    res = runner.invoke(_app(db), ["customer", "c1"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Great [bold]help[/bold]" in res.stdout  # user text is shown, not read as markup
    assert "Where satisfaction changed" in res.stdout and "drop -0.65" in res.stdout
    res = runner.invoke(_app(db), ["customer", "nobody"])
    assert res.exit_code == 1 and "unknown customer 'nobody'" in res.stderr
    assert runner.invoke(_app(db), ["customer", "c1", "--format", "xml"]).exit_code == 2
    assert runner.invoke(_app(db), ["customer", "c1", "--tz", "Mars/Olympus"]).exit_code == 2
    assert runner.invoke(_app(db), ["customer", "c1", "--threshold", "2"]).exit_code == 2
