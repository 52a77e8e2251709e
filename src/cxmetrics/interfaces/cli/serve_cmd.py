"""`cxm serve`: the JSON API (/api/v1, OpenAPI at /openapi.json) and the dashboard, over Uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from cxmetrics.interfaces.cli.common import console, err_console, fail

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
) -> None:
    """Serve the API and dashboard; writes need an editor token (`cxm token create`)."""
    from cxmetrics.interfaces.web.auth import has_tokens, is_loopback
    from cxmetrics.settings import ConfigError
    from cxmetrics.store import default_db_path

    if not 0 < port < 65536:
        fail(f"--port must be 1-65535, not {port}", code=2)
    origins = _origins(cors_origin)
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            fail(f"--cors-origin must be an origin such as https://example.org, not {origin!r}", code=2)
    state = ctx.obj
    path = state.db or default_db_path()
    local = is_loopback(host)
    try:
        from cxmetrics.interfaces.web.app import create_app

        app = create_app(path, config_path=state.config_path, require_read_token=not local,
                         cors_origins=origins,
                         allowed_hosts=[*LOOPBACK_HOSTS, host.strip("[]")] if local else None)
    except ConfigError as e:
        fail(f"configuration: {e}", code=2)
    except Exception as e:  # duckdb.IOException and friends: locked by another process, corrupt
        fail(f"cannot open store {path}: {e}", code=1)
    if not local:
        with app.state.ctx.writer() as store:
            tokens = has_tokens(store.raw)
        if not tokens:
            app.state.ctx.close()
            fail(f"refusing to listen on {host}: beyond loopback every request needs a token, and the store has "
                 "none. Create one first: cxm token create --role viewer (and --role editor for imports)", code=2)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"cxm: serving {path.name} at http://{shown}:{port}/  (API /api/v1, OpenAPI /openapi.json)",
                  highlight=False, soft_wrap=True)
    if not local:
        err_console.print("reads need a viewer token, writes an editor token (Authorization: Bearer <token>)",
                          highlight=False)
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")


def _origins(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.rstrip("/") for v in values or ())


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
