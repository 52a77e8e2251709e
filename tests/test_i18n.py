"""Translation catalogues and locale formats (cxmetrics.interfaces.i18n).

Every language must carry exactly the keys of English over all catalogue files, so
catalogues other domains add later are covered without touching this file.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import string
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from cxmetrics.errors import UnknownLanguage
from cxmetrics.interfaces.i18n import (
    DEFAULT_LANG,
    LANGS,
    Translator,
    catalog,
    normalise_lang,
    sync,
)
from cxmetrics.metrics.registry import all_metrics

CATALOGS = sync.CATALOGS
OTHER_LANGS = [lang for lang in LANGS if lang != DEFAULT_LANG]
FIELDS = ("name", "description", "formula")


def _listing(keys: set[str], limit: int = 40) -> str:
    shown = sorted(keys)[:limit]
    more = f"\n  ... and {len(keys) - limit} more" if len(keys) > limit else ""
    return "".join(f"\n  {k}" for k in shown) + more


# -- catalogue files and keys ---------------------------------------------------
def test_catalog_files_are_domain_dot_language() -> None:
    """A file for a language the package does not know would be ignored silently."""
    bad, by_domain = [], {}
    for path in CATALOGS.iterdir():
        if path.name.startswith(".") or path.is_dir():
            continue
        domain, _, rest = path.name.partition(".")
        lang = rest.removesuffix(".toml")
        if not rest.endswith(".toml") or lang not in LANGS:
            bad.append(path.name)
        else:
            by_domain.setdefault(domain, set()).add(lang)
    assert not bad, f"catalog files not named <domain>.<lang>.toml with lang in {list(LANGS)}: {bad}"
    incomplete = {d: sorted(set(LANGS) - langs) for d, langs in by_domain.items() if set(LANGS) - langs}
    assert not incomplete, f"domains missing a language file: {incomplete}"


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_language_has_exactly_the_english_keys(lang: str) -> None:
    """Per domain file (``report.fi.toml`` has the keys of ``report.en.toml``) and merged."""
    report = []
    for gap in sync.gaps():
        if gap.lang == lang:
            report.append(f"{gap.domain}.{lang}.toml: {len(gap.missing)} keys missing:{_listing(set(gap.missing))}")
            if gap.extra:
                report.append(f"{gap.domain}.{lang}.toml: {len(gap.extra)} keys not in English:"
                              f"{_listing(set(gap.extra))}")
    en, other = set(catalog(DEFAULT_LANG)), set(catalog(lang))
    if not report and (en - other or other - en):  # a key in another domain's file
        report.append(f"merged {lang} catalog: missing:{_listing(en - other)}\n  not in English:{_listing(other - en)}")
    assert not report, "\n".join(report) + "\n(python -m cxmetrics.interfaces.i18n.sync lists them too)"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match_english(lang: str) -> None:
    en, other = catalog(DEFAULT_LANG), catalog(lang)
    bad = []
    for key, text in other.items():
        try:
            fields = _fields(text)
        except ValueError as e:  # unbalanced braces: t(key, **kw) would raise
            bad.append(f"{key}: {e}: {text!r}")
            continue
        if key in en and fields != _fields(en[key]):
            bad.append(f"{key}: {sorted(fields)} != English {sorted(_fields(en[key]))}")
    assert not bad, f"{lang}: placeholders differ from English:" + "".join(f"\n  {b}" for b in bad)


@pytest.mark.parametrize("lang", LANGS)
def test_no_text_is_empty(lang: str) -> None:
    empty = {k for k, v in catalog(lang).items() if not v.strip()}
    assert not empty, f"{lang}: empty texts:{_listing(empty)}"


# -- metrics --------------------------------------------------------------------
def test_metrics_en_is_what_sync_generates() -> None:
    path = CATALOGS / f"{sync.DOMAIN}.{DEFAULT_LANG}.toml"
    assert path.read_text(encoding="utf-8") == sync.english_text(), (
        "metrics.en.toml is out of step with the metric registry: run python -m cxmetrics.interfaces.i18n.sync "
        "and translate the keys it lists"
    )


def test_metrics_en_carries_the_registry_texts() -> None:
    en = catalog(DEFAULT_LANG)
    for m in all_metrics():
        assert en[f"metric.{m.key}.name"] == m.label
        assert en[f"metric.{m.key}.description"] == m.description
        assert en[f"metric.{m.key}.formula"] == m.formula


@pytest.mark.parametrize("lang", LANGS)
def test_every_metric_has_name_description_formula(lang: str) -> None:
    cat = catalog(lang)
    missing = {f"metric.{m.key}.{f}" for m in all_metrics() for f in FIELDS
               if not cat.get(f"metric.{m.key}.{f}", "").strip()}
    assert not missing, f"{lang}: metrics without texts:{_listing(missing)}"


_ACRONYMS = re.compile(r"[A-Z0-9\s()/&+.-]+")


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_metric_names_are_translated(lang: str) -> None:
    """Catches English copied into a translation; names that are only acronyms may stay."""
    en, other = catalog(DEFAULT_LANG), catalog(lang)
    keys = [f"metric.{m.key}.name" for m in all_metrics()]
    same = {k for k in keys if other.get(k) == en[k] and not _ACRONYMS.fullmatch(en[k])}
    assert len(same) <= len(keys) // 10, f"{lang}: metric names identical to English:{_listing(same)}"


_OPERATORS = "*/<>=+"
_IDENTIFIER = re.compile(r"[A-Za-z]+(?:[._][A-Za-z]+)+")  # created_at, orders.amount, on_hold
_VARIABLE = re.compile(r"(?<![A-Za-z])[A-Z](?![A-Za-z])")  # E, N, S, T
_CODE = re.compile(r"`[^`]+`")  # `--by question`


def _numbers(text: str) -> Counter[str]:
    return Counter(re.findall(r"\d+", text))


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_formulas_keep_their_structure(lang: str) -> None:
    """Same operators, numbers, column names and variables as English; only words change."""
    en, other = catalog(DEFAULT_LANG), catalog(lang)
    bad = []
    for m in all_metrics():
        key = f"metric.{m.key}.formula"
        src, tr = en[key], other.get(key, "")
        ops_en = Counter(c for c in src if c in _OPERATORS)
        ops_tr = Counter(c for c in tr if c in _OPERATORS)
        if ops_en != ops_tr:
            bad.append(f"{key}: operators {dict(ops_tr)} != English {dict(ops_en)}: {tr!r}")
        if _numbers(src) - _numbers(tr):
            bad.append(f"{key}: numbers {sorted(_numbers(src) - _numbers(tr))} lost: {tr!r}")
        lost = [w for w in _IDENTIFIER.findall(src) + _VARIABLE.findall(src)
                if not re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", tr)]
        if lost:
            bad.append(f"{key}: lost {lost}: {tr!r}")
        depth = 0
        for c in tr:
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth < 0:
                break
        if depth:
            bad.append(f"{key}: unbalanced parentheses: {tr!r}")
    assert not bad, f"{lang}:" + "".join(f"\n  {b}" for b in bad)


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_descriptions_keep_column_names_and_options(lang: str) -> None:
    en, other = catalog(DEFAULT_LANG), catalog(lang)
    bad = []
    for m in all_metrics():
        key = f"metric.{m.key}.description"
        src, tr = en[key], other.get(key, "")
        lost = [w for w in _CODE.findall(src) + [w for w in _IDENTIFIER.findall(src) if "_" in w]
                if w not in tr]
        if lost:
            bad.append(f"{key}: lost {lost}: {tr!r}")
    assert not bad, f"{lang}:" + "".join(f"\n  {b}" for b in bad)


def test_japanese_metric_name() -> None:
    name = Translator("ja").metric_name("nps")
    assert name == "ネットプロモータースコア（NPS）"
    assert re.search(r"[\u30a0-\u30ff]", name)  # katakana


# -- dimension values -----------------------------------------------------------
def test_demo_values_have_labels() -> None:
    """The values the demo writes are translated (the key test covers the other languages)."""
    from cxmetrics.demo.conversation import STATUSES
    from cxmetrics.demo.customers import ACQ_CHANNELS, PAID, PLANS, SEGMENTS
    from cxmetrics.demo.feedback import CX_QUESTIONS, SURVEYS
    from cxmetrics.demo.tickets import CALL_QUEUES, CATEGORIES, CHANNELS, PRIORITIES
    from cxmetrics.facts.customers import NO_ANSWER

    dims = {
        "channel": CHANNELS, "category": CATEGORIES, "topic": CATEGORIES, "priority": PRIORITIES,
        "status": STATUSES, "queue": CALL_QUEUES, "survey": tuple(SURVEYS), "question": CX_QUESTIONS,
        "segment": SEGMENTS, "plan": PLANS, "acquisition_channel": (*ACQ_CHANNELS, *PAID, "display"),
        "created_by": ("customer", "agent", "system"),
        "feedback_group": ("promoter", "passive", "detractor", NO_ANSWER),
        "csat_group": ("satisfied", "not_satisfied", NO_ANSWER),
    }
    en = catalog(DEFAULT_LANG)
    missing = {f"value.{d}.{v}" for d, values in dims.items() for v in values if f"value.{d}.{v}" not in en}
    assert not missing, f"demo values without a label:{_listing(missing)}"


@pytest.mark.parametrize(("lang", "dim", "value", "expected"), [
    ("en", "category", "sales question", "Sales question"),
    ("ja", "channel", "phone", "電話"),
    ("zh-Hant", "feedback_group", "promoter", "推薦者"),
    ("it", "status", "on_hold", "In sospeso"),
    ("fi", "channel", "email", "Sähköposti"),
    ("fi", "team", "Care", "Care"),  # no key: shown as stored
    ("ja", "channel", None, "(なし)"),
])
def test_dim_value(lang: str, dim: str, value: object, expected: str) -> None:
    assert Translator(lang).dim_value(dim, value) == expected


# -- locale formats -------------------------------------------------------------
NBSP, MINUS = "\u00a0", "\u2212"
#: CLDR (Babel) conventions per language.
FORMATS: dict[str, dict[str, str]] = {
    "en": {"percent": "95.1%", "number": "12,345.6", "month": "October 2026", "duration": "47m 18s",
           "change_pp": f"{MINUS}4.9 pp", "change_rel": "+9.9%", "weekday": "Mon"},
    "ja": {"percent": "95.1%", "number": "12,345.6", "month": "2026年10月", "duration": "47m 18s",
           "change_pp": f"{MINUS}4.9 ポイント", "change_rel": "+9.9%", "weekday": "月"},
    "zh-Hant": {"percent": "95.1%", "number": "12,345.6", "month": "2026年10月", "duration": "47 分鐘 18 秒",
                "change_pp": f"{MINUS}4.9 個百分點", "change_rel": "+9.9%", "weekday": "週一"},
    "it": {"percent": "95,1%", "number": "12.345,6", "month": "ottobre 2026", "duration": "47min 18s",
           "change_pp": f"{MINUS}4,9 p.p.", "change_rel": "+9,9%", "weekday": "lun"},
    # CLDR fi: a no-break space before % ("#,##0 %") and as the group separator.
    "fi": {"percent": f"95,1{NBSP}%", "number": f"12{NBSP}345,6", "month": "lokakuu 2026", "duration": "47min 18s",
           "change_pp": f"{MINUS}4,9 %-yks.", "change_rel": f"+9,9{NBSP}%", "weekday": "ma"},
}
CALLS: dict[str, Callable[[Translator], str]] = {
    "percent": lambda t: t.percent(95.1),
    "number": lambda t: t.number(12345.6, 1),
    "month": lambda t: t.month(dt.date(2026, 10, 1)),
    "duration": lambda t: t.duration(2838),
    "change_pp": lambda t: t.change(95.1, 100, "percent"),
    "change_rel": lambda t: t.change(4142, 3768, "count"),
    "weekday": lambda t: t.dim_value("weekday", 1),
}


def _format_cases() -> list:
    cases = []
    for lang, expected in FORMATS.items():
        for what, text in expected.items():
            cases.append(pytest.param(lang, what, text, id=f"{lang}-{what}"))
    return cases


@pytest.mark.parametrize(("lang", "what", "expected"), _format_cases())
def test_locale_formats(lang: str, what: str, expected: str) -> None:
    assert CALLS[what](Translator(lang)) == expected


@pytest.mark.parametrize(("seconds", "expected"), [(10 * 86400 + 3 * 3600, "10d 3h"), (45 * 86400, "45d"),
                                                     (3600, "1h"), (0.4, "0s"), (-90, "-1m 30s")])
def test_duration_of_days_stays_in_days(seconds: int, expected: str) -> None:
    assert Translator("en").duration(seconds) == expected


def test_normalise_lang() -> None:
    assert normalise_lang("zh_hant") == "zh-Hant"
    assert normalise_lang("FI") == "fi"
    assert normalise_lang(None) == DEFAULT_LANG
    with pytest.raises(UnknownLanguage, match="xx"):
        normalise_lang("xx")


# -- the sync tool --------------------------------------------------------------
@pytest.mark.parametrize("text", ['say "hi"', "back\\slash", "two\nlines", "tab\tand \x7f del", "日本語 ✓"])
def test_toml_string_round_trips(text: str) -> None:
    assert tomllib.loads(f"{sync.toml_key('a:b')} = {sync.toml_string(text)}") == {"a:b": text}


@pytest.fixture
def metric_catalogs(tmp_path: Path) -> Path:
    for path in CATALOGS.glob(f"{sync.DOMAIN}.*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_sync_check_passes_on_the_metric_catalogs(metric_catalogs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync.main(["--check", "--catalogs", str(metric_catalogs)]) == 0, capsys.readouterr().out


def test_sync_lists_missing_and_obsolete_keys(metric_catalogs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ja = metric_catalogs / "metrics.ja.toml"
    text = ja.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^description = .*\n', "", text, count=1)  # drops ticket_volume's description
    ja.write_text(text + '\n[metric.gone]\nname = "x"\n', encoding="utf-8")
    assert sync.main(["--check", "--catalogs", str(metric_catalogs)]) == 1
    out = capsys.readouterr().out
    assert "metrics.ja: missing metric.ticket_volume.description" in out
    assert "metrics.ja: obsolete metric.gone.name" in out


def test_sync_rewrites_stale_english(metric_catalogs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    en = metric_catalogs / "metrics.en.toml"
    en.write_text(en.read_text(encoding="utf-8").replace('"Ticket volume"', '"Old label"'), encoding="utf-8")
    assert sync.main(["--check", "--catalogs", str(metric_catalogs)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert sync.main(["--catalogs", str(metric_catalogs)]) == 0
    out = capsys.readouterr().out
    assert "review translations of metric.ticket_volume.name" in out
    assert en.read_text(encoding="utf-8") == sync.english_text()
