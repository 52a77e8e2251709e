"""`cxm import TABLE FILE...` or `cxm import FOLDER|FILE...`: one transaction per file, a
one-screen summary each, and all of them in one writer session (the facts are derived and the
store published once, however many files: a nightly export of four tables pays that once).

Exit codes (SPEC 5.1): 0 every file imported cleanly; 1 a file was refused (that file
changed nothing); 2 usage error, nothing read; 3 imported, but some rows quarantined.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.markup import escape
from rich.table import Table

from cxmetrics.errors import ImportFailed, UsageError
from cxmetrics.interfaces.cli.common import Command, console, err_console, error_line

if TYPE_CHECKING:
    from rich.progress import Progress

#: files at least this big get a progress bar (when stderr is a terminal)
PROGRESS_BYTES = 20 * 1024 * 1024
PROBLEMS_PRINTED = 5


def register(app: typer.Typer) -> None:
    app.command("import", cls=Command)(import_command)


def import_command(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(
        help="Canonical table: tickets, messages, calls, ... Or, instead, a folder or a file named after "
             "its table (tickets.csv, messages_2024-06-01.jsonl): every such file is imported into its table.")],
    files: Annotated[list[Path] | None, typer.Argument(
        help="One or more files (more folders or table-named files in the second form); each is imported in "
             "its own transaction.")] = None,
    format: Annotated[str, typer.Option("--format", help="auto|csv|json|jsonl|parquet|xlsx")] = "auto",
    source: Annotated[str | None, typer.Option("--source", help="Source label, or an adapter name (twcs, freshdesk, zendesk).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="TOML column mapping (docs/importing.md).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Zone of naive timestamps (default: configured zone).")] = None,
    date_order: Annotated[str | None, typer.Option("--date-order", help="dmy|mdy|ymd for numeric dates.")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Text encoding, e.g. cp1252, shift_jis.")] = None,
    accept_partial: Annotated[bool, typer.Option(
        "--accept-partial", help="Import a file even when over half its rows fail validation (they are "
                                 "quarantined; exit 3). Without it such a file is refused.")] = False,
) -> None:
    """Import files into canonical tables (idempotent upsert; bad rows are quarantined): `cxm import TABLE
    FILE...`, or `cxm import FOLDER` / `cxm import tickets.csv messages.csv` for files named after their tables."""
    from cxmetrics.ingest import adapters
    from cxmetrics.ingest.mapping import load_mapping
    from cxmetrics.ingest.pipeline import check_zone, resolve_options
    from cxmetrics.ingest.readers import FORMATS

    jobs = by_table(table, files or [])
    tables = list(dict.fromkeys(t for t, _ in jobs))
    if format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {format!r}")
    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        raise UsageError(f"--date-order must be dmy, mdy or ymd, not {date_order!r}")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
    if tz:
        check_zone(tz)
    if mapping and len(tables) > 1:
        raise UsageError(f"--mapping maps the columns of one table, and these files are for {len(tables)} "
                         f"({', '.join(tables)}); import each table with its own command")
    loaded = load_mapping(mapping) if mapping else None
    for t in tables:
        if adapters.get(source) is not None:
            adapters.check_usage(source, t, format=format, mapping=loaded)
        else:  # the options alone: no store is opened (or created) for a usage error
            resolve_options(ctx.obj.config(), t, format=format, mapping=loaded, tz=tz, date_order=date_order)
    missing = {f: _unreadable(f) for _, f in jobs}
    if all(missing.values()):  # nothing to import: refuse before a store file is created
        for _, f in jobs:
            error_line(missing[f] or "")
        raise typer.Exit(1)
    new = not ctx.obj.config().db.exists()
    store = ctx.obj.open_store()
    codes: list[int] = []
    try:
        for t, f in jobs:
            codes.append(_one(store, t, f, format=format, source=source, mapping=loaded, tz=tz,
                              date_order=date_order, encoding=encoding, accept_partial=accept_partial))
    finally:
        if new and all(c in (1, 2) for c in codes):  # a new store and nothing landed: no empty store file
            store.discard()
        else:
            store.close()
    worst = 1 if 1 in codes else 2 if 2 in codes else 3 if 3 in codes else 0
    if len(jobs) > 1:
        failed = sum(c in (1, 2) for c in codes)
        console.print(f"{len(jobs)} files: {len(jobs) - failed} imported, {failed} refused", highlight=False)
    raise typer.Exit(worst)


def table_of(name: str) -> str | None:
    """The canonical table a file name is for: its stem (before the first dot, any case) is a table
    name, alone or followed by ``-``, ``_`` or a space and more (``tickets_2024-06-01.csv``)."""
    from cxmetrics.model import schema

    stem = name.split(".", 1)[0].lower()
    fits = [t for t in schema.TABLES if stem == t or (stem.startswith(t) and stem[len(t)] in "-_ ")]
    return max(fits, key=len) if fits else None


def by_table(first: str, rest: list[Path]) -> list[tuple[str, Path]]:
    """The (table, file) pairs to import, tables in schema order and files in the order given.

    ``first`` a table name: ``rest`` are its files. Otherwise every argument is a folder (its files
    named after a table; others are skipped with a note) or a file named after its table."""
    from cxmetrics.model import schema

    if first in schema.TABLES:
        if not rest:
            raise UsageError(f"give the files to import into {first}: cxm import {first} FILE...")
        return [(first, f) for f in rest]
    paths = [Path(first), *rest]
    if not paths[0].exists() and table_of(paths[0].name) is None:
        raise UsageError(f"unknown table {first!r}; known tables: {', '.join(schema.TABLES)} (or give a folder, "
                         "or files named after their tables: cxm import tickets.csv messages.csv)")
    jobs: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            found = [(table_of(f.name), f) for f in sorted(path.iterdir()) if f.is_file() and not f.name.startswith(".")]
            skipped = [f.name for t, f in found if t is None]
            if skipped:
                err_console.print(f"note: {path}: skipped {', '.join(skipped)} (not named after a table)",
                                  highlight=False, markup=False, soft_wrap=True)
            if not any(t for t, _ in found):
                raise UsageError(f"{path}: no file named after a table (tickets.csv, messages.jsonl, ...); "
                                 f"known tables: {', '.join(schema.TABLES)}")
            jobs += [(t, f) for t, f in found if t is not None]
            continue
        t = table_of(path.name)
        if t is None:
            raise UsageError(f"{path}: cannot tell which table it is for; name it after its table "
                             f"(tickets.csv, messages.jsonl, ...) or give the table first: cxm import TABLE {path}")
        jobs.append((t, path))
    order = list(schema.TABLES)
    return sorted(jobs, key=lambda job: order.index(job[0]))  # stable: files keep their order within a table


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be imported before it is even opened (``None``: try it)."""
    if not path.exists():
        return f"{path}: no such file"
    if path.is_dir():
        return f"{path}: is a directory, not a file"
    return None


