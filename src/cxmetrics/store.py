"""The embedded store: one DuckDB file holding the canonical tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics import schema

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from cxmetrics.config import Config
    from cxmetrics.importing.pipeline import ImportResult

DEFAULT_DB = "cx.duckdb"

META_DDL = (
    """CREATE SEQUENCE IF NOT EXISTS _import_seq START 1""",
    """CREATE TABLE IF NOT EXISTS _import_log (
        import_id BIGINT, started_at TIMESTAMP, finished_at TIMESTAMP,
        table_name VARCHAR, file VARCHAR, checksum VARCHAR, source VARCHAR,
        status VARCHAR, rows_read BIGINT, inserted BIGINT, updated BIGINT,
        unchanged BIGINT, rejected BIGINT, tz VARCHAR, options VARCHAR, message VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS _quarantine (
        import_id BIGINT, table_name VARCHAR, file VARCHAR, line BIGINT,
        "column" VARCHAR, reason VARCHAR, raw VARCHAR)""",
)


def default_db_path() -> Path:
    return Path(os.environ.get("CXM_DB") or DEFAULT_DB)


class Store:
    """A DuckDB file with the canonical tables, plus the Ibis connection over it."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False,
                 config: Config | None = None) -> None:
        import ibis

        from cxmetrics.config import load_config

        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"no store at {self.path}; run `cxm demo` or `cxm import` first")
        self.ibis = ibis.duckdb.connect(str(self.path), read_only=read_only)
        self.raw = self.ibis.con
        if not read_only:
            self._create()
        self.config = config if config is not None else load_config()

    def _create(self) -> None:
        for stmt in META_DDL:
            self.raw.execute(stmt)
        for t in schema.TABLES.values():
            self.raw.execute(schema.ddl(t))

    # -- reading ---------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.ibis.table(name)

    def count(self, name: str) -> int:
        return int(self.raw.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in schema.TABLES}

    # -- writing ---------------------------------------------------------
    def import_file(self, table: str, path: str | Path, **options: Any) -> ImportResult:
        from cxmetrics.importing.pipeline import import_file

        return import_file(self, table, Path(path), **options)

    def import_frame(self, table: str, frame: pd.DataFrame, **options: Any) -> ImportResult:
        from cxmetrics.importing.pipeline import import_frame

        return import_frame(self, table, frame, **options)

    # -- metrics ---------------------------------------------------------
    def engine(self, **kw: Any):
        from cxmetrics.engine import Engine

        return Engine(self.ibis, self.config, **kw)

    def metrics(self, ids: list[str] | str | None = None, **kw: Any) -> pd.DataFrame:
        """Tidy DataFrame with the columns of the JSON record (SPEC 5.1)."""
        if isinstance(ids, str):
            ids = [ids]
        return self.engine().frame(ids, **kw)

    def close(self) -> None:
        self.ibis.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(path: str | Path | None = None, *, read_only: bool = False,
            config: Config | None = None) -> Store:
    """Open (creating if needed) the store at ``path`` (default ``$CXM_DB`` or ``./cx.duckdb``)."""
    return Store(path, read_only=read_only, config=config)
