"""`cxm sync SOURCE --url BASE_URL [--since DATE] [--full]`: pull a help desk into the store.

Exit codes as `cxm import`: 0 synced cleanly; 1 failed (pages committed before the failure
stay, and the next run resumes after them); 2 usage error; 3 synced, some rows quarantined.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from cxmetrics.errors import UsageError
from cxmetrics.ingest.connectors import names as source_names
from cxmetrics.interfaces.cli.common import Command, console, err_console


def register(app: typer.Typer) -> None:
    app.command("sync", cls=Command)(sync_command)


def parse_since(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        d = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since must be a date such as 2024-01-31, not {value!r}") from None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


def sync_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=f"Help desk: {', '.join(source_names())}.")],
    url: Annotated[str, typer.Option("--url", help="The help desk's base URL, e.g. https://acme.zendesk.com.")],
    since: Annotated[str | None, typer.Option("--since", help="First run: only what changed from this date "
                                                              "(UTC unless it has an offset); default everything.")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore the stored cursors and read everything again "
                                                      "(from --since).")] = False,
) -> None:
    """Sync tickets, messages, status changes, ratings and customers from a help desk (docs/connectors.md)."""
    from cxmetrics.ingest import connectors

    run = connectors.get(source)
    start = parse_since(since)
    store = ctx.obj.open_store()
    try:
        with err_console.status(f"syncing {source}...", spinner="dots") as status:
            def progress(stream: str, pages: int) -> None:
                status.update(f"syncing {source}: {stream} ({pages} pages)")

            res = run(store, url, since=start, full=full, progress=progress)
    finally:
        store.close()
    summary(res)
    raise typer.Exit(res.exit_code)


def summary(res: Any) -> None:
    kind = "incremental" if res.incremental else "full"
    console.print(f"[bold]{res.source}[/] {res.url}  ({kind}; {res.requests} requests, {res.retries} retried, "
                  f"{res.pages} pages, {res.seconds:.1f}s)", highlight=False, soft_wrap=True)
    t = Table(show_edge=False, pad_edge=False, box=None)
    for col in ("table", "read", "inserted", "updated", "unchanged", "removed", "quarantined"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for name, c in sorted(res.tables.items()):
        t.add_row(name, f"{c.read:,}", f"{c.inserted:,}", f"{c.updated:,}", f"{c.unchanged:,}", f"{c.removed:,}",
                  f"[red]{c.quarantined:,}[/]" if c.quarantined else "0")
    console.print(t)
    if res.quarantined:
        console.print("  quarantined rows are in table _quarantine (import ids "
                      f"{', '.join(map(str, res.import_ids[:5]))}{'...' if len(res.import_ids) > 5 else ''})",
                      highlight=False)
