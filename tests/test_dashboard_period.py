"""The dashboard's explicit period (issue 10, item 5) on the server side: the period selection
and its resolution (cxmetrics.interfaces.web.period), ``GET /api/v1/period``,
``GET /api/v1/overview`` (the overview page's JSON twin) and the catalogue's server context
(``GET /api/v1/catalog``: thresholds, business hours, targets) checked against the engine.

tests/test_browser_period.py drives the same in a browser against a real server process.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.errors import QueryError
from cxmetrics.interfaces.web import explain, pages
from cxmetrics.interfaces.web.period import Selection, iso_week, parse_selection, parse_week, resolve
from tests.api_support import client, copy_store

D = dt.date
#: "today" for resolutions (the demo's data ended months before)
TODAY = D(2026, 5, 20)
#: the small demo (conftest.small_demo) holds 2024-11-01 .. 2025-12-31 (UTC)
DATA_FIRST, DATA_LAST = D(2024, 11, 1), D(2025, 12, 31)


@pytest.fixture(scope="module")
def engine(small_demo: Path) -> Iterator[Any]:
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    with Store(small_demo, config=Config(), read_only=True) as s:
        yield s.engine()


@pytest.fixture(scope="module")
def api(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with client(copy_store(small_demo, tmp_path_factory.mktemp("period-api"))) as c:
        yield c


def ok(api: Any, url: str, params: Any = None) -> Any:
    r = api.get(url, params=params)
    assert r.status_code == 200, (url, params, r.text[:500])
    return r.json()


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def same_records(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert list(a) == list(b)
        bad = {k: (a[k], b[k]) for k in a if not close(a[k], b[k])}
        assert not bad, (a["metric"], bad)


# -- the selection ------------------------------------------------------------------------------
def test_selection_from_query_parameters() -> None:
    assert parse_selection() == Selection("month")
    assert parse_selection("month", "2025-12") == Selection("month", month=D(2025, 12, 1))
    assert parse_selection(None, None, None, "2025-06-01") == Selection("custom", from_=D(2025, 6, 1))
    assert parse_selection("week", week="2025-W52") == Selection("week", week=D(2025, 12, 22))
    assert parse_selection("week", week="2025-12-24") == Selection("week", week=D(2025, 12, 22))  # a date in it
    assert parse_selection("last30", month="2025-12") == Selection("last30")  # another kind's field is ignored
    assert parse_week("2021-W01") == D(2021, 1, 4) and iso_week(D(2021, 1, 4)) == "2021-W01"
    assert iso_week(D(2024, 12, 30)) == "2025-W01"
    for args, text in [(("fortnight",), "period must be"), (("month", "2025-13"), "not a month"),
                       (("month", "12/2025"), "not a month"), (("week", None, "2025-W54"), "no week"),
                       (("month", "0500-01"), "outside"),
                       (("custom", None, None, "2025-02-01", "2025-01-01"), "after")]:
        with pytest.raises(QueryError, match=text):
            parse_selection(*args)


def test_resolution_on_the_demo(engine: Any) -> None:
    from cxmetrics.interfaces.report.data import default_period

    def eff(*args: Any, tz: str = "UTC", today: dt.date = TODAY) -> Any:
        return resolve(parse_selection(*args), engine, tz, today=today)

    # the default month is the report's "latest": the last complete month of the data
    e = eff()
    assert (e.kind, e.grain, e.first, e.last) == ("month", "month", D(2025, 12, 1), D(2025, 12, 31))
    assert e.first == default_period(engine, "UTC", TODAY)
    assert (e.previous_first, e.previous_last) == (D(2025, 11, 1), D(2025, 11, 30))
    assert e.in_data and not e.partial and (e.data_first, e.data_last) == (DATA_FIRST, DATA_LAST)
    j = e.to_json()
    assert j["month"] == "2025-12" and j["previous_step"] == {"period": "month", "month": "2025-11"}
    assert j["next_step"] is None  # January 2026 has no data
    assert j["as_of"].startswith("2025-12-31T23:") and j["as_of"].endswith("+00:00")
    # while the data is current, the current month is not complete yet: the month before
    assert eff(today=D(2025, 12, 20)).first == D(2025, 11, 1)
    # weeks: the last complete one, compared with the week before
    e = eff("week")
    assert (e.first, e.last, e.previous_first, e.previous_last) == (D(2025, 12, 22), D(2025, 12, 28),
                                                                    D(2025, 12, 15), D(2025, 12, 21))
    assert e.to_json()["week"] == "2025-W52" and e.to_json()["next_step"] == {"period": "week", "week": "2026-W01"}
    # the last N days end on the data's last date; compared with the N days before
    e = eff("last30")
    assert (e.grain, e.first, e.last) == ("total", D(2025, 12, 2), DATA_LAST)
    assert (e.previous_first, e.previous_last) == (D(2025, 11, 2), D(2025, 12, 1))
    assert eff("last7").first == D(2025, 12, 25) and eff("last90").first == D(2025, 10, 3)
    # a range the data ends inside: partial, compared with the same elapsed span before it
    e = eff("custom", None, None, "2025-12-15", "2026-01-31")
    assert e.partial and e.covered_last == DATA_LAST
    assert (e.previous_first, e.previous_last) == (D(2025, 11, 28), D(2025, 12, 14))
    assert eff("custom", None, None, "2025-12-01").last == DATA_LAST  # an open end is the data's ...
    assert eff("custom", None, None, None, "2025-01-31").first == DATA_FIRST
    e = eff("custom", None, None, None, "2020-01-31")  # ... but never past the end given
    assert (e.first, e.last, e.in_data) == (D(2020, 1, 31), D(2020, 1, 31), False)
    e = eff("custom", None, None, "2027-01-01")
    assert (e.first, e.last, e.in_data) == (D(2027, 1, 1), D(2027, 1, 1), False)
    e = eff("all")
    assert (e.first, e.last, e.grain) == (DATA_FIRST, DATA_LAST, "total")
    # outside the data: no data (the overview says so), but still a period
    e = eff("month", "2020-01")
    assert not e.in_data and not e.partial and e.to_json()["previous_step"] is None
    assert not eff("month", "2026-01").in_data
    # the zone moves the dates: the data ends on 31 December in Honolulu too, and starts a day earlier
    e = eff("all", tz="Pacific/Honolulu")
    assert e.data_first == D(2024, 10, 31) and e.tz == "Pacific/Honolulu"


# -- /api/v1/period and /api/v1/overview ----------------------------------------------------------
def test_period_endpoint(api: Any) -> None:
    p = ok(api, "/api/v1/period")["period"]
    assert (p["kind"], p["from"], p["to"], p["tz"]) == ("month", "2025-12-01", "2025-12-31", "UTC")
    p = ok(api, "/api/v1/period", {"period": "week", "week": "2025-W50", "tz": "Europe/Helsinki"})["period"]
    assert (p["from"], p["to"], p["previous_from"], p["tz"]) == ("2025-12-08", "2025-12-14", "2025-12-01",
                                                                 "Europe/Helsinki")
    p = ok(api, "/api/v1/period", {"from": "2025-06-01", "to": "2025-06-30"})["period"]
    assert p["kind"] == "custom" and p["days"] == 30 and p["previous_to"] == "2025-05-31"
    for params, status, text in [({"period": "fortnight"}, 422, ""), ({"month": "2025-13"}, 400, "not a month"),
                                 ({"tz": "Mars/Olympus"}, 400, "time zone"),
                                 ({"period": "custom", "from": "2025-06-02", "to": "2025-06-01"}, 400, "after"),
                                 ({"period": "week", "week": "1850-W01"}, 400, "")]:
        r = api.get("/api/v1/period", params=params)
        assert r.status_code == status, (params, r.text)
        assert text in str(r.json()["detail"]) and "Traceback" not in r.text


@pytest.mark.parametrize(("selection", "grain", "first", "last"), [
    ({"period": "month", "month": "2025-12"}, "month", "2025-12-01", "2025-12-31"),
    ({"period": "week", "week": "2025-W50"}, "week", "2025-12-08", "2025-12-14"),
    ({"period": "last30", "where": "channel=email"}, "total", "2025-12-02", "2025-12-31"),
])
def test_overview_records_are_the_metrics_records(api: Any, selection: dict[str, str], grain: str, first: str,
                                                  last: str) -> None:
    """Every KPI of the overview is the record `/metrics?compare=previous` answers for the
    period's grain and dates (which is what `cxm metrics --compare previous` prints)."""
    from cxmetrics.interfaces.report.data import PRIMARY

    body = ok(api, "/api/v1/overview", selection)
    assert body["period"]["from"] == first and body["period"]["to"] == last and body["period"]["grain"] == grain
    assert [s["section"] for s in body["sections"]] == list(PRIMARY) and body["omitted"] == []
    where = [("where", selection["where"])] if "where" in selection else []
    for sec in body["sections"]:
        assert sec["error"] is None
        ids = [r["metric"] for r in sec["metrics"]]
        assert ids == [m for m in PRIMARY[sec["section"]] if m not in sec["unsupported"]]
        if where:  # customer, call and shop metrics have no channel
            assert sec["unsupported"] == ([] if sec["section"] in ("support", "feedback") else list(PRIMARY[sec["section"]]))
        if not ids:
            continue
        want = ok(api, "/api/v1/metrics", [*[("metric", m) for m in ids], ("grain", grain), ("from", first),
                                           ("to", last), ("compare", "previous"), *where])["metrics"]
        same_records(sec["metrics"], want)
        for r in sec["metrics"]:
            assert r["previous_from"] == body["period"]["previous_from"]
            assert r["previous_to"] == body["period"]["previous_to"]
    counts = [r for s in body["sections"] for r in s["metrics"] if r["unit"] == "count" and r["value"] is not None]
    assert counts and all(isinstance(r["value"], int) for r in counts)  # counts are integers
    series = body["series"]
    assert series["to"] == last
    if grain in ("month", "week"):
        per_metric = [r for r in series["metrics"] if r["metric"] == "ticket_volume"]
        assert len(per_metric) == 13 and per_metric[-1]["period_start"] == first
        assert series["grain"] == grain


