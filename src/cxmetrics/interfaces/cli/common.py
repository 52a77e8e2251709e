"""Shared CLI plumbing: the global state, opening the store, user-facing errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    db: Path | None = None
    config_path: Path | None = None

    def open_store(self, *, read_only: bool = False, create: bool = True):
        """``create=False``: a missing store is an error, not a new empty file (for commands
        that only make sense on data, such as managing tokens)."""
        from cxmetrics.settings import ConfigError, load_config
        from cxmetrics.store import Store, default_db_path

        path = self.db or default_db_path()
        if not create and not path.exists():
            fail(f"no store at {path}; run `cxm demo` or `cxm import` first", code=1)
        try:
            cfg = load_config(self.config_path)
        except ConfigError as e:
            fail(f"configuration: {e}", code=2)
        try:
            return Store(path, read_only=read_only, config=cfg)
        except FileNotFoundError as e:
            fail(str(e), code=1)
        except Exception as e:  # duckdb.IOException and friends: locked, corrupt, newer format
            fail(f"cannot open store {path}: {e}", code=1)


def open_for_reading(state: State):
    """A read-only store whose derived facts are current.

    Facts are derived lazily, once after imports: if they are stale, the store is
    briefly opened for writing to refresh them; if another process holds the
    write lock, the engine derives them in memory instead.
    """
    store = state.open_store(read_only=True)
    if store.stored_facts(refresh=False) is not None:
        return store
    store.close()
    try:
        from cxmetrics.store import Store

        writer = Store(store.path, config=store.config)
    except Exception:  # locked by a writer: fall back to in-memory derivation
        return state.open_store(read_only=True)
    try:
        with err_console.status("Deriving ticket facts (once after an import)...", spinner="dots"):
            writer.stored_facts()
    finally:
        writer.close()
    return state.open_store(read_only=True)


def parse_where(items: list[str]) -> list[tuple[str, str]]:
    """``--where DIM=VALUE`` options as (dimension, value) pairs; a bad one is a usage error."""
    from cxmetrics.engine.core import QueryError, split_where

    try:
        return split_where(items)
    except QueryError as e:
        fail(str(e), code=2)


def fail(message: str, *, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)
