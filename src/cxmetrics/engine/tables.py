"""Where a reading command finds the canonical tables: the DuckDB store or a Spark catalog.

`cxm metrics`, `cxm report` and `cxm serve` read through :class:`Tables`, so the same
code computes on the ``[engine]`` the settings name (docs/spark.md):
:class:`cxmetrics.store.Store` (a read-only snapshot of the store file) and
:class:`cxmetrics.engine.spark.SparkTables` (the tables of a Spark session's catalog)
implement it; mypy checks both wherever one is passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from cxmetrics.engine.core import Engine
    from cxmetrics.settings import Config


class Tables(Protocol):
    """The canonical tables (``schema.TABLES``) as readers use them, with the settings they were opened with."""

    config: Config

    def table(self, name: str) -> ir.Table:
        """A canonical table as an Ibis table."""
        ...

    def count(self, name: str) -> int:
        """Rows in table ``name``."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows in every canonical table."""
        ...

    def engine(self, *, cache: bool = True, stored: bool = True, **kw: Any) -> Engine:
        """The engine over these tables."""
        ...

    def data_stamp(self) -> int:
        """Changes when the data may have changed (keys of kept answers)."""
        ...

    def facts_stamp(self) -> int | None:
        """The data stamp the derived facts were made from (None: never derived)."""
        ...

    def close(self) -> None:
        ...
