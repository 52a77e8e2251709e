"""Keeps the translation catalogues in step with the metric registry.

``python -m cxmetrics.interfaces.i18n.sync`` rewrites ``catalogs/metrics.en.toml`` from the
registry (``label``, ``description`` and ``formula`` of every metric) and lists, per
domain and language, the keys a translation misses, the keys it has that English
no longer has (obsolete), and the keys whose English text this run changed (their
translations need a review). ``--check`` writes nothing and exits 1 when
``metrics.en.toml`` is out of date or any translation misses keys or has extra ones.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxmetrics.interfaces.i18n import DEFAULT_LANG, LANGS, flatten

CATALOGS = Path(__file__).with_name("catalogs")
#: The catalogue domain generated from the registry, and the fields of each metric.
DOMAIN = "metrics"
FIELDS = ("name", "description", "formula")
ENGLISH_HEADER = (
    "# Generated from the metric registry by `python -m cxmetrics.interfaces.i18n.sync`; do not edit.\n"
    "# Translations: metrics.<lang>.toml, with exactly these keys."
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def toml_string(text: str) -> str:
    """A TOML basic string."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted key (``"fcr_rate:single_agent"``)."""
    bare = key and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in key)
    return key if bare else toml_string(key)


def registry_texts() -> dict[str, tuple[str, str, str]]:
    """metric key -> (label, description, formula), in registry order."""
    from cxmetrics.metrics.registry import all_metrics

    return {m.key: (m.label, m.description, m.formula) for m in all_metrics()}


def render(metrics: Mapping[str, Sequence[str]], header: str = ENGLISH_HEADER) -> str:
    """A ``metrics.<lang>.toml`` text: one ``[metric.<key>]`` table per metric."""
    lines = [header] if header else []
    for key, texts in metrics.items():
        lines += ["", f"[metric.{toml_key(key)}]"]
        lines += [f"{field} = {toml_string(text)}" for field, text in zip(FIELDS, texts, strict=True)]
    return "\n".join(lines) + "\n"


def english_text() -> str:
    """What ``metrics.en.toml`` must contain."""
    return render(registry_texts())


def read_keys(path: Path) -> dict[str, str]:
    """The flattened keys of one catalogue file ({} when it does not exist)."""
    if not path.exists():
        return {}
    return flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def domains(catalogs: Path = CATALOGS) -> list[str]:
    """Domains that have an English catalogue."""
    suffix = f".{DEFAULT_LANG}.toml"
    return sorted(p.name.removesuffix(suffix) for p in catalogs.glob(f"*{suffix}"))


@dataclass(frozen=True)
class Gap:
    domain: str
    lang: str
    missing: tuple[str, ...]
    extra: tuple[str, ...]


def gaps(catalogs: Path = CATALOGS, english: Mapping[str, Mapping[str, str]] | None = None) -> list[Gap]:
    """Per domain and language, keys missing from the translation or absent from English.

    ``english`` (domain -> keys) replaces the English files, e.g. by what the registry
    says before ``metrics.en.toml`` is written."""
    out = []
    for domain in sorted({*domains(catalogs), *(english or {})}):
        en = (english or {}).get(domain)
        en_keys = set(en if en is not None else read_keys(catalogs / f"{domain}.{DEFAULT_LANG}.toml"))
        for lang in LANGS:
            if lang == DEFAULT_LANG:
                continue
            keys = set(read_keys(catalogs / f"{domain}.{lang}.toml"))
            missing, extra = tuple(sorted(en_keys - keys)), tuple(sorted(keys - en_keys))
            if missing or extra:
                out.append(Gap(domain, lang, missing, extra))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxmetrics.interfaces.i18n.sync", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if metrics.en.toml is stale or a translation misses keys")
    parser.add_argument("--catalogs", type=Path, default=CATALOGS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    catalogs: Path = args.catalogs
    en_path = catalogs / f"{DOMAIN}.{DEFAULT_LANG}.toml"

    text = english_text()
    new = flatten(tomllib.loads(text))
    old = read_keys(en_path)
    stale = not en_path.exists() or en_path.read_text(encoding="utf-8") != text
    changed = sorted(k for k in new.keys() & old.keys() if new[k] != old[k])
    problems = 0
    if stale:
        if args.check:
            print(f"{en_path.name} is out of date: run python -m cxmetrics.interfaces.i18n.sync")
            problems += 1
        else:
            en_path.write_text(text, encoding="utf-8")
            print(f"wrote {en_path.name} ({len(new)} keys)")
    for key in changed:
        print(f"{DOMAIN}: English changed, review translations of {key}")

    for gap in gaps(catalogs, english={DOMAIN: new}):
        if not (catalogs / f"{gap.domain}.{gap.lang}.toml").exists():
            print(f"{gap.domain}.{gap.lang}: no {gap.domain}.{gap.lang}.toml ({len(gap.missing)} keys missing)")
        else:
            for key in gap.missing:
                print(f"{gap.domain}.{gap.lang}: missing {key}")
        for key in gap.extra:
            print(f"{gap.domain}.{gap.lang}: obsolete {key}")
        problems += len(gap.missing) + len(gap.extra)
    if not problems:
        print("all translations have every key")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
