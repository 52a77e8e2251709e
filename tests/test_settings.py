"""The settings model (cxmetrics.settings): the only source of defaults, validation that names
the key and the file, unknown keys refused, and the order of sources: defaults < cxm.toml <
environment < command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cxmetrics.errors import ConfigError
from cxmetrics.settings import DEFAULTS, Config, config_from_dict, load_config, parse_duration, setting_rows

NINE_TO_FIVE = (dt.time(9), dt.time(17))


def test_defaults() -> None:
    c = Config()
    assert c.db == Path("cx.duckdb") and c.timezone == "UTC"
    assert c.business_hours.timezone == "UTC"  # follows `timezone`
    assert [c.business_hours.week[d] for d in range(7)] == [NINE_TO_FIVE] * 5 + [None, None]
    assert c.business_hours.holidays == () and c.business_hours.country is None
    assert c.sla_first_reply == {"email": 86400.0, "social": 3600.0}
    assert c.sla_resolution == c.sla_priority_first_reply == c.sla_priority_resolution == {}
    assert c.fcr_repeat_window_days == 7
    assert (c.call_short_abandon_seconds, c.call_service_level_seconds) == (5.0, 20.0)
    assert c.call_satisfaction_scale == (1.0, 5.0)
    assert c.surveys == {} and c.targets == {} and c.source is None
    assert c.max_upload_mb == 200 and c.server.max_upload_bytes == 200 * 1024 * 1024
    assert config_from_dict({}) == c == DEFAULTS


def test_documented_defaults_are_the_model_defaults() -> None:
    rows = {r.key: r for r in setting_rows()}
    assert rows["sla.first_reply"].default == '{ email = "24h", social = "1h" }'
    assert rows["calls.service_level"].default == '"20s"'
    assert rows["fcr.repeat_window_days"].default == "7"
    assert rows["server.max_upload_mb"].default == "200"
    assert (rows["db"].env, rows["db"].option) == ("CXM_DB", "--db")
    # each documented default, read back, gives the default value
    raw = {"sla": {"first_reply": {"email": "24h", "social": "1h"}}, "calls": {"service_level": "20s",
                                                                               "satisfaction_scale": [1, 5]}}
    assert config_from_dict(raw) == Config()


def test_business_hours_zone_follows_timezone_unless_set() -> None:
    assert config_from_dict({"timezone": "Europe/Helsinki"}).business_hours.timezone == "Europe/Helsinki"
    c = config_from_dict({"timezone": "Europe/Helsinki", "business_hours": {"timezone": "Asia/Tokyo"}})
    assert c.business_hours.timezone == "Asia/Tokyo"
    moved = c.with_timezone("America/New_York")
    assert moved.timezone == "America/New_York" and moved.business_hours.timezone == "Asia/Tokyo"
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Base'"):
        c.with_timezone("Mars/Base")


def test_values_are_parsed() -> None:
    c = config_from_dict({
        "business_hours": {"week": {"mon": "08:00-24:00", "sat": "closed"}, "holidays": ["2024-12-24"],
                           "country": "FI"},
        "sla": {"first_reply": {"default": "90m", "chat": 120}},
        "calls": {"short_abandon": "0.5m", "satisfaction_scale": [0, 10]},
        "surveys": {"nps": {}, "relationship": {"type": "csat", "scale": [1, 7]},
                    "effort": {"type": "ces", "orientation": "effort_high"}},
        "targets": {"csat": 85, "first_response_time": {"email": "4h", "default": 7200}},
        "server": {"max_upload_mb": 0.5},
    })
    assert c.business_hours.week[0] == (dt.time(8), dt.time(23, 59)) and c.business_hours.week[5] is None
    assert c.business_hours.holidays == (dt.date(2024, 12, 24),)
    assert dt.date(2024, 12, 6) in c.business_hours.closed_dates(range(2024, 2025))  # Finnish independence day
    assert c.sla_first_reply == {"default": 5400.0, "chat": 120.0}  # a table replaces the default one
    assert (c.call_short_abandon_seconds, c.call_satisfaction_scale) == (30.0, (0.0, 10.0))
    assert c.surveys["nps"].type == "nps" and c.surveys["relationship"].scale == (1.0, 7.0)
    assert c.surveys["effort"].effort_high and not c.surveys["nps"].effort_high
    assert c.targets == {"csat": {"default": 85.0}, "first_response_time": {"email": 14400.0, "default": 7200.0}}
    assert c.server.max_upload_bytes == 512 * 1024


@pytest.mark.parametrize(("raw", "message"), [
    ({"timezone": "Mars/Olympus"}, "cxm.toml: timezone: unknown time zone 'Mars/Olympus'"),
    ({"business_hours": {"timezone": "Nope"}}, "cxm.toml: business_hours.timezone: unknown time zone 'Nope'"),
    ({"business_hours": {"week": {"mon": "9-17"}}}, "cxm.toml: business_hours.week.mon: expected HH:MM-HH:MM"),
    ({"business_hours": {"week": {"tue": "17:00-09:00"}}}, "business_hours.week.tue: window must end after"),
    ({"business_hours": {"week": {"wed": "25:00-26:00"}}}, "business_hours.week.wed: invalid time"),
    ({"business_hours": {"holidays": ["2024-13-01"]}}, "cxm.toml: business_hours.holidays.0: input should be a"),
    ({"business_hours": {"country": "XX"}}, "no calendar for country 'XX'"),
    ({"business_hours": {"country": "FI", "subdivision": "ZZ"}}, "FI has no subdivision 'ZZ'"),
    ({"sla": {"first_reply": {"email": "soon"}}}, "cxm.toml: sla.first_reply.email: not a duration: 'soon'"),
    ({"sla": {"resolution": {"email": True}}}, "sla.resolution.email: not a duration: True"),
    ({"fcr": {"repeat_window_days": 0}}, "cxm.toml: fcr.repeat_window_days: input should be greater than"),
    ({"calls": {"satisfaction_scale": [5, 1]}}, "calls.satisfaction_scale: must be [min, max] with min < max"),
    ({"surveys": {"pulse": {}}}, "cxm.toml: surveys: 'pulse' needs a type"),
    ({"surveys": {"nps": {"orientation": "sideways"}}}, "surveys.nps.orientation: input should be"),
    ({"targets": {"csat": "high"}}, "cxm.toml: targets.csat.default: expected a number or a duration"),
    ({"targets": {"csat": {"email": False}}}, "targets.csat.email: not a number: False"),
    ({"server": {"max_upload_mb": True}}, "cxm.toml: server.max_upload_mb: expected a number, got True"),
    ({"server": {"max_upload_mb": 0}}, "server.max_upload_mb: input should be greater than 0"),
    ({"server": 5}, "cxm.toml: server must be a table ([server]), got 5"),
])
def test_validation_errors_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config_from_dict(raw, "cxm.toml")
    assert message in str(e.value)


@pytest.mark.parametrize(("raw", "message"), [
    ({"colour": "blue"}, "cxm.toml: unknown setting 'colour'; known: db, timezone, business_hours"),
    ({"timezon": "UTC"}, "cxm.toml: unknown setting 'timezon'; did you mean timezone?"),
    ({"sla": {"first_replies": {}}}, "unknown setting 'first_replies' in [sla]; did you mean first_reply?"),
    ({"business_hours": {"week": {"funday": "09:00-10:00"}}}, "unknown day 'funday' in [business_hours.week]"),
    ({"surveys": {"nps": {"colour": 1}}}, "unknown setting 'colour' in [surveys.nps]; known: type, scale"),
])
def test_unknown_keys_are_refused(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config_from_dict(raw, "cxm.toml")
    assert message in str(e.value)


def test_parse_duration() -> None:
    assert [parse_duration(x) for x in ("24h", "90m", "3600s", "2d", "1.5h", 45, 2.5)] == \
        [86400, 5400, 3600, 172800, 5400, 45, 2.5]
    for bad in ("soon", "1w", "-1h", True):
        with pytest.raises(ConfigError, match="not a duration"):
            parse_duration(bad)  # type: ignore[arg-type]


# -- sources -------------------------------------------------------------------------------------------
@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXM_CONFIG", raising=False)
    monkeypatch.delenv("CXM_DB", raising=False)
    return tmp_path


def test_no_file_means_defaults(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CXM_WARM_START", "CXM_WRITE_NICE", "CXM_REPORT_HELPER", "CXM_COMPUTE_PROCESSES"):  # set by tests/conftest.py
        monkeypatch.delenv(var, raising=False)
    assert load_config() == Config()


def test_file_env_and_command_line(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (here / "cxm.toml").write_text('timezone = "Europe/Helsinki"\ndb = "data/cx.duckdb"\n', encoding="utf-8")
    c = load_config()
    assert c.timezone == "Europe/Helsinki" and c.source == "cxm.toml"
    assert c.db == Path("data/cx.duckdb")  # relative to the file's folder
    monkeypatch.setenv("CXM_DB", "env.duckdb")
    assert load_config().db == Path("env.duckdb")  # the environment beats the file
    assert load_config(overrides={"db": Path("cli.duckdb")}).db == Path("cli.duckdb")  # the option beats both
    assert load_config(overrides={"db": None}).db == Path("env.duckdb")  # an option not given changes nothing
    assert load_config(environ={}).db == Path("data/cx.duckdb")


def test_relative_db_in_another_folder(here: Path) -> None:
    (here / "conf").mkdir()
    (here / "conf" / "team.toml").write_text('db = "cx.duckdb"\n', encoding="utf-8")
    assert load_config(here / "conf" / "team.toml", environ={}).db == here / "conf" / "cx.duckdb"


def test_config_env_names_the_file(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = here / "other.toml"
    other.write_text("[fcr]\nrepeat_window_days = 14\n", encoding="utf-8")
    monkeypatch.setenv("CXM_CONFIG", str(other))
    c = load_config()
    assert c.fcr_repeat_window_days == 14 and c.source == str(other)
    monkeypatch.setenv("CXM_CONFIG", str(here / "missing.toml"))
    with pytest.raises(ConfigError, match=r"configuration file not found: .*missing.toml \(from \$CXM_CONFIG\)"):
        load_config()
    with pytest.raises(ConfigError, match=r"configuration file not found: .*nope.toml \(from --config\)"):
        load_config(here / "nope.toml")


def test_file_problems_name_the_file(here: Path) -> None:
    bad = here / "cxm.toml"
    bad.write_text("timezone = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cxm.toml: not valid TOML: "):
        load_config()
    bad.write_text("[server]\nmax_upload_mb = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cxm.toml: server.max_upload_mb: "):
        load_config()
    bad.write_text('colour = "blue"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cxm.toml: unknown setting 'colour'"):
        load_config()


def test_a_bad_command_line_value_names_the_command_line(here: Path) -> None:
    with pytest.raises(ConfigError, match=r"^the command line: timezone: unknown time zone 'Mars'"):
        load_config(overrides={"timezone": "Mars"})


def test_write_wait_from_the_environment(tmp_path, monkeypatch) -> None:
    from cxmetrics.errors import ConfigError
    from cxmetrics.settings import load_config

    monkeypatch.chdir(tmp_path)  # no cxm.toml here
    assert load_config(environ={}).write_wait == 600
    assert load_config(environ={"CXM_WRITE_WAIT": "2.5"}).write_wait == 2.5
    with pytest.raises(ConfigError, match="write_wait"):
        load_config(environ={"CXM_WRITE_WAIT": "soon"})
