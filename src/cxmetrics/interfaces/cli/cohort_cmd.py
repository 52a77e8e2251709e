"""`cxm cohort`: retention and repeat purchase by acquisition-month cohort."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console


def cohort(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(help="Months since acquisition to show (0..N).")] = 12,
    by: Annotated[str | None, typer.Option("--by", help="Split cohorts by segment, plan, country or acquisition_channel.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First acquisition date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last acquisition date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Time zone of the calendar months (default: cxm.toml, else UTC).")] = None,
    show: Annotated[str, typer.Option(help="Table cells: retention (% active) or repeat (% repeat purchase).")] = "retention",
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Cohort table: customers still active and repeat purchase by months since acquisition."""
    from cxmetrics.analyses.cohorts import cohort_table
    from cxmetrics.interfaces.cli.common import open_for_reading
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    if show not in ("retention", "repeat"):
        raise UsageError(f"--show must be retention or repeat, not {show!r}")
    if months < 0:
        raise UsageError("--months must be 0 or more")
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    store = open_for_reading(ctx.obj)
    try:
        frame = cohort_table(store, months=months, by=by, tz=tz, from_=first, to=last)
    finally:
        store.close()
    if fmt == "json":
        from cxmetrics.engine.records import to_records

        sys.stdout.write(json.dumps({"cohorts": to_records(frame)}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        _print(frame, by, months, show)


def _print(frame, by: str | None, months: int, show: str) -> None:
    from rich.table import Table

    if frame.empty:
        console.print("No customers in the store (import the customers table first).")
        return
    col = "retention" if show == "retention" else "repeat_purchase_rate"
    keys = ["cohort_month", *([by] if by else [])]
    last = int(frame["months_since_acquisition"].max())
    table = Table(title="% of the cohort still active" if show == "retention" else "% repeat buyers of buyers")
    for k in keys:
        table.add_column(k)
    table.add_column("customers", justify="right")
    for m in range(min(months, last) + 1):
        table.add_column(f"m{m}", justify="right")
    for key, g in frame.groupby(keys, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        cells = dict(zip(g["months_since_acquisition"], g[col], strict=True))
        row = ["-" if v is None or v != v else str(v) for v in key] + [f"{int(g['customers'].iloc[0]):,}"]
        row += [f"{cells[m]:.1f}" if m in cells and cells[m] == cells[m] else "" for m in range(min(months, last) + 1)]
        table.add_row(*row)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("cohort", cls=Command)(cohort)
