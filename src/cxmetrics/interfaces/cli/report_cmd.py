"""`cxm report`: the monthly report as HTML, PDF, Excel or JSON, in five languages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cxmetrics.errors import ReportError, UsageError, WriteFailed
from cxmetrics.interfaces.cli.common import Command, console

if TYPE_CHECKING:
    from collections.abc import Callable

    from cxmetrics.interfaces.cli.common import State
    from cxmetrics.interfaces.report.parallel import SectionsProcess
    from cxmetrics.store import Store

HELP = """Write the monthly report of one month (default: the last complete month).

The format follows the --out extension: .html (one self-contained file, works
offline), .pdf (A4), .xlsx (all metrics by month, ticket volume by category with
a native line chart, formulas with live calculators, the data) or .json (the
report's data, the twin every format renders). Sections without data (no
surveys, calls, customers or carts imported) are left out with a line saying why.
"""


def report(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="Month to report, YYYY-MM (default: the last complete month).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output file: .html, .pdf, .xlsx or .json (default: cx-report-YYYY-MM-LANG.html).")] = None,
    lang: Annotated[str, typer.Option(help="Language: en, ja, zh-Hant, it or fi.")] = "en",
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
) -> None:
    from cxmetrics.interfaces.cli.common import open_tables
    from cxmetrics.interfaces.i18n import normalise_lang
    from cxmetrics.interfaces.report import build_report, format_of, parse_period, render, write_atomic

    lang = normalise_lang(lang)
    parse_period(period)
    fmt = format_of(out) if out is not None else "html"
    if out is not None and out.parent != Path() and not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: the folder {out.parent} does not exist")
    started = time.perf_counter()
    helper = None
    charts = fmt in ("html", "pdf")
    if ctx.obj.config().engine.kind != "spark":  # first: a fork before any thread or store
        from cxmetrics.interfaces.report.parallel import SectionsProcess, draw_in

        helper = SectionsProcess.start(lambda: _snapshot(ctx.obj), period, tz, charts=charts)
    try:
        if charts and helper is None:
            from cxmetrics.interfaces.report.charts import warm_up

            warm_up()
        tables = open_tables(ctx.obj)  # the store file, or Spark (--engine)
        try:
            data = build_report(tables, period, tz=tz, detached=helper.receiver(tables) if helper else None,
                                on_trends=_predraw(helper, lang) if helper is not None and charts else None)
        finally:
            tables.close()
        path = out if out is not None else Path(f"cx-report-{data['period']['start'][:7]}-{lang}.html")
        if helper is not None and charts:
            helper.collect()  # the trend charts it drew meanwhile
        content = render(data, fmt, lang, svg=draw_in([helper]) if helper is not None and charts else None)
    finally:
        if helper is not None:
            helper.close()
    try:
        write_atomic(path, content)
    except OSError as e:
        raise WriteFailed(f"cannot write {path}: {e.strerror or e}") from None
    took = time.perf_counter() - started
    shown = ", ".join(data["sections"]) or "none"
    console.print(f"Wrote the {data['period']['start'][:7]} report ({fmt.upper()}, {lang}) to "
                  f"[bold]{path.resolve()}[/] in {took:.1f} s; sections: {shown}.", highlight=False)
    for o in data["omitted"]:
        console.print(f"  left out: {o['section']} ({o['reason'].replace('_', ' ')})", highlight=False)


def _predraw(helper: SectionsProcess, lang: str) -> Callable[[list[str], dict[str, Any]], None]:
    """The trend charts (half the drawing) asked of the second process as soon as their data is
    known: it draws them while this process computes the rest (the specs the page will have)."""
    def draw(months: list[str], trends: dict[str, Any]) -> None:
        from cxmetrics.interfaces.i18n import translator
        from cxmetrics.interfaces.report import charts

        tr = translator(lang)
        data = {"months": months, "trends": trends}
        specs = [s for s in (charts.spec_trends(data, tr, section) for section in trends) if s is not None]
        helper.predraw(*charts.to_draw(specs, tr))
    return draw


def _snapshot(state: State) -> Store:
    """The store for the report's second process: read-only, with current facts (else it leaves
    the sections to the first process, which derives the facts as any reader does)."""
    store = state.open_store(read_only=True)
    if store.stored_facts(refresh=False) is None:
        store.close()
        raise ReportError("stale facts")
    return store


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP, cls=Command)(report)
