"""`cxm` entry point: global options and command registration."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cxmetrics.interfaces.cli.common import State

app = typer.Typer(
    name="cxm",
    help="Customer-experience metrics from raw support and feedback data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", help="Store file (default $CXM_DB, else ./cx.duckdb).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file (default $CXM_CONFIG, else ./cxm.toml).")] = None,
) -> None:
    ctx.obj = State(db=db, config_path=config)


COMMAND_MODULES = ("demo_cmd", "import_cmd", "metrics_cmd", "calc_cmd", "comments_cmd", "drivers_cmd",
                   "customer_cmd", "clv_cmd", "cohort_cmd", "report_cmd", "serve_cmd", "token_cmd")
_registered: list[str] = []


def _register() -> None:
    """Attach every command module's commands (once) to the app."""
    import importlib

    for name in COMMAND_MODULES:
        if name in _registered:
            continue
        importlib.import_module(f"cxmetrics.interfaces.cli.{name}").register(app)
        _registered.append(name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: maps user errors to exit codes instead of tracebacks."""
    import os

    _register()
    try:
        rc = app(args=argv, prog_name="cxm", standalone_mode=False)
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        sys.exit(1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except Exception as e:
        name = type(e).__name__
        if name == "NoArgsIsHelpError":  # help was shown
            sys.exit(2)
        if name in ("UsageError", "BadParameter", "NoSuchOption", "MissingParameter", "BadArgumentUsage"):
            e.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if name == "Abort":
            sys.exit(1)
        if os.environ.get("CXM_DEBUG"):
            raise
        sys.stderr.write(f"error: {name}: {e}\n(set CXM_DEBUG=1 for the traceback; please report this)\n")
        sys.exit(1)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
