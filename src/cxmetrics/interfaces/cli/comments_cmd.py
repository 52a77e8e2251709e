"""`cxm comments`: list or export the survey comments behind a number.

Comments are user text: the table escapes Rich markup and the CSV neutralises
spreadsheet formulas (:func:`cxmetrics.analyses.comments.safe_cell`).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console, parse_where


def comments(
    ctx: typer.Context,
    survey: Annotated[str | None, typer.Option(help="Survey name or type (nps, csat, ces, ...).")] = None,
    group: Annotated[str | None, typer.Option(
        help="promoter, passive, detractor, satisfied, unsatisfied, low_effort or high_effort.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE, e.g. agent=a7 (repeatable; same DIM = or).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most N comments (newest first).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """List survey comments with their score, ticket and customer, newest first."""
    from cxmetrics.analyses.comments import comments as find
    from cxmetrics.interfaces.cli.common import open_for_reading
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}")
    filters = parse_where(where or [])
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    store = open_for_reading(ctx.obj)
    try:
        frame = find(store, survey=survey, group=group, from_=first, to=last, tz=tz, where=filters, limit=limit)
    finally:
        store.close()
    if fmt == "json":
        from cxmetrics.engine.records import to_records

        sys.stdout.write(json.dumps({"comments": to_records(frame)}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        from cxmetrics.analyses.comments import write_csv

        write_csv(frame, sys.stdout)
    else:
        _print_table(frame)


def _print_table(frame) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cxmetrics.engine.records import to_records

    if frame.empty:
        console.print("No comments match.", highlight=False)
        return
    # Four columns so the comment keeps most of an 80-column terminal; JSON and CSV
    # carry every field separately (and the full timestamp with its offset).
    table = Table(show_lines=True)
    table.add_column("responded", no_wrap=True)
    table.add_column("answer", no_wrap=True)
    table.add_column("comment", ratio=1, min_width=24, overflow="fold")
    table.add_column("ticket", overflow="fold")
    for r in to_records(frame):
        score = r["score"]
        answer = f"{r['survey']} {'-' if score is None else f'{score:g}'}\n{r['group'] or ''}"
        when = r["responded_at"][:16].replace("T", "\n")
        parts = [r["ticket_id"], r["agent_id"] and f"agent {r['agent_id']}", r["channel"]]
        where = "\n".join(str(p) for p in parts if p) or "-"
        table.add_row(*[escape(c) for c in (when, answer, r["comment"], where)])
    console.print(table, highlight=False)
    console.print(f"{len(frame)} comment(s), newest first.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("comments", cls=Command)(comments)
