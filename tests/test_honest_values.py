"""Honest values in every interface (issue 10, item 4): durations rounded, not truncated,
the same in the CLI, the report and the dashboard; business-hours durations in hours,
never in 24-hour days; counts as integers in JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxmetrics.interfaces.i18n import LANGS, Translator
from cxmetrics.interfaces.text import integral_counts
from cxmetrics.periods.durations import duration_parts, human_duration
from cxmetrics.settings import Config
from cxmetrics.store import Store
from tests import scenario
from tests.api_support import client

ROOT = Path(__file__).resolve().parents[1]
APP_JS = ROOT / "src" / "cxmetrics" / "interfaces" / "web" / "static" / "app.js"
BH = 3600  # one business hour


# -- durations -------------------------------------------------------------------------
@pytest.mark.parametrize(("seconds", "expected"), [
    (67.52, "1m 08s"),  # was 1m 07s (truncated)
    (3599.6, "1h 00m"),  # the carry: not 59m 60s, not 59m 59s
    (59.6, "1m 00s"),
    (59.4, "59s"),
    (3765, "1h 03m"),  # 1h 02m 45s rounds up at the minutes
    (3725, "1h 02m"),
    (86000, "23h 53m"),  # below a day: hours and minutes
    (86399.7, "1d 00h"),
    (43 * BH, "1d 19h"),
    (0.4, "0s"),
    (-0.3, "0s"),  # no "-0s"
    (-67.52, "-1m 08s"),
    (None, "-"),
    (float("nan"), "-"),
])
def test_human_duration_rounds_at_the_smallest_unit_shown(seconds: float | None, expected: str) -> None:
    assert human_duration(seconds) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (43 * BH, "43h 00m"),  # not 1d 19h: a business day is not 24 hours
    (43 * BH + 29.9, "43h 00m"),
    (43 * BH + 30, "43h 01m"),
    (86399.7, "24h 00m"),
    (200 * 86400, "4800h 00m"),
    (3599.6, "1h 00m"),
    (67.52, "1m 08s"),
])
def test_business_hours_are_hours_never_days(seconds: float, expected: str) -> None:
    assert human_duration(seconds, business=True) == expected


@pytest.mark.parametrize(("seconds", "calendar", "business"), [
    (67.52, "1m 8s", "1m 8s"),
    (3599.6, "1h", "1h"),
    (59.6, "1m", "1m"),
    (3765, "1h 3m", "1h 3m"),
    (43 * BH, "1d 19h", "43h"),
    (86399.7, "1d", "24h"),
])
def test_report_durations_round_like_the_cli(seconds: float, calendar: str, business: str) -> None:
    tr = Translator("en")
    assert tr.duration(seconds) == calendar
    assert tr.duration(seconds, business=True) == business
    assert tr.value(seconds, "seconds", business=True) == business


def test_every_language_rounds_the_same() -> None:
    for lang in LANGS:
        tr = Translator(lang)
        assert tr.duration(3599.6) == tr.duration(3600), lang
        assert tr.duration(67.52) == tr.duration(68), lang
        assert tr.duration(43 * BH, business=True) == tr.duration(43 * BH, business=True)
        assert re.fullmatch(r"43\s?\S+", tr.duration(43 * BH, business=True)), lang


def _js_durations(cases: list[tuple[float, bool | None]], search: str = "") -> list[str]:
    """``CXM.duration`` of the dashboard's app.js, run by node with a stub page."""
    from cxmetrics.interfaces.web import pages

    harness = r"""
const vm = require('vm');
const fs = require('fs');
const [src, cfgJson, search, casesJson] = process.argv.slice(1);
const cfg = JSON.parse(cfgJson);
const document = {
  getElementById: (id) => (id === 'cxm-config' ? { textContent: cfgJson } : null),
  readyState: 'loading', addEventListener() {}, querySelectorAll() { return []; },
};
const window = { location: { search } };
vm.runInNewContext(fs.readFileSync(src, 'utf8'),
                   { window, document, URLSearchParams, Intl, console, setTimeout, clearTimeout });
const out = JSON.parse(casesJson).map(([v, b]) => window.CXM.duration(v, b === null ? undefined : b));
process.stdout.write(JSON.stringify(out));
"""
    cfg = {"strings": {}, "api": "/api/v1", "locale": "en", "durationUnits": pages._duration_units("en"),
           "metrics": {}, "filters": {}, "filterDims": []}
    res = subprocess.run(["node", "-e", harness, str(APP_JS), json.dumps(cfg), search, json.dumps(cases)],
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(res.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the dashboard's script")
def test_dashboard_durations_match_the_report() -> None:
    values = [0, 0.4, 29.5, 59.4, 59.6, 60, 67.52, 90.5, 599.5, 3599.4, 3599.6, 3725, 3765, 7199.9, 86000,
              86399.7, 43 * BH, 43 * BH + 30, 10 * 86400 + 3 * BH, 45 * 86400, -90, -67.52]
    tr = Translator("en")
    for business in (False, True):
        got = _js_durations([(v, business) for v in values])
        assert got == [tr.duration(v, business=business) for v in values]
    # the page's hours parameter is the default
    assert _js_durations([(43 * BH, None)], "?hours=business") == ["43h"]
    assert _js_durations([(43 * BH, None)], "?hours=calendar") == ["1d 19h"]


def test_duration_parts_carry_at_every_boundary() -> None:
    for size, unit in ((60, "minute"), (3600, "hour"), (86400, "day")):
        sign, parts = duration_parts(size - 0.4)
        assert sign == "" and parts[0] == (1, unit), size


# -- the CLI -----------------------------------------------------------------------------
def _cli(*args: str) -> tuple[int, str]:
    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout


@pytest.fixture(scope="module")
def long_ticket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ticket open from Monday 09:00 to the next week's Wednesday 12:00: 9d 03h of
    calendar time, 59 business hours (09:00-17:00 on weekdays)."""
    path = tmp_path_factory.mktemp("long") / "cx.duckdb"
    with Store(path, config=Config()) as s:
        t = [pd.Timestamp(x, tz="UTC") for x in ("2024-03-04 09:00", "2024-03-04 10:00", "2024-03-13 12:00")]
        s.import_frame("tickets", pd.DataFrame([("B1", t[0], "email", "solved", t[1], t[2])], columns=[
            "ticket_id", "created_at", "channel", "status", "first_reply_at", "solved_at"]))
    return path


def test_cli_table_shows_business_hours_in_hours(long_ticket: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no cxm.toml
    code, out = _cli("--db", str(long_ticket), "metrics", "resolution_time", "--grain", "total", "--hours", "business")
    assert code == 0
    assert "59h 00m" in out and not re.search(r"\d+d \d\dh", out)
    assert "business hours" in out
    code, out = _cli("--db", str(long_ticket), "metrics", "resolution_time", "--grain", "total")
    assert code == 0 and "9d 03h" in out and "business hours" not in out


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("honest") / "cx.duckdb"
    s = Store(path, config=Config())
    scenario.load(s)
    s.stored_facts()
    s.close()
    return path


COUNT_ARGS = ("metrics", "ticket_volume", "backlog", "resolution_rate", "--grain", "month", "--from", "2024-03-01",
              "--to", "2024-04-30", "--compare", "previous")


def _check_counts(recs: list[dict]) -> None:
    counts = [r for r in recs if r["unit"] == "count"]
    assert counts
    for r in counts:
        for k in ("value", "previous_value", "change"):
            assert r[k] is None or type(r[k]) is int, (r["metric"], k, r[k])
    rate = next(r for r in recs if r["metric"] == "resolution_rate" and r["period_start"] == "2024-03-01")
    assert type(rate["numerator"]) is int and type(rate["denominator"]) is int
    assert isinstance(rate["value"], float)


def test_cli_json_and_csv_print_counts_as_integers(db: Path) -> None:
    code, out = _cli("--db", str(db), *COUNT_ARGS, "--format", "json")
    assert code == 0
    _check_counts(json.loads(out)["metrics"])
    code, out = _cli("--db", str(db), *COUNT_ARGS, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    march = next(r for r in rows if r["metric"] == "ticket_volume" and r["period_start"] == "2024-03-01")
    assert march["value"] == "6" and march["n"] == "6"
    for r in rows:
        keys = ("n", "numerator", "denominator") + (("value", "previous_value", "change") if r["unit"] == "count" else ())
        assert not any(re.fullmatch(r"-?\d+\.0", r[k]) for k in keys), r


def test_api_metrics_counts_are_integers(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "cx.duckdb"
    shutil.copyfile(db, copy)
    query = "&".join(f"metric={m}" for m in ("ticket_volume", "backlog", "resolution_rate"))
    query += "&grain=month&from=2024-03-01&to=2024-04-30&compare=previous"
    with client(copy) as c:
        r = c.get(f"/api/v1/metrics?{query}")
        assert r.status_code == 200, r.text
        _check_counts(r.json()["metrics"])
        r = c.get(f"/api/v1/metrics?{query}&format=csv")
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert next(r for r in rows if r["metric"] == "ticket_volume" and r["period_start"] == "2024-03-01")["value"] == "6"


def test_report_json_counts_are_integers(db: Path) -> None:
    from cxmetrics.interfaces.report import build_report, render

    with Store(db, config=Config(), read_only=True) as s:
        data = build_report(s, "2024-03")
    doc = json.loads(render(data, "json"))
    kpi = next(k for k in doc["kpis"] if k["metric"] == "ticket_volume")
    assert type(kpi["value"]) is int
    assert kpi["previous"]["change"] is None  # February lies before the data: no comparison, not a zero
    assert kpi["previous"]["partial"] is False and kpi["previous"]["previous_from"] == "2024-02-01"
    series = doc["trends"]["support"]["ticket_volume"]
    assert all(type(p["value"]) is int for p in series if p["value"] is not None)


def test_integral_counts_touches_only_counts() -> None:
    recs = [{"metric": "ticket_volume", "unit": "count", "value": 10.0, "n": 10, "ci_low": 8.5,
             "previous": {"previous_value": 7.0, "change": 3.0, "p_value": 0.25}},
            {"metric": "csat", "unit": "percent", "value": 80.0, "numerator": 8.0, "denominator": 10.0},
            {"metric": "call_volume", "queue": "sales", "value": 82.0, "n": 82},  # unit from the registry
            {"metric": "nps", "unit": "score", "value": 10.0, "target": 30.0}]
    out = integral_counts(recs)
    assert out[0] == {"metric": "ticket_volume", "unit": "count", "value": 10, "n": 10, "ci_low": 8.5,
                      "previous": {"previous_value": 7, "change": 3, "p_value": 0.25}}
    assert type(out[0]["value"]) is int and type(out[0]["previous"]["change"]) is int
    assert type(out[1]["value"]) is float and type(out[1]["numerator"]) is int
    assert type(out[2]["value"]) is int
    assert type(out[3]["value"]) is float and type(out[3]["target"]) is float
    assert recs[0]["value"] == 10.0 and type(recs[0]["value"]) is float  # the input is left alone


def test_demo_table_rounds_durations() -> None:
    from cxmetrics.interfaces.cli.demo_cmd import _fmt

    assert _fmt(67.52, "seconds") == "1m 08s"
    assert _fmt(3599.6, "seconds") == "1h 00m"
    assert _fmt(3893.0, "count") == "3,893"
