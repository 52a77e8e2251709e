"""A fake Zendesk Support API on loopback, written from Zendesk's public API reference.

Shapes followed (developer.zendesk.com/api-reference/ticketing/):
- incremental exports, cursor-based: ``GET /api/v2/incremental/tickets/cursor.json`` and
  ``.../users/cursor.json`` with ``start_time`` (Unix seconds) on the first call, ``cursor``
  after; answers ``{tickets|users, after_cursor, after_url, before_cursor, end_of_stream}``;
- incremental ticket events, time-based: ``GET /api/v2/incremental/ticket_events.json``
  with ``start_time`` and ``include=comment_events``; answers ``{ticket_events, next_page,
  end_time, end_of_stream, count}``; ``end_time`` is the last event's time, so a page may
  repeat events (clients must deduplicate);
- satisfaction ratings with cursor pagination: ``{satisfaction_ratings, meta: {has_more,
  after_cursor}, links: {next}}``;
- groups and brands, ``next_page`` pagination;
- 401 ``{"error": "Couldn't authenticate you"}``, 429 with ``Retry-After`` (seconds).

Pages are deliberately small (2 items) so every stream paginates.
"""

from __future__ import annotations

import base64
import datetime as dt
import socket
import threading
import time
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

EMAIL, TOKEN, OAUTH = "lead@example.com", "s3cret-token", "oauth-s3cret"
PAGE = 2


def ts(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


class FakeZendesk:
    def __init__(self) -> None:
        self.groups = [{"id": 360001, "name": "Billing"}, {"id": 360002, "name": "Tech"}]
        self.brands = [{"id": 900, "name": "Acme"}]
        self.users: list[dict[str, Any]] = []  # versions in change order
        self.tickets: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.rate_limit_next = 0  # answer this many requests with 429 first
        self.fail: dict[str, int] = {}  # path -> how many requests answer 500
        self.fail_forever: set[str] = set()
        self._eid = 1000

    # -- data helpers ---------------------------------------------------------------------------
    def user(self, uid: int, role: str, created: str) -> None:
        self.users.append({"id": uid, "role": role, "created_at": created, "updated_at": created,
                           "active": True, "name": f"user {uid}"})

    def ticket(self, tid: int, created: str, updated: str, status: str, *, channel: str = "email",
               requester: int = 10, submitter: int | None = None, assignee: int | None = 1,
               group: int | None = 360001, tags: tuple[str, ...] = (), type_: str | None = "question") -> None:
        self.tickets.append({
            "id": tid, "created_at": created, "updated_at": updated, "status": status, "type": type_,
            "priority": "normal", "via": {"channel": channel, "source": {}}, "requester_id": requester,
            "submitter_id": requester if submitter is None else submitter, "assignee_id": assignee,
            "group_id": group, "brand_id": 900, "tags": list(tags), "subject": "s", "generated_timestamp": ts(updated),
        })

    def event(self, tid: int, at: str, children: list[dict[str, Any]], updater: int, channel: str = "web") -> None:
        for c in children:
            self._eid += 1
            c.setdefault("id", self._eid)
        self._eid += 1
        self.events.append({"id": self._eid, "ticket_id": tid, "timestamp": ts(at), "created_at": at,
                            "updater_id": updater, "via": {"channel": channel}, "event_type": "Audit",
                            "child_events": children})

    def rating(self, rid: int, tid: int, score: str, at: str, requester: int = 10) -> None:
        self.ratings.append({"id": rid, "ticket_id": tid, "score": score, "created_at": at, "updated_at": at,
                             "requester_id": requester, "assignee_id": 1, "group_id": 360001, "comment": None})

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        async def guard(request: Request) -> JSONResponse | None:
            self.requests.append(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            auth = request.headers.get("authorization", "")
            basic = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
            if auth not in (basic, f"Bearer {OAUTH}"):
                return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return JSONResponse({"error": "APIRateLimitExceeded"}, status_code=429, headers={"Retry-After": "7"})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return JSONResponse({"error": "InternalError"}, status_code=503)
            return None

        def base(request: Request) -> str:
            return f"{request.url.scheme}://{request.url.netloc}"

        def cursor_export(key: str, items: list[dict[str, Any]]):
            async def endpoint(request: Request) -> JSONResponse:
                bad = await guard(request)
                if bad:
                    return bad
                q = request.query_params
                if "cursor" in q:
                    pos = int(base64.b64decode(q["cursor"]).decode().split(":")[1])
                else:
                    start = int(q["start_time"])
                    pos = next((i for i, it in enumerate(items) if ts(it["updated_at"]) >= start), len(items))
                page = items[pos:pos + PAGE]
                end = pos + len(page)
                after = base64.b64encode(f"pos:{end}".encode()).decode()
                return JSONResponse({key: page, "after_cursor": after,
                                     "after_url": f"{base(request)}{request.url.path}?cursor={after}",
                                     "before_cursor": None, "before_url": None, "end_of_stream": end >= len(items)})
            return endpoint

        async def tickets(request: Request) -> JSONResponse:
            return await cursor_export("tickets", self.tickets)(request)

        async def users(request: Request) -> JSONResponse:
            return await cursor_export("users", self.users)(request)

        async def events(request: Request) -> JSONResponse:
            bad = await guard(request)
            if bad:
                return bad
            start = int(request.query_params["start_time"])
            todo = [e for e in self.events if e["timestamp"] >= start]
            page = todo[:PAGE]
            end_time = page[-1]["timestamp"] if page else start
            eos = len(todo) <= PAGE
            nxt = None if eos else (f"{base(request)}/api/v2/incremental/ticket_events.json?start_time={end_time}"
                                    "&include=comment_events")
            if not eos and end_time == start:  # a page full of one second: Zendesk moves on by one
                nxt = nxt.replace(f"start_time={end_time}", f"start_time={end_time + 1}")  # type: ignore[union-attr]
            return JSONResponse({"ticket_events": page, "next_page": nxt, "count": len(page), "end_time": end_time,
                                 "end_of_stream": eos})

        async def ratings(request: Request) -> JSONResponse:
            bad = await guard(request)
            if bad:
                return bad
            q = request.query_params
            start = int(q.get("start_time", 0))
            items = [r for r in self.ratings if ts(r["updated_at"]) >= start]
            pos = int(q.get("page[after]", "0"))
            page = items[pos:pos + PAGE]
            more = pos + PAGE < len(items)
            nxt = f"{base(request)}/api/v2/satisfaction_ratings.json?start_time={start}&page[size]=2&page[after]={pos + PAGE}"
            return JSONResponse({"satisfaction_ratings": page, "meta": {"has_more": more, "after_cursor": str(pos + PAGE)},
                                 "links": {"next": nxt if more else None}})

        def listing(key: str, items: list[dict[str, Any]]):
            async def endpoint(request: Request) -> JSONResponse:
                bad = await guard(request)
                if bad:
                    return bad
                return JSONResponse({key: items, "next_page": None, "count": len(items)})
            return endpoint

        return Starlette(routes=[
            Route("/api/v2/incremental/tickets/cursor.json", tickets),
            Route("/api/v2/incremental/users/cursor.json", users),
            Route("/api/v2/incremental/ticket_events.json", events),
            Route("/api/v2/satisfaction_ratings.json", ratings),
            Route("/api/v2/groups.json", listing("groups", self.groups)),
            Route("/api/v2/brands.json", listing("brands", self.brands)),
        ])


class Server:
    """Uvicorn serving an app on 127.0.0.1 in a thread."""

    def __init__(self, app: Starlette) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                break
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
