"""`cxm token create|list|revoke`: API tokens (only their SHA-256 is stored; a token is shown once)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cxmetrics.errors import UsageError
from cxmetrics.interfaces.cli.common import App, console, err_console

token_app = App(help="API tokens for `cxm serve`: viewer (read), editor (import), admin (tokens).",
                        no_args_is_help=True)


@token_app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="viewer (read), editor (read and import) or admin (also tokens).")]
    = "viewer",
    label: Annotated[str | None, typer.Option(help="A note on who or what uses the token.")] = None,
) -> None:
    """Create a token and print it once (store it safely: it cannot be shown again)."""
    from cxmetrics.interfaces.web.auth import ROLES, create_token

    if role not in ROLES:
        raise UsageError(f"--role must be one of {', '.join(ROLES)}, not {role!r}")
    store = ctx.obj.open_store(create=False)
    try:
        tid, token = create_token(store.raw, role, label)
    finally:
        store.close()
    err_console.print(f"token {tid} ({role}) created; it is shown once, only its hash is stored:", highlight=False)
    sys.stdout.write(token + "\n")


@token_app.command("list")
def list_(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """List tokens: id, role, label, created and revoked dates (never the tokens)."""
    from rich.markup import escape
    from rich.table import Table

    from cxmetrics.interfaces.web.auth import list_tokens

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, not {fmt!r}")
    store = ctx.obj.open_store(read_only=True)
    try:
        rows = list_tokens(store.raw)
    finally:
        store.close()
    if fmt == "json":
        sys.stdout.write(json.dumps({"tokens": rows}, default=str) + "\n")
        return
    table = Table()
    for c in ("id", "role", "label", "created", "revoked"):
        table.add_column(c)
    for r in rows:
        table.add_row(str(r["id"]), r["role"], escape(r["label"] or ""), f"{r['created_at']:%Y-%m-%d %H:%M}",
                      f"{r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "")
    console.print(table)


@token_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (see `cxm token list`).")],
) -> None:
    """Revoke a token: the server refuses it from the next request on."""
    from cxmetrics.interfaces.web.auth import revoke_token

    store = ctx.obj.open_store(create=False)
    try:
        changed = revoke_token(store.raw, token_id)
    finally:
        store.close()
    console.print(f"token {token_id} revoked" if changed else f"token {token_id} was already revoked",
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
