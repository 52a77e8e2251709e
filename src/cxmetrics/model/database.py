"""An open store of the canonical tables, as the layers below :mod:`cxmetrics.store` see it.

:class:`cxmetrics.store.Store` sits above the importers and the engine (it runs imports,
stores the facts and hands out engines), so they cannot name it. The importers write
through a store and the Spark engine copies one; :class:`Database` is what they may use
of it. ``Store`` implements it; mypy checks that wherever a store is passed to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxmetrics.settings import Config


class Database(Protocol):
    """A DuckDB file holding the canonical tables (``schema.TABLES``), with its settings."""

    #: the settings the store was opened with
    config: Config
    #: the DuckDB connection (or cursor) over the file
    raw: Any

    def table(self, name: str) -> ir.Table:
        """A canonical table as an Ibis table."""
        ...
