"""Project settings from ``cxm.toml`` (documented in docs/configuration.md).

Every setting has a default so the tool runs with no file at all. Unknown keys
are an error: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Every setting, with its default and meaning. The docs are generated from this
#: and a test fails when a setting is missing from the docs.
SETTINGS: dict[str, tuple[object, str]] = {
    "timezone": ("UTC", "Reporting time zone (IANA name) and default zone for naive timestamps at import."),
    "business_hours.timezone": (None, "Zone of the weekly schedule; defaults to `timezone`."),
    "business_hours.week.mon": ("09:00-17:00", "Working window on Mondays, `HH:MM-HH:MM`; empty = closed. Same for tue..sun."),
    "business_hours.week.tue": ("09:00-17:00", "Working window on Tuesdays."),
    "business_hours.week.wed": ("09:00-17:00", "Working window on Wednesdays."),
    "business_hours.week.thu": ("09:00-17:00", "Working window on Thursdays."),
    "business_hours.week.fri": ("09:00-17:00", "Working window on Fridays."),
    "business_hours.week.sat": ("", "Working window on Saturdays (closed by default)."),
    "business_hours.week.sun": ("", "Working window on Sundays (closed by default)."),
    "business_hours.country": (None, "ISO country code whose public holidays (the `holidays` package) are closed days."),
    "business_hours.subdivision": (None, "Optional state/province code for the holidays of `country`."),
    "business_hours.holidays": ([], "Extra closed dates, `YYYY-MM-DD`."),
    "sla.first_reply": ({"email": "24h", "social": "1h"}, "First-reply target per channel (`default` key for other channels); durations like `24h`, `90m`, `3600s`, `2d`."),
    "sla.resolution": ({}, "Resolution target per channel (`default` for the others)."),
    "sla.priority_first_reply": ({}, "First-reply target per priority; overrides the channel target."),
    "sla.priority_resolution": ({}, "Resolution target per priority; overrides the channel target."),
    "fcr.repeat_window_days": (7, "Window of the `no_repeat_contact` FCR variant, in days."),
    "calls.short_abandon": ("5s", "Calls abandoned sooner than this are left out by the `excluding_short` variants "
                                  "of `call_abandonment_rate` and `service_level`."),
    "calls.service_level": ("20s", "Answer-time target T of `service_level` (answered within T / offered)."),
    "calls.satisfaction_scale": ([1, 5], "Scale `[min, max]` of `calls.satisfaction`; `call_csat` counts its top "
                                         "two boxes (top box of a 3-point scale)."),
    "surveys.NAME.type": (None, "What survey NAME measures: nps, csat, ces or cx (surveys named so need no entry)."),
    "surveys.NAME.scale": (None, "Declared scale `[min, max]` for responses without scale_min/scale_max "
                                 "(defaults: nps 0-10, csat 1-5, ces 1-7, cx 1-5)."),
    "surveys.NAME.orientation": ("easy_high", "For CES: `effort_high` when a high score means much effort; "
                                              "such scores are inverted (min + max - score)."),
    "targets.METRIC": (None, "The team's target for a metric (a number, or a duration such as `4h`); "
                             "a table `[targets.METRIC]` sets it per channel, with `default`."),
    "server.max_upload_mb": (200, "`cxm serve`: largest file accepted by `POST /api/v1/imports/{table}`, in MB "
                                  "(bigger uploads are refused with 413 before they are stored)."),
}

SURVEY_TYPES = ("nps", "csat", "ces", "cx")
DEFAULT_SCALES: dict[str, tuple[float, float]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "cx": (1, 5)}


@dataclass(frozen=True)
class Survey:
    name: str
    type: str
    scale: tuple[float, float] | None = None
    effort_high: bool = False


class ConfigError(ValueError):
    """A user-facing configuration problem (bad file, bad value)."""


_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str | int | float) -> float:
    """``"24h"`` -> 86400.0; plain numbers are seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    m = _DUR.match(str(text))
    if not m:
        raise ConfigError(f"not a duration: {text!r} (use e.g. 24h, 90m, 3600s, 2d)")
    mult = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return float(m.group(1)) * mult


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as Europe/Helsinki)") from None


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    #: weekday index (0 = Monday) -> (open, close) as local times, or None when closed
    week: tuple[tuple[dt.time, dt.time] | None, ...]
    country: str | None = None
    subdivision: str | None = None
    holidays: tuple[dt.date, ...] = ()

    def closed_dates(self, years: range) -> set[dt.date]:
        dates = set(self.holidays)
        if self.country:
            import holidays as hol

            try:
                cal = hol.country_holidays(self.country, subdiv=self.subdivision, years=list(years))
            except NotImplementedError:
                raise ConfigError(f"the holidays package has no calendar for {self.country!r}") from None
            dates.update(cal.keys())
        return dates


