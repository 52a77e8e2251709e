"""Property-based tests of the whole API from its own OpenAPI document (Schemathesis 4).

Every operation gets generated requests that fit the schema; no answer may be a 5xx,
and every answer must match what the document says (status code, content type,
body schema). Reads are open (loopback policy); writes answer 401 without a token,
which the document declares. Kept small so the file runs in well under a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as openapi_checks

from tests.api_support import copy_store, empty_config

CHECKS = [schemathesis.checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.content_type_conformance, openapi_checks.response_schema_conformance]


@pytest.fixture(scope="module")
def app(api_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    from cxmetrics.interfaces.web.app import create_app

    d = tmp_path_factory.mktemp("fuzz")
    application = create_app(copy_store(api_demo, d), config_path=empty_config(d))
    yield application
    application.state.ctx.close()


@pytest.fixture(scope="module")
def api_schema(app):
    s = schemathesis.openapi.from_asgi("/openapi.json", app)
    s.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])
    # The report operation renders whole reports (seconds each): it is covered by test_api.py;
    # a forecast fits and backtests models (seconds each): covered by test_api_forecast.py.
    return s.exclude(path_regex=r"^/api/v1/(reports/|forecast)")


def operations(api_schema) -> list:
    return [result.ok() for result in api_schema.get_all_operations()]


@pytest.fixture(scope="module")
def admin(app) -> dict[str, str]:
    """Requests carry an admin token, so every operation runs for real (writes too) instead of
    stopping at 401; test_api_auth.py covers the refusals."""
    from cxmetrics.interfaces.web.auth import create_token
    from tests.api_support import bearer

    with app.state.ctx.writer() as store:
        return bearer(create_token(store.raw, "admin", "fuzz")[1])


# Schemathesis' pytest integration (from_fixture) does not run under pytest 9 yet, so each
# operation's Hypothesis strategy is driven directly: the same generation and checks.
@pytest.mark.parametrize("with_token", [True, False], ids=["admin-token", "no-token"])
def test_api_conforms_to_its_schema(api_schema, admin: dict[str, str], with_token: bool) -> None:
    headers = admin if with_token else {}
    ops = operations(api_schema)
    assert len(ops) >= 12
    for op in ops:
        if op.method.upper() == "DELETE":  # revoking tokens at random would revoke our own
            continue
        @given(case=op.as_strategy())
        @settings(max_examples=max(5, settings.default.max_examples // 10),  # ci: 10 requests an operation
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case) -> None:
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            check()
        except Exception as e:
            raise AssertionError(f"{op.method.upper()} {op.path}: {e}") from e


def test_the_document_is_served(app) -> None:
    assert app.openapi()["info"]["title"] == "cxmetrics API"


def test_the_schema_allows_exactly_the_zones_and_dimensions_the_server_accepts(app) -> None:
    from cxmetrics.facts.query import DIMENSIONS
    from tests.api_support import client_class

    doc = app.openapi()
    zones = doc["components"]["schemas"]["TimeZone"]["enum"]
    assert "" in zones and "Europe/Helsinki" in zones and "posixrules" not in zones and "Mars/Olympus" not in zones
    by = next(p for p in doc["paths"]["/api/v1/metrics"]["get"]["parameters"] if p["name"] == "by")
    assert by["schema"]["anyOf"][0]["items"]["enum"] == list(DIMENSIONS)
    assert by["schema"]["anyOf"][0]["uniqueItems"] is True
    url = "/api/v1/metrics?metric=ticket_volume&grain=month"
    with client_class()(app) as client:
        assert client.get(f"{url}&tz=Europe/Helsinki").status_code == 200
        assert client.get(f"{url}&tz=").status_code == 200
        for bad in ("&tz=posixrules", "&tz=Mars/Olympus", "&by=", "&by=channel&by=channel"):
            assert client.get(url + bad).status_code == 400, bad


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/v1/tokens", "GET, OPTIONS, POST"),
    ("/api/v1/tokens/1", "DELETE, OPTIONS"),
    ("/api/v1/metrics", "GET, OPTIONS"),
    ("/api/v1/imports/tickets", "OPTIONS, POST"),
])
def test_options_and_405_name_every_method(app, path: str, allow: str) -> None:
    from tests.api_support import client_class

    with client_class()(app) as client:
        r = client.options(path)
        assert r.status_code == 204 and r.headers["allow"] == allow
        r = client.put(path)
        assert r.status_code == 405 and r.headers["allow"] == allow
        assert client.options("/api/v1/no-such-thing").status_code == 404
