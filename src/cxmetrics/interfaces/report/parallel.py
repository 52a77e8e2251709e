"""`cxm report` on two cores: the sections that need nothing from the 13-month frame
(:func:`~cxmetrics.interfaces.report.data.detached_sections`: floor, forecast, comments, themes and
CLV) are computed in a second process while this one computes the frame.

A report is mostly Python (Ibis, pandas, scikit-learn) between short DuckDB queries, so one
process keeps one core busy. The CLI forks before it opens the store or starts a thread: the
child has the imported modules and no DuckDB instance, lock or thread of its parent. It opens
the same store file read-only (a snapshot), computes its sections and sends them back as JSON.
The parent uses them only when they are of the same month over the same version of the data
(data stamp), else (another version published in between, stale facts, any failure) it computes
them itself, as without a child; errors are then its own. Only where ``fork`` is safe: Linux, a
process with one thread, the store file (not Spark).
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from cxmetrics.engine.tables import Tables
    from cxmetrics.interfaces.report.charts import SvgRenderer
    from cxmetrics.interfaces.report.data import Month


#: seconds the first process waits for the child's sections beyond SECTIONS_PATIENCE times its own time so far
SECTIONS_GRACE = 60.0
SECTIONS_PATIENCE = 2.0


def patience(started: float) -> float:
    """Seconds to wait for sections asked of another process at ``started`` (monotonic): one that
    takes much longer than this process did is stuck, and the report does without it."""
    return SECTIONS_GRACE + SECTIONS_PATIENCE * (time.monotonic() - started)


def same_version(found: dict[str, Any], month: Month, store: Tables) -> bool:
    """Whether sections another process computed are of ``month`` over the version of the data
    ``store`` reads (else the report computes its own)."""
    return found.get("key") == month.key() and found.get("stamp") == store.data_stamp()
#: seconds it waits for the child's charts (a report's take about one)
CHARTS_WAIT = 120.0


class SectionsProcess:
    """A child process computing the detached sections of one report."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.used = False
        self.started = time.monotonic()
        #: keys of the charts asked for by :meth:`predraw`, per request not yet answered
        self.pending: list[list[str]] = []

    @classmethod
    def start(cls, open_store: Callable[[], Tables] | None, period: str | None, tz: str | None,
              today: dt.date | None = None, *, charts: bool = False) -> SectionsProcess | None:
        """Fork the child, or None where that is not safe (then the report is built in one process).
        ``charts``: the child then also draws charts (:func:`draw_in`), its vl-convert started while
        this process still computes. ``open_store`` None: a child that only draws."""
        if not sys.platform.startswith("linux") or threading.active_count() != 1:
            return None
        ctx = multiprocessing.get_context("fork")
        try:
            mine, its = ctx.Pipe(duplex=True)
        except OSError:  # no descriptors left: one process
            return None
        process = ctx.Process(target=_child, args=(its, mine, open_store, period, tz, today, charts), daemon=True,
                              name="cxm-report-sections")
        try:
            process.start()
        except OSError:  # no fork (EAGAIN, ENOMEM): one process
            mine.close()
            return None
        finally:
            its.close()
        return cls(process, mine)

    def receiver(self, store: Tables) -> Callable[[Month], dict[str, Any] | None]:
        """What :func:`build_report` asks for the sections (``detached``): the child's, if they are
        of its month over the version of the data ``store`` reads."""
        def sections(month: Month) -> dict[str, Any] | None:
            found = self._receive(patience(self.started))
            if found is None or not same_version(found, month, store):
                return None
            self.used = True
            out: dict[str, Any] = found["sections"]
            return out
        return sections

    def predraw(self, keys: list[str], specs: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        """Ask the child (started with ``charts``) to draw these now; :meth:`collect` keeps them
        (:func:`charts.keep_drawn`)."""
        if keys and self._ask(specs):
            self.pending.append(keys)

    def collect(self) -> None:
        """Keep the charts :meth:`predraw` asked for (call before drawing the rest)."""
        from cxmetrics.interfaces.report.charts import keep_drawn

        while self.pending:
            keep_drawn(self.pending.pop(0), self._drawn())

    def _ask(self, specs: list[tuple[dict[str, Any], dict[str, Any]]]) -> bool:
        try:
            self.conn.send_bytes(json.dumps({"charts": specs}).encode("utf-8"))
        except (OSError, ValueError, TypeError):  # it is gone, or a spec is not plain JSON
            return False
        return True

    def _drawn(self) -> list[str] | None:
        found = self._receive(CHARTS_WAIT)
        svgs = found.get("svgs") if found is not None else None
        return svgs if isinstance(svgs, list) and all(isinstance(x, str) for x in svgs) else None

    def _receive(self, seconds: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + seconds
        while not self.conn.poll(0.05):
            if not self.process.is_alive() and not self.conn.poll(0):
                return None  # it ended without an answer
            if time.monotonic() > deadline:
                self.process.terminate()
                return None
        try:
            found: dict[str, Any] = json.loads(self.conn.recv_bytes())
        except (EOFError, OSError, ValueError):
            return None
        return found

    def close(self) -> None:
        """Stop the child if it still runs (the report failed first) and reap it."""
        self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)


def draw_in(children: list[SectionsProcess]) -> SvgRenderer:
    """Draws specs in these children (started with ``charts``), a share each at once; None (they
    are then drawn here) unless every child drew its share."""
    def render(specs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str] | None:
        shares = [specs[i::len(children)] for i in range(len(children))]
        for c in children:
            c.collect()  # answers to predraw come first on the pipe
        asked = [c._ask(share) for c, share in zip(children, shares, strict=True)]
        drawn = [c._drawn() if ok else None for c, ok in zip(children, asked, strict=True)]
        if any(d is None or len(d) != len(share) for d, share in zip(drawn, shares, strict=True)):
            return None
        out: list[str] = [""] * len(specs)
        for i, d in enumerate(drawn):
            assert d is not None
            out[i::len(children)] = d
        return out
    return render


def _child(conn: Connection, parents: Connection, open_store: Callable[[], Tables] | None, period: str | None,
           tz: str | None, today: dt.date | None, charts: bool) -> None:
    """In the child: the sections as JSON, or why not (the parent then computes them); then, with
    ``charts``, the charts it is sent. Quiet: Ctrl-C is the parent's to handle (it stops the
    child), and a parent that is gone (a closed pipe) ends it."""
    parents.close()  # the parent's end, copied by the fork: else a parent killed hard never reads as gone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")  # the parent says what there is to say, once
    warming = None
    if charts:  # vl-convert's runtime starts in a thread, alongside the queries (they release the GIL)
        from cxmetrics.interfaces.report.charts import warm_up

        warming = warm_up()
    try:
        if open_store is not None:
            _sections(conn, open_store, period, tz, today)
        if warming is not None:
            warming.join()
            _charts(conn)
    except OSError:  # the parent closed its end
        pass
    finally:
        conn.close()


def _sections(conn: Connection, open_store: Callable[[], Tables], period: str | None, tz: str | None,
              today: dt.date | None) -> None:
    """The detached sections of the report's month, sent as JSON; or the error's name."""
    from cxmetrics.interfaces.report.data import detached_sections, preload, resolve_month

    preload()  # scikit-learn for the themes, imported alongside the first queries
    try:
        store = open_store()
        try:
            engine = store.engine()
            month = resolve_month(store, engine, period, tz, today)
            found = {"key": month.key(), "stamp": store.data_stamp(),
                     "sections": detached_sections(store, engine, month, volume=False)}
        finally:
            store.close()
        payload = json.dumps(found, allow_nan=True)
    except BaseException as e:  # anything: the parent computes the sections itself
        payload = json.dumps({"error": type(e).__name__})
    conn.send_bytes(payload.encode("utf-8"))


def _charts(conn: Connection) -> None:
    """vl-convert's SVG of each spec the parent sends, request by request, or an error."""
    try:
        import vl_convert as vlc
    except ImportError:  # the parent draws them
        return
    while True:  # each request in turn, until the parent closes its end
        try:
            request = json.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the parent needs no more charts (it is done, or failed)
            return
        try:
            svgs = [vlc.vegalite_to_svg(spec, format_locale=locale) for spec, locale in request["charts"]]
            payload = json.dumps({"svgs": svgs})
        except Exception as e:  # a spec vl-convert refuses: the parent draws them and says so
            payload = json.dumps({"error": type(e).__name__})
        conn.send_bytes(payload.encode("utf-8"))
