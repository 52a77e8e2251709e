"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright (never a
downloaded browser, never the internet), a context that records every request, and
screenshots in test-artifacts/ (kept out of git)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
SKIP_REASON = "needs Debian's /usr/bin/chromium (apt install chromium); the tests never download a browser"

#: Recorded by every page before its own scripts run: CSP violations and script errors.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
});
"""


class Session:
    """A browser context that records every request and checks, at the end, that all of
    them stayed on the local server and that no page broke its CSP or threw."""

    def __init__(self, browser: Any, base: str, **kw: Any) -> None:
        kw.setdefault("viewport", {"width": 1366, "height": 900})
        self.base = base
        self.context = browser.new_context(accept_downloads=True, **kw)
        self.context.add_init_script(WATCH)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_default_timeout(60_000)

    def goto(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def check(self) -> None:
        outside = [u for u in self.requests if not (u.startswith(self.base + "/") or u.startswith(("data:", "blob:")))]
        assert not outside, f"requests left the local server: {outside[:5]}"
        with contextlib.suppress(Exception):
            assert self.page.evaluate("window.__csp || []") == [], "Content-Security-Policy violations"
        assert not self.errors, self.errors

    def close(self) -> None:
        self.context.close()


def shot(page: Any, name: str, full: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)
