"""`cxm agents`: per agent and per team, the support figures of the period (analyses/agents.py)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console, parse_where

#: figure -> table heading; the table shows these (80 columns), JSON and CSV every figure
HEADINGS = {"tickets_handled": "handled", "tickets_resolved": "solved", "first_response_time": "1st reply",
            "resolution_time": "resolve", "fcr_rate": "FCR", "csat": "CSAT", "sla_attainment": "SLA",
            "open": "open"}


def agents(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only this team's tickets (as --where team=TEAM).")] = None,
    grain: Annotated[str, typer.Option(help="total (default), day, week, month, quarter or year.")] = "total",
    from_: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
    hours: Annotated[str, typer.Option(help="calendar or business hours for durations.")] = "calendar",
    stat: Annotated[str, typer.Option(help="Duration statistic: mean, median or p90.")] = "median",
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE (repeatable; same DIM = or).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    comments: Annotated[int | None, typer.Option(
        min=0, help="JSON: at most N newest CSAT/NPS comments listed per agent (default: all; 0: none).")] = None,
) -> None:
    """Per agent and per team: tickets handled and solved, first response and resolution time,
    FCR, replies, handle time, CSAT, SLA attainment and open backlog, each the record of
    `cxm metrics ... --by agent` (or `--by team`), with n, intervals, low-n flags and the
    median of each team's agents."""
    from cxmetrics.analyses.agents import agents as table
    from cxmetrics.interfaces.cli.common import open_for_reading
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    filters = parse_where(where or [])
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    store = open_for_reading(ctx.obj)
    try:
        out = table(store.engine(), grain=grain, from_=first, to=last, tz=tz, hours=hours, stat=stat,
                    where=filters, team=team, comments=0 if fmt == "table" else comments)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        write_csv(out, sys.stdout)
    else:
        _print(out, business=hours == "business")


def write_csv(out: dict[str, Any], stream: Any) -> None:
    """One line per agent, then one per team (``row`` = agent or team); ``low_n`` joined by spaces;
    of the comments, their number (the JSON lists them)."""
    import pandas as pd

    rows = [{"row": "agent", **{k: (" ".join(v) if k == "low_n" else v) for k, v in r.items() if k != "comments"}}
            for r in out["agents"]]
    rows += [{"row": "team", **{k: (" ".join(v) if k == "low_n" else v) for k, v in r.items()
                                if k != "median_of_agents"},
              **{f"{k}_median_of_agents": v for k, v in r["median_of_agents"].items()}} for r in out["teams"]]
    pd.DataFrame(rows).to_csv(stream, index=False)


def _cell(row: dict[str, Any], fig: str, metric: str, business: bool) -> str:
    from cxmetrics.interfaces.cli.metrics_cmd import format_value
    from cxmetrics.metrics.registry import get

    v = row.get(fig)
    unit = get(metric).unit
    if unit == "percent" and isinstance(v, (int, float)):  # whole percents: the table must fit 80 columns
        return f"{v:.0f}%" + ("*" if fig in row.get("low_n", []) else "")
    text = format_value(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v, get(metric).unit, business)
    return text + ("*" if fig in row.get("low_n", []) else "")


def _print(out: dict[str, Any], business: bool) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    figs = [(f, m) for f, m in out["figures"].items() if f in HEADINGS]
    if not out["agents"]:
        console.print("No tickets in the period.", highlight=False)
        return
    periods = out["grain"] != "total"
    for title, rows, key in (("Agents", out["agents"], "agent"), ("Teams", out["teams"], "team")):
        table = Table(title=title, show_lines=False, padding=(0, 1), pad_edge=False, box=box.SIMPLE_HEAD)
        heads = ([key] if key == "team" else ["agent", "team"]) + (["period"] if periods else [])
        for h in heads:
            table.add_column(h, overflow="fold", min_width=4)
        for fig, _ in figs:
            table.add_column(HEADINGS.get(fig, fig), justify="right", no_wrap=True)
        for r in rows:
            names = [escape(str(r[key])) if r[key] is not None else "none"]
            if key == "agent":
                names.append(escape(str(r["team"])) if r["team"] is not None else "-")
            if periods:
                names.append(str(r["period_start"] or ""))
            table.add_row(*names, *[_cell(r, fig, metric, business) for fig, metric in figs])
            if key == "team":
                med = r["median_of_agents"]
                table.add_row(" median", *([""] if periods else []),
                              *[_cell({fig: med.get(fig)}, fig, metric, business) for fig, metric in figs],
                              style="dim")
        console.print(table)
    console.print("* fewer than 30 observations: compare with care. median: the median of the team's "
                  "agents. Figures are the records of `cxm metrics --by agent` (`--by team`); --format json "
                  "or csv adds replies, handle time, n and intervals.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("agents", cls=Command)(agents)
