"""API tokens and the FastAPI dependencies that check them.

A token is shown once, when created; the store keeps only its SHA-256 (a token is
32 random bytes, so a plain hash cannot be reversed by guessing) in ``_tokens``.
Every write needs an editor or admin token; reads need a viewer token when the
server listens beyond loopback (``AppContext.require_read_token``). Hashes are
compared with :func:`hmac.compare_digest` against every active token, so the time
taken does not tell how close a guess was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import duckdb
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cxmetrics.errors import AuthError, Forbidden, UnknownToken, UsageError

if TYPE_CHECKING:
    from cxmetrics.interfaces.web.context import AppContext

ROLES = ("viewer", "editor", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
PREFIX = "cxm_"
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    role: str
    label: str | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_token(con: Any, role: str, label: str | None = None) -> tuple[int, str]:
    """A new token of ``role``: returns (id, token). The token itself is not stored."""
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    tid = int(con.execute("SELECT nextval('_token_seq')").fetchone()[0])
    con.execute("INSERT INTO _tokens VALUES (?, ?, ?, ?, ?, NULL)", [tid, role, hash_token(token), label, _now()])
    return tid, token


def list_tokens(con: Any) -> list[dict[str, Any]]:
    """Every token's id, role, label and dates (never the hash)."""
    try:
        rows = con.execute("SELECT id, role, label, created_at, revoked_at FROM _tokens ORDER BY id").fetchall()
    except duckdb.CatalogException:  # no _tokens table: a store from before tokens, opened read-only
        return []
    return [{"id": int(i), "role": r, "label": lb, "created_at": c, "revoked_at": rv} for i, r, lb, c, rv in rows]


def revoke_token(con: Any, token_id: int) -> bool:
    """Revoke a token; False when it was already revoked. Unknown ids raise UnknownToken."""
    row = con.execute("SELECT revoked_at FROM _tokens WHERE id = ?", [token_id]).fetchone()
    if row is None:
        raise UnknownToken(f"no token with id {token_id}; `cxm token list` shows them")
    if row[0] is not None:
        return False
    con.execute("UPDATE _tokens SET revoked_at = ? WHERE id = ?", [_now(), token_id])
    return True


def has_tokens(con: Any) -> bool:
    """Whether at least one token is active."""
    return any(t["revoked_at"] is None for t in list_tokens(con))


def verify(con: Any, token: str) -> TokenInfo | None:
    """The active token matching ``token``, or None (constant-time comparison of hashes)."""
    try:
        rows = con.execute("SELECT id, role, hash, label FROM _tokens WHERE revoked_at IS NULL").fetchall()
    except duckdb.CatalogException:  # no _tokens table: a store from before tokens, opened read-only
        return None
    digest = hash_token(token).encode()
    found = None
    for tid, role, stored, label in rows:
        if hmac.compare_digest(str(stored).encode(), digest) and found is None:
            found = TokenInfo(int(tid), role, label)
    return found


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    h = host.strip().strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


# -- FastAPI dependencies -------------------------------------------------------------------
bearer = HTTPBearer(auto_error=False, description="A token from `cxm token create` (or `POST /api/v1/tokens`).")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _ctx(request: Request) -> AppContext:
    return request.app.state.ctx


def token_of(request: Request, credentials: Credentials) -> TokenInfo | None:
    """The caller's token, None without one; a wrong or revoked token is refused (401)."""
    if credentials is None:
        return None
    info = _ctx(request).verify_token(credentials.credentials)
    if info is None:
        raise AuthError("invalid or revoked token")
    return info


def _require(role: str):
    def dependency(request: Request, credentials: Credentials) -> TokenInfo | None:
        info = token_of(request, credentials)
        if role == "viewer" and info is None and not _ctx(request).require_read_token:
            return None  # reading is open on a loopback server
        if info is None:
            raise AuthError(f"this needs an {role} token: Authorization: Bearer <token> "
                            "(create one with `cxm token create`)" if role != "viewer" else
                            "this server needs a viewer token for reading: Authorization: Bearer <token>")
        if RANK[info.role] < RANK[role]:
            raise Forbidden(f"a {info.role} token cannot do this; it needs {role}")
        return info

    dependency.__name__ = f"require_{role}"
    return dependency


#: Dependencies for routes (pages reuse them): ``dependencies=[Depends(require_viewer)]``.
require_viewer = _require("viewer")
require_editor = _require("editor")
require_admin = _require("admin")


def can_read(request: Request, credentials: Credentials) -> bool:
    """For open endpoints (health) that show more to callers allowed to read."""
    try:
        return require_viewer(request, credentials) is not None or not _ctx(request).require_read_token
    except AuthError:
        return False
