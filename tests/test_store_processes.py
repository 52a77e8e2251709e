"""One store, many processes (issue 12), with real processes: `cxm serve`, `cxm import`,
`cxm metrics`, `cxm token` and a notebook-style `cxmetrics.connect` reader on one file.

Writers publish a new copy of the file under a lock (cxmetrics.store); readers read
snapshots. So: no reader ever fails, writers wait for each other instead of failing,
nothing is lost, and the running server answers with every import without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.errors import StoreBusy
from tests.api_support import copy_store, empty_config

SRC = str(Path(__file__).resolve().parents[1] / "src")
#: files per CLI writer, tickets per file
FILES, ROWS = 1, 40


@pytest.fixture(scope="module")
def template(api_demo: Path) -> Path:
    return api_demo


def env_for(directory: Path) -> dict[str, str]:
    """The subprocesses import this checkout's code and read no cxm.toml but an empty one; writes
    keep the dashboard's warm start on, as a user's store does (tests/conftest.py turns it off), and
    the server answers with a compute worker beside it."""
    path = os.environ.get("PYTHONPATH", "")
    parts = [SRC, *(os.path.abspath(p) for p in path.split(os.pathsep) if p)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(parts), "CXM_CONFIG": str(empty_config(directory)),
            "COLUMNS": "200", "CXM_WARM_START": "1", "CXM_COMPUTE_PROCESSES": "1"}


def cxm(*args: str) -> list[str]:
    return [sys.executable, "-m", "cxmetrics.interfaces.cli.main", *args]


def tickets_csv(path: Path, prefix: str, n: int = ROWS) -> Path:
    lines = ["ticket_id,created_at,channel"]
    lines += [f"{prefix}-{i},2026-10-{1 + i % 28:02d} 10:00:00,email" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, directory: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    import httpx

    port = free_port()
    proc = subprocess.Popen(cxm("--db", str(db), "serve", "--port", str(port)), cwd=directory, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"the server did not start: {proc.communicate()[1][-2000:]}")


NOTEBOOK = """
import json, sys, time
from pathlib import Path
import cxmetrics as cx

store = cx.connect(sys.argv[1], read_only=True)
stop, seen = Path(sys.argv[2]), []
while True:
    last = stop.exists()
    volume = store.metrics(["ticket_volume"], grain="total")["value"].tolist()[0]  # refreshes the snapshot
    seen.append([store.counts()["tickets"], int(volume)])
    if last:
        break
    time.sleep(0.1)
