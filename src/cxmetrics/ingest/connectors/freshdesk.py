"""Freshdesk (API v2) -> the canonical tables (docs/connectors.md, "Freshdesk").

Streams, in this order (later ones need what earlier ones stored):

1. groups, products, companies and agents, read whole (names for ``team``, ``brand``,
   ``customers.segment``; agent ids are who writes as ``agent``);
2. contacts, ``GET /api/v2/contacts?_updated_since=...``: ``customers``;
3. tickets, ``GET /api/v2/tickets?updated_since=...&order_by=updated_at&order_type=asc
   &include=requester,stats``; per changed ticket its conversations and time entries:
   ``tickets``, ``messages`` (the ticket's description is the opening message),
   ``work_sessions``; a ticket merged into another (closed, with Freshdesk's note "merged
   into ticket #N") is removed;
4. deleted and spam tickets, the same listing with ``filter=deleted`` / ``filter=spam``:
   removed with their rows;
5. satisfaction ratings, ``GET /api/v2/surveys/satisfaction_ratings?created_since=...``:
   ``survey_responses``.

The ticket listing is paged by keyset, not by page number: each request starts at the
newest ``updated_at`` already read (``updated_since``), so a ticket updated during the
sync, which moves to the end of the ascending order, cannot make another one slip past a
page boundary, and Freshdesk's limit of 300 pages per listing never binds (the page number
only advances inside one second, when a whole page shares the same ``updated_at``).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from typing import TYPE_CHECKING, Any

import httpx

from cxmetrics.errors import SourceAuthFailed, SyncFailed, UsageError
from cxmetrics.ingest.connectors.base import Progress, SyncResult, load_cursors, recorded, utc, write_page
from cxmetrics.ingest.connectors.rest import ListClient, next_link, replace_ticket_rows

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store

NAME = "freshdesk"
STATUS = {2: "open", 3: "pending", 4: "solved", 5: "closed",
          6: "pending",  # the default custom status "Waiting on Customer"
          7: "on_hold"}  # "Waiting on Third Party"
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
#: ticket ``source`` -> canonical channel
CHANNEL = {1: "email", 2: "web", 3: "phone", 4: "web", 5: "social", 6: "social", 7: "chat", 8: "app", 9: "web",
           10: "email", 11: "ecommerce"}
OUTBOUND = 10  # "Outbound Email": the agent wrote first
#: conversation ``source`` -> channel (0 reply and 2 note take the ticket's channel)
CONVERSATION_CHANNEL = {5: "social", 7: "social", 8: "email", 9: "phone"}
#: a custom satisfaction survey's answers (and the classic 103/100/-103) -> a 1-7 scale
RATING = {-103: 1.0, -102: 2.0, -101: 3.0, 100: 4.0, 101: 5.0, 102: 6.0, 103: 7.0}
MERGED = re.compile(r"merged\s+into\s+(?:the\s+)?ticket", re.IGNORECASE)
EPOCH = "1970-01-01T00:00:00Z"
PER_PAGE = 100
MAX_PAGE = 300  # Freshdesk refuses page numbers above this on list endpoints


def credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """HTTP Basic ``{FRESHDESK_API_KEY}:X`` (the API key is the user name, the password is unused)."""
    env = dict(os.environ) if env is None else env
    key = env.get("FRESHDESK_API_KEY", "").strip()
    if not key:
        raise SourceAuthFailed("freshdesk: no credentials for authentication: set FRESHDESK_API_KEY")
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:X".encode()).decode("ascii")}


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, max_page: int = MAX_PAGE,
         **client_options: Any) -> SyncResult:
    """Sync one Freshdesk account (``url`` like ``https://acme.freshdesk.com``) into ``store``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the help desk's base URL, such as https://acme.freshdesk.com, not {url!r}")
    url = url.rstrip("/")
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = credentials(env)
    client = ListClient(url, headers, source=NAME, transport=transport, **client_options)
    cursors = {} if full else load_cursors(store, NAME, url)
    start = EPOCH if since is None else since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = SyncResult(NAME, url, incremental=bool(cursors))
    with recorded(client, result, started):
        _Sync(store, client, result, cursors, start, started, progress, max_page).run()
    return result


def ticket_row(t: dict[str, Any], groups: dict[str, str], products: dict[str, str]) -> dict[str, Any]:
    """One Freshdesk ticket (API field names) as a canonical ``tickets`` row."""
    stats = t.get("stats") or {}
    status = STATUS.get(t.get("status"), "open") if t.get("status") is not None else None  # type: ignore[arg-type]
    source = t.get("source")
    solved = utc(stats.get("resolved_at")) or utc(stats.get("closed_at"))
    return {
        "ticket_id": str(t["id"]),
        "created_at": utc(t.get("created_at")),
        "channel": CHANNEL.get(source, f"source {source}") if source is not None else None,
        "category": t.get("type"),
        "priority": PRIORITY.get(t.get("priority")) if t.get("priority") is not None else None,  # type: ignore[arg-type]
        "status": status,
        "customer_id": _id(t.get("requester_id")),
        "agent_id": _id(t.get("responder_id")),
        "team": groups.get(str(t.get("group_id"))) if t.get("group_id") else None,
        "brand": products.get(str(t.get("product_id"))) if t.get("product_id") else None,
        "created_by": "agent" if source == OUTBOUND else "customer",
        "first_reply_at": utc(stats.get("first_responded_at")),
        "solved_at": solved if status in ("solved", "closed") else None,
        "reopens": 1 if stats.get("reopened_at") else 0,
    }


class _Sync:
    def __init__(self, store: Store, client: ListClient, result: SyncResult, cursors: dict[str, str], start: str,
                 started: dt.datetime, progress: Progress | None, max_page: int) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress, self.max_page = start, started, progress, max_page
        self.groups: dict[str, str] = {}
        self.products: dict[str, str] = {}
        self.companies: dict[str, str] = {}
        self.agents: set[str] = set()

    def run(self) -> None:
        self.groups = self._names("api/v2/groups")
        self.products = self._names("api/v2/products")
        self.companies = self._names("api/v2/companies")
        self.agents = set(self._names("api/v2/agents"))
        self._contacts()
        self._tickets()
        for kind in ("deleted", "spam"):
            self._removed(kind)
        self._ratings()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    def _pages(self, path: str, params: dict[str, Any] | None) -> Any:
        """Every item of a listing paged with ``Link: <...>; rel="next"``."""
        page: str | None = path
        while page:
            body, headers = self.client.fetch(page, params)
            yield from body if isinstance(body, list) else []
            page, params = next_link(headers), None

    def _names(self, path: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self._pages(path, {"per_page": PER_PAGE}):
            name = item.get("name") or (item.get("contact") or {}).get("name")
            out[str(item["id"])] = name or str(item["id"])
        return out

    def _keyset(self, stream: str, path: str, params: dict[str, Any], stamp: str = "updated_since",
                field: str = "updated_at") -> Any:
        """Yield (items, cursor) per page, each request starting at the newest ``field`` read so far."""
        since = self.cursors.get(stream) or self.start
        page = 1
        while True:
            # a second before: whether the API reads ``updated_since`` as > or >=, nothing on the boundary is lost
            ask = max(_instant(since) - dt.timedelta(seconds=1), dt.datetime(1970, 1, 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            body, headers = self.client.fetch(path, {**params, stamp: ask, "per_page": PER_PAGE, "page": page})
            items = body if isinstance(body, list) else []
            newest = max((str(i.get(field)) for i in items if i.get(field)), key=_instant, default=since)
            yield items, newest
            if not next_link(headers) or not items:
                return
            if _instant(newest) > _instant(since):
                since, page = newest, 1
            elif page < self.max_page:
                page += 1  # a whole page in one second: step through that second by page number
            else:
                raise SyncFailed(f"freshdesk: more than {self.max_page * PER_PAGE} items of {path} share "
                                 f"{field} {since}; cannot page past them")

    # -- contacts ------------------------------------------------------------------------------
    def _contacts(self) -> None:
        for contacts, cursor in self._keyset("contacts", "api/v2/contacts", {}, stamp="_updated_since"):
            rows = [{"customer_id": str(c["id"]), "acquired_at": utc(c.get("created_at")),
                     "segment": self.companies.get(str(c.get("company_id"))) if c.get("company_id") else None}
                    for c in contacts if not c.get("deleted")]
            write_page(self.store, self.result, "contacts", {"customers": rows}, cursor=cursor, started=self.started)
            self._tick("contacts")

    # -- tickets with their conversations and time entries ---------------------------------------
    def _tickets(self) -> None:
        seen: set[tuple[str, str]] = set()
        params = {"order_by": "updated_at", "order_type": "asc", "include": "requester,stats"}
        for tickets, cursor in self._keyset("tickets", "api/v2/tickets", params):
            rows, messages, sessions, gone = [], [], [], []
            for t in tickets:
                key = (str(t["id"]), str(t.get("updated_at")))
                if key in seen:  # the first ticket of a keyset page is the last of the previous one
                    continue
                seen.add(key)
                if t.get("deleted") or t.get("spam"):
                    gone.append(key[0])
                    continue
                notes = self._conversations(t)
                if t.get("status") == 5 and any(n.pop("_merged", False) for n in notes):
                    gone.append(key[0])
                    continue
                for n in notes:
                    n.pop("_merged", None)
                rows.append(ticket_row(t, self.groups, self.products))
                messages += [self._opening(t), *notes]
                sessions += self._time_entries(t)
            kept = [r["ticket_id"] for r in rows]

            def replace(con: Any, kept: list[str] = kept, messages: list[dict[str, Any]] = messages,
                        sessions: list[dict[str, Any]] = sessions) -> None:
                for table, new in (("messages", messages), ("work_sessions", sessions)):
                    self.result.count(table).removed += replace_ticket_rows(con, table, kept, new)

            write_page(self.store, self.result, "tickets",
                       {"tickets": rows, "messages": messages, "work_sessions": sessions},
                       cursor=cursor, started=self.started, remove=gone, also=replace)
            self._tick("tickets")

    def _opening(self, t: dict[str, Any]) -> dict[str, Any]:
        """The ticket's description: its first message, by the requester (by an agent when outbound)."""
        outbound = t.get("source") == OUTBOUND
        source = t.get("source")
        return {"message_id": f"{t['id']}-description", "ticket_id": str(t["id"]), "created_at": utc(t.get("created_at")),
                "author_type": "agent" if outbound else "customer",
                "author_id": _id(t.get("responder_id") if outbound else t.get("requester_id")), "public": True,
                "channel": CHANNEL.get(source) if source is not None else None}

    def _conversations(self, t: dict[str, Any]) -> list[dict[str, Any]]:
        tid = str(t["id"])
        ticket_channel = CHANNEL.get(t.get("source")) if t.get("source") is not None else None  # type: ignore[arg-type]
        out = []
        for c in self._pages(f"api/v2/tickets/{tid}/conversations", {"per_page": PER_PAGE}):
            user = _id(c.get("user_id"))
            private = bool(c.get("private"))
            author = "system" if user is None else "customer" if c.get("incoming") else \
                "agent" if user in self.agents else "customer"
            out.append({"message_id": str(c["id"]), "ticket_id": tid, "created_at": utc(c.get("created_at")),
                        "author_type": author, "author_id": user, "public": not private,
                        "channel": CONVERSATION_CHANNEL.get(c.get("source"), ticket_channel),
                        "_merged": private and bool(MERGED.search(c.get("body_text") or c.get("body") or ""))})
        return out

    def _time_entries(self, t: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for e in self._pages(f"api/v2/tickets/{t['id']}/time_entries", {"per_page": PER_PAGE}):
            if e.get("timer_running"):  # still counting: read when it stops (the ticket changes then)
                continue
            out.append({"ticket_id": str(t["id"]), "agent_id": _id(e.get("agent_id")),
                        "started_at": utc(e.get("start_time")) or utc(e.get("executed_at")),
                        "seconds": _hhmm(e.get("time_spent"))})
        return out

    # -- deleted and spam tickets ----------------------------------------------------------------
    def _removed(self, kind: str) -> None:
        params = {"filter": kind, "order_by": "updated_at", "order_type": "asc"}
        for tickets, cursor in self._keyset(kind, "api/v2/tickets", params):
            write_page(self.store, self.result, kind, {}, cursor=cursor, started=self.started,
                       remove=[str(t["id"]) for t in tickets])
            self._tick(kind)

    # -- satisfaction ratings --------------------------------------------------------------------
    def _ratings(self) -> None:
        stored = self.cursors.get("satisfaction_ratings")
        since = stored or self.start
        newest = since
        page: str | None = "api/v2/surveys/satisfaction_ratings"
        params: dict[str, Any] | None = {"created_since": since, "per_page": PER_PAGE}
        while page:
            body, headers = self.client.fetch(page, params)
            rows = []
            for r in body if isinstance(body, list) else []:
                if r.get("created_at") and _instant(str(r["created_at"])) > _instant(newest):
                    newest = str(r["created_at"])
                score = RATING.get((r.get("ratings") or {}).get("default_question"))  # type: ignore[arg-type]
                if score is None:
                    continue
                rows.append({
                    "response_id": f"freshdesk-{r['id']}", "survey": "csat", "responded_at": utc(r.get("created_at")),
                    "score": score, "scale_min": 1.0, "scale_max": 7.0, "question": "satisfaction rating",
                    "comment": r.get("feedback") or None, "customer_id": _id(r.get("user_id")),
                    "ticket_id": _id(r.get("ticket_id")), "agent_id": _id(r.get("agent_id")),
                })
            page, params = next_link(headers), None
            write_page(self.store, self.result, "satisfaction_ratings", {"survey_responses": rows},
                       cursor=newest if not page else stored, started=self.started)
            self._tick("satisfaction_ratings")


def _instant(value: str) -> dt.datetime:
    return utc(value) or dt.datetime(1970, 1, 1)


def _hhmm(value: Any) -> float | None:
    """Freshdesk's ``time_spent`` ("hh:mm") as seconds."""
    m = re.fullmatch(r"\s*(\d+):(\d{1,2})\s*", str(value or ""))
    return None if m is None else int(m.group(1)) * 3600.0 + int(m.group(2)) * 60.0


def _id(value: Any) -> str | None:
    return None if value is None else str(value)
