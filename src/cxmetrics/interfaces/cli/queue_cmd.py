"""`cxm queue`: the open tickets now (analyses/queue.py)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console, parse_where

#: tickets shown per list in the table (JSON and CSV list them all unless --limit)
SHOWN = 15


def queue(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only this team's tickets (as --where team=TEAM).")] = None,
    soon: Annotated[int, typer.Option("--soon", help="Minutes ahead that count as breaching soon.")] = 60,
    tz: Annotated[str | None, typer.Option(help="Time zone of the times shown (default: cxm.toml, else UTC).")] = None,
    hours: Annotated[str, typer.Option(help="calendar or business: the hours of the [sla] targets when no "
                                            "[[sla.policies]] are set (policies have their own).")] = "calendar",
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE (repeatable; same DIM = or).")] = None,
    limit: Annotated[int | None, typer.Option(help="At most N tickets per list (oldest first).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv (csv: the open tickets).")] = "table",
) -> None:
    """The live queue: open tickets by age and status (waiting on us or on the customer),
    unassigned, SLA breaching within --soon minutes and already breached, today against the
    same weekday, per team. Now is the latest instant in the store."""
    from cxmetrics.analyses.queue import queue as build
    from cxmetrics.interfaces.cli.common import open_for_reading

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    if hours not in ("calendar", "business"):
        raise UsageError(f"--hours must be calendar or business, not {hours!r}")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}")
    filters = parse_where(where or [])
    store = open_for_reading(ctx.obj)
    try:
        out = build(store.engine(), tz=tz, hours=hours, soon_minutes=soon, where=filters, team=team, limit=limit)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        import pandas as pd

        from cxmetrics.analyses.comments import safe_cell

        frame = pd.DataFrame(out["tickets"])
        frame.map(safe_cell).to_csv(sys.stdout, index=False)
    else:
        _print(out)


def _age(seconds: float | None) -> str:
    from cxmetrics.periods.durations import human_duration

    return "-" if seconds is None else human_duration(seconds)


def _tickets(title: str, rows: list[dict[str, Any]], when: str, what: str) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    if not rows:
        console.print(f"{title}: none", highlight=False)
        return
    table = Table(title=f"{title} ({len(rows)})", box=box.SIMPLE_HEAD, pad_edge=False)
    for c in ("ticket", "age", "status", "agent", "team", "SLA", "at"):
        table.add_column(c, overflow="fold")
    for r in rows[:SHOWN]:
        table.add_row(*[escape(str(x)) if x is not None else "-" for x in (
            r["ticket_id"], _age(r["age_s"]), r["status"], r["agent_id"], r["team"], r.get(what),
            (r.get(when) or "")[:16].replace("T", " "))])
    console.print(table)
    if len(rows) > SHOWN:
        console.print(f"... and {len(rows) - SHOWN} more (--format json or csv lists them all)", highlight=False)


def _print(out: dict[str, Any]) -> None:
    console.print(f"Queue as of {out['as_of'][:16].replace('T', ' ')}: {out['open']} open, "
                  f"{out['waiting_on_us']} waiting on us, {out['unassigned']} unassigned", highlight=False)
    console.print("By age: " + ", ".join(f"{b['age_bucket']} {b['tickets']}" for b in out["by_age"]), highlight=False)
    console.print("By status: " + ", ".join(f"{s['status']} {s['tickets']} ({s['waiting_on']})"
                                            for s in out["by_status"]), highlight=False)
    _tickets(f"Breaching within {out['soon_minutes']} min", out["breaching_soon"], "next_breach_at",
             "next_breach_metric")
    _tickets("Breached", out["breached"], "breached_at", "breached_metric")
    t = out["today"]
    if t.get("date"):
        c, r = t["created"], t["resolved"]
        console.print(f"Today ({t['weekday']} {t['date']}): {c['so_far']} created (same weekday by now: "
                      f"{c['same_weekday_by_now']:.1f}, whole day {c['same_weekday_full_day']:.1f}), "
                      f"{r['so_far']} resolved (by now {r['same_weekday_by_now']:.1f}); mean of the last "
                      f"{t['weeks']} weeks", highlight=False)
    for tm in out["by_team"]:
        console.print(f"  {tm['team'] or 'no team'}: {tm['open']} open, {tm['unassigned']} unassigned, "
                      f"{tm['breaching_soon']} breaching soon, {tm['breached']} breached", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("queue", cls=Command)(queue)
