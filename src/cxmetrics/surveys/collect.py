"""Survey collection: definitions, signed one-use links, one response per link.

A link is ``BASE/s/TOKEN``; the token is ``INVITATION.EXPIRES.SIGNATURE``, the signature
an HMAC-SHA256 over the rest with the store's survey secret (:func:`secret_for`: the
``$CXM_SURVEY_SECRET`` variable, else a key file created beside the store file with mode
0600, never a table of the store). Changing one character of a token makes it a
:class:`~cxmetrics.errors.BadLink`; past its expiry it is a :class:`~cxmetrics.errors.LinkExpired`.

Each invitation is a row of ``survey_invitations`` (so response rates count it) plus a
row of the meta table ``_survey_links`` (its language, expiry, response id and state).
The first answer through a link creates the response ``response_id``; every later change
through the same link (a different score, a comment) upserts that same row; once the
customer sends the follow-up form the link is closed. Writes go through
:meth:`cxmetrics.store.Store.record`, an import like any other.

Anonymous surveys store no customer or ticket id, neither in ``survey_invitations`` nor
in the response: the link row keeps only a keyed hash of the customer (for throttling),
and the response id is random, not the invitation id.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import BadLink, LinkExpired, NotFound, Throttled, UsageError
from cxmetrics.settings import DEFAULT_SCALES, Survey

if TYPE_CHECKING:
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

SECRET_ENV = "CXM_SURVEY_SECRET"
KEY_SUFFIX = ".survey-key"
#: Surveys that work without any configuration (``cx`` needs no entry either).
READY_MADE = ("nps", "csat", "ces")
MAX_COMMENT = 4000
LINKS_DDL = """CREATE TABLE IF NOT EXISTS _survey_links (
    invitation_id VARCHAR PRIMARY KEY, survey VARCHAR, lang VARCHAR, anonymous BOOLEAN, throttle_key VARCHAR,
    response_id VARCHAR, created_at TIMESTAMP, expires_at TIMESTAMP, answered_at TIMESTAMP,
    completed_at TIMESTAMP, reminded_at TIMESTAMP)"""
_DOMAIN = b"cxm-survey-link/v1|"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- definitions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Definition:
    """A survey as collected: its name, type, integer scale and settings."""

    name: str
    type: str
    low: int
    high: int
    settings: Survey

    @property
    def points(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    @property
    def reversed_labels(self) -> bool:
        """A CES survey declared ``effort_high``: its high end means much effort."""
        return self.settings.effort_high


def definition(config: Config, name: str) -> Definition:
    """The survey ``name``: declared under ``[surveys.NAME]``, else a ready-made one (nps, csat, ces, cx)."""
    s = config.surveys.get(name)
    if s is None:
        if name not in DEFAULT_SCALES:
            raise NotFound(f"unknown survey {name!r}; the ready-made ones are {', '.join(READY_MADE)} "
                           "(declare others under [surveys.NAME] in cxm.toml)")
        s = Survey(type=name)  # type: ignore[arg-type]
    stype = s.type or name
    lo, hi = s.scale if s.scale else DEFAULT_SCALES[stype]
    if lo != int(lo) or hi != int(hi) or hi - lo > 10:
        raise UsageError(f"survey {name!r}: a collected survey needs a whole-number scale of at most 11 points")
    return Definition(name, stype, int(lo), int(hi), s)


# -- the secret and the tokens --------------------------------------------------------------------
def secret_for(db_path: Path) -> bytes:
    """The key that signs survey links: ``$CXM_SURVEY_SECRET``, else ``<store>.survey-key`` (made once,
    readable by its owner only). Kept outside the store, so a copy of the data signs nothing."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    key = db_path.with_name(db_path.name + KEY_SUFFIX)
    try:
        return bytes.fromhex(key.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    data = secrets.token_bytes(32)
    try:
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return bytes.fromhex(key.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(data.hex())
    return data


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, _DOMAIN + payload.encode("ascii"), hashlib.sha256).digest())


def sign(secret: bytes, invitation_id: str, expires_at: dt.datetime) -> str:
    """The token of a link: the invitation, its expiry (Unix seconds, base 36) and their signature."""
    payload = f"{invitation_id}.{_base36(int(expires_at.replace(tzinfo=dt.UTC).timestamp()))}"
    return f"{payload}.{_signature(secret, payload)}"


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


TOKEN_RE = re.compile(r"^([A-Za-z0-9_-]{8,40})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$")


