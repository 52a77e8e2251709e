"""`cxm drivers`: satisfaction by service band, and which service metric to fix first."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console


def drivers(
    ctx: typer.Context,
    survey: Annotated[str, typer.Option(help="csat or nps.")] = "csat",
    from_: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
    hours: Annotated[str, typer.Option(help="calendar or business hours for first response time.")] = "calendar",
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE, e.g. team=billing (repeatable; same DIM = or).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """CSAT or NPS by first response time, agent replies, reopens and channel, with intervals."""
    from cxmetrics.analyses.drivers import SURVEYS, fix_first, service_drivers, summary
    from cxmetrics.interfaces.cli.common import open_for_reading, parse_where
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    if survey not in SURVEYS:
        raise UsageError(f"--survey must be csat or nps, not {survey!r}")
    if hours not in ("calendar", "business"):
        raise UsageError(f"--hours must be calendar or business, not {hours!r}")
    filters = parse_where(where or [])
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    store = open_for_reading(ctx.obj)
    try:
        frame = service_drivers(store, survey=survey, from_=first, to=last, tz=tz, hours=hours, where=filters)
    finally:
        store.close()
    line = summary(frame)
    if fmt == "json":
        from cxmetrics.engine.records import to_records

        doc = {"survey": survey, "drivers": to_records(frame), "fix_first": fix_first(frame), "summary": line}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    _print_table(frame)
    console.print(line, highlight=False, markup=False)


def _print_table(frame) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cxmetrics.analyses.drivers import DRIVERS
    from cxmetrics.engine.records import to_records

    if frame.empty:
        return
    table = Table(show_lines=False)
    for c in ("driver", "band", "value", "n", "95% interval"):
        table.add_column(c, justify="left" if c in ("driver", "band") else "right")

    def f(v: float | None, unit: str) -> str:
        return "-" if v is None else (f"{v:.1f}%" if unit == "percent" else f"{v:.1f}")

    last = None
    for r in to_records(frame):
        label = DRIVERS.get(r["driver"], (r["driver"], None))[0]
        value = f(r["value"], r["unit"]) + (" (low n)" if r["low_sample"] else "")
        ci = f"{f(r['ci_low'], r['unit'])} - {f(r['ci_high'], r['unit'])}" if r["ci_low"] is not None else ""
        table.add_row(escape(label) if label != last else "", escape(str(r["band"])), value, f"{r['n']:,}", ci,
                      end_section=False)
        last = label
    console.print(table, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("drivers", cls=Command)(drivers)
