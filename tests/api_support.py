"""Shared pieces of the API tests: a small demo store, the app and an in-process client.

The demo generator at a twentieth of its volume gives every table (tickets, calls,
surveys, customers, orders) in about a second; each test module copies it so
writes in one module never leak into another.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

END = dt.date(2026, 10, 31)
MONTHS = ("2026-08-01", "2026-09-01", "2026-10-01")


def build_demo(path: Path) -> Path:
    """A small demo store at ``path`` with current stored facts."""
    from cxmetrics.demo import build
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    s = Store(path, config=Config())
    try:
        build(s, seed=3, months=3, end=END, scale=0.05)
        s.stored_facts()
    finally:
        s.close()
    return path


def copy_store(template: Path, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "cx.duckdb"
    shutil.copyfile(template, target)
    return target


def empty_config(directory: Path) -> Path:
    """An empty cxm.toml: default settings whatever the environment holds."""
    p = directory / "cxm.toml"
    p.write_text("", encoding="utf-8")
    return p


def client_class() -> Any:
    """Starlette's TestClient warns (at import) that it prefers the httpx2 package; the
    suite turns warnings into errors, and this one is about a test dependency."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
        from fastapi.testclient import TestClient
    return TestClient


@contextlib.contextmanager
def client(db: Path, **kw: Any) -> Iterator[Any]:
    """An in-process client of ``create_app(db, **kw)``; the app is shut down (store closed) after."""
    from cxmetrics.interfaces.web.app import create_app

    kw.setdefault("config_path", empty_config(db.parent))
    app = create_app(db, **kw)
    with client_class()(app) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(db_client: Any, role: str) -> str:
    """A token created through the app's own writer (the store file is held by the app)."""
    from cxmetrics.interfaces.web.auth import create_token

    with db_client.app.state.ctx.writer() as store:
        return create_token(store.raw, role, f"test {role}")[1]
