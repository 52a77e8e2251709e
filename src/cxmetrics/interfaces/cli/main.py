"""`cxm` entry point: global options and command registration."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cxmetrics.interfaces.cli.common import App, State

app = App(
    name="cxm",
    help="Customer-experience metrics from raw support and feedback data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# The options before the command (`cxm --db x.duckdb metrics`); tests attach it to their own apps.
@app.callback()
def global_options(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", help="Store file (default $CXM_DB, else the `db` setting of "
                                                         "cxm.toml, else ./cx.duckdb).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file (default $CXM_CONFIG, else ./cxm.toml).")] = None,
    wait: Annotated[float | None, typer.Option("--wait", min=0, metavar="SECONDS", help=(
        "How long a command that writes the store waits for another writer (default $CXM_WRITE_WAIT, else "
        "`write_wait` in cxm.toml, else 600); 0: fail at once."))] = None,
    engine: Annotated[str | None, typer.Option("--engine", metavar="duckdb|spark|sc://HOST:PORT", help=(
        "Where `metrics`, `report` and `serve` compute: duckdb (the store file), spark (the canonical tables in "
        "the Spark catalog of the [engine] settings) or a Spark Connect URL, which means spark there (default "
        "$CXM_ENGINE, else `engine.kind` in cxm.toml, else duckdb). Other commands refuse spark. See "
        "docs/spark.md."))] = None,
) -> None:
    ctx.obj = State(db=db, config_path=config, wait=wait, engine=engine, command=ctx.invoked_subcommand)


COMMAND_MODULES = ("demo_cmd", "import_cmd", "metrics_cmd", "calc_cmd", "comments_cmd", "drivers_cmd",
                   "customer_cmd", "clv_cmd", "cohort_cmd", "report_cmd", "serve_cmd", "token_cmd",
                   "agents_cmd", "queue_cmd", "staff_cmd", "forecast_cmd", "sync_cmd", "survey_cmd", "themes_cmd")
_registered: list[str] = []


def register_commands() -> None:
    """Attach every command module's commands (once) to the app."""
    import importlib

    for name in COMMAND_MODULES:
        if name in _registered:
            continue
        importlib.import_module(f"cxmetrics.interfaces.cli.{name}").register(app)
        _registered.append(name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry. Commands map their own errors to a line and an exit code
    (:class:`~cxmetrics.interfaces.cli.common.Command`); here only what Click raises
    around them: bad usage, help shown, Ctrl-C."""
    from cxmetrics.engine.collector import tune_collector

    atexit.register(_leave)  # first, so it runs after the exit handlers of everything the command loads
    tune_collector()
    register_commands()
    _status[0] = _run(argv)
    sys.exit(_status[0])


def _run(argv: list[str] | None) -> int:
    """The command's exit status."""
    try:
        rc = app(args=argv, prog_name="cxm", standalone_mode=False)
        code = rc if isinstance(rc, int) else 0
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        code = 1
    except typer.Exit as e:
        code = e.exit_code
    except typer.TyperException as e:  # Click's own: an unknown option, a missing argument, a bad number
        show = getattr(e, "show", None)
        if show is not None and type(e).__name__ != "NoArgsIsHelpError":  # (that one's help is printed already)
            show()
        code = e.exit_code
    except typer.Abort:
        code = 1
    return code


#: the status :func:`_leave` exits with: 1 until a command returned (an uncaught error is a failure)
_status = [1]


def _leave() -> None:
    """The last exit handler of ``cxm``: flush and end the process without tearing its heap down.

    Python's finalisation after a report or a metrics query collects and frees some 200,000
    objects (Ibis expressions, pandas frames, modules): 0.3-0.4 s of every command's wall time,
    and nothing of ours needs it: stores are closed, files written and renamed, children
    reaped, and the exit handlers registered by what the command loaded (multiprocessing,
    temporary files, Spark) have run, since exit handlers run last-registered first."""
    import logging

    logging.shutdown()  # its exit handler was registered before ours
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`cxm metrics | head`) has nothing to flush to
            stream.flush()
    os._exit(_status[0])


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