def test_overview_outside_the_data_says_no_data_not_zero(api: Any) -> None:
    body = ok(api, "/api/v1/overview", {"period": "month", "month": "2020-01"})
    assert body["period"]["in_data"] is False
    recs = [r for s in body["sections"] for r in s["metrics"]]
    assert recs
    # churn, retention, CAC... are customer snapshots that hold until today: outside the events
    # they may still have no value, but nothing is a zero made up for a month without data
    assert all(r["value"] is None for r in recs if r["unit"] in ("count", "percent", "seconds", "score")), \
        [(r["metric"], r["value"]) for r in recs if r["value"] is not None]


def test_overview_cache_and_errors(api: Any) -> None:
    a = api.get("/api/v1/overview", params={"period": "last7"})
    b = api.get("/api/v1/overview", params={"period": "last7"})
    assert a.status_code == 200 and a.content == b.content
    assert api.get("/api/v1/overview", params={"where": "colour=red"}).status_code == 400
    assert api.get("/api/v1/overview", params={"hours": "weekly"}).status_code == 422
    paths = ok(api, "/openapi.json")["paths"]
    assert "/api/v1/overview" in paths and "/api/v1/period" in paths


# -- the catalogue's server context ---------------------------------------------------------------
def test_catalog_gives_server_settings_and_translations(api: Any) -> None:
    from cxmetrics.interfaces.i18n import translator
    from cxmetrics.metrics.catalog import catalog_entries

    body = ok(api, "/api/v1/catalog")
    assert body["catalog"] == catalog_entries()  # `cxm catalog --format json`, unchanged
    assert body.get("texts") is None
    assert body["settings"]["timezone"] == "UTC" and body["settings"]["low_sample"] == 30
    assert body["settings"]["business_hours"]["week"]["mon"] == "09:00-17:00"
    assert body["settings"]["business_hours"]["week"]["sun"] is None
    ctx = body["context"]
    assert set(ctx) == {e["id"] for e in body["catalog"]}
    assert ctx["first_response_time"]["hours"] is True and ctx["handle_time"]["hours"] is False
    assert ctx["first_response_time"]["statistics"] == ["mean", "median", "p90"] and ctx["nps"]["statistics"] is None
    assert ctx["service_level"]["thresholds"] == [{"setting": "calls.service_level", "unit": "seconds", "value": 20.0,
                                                   "by": None, "by_dimension": None}]
    assert ctx["sla_attainment"]["thresholds"][0]["by"] == {"email": 86400.0, "social": 3600.0}
    assert ctx["csat"]["target"]["value"] == 80.0 and "80%" in ctx["csat"]["target"]["source"]
    ja = ok(api, "/api/v1/catalog", {"lang": "ja"})
    tr = translator("ja")
    assert ja["lang"] == "ja" and ja["texts"]["nps"]["name"] == tr.metric_name("nps")
    assert ja["texts"]["nps"]["description"] == tr.metric_description("nps") != body["catalog"][0]["description"]
    assert api.get("/api/v1/catalog", params={"lang": "xx"}).status_code == 400


