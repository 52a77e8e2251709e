"""Shared CLI plumbing: the global state, opening the store, and the one place errors become exit codes.

Every command is a :class:`Command` (``app.command(..., cls=Command)``, or a command of an
:class:`App`): a :class:`~cxmetrics.errors.CxmError` it raises is printed as one line,
``error: <message>``, and ends the command with the error's exit code. Anything else is a
bug: its traceback goes to a log file (to stderr with ``CXM_DEBUG=1``) and the user sees
one line naming that file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

from cxmetrics.errors import StoreBusy, StoreMissing, UsageError, as_user_error

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

console = Console()
err_console = Console(stderr=True)
log = logging.getLogger("cxmetrics")


@dataclass
class State:
    db: Path | None = None
    config_path: Path | None = None
    #: ``--wait``: seconds a writer waits for another writer (None: the ``write_wait`` setting)
    wait: float | None = None
    #: ``--engine``: duckdb, spark or a Spark Connect URL (None: the ``engine.kind`` setting)
    engine: str | None = field(default=None, repr=False)
    #: the command being run (``import``, ``token``...), for messages
    command: str | None = None
    _config: Config | None = field(default=None, repr=False)

    def config(self) -> Config:
        """The settings: ``--config`` (else ``$CXM_CONFIG``, else ``./cxm.toml``), the environment
        (``$CXM_DB``...), then ``--db``, ``--wait`` and ``--engine``."""
        if self._config is None:
            from cxmetrics.settings import load_config

            self._config = load_config(self.config_path, overrides={"db": self.db, "write_wait": self.wait,
                                                                    "engine.kind": self.engine})
        return self._config

    def refuse_spark(self, *, writes: bool) -> None:
        """A command that reads or writes the store file itself cannot honour ``engine = spark``:
        a usage error naming the command, never numbers from another engine than the one asked for."""
        if self.config().engine.kind != "spark":
            return
        name = f"`cxm {self.command}`" if self.command else "this command"
        why = ("writes the store file" if writes else
               "reads the store file; on Spark only `cxm metrics`, `cxm report` and `cxm serve` run")
        raise UsageError(f"{name} {why}, and the engine is spark (--engine, $CXM_ENGINE or [engine] kind in "
                         "cxm.toml); run it with --engine duckdb (docs/spark.md)")

    def open_store(self, *, read_only: bool = False, create: bool = True) -> Store:
        """A snapshot (``read_only``), else a writer session: it waits for another writer
        (saying so on stderr) and publishes when closed (:class:`~cxmetrics.store.Store`).
        ``create=False``: a missing store is an error, not a new empty file (for commands
        that only make sense on data, such as managing tokens)."""
        from cxmetrics.store import Store

        self.refuse_spark(writes=not read_only)
        config = self.config()
        if not create and not config.db.exists():
            raise StoreMissing(f"no store at {config.db}; run `cxm demo` or `cxm import` first")
        if not read_only:
            yield_cpu(config.write_nice)
        store = Store(config.db, read_only=read_only, config=config, on_wait=waiting)
        if not read_only and config.server.warm_start:
            from cxmetrics.interfaces.web.api_overview import warm_answers

            store.before_publish.append(warm_answers)  # the dashboard's first screen, ready when it starts
        return store


_niced: list[int] = []


def yield_cpu(increment: int) -> None:
    """Lower this process's CPU priority once (``write_nice``), before its writer session opens
    DuckDB, whose worker threads inherit it: a CLI writer then yields the CPU to readers, and
    during imports the server's reads keep their pace (docs/benchmarks.md)."""
    if increment > 0 and not _niced and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(increment)
        _niced.append(increment)


def waiting(message: str) -> None:
    """What a writer says on stderr while another writer holds the store."""
    err_console.print(f"[yellow]{escape(message)}[/]", highlight=False, soft_wrap=True)


def open_for_reading(state: State) -> Store:
    """A read-only snapshot whose derived facts are current.

    Writers derive the facts before they publish; only a store written by an older
    cxmetrics (or a new FACTS_VERSION) has stale ones. Then the store is briefly written to
    refresh them if no one else is writing it; if someone is, the engine derives them in
    memory instead.
    """
    from cxmetrics.store import Store

    store = state.open_store(read_only=True)
    if store.stored_facts(refresh=False) is not None:
        return store
    store.close()
    try:
        writer = Store(store.path, config=store.config, wait=0)
    except StoreBusy:  # another writer: derive in memory
        return state.open_store(read_only=True)
    try:
        with err_console.status("Deriving ticket facts (once after an import)...", spinner="dots"):
            writer.stored_facts()
    finally:
        writer.close()
    return state.open_store(read_only=True)


