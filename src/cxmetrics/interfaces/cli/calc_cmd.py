"""`cxm calc nps|csat|ces|churn|crr|cac|clv`: the seed formulas from aggregate numbers.

For teams without raw data (seed 004's calculator tab). The arithmetic lives in
:mod:`cxmetrics.analyses.calc`; this module parses options, maps every ``ValueError`` to
a one-line usage error (exit 2) and prints a table or the SPEC 5.1 record.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import App, console

calc_app = App(
    help="Compute a metric from aggregate numbers or a list of scores (no store needed).",
    no_args_is_help=True,
)

Fmt = Annotated[str, typer.Option("--format", help="table or json ({\"metrics\": [record]}).")]
Scores = Annotated[str | None, typer.Option(
    "--scores", help="Comma-separated answers, e.g. 0,7,7,9,9,9; an empty item is a skipped answer.")]


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")


def _parse_scores(text: str) -> list[float | None]:
    out: list[float | None] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            out.append(None)
            continue
        try:
            out.append(float(item))
        except ValueError:
            raise UsageError(f"--scores: {item!r} is not a number (give e.g. 0,7,7,9,9,9)") from None
    return out


_SCALE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|:)\s*(-?\d+(?:\.\d+)?)\s*$")


def _parse_scale(text: str) -> tuple[float, float]:
    m = _SCALE.match(text)
    if not m:
        raise UsageError(f"--scale expects MIN-MAX such as 1-5 or 0-10, not {text!r}")
    return float(m.group(1)), float(m.group(2))


def _compute(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _fmt(v: Any, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "percent":
        return f"{v:.1f}%"
    if unit == "score":
        return f"{v:.1f}"
    if unit == "currency":
        return f"{v:,.2f}"
    return f"{v:,}"


def _emit(rec: dict[str, Any], fmt: str, formula: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps({"metrics": [rec]}, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    unit = rec["unit"]
    table = Table(show_lines=False)
    for c in ("metric", "value", "n", "95% interval"):
        table.add_column(c, justify="left" if c == "metric" else "right")
    ci = f"{_fmt(rec['ci_low'], unit)} - {_fmt(rec['ci_high'], unit)}" if rec["ci_low"] is not None else "-"
    value = _fmt(rec["value"], unit) + (" (low n)" if rec["low_sample"] else "")
    table.add_row(rec["metric"], value, "-" if rec["n"] is None else f"{rec['n']:,}", ci)
    console.print(table)
    console.print(formula, highlight=False, markup=False)
    if rec["low_sample"]:
        console.print("low n: fewer than 30 answers; the interval is wide.", highlight=False, markup=False)
    if rec.get("skipped"):
        console.print(f"{rec['skipped']} skipped answer(s) left out.", highlight=False, markup=False)


def _pick(counts: dict[str, int | None], scores: str | None, what: str) -> bool:
    """True for counts, False for scores; exactly one of the two input styles."""
    given = [k for k, v in counts.items() if v is not None]
    if scores is not None and given:
        raise UsageError(f"give either --scores or {what}, not both")
    if scores is None and len(given) != len(counts):
        missing = ", ".join(f"--{k}" for k, v in counts.items() if v is None)
        raise UsageError(f"give {what} (missing {missing}), or --scores")
    return scores is None


@calc_app.command("nps")
def nps_cmd(
    promoters: Annotated[int | None, typer.Option(help="Answers of 9-10.")] = None,
    passives: Annotated[int | None, typer.Option(help="Answers of 7-8.")] = None,
    detractors: Annotated[int | None, typer.Option(help="Answers of 0-6.")] = None,
    scores: Scores = None,
    fmt: Fmt = "table",
) -> None:
    """Net Promoter Score: % promoters - % detractors, with the adjusted Wald interval."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    if _pick({"promoters": promoters, "passives": passives, "detractors": detractors}, scores,
             "--promoters, --passives and --detractors"):
        p, pa, d = promoters, passives, detractors
        rec = _compute(calc.nps_counts, p, pa, d)
    else:
        values = _parse_scores(scores or "")
        p, pa, d, _ = _compute(calc.nps_groups, values)
        rec = _compute(calc.nps, values)
    _emit(rec, fmt, f"NPS = 100 x (promoters {p} - detractors {d}) / answers {rec['n']} "
                    f"(passives {pa}) = {rec['value']:.1f}")


