"""What every connector shares: the HTTP client (retries, rate limits), stored cursors, page writes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx
import pyarrow as pa
import tenacity

from cxmetrics.errors import SourceAuthFailed, SyncFailed
from cxmetrics.ingest.write import ARROW_TYPES, QUARANTINE_SCHEMA, Part, write
from cxmetrics.model import schema

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store

STATE_DDL = """CREATE TABLE IF NOT EXISTS _sync_state (
    source VARCHAR, url VARCHAR, stream VARCHAR, cursor VARCHAR, updated_at TIMESTAMP)"""
USERS_DDL = """CREATE TABLE IF NOT EXISTS _sync_users (
    source VARCHAR, url VARCHAR, user_id VARCHAR, role VARCHAR)"""

#: what the progress callback receives: (stream, pages so far)
Progress = Callable[[str, int], None]


class _Retryable(Exception):
    """A 429, a 5xx or a transport failure: worth another attempt."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _wait_header(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a 429/5xx: ``Retry-After`` (most APIs), ``X-RateLimit-Retry-After``
    (Help Scout) or ``X-RateLimit-Reset`` as Unix seconds (Intercom)."""
    wait = _retry_after(headers.get("Retry-After") or headers.get("X-RateLimit-Retry-After"))
    reset = headers.get("X-RateLimit-Reset")
    if wait is None and reset and reset.isdigit() and int(reset) > 1_000_000_000:
        wait = max(0.0, int(reset) - time.time())
    return wait


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


#: what every request says besides its credentials
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "cxmetrics-sync"}


class Client:
    """GET JSON from one help desk, honouring its rate limits.

    Retries (tenacity): a 429 waits what ``Retry-After`` says (capped at ``max_wait``); a 5xx,
    a timeout or a dropped connection waits a random exponential backoff (full jitter). After
    ``attempts`` tries the sync fails with :class:`SyncFailed`. A 401 or 403 is never
    retried: :class:`SourceAuthFailed`. Only URLs on the base URL's origin are followed, so
    the credentials are never sent anywhere else; they never appear in messages.
    """

    def __init__(self, base_url: str, headers: Mapping[str, str], *, source: str, attempts: int = 6,
                 max_wait: float = 120.0, backoff: float = 1.0, timeout: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None) -> None:
        self.base = base_url.rstrip("/") + "/"
        self.origin = _origin(self.base)
        self.source = source
        self.requests: list[str] = []  # path + query of every request made (tests, summary)
        self.retries = 0
        self._http = httpx.Client(headers={**DEFAULT_HEADERS, **headers}, timeout=timeout, transport=transport,
                                  follow_redirects=False)
        self._retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Retryable),
            stop=tenacity.stop_after_attempt(attempts),
            wait=self._wait(backoff, max_wait),
            sleep=sleep,
            before_sleep=self._count,
            reraise=True,
        )

    def _wait(self, backoff: float, max_wait: float) -> Callable[[tenacity.RetryCallState], float]:
        jitter = tenacity.wait_random_exponential(multiplier=backoff, max=max_wait)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Retryable) and exc.retry_after is not None:
                return min(exc.retry_after, max_wait) + random.uniform(0, 0.1 * backoff)
            return float(jitter(state))

        return wait

    def _count(self, _state: tenacity.RetryCallState) -> None:
        self.retries += 1

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path_or_url, params)

    def post(self, path_or_url: str, json: Any = None, *, data: Mapping[str, str] | None = None,
             params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """POST a JSON body (a search: Intercom) or a form (an OAuth token: Help Scout)."""
        return self.request("POST", path_or_url, params, json=json, data=data)

    def request(self, method: str, path_or_url: str, params: Mapping[str, Any] | None = None, *,
                json: Any = None, data: Mapping[str, str] | None = None) -> dict[str, Any]:
        url = urljoin(self.base, path_or_url.lstrip("/")) if "://" not in path_or_url else path_or_url
        if _origin(url) != self.origin:
            raise SyncFailed(f"{self.source}: the API pointed to {_origin(url)}, outside {self.origin}; "
                             "refusing to send the credentials there")
        try:
            return self._retrying(self._once, method, url, params, json, data)
        except _Retryable as e:
            raise SyncFailed(f"{self.source}: {e}; gave up after {self.retries + 1} attempts. What was "
                             "synced so far is kept; run the sync again to resume") from None

    def _once(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any,
              data: Mapping[str, str] | None) -> dict[str, Any]:
        try:
            r = self._http.request(method, url, params=params, json=json, data=data)
        except httpx.TimeoutException:
            raise _Retryable(f"timed out reading {_path(url)}") from None
        except httpx.TransportError as e:
            raise _Retryable(f"cannot reach {self.origin} ({type(e).__name__})") from None
        self.requests.append(_path(str(r.request.url)))
        if r.status_code in (401, 403):
            raise SourceAuthFailed(
                f"{self.source}: authentication failed (HTTP {r.status_code}) at {self.origin}: check the "
                f"credentials in the environment (docs/connectors.md)")
        if r.status_code == 429:
            raise _Retryable(f"rate limited (HTTP 429) on {_path(url)}", _wait_header(r.headers))
        if r.status_code >= 500:
            raise _Retryable(f"HTTP {r.status_code} from {_path(url)}", _wait_header(r.headers))
        if r.status_code >= 400:
            raise SyncFailed(f"{self.source}: HTTP {r.status_code} from {_path(url)}: is {self.base} the help "
                             "desk's base URL?")
        try:
            body = r.json()
        except ValueError:
            raise SyncFailed(f"{self.source}: {_path(url)} did not answer JSON; is {self.base} the help desk's "
                             "base URL?") from None
        if isinstance(body, list):  # a bare JSON array (Chatwoot's CSAT responses): its items under "items"
            return {"items": body}
        if not isinstance(body, dict):
            raise SyncFailed(f"{self.source}: unexpected answer from {_path(url)}")
        return body

    def close(self) -> None:
        self._http.close()


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def _path(url: str) -> str:
    p = urlsplit(url)
    return p.path + (f"?{p.query}" if p.query else "")


# -- stored cursors ------------------------------------------------------------------------------
def load_cursors(store: Store, source: str, url: str) -> dict[str, str]:
    con = store.raw
    con.execute(STATE_DDL)
    rows = con.execute("SELECT stream, cursor FROM _sync_state WHERE source = ? AND url = ?", [source, url]).fetchall()
    return {s: c for s, c in rows}


def cursor_saver(source: str, url: str, stream: str, cursor: str | None) -> Callable[[Any], None]:
    def save(con: Any) -> None:
        if cursor is None:
            return
        con.execute("DELETE FROM _sync_state WHERE source = ? AND url = ? AND stream = ?", [source, url, stream])
        con.execute("INSERT INTO _sync_state VALUES (?, ?, ?, ?, now()::TIMESTAMP)", [source, url, stream, cursor])

    return save


def utc(value: Any) -> dt.datetime | None:
    """An ISO 8601 stamp (any offset) or Unix seconds -> a naive UTC datetime (the store's convention)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
    try:
        d = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if d.tzinfo is None:  # the APIs send UTC; a naive stamp is read as UTC
        return d
    return d.astimezone(dt.UTC).replace(tzinfo=None)


# -- writing one page ----------------------------------------------------------------------------
@dataclass
class TableCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    removed: int = 0


@dataclass
class SyncResult:
    source: str
    url: str
    tables: dict[str, TableCounts] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    pages: int = 0
    import_ids: list[int] = field(default_factory=list)
    incremental: bool = False
    seconds: float = 0.0

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables.values())

    @property
    def exit_code(self) -> int:
        return 3 if self.quarantined else 0

    def count(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())


