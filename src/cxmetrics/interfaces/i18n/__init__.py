"""Translations and locale formats for reports and the dashboard.

Texts live in data (``catalogs/<domain>.<lang>.toml``), never in code: a domain
file per owner (``ui`` for report and dashboard labels, ``metrics`` for metric
names, descriptions and formulas, ...). Every language must carry every key the
English catalogue has; ``tests/test_i18n.py`` fails otherwise. Numbers, dates and
percentages are formatted by Babel with the language's CLDR conventions.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.numbers import format_decimal, format_percent

from cxmetrics.analyses.spikes import NONE  # how aggregates name a missing value; shown as ``ui.none``
from cxmetrics.errors import UnknownLanguage
from cxmetrics.periods.durations import UNITS, duration_parts

#: Report languages (the languages of the articles the product was specified from) -> Babel locale.
LANGS: dict[str, str] = {"en": "en", "ja": "ja", "zh-Hant": "zh_Hant_TW", "it": "it", "fi": "fi"}
DEFAULT_LANG = "en"
#: Native names, for language pickers.
LANG_NAMES: dict[str, str] = {"en": "English", "ja": "日本語", "zh-Hant": "繁體中文", "it": "Italiano", "fi": "Suomi"}
#: Units of human durations, largest first, with their length in seconds (Babel's names).
DURATION_UNITS: tuple[tuple[Literal["day", "hour", "minute", "second"], int], ...] = (
    ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def _unknown(lang: str) -> UnknownLanguage:
    return UnknownLanguage(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = str(v)
    return out


@cache
def catalog(lang: str) -> dict[str, str]:
    """All keys of one language, merged over every domain file."""
    if lang not in LANGS:
        raise _unknown(lang)
    out: dict[str, str] = {}
    for entry in sorted(resources.files("cxmetrics.interfaces.i18n").joinpath("catalogs").iterdir(), key=lambda p: p.name):
        name = entry.name
        if not name.endswith(f".{lang}.toml"):
            continue
        data = flatten(tomllib.loads(entry.read_text(encoding="utf-8")))
        clash = set(out) & set(data)
        if clash:
            raise ValueError(f"catalog {name} repeats keys {sorted(clash)[:5]}")
        out.update(data)
    return out


def normalise_lang(lang: str | None) -> str:
    """Accepts ``zh-hant``, ``zh_Hant``, ``FI``...; raises UnknownLanguage otherwise."""
    if not lang:
        return DEFAULT_LANG
    low = lang.replace("_", "-").lower()
    for code in LANGS:
        if code.lower() == low:
            return code
    raise _unknown(lang)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


@dataclass(frozen=True)
class Translator:
    """Texts and formats of one language. ``t("key", n=3)`` fills ``{n}`` placeholders."""

    lang: str = DEFAULT_LANG

    @property
    def locale(self) -> str:
        return LANGS[self.lang]

    # -- texts -------------------------------------------------------------
    def t(self, key: str, **kw: Any) -> str:
        text = catalog(self.lang).get(key)
        if text is None:
            text = catalog(DEFAULT_LANG).get(key, key)
        return text.format(**kw) if kw else text

    def has(self, key: str) -> bool:
        return key in catalog(self.lang) or key in catalog(DEFAULT_LANG)

    def metric_text(self, key: str, part: str) -> str:
        """``name``, ``description`` or ``formula`` of a metric; the registry's English text
        when a catalogue lacks it (a metric added without translations still reads well),
        the id itself for a metric the registry does not know."""
        k = f"metric.{key}.{part}"
        if self.has(k):
            return self.t(k)
        from cxmetrics.errors import UnknownMetric
        from cxmetrics.metrics.registry import get

        try:
            m = get(key)
        except UnknownMetric:
            return key if part == "name" else ""
        return str(m.label if part == "name" else getattr(m, part))

    def metric_name(self, key: str) -> str:
        return self.metric_text(key, "name")

    def metric_description(self, key: str) -> str:
        return self.metric_text(key, "description")

    def metric_formula(self, key: str) -> str:
        return self.metric_text(key, "formula")

    def dim_value(self, dim: str, value: Any) -> str:
        """A dimension value as shown (``weekday`` 1 -> Monday; known channels translated)."""
        if _missing(value) or value == NONE:
            return self.t("ui.none")
        if dim == "weekday":
            from babel.dates import get_day_names

            return get_day_names("abbreviated", locale=self.locale)[(int(value) - 1) % 7]
        key = f"value.{dim}.{value}"
        return self.t(key) if self.has(key) else str(value)

    # -- numbers -----------------------------------------------------------
    def number(self, v: Any, digits: int = 0) -> str:
        if _missing(v):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(float(v), pattern, locale=self.locale)

    def percent(self, v: Any, digits: int = 1) -> str:
        """``v`` in percent units (95.1 -> 95.1 %), as the records carry them; the locale's
        own percent pattern keeps its spacing (Finnish ``95,1 %``)."""
        if _missing(v):
            return "–"
        base = Locale.parse(self.locale).percent_formats[None].pattern
        pattern = base.replace("#,##0", "#,##0" + ("." + "0" * digits if digits else ""), 1)
        return format_percent(float(v) / 100.0, pattern, locale=self.locale)

    def duration(self, seconds: Any, business: bool = False) -> str:
        """Two units at most (``47m 18s``, ``4d 9h``) in the language's narrow units, rounded
        at the smaller one (``text.duration_parts``, as the CLI and the dashboard); days stay
        days (Babel would say ``1w`` or ``2m`` for months, which reads as minutes), and a
        duration in business hours (``business``) has no days at all (``43h``, not ``1d 19h``)."""
        if _missing(seconds):
            return "–"
        sign, parts = duration_parts(float(seconds), business=business)
        size = dict(UNITS)
        words = [format_timedelta(n * size[u], granularity=u, threshold=math.inf, format="narrow", locale=self.locale)
                 for i, (n, u) in enumerate(parts) if n or i == 0]
        return sign + " ".join(words)

    def value(self, v: Any, unit: str | None, business: bool = False) -> str:
        """A metric value in its unit (``business``: a duration in business hours)."""
        if _missing(v):
            return "–"
        if unit == "percent":
            return self.percent(v)
        if unit == "seconds":
            return self.duration(v, business)
        if unit == "count":
            return self.number(v)
        return self.number(v, 2 if unit == "currency" or abs(float(v)) < 10 else 1)

    def change(self, value: Any, previous: Any, unit: str | None) -> str:
        """The change from ``previous``: percentage points for percent metrics and
        scores such as NPS (their scale is already relative), else relative %."""
        if _missing(value) or _missing(previous):
            return "–"
        absolute = unit in ("percent", "score")
        if not absolute and float(previous) == 0:
            return "–"
        d = float(value) - float(previous) if absolute else (float(value) / float(previous) - 1) * 100
        sign = "+" if d > 0 else ("−" if d < 0 else "±")
        if unit == "percent":
            return f"{sign}{self.number(abs(d), 1)} {self.t('unit.pp')}"
        if absolute:
            return f"{sign}{self.number(abs(d), 1)}"
        return f"{sign}{self.percent(abs(d), 1)}"

    # -- dates -------------------------------------------------------------
    def date(self, d: dt.date | str | None, fmt: str = "medium") -> str:
        if d is None:
            return "–"
        d = dt.date.fromisoformat(d[:10]) if isinstance(d, str) else d
        return format_date(d, fmt, locale=self.locale)

    def month(self, d: dt.date | str | None, short: bool = False) -> str:
        if d is None:
            return "–"
        d = dt.date.fromisoformat(d[:10]) if isinstance(d, str) else d
        return format_skeleton("yMMM" if short else "yMMMM", d, locale=self.locale)


def translator(lang: str | None = None) -> Translator:
    return Translator(normalise_lang(lang))
