"""Nothing imports another module's private names.

The layers themselves are import-linter contracts (``[tool.importlinter]`` in pyproject.toml,
run by scripts/test as ``lint-imports``); import-linter sees modules, not the names imported
from them, so this test reads the syntax tree of every module of the package and the
benchmarks: ``from cxmetrics.x import _name``, ``import cxmetrics.x._y`` and ``x._name`` on a
module bound by an import are refused, function-level and TYPE_CHECKING imports included.
A name another module needs is public (no underscore) and documented where it is defined.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
#: Imports of private names inside code that other work in progress owns (the importers,
#: the dashboard's import API); each is to be renamed there. (file, imported module, name)
PENDING = {
    ("src/cxmetrics/ingest/adapters/twcs.py", "cxmetrics.ingest.validate", "_quarantine"),
    ("src/cxmetrics/ingest/validate.py", "cxmetrics.ingest.mapping", "_as_text"),
    ("src/cxmetrics/interfaces/web/api_imports.py", "cxmetrics.ingest.readers", "_EXT"),
}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_module(dotted: str) -> bool:
    path = SRC.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def private_uses(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, module, private name) of each private name of another cxmetrics module used in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path) if path.is_relative_to(SRC) else ""
    modules: dict[str, str] = {}  # local name -> cxmetrics module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "cxmetrics":
                    continue
                parts = a.name.split(".")
                for i, part in enumerate(parts[1:], 1):
                    if private(part):
                        yield node.lineno, ".".join(parts[:i]), part
                        break
                modules[a.asname or "cxmetrics"] = a.name if a.asname else "cxmetrics"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "cxmetrics":
            module = node.module or ""
            for a in node.names:
                if module != own and private(a.name):
                    yield node.lineno, module, a.name
                elif is_module(f"{module}.{a.name}"):
                    modules[a.asname or a.name] = f"{module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            base = dotted(node.value)
            if base is None or base.split(".")[0] not in modules:
                continue
            head, *rest = base.split(".")
            target = ".".join([modules[head], *rest])
            if is_module(target) and target != own:
                yield node.lineno, target, node.attr


def package_files() -> list[Path]:
    return sorted([*(SRC / "cxmetrics").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")])


def test_no_module_uses_another_modules_private_names() -> None:
    found = []
    for path in package_files():
        rel = path.relative_to(ROOT).as_posix()
        found += [f"{rel}:{line}: {module}.{name}" for line, module, name in private_uses(path)
                  if (rel, module, name) not in PENDING]
    assert not found, "private names used across modules (make them public, or keep them in their module):\n" + \
        "\n".join(found)


def test_pending_exceptions_are_still_needed() -> None:
    """Each exception above still exists: once renamed, it must leave the list."""
    seen = {(path.relative_to(ROOT).as_posix(), module, name)
            for path in package_files() for _, module, name in private_uses(path)}
    assert not PENDING - seen, f"no longer needed: {sorted(PENDING - seen)}"


def test_the_check_finds_private_names(tmp_path: Path) -> None:
    """The scanner itself: each form it refuses, and what it lets through."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import cxmetrics.engine.core as core\n"
        "from cxmetrics.engine import records\n"
        "from cxmetrics.engine.core import _stage, Engine\n"
        "def f():\n"
        "    from cxmetrics.facts.tickets import _no_stage\n"
        "    return core._local_date, records._private, core.Engine, core.__name__\n",
        encoding="utf-8")
    assert sorted((m, n) for _, m, n in private_uses(sample)) == [
        ("cxmetrics.engine.core", "_local_date"), ("cxmetrics.engine.core", "_stage"),
        ("cxmetrics.engine.records", "_private"), ("cxmetrics.facts.tickets", "_no_stage")]
