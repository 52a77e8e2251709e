"""`cxm report`: the monthly report as HTML, PDF, Excel or JSON, in five languages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cxmetrics.errors import UsageError, WriteFailed
from cxmetrics.interfaces.cli.common import Command, console

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
    if fmt in ("html", "pdf"):
        from cxmetrics.interfaces.report.charts import warm_up

        warm_up()
    tables = open_tables(ctx.obj)  # the store file, or Spark (--engine)
    try:
        data = build_report(tables, period, tz=tz)
    finally:
        tables.close()
    path = out if out is not None else Path(f"cx-report-{data['period']['start'][:7]}-{lang}.html")
    content = render(data, fmt, lang)
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


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP, cls=Command)(report)
