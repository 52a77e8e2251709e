"""A helper process for :func:`~cxmetrics.interfaces.report.data.build_report` in a process
that stays (the server's report downloads, a notebook, a script building several reports).

A report is mostly Python between short DuckDB queries, so one process keeps one core busy.
`cxm report` forks a second process of its own (:mod:`.parallel`); a process that is already
running cannot fork safely (DuckDB's threads), so this one starts a fresh interpreter, once, on
its first report: this module as main (:func:`cxmetrics.interfaces.child.python_command`), with the report's modules
and scikit-learn imported. For each report it opens the same store file read-only and computes
the :func:`~cxmetrics.interfaces.report.data.detached_sections` while the asking process
computes the 13-month frame. The answer is used only for the same month over the same version
of the data (data stamp), as the fork's; otherwise, or when the helper is busy with another
report, failed or is gone, the asking process computes the sections itself. The helper ends
when its parent does (its request pipe closes). Setting ``report_helper`` (default on).

Messages are length-prefixed: requests are pickles (parent to its own child: the store path,
the settings, the month), answers JSON (the report's plain data).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any

from cxmetrics.interfaces.child import python_command
from cxmetrics.interfaces.report.parallel import patience, same_version

if TYPE_CHECKING:
    import datetime as dt

    from cxmetrics.engine.tables import Tables
    from cxmetrics.interfaces.report.data import Month

_HEADER = struct.Struct(">Q")


class Helper:
    """The running helper process and the pipes to it."""

    def __init__(self, proc: subprocess.Popen[bytes], answers: IO[bytes]) -> None:
        self.proc = proc
        self.answers = answers
        #: one report at a time; another asks while it is busy: that one computes in its process
        self.busy = threading.Lock()
        self.asked = 0

    @classmethod
    def start(cls) -> Helper | None:
        """Start the helper, or None where that fails (then reports are built in one process)."""
        r, w = os.pipe()
        try:
            proc = subprocess.Popen(
                python_command("cxmetrics.interfaces.report.helper", str(w)),  # never the current folder's modules
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(w,),
                start_new_session=True)  # Ctrl-C in a terminal is the asking process's to handle
        except OSError:
            os.close(r)
            return None
        finally:
            os.close(w)
        return cls(proc, os.fdopen(r, "rb", buffering=0))  # unbuffered: select sees what is unread

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        self.answers.close()

    def send(self, body: bytes) -> bool:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(_HEADER.pack(len(body)) + body)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            return False
        return True

    def receive(self, seconds: float) -> dict[str, Any] | None:
        """The next answer, or None (the helper ended, or took longer than ``seconds``)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.answers], [], [], min(left, 1.0))
            if ready:
                break
            if not self.alive():
                return None
        body = _read(self.answers)
        if body is None:
            return None
        try:
            found: dict[str, Any] = json.loads(body)
        except ValueError:
            return None
        return found


_helpers: list[Helper] = []
_starting = threading.Lock()


def _helper() -> Helper | None:
    """The process's helper, started on first use (again if it ended)."""
    with _starting:
        if _helpers and not _helpers[0].alive():
            _helpers.pop().stop()
        if not _helpers:
            h = Helper.start()
            if h is None:
                return None
            _helpers.append(h)
        return _helpers[0]


def current() -> Helper | None:
    """The process's helper if one is running."""
    with _starting:
        return _helpers[0] if _helpers and _helpers[0].alive() else None


def _drop(h: Helper) -> None:
    with _starting:
        if h in _helpers:
            _helpers.remove(h)
    h.stop()


