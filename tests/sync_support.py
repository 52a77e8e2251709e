"""What the connector tests share: a fake help desk served on loopback, a metric's total."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from cxmetrics.store import Store
from tests.zendesk_fake import Server


@contextlib.contextmanager
def served(fake: Any, path: str = "") -> Iterator[Any]:
    """``fake`` answering on a loopback port; ``fake.url`` is its base URL (plus ``path``)."""
    with Server(fake.app()) as server:
        fake.url = server.url + path
        yield fake


def value(store: Store, metric: str, **kw: Any) -> Any:
    """The record of ``metric`` over all the data."""
    return store.metrics([metric], grain="total", **kw).iloc[0]


def assert_same_rows(store: Store, other: Store, tables: tuple[str, ...]) -> None:
    """The two stores hold the same rows in ``tables`` (import ids aside): e.g. a resumed sync
    against one clean sync."""
    for t in tables:
        q = f"SELECT * EXCLUDE (_import_id) FROM {t} ORDER BY ALL"
        assert store.raw.execute(q).fetchall() == other.raw.execute(q).fetchall(), t
