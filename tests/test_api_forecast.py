"""``/api/v1/forecast`` and ``/api/v1/staff``: the same JSON as the CLI, errors as 400s."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.api_support import client, empty_config


def test_staff_endpoint_reproduces_the_published_example(api_demo: Path) -> None:
    with client(api_demo) as api:
        r = api.get("/api/v1/staff", params={"volume": 100, "interval": 30, "aht": 180})
        assert r.status_code == 200, r.text
        rec = r.json()
        assert (rec["agents"], rec["scheduled_agents"], round(rec["service_level"], 3)) == (14, 20, 0.888)
        r = api.get("/api/v1/staff", params={"volume": 100, "aht": 180, "patience": 300})
        assert r.json()["model"] == "erlang_a" and r.json()["p_abandon"] > 0
        for bad in ({"volume": 100, "aht": 180, "target": 0.8, "max_occupancy": 0.85, "shrinkage": 0.99999,
                     "agents": 0, "volume_": 1}, {"volume": 1e12, "aht": 86400}, {"volume": 10, "aht": 180,
                                                                                  "max_abandon": 0.1}):
            r = api.get("/api/v1/staff", params=bad)
            assert r.status_code in (200, 400, 422), (bad, r.status_code, r.text)
        # inside the query bounds (422 beyond them) but a load over 100,000 Erlangs: a usage error
        assert api.get("/api/v1/staff", params={"volume": 1e6, "aht": 86400}).status_code == 400


def test_forecast_endpoint_is_the_cli_json(api_demo: Path, tmp_path: Path) -> None:
    from cxmetrics.interfaces.cli.main import app, register_commands

    params = {"horizon": 7, "grain": "day", "by": "channel", "folds": 1}
    with client(api_demo) as api:
        r = api.get("/api/v1/forecast", params=params)
        assert r.status_code == 200, r.text
        got = r.json()
        staffed = api.get("/api/v1/forecast", params={"horizon": 7, "staff": "true", "aht": 300,
                                                      "volume_change": 0.2})
        assert staffed.status_code == 200, staffed.text
        assert len(staffed.json()["staffing"]) == 7 * 24
        cov = staffed.json()["coverage"]  # the demo has no schedules: required agents only
        assert cov["basis"] is None and len(cov["cells"]) == 7 * 24 and cov["hours"] == 7 * 24
        assert staffed.json()["what_if"] == {"volume_change": 0.2, "aht_change": 0.0}
        for bad in ({"by": "nope"}, {"event": "x=1"}, {"country": "ZZZ"}, {"grain": "day", "staff": "true"}):
            r = api.get("/api/v1/forecast", params=bad)
            assert r.status_code == 400, (bad, r.status_code, r.text)
    register_commands()
    res = CliRunner().invoke(app, ["--db", str(api_demo), "--config", str(empty_config(tmp_path)), "forecast",
                                   "--horizon", "7", "--grain", "day", "--by", "channel", "--folds", "1",
                                   "--format", "json"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == got
    assert set(got["backtest"]) >= {"mase", "coverage_80", "coverage_95"}