def _one(store, table: str, path: Path, **options) -> int:
    """Import one file; a refused file is reported and the next one is tried."""
    from cxmetrics.ingest.pipeline import import_file

    try:
        with _progress(path) as progress:
            res = import_file(store, table, path, progress=progress, **options)
    except ImportFailed as e:
        error_line(str(e))
        return e.code
    _summary(res, store.path)
    return res.exit_code


class _progress:
    """A Rich progress bar for big files on a terminal; otherwise a no-op callback."""

    def __init__(self, path: Path) -> None:
        try:
            big = path.stat().st_size >= PROGRESS_BYTES
        except OSError:
            big = False
        self.enabled = big and sys.stderr.isatty()
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[str, float], None] | None:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = self.bar = Progress(TextColumn("{task.description:<10}"), BarColumn(), TimeElapsedColumn(),
                                  console=err_console, transient=True)
        bar.start()
        task = bar.add_task("reading", total=1.0)

        def update(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summary(res, db: Path) -> None:
    results = [res, *res.also]
    head = f"[bold]{escape(res.file)}[/]"
    extras = [f"format {res.format}"]
    if res.encoding and res.format in ("csv", "json", "jsonl"):
        extras.append(f"encoding {res.encoding}")
    if res.delimiter:
        extras.append(f"delimiter {_delimiter(res.delimiter)}")
    extras.append(f"times read in {res.tz}")
    if res.date_order:
        extras.append(f"date order {res.date_order}")
    console.print(f"{head}  ({', '.join(extras)}; import {res.import_id}, {res.seconds:.1f}s)", highlight=False,
                  soft_wrap=True)
    t = Table(show_edge=False, pad_edge=False, box=None)
    for col in ("table", "read", "inserted", "updated", "unchanged", "duplicates", "quarantined"):
        t.add_column(col, justify="left" if col == "table" else "right", no_wrap=True)
    for r in results:
        t.add_row(r.table, f"{r.rows_read:,}", f"{r.inserted:,}", f"{r.updated:,}", f"{r.unchanged:,}",
                  f"{r.duplicates:,}", f"[red]{r.rejected:,}[/]" if r.rejected else "0")
    # at its natural width: a narrow terminal or an 80-column pipe must not cut names and counts
    # ("status_chang…", "5,532,…"); a line too long for the terminal wraps instead
    from rich.console import Console
    from rich.measure import Measurement

    need = Measurement.get(console, console.options.update(width=1000), t).maximum
    if need <= console.width:
        console.print(t)
    else:  # a console of its own: the shared one keeps following the terminal's width
        Console(file=console.file, width=need, force_terminal=console.is_terminal, no_color=console.no_color,
                color_system=cast(Any, console.color_system)).print(t)
    for note in res.notes:
        console.print(f"  note: {note}", highlight=False, markup=False, soft_wrap=True)
    for r in results:
        if r.duplicates:
            console.print(f"  {r.duplicates:,} rows repeated a key already in the file: the last occurrence was kept",
                          highlight=False)
        if r.ignored_columns:
            console.print(f"  ignored columns (not in {r.table}): {', '.join(r.ignored_columns)}", highlight=False)
        if r.problems:
            console.print(f"  quarantined rows of {r.table} (line, column: reason):", highlight=False)
            for p in r.problems[:PROBLEMS_PRINTED]:
                col = p["column"] or "(row)"
                console.print(f"    line {p['line']}, {col}: {p['reason']}", highlight=False, markup=False,
                              soft_wrap=True)
            more = r.problem_count - min(len(r.problems), PROBLEMS_PRINTED)
            where = f"table _quarantine of {db}, import_id {r.import_id}"
            console.print(f"    {'and ' + format(more, ',') + ' more; all' if more > 0 else 'all'} in {where}",
                          highlight=False)


def _delimiter(d: str) -> str:
    return {"\t": "tab", "whitespace": "whitespace", " ": "space"}.get(d, repr(d))