@calc_app.command("csat")
def csat_cmd(
    satisfied: Annotated[int | None, typer.Option(help="Satisfied answers (top two boxes).")] = None,
    total: Annotated[int | None, typer.Option(help="All answers.")] = None,
    scores: Scores = None,
    scale: Annotated[str, typer.Option(help="Scale of --scores, MIN-MAX.")] = "1-5",
    fmt: Fmt = "table",
) -> None:
    """CSAT: satisfied answers / answers x 100 (top two boxes of the scale), Wilson interval."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    if _pick({"satisfied": satisfied, "total": total}, scores, "--satisfied and --total"):
        rec = _compute(calc.csat_counts, satisfied, total)
        note = ""
    else:
        lo, hi = _parse_scale(scale)
        rec = _compute(calc.csat, _parse_scores(scores or ""), (lo, hi))
        note = f" (satisfied = {_box(calc.top_box_threshold((lo, hi)), lo, hi)})"
    _emit(rec, fmt, f"CSAT = 100 x satisfied {rec['numerator']} / answers {rec['n']} = {rec['value']:.1f}%{note}")


@calc_app.command("ces")
def ces_cmd(
    easy: Annotated[int | None, typer.Option(help="Low-effort answers (top two boxes, high = easy).")] = None,
    total: Annotated[int | None, typer.Option(help="All answers.")] = None,
    scores: Scores = None,
    scale: Annotated[str, typer.Option(help="Scale of --scores, MIN-MAX.")] = "1-7",
    effort_high: Annotated[bool, typer.Option("--effort-high", help="A high score means much effort: invert first.")] = False,
    fmt: Fmt = "table",
) -> None:
    """CES: low-effort answers / answers x 100, Wilson interval."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    if _pick({"easy": easy, "total": total}, scores, "--easy and --total"):
        rec = _compute(calc.ces_counts, easy, total)
        note = ""
    else:
        lo, hi = _parse_scale(scale)
        rec = _compute(calc.ces, _parse_scores(scores or ""), (lo, hi), effort_high)
        note = f" (easy = {_box(calc.top_box_threshold((lo, hi)), lo, hi)}" + \
            (", after inverting min + max - score)" if effort_high else ")")
    _emit(rec, fmt, f"CES = 100 x easy {rec['numerator']} / answers {rec['n']} = {rec['value']:.1f}%{note}")


@calc_app.command("churn")
def churn_cmd(
    lost: Annotated[int, typer.Option(help="Customers lost in the period (of those at its start).")],
    start: Annotated[int, typer.Option(help="Customers at the start of the period.")],
    fmt: Fmt = "table",
) -> None:
    """Churn rate: lost / customers at the start x 100 (seed 004)."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    rec = _compute(calc.churn, lost, start)
    _emit(rec, fmt, f"churn = 100 x lost {lost} / start {start} = {rec['value']:.1f}%")


@calc_app.command("crr")
def crr_cmd(
    start: Annotated[int, typer.Option(help="S: customers at the start of the period.")],
    end: Annotated[int, typer.Option(help="E: customers at the end of the period.")],
    new: Annotated[int, typer.Option(help="N: customers acquired during the period.")],
    fmt: Fmt = "table",
) -> None:
    """Customer retention rate: ((E - N) / S) x 100 (seed 004)."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    rec = _compute(calc.crr, start, end, new)
    _emit(rec, fmt, f"CRR = 100 x (end {end} - new {new}) / start {start} = {rec['value']:.1f}%")


@calc_app.command("cac")
def cac_cmd(
    spend: Annotated[float, typer.Option(help="Sales and marketing spend in the period.")],
    acquired: Annotated[int, typer.Option(help="Customers acquired in the period.")],
    fmt: Fmt = "table",
) -> None:
    """Customer acquisition cost: spend / customers acquired (seed 004)."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    rec = _compute(calc.cac, spend, acquired)
    _emit(rec, fmt, f"CAC = spend {spend:,.2f} / acquired {acquired:,} = {rec['value']:,.2f}")


@calc_app.command("clv")
def clv_cmd(
    annual_revenue: Annotated[float, typer.Option("--annual-revenue", help="Annual revenue per customer.")],
    years: Annotated[float, typer.Option(help="Expected relationship years.")],
    cac: Annotated[float, typer.Option(help="Customer acquisition cost.")] = 0.0,
    fmt: Fmt = "table",
) -> None:
    """Historic CLV: annual revenue per customer x relationship years - CAC (seed 004)."""
    from cxmetrics.analyses import calc

    _check_format(fmt)
    rec = _compute(calc.clv, annual_revenue, years, cac)
    _emit(rec, fmt, f"CLV = {annual_revenue:,.2f} x {years:g} years - CAC {cac:,.2f} = {rec['value']:,.2f}")


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _box(threshold: float, lo: float, hi: float) -> str:
    top = _n(hi) if threshold == hi else f"{_n(threshold)}-{_n(hi)}"
    return f"{top} of {_n(lo)}-{_n(hi)}"


def register(app: typer.Typer) -> None:
    app.add_typer(calc_app, name="calc")
