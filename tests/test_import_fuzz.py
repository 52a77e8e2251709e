"""Seeded fuzz of the importers (issue 11): hundreds of generated malformed files over every format.

For every file: either a clean import (read = inserted + updated + unchanged + duplicates +
quarantined, exit 0 or 3) or a refusal as :class:`~cxmetrics.errors.CxmError` with a one-line
message that changes nothing; never another exception. A sample goes through the CLI (exit
codes as documented, no traceback) and through the API (4xx or 200, never 5xx; the server
keeps answering). ``CXM_FUZZ_SEED`` and ``CXM_FUZZ_FILES`` change the run; a failure names the
case, rebuilt by ``tests.fuzz_files.case(seed, i)``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

import cxmetrics as cx
from cxmetrics.errors import CxmError
from tests.fuzz_files import case, cases

SEED = int(os.environ.get("CXM_FUZZ_SEED", "11"))
FILES = int(os.environ.get("CXM_FUZZ_FILES", "300"))
TABLES = ("tickets", "messages", "calls", "survey_responses")


def snapshot(store) -> tuple:
    con = store.raw
    return (con.execute("SELECT count(*), coalesce(max(import_id), 0) FROM _import_log").fetchone(),
            con.execute("SELECT count(*) FROM _quarantine").fetchone(),
            tuple(store.count(t) for t in TABLES))


def test_readers_never_fail_with_anything_but_a_user_error(tmp_path: Path) -> None:
    # one writer session for the whole run: each file is still its own transaction (what is
    # under test), without copying and publishing the store file 300 times
    snap = cx.connect(tmp_path / "cx.duckdb")
    writer = snap.writing()
    store = writer.__enter__()
    kinds: dict[str, list[str]] = {}
    try:
        for i, (cid, table, name, data) in enumerate(cases(SEED, FILES)):
            p = tmp_path / name
            p.write_bytes(data)
            before = snapshot(store)
            try:  # every other file accepts a partial import, so mostly quarantined files are counted too
                res = store.import_file(table, p, accept_partial=i % 2 == 0)
            except CxmError as e:
                assert "\n" not in e.message and e.message, cid
                assert "please report" not in e.message and "internal error" not in e.message, cid
                assert e.exit_code in (1, 2), cid
                assert snapshot(store) == before, f"{cid}: a refused file changed the store"
                kinds.setdefault(cid.split("#")[0], []).append("refused")
                continue
            except Exception as e:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{cid} ({table}, {name}, {len(data)} bytes): {type(e).__name__}: {e}")
            parts = [res, *res.also]
            for r in parts:
                assert r.rows_read == r.inserted + r.updated + r.unchanged + r.duplicates + r.rejected, cid
            assert res.exit_code == (3 if any(r.rejected for r in parts) else 0), cid
            assert snapshot(store)[0][0] == before[0][0] + len(parts), cid
            kinds.setdefault(cid.split("#")[0], []).append("imported")
    finally:
        writer.__exit__(None, None, None)
        snap.close()
    # the generator really exercises both outcomes
    outcomes = {o for v in kinds.values() for o in v}
    assert outcomes == {"imported", "refused"}
    assert "refused" in kinds["far_cell"] and "imported" in kinds["valid"]


def test_cli_exit_codes_on_fuzzed_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    runner = CliRunner()
    db = tmp_path / "cx.duckdb"
    for cid, table, name, data in cases(SEED + 1, 40):
        p = tmp_path / name
        p.write_bytes(data)
        r = runner.invoke(app, ["--db", str(db), "import", table, str(p)])
        assert r.exit_code in (0, 1, 3), f"{cid}: exit {r.exit_code}: {r.output}"
        assert "Traceback" not in r.output and "internal error" not in r.output, f"{cid}: {r.output}"
        if r.exit_code == 1:
            assert "error:" in r.output, cid


def test_api_answers_4xx_never_5xx_on_fuzzed_uploads(tmp_path: Path) -> None:
    from tests.api_support import bearer, client, make_token

    db = tmp_path / "api" / "cx.duckdb"
    db.parent.mkdir()
    cx.connect(db).close()
    with client(db, max_upload_bytes=4 * 1024 * 1024) as c:
        c.headers.update(bearer(make_token(c, "editor")))
        no_raise = c.__class__(c.app, raise_server_exceptions=False, headers=dict(c.headers))
        statuses = set()
        for i in range(0, 60):
            cid, table, name, data = case(SEED + 2, i)
            if len(data) > 4 * 1024 * 1024:
                continue
            r = no_raise.post(f"/api/v1/imports/{table}",
                              files={"file": (name, io.BytesIO(data), "application/octet-stream")})
            assert r.status_code < 500, f"{cid}: {r.status_code} {r.text[:300]}"
            assert r.status_code in (200, 413, 422), f"{cid}: {r.status_code} {r.text[:300]}"
            statuses.add(r.status_code)
            assert no_raise.get("/api/v1/health").status_code == 200, f"{cid}: the server stopped answering"
        assert {200, 422} <= statuses
