"""POST /api/v1/imports/{table}: summaries, safety (names, sizes, tables), one writer with many readers."""

from __future__ import annotations

import io
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.api_support import bearer, client, copy_store, make_token

VOLUME = "/api/v1/metrics?metric=ticket_volume&grain=total"


def tickets_csv(prefix: str, n: int, bad: int = 0) -> bytes:
    lines = ["ticket_id,created_at,channel,category"]
    lines += [f"{prefix}{i},2026-10-{1 + i % 28:02d} 10:00,email,billing" for i in range(n)]
    lines += [f"{prefix}BAD{i},not a date,email,billing" for i in range(bad)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def template(api_demo: Path) -> Path:
    """The shared small demo (conftest.api_demo): copy it before writing."""
    return api_demo


@pytest.fixture
def api(template: Path, tmp_path: Path):
    with client(copy_store(template, tmp_path / "store"), max_upload_bytes=64 * 1024) as c:
        c.headers.update(bearer(make_token(c, "editor")))
        yield c


def post(c, content: bytes, name: str = "tickets.csv", table: str = "tickets", **params: str):
    return c.post(f"/api/v1/imports/{table}", params=params,
                  files={"file": (name, io.BytesIO(content), "application/octet-stream")})


def volume(c) -> int:
    return int(c.get(VOLUME).json()["metrics"][0]["value"])


def count(c, table: str = "tickets") -> int:
    return c.get("/api/v1/health").json()["tables"][table]


def test_upload_answers_the_import_summary(api) -> None:
    before = volume(api)
    r = post(api, tickets_csv("UP", 5, bad=2), name="october export.csv")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert (doc["table"], doc["file"], doc["status"]) == ("tickets", "october export.csv", "partial")
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (7, 5, 2)
    assert doc["problems"] and doc["problems"][0]["column"] == "created_at"
    assert volume(api) == before + 5  # the cached answer was for the old data stamp
    health = api.get("/api/v1/health").json()
    assert health["facts_current"] is True  # facts refreshed after the commit
    log = api.get("/api/v1/imports?limit=1").json()["imports"][0]
    assert (log["file"], log["inserted"], log["import_id"]) == ("october export.csv", 5, doc["import_id"])
    again = post(api, tickets_csv("UP", 5), name="october export.csv").json()
    assert (again["inserted"], again["unchanged"]) == (0, 5)  # idempotent


def test_upload_with_options_and_mapping(api) -> None:
    body = b"id;opened;via\nMAP1;05/10/2026 10:00;chat\n"
    mapping = b'delimiter = ";"\ndate_order = "dmy"\n[columns]\nticket_id = "id"\ncreated_at = "opened"\nchannel = "via"\n'
    r = api.post("/api/v1/imports/tickets", params={"tz": "Europe/Rome"},
                 files={"file": ("x.csv", io.BytesIO(body), "text/csv"),
                        "mapping": ("m.toml", io.BytesIO(mapping), "application/toml")})
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["tz"]) == (1, "Europe/Rome")
    t = api.get("/api/v1/tickets/MAP1").json()["ticket"]
    assert t["created_at"] == "2026-10-05T08:00:00+00:00" and t["channel"] == "chat"


@pytest.mark.parametrize(("params", "files", "status", "text"), [
    ({"tz": "Mars/Olympus"}, None, 400, "time zone"),
    ({"encoding": "klingon"}, None, 400, "encoding"),
    ({"format": "exe"}, None, 422, ""),
    ({}, {"mapping": ("m.toml", b"not = [toml", "text/plain")}, 400, "TOML"),
    ({}, {"mapping": ("m.toml", b"colour = 'red'", "text/plain")}, 400, "unknown key"),
])
def test_bad_options_change_nothing(api, params: dict, files: dict | None, status: int, text: str) -> None:
    before = count(api)
    all_files = {"file": ("t.csv", io.BytesIO(tickets_csv("OPT", 2)), "text/csv"), **(files or {})}
    r = api.post("/api/v1/imports/tickets", params=params, files=all_files)
    assert r.status_code == status, r.text
    if text:
        assert text in r.json()["detail"]
    assert count(api) == before


