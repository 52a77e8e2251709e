"""`cxm staff`: agents required for one interval (Erlang C, or Erlang A with --patience).

A pure calculator (no store): the arithmetic is :mod:`cxmetrics.analyses.staffing`; the
defaults of the targets are the ``[staffing]`` settings (and ``calls.service_level``).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import State, console

FIELDS = ("agents", "scheduled_agents", "service_level", "asa_seconds", "occupancy", "p_wait", "p_abandon",
          "traffic_erlangs")


def staff_command(
    ctx: typer.Context,
    volume: Annotated[float, typer.Option(help="Contacts offered in the interval (a forecast or a what-if).")],
    aht: Annotated[float, typer.Option(help="Average handle time in seconds (talk + hold + wrap).")],
    interval: Annotated[int | None, typer.Option(
        help="Interval length in minutes (default: the staffing.interval setting, 30).")] = None,
    target: Annotated[float | None, typer.Option(
        help="Service-level target: share answered within --within (default staffing.service_level_target, "
             "0.8). 0 leaves it out (staff to --asa or --max-occupancy only).")] = None,
    within: Annotated[float | None, typer.Option(
        help="Answer-time threshold T of the service level, in seconds (default calls.service_level, 20).")] = None,
    asa: Annotated[float | None, typer.Option(
        "--asa", help="Average-speed-of-answer target in seconds (default staffing.asa_target: none).")] = None,
    max_occupancy: Annotated[float | None, typer.Option(
        help="Highest share of time agents are busy (default staffing.max_occupancy, 0.85); 1 leaves it out.")] = None,
    shrinkage: Annotated[float | None, typer.Option(
        help="Share of paid time off the phones (default staffing.shrinkage, 0.3).")] = None,
    patience: Annotated[float | None, typer.Option(
        help="Mean seconds before a waiting caller hangs up: Erlang A instead of Erlang C.")] = None,
    max_abandon: Annotated[float | None, typer.Option(
        help="With --patience: highest share of callers who may hang up (e.g. 0.05).")] = None,
    concurrency: Annotated[float, typer.Option(
        help="Contacts an agent handles at once (chat): staffed with AHT / concurrency.")] = 1.0,
    agents: Annotated[int | None, typer.Option(
        help="What-if: the measures of this many productive agents instead of the required number.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json (one object with the fields).")] = "table",
) -> None:
    """Agents required for one interval of a live channel: Erlang C, or Erlang A with --patience.

    Prints the productive agents, the scheduled agents after shrinkage, and the service
    level, ASA, occupancy and probability of waiting they achieve (and the share who hang
    up, for Erlang A). Example: `cxm staff --volume 100 --interval 30 --aht 180` gives 14
    agents (20 scheduled with 30% shrinkage), 88.8% answered within 20 s. Asynchronous
    channels (e-mail) are staffed against their response-time target over business hours
    by `cxm forecast --staff`, not by this queueing model.
    """
    from cxmetrics.analyses.staffing import staff

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    state: State = ctx.obj if isinstance(ctx.obj, State) else State()
    cfg = state.config()
    s = cfg.staffing
    occ = s.max_occupancy if max_occupancy is None else max_occupancy
    tgt = s.service_level_target if target is None else target
    result = staff(volume, interval or s.interval, aht,
                   target=None if tgt == 0 else tgt,
                   within=cfg.calls.service_level if within is None else within,
                   asa_target=s.asa_target if asa is None else asa,
                   max_occupancy=None if occ == 1 else occ,
                   shrinkage=s.shrinkage if shrinkage is None else shrinkage,
                   patience=patience, max_abandon=max_abandon, concurrency=concurrency, agents=agents)
    rec = result.to_dict()
    if fmt == "json":
        sys.stdout.write(json.dumps(rec) + "\n")
        return
    _table(rec)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _table(rec: dict[str, Any]) -> None:
    from rich.table import Table

    model = "Erlang A" if rec["model"] == "erlang_a" else "Erlang C"
    console.print(f"{model}: {rec['volume']:g} contacts in {rec['interval_minutes']:g} min, AHT "
                  f"{rec['aht_seconds']:g} s = {rec['traffic_erlangs']:.2f} Erlangs", highlight=False)
    t = Table()
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("agents (productive)", f"{rec['agents']}")
    t.add_row(f"scheduled agents ({_pct(rec['shrinkage'])} shrinkage)", f"{rec['scheduled_agents']}")
    t.add_row(f"service level (within {rec['within_seconds']:g} s)", _pct(rec["service_level"]))
    asa = rec["asa_seconds"]
    t.add_row("average speed of answer", "unbounded (too few agents)" if asa is None else f"{asa:.1f} s")
    t.add_row("occupancy", _pct(rec["occupancy"]))
    t.add_row("probability of waiting", _pct(rec["p_wait"]))
    if rec["p_abandon"] is not None:
        t.add_row("share who hang up", _pct(rec["p_abandon"]))
    console.print(t)


def register(app: typer.Typer) -> None:
    app.command("staff")(staff_command)
