"""`cxm customer ID`: one customer's timeline across channels, with satisfaction changes."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console


def _jsonable(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def customer(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer's id (customers.customer_id).")],
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    tz: Annotated[str | None, typer.Option(help="Time zone of the times shown (default: cxm.toml, else UTC).")] = None,
    threshold: Annotated[float, typer.Option(help="Mark a satisfaction change beyond this share of the scale.")] = 0.25,
) -> None:
    """Show every ticket, message, call, survey answer and order of one customer in time order."""
    from cxmetrics.analyses.timeline import customer_timeline
    from cxmetrics.settings import zone

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    if not 0 < threshold < 1:
        raise UsageError("--threshold must be between 0 and 1 (a share of the scale)")
    if tz is not None:
        zone(tz)
    store = ctx.obj.open_store(read_only=True)
    try:
        df = customer_timeline(store, customer_id, tz, threshold=threshold)
    finally:
        store.close()
    if fmt == "json":
        events = [{k: _jsonable(v) for k, v in row.items()} for row in df.to_dict("records")]
        sys.stdout.write(json.dumps({"customer_id": customer_id, "events": events}, ensure_ascii=False) + "\n")
        return
    _print(customer_id, df)


def _print(customer_id: str, df: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Customer {escape(customer_id)}", show_lines=False)
    for c in ("time", "kind", "channel", "ticket", "what happened", "satisfaction"):
        table.add_column(c)
    for r in df.itertuples():
        mark = ""
        if r.change is not None:
            arrow = "[red]v drop[/]" if r.change == "drop" else "[green]^ rise[/]"
            mark = f"{arrow} {r.change_by:+.2f}"
        elif r.satisfaction is not None:
            mark = f"{r.satisfaction:.2f}"
        table.add_row(f"{r.time:%Y-%m-%d %H:%M}", r.kind.replace("_", " "), escape(r.channel or ""),
                      escape(r.ticket_id or ""), escape(r.summary or ""), mark)
    console.print(table)
    changes = df[df["change"].notna()]
    if len(changes):
        console.print("\n[bold]Where satisfaction changed[/] (normalised 0-1 score moved more than the threshold):")
        for r in changes.itertuples():
            console.print(f"  {r.time:%Y-%m-%d %H:%M} {r.change} {r.change_by:+.2f}: {escape(r.summary)}",
                          highlight=False)
            for line in r.before or []:
                console.print(f"      after {escape(line)}", highlight=False)
            if not r.before:
                console.print("      (nothing recorded since the previous answer)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("customer", cls=Command)(customer)
