"""``cxm serve --sync-every 15m``: help-desk syncs inside the server, on a timer.

One daemon thread runs the connector every ``every`` seconds (the first run at start-up)
through the server's writer store, under the same writer lock as API imports, so a sync and
an upload never interleave. A failed run is logged as one line (the error's message, which
never holds credentials) and retried at the next tick; the last outcome is kept for
``status()``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxmetrics.interfaces.web.context import AppContext

log = logging.getLogger("cxmetrics.sync")


@dataclass
class SyncSchedule:
    source: str
    url: str
    every: float  # seconds
    options: dict[str, Any] = field(default_factory=dict)  # passed to the connector (tests: env)


class Scheduler:
    def __init__(self, ctx: AppContext, schedule: SyncSchedule) -> None:
        self.ctx, self.schedule = ctx, schedule
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cxm-sync", daemon=True)
        self.runs = 0
        self.last_error: str | None = None
        self.last_result: Any = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def run_once(self) -> None:
        from cxmetrics.errors import as_user_error
        from cxmetrics.ingest import connectors

        s = self.schedule
        try:
            run = connectors.get(s.source)
            with self.ctx.writer() as store:
                self.last_result = run(store, s.url, **s.options)
            self.last_error = None
            log.info("sync %s: %d requests, %d pages", s.source, self.last_result.requests, self.last_result.pages)
        except Exception as e:  # a scheduled run must not stop the server
            err = as_user_error(e)
            self.last_error = str(err) if err is not None else f"internal error: {type(e).__name__}"
            if err is None:
                log.exception("sync %s failed", s.source)
            else:
                log.warning("sync %s failed: %s", s.source, err)
        finally:
            self.runs += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.schedule.every)
