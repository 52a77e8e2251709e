"""Chatwoot (Application API) -> the canonical tables (docs/connectors.md, "Chatwoot").

Streams, in this order:

1. inboxes, ``GET /inboxes``, read whole: names for ``brand``;
2. conversations, ``GET /conversations?status=all&assignee_type=all&sort_by=last_activity_at_desc&page=N``:
   newest activity first, read until the stored cursor (the newest ``last_activity_at`` of the
   last complete run). Each changed conversation's messages are read whole,
   ``GET /conversations/{id}/messages?after=ID`` (100 per answer, oldest first), and the
   conversation, its messages, status changes (from the activity messages) and its contact
   are written with the page. A run that stops keeps in its cursor which span of activity
   times it has done, so the next run skips those conversations' messages. Conversations
   deleted in Chatwoot are found when the account's count (``meta.all_count``) falls below
   what the store holds: the ids are listed and the missing ones removed;
3. CSAT, ``GET /csat_survey_responses?since=&until=&page=N`` (1-5 ratings) -> ``survey_responses``.

Chatwoot sends times as Unix seconds (UTC instants). It has no ticket merge and no time
tracking (no ``work_sessions``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
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

NAME = "chatwoot"
#: Chatwoot's "pending" is a conversation still with the bot (not yet in an agent's queue);
#: "snoozed" is set aside by an agent, usually until the customer answers
STATUS = {"open": "open", "resolved": "solved", "pending": "new", "snoozed": "pending"}
PRIORITY = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}
CHANNEL = {"Channel::WebWidget": "chat", "Channel::Email": "email", "Channel::Api": "api",
           "Channel::FacebookPage": "social", "Channel::Instagram": "social", "Channel::TwitterProfile": "social",
           "Channel::Tiktok": "social", "Channel::Whatsapp": "social", "Channel::Telegram": "social",
           "Channel::Line": "social", "Channel::TwilioSms": "sms", "Channel::Sms": "sms", "Channel::Voice": "phone"}
#: activity messages (message_type 2) that say a status changed, in Chatwoot's English texts
#: (config/locales/en.yml, conversations.activity.status and .captain)
ACTIVITY = [
    (re.compile(r"^Conversation was (marked )?resolved\b"), "solved"),
    (re.compile(r"^(Conversation was reopened|Conversation was marked open|System reopened)"), "open"),
    (re.compile(r"^Conversation was marked as pending\b"), "new"),
    (re.compile(r"^Conversation was snoozed\b"), "pending"),
]
INCOMING, OUTGOING, ACTIVITY_TYPE, TEMPLATE = 0, 1, 2, 3
BOTS = {"agent_bot", "captain_assistant"}
MESSAGES_PAGE = 100  # what Chatwoot answers at most for ?after=
STREAM = "conversations"


def credentials(env: dict[str, str] | None = None) -> dict[str, str]:
    """The ``api_access_token`` header from ``CHATWOOT_API_TOKEN`` (an administrator's access token)."""
    env = dict(os.environ) if env is None else env
    token = env.get("CHATWOOT_API_TOKEN", "").strip()
    if not token:
        raise SourceAuthFailed("chatwoot: no credentials for authentication: set CHATWOOT_API_TOKEN (Profile "
                               "settings > Access Token of an administrator)")
    return {"api_access_token": token}


def account_url(url: str, env: dict[str, str]) -> str:
    """``https://HOST[/prefix]/api/v1/accounts/ID`` from the dashboard or API URL of an account, or
    from the installation's URL and ``CHATWOOT_ACCOUNT_ID``."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be the Chatwoot account's URL, such as https://app.chatwoot.com/app/accounts/3, "
                         f"not {url!r}")
    m = re.match(r"^(https?://[^/?#]+(?:/[^?#]*?)?)/(?:app|api/v1)/accounts/(\d+)(?:[/?#].*)?$", url)
    if m:
        return f"{m[1]}/api/v1/accounts/{m[2]}"
    account = env.get("CHATWOOT_ACCOUNT_ID", "").strip()
    if account.isdigit():
        return f"{url.rstrip('/')}/api/v1/accounts/{account}"
    raise UsageError("chatwoot: which account? Give its URL (https://app.chatwoot.com/app/accounts/3, as in the "
                     "browser) or set CHATWOOT_ACCOUNT_ID")


def sync(store: Store, url: str, *, since: dt.datetime | None = None, full: bool = False,
         env: dict[str, str] | None = None, progress: Progress | None = None,
         transport: httpx.BaseTransport | None = None, **client_options: Any) -> SyncResult:
    """Sync one Chatwoot account into ``store``."""
    env = dict(os.environ) if env is None else env
    base = account_url(url, env)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    headers = credentials(env)
    client = Client(base, headers, source=NAME, transport=transport, **client_options)
    cursors = {} if full else load_cursors(store, NAME, base)
    start = max(int((since or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).timestamp()), 0)
    result = SyncResult(NAME, base, incremental=bool(cursors))
    with recorded(client, result, started):
        _Sync(store, client, result, cursors, start, started, progress).run()
    return result


class _Sync:
    def __init__(self, store: Store, client: Client, result: SyncResult, cursors: dict[str, str], start: int,
                 started: dt.datetime, progress: Progress | None) -> None:
        self.store, self.client, self.result, self.cursors = store, client, result, cursors
        self.start, self.started, self.progress = start, started, progress
        self.inboxes: dict[str, str] = {}

    def run(self) -> None:
        body = self.client.get("inboxes")
        self.inboxes = {str(i["id"]): i.get("name") or str(i["id"]) for i in body.get("payload") or []}
        total = self._conversations()
        if total is not None:
            self._deleted(total)
        self._csat()

    def _tick(self, stream: str) -> None:
        if self.progress:
            self.progress(stream, self.result.pages)

    def _list(self, page: int) -> dict[str, Any]:
        params = {"status": "all", "assignee_type": "all", "sort_by": "last_activity_at_desc", "page": page}
        return self.client.get("conversations", params).get("data") or {}

    # -- conversations, newest activity first ----------------------------------------------------
    def _conversations(self) -> int | None:
        """Read what changed since the cursor; returns the account's conversation count."""
        state = json.loads(self.cursors.get(STREAM) or "{}")
        since = int(state.get("since", self.start))
        high, low = state.get("high"), state.get("low")  # an interrupted run did (low, high]
        newest, total, page = int(high or since), None, 1
        while True:
            data = self._list(page)
            if total is None:
                total = (data.get("meta") or {}).get("all_count")
            items = data.get("payload") or []
            todo, oldest, done = [], None, not items
            for c in items:
                at = int(c.get("last_activity_at") or c.get("timestamp") or 0)
                if at < since:
                    done = True
                    break
                newest, oldest = max(newest, at), at
                if high is not None and low is not None and low < at <= high:
                    continue  # written by the run that stopped
                todo.append(c)
            if oldest is not None:
                tables, history = self._map(todo)
                cursor = json.dumps({"since": since, "high": newest, "low": oldest})
                write_page(self.store, self.result, STREAM, tables, cursor=cursor, started=self.started,
                           also=_replace_history(history))
                self._tick(STREAM)
            if done:
                break
            page += 1
        write_page(self.store, self.result, STREAM, {}, cursor=json.dumps({"since": newest}), started=self.started)
        return int(total) if total is not None else None

    def _messages(self, cid: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            got = self.client.get(f"conversations/{cid}/messages", {"after": after}).get("payload") or []
            out += got
            if len(got) < MESSAGES_PAGE:
                return out
            after = max(int(m["id"]) for m in got)

    def _map(self, conversations: list[dict[str, Any]]) -> tuple[dict[str, list[dict[str, Any]]],
                                                                  dict[str, list[dict[str, Any]]]]:
        tables: dict[str, list[dict[str, Any]]] = {"tickets": [], "messages": [], "status_changes": [],
                                                   "customers": []}
        history: dict[str, list[dict[str, Any]]] = {}
        for c in conversations:
            cid = str(c["id"])
            messages = sorted(self._messages(cid), key=lambda m: (int(m.get("created_at") or 0), int(m["id"])))
            ticket, rows, changes = conversation_rows(c, messages, self.inboxes)
            tables["tickets"].append(ticket)
            tables["messages"] += rows
            tables["status_changes"] += changes
            history[cid] = changes
            contact = (c.get("meta") or {}).get("sender") or {}
            if contact.get("id") is not None:
                tables["customers"].append({"customer_id": str(contact["id"]),
                                            "acquired_at": utc(contact.get("created_at")) or ticket["created_at"]})
        return tables, history

    # -- deletions ---------------------------------------------------------------------------------
    def _deleted(self, total: int) -> None:
        """Chatwoot deletes conversations without a trace in the list: when the store holds more of
        this account's conversations than the account has, list the ids and remove the missing."""
        stored = [r[0] for r in self.store.raw.execute(
            "SELECT ticket_id FROM tickets WHERE _import_id IN (SELECT import_id FROM _import_log "
            "WHERE source = ? AND file = ?)", [NAME, f"{self.result.url} {STREAM}"]).fetchall()]
        if len(stored) <= total:
            return
        seen: set[str] = set()
        page = 1
        while True:
            items = self._list(page).get("payload") or []
            if not items:
                break
            seen.update(str(c["id"]) for c in items)
            page += 1
        gone = sorted(set(stored) - seen)
        write_page(self.store, self.result, "deleted", {}, cursor=None, started=self.started, remove=gone)

    # -- CSAT --------------------------------------------------------------------------------------
    def _csat(self) -> None:
        stored = self.cursors.get("csat")
        since = int(stored) if stored else self.start
        until = int(dt.datetime.now(dt.UTC).timestamp()) + 86400
        newest, page = since, 1
        while True:
            items = self.client.get("csat_survey_responses", {"since": since, "until": until, "page": page})
            rows = []
            for r in items.get("items") or []:
                at = r.get("created_at")
                if isinstance(at, int | float):
                    newest = max(newest, int(at))
                rows.append(csat_row(r))
            last = not rows
            write_page(self.store, self.result, "csat", {"survey_responses": rows},
                       cursor=str(newest) if last else stored, started=self.started)
            self._tick("csat")
            if last:
                return
            page += 1


# -- the mapping ---------------------------------------------------------------------------------
def _sender_type(m: dict[str, Any]) -> str | None:
    sender = m.get("sender") or {}
    kind = sender.get("type") or m.get("sender_type") or ""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower() or None  # AgentBot -> agent_bot


def author_type(m: dict[str, Any]) -> str:
    """incoming -> customer; outgoing by a user -> agent, by a bot -> bot, by nobody -> system;
    templates (greetings, the CSAT question) -> bot."""
    kind = m.get("message_type")
    sender = _sender_type(m)
    if kind == INCOMING:
        return "customer"
    if kind == TEMPLATE or sender in BOTS:
        return "bot"
    if sender == "user":
        return "agent"
    return "system"


def conversation_rows(c: dict[str, Any], messages: list[dict[str, Any]],
                      inboxes: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """A conversation and its messages (oldest first) -> a ticket, messages and status changes."""
    cid = str(c["id"])
    meta = c.get("meta") or {}
    kind = str(meta.get("channel") or "")
    channel = CHANNEL.get(kind, kind.removeprefix("Channel::").lower() or None)
    created = utc(c.get("created_at"))
    labels = sorted(c.get("labels") or [])
    said = [m for m in messages if m.get("message_type") != ACTIVITY_TYPE]
    first = said[0] if said else None
    rows = [{
        "message_id": str(m["id"]), "ticket_id": cid, "created_at": utc(m.get("created_at")),
        "author_type": author_type(m), "author_id": _id((m.get("sender") or {}).get("id", m.get("sender_id"))),
        "public": not m.get("private", False), "channel": channel,
    } for m in said]
    ticket = {
        "ticket_id": cid, "created_at": created, "channel": channel, "category": labels[0] if labels else None,
        "priority": PRIORITY.get(c.get("priority") or ""), "status": STATUS.get(c.get("status") or ""),
        "customer_id": _id((meta.get("sender") or {}).get("id")), "agent_id": _id((meta.get("assignee") or {}).get("id")),
        "team": (meta.get("team") or {}).get("name"), "brand": inboxes.get(str(c.get("inbox_id"))),
        "created_by": None if first is None else {"customer": "customer", "agent": "agent"}.get(author_type(first),
                                                                                               "system"),
    }
    return ticket, rows, status_history(c, messages)


def status_history(c: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Status changes from the activity messages; the first status is ``open`` (``new`` for a
    conversation still pending with the bot); when the activities do not end at the current
    status (another language, an API change), the current one from ``last_activity_at``."""
    cid = str(c["id"])
    said = []
    for m in messages:
        if m.get("message_type") == ACTIVITY_TYPE:
            to = next((s for rx, s in ACTIVITY if rx.search(m.get("content") or "")), None)
            if to:
                said.append((utc(m.get("created_at")), to))
    current = STATUS.get(c.get("status") or "")
    first = "new" if not said and current == "new" else "open"
    steps = [(utc(c.get("created_at")), first), *said]
    if current and steps[-1][1] != current:
        steps.append((utc(c.get("last_activity_at") or c.get("timestamp")), current))
    out, before = [], None
    for at, to in steps:
        if to != before and at is not None:
            out.append({"ticket_id": cid, "changed_at": at, "to_status": to, "from_status": before})
            before = to
    return out


def csat_row(r: dict[str, Any]) -> dict[str, Any]:
    """A CSAT response (rating 1-5) -> a ``survey_responses`` row."""
    return {
        "response_id": f"chatwoot-{r['id']}", "survey": "csat", "responded_at": utc(r.get("created_at")),
        "score": float(r["rating"]) if r.get("rating") is not None else None, "scale_min": 1.0, "scale_max": 5.0,
        "question": "CSAT rating (1-5)", "comment": r.get("feedback_message") or None,
        "customer_id": _id((r.get("contact") or {}).get("id")), "ticket_id": _id(r.get("conversation_id")),
        "agent_id": _id((r.get("assigned_agent") or {}).get("id")),
    }


def _replace_history(history: dict[str, list[dict[str, Any]]]) -> Any:
    """In the page's transaction: each written conversation's status history becomes exactly
    what was read now (status changes have no id to upsert by; a history read again replaces
    the old one)."""
    ids = list(history)
    rows = [r for changes in history.values() for r in changes]

    def replace(con: Any) -> None:
        if not ids:
            return
        if not rows:  # nothing read for these (their rows were quarantined): nothing kept either
            con.execute("DELETE FROM status_changes WHERE ticket_id IN (SELECT unnest(?))", [ids])
            return
        con.execute(
            "DELETE FROM status_changes s WHERE ticket_id IN (SELECT unnest(?)) AND NOT EXISTS ("
            "SELECT 1 FROM (SELECT unnest(?) AS t, unnest(?) AS a, unnest(?) AS s_to, unnest(?) AS s_from) n "
            "WHERE n.t = s.ticket_id AND n.a = s.changed_at AND n.s_to = s.to_status "
            "AND n.s_from IS NOT DISTINCT FROM s.from_status)",
            [ids, [r["ticket_id"] for r in rows], [r["changed_at"] for r in rows], [r["to_status"] for r in rows],
             [r["from_status"] for r in rows]])

    return replace


def _id(value: Any) -> str | None:
    return None if value is None else str(value)
