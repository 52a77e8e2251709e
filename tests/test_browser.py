"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a real
uvicorn server over a small demo store (never a downloaded browser, never the internet).

Every request a page makes must go to the local server; no page may trip its
Content-Security-Policy. Screenshots land in test-artifacts/ (kept out of git).
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.api_support import copy_store
from tests.browser_support import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, SKIP_REASON, Session, shot

#: the small demo (conftest.small_demo) ends 2026-01-01: its last complete month
LAST_MONTH = "2025-12-01"
HOSTILE_CATEGORY = '<img src=x onerror="window.__xss=1">'
HOSTILE_TEAM = '"><script>window.__xss=2</script>'
HOSTILE_COMMENT = '<script>window.__xss=3</script><b>bold</b> & "quoted"'

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
expect = sync_api.expect
expect.set_options(timeout=90_000)  # a cold server computes its first answers on two shared cores


# -- a real server ------------------------------------------------------------------------------
class LiveServer:
    """``create_app(db)`` under uvicorn on a free loopback port, in a background thread."""

    def __init__(self, db: Path, config: str = "", **kw: Any) -> None:
        import uvicorn

        from cxmetrics.interfaces.web.app import create_app

        cfg = db.parent / "cxm.toml"
        cfg.write_text(config, encoding="utf-8")
        self.app = create_app(db, config_path=cfg, **kw)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    def get_json(self, path: str, params: list[tuple[str, str]] | None = None,
                 token: str | None = None) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())