store.close()
print(json.dumps(seen))
"""


def test_readers_writers_and_the_server_share_one_store(template: Path, tmp_path: Path) -> None:
    import httpx

    db = copy_store(template, tmp_path / "store")
    env = env_for(tmp_path)
    stop = tmp_path / "stop"
    base_count = json.loads(subprocess.run(cxm("--db", str(db), "metrics", "ticket_volume", "--grain", "total",
                                               "--format", "json"), env=env, cwd=tmp_path, capture_output=True,
                                           text=True, check=True).stdout)["metrics"][0]["value"]
    server, url = start_server(db, tmp_path, env)
    errors: list[str] = []
    server_counts: list[int] = []
    cli_runs: list[int] = []
    try:
        # a CLI writer while the server runs: an editor token for the server's own import
        made = subprocess.run(cxm("--db", str(db), "token", "create", "--role", "editor"), env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip()

        def poll_server() -> None:
            while True:
                last = stop.exists()  # one more look after the writers are done: the final count
                r = httpx.get(f"{url}/api/v1/health", timeout=60)
                if r.status_code != 200:
                    errors.append(f"server health {r.status_code}: {r.text}")
                else:
                    server_counts.append(r.json()["tables"]["tickets"])
                m = httpx.get(f"{url}/api/v1/metrics?metric=ticket_volume&grain=total", timeout=60)
                if m.status_code != 200:
                    errors.append(f"server metrics {m.status_code}: {m.text}")
                if last:
                    return
                time.sleep(0.1)

        def cli_reader() -> None:
            while not stop.exists():
                p = subprocess.run(cxm("--db", str(db), "metrics", "ticket_volume", "--grain", "total", "--format",
                                       "json"), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
                if p.returncode != 0:
                    errors.append(f"cxm metrics: {p.returncode} {p.stderr}")
                else:
                    cli_runs.append(json.loads(p.stdout)["metrics"][0]["value"])

        outputs: dict[str, list[str]] = {}

        def cli_writer(name: str) -> None:
            for i in range(FILES):
                f = tickets_csv(tmp_path / f"{name}{i}.csv", f"{name}{i}")
                p = subprocess.run(cxm("--db", str(db), "import", "tickets", str(f)), env=env, cwd=tmp_path,
                                   capture_output=True, text=True, timeout=300)
                outputs.setdefault(name, []).append(p.stderr)
                if p.returncode != 0:
                    errors.append(f"cxm import {f.name}: {p.returncode} {p.stderr}")

        def server_writer() -> None:
            f = tickets_csv(tmp_path / "upload.csv", "upload")
            with f.open("rb") as fh:
                r = httpx.post(f"{url}/api/v1/imports/tickets", files={"file": ("upload.csv", fh, "text/csv")},
                               headers={"Authorization": f"Bearer {token}"}, timeout=300)
            if r.status_code != 200:
                errors.append(f"upload {r.status_code}: {r.text}")

        notebook = subprocess.Popen([sys.executable, "-c", NOTEBOOK, str(db), str(stop)], env=env, cwd=tmp_path,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        readers = [threading.Thread(target=t) for t in (poll_server, cli_reader)]
        writers = [threading.Thread(target=cli_writer, args=(n,)) for n in ("a", "b")]
        writers.append(threading.Thread(target=server_writer))
        for t in [*readers, *writers]:
            t.start()
        for t in writers:
            t.join(timeout=600)
        stop.touch()
        for t in readers:
            t.join(timeout=300)
        out, err = notebook.communicate(timeout=300)
        assert notebook.returncode == 0, err
        seen: list[Any] = json.loads(out)

        expected = base_count + (2 * FILES + 1) * ROWS
        assert errors == []
        # the server shows every import without a restart, and never went backwards
        final = httpx.get(f"{url}/api/v1/metrics?metric=ticket_volume&grain=total", timeout=60).json()
        assert final["metrics"][0]["value"] == expected
        # its compute worker lived through the imports and answers a new question with them
        months = httpx.get(f"{url}/api/v1/metrics?metric=ticket_volume&grain=month", timeout=60).json()
        assert sum(r["value"] for r in months["metrics"]) == expected
        workers = httpx.get(f"{url}/api/v1/health", timeout=60).json()["workers"]
        assert workers["started"] == workers["running"] == 1 and workers["answered"] >= 1, workers
        assert server_counts == sorted(server_counts) and server_counts[-1] == expected
        # the notebook's snapshot followed the imports, never backwards, and ended exact
        assert [c for c, _ in seen] == sorted(c for c, _ in seen) and seen[-1][1] == expected, (seen[-4:], expected)
        assert cli_runs == sorted(cli_runs) and cli_runs and cli_runs[-1] <= expected
    finally:
        stop.touch()
        server.terminate()
        server.communicate(timeout=60)
    after = subprocess.run(cxm("--db", str(db), "metrics", "ticket_volume", "--grain", "total", "--format", "json"),
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert json.loads(after.stdout)["metrics"][0]["value"] == expected
    assert sorted(p.name for p in db.parent.iterdir()) == ["cx.duckdb", "cx.duckdb.lock"]  # no copies left


def test_a_second_writer_waits_and_says_for_whom(template: Path, tmp_path: Path) -> None:
    from cxmetrics.store import WriteLock

    db = copy_store(template, tmp_path / "store")
    env = env_for(tmp_path)
    f = tickets_csv(tmp_path / "w.csv", "w")
    with WriteLock(db, 0):
        refused = subprocess.run(cxm("--db", str(db), "--wait", "0", "import", "tickets", str(f)), env=env,
                                 cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert refused.returncode != 0
        assert f"error: the store {db} is being written by PID {os.getpid()}" in refused.stderr
        assert "--wait SECONDS" in refused.stderr
        proc = subprocess.Popen(cxm("--db", str(db), "import", "tickets", str(f)), env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        line = proc.stderr.readline()  # blocks until the writer says it waits
        assert f"waiting for the store {db}: PID {os.getpid()}" in line
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "inserted" in out


def test_a_writer_waiting_on_a_removed_lock_file_locks_the_new_one(tmp_path: Path) -> None:
    """A session that leaves no store removes its lock file while it still holds it (nothing is
    left behind a refused import). A writer that was waiting on that file must not count it as
    the lock: a third writer would lock a new file at the path and both would write at once."""
    from cxmetrics.store import WriteLock, lock_path

    db = tmp_path / "cx.duckdb"
    holder = WriteLock(db, 0)
    holder.acquire()
    script = ("import sys, time; from pathlib import Path; from cxmetrics.store import WriteLock\n"
              "w = WriteLock(Path(sys.argv[1]), 30, lambda m: print('waiting', flush=True)); w.acquire()\n"
              "print('locked', flush=True); time.sleep(30)")
    waiter = subprocess.Popen([sys.executable, "-c", script, str(db)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")})
    try:
        assert waiter.stdout is not None and waiter.stdout.readline().strip() == "waiting"
        holder.release(remove=True)
        assert waiter.stdout.readline().strip() == "locked"
        assert lock_path(db).exists()  # the waiter's new file at the path, not the removed one
        third = WriteLock(db, 0)
        with pytest.raises(StoreBusy, match="being written by PID"):
            third.acquire()
    finally:
        waiter.kill()
        waiter.wait(30)


def test_the_first_screen_a_writer_keeps_is_the_one_the_server_computes(template: Path, tmp_path: Path) -> None:
    """Writers keep the dashboard's first answer with the data (warm start); it must be
    byte for byte what the server computes itself."""
    import duckdb

    from cxmetrics.interfaces.web.api_overview import warm_answers
    from cxmetrics.settings import Config
    from cxmetrics.store import Store
    from tests.api_support import client

    db = copy_store(template, tmp_path / "store")
    with Store(db, config=Config()) as w:
        w.before_publish.append(warm_answers)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM _answers").fetchone() == (1,)
    with client(db) as c:
        kept = c.get("/api/v1/overview")
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE _answers")
    with client(db) as c:
        computed = c.get("/api/v1/overview")
    assert kept.status_code == computed.status_code == 200
    # equal up to the last bits of float sums (DuckDB's parallel sums differ in the order they add)
    assert same(kept.json(), computed.json())


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_a_failing_before_publish_step_does_not_cost_the_import(tmp_path: Path) -> None:
    import pandas as pd

    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    def broken(_store: Store) -> None:
        raise RuntimeError("no answer today")

    db = tmp_path / "cx.duckdb"
    with Store(db, config=Config()) as w:
        w.before_publish.append(broken)
        w.import_frame("tickets", pd.DataFrame({"ticket_id": ["a"], "created_at": [pd.Timestamp("2026-01-05", tz="UTC")]}))
    with Store(db, read_only=True, config=Config()) as r:
        assert r.count("tickets") == 1 and r.facts_stamp() == r.data_stamp()


def test_a_cli_writer_yields_the_cpu_to_readers(tmp_path: Path) -> None:
    """``write_nice``: a CLI writer session lowers its process's priority once, by the setting
    (default 10), before DuckDB starts its threads; 0 keeps it. A process of its own: a pytest
    worker must not renice itself (the suite sets CXM_WRITE_NICE=0)."""
    script = (
        "import os, sys\n"
        "from cxmetrics.interfaces.cli.common import State\n"
        "before = os.nice(0)\n"
        "State(db=__import__('pathlib').Path(sys.argv[1])).open_store().close()\n"
        "State(db=__import__('pathlib').Path(sys.argv[1])).open_store().close()  # once per process\n"
        "print(os.nice(0) - before)\n")
    for env, want in (({}, 10), ({"CXM_WRITE_NICE": "3"}, 3), ({"CXM_WRITE_NICE": "0"}, 0)):
        base = {k: v for k, v in os.environ.items() if k != "CXM_WRITE_NICE"}
        res = subprocess.run([sys.executable, "-c", script, str(tmp_path / "n.duckdb")], capture_output=True,
                             text=True, timeout=120, env={**base, **env}, check=False)
        assert res.returncode == 0, res.stderr
        assert int(res.stdout.strip()) == min(want, 19 - os.nice(0)), (env, res.stdout)
