"""A survey answered end to end in a real browser (issue 16): `cxm survey link` makes the link,
`cxm serve` (a child process) hosts the page, Debian's Chromium on a phone-sized screen
opens the e-mail button ``LINK?score=N``, changes the score, writes a comment and sends it;
then `cxm metrics nps` counts the answer exactly once. No JavaScript is needed, none runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, LAUNCH_ARGS, SKIP_REASON, Session, shot

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    env["CXM_CONFIG"] = str(config)
    env.pop("CXM_SURVEY_SECRET", None)  # the key file beside the store signs the links
    return env


def cxm(db: Path, config: Path, *args: str) -> str:
    res = subprocess.run([sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(db), *args],
                         env=child_env(config), capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    return res.stdout


@contextlib.contextmanager
def serving(db: Path, config: Path, port: int) -> Iterator[Any]:
    """``cxm --db DB serve --port PORT`` in a child process until the block ends."""
    base = f"http://127.0.0.1:{port}"
    log = db.parent / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(db), "serve",
                                 "--port", str(port)], cwd=db.parent, env=child_env(config), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")[-2000:]
            try:
                with urllib.request.urlopen(base + "/api/v1/health", timeout=30):
                    break
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    db, config = tmp_path / "cx.duckdb", tmp_path / "cxm.toml"
    config.write_text("", encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    link = json.loads(cxm(db, config, "survey", "link", "--survey", "nps", "--customer", "C-42", "--lang", "fi",
                          "--base-url", base, "--format", "json"))
    with serving(db, config, port) as proc:
        yield {"db": db, "config": config, "base": base, "link": link, "proc": proc}


def test_a_survey_answered_in_the_browser_counts_once(served: dict[str, Any]) -> None:
    link = served["link"]
    assert link["url"].startswith(served["base"] + "/s/")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            s = Session(browser, served["base"], viewport={"width": 390, "height": 844}, is_mobile=True,
                        has_touch=True, java_script_enabled=False)
            page = s.page
            # the e-mail's button "3": recorded at once, the follow-up question shown
            page.goto(link["url"] + "?score=3")
            expect(page.locator("html")).to_have_attribute("lang", "fi")
            expect(page.get_by_role("status")).to_contain_text("arviosi 3 on tallennettu")
            expect(page.get_by_role("radio", name="3")).to_be_checked()
            shot(page, "survey-recorded")
            # a second click on another e-mail button changes the same answer
            page.goto(link["url"] + "?score=7")
            expect(page.get_by_role("radio", name="7")).to_be_checked()
            # the customer thinks again, chooses 10 and explains
            page.get_by_role("radio", name="10").click()  # a tap on the button "10"
            expect(page.get_by_role("radio", name="10")).to_be_checked()
            page.get_by_label("Mikä on tärkein syy arvioosi?").fill("Toimitus oli nopea <b>ja</b> ystävällinen")
            page.get_by_role("button", name="Lähetä").click()
            expect(page.get_by_role("heading")).to_have_text("Kiitos!")
            shot(page, "survey-sent")
            # the link is used up
            page.goto(link["url"] + "?score=0")
            expect(page.get_by_role("alert")).to_contain_text("on jo vastattu")
            s.check()
            s.close()
        finally:
            browser.close()
    served["proc"].terminate()
    served["proc"].wait(timeout=30)
    out = json.loads(cxm(served["db"], served["config"], "metrics", "nps", "--format", "json"))
    (rec,) = out["metrics"]
    assert rec["n"] == 1 and rec["value"] == 100  # one promoter, counted once
    comments = cxm(served["db"], served["config"], "comments", "--format", "json")
    assert "Toimitus oli nopea <b>ja</b> ystävällinen" in json.loads(comments)["comments"][0]["comment"]


def test_the_themes_page_shows_rising_themes(tmp_path: Path) -> None:
    from tests.test_themes import labelled_store

    db, config = labelled_store(tmp_path), tmp_path / "cxm.toml"
    config.write_text("", encoding="utf-8")
    port = free_port()
    with serving(db, config, port), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            s = Session(browser, f"http://127.0.0.1:{port}")
            page = s.goto("/themes?survey=nps&lang=en")
            expect(page.locator("#themes-table tbody tr").first).to_be_visible(timeout=90_000)
            rows = page.locator("#themes-table tbody tr")
            assert rows.count() >= 5 * 9
            expect(rows.filter(has_text="App and technical problems").first).to_contain_text("rising")
            shot(page, "themes")
            s.check()
            s.close()
        finally:
            browser.close()