@contextlib.contextmanager
def recorded(client: Client, result: SyncResult, started: dt.datetime) -> Iterator[None]:
    """Around a connector's run: whether it finishes or fails, put its requests, retries and
    duration on ``result`` (the summary and the tests read them) and close the client."""
    try:
        yield
    finally:
        result.requests = len(client.requests)
        result.retries = client.retries
        result.seconds = (dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds()
        client.close()


def _part(table: str, rows: list[dict[str, Any]]) -> Part:
    """Canonical rows -> a Part; rows missing a required value or with a value outside the
    column's allowed set go to the quarantine with the reason and the row as JSON."""
    t = schema.table(table)
    good: list[dict[str, Any]] = []
    bad: list[tuple[int, str | None, str, str]] = []
    for i, row in enumerate(rows):
        reason = None
        for c in t.columns:
            v = row.get(c.name)
            if c.required and v is None:
                reason = (c.name, "required value is empty")
            elif c.allowed and v is not None and v not in c.allowed:
                reason = (c.name, f"{v!r} is not one of {', '.join(c.allowed)}")
            if reason:
                break
        if reason:
            bad.append((i + 1, reason[0], reason[1], json.dumps(row, default=str, ensure_ascii=False)))
        else:
            good.append(row)
    arrays = [pa.array([r.get(c.name, c.default) if r.get(c.name) is not None else c.default for r in good],
                       ARROW_TYPES[c.type]) for c in t.columns]
    arrays.append(pa.array(range(len(good)), pa.int64()))
    data = pa.Table.from_arrays(arrays, names=[*t.names, "_row"])
    quarantine = pa.Table.from_arrays([pa.array([b[k] for b in bad], typ) for k, typ in
                                       enumerate((pa.int64(), pa.string(), pa.string(), pa.string()))],
                                      schema=QUARANTINE_SCHEMA)
    return Part(t, data, rows_read=len(rows), rejected=len(bad), quarantine=quarantine)


def rows_part(table: str, rows: list[dict[str, Any]]) -> Part:
    """:func:`_part` for file adapters that share a connector's mapping (ingest/adapters/zendesk.py)."""
    return _part(table, rows)


def write_page(store: Store, result: SyncResult, stream: str, tables: Mapping[str, list[dict[str, Any]]], *,
               cursor: str | None, started: dt.datetime, remove: Iterable[str] = (),
               also: Callable[[Any], None] | None = None) -> None:
    """One page: upsert its rows, remove deleted/merged tickets, run ``also`` and advance the
    stream's cursor, all in one transaction."""
    parts = [_part(name, rows) for name, rows in tables.items() if rows]
    save = cursor_saver(result.source, result.url, stream, cursor)
    removed = sorted(set(remove))

    def extra(con: Any) -> None:
        if removed:
            for table in ("messages", "status_changes", "field_changes", "work_sessions", "survey_responses",
                          "survey_invitations", "tickets"):
                n = con.execute(f'SELECT count(*) FROM "{table}" WHERE ticket_id IN (SELECT unnest(?))',
                                [removed]).fetchone()[0]
                con.execute(f'DELETE FROM "{table}" WHERE ticket_id IN (SELECT unnest(?))', [removed])
                result.count(table).removed += int(n)
        if also is not None:
            also(con)
        save(con)

    con = store.raw
    if parts:
        import_id = write(store, parts, file=f"{result.url} {stream}", checksum=None, source=result.source,
                          tz="UTC", options={"stream": stream, "cursor": cursor}, started=started, also=extra)
        result.import_ids.append(import_id)
    else:
        con.execute("BEGIN TRANSACTION")
        try:
            extra(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    for p in parts:
        c = result.count(p.table.name)
        c.read += p.rows_read
        c.inserted += p.inserted
        c.updated += p.updated
        c.unchanged += p.unchanged
        c.quarantined += p.rejected
    result.pages += 1
