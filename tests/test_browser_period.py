"""The dashboard's explicit period in a real browser against a real server process
(``cxm serve`` in a child process over a copy of the small demo store): one number, one
answer. An overview card equals the monthly report's KPI (cxmetrics.interfaces.report.data)
and ``cxm metrics ID --compare previous --format json`` for the same month; the period
picker, Back, "no data", partial periods, the catalogue's explanations, targets on charts,
busy hours in their zone, JSON twins and escaping are checked as a user meets them.

Debian's Chromium only (never a downloaded browser); every request stays on the server.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import copy_store, empty_config
from tests.browser_support import CHROMIUM, LAUNCH_ARGS, SKIP_REASON, Session, shot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
expect = sync_api.expect
expect.set_options(timeout=90_000)  # a cold server computes its first answers on two shared cores

ROOT = Path(__file__).resolve().parents[1]
MONTH, MONTH_END = "2025-12-01", "2025-12-31"  # the small demo's last complete month
HOSTILE = '<img src=x onerror="window.__xss=1">'


# -- a real server process -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(config: Path) -> dict[str, str]:
    """The child runs this checkout's code with the test's settings file."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    env["CXM_CONFIG"] = str(config)
    return env


def _cxm(*args: str) -> list[str]:
    return [sys.executable, "-m", "cxmetrics.interfaces.cli.main", *args]


class ServerProcess:
    """``cxm --db DB serve --port PORT`` in a child process, until stopped."""

    def __init__(self, db: Path, config: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = db.parent / "serve.log"
        with self.log.open("w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(_cxm("--db", str(db), "--config", str(config), "serve", "--port", str(self.port)),
                                         cwd=db.parent, env=_env(config), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("cxm serve did not start: " + self.log.read_text(encoding="utf-8")[-2000:])
            try:
                if self.get("/api/v1/health")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.2)

    def get(self, path: str, params: list[tuple[str, str]] | dict[str, str] | None = None) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=180) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


#: the team's own targets (cxm.toml), drawn on the charts and judged on the cards like the benchmarks
SETTINGS = '[targets]\ncsat = 85\n[targets.first_response_time]\nemail = "20h"\nchat = "2h"\n'


def _report_kpis(db: Path, config: Path) -> dict[str, dict[str, Any]]:
    """The monthly report's KPIs of the month (report/data.py), read before the server holds the file."""
    from cxmetrics.interfaces.report.data import build_report
    from cxmetrics.settings import load_config
    from cxmetrics.store import Store

    with Store(db, config=load_config(config), read_only=True) as s:
        report = build_report(s, MONTH[:7])
    assert report["period"]["start"] == MONTH and report["timezone"] == "UTC"
    return {k["metric"]: k for k in report["kpis"]}


def _cli_records(db: Path, config: Path, ids: list[str]) -> dict[str, dict[str, Any]]:
    """``cxm metrics IDS --from MONTH --to MONTH_END --compare previous --format json`` (grain month)."""
    res = subprocess.run(_cxm("--db", str(db), "--config", str(config), "metrics", *ids, "--from", MONTH,
                              "--to", MONTH_END, "--compare", "previous", "--format", "json"),
                         env=_env(config), capture_output=True, text=True, timeout=600, cwd=db.parent)
    assert res.returncode == 0, res.stderr
    recs = json.loads(res.stdout)["metrics"]
    assert all(r["period_start"] == MONTH for r in recs)
    return {r["metric"]: r for r in recs}


