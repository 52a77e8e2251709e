"""Readers kept between requests (interfaces/web/context.py, ``KEPT_READERS``): the server keeps a few
idle readers (a cursor, a store and an engine with its fact expressions built) for the next
requests. Kept or fresh, the answers are the same; a new version of the store gets new readers; a
failed request's reader is not reused; a reader is replaced after ``KEPT_USES`` requests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cxmetrics.errors import QueryError
from tests.api_support import bearer, client, copy_store, make_token

#: distinct questions, several with comparisons (the engine keeps duration values and period
#: results while it answers one; what it keeps must not leak into the next)
QUESTIONS = [
    "metric=first_response_time&metric=resolution_time&grain=month&compare=previous&from=2026-09-01",
    "metric=ticket_volume&metric=csat&grain=week&from=2026-09-14&to=2026-10-18",
    "metric=first_response_time&grain=month&compare=previous&from=2026-10-01&to=2026-10-31",
    "metric=nps&metric=fcr_rate&grain=month&by=channel&compare=year",
    "metric=resolution_time&grain=total&stat=p90&from=2026-09-01&to=2026-10-31&compare=previous",
]


@pytest.fixture
def db(api_demo: Path, tmp_path: Path) -> Path:
    return copy_store(api_demo, tmp_path / "store")


def test_a_reader_is_kept_for_the_next_request_and_a_new_version_gets_a_new_one(db: Path) -> None:
    with client(db) as c:
        ctx = c.app.state.ctx
        with ctx.reader() as r:
            first, stamp = r.engine, r.stamp
        with ctx.reader() as r:
            assert r.engine is first  # kept: its facts and sources are built
        with ctx.reader() as a, ctx.reader() as b:  # two requests at once: two readers
            assert a.engine is not b.engine
        before = c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()["metrics"][0]["value"]
        c.headers.update(bearer(make_token(c, "editor")))
        csv = b"ticket_id,created_at,channel\nKEPT1,2026-10-02 10:00,email\nKEPT2,2026-10-03 10:00,chat\n"
        r = c.post("/api/v1/imports/tickets", files={"file": ("t.csv", io.BytesIO(csv), "text/csv")})
        assert r.status_code == 200, r.text
        with ctx.reader() as r:
            assert r.engine is not first and r.stamp != stamp
        after = c.get("/api/v1/metrics?metric=ticket_volume&grain=total").json()["metrics"][0]["value"]
        assert after == before + 2


def test_kept_readers_answer_as_fresh_ones(db: Path, tmp_path: Path) -> None:
    """The same questions in two orders on two servers (each reusing its readers) give the same bodies."""
    other = copy_store(db, tmp_path / "other")
    with client(db) as a, client(other) as b:
        ours = {q: a.get(f"/api/v1/metrics?{q}") for q in QUESTIONS}
        theirs = {q: b.get(f"/api/v1/metrics?{q}") for q in reversed(QUESTIONS)}
    for q in QUESTIONS:
        assert ours[q].status_code == theirs[q].status_code == 200, (q, ours[q].text)
        assert ours[q].content == theirs[q].content, q


def test_a_failed_request_does_not_give_its_reader_back(db: Path) -> None:
    with client(db) as c:
        ctx = c.app.state.ctx
        with pytest.raises(QueryError), ctx.reader() as r:
            failed = r.engine
            raise QueryError("a user error half-way through a request")
        with ctx.reader() as r:
            assert r.engine is not failed
            kept = r.engine
        with ctx.reader() as r:
            assert r.engine is kept


def test_a_reader_is_replaced_after_its_uses(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.interfaces.web import context

    monkeypatch.setattr(context, "KEPT_USES", 2)
    with client(db) as c:
        ctx = c.app.state.ctx
        engines = []
        for _ in range(3):
            with ctx.reader() as r:
                engines.append(r.engine)
        assert engines[0] is engines[1] and engines[2] is not engines[0]