def open_tables(state: State) -> Tables:
    """Where `cxm metrics` and `cxm report` read: the Spark tables of the ``[engine]`` settings,
    else the store file (:func:`open_for_reading`)."""
    config = state.config()
    if config.engine.kind != "spark":
        return open_for_reading(state)
    from cxmetrics.engine.spark import SparkTables, shown_engine

    with err_console.status(f"Starting {shown_engine(config.engine)}...", spinner="dots"):
        return SparkTables.open(config)


def parse_where(items: list[str]) -> list[tuple[str, str]]:
    """``--where DIM=VALUE`` options as (dimension, value) pairs; a bad one is a usage error."""
    from cxmetrics.facts.query import split_where

    return split_where(items)


# -- the one place errors become exit codes -------------------------------------------------------
def error_line(message: str) -> None:
    """``error: <message>`` on stderr, on one line whatever the terminal width."""
    from cxmetrics.settings import mask_urls

    err_console.print(f"[bold red]error:[/] {escape(mask_urls(message))}", highlight=False, soft_wrap=True)


def exit_for(exc: Exception) -> NoReturn:
    """Print ``exc`` as one line and exit: a user error with its exit code, anything else as a bug."""
    err = as_user_error(exc)
    if err is not None:
        error_line(str(err))
        raise typer.Exit(err.exit_code)
    where = _log_bug(exc)
    error_line(f"internal error: {type(exc).__name__}: {exc} -- a bug in cxmetrics, not in your data or "
               f"options; the traceback is in {where}")
    raise typer.Exit(1)


def _log_bug(exc: BaseException) -> str:
    """Log ``exc`` with its traceback; returns where it went (a file, or stderr with ``CXM_DEBUG=1``)."""
    handler: logging.Handler
    where = "the log above"
    if os.environ.get("CXM_DEBUG"):
        handler = logging.StreamHandler(sys.stderr)
    else:
        try:
            fd, name = tempfile.mkstemp(prefix="cxm-error-", suffix=".log")
            os.close(fd)
            handler, where = logging.FileHandler(name, encoding="utf-8"), name
        except OSError:
            handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Masking("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        log.error("unexpected error in `cxm %s`", " ".join(sys.argv[1:]), exc_info=exc)
    finally:
        log.removeHandler(handler)
        handler.close()
    return where


class _Masking(logging.Formatter):
    """Log lines (the command line, the message, the traceback) without a Spark Connect URL's token."""

    def format(self, record: logging.LogRecord) -> str:
        from cxmetrics.settings import mask_urls

        return mask_urls(super().format(record))


class Command(TyperCommand):
    """A CLI command whose errors end as one line and an exit code (see the module doc)."""

    def invoke(self, ctx: Any) -> Any:  # a Click context (Typer vendors Click)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # an exit code chosen by the command, Ctrl-C at a prompt, usage errors Click reports itself
        except Exception as e:  # the one broad catch: a CxmError, or a bug (exit_for tells them apart)
            if interrupted(e):
                raise KeyboardInterrupt from None  # as a Ctrl-C between queries: exit code 130
            exit_for(e)


def interrupted(exc: BaseException) -> bool:
    """Ctrl-C during a DuckDB query: DuckDB stops the query and raises its own error (an
    ``InterruptException``, or a ``RuntimeError`` from a relation) instead of KeyboardInterrupt."""
    import duckdb

    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:  # a chain may loop (raise e from e)
        visited.add(id(seen))
        if isinstance(seen, duckdb.InterruptException) or (
                isinstance(seen, RuntimeError) and str(seen) == "Query interrupted"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class App(typer.Typer):
    """A command group (``cxm``, ``cxm calc``, ``cxm clv``, ``cxm token``) whose commands are :class:`Command`."""

    def command(self, *args: Any, **kw: Any) -> Any:
        kw.setdefault("cls", Command)
        return super().command(*args, **kw)
