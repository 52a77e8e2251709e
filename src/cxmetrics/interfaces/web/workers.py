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
A worker that dies, or takes longer than ``TIMEOUT`` over one question, is not used again (the
server answers everything itself); one that cannot start costs the server nothing but a
warning. Workers start with ``python -P`` (the current directory is not on their path: a
``pandas.py`` in the folder the server was started from is never run) and the server's own
``sys.path``, so they import exactly the modules the server does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.interfaces.child import python_command

if TYPE_CHECKING:
    from cxmetrics.interfaces.web.context import AppContext
    from cxmetrics.settings import Config

log = logging.getLogger("cxmetrics.interfaces.web")

#: a metrics question: metric ids, grain, by, from, to, tz, hours, stat, compare, where, format
MetricsParams = tuple[Any, ...]
#: what a worker asks itself before it is ready (the cheapest question that builds a kept reader)
WARM_UP: MetricsParams = (("ticket_volume",), "total", (), None, None, None, "calendar", "median", None, (), "json")
#: seconds a worker may take over one question before it is stopped and the server answers it
TIMEOUT = 300.0
#: :meth:`Worker.ask`: every worker was busy or not ready (another may still take the question)
BUSY: Any = object()


class StaleVersion(Exception):
    """The store's version changed between the question and the read."""


def metrics_answer(ctx: AppContext, params: MetricsParams, stamp: int | None = None) -> tuple[bytes, str]:
    """The body and media type of ``GET /api/v1/metrics`` for ``params`` (the server's threads
    and its workers both answer with this). ``stamp``: the data stamp the answer must be of
    (else :class:`StaleVersion`)."""
    from cxmetrics.engine.counts import integral_count_frame, integral_counts
    from cxmetrics.engine.records import to_records
    from cxmetrics.interfaces.web.responses import CSV_TYPE, JSON_TYPE, csv_bytes, json_bytes

    ids, grain, by, start, end, tz, hours, stat, compare, where, fmt = params
    with ctx.reader() as r:
        if stamp is not None and r.stamp != stamp:
            raise StaleVersion(f"the store is at stamp {r.stamp}, the question at {stamp}")
        frame = r.engine.frame(list(ids) or None, grain=grain, by=list(by), from_=start, to=end, tz=tz,
                               hours=hours, stat=stat, where=list(where), compare=compare)
    if fmt == "csv":
        return csv_bytes(integral_count_frame(frame)), CSV_TYPE
    return json_bytes({"metrics": integral_counts(to_records(frame))}), JSON_TYPE


