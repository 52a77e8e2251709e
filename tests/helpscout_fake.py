"""A fake Help Scout Mailbox API 2.0 on loopback, written from Help Scout's public API reference.

Shapes followed (developer.helpscout.com/mailbox-api/):
- OAuth2 client credentials: ``POST /v2/oauth2/token`` (form ``grant_type=client_credentials``,
  ``client_id``, ``client_secret``) -> ``{token_type: "bearer", access_token, expires_in}``;
- lists are HAL: ``{_embedded: {conversations|customers|mailboxes: [...]}, _links, page: {size,
  totalElements, totalPages, number}}``; conversations page by 25, the others by 50; here every
  list pages by 2 so each paginates;
- ``GET /v2/conversations?status=all&modifiedSince=&sortField=modifiedAt&sortOrder=asc
  &embed=threads&page=N``: ``modifiedSince`` is inclusive; the objects carry no ``modifiedAt``
  (only ``userUpdatedAt``); threads come embedded, newest first, with ``type`` (customer,
  message, note, lineitem, chat, phone), ``status`` (active, pending, closed, spam or
  ``nochange``), ``state``, ``createdBy: {id, type: customer|user}``, ``action: {type, text,
  associatedEntities}`` on line items;
- ``GET /v2/reports/happiness/ratings?start&end&rating=all&page``: ``{results: [{number, id,
  type, threadid, threadCreatedAt, ratingId (1 great, 2 okay, 3 not good), ratingCustomerId,
  ratingComments, ratingCreatedAt, ratingUserId}], page, pages, count}``;
- timestamps ISO 8601; 401 ``{error: "invalid_token"}``; 429 with ``X-RateLimit-Retry-After``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.zendesk_fake import Server

__all__ = ["APP_ID", "APP_SECRET", "TOKEN", "FakeHelpScout", "Server"]

TOKEN, APP_ID, APP_SECRET = "hs-s3cret-token", "app-123", "app-s3cret"
GRANTED = "hs-granted-s3cret"  # what the client-credentials grant hands out
PAGE = 2


def when(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC)


class FakeHelpScout:
    def __init__(self) -> None:
        self.mailboxes = [{"id": 101, "name": "Support", "email": "support@acme.example"},
                          {"id": 102, "name": "Billing", "email": "billing@acme.example"}]
        self.customers: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.ratings: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.rate_limit_next = 0
        self.fail: dict[str, int] = {}
        self.fail_forever: set[str] = set()
        self.reports_forbidden = False
        self._tid = 9000

    # -- data helpers ---------------------------------------------------------------------------
    def customer(self, cid: int, created: str) -> None:
        self.customers[cid] = {"id": cid, "firstName": "C", "lastName": str(cid), "createdAt": created,
                               "updatedAt": created, "_modifiedAt": when(created)}

    def conversation(self, cid: int, created: str, *, customer: int, kind: str = "email", mailbox: int = 101,
                     assignee: int | None = 1) -> None:
        self.conversations[cid] = {
            "id": cid, "number": cid + 1000, "threads": 0, "type": kind, "folderId": 1, "status": "active",
            "state": "published", "subject": "Help", "preview": "...", "mailboxId": mailbox,
            "assignee": {"id": assignee, "type": "user", "first": "A", "last": "Gent", "email": "a@acme.example"}
            if assignee else None,
            "createdBy": {"id": customer, "type": "customer", "email": "c@x.example"}, "createdAt": created,
            "closedBy": 0, "closedAt": None, "userUpdatedAt": created,
            "source": {"type": kind, "via": "customer"}, "tags": [], "cc": [], "bcc": [],
            "primaryCustomer": {"id": customer, "type": "customer", "email": "c@x.example"},
            "customFields": [], "_embedded": {"threads": []}, "_modifiedAt": when(created),
        }

    def thread(self, cid: int, at: str, kind: str, by: str, by_id: int, *, status: str = "nochange",
               state: str = "published", action: dict[str, Any] | None = None) -> int:
        c = self.conversations[cid]
        self._tid += 1
        c["_embedded"]["threads"].insert(0, {  # newest first, as Help Scout lists them
            "id": self._tid, "type": kind, "status": status, "state": state, "action": action,
            "body": "..." if kind != "lineitem" else None, "source": {"type": "email", "via": by},
            "createdBy": {"id": by_id, "type": by, "email": "x@x.example"}, "createdAt": at,
            "assignedTo": None, "customer": {"id": c["primaryCustomer"]["id"]}})
        if status != "nochange":
            c["status"] = status
            if status == "closed":
                c["closedAt"], c["closedBy"] = at, by_id
        if by == "user":
            c["userUpdatedAt"] = at
        c["threads"] = sum(1 for t in c["_embedded"]["threads"] if t["type"] != "lineitem")
        c["_modifiedAt"] = max(c["_modifiedAt"], when(at))
        return self._tid

    def rate(self, cid: int, thread: int, rating: int, at: str, comment: str | None = None) -> None:
        c = self.conversations[cid]
        self.ratings.append({"number": c["number"], "id": cid, "type": c["type"], "threadid": thread,
                             "threadCreatedAt": at, "ratingId": rating,
                             "ratingCustomerId": c["primaryCustomer"]["id"], "ratingComments": comment,
                             "ratingCreatedAt": at, "ratingCustomerName": "C", "ratingUserId": 1,
                             "ratingUserName": "A Gent"})

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        async def guard(request: Request, *, auth: bool = True) -> JSONResponse | None:
            self.requests.append(request.method + " " + request.url.path +
                                 (f"?{request.url.query}" if request.url.query else ""))
            if auth and request.headers.get("authorization", "") not in (f"Bearer {TOKEN}", f"Bearer {GRANTED}"):
                return JSONResponse({"error": "invalid_token", "error_description": "Invalid access token"},
                                    status_code=401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return JSONResponse({"message": "Rate limit exceeded"}, status_code=429,
                                    headers={"X-RateLimit-Limit-Minute": "200", "X-RateLimit-Remaining-Minute": "0",
                                             "X-RateLimit-Retry-After": "7"})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return JSONResponse({"message": "Internal error"}, status_code=503)
            return None

        def hal(request: Request, key: str, items: list[dict[str, Any]]) -> JSONResponse:
            page = int(request.query_params.get("page", "1"))
            chunk = items[(page - 1) * PAGE: page * PAGE]
            total = max(1, -(-len(items) // PAGE))
            base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            links: dict[str, Any] = {"self": {"href": f"{base}?page={page}"}, "first": {"href": f"{base}?page=1"},
                                     "last": {"href": f"{base}?page={total}"}}
            if page < total:
                links["next"] = {"href": f"{base}?page={page + 1}"}
            return JSONResponse({"_embedded": {key: [{k: v for k, v in it.items() if k != "_modifiedAt"}
                                                     for it in chunk]},
                                 "_links": links,
                                 "page": {"size": PAGE, "totalElements": len(items), "totalPages": total,
                                          "number": page}})

        def modified(key: str, source: dict[int, dict[str, Any]], *, threads: bool = False):
            async def endpoint(request: Request) -> JSONResponse:
                bad = await guard(request)
                if bad:
                    return bad
                q = request.query_params
                assert q.get("sortField") == "modifiedAt" and q.get("sortOrder") == "asc", q
                since = when(q["modifiedSince"].replace("Z", "+00:00")) if "modifiedSince" in q else None
                items = sorted((it for it in source.values() if since is None or it["_modifiedAt"] >= since),
                               key=lambda it: (it["_modifiedAt"], it["id"]))
                if threads:
                    assert q.get("status") == "all" and q.get("embed") == "threads", q
                return hal(request, key, items)
            return endpoint

        async def token(request: Request) -> JSONResponse:
            bad = await guard(request, auth=False)
            if bad:
                return bad
            form = await request.form()
            if (form.get("grant_type"), form.get("client_id"), form.get("client_secret")) != (
                    "client_credentials", APP_ID, APP_SECRET):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return JSONResponse({"token_type": "bearer", "access_token": GRANTED, "expires_in": 172800})

        async def mailboxes(request: Request) -> JSONResponse:
            bad = await guard(request)
            return bad or hal(request, "mailboxes", self.mailboxes)

        async def ratings(request: Request) -> JSONResponse:
            bad = await guard(request)
            if bad:
                return bad
            if self.reports_forbidden:
                return JSONResponse({"message": "Reports are available on Plus and Pro plans"}, status_code=403)
            q = request.query_params
            start, end = when(q["start"].replace("Z", "+00:00")), when(q["end"].replace("Z", "+00:00"))
            items = [r for r in self.ratings if start <= when(r["ratingCreatedAt"]) <= end]
            page = int(q.get("page", "1"))
            pages = max(1, -(-len(items) // PAGE))
            return JSONResponse({"results": items[(page - 1) * PAGE: page * PAGE], "page": page, "pages": pages,
                                 "count": len(items)})

        return Starlette(routes=[
            Route("/v2/oauth2/token", token, methods=["POST"]),
            Route("/v2/mailboxes", mailboxes),
            Route("/v2/customers", modified("customers", self.customers)),
            Route("/v2/conversations", modified("conversations", self.conversations, threads=True)),
            Route("/v2/reports/happiness/ratings", ratings),
        ])