@dataclass(frozen=True)
class Config:
    timezone: str = "UTC"
    business_hours: BusinessHours = field(default_factory=lambda: _business_hours({}, "UTC"))
    sla_first_reply: dict[str, float] = field(default_factory=lambda: {"email": 86400.0, "social": 3600.0})
    sla_resolution: dict[str, float] = field(default_factory=dict)
    sla_priority_first_reply: dict[str, float] = field(default_factory=dict)
    sla_priority_resolution: dict[str, float] = field(default_factory=dict)
    fcr_repeat_window_days: int = 7
    call_short_abandon_seconds: float = 5.0
    call_service_level_seconds: float = 20.0
    call_satisfaction_scale: tuple[float, float] = (1.0, 5.0)
    surveys: dict[str, Survey] = field(default_factory=dict)
    #: metric key -> {channel or "default": target value}
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    #: [server] max_upload_mb: the API's upload limit
    max_upload_mb: float = 200.0
    source: str | None = None

    def survey(self, name: str) -> Survey:
        """The declared survey, or one inferred from a standard name (nps, csat, ces, cx)."""
        if name in self.surveys:
            return self.surveys[name]
        return Survey(name, name if name in SURVEY_TYPES else "custom")

    def with_timezone(self, tz: str | None) -> Config:
        if not tz:
            return self
        zone(tz)
        from dataclasses import replace

        return replace(self, timezone=tz)


def _window(day: str, text: str) -> tuple[dt.time, dt.time] | None:
    text = (text or "").strip()
    if not text or text.lower() == "closed":
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$", text)
    if not m:
        raise ConfigError(f"business_hours.week.{day}: expected HH:MM-HH:MM, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59  # "24:00" -> end of day (approximation to the minute)
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise ConfigError(f"business_hours.week.{day}: invalid time in {text!r}") from None
    if end <= start:
        raise ConfigError(f"business_hours.week.{day}: window must end after it starts ({text!r})")
    return (start, end)


def _business_hours(raw: dict[str, Any], default_tz: str) -> BusinessHours:
    unknown = set(raw) - {"timezone", "week", "country", "subdivision", "holidays"}
    if unknown:
        raise ConfigError(f"unknown setting(s) in [business_hours]: {', '.join(sorted(unknown))}")
    week_raw = raw.get("week", {})
    bad = set(week_raw) - set(WEEKDAYS)
    if bad:
        raise ConfigError(f"unknown day(s) in [business_hours.week]: {', '.join(sorted(bad))}")
    week = tuple(
        _window(d, str(week_raw.get(d, SETTINGS[f"business_hours.week.{d}"][0]))) for d in WEEKDAYS
    )
    tz = raw.get("timezone") or default_tz
    zone(tz)
    hol: list[dt.date] = []
    for h in raw.get("holidays", []):
        try:
            hol.append(h if isinstance(h, dt.date) else dt.date.fromisoformat(str(h)))
        except ValueError:
            raise ConfigError(f"business_hours.holidays: not a date: {h!r}") from None
    return BusinessHours(tz, week, raw.get("country"), raw.get("subdivision"), tuple(hol))


def _targets(raw: dict[str, Any], where: str) -> dict[str, float]:
    return {str(k): parse_duration(v) for k, v in raw.items()} if raw else {}


def _surveys(raw: dict[str, Any]) -> dict[str, Survey]:
    out = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"[surveys.{name}] must be a table")
        bad = set(spec) - {"type", "scale", "orientation"}
        if bad:
            raise ConfigError(f"unknown setting(s) in [surveys.{name}]: {', '.join(sorted(bad))}")
        stype = spec.get("type", name if name in SURVEY_TYPES else None)
        if stype not in SURVEY_TYPES:
            raise ConfigError(f"[surveys.{name}] type must be one of {', '.join(SURVEY_TYPES)}")
        scale = spec.get("scale")
        if scale is not None:
            if (not isinstance(scale, list) or len(scale) != 2 or not all(isinstance(v, (int, float)) for v in scale)
                    or scale[0] >= scale[1]):
                raise ConfigError(f"[surveys.{name}] scale must be [min, max] with min < max, got {scale!r}")
            scale = (float(scale[0]), float(scale[1]))
        orient = spec.get("orientation", "easy_high")
        if orient not in ("easy_high", "effort_high"):
            raise ConfigError(f"[surveys.{name}] orientation must be easy_high or effort_high")
        out[name] = Survey(name, stype, scale, orient == "effort_high")
    return out


