"""Zendesk Support -> the canonical tables (docs/connectors.md, "Zendesk Support").

Streams, in this order (later ones need what earlier ones stored):

1. groups and brands, read whole (names for ``team`` and ``brand``);
2. users, ``GET /api/v2/incremental/users/cursor.json``: roles (who wrote a comment) and
   end-users as ``customers``;
3. tickets, ``GET /api/v2/incremental/tickets/cursor.json``: ``tickets``; deleted tickets
   and tickets merged into another (closed with the tag ``closed_by_merge``) are removed;
4. ticket events, ``GET /api/v2/incremental/ticket_events.json?include=comment_events``
   (time-based: ``start_time``, ``end_time``, ``end_of_stream``): comments -> ``messages``,
   status changes -> ``status_changes``;
5. satisfaction ratings, ``GET /api/v2/satisfaction_ratings.json`` (cursor pagination):
   ``good``/``bad`` -> ``survey_responses`` (survey ``csat``, score 1/0 on a 0-1 scale);
   ``offered`` and ``unoffered`` are not answers and are skipped.

Each page commits with its stream's cursor; the cursors are kept in ``_sync_state``.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import TYPE_CHECKING, Any

import httpx

from cxmetrics.errors import SourceAuthFailed, UsageError
from cxmetrics.ingest.connectors.base import (
    USERS_DDL,
    Client,
    Progress,
    SyncResult,
    load_cursors,
    recorded,
    utc,
    write_page,
)

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store

NAME = "zendesk"
STATUS = {"new": "new", "open": "open", "pending": "pending", "hold": "on_hold", "solved": "solved",
          "closed": "closed"}
#: via.channel -> canonical channel (others are kept as Zendesk names them)
CHANNEL = {"web": "web", "email": "email", "mail": "email", "chat": "chat", "native_messaging": "chat",
           "voice": "phone", "phone": "phone", "twitter": "social", "facebook": "social",
           "instagram_dm": "social", "whatsapp": "social", "api": "api", "mobile_sdk": "app", "mobile": "app"}
ROLE = {"end-user": "customer", "agent": "agent", "admin": "agent"}
#: via.channel of comments a machine wrote
BOT_CHANNELS = {"answer_bot", "answer_bot_for_agents", "answer_bot_for_sdk", "answer_bot_for_slack",
                "answer_bot_for_web_widget", "sunshine_conversations_api"}
MERGED_TAG = "closed_by_merge"
PAGE_SIZE = 1000


def credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """The Authorization header from ``ZENDESK_OAUTH_TOKEN`` (Bearer) or ``ZENDESK_EMAIL`` +
    ``ZENDESK_API_TOKEN`` (Basic ``{email}/token:{token}``)."""
    env = dict(os.environ) if env is None else env
    oauth = env.get("ZENDESK_OAUTH_TOKEN", "").strip()
    if oauth:
        return {"Authorization": f"Bearer {oauth}"}
    email, token = env.get("ZENDESK_EMAIL", "").strip(), env.get("ZENDESK_API_TOKEN", "").strip()
    if email and token:
        basic = base64.b64encode(f"{email}/token:{token}".encode()).decode("ascii")
        return {"Authorization": f"Basic {basic}"}
    raise SourceAuthFailed("zendesk: no credentials for authentication: set ZENDESK_EMAIL and "
                           "ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN")


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, **client_options: Any) -> SyncResult:
    """Sync one Zendesk account (``url`` like ``https://acme.zendesk.com``) into ``store``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the help desk's base URL, such as https://acme.zendesk.com, not {url!r}")
    url = url.rstrip("/")
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = credentials(env)
    client = Client(url, headers, source=NAME, transport=transport, **client_options)
    store.raw.execute(USERS_DDL)
    cursors = {} if full else load_cursors(store, NAME, url)
    start = int((since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).timestamp())
    start = max(start, 0)
    result = SyncResult(NAME, url, incremental=bool(cursors))
    with recorded(client, result, started):
        s = _Sync(store, client, result, cursors, start, started, progress)
        s.run()
    return result


class _Sync:
    def __init__(self, store: Store, client: Client, result: SyncResult, cursors: dict[str, str], start: int,
                 started: dt.datetime, progress: Progress | None) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress = start, started, progress
        self.groups: dict[str, str] = {}
        self.brands: dict[str, str] = {}
        self.roles: dict[str, str] = {}

    def run(self) -> None:
        self.groups = self._names("api/v2/groups.json", "groups")
        self.brands = self._names("api/v2/brands.json", "brands")
        self._users()
        self.roles = dict(self.store.raw.execute(
            "SELECT user_id, role FROM _sync_users WHERE source = ? AND url = ?", [NAME, self.result.url]).fetchall())
        self._tickets()
        self._events()
        self._ratings()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    def _names(self, path: str, key: str) -> dict[str, str]:
        out: dict[str, str] = {}
        page: str | None = path
        params: dict[str, Any] | None = {"page[size]": 100}
        while page:
            body = self.client.get(page, params)
            for item in body.get(key) or []:
                out[str(item["id"])] = item.get("name") or str(item["id"])
            page = (body.get("links") or {}).get("next") if (body.get("meta") or {}).get("has_more") \
                else body.get("next_page")
            params = None
        return out

    # -- cursor-based incremental exports -----------------------------------------------------
    def _cursor_export(self, stream: str, path: str, key: str) -> Any:
        """Yield (items, cursor to store) per page of a cursor-based incremental export."""
        cursor = self.cursors.get(stream)
        params: dict[str, Any] = {"cursor": cursor} if cursor else {"start_time": self.start}
        params["per_page"] = PAGE_SIZE
        while True:
            body = self.client.get(path, params)
            after = body.get("after_cursor") or cursor
            yield body.get(key) or [], after
            cursor = after
            if body.get("end_of_stream", True) or not body.get("after_cursor"):
                return
            params = {"cursor": body["after_cursor"], "per_page": PAGE_SIZE}

    def _users(self) -> None:
        for users, cursor in self._cursor_export("users", "api/v2/incremental/users/cursor.json", "users"):
            roles = [(str(u["id"]), ROLE.get(u.get("role") or "", "customer")) for u in users]
            customers = [{"customer_id": str(u["id"]), "acquired_at": utc(u.get("created_at"))}
                         for u in users if u.get("role") == "end-user" and u.get("active", True)]

            def save_roles(con: Any, roles: list[tuple[str, str]] = roles) -> None:
                if not roles:
                    return
                ids = [r[0] for r in roles]
                con.execute("DELETE FROM _sync_users WHERE source = ? AND url = ? AND user_id IN (SELECT unnest(?))",
                            [NAME, self.result.url, ids])
                con.executemany("INSERT INTO _sync_users VALUES (?, ?, ?, ?)",
                                [[NAME, self.result.url, i, r] for i, r in roles])

            write_page(self.store, self.result, "users", {"customers": customers}, cursor=cursor,
                       started=self.started, also=save_roles)
            self._tick("users")

    def _tickets(self) -> None:
        for tickets, cursor in self._cursor_export("tickets", "api/v2/incremental/tickets/cursor.json", "tickets"):
            rows, gone = [], []
            for t in tickets:
                tid = str(t["id"])
                if is_gone(t):
                    gone.append(tid)
                else:
                    rows.append(ticket_row(t, self.groups, self.brands))
            write_page(self.store, self.result, "tickets", {"tickets": rows}, cursor=cursor, started=self.started,
                       remove=gone)
            self._tick("tickets")

    # -- time-based ticket events ---------------------------------------------------------------
    def _events(self) -> None:
        stored = self.cursors.get("ticket_events")
        params: dict[str, Any] | None = {"start_time": int(stored) if stored else self.start,
                                         "include": "comment_events"}
        page: str = "api/v2/incremental/ticket_events.json"
        while True:
            body = self.client.get(page, params)
            messages, changes = [], []
            for ev in body.get("ticket_events") or []:
                m, c = self._event(ev)
                messages += m
                changes += c
            end = body.get("end_time")
            write_page(self.store, self.result, "ticket_events", {"messages": messages, "status_changes": changes},
                       cursor=str(end) if end is not None else stored, started=self.started)
            self._tick("ticket_events")
            if body.get("end_of_stream", True) or not body.get("next_page"):
                return
            page, params = body["next_page"], None

    def _event(self, ev: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        tid = str(ev["ticket_id"])
        at = utc(ev.get("created_at")) or utc(ev.get("timestamp"))
        messages, changes = [], []
        for child in ev.get("child_events") or []:
            kind = child.get("event_type")
            if kind == "Comment":
                author = child.get("author_id", ev.get("updater_id"))
                via = (child.get("via") or ev.get("via") or {}).get("channel")
                role = author_type(author, via, self.roles.get(str(author), "customer"))
                messages.append(comment_row(tid, child, at, author, role, via))
            elif kind in ("Create", "Change"):
                change = status_row(tid, at, child)
                if change:
                    changes.append(change)
        return messages, changes

    # -- satisfaction ratings --------------------------------------------------------------------
    def _ratings(self) -> None:
        stored = self.cursors.get("satisfaction_ratings")
        start = int(stored) if stored else self.start
        params: dict[str, Any] | None = {"start_time": start, "page[size]": 100, "sort": "updated_at"}
        page = "api/v2/satisfaction_ratings.json"
        newest = start
        while True:
            body = self.client.get(page, params)
            rows = []
            for r in body.get("satisfaction_ratings") or []:
                stamp = utc(r.get("updated_at")) or utc(r.get("created_at"))
                if stamp is not None:
                    newest = max(newest, int(stamp.replace(tzinfo=dt.UTC).timestamp()))
                row = rating_row(r)
                if row:  # offered, unoffered: asked, not answered
                    rows.append(row)
            more = (body.get("meta") or {}).get("has_more")
            nxt = (body.get("links") or {}).get("next") if more else None
            write_page(self.store, self.result, "satisfaction_ratings", {"survey_responses": rows},
                       cursor=str(newest) if not nxt else stored, started=self.started)
            self._tick("satisfaction_ratings")
            if not nxt:
                return
            page, params = nxt, None


# -- the mapping, shared with the offline JSON export (ingest/adapters/zendesk.py) ---------------
def _id(value: Any) -> str | None:
    return None if value is None or value == -1 else str(value)


def is_gone(t: dict[str, Any]) -> bool:
    """Deleted, or merged into another ticket (which carries the conversation)."""
    return t.get("status") == "deleted" or MERGED_TAG in (t.get("tags") or [])


def ticket_row(t: dict[str, Any], groups: dict[str, str], brands: dict[str, str]) -> dict[str, Any]:
    """A Zendesk ticket -> a ``tickets`` row; group and brand ids are named from ``groups``/``brands``."""
    via = (t.get("via") or {}).get("channel")
    requester, submitter = t.get("requester_id"), t.get("submitter_id")
    group, brand = t.get("group_id"), t.get("brand_id")
    return {
        "ticket_id": str(t["id"]),
        "created_at": utc(t.get("created_at")),
        "channel": CHANNEL.get(via, via) if via else None,
        "category": t.get("type"),
        "priority": t.get("priority"),
        "status": STATUS.get(t.get("status") or "", t.get("status")),
        "customer_id": _id(requester),
        "agent_id": _id(t.get("assignee_id")),
        "team": groups.get(str(group), str(group)) if group else None,
        "brand": brands.get(str(brand), str(brand)) if brand else None,
        "created_by": None if submitter is None else "customer" if submitter == requester else
        "system" if submitter == -1 else "agent",
    }


def author_type(author: Any, via: str | None, role: str) -> str:
    """Who wrote a comment: system (author -1), bot (Answer Bot channels), else the author's ``role``."""
    return "system" if author in (None, -1) else "bot" if via in BOT_CHANNELS else role


def comment_row(tid: str, c: dict[str, Any], at: dt.datetime | None, author: Any, role: str,
                via: str | None) -> dict[str, Any]:
    """A comment -> a ``messages`` row (``at``: the audit's time, when the comment has none)."""
    return {
        "message_id": str(c["id"]), "ticket_id": tid, "created_at": utc(c.get("created_at")) or at,
        "author_type": role, "author_id": _id(author), "public": bool(c.get("public", True)),
        "channel": CHANNEL.get(via, via) if via else None,
    }


def status_row(tid: str, at: dt.datetime | None, ev: dict[str, Any]) -> dict[str, Any] | None:
    """A ``Create``/``Change`` event of the field ``status`` -> a ``status_changes`` row, else None.

    "deleted" is no status: the ticket is removed instead."""
    if ev.get("field_name") != "status" and "status" not in ev:
        return None
    to = ev.get("value", ev.get("status"))
    if to not in STATUS:
        return None
    before = ev.get("previous_value")
    return {"ticket_id": tid, "changed_at": at, "to_status": STATUS[to],
            "from_status": STATUS.get(before) if before else None}


def rating_row(r: dict[str, Any], *, ticket_id: Any = None, at: Any = None) -> dict[str, Any] | None:
    """A good/bad satisfaction rating -> a ``survey_responses`` row (two-point CSAT, 1/0 on 0-1);
    ``offered``/``unoffered`` (asked, not answered) -> None."""
    score = {"good": 1.0, "bad": 0.0}.get(r.get("score") or "")
    if score is None:
        return None
    return {
        "response_id": f"zendesk-{r.get('id', ticket_id)}", "survey": "csat",
        "responded_at": utc(r.get("created_at")) or utc(at), "score": score, "scale_min": 0.0, "scale_max": 1.0,
        "question": "satisfaction rating (good/bad)", "comment": r.get("comment") or None,
        "customer_id": _id(r.get("requester_id")), "ticket_id": _id(r.get("ticket_id", ticket_id)),
        "agent_id": _id(r.get("assignee_id")),
    }


