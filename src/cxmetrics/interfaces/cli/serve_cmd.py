"""`cxm serve`: the JSON API (/api/v1, OpenAPI at /openapi.json) and the dashboard, over Uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import Command, console, err_console
from cxmetrics.settings import parse_duration

if TYPE_CHECKING:
    from cxmetrics.interfaces.web.scheduler import SyncSchedule

#: Host headers a loopback server answers (any other name may be DNS rebinding).
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on; beyond loopback, reads need a viewer token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    cors_origin: Annotated[list[str] | None, typer.Option(
        "--cors-origin", help="Allow browser calls from this origin, e.g. https://intranet.example (repeatable; "
                              "none by default).")] = None,
    sync_every: Annotated[str | None, typer.Option(
        "--sync-every", help="Sync a help desk inside the server on this interval, e.g. 15m (needs --sync-source "
                             "and --sync-url; credentials from the environment, docs/connectors.md).")] = None,
    sync_source: Annotated[str | None, typer.Option("--sync-source", help="Help desk to sync: zendesk.")] = None,
    sync_url: Annotated[str | None, typer.Option("--sync-url", help="The help desk's base URL.")] = None,
) -> None:
    """Serve the API and dashboard; writes need an editor token (`cxm token create`)."""
    from cxmetrics.interfaces.web.app import create_app
    from cxmetrics.interfaces.web.auth import has_tokens, is_loopback

    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1-65535, not {port}")
    origins = _origins(cors_origin)
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise UsageError(f"--cors-origin must be an origin such as https://example.org, not {origin!r}")
    schedule = _schedule(sync_every, sync_source, sync_url)
    config = ctx.obj.config()
    path = config.db
    local = is_loopback(host)
    tables = None
    if config.engine.kind == "spark":
        if schedule is not None:
            raise UsageError("--sync-every writes the store file, and the engine is spark; sync with "
                             "--engine duckdb, or load the help desk's data into the Spark tables")
        from cxmetrics.interfaces.cli.common import open_tables

        tables = open_tables(ctx.obj)
    app = create_app(path, config=config, require_read_token=not local, cors_origins=origins,
                     allowed_hosts=[*LOOPBACK_HOSTS, host.strip("[]")] if local else None, sync=schedule,
                     tables=tables)
    if not local:
        cur = app.state.ctx.cursor()  # the store file's tokens, whatever the engine
        try:
            tokens = has_tokens(cur)
        finally:
            cur.close()
        if not tokens:
            app.state.ctx.close()
            raise UsageError(f"refusing to listen on {host}: beyond loopback every request needs a token, and the "
                             "store has none. Create one first: cxm token create --role viewer (and --role editor "
                             "for imports)")
    shown = f"[{host}]" if ":" in host else host
    console.print(f"cxm: serving {path.name} at http://{shown}:{port}/  (API /api/v1, OpenAPI /openapi.json)",
                  highlight=False, soft_wrap=True)
    if tables is not None:
        from cxmetrics.engine.spark import shown_engine

        console.print(f"computing on {shown_engine(config.engine)}; the numbers are the Spark tables' as first read "
                      f"(restart to see new data); writes are refused, tokens come from {path.name}",
                      highlight=False, soft_wrap=True)
    if not local:
        err_console.print("reads need a viewer token, writes an editor token (Authorization: Bearer <token>)",
                          highlight=False)
    import uvicorn

    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if tables is not None:
            tables.close()  # a Spark Connect client session ends cleanly (the server stays)


def _schedule(every: str | None, source: str | None, url: str | None) -> SyncSchedule | None:
    from cxmetrics.errors import ConfigError
    from cxmetrics.ingest import connectors
    from cxmetrics.interfaces.web.scheduler import SyncSchedule

    if every is None:
        if source or url:
            raise UsageError("--sync-source and --sync-url need --sync-every, e.g. --sync-every 15m")
        return None
    if not source or not url:
        raise UsageError("--sync-every needs --sync-source (e.g. zendesk) and --sync-url (the help desk's base URL)")
    try:
        seconds = parse_duration(every)
    except ConfigError as e:
        raise UsageError(f"--sync-every: {e}") from None
    if seconds < 60:
        raise UsageError(f"--sync-every must be at least 1m (help desks rate-limit their exports), not {every!r}")
    connectors.get(source)  # an unknown source is a usage error now, not at the first tick
    return SyncSchedule(source, url, seconds)


def _origins(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.rstrip("/") for v in values or ())


def register(app: typer.Typer) -> None:
    app.command("serve", cls=Command)(serve)
