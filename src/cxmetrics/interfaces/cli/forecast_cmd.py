"""`cxm forecast`: contacts per hour or day ahead, with 80/95% intervals, their backtest and
the staffing they need. The model is :mod:`cxmetrics.analyses.forecast`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import State, console, open_for_reading


def parse_events(items: list[str] | None) -> dict[dt.date, float]:
    """``DATE=FACTOR`` options (``2026-12-24=0.5``) as a dict; a bad one is a usage error."""
    from cxmetrics.periods.dates import parse_date

    out: dict[dt.date, float] = {}
    for item in items or []:
        day, sep, factor = item.partition("=")
        try:
            value = float(factor)
        except ValueError:
            value = -1.0
        d = parse_date(day.strip(), "--event") if sep else None
        if d is None or value < 0:
            raise UsageError(f"--event expects DATE=FACTOR such as 2026-12-24=0.5 (0 = closed), not {item!r}")
        out[d] = value
    return out


def forecast_command(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option(help="Days ahead (whatever the grain): 7 to 84 for 1 to 12 weeks.")] = 28,
    grain: Annotated[str, typer.Option(help="hour or day.")] = "hour",
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Forecast each value of a dimension: channel, category... for tickets; queue or topic "
                     "for calls; channel or queue for interval_volumes (repeatable).")] = None,
    source: Annotated[str, typer.Option(
        help="auto (tickets, else calls, else interval_volumes), tickets, calls or interval_volumes.")] = "auto",
    model: Annotated[str, typer.Option(
        help="weekly_mean (chosen by backtest, docs/forecasting.md), seasonal_naive or ets.")] = "weekly_mean",
    country: Annotated[str | None, typer.Option(
        help="Public holidays of this country (ISO code, e.g. US); default business_hours.country.")] = None,
    event: Annotated[list[str] | None, typer.Option(
        "--event", help="A known event: DATE=FACTOR multiplies that day's forecast (0 = closed; repeatable).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone of the hours (default: the timezone setting).")] = None,
    folds: Annotated[int, typer.Option(help="Held-out windows of the backtest, each --horizon days (0: none).")] = 4,
    staff: Annotated[bool, typer.Option(
        "--staff", help="Add the agents each forecast hour needs ([staffing] settings): live channels by Erlang C "
                        "(Erlang A where patience is set), asynchronous ones (e-mail) against their response-time "
                        "target over business hours; and required against scheduled by hour of the week.")] = False,
    aht: Annotated[float | None, typer.Option(
        help="AHT in seconds for --staff where the data has no handle times (or to override them).")] = None,
    volume_change: Annotated[float, typer.Option(
        help="What-if for --staff: +0.1 staffs 10% more contacts than forecast.", min=-0.99, max=10)] = 0.0,
    aht_change: Annotated[float, typer.Option(
        help="What-if for --staff: -0.1 staffs a 10% shorter handle time.", min=-0.99, max=10)] = 0.0,
    fmt: Annotated[str, typer.Option(
        "--format", help="table or json ({\"forecast\": [...], \"backtest\": {...}, ...}).")] = "table",
) -> None:
    """Forecast contacts per hour or day, with 80% and 95% intervals and a backtest.

    The backtest holds out the last --folds windows of --horizon days and reports the
    MASE against the seasonal-naive forecast (below 1 is better) and how often the
    intervals held the real counts. Closed hours and closed public holidays forecast zero.
    """
    from cxmetrics.analyses.forecast import run
    from cxmetrics.analyses.plan import plan_with_coverage

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    if staff and grain != "hour":
        raise UsageError("--staff needs --grain hour (agents are staffed per interval)")
    events = parse_events(event)
    state: State = ctx.obj if isinstance(ctx.obj, State) else State()
    store = open_for_reading(state)
    try:
        engine = store.engine()
        status = console.status("Forecasting and backtesting...", spinner="dots")
        with status if fmt == "table" else contextlib.nullcontext():
            result = run(engine, horizon=horizon, grain=grain, by=list(by or ()), source=source, model=model,
                         tz=tz, country=country, folds=folds, events=events)
        out = result.to_json()
        if staff:
            out |= plan_with_coverage(result, engine, aht=aht, volume_factor=1 + volume_change,
                                      aht_factor=1 + aht_change)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    _table(out)


def _num(v: Any, digits: int = 1) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def _table(out: dict[str, Any]) -> None:
    from rich.table import Table

    bt = out["backtest"]
    dims = out["by"]
    console.print(f"Forecast of {out['source']} per {out['grain']}, {out['horizon_days']} days from "
                  f"{out['history_to']} ({out['timezone']}), model {out['model']}", highlight=False)
    if bt and bt.get("points"):
        console.print(f"Backtest ({bt['folds']} x {bt['horizon_days']} days held out, {bt['points']:,} points): "
                      f"MASE {_num(bt['mase'], 3)} vs seasonal naive; 80% interval held "
                      f"{_num(100 * bt['coverage_80'])}%, 95% held {_num(100 * bt['coverage_95'])}%",
                      highlight=False)
    else:
        console.print("Backtest: not enough history for a held-out window of this horizon.", highlight=False)
    # a compact view: per day (and dimension) totals; the JSON has every hour
    import pandas as pd

    f = pd.DataFrame(out["forecast"])
    if f.empty:
        return
    f["day"] = f["period_start"].str.slice(0, 10)
    g = f.groupby([*dims, "day"], sort=True)[["value"]].sum().reset_index()
    t = Table()
    for c in (*dims, "day", "forecast"):
        t.add_column(c, justify="right" if c == "forecast" else "left")
    for r in g.head(60).itertuples(index=False):
        t.add_row(*[str(x) for x in r[:-1]], _num(r[-1], 0))
    console.print(t)
    if len(g) > 60:
        console.print(f"... {len(g) - 60} more rows: use --format json for every period and interval.")
    if out.get("staffing"):
        peak = max(out["staffing"], key=lambda r: r["scheduled_agents"])
        console.print(f"Peak staffing: {peak['scheduled_agents']} scheduled agents at {peak['period_start']}"
                      + "".join(f" {peak[d]}" for d in dims), highlight=False)
        cov = out["coverage"]
        if cov["basis"]:
            short = [c for c in cov["cells"] if c["short_hours"]]
            days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            worst = sorted(short, key=lambda c: c["gap"])[:5]
            console.print(f"Schedule ({cov['basis'].replace('_', ' ')}): {cov['short_hours']} of {cov['hours']} "
                          "forecast hours have fewer agents scheduled than required"
                          + ("; worst: " + ", ".join(f"{days[c['weekday'] - 1]} {c['hour']:02d}:00 "
                                                     f"({c['gap']:+.1f})" for c in worst) if worst else ""),
                          highlight=False)
        else:
            console.print("No schedules imported: cxm import schedules FILE compares them with these needs.",
                          highlight=False)


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast_command)
