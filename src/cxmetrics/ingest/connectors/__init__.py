"""Help-desk connectors: ``cxm sync SOURCE --url BASE_URL`` (docs/connectors.md).

A connector reads a help desk's API page by page and writes each page through the import
path (:func:`cxmetrics.ingest.write.write`): canonical rows upserted by key, rows missing a
required value quarantined, one import-log entry per table and page, and the stream's
cursor advanced in the *same* transaction. A sync that stops half-way has committed whole
pages only, and the next run resumes after the last of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: source name -> module with ``sync(store, url, *, since, full, ...) -> SyncResult``
CONNECTORS: dict[str, str] = {
    "zendesk": "cxmetrics.ingest.connectors.zendesk",
    "freshdesk": "cxmetrics.ingest.connectors.freshdesk",
    "zammad": "cxmetrics.ingest.connectors.zammad",
    "chatwoot": "cxmetrics.ingest.connectors.chatwoot",
    "intercom": "cxmetrics.ingest.connectors.intercom",
    "helpscout": "cxmetrics.ingest.connectors.helpscout",
}


def get(name: str) -> Callable[..., Any]:
    from cxmetrics.errors import UsageError

    if name not in CONNECTORS:
        raise UsageError(f"unknown source {name!r}; known sources: {', '.join(sorted(CONNECTORS))}")
    return importlib.import_module(CONNECTORS[name]).sync


def names() -> list[str]:
    return sorted(CONNECTORS)
