"""Survey collection (issue 16): signed one-use links, one response per link, throttling,
anonymous surveys, reminders, the link API and the help desk's webhook, in-process.

The flow a customer meets: an e-mail button opens ``LINK?score=N`` (the score is recorded
at once), the page offers the follow-up question, the form updates the same response,
then the link is closed. ``tests/test_browser_survey.py`` does the same in a real browser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.errors import BadLink, LinkExpired, NotFound, Throttled, UsageError
from cxmetrics.settings import Config
from cxmetrics.store import Store
from cxmetrics.surveys import collect
from tests.api_support import bearer, client, make_token

SECRET = b"k" * 32
NOW = dt.datetime(2026, 11, 2, 12, 0)


def _store(tmp_path: Path, toml: str = "") -> Store:
    from cxmetrics.settings import load_config

    cfg = tmp_path / "cxm.toml"
    cfg.write_text(toml, encoding="utf-8")
    return Store(tmp_path / "cx.duckdb", config=load_config(cfg))


def _responses(store: Store) -> list[tuple[Any, ...]]:
    return store.raw.execute("SELECT response_id, survey, score, comment, customer_id, ticket_id, language "
                             "FROM survey_responses ORDER BY response_id").fetchall()


# -- tokens ----------------------------------------------------------------------------------------
def test_a_token_round_trips_and_any_change_is_refused() -> None:
    token = collect.sign(SECRET, "iABCDEFGH12345678", NOW + dt.timedelta(days=1))
    assert collect.unsign(SECRET, token, NOW) == "iABCDEFGH12345678"
    for i in range(len(token)):  # every single-character change is caught
        c = token[i]
        bad = token[:i] + ("A" if c != "A" else "B") + token[i + 1:]
        with pytest.raises(BadLink):
            collect.unsign(SECRET, bad, NOW)
    with pytest.raises(BadLink):
        collect.unsign(b"another secret", token, NOW)
    with pytest.raises(LinkExpired):
        collect.unsign(SECRET, token, NOW + dt.timedelta(days=2))


def test_the_secret_lives_beside_the_store_not_in_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(collect.SECRET_ENV, raising=False)
    db = tmp_path / "cx.duckdb"
    first = collect.secret_for(db)
    key = tmp_path / "cx.duckdb.survey-key"
    assert key.exists() and (key.stat().st_mode & 0o077) == 0  # owner only
    assert collect.secret_for(db) == first
    monkeypatch.setenv(collect.SECRET_ENV, "from the environment")
    assert collect.secret_for(db) == b"from the environment"


def test_ready_made_surveys_need_no_configuration() -> None:
    d = {n: collect.definition(Config(), n) for n in collect.READY_MADE}
    assert [(x.low, x.high) for x in d.values()] == [(0, 10), (1, 5), (1, 7)]
    with pytest.raises(NotFound):
        collect.definition(Config(), "unknown")


# -- invitations and answers -----------------------------------------------------------------------
def test_one_link_one_response_updated_in_place(tmp_path: Path) -> None:
    with _store(tmp_path) as s:
        inv = collect.invite(s, "nps", secret=SECRET, customer_id="C1", ticket_id="T1", lang="fi", now=NOW)
        assert s.raw.execute("SELECT invitation_id, survey, customer_id, ticket_id FROM survey_invitations").fetchall() \
            == [(inv.invitation_id, "nps", "C1", "T1")]
        collect.answer(s, inv.token, secret=SECRET, score="3", now=NOW)
        collect.answer(s, inv.token, secret=SECRET, score="9", now=NOW)  # the customer changes their mind
        state = collect.answer(s, inv.token, secret=SECRET, score="10", comment=" Nopea toimitus\x00 ",
                               complete=True, now=NOW)
        assert state.completed
        assert _responses(s) == [(inv.invitation_id, "nps", 10.0, "Nopea toimitus", "C1", "T1", "fi")]
        with pytest.raises(LinkExpired):  # closed once sent
            collect.answer(s, inv.token, secret=SECRET, score="1", now=NOW)
        with pytest.raises(UsageError):
            collect.parse_score(state.definition, "11")
        # the NPS counts it once: one promoter
        rec = s.metrics("nps").iloc[0]
        assert rec["value"] == 100 and rec["n"] == 1


def test_throttling_per_customer(tmp_path: Path) -> None:
    with _store(tmp_path, "[surveys.quick]\ntype = 'csat'\nthrottle_days = 0\n") as s:
        collect.invite(s, "nps", secret=SECRET, customer_id="C1", now=NOW)
        with pytest.raises(Throttled, match="no new invitation before 2026-12-02"):
            collect.invite(s, "csat", secret=SECRET, customer_id="C1", now=NOW + dt.timedelta(days=29))
        collect.invite(s, "csat", secret=SECRET, customer_id="C1", now=NOW + dt.timedelta(days=31))
        collect.invite(s, "nps", secret=SECRET, customer_id="C2", now=NOW)  # someone else
        collect.invite(s, "quick", secret=SECRET, customer_id="C2", now=NOW)  # throttling off for this one


def test_the_ticket_names_its_customer_for_throttling(tmp_path: Path) -> None:
    with _store(tmp_path) as s:
        s.raw.execute("INSERT INTO tickets (ticket_id, created_at, customer_id) VALUES ('T7', ?, 'C7')", [NOW])
        collect.invite(s, "csat", secret=SECRET, ticket_id="T7", now=NOW)
        with pytest.raises(Throttled):
            collect.invite(s, "csat", secret=SECRET, customer_id="C7", now=NOW)


def test_anonymous_surveys_store_no_customer(tmp_path: Path) -> None:
    with _store(tmp_path, "[surveys.pulse]\ntype = 'nps'\nanonymous = true\n") as s:
        # ids with "@", which no random id, hash or timestamp in the table can contain ("C9" once
        # turned up inside a random invitation id)
        inv = collect.invite(s, "pulse", secret=SECRET, customer_id="cust@C9", ticket_id="tick@T9", now=NOW)
        collect.answer(s, inv.token, secret=SECRET, score=8, comment="ok", complete=True, now=NOW)
        (row,) = _responses(s)
        assert row[0] != inv.invitation_id and row[4] is None and row[5] is None
        assert s.raw.execute("SELECT customer_id, ticket_id FROM survey_invitations").fetchall() == [(None, None)]
        dump = json.dumps(s.raw.execute("SELECT * FROM _survey_links").fetchall(), default=str)
        assert "@" not in dump
        with pytest.raises(Throttled):  # still throttled, through the keyed hash
            collect.invite(s, "pulse", secret=SECRET, customer_id="cust@C9", now=NOW)


def test_reminders_once_for_unanswered_links(tmp_path: Path) -> None:
    with _store(tmp_path, "[surveys.nps]\nreminder_days = 3\n") as s:
        quiet = collect.invite(s, "nps", secret=SECRET, customer_id="C1", now=NOW)
        answered = collect.invite(s, "nps", secret=SECRET, customer_id="C2", now=NOW)
        collect.answer(s, answered.token, secret=SECRET, score=9, now=NOW)
        assert collect.due_reminders(s, secret=SECRET, now=NOW + dt.timedelta(days=1)) == []
        due = collect.due_reminders(s, secret=SECRET, now=NOW + dt.timedelta(days=4))
        assert [d.invitation_id for d in due] == [quiet.invitation_id] and due[0].token == quiet.token
        assert collect.due_reminders(s, secret=SECRET, now=NOW + dt.timedelta(days=5)) == []


# -- over HTTP -------------------------------------------------------------------------------------
def _link(c: Any, token: str, **body: Any) -> dict[str, Any]:
    r = c.post("/api/v1/surveys/nps/links", json={"base_url": "http://testserver", **body}, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def test_the_page_records_at_once_and_updates_the_same_response(tmp_path: Path) -> None:
    db = tmp_path / "cx.duckdb"
    with client(db) as c:
        editor = make_token(c, "editor")
        assert c.post("/api/v1/surveys/nps/links", json={"customer_id": "C1"}).status_code == 401
        link = _link(c, editor, customer_id="C1", lang="it")
        path = link["url"].removeprefix("http://testserver")
        assert f'{path}?score=10"' in link["email_html"].replace("&amp;", "&")
        r = c.get(path, params={"score": "4"})
        assert r.status_code == 200 and 'lang="it"' in r.text and "4" in r.text
        assert "script" not in r.text.lower() and "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
        assert re.search(r'value="4" required checked', r.text)
        hostile = '<script>alert(1)</script> consegna "lenta" & cara'
        r = c.post(path, data={"score": "6", "comment": hostile})
        assert r.status_code == 200 and "<script>alert" not in r.text
        assert c.get(path).status_code == 410 and c.get(path, params={"score": "9"}).status_code == 410
        assert c.post(path, data={"score": "9"}).status_code == 410
        bad = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
        r = c.get(bad, params={"score": "9"})
        assert r.status_code == 403 and bad.rsplit("/", 1)[1] not in r.text
        assert _link(c, editor, customer_id="C2")["customer_id"] == "C2"
        assert c.post("/api/v1/surveys/nps/links", json={"customer_id": "C1"},
                      headers=bearer(editor)).status_code == 409  # throttled
    with Store(db, read_only=True, config=Config()) as s:
        assert _responses(s) == [(link["invitation_id"], "nps", 6.0, hostile, "C1", None, "it")]
        rec = s.metrics("nps").iloc[0]
        assert rec["n"] == 1 and rec["value"] == -100


def test_a_score_outside_the_scale_is_refused_without_a_write(tmp_path: Path) -> None:
    db = tmp_path / "cx.duckdb"
    with client(db) as c:
        link = _link(c, make_token(c, "editor"), customer_id="C1")
        path = link["url"].removeprefix("http://testserver")
        assert c.get(path, params={"score": "11"}).status_code == 400
        assert c.post(path, data={"comment": "no score"}).status_code == 400
        with c.app.state.ctx.writer() as s:
            assert s.count("survey_responses") == 0


def test_webhook_by_signature_or_editor_token(tmp_path: Path) -> None:
    from cxmetrics.interfaces.web.survey import webhook_key

    db = tmp_path / "cx.duckdb"
    with client(db) as c:
        body = json.dumps({"ticket_id": "T5", "customer_id": "C5", "lang": "ja"}).encode()
        url = "/api/v1/surveys/webhooks/ticket-solved"
        assert c.post(url, content=body).status_code == 401
        assert c.post(url, content=body, headers={"X-Cxm-Signature": "sha256=00"}).status_code == 401
        key = webhook_key(collect.secret_for(db)).encode()
        sig = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        r = c.post(url, content=body, headers={"X-Cxm-Signature": sig})
        assert r.status_code == 201 and r.json()["survey"] == "csat" and r.json()["ticket_id"] == "T5"
        other = json.dumps({"ticket_id": "T6", "customer_id": "C6"}).encode()
        assert c.post(url, content=other, headers=bearer(make_token(c, "editor"))).status_code == 201
        with c.app.state.ctx.writer() as s:
            assert s.count("survey_invitations") == 2