class Worker:
    """One worker process and the pipes to it; one question at a time."""

    def __init__(self, db_path: Path, config: Config) -> None:
        # A process of its own over two pipes: not multiprocessing's spawn, which runs the parent's
        # main script again (a user's script that starts the server without an ``if __name__ ==
        # "__main__"`` guard cannot survive that), and never a fork of a server that has threads.
        self._lock = threading.Lock()
        self._ready = False
        self._dead = False
        self._process: subprocess.Popen[bytes] | None = None
        self._down: Connection | None = None
        self._up: Connection | None = None
        #: questions this worker answered (tests, the benchmark)
        self.answered = 0
        fds: list[int] = []
        try:
            down_r, down_w = os.pipe()
            fds += [down_r, down_w]
            up_r, up_w = os.pipe()
            fds += [up_r, up_w]
            self._process = subprocess.Popen(
                python_command("cxmetrics.interfaces.web.workers", str(down_r), str(up_w)),
                pass_fds=(down_r, up_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            os.close(down_r)
            os.close(up_w)
            fds = []
            self._down, self._up = Connection(down_w, readable=False), Connection(up_r, writable=False)
            self._down.send((str(db_path), config))
        except Exception as e:  # no fds or processes left, an unusable interpreter, settings that do not pickle
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            log.warning("a compute worker could not start (%s); the server answers everything itself", e)
            self.close()

    def ready(self, timeout: float = 0) -> bool:
        """Whether the worker has opened the store and takes questions (waiting up to ``timeout`` s)."""
        if self._dead or not self._lock.acquire(timeout=max(timeout, 0.001)):
            return False
        try:
            return self._started(timeout)
        except (EOFError, OSError):
            self._dead = True
            return False
        finally:
            self._lock.release()

    def _started(self, timeout: float) -> bool:
        """Whether the worker said it is ready, waiting up to ``timeout`` s (the lock held)."""
        if self._dead or self._up is None or self._down is None:
            return False
        if not self._ready and self._up.poll(timeout):
            if self._up.recv() != ("ready",):
                raise EOFError("it did not start")
            self._ready = True
        return self._ready

    @property
    def alive(self) -> bool:
        return not self._dead and self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def busy(self) -> bool:
        """A question is being asked (or the worker is being closed)."""
        return self._lock.locked()

    def wait(self, timeout: float) -> int | None:
        """The process's exit status once it has ended (None: still running after ``timeout`` s)."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def ask(self, stamp: int, params: MetricsParams) -> tuple[bytes, str] | None:
        """The answer; ``BUSY`` when the worker is busy, not ready yet or gone; ``None`` when it
        declined (another version of the store, an error: the server computes it itself)."""
        if self._dead or not self._lock.acquire(blocking=False):
            return BUSY
        try:
            if not self._started(0):
                return BUSY
            assert self._down is not None and self._up is not None
            self._down.send(("metrics", stamp, params))
            deadline = time.monotonic() + TIMEOUT
            while not self._up.poll(1.0):  # alive, not being closed, in time?
                if self._dead or self._process is None or self._process.poll() is not None:
                    raise EOFError("it ended")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no answer within {TIMEOUT:.0f} s")
            reply = self._up.recv()
            if reply[0] == "ok":
                self.answered += 1
        except (EOFError, OSError) as e:  # TimeoutError is an OSError
            if not self._dead:
                self._dead = True
                log.warning("compute worker %s stopped (%s); the server answers everything itself",
                            self.pid, str(e) or type(e).__name__)
                self._kill(hard=True)  # it did not answer: it may not listen either
            return None
        finally:
            self._lock.release()
        return (reply[1], reply[2]) if reply[0] == "ok" else None

    def close(self) -> None:
        """Stop the worker: asked to when idle; when a question is running, terminated (its
        asking thread then gives up within a second)."""
        self._dead = True
        idle = self._lock.acquire(timeout=1)
        try:
            if idle and self._down is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._down.send(None)
            self._kill(grace=5 if idle else 0)
            if not idle:
                idle = self._lock.acquire(timeout=5)  # the asking thread has seen the end
            if idle:
                for conn in (self._down, self._up):
                    if conn is not None:
                        conn.close()
                self._down = self._up = None
        finally:
            if idle:
                self._lock.release()

    def _kill(self, grace: float = 0, *, hard: bool = False) -> None:
        """End the process: after ``grace`` s for it to end by itself, terminated, killed a second
        later (``hard``: killed at once)."""
        p = self._process
        if p is None or p.poll() is not None:
            return
        if hard:
            p.kill()
        else:
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.terminate()
            try:
                p.wait(1)
            except subprocess.TimeoutExpired:
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(5)


def main() -> None:
    """The worker process: its pipes are the file descriptors in ``sys.argv``."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))


def _serve(down: Connection, up: Connection) -> None:
    """Open the newest version, then answer until told to stop or the server goes."""
    from cxmetrics.interfaces.web.context import AppContext
    from cxmetrics.metrics.registry import all_metrics

    try:
        first = down.recv()
    except (EOFError, OSError):
        return
    if first is None:  # the server could not send its settings: nothing to do
        return
    db_path, config = first
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
                reply: tuple[Any, ...] = ("ok", *metrics_answer(ctx, params, stamp))
            except StaleVersion:
                reply = ("stale",)
            except Exception as e:  # the server computes it again and reports the error its own way
                log.debug("a compute worker declined a question: %s", e)
                reply = ("failed",)
            up.send(reply)
    except (EOFError, OSError):  # the server is gone
        return
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