def test_refused_file_changes_nothing_and_leaks_no_paths(api) -> None:
    before = count(api)
    r = post(api, b"PAR1 this is not parquet", name="broken.parquet")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "broken.parquet" in detail and tempfile.gettempdir() not in detail and "cxm-upload" not in detail
    assert count(api) == before
    r = post(api, b"ticket_id,created_at\n", name="empty.csv", table="tickets")
    assert r.status_code in (200, 422) and count(api) == before


@pytest.mark.parametrize("name", ["nightly.csv", "nightly.jsonl"])
def test_missing_required_column_names_the_upload(api, name: str) -> None:
    before = count(api)
    body = b"ticket_id,channel\nA,email\n" if name.endswith(".csv") else b'{"ticket_id": "A", "channel": "email"}\n'
    r = post(api, body, name=name)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith(f"{name}: required column 'created_at' of tickets missing; the file has: "
                             "ticket_id, channel; rename it in the file, or map it"), detail
    assert "cxm-upload" not in detail and tempfile.gettempdir() not in detail
    assert count(api) == before


@pytest.mark.parametrize(("name", "content", "params"), [
    ("book.xlsx", b"this is not a zip", {}),
    ("book.xlsx", b"PK\x03\x04 truncated zip", {}),
    ("t.csv", b"ticket_id,created_at\n1,2026-10-01\n", {"format": "xlsx"}),
])
def test_broken_spreadsheet_is_refused_not_a_500(api, name: str, content: bytes, params: dict) -> None:
    before = count(api)
    api_no_raise = api.__class__(api.app, raise_server_exceptions=False, headers=dict(api.headers))
    r = api_no_raise.post("/api/v1/imports/tickets", params=params,
                          files={"file": (name, io.BytesIO(content), "application/octet-stream")})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert name in detail and "cxm-upload" not in detail and tempfile.gettempdir() not in detail
    assert count(api) == before


@pytest.mark.parametrize("name", ["../../../../evil.csv", "..\\..\\evil.csv", "/etc/evil.csv",
                                  "C:\\Windows\\evil.csv", "evil.csv\x00.txt"])
def test_uploaded_names_are_never_paths(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    before = set(Path(tempfile.gettempdir()).glob("cxm-upload-*"))
    r = post(api, tickets_csv("TRAV", 1), name=name)
    assert r.status_code == 200, r.text
    shown = r.json()["file"]
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and "evil" in shown
    assert not list(tmp_path.rglob("evil*")) and not Path("/etc/evil.csv").exists()
    assert set(Path(tempfile.gettempdir()).glob("cxm-upload-*")) == before  # the private copy is gone


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/imports/..%2F..%2Ftickets", 404), ("/api/v1/imports/_tokens", 404),
    ("/api/v1/imports/_import_log", 404), ("/api/v1/imports/tickets%00", 404),
    ("/api/v1/imports/../tickets", 404), ("/api/v1/imports/TICKETS", 404),
])
def test_table_names_are_whitelisted(api, url: str, status: int) -> None:
    before = count(api)
    r = api.post(url, files={"file": ("t.csv", io.BytesIO(tickets_csv("TBL", 1)), "text/csv")})
    assert r.status_code == status
    assert count(api) == before


def test_upload_size_limit(api) -> None:
    before = count(api)
    big = tickets_csv("BIG", 3000)  # ~130 KB > the 64 KB limit of this app
    r = post(api, big)
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    huge = b"x" * (1024 * 1024 + 128 * 1024)  # over limit + envelope: refused by Content-Length
    r = post(api, huge)
    assert r.status_code == 413
    assert count(api) == before