def _add_hostile_rows(db: Path) -> None:
    """A ticket and a survey answer whose texts are markup: they must show as text."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    with Store(db, config=Config()) as s:
        s.import_frame("tickets", pd.DataFrame({
            "ticket_id": ["T-HOSTILE-1", "T-HOSTILE-2"],
            "created_at": pd.to_datetime(["2025-12-30 10:00", "2025-12-30 11:00"], utc=True),
            "channel": ["email", "email"], "category": [HOSTILE_CATEGORY] * 2, "team": [HOSTILE_TEAM] * 2,
            "customer_id": ["C-HOSTILE", "C-HOSTILE"],
        }), source="test")
        s.import_frame("survey_responses", pd.DataFrame({
            "response_id": ["R-HOSTILE-1"], "survey": ["nps"],
            "responded_at": pd.to_datetime(["2025-12-31 22:00"], utc=True),
            "score": [1.0], "scale_min": [0.0], "scale_max": [10.0], "comment": [HOSTILE_COMMENT],
            "customer_id": ["C-HOSTILE"], "ticket_id": ["T-HOSTILE-1"], "channel": ["email"],
        }), source="test")


@pytest.fixture(scope="module")
def server(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = copy_store(small_demo, tmp_path_factory.mktemp("browser"))
    _add_hostile_rows(db)
    with LiveServer(db) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def session(browser: Any, server: LiveServer) -> Iterator[Session]:
    s = Session(browser, server.base)
    yield s
    try:
        s.check()
    finally:
        s.close()


def card_value(page: Any, metric: str) -> float:
    value = page.locator(f'.card[data-metric="{metric}"] .value')
    expect(value).to_be_visible()
    return float(value.get_attribute("data-value"))


def drill_total(page: Any) -> int:
    status = page.locator("#drill-status[data-total]")
    expect(status).to_have_count(1)
    return int(status.get_attribute("data-total"))


# -- tests -------------------------------------------------------------------------------------
def test_overview_shows_kpi_cards(session: Session) -> None:
    page = session.goto("/")
    expect(page.locator(".card").first).to_be_visible()
    expect(page.locator("#kpis")).to_have_attribute("aria-busy", "false")
    assert page.locator(".card").count() >= 15
    assert card_value(page, "ticket_volume") > 100
    for metric in ("ticket_volume", "first_response_time", "nps", "csat", "churn_rate", "call_volume"):
        card = page.locator(f'.card[data-metric="{metric}"]')
        expect(card.locator(".value")).to_have_text(re.compile(r"\d"))
        expect(card.locator(".change")).to_contain_text("previous month")
        expect(card.locator(".target")).to_be_visible()
        expect(card.locator(".spark svg")).to_have_count(1)
    expect(page.locator("#overview-intro")).to_have_attribute("data-month", LAST_MONTH)
    expect(page.locator("#overview-intro")).to_contain_text("December 2025")
    # the first Tab reaches the skip link; it moves focus to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    shot(page, "overview")


def test_filter_changes_numbers_and_url(session: Session) -> None:
    page = session.goto("/")
    before = card_value(page, "ticket_volume")
    expect(page.locator('#f-channel option[value="email"]')).to_have_count(1)
    page.select_option("#f-channel", "email")
    page.click("#filters-apply")
    page.wait_for_url(re.compile(r"[?&]channel=email"))
    after = card_value(page, "ticket_volume")
    assert 0 < after < before
    expect(page.locator("#filter-count")).to_contain_text("1")
    # the filter survives navigation and reload
    page.click('.main-nav a[href^="/trends"]')
    page.wait_for_url(re.compile(r"/trends\?.*channel=email"))
    expect(page.locator("#f-channel")).to_have_value("email")
    page.reload()
    expect(page.locator("#f-channel")).to_have_value("email")
    expect(page.locator("#trend-chart svg")).to_have_count(1)
    shot(page, "trends-filtered")


def test_drill_down_from_a_trend_point(session: Session, server: LiveServer) -> None:
    page = session.goto("/trends?metric=ticket_volume&grain=month&channel=email")
    points = page.locator("#trend-chart g.mark-symbol path")
    expect(points.first).to_be_visible()
    records = server.get_json("/api/v1/metrics", [("metric", "ticket_volume"), ("grain", "month"),
                                                   ("where", "channel=email")])["metrics"]
    assert points.count() == len(records)
    points.nth(points.count() - 1).click()  # the last month
    expect(page.locator("#drill")).to_have_attribute("open", "")
    total = drill_total(page)
    assert total == records[-1]["value"] > 50
    expect(page.locator("#drill-table tbody tr")).to_have_count(min(total, 50))
    # every listed ticket came by email, in the clicked month
    cols = page.locator("#drill-table thead th").all_inner_texts()
    channel_col = cols.index("Channel")  # readable column names and values (issue 14)
    channels = page.locator(f"#drill-table tbody tr > :nth-child({channel_col + 1})").all_inner_texts()
    assert set(channels) == {"Email"}
    expect(page.locator("#drill-subtitle")).to_have_text("Dec 2025")
    shot(page, "drill-trend", full=False)
    # paging, and the CSV of every row
    page.click("#drill-next")
    expect(page.locator("#drill-status")).to_contain_text("51")
    href = page.locator("#drill-csv").get_attribute("href")
    assert "format=csv" in href and "where=channel%3Demail" in href
    with urllib.request.urlopen(server.base + href, timeout=120) as r:
        rows = list(csv.DictReader(io.StringIO(r.read().decode("utf-8"))))
    assert len(rows) == total
    # a ticket of the list, and back
    ticket = page.locator("#drill-table tbody button.cell").first
    ticket_id = ticket.inner_text()
    ticket.click()
    expect(page.locator("#ticket-title")).to_contain_text(ticket_id)
    expect(page.locator("#ticket-fields dd", has_text=ticket_id)).to_have_count(1)
    expect(page.locator("#ticket-events tbody tr").first).to_be_visible()
    page.click("#ticket-back")
    expect(page.locator("#drill-table")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#drill")).not_to_have_attribute("open", "")


def test_business_hours_trend_is_in_hours(session: Session, server: LiveServer) -> None:
    """Durations asked in business hours come from the API in business hours and are shown
    in hours and minutes, never in 24-hour days; the caption says so."""
    page = session.goto("/trends?metric=resolution_time&grain=month&hours=business&stat=p90")
    expect(page.locator("#c-hours")).to_have_value("business")
    expect(page.locator("#trend-caption")).to_contain_text("(business hours)")
    expect(page.locator("#trend-table tbody tr").first).to_be_visible()
    records = server.get_json("/api/v1/metrics", [("metric", "resolution_time"), ("grain", "month"),
                                                   ("hours", "business"), ("stat", "p90")])["metrics"]
    assert max(r["value"] or 0 for r in records) > 86400  # long enough to have shown days before
    values = page.locator("#trend-table tbody tr > :nth-child(2)").all_inner_texts()
    assert values and all(re.fullmatch(r"\d+h( \d+m)?|–", v) for v in values), values
    page.select_option("#c-hours", "calendar")
    page.click(".page-controls button[type=submit]")
    page.wait_for_url(re.compile(r"hours=calendar"))
    expect(page.locator("#trend-caption")).not_to_contain_text("business hours")
    expect(page.locator("#trend-table tbody tr > :nth-child(2)", has_text=re.compile(r"\d+d")).first).to_be_visible()


def test_drill_down_from_a_volume_bar(session: Session, server: LiveServer) -> None:
    page = session.goto("/volume")
    bars = page.locator("#volume-chart g.mark-rect path")
    expect(bars.first).to_be_visible()
    expect(page.locator("#spikes li").first).to_be_visible()
    bars.nth(bars.count() // 2).click()
    total = drill_total(page)
    assert total > 0
    cols = page.locator("#drill-table thead th").all_inner_texts()
    first = page.locator("#drill-table tbody tr").first.locator("th, td").all_inner_texts()
    day, category = first[cols.index("Created")][:10], first[cols.index("Category")].lower()
    volume = server.get_json("/api/v1/volume")
    count = next(r["tickets"] for r in volume["by_category"] if r["date"] == day and r["category"] == category)
    assert total == count
    shot(page, "drill-volume", full=False)
    page.keyboard.press("Escape")
    shot(page, "volume")


def test_heatmap_cells_open_rows_by_keyboard(session: Session, server: LiveServer) -> None:
    page = session.goto("/busy-hours")
    expect(page.locator("#busy-volume g.mark-rect path").first).to_be_visible()
    page.locator("details.data-table summary").click()
    button = page.locator("details.data-table table").first.locator("button.cell").first
    button.focus()
    page.keyboard.press("Enter")
    total = drill_total(page)
    cells = server.get_json("/api/v1/metrics", [("metric", "ticket_volume"), ("grain", "total"),
                                                 ("by", "weekday"), ("by", "hour")])["metrics"]
    first = min((c for c in cells if c["value"]), key=lambda c: (c["weekday"], c["hour"]))
    assert total == first["value"]
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('cell')")  # focus returns
    shot(page, "busy-hours")


def test_customer_timeline(session: Session, server: LiveServer) -> None:
    rows = server.get_json("/api/v1/rows", [("metric", "ticket_volume"), ("grain", "month"),
                                            ("period_start", LAST_MONTH), ("page_size", "5")])["rows"]
    customer = next(r["customer_id"] for r in rows if r.get("customer_id"))
    page = session.goto("/timeline")
    page.fill("#customer-id", customer)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"customer=" + re.escape(customer)))
    expect(page.locator("#timeline > li").first).to_be_visible()
    assert page.locator("#timeline > li").count() >= 2
    expect(page.locator("#timeline-status")).to_contain_text("events")
    shot(page, "timeline")
    page = session.goto("/timeline?customer=NOBODY-123")
    expect(page.locator("#timeline-status")).to_contain_text("NOBODY-123")


def test_report_download(session: Session) -> None:
    page = session.goto("/reports")
    page.select_option("#r-format", "xlsx")
    page.select_option("#r-lang", "fi")
    with page.expect_download(timeout=180_000) as info:
        page.click("#report-form button[type=submit]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / download.suggested_filename
    download.save_as(str(target))
    assert target.stat().st_size > 1000 and target.read_bytes()[:2] == b"PK"


def test_language_switch_to_japanese(session: Session) -> None:
    page = session.goto("/")
    expect(page.locator(".card").first).to_be_visible()
    page.click('.lang-switch a[hreflang="ja"]')
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator('.main-nav a[aria-current="page"]')).to_have_text("概要")
    expect(page.locator('section[data-section="support"] h2')).to_have_text("カスタマーサービス")
    expect(page.locator('.card[data-metric="ticket_volume"] .change')).to_contain_text("前月比")
    expect(page.locator("#overview-intro")).to_contain_text("2025年12月")
    shot(page, "overview-ja")
    page = session.goto("/volume")  # remembered in a cookie
    expect(page.locator("h1")).to_have_text("チケット件数")
    expect(page.locator("#volume-chart svg")).to_have_count(1)
    page.click('.lang-switch a[hreflang="en"]')
    expect(page.locator("html")).to_have_attribute("lang", "en")


PHONE_PAGES = ["/", "/trends", "/volume", "/busy-hours", "/feedback", "/customers", "/calls",
               "/timeline?customer=C-HOSTILE", "/imports", "/reports"]


def test_phone_viewport_has_no_horizontal_scroll(browser: Any, server: LiveServer) -> None:
    s = Session(browser, server.base, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                device_scale_factor=2)
    try:
        for path in PHONE_PAGES:
            page = s.goto(path)
            page.wait_for_load_state("networkidle")
            width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width <= client, (path, width, client)
            name = path.strip("/").split("?")[0] or "overview"
            if name in ("overview", "volume", "trends", "feedback"):
                shot(page, f"phone-{name}")
        # the filter bar starts folded on a phone, and opens
        page = s.goto("/volume")
        expect(page.locator("#filter-box")).not_to_have_attribute("open", "")
        page.locator("#filter-box summary").click()
        expect(page.locator("#f-channel")).to_be_visible()
        s.check()
    finally:
        s.close()


def test_hostile_values_stay_text(session: Session) -> None:
    page = session.goto("/feedback")
    comment = page.locator("#comments blockquote", has_text="window.__xss=3")
    expect(comment.first).to_be_visible()
    assert comment.first.inner_text() == HOSTILE_COMMENT
    assert page.locator("#comments b").count() == 0
    page = session.goto("/volume?category=" + urllib.parse.quote(HOSTILE_CATEGORY))
    expect(page.locator("#volume-chart svg")).to_have_count(1)
    expect(page.locator("#f-category")).to_have_value(HOSTILE_CATEGORY)
    expect(page.locator("#f-team option", has_text="window.__xss=2")).to_have_count(1)
    assert page.locator("#f-team option", has_text="window.__xss=2").inner_text() == HOSTILE_TEAM
    expect(page.locator("#volume-table thead th", has_text="onerror")).to_have_count(1)
    assert page.locator("#volume-chart svg text", has_text="onerror").count() >= 1  # the legend
    for path in ("/feedback", "/volume"):
        page = session.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None
        assert page.locator('img[src="x"]').count() == 0
        assert page.locator("script:not([src]):not([type])").count() == 0


@pytest.fixture(scope="module")
def tickets_server(tickets_only: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(copy_store(tickets_only, tmp_path_factory.mktemp("tickets-only"))) as s:
        yield s


def test_sections_without_data_say_so(browser: Any, tickets_server: LiveServer) -> None:
    s = Session(browser, tickets_server.base)
    try:
        page = s.goto("/customers")
        expect(page.locator("#section-status")).to_have_text("There is no customer data in this store.")
        page = s.goto("/calls")
        expect(page.locator("#section-status")).to_have_text("There is no call data in this store.")
        page = s.goto("/feedback")
        expect(page.locator("#feedback-status")).to_have_text("There is no survey data in this store.")
        page = s.goto("/")
        expect(page.locator('section[data-section="support"] .card').first).to_be_visible()
        expect(page.locator("#kpis")).to_have_attribute("aria-busy", "false")
        assert page.locator('section[data-section="feedback"]').count() == 0
        s.check()
    finally:
        s.close()


@pytest.fixture(scope="module")
def token_server(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, str]]:
    from cxmetrics.interfaces.web.auth import create_token
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    db = copy_store(small_demo, tmp_path_factory.mktemp("tokens"))
    with Store(db, config=Config()) as st:
        viewer = create_token(st.raw, "viewer", "browser test")[1]
        editor = create_token(st.raw, "editor", "browser test")[1]
    with LiveServer(db, require_read_token=True) as s:
        yield s, viewer, editor


def test_token_prompt_reads_and_upload(browser: Any, token_server: tuple[LiveServer, str, str],
                                       tmp_path: Path) -> None:
    server, viewer, editor = token_server
    s = Session(browser, server.base)
    auth: list[str | None] = []
    s.context.on("request", lambda r: auth.append(r.headers.get("authorization")) if "/api/v1/" in r.url else None)
    try:
        page = s.goto("/")
        expect(page.locator("#token-box")).to_be_visible()
        page.fill("#token-input", viewer)
        page.click("#token-form button")
        expect(page.locator('.card[data-metric="ticket_volume"] .value')).to_be_visible()
        expect(page.locator("#token-box")).to_be_hidden()
        expect(page.locator("#token-status")).to_be_visible()
        assert f"Bearer {viewer}" in auth
        # drill-down and its CSV with the token
        page.locator('.card[data-metric="ticket_volume"] .card-actions button').click()
        assert drill_total(page) > 0
        with page.expect_download() as info:
            page.click("#drill-csv")
        assert info.value.suggested_filename.endswith(".csv")
        page.keyboard.press("Escape")
        # closing the panel steps back through history (history.go, asynchronous); a
        # navigation started before that lands is aborted (net::ERR_ABORTED), so wait
        page.wait_for_url(lambda u: "drill=" not in u)
        expect(page.locator("#drill")).not_to_have_attribute("open", "")
        # upload: the editor token typed into the form
        upload = tmp_path / "new-tickets.csv"
        upload.write_text("ticket_id,created_at,channel,category\nT-UP-1,2025-12-31T12:00:00Z,email,returns\n"
                          "T-UP-2,2025-12-31T13:00:00Z,chat,returns\n", encoding="utf-8")
        page = s.goto("/imports")
        expect(page.locator("#imports-table tbody tr").first).to_be_visible()
        page.select_option("#u-table", "tickets")
        page.set_input_files("#u-file", str(upload))
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-result .error")).to_contain_text("editor token")  # none typed yet
        page.fill("#u-token", viewer)
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-result .error")).to_be_visible()  # a viewer cannot write
        page.fill("#u-token", editor)
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-result .good")).to_contain_text("2")
        expect(page.locator("#imports-table")).to_contain_text("new-tickets.csv")
        # a file whose rows mostly fail is refused, nothing stored, until the box is ticked
        mostly_bad = tmp_path / "mostly-bad.csv"
        mostly_bad.write_text("ticket_id,created_at,channel\nT-UP-3,2025-12-31T14:00:00Z,email\n"
                              "T-UP-4,not a date,email\nT-UP-5,31.12.,chat\n", encoding="utf-8")
        page.set_input_files("#u-file", str(mostly_bad))
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-result .error")).to_contain_text("over half")
        expect(page.locator("#imports-table")).not_to_contain_text("mostly-bad.csv")
        page.check("#u-partial")
        page.click("#upload-form button[type=submit]")
        expect(page.locator("#upload-result .good")).to_contain_text("2 quarantined")
        expect(page.locator("#imports-table")).to_contain_text("mostly-bad.csv")
        shot(page, "imports")
        # a report with the read token
        page = s.goto("/reports")
        page.select_option("#r-format", "html")
        with page.expect_download(timeout=180_000) as info:
            page.click("#report-form button[type=submit]")
        target = ARTIFACTS / info.value.suggested_filename
        ARTIFACTS.mkdir(exist_ok=True)
        info.value.save_as(str(target))
        assert target.suffix == ".html" and target.stat().st_size > 1000
        s.check()
    finally:
        s.close()
