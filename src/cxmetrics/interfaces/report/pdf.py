"""The monthly report as an A4 PDF, printed from the very HTML of :mod:`cxmetrics.interfaces.report.html`.

Two printers, same HTML and print stylesheet: headless Chromium when the machine
has one (about three times faster: 2-3 s for the demo report against 5-8 s, which
keeps ``cxm report --out x.pdf`` near the 10 s budget) and WeasyPrint, a library,
everywhere else. WeasyPrint is optional (``pip install 'cxmetrics[pdf]'``); with
neither printer a PDF request fails with one line saying how to get either. ``CXM_PDF_ENGINE=chromium|weasyprint`` (or the ``engine``
argument) picks one; ``CXM_CHROMIUM`` names the browser binary. Chromium runs
with a throwaway profile, no background networking and the page from a temporary
file, so nothing is fetched.

The stylesheet's ``@page`` and ``@media print`` rules give the PDF its A4 pages,
margins, running title and page numbers, page breaks between sections and charts
and table rows that are never split. Charts are the same inline SVG, drawn by
WeasyPrint as vectors; the font stacks name CJK-capable fonts (WenQuanYi Micro Hei,
Noto Sans CJK) so Japanese and Traditional Chinese are embedded, not tofu.

WeasyPrint only fetches ``data:`` URLs here (the HTML needs nothing else), and its
logger chatter and Python warnings (unsupported CSS properties, font subsetting
notes) are kept out of the caller's output.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import PdfError
from cxmetrics.extras import MissingExtra, require

if TYPE_CHECKING:
    from cxmetrics.interfaces.report.charts import SvgRenderer

#: loggers of WeasyPrint and the font tools it drives; raised to ERROR while rendering
NOISY_LOGGERS = ("weasyprint", "weasyprint.progress", "fontTools", "fontTools.subset", "fontTools.ttLib")


@contextmanager
def _quiet() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


ENGINES = ("auto", "chromium", "weasyprint")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    explicit = os.environ.get("CXM_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, engine: str | None = None) -> bytes:
    """A4 PDF bytes of a self-contained HTML page (no network, no local files read)."""
    engine = engine or os.environ.get("CXM_PDF_ENGINE") or "auto"
    if engine not in ENGINES:
        raise PdfError(f"unknown PDF engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine != "weasyprint":
        exe = chromium_path()
        if exe is not None:
            try:
                return chromium_pdf(html, exe)
            except PdfError:
                if engine == "chromium" or not has_weasyprint():
                    raise
        elif engine == "chromium":
            raise PdfError("no Chromium found (install chromium or set CXM_CHROMIUM)")
        elif not has_weasyprint():
            raise PdfError("no PDF printer: install Chromium (Debian: apt-get install chromium) "
                           "or WeasyPrint: pip install 'cxmetrics[pdf]'")
    return weasyprint_pdf(html)


def has_weasyprint() -> bool:
    """Whether the optional WeasyPrint printer (the ``pdf`` extra) is installed."""
    try:
        return importlib.util.find_spec("weasyprint") is not None
    except ValueError:  # in sys.modules as None: deliberately hidden
        return False


def chromium_pdf(html: str, exe: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="cxm-pdf-") as tmp:
        page, out = os.path.join(tmp, "report.html"), os.path.join(tmp, "report.pdf")
        with open(page, "w", encoding="utf-8") as f:
            f.write(html)
        cmd = [exe, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
               f"--user-data-dir={os.path.join(tmp, 'profile')}", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", "file://" + page]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to sandbox as root
            cmd.insert(1, "--no-sandbox")
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=180, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PdfError(f"Chromium could not print the report: {e}") from None
        if proc.returncode != 0 or not os.path.exists(out):
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise PdfError(f"Chromium could not print the report (exit {proc.returncode}): {tail[0]}")
        with open(out, "rb") as f:
            return f.read()


def weasyprint_pdf(html: str) -> bytes:
    with _quiet():
        try:
            require("weasyprint")
        except MissingExtra as e:
            raise PdfError(str(e)) from None
        except OSError as e:  # installed, but Pango or another system library is missing
            raise PdfError(f"WeasyPrint cannot load its system libraries ({e}); on Debian: "
                           "apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        fetcher = URLFetcher(allowed_protocols={"data"})
        pdf = HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf()
    return bytes(pdf or b"")


def render_pdf(data: dict[str, Any], lang: str = "en", engine: str | None = None,
               svg: SvgRenderer | None = None) -> bytes:
    """The report of already-built ``data`` as A4 PDF bytes in ``lang``."""
    from cxmetrics.interfaces.report.html import render_html

    return html_to_pdf(render_html(data, lang, svg), engine)
