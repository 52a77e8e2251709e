"""The report helper (interfaces/report/helper.py): a process that stays builds its reports with
the detached sections computed in a helper process, started once; they are the report's own, used
only for the same month over the same version of the data, and every failure of the helper leaves
the report as it would be in one process. Real processes throughout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.errors import ReportError
from cxmetrics.interfaces.report import build_report, helper, render
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests.test_report_parallel import PERIOD, same_report

ON = Config(report_helper=True)


@pytest.fixture(scope="module")
def in_one_process(small_demo: Path) -> dict[str, Any]:
    with Store(small_demo, read_only=True, config=Config(report_helper=False)) as s:
        out: dict[str, Any] = json.loads(render(build_report(s, PERIOD), "json"))
    return out


@pytest.fixture(autouse=True)
def free_helper() -> None:
    """Each test starts with the worker's helper free: a report of another module (or test) that
    failed before asking leaves its answer to be drained in the background."""
    running = helper.current()
    if running is not None:
        _wait_free(running)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[helper.Request | None]:
    """Each request build_report made of the helper (None: it computed in its own process)."""
    seen: list[helper.Request | None] = []
    real = helper.ask

    def spy(*args: Any, **kw: Any) -> helper.Request | None:
        r = real(*args, **kw)
        seen.append(r)
        return r

    monkeypatch.setattr(helper, "ask", spy)
    return seen


def _wait_free(h: helper.Helper) -> None:
    """Wait until no report holds the helper (an answer nobody asked for is drained in the background)."""
    deadline = time.monotonic() + 60
    while not h.busy.acquire(blocking=False):
        assert time.monotonic() < deadline, "the helper stayed busy"
        time.sleep(0.05)
    h.busy.release()


def _report(db: Path, period: str = PERIOD, config: Config = ON) -> dict[str, Any]:
    with Store(db, read_only=True, config=config) as s:
        out: dict[str, Any] = json.loads(render(build_report(s, period), "json"))
    return out


def test_the_helper_s_sections_are_the_report_s_own(small_demo: Path, in_one_process: dict,
                                                   asked: list[helper.Request | None]) -> None:
    first = _report(small_demo)
    h = helper.current()
    assert h is not None
    # A month without data fails before the report asks for the helper's answer: the answer is
    # dropped in the background, the helper is not stopped, and the next report gets its own.
    with pytest.raises(ReportError):
        _report(small_demo, "2001-01")
    _wait_free(h)
    second = _report(small_demo)
    assert helper.current() is h  # started once, kept
    assert [r is not None and r.used for r in asked] == [True, False, True]
    assert {"floor", "volume", "frt_by_channel", "forecast", "clv"} <= set(first) and first["feedback"]["themes"]
    same_report(first, in_one_process)
    same_report(second, in_one_process)


def _month(s: Store) -> Any:
    from cxmetrics.interfaces.report.data import resolve_month

    return resolve_month(s, s.engine(), PERIOD, None, None)


def test_an_answer_over_another_version_is_not_used(small_demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper read another version of the data than the asking process (an import published
    in between): its answer is not used (the report computes the sections over its own version,
    as in test_the_helper_s_sections_are_the_report_s_own's failed report)."""
    with Store(small_demo, read_only=True, config=ON) as s:
        month = _month(s)
        request = helper.ask(s, PERIOD, None, None)
        assert request is not None
        real = s.data_stamp
        monkeypatch.setattr(s, "data_stamp", lambda: real() + 1000)
        try:
            assert request.receive(s, month) is None
        finally:
            request.done()
        assert request.answered and not request.used
        monkeypatch.setattr(s, "data_stamp", real)
        request = helper.ask(s, PERIOD, None, None)
        assert request is not None
        try:
            assert request.receive(s, month) is not None and request.used  # the same version: used
        finally:
            request.done()


def test_a_helper_that_dies_is_replaced(small_demo: Path) -> None:
    with Store(small_demo, read_only=True, config=ON) as s:
        month = _month(s)
        request = helper.ask(s, PERIOD, None, None)
        assert request is not None
        dead = request.helper.proc.pid
        request.helper.proc.kill()
        try:
            assert request.receive(s, month) is None  # at once: the report computes them itself
        finally:
            request.done()
        assert helper.current() is None
        request = helper.ask(s, PERIOD, None, None)  # the next report starts another
        assert request is not None
        try:
            assert request.receive(s, month) is not None and request.used
        finally:
            request.done()
        assert request.helper.proc.pid != dead and helper.current() is request.helper


def test_a_busy_helper_leaves_the_next_report_to_its_own_process(small_demo: Path) -> None:
    """One report at a time (the server's threads): another asked meanwhile computes its sections
    in its own process, and the helper is free again once the first report has its answer."""
    with Store(small_demo, read_only=True, config=ON) as s, \
            Store(small_demo, read_only=True, config=ON) as other:
        month = _month(s)
        first = helper.ask(s, PERIOD, None, None)
        assert first is not None
        try:
            assert helper.ask(other, PERIOD, None, None) is None
            assert first.receive(s, month) is not None
        finally:
            first.done()
        again = helper.ask(other, PERIOD, None, None)
        assert again is not None
        again.done()  # never asked for its answer: drained in the background


def test_only_a_snapshot_of_a_store_file_asks(small_demo: Path, tmp_path: Path) -> None:
    with Store(small_demo, read_only=True, config=Config(report_helper=False)) as s:
        assert helper.ask(s, PERIOD, None, None) is None
    db = tmp_path / "cx.duckdb"
    shutil.copyfile(small_demo, db)
    with Store(db, config=ON) as w:  # a writer session reads its own copy: the helper could not
        assert helper.ask(w, PERIOD, None, None) is None


def test_settings_that_do_not_pickle_mean_one_process(small_demo: Path) -> None:
    class Local(Config):  # a class defined in a function does not pickle
        pass

    with Store(small_demo, read_only=True, config=Local(report_helper=True)) as s:
        assert helper.ask(s, PERIOD, None, None) is None
        running = helper.current()
        assert running is not None  # kept
        _wait_free(running)  # and free (an answer the test before left is drained in the background)


def test_the_helper_ends_with_its_process(small_demo: Path) -> None:
    script = ("import sys\nfrom cxmetrics.interfaces.report import build_report, helper\n"
              "from cxmetrics.settings import Config\nfrom cxmetrics.store import Store\n"
              f"with Store(sys.argv[1], read_only=True, config=Config()) as s:\n"
              f"    build_report(s, {PERIOD!r})\n"
              "print(helper.current().proc.pid, flush=True)\n")
    res = subprocess.run([sys.executable, "-c", script, str(small_demo)], capture_output=True, text=True,
                         timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    pid = int(res.stdout.split()[-1])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid):
        assert time.monotonic() < deadline, "the helper outlived its process"
        time.sleep(0.1)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "gone"


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.name != "posix",
                                reason="checks processes through /proc")
