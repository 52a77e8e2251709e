"""Tokens and who may do what: `cxm token`, hashes at rest, viewer/editor/admin, loopback vs open."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cxmetrics.interfaces.web.auth import is_loopback
from tests.api_support import bearer, client, copy_store, make_token

CSV = b"ticket_id,created_at,channel\nAUTH1,2026-10-05 10:00,email\n"


@pytest.fixture(scope="module")
def template(api_demo: Path) -> Path:
    """The shared small demo (conftest.api_demo): copy it before writing."""
    return api_demo


@pytest.fixture(scope="module")
def closed(template: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server that listens beyond loopback: reads need a token too."""
    with client(copy_store(template, tmp_path_factory.mktemp("closed")), require_read_token=True) as c:
        yield c


@pytest.fixture(scope="module")
def local(template: Path, tmp_path_factory: pytest.TempPathFactory):
    with client(copy_store(template, tmp_path_factory.mktemp("local"))) as c:
        yield c


def upload(c, headers: dict | None = None):
    return c.post("/api/v1/imports/tickets", files={"file": ("t.csv", io.BytesIO(CSV), "text/csv")},
                  headers=headers or {})


def cxm(*args: str) -> tuple[int, str, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


# -- cxm token -------------------------------------------------------------------------------------
def test_token_commands_store_hashes_only(template: Path, tmp_path: Path) -> None:
    db = copy_store(template, tmp_path)
    code, out, err = cxm("--db", str(db), "token", "create", "--role", "editor", "--label", "ci import")
    assert code == 0 and "shown once" in err
    token = out.strip()
    assert token.startswith("cxm_") and len(token) > 40
    code, out2, _ = cxm("--db", str(db), "token", "create", "--role", "viewer")
    assert out2.strip() != token
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT id, role, hash, label, revoked_at FROM _tokens ORDER BY id").fetchall()
        dump = " ".join(str(v) for r in con.execute("SELECT * FROM _tokens").fetchall() for v in r)
    assert [(r[0], r[1], r[3]) for r in rows] == [(1, "editor", "ci import"), (2, "viewer", None)]
    assert rows[0][2] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in dump and token[4:] not in dump  # the token itself is nowhere
    code, out, _ = cxm("--db", str(db), "token", "list")
    assert code == 0 and "ci import" in out and token not in out and rows[0][2] not in out
    code, out, _ = cxm("--db", str(db), "token", "list", "--format", "json")
    assert '"role": "editor"' in out and "hash" not in out
    assert cxm("--db", str(db), "token", "revoke", "1")[0] == 0
    assert "already revoked" in cxm("--db", str(db), "token", "revoke", "1")[1]
    assert cxm("--db", str(db), "token", "revoke", "99")[0] == 1
    assert cxm("--db", str(db), "token", "create", "--role", "root")[0] == 2
    with client(db) as c:  # the revoked editor token is refused, the viewer one still reads
        assert upload(c, bearer(token)).status_code == 401
        assert c.get("/api/v1/catalog", headers=bearer(out2.strip())).status_code == 200


# -- reads -------------------------------------------------------------------------------------------
READS = ["/api/v1/catalog", "/api/v1/metrics?metric=ticket_volume&grain=total", "/api/v1/imports",
         "/api/v1/dimensions/channel/values", "/api/v1/comments?limit=1"]


@pytest.mark.parametrize("url", READS)
def test_reads_are_open_on_loopback(local, url: str) -> None:
    assert local.get(url).status_code == 200


@pytest.mark.parametrize("url", READS)
def test_reads_need_a_token_beyond_loopback(closed, url: str) -> None:
    r = closed.get(url)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "viewer token" in r.json()["detail"]
    assert closed.get(url, headers=bearer("cxm_not-a-real-token")).status_code == 401
    assert closed.get(url, headers=bearer(make_token(closed, "viewer"))).status_code == 200


def test_health_is_open_but_says_less_without_a_token(closed) -> None:
    anon = closed.get("/api/v1/health").json()
    assert anon["status"] == "ok" and anon["read_token_required"] is True and "tables" not in anon
    full = closed.get("/api/v1/health", headers=bearer(make_token(closed, "viewer"))).json()
    assert full["tables"]["tickets"] > 0


# -- writes --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture", ["local", "closed"])
def test_writes_need_an_editor_token(request: pytest.FixtureRequest, fixture: str) -> None:
    c = request.getfixturevalue(fixture)
    r = upload(c)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert upload(c, bearer("cxm_wrong")).status_code == 401
    viewer = upload(c, bearer(make_token(c, "viewer")))
    assert viewer.status_code == 403 and "viewer" in viewer.json()["detail"]
    assert upload(c, bearer(make_token(c, "editor"))).status_code == 200
    assert upload(c, bearer(make_token(c, "admin"))).status_code == 200


def test_revoked_token_is_refused_at_once(local) -> None:
    admin = make_token(local, "admin")
    made = local.post("/api/v1/tokens", json={"role": "editor", "label": "robot"}, headers=bearer(admin))
    assert made.status_code == 201
    tid, token = made.json()["id"], made.json()["token"]
    assert upload(local, bearer(token)).status_code == 200
    listed = local.get("/api/v1/tokens", headers=bearer(admin)).json()["tokens"]
    assert any(t["id"] == tid and t["label"] == "robot" for t in listed)
    assert all(token not in str(t) and "hash" not in t for t in listed)
    assert local.delete(f"/api/v1/tokens/{tid}", headers=bearer(admin)).json()["revoked"] is True
    assert upload(local, bearer(token)).status_code == 401
    assert local.delete("/api/v1/tokens/123456", headers=bearer(admin)).status_code == 404


def test_only_admins_manage_tokens(local) -> None:
    editor = make_token(local, "editor")
    assert local.get("/api/v1/tokens").status_code == 401
    assert local.get("/api/v1/tokens", headers=bearer(editor)).status_code == 403
    assert local.post("/api/v1/tokens", json={"role": "admin"}, headers=bearer(editor)).status_code == 403
    admin = make_token(local, "admin")
    assert local.post("/api/v1/tokens", json={"role": "root"}, headers=bearer(admin)).status_code == 422


def test_tokens_are_compared_in_constant_time(local, monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    from cxmetrics.interfaces.web import auth

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    viewer = make_token(local, "viewer")
    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    cur = local.app.state.ctx.cursor()
    try:
        active = cur.execute("SELECT count(*) FROM _tokens WHERE revoked_at IS NULL").fetchone()[0]
        assert auth.verify(cur, viewer) is not None
    finally:
        cur.close()
    assert len(calls) == active  # every active hash compared, no early exit


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "example.org", ""))


