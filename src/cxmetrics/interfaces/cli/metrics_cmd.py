"""`cxm metrics`, `cxm catalog`, `cxm explain`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console, parse_where


def format_value(v: object, unit: str | None, business: bool = False) -> str:
    """A table cell; ``business``: a duration in business hours (hours and minutes, never days)."""
    if v is None:
        return "-"
    if isinstance(v, float):
        if unit == "seconds":
            from cxmetrics.periods.durations import human_duration

            return human_duration(v, business=business)
        if unit == "percent":
            return f"{v:.1f}%"
        return f"{v:,.2f}" if v != int(v) else f"{int(v):,}"
    return str(v)


def metrics(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Metric ids (default: all); variants as ID:VARIANT.")] = None,
    grain: Annotated[str, typer.Option(help="day, week, month, quarter, year or total.")] = "month",
    by: Annotated[list[str] | None, typer.Option("--by", help="Slice by a dimension (repeatable).")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
    hours: Annotated[str, typer.Option(help="calendar or business hours for durations.")] = "calendar",
    stat: Annotated[str, typer.Option(help="Duration statistic in `value`: mean, median or p90.")] = "median",
    where: Annotated[list[str] | None, typer.Option("--where", help="Filter DIM=VALUE (repeatable; same DIM = or).")] = None,
    compare: Annotated[str | None, typer.Option(help="Compare with the previous period or the same period a year before: previous or year.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Compute metrics from the store (or on Spark: --engine)."""
    from cxmetrics.engine.records import to_records
    from cxmetrics.metrics.registry import get
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"--format must be table, json or csv, not {fmt!r}")
    for i in ids or []:
        get(i)
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    from cxmetrics.interfaces.cli.common import open_tables

    tables = open_tables(ctx.obj)  # the store file, or Spark (--engine)
    try:
        frame = tables.engine().frame(ids or None, grain=grain, by=by or [], from_=first, to=last, tz=tz,
                                      hours=hours, stat=stat, where=parse_where(where or []), compare=compare)
        empty = _empty_tables(tables, frame)
    finally:
        tables.close()
    if empty:  # said on stderr: stdout stays the records, whatever the format
        from cxmetrics.interfaces.cli.common import err_console

        table = empty[0] if len(empty) == 1 else "TABLE"
        err_console.print(f"no data: the store has no rows in {', '.join(empty)}; import some (`cxm import {table} "
                          "FILE`) or try `cxm demo`", highlight=False, soft_wrap=True)
    from cxmetrics.engine.counts import integral_counts

    if fmt == "json":
        sys.stdout.write(json.dumps({"metrics": integral_counts(to_records(frame))}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        _write_csv(frame)
    else:
        _print_table(frame, compare is not None, business=hours == "business")


def _empty_tables(tables, frame) -> list[str]:
    """The tables the metrics in ``frame`` require that have no rows, when none of the metrics has
    a value (only then: counting rows is a query per table, on Spark a job each)."""
    from cxmetrics.metrics.registry import get

    if frame.empty or frame["value"].notna().any():
        return []
    needed = sorted({t for key in frame["metric"].unique() for t in get(key).required_tables})
    return [name for name in needed if tables.count(name) == 0]


def _write_csv(frame) -> None:
    from cxmetrics.engine.counts import integral_count_frame

    integral_count_frame(frame).to_csv(sys.stdout, index=False)


def _print_table(frame, compared: bool, business: bool = False) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cxmetrics.engine.core import BASE_COLUMNS, VALUE_COLUMNS
    from cxmetrics.engine.records import to_records

    known = set(BASE_COLUMNS + VALUE_COLUMNS) | {"previous_value", "change", "p_value", "significant", "target",
                                                 "meets_target", "target_source"}
    dims = [c for c in frame.columns if c not in known]
    table = Table(show_lines=False)
    heads = ["metric", "period", *dims, "value", "n", "95% interval"]
    if compared:
        heads += ["previous", "change"]
    heads += ["target"]
    for c in heads:
        table.add_column(c, justify="left" if c in ("metric", "period", *dims) else "right")
    for r in to_records(frame):
        unit = r["unit"]
        ci = f"{format_value(r['ci_low'], unit, business)} - {format_value(r['ci_high'], unit, business)}" if r["ci_low"] is not None else ""
        value = format_value(r["value"], unit, business) + (" (low n)" if r.get("low_sample") else "")
        row = [r["metric"], r["period_start"] or "total", *[escape(str(r[d])) if r[d] is not None else "-" for d in dims],
               value, format_value(r["n"], None), ci]
        if compared:
            change = r["change"]
            if change is None:
                ch = "-"
            elif unit == "percent":
                ch = f"{change:+.1f} pp"
            elif unit == "seconds":
                ch = ("+" if change >= 0 else "-") + format_value(abs(change), unit, business)
            elif unit == "count":
                ch = f"{change:+,.0f}"
            else:
                ch = f"{change:+,.2f}"
            if r["significant"]:
                ch += " *"
            row += [format_value(r["previous_value"], unit, business), ch]
        tgt = "-"
        if r["target"] is not None:
            mark = "" if r["meets_target"] is None else (" ok" if r["meets_target"] else " missed")
            tgt = format_value(r["target"], unit, business) + mark
        row.append(tgt)
        table.add_row(*row)
    console.print(table)
    if business and (frame["unit"] == "seconds").any():
        console.print("Durations in business hours (hours and minutes; a business day is not 24 hours).",
                      highlight=False)
    if compared:
        console.print("* significant at 95% (two-sided); see docs/metrics.md for the test of each kind.",
                      highlight=False)


def catalog(fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table") -> None:
    """List every metric with its unit, direction and definition."""
    from cxmetrics.metrics.catalog import catalog_entries

    entries = catalog_entries()
    if fmt == "json":
        sys.stdout.write(json.dumps({"catalog": entries}, ensure_ascii=False, indent=1) + "\n")
        return
    from rich.table import Table

    table = Table(show_lines=False)
    for c in ("id", "label", "unit", "better", "definition"):
        table.add_column(c)
    for e in entries:
        table.add_row(e["id"], e["label"], e["unit"], e["direction"], e["description"])
    console.print(table)


def explain(
    ctx: typer.Context,
    metric_id: Annotated[str, typer.Argument(metavar="ID", help="Metric id, e.g. first_response_time or fcr_rate:single_agent.")],
    grain: Annotated[str, typer.Option(help="Grain of the compiled query.")] = "month",
    by: Annotated[list[str] | None, typer.Option("--by", help="Dimension of the compiled query.")] = None,
    hours: Annotated[str, typer.Option(help="calendar or business.")] = "calendar",
) -> None:
    """Show a metric's definition, references, and the SQL it compiles to."""
    from cxmetrics.engine.core import Query
    from cxmetrics.metrics.catalog import explain_text
    from cxmetrics.metrics.registry import get

    get(metric_id)
    store = ctx.obj.open_store(read_only=True)
    try:
        q = Query(grain=grain, by=tuple(by or ()), hours=hours)
        engine = store.engine(cache=False)
        text = explain_text(metric_id, q, engine.sql(metric_id, q), engine.con.name)
    finally:
        store.close()
    sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    app.command("metrics", cls=Command)(metrics)
    app.command("catalog", cls=Command)(catalog)
    app.command("explain", cls=Command)(explain)
