"""Processes beside the server that answer new metrics questions on their own cores.

Why: a metrics question never asked before costs ~25-50 ms of Python per answer on the demo
store (Ibis building the query, pandas shaping the result, JSON), and the server is one
process, so however many threads compute, new questions are answered one core at a time
behind the interpreter lock. With twenty clients asking, the answers queue: a worker process
(``[server] compute_processes``) has its own interpreter and core, and answers them beside
the server's threads.

A worker opens the store's newest published version read-only, as any reader does, with its
own kept readers (:class:`~cxmetrics.interfaces.web.context.AppContext`), and answers with the
very function the server calls in its own threads (:func:`metrics_answer`), so an answer is
the same whichever process computed it. A question carries the data stamp the server
keys its cache with; a worker whose newest version has another stamp (an import published in
between) declines, as it does on any error, and the server computes the answer itself: an
error is then raised by the server's own code, with the status and message it always gives.
A worker that dies is not used again (the server answers everything itself).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxmetrics.interfaces.web.context import AppContext
    from cxmetrics.settings import Config

log = logging.getLogger("cxmetrics.interfaces.web")

#: a metrics question: metric ids, grain, by, from, to, tz, hours, stat, compare, where, format
MetricsParams = tuple[Any, ...]
#: what a worker asks itself before it is ready (the cheapest question that builds a kept reader)
WARM_UP: MetricsParams = (("ticket_volume",), "total", (), None, None, None, "calendar", "median", None, (), "json")


def metrics_answer(ctx: AppContext, params: MetricsParams) -> tuple[bytes, str]:
    """The body and media type of ``GET /api/v1/metrics`` for ``params`` (the server's threads
    and its workers both answer with this)."""
    from cxmetrics.engine.counts import integral_count_frame, integral_counts
    from cxmetrics.engine.records import to_records
    from cxmetrics.interfaces.web.responses import CSV_TYPE, JSON_TYPE, csv_bytes, json_bytes

    ids, grain, by, start, end, tz, hours, stat, compare, where, fmt = params
    with ctx.reader() as r:
        frame = r.engine.frame(list(ids) or None, grain=grain, by=list(by), from_=start, to=end, tz=tz,
                               hours=hours, stat=stat, where=list(where), compare=compare)
    if fmt == "csv":
        return csv_bytes(integral_count_frame(frame)), CSV_TYPE
    return json_bytes({"metrics": integral_counts(to_records(frame))}), JSON_TYPE


class Worker:
    """One worker process and the pipe to it; one question at a time."""

    def __init__(self, db_path: Path, config: Config) -> None:
        # A process of its own (``python -m`` this module) with two pipes, not multiprocessing's
        # spawn: that runs the parent's main script again, which a user's script that starts the
        # server without an ``if __name__ == "__main__"`` guard cannot survive; and never a fork
        # of a server that has threads.
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        package = str(Path(__file__).resolve().parents[3])  # the folder that holds cxmetrics
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "cxmetrics.interfaces.web.workers", str(down_r), str(up_w)],
                pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env)
        finally:
            os.close(down_r)
            os.close(up_w)
        self._down = Connection(down_w, readable=False)
        self._up = Connection(up_r, writable=False)
        self._lock = threading.Lock()
        self._ready = False
        self._dead = False
        #: questions this worker answered (tests, the benchmark)
        self.answered = 0
        try:
            self._down.send((str(db_path), config))
        except OSError:
            self._dead = True

    def ready(self, timeout: float = 0) -> bool:
        """Whether the worker has opened the store and takes questions (waiting up to ``timeout`` s)."""
        if self._dead or not self._lock.acquire(blocking=timeout > 0, timeout=timeout if timeout > 0 else -1):
            return False
        try:
            if not self._ready and self._up.poll(timeout):
                self._ready = self._up.recv() == ("ready",)
                self._dead = not self._ready
        except (EOFError, OSError):
            self._dead = True
        finally:
            self._lock.release()
        return self._ready

    @property
    def alive(self) -> bool:
        return not self._dead and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def ask(self, stamp: int, params: MetricsParams) -> tuple[bytes, str] | None:
        """The answer, or None: the worker is busy, not ready yet, gone, or declined."""
        if self._dead or not self._lock.acquire(blocking=False):
            return None
        try:
            if not self._ready:
                if not self._up.poll():
                    return None
                if self._up.recv() != ("ready",):
                    raise EOFError("the worker did not start")
                self._ready = True
            self._down.send(("metrics", stamp, params))
            reply = self._up.recv()
            if reply[0] == "ok":
                self.answered += 1
        except (EOFError, OSError) as e:
            self._dead = True
            log.warning("a compute worker stopped (%s); the server answers everything itself", e)
            return None
        finally:
            self._lock.release()
        return (reply[1], reply[2]) if reply[0] == "ok" else None

    def close(self) -> None:
        """Stop the worker: asked to when idle, else (a question still running) terminated."""
        self._dead = True
        if self._lock.acquire(timeout=1):
            try:
                with contextlib.suppress(OSError, ValueError):
                    self._down.send(None)
            finally:
                self._lock.release()
        else:
            self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._down.close()
        self._up.close()


def _main(down: Connection, up: Connection) -> None:
    """The worker: open the newest version, then answer until told to stop or the server goes."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    from cxmetrics.interfaces.web.context import AppContext
    from cxmetrics.metrics.registry import all_metrics

    try:
        db_path, config = down.recv()
    except (EOFError, OSError):
        return
    all_metrics()
    ctx = AppContext(Path(db_path), config)
    try:
        ctx.open(derive=False)
    except Exception as e:  # the server answers everything itself; say why once
        print(f"cxm: a compute worker could not open the store ({type(e).__name__}: {e}); the server answers "
              "every question itself", file=sys.stderr)
        return
    try:
        with contextlib.suppress(Exception):  # a reader kept and its engine built before the first question
            metrics_answer(ctx, WARM_UP)
        up.send(("ready",))
        while True:
            job = down.recv()
            if job is None:
                return
            _, stamp, params = job
            try:
                if ctx.stamp != stamp:
                    reply: tuple[Any, ...] = ("stale",)
                else:
                    reply = ("ok", *metrics_answer(ctx, params))
            except Exception as e:  # the server computes it again and reports the error its own way
                log.debug("a compute worker declined a question: %s", e)
                reply = ("failed",)
            up.send(reply)
    except (EOFError, OSError):  # the server is gone
        return
    finally:
        ctx.close()


if __name__ == "__main__":
    _main(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
