"""Project settings: one typed model, the only place that knows a setting's default.

Sources, each overriding the one before: the defaults below; ``cxm.toml`` (``--config
PATH``, else ``$CXM_CONFIG``, else ``./cxm.toml`` if present); environment variables
(``CXM_DB``); command-line options (``--db``; ``--tz`` per command). Every setting has a
default, so the tool runs with no file at all. Unknown keys are an error naming the key
and the file: a typo must not silently fall back to a default.

docs/configuration.md is generated from the models (:func:`setting_rows`): the field's
default, its description and where else it can be set. Durations are written like
``24h``, ``90m``, ``3600s`` or ``2d`` (a plain number is seconds) and held as seconds.

The engine reads the flat names it always has (``config.timezone``,
``config.business_hours``, ``config.sla_first_reply``, ``config.fcr_repeat_window_days``,
``config.call_service_level_seconds``, ``config.max_upload_mb``...); they are views of
the sections (``config.sla.first_reply`` ...).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from cxmetrics.errors import ConfigError

__all__ = ["DEFAULT_SCALES", "DEFAULT_SCHEDULE", "SLA_METRICS", "SURVEY_TYPES", "WEEKDAYS", "BusinessHours", "Calls",
           "Config", "EngineSettings", "Fcr", "Schedule", "Server", "Sla", "SlaPolicy", "Staffing", "Survey", "Week", "config_from_dict",
           "load_config", "mask_urls", "parse_duration", "setting_rows", "shown_url", "zone"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SURVEY_TYPES = ("nps", "csat", "ces", "cx")
#: The scale of a survey type when neither the response nor ``[surveys.NAME]`` gives one.
DEFAULT_SCALES: dict[str, tuple[float, float]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "cx": (1, 5)}
#: The file read when neither ``--config`` nor ``$CXM_CONFIG`` names one.
DEFAULT_FILE = "cxm.toml"
CONFIG_ENV = "CXM_CONFIG"


# -- value types ---------------------------------------------------------------------------------
_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str | int | float) -> float:
    """``"24h"`` -> 86400.0; plain numbers are seconds."""
    if isinstance(text, bool):
        raise ConfigError(f"not a duration: {text!r} (use e.g. 24h, 90m, 3600s, 2d)")
    if isinstance(text, (int, float)):
        return float(text)
    m = _DUR.match(str(text))
    if not m:
        raise ConfigError(f"not a duration: {text!r} (use e.g. 24h, 90m, 3600s, 2d)")
    mult = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return float(m.group(1)) * mult


@functools.cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows (the API's schema lists them: it accepts
    exactly these)."""
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; :class:`ConfigError` when there is none."""
    names = zone_names()
    try:
        if names and name not in names:  # ZoneInfo also opens stray files such as "posixrules"
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as Europe/Helsinki)") from None


def _zone_name(name: str) -> str:
    zone(name)
    return name


def _number(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    return v


def _window(v: Any) -> tuple[dt.time, dt.time] | None:
    if v is None or isinstance(v, tuple):
        return v
    text = str(v).strip()
    if not text or text.lower() == "closed":
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$", text)
    if not m:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59  # "24:00" -> end of day (approximation to the minute)
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise ValueError(f"invalid time in {text!r}") from None
    if end <= start:
        raise ValueError(f"window must end after it starts ({text!r})")
    return (start, end)


def _scale(v: tuple[float, float]) -> tuple[float, float]:
    if v[0] >= v[1]:
        raise ValueError(f"must be [min, max] with min < max, got {list(v)!r}")
    return v


def _target(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError(f"not a number: {v!r}")
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return parse_duration(v)
    except ConfigError:
        raise ValueError(f"expected a number or a duration like 4h, got {v!r}") from None


def _per_channel(v: Any) -> Any:
    """``[targets] csat = 90`` is ``{"default": 90}``; a table sets it per channel."""
    return v if isinstance(v, dict) else {"default": v}


Zone = Annotated[str, AfterValidator(_zone_name)]
Duration = Annotated[float, BeforeValidator(parse_duration)]
Number = Annotated[float, BeforeValidator(_number)]


def _number_text(v: Any) -> Any:
    """A number, or its text (environment variables are text)."""
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            raise ValueError(f"expected a number of seconds, got {v!r}") from None
    return _number(v)


#: a number that may come from an environment variable
NumberText = Annotated[float, BeforeValidator(_number_text)]

_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*", re.IGNORECASE)


def _memory_text(v: Any) -> str:
    """A memory size as DuckDB reads it (``1GB``, ``1.5GiB``); ``0`` (or ``0GB``) for no limit of ours."""
    m = _MEMORY.fullmatch(str(v)) if isinstance(v, (str, int)) and not isinstance(v, bool) else None
    if m is None:
        raise ValueError(f"expected a size such as 1GB, 1.5GiB or 512MB, got {v!r}")
    number, unit = m.group(1), m.group(2)
    if float(number) == 0:
        return "0"
    if unit is None:
        raise ValueError(f"give a unit with the size (1GB, 512MB), got {v!r}")
    unit = unit.upper().replace("IB", "iB")
    scale = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30,
             "TiB": 2**40}[unit]
    if float(number) * scale < 128e6:  # DuckDB cannot run an import in less; 0 lifts the limit
        raise ValueError(f"at least 128MB (or 0 for DuckDB's own limit), got {v!r}")
    return f"{number}{unit}"


#: a memory size, checked and written as DuckDB's memory_limit setting takes it
MemoryText = Annotated[str, BeforeValidator(_memory_text)]
Window = Annotated[tuple[dt.time, dt.time] | None, BeforeValidator(_window)]
Scale = Annotated[tuple[Number, Number], AfterValidator(_scale)]
Durations = dict[str, Duration]
Target = Annotated[float, BeforeValidator(_target)]
Targets = dict[str, Annotated[dict[str, Target], BeforeValidator(_per_channel)]]


def _raw(value: Any) -> Any:
    """A default written as in ``cxm.toml`` (``"24h"``): the docs show it, validation parses it
    (``validate_default``), so the model holds seconds, times and tuples."""
    return value


def _where(env: str | None = None, option: str | None = None, key: str | None = None) -> dict[str, Any]:
    """Field metadata for the docs: the environment variable and option that also set it."""
    return {k: v for k, v in (("env", env), ("option", option), ("key", key)) if v}


class Section(BaseModel):
    """A table of ``cxm.toml``: typed, frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# -- sections --------------------------------------------------------------------------------------
