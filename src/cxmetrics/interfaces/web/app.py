"""The FastAPI application behind ``cxm serve``: ``create_app(db_path) -> FastAPI``.

The factory opens the store once (see :mod:`cxmetrics.interfaces.web.context`), mounts the
``/api/v1`` routers and, when present, the dashboard pages (``cxmetrics.interfaces.web.pages``).
User errors (:mod:`cxmetrics.errors`) become ``{"detail": "..."}`` with their HTTP status;
anything unexpected a generic 500 without a traceback (logged on the server).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxmetrics.errors import CxmError, as_user_error
from cxmetrics.interfaces.web.context import AppContext
from cxmetrics.interfaces.web.responses import json_response

if TYPE_CHECKING:
    from cxmetrics.engine.tables import Tables
    from cxmetrics.interfaces.web.scheduler import SyncSchedule
    from cxmetrics.settings import Config

API_PREFIX = "/api/v1"
log = logging.getLogger("cxmetrics.interfaces.web")
#: Sent with every response: no MIME sniffing, no framing by other sites, no referrer leaks.
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"SAMEORIGIN"),
                    (b"referrer-policy", b"same-origin")]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in SECURITY_HEADERS if k not in names]]
            await send(message)

        await self.app(scope, receive, sending)


class RejectNul:
    """ASGI middleware: a NUL character in the path (404: no such resource) or the query (400)
    is refused. Ibis inlines string literals into SQL text, and DuckDB stops reading SQL at a
    NUL: a ticket id or filter value with one would otherwise end as a parser error, a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if "\x00" in scope["path"]:
                await json_response({"detail": "Not Found"}, 404)(scope, receive, send)
                return
            if b"%00" in query or b"\x00" in query:
                await json_response({"detail": "NUL characters are not allowed in the query"}, 400)(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)


class AllowedMethods:
    """ASGI middleware: ``OPTIONS`` on a path answers 204 with ``Allow`` listing every method
    of every route on that path, and a 405 says the same (Starlette names only the first
    route's: ``OPTIONS /api/v1/tokens`` said ``Allow: GET`` though POST exists). Paths no route
    matches pass through (404). CORS preflights are answered before this, by CORSMiddleware."""

    def __init__(self, app: ASGIApp, routes: Callable[[], list[tuple[str, set[str]]]]) -> None:
        self.app = app
        self.routes = routes
        self._table: list[tuple[Any, set[str]]] | None = None

    def allowed(self, scope: Scope) -> list[str]:
        from starlette.routing import compile_path

        if self._table is None:
            self._table = [(compile_path(path)[0], methods) for path, methods in self.routes()]
        methods: set[str] = set()
        for regex, found in self._table:
            if regex.match(scope["path"]):
                methods |= found
        return sorted(methods | {"OPTIONS"}) if methods else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            allow = self.allowed(scope)
            if allow:
                await Response(status_code=204, headers={"Allow": ", ".join(allow)})(scope, receive, send)
                return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = self.allowed(scope)
                if allow:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message["headers"] = [*headers, (b"allow", ", ".join(allow).encode())]
            await send(message)

        await self.app(scope, receive, sending)


