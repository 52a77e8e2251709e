"""The agents and queue pages in a real browser (issue 14), over the small demo of test_browser.

Each figure on the agents page drills to as many rows as its number says; the queue page
shows the API's queue and refreshes itself.
"""

from __future__ import annotations

import re
from typing import Any

from tests import test_browser as tb
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


def test_agents_link_to_their_comments(session: Session, server: LiveServer) -> None:
    page = session.goto("/agents")
    link = page.locator("#agents-table tbody tr a", has_text="Comments").first
    expect(link).to_be_visible()
    agent = link.locator("xpath=ancestor::tr/th").inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/feedback\?.*agent="))
    expect(page.locator("select[name=agent]")).to_have_value(agent)
