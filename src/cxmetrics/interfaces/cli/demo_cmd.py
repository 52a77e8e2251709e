"""`cxm demo`: build the synthetic help desk into the store and show this month's KPIs."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cxmetrics.errors import Conflict, UsageError
from cxmetrics.interfaces.cli.common import Command, console

if TYPE_CHECKING:
    import pandas as pd

    from cxmetrics.store import Store

#: The KPIs shown, with a label and how a change reads: direction -1 lower is better, +1 higher, 0 neutral.
KPIS: dict[str, tuple[str, str, int]] = {
    "ticket_volume": ("Tickets created", "count", 0),
    "tickets_resolved": ("Tickets resolved", "count", 0),
    "backlog": ("Backlog at month end", "count", -1),
    "resolution_rate": ("Resolution rate", "percent", 1),
    "first_response_time": ("First response time (median)", "seconds", -1),
    "response_time": ("Response time (median)", "seconds", -1),
    "resolution_time": ("Resolution time (median)", "seconds", -1),
    "handle_time": ("Handle time per resolved ticket", "seconds", -1),
    "fcr_rate": ("First contact resolution", "percent", 1),
    "replies_per_resolution": ("Replies per resolved ticket", "ratio", -1),
    "reopen_rate": ("Reopen rate", "percent", -1),
    "sla_attainment": ("First-reply SLA attainment", "percent", 1),
}

HELP = """Build a realistic synthetic help desk into the store and show this month's KPIs.

Generates 18 months (by default) of tickets, messages, status changes, agent
work, calls, surveys, customers, orders, carts and marketing spend, identical
for the same --seed. The data ends at the start of the current month, so "this
month" is the last complete month, compared with the month before.

Running it again replaces the earlier demo data. A store that also holds data
you imported is left untouched unless you pass --force, which deletes ALL data
in that store first (use another --db to keep it).
"""


def _non_demo_rows(store: Store) -> int:
    from cxmetrics.model import schema

    total = 0
    for name in schema.TABLES:
        total += store.raw.execute(
            f'SELECT count(*) FROM "{name}" WHERE "_import_id" IS NULL OR "_import_id" NOT IN '
            "(SELECT import_id FROM _import_log WHERE source = 'demo')"
        ).fetchone()[0]
    return int(total)


def _clear(store: Store) -> None:
    """Empty every canonical table (and the quarantine) in one transaction."""
    from cxmetrics.model import schema
    from cxmetrics.store import transaction

    with transaction(store.raw) as con:
        for name in schema.TABLES:
            con.execute(f'DELETE FROM "{name}"')
        con.execute("DELETE FROM _quarantine")


def _month_end(first: dt.date) -> dt.date:
    from cxmetrics.demo.clock import add_months

    return add_months(first, 1) - dt.timedelta(days=1)


def kpi_frame(store: Store, this: dt.date, prev: dt.date) -> pd.DataFrame:
    """The engine's month records for the KPIs over the two months."""
    return store.metrics(list(KPIS), grain="month", from_=prev, to=_month_end(this))


def _value(frame: pd.DataFrame, metric: str, month: dt.date) -> float | None:
    import pandas as pd

    rows = frame[frame["metric"] == metric]
    if rows.empty:
        return None
    starts = pd.to_datetime(rows["period_start"]).dt.date
    rows = rows[starts == month]
    if rows.empty:
        return None
    v = rows.iloc[0]["value"]
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def kpi_rows(frame: pd.DataFrame, this: dt.date, prev: dt.date) -> list[dict[str, Any]]:
    """One row per KPI: this month, last month and the change (points for rates, % otherwise)."""
    out = []
    for metric, (label, unit, direction) in KPIS.items():
        a, b = _value(frame, metric, this), _value(frame, metric, prev)
        change, change_unit = None, "points" if unit == "percent" else "percent"
        if a is not None and b is not None:
            if unit == "percent":
                change = a - b
            elif b != 0:
                change = (a - b) / abs(b) * 100
        out.append({"metric": metric, "label": label, "unit": unit, "direction": direction,
                    "this_month": a, "last_month": b, "change": change, "change_unit": change_unit})
    return out


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "percent":
        return f"{v:.1f}%"
    if unit == "seconds":
        from cxmetrics.periods.durations import human_duration

        return human_duration(v)  # rounded at the smaller unit shown, as `cxm metrics`
    return f"{v:.2f}"


def _fmt_change(row: dict[str, Any]) -> str:
    c = row["change"]
    if c is None:
        return "-"
    text = f"{c:+.1f} pp" if row["change_unit"] == "points" else f"{c:+.1f}%"
    good = row["direction"] * c
    if abs(c) < 0.05 or row["direction"] == 0:
        return text
    return f"[green]{text}[/]" if good > 0 else f"[red]{text}[/]"


