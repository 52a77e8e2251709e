"""A fake Zammad REST API on loopback, written from Zammad's public API documentation
(docs.zammad.org, "API": intro, tickets, articles, time accounting, users, groups).

Shapes followed:
- ``Authorization: Token token=...`` (access token) or HTTP Basic; a bad one answers 401
  ``{"error": "Invalid token!"}`` / ``{"error": "authentication failed"}``;
- listings answer JSON arrays paged by ``page`` / ``per_page`` (no Link header: a short page
  is the last); ``expand=true`` adds named relations (``state``, ``priority`` "2 normal",
  ``group``, ``organization``, ``create_article_type``, ``create_article_sender``; a user's
  ``roles``);
- ``GET /api/v1/tickets/search`` and ``/api/v1/users/search`` with ``query`` (only the form
  ``updated_at:[FROM TO *]`` is understood here), ``sort_by`` / ``order_by``;
- ``GET /api/v1/ticket_articles/by_ticket/{id}`` (``sender`` Customer/Agent/System,
  ``type`` email/phone/web/note..., ``internal``), ``GET /api/v1/ticket_history/{id}``
  (``{"history": [...], "assets": {}}``; state changes as ``attribute: state``,
  ``value_from``/``value_to``), ``GET /api/v1/tickets/{id}/time_accountings``
  (``time_unit`` "15.0");
- timestamps are UTC with milliseconds (``2024-03-04T09:00:00.000Z``); this fake may hold
  some with an offset, which the connector must read as the same instant;
- a 429 with ``Retry-After`` (a reverse proxy's limit) and 5xx answers can be switched on.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.zendesk_fake import Server

__all__ = ["PASSWORD", "TOKEN", "USER", "FakeZammad", "Server"]

TOKEN, USER, PASSWORD = "zm-s3cret-token", "lead@example.com", "zm-pass"
PRIORITY = {1: "1 low", 2: "2 normal", 3: "3 high"}


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)


class FakeZammad:
    def __init__(self) -> None:
        self.groups = [{"id": 1, "name": "Users"}, {"id": 2, "name": "Tech"}]
        self.organizations = [{"id": 3, "name": "Globex"}]
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, list[dict[str, Any]]] = {}
        self.history: dict[int, list[dict[str, Any]]] = {}
        self.time: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[str] = []
        self.rate_limit_next = 0
        self.fail: dict[str, int] = {}
        self.fail_forever: set[str] = set()
        self._id = 100

    def _next(self) -> int:
        self._id += 1
        return self._id

    # -- data helpers ---------------------------------------------------------------------------
    def user(self, uid: int, roles: list[str], created: str, organization: int | None = None) -> None:
        self.users[uid] = {"id": uid, "login": f"u{uid}@example.com", "roles": roles, "organization_id": organization,
                           "organization": next((o["name"] for o in self.organizations if o["id"] == organization),
                                                None),
                           "active": True, "created_at": created, "updated_at": created}

    def ticket(self, tid: int, created: str, updated: str, state: str, *, kind: str = "email",
               sender: str = "Customer", customer: int = 10, owner: int = 2, group: int = 1, priority: int = 2,
               close_at: str | None = None) -> None:
        self.tickets[tid] = {
            "id": tid, "number": str(31000 + tid), "title": "t", "group_id": group,
            "group": next(g["name"] for g in self.groups if g["id"] == group), "priority_id": priority,
            "priority": PRIORITY[priority], "state": state, "customer_id": customer, "owner_id": owner,
            "organization_id": self.users.get(customer, {}).get("organization_id"),
            "create_article_type": kind, "create_article_sender": sender, "created_at": created,
            "updated_at": updated, "close_at": close_at, "first_response_at": None, "type": None}

    def article(self, tid: int, at: str, sender: str, user: int, *, kind: str = "email",
                internal: bool = False) -> None:
        self.articles.setdefault(tid, []).append({
            "id": self._next(), "ticket_id": tid, "sender": sender, "type": kind, "internal": internal,
            "created_by_id": user, "from": f"u{user}", "body": "...", "content_type": "text/plain",
            "created_at": at, "updated_at": at})

    def state_change(self, tid: int, at: str, before: str, after: str, by: int = 2) -> None:
        self.history.setdefault(tid, []).append({
            "id": self._next(), "o_id": tid, "object": "Ticket", "type": "updated", "attribute": "state",
            "value_from": before, "value_to": after, "created_by_id": by, "created_at": at})

    def time_entry(self, tid: int, at: str, minutes: str, by: int = 2) -> None:
        self.time.setdefault(tid, []).append({
            "id": self._next(), "ticket_id": tid, "ticket_article_id": None, "time_unit": minutes, "type_id": None,
            "created_by_id": by, "created_at": at, "updated_at": at})

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

        def guard(request: Request) -> JSONResponse | None:
            self.requests.append(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            auth = request.headers.get("authorization", "")
            if auth not in (f"Token token={TOKEN}", basic):
                error = "Invalid token!" if auth.startswith("Token") else "authentication failed"
                return JSONResponse({"error": error, "error_human": error}, status_code=401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return JSONResponse({"error": "Too many requests"}, status_code=429, headers={"Retry-After": "7"})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return JSONResponse({"error": "Internal Server Error"}, status_code=502)
            return None

        def paged(request: Request, items: list[dict[str, Any]]) -> JSONResponse:
            q = request.query_params
            page, size = int(q.get("page", "1")), min(int(q.get("per_page", "50")), 100)
            return JSONResponse(items[(page - 1) * size:page * size])

        def search(items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
            q = request.query_params
            m = re.fullmatch(r"updated_at:\[(\S+) TO \*\]", q.get("query", ""))
            if m is None:
                return items
            out = [i for i in items if instant(i["updated_at"]) >= instant(m.group(1))]
            if q.get("sort_by") == "updated_at":
                out.sort(key=lambda i: (instant(i["updated_at"]), i["id"]), reverse=q.get("order_by") == "desc")
            return out

        async def tickets(request: Request) -> JSONResponse:
            bad = guard(request)
            return bad or paged(request, search(list(self.tickets.values()), request))

        async def users(request: Request) -> JSONResponse:
            bad = guard(request)
            return bad or paged(request, search(list(self.users.values()), request))

        async def articles(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            tid = int(request.path_params["tid"])
            if tid not in self.tickets:
                return JSONResponse({"error": "Not authorized"}, status_code=403)
            return JSONResponse(self.articles.get(tid, []))

        async def history(request: Request) -> JSONResponse:
            bad = guard(request)
            if bad:
                return bad
            tid = int(request.path_params["tid"])
            created = {"id": 1, "o_id": tid, "object": "Ticket", "type": "created", "attribute": None,
                       "value_from": None, "value_to": None, "created_at": self.tickets[tid]["created_at"]}
            return JSONResponse({"history": [created, *self.history.get(tid, [])], "assets": {}})

        async def time_accountings(request: Request) -> JSONResponse:
            bad = guard(request)
            return bad or JSONResponse(self.time.get(int(request.path_params["tid"]), []))

        def listing(items: list[dict[str, Any]]):
            async def endpoint(request: Request) -> JSONResponse:
                bad = guard(request)
                return bad or paged(request, items)
            return endpoint

        return Starlette(routes=[
            Route("/api/v1/tickets/search", tickets),
            Route("/api/v1/users/search", users),
            Route("/api/v1/ticket_articles/by_ticket/{tid:int}", articles),
            Route("/api/v1/ticket_history/{tid:int}", history),
            Route("/api/v1/tickets/{tid:int}/time_accountings", time_accountings),
            Route("/api/v1/groups", listing(self.groups)),
            Route("/api/v1/organizations", listing(self.organizations)),
        ])
