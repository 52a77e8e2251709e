"""Help Scout (Mailbox API 2.0) -> the canonical tables (docs/connectors.md, "Help Scout").

Streams, in this order:

1. mailboxes, ``GET /v2/mailboxes``, read whole: a mailbox's name is the ``team``;
2. customers, ``GET /v2/customers?modifiedSince=...&sortField=modifiedAt&sortOrder=asc``;
3. conversations, ``GET /v2/conversations?status=all&modifiedSince=...&sortField=modifiedAt
   &sortOrder=asc&embed=threads``: ``tickets``, threads -> ``messages``, each thread's
   ``status`` -> ``status_changes``; deleted, spam and merged-away conversations are removed;
4. ratings, ``GET /v2/reports/happiness/ratings?start=...&end=...&rating=all`` (Plus and Pro
   plans; a 403 there skips the stream): great / okay / not good -> ``survey_responses`` on a
   1-3 scale (3 great, 2 okay, 1 not good).

Lists page by ``page`` (HAL: ``_embedded``, ``page.totalPages``). A page number over a list
sorted by modification shifts when a conversation changes mid-sync, so the modified lists are
read by key instead: after each committed page the next request asks ``modifiedSince`` the
newest stamp committed (page 1 again), skipping what this run already has; ``page`` only
advances past a page with nothing new. The stored cursor is ``"<ISO stamp> <ids at it>"``.
The conversation object carries no ``modifiedAt``, so its stamp is the newest of
``createdAt``, ``userUpdatedAt``, ``closedAt`` and its threads' ``createdAt``: never later than
Help Scout's own, so the next ``modifiedSince`` re-reads rather than skips.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from cxmetrics.errors import SourceAuthFailed, UsageError
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

NAME = "helpscout"
STATUS = {"active": "open", "open": "open", "pending": "pending", "closed": "closed"}
#: conversation states and statuses that are not tickets (removed if stored)
GONE_STATES = {"deleted", "draft"}
GONE_STATUSES = {"spam"}
CHANNEL = {"email": "email", "chat": "chat", "phone": "phone"}
AUTHOR = {"customer": "customer", "user": "agent", "system_user": "bot", "bot": "bot"}
#: thread type -> (author type if createdBy says nothing, public)
THREADS = {"customer": ("customer", True), "message": ("agent", True), "reply": ("agent", True),
           "note": ("agent", False), "chat": ("customer", True), "beaconchat": ("customer", True),
           "phone": ("agent", True), "forwardparent": ("agent", False), "forwardchild": ("agent", False)}
RATING = {1: 3.0, 2: 2.0, 3: 1.0, "great": 3.0, "okay": 2.0, "ok": 2.0, "not-good": 1.0, "notgood": 1.0}


def credentials(url: str, env: dict[str, str] | None = None, *, transport: httpx.BaseTransport | None = None,
                **client_options: Any) -> dict[str, str]:
    """The Authorization header: ``HELPSCOUT_ACCESS_TOKEN`` (Bearer), else a token from the
    client-credentials grant with ``HELPSCOUT_APP_ID`` + ``HELPSCOUT_APP_SECRET``."""
    env = dict(os.environ) if env is None else env
    token = env.get("HELPSCOUT_ACCESS_TOKEN", "").strip()
    app_id, secret = env.get("HELPSCOUT_APP_ID", "").strip(), env.get("HELPSCOUT_APP_SECRET", "").strip()
    if not token and app_id and secret:
        client = Client(url, {}, source=NAME,
                        transport=transport, **client_options)
        try:
            body = client.post("v2/oauth2/token", data={"grant_type": "client_credentials", "client_id": app_id,
                                                        "client_secret": secret})
        finally:
            client.close()
        token = str(body.get("access_token") or "")
        if not token:
            raise SourceAuthFailed("helpscout: authentication failed: the token endpoint gave no access_token")
    if not token:
        raise SourceAuthFailed("helpscout: no credentials for authentication: set HELPSCOUT_ACCESS_TOKEN, or "
                               "HELPSCOUT_APP_ID and HELPSCOUT_APP_SECRET")
    return {"Authorization": f"Bearer {token}"}


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, **client_options: Any) -> SyncResult:
    """Sync one Help Scout account (``url`` normally ``https://api.helpscout.net``) into ``store``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the API's base URL, such as https://api.helpscout.net, not {url!r}")
    url = url.rstrip("/")
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = credentials(url, env, transport=transport, **client_options)
    client = Client(url, headers, source=NAME, transport=transport, **client_options)
    cursors = {} if full else load_cursors(store, NAME, url)
    start = (since.astimezone(dt.UTC).replace(tzinfo=None) if since else dt.datetime(1970, 1, 1))
    result = SyncResult(NAME, url, incremental=bool(cursors))
    with recorded(client, result, started):
        _Sync(store, client, result, cursors, start, started, progress).run()
    return result


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def _embedded(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return list((body.get("_embedded") or {}).get(key) or [])


class _Sync:
    def __init__(self, store: Store, client: Client, result: SyncResult, cursors: dict[str, str],
                 start: dt.datetime, started: dt.datetime, progress: Progress | None) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress = start, started, progress
        self.mailboxes: dict[str, str] = {}

    def run(self) -> None:
        page, pages = 1, 1
        while page <= pages:
            body = self.client.get("v2/mailboxes", {"page": page})
            self.mailboxes.update({str(m["id"]): m.get("name") or str(m["id"]) for m in _embedded(body, "mailboxes")})
            pages, page = int((body.get("page") or {}).get("totalPages") or 1), page + 1
        self._customers()
        self._conversations()
        self._ratings()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    # -- lists read by key on modifiedSince ---------------------------------------------------
    def _modified(self, stream: str, path: str, key: str, params: dict[str, Any],
                  stamp: Callable[[dict[str, Any]], dt.datetime | None]
                  ) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """Yield (new items, cursor to store after them) for a list sorted by modification."""
        stored = self.cursors.get(stream)
        t, _, ids = (stored or "").partition(" ")
        since = utc(t) or self.start if t else self.start
        first_since = since
        before = set(ids.split(",")) if ids else set()  # committed at `since` by the previous run
        done: set[str] = set()
        newest, at_newest = since, set(before)
        page = 1
        while True:
            body = self.client.get(path, {**params, "modifiedSince": _iso(since), "page": page})
            new = []
            for it in _embedded(body, key):
                iid, when = str(it["id"]), stamp(it) or since
                if iid in done or (iid in before and when <= first_since):
                    continue
                new.append(it)
                if when > newest:
                    newest, at_newest = when, set()
                if when == newest:
                    at_newest.add(iid)
            done.update(str(it["id"]) for it in new)
            cursor = f"{_iso(newest)} {','.join(sorted(at_newest))}" if (new or stored) else None
            yield new, cursor
            pages = int((body.get("page") or {}).get("totalPages") or 1)
            if new and newest > since:
                since, page = newest, 1
            elif page < pages:
                page += 1
            else:
                return

    def _customers(self) -> None:
        params = {"sortField": "modifiedAt", "sortOrder": "asc"}
        for customers, cursor in self._modified("customers", "v2/customers", "customers", params,
                                                lambda c: utc(c.get("updatedAt")) or utc(c.get("createdAt"))):
            rows = [{"customer_id": str(c["id"]), "acquired_at": utc(c.get("createdAt"))} for c in customers]
            write_page(self.store, self.result, "customers", {"customers": rows}, cursor=cursor, started=self.started)
            self._tick("customers")

    def _conversations(self) -> None:
        params = {"status": "all", "sortField": "modifiedAt", "sortOrder": "asc", "embed": "threads"}
        for found, cursor in self._modified("conversations", "v2/conversations", "conversations", params, _stamp):
            tickets: list[dict[str, Any]] = []
            messages: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            gone: list[str] = []
            for c in found:
                threads = sorted(_embedded(c, "threads"), key=lambda t: (utc(t.get("createdAt")) or dt.datetime.min,
                                                                          int(t.get("id") or 0)))
                for t in threads:  # "Another conversation was merged with this one": the original is gone
                    action = t.get("action") or {}
                    if t.get("type") == "lineitem" and action.get("type") == "merged":
                        gone += [str(v) for k, v in (action.get("associatedEntities") or {}).items()
                                 if "conversation" in k.lower() and v]
                if c.get("state") in GONE_STATES or c.get("status") in GONE_STATUSES:
                    gone.append(str(c["id"]))
                    continue
                tickets.append(self._ticket(c))
                m, s = self._threads(c, threads)
                messages += m
                changes += s
            write_page(self.store, self.result, "conversations",
                       {"tickets": tickets, "messages": messages, "status_changes": changes},
                       cursor=cursor, started=self.started, remove=gone)
            self._tick("conversations")

    def _ticket(self, c: dict[str, Any]) -> dict[str, Any]:
        assignee = c.get("assignee") or {}
        customer = c.get("primaryCustomer") or c.get("customer") or {}
        created_by = (c.get("createdBy") or {}).get("type")
        return {
            "ticket_id": str(c["id"]),
            "created_at": utc(c.get("createdAt")),
            "channel": CHANNEL.get(c.get("type") or "", c.get("type")),
            "status": STATUS.get(c.get("status") or ""),
            "customer_id": _id(customer.get("id")),
            "agent_id": _id(assignee.get("id")) if assignee.get("type", "user") == "user" else None,
            "team": self.mailboxes.get(str(c.get("mailboxId")), _id(c.get("mailboxId"))),
            "created_by": {"customer": "customer", "user": "agent"}.get(created_by or ""),
        }

    def _threads(self, c: dict[str, Any], threads: list[dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        cid = str(c["id"])
        channel = CHANNEL.get(c.get("type") or "", c.get("type"))
        messages, changes = [], []
        status: str | None = None
        for t in threads:
            at = utc(t.get("createdAt"))
            kind = t.get("type") or ""
            if kind in THREADS and t.get("state", "published") in ("published", "hidden"):
                default, public = THREADS[kind]
                by = t.get("createdBy") or {}
                messages.append({
                    "message_id": str(t["id"]), "ticket_id": cid, "created_at": at,
                    "author_type": AUTHOR.get(by.get("type") or "", default), "author_id": _id(by.get("id")),
                    "public": public and t.get("state") != "hidden",
                    "channel": "phone" if kind == "phone" else channel,
                })
            new = STATUS.get(t.get("status") or "")
            if new is None and status is None:
                new = "open"  # the first thread opens the conversation
            if new and new != status:
                changes.append({"ticket_id": cid, "changed_at": at, "to_status": new, "from_status": status})
                status = new
        return messages, changes

    # -- happiness ratings ---------------------------------------------------------------------
    def _ratings(self) -> None:
        stored = self.cursors.get("ratings")
        start = utc(stored) if stored else self.start
        end = self.started
        page, pages = 1, 1
        while page <= pages:
            try:
                body = self.client.get("v2/reports/happiness/ratings",
                                       {"start": _iso(start or self.start), "end": _iso(end), "rating": "all",
                                        "sortField": "modifiedAt", "sortOrder": "ASC", "page": page})
            except SourceAuthFailed:
                if self.result.pages:  # the token works: the plan has no reports
                    return
                raise
            pages = int(body.get("pages") or 1)
            rows = []
            for r in body.get("results") or []:
                score = RATING.get(r.get("ratingId"))
                if score is None:
                    continue
                rows.append({
                    "response_id": f"helpscout-{r['id']}-{r.get('threadid')}", "survey": "csat",
                    "responded_at": utc(r.get("ratingCreatedAt")), "score": score, "scale_min": 1.0,
                    "scale_max": 3.0, "question": "happiness rating (great/okay/not good)",
                    "comment": r.get("ratingComments") or None, "customer_id": _id(r.get("ratingCustomerId")),
                    "ticket_id": _id(r.get("id")), "agent_id": _id(r.get("ratingUserId")),
                    "channel": CHANNEL.get(r.get("type") or ""),
                })
            write_page(self.store, self.result, "ratings", {"survey_responses": rows},
                       cursor=_iso(end) if page >= pages else stored, started=self.started)
            self._tick("ratings")
            page += 1


def _stamp(c: dict[str, Any]) -> dt.datetime | None:
    """The newest instant the conversation shows: a lower bound of Help Scout's modifiedAt."""
    stamps = [utc(c.get(k)) for k in ("createdAt", "userUpdatedAt", "closedAt")]
    stamps += [utc(t.get("createdAt")) for t in _embedded(c, "threads")]
    return max((s for s in stamps if s is not None), default=None)


def _id(value: Any) -> str | None:
    return None if value in (None, "", 0) else str(value)
