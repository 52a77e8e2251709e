"""Intercom -> the canonical tables (docs/connectors.md, "Intercom").

Streams, in this order:

1. teams, ``GET /teams``, read whole (names for ``team``);
2. contacts, ``POST /contacts/search`` on ``updated_at``: ``customers``;
3. conversations, ``POST /conversations/search`` on ``updated_at``, sorted ascending, cursor
   pagination (``pages.next.starting_after``); each conversation is then read whole with
   ``GET /conversations/{id}`` for its ``conversation_parts``: ``tickets``, ``messages``,
   ``status_changes`` and, from ``conversation_rating``, ``survey_responses``.

A search stream's stored cursor is ``"<updated_at> <ids>"``: the newest ``updated_at`` committed
and the ids committed at that very second. The next run searches ``updated_at > t - 1`` (the
search has no ``>=``) and skips those ids, so a page cut between two conversations of the same
second loses neither and a quiet second run reads nothing.

Intercom's search does not return deleted conversations, so an incremental run cannot see a
deletion: a conversation the search lists but ``GET`` answers 404 is removed at once, and a
full run (first run or ``--full`` without ``--since``) removes the stored conversations of this
workspace that Intercom no longer lists.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from cxmetrics.errors import SourceAuthFailed, SyncFailed, UsageError
from cxmetrics.ingest.connectors.base import (
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

NAME = "intercom"
API_VERSION = "2.11"
PER_PAGE = 150
#: source.type -> canonical channel (others kept as Intercom names them)
CHANNEL = {"conversation": "chat", "email": "email", "facebook": "social", "instagram": "social",
           "twitter": "social", "whatsapp": "social", "phone_call": "phone", "phone_switch": "phone",
           "sms": "sms", "push": "app"}
STATE = {"open": "open", "snoozed": "on_hold", "closed": "closed"}
#: part_type -> the state it leaves the conversation in, when the part has no ``state``
PART_STATE = {"close": "closed", "open": "open", "snoozed": "snoozed", "unsnoozed": "open",
              "timer_unsnooze": "open", "note_and_reopen": "open"}
AUTHOR = {"user": "customer", "lead": "customer", "contact": "customer", "admin": "agent", "bot": "bot",
          "team": "system"}
#: parts that are internal notes (never a reply)
NOTES = {"note", "note_and_reopen"}
CREATED_BY = {"customer_initiated": "customer", "admin_initiated": "agent", "automated": "system",
              "campaigns_initiated": "system", "operator_initiated": "system"}
PRIORITY = {"priority": "high", "not_priority": "normal"}


def credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """The Authorization header from ``INTERCOM_ACCESS_TOKEN`` (Bearer)."""
    env = dict(os.environ) if env is None else env
    token = env.get("INTERCOM_ACCESS_TOKEN", "").strip()
    if not token:
        raise SourceAuthFailed("intercom: no credentials for authentication: set INTERCOM_ACCESS_TOKEN")
    return {"Authorization": f"Bearer {token}"}


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, **client_options: Any) -> SyncResult:
    """Sync one Intercom workspace (``url`` normally ``https://api.intercom.io``) into ``store``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the API's base URL, such as https://api.intercom.io, not {url!r}")
    url = url.rstrip("/")
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = {**credentials(env), "Intercom-Version": API_VERSION}
    client = Client(url, headers, source=NAME, transport=transport, **client_options)
    cursors = {} if full else load_cursors(store, NAME, url)
    start = max(int((since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).timestamp()), 0)
    result = SyncResult(NAME, url, incremental=bool(cursors))
    with recorded(client, result, started):
        _Sync(store, client, result, cursors, start, started, progress, everything=since is None).run()
    return result


class _Sync:
    def __init__(self, store: Store, client: Client, result: SyncResult, cursors: dict[str, str], start: int,
                 started: dt.datetime, progress: Progress | None, *, everything: bool) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress = start, started, progress
        # a run without stored cursors and without --since sees every conversation that exists
        self.reconcile = everything and "conversations" not in cursors
        self.teams: dict[str, str] = {}
        self.seen: set[str] = set()

    def run(self) -> None:
        body = self.client.get("teams")
        self.teams = {str(t["id"]): t.get("name") or str(t["id"]) for t in body.get("teams") or []}
        self._contacts()
        self._conversations()
        if self.reconcile:
            self._remove_unlisted()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    # -- search on updated_at ------------------------------------------------------------------
    def _search(self, stream: str, path: str, key: str) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """Yield (new items, cursor to store after them) per page of an ``updated_at`` search."""
        stored = self.cursors.get(stream)
        t, _, ids = (stored or "").partition(" ")
        since = int(t) if t else self.start
        skip = set(ids.split(",")) if ids else set()
        newest, at_newest = (since, skip) if stored else (since, set())
        query: dict[str, Any] = {"query": {"field": "updated_at", "operator": ">", "value": since - 1},
                                 "pagination": {"per_page": PER_PAGE},
                                 "sort": {"field": "updated_at", "order": "ascending"}}
        while True:
            body = self.client.post(path, query)
            items = []
            for it in body.get(key) or []:
                u = int(it.get("updated_at") or 0)
                if u == since and str(it["id"]) in skip:
                    continue  # committed by the previous run, unchanged since
                items.append(it)
                if u > newest:
                    newest, at_newest = u, set()
                if u == newest:
                    at_newest.add(str(it["id"]))
            yield items, f"{newest} {','.join(sorted(at_newest))}" if (items or stored) else None
            nxt = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not nxt:
                return
            query = {**query, "pagination": {"per_page": PER_PAGE, "starting_after": nxt}}

    def _contacts(self) -> None:
        for contacts, cursor in self._search("contacts", "contacts/search", "data"):
            rows = [{"customer_id": str(c["id"]), "acquired_at": utc(c.get("signed_up_at") or c.get("created_at")),
                     "country": (c.get("location") or {}).get("country")} for c in contacts]
            write_page(self.store, self.result, "contacts", {"customers": rows}, cursor=cursor, started=self.started)
            self._tick("contacts")

    def _conversations(self) -> None:
        for found, cursor in self._search("conversations", "conversations/search", "conversations"):
            tickets: list[dict[str, Any]] = []
            messages: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            ratings: list[dict[str, Any]] = []
            gone: list[str] = []
            for c in found:
                cid = str(c["id"])
                try:
                    full = self.client.get(f"conversations/{cid}", {"display_as": "plaintext"})
                except SyncFailed as e:
                    if "HTTP 404" not in str(e):
                        raise
                    gone.append(cid)  # deleted since the search indexed it
                    continue
                self.seen.add(cid)
                tickets.append(self._ticket(full))
                m, s = self._parts(full)
                messages += m
                changes += s
                ratings += self._rating(full)
            # parts are append-only: a conversation read again upserts the same rows plus its new ones
            write_page(self.store, self.result, "conversations",
                       {"tickets": tickets, "messages": messages, "status_changes": changes,
                        "survey_responses": ratings},
                       cursor=cursor, started=self.started, remove=gone)
            self._tick("conversations")

    def _ticket(self, c: dict[str, Any]) -> dict[str, Any]:
        source = c.get("source") or {}
        kind = source.get("type")
        contacts = (c.get("contacts") or {}).get("contacts") or []
        author = source.get("author") or {}
        customer = contacts[0].get("id") if contacts else author.get("id") if author.get("type") in (
            "user", "lead", "contact") else None
        team = _id(c.get("team_assignee_id"))
        return {
            "ticket_id": str(c["id"]),
            "created_at": utc(c.get("created_at")),
            "channel": CHANNEL.get(kind, kind) if kind else None,
            "priority": PRIORITY.get(c.get("priority") or ""),
            "status": STATE.get(c.get("state") or ""),
            "customer_id": _id(customer),
            "agent_id": _id(c.get("admin_assignee_id")),
            "team": self.teams.get(team, team) if team else None,
            "created_by": CREATED_BY.get(source.get("delivered_as") or ""),
        }

    def _parts(self, c: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        cid = str(c["id"])
        source = c.get("source") or {}
        kind = str(source.get("type") or "")
        channel = CHANNEL.get(kind, kind) or None
        created = utc(c.get("created_at"))
        messages = []
        if source.get("author") and created is not None:
            messages.append({"message_id": f"{cid}-source", "ticket_id": cid, "created_at": created,
                             "author_type": _author(source["author"]), "author_id": _id(source["author"].get("id")),
                             "public": True, "channel": channel})
        changes = [{"ticket_id": cid, "changed_at": created, "to_status": "open", "from_status": None}]
        state = "open"
        parts = (c.get("conversation_parts") or {}).get("conversation_parts") or []
        for p in sorted(parts, key=lambda p: (p.get("created_at") or 0, str(p.get("id")))):
            at = utc(p.get("created_at"))
            kind = p.get("part_type") or ""
            if (p.get("body") or "").strip() and p.get("author"):
                messages.append({"message_id": str(p["id"]), "ticket_id": cid, "created_at": at,
                                 "author_type": _author(p["author"]), "author_id": _id(p["author"].get("id")),
                                 "public": kind not in NOTES, "channel": channel})
            new = p.get("state") or PART_STATE.get(kind)
            if new in STATE and new != state:
                changes.append({"ticket_id": cid, "changed_at": at, "to_status": STATE[new],
                                "from_status": STATE[state]})
                state = new
        return messages, changes

    def _rating(self, c: dict[str, Any]) -> list[dict[str, Any]]:
        r = c.get("conversation_rating") or {}
        if r.get("rating") is None:  # asked, not answered
            return []
        return [{
            "response_id": f"intercom-{c['id']}", "survey": "csat", "responded_at": utc(r.get("created_at")),
            "score": float(r["rating"]), "scale_min": 1.0, "scale_max": 5.0,
            "question": "conversation rating (1-5)", "comment": r.get("remark") or None,
            "customer_id": _id((r.get("contact") or {}).get("id")), "ticket_id": str(c["id"]),
            "agent_id": _id((r.get("teammate") or {}).get("id")),
        }]

    def _remove_unlisted(self) -> None:
        stored = {r[0] for r in self.store.raw.execute(
            "SELECT DISTINCT t.ticket_id FROM tickets t JOIN _import_log l ON t._import_id = l.import_id "
            "WHERE l.source = ? AND l.file = ?", [NAME, f"{self.result.url} conversations"]).fetchall()}
        gone = sorted(stored - self.seen)
        if gone:
            write_page(self.store, self.result, "conversations", {}, cursor=None, started=self.started, remove=gone)


def _author(a: dict[str, Any]) -> str:
    kind = a.get("type") or ""
    email = str(a.get("email") or "")
    if kind == "admin" and email.startswith("operator+") and email.endswith("@intercom.io"):
        return "bot"  # Intercom's Operator/Fin writes as an admin with this address
    return AUTHOR.get(kind, "customer")


def _id(value: Any) -> str | None:
    return None if value in (None, "", 0, "0") else str(value)
