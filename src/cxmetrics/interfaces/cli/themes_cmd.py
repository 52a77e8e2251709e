"""`cxm themes`: what a survey's comments are about, per language, with each theme's score, impact and trend."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console


def themes(
    ctx: typer.Context,
    survey: Annotated[str, typer.Option(help="Survey name or type (nps, csat, ces, ...).")],
    from_: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: Annotated[str | None, typer.Option(help="Reporting time zone (default: cxm.toml, else UTC).")] = None,
    lang: Annotated[str, typer.Option(help="Language of the library themes' labels: en, fi, it, ja or zh-Hant.")]
    = "en",
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Group survey comments into themes per language (built-in CX topics, then TF-IDF + NMF discovery):
    size, share, score with a 95% interval, impact on the score, trend (rising themes flagged) and sentiment
    (mean -1..1 and share negative, from a bundled lexicon per language)."""
    from cxmetrics.analyses.themes import themes as find
    from cxmetrics.interfaces.cli.common import open_for_reading
    from cxmetrics.interfaces.i18n import normalise_lang
    from cxmetrics.periods.dates import parse_date

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    lang = normalise_lang(lang)
    first, last = parse_date(from_, "--from"), parse_date(to, "--to")
    store = open_for_reading(ctx.obj)
    try:
        result = find(store, survey=survey, from_=first, to=last, tz=tz, lang=lang)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        _print_table(result)


def _print_table(result: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    key = result["score"]
    table = Table()
    for c in ("language", "theme", "n", "share %", key, "95% interval", "impact", "trend", "sentiment", "negative %"):
        table.add_column(c, justify="right" if c not in ("language", "theme", "trend") else "left")
    for t in result["themes"]:
        lo, hi = t.get(f"{key}_low"), t.get(f"{key}_high")
        tr = t["trend"]
        trend = "" if tr["change"] is None else f"{tr['change']:+.1f} pts{' rising' if tr['rising'] else ''}"
        table.add_row(t["language"], escape(t["label"]), str(t["n"]), _f(t["share"]), _f(t[key]),
                      "" if lo is None else f"{lo:.1f} to {hi:.1f}", _f(t["impact"]), trend,
                      "" if t["sentiment"] is None else f"{t['sentiment']:+.2f}", _f(t["negative_share"]))
    console.print(table, highlight=False)
    console.print(f"{result['responses']} responses; {key} {_f(result[key])} overall; trend: "
                  f"{result['latest_month']} against the months before.", highlight=False)


def _f(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def register(app: typer.Typer) -> None:
    app.command("themes", cls=Command)(themes)