def _table(rows: list[dict[str, Any]], this: dt.date, prev: dt.date) -> Table:
    t = Table(title=f"Support KPIs: {this:%B %Y} vs {prev:%B %Y}", title_justify="left")
    t.add_column("metric")
    t.add_column(f"{this:%b %Y}", justify="right")
    t.add_column(f"{prev:%b %Y}", justify="right")
    t.add_column("change", justify="right")
    for r in rows:
        t.add_row(r["label"], _fmt(r["this_month"], r["unit"]), _fmt(r["last_month"], r["unit"]),
                  _fmt_change(r))
    return t


def register(app: typer.Typer) -> None:
    @app.command("demo", help=HELP, cls=Command)
    def demo(
        ctx: typer.Context,
        seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
        months: Annotated[int, typer.Option(help="Months of history (ending at the start of this month).")] = 18,
        out: Annotated[Path | None, typer.Option(help="Directory for the monthly report and the KPI summary (kpis.json); default: the store's folder.")] = None,
        lang: Annotated[str, typer.Option(help="Language of the monthly report: en, ja, zh-Hant, it or fi.")] = "en",
        report: Annotated[bool, typer.Option(help="Write this month's report (HTML) after building the data.")] = True,
        scale: Annotated[float, typer.Option(help="Volume multiplier (1.0 = about 3,900 tickets a month).")] = 1.0,
        force: Annotated[bool, typer.Option(help="Delete ALL data in a store that holds imported data.")] = False,
    ) -> None:
        from cxmetrics.demo import build, timeline
        from cxmetrics.demo.clock import add_months
        from cxmetrics.interfaces.i18n import normalise_lang

        lang = normalise_lang(lang)
        if months < 2 or months > 120:
            raise UsageError("--months must be between 2 and 120 (this month is compared with the one before)")
        if not (0 < scale <= 100):
            raise UsageError("--scale must be above 0 and at most 100")
        store = ctx.obj.open_store()
        path = store.path.resolve()
        try:
            foreign = _non_demo_rows(store)
            if foreign and not force:
                raise Conflict(f"{path} already holds {foreign:,} imported rows; the demo would mix with them. "
                               "Use another --db, or --force to delete ALL data in this store first.")
            _clear(store)
            tl = timeline(months)
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                          TimeElapsedColumn(), console=console, transient=True) as bar:
                task = bar.add_task("generating", total=1)

                def progress(step: str, done: int, total: int) -> None:
                    bar.update(task, description=step, completed=done, total=total)

                counts = build(store, seed=seed, months=months, scale=scale, progress=progress)
            console.print(f"Built the demo help desk (seed {seed}, {tl.start:%Y-%m-%d} to "
                          f"{tl.end - dt.timedelta(days=1):%Y-%m-%d}) into [bold]{path}[/]")
            console.print(", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in counts.items()), highlight=False)
            this = tl.last_month
            prev = add_months(this, -1)
            rows = kpi_rows(kpi_frame(store, this, prev), this, prev)
            report_path = None
            if report:
                folder = out if out is not None else path.parent
                folder.mkdir(parents=True, exist_ok=True)
                with console.status("Writing the monthly report...", spinner="dots"):
                    report_path = _write_report(store, folder, this, lang)
        finally:
            store.close()
        console.print(_table(rows, this, prev))
        if out is not None:
            from cxmetrics.interfaces.text import integral_counts

            out.mkdir(parents=True, exist_ok=True)
            doc = {"store": str(path), "seed": seed, "months": months, "scale": scale,
                   "period": f"{this:%Y-%m}", "previous_period": f"{prev:%Y-%m}",
                   "rows": counts, "kpis": integral_counts(rows)}
            (out / "kpis.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
            console.print(f"Wrote the KPI summary to {(out / 'kpis.json').resolve()}", highlight=False)
        if report_path is not None:
            console.print(f"Wrote the monthly report to [bold]{report_path}[/] (open it in a browser; "
                          "`cxm report --out report.xlsx` or `.pdf` for the other formats).", highlight=False)
        db = f"--db {path} " if ctx.obj.db else ""
        console.print("\nNext:")
        console.print(f"  cxm {db}metrics first_response_time --by channel --from {prev} --to {_month_end(this)}",
                      highlight=False)
        console.print(f"  cxm {db}metrics ticket_volume --grain week", highlight=False)
        console.print("  cxm catalog        (every metric, with its definition)", highlight=False)
        console.print(f"  cxm {db}serve          (the dashboard and API at http://127.0.0.1:8000)", highlight=False)
        console.print("  The demo team works Europe/Helsinki hours: set timezone = \"Europe/Helsinki\" "
                      "in cxm.toml to report in local time.", highlight=False)


def _write_report(store: Store, folder: Path, month: dt.date, lang: str) -> Path:
    from cxmetrics.interfaces.report import write_report

    path = (folder / f"cx-report-{month:%Y-%m}-{lang}.html").resolve()
    write_report(store, path, f"{month:%Y-%m}", lang)
    return path