def _target_value(metric: str, v: Any) -> float:
    if isinstance(v, bool):
        raise ConfigError(f"targets.{metric}: not a number: {v!r}")
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return parse_duration(v)
    except ConfigError:
        raise ConfigError(f"targets.{metric}: expected a number or a duration like 4h, got {v!r}") from None


def _target_settings(raw: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for metric, v in raw.items():
        if isinstance(v, dict):
            out[metric] = {str(k): _target_value(metric, x) for k, x in v.items()}
        else:
            out[metric] = {"default": _target_value(metric, v)}
    return out


def config_from_dict(raw: dict[str, Any], source: str | None = None) -> Config:
    known = {"timezone", "business_hours", "sla", "fcr", "surveys", "targets", "calls", "server"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown setting(s) in cxm.toml: {', '.join(sorted(unknown))}")
    tz = raw.get("timezone", "UTC")
    zone(tz)
    sla = raw.get("sla", {})
    bad = set(sla) - {"first_reply", "resolution", "priority_first_reply", "priority_resolution"}
    if bad:
        raise ConfigError(f"unknown setting(s) in [sla]: {', '.join(sorted(bad))}")
    fcr = raw.get("fcr", {})
    if set(fcr) - {"repeat_window_days"}:
        raise ConfigError(f"unknown setting(s) in [fcr]: {', '.join(sorted(set(fcr) - {'repeat_window_days'}))}")
    calls = raw.get("calls", {})
    bad = set(calls) - {"short_abandon", "service_level", "satisfaction_scale"}
    if bad:
        raise ConfigError(f"unknown setting(s) in [calls]: {', '.join(sorted(bad))}")
    scale = calls.get("satisfaction_scale", [1, 5])
    if (not isinstance(scale, list) or len(scale) != 2 or not all(isinstance(v, (int, float)) for v in scale)
            or scale[0] >= scale[1]):
        raise ConfigError(f"[calls] satisfaction_scale must be [min, max] with min < max, got {scale!r}")
    server = raw.get("server", {})
    if not isinstance(server, dict) or set(server) - {"max_upload_mb"}:
        names = sorted(set(server) - {"max_upload_mb"}) if isinstance(server, dict) else ["(not a table)"]
        raise ConfigError(f"unknown setting(s) in [server]: {', '.join(names)}")
    upload = server.get("max_upload_mb", 200)
    if isinstance(upload, bool) or not isinstance(upload, (int, float)) or not 0 < upload <= 1_000_000:
        raise ConfigError(f"[server] max_upload_mb must be a positive number of megabytes, got {upload!r}")
    return Config(
        timezone=tz,
        business_hours=_business_hours(raw.get("business_hours", {}), tz),
        sla_first_reply=_targets(sla.get("first_reply", {"email": "24h", "social": "1h"}), "first_reply"),
        sla_resolution=_targets(sla.get("resolution", {}), "resolution"),
        sla_priority_first_reply=_targets(sla.get("priority_first_reply", {}), "priority_first_reply"),
        sla_priority_resolution=_targets(sla.get("priority_resolution", {}), "priority_resolution"),
        fcr_repeat_window_days=int(fcr.get("repeat_window_days", 7)),
        call_short_abandon_seconds=parse_duration(calls.get("short_abandon", "5s")),
        call_service_level_seconds=parse_duration(calls.get("service_level", "20s")),
        call_satisfaction_scale=(float(scale[0]), float(scale[1])),
        surveys=_surveys(raw.get("surveys", {})),
        targets=_target_settings(raw.get("targets", {})),
        max_upload_mb=float(upload),
        source=source,
    )


def load_config(path: str | Path | None = None) -> Config:
    """Read ``path``, else ``$CXM_CONFIG``, else ``./cxm.toml`` if present, else defaults."""
    p = Path(path) if path else Path(os.environ["CXM_CONFIG"]) if os.environ.get("CXM_CONFIG") else Path("cxm.toml")
    if not p.exists():
        if path or os.environ.get("CXM_CONFIG"):
            raise ConfigError(f"configuration file not found: {p}")
        return Config()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: {e}") from None
    return config_from_dict(raw, str(p))
