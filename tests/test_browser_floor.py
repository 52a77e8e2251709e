"""The agents and queue pages in a real browser (issue 14), over the small demo of test_browser.

Each figure on the agents page drills to as many rows as its number says; the queue page
shows the API's queue and refreshes itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import test_browser as tb
from tests.api_support import copy_store
from tests.test_browser import LiveServer, Session, drill_total, expect, shot

# the dashboard browser tests' fixtures (a live server over the small demo, Chromium) and marks
pytestmark = tb.pytestmark
browser, server, session = tb.browser, tb.server, tb.session


def test_agents_page_figures_drill_to_their_tickets(session: Session, server: LiveServer) -> None:
    page = session.goto("/agents")
    rows = page.locator("#agents-table tbody tr")
    expect(rows.first).to_be_visible()
    api = server.get_json("/api/v1/agents", [("grain", "total")])
    assert rows.count() == len(api["agents"])
    heads = page.locator("#agents-table thead th").all_inner_texts()
    assert heads[:2] == ["Agent", "Team"] and "Tickets resolved" in heads
    agent = next(a for a in api["agents"] if a["agent"] is not None and a["tickets_resolved"])
    row = page.locator("#agents-table tbody tr", has=page.locator("th", has_text=re.compile(f"^{agent['agent']}$")))
    row.locator("td").nth(heads.index("Tickets resolved") - 1).locator("button.cell").click()
    assert drill_total(page) == agent["tickets_resolved"]
    page.keyboard.press("Escape")
    expect(page.locator("#teams-table tbody tr").first).to_be_visible()
    expect(page.locator("#teams-table")).to_contain_text("Median of")
    shot(page, "agents")


def test_queue_page_shows_the_open_tickets_and_refreshes(session: Session, server: LiveServer) -> None:
    requests: list[str] = []
    session.page.on("request", lambda r: requests.append(r.url) if "/api/v1/queue" in r.url else None)
    page = session.goto("/queue?refresh=5")
    api = server.get_json("/api/v1/queue")
    expect(page.locator("#queue-cards .card").first).to_be_visible()
    expect(page.locator("#queue-cards .card").first.locator(".value")).to_have_text(f"{api['open']:,}")
    expect(page.locator("#queue-status")).to_contain_text("As of")
    if api["breached"]:
        expect(page.locator("#breached-table tbody tr")).to_have_count(len(api["breached"]))
        page.locator("#breached-table tbody tr").first.locator("button.cell").click()
        expect(page.locator("#ticket-view")).to_be_visible()
        page.keyboard.press("Escape")
    assert sum(int(x.replace(",", "")) for x in page.locator("#age-table tbody td").all_inner_texts()) == api["open"]
    page.wait_for_timeout(6_500)
    assert len(requests) >= 2, requests  # refreshed itself
    shot(page, "queue")


def test_floor_pages_fit_a_phone(browser: Any, server: LiveServer) -> None:
    s = Session(browser, server.base, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        for path in ("/agents", "/queue"):
            page = s.goto(path)
            page.wait_for_load_state("networkidle")
            width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width <= client, (path, width, client)
        s.check()
    finally:
        s.close()


def test_agents_comments_panel_lists_the_agents_survey_comments(session: Session, server: LiveServer) -> None:
    api = server.get_json("/api/v1/agents", [("grain", "total")])
    agent = max((a for a in api["agents"] if a["agent"] is not None), key=lambda a: a["comments_n"])
    assert agent["comments_n"] > 0
    page = session.goto("/agents")
    row = page.locator("#agents-table tbody tr", has=page.locator("th", has_text=re.compile(f"^{agent['agent']}$")))
    expect(row).to_have_count(1)  # the table is filled after the page loads: read its heads once it is
    heads = [h.strip() for h in page.locator("#agents-table thead th").all_inner_texts()]
    assert "Comments" in heads, heads
    button = row.locator("td").nth(heads.index("Comments") - 1).locator("button.cell")
    expect(button).to_have_text(str(agent["comments_n"]))
    button.click()
    panel = page.locator("#agent-comments")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_have_text(f"CSAT and NPS comments on {agent['agent']}'s tickets")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(len(agent["comments"]))
    texts = panel.locator("tbody tr td:last-child").all_inner_texts()
    assert texts == [c["comment"] for c in agent["comments"]]  # newest first, as the API lists them
    assert page.evaluate("new URLSearchParams(location.search).get('comments')") == agent["agent"]
    rows.first.locator("button.cell").click()  # the ticket behind the comment
    expect(page.locator("#ticket-view")).to_be_visible()
    expect(page.locator("#ticket-view")).to_contain_text(agent["comments"][0]["ticket_id"])
    page.keyboard.press("Escape")
    expect(page.locator("#ticket-view")).to_be_hidden()
    # the drill state survives a reload, and the panel links to all the agent's feedback
    # closing the ticket goes Back in history (asynchronous): reload only once the URL is the panel's again,
    # or the traversal aborts the reload (net::ERR_ABORTED)
    page.wait_for_url(lambda url: "ticket=" not in url and "comments=" in url)
    page.wait_for_load_state("networkidle")  # no request still running
    page.goto(page.url)
    expect(panel.locator("tbody tr")).to_have_count(len(agent["comments"]))
    panel.locator("a", has_text="All feedback for").click()
    page.wait_for_url(re.compile(r"/feedback\?.*agent="))
    expect(page.locator("select[name=agent]")).to_have_value(agent["agent"])


#: the Tech team answers from Los Angeles (the demo's other teams keep [business_hours], UTC)
SCHEDULES = """
[[schedules]]
name = "tech-us"
where = { team = "Tech" }
timezone = "America/Los_Angeles"
week = { mon = "08:00-16:00", fri = "08:00-12:00" }
"""


@pytest.fixture(scope="module")
def schedule_server(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(copy_store(small_demo, tmp_path_factory.mktemp("schedules")), config=SCHEDULES) as s:
        yield s


def team_cells(browser: Any, base: str, team: str) -> list[str]:
    s = Session(browser, base)
    try:
        page = s.goto("/agents?hours=business")
        row = page.locator("#teams-table tbody tr", has=page.locator("th", has_text=re.compile(f"^{team}$")))
        expect(row).to_be_visible()
        cells = row.locator("td").all_inner_texts()
        s.check()
        return cells
    finally:
        s.close()


def test_a_team_schedule_changes_that_teams_business_hours_figures(browser: Any, server: LiveServer,
                                                                    schedule_server: LiveServer) -> None:
    """The same store with and without a schedule for Tech: Tech's business-hours durations change,
    the other teams' do not, on the API and on the page."""
    params = [("grain", "total"), ("hours", "business")]
    plain, scheduled = (x.get_json("/api/v1/agents", params) for x in (server, schedule_server))

    def team(body: dict[str, Any], name: str) -> dict[str, Any]:
        return next(t for t in body["teams"] if t["team"] == name)

    assert team(scheduled, "Tech")["first_response_time"] != team(plain, "Tech")["first_response_time"]
    assert team(scheduled, "Care")["first_response_time"] == team(plain, "Care")["first_response_time"]
    assert team(scheduled, "Tech")["tickets_resolved"] == team(plain, "Tech")["tickets_resolved"]
    # on the page: Tech's business-hours durations differ, Care's row is the same
    assert team_cells(browser, schedule_server.base, "Tech") != team_cells(browser, server.base, "Tech")
    assert team_cells(browser, schedule_server.base, "Care") == team_cells(browser, server.base, "Care")
