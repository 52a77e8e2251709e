"""Drill-down as a work tool in a real browser (issue 14), over the small demo of test_browser:
readable column names and values, sort, filter, the counted rows of a rate, the state in the
URL (reload and Back), the conversation of a ticket, no rows offered where none exist, and
stacked rows on a phone."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

from tests import test_browser as tb
from tests.test_browser import LiveServer, Session, drill_total, expect, shot

pytestmark = tb.pytestmark
browser, server, session = tb.browser, tb.server, tb.session

FCR = {"metric": "fcr_rate", "grain": "total", "group": {}, "label": "all"}


def drill_url(path: str, d: dict[str, Any]) -> str:
    return path + ("&" if "?" in path else "?") + urllib.parse.urlencode({"drill": json.dumps(d)})


def api_of_panel(page: Any, server: LiveServer) -> dict[str, Any]:
    """GET /rows with the panel's own parameters (its CSV link, as JSON)."""
    href = page.locator("#drill-csv").get_attribute("href").replace("format=csv", "page_size=1")
    with urllib.request.urlopen(server.base + href, timeout=120) as r:
        return json.loads(r.read())


def test_rows_are_readable_sortable_and_filterable(session: Session, server: LiveServer) -> None:
    page = session.goto(drill_url("/trends?metric=fcr_rate", FCR))
    total = drill_total(page)  # opened from the URL
    heads = page.locator("#drill-table thead th").all_inner_texts()
    assert "Ticket" in heads and "Channel" in heads and "Counted" in heads
    assert not {"ticket_id", "period_start", "agent_id", "created_at"} & set(heads), heads
    rows = api_of_panel(page, server)
    # a rate over more than 1,000 rows opens on its counted rows (the numerator)
    expect(page.locator("#drill-counted")).to_be_checked()
    assert rows["population"] > 1000 and total == rows["total"] == rows["counted"] < rows["population"]
    page.uncheck("#drill-counted")
    expect(page.locator("#drill-status[data-total]")).to_have_attribute("data-total", str(rows["population"]))
    # sort by creation time, newest first
    page.locator("#drill-table thead th[data-col=created_at] button").click()
    expect(page.locator("#drill-table thead th[data-col=created_at]")).to_have_attribute("aria-sort", "ascending")
    page.locator("#drill-table thead th[data-col=created_at] button").click()
    expect(page.locator("#drill-table thead th[data-col=created_at]")).to_have_attribute("aria-sort", "descending")
    col = heads.index("Created") + 1
    times = page.locator(f"#drill-table tbody tr > :nth-child({col})").all_inner_texts()
    assert times == sorted(times, reverse=True)
    assert '"desc":true' in urllib.parse.unquote(page.url)
    # filter: e-mails only (ignoring case)
    page.fill("#drill-filter", "EMAIL")
    expect(page.locator("#drill-status[data-total]")).not_to_have_attribute("data-total", str(rows["population"]))
    ch = heads.index("Channel") + 1
    assert set(page.locator(f"#drill-table tbody tr > :nth-child({ch})").all_inner_texts()) == {"Email"}
    # the state survives a reload
    filtered = drill_total(page)
    page.reload()
    expect(page.locator("#drill-status[data-total]")).to_have_attribute("data-total", str(filtered))
    expect(page.locator("#drill-filter")).to_have_value("EMAIL")
    expect(page.locator("#drill-counted")).not_to_be_checked()
    shot(page, "drill-work", full=False)


def test_ticket_conversation_and_back(session: Session, server: LiveServer) -> None:
    page = session.goto("/trends?metric=fcr_rate")
    page.evaluate(f"window.CXM.openDrill({json.dumps(FCR)})")
    drill_total(page)
    page.locator("#drill-table tbody button.cell").first.click()
    expect(page.locator("#ticket-conversation li.msg").first).to_be_visible()
    expect(page.locator("#ticket-conversation")).to_contain_text("Customer")
    assert "ticket=" in page.url and "drill=" in page.url
    page.go_back()
    expect(page.locator("#drill-rows")).to_be_visible()
    assert "ticket=" not in page.url
    page.go_back()
    expect(page.locator("#drill")).not_to_have_attribute("open", "")
    assert "drill=" not in page.url


def test_no_rows_offered_where_none_exist(session: Session) -> None:
    page = session.goto("/trends?metric=cac&grain=month")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("[CXM.metricInfo('cac').rows, CXM.metricInfo('fcr_rate').rows]") == [False, True]
    expect(page.locator("#trend-table button.cell")).to_have_count(0)


def test_drill_rows_stack_on_a_phone(browser: Any, server: LiveServer) -> None:
    s = Session(browser, server.base, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = s.goto(drill_url("/trends?metric=fcr_rate", FCR))
        drill_total(page)
        expect(page.locator("#drill-table tbody tr").first).to_be_visible()
        wrap = page.locator("#drill .table-wrap").first
        width, client = wrap.evaluate("(n) => [n.scrollWidth, n.clientWidth]")
        assert width <= client, (width, client)
        label = page.locator("#drill-table tbody tr").first.locator("td").first
        assert re.search(r"\S", label.evaluate("(n) => getComputedStyle(n, '::before').content"))
        shot(page, "drill-phone", full=False)
        s.check()
    finally:
        s.close()


def test_timeline_grouped_by_ticket_with_filters_and_any_case(session: Session, server: LiveServer) -> None:
    rows = server.get_json("/api/v1/rows", [("metric", "ticket_volume"), ("grain", "total"), ("page_size", "20")])["rows"]
    customer = next(r["customer_id"] for r in rows if r.get("customer_id") and r["customer_id"] != r["customer_id"].lower())
    page = session.goto("/timeline?customer=" + urllib.parse.quote(customer.lower()))
    groups = page.locator("#timeline details.ticket-group")
    expect(groups.first).to_be_visible()
    events = server.get_json(f"/api/v1/customers/{urllib.parse.quote(customer)}/timeline")["events"]
    tickets = {e["ticket_id"] for e in events if e["ticket_id"]}
    expect(page.locator("#timeline details.ticket-group[data-ticket]")).to_have_count(len(tickets))
    expect(page.locator("#customer-id")).to_have_value(customer)  # the stored id
    page.select_option("#timeline-kind", "message")
    expect(page.locator("#timeline-status")).to_contain_text(f"of {len(events)} events shown")
    assert set(page.locator("#timeline li[data-kind]").evaluate_all("(ns) => ns.map((n) => n.dataset.kind)")) <= {"message"}
    page.uncheck("#timeline-grouped")
    expect(page.locator("#timeline details.ticket-group")).to_have_count(0)
