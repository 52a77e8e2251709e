"""Compute workers (interfaces/web/workers.py, ``[server] compute_processes``): processes beside the
server that answer new metrics questions on cores of their own. An answer is the same
whichever process computed it; a worker never answers from another version of the store than
the one the server keys its cache with; a refused question is refused by the server with its own
status and message; a worker that dies costs nothing but its help; workers stop with the server."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import bearer, client, copy_store, make_token

ROOT = Path(__file__).resolve().parents[1]

#: questions of several shapes: groups, filters, comparisons, statistics, CSV
QUESTIONS = [
    "metric=first_response_time&metric=resolution_time&grain=month&compare=previous&from=2026-09-01",
    "metric=ticket_volume&metric=csat&grain=week&from=2026-09-14&to=2026-10-18",
    "metric=nps&metric=fcr_rate&grain=month&by=channel",
    "metric=resolution_time&grain=total&stat=p90&from=2026-09-01&to=2026-10-31",
    "metric=ticket_volume&grain=month&by=category&where=channel=email&format=csv",
    "grain=total&from=2026-10-01&to=2026-10-31",
]
#: a question the endpoint takes and the engine refuses (calls have no ticket category)
REFUSED = "metric=call_abandonment_rate&grain=month&by=category"
VOLUME = ("ticket_volume",), "total", (), None, None, None, "calendar", "median", None, (), "json"


@pytest.fixture
def db(api_demo: Path, tmp_path: Path) -> Path:
    return copy_store(api_demo, tmp_path / "store")


def test_a_worker_answers_as_the_server_does_and_stops_with_it(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = copy_store(db, tmp_path / "other")
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        [worker] = c.app.state.ctx.workers
        assert worker.ready(120)
        ours = {q: c.get(f"/api/v1/metrics?{q}") for q in QUESTIONS}
        assert worker.answered == len(QUESTIONS)  # asked one at a time, the idle worker took each
        refused = c.get(f"/api/v1/metrics?{REFUSED}")
        assert worker.answered == len(QUESTIONS) and worker.alive  # declined, and still there
    assert not worker.alive  # stopped with the server
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "0")
    with client(other) as c:
        assert c.app.state.ctx.workers == []
        theirs = {q: c.get(f"/api/v1/metrics?{q}") for q in QUESTIONS}
        alone = c.get(f"/api/v1/metrics?{REFUSED}")
    for q in QUESTIONS:
        assert ours[q].status_code == theirs[q].status_code == 200, (q, ours[q].text)
        assert ours[q].headers["content-type"] == theirs[q].headers["content-type"]
        assert same(parsed(ours[q]), parsed(theirs[q])), q
    assert refused.status_code == alone.status_code == 400
    assert refused.json() == alone.json() and "category" in refused.text


def test_a_worker_never_answers_for_another_version(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.interfaces.web.workers import metrics_answer

    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        ctx = c.app.state.ctx
        [worker] = ctx.workers
        assert worker.ready(120)
        stamp = ctx.stamp
        assert worker.ask(stamp + 1, VOLUME) is None  # the server keys another version: declined
        assert worker.ask(stamp, VOLUME) == metrics_answer(ctx, VOLUME)
        before = c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()["metrics"][0]["value"]
        c.headers.update(bearer(make_token(c, "editor")))
        csv = b"ticket_id,created_at,channel\nW1,2026-10-02 10:00,email\nW2,2026-10-03 10:00,chat\n"
        r = c.post("/api/v1/imports/tickets", files={"file": ("t.csv", io.BytesIO(csv), "text/csv")})
        assert r.status_code == 200, r.text
        assert ctx.stamp != stamp
        assert worker.ask(stamp, VOLUME) is None  # the old version's question
        answered = worker.answered
        after = c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()["metrics"][0]["value"]
        assert after == before + 2 and worker.answered == answered + 1  # the worker read the new version


def test_a_dead_worker_costs_only_its_help(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        [worker] = c.app.state.ctx.workers
        assert worker.ready(120)
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        answers = [c.get(f"/api/v1/metrics?{q}") for q in QUESTIONS[:2]]
        assert [a.status_code for a in answers] == [200, 200]
        assert not worker.alive and worker.answered == 0
        health = c.get("/api/v1/health").json()
        assert health["status"] == "ok" and health["workers"] == {"started": 1, "running": 0, "answered": 0}
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "0")
    with client(copy_store(db, tmp_path / "again")) as c:
        assert same([parsed(c.get(f"/api/v1/metrics?{q}")) for q in QUESTIONS[:2]], [parsed(a) for a in answers])


def parsed(r: Any) -> Any:
    if r.headers["content-type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(r.text)))
    return r.json()


def same(a: Any, b: Any) -> bool:
    """Equal, floats to the last few bits: DuckDB sums floating-point values in parallel, so the
    same question's mean or interval can differ in its 16th digit from one run to the next,
    in one process as in two."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:
            return same(float(a), float(b))
        except ValueError:
            return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_a_script_without_a_main_guard_gets_its_workers(db: Path, tmp_path: Path) -> None:
    """Workers are fresh interpreters running their own module: a user's script that starts the
    server at its top level is not run again in them (multiprocessing's spawn would)."""
    script = tmp_path / "serve_here.py"
    script.write_text(
        "import json, os, sys\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "os.environ['CXM_COMPUTE_PROCESSES'] = '1'\n"
        "from tests.api_support import client\n"
        f"with client(Path({str(db)!r})) as c:\n"
        "    [w] = c.app.state.ctx.workers\n"
        "    assert w.ready(120)\n"
        "    c.get('/api/v1/metrics?metric=ticket_volume&grain=month')\n"
        "    print(json.dumps(c.get('/api/v1/health').json()['workers']))\n", encoding="utf-8")
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout.strip().splitlines()[-1]) == {"started": 1, "running": 1, "answered": 1}


