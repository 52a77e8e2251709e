"""A pytest plugin for benchmarks/suite_cpu.py: each test's wall time and CPU seconds (its
process's own, and its reaped child processes') appended to ``$CXM_SUITE_CPU/cpu-<pid>.tsv``,
one file per worker. Load it with ``-p suite_cpu_plugin`` and ``benchmarks`` on the path."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_files: dict[int, Any] = {}


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    folder = os.environ.get("CXM_SUITE_CPU")
    if not folder:
        yield
        return
    own0, child0 = _cpu()
    t0 = time.perf_counter()
    yield
    own1, child1 = _cpu()
    out = _files.get(os.getpid())
    if out is None:
        out = _files[os.getpid()] = (Path(folder) / f"cpu-{os.getpid()}.tsv").open("a", encoding="utf-8")
    out.write(f"{item.nodeid}\t{time.perf_counter() - t0:.2f}\t{own1 - own0:.2f}\t{child1 - child0:.2f}\n")
    out.flush()