def create_app(db_path: str | Path, *, config_path: str | Path | None = None, config: Config | None = None,
               require_read_token: bool | None = None, cors_origins: Iterable[str] = (),
               max_upload_bytes: int | None = None, allowed_hosts: Iterable[str] | None = None,
               sync: SyncSchedule | None = None, tables: Tables | None = None) -> FastAPI:
    """The app over the store at ``db_path`` (created if missing).

    ``config``: the settings (``cxm serve`` passes its own); else read from ``config_path``
    (else ``$CXM_CONFIG``, else ``./cxm.toml``).
    ``require_read_token``: reads need a viewer token (``cxm serve`` sets it when the
    host is not loopback); ``None`` leaves reading open, as on a loopback server.
    ``cors_origins``: origins allowed to call the API from a browser (none by default).
    ``max_upload_bytes`` overrides ``[server] max_upload_mb``.
    ``allowed_hosts``: Host headers accepted (others get 400). ``cxm serve`` on loopback sets
    the loopback names: reads are open there, and without the check a web page the user
    visits could rebind its own domain name to 127.0.0.1 and read the numbers (DNS
    rebinding).
    ``sync``: run a help-desk sync on a timer inside the server (``cxm serve --sync-every``).
    ``tables``: compute on these instead of the store file (``cxm --engine spark serve``: the
    Spark tables); the store file then keeps only tokens and the import log, and every write
    is refused."""
    from cxmetrics import __version__
    from cxmetrics.metrics.registry import all_metrics
    from cxmetrics.settings import load_config

    config = config if config is not None else load_config(config_path)
    all_metrics()  # load the registry now: lazy loading from several threads at once would race
    ctx = AppContext(Path(db_path), config, require_read_token=bool(require_read_token),
                     upload_limit=max_upload_bytes, cors_origins=tuple(cors_origins), tables=tables)
    ctx.open()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if ctx.snapshot is None:  # started again after a shutdown (tests run an app several times)
            ctx.open()
        ctx.start_workers()
        scheduler = None
        if sync is not None:
            from cxmetrics.interfaces.web.scheduler import Scheduler

            scheduler = _app.state.scheduler = Scheduler(ctx, sync)
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        ctx.close()

    # No /docs or /redoc: FastAPI serves them with JavaScript from a CDN, and everything here
    # must work offline (SPEC 2). The document itself is at /openapi.json.
    app = FastAPI(title="cxmetrics API", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Customer-experience metrics over one cxmetrics store; see docs/api.md. "
                              "Writes need an editor token (`Authorization: Bearer <token>`).")
    app.state.ctx = ctx
    _errors(app)

    from cxmetrics.interfaces.web import (
        api,
        api_admin,
        api_floor,
        api_forecast,
        api_imports,
        api_overview,
        api_records,
        api_rows,
        api_themes,
        survey,
    )

    routers = (api.router, api.reads, api_rows.router, api_records.router, api_imports.router,
               api_overview.router, api_admin.reports, api_admin.tokens, api_floor.router, api_forecast.router,
               api_themes.router, survey.router)
    for router in routers:
        app.include_router(router, prefix=API_PREFIX)

    def routes() -> list[tuple[str, set[str]]]:
        every = [(API_PREFIX, r) for router in routers for r in router.routes] + [("", r) for r in app.routes]
        return [(prefix + getattr(r, "path", ""), set(getattr(r, "methods", None) or ())) for prefix, r in every
                if getattr(r, "methods", None)]

    app.add_middleware(AllowedMethods, routes=routes)
    app.add_middleware(api_imports.UploadLimit, limit=ctx.max_upload_bytes)
    if ctx.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(ctx.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RejectNul)
    app.add_middleware(SecurityHeaders)
    if allowed_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    survey.install(app, ctx)  # the customer's survey page (a signed link is its credential)
    if importlib.util.find_spec("cxmetrics.interfaces.web.pages") is not None:
        from cxmetrics.interfaces.web import pages

        pages.install(app, ctx)
    _exact_schema(app)
    return app


def _exact_schema(app: FastAPI) -> None:
    """The OpenAPI document allows exactly what the server accepts where Pydantic's types
    say less: ``tz`` is one of the IANA names the server knows (or empty: the default), and
    ``by`` a list of distinct known dimensions."""
    from cxmetrics.facts.query import DIMENSIONS
    from cxmetrics.settings import zone_names

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = build()
        doc.setdefault("components", {}).setdefault("schemas", {})["TimeZone"] = {
            "type": "string", "enum": ["", *sorted(zone_names())],
            "description": "An IANA time zone name; empty: the configured zone."}
        for operations in doc.get("paths", {}).values():
            for op in operations.values():
                for param in op.get("parameters", []) if isinstance(op, dict) else []:
                    if param.get("name") == "tz":
                        param["schema"] = {"anyOf": [{"$ref": "#/components/schemas/TimeZone"}, {"type": "null"}],
                                           "title": "Tz"}
                    elif param.get("name") == "by" and "array" in str(param.get("schema")):
                        param["schema"] = {"anyOf": [{"type": "array", "uniqueItems": True,
                                                      "items": {"type": "string", "enum": list(DIMENSIONS)}},
                                                     {"type": "null"}], "title": "By"}
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _errors(app: FastAPI) -> None:
    """The one place API errors are mapped: a :class:`~cxmetrics.errors.CxmError` -> its
    ``http_status`` and ``{"detail": message}``; anything else -> a plain 500, the traceback
    in the server log only."""
    async def user_error(request: Request, exc: Exception) -> Response:
        err = as_user_error(exc)
        if err is None:
            return await unexpected(request, exc)
        return json_response({"detail": str(err)}, err.http_status, headers=err.headers or None)

    async def unexpected(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path.startswith("/s/"):  # a survey link's token is a credential: never logged
            path = "/s/<token>"
        log.exception("error in %s %s", request.method, path, exc_info=exc)
        return json_response({"detail": "internal error (see the server log)"}, 500)

    app.add_exception_handler(CxmError, user_error)
    app.add_exception_handler(Exception, unexpected)