def test_a_stuck_worker_is_stopped_and_the_server_answers(db: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that stops answering (here: stopped by a signal) holds its question at most
    ``TIMEOUT``; meanwhile other questions find it busy and are answered by the server; then it is
    ended, and the server answers that question too. Stopping the server stops such a worker."""
    import threading

    from cxmetrics.interfaces.web import workers

    monkeypatch.setattr(workers, "TIMEOUT", 3.0)
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        ctx = c.app.state.ctx
        [worker] = ctx.workers
        assert worker.ready(120) and worker.pid is not None
        os.kill(worker.pid, signal.SIGSTOP)
        got: dict[str, Any] = {}
        first = threading.Thread(target=lambda: got.update(first=c.get(f"/api/v1/metrics?{QUESTIONS[0]}")))
        first.start()
        deadline = time.monotonic() + 30
        while not worker.busy and time.monotonic() < deadline:  # the first question is in
            time.sleep(0.01)
        assert worker.ask(ctx.stamp, VOLUME) is workers.BUSY
        second = c.get(f"/api/v1/metrics?{QUESTIONS[1]}")  # answered by the server meanwhile
        first.join(60)
        assert second.status_code == 200 and got["first"].status_code == 200
        assert not worker.alive and worker.answered == 0
        assert worker.wait(10) == -signal.SIGKILL
    with client(copy_store(db, tmp_path / "again")) as c:
        assert same(parsed(c.get(f"/api/v1/metrics?{QUESTIONS[0]}")), parsed(got["first"]))


def test_workers_never_import_from_the_servers_folder(db: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -P``: a module in the folder the server was started from is not run by its workers."""
    here = tmp_path / "here"
    here.mkdir()
    marker = tmp_path / "ran"
    (here / "pandas.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit('not pandas')\n",
                                    encoding="utf-8")
    monkeypatch.chdir(here)
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        [worker] = c.app.state.ctx.workers
        assert worker.ready(120)
        assert c.get(f"/api/v1/metrics?{QUESTIONS[1]}").status_code == 200 and worker.answered == 1
    assert not marker.exists()


def test_closing_a_worker_that_is_answering_ends_it(db: Path) -> None:
    """The server stopping while a worker computes (here: a worker that does not move) ends the
    worker, and the thread that asked gets no answer instead of waiting."""
    import threading

    from cxmetrics.interfaces.web.workers import Worker
    from cxmetrics.settings import Config

    worker = Worker(db, Config())
    assert worker.ready(120) and worker.pid is not None
    os.kill(worker.pid, signal.SIGSTOP)
    got: list[Any] = []
    asking = threading.Thread(target=lambda: got.append(worker.ask(0, VOLUME)))
    asking.start()
    deadline = time.monotonic() + 30
    while not worker.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    worker.close()
    asking.join(30)
    assert got == [None] and not worker.alive and worker.wait(1) is not None
    assert time.monotonic() - started < 15


def test_a_worker_that_cannot_start_leaves_the_server_answering(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """No process can be started (here: the interpreter is missing): the server starts, says so
    once per worker, and answers everything itself."""
    monkeypatch.setattr(sys, "executable", str(db.parent / "no-such-python"))
    monkeypatch.setenv("CXM_COMPUTE_PROCESSES", "1")
    with client(db) as c:
        [worker] = c.app.state.ctx.workers
        assert not worker.alive and not worker.ready(0.1)
        assert c.get(f"/api/v1/metrics?{QUESTIONS[1]}").status_code == 200 and worker.answered == 0
    assert any("could not start" in r.getMessage() for r in caplog.records)


def test_settings_that_cannot_be_sent_leave_the_server_answering(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    """The worker's process started but the settings could not be sent to it: it ends quietly."""
    from cxmetrics.interfaces.web import workers
    from cxmetrics.settings import Config

    def refuse(self: Any) -> Any:
        raise TypeError("cannot pickle this")

    monkeypatch.setattr(Config, "__reduce_ex__", refuse)
    worker = workers.Worker(db, Config())
    assert not worker.alive and worker.wait(10) == 0
    assert "Traceback" not in capfd.readouterr().err