class Request:
    """One report's sections asked of the helper: :meth:`receive` is ``build_report``'s
    ``detached``; :meth:`done` (always, in a ``finally``) frees the helper."""

    def __init__(self, helper: Helper, ident: int) -> None:
        self.helper = helper
        self.ident = ident
        self.started = time.monotonic()
        self.answered = False
        #: whether the report used the helper's sections (tests, benchmarks)
        self.used = False

    def receive(self, store: Tables, month: Month) -> dict[str, Any] | None:
        found = self.helper.receive(patience(self.started))
        if found is None:  # gone, or stuck: stop it; the next report starts another
            _drop(self.helper)
            return None
        self.answered = True
        if found.get("id") != self.ident or not same_version(found, month, store):
            return None
        self.used = True
        sections: dict[str, Any] = found["sections"]
        return sections

    def done(self) -> None:
        """Free the helper for the next report. When this one failed before it asked for its
        answer (a month without data, say), the answer is read and dropped in the background:
        the helper stays busy until then, so it never reaches the next report."""
        if self.answered or not self.helper.alive():
            self.helper.busy.release()
            return

        def drain() -> None:
            try:
                if self.helper.receive(patience(self.started)) is None:
                    _drop(self.helper)
            finally:
                self.helper.busy.release()

        threading.Thread(target=drain, name="cxm-report-helper-drain", daemon=True).start()


def ask(store: Tables, period: str | dt.date | None, tz: str | None, today: dt.date | None) -> Request | None:
    """Ask the helper for this report's detached sections, or None (then they are computed in
    this process): the setting is off, the tables are not a snapshot of a store file, the helper
    is busy with another report or cannot start."""
    from cxmetrics.store import Store

    if os.name != "posix" or not store.config.report_helper or not isinstance(store, Store) \
            or not store.read_only or str(store.path) == ":memory:" or not store.path.is_file():
        return None  # (select() on pipes: POSIX)
    h = _helper()
    if h is None or not h.busy.acquire(blocking=False):
        return None
    h.asked += 1
    request = {"id": h.asked, "path": str(store.path), "config": store.config, "period": period, "tz": tz,
               "today": today}
    try:
        body = pickle.dumps(request)
    except Exception:  # settings that do not pickle (a notebook's own subclass, say): this process builds
        h.busy.release()
        return None
    if not h.send(body):
        h.busy.release()
        _drop(h)
        return None
    return Request(h, h.asked)


# -- in the helper process --------------------------------------------------------------------------
def _read(stream: IO[bytes]) -> bytes | None:
    """One message, or None at the end of the stream."""
    head = _exactly(stream, _HEADER.size)
    return None if head is None else _exactly(stream, _HEADER.unpack(head)[0])


def _exactly(stream: IO[bytes], n: int) -> bytes | None:
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    from cxmetrics.interfaces.report.data import detached_sections, resolve_month
    from cxmetrics.store import Store

    store = Store(request["path"], read_only=True, config=request["config"])
    try:
        engine = store.engine()
        month = resolve_month(store, engine, request["period"], request["tz"], request["today"])
        return {"id": request["id"], "key": month.key(), "stamp": store.data_stamp(),
                "sections": detached_sections(store, engine, month)}
    finally:
        store.close()


def main(fd: int) -> None:
    """Answer requests from stdin on ``fd`` until the parent closes its end."""
    import warnings

    from cxmetrics.engine.collector import tune_collector
    from cxmetrics.interfaces.report.data import preload

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")  # the asking process says what there is to say
    tune_collector()
    preload()  # scikit-learn (themes), while the first request is on its way
    out = os.fdopen(fd, "wb")
    while True:
        body = _read(sys.stdin.buffer)
        if body is None:
            return
        ident = None
        try:
            request = pickle.loads(body)  # from the parent that started this process
            ident = request["id"]
            payload = json.dumps(_answer(request), allow_nan=True)
        except Exception as e:  # the asking process computes the sections itself
            payload = json.dumps({"id": ident, "error": type(e).__name__})
        data = payload.encode("utf-8")
        try:
            out.write(_HEADER.pack(len(data)) + data)
            out.flush()
        except OSError:  # the parent is gone
            return


if __name__ == "__main__":
    main(int(sys.argv[1]))
