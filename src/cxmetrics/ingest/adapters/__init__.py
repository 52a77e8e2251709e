"""Named source adapters: well-known export shapes that a column mapping cannot express.

``cxm import TABLE FILE --source NAME`` uses the adapter NAME when one exists; any other
``--source`` value is only a label recorded in the import log.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: adapter name -> module with ``import_file(store, table, path, **options) -> ImportResult``
ADAPTERS: dict[str, str] = {
    "twcs": "cxmetrics.ingest.adapters.twcs",
    "freshdesk": "cxmetrics.ingest.adapters.freshdesk",
    "zendesk": "cxmetrics.ingest.adapters.zendesk",
}


def get(name: str | None) -> Callable[..., Any] | None:
    if not name or name not in ADAPTERS:
        return None
    return importlib.import_module(ADAPTERS[name]).import_file


def names() -> list[str]:
    return sorted(ADAPTERS)


def check_usage(name: str | None, table: str, **options: Any) -> None:
    """Refuse options the adapter ``name`` cannot take (a usage error) before any file is read."""
    if name and name in ADAPTERS:
        importlib.import_module(ADAPTERS[name]).check_usage(table, **options)
