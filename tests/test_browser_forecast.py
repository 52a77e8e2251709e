"""The Forecast & staffing page in a real browser against a real ``cxm serve`` over a copy of the
small demo with a schedules table: the forecast per channel with its backtest (the API's own
figures), the heatmap's short hours highlighted where the API says fewer are scheduled than
required, per channel too (a live channel with its own schedule rows, an asynchronous one
without), the AHT backtest, the what-if moving the agent-hours, the JSON twin, another language.

Debian's Chromium only (never a downloaded browser); every request stays on the server.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.api_support import copy_store, empty_config
from tests.browser_support import CHROMIUM, LAUNCH_ARGS, SKIP_REASON, Session, shot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
expect = sync_api.expect
expect.set_options(timeout=120_000)  # a cold server fits and backtests on two shared cores

AGENTS = 4.0  # scheduled all day every day: short at the demo's busy hours, spare at night
CHAT_AGENTS = 1.0  # chat's own schedule rows (also in the pooled schedule): short at chat's busy hours


@pytest.fixture(scope="module")
def served(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from cxmetrics.analyses import forecast as fc
    from cxmetrics.settings import Config
    from cxmetrics.store import Store
    from tests.test_browser_period import ServerProcess

    directory = tmp_path_factory.mktemp("forecast-browser")
    db = copy_store(small_demo, directory)
    with Store(db, config=Config()) as s:
        last = dt.date.fromisoformat(fc.run(s.engine(), horizon=7, folds=0).meta["history_to"])
        stamps = pd.Timestamp(last + dt.timedelta(days=1)) + pd.to_timedelta(range(0, 28 * 24 * 60, 30), unit="min")
        res = s.import_frame("schedules", pd.DataFrame({"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                        "interval_minutes": 30, "agents": AGENTS}))
        assert res.rejected == 0
        res = s.import_frame("schedules", pd.DataFrame({"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                                        "interval_minutes": 30, "agents": CHAT_AGENTS,
                                                        "channel": "chat"}))
        assert res.rejected == 0
    server = ServerProcess(db, empty_config(directory))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def session(browser: Any, served: Any) -> Iterator[Session]:
    s = Session(browser, served.base)
    yield s
    try:
        s.check()
    finally:
        s.close()


def test_forecast_and_staffing_gaps_are_the_apis(session: Session, served: Any) -> None:
    page = session.goto("/forecast?horizon=28")
    summary = page.locator("#staff-summary")
    expect(summary).to_have_attribute("data-basis", "dates")
    day = served.get("/api/v1/forecast", [("horizon", "28"), ("by", "channel"), ("tz", "UTC"), ("grain", "day")])
    staff = served.get("/api/v1/forecast", [("horizon", "28"), ("by", "channel"), ("tz", "UTC"), ("grain", "hour"),
                                            ("staff", "true"), ("folds", "0")])
    # one chart per channel, the API's backtest figures
    channels = {r["channel"] for r in day["forecast"]}
    expect(page.locator(".fc-series")).to_have_count(len(channels))
    note = page.locator("#fc-backtest")
    assert float(note.get_attribute("data-mase")) == day["backtest"]["mase"] < 1
    assert 0.7 <= float(note.get_attribute("data-coverage80")) == day["backtest"]["coverage_80"] <= 0.9
    expect(page.locator("#fc-accuracy tbody tr")).to_have_count(len(channels))
    # the gaps: every short cell of the API is highlighted in the matrix, and only those
    cov = staff["coverage"]
    assert cov["basis"] == "dates" and cov["short_hours"] > 0
    assert int(summary.get_attribute("data-short-hours")) == cov["short_hours"]
    short = {(c["weekday"], c["hour"]) for c in cov["cells"] if c["gap"] < 0}
    assert 0 < len(short) < 7 * 24
    cells = page.locator("#staff-table td.short")
    expect(cells).to_have_count(len(short))
    got = {(int(cells.nth(i).get_attribute("data-weekday")), int(cells.nth(i).get_attribute("data-hour")))
           for i in range(cells.count())}
    assert got == short
    assert int(summary.get_attribute("data-agent-hours")) == sum(r["scheduled_agents"] for r in staff["staffing"])
    expect(page.locator("#staff-heatmap svg")).to_be_attached()
    twin = page.locator('#json-twin-list a[data-path="/api/v1/forecast"]')
    expect(twin).to_have_count(2)  # the daily forecast and the staffing
    shot(page, "forecast-staffing")


#: each matrix cell's figures as the page holds them
CELLS_JS = ("tds => tds.map(td => [Number(td.dataset.weekday), Number(td.dataset.hour), Number(td.dataset.requiredMax),"
            " td.dataset.scheduled === '' ? null : Number(td.dataset.scheduled),"
            " td.dataset.gap === '' ? null : Number(td.dataset.gap), td.classList.contains('short')])")


def api_cells(cov: dict[str, Any]) -> list[list[Any]]:
    known = cov["basis"] is not None
    return sorted([c["weekday"], c["hour"], c["required_max"], c["scheduled"], c["gap"], known and c["gap"] < 0]
                  for c in cov["cells"])


def test_channel_heatmaps_and_aht_backtest_are_the_apis(session: Session, served: Any) -> None:
    page = session.goto("/forecast?horizon=28&series=chat")
    box = page.locator("#staff-series")
    expect(box).to_have_attribute("data-shown", "chat")
    day = served.get("/api/v1/forecast", [("horizon", "28"), ("by", "channel"), ("tz", "UTC"), ("grain", "day")])
    staff = served.get("/api/v1/forecast", [("horizon", "28"), ("by", "channel"), ("tz", "UTC"), ("grain", "hour"),
                                            ("staff", "true"), ("folds", "0")])
    per = {s["channel"]: s for s in staff["coverage"]["series"]}
    # chat: live, Erlang C, against its own schedule rows, short where the API says so
    chat = per["chat"]
    assert chat["method"] == "erlang_c" and chat["basis"] == "dates" and chat["short_hours"] > 0
    assert box.get_attribute("data-method") == "erlang_c"
    assert int(box.get_attribute("data-short-hours")) == chat["short_hours"]
    expect(page.locator("#staff-series-method")).to_contain_text("Erlang C")
    cells = page.locator("#staff-series-table td")
    assert sorted(cells.evaluate_all(CELLS_JS)) == api_cells(chat)
    assert page.locator("#staff-series-table td.short").count() > 0
    expect(page.locator("#staff-series-heatmap svg")).to_be_attached()
    # e-mail: asynchronous, staffed against its response target, no schedule rows of its own
    page.select_option("#staff-series-pick", "email")
    expect(box).to_have_attribute("data-shown", "email")
    email = per["email"]
    assert email["method"] == "response_target" and email["basis"] is None
    assert box.get_attribute("data-method") == "response_target"
    expect(page.locator("#staff-series-method")).to_contain_text("response-time target over business hours")
    assert sorted(cells.evaluate_all(CELLS_JS)) == api_cells(email)
    assert "series=email" in page.url  # the pick survives a reload
    # the AHT backtest next to the volume backtest: overall and per channel, the API's figures
    abt = day["aht_backtest"]
    note = page.locator("#fc-aht-backtest")
    expect(note).to_have_attribute("data-mape", re.compile(r"\d"))
    assert float(note.get_attribute("data-mape")) == abt["mape"] and float(note.get_attribute("data-mase")) == abt["mase"]
    rows = page.locator("#fc-accuracy tbody tr")
    got = {r["key"]: (float(r["mape"]), float(r["mase"]))
           for r in rows.evaluate_all("trs => trs.map(tr => ({key: tr.dataset.key, mape: tr.dataset.ahtMape,"
                                      " mase: tr.dataset.ahtMase}))")}
    assert got == {s["channel"]: (s["mape"], s["mase"]) for s in abt["series"]}
    shot(page, "forecast-channel")


def test_what_if_moves_the_agent_hours(session: Session, served: Any) -> None:
    page = session.goto("/forecast?horizon=14&volume_change=30&aht_change=-10&series=web")
    summary = page.locator("#staff-summary")
    expect(summary).to_have_attribute("data-base-agent-hours", re.compile(r"\d+"))
    base, now = int(summary.get_attribute("data-base-agent-hours")), int(summary.get_attribute("data-agent-hours"))
    assert now > base
    expect(summary).to_contain_text("+30%")
    expect(page.locator("#fc-volume")).to_have_value("30")
    # the what-if applies to the channel's view as well: its cells are the what-if answer's
    box = page.locator("#staff-series")
    expect(box).to_have_attribute("data-shown", "web")
    assert int(box.get_attribute("data-agent-hours")) > int(box.get_attribute("data-base-agent-hours"))
    what_if = served.get("/api/v1/forecast", [("horizon", "14"), ("by", "channel"), ("tz", "UTC"), ("grain", "hour"),
                                              ("staff", "true"), ("folds", "0"), ("volume_change", "0.3"),
                                              ("aht_change", "-0.1")])
    web = next(s for s in what_if["coverage"]["series"] if s["channel"] == "web")
    assert sorted(page.locator("#staff-series-table td").evaluate_all(CELLS_JS)) == api_cells(web)
    assert int(box.get_attribute("data-agent-hours")) == sum(
        r["scheduled_agents"] for r in what_if["staffing"] if r["channel"] == "web")


def test_forecast_page_in_japanese(session: Session) -> None:
    page = session.goto("/forecast?lang=ja&horizon=7")
    expect(page.locator("h1")).to_have_text("予測と要員計画")
    expect(page.locator("#staff-summary")).to_have_attribute("data-basis", "dates")
    expect(page.locator("#period-statement")).to_contain_text("UTC")