def test_catalog_context_follows_the_settings(small_demo: Path, tmp_path: Path) -> None:
    db = copy_store(small_demo, tmp_path)
    cfg = tmp_path / "custom.toml"
    cfg.write_text('timezone = "Europe/Helsinki"\n[calls]\nservice_level = "45s"\n'
                   '[sla.first_reply]\nemail = "2h"\ndefault = "8h"\n[fcr]\nrepeat_window_days = 3\n'
                   '[business_hours]\ncountry = "FI"\n[business_hours.week]\nfri = "09:00-15:00"\n'
                   '[targets]\ncsat = 85\n[targets.first_response_time]\nemail = "4h"\n', encoding="utf-8")
    with client(db, config_path=cfg) as c:
        body = ok(c, "/api/v1/catalog")
        ctx = body["context"]
        assert body["settings"]["timezone"] == "Europe/Helsinki"
        assert body["settings"]["business_hours"]["timezone"] == "Europe/Helsinki"
        assert body["settings"]["business_hours"]["country"] == "FI"
        assert body["settings"]["business_hours"]["week"]["fri"] == "09:00-15:00"
        assert ctx["service_level"]["thresholds"][0]["value"] == 45.0
        assert ctx["service_level:excluding_short"]["thresholds"][0]["value"] == 45.0
        first = ctx["sla_attainment"]["thresholds"][0]
        assert (first["value"], first["by"]) == (28800.0, {"email": 7200.0})
        assert ctx["fcr_rate:no_repeat_contact"]["thresholds"][0]["value"] == 3
        assert ctx["csat"]["target"] == {"source": "cxm.toml", "value": 85.0, "by": None, "by_dimension": "channel"}
        assert ctx["first_response_time"]["target"]["by"] == {"email": 14400.0}
        assert ok(c, "/api/v1/period")["period"]["tz"] == "Europe/Helsinki"