def test_streamed_body_over_the_limit_is_cut_off(api) -> None:
    boundary = "cxmtestboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()

    def chunks():
        yield head
        for _ in range(40):  # 40 x 64 KB, no Content-Length: counted as it arrives
            yield b"y" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    r = api.post("/api/v1/imports/tickets", content=chunks(),
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413


def test_readers_keep_answering_while_an_import_runs(api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import is held inside its transaction; metrics requests from other threads still answer,
    from their snapshot (the old data), and see the new data once it commits."""
    from cxmetrics.ingest import write

    before = volume(api)
    inside, release = threading.Event(), threading.Event()
    real = write._insert_changed

    def held(con, part, import_id):
        real(con, part, import_id)
        inside.set()
        assert release.wait(60)

    monkeypatch.setattr(write, "_insert_changed", held)
    with ThreadPoolExecutor(6) as pool:
        job = pool.submit(post, api, tickets_csv("CONC", 50))
        assert inside.wait(60), "the import never reached its transaction"
        t0 = time.monotonic()
        urls = [VOLUME, "/api/v1/metrics?metric=first_response_time&grain=month",
                "/api/v1/rows?metric=ticket_volume&grain=total&page_size=1", "/api/v1/health"] * 3
        answers = list(pool.map(api.get, urls))
        elapsed = time.monotonic() - t0
        assert not job.done()  # all those answers came while the import held the writer
        assert all(a.status_code == 200 for a in answers)
        assert int(answers[0].json()["metrics"][0]["value"]) == before  # a snapshot: nothing uncommitted
        release.set()
        assert job.result(60).status_code == 200
    assert elapsed < 60
    assert volume(api) == before + 50


def test_concurrent_uploads_all_land(api) -> None:
    before_tickets = count(api)
    before_log = len(api.get("/api/v1/imports?limit=10000").json()["imports"])
    files = [(f"batch{i}.csv", tickets_csv(f"B{i}-", 40 + i)) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda f: post(api, f[1], name=f[0]), files))
    assert [r.status_code for r in results] == [200] * 4
    assert sorted(r.json()["inserted"] for r in results) == [40, 41, 42, 43]
    assert count(api) == before_tickets + 40 + 41 + 42 + 43
    log = api.get("/api/v1/imports?limit=10000").json()["imports"]
    assert len(log) == before_log + 4 and {x["file"] for x in log[:4]} == {f[0] for f in files}
    assert len({r.json()["import_id"] for r in results}) == 4


def test_readers_see_the_previous_version_until_the_import_is_published(api, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import is published with its ticket facts, as one new version of the store file:
    while the facts are derived, reads answer from the previous version, whole (its rows and
    its facts agree), and right after, from the new one."""
    from cxmetrics.store import Store

    before, rows_before = volume(api), count(api)
    waiting, release = threading.Event(), threading.Event()
    real = Store.refresh_facts

    def held(self, stamp=None):
        waiting.set()
        assert release.wait(60)
        return real(self, stamp)

    monkeypatch.setattr(Store, "refresh_facts", held)
    with ThreadPoolExecutor(2) as pool:
        job = pool.submit(post, api, tickets_csv("WIN", 7))
        try:
            assert waiting.wait(60)
            assert api.get("/api/v1/health").json()["facts_current"] is True
            assert count(api) == rows_before  # the previous version: its rows...
            assert volume(api) == before  # ...and its facts
        finally:
            release.set()
        assert job.result(60).status_code == 200
    assert count(api) == rows_before + 7
    assert volume(api) == before + 7 and api.get("/api/v1/health").json()["facts_current"] is True


def test_a_failed_facts_rebuild_does_not_leave_stale_answers(api, monkeypatch: pytest.MonkeyPatch) -> None:
    """If rebuilding the facts fails after an import committed, the previous facts must not
    keep answering (and be cached under the new data stamp) until the next import."""
    from cxmetrics.store import Store

    before = volume(api)
    real = Store.refresh_facts
    calls = []

    def broken(self, stamp=None):
        calls.append(stamp)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return real(self, stamp)

    monkeypatch.setattr(Store, "refresh_facts", broken)
    quiet = api.__class__(api.app, raise_server_exceptions=False, headers=dict(api.headers))
    quiet.post("/api/v1/imports/tickets", files={"file": ("t.csv", io.BytesIO(tickets_csv("FAIL", 5)), "text/csv")})
    assert calls and count(api) > 0
    assert volume(api) == before + 5
