"""`cxm report` on two cores (interfaces/report/parallel.py): the detached sections computed by a
forked process are the ones the report would compute itself, and they are used only when they
are of the same month over the same version of the data. Real processes: a fork needs a process
with one thread, which a pytest worker is not."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxmetrics.interfaces.report import build_report, render
from cxmetrics.settings import Config
from cxmetrics.store import Store

PERIOD = "2025-12"  # the small demo's last month (it ends before SMALL_DEMO_END)

SCRIPT = """
import json, sys
from cxmetrics.interfaces.report import build_report, render
from cxmetrics.interfaces.report.parallel import SectionsProcess
from cxmetrics.settings import Config
from cxmetrics.store import Store

db, period, mode, other = sys.argv[1:5]

def open_store():
    if mode == "fails":
        raise OSError("the child cannot open the store")
    if mode == "stuck":
        import time
        time.sleep(120)
    return Store(other if mode == "other_version" else db, read_only=True, config=Config())

if mode == "stuck":
    import cxmetrics.interfaces.report.parallel as parallel
    parallel.SECTIONS_GRACE, parallel.SECTIONS_PATIENCE = 0.5, 0.0
helper = SectionsProcess.start(open_store, "2024-01" if mode == "other_month" else period, None,
                               charts=mode == "charts")
assert helper is not None, "no fork in a process with one thread"
painter = SectionsProcess.start(None, None, None, charts=True) if mode == "charts" else None  # before any store
# (cxm report draws in its one child; two children check that shares come back in order)
html = None
with Store(db, read_only=True, config=Config()) as s:
    try:
        data = build_report(s, period, detached=helper.receiver(s))
        if mode == "charts":
            from cxmetrics.interfaces.i18n import translator
            from cxmetrics.interfaces.report import charts
            tr = translator("ja")
            trend = [t for t in (charts.spec_trends(data, tr, s) for s in data["trends"]) if t is not None]
            helper.predraw(*charts.to_draw(trend, tr))  # as cxm report does while it computes
            helper.collect()
            drawn = [len(trend)]
            from cxmetrics.interfaces.report.parallel import draw_in
            renderer = draw_in([helper, painter])
            def counted(specs):
                out = renderer(specs)
                drawn.append(len(out or []))
                return out
            html = [render(data, "html", "ja", svg=counted).decode()]
            charts._CACHE.clear()
            html.append(render(data, "html", "ja").decode())  # drawn here
            html.append(drawn)
    finally:
        helper.close()
        if painter is not None:
            painter.close()
print(json.dumps({"used": helper.used, "alive": helper.process.is_alive(),
                  "report": json.loads(render(data, "json")), "html": html}))
"""


def _run(db: Path, mode: str, other: Path | None = None) -> dict[str, Any]:
    res = subprocess.run([sys.executable, "-c", SCRIPT, str(db), PERIOD, mode, str(other or db)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def same_report(a: Any, b: Any, path: str = "") -> None:
    """Equal reports, floats to 1e-9 (DuckDB sums floats in the order its threads finish)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert list(a) == list(b), path
        for k in a:
            if k != "generated_at":
                same_report(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_report(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)), path
    else:
        assert a == b and type(a) is type(b), (path, a, b)


@pytest.fixture(scope="module")
def one_process(small_demo: Path) -> dict[str, Any]:
    with Store(small_demo, read_only=True, config=Config()) as s:
        out: dict[str, Any] = json.loads(render(build_report(s, PERIOD), "json"))
    return out


def test_sections_from_a_second_process_are_the_report_s_own(small_demo: Path, one_process: dict) -> None:
    got = _run(small_demo, "same")
    assert got["used"] and not got["alive"]
    assert {"floor", "forecast", "clv"} <= set(got["report"]) and got["report"]["feedback"]["themes"]
    same_report(got["report"], one_process)


@pytest.mark.parametrize("mode", ["fails", "other_month", "stuck"])
def test_without_the_second_process_s_sections_the_report_computes_them(small_demo: Path, one_process: dict,
                                                                       mode: str) -> None:
    """The child failed, computed another month, or is stuck (it is stopped after twice the first
    process's time plus a grace): the first process computes the sections, and the report is the same."""
    got = _run(small_demo, mode)
    assert not got["used"] and not got["alive"]
    same_report(got["report"], one_process)


def test_sections_of_another_version_of_the_data_are_not_used(small_demo: Path, one_process: dict,
                                                               tmp_path: Path) -> None:
    """An import published between the two processes' opening: the second one read another
    version, so the first computes the sections over its own."""
    other = tmp_path / "other.duckdb"
    shutil.copyfile(small_demo, other)
    with Store(other, config=Config()) as w:
        w.import_frame("tickets", pd.DataFrame({"ticket_id": ["late-1"], "created_at": [pd.Timestamp("2020-01-01")]}))
    got = _run(small_demo, "other_version", other)
    assert not got["used"]
    same_report(got["report"], one_process)


def test_charts_drawn_by_the_second_process_are_the_ones_drawn_here(small_demo: Path) -> None:
    """With the charts asked of it, the child draws every chart of the HTML report (the trends
    ahead, as `cxm report` asks while it computes the rest); the page is the same as with the
    charts drawn in this process."""
    got = _run(small_demo, "charts")
    with_child, here, drawn = got["html"]
    predrawn, rest = drawn
    assert predrawn >= 3 and got["used"]
    assert rest == here.count('<svg class="vega"') - predrawn >= 5  # the trends were not drawn twice
    assert with_child == here


def test_cxm_report_with_its_second_process(small_demo: Path, one_process: dict, tmp_path: Path) -> None:
    """The command as a user runs it: its page has every chart, nothing on stderr (the child's
    warnings stay quiet), and the JSON twin equals the report built in one process."""
    for name in ("r.html", "r.json"):
        res = subprocess.run([sys.executable, "-m", "cxmetrics.interfaces.cli.main", "--db", str(small_demo),
                              "report", "--period", PERIOD, "--out", str(tmp_path / name)],
                             capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
        assert res.returncode == 0 and res.stderr == "", res.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count('<svg class="vega"') >= 8
    same_report(json.loads((tmp_path / "r.json").read_text(encoding="utf-8")), one_process)


def test_the_second_process_ends_when_the_first_is_killed() -> None:
    """A `cxm report` killed hard (SIGKILL, the OOM killer) leaves no process behind: the child
    holds no copy of the parent's end of their pipe, so it reads the end of it and stops."""
    script = (
        "import os, signal\n"
        "from cxmetrics.interfaces.report.parallel import SectionsProcess\n"
        "child = SectionsProcess.start(None, None, None, charts=True)\n"
        "print(child.process.pid, flush=True)\n"
        "import time; time.sleep(1.0)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    pid = int(res.stdout.split()[0])

    def running() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        return state not in ("Z", "X")  # a zombie has ended

    deadline = time.monotonic() + 30
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = running()
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the child outlived its parent"
