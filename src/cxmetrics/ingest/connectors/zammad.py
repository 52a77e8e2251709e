"""Zammad (REST API v1) -> the canonical tables (docs/connectors.md, "Zammad").

Streams, in this order:

1. groups and organizations, read whole (names for ``team`` and ``customers.segment``);
2. users, ``GET /api/v1/users/search?query=updated_at:[SINCE TO *]&sort_by=updated_at
   &order_by=asc&expand=true``: users with the role Customer as ``customers``;
3. tickets, ``GET /api/v1/tickets/search`` with the same query and ``expand=true``; per
   changed ticket its articles (``/api/v1/ticket_articles/by_ticket/{id}``), history
   (``/api/v1/ticket_history/{id}``) and time accounting
   (``/api/v1/tickets/{id}/time_accountings``): ``tickets``, ``messages``,
   ``status_changes``, ``work_sessions``. Merged tickets (state ``merged``) are removed.

Both searches are paged by keyset (each request starts at the newest ``updated_at`` read),
which keeps clear of the search index's result window and of tickets that move while the
sync reads. Zammad has no satisfaction ratings: nothing goes to ``survey_responses``.
Zammad deletes tickets outright, so an incremental run cannot see a deletion; a ``--full``
run without ``--since`` reads every ticket and removes the ones this URL stored that are
gone.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import TYPE_CHECKING, Any

import httpx

from cxmetrics.errors import SourceAuthFailed, UsageError
from cxmetrics.ingest.connectors.base import Progress, SyncResult, load_cursors, recorded, utc, write_page
from cxmetrics.ingest.connectors.rest import ListClient, replace_ticket_rows

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store

NAME = "zammad"
STATUS = {"new": "new", "open": "open", "pending reminder": "pending", "pending close": "pending",
          "closed": "closed", "merged": "closed"}
GONE = {"merged", "removed"}
#: article / ticket-creation type -> canonical channel (others are kept as Zammad names them)
CHANNEL = {"email": "email", "phone": "phone", "web": "web", "chat": "chat", "sms": "sms",
           "twitter status": "social", "twitter direct-message": "social", "facebook feed post": "social",
           "facebook feed comment": "social", "telegram personal-message": "social", "whatsapp message": "social"}
SENDER = {"Customer": "customer", "Agent": "agent", "System": "system"}
PER_PAGE = 100
TIME_UNIT_SECONDS = 60.0  # Zammad's time units are minutes unless the admin says otherwise


def credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """``Authorization: Token token=...`` from ``ZAMMAD_TOKEN`` (an access token), else HTTP Basic from
    ``ZAMMAD_USER`` + ``ZAMMAD_PASSWORD``."""
    env = dict(os.environ) if env is None else env
    token = env.get("ZAMMAD_TOKEN", "").strip()
    if token:
        return {"Authorization": f"Token token={token}"}
    user, password = env.get("ZAMMAD_USER", "").strip(), env.get("ZAMMAD_PASSWORD", "")
    if user and password:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")}
    raise SourceAuthFailed("zammad: no credentials for authentication: set ZAMMAD_TOKEN (an access token), "
                           "or ZAMMAD_USER and ZAMMAD_PASSWORD")


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, per_page: int = PER_PAGE,
         **client_options: Any) -> SyncResult:
    """Sync one Zammad instance (``url`` like ``https://support.acme.com``) into ``store``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the help desk's base URL, such as https://support.acme.com, not {url!r}")
    url = url.rstrip("/")
    env = dict(os.environ) if env is None else env
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = credentials(env)
    try:
        unit = float(env.get("ZAMMAD_TIME_UNIT_SECONDS") or TIME_UNIT_SECONDS)
    except ValueError:
        raise UsageError("ZAMMAD_TIME_UNIT_SECONDS must be a number of seconds, such as 60") from None
    client = ListClient(url, headers, source=NAME, transport=transport, **client_options)
    cursors = {} if full else load_cursors(store, NAME, url)
    start = (since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    result = SyncResult(NAME, url, incremental=bool(cursors))
    with recorded(client, result, started):
        s = _Sync(store, client, result, cursors, start, started, progress, per_page, unit)
        s.run(reconcile=full and since is None)
    return result


class _Sync:
    def __init__(self, store: Store, client: ListClient, result: SyncResult, cursors: dict[str, str],
                 start: dt.datetime, started: dt.datetime, progress: Progress | None, per_page: int,
                 unit: float) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress = start, started, progress
        self.per_page, self.unit = per_page, unit
        self.groups: dict[str, str] = {}
        self.organizations: dict[str, str] = {}
        self.seen: set[str] = set()

    def run(self, *, reconcile: bool) -> None:
        self.groups = self._names("api/v1/groups")
        self.organizations = self._names("api/v1/organizations")
        self._users()
        self._tickets()
        if reconcile:
            self._remove_vanished()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    def _list(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a page/per_page listing (a short page is the last)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            body, _ = self.client.fetch(path, {**(params or {}), "page": page, "per_page": self.per_page})
            items = body if isinstance(body, list) else []
            out += items
            if len(items) < self.per_page:
                return out
            page += 1

    def _names(self, path: str) -> dict[str, str]:
        return {str(i["id"]): i.get("name") or str(i["id"]) for i in self._list(path)}

    def _search(self, stream: str, path: str) -> Any:
        """Yield (items, cursor) per page of a search sorted by ``updated_at``, keyset-paged."""
        since = utc(self.cursors.get(stream)) or self.start
        page = 1
        while True:
            ask = max(since - dt.timedelta(seconds=1), dt.datetime(1970, 1, 1))
            body, _ = self.client.fetch(path, {
                "query": f"updated_at:[{ask.strftime('%Y-%m-%dT%H:%M:%SZ')} TO *]", "sort_by": "updated_at",
                "order_by": "asc", "expand": "true", "page": page, "per_page": self.per_page})
            items = body if isinstance(body, list) else []
            newest = max((utc(i.get("updated_at")) or since for i in items), default=since)
            yield items, newest.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if len(items) < self.per_page:
                return
            if newest > since:
                since, page = newest, 1
            else:
                page += 1  # a whole page in one second

    # -- users ------------------------------------------------------------------------------------
    def _users(self) -> None:
        for users, cursor in self._search("users", "api/v1/users/search"):
            rows = [{"customer_id": str(u["id"]), "acquired_at": utc(u.get("created_at")),
                     "segment": u.get("organization") or self.organizations.get(str(u.get("organization_id")))}
                    for u in users if "Customer" in (u.get("roles") or []) and u.get("active", True)]
            write_page(self.store, self.result, "users", {"customers": rows}, cursor=cursor, started=self.started)
            self._tick("users")

    # -- tickets with their articles, history and time accounting -----------------------------------
    def _tickets(self) -> None:
        done: set[tuple[str, str]] = set()
        for tickets, cursor in self._search("tickets", "api/v1/tickets/search"):
            rows: list[dict[str, Any]] = []
            messages: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            sessions: list[dict[str, Any]] = []
            gone = []
            for t in tickets:
                tid = str(t["id"])
                self.seen.add(tid)
                key = (tid, str(t.get("updated_at")))
                if key in done:  # the boundary ticket of the previous keyset page
                    continue
                done.add(key)
                if t.get("state") in GONE:
                    gone.append(tid)
                    continue
                rows.append(self._ticket(t))
                messages += self._articles(tid)
                changes += self._history(t)
                sessions += self._time(tid)
            kept = [r["ticket_id"] for r in rows]
            children = {"messages": messages, "status_changes": changes, "work_sessions": sessions}

            def replace(con: Any, kept: list[str] = kept, new: dict[str, list[dict[str, Any]]] = children) -> None:
                for table, table_rows in new.items():
                    self.result.count(table).removed += replace_ticket_rows(con, table, kept, table_rows)

            write_page(self.store, self.result, "tickets",
                       {"tickets": rows, **children},
                       cursor=cursor, started=self.started, remove=gone, also=replace)
            self._tick("tickets")

    def _ticket(self, t: dict[str, Any]) -> dict[str, Any]:
        kind = t.get("create_article_type")
        priority = str(t.get("priority") or "")
        return {
            "ticket_id": str(t["id"]),
            "created_at": utc(t.get("created_at")),
            "channel": CHANNEL.get(kind, kind) if kind else None,
            "category": t.get("type") or None,
            "priority": priority.split(" ", 1)[-1] if priority else None,  # "2 normal" -> normal
            "status": STATUS.get(t.get("state") or "", "open") if t.get("state") else None,
            "customer_id": _id(t.get("customer_id")),
            "agent_id": None if t.get("owner_id") in (None, 1) else str(t["owner_id"]),  # 1: Zammad's "nobody"
            "team": t.get("group") or self.groups.get(str(t.get("group_id"))),
            "created_by": SENDER.get(t.get("create_article_sender") or ""),
            "first_reply_at": utc(t.get("first_response_at")),
            "solved_at": utc(t.get("close_at")) if t.get("state") == "closed" else None,
        }

    def _articles(self, tid: str) -> list[dict[str, Any]]:
        body, _ = self.client.fetch(f"api/v1/ticket_articles/by_ticket/{tid}", {"expand": "true"})
        out = []
        for a in body if isinstance(body, list) else []:
            kind = a.get("type")
            out.append({"message_id": str(a["id"]), "ticket_id": tid, "created_at": utc(a.get("created_at")),
                        "author_type": SENDER.get(a.get("sender") or "", "system"),
                        "author_id": _id(a.get("created_by_id")), "public": not a.get("internal", False),
                        "channel": CHANNEL.get(kind, kind) if kind and kind != "note" else None})
        return out

    def _history(self, t: dict[str, Any]) -> list[dict[str, Any]]:
        """State changes from the ticket's history, plus its first state at creation."""
        tid = str(t["id"])
        body, _ = self.client.fetch(f"api/v1/ticket_history/{tid}")
        events = [h for h in (body.get("history") if isinstance(body, dict) else None) or []
                  if h.get("object") == "Ticket" and h.get("attribute") == "state" and h.get("type") == "updated"]
        events.sort(key=lambda h: (utc(h.get("created_at")) or dt.datetime.min, h.get("id") or 0))
        first = events[0].get("value_from") if events else t.get("state")
        out = [{"ticket_id": tid, "changed_at": utc(t.get("created_at")), "to_status": STATUS.get(first or "", "new"),
                "from_status": None}]
        for h in events:
            to = STATUS.get(h.get("value_to") or "")
            if to is None:
                continue
            out.append({"ticket_id": tid, "changed_at": utc(h.get("created_at")), "to_status": to,
                        "from_status": STATUS.get(h.get("value_from") or "")})
        return out

    def _time(self, tid: str) -> list[dict[str, Any]]:
        body, _ = self.client.fetch(f"api/v1/tickets/{tid}/time_accountings")
        out = []
        for e in body if isinstance(body, list) else []:
            try:
                seconds = float(e.get("time_unit")) * self.unit
            except (TypeError, ValueError):
                seconds = None
            out.append({"ticket_id": tid, "agent_id": _id(e.get("created_by_id")),
                        "started_at": utc(e.get("created_at")), "seconds": seconds})
        return out

    # -- tickets deleted in Zammad (full runs only) --------------------------------------------------
    def _remove_vanished(self) -> None:
        """Remove the tickets this URL's syncs stored that a complete read no longer returned."""
        stored = [r[0] for r in self.store.raw.execute(
            "SELECT t.ticket_id FROM tickets t JOIN _import_log l ON l.import_id = t._import_id "
            "AND l.table_name = 'tickets' WHERE l.source = ? AND starts_with(l.file, ?)",
            [NAME, self.result.url + " "]).fetchall()]
        vanished = sorted(set(stored) - self.seen)
        write_page(self.store, self.result, "deleted", {}, cursor=None, started=self.started, remove=vanished)


def _id(value: Any) -> str | None:
    return None if value is None else str(value)