def unsign(secret: bytes, token: str, now: dt.datetime | None = None) -> str:
    """The invitation id of a genuine, unexpired token; :class:`BadLink` or :class:`LinkExpired` else."""
    m = TOKEN_RE.match(token)
    if m is None or not hmac.compare_digest(_signature(secret, f"{m.group(1)}.{m.group(2)}"), m.group(3)):
        raise BadLink("this survey link is not valid: it was changed or cut short; open the link from your "
                      "invitation exactly as it was sent")
    expires = dt.datetime.fromtimestamp(int(m.group(2), 36), dt.UTC).replace(tzinfo=None)
    if (now or _now()) >= expires:
        raise LinkExpired(f"this survey link expired on {expires:%Y-%m-%d}")
    return m.group(1)


def throttle_key(secret: bytes, customer_id: str) -> str:
    """A keyed hash of a customer id: equal for the same customer, meaningless without the secret."""
    return hmac.new(secret, b"customer|" + customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


def url_for(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


# -- invitations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Invitation:
    invitation_id: str
    survey: str
    lang: str
    token: str
    expires_at: dt.datetime
    customer_id: str | None
    ticket_id: str | None


def ensure_tables(store: Store) -> None:
    store.raw.execute(LINKS_DDL)


def _ticket_customer(store: Store, ticket_id: str) -> str | None:
    row = store.raw.execute("SELECT customer_id FROM tickets WHERE ticket_id = ?", [ticket_id]).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def invite(store: Store, survey: str, *, secret: bytes, ticket_id: str | None = None,
           customer_id: str | None = None, lang: str = "en", now: dt.datetime | None = None) -> Invitation:
    """Create an invitation and its signed link for a ticket or a customer (the ticket's customer
    is looked up when only the ticket is given). :class:`Throttled` when that customer was invited
    less than ``throttle_days`` ago."""
    import pandas as pd

    if not ticket_id and not customer_id:
        raise UsageError("an invitation needs a ticket or a customer (--ticket ID or --customer ID)")
    d = definition(store.config, survey)
    now = now or _now()
    ensure_tables(store)
    if customer_id is None and ticket_id:
        customer_id = _ticket_customer(store, ticket_id)
    key = throttle_key(secret, customer_id) if customer_id else None
    days = float(d.settings.throttle_days)
    if key is not None and days > 0:
        row = store.raw.execute("SELECT max(created_at) FROM _survey_links WHERE throttle_key = ?", [key]).fetchone()
        last = row[0] if row else None
        if last is not None and last > now - dt.timedelta(days=days):
            again = last + dt.timedelta(days=days)
            raise Throttled(f"this customer was invited on {last:%Y-%m-%d}; no new invitation before "
                            f"{again:%Y-%m-%d} (throttle_days = {days:g} for survey {survey!r})")
    invitation_id = "i" + secrets.token_urlsafe(12)
    anonymous = bool(d.settings.anonymous)
    response_id = ("r" + secrets.token_urlsafe(12)) if anonymous else invitation_id
    expires = (now + dt.timedelta(days=float(d.settings.link_days))).replace(microsecond=0)
    kept_customer = None if anonymous else customer_id
    kept_ticket = None if anonymous else ticket_id
    store.record("survey_invitations", pd.DataFrame([{
        "invitation_id": invitation_id, "survey": survey, "sent_at": now,
        "customer_id": kept_customer, "ticket_id": kept_ticket}]), source="survey link")
    store.raw.execute("INSERT INTO _survey_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                      [invitation_id, survey, lang, anonymous, key, response_id, now, expires])
    return Invitation(invitation_id, survey, lang, sign(secret, invitation_id, expires), expires,
                      kept_customer, kept_ticket)


# -- answering -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkState:
    """What a link's page shows: the survey, its language and the answer so far."""

    invitation_id: str
    definition: Definition
    lang: str
    response_id: str
    score: int | None
    comment: str | None
    answered: bool
    completed: bool
    customer_id: str | None
    ticket_id: str | None


def open_link(store: Store, token: str, *, secret: bytes, now: dt.datetime | None = None) -> LinkState:
    """The state behind a token (read only)."""
    import duckdb

    invitation_id = unsign(secret, token, now)
    try:
        row = store.raw.execute(
            "SELECT l.survey, l.lang, l.response_id, l.answered_at, l.completed_at, i.customer_id, i.ticket_id "
            "FROM _survey_links l LEFT JOIN survey_invitations i USING (invitation_id) "
            "WHERE l.invitation_id = ?", [invitation_id]).fetchone()
    except duckdb.CatalogException:  # no link was ever made in this store
        row = None
    if row is None:
        raise BadLink("this survey link is not known here: it may belong to another installation")
    survey, lang, response_id, answered_at, completed_at, customer_id, ticket_id = row
    found = store.raw.execute("SELECT score, comment FROM survey_responses WHERE response_id = ?",
                              [response_id]).fetchone()
    score = None if found is None or found[0] is None else int(found[0])
    return LinkState(invitation_id, definition(store.config, survey), lang, response_id, score,
                     None if found is None else found[1], answered_at is not None, completed_at is not None,
                     customer_id, ticket_id)


def clean_comment(text: str | None) -> str | None:
    """A comment as stored: control characters removed (newlines kept), trimmed, at most 4000 characters."""
    if text is None:
        return None
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text).replace("\r\n", "\n").strip()
    return text[:MAX_COMMENT] or None


def parse_score(d: Definition, value: Any) -> int:
    try:
        score = int(str(value).strip())
    except ValueError:
        raise UsageError(f"score must be a whole number from {d.low} to {d.high}") from None
    if not d.low <= score <= d.high:
        raise UsageError(f"score must be a whole number from {d.low} to {d.high}")
    return score


def answer(store: Store, token: str, *, secret: bytes, score: Any = None, comment: str | None = None,
           complete: bool = False, now: dt.datetime | None = None) -> LinkState:
    """Record ``score`` (and ``comment``) for the link's one response, creating or updating it;
    ``complete`` closes the link. A closed link raises :class:`LinkExpired`."""
    import pandas as pd

    state = open_link(store, token, secret=secret, now=now)
    if state.completed:
        raise LinkExpired("this survey was already answered through this link; thank you")
    d = state.definition
    new_score = parse_score(d, score) if score not in (None, "") else state.score
    new_comment = clean_comment(comment) if comment is not None else state.comment
    if new_score is None:
        raise UsageError("choose a score first")
    now = now or _now()
    anonymous = bool(d.settings.anonymous)
    store.record("survey_responses", pd.DataFrame([{
        "response_id": state.response_id, "survey": d.name, "responded_at": now.replace(microsecond=0),
        "score": None if new_score is None else float(new_score), "scale_min": float(d.low),
        "scale_max": float(d.high), "question": d.type, "comment": new_comment,
        "customer_id": None if anonymous else state.customer_id,
        "ticket_id": None if anonymous else state.ticket_id,
        "agent_id": None, "channel": None, "language": state.lang}]), source="survey link")
    store.raw.execute("UPDATE _survey_links SET answered_at = coalesce(answered_at, ?), "
                      "completed_at = CASE WHEN ? THEN ? ELSE completed_at END WHERE invitation_id = ?",
                      [now, complete, now, state.invitation_id])
    return LinkState(state.invitation_id, d, state.lang, state.response_id, new_score, new_comment, True,
                     complete, state.customer_id, state.ticket_id)


# -- reminders -----------------------------------------------------------------------------------
def due_reminders(store: Store, *, secret: bytes, now: dt.datetime | None = None,
                  mark: bool = True) -> list[Invitation]:
    """Links of surveys with ``reminder_days`` still unanswered that long after the invitation,
    not expired and not reminded yet; ``mark`` records that they were reminded (once each)."""
    now = now or _now()
    ensure_tables(store)
    rows = store.raw.execute(
        "SELECT l.invitation_id, l.survey, l.lang, l.created_at, l.expires_at, i.customer_id, i.ticket_id "
        "FROM _survey_links l LEFT JOIN survey_invitations i USING (invitation_id) "
        "WHERE l.answered_at IS NULL AND l.reminded_at IS NULL AND l.expires_at > ? ORDER BY l.created_at",
        [now]).fetchall()
    out = []
    for inv, survey, lang, created, expires, customer, ticket in rows:
        days = definition(store.config, survey).settings.reminder_days
        if days is None or created > now - dt.timedelta(days=float(days)):
            continue
        out.append(Invitation(inv, survey, lang, sign(secret, inv, expires), expires, customer, ticket))
    if mark and out:
        store.raw.executemany("UPDATE _survey_links SET reminded_at = ? WHERE invitation_id = ?",
                              [[now, i.invitation_id] for i in out])
    return out
