"""A fake Chatwoot Application API on loopback, written from Chatwoot's public source.

Shapes followed (github.com/chatwoot/chatwoot, app/views/api/v1/... and app/finders/...):
- auth: header ``api_access_token``; a bad one answers 401 ``{"error": "Invalid Access Token"}``;
- ``GET /api/v1/accounts/{id}/inboxes``: ``{"payload": [{id, name, channel_type}]}``;
- ``GET .../conversations?status=all&assignee_type=all&sort_by=last_activity_at_desc&page=N``:
  ``{"data": {"meta": {mine_count, assigned_count, unassigned_count, all_count}, "payload": [...]}}``;
  each conversation as ``_conversation.json.jbuilder``: ``id`` (the display id), ``meta.sender``
  (the contact), ``meta.channel`` (the inbox's channel type), ``meta.assignee``, ``meta.team``,
  ``inbox_id``, ``status`` (open/resolved/pending/snoozed), ``priority``, ``labels``,
  ``created_at``, ``last_activity_at`` and ``timestamp`` as Unix seconds; without
  ``status=all`` only open conversations;
- ``GET .../conversations/{id}/messages?after=ID``: ``{"meta": {...}, "payload": [...]}``, the
  messages with an id above ``after``, oldest first, at most 100 (MessageFinder); each with
  ``message_type`` 0 incoming / 1 outgoing / 2 activity / 3 template, ``private``,
  ``created_at`` (Unix seconds), ``sender`` with ``type`` contact/user/agent_bot;
- ``GET .../csat_survey_responses?since=&until=&page=N``: a bare JSON array of 25 per page,
  each ``{id, rating, feedback_message, contact, conversation_id, assigned_agent, created_at}``;
- 429 from Rack::Attack: ``Retry later`` as text, with ``Retry-After``.

The scenario is written in Tokyo time (+09:00) and served as Unix seconds, as Chatwoot does.
Pages are small (2 conversations, 2 CSAT answers) so everything paginates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOKEN = "cw-s3cret-token"
ACCOUNT = 3
PAGE, CSAT_PAGE = 2, 2


def ts(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


class FakeChatwoot:
    def __init__(self) -> None:
        self.inboxes = [{"id": 1, "name": "Acme web", "channel_type": "Channel::WebWidget"},
                        {"id": 2, "name": "Acme mail", "channel_type": "Channel::Email"}]
        self.contacts: dict[int, dict[str, Any]] = {}
        self.users = {1: {"id": 1, "name": "Agent One", "type": "user"},
                      9: {"id": 9, "name": "Helper bot", "type": "agent_bot"}}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.csat: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.rate_limit_next = 0
        self.fail: dict[str, int] = {}
        self.fail_forever: set[str] = set()
        self.messages_page = 100
        self._mid = 0

    # -- data helpers ---------------------------------------------------------------------------
    def contact(self, cid: int, created: str) -> None:
        self.contacts[cid] = {"id": cid, "name": f"contact {cid}", "email": f"c{cid}@example.com",
                              "type": "contact", "created_at": ts(created)}

    def conversation(self, cid: int, created: str, *, inbox: int = 1, contact: int = 20, assignee: int | None = 1,
                     status: str = "open", team: str | None = None, labels: tuple[str, ...] = (),
                     priority: str | None = None) -> None:
        self.conversations[cid] = {"id": cid, "inbox_id": inbox, "contact": contact, "assignee": assignee,
                                   "status": status, "team": team, "labels": list(labels), "priority": priority,
                                   "created_at": ts(created), "last_activity_at": ts(created)}
        self.messages.setdefault(cid, [])

    def message(self, cid: int, at: str, kind: int, sender: tuple[str, int] | None = None, *,
                private: bool = False, content: str = "...") -> None:
        self._mid += 1
        who = None
        if sender:
            who = self.contacts[sender[1]] if sender[0] == "contact" else self.users[sender[1]]
        self.messages[cid].append({
            "id": self._mid, "content": content, "inbox_id": self.conversations[cid]["inbox_id"],
            "conversation_id": cid, "message_type": kind, "content_type": "text", "content_attributes": {},
            "created_at": ts(at), "private": private, "source_id": None,
            **({"sender": {k: v for k, v in who.items() if k != "created_at"}} if who else {}),
        })
        c = self.conversations[cid]
        c["last_activity_at"] = max(c["last_activity_at"], ts(at))

    def rating(self, rid: int, cid: int, rating: int, at: str, contact: int = 20) -> None:
        self.csat.append({"id": rid, "rating": rating, "feedback_message": "", "account_id": ACCOUNT,
                          "message_id": None, "contact": self.contacts[contact], "conversation_id": cid,
                          "assigned_agent": self.users[1], "created_at": ts(at)})

    def _conversation_json(self, c: dict[str, Any]) -> dict[str, Any]:
        inbox = next(i for i in self.inboxes if i["id"] == c["inbox_id"])
        meta: dict[str, Any] = {"sender": self.contacts[c["contact"]], "channel": inbox["channel_type"],
                                "hmac_verified": False}
        if c["assignee"]:
            meta["assignee"] = self.users[c["assignee"]]
        if c["team"]:
            meta["team"] = {"id": 7, "name": c["team"]}
        last = (self.messages[c["id"]] or [None])[-1]
        return {"meta": meta, "id": c["id"], "messages": [last] if last else [], "account_id": ACCOUNT,
                "uuid": f"uuid-{c['id']}", "additional_attributes": {}, "agent_last_seen_at": 0,
                "can_reply": True, "custom_attributes": {}, "inbox_id": c["inbox_id"], "labels": c["labels"],
                "muted": False, "snoozed_until": None, "status": c["status"], "created_at": c["created_at"],
                "timestamp": c["last_activity_at"], "last_activity_at": c["last_activity_at"],
                "priority": c["priority"], "unread_count": 0, "waiting_since": 0}

    # -- the app --------------------------------------------------------------------------------
    def app(self) -> Starlette:
        prefix = f"/api/v1/accounts/{ACCOUNT}"

        def guard(request: Request) -> Response | None:
            self.requests.append(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            if request.headers.get("api_access_token") != TOKEN:
                return JSONResponse({"error": "Invalid Access Token"}, status_code=401)
            if self.rate_limit_next:
                self.rate_limit_next -= 1
                return PlainTextResponse("Retry later\n", status_code=429, headers={"Retry-After": "7"})
            path = request.url.path
            if path in self.fail_forever or self.fail.get(path, 0) > 0:
                self.fail[path] = self.fail.get(path, 0) - 1
                return JSONResponse({"error": "Internal Server Error"}, status_code=500)
            return None

        async def inboxes(request: Request) -> Response:
            return guard(request) or JSONResponse({"payload": self.inboxes})

        async def conversations(request: Request) -> Response:
            bad = guard(request)
            if bad:
                return bad
            q = request.query_params
            items = list(self.conversations.values())
            if q.get("status", "open") != "all":
                items = [c for c in items if c["status"] == q.get("status", "open")]
            assert q.get("sort_by") == "last_activity_at_desc", "the connector asks newest activity first"
            items.sort(key=lambda c: (c["last_activity_at"], c["id"]), reverse=True)
            page = int(q.get("page", "1"))
            payload = [self._conversation_json(c) for c in items[(page - 1) * PAGE:page * PAGE]]
            assigned = sum(1 for c in items if c["assignee"])
            meta = {"mine_count": assigned, "assigned_count": assigned, "unassigned_count": len(items) - assigned,
                    "all_count": len(items)}
            return JSONResponse({"data": {"meta": meta, "payload": payload}})

        async def messages(request: Request) -> Response:
            bad = guard(request)
            if bad:
                return bad
            cid = int(request.path_params["cid"])
            if cid not in self.conversations:
                return JSONResponse({"error": "Resource could not be found"}, status_code=404)
            after = int(request.query_params.get("after", "0"))
            got = [m for m in self.messages[cid] if m["id"] > after][:self.messages_page]
            return JSONResponse({"meta": {"labels": [], "contact": self.contacts[self.conversations[cid]["contact"]]},
                                 "payload": got})

        async def csat(request: Request) -> Response:
            bad = guard(request)
            if bad:
                return bad
            q = request.query_params
            since, until = int(q.get("since", "0")), int(q.get("until", str(2**40)))
            items = [r for r in self.csat if since <= r["created_at"] <= until]
            page = int(q.get("page", "1"))
            return JSONResponse(items[(page - 1) * CSAT_PAGE:page * CSAT_PAGE])

        return Starlette(routes=[
            Route(f"{prefix}/inboxes", inboxes),
            Route(f"{prefix}/conversations", conversations),
            Route(f"{prefix}/conversations/{{cid:int}}/messages", messages),
            Route(f"{prefix}/csat_survey_responses", csat),
        ])
