"""The engine setting (``[engine]``, ``$CXM_ENGINE``, ``cxm --engine``) without starting Spark:
where it comes from, Spark Connect URLs kept secret, the commands that refuse Spark, and the
server computing on other tables than its store file (docs/spark.md). The numbers on a real
Spark are checked in tests/test_spark_parity.py (``test_cli_on_spark``)."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxmetrics.interfaces.web.auth import create_token
from cxmetrics.settings import Config, load_config, mask_urls, shown_url
from cxmetrics.store import Store
from tests import scenario
from tests.api_support import bearer, client

SECRET = "S3CRET-t0ken"
URL = f"sc://spark.example:15002/;token={SECRET};user_id=cx"


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    (tmp_path / "cxm.toml").touch()
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "cx.duckdb"), "--config", str(tmp_path / "cxm.toml"),
                                   *args], env=env)
    return res.exit_code, res.stdout + res.stderr


def test_engine_sources_and_the_url_shorthand(tmp_path: Path) -> None:
    toml = tmp_path / "cxm.toml"
    toml.write_text('[engine]\nkind = "spark"\nmaster = "local[2]"\ndatabase = "cx"\n'
                    '[engine.conf]\n"spark.executor.memory" = "8g"\n"spark.sql.ansi.enabled" = true\n')
    c = load_config(toml, environ={})
    assert (c.engine.kind, c.engine.master, c.engine.database) == ("spark", "local[2]", "cx")
    assert c.engine.conf == {"spark.executor.memory": "8g", "spark.sql.ansi.enabled": "true"}
    assert load_config(toml, environ={"CXM_ENGINE": "duckdb"}).engine.kind == "duckdb"  # env over the file
    assert load_config(toml, environ={"CXM_ENGINE": "duckdb"},
                       overrides={"engine.kind": "spark"}).engine.kind == "spark"  # the option over env
    assert Config().engine.kind == "duckdb" and Config().engine.remote_url is None

    # `--engine sc://...` (or $CXM_ENGINE) is Spark over that Spark Connect server
    c = load_config(toml, environ={}, overrides={"engine.kind": URL})
    assert c.engine.kind == "spark" and c.engine.remote_url == URL
    assert load_config(toml, environ={"CXM_SPARK_REMOTE": URL}).engine.remote_url == URL
    for shown in (repr(c), str(c.engine), c.model_dump_json()):
        assert SECRET not in shown
    assert shown_url(URL) == "sc://spark.example:15002/;token=***;user_id=***"
    assert mask_urls(f"cxm --engine {URL} metrics") == "cxm --engine sc://spark.example:15002/;token=***;user_id=*** metrics"


@pytest.mark.parametrize(("value", "message"), [
    ("sprak", "engine.kind: must be duckdb, spark or a Spark Connect URL sc://host:port, not 'sprak'"),
    (f"sc:/spark.example/;token={SECRET}", "engine.kind: must be duckdb, spark or a Spark Connect URL"),
])
def test_a_bad_engine_is_a_usage_error(tmp_path: Path, value: str, message: str) -> None:
    code, out = run(tmp_path, "--engine", value, "metrics", "ticket_volume")
    assert code == 2 and message in out and SECRET not in out
    assert not (tmp_path / "cx.duckdb").exists()


@pytest.mark.parametrize("args", [
    ["import", "tickets", "{csv}"], ["demo", "--months", "2"], ["token", "create", "--role", "viewer"],
    ["agents"], ["explain", "ticket_volume"],
])
def test_commands_that_cannot_run_on_spark_refuse_it(tmp_path: Path, args: list[str]) -> None:
    """Writes (and reads that only know the store file) refuse before anything happens: never
    numbers from another engine than the one asked for, never a store file created."""
    csv = tmp_path / "t.csv"
    csv.write_text("ticket_id,created_at\nT1,2024-03-01 10:00\n", encoding="utf-8")
    args = [a.replace("{csv}", str(csv)) for a in args]
    code, out = run(tmp_path, "--engine", URL, *args)
    assert code == 2, out
    assert f"`cxm {args[0]}`" in out and "--engine duckdb" in out and "error:" in out
    assert SECRET not in out and "Traceback" not in out
    assert not (tmp_path / "cx.duckdb").exists()
    code, out = run(tmp_path, *args, env={"CXM_ENGINE": "spark"})  # the same from the environment
    assert code == 2 and "the engine is spark" in out


def test_an_unreachable_spark_connect_server_is_one_line_at_once(tmp_path: Path) -> None:
    """Nothing listens there: one line naming the server (token masked) in seconds, not the
    Connect client's ten minutes of silent retries."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing accepts on it
    url = f"sc://127.0.0.1:{port}/;token={SECRET}"
    t0 = time.monotonic()
    code, out = run(tmp_path, "--engine", url, "metrics", "ticket_volume")
    assert time.monotonic() - t0 < 30
    assert code == 1 and out.startswith("error: cannot use ") and out.count("\n") == 1, out
    assert f"sc://127.0.0.1:{port}/;token=***" in out and SECRET not in out
    assert f"cannot reach 127.0.0.1:{port}" in out and "Spark Connect server running" in out
    assert not (tmp_path / "cx.duckdb").exists()


def test_a_missing_spark_connect_client_says_what_to_install(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setitem(sys.modules, "grpc", None)  # import grpc fails, as without pyspark[connect]
    with socket.socket() as server:  # something listens, so the client is what is missing
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"sc://127.0.0.1:{server.getsockname()[1]}/;token={SECRET}"
        code, out = run(tmp_path, "--engine", url, "metrics", "ticket_volume")
    assert code == 1 and out.startswith("error: cannot use ") and out.count("\n") == 1, out
    assert "token=***" in out and SECRET not in out
    assert "pip install 'cxmetrics[spark-connect]'" in out


def test_serve_computes_on_the_engine_tables_and_refuses_writes(tmp_path: Path) -> None:
    """`cxm --engine spark serve` hands the app the Spark tables; any Tables does, so a second
    store stands in for Spark here: numbers, counts and dimension values come from it, tokens
    and the import log from the store file, and writes are refused."""
    other = tmp_path / "other" / "cx.duckdb"
    other.parent.mkdir()
    with Store(other, config=Config()) as s:
        scenario.load(s)
    with Store(tmp_path / "cx.duckdb", config=Config()) as own:
        admin = create_token(own.raw, "admin", "test")[1]
    tables = Store(other, read_only=True, config=Config())
    try:
        with client(tmp_path / "cx.duckdb", tables=tables) as c:
            doc = c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()
            assert [r["value"] for r in doc["metrics"]] == [7]  # the scenario's tickets, not the empty file's
            health = c.get("/api/v1/health").json()
            assert health["tables"]["tickets"] == 7 and health["facts_current"] is True
            assert "email" in c.get("/api/v1/dimensions/channel/values").json()["values"]
            tokens = c.get("/api/v1/tokens", headers=bearer(admin)).json()["tokens"]
            assert [t["role"] for t in tokens] == ["admin"]
            assert c.get("/api/v1/imports").json() == {"imports": []}
            r = c.post("/api/v1/imports/tickets", headers=bearer(admin),
                       files={"file": ("t.csv", b"ticket_id,created_at\nT9,2024-03-01 10:00\n")})
            assert r.status_code == 400 and "computes on Spark" in r.json()["detail"]
            r = c.post("/api/v1/tokens", headers=bearer(admin), json={"role": "viewer"})
            assert r.status_code == 400 and "computes on Spark" in r.json()["detail"]
            assert c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()["metrics"][0]["value"] == 7
    finally:
        tables.close()