def test_request_bodies_are_capped_before_auth(local) -> None:
    """Any body (not only uploads) is refused past a cap while it arrives: an anonymous
    caller must not make the server buffer an unbounded JSON body before its 401."""
    big = b'{"role": "admin", "label": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    r = local.post("/api/v1/tokens", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code

    def chunks():
        yield b'{"role": "admin", "label": "'
        for _ in range(48):
            yield b"x" * 65536
        yield b'"}'

    r = local.post("/api/v1/tokens", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code
    admin = make_token(local, "admin")
    ok = local.post("/api/v1/tokens", json={"role": "viewer", "label": "small"}, headers=bearer(admin))
    assert ok.status_code == 201


def test_anonymous_uploads_are_refused_before_the_body_is_read(local) -> None:
    """Without any token the upload is refused before its body is read and spooled to disk."""
    app = local.app
    seen = 0
    inner = app.middleware_stack or app.build_middleware_stack()

    async def counting(scope, receive, send):
        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            return message
        await inner(scope, counted, send)

    app.middleware_stack = counting
    try:
        r = upload(local)
        big = local.post("/api/v1/imports/tickets", files={"file": ("t.csv", io.BytesIO(b"x" * 500_000))})
    finally:
        app.middleware_stack = inner
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert big.status_code == 401 and seen == 0
