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
import threading
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
    deadline = time.monotonic() + 60
    while not h.busy.acquire(blocking=False):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    h.busy.release()
    second = _report(small_demo)
    assert helper.current() is h  # started once, kept
    assert [r is not None and r.used for r in asked] == [True, False, True]
    assert {"floor", "volume", "frt_by_channel", "forecast", "clv"} <= set(first) and first["feedback"]["themes"]
    same_report(first, in_one_process)
    same_report(second, in_one_process)


def test_an_answer_over_another_version_is_not_used(small_demo: Path, in_one_process: dict,
                                                    asked: list[helper.Request | None],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper read another version of the data than the asking process (an import published
    in between): the asking process computes the sections over the version it reads."""
    with Store(small_demo, read_only=True, config=ON) as s:
        real = s.data_stamp
        monkeypatch.setattr(s, "data_stamp", lambda: real() + 1000)
        data = json.loads(render(build_report(s, PERIOD), "json"))
    [r] = asked
    assert r is not None and r.answered and not r.used
    same_report(data, in_one_process)


def test_a_helper_that_dies_is_replaced(small_demo: Path, in_one_process: dict,
                                        asked: list[helper.Request | None], monkeypatch: pytest.MonkeyPatch) -> None:
    real = helper.ask
    killed: list[int] = []

    def kill_after_asking(*args: Any, **kw: Any) -> helper.Request | None:
        r = real(*args, **kw)
        assert r is not None
        r.helper.proc.kill()
        killed.append(r.helper.proc.pid)
        return r

    monkeypatch.setattr(helper, "ask", kill_after_asking)
    same_report(_report(small_demo), in_one_process)  # computed here
    assert helper.current() is None
    monkeypatch.setattr(helper, "ask", real)
    same_report(_report(small_demo), in_one_process)
    new = helper.current()
    assert new is not None and new.proc.pid != killed[0]


def test_a_busy_helper_means_one_report_computes_in_its_own_process(small_demo: Path, in_one_process: dict,
                                                                   asked: list[helper.Request | None]) -> None:
    out: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: out.append(_report(small_demo))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(out) == 2 and len(asked) == 2
    assert sum(1 for r in asked if r is not None and r.used) <= 1  # one helper, one report at a time
    for data in out:
        same_report(data, in_one_process)


def test_only_a_snapshot_of_a_store_file_asks(small_demo: Path, tmp_path: Path) -> None:
    with Store(small_demo, read_only=True, config=Config(report_helper=False)) as s:
        assert helper.ask(s, PERIOD, None, None) is None
    db = tmp_path / "cx.duckdb"
    shutil.copyfile(small_demo, db)
    with Store(db, config=ON) as w:  # a writer session reads its own copy: the helper could not
        assert helper.ask(w, PERIOD, None, None) is None


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
