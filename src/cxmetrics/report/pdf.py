"""The monthly report as an A4 PDF: WeasyPrint over the very HTML of :mod:`cxmetrics.report.html`.

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

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


def html_to_pdf(html: str) -> bytes:
    """A4 PDF bytes of a self-contained HTML page (no network, no local files read)."""
    with _quiet():
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        fetcher = URLFetcher(allowed_protocols={"data"})
        pdf = HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf()
    return bytes(pdf or b"")


def render_pdf(data: dict[str, Any], lang: str = "en") -> bytes:
    """The report of already-built ``data`` as A4 PDF bytes in ``lang``."""
    from cxmetrics.report.html import render_html

    return html_to_pdf(render_html(data, lang))
