"""Optional parts of cxmetrics, each installed by a pip extra (``pyproject.toml``).

Modules that use an optional package import it through :func:`require` inside the
functions that need it, never at module top level, so ``import cxmetrics`` and every
other command work without it, and a user who asks for the optional part is told in
one line what to install instead of reading a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: top-level import name -> (extra that installs it, what it is for)
EXTRAS: dict[str, tuple[str, str]] = {
    "pyspark": ("spark", "Spark support"),
    "weasyprint": ("pdf", "The WeasyPrint PDF printer"),
}


class MissingExtra(ImportError):
    """An optional package is not installed; the message names the pip extra."""

    def __init__(self, module: str) -> None:
        top = module.split(".")[0]
        extra, what = EXTRAS[top]
        super().__init__(f"{what} needs {top}, which is not installed: pip install 'cxmetrics[{extra}]'",
                         name=top)
        self.extra = extra


def require(module: str) -> ModuleType:
    """Import ``module`` (of a package listed in :data:`EXTRAS`) or raise :class:`MissingExtra`.

    Only a missing optional package itself becomes ``MissingExtra``; any other import
    failure inside it (a broken install, a missing system library) propagates unchanged.
    """
    top = module.split(".")[0]
    if top not in EXTRAS:
        raise ValueError(f"{top} is not an optional dependency of cxmetrics")
    try:
        importlib.import_module(top)  # first: a cached submodule would hide a missing package
        return importlib.import_module(module)
    except ImportError as e:
        if e.name is not None and e.name.split(".")[0] == top:
            raise MissingExtra(module) from None
        raise
