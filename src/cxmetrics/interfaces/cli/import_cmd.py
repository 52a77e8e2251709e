"""`cxm import TABLE FILE...`: one transaction per file, a one-screen summary each.

Exit codes (SPEC 5.1): 0 every file imported cleanly; 1 a file was refused (that file
changed nothing); 2 usage error, nothing read; 3 imported, but some rows quarantined.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    table: Annotated[str, typer.Argument(help="Canonical table: tickets, messages, calls, ...")],
    files: Annotated[list[Path], typer.Argument(help="One or more files; each is imported in its own transaction.")],
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
    """Import files into a canonical table (idempotent upsert; bad rows are quarantined)."""
    from cxmetrics.ingest import adapters
    from cxmetrics.ingest.mapping import load_mapping
    from cxmetrics.ingest.pipeline import check_zone, resolve_options
    from cxmetrics.ingest.readers import FORMATS
    from cxmetrics.model import schema

    if table not in schema.TABLES:
        raise UsageError(f"unknown table {table!r}; known tables: {', '.join(schema.TABLES)}")
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
    loaded = load_mapping(mapping) if mapping else None
    if adapters.get(source) is not None:
        adapters.check_usage(source, table, format=format, mapping=loaded)
    else:  # the options alone: no store is opened (or created) for a usage error
        resolve_options(ctx.obj.config(), table, format=format, mapping=loaded, tz=tz,
                        date_order=date_order)
    missing = {f: _unreadable(f) for f in files}
    if all(missing.values()):  # nothing to import: refuse before a store file is created
        for f in files:
            error_line(missing[f] or "")
        raise typer.Exit(1)
    new = not ctx.obj.config().db.exists()
    store = ctx.obj.open_store()
    codes: list[int] = []
    try:
        for f in files:
            codes.append(_one(store, table, f, format=format, source=source, mapping=loaded, tz=tz,
                              date_order=date_order, encoding=encoding, accept_partial=accept_partial))
    finally:
        if new and all(c in (1, 2) for c in codes):  # a new store and nothing landed: no empty store file
            store.discard()
        else:
            store.close()
    worst = 1 if 1 in codes else 2 if 2 in codes else 3 if 3 in codes else 0
    if len(files) > 1:
        failed = sum(c in (1, 2) for c in codes)
        console.print(f"{len(files)} files: {len(files) - failed} imported, {failed} refused", highlight=False)
    raise typer.Exit(worst)


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
        t.add_column(col, justify="left" if col == "table" else "right")
    for r in results:
        t.add_row(r.table, f"{r.rows_read:,}", f"{r.inserted:,}", f"{r.updated:,}", f"{r.unchanged:,}",
                  f"{r.duplicates:,}", f"[red]{r.rejected:,}[/]" if r.rejected else "0")
    console.print(t)
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
