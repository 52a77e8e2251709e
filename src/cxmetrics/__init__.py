"""cxmetrics: customer-experience metrics from raw support and feedback data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cxmetrics.store import Store

__all__ = ["Store", "__version__", "connect"]


def connect(path: Any = None, **kw: Any) -> Store:
    """Open the store (see :func:`cxmetrics.store.connect`)."""
    from cxmetrics.store import connect as _connect

    return _connect(path, **kw)
