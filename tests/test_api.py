"""The read endpoints of /api/v1 on a small demo store, and `cxm serve` for real.

The metrics endpoint must answer exactly what `cxm metrics --format json` prints on
the same store (same records, same nulls).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api_support import END, MONTHS, client, copy_store, empty_config

QUERY = "metric=nps&metric=csat&metric=first_response_time&grain=month&from=2026-08-01&to=2026-10-31"


@pytest.fixture(scope="module")
def template(api_demo: Path) -> Path:
    """The shared small demo (conftest.api_demo): copy it before writing."""
    return api_demo


@pytest.fixture(scope="module")
def api(template: Path, tmp_path_factory: pytest.TempPathFactory):
    with client(copy_store(template, tmp_path_factory.mktemp("api"))) as c:
        yield c


def get(api, url: str, status: int = 200):
    r = api.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return r


def cli_json(db: Path, *args: str) -> dict:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "--config", str(empty_config(db.parent)), "metrics", *args,
                                   "--format", "json"])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


# -- metrics ------------------------------------------------------------------------------------
CLI_QUERIES = [
    (["nps", "csat", "first_response_time", "fcr_rate", "backlog", "survey_response_rate"],
     ["--grain", "month", "--from", "2026-08-01", "--to", "2026-10-31", "--by", "channel"]),
    ([], ["--grain", "total", "--from", "2026-08-01", "--to", "2026-10-31"]),  # every metric, every null
    (["resolution_time", "csat", "churn_rate"], ["--grain", "month", "--from", "2026-09-01", "--to", "2026-10-31",
                                                 "--compare", "previous", "--stat", "p90", "--hours", "business"]),
    (["ticket_volume", "first_response_time"], ["--grain", "week", "--from", "2026-10-01", "--to", "2026-10-31",
                                                "--where", "priority=high", "--where", "priority=urgent",
                                                "--by", "category", "--tz", "Europe/Helsinki"]),
]


def _floats_as(a: dict, b: dict) -> dict:
    """``b`` with each float that equals ``a``'s to 12 digits replaced by ``a``'s: DuckDB adds floats
    in parallel, so sums of many values (ARPU) can differ in the last bits from one run to the next."""
    return {k: a[k] if isinstance(v, float) and isinstance(a[k], float) and math.isclose(v, a[k], rel_tol=1e-12)
            else v for k, v in b.items()}


def _params(ids: list[str], args: list[str]) -> list[tuple[str, str]]:
    out = [("metric", i) for i in ids]
    for opt, value in zip(args[::2], args[1::2], strict=True):
        out.append((opt.lstrip("-"), value))
    return out


@pytest.mark.slow
def test_metrics_equal_the_cli_json(template: Path, tmp_path: Path) -> None:
    db = copy_store(template, tmp_path / "same")
    expected = [cli_json(db, *ids, *args) for ids, args in CLI_QUERIES]  # before the app holds the file
    with client(db) as c:
        for (ids, args), want in zip(CLI_QUERIES, expected, strict=True):
            r = c.get("/api/v1/metrics", params=_params(ids, args))
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/json"
            got = r.json()
            assert list(got) == ["metrics"] and len(got["metrics"]) == len(want["metrics"])
            for a, b in zip(got["metrics"], want["metrics"], strict=True):
                assert list(a) == list(b)  # same keys in the same order
                assert a == _floats_as(a, b), {k: (a[k], b[k]) for k in a if a[k] != b[k]}
            assert any(v is None for rec in got["metrics"] for v in rec.values())  # nulls kept, not dropped


def test_metrics_records_and_cache(api) -> None:
    first = get(api, f"/api/v1/metrics?{QUERY}&by=channel")
    recs = first.json()["metrics"]
    assert {r["metric"] for r in recs} == {"nps", "csat", "first_response_time"}
    assert {r["period_start"] for r in recs} == set(MONTHS)
    assert get(api, f"/api/v1/metrics?{QUERY}&by=channel").content == first.content  # from the cache
    assert len(api.app.state.ctx.cache._items) >= 1


def test_metrics_csv(api) -> None:
    r = get(api, f"/api/v1/metrics?{QUERY}&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    head = r.text.splitlines()[0].split(",")
    assert head[:4] == ["metric", "period_start", "value", "unit"]


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/api/v1/metrics?metric=nope", 404, "unknown metric"),
    ("/api/v1/metrics?metric=nps&by=colour", 400, "unknown dimension"),
    ("/api/v1/metrics?metric=nps&from=2026-02-30", 400, "not a date"),
    ("/api/v1/metrics?metric=nps&from=0001-01-01", 400, "outside"),
    ("/api/v1/metrics?metric=nps&from=2026-10-01&to=2026-01-01", 400, "after"),
    ("/api/v1/metrics?metric=nps&where=channel", 400, "DIM=VALUE"),
    ("/api/v1/metrics?metric=nps&tz=Mars/Olympus", 400, "time zone"),
    ("/api/v1/metrics?metric=nps&grain=fortnight", 422, ""),
    ("/api/v1/metrics?metric=nps&compare=previous&grain=total", 400, "--from and --to"),
    ("/api/v1/metrics?metric=call_volume&by=category", 400, "does not apply"),
    ("/api/v1/metrics?metric=nps&grain=day&from=1901-01-01&to=2198-12-31", 400, "periods"),
])
def test_metrics_user_errors(api, url: str, status: int, text: str) -> None:
    r = get(api, url, status)
    detail = r.json()["detail"]
    if text:
        assert isinstance(detail, str) and text in detail
    assert "Traceback" not in r.text


# -- rows ------------------------------------------------------------------------------------------
def test_rows_behind_a_value(api) -> None:
    recs = get(api, "/api/v1/metrics?metric=first_response_time&grain=month&from=2026-08-01&to=2026-10-31"
                    "&by=channel").json()["metrics"]
    rec = next(r for r in recs if r["period_start"] == "2026-09-01" and r["n"])
    url = (f"/api/v1/rows?metric=first_response_time&period_start=2026-09-01&from=2026-08-01&to=2026-10-31"
           f"&channel={rec['channel']}&page_size=5")
    doc = get(api, url).json()
    assert doc["total"] == rec["n"] and doc["filters"] == {"channel": rec["channel"]}
    assert doc["pages"] == -(-rec["n"] // 5) and len(doc["rows"]) == min(5, rec["n"])
    row = doc["rows"][0]
    assert {"ticket_id", "created_at", "channel", "value"} <= set(row) and row["channel"] == rec["channel"]
    assert row["created_at"].endswith("+00:00")
    csv = get(api, url.replace("page_size=5", "format=csv"))
    assert csv.headers["content-disposition"] == \
        'attachment; filename="cx-rows-first_response_time-2026-09-01.csv"'
    assert len(csv.text.strip().splitlines()) == rec["n"] + 1


def test_rows_for_rates_calls_and_surveys(api) -> None:
    for metric in ("fcr_rate", "call_abandonment_rate", "csat", "nps"):
        rec = get(api, f"/api/v1/metrics?metric={metric}&grain=total&from=2026-08-01&to=2026-10-31").json()
        rec = rec["metrics"][0]
        doc = get(api, f"/api/v1/rows?metric={metric}&grain=total&from=2026-08-01&to=2026-10-31"
                       "&page_size=10000").json()
        assert doc["total"] == (rec["denominator"] if metric != "nps" else rec["n"]), metric
        if metric != "nps":
            assert sum(r["counted"] for r in doc["rows"]) == rec["numerator"], metric


@pytest.mark.parametrize(("url", "status", "text"), [
    ("/api/v1/rows?metric=nps", 400, "period_start is required"),
    ("/api/v1/rows?metric=nps&period_start=2026-09-03", 400, "does not start"),
    ("/api/v1/rows?metric=nps&period_start=2026-09-01&colour=red", 400, "unknown parameter"),
    ("/api/v1/rows?metric=cac&period_start=2026-09-01", 400, "no row-level drill-down"),
    ("/api/v1/rows?metric=nope&period_start=2026-09-01", 404, "unknown metric"),
    ("/api/v1/rows?metric=nps&period_start=2026-09-01&page=0", 422, ""),
])
def test_rows_user_errors(api, url: str, status: int, text: str) -> None:
    r = get(api, url, status)
    if text:
        assert text in r.json()["detail"]


@pytest.mark.parametrize("url", [
    "/api/v1/rows?metric=first_response_time&grain=month&period_start=9999-12-01",
    "/api/v1/rows?metric=first_response_time&grain=year&period_start=9999-01-01",
    "/api/v1/rows?metric=first_response_time&grain=month&period_start=0001-01-01",
    "/api/v1/rows?metric=first_response_time&grain=day&period_start=1000-01-01",
    "/api/v1/rows?metric=first_response_time&grain=month&period_start=2026-09-01&channel=%00",
    "/api/v1/reports/9999-12",
    "/api/v1/reports/1000-12?format=json",
    "/api/v1/tickets/%00",
    "/api/v1/customers/a%00b/timeline",
    "/api/v1/metrics?metric=nps&where=channel=%00",
    "/api/v1/comments?survey=%00",
])
def test_odd_inputs_are_user_errors_not_500s(template: Path, tmp_path: Path, url: str) -> None:
    from cxmetrics.interfaces.web.app import create_app
    from tests.api_support import client_class

    app = create_app(copy_store(template, tmp_path), config_path=empty_config(tmp_path))
    with client_class()(app, raise_server_exceptions=False) as c:
        r = c.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
    assert isinstance(r.json()["detail"], str)


# -- the other reads -------------------------------------------------------------------------------
def test_health(api) -> None:
    doc = get(api, "/api/v1/health").json()
    assert doc["status"] == "ok" and doc["store"] == "cx.duckdb" and "/" not in doc["store"]
    assert doc["tables"]["tickets"] > 0 and doc["facts_current"] is True
    assert doc["read_token_required"] is False


def test_catalog_and_openapi(api) -> None:
    from cxmetrics.metrics.registry import all_metrics

    cat = get(api, "/api/v1/catalog").json()["catalog"]
    assert [e["id"] for e in cat] == [m.key for m in all_metrics()]
    paths = get(api, "/openapi.json").json()["paths"]
    for p in ("/api/v1/health", "/api/v1/catalog", "/api/v1/metrics", "/api/v1/rows", "/api/v1/volume",
              "/api/v1/tickets/{ticket_id}", "/api/v1/customers/{customer_id}/timeline", "/api/v1/comments",
              "/api/v1/imports", "/api/v1/imports/{table}", "/api/v1/reports/{period}",
              "/api/v1/dimensions/{dim}/values", "/api/v1/tokens"):
        assert p in paths, p


def test_dimension_values(api) -> None:
    doc = get(api, "/api/v1/dimensions/channel/values").json()
    assert "email" in doc["values"] and doc["values"] == sorted(set(doc["values"])) and not doc["truncated"]
    assert get(api, "/api/v1/dimensions/weekday/values").json()["values"] == [1, 2, 3, 4, 5, 6, 7]
    short = get(api, "/api/v1/dimensions/customer/values?limit=3").json()
    assert len(short["values"]) == 3 and short["truncated"]
    get(api, "/api/v1/dimensions/colour/values", 404)
    get(api, "/api/v1/dimensions/..%2F..%2Fetc/values", 404)


def test_ticket_and_customer_timeline(api) -> None:
    row = get(api, "/api/v1/rows?metric=fcr_rate&grain=total&page_size=1").json()["rows"][0]
    doc = get(api, f"/api/v1/tickets/{row['ticket_id']}").json()
    assert doc["ticket"]["ticket_id"] == row["ticket_id"]
    assert doc["facts"]["replies"] >= 1 and doc["messages"] and doc["status_changes"]
    assert all(m["ticket_id"] == row["ticket_id"] for m in doc["messages"])
    assert [m["created_at"] for m in doc["messages"]] == sorted(m["created_at"] for m in doc["messages"])
    helsinki = get(api, f"/api/v1/tickets/{row['ticket_id']}?tz=Europe/Helsinki").json()
    assert helsinki["ticket"]["created_at"][-6:] in ("+02:00", "+03:00")
    get(api, "/api/v1/tickets/NO-SUCH-TICKET", 404)
    events = get(api, f"/api/v1/customers/{doc['ticket']['customer_id']}/timeline").json()["events"]
    assert any(e["kind"] == "ticket_created" and e["ticket_id"] == row["ticket_id"] for e in events)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert "unknown customer" in get(api, "/api/v1/customers/NOBODY/timeline", 404).json()["detail"]


def test_comments(api) -> None:
    doc = get(api, "/api/v1/comments?limit=5").json()["comments"]
    assert 0 < len(doc) <= 5 and all(c["comment"] for c in doc)
    assert [c["responded_at"] for c in doc] == sorted((c["responded_at"] for c in doc), reverse=True)
    det = get(api, "/api/v1/comments?group=detractor&survey=nps").json()["comments"]
    assert all(c["group"] == "detractor" for c in det)
    csv = get(api, "/api/v1/comments?format=csv&limit=3")
    assert csv.headers["content-type"].startswith("text/csv") and "comment" in csv.text.splitlines()[0]
    get(api, "/api/v1/comments?group=angry", 422)
    get(api, "/api/v1/comments?where=colour=red", 400)


def test_import_log(api) -> None:
    log = get(api, "/api/v1/imports?limit=3").json()["imports"]
    assert len(log) == 3 and log[0]["import_id"] > log[-1]["import_id"]
    assert isinstance(log[0]["options"], dict) and log[0]["file"] == "demo"


def test_volume_and_spikes(api) -> None:
    doc = get(api, "/api/v1/volume?from=2026-10-01&to=2026-10-31").json()
    assert len(doc["days"]) == 31 and doc["from"] == "2026-10-01"
    assert sum(d["tickets"] for d in doc["days"]) == sum(r["tickets"] for r in doc["by_channel"])
    vol = get(api, "/api/v1/metrics?metric=ticket_volume&grain=total&from=2026-10-01&to=2026-10-31").json()
    assert sum(d["tickets"] for d in doc["days"]) == vol["metrics"][0]["value"]
    assert "spikes" in doc
    default = get(api, "/api/v1/volume").json()  # the last 90 days of data
    first, last = (dt.date.fromisoformat(default[k]) for k in ("from", "to"))
    assert last <= END and (last - first).days == 89
    get(api, "/api/v1/volume?from=2026-10-10&to=2026-10-01", 400)


@pytest.mark.slow
def test_reports(api) -> None:
    r = get(api, "/api/v1/reports/2026-10?format=xlsx&lang=fi")
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="cx-report-2026-10-fi.xlsx"'
    assert r.content[:2] == b"PK"
    html = get(api, "/api/v1/reports/latest?format=html&lang=ja")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"].startswith('inline; filename="cx-report-')
    assert "<html" in html.text.lower()


@pytest.mark.slow
def test_report_json_and_pdf(api) -> None:
    doc = get(api, "/api/v1/reports/2026-10?format=json").json()
    assert doc["period"]["start"] == "2026-10-01"
    r = get(api, "/api/v1/reports/2026-10?format=pdf&lang=zh-Hant")
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == 'attachment; filename="cx-report-2026-10-zh-Hant.pdf"'


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/reports/2026-13", 422), ("/api/v1/reports/..%2F..%2Fetc%2Fpasswd", 404),
    ("/api/v1/reports/2026-10?format=exe", 422), ("/api/v1/reports/2026-10?lang=../../x", 422),
])
def test_report_parameters_are_whitelisted(api, url: str, status: int) -> None:
    get(api, url, status)


def test_security_headers_and_no_cors_by_default(api) -> None:
    r = api.get("/api/v1/catalog", headers={"Origin": "https://evil.example"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in r.headers


def test_cors_for_listed_origins(template: Path, tmp_path: Path) -> None:
    with client(copy_store(template, tmp_path), cors_origins=["https://intranet.example"]) as c:
        ok = c.get("/api/v1/catalog", headers={"Origin": "https://intranet.example"})
        assert ok.headers["access-control-allow-origin"] == "https://intranet.example"
        other = c.get("/api/v1/catalog", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_unexpected_errors_are_a_plain_500(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.interfaces.web.app import create_app
    from tests.api_support import client_class

    def boom() -> list:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("cxmetrics.metrics.catalog.catalog_entries", boom)
    app = create_app(copy_store(template, tmp_path), config_path=empty_config(tmp_path))
    with client_class()(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/catalog")
    assert r.status_code == 500 and r.json() == {"detail": "internal error (see the server log)"}
    assert "secret" not in r.text


# -- cxm serve ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cxm(*args: str) -> list[str]:
    return [sys.executable, "-m", "cxmetrics.interfaces.cli.main", *args]


def test_cxm_serve_really_serves(template: Path, tmp_path: Path) -> None:
    import httpx

    db = copy_store(template, tmp_path)
    port = _free_port()
    env = {**os.environ, "CXM_CONFIG": str(empty_config(tmp_path))}
    proc = subprocess.Popen(_cxm("--db", str(db), "serve", "--port", str(port)), cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        doc = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                if r.status_code == 200:
                    doc = r.json()
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert doc is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert doc["status"] == "ok" and doc["tables"]["tickets"] > 0
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/metrics?metric=ticket_volume&grain=total", timeout=30)
        assert r.status_code == 200 and r.json()["metrics"][0]["value"] > 0
        assert httpx.post(f"http://127.0.0.1:{port}/api/v1/imports/tickets", timeout=10).status_code == 401
        # a loopback server answers loopback names only: a rebound foreign name gets 400 (DNS rebinding)
        health = f"http://127.0.0.1:{port}/api/v1/health"
        assert httpx.get(health, headers={"Host": f"evil.example:{port}"}, timeout=10).status_code == 400
        assert httpx.get(health, headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out


def test_cxm_serve_refuses_an_open_interface_without_tokens(template: Path, tmp_path: Path) -> None:
    db = copy_store(template, tmp_path)
    env = {**os.environ, "CXM_CONFIG": str(empty_config(tmp_path))}
    args = _cxm("--db", str(db), "serve", "--host", "0.0.0.0", "--port", str(_free_port()))
    res = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "cxm token create" in res.stderr and "refusing" in res.stderr


def test_cache_computes_a_missing_answer_once() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from cxmetrics.interfaces.web.context import ResponseCache

    cache, calls, gate = ResponseCache(size=2), [], threading.Event()

    def compute() -> tuple[bytes, str]:
        calls.append(1)
        gate.wait(10)
        return b"answer", "text/plain"

    with ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(cache.get_or_compute, ("k", 1), compute) for _ in range(8)]
        time.sleep(0.2)
        gate.set()
        assert {j.result(10) for j in jobs} == {(b"answer", "text/plain")}
    assert len(calls) == 1
    for i in range(3):
        cache.put(("other", i), b"x", "text/plain")
    assert cache.get(("k", 1)) is None  # least recently used, evicted