def _values(db: Path, raw: dict[str, Any], hours: str = "calendar", stat: str = "median") -> dict[str, float | None]:
    from cxmetrics.settings import config_from_dict
    from cxmetrics.store import Store

    with Store(db, config=config_from_dict(raw), read_only=True) as s:
        f = s.engine().frame(grain="total", from_="2025-07-01", to="2025-12-31", hours=hours, stat=stat)
    return {m: None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for m, v in zip(f["metric"], f["value"], strict=True)}


def _changed(a: dict[str, float | None], b: dict[str, float | None]) -> set[str]:
    return {k for k in a if (a[k] is None) != (b[k] is None)
            or (a[k] is not None and b[k] is not None and not math.isclose(a[k], b[k], rel_tol=1e-9))}


#: a value for each threshold setting that changes what it decides on the demo's data
PERTURB: dict[str, dict[str, Any]] = {
    "sla.first_reply": {"sla": {"first_reply": {"email": "2h", "social": "10m", "default": "4h"}}},
    "sla.priority_first_reply": {"sla": {"priority_first_reply": {"urgent": "5m", "high": "30m"}}},
    "sla.resolution": {"sla": {"resolution": {"default": "1d"}}},
    "sla.priority_resolution": {"sla": {"priority_resolution": {"urgent": "4h", "high": "1d"}}},
    "fcr.repeat_window_days": {"fcr": {"repeat_window_days": 1}},
    "calls.short_abandon": {"calls": {"short_abandon": "120s"}},
    "calls.service_level": {"calls": {"service_level": "60s"}},
    "calls.satisfaction_scale": {"calls": {"satisfaction_scale": [1, 10]}},
}