class Week(Section):
    """``[business_hours.week]``: one working window per weekday (``None`` = closed)."""

    mon: Window = Field(default=_raw("09:00-17:00"), description="Working window on Mondays, `HH:MM-HH:MM`; empty = closed.")
    tue: Window = Field(default=_raw("09:00-17:00"), description="Working window on Tuesdays.")
    wed: Window = Field(default=_raw("09:00-17:00"), description="Working window on Wednesdays.")
    thu: Window = Field(default=_raw("09:00-17:00"), description="Working window on Thursdays.")
    fri: Window = Field(default=_raw("09:00-17:00"), description="Working window on Fridays.")
    sat: Window = Field(default=_raw(""), description="Working window on Saturdays (closed by default).")
    sun: Window = Field(default=_raw(""), description="Working window on Sundays (closed by default).")

    def __getitem__(self, weekday: int) -> tuple[dt.time, dt.time] | None:
        """The window of ``weekday`` (0 = Monday), as ``date.weekday()`` numbers them."""
        return getattr(self, WEEKDAYS[weekday])


class BusinessHours(Section):
    """``[business_hours]``: the weekly schedule and closed days of business-hours durations."""

    timezone: Zone | None = Field(default=None, description="Zone of the weekly schedule; defaults to `timezone`.")
    week: Week = Field(default_factory=Week)
    country: str | None = Field(default=None, description="ISO country code whose public holidays (the `holidays` package) "
                                                  "are closed days.")
    subdivision: str | None = Field(default=None, description="Optional state/province code for the holidays of `country`.")
    holidays: tuple[dt.date, ...] = Field(default=(), description="Extra closed dates, `YYYY-MM-DD`.")

    @model_validator(mode="after")
    def _known_country(self) -> BusinessHours:
        if self.country is not None:
            import holidays as hol

            supported = hol.list_supported_countries()
            if self.country not in supported:
                close = difflib.get_close_matches(self.country.upper(), list(supported), n=1)
                hint = f"; did you mean {close[0]}?" if close else " (use an ISO 3166 code such as FI)"
                raise ValueError(f"the holidays package has no calendar for country {self.country!r}{hint}")
            if self.subdivision is not None and self.subdivision not in supported[self.country]:
                raise ValueError(f"{self.country} has no subdivision {self.subdivision!r}; use one of "
                                 f"{', '.join(supported[self.country]) or '(none)'}")
        return self

    def closed_dates(self, years: range) -> set[dt.date]:
        dates = set(self.holidays)
        if self.country:
            import holidays as hol

            cal = hol.country_holidays(self.country, subdiv=self.subdivision, years=list(years))
            dates.update(cal.keys())
        return dates


#: The SLA metrics a policy sets targets for (``[[sla.policies]]``), in the order shown.
SLA_METRICS = ("first_reply", "next_reply", "periodic_update", "requester_wait", "agent_work", "resolution")
#: Ticket dimensions a policy's ``where`` may test (``agent`` is the assignee).
SLA_POLICY_DIMS = ("channel", "category", "priority", "team", "agent", "brand", "product", "language", "created_by")
#: Statuses a policy may pause its clocks in (solved and closed stop them anyway).
SLA_PAUSABLE = ("new", "open", "pending", "on_hold")


def _where_values(v: Any) -> Any:
    """``where = { priority = "urgent" }``: a value or a list of values (any of them) per dimension."""
    if not isinstance(v, dict):
        return v
    return {k: [x] if isinstance(x, str) else x for k, x in v.items()}


def _positive(x: float) -> float:
    if x <= 0:
        raise ValueError(f"a target must be longer than 0 seconds, got {x:g}")
    return x


