"""The command line of a Python child process that runs one of cxmetrics' modules as its main.

``python -m MODULE`` puts the current folder first on the module path, so a ``pandas.py`` lying in
the folder a server or a report was started from would be run by the child (by whoever could
write there). ``python -P`` leaves it out, and the child takes this process's own ``sys.path``
(relative entries made absolute), so it imports exactly the modules this one does, installed or
from a checkout. Used by the server's compute workers and the report helper.
"""

from __future__ import annotations

import json
import os
import sys

#: the child's first statement: this process's module path, then the module as ``__main__``
_BOOT = ("import json, runpy, sys; sys.path[:] = json.loads(sys.argv.pop(1)); "
         "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)")


def python_command(module: str, *args: str) -> list[str]:
    """``[python, ...]`` that runs ``module`` as ``__main__`` with ``args`` as ``sys.argv[1:]``."""
    path = json.dumps([os.path.abspath(p) for p in sys.path])  # "" is the current folder
    return [sys.executable, "-P", "-c", _BOOT, path, module, *args]
