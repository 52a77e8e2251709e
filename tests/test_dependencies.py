"""Every third-party package the code imports is declared in pyproject.toml.

The source (src/cxmetrics) may import only the runtime dependencies, plus the optional
packages of cxmetrics.extras.EXTRAS from inside functions (so the package imports
without them). Tests and benchmarks may also import what the extras bring. Imports are
read from the syntax tree of every module, function-level and TYPE_CHECKING imports
included, and mapped to distributions with importlib.metadata.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from cxmetrics.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: our own top-level packages (first-party imports)
FIRST_PARTY = {"cxmetrics", "tests", "benchmarks"}
#: runtime dependencies nothing imports, and why they are declared anyway
NOT_IMPORTED = {
    "tzdata": "zoneinfo reads its IANA zone files where the system has none",
    "python-multipart": "FastAPI parses form uploads with it",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_norm(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r).group(0)) for r in requirements}  # type: ignore[union-attr]


RUNTIME = _names(PYPROJECT["project"]["dependencies"])
EXTRA = {name: _names(reqs) for name, reqs in PYPROJECT["project"]["optional-dependencies"].items()}


@cache
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions(module: str) -> set[str]:
    """Distribution names that provide top-level ``module`` (the module name itself when
    nothing installed provides it, e.g. an extra that is not installed)."""
    return {_norm(d) for d in _distributions().get(module, [module])}


def imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(top-level module, line, at module level) of each absolute import in ``path``.

    Module level excludes function bodies and ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lazy: set[int] = set()
    for node in ast.walk(tree):
        deferred = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or (
            isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))  # not its else branch
        if deferred:
            lazy.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "importorskip" and node.args and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value)]  # pytest.importorskip("playwright.sync_api")
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top not in FIRST_PARTY and top != "__future__":
                yield top, node.lineno, id(node) not in lazy


def third_party(folder: str) -> dict[str, list[tuple[str, bool]]]:
    """Top-level third-party module -> [(where, at module level)] for every .py under ``folder``."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        for top, line, eager in imports(path):
            if (path.parent / f"{top}.py").exists():  # a script's sibling (`python benchmarks/x.py` puts its folder on sys.path)
                continue
            found.setdefault(top, []).append((f"{path.relative_to(ROOT)}:{line}", eager))
    return found


def test_the_walk_finds_function_level_and_type_checking_imports(tmp_path: Path) -> None:
    code = ("import os, numpy.linalg\nfrom typing import TYPE_CHECKING\nfrom . import sibling\n"
            "if TYPE_CHECKING:\n    import pyspark.sql\nelse:\n    import yaml\n"
            "def f():\n    from weasyprint import HTML\n    import pytest\n    pytest.importorskip('PIL.Image')\n")
    (tmp_path / "m.py").write_text(code, encoding="utf-8")
    assert sorted(imports(tmp_path / "m.py")) == [
        ("PIL", 11, False), ("numpy", 1, True), ("pyspark", 5, False), ("pytest", 10, False),
        ("weasyprint", 9, False), ("yaml", 7, True)]
    found = third_party("src/cxmetrics")
    assert any(not eager for _, eager in found["weasyprint"])  # inside weasyprint_pdf
    assert "dateutil" in found and "numpy" in found and "pyspark" in found
    assert distributions("dateutil") == {"python-dateutil"}


def test_source_imports_only_declared_dependencies() -> None:
    problems = []
    for module, where in sorted(third_party("src/cxmetrics").items()):
        dists = distributions(module)
        if dists & RUNTIME:
            continue
        if module in EXTRAS:
            extra = EXTRAS[module][0]
            if not dists & EXTRA.get(extra, set()):
                problems.append(f"{module}: optional, but not in the [{extra}] extra")
            eager = [w for w, at_top in where if at_top]
            if eager:
                problems.append(f"{module}: optional ([{extra}]) but imported at module level: {eager}")
            continue
        problems.append(f"{module} ({'/'.join(sorted(dists))}) is imported by {where[0][0]} but not declared "
                        "in [project] dependencies (or, if optional, in cxmetrics.extras.EXTRAS and an extra)")
    assert not problems, "\n".join(problems)


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    declared = RUNTIME.union(*EXTRA.values())
    problems = [f"{module} ({'/'.join(sorted(distributions(module)))}) is imported by {where[0][0]} but "
                "declared neither in [project] dependencies nor in an extra"
                for folder in ("tests", "benchmarks")
                for module, where in sorted(third_party(folder).items())
                if not distributions(module) & declared]
    assert not problems, "\n".join(problems)


def test_scripts_test_installs_every_extra_the_suite_needs() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    installed = set(re.search(r"scripts/setup\s+([\w,-]+)", script).group(1).split(","))  # type: ignore[union-attr]
    assert installed == set(EXTRA), (installed, set(EXTRA))


def test_every_dependency_line_says_why() -> None:
    """Each requirement in pyproject.toml's [project] tables has a comment above it (its own
    or its group's), and a runtime dependency nothing imports is one we know the reason for."""
    lines = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("dependencies = [")
    end = next(i for i, line in enumerate(lines) if line.startswith("[project.scripts]"))
    problems, commented = [], False
    for line in lines[start + 1:end]:
        text = line.strip()
        if text.startswith("#"):
            commented = True
        elif text.startswith('"'):
            if not commented:
                problems.append(f"no comment above {text}")
        elif re.match(r"[\w-]+ = \[", text) and not commented:
            problems.append(f"no comment above the extra {text}")
        elif not text:
            commented = False
    assert not problems, "\n".join(problems)
    imported = {d for module in third_party("src/cxmetrics") for d in distributions(module)}
    unexplained = sorted(RUNTIME - imported - {_norm(n) for n in NOT_IMPORTED})
    assert not unexplained, f"declared but never imported by src/cxmetrics: {unexplained}"
    stale = sorted(n for n in NOT_IMPORTED if _norm(n) in imported or _norm(n) not in RUNTIME)
    assert not stale, f"NOT_IMPORTED lists {stale}, which src imports or pyproject no longer declares"