Target_ = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive)]
Where = Annotated[dict[str, list[str]], BeforeValidator(_where_values)]


def _check_where(where: dict[str, list[str]]) -> dict[str, list[str]]:
    for dim, values in where.items():
        if dim not in SLA_POLICY_DIMS:
            close = difflib.get_close_matches(dim, SLA_POLICY_DIMS, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; use one of {', '.join(SLA_POLICY_DIMS)}"
            raise ValueError(f"unknown dimension {dim!r}{hint}")
        if not values or not all(isinstance(x, str) for x in values):
            raise ValueError(f"{dim}: expected a text or a list of texts, got {values!r}")
    return where


#: The name of ``[business_hours]`` among the schedules (``schedule = "default"``).
DEFAULT_SCHEDULE = "default"


class Schedule(BusinessHours):
    """``[[schedules]]``: a named business-hours schedule (zone, weekly windows, holidays) for the
    tickets its ``where`` matches, or for the SLA policies that name it (docs/sla.md)."""

    name: str = Field(min_length=1, description=(
        "Schedule name, for `[[sla.policies]] schedule`; `default` is reserved for `[business_hours]`."))
    where: Where = Field(default={}, description=(
        "Tickets this schedule applies to, e.g. `{ team = \"emea\" }` or `{ brand = [\"acme\", \"bolt\"] }`; the "
        "first matching schedule applies, tested on the ticket as it was when each clock started (see docs/sla.md); "
        "no match: `[business_hours]`. Empty: only policies that name the schedule use it."))

    @field_validator("where")
    @classmethod
    def _known_dims(cls, where: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_where(where)

    @field_validator("name")
    @classmethod
    def _not_default(cls, name: str) -> str:
        if name == DEFAULT_SCHEDULE:
            raise ValueError(f"{DEFAULT_SCHEDULE!r} is [business_hours]; give this schedule another name")
        return name


class SlaPolicy(Section):
    """``[[sla.policies]]``: one SLA policy; the first whose ``where`` matches a ticket applies."""

    name: str = Field(min_length=1, description="Policy name, shown as the `sla_policy` dimension.")
    where: Where = Field(default={}, description=(
        "Ticket dimensions the policy applies to, e.g. `{ priority = \"urgent\", channel = [\"email\", \"web\"] }` "
        f"(a list: any of its values); dimensions: {', '.join(SLA_POLICY_DIMS)}. Empty: every ticket. Tested "
        "on the ticket as it was when each SLA event started (history from `field_changes`)."))
    first_reply: Target_ | None = Field(default=None, description=(
        "Target from creation to the first agent reply (or a resolution without one)."))
    next_reply: Target_ | None = Field(default=None, description=(
        "Target from a customer message that follows an agent reply to the next agent reply (or resolution)."))
    periodic_update: Target_ | None = Field(default=None, description=(
        "Target from each agent reply to the next one while the ticket is unresolved."))
    requester_wait: Target_ | None = Field(default=None, description=(
        "Target for the total time in new, open and on_hold until resolution."))
    agent_work: Target_ | None = Field(default=None, description="Target for the total time in new and open until resolution.")
    resolution: Target_ | None = Field(default=None, description=(
        "Target from creation to resolution, counting every unresolved status (a reopen resumes it)."))
    hours: Literal["calendar", "business"] = Field(default="calendar", description=(
        "Count the targets in calendar hours or in business hours (`schedule`, else the ticket's schedule)."))
    pause: tuple[Literal["new", "open", "pending", "on_hold"], ...] = Field(default=(), description=(
        "Statuses in which this policy's clocks stop, e.g. `[\"pending\", \"on_hold\"]`."))
    schedule: str | None = Field(default=None, description=(
        "With `hours = \"business\"`: the `[[schedules]]` entry (by name; `default` is `[business_hours]`) whose "
        "hours every clock of this policy counts. Unset: each ticket's own schedule (the first `[[schedules]]` "
        "whose `where` matches the ticket when the clock starts, else `[business_hours]`)."))

    @field_validator("where")
    @classmethod
    def _known_dims(cls, where: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_where(where)

    @model_validator(mode="after")
    def _business_schedule(self) -> SlaPolicy:
        if self.schedule is not None and self.hours != "business":
            raise ValueError(f"policy {self.name!r} names schedule {self.schedule!r} but counts calendar hours; "
                             "set hours = \"business\"")
        return self

    @model_validator(mode="after")
    def _has_target(self) -> SlaPolicy:
        if not self.targets():
            raise ValueError(f"policy {self.name!r} sets no target (set one of {', '.join(SLA_METRICS)})")
        return self

    def targets(self) -> dict[str, float]:
        """The policy's targets in seconds, by SLA metric (only those it sets)."""
        return {m: getattr(self, m) for m in SLA_METRICS if getattr(self, m) is not None}


class Sla(Section):
    """``[sla]``: reply and resolution targets, in seconds once read."""

    first_reply: Durations = Field(default=_raw({"email": "24h", "social": "1h"}), description=(
        "First-reply target per channel (`default` key for other channels); durations like `24h`, `90m`, "
        "`3600s`, `2d`."))
    resolution: Durations = Field(default={}, description="Resolution target per channel (`default` for the others).")
    priority_first_reply: Durations = Field(default={}, description="First-reply target per priority; overrides the "
                                                            "channel target.")
    priority_resolution: Durations = Field(default={}, description="Resolution target per priority; overrides the channel "
                                                           "target.")
    policies: tuple[SlaPolicy, ...] = Field(default=(), description=(
        "SLA policies, `[[sla.policies]]` tables, first match applies (docs/sla.md). Without any, "
        "`sla_attainment` keeps the targets above."))

    @field_validator("policies")
    @classmethod
    def _unique_names(cls, policies: tuple[SlaPolicy, ...]) -> tuple[SlaPolicy, ...]:
        seen: set[str] = set()
        for p in policies:
            if p.name in seen:
                raise ValueError(f"two policies are named {p.name!r}")
            seen.add(p.name)
        return policies


class Fcr(Section):
    """``[fcr]``: first contact resolution."""

    repeat_window_days: int = Field(default=7, ge=1, le=3660, description="Window of the `no_repeat_contact` FCR variant "
                                                                  "and of effort's repeat contacts, in days.")


class Calls(Section):
    """``[calls]``: contact-centre thresholds."""

    short_abandon: Duration = Field(default=_raw("5s"), description=(
        "Calls abandoned sooner than this are left out by the `excluding_short` variants of "
        "`call_abandonment_rate` and `service_level`."))
    service_level: Duration = Field(default=_raw("20s"), description="Answer-time target T of `service_level` (answered within "
                                                       "T / offered).")
    satisfaction_scale: Scale = Field(default=_raw([1, 5]), description=(
        "Scale `[min, max]` of `calls.satisfaction`; `call_csat` counts its top two boxes (top box of a 3-point "
        "scale)."))


class Staffing(Section):
    """``[staffing]``: targets of `cxm staff` and the staffing plan of `cxm forecast`."""

    interval: Literal[15, 30, 60] = Field(default=30, description="Staffing interval in minutes: 15, 30 or 60.")
    service_level_target: float = Field(default=0.8, gt=0, lt=1, description=(
        "Share of contacts to answer within `calls.service_level` seconds (0.8 = 80/20 with the default)."))
    asa_target: Duration | None = Field(default=None, description=(
        "Optional target for the average speed of answer, e.g. `30s`; agents meet both targets."))
    max_occupancy: float = Field(default=0.85, gt=0, le=1, description=(
        "Highest share of time agents may be busy; more agents are staffed where the queue would run hotter."))
    shrinkage: float = Field(default=0.3, ge=0, lt=1, description=(
        "Share of paid time not spent on contacts (breaks, training, absence): scheduled = productive / "
        "(1 - shrinkage)."))
    patience: Durations = Field(default={}, description=(
        "Mean time callers wait before hanging up, per channel (`default` key for the others); where set, "
        "Erlang A replaces Erlang C."))
    concurrency: dict[str, Annotated[float, Field(ge=1)]] = Field(default=_raw({"chat": 2}), description=(
        "Contacts an agent handles at once, per channel: staffed with the effective AHT `aht / concurrency`."))
    asynchronous: tuple[str, ...] = Field(default=("email", "web", "social"), description=(
        "Channels answered later rather than while the customer waits (e-mail, forms): staffed against their "
        "response-time target (`sla.first_reply` for the channel) over business hours at the maximum occupancy, "
        "not by Erlang C."))


class Survey(Section):
    """``[surveys.NAME]``: what a survey measures and how its scores read."""

    type: Literal["nps", "csat", "ces", "cx"] | None = Field(default=None, description=(
        "What survey NAME measures: nps, csat, ces or cx (surveys named so need no entry)."))
    scale: Scale | None = Field(default=None, description=(
        "Declared scale `[min, max]` for responses without scale_min/scale_max (defaults: "
        + ", ".join(f"{t} {lo:g}-{hi:g}" for t, (lo, hi) in DEFAULT_SCALES.items()) + ")."))
    orientation: Literal["easy_high", "effort_high"] = Field(default="easy_high", description=(
        "For CES: `effort_high` when a high score means much effort; such scores are inverted (min + max - score)."))
    anonymous: bool = Field(default=False, description=(
        "Collected answers (`cxm survey link`, `cxm serve`) store no customer or ticket id; the invitation keeps "
        "only a keyed hash of the customer for throttling."))
    throttle_days: Number = Field(default=30, ge=0, description=(
        "A customer asked (by any collected survey) less than this many days ago is not asked again; 0 turns "
        "throttling off."))
    link_days: Number = Field(default=30, gt=0, description="How long a survey link stays valid, in days.")
    reminder_days: Number | None = Field(default=None, gt=0, description=(
        "`cxm survey reminders` lists links unanswered after this many days, once each (unset: no reminders)."))

    @property
    def effort_high(self) -> bool:
        return self.orientation == "effort_high"


class Server(Section):
    """``[server]``: ``cxm serve``."""

    max_upload_mb: Number = Field(default=200, gt=0, le=1_000_000, description=(
        "`cxm serve`: largest file accepted by `POST /api/v1/imports/{table}`, in MB (bigger uploads are refused "
        "with 413 before they are stored)."))

    warm_start: bool = Field(default=True, description=(
        "Every write (an import, a sync, a collected survey answer, `cxm demo`) computes the dashboard's first "
        "screen before it publishes, so a server that starts or sees the new data answers it at once (a few "
        "seconds per write on a large store); `false`: the first visitor after a write waits for it instead."),
        json_schema_extra=_where(env="CXM_WARM_START"))

    compute_processes: int = Field(default=2, ge=0, le=64, description=(
        "`cxm serve`: worker processes that answer metrics questions not asked before, each with its own "
        "Python and so its own core (in one process, answers are computed one at a time however many "
        "clients ask); at most one per core; the server's own threads answer when they are busy. `0`: the "
        "server computes everything itself."),
        json_schema_extra=_where(env="CXM_COMPUTE_PROCESSES"))

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


def _spark_url(v: SecretStr) -> SecretStr:
    """A Spark Connect URL (``sc://host:port``, parameters after ``/;``); the message of a bad
    one never repeats it, as it may hold a token."""
    url = v.get_secret_value().strip()
    if not url.startswith("sc://") or len(url) == len("sc://"):
        raise ValueError("must be a Spark Connect URL such as sc://host:15002 (the value is not shown here: "
                         "it may hold a token)")
    return SecretStr(url)


def shown_url(url: str) -> str:
    """A Spark Connect URL as it may be printed or logged: user info and every parameter's value
    (``;token=...``) masked, host and port kept (``sc://host:15002/;token=***``)."""
    head, sep, params = url.partition("/;")
    head = re.sub(r"^(sc://)[^@/]*@", r"\1***@", head.strip())
    if not sep:
        return head
    return head + "/;" + ";".join(p.split("=", 1)[0] + "=***" if "=" in p else p for p in params.split(";") if p)


_SC_URL = re.compile(r"sc://[^\s'\"`()<>,]+")


def mask_urls(text: str) -> str:
    """``text`` with every Spark Connect URL in it shown as :func:`shown_url` shows it (log lines,
    tracebacks, a command line)."""
    def mask(m: re.Match[str]) -> str:
        url = m.group().rstrip(":.")
        return shown_url(url) + m.group()[len(url):]

    return _SC_URL.sub(mask, text)


def _conf_text(v: Any) -> Any:
    """``[engine.conf]`` values as Spark takes them: text (``true``, ``4``, ``8g``)."""
    if not isinstance(v, dict):
        return v
    out = {}
    for k, x in v.items():
        if isinstance(x, bool):
            x = "true" if x else "false"
        elif isinstance(x, (int, float)):
            x = str(x)
        elif not isinstance(x, str):
            raise ValueError(f"{k}: a Spark setting is a text, number or true/false, not a {type(x).__name__}")
        out[k] = x
    return out


SparkUrl = Annotated[SecretStr, AfterValidator(_spark_url)]
SparkConf = Annotated[dict[str, str], BeforeValidator(_conf_text)]


class EngineSettings(Section):
    """``[engine]``: where `cxm metrics`, `cxm report` and `cxm serve` compute (docs/spark.md)."""

    kind: Literal["duckdb", "spark"] = Field(default="duckdb", description=(
        "`duckdb`: the store file (`db`). `spark`: the canonical tables in a Spark catalog, for `cxm metrics`, "
        "`cxm report` and `cxm serve`; other commands refuse it. A Spark Connect URL `sc://...` here means "
        "`spark` with that `remote`."), json_schema_extra=_where(env="CXM_ENGINE", option="--engine"))
    remote: SparkUrl | None = Field(default=None, description=(
        "Spark Connect URL, `sc://host:15002` (parameters such as `/;token=...` allowed; never printed or "
        "logged: keep a token in the environment variable). Set: `master` is not used."),
        json_schema_extra=_where(env="CXM_SPARK_REMOTE", option="--engine sc://..."))
    master: str | None = Field(default=None, description=(
        "Master of a Spark started by cxm when there is no `remote`: `local[N]` or `local[*]` (Spark inside the "
        "process, tuned for one machine) or a cluster's (`yarn`, `spark://host:7077`, `k8s://...`). Unset: the "
        "master spark-submit gives, else `local[*]`."), json_schema_extra=_where(env="CXM_SPARK_MASTER"))
    catalog: str | None = Field(default=None, description=(
        "Spark catalog holding the canonical tables (unset: the session's current catalog)."))
    database: str | None = Field(default=None, description=(
        "Database (schema) holding the canonical tables `tickets`, `messages`... (unset: the session's current "
        "database)."), json_schema_extra=_where(env="CXM_SPARK_DATABASE"))
    conf: SparkConf = Field(default={}, description=(
        "Spark settings for the session, e.g. `{ \"spark.executor.memory\" = \"8g\" }`; with a local master "
        "they override cxmetrics' own (docs/spark.md). Values are never printed."))

    @model_validator(mode="before")
    @classmethod
    def _url_as_kind(cls, data: Any) -> Any:
        """``--engine sc://...`` (or ``$CXM_ENGINE``): Spark, over that Spark Connect server."""
        if isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"].strip().startswith("sc://"):
            data = {**data, "kind": "spark", "remote": data["kind"].strip()}
        return data

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, v: Any) -> Any:
        if isinstance(v, str) and v not in ("duckdb", "spark"):
            shown = "" if ":" in v or "/" in v else f", not {v!r}"  # a mistyped URL may hold a token
            raise ValueError(f"must be duckdb, spark or a Spark Connect URL sc://host:port{shown}")
        return v

    @property
    def remote_url(self) -> str | None:
        """The Spark Connect URL itself (it may hold a token: never print it; :func:`shown_url`)."""
        return None if self.remote is None else self.remote.get_secret_value()


#: Settings that change no number computed from the store: where it is and how processes share it
#: ([engine]: answers kept in the store file are never Spark's; sql_cache: where SQL text is kept).
#: An answer computed by one process can serve another whatever these say (a new setting that
#: changes no number belongs here).
NUMBER_NEUTRAL = frozenset({"db", "write_wait", "write_memory", "write_nice", "server", "engine", "sql_cache",
                            "report_helper"})


class Config(Section):
    """Every setting, with its default (``Config()`` is the configuration without a file)."""

    db: Path = Field(default=Path("cx.duckdb"), description=(
        "The store file; a relative path in `cxm.toml` is relative to that file's folder."),
        json_schema_extra=_where(env="CXM_DB", option="--db"))
    timezone: Zone = Field(default="UTC", description="Reporting time zone (IANA name) and default zone for naive timestamps "
                                              "at import.", json_schema_extra=_where(option="--tz"))
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    schedules: tuple[Schedule, ...] = Field(default=(), description=(
        "Named business-hours schedules, `[[schedules]]` tables (per team or brand, each with its zone, week and "
        "holidays; docs/sla.md). A ticket's business-hours durations and SLA clocks count the first schedule whose "
        "`where` matches it, else `[business_hours]`."))
    sla: Sla = Field(default_factory=Sla)
    fcr: Fcr = Field(default_factory=Fcr)
    calls: Calls = Field(default_factory=Calls)
    staffing: Staffing = Field(default_factory=Staffing)
    surveys: dict[str, Survey] = Field(default={}, description="Declared surveys by name.")
    targets: Targets = Field(default={}, description=(
        "The team's target for a metric (a number, or a duration such as `4h`); a table `[targets.METRIC]` sets it "
        "per channel, with `default`."), json_schema_extra=_where(key="targets.METRIC"))
    server: Server = Field(default_factory=Server)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    write_wait: NumberText = Field(default=600, ge=0, le=86_400, description=(
        "Seconds a command that writes the store (an import, `cxm demo`, `cxm token`, an upload to `cxm serve`) "
        "waits for another writer to finish before giving up with 'store busy'; `0`: do not wait. Readers never "
        "wait (docs/architecture.md)."), json_schema_extra=_where(env="CXM_WRITE_WAIT", option="--wait"))

    write_memory: MemoryText = Field(default="1GB", description=(
        "Most memory DuckDB may take in a writer session (an import, `cxm demo`, a sync, an upload), e.g. "
        "`1GB`, `1.5GiB`, `512MB`; beyond it, temporary tables, sorts and joins spill to a folder next to the "
        "store, which keeps a large import's memory bounded (1M tickets: 1.3 GiB for the whole process, "
        "docs/benchmarks.md) at little cost in time; `0`: DuckDB's own limit (80% of the machine's memory)."),
        json_schema_extra=_where(env="CXM_WRITE_MEMORY"))

    write_nice: int = Field(default=10, ge=0, le=19, description=(
        "How far a command that writes the store (`cxm import`, `cxm sync`, `cxm demo`) lowers its CPU priority "
        "(its nice increment, 0-19) when it opens its writer session, so that readers (the dashboard, `cxm "
        "report`, notebooks) keep answering while it works; on an idle machine it is as fast as without. `0`: "
        "keep the priority. POSIX systems; the server's own uploads keep theirs."),
        json_schema_extra=_where(env="CXM_WRITE_NICE"))

    report_helper: bool = Field(default=True, description=(
        "Whether a report built in a process that stays (the server's report downloads, the Python API) "
        "computes its floor, forecast, comments, themes and CLV in a helper process, on the second core, while "
        "the asking process computes the rest; the helper starts with the first report and ends with its "
        "process (docs/architecture.md). `false`: everything in the asking process. `cxm report` has a second "
        "process of its own either way."), json_schema_extra=_where(env="CXM_REPORT_HELPER"))

    sql_cache: str | None = Field(default=None, description=(
        "Folder where compiled SQL is kept per query shape, so that a new process (a CLI command, the server "
        "after a restart, a notebook) does not compile again what another one did (docs/architecture.md); "
        "default `$XDG_CACHE_HOME/cxmetrics/sql`, else `~/.cache/cxmetrics/sql`; `off`: keep it in memory only. "
        "It holds SQL text, never data."), json_schema_extra=_where(env="CXM_SQL_CACHE"))

    #: the file the settings came from (None: defaults only)
    _source: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _schedule_zone(cls, data: Any) -> Any:
        """``business_hours.timezone`` defaults to ``timezone``, resolved once at load."""
        if not isinstance(data, dict):
            return data
        tz = data.get("timezone", cls.model_fields["timezone"].default)
        bh = data.get("business_hours")
        if bh is None:
            data = {**data, "business_hours": {"timezone": tz}}
        elif isinstance(bh, dict) and bh.get("timezone") is None:
            data = {**data, "business_hours": {**bh, "timezone": tz}}
        elif isinstance(bh, BusinessHours) and bh.timezone is None:
            data = {**data, "business_hours": bh.model_copy(update={"timezone": tz})}
        scheds = data.get("schedules")
        if isinstance(scheds, (list, tuple)):  # a schedule's zone defaults to the reporting zone too
            data = {**data, "schedules": [
                {**x, "timezone": tz} if isinstance(x, dict) and x.get("timezone") is None
                else x.model_copy(update={"timezone": tz}) if isinstance(x, Schedule) and x.timezone is None
                else x for x in scheds]}
        return data

    @model_validator(mode="after")
    def _known_schedules(self) -> Config:
        names = [s.name for s in self.schedules]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise ValueError(f"schedules: two schedules are named {dup!r}")
        known = {DEFAULT_SCHEDULE, *names}
        for p in self.sla.policies:
            if p.schedule is not None and p.schedule not in known:
                close = difflib.get_close_matches(p.schedule, sorted(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(sorted(known))}"
                raise ValueError(f"sla.policies: policy {p.name!r} names schedule {p.schedule!r}, which "
                                 f"[[schedules]] does not define{hint}")
        return self

    def schedule_hours(self) -> dict[str, BusinessHours]:
        """Every schedule by name: ``default`` (``[business_hours]``) first, then ``[[schedules]]``."""
        return {DEFAULT_SCHEDULE: self.business_hours, **{s.name: s for s in self.schedules}}

    @field_validator("surveys")
    @classmethod
    def _survey_types(cls, surveys: dict[str, Survey]) -> dict[str, Survey]:
        out = {}
        for name, s in surveys.items():
            if s.type is None:
                if name not in SURVEY_TYPES:
                    raise ValueError(f"{name!r} needs a type: one of {', '.join(SURVEY_TYPES)}")
                s = s.model_copy(update={"type": name})
            out[name] = s
        return out

    # -- the flat names the engine and metrics read -----------------------------------------------
    @property
    def source(self) -> str | None:
        return self._source

    @property
    def sql_cache_folder(self) -> Path | None:
        """The ``sql_cache`` folder resolved (``None``: in memory only)."""
        if self.sql_cache is not None:
            text = self.sql_cache.strip()
            return None if text.lower() in ("", "off") else Path(text).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
        return Path(base) / "cxmetrics" / "sql"

    @property
    def sla_first_reply(self) -> dict[str, float]:
        return self.sla.first_reply

    @property
    def sla_resolution(self) -> dict[str, float]:
        return self.sla.resolution

    @property
    def sla_priority_first_reply(self) -> dict[str, float]:
        return self.sla.priority_first_reply

    @property
    def sla_priority_resolution(self) -> dict[str, float]:
        return self.sla.priority_resolution

    @property
    def fcr_repeat_window_days(self) -> int:
        return self.fcr.repeat_window_days

    @property
    def call_short_abandon_seconds(self) -> float:
        return self.calls.short_abandon

    @property
    def call_service_level_seconds(self) -> float:
        return self.calls.service_level

    @property
    def call_satisfaction_scale(self) -> tuple[float, float]:
        return self.calls.satisfaction_scale

    @property
    def max_upload_mb(self) -> float:
        return self.server.max_upload_mb

    def with_timezone(self, tz: str | None) -> Config:
        """The same settings reported in ``tz`` (the business-hours zone stays as loaded)."""
        if not tz:
            return self
        zone(tz)
        out = self.model_copy(update={"timezone": tz})
        out._source = self._source
        return out


#: The defaults, for code that documents them (``DEFAULTS.calls.service_level`` ...).
DEFAULTS = Config()


# -- loading ---------------------------------------------------------------------------------------
def _env_vars() -> dict[str, str]:
    """Setting key -> the environment variable that sets it."""
    return {r.key: r.env for r in setting_rows() if r.env}


def load_config(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """The settings: ``path``, else ``$CXM_CONFIG``, else ``./cxm.toml`` if present, else defaults;
    then environment variables (``CXM_DB``), then ``overrides`` (command-line options, by
    setting key such as ``{"db": ...}``; ``None`` values are ignored)."""
    env = os.environ if environ is None else environ
    named = path or env.get(CONFIG_ENV)
    p = Path(named) if named else Path(DEFAULT_FILE)
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    source = None
    if p.exists():
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{p}: not valid TOML: {e}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {p}: {getattr(e, 'strerror', None) or e}") from None
        source = str(p)
        if isinstance(raw.get("db"), str) and not Path(raw["db"]).is_absolute():
            raw["db"] = str(p.parent / raw["db"])
    elif named:
        how = "--config" if path else f"${CONFIG_ENV}"
        raise ConfigError(f"configuration file not found: {p} (from {how})")
    for key, var in _env_vars().items():
        if env.get(var):
            _put(raw, key, env[var])
            origin[key] = f"${var}"
    for key, value in (overrides or {}).items():
        if value is not None:
            _put(raw, key, value)
            origin[key] = "the command line"
    return config_from_dict(raw, source, origin=origin)


def _put(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for part in parents:
        raw = raw.setdefault(part, {})
    raw[last] = value


def config_from_dict(raw: dict[str, Any], source: str | None = None, *,
                     origin: Mapping[str, str] | None = None) -> Config:
    """Validate ``raw`` (the parsed ``cxm.toml``); a problem is a :class:`ConfigError` naming the
    key and where it came from (``source``, or ``origin`` for keys set otherwise)."""
    try:
        config = Config.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_message(e, source or "the settings", origin or {})) from None
    config._source = source
    return config


def _message(e: ValidationError, where: str, origin: Mapping[str, str]) -> str:
    """One line for the first problem (the file is fixed one mistake at a time)."""
    err = e.errors(include_url=False)[0]
    loc = tuple(str(x) for x in err["loc"] if not str(x).startswith("function-"))
    loc = tuple(x for x in loc if x not in ("tuple[float, float]", "tuple[time, time]", "none"))
    key = ".".join(loc)
    src = next((o for k, o in origin.items() if key == k or key.startswith(k + ".")), where)
    if err["type"] == "extra_forbidden":
        known = _known_keys(loc)
        what = "day" if loc[-2:-1] == ("week",) else "setting"
        close = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(known)}" if known else ""
        table = f" in [{'.'.join(loc[:-1])}]" if len(loc) > 1 else ""
        return f"{src}: unknown {what} {loc[-1]!r}{table}{hint} (see docs/configuration.md)"
    if err["type"] in ("model_type", "dict_type", "model_attributes_type"):
        return f"{src}: {key} must be a table ([{key}]), got {err['input']!r}"
    if err["type"] == "value_error":
        msg = str(err["ctx"]["error"])
    else:
        msg = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {err['input']!r}"
    return f"{src}: {key}: {msg}" if key else f"{src}: {msg}"


def _unwrap(t: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> X."""
    while True:
        if get_origin(t) is Annotated:
            t = get_args(t)[0]
            continue
        args = [a for a in get_args(t) if a is not type(None)]
        if get_origin(t) in (Union, types.UnionType) and len(args) == 1:
            t = args[0]
            continue
        return t


def _model(t: Any) -> type[BaseModel] | None:
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def _known_keys(loc: tuple[str, ...]) -> list[str]:
    """The keys allowed next to ``loc[-1]``."""
    t: Any = Config
    for part in loc[:-1]:
        model = _model(t)
        if model is not None:
            field = model.model_fields.get(part)
            if field is None:
                return []
            t = _unwrap(field.annotation)
        elif get_origin(t) is dict:
            t = _unwrap(get_args(t)[1])
        elif get_origin(t) is tuple and part.isdigit():  # the n-th [[a.b]] table
            t = _unwrap(get_args(t)[0])
        else:
            return []
    model = _model(t)
    return list(model.model_fields) if model is not None else []


# -- documentation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SettingRow:
    """One documented setting: its ``cxm.toml`` key, default as TOML, description and other sources."""

    key: str
    default: str
    description: str
    env: str | None = None
    option: str | None = None


def toml_value(v: Any) -> str:
    """A default as it would be written in ``cxm.toml``."""
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, Path)):
        return f'"{v}"'
    if isinstance(v, (int, float)):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }" if v else "{}"
    return str(v)


def setting_rows() -> list[SettingRow]:
    """Every setting in ``cxm.toml`` order; a section is its settings, ``surveys.NAME.*`` per survey."""
    rows: list[SettingRow] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            t = _unwrap(f.annotation)
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            if _model(t) is not None and f.default_factory is not None:
                walk(t, f"{prefix}{name}.")
            elif get_origin(t) is dict and _model(_unwrap(get_args(t)[1])) is not None:
                walk(_unwrap(get_args(t)[1]), f"{prefix}{name}.NAME.")
            elif get_origin(t) is tuple and _model(_unwrap(get_args(t)[0])) is not None:  # [[a.b]] tables
                rows.append(SettingRow(prefix + name, toml_value(f.default), f.description or ""))
                walk(_unwrap(get_args(t)[0]), f"{prefix}{name}[].")
            else:
                env, option = extra.get("env"), extra.get("option")
                default = "(required)" if f.is_required() else toml_value(f.default)
                rows.append(SettingRow(str(extra.get("key") or prefix + name), default,
                                       f.description or "", str(env) if env else None,
                                       str(option) if option else None))

    walk(Config, "")
    return rows
