"""The monthly report (seed 004's template, done properly): HTML, PDF, Excel, JSON.

``build_report`` computes the report once as language-neutral data
(:mod:`cxmetrics.interfaces.report.data`); each format renders that data in one of the five
report languages. Nothing here runs at import time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.report.data import build_report, parse_period

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables
    from cxmetrics.interfaces.report.charts import SvgRenderer

FORMATS: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

__all__ = ["FORMATS", "build_report", "parse_period", "render", "render_report", "write_report"]


def render(data: dict[str, Any], fmt: str, lang: str = "en", *, svg: SvgRenderer | None = None) -> bytes:
    """One format of already-built report data (``svg``: where the HTML and PDF charts are drawn,
    :func:`~cxmetrics.interfaces.report.charts.render_svgs`)."""
    from cxmetrics.interfaces.i18n import normalise_lang

    lang = normalise_lang(lang)
    if fmt == "json":
        from cxmetrics.engine.counts import integral_counts

        return json.dumps(integral_counts(data), ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if fmt == "html":
        from cxmetrics.interfaces.report.html import render_html

        return render_html(data, lang, svg).encode("utf-8")
    if fmt == "pdf":
        from cxmetrics.interfaces.report.pdf import render_pdf

        return render_pdf(data, lang, svg=svg)
    if fmt == "xlsx":
        from cxmetrics.interfaces.report.xlsx import render_xlsx

        return render_xlsx(data, lang)
    raise UsageError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_report(store: Tables, fmt: str = "html", period: str | None = None, lang: str = "en", *,
                  tz: str | None = None) -> bytes:
    """Build and render the report of ``period`` (``YYYY-MM``; default the last complete month)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return render(build_report(store, period, tz=tz), fmt, lang)


def format_of(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise UsageError(f"cannot tell the report format from {path.name!r}; end it in .html, .pdf, .xlsx or .json")
    return fmt


def write_report(store: Tables, out: str | Path, period: str | None = None, lang: str = "en", *,
                 tz: str | None = None) -> Path:
    """Write the report to ``out``; the format follows the file's extension. The file is
    written whole or not at all (a temporary file renamed into place)."""
    path = Path(out)
    write_atomic(path, render_report(store, format_of(path), period, lang, tz=tz))
    return path


def write_atomic(path: Path, content: bytes) -> None:
    """Write the whole file or nothing: a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)