@pytest.fixture(scope="module")
def served(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A copy of the small demo; the report's and the CLI's answers for December 2025, then a
    real ``cxm serve`` over it."""
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    directory = tmp_path_factory.mktemp("period-browser")
    db = copy_store(small_demo, directory)
    with Store(db, config=Config()) as s:  # a team with a name nobody should render as markup
        import pandas as pd

        s.import_frame("tickets", pd.DataFrame({
            "ticket_id": ["T-HOSTILE-P"], "created_at": pd.to_datetime(["2025-12-30 10:00"], utc=True),
            "channel": ["email"], "category": ["returns"], "team": [HOSTILE]}), source="test")
    config = empty_config(directory)
    config.write_text(SETTINGS, encoding="utf-8")
    kpis = _report_kpis(db, config)
    cli = _cli_records(db, config, list(kpis))
    server = ServerProcess(db, config)
    try:
        yield {"server": server, "kpis": kpis, "cli": cli}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def session(browser: Any, served: dict[str, Any]) -> Iterator[Session]:
    s = Session(browser, served["server"].base)
    yield s
    try:
        s.check()
    finally:
        s.close()


def loaded(page: Any) -> None:
    expect(page.locator("#kpis")).to_have_attribute("aria-busy", "false")


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _attr_number(v: str | None) -> float | None:
    return None if v in (None, "") else float(v)


# -- one number, one answer ---------------------------------------------------------------------------
def test_overview_cards_equal_the_report_and_the_cli(session: Session, served: dict[str, Any]) -> None:
    """Every card of December 2025: value, previous value, change and verdict equal the monthly
    report's KPI and `cxm metrics --compare previous` for the month; its colour is the verdict's."""
    from cxmetrics.interfaces.i18n import translator

    kpis, cli = served["kpis"], served["cli"]
    page = session.goto("/?period=month&month=2025-12")
    loaded(page)
    statement = page.locator("#period-statement")
    expect(statement).to_have_attribute("data-from", MONTH)
    expect(statement).to_have_attribute("data-to", MONTH_END)
    expect(statement).to_have_attribute("data-tz", "UTC")
    expect(statement).to_contain_text("December 2025")
    expect(statement).to_contain_text("compared with Nov 1, 2025 – Nov 30, 2025")
    tr = translator("en")
    checked = 0
    for metric, kpi in kpis.items():
        card = page.locator(f'.card[data-metric="{metric}"]')
        expect(card).to_have_count(1)
        rec, prev = cli[metric], kpi["previous"]
        value = _attr_number(card.get_attribute("data-value"))
        assert close(value, kpi["value"]) and close(value, rec["value"]), (metric, value, kpi["value"], rec["value"])
        change = card.locator(".change")
        got_change = _attr_number(change.get_attribute("data-change"))
        got_prev = _attr_number(change.get_attribute("data-previous"))
        assert close(got_change, prev["change"]) and close(got_change, rec["change"]), (metric, got_change, prev, rec)
        assert close(got_prev, prev["previous_value"]) and close(got_prev, rec["previous_value"]), metric
        assert (change.get_attribute("data-verdict") or None) == prev["verdict"] == rec["verdict"], metric
        colour = {"better": "good", "worse": "bad", None: "neutral"}[rec["verdict"]]
        assert colour in (change.get_attribute("class") or "").split(), (metric, rec["verdict"])
        if rec["maturing"]:
            expect(card.locator(".maturing")).to_be_visible()
        assert close(rec["target"], kpi["target"]) and rec["meets_target"] == kpi["meets_target"], metric
        # what the card shows is what the report prints
        shown = card.locator(".value").inner_text()
        assert shown == tr.value(kpi["value"], kpi["unit"]), (metric, shown, tr.value(kpi["value"], kpi["unit"]))
        checked += 1
    assert checked >= 20
    # the team's target, judged: CSAT 85% (cxm.toml) is missed in December
    expect(page.locator('.card[data-metric="csat"] .target')).to_have_text(
        "✗ Target 85.0% missed" if not kpis["csat"]["meets_target"] else "✓ Target 85.0% met")
    # a change that rounds to zero at its precision is shown as ±0 and gets no colour
    zero = page.locator('.card .change:has-text("±")')
    for i in range(zero.count()):
        assert "neutral" in (zero.nth(i).get_attribute("class") or "")
    # a card's title opens its trend over the sparkline's 13 months, compared month by month
    href = page.locator('.card[data-metric="nps"] h3 a').get_attribute("href")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert {k: v[0] for k, v in q.items()} == {"period": "custom", "from": "2024-12-01", "to": MONTH_END,
                                                 "metric": "nps", "grain": "month", "compare": "previous"}
    # the default period is the report's "latest": the same month, without naming it
    page = session.goto("/")
    loaded(page)
    expect(page.locator("#period-statement")).to_have_attribute("data-from", MONTH)
    expect(page.locator("#overview-intro")).to_have_attribute("data-month", MONTH)
    v = _attr_number(page.locator('.card[data-metric="ticket_volume"]').get_attribute("data-value"))
    assert close(v, kpis["ticket_volume"]["value"])
    shot(page, "period-overview-month")


def test_period_picker_and_back_restore_the_form(session: Session, served: dict[str, Any]) -> None:
    server = served["server"]
    page = session.goto("/?period=month&month=2025-11")
    loaded(page)
    expect(page.locator("#f-period")).to_have_value("month")
    expect(page.locator("#f-month")).to_have_value("2025-11")
    expect(page.locator("#f-week")).to_be_hidden()
    # last 30 days of data
    page.select_option("#f-period", "last30")
    expect(page.locator("#f-month")).to_be_hidden()
    page.click("#filters-apply")
    page.wait_for_url(re.compile(r"\?period=last30$"))  # only what the selection uses
    loaded(page)
    expect(page.locator("#period-statement")).to_have_attribute("data-from", "2025-12-02")
    expect(page.locator("#period-statement")).to_contain_text("Last 30 days")
    want = server.get("/api/v1/metrics", [("metric", "ticket_volume"), ("grain", "total"), ("from", "2025-12-02"),
                                          ("to", MONTH_END), ("compare", "previous")])["metrics"][0]
    card = page.locator('.card[data-metric="ticket_volume"]')
    assert close(_attr_number(card.get_attribute("data-value")), want["value"])
    assert close(_attr_number(card.locator(".change").get_attribute("data-change")), want["change"])
    expect(card.locator(".change")).to_contain_text("vs the 30 days before")
    # the rows behind the card are the period's: as many as the card counts
    card.locator(".card-actions button").click()
    expect(page.locator("#drill-status[data-total]")).to_have_attribute("data-total", str(want["value"]))
    page.keyboard.press("Escape")
    # closing the panel steps back through history (asynchronous), which restores the form from the
    # URL: a choice made before that lands would be undone
    page.wait_for_url(lambda u: "drill=" not in u)
    expect(page.locator("#drill")).not_to_have_attribute("open", "")
    # a week, typed
    page.select_option("#f-period", "week")
    page.fill("#f-week", "2025-W50")
    page.click("#filters-apply")
    page.wait_for_url(re.compile(r"period=week&week=2025-W50"))
    loaded(page)
    expect(page.locator("#period-statement")).to_have_attribute("data-from", "2025-12-08")
    expect(page.locator(".period-steps a[rel=prev]")).to_have_attribute("href", re.compile(r"week=2025-W49"))
    # Back: the form shows the URL's state, not what was submitted from it
    page.go_back()
    page.wait_for_url(re.compile(r"\?period=last30$"))
    expect(page.locator("#f-period")).to_have_value("last30")
    expect(page.locator("#f-week")).to_be_hidden()
    # an edit left unapplied does not survive leaving the page and coming back
    page.select_option("#f-period", "custom")
    page.fill("#f-from", "2025-01-01")
    expect(page.locator('#f-channel option[value="email"]')).to_have_count(1)
    page.select_option("#f-channel", "email")
    page.click('.main-nav a[href^="/trends"]')
    page.wait_for_url(re.compile(r"/trends\?period=last30$"))
    expect(page.locator("#period-statement")).to_have_attribute("data-from", "2025-12-02")
    page.go_back()
    page.wait_for_url(re.compile(r"/\?period=last30$"))
    expect(page.locator("#f-period")).to_have_value("last30")
    expect(page.locator("#f-channel")).to_have_value("")
    expect(page.locator("#f-from")).to_be_hidden()
    page.go_back()
    page.wait_for_url(re.compile(r"month=2025-11$"))
    expect(page.locator("#f-period")).to_have_value("month")
    expect(page.locator("#f-month")).to_have_value("2025-11")
    loaded(page)
    expect(page.locator("#period-statement")).to_have_attribute("data-from", "2025-11-01")


def test_outside_the_data_says_no_data(session: Session) -> None:
    page = session.goto("/?period=month&month=2020-01")
    loaded(page)
    expect(page.locator("#period-statement .period-note")).to_contain_text("No data in this period")
    expect(page.locator(".no-data-note")).to_be_visible()
    values = page.locator('.card[data-metric="ticket_volume"], .card[data-metric="nps"], '
                          '.card[data-metric="resolution_rate"], .card[data-metric="call_volume"]')
    expect(values).to_have_count(4)
    for text in values.locator(".value").all_inner_texts():
        assert text == "No data"
    shown = page.locator(".card .value").all_inner_texts()
    assert not [t for t in shown if re.fullmatch(r"0(\.0+)?%?|0s", t)], shown  # never a made-up zero


def test_partial_period_is_compared_with_the_same_days(session: Session) -> None:
    page = session.goto("/?from=2025-12-15&to=2026-01-31")
    loaded(page)
    expect(page.locator("#f-period")).to_have_value("custom")
    statement = page.locator("#period-statement")
    expect(statement).to_contain_text("The data ends on Dec 31, 2025")
    expect(statement).to_contain_text("Nov 28, 2025 – Dec 14, 2025")
    expect(page.locator("#overview-intro")).to_contain_text("Custom range")


def test_numbers_explain_themselves_from_the_catalogue(session: Session, served: dict[str, Any]) -> None:
    server = served["server"]
    cat = server.get("/api/v1/catalog", {"lang": "en"})
    page = session.goto("/?period=month&month=2025-12")
    loaded(page)

    def explanation(metric: str) -> Any:
        box = page.locator(f'.card[data-metric="{metric}"] details.explain')
        box.locator("summary").click()
        expect(box).to_have_attribute("data-ready", "true")
        return box

    rec = served["cli"]["csat"]
    box = explanation("csat")
    expect(box.locator('[data-key="definition"] dd')).to_have_text(cat["texts"]["csat"]["description"])
    expect(box.locator('[data-key="formula"] dd')).to_have_text(cat["texts"]["csat"]["formula"])
    expect(box.locator('[data-key="n"] dd')).to_have_text(f"{rec['numerator']:,} of {rec['denominator']:,}")
    expect(box.locator('[data-key="target"] dd')).to_have_text("85.0% (your target in cxm.toml)")
    expect(box.locator('[data-key="setting.surveys_csat"] dd')).to_have_text("1–5")
    expect(box.locator('[data-key="comparison"] dd')).to_contain_text("Nov 1, 2025 – Nov 30, 2025")
    expect(box.locator('[data-key="zone"] dd')).to_contain_text("UTC")
    box = explanation("first_response_time")
    expect(box.locator('[data-key="hours"] dd')).to_contain_text("Calendar hours")
    expect(box.locator('[data-key="statistic"] dd')).to_contain_text("Median")
    box = explanation("service_level")
    expect(box.locator('[data-key="setting.calls_service_level"] dd')).to_have_text("20s")
    box = explanation("resolution_rate")  # December is still maturing
    expect(box.locator('[data-key="maturing"] dd')).to_contain_text("14 days")
    box = explanation("cac")
    expect(box.locator('[data-key="currency"] dd')).to_contain_text("EUR")
    # business hours say which: the schedule and its zone
    page = session.goto("/trends?metric=first_response_time&grain=month&hours=business")
    box = page.locator("#trend-explain details.explain")
    box.locator("summary").click()
    expect(box).to_have_attribute("data-ready", "true")
    expect(box.locator('[data-key="hours"] dd')).to_have_text("Business hours only: Mon–Fri 09:00–17:00 (UTC)")
    shot(page, "period-explain-trends")


def test_targets_are_drawn_on_charts(session: Session, served: dict[str, Any]) -> None:
    page = session.goto("/trends?metric=csat&grain=month")
    chart = page.locator("#trend-chart")
    expect(chart.locator("g.mark-rule.target_marks path, g.mark-rule.target_marks line").first).to_be_attached()
    expect(chart.locator("svg text", has_text="Target 85.0%")).to_have_count(1)
    # a benchmark where the team set none: cart abandonment's published 70%
    page = session.goto("/trends?metric=cart_abandonment_rate&grain=month")
    expect(page.locator("#trend-chart svg text", has_text="Target (benchmark) 70.0%")).to_have_count(1)
    # targets per channel: one rule per channel that has one (email and chat from cxm.toml,
    # social its published benchmark), in the channel's colour
    recs = served["server"].get("/api/v1/metrics", [("metric", "first_response_time"), ("grain", "month"),
                                                    ("by", "channel")])["metrics"]
    targets = {(r["channel"], r["target"], r["target_source"]) for r in recs if r["target"] is not None}
    assert {(c, s) for c, _, s in targets} >= {("email", "cxm.toml"), ("chat", "cxm.toml")}
    assert any(c == "social" and s != "cxm.toml" for c, _, s in targets)
    page = session.goto("/trends?metric=first_response_time&grain=month&by=channel")
    rules = page.locator("#trend-chart g.mark-rule.target_marks").first.locator("path, line")
    expect(rules).to_have_count(len(targets))
    shot(page, "period-targets-by-channel", full=False)
    page = session.goto("/?period=month&month=2025-12")
    loaded(page)
    expect(page.locator('.card[data-metric="csat"] .spark g.mark-rule.target_marks').first).to_be_attached()
    assert page.locator('.card[data-metric="ticket_volume"] .spark g.mark-rule.target_marks').count() == 0  # no target, no rule
    shot(page, "period-targets", full=False)


def test_busy_hours_are_labelled_with_their_zone(session: Session, served: dict[str, Any]) -> None:
    server = served["server"]
    page = session.goto("/busy-hours?tz=Europe/Helsinki&period=month&month=2025-12")
    expect(page.locator("#period-statement")).to_have_attribute("data-tz", "Europe/Helsinki")
    expect(page.locator("#busy-zone")).to_have_text("Hours are local time in Europe/Helsinki.")
    expect(page.locator("figcaption").first).to_contain_text("(Europe/Helsinki)")
    expect(page.locator("#busy-volume svg text", has_text="Hour (Europe/Helsinki)")).to_have_count(1)
    page.locator("details.data-table summary").click()
    expect(page.locator("details.data-table caption").first).to_contain_text("Europe/Helsinki")
    button = page.locator("details.data-table table").first.locator("button.cell").first
    button.focus()
    page.keyboard.press("Enter")
    status = page.locator("#drill-status[data-total]")
    expect(status).to_have_count(1)
    cells = server.get("/api/v1/metrics", [("metric", "ticket_volume"), ("grain", "total"), ("by", "weekday"),
                                           ("by", "hour"), ("from", MONTH), ("to", MONTH_END),
                                           ("tz", "Europe/Helsinki")])["metrics"]
    first = min((c for c in cells if c["value"]), key=lambda c: (c["weekday"], c["hour"]))
    assert int(status.get_attribute("data-total")) == first["value"]
    page.keyboard.press("Escape")
    shot(page, "period-busy-hours-helsinki")


def test_every_view_has_a_json_twin(session: Session, served: dict[str, Any]) -> None:
    page = session.goto("/?period=last7")
    loaded(page)
    twin = page.locator('#json-twin-list a[data-path="/api/v1/overview"]')
    expect(twin).to_have_count(1)
    href = twin.get_attribute("href")
    assert href.startswith("/api/v1/overview?") and "period=last7" in href
    with urllib.request.urlopen(served["server"].base + href, timeout=180) as r:
        body = json.loads(r.read())
    rec = next(r for s in body["sections"] for r in s["metrics"] if r["metric"] == "ticket_volume")
    card = page.locator('.card[data-metric="ticket_volume"]')
    assert close(_attr_number(card.get_attribute("data-value")), rec["value"])
    for path, api in [("/trends", "/api/v1/metrics"), ("/volume", "/api/v1/volume"), ("/busy-hours", "/api/v1/metrics"),
                      ("/feedback", "/api/v1/comments"), ("/customers", "/api/v1/metrics"), ("/calls", "/api/v1/metrics"),
                      ("/imports", "/api/v1/imports")]:
        page = session.goto(path)
        expect(page.locator(f'#json-twin-list a[data-path="{api}"]').first).to_be_attached()
        expect(page.locator('#json-twin-list a[data-path="/api/v1/period"]')).to_have_count(1)


PAGES = ["/", "/trends", "/volume", "/busy-hours", "/feedback", "/customers", "/calls", "/forecast", "/timeline",
         "/imports", "/reports"]


def test_every_page_states_its_period_and_zone(session: Session) -> None:
    for path in PAGES:
        page = session.goto(path + "?tz=America/New_York")
        statement = page.locator("#period-statement")
        expect(statement).to_have_attribute("data-tz", "America/New_York")
        expect(statement).to_contain_text("America/New_York")
        if path not in ("/forecast", "/timeline", "/imports"):
            expect(statement).to_contain_text(re.compile(r"Period: .*\(\w{3} \d+, \d{4} – \w{3} \d+, \d{4}\)"))
    page = session.goto("/reports?period=month&month=2025-11")
    expect(page.locator("#period-statement")).to_contain_text("November 2025")
    expect(page.locator("#report-json")).to_have_attribute("href", re.compile(r"/api/v1/reports/2025-11\?format=json"))
    page = session.goto("/?lang=ja&period=last7")
    expect(page.locator("#period-statement")).to_contain_text("直近7日間")


def test_hostile_values_stay_text(session: Session) -> None:
    page = session.goto("/?tz=" + urllib.parse.quote(HOSTILE))
    expect(page.locator("#period-statement.error")).to_contain_text("time zone")
    expect(page.locator("#f-tz")).to_have_value(HOSTILE)
    page = session.goto("/?period=last7&team=" + urllib.parse.quote(HOSTILE))
    loaded(page)
    expect(page.locator("#f-team")).to_have_value(HOSTILE)
    expect(page.locator("#json-twin-list a", has_text="onerror").first).to_be_attached()  # the URL, as text
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
