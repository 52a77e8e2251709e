"""A fake Freshdesk API v2 on loopback, written from Freshdesk's public API reference.

Shapes followed (developers.freshdesk.com/api/):
- HTTP Basic with the API key as user name and ``X`` as password; a bad key answers 401
  ``{"code": "invalid_credentials", "message": ...}``;
- every listing answers a JSON array and pages with ``page`` / ``per_page`` (Freshdesk caps
  ``per_page`` at 100; this fake at ``page_size``, 2, so everything paginates); while more
  exist, ``Link: <...&page=N+1>; rel="next"``; a page number above ``max_page`` (300 at
  Freshdesk) is a 400 ``invalid_value``;
- ``GET /api/v2/tickets``: ``updated_since`` (tickets updated at or after it),
  ``order_by=updated_at&order_type=asc``, ``include=requester,stats``, ``filter=deleted`` /
  ``filter=spam``; deleted and spam tickets are left out of the default listing;
- ``GET /api/v2/tickets/{id}/conversations`` (``incoming``, ``private``, ``source`` 0 reply /
  2 note, ``user_id``), ``GET /api/v2/tickets/{id}/time_entries`` (``time_spent`` "hh:mm");
- ``GET /api/v2/surveys/satisfaction_ratings?created_since=`` (``ratings.default_question``:
  103 / 100 / -103 on the classic scale);
- ``GET /api/v2/contacts?_updated_since=``, ``/agents``, ``/groups``, ``/companies``, ``/products``;
- 429 with ``Retry-After`` (seconds) and the ``X-RateLimit-*`` headers.
Timestamps are ISO 8601; the fake may hold some with an offset (``+05:30``), which the
connector must read as the same instant.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.zendesk_fake import Server

__all__ = ["KEY", "FakeFreshdesk", "Server"]

KEY = "fd-s3cret-key"


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)


class FakeFreshdesk:
    def __init__(self) -> None:
        self.groups = [{"id": 5001, "name": "Billing"}, {"id": 5002, "name": "Tech"}]
        self.products = [{"id": 7001, "name": "Acme"}]
        self.companies = [{"id": 8001, "name": "Globex"}]
        self.agents = [{"id": 1, "contact": {"name": "Ann Agent", "email": "ann@example.com"}, "type": "support_agent"}]
        self.contacts: list[dict[str, Any]] = []
        self.tickets: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, list[dict[str, Any]]] = {}
        self.time_entries: dict[int, list[dict[str, Any]]] = {}
        self.ratings: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.page_size = 2
        self.max_page = 300
        self.rate_limit_next = 0
        self.fail: dict[str, int] = {}
        self.fail_forever: set[str] = set()
        self._cid = 9000

    # -- data helpers ---------------------------------------------------------------------------
    def contact(self, cid: int, created: str, company: int | None = None) -> None:
        self.contacts = [c for c in self.contacts if c["id"] != cid]
        self.contacts.append({"id": cid, "name": f"contact {cid}", "company_id": company, "created_at": created,
                              "updated_at": created, "active": True})

    def ticket(self, tid: int, created: str, updated: str, status: int, *, source: int = 1, requester: int = 10,
               responder: int | None = 1, group: int | None = 5001, priority: int = 2, type_: str | None = "Question",
               stats: dict[str, Any] | None = None, deleted: bool = False, spam: bool = False) -> None:
        self.tickets[tid] = {
            "id": tid, "subject": "s", "created_at": created, "updated_at": updated, "status": status,
            "source": source, "priority": priority, "type": type_, "requester_id": requester,
            "responder_id": responder, "group_id": group, "product_id": 7001, "company_id": None,
            "deleted": deleted, "spam": spam, "stats": {"first_responded_at": None, "resolved_at": None,
                                                        "closed_at": None, "reopened_at": None, **(stats or {})},
        }

    def reply(self, tid: int, at: str, user: int, *, incoming: bool = False, private: bool = False,
              source: int = 0, body: str = "...") -> None:
        self._cid += 1
        self.conversations.setdefault(tid, []).append({
            "id": self._cid, "ticket_id": tid, "user_id": user, "incoming": incoming, "private": private,
            "source": 2 if private else source, "body": f"<div>{body}</div>", "body_text": body, "created_at": at,
            "updated_at": at})

    def time_entry(self, eid: int, tid: int, agent: int, start: str, spent: str, running: bool = False) -> None:
        self.time_entries.setdefault(tid, []).append({
            "id": eid, "ticket_id": tid, "agent_id": agent, "start_time": start, "executed_at": start,
            "time_spent": spent, "timer_running": running, "billable": True, "note": "", "created_at": start,
            "updated_at": start})

    def rating(self, rid: int, tid: int, value: int, at: str, user: int = 10) -> None:
        self.ratings.append({"id": rid, "survey_id": 1, "user_id": user, "agent_id": 1, "group_id": 5001,
                             "ticket_id": tid, "feedback": None, "ratings": {"default_question": value},
                             "created_at": at, "updated_at": at})

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        basic = "Basic " + base64.b64encode(f"{KEY}:X".encode()).decode()

        def guard(request: Request) -> JSONResponse | None:
            self.requests.append(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            if request.headers.get("authorization") != basic:
                return JSONResponse({"code": "invalid_credentials",
                                     "message": "You have to be logged in to perform this action."}, status_code=401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return JSONResponse({"message": "You have exceeded the limit of requests per minute"},
                                    status_code=429, headers={"Retry-After": "7", "X-RateLimit-Total": "200",
                                                              "X-RateLimit-Remaining": "0"})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return JSONResponse({"message": "Internal Server Error"}, status_code=500)
            return None

        def paged(request: Request, items: list[dict[str, Any]]) -> JSONResponse:
            q = request.query_params
            page = int(q.get("page", "1"))
            if page > self.max_page:
                return JSONResponse({"description": "Validation failed", "errors": [
                    {"field": "page", "message": f"Must be less than or equal to {self.max_page}",
                     "code": "invalid_value"}]}, status_code=400)
            size = min(int(q.get("per_page", "30")), 100, self.page_size)
            chunk = items[(page - 1) * size:page * size]
            headers = {"X-RateLimit-Total": "200", "X-RateLimit-Remaining": "199"}
            if page * size < len(items):
                nxt = dict(q)
                nxt["page"] = str(page + 1)
                headers["Link"] = f'<{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(nxt)}>; rel="next"'
            return JSONResponse(chunk, headers=headers)

        def since(items: list[dict[str, Any]], value: str | None, field: str = "updated_at") -> list[dict[str, Any]]:
            if value is None:
                return items
            return [i for i in items if instant(i[field]) >= instant(value)]

        async def tickets(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            q = request.query_params
            kind = q.get("filter")
            items = [t for t in self.tickets.values()
                     if (kind == "deleted" and t["deleted"]) or (kind == "spam" and t["spam"] and not t["deleted"])
                     or (kind is None and not t["deleted"] and not t["spam"])]
            # Freshdesk: without updated_since only the last 30 days (none of this fake's data)
            items = since(items, q["updated_since"]) if "updated_since" in q else []
            if q.get("order_by") == "updated_at":
                items = sorted(items, key=lambda t: (instant(t["updated_at"]), t["id"]),
                               reverse=q.get("order_type", "desc") == "desc")
            include = set(q.get("include", "").split(","))
            out = []
            for t in items:
                t = dict(t)
                if "stats" not in include:
                    t.pop("stats")
                if "requester" in include:
                    t["requester"] = {"id": t["requester_id"], "name": f"contact {t['requester_id']}"}
                out.append(t)
            return paged(request, out)

        async def conversations(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            tid = int(request.path_params["tid"])
            if tid not in self.tickets:
                return JSONResponse({"code": "access_denied"}, status_code=404)
            return paged(request, self.conversations.get(tid, []))

        async def time_entries(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            return paged(request, self.time_entries.get(int(request.path_params["tid"]), []))

        async def ratings(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            return paged(request, since(self.ratings, request.query_params.get("created_since"), "created_at"))

        async def contacts(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            items = sorted(since(self.contacts, request.query_params.get("_updated_since")),
                           key=lambda c: instant(c["updated_at"]))
            return paged(request, items)

        def listing(items: list[dict[str, Any]]):
            async def endpoint(request: Request) -> JSONResponse:
                bad = guard(request)
                return bad or paged(request, items)
            return endpoint

        return Starlette(routes=[
            Route("/api/v2/tickets", tickets),
            Route("/api/v2/tickets/{tid:int}/conversations", conversations),
            Route("/api/v2/tickets/{tid:int}/time_entries", time_entries),
            Route("/api/v2/surveys/satisfaction_ratings", ratings),
            Route("/api/v2/contacts", contacts),
            Route("/api/v2/agents", listing(self.agents)),
            Route("/api/v2/groups", listing(self.groups)),
            Route("/api/v2/companies", listing(self.companies)),
            Route("/api/v2/products", listing(self.products)),
        ])
