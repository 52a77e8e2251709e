"""A fake Intercom REST API on loopback, written from Intercom's public API reference.

Shapes followed (developers.intercom.com/docs/references/rest-api, version 2.11):
- ``POST /conversations/search`` and ``POST /contacts/search``: body ``{query: {field, operator,
  value}, pagination: {per_page, starting_after}, sort: {field, order}}``; answers
  ``{type: "conversation.list", conversations | data, total_count, pages: {type: "pages", page,
  per_page, total_pages, next: {per_page, starting_after}}}`` (no ``next`` on the last page);
  search results carry no ``conversation_parts``;
- ``GET /conversations/{id}``: the conversation with ``conversation_parts: {type:
  "conversation_part.list", conversation_parts, total_count}``; 404 ``{type: "error.list",
  errors: [{code: "not_found"}]}`` for a deleted one;
- timestamps are Unix seconds (UTC); ids are strings;
- ``GET /teams``: ``{type: "team.list", teams: [{type, id, name, admin_ids}]}``;
- 401 ``{type: "error.list", errors: [{code: "unauthorized", message: "Access Token Invalid"}]}``;
  429 with ``X-RateLimit-Limit``, ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` (the
  Unix second the window resets; Intercom sends no ``Retry-After``).

Pages are deliberately small (2 items) whatever ``per_page`` asks, so every search paginates.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.zendesk_fake import Server

__all__ = ["TOKEN", "FakeIntercom", "Server", "ts"]

TOKEN = "dG9rOmludGVyY29tLXMzY3JldA=="
PAGE = 2


def ts(iso: str) -> int:
    """ISO 8601 with any offset -> Unix seconds (what Intercom sends)."""
    return int(dt.datetime.fromisoformat(iso).timestamp())


def error(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"type": "error.list", "request_id": "req-1", "errors": [{"code": code, "message": message}]},
                        status_code=status, headers=headers)


class FakeIntercom:
    def __init__(self) -> None:
        self.teams = [{"type": "team", "id": "814865", "name": "Billing", "admin_ids": [1]},
                      {"type": "team", "id": "814866", "name": "Tech", "admin_ids": [1]}]
        self.contacts: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()  # listed by a stale search index, 404 on GET
        self.requests: list[str] = []
        self.searches: list[dict[str, Any]] = []  # bodies of POST /conversations/search, in order
        self.versions: set[str] = set()  # Intercom-Version headers seen
        self.rate_limit_next = 0
        self.fail: dict[str, int] = {}
        self.fail_forever: set[str] = set()
        self._pid = 5000

    # -- data helpers ---------------------------------------------------------------------------
    def contact(self, cid: str, role: str, created: str, updated: str | None = None) -> None:
        self.contacts[cid] = {"type": "contact", "id": cid, "role": role, "created_at": ts(created),
                              "updated_at": ts(updated or created), "signed_up_at": ts(created) if role == "user" else None,
                              "location": {"type": "location", "country": "Finland", "city": "Helsinki"}}

    def conversation(self, cid: str, created: str, *, contact: str, source_type: str = "conversation",
                     delivered_as: str = "customer_initiated", state: str = "open", admin: str | None = "1",
                     team: str | None = "814865", priority: str = "not_priority") -> dict[str, Any]:
        c = {"type": "conversation", "id": cid, "title": None, "created_at": ts(created), "updated_at": ts(created),
             "waiting_since": None, "snoozed_until": None, "open": state != "closed", "state": state, "read": True,
             "priority": priority, "admin_assignee_id": int(admin) if admin else None, "team_assignee_id": team,
             "tags": {"type": "tag.list", "tags": []}, "conversation_rating": None,
             "source": {"type": source_type, "id": f"src{cid}", "delivered_as": delivered_as, "subject": "",
                        "body": "<p>Help!</p>", "author": {"type": "user", "id": contact, "name": "C", "email": "c@x"},
                        "attachments": [], "url": None, "redacted": False},
             "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": contact}]},
             "teammates": {"type": "admin.list", "admins": []}, "custom_attributes": {},
             "statistics": {"type": "conversation_statistics"},
             "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [], "total_count": 0}}
        self.conversations[cid] = c
        return c

    def part(self, cid: str, at: str, part_type: str, author_type: str, author_id: str, body: str | None = None,
             state: str | None = None, email: str = "agent@acme.example") -> None:
        c = self.conversations[cid]
        self._pid += 1
        if state:  # the part moves the conversation to this state
            c["state"], c["open"] = state, state != "closed"
        parts = c["conversation_parts"]["conversation_parts"]
        parts.append({"type": "conversation_part", "id": str(self._pid), "part_type": part_type,
                      "body": f"<p>{body}</p>" if body else None, "created_at": ts(at), "updated_at": ts(at),
                      "notified_at": ts(at), "assigned_to": None,
                      "author": {"type": author_type, "id": author_id, "name": "x", "email": email},
                      "attachments": [], "external_id": None, "redacted": False, "state": c["state"]})
        c["conversation_parts"]["total_count"] = len(parts)
        c["updated_at"] = max(c["updated_at"], ts(at))

    def rate(self, cid: str, rating: int, at: str, remark: str | None = None) -> None:
        c = self.conversations[cid]
        c["conversation_rating"] = {"rating": rating, "remark": remark, "created_at": ts(at),
                                    "contact": {"type": "contact", "id": c["contacts"]["contacts"][0]["id"]},
                                    "teammate": {"type": "contact", "id": "1"}}
        c["updated_at"] = max(c["updated_at"], ts(at))

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        async def guard(request: Request) -> JSONResponse | None:
            self.requests.append(request.method + " " + request.url.path +
                                 (f"?{request.url.query}" if request.url.query else ""))
            self.versions.add(request.headers.get("intercom-version", ""))
            if request.headers.get("authorization", "") != f"Bearer {TOKEN}":
                return error("unauthorized", "Access Token Invalid", 401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                reset = str(int(time.time()) + 10)
                return error("rate_limit_exceeded", "Exceeded rate limit of 1000 in 10_seconds", 429,
                             {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return error("server_error", "Internal server error", 500)
            return None

        def search(key: str, list_type: str, items: Any):
            async def endpoint(request: Request) -> JSONResponse:
                bad = await guard(request)
                if bad:
                    return bad
                body = await request.json()
                if key == "conversations":
                    self.searches.append(body)
                q = body["query"]
                assert q["field"] == "updated_at" and q["operator"] == ">", q
                assert body.get("sort") == {"field": "updated_at", "order": "ascending"}, body
                found = sorted((it for it in items() if it["updated_at"] > q["value"]),
                               key=lambda it: (it["updated_at"], it["id"]))
                pag = body.get("pagination") or {}
                per_page = min(int(pag.get("per_page", 20)), PAGE)
                pos = int(base64.b64decode(pag["starting_after"]).decode()) if pag.get("starting_after") else 0
                page = [{k: v for k, v in it.items() if k != "conversation_parts"} for it in found[pos:pos + per_page]]
                end = pos + len(page)
                pages: dict[str, Any] = {"type": "pages", "page": pos // per_page + 1, "per_page": per_page,
                                         "total_pages": max(1, -(-len(found) // per_page))}
                if end < len(found):
                    pages["next"] = {"per_page": per_page, "starting_after": base64.b64encode(str(end).encode()).decode()}
                return JSONResponse({"type": list_type, key: page, "total_count": len(found), "pages": pages})
            return endpoint

        async def conversation(request: Request) -> JSONResponse:
            bad = await guard(request)
            if bad:
                return bad
            cid = request.path_params["cid"]
            if cid in self.deleted or cid not in self.conversations:
                return error("not_found", "Resource Not Found", 404)
            return JSONResponse(self.conversations[cid])

        async def teams(request: Request) -> JSONResponse:
            bad = await guard(request)
            return bad or JSONResponse({"type": "team.list", "teams": self.teams})

        return Starlette(routes=[
            Route("/conversations/search", search("conversations", "conversation.list",
                                                  lambda: self.conversations.values()), methods=["POST"]),
            Route("/contacts/search", search("data", "list", lambda: self.contacts.values()), methods=["POST"]),
            Route("/conversations/{cid}", conversation),
            Route("/teams", teams),
        ])
