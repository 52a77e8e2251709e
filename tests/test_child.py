"""Child Python processes (interfaces/child.py: the server's compute workers, the report helper)
import what their parent imports, never a module from the folder they were started in, and get
their arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cxmetrics.interfaces.child import python_command


def test_a_child_takes_the_parents_path_and_arguments_but_not_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    for name in ("json", "runpy", "pandas"):  # what the child's first line and our code import
        (here / f"{name}.py").write_text(f"open({str(tmp_path / name)!r}, 'w').close()\n", encoding="utf-8")
    (elsewhere / "cxm_probe.py").write_text(
        "import json, sys\nprint(json.dumps({'argv': sys.argv[1:], 'name': __name__}))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(elsewhere))  # only this process's path finds the module
    monkeypatch.chdir(here)
    p = subprocess.run(python_command("cxm_probe", "3", "a b"), capture_output=True, text=True, timeout=60,
                       check=False)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"argv": ["3", "a b"], "name": "__main__"}
    assert not [n for n in ("json", "runpy", "pandas") if (tmp_path / n).exists()]
    # and without -P the current folder's module would have been run (the test can fail)
    subprocess.run([sys.executable, "-c", "import json"], check=True, timeout=60)
    assert (tmp_path / "json").exists()