@pytest.mark.slow
def test_explanations_name_exactly_the_settings_a_number_depends_on(small_demo: Path) -> None:
    """The catalogue's context says which settings set thresholds in a metric and which
    metrics business hours change; on real data, changing a setting changes exactly those."""
    base = _values(small_demo, {})
    for setting, raw in PERTURB.items():
        mapped = {k for k, keys in explain.THRESHOLDS.items() if setting in keys}
        assert _changed(base, _values(small_demo, raw)) == mapped, setting
    # the survey scales (surveys.csat, surveys.ces) only apply to answers without their own scale
    assert {s for keys in explain.THRESHOLDS.values() for s in keys} - set(PERTURB) == {"surveys.csat", "surveys.ces"}
    # business hours: with resolution targets, so both SLA attainments have values, and means
    # (most tickets are never on hold: the median time on hold is 0 either way)
    targets = {"sla": {"resolution": {"default": "2d"}}}
    calendar, business = _values(small_demo, targets, stat="mean"), _values(small_demo, targets, "business", "mean")
    with_values = {k for k, v in calendar.items() if v is not None}
    changed = _changed(calendar, business)
    assert changed <= explain.BUSINESS_HOURS
    assert explain.BUSINESS_HOURS & with_values == changed, explain.BUSINESS_HOURS & with_values ^ changed


# -- labels the scripts build from names --------------------------------------------------------
def test_labels_built_from_names_exist() -> None:
    from cxmetrics.interfaces.i18n import LANGS, catalog
    from cxmetrics.metrics.kinds import KINDS

    needed = {f"dashboard.explain.kind.{k}" for k in KINDS}
    needed |= {"dashboard.explain.setting." + s.replace(".", "_") for keys in explain.THRESHOLDS.values() for s in keys}
    needed |= {f"dashboard.period.kind.{k}" for k in pages.PERIOD_KINDS}
    needed |= {f"dashboard.overview.spark.{g}" for g in ("day", "week", "month")}
    needed |= {f"dashboard.common.{v}" for v in ("better", "worse")}
    for f in pages.TEMPLATES_DIR.glob("*.html"):
        needed |= {f"dashboard.{k}" for k in re.findall(r'data-zone-label="([a-z_.]+)"', f.read_text(encoding="utf-8"))}
    # the explanation's row labels (explain.<row>) and its threshold rows (setting.<key>)
    script = (pages.STATIC_DIR / "app.js").read_text(encoding="utf-8")
    needed |= {f"dashboard.explain.{k}" for k in re.findall(r"\brow\('([a-z_]+)'", script)}
    assert len(needed) > 40
    for lang in LANGS:
        missing = sorted(k for k in needed if k not in catalog(lang))
        assert not missing, (lang, missing)


def test_filter_form_carries_the_period(api: Any) -> None:
    text = api.get("/", params={"period": "week", "week": "2025-W50", "channel": "email"}).text
    assert '<option value="week" selected>' in text
    assert 'name="week" type="week" value="2025-W50"' in text
    assert 'href="/trends?period=week&amp;week=2025-W50&amp;channel=email"' in text  # links keep it
    text = api.get("/volume").text  # the page's own default, named as such
    assert re.search(r'<option value="last90" selected>[^<]*· default', text)
    assert 'data-default="last90"' in text
    assert '<option value="custom" selected>' in api.get("/trends", params={"from": "2025-01-01"}).text
    assert 'id="period-statement"' in text and 'id="json-twins"' in text
    for page in pages.PAGES:  # every page states its period and zone
        assert 'id="period-statement"' in api.get(page.path).text, page.path
