"""Sentiment of a comment, offline: a bundled lexicon per language with negation (issue 16).

Why a lexicon and not a model: nothing may be downloaded at run time and PyTorch is out, and
no packaged model covers Finnish, Italian, Japanese and Traditional Chinese alike. The
lexicon (``sentiment.toml``, written for this project) holds the praise and complaint words
of customer feedback in each of the five languages; docs/themes.md records how often it is
right on labelled comments and how it follows the survey score.

How a comment is scored:

1. Emoji and emoticons count in any language (👍 +2, 😞 -2).
2. A contrast word ("but", "mutta", "ma", "けど", "但是") splits the comment: what follows
   counts 1.5 times, what comes before half, as in VADER.
3. Within each clause (text between punctuation): phrases first, as text, never negated
   ("couldn't be happier", "no reply", "二度と"); then words. A word is negated, and counts
   -0.75 times its weight, when a negator stands among the three words before it (English,
   Finnish, Italian: "not bad", "ei toimi", "non funziona"), when ない/ぬ/ん follows it with only
   particles, auxiliaries and light verbs between (Japanese: 悪くなかった, 満足していません), or
   when 不/沒/無/未/別 stands among the three characters before it (Chinese: 沒有問題).
4. The sum ``x`` becomes ``x / sqrt(x² + 4)`` in -1..1; below 0.25 either way is neutral,
   so one mild word ("arrived", "fine") alone does not make a comment positive.

A language left out of :data:`SUPPORTED` gets 0 (neutral) for every comment: better no
answer than a guess.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cxmetrics.analyses.text import LANGS, WORD, normalise

#: languages scored; measured in docs/themes.md (a language below the bar would be left out)
SUPPORTED = frozenset(LANGS)
#: the sum of weights x maps to x / sqrt(x² + ALPHA)
ALPHA = 4.0
#: |score| below this is neutral
NEUTRAL_BAND = 0.25
NEGATED = -0.75
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
#: words (en, fi, it) or characters (zh-Hant) before an entry that can negate it
NEGATION_WINDOW = 3
CLAUSE = re.compile(r"[.,;:!?…。、，！？；：\n]+")
#: Japanese tokens that may stand between an entry and its negation (particles, auxiliaries, light verbs)
JA_LIGHT_VERBS = frozenset(["する", "いる", "ある", "くる", "できる", "なる", "れる", "られる", "せる", "させる", "おる"])
JA_PASS = frozenset(["助詞", "助動詞", "副詞"])


@dataclass(frozen=True)
class Lexicon:
    lang: str
    negators: frozenset[str]
    contrast: tuple[str, ...]
    phrases: tuple[tuple[str, float], ...]  # longest first
    exact: dict[str, float]
    prefixes: tuple[tuple[str, float], ...]  # longest first
    infixes: tuple[tuple[str, float], ...]

    def weight(self, word: str) -> float | None:
        """The entry a word matches: exact, then the longest stem, then a part inside it."""
        w = self.exact.get(word)
        if w is not None:
            return w
        for head, v in self.prefixes:
            if word.startswith(head):
                return v
        for part, v in self.infixes:
            if part in word:
                return v
        return None


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("cxmetrics.analyses").joinpath("sentiment.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def emoji() -> tuple[tuple[str, float], ...]:
    return tuple(sorted(((k, float(v)) for k, v in _raw()["emoji"].items()), key=lambda kv: -len(kv[0])))


@cache
def lexicon(lang: str) -> Lexicon:
    raw = _raw()[lang]
    words: dict[str, float] = {normalise(k): float(v) for k, v in raw["words"].items()}
    phrases = sorted(((normalise(k), float(v)) for k, v in raw["phrases"].items()),
                     key=lambda kv: -len(kv[0]))
    exact = {k: v for k, v in words.items() if "*" not in k}
    prefixes = sorted(((k[:-1], v) for k, v in words.items() if k.endswith("*") and not k.startswith("*")),
                      key=lambda kv: -len(kv[0]))
    infixes = tuple((k.strip("*"), v) for k, v in words.items() if k.startswith("*") and k.endswith("*"))
    if lang == "zh-Hant":  # Chinese entries are all text, matched longest first
        phrases = sorted([*phrases, *((k, v) for k, v in exact.items())], key=lambda kv: -len(kv[0]))
    return Lexicon(lang, frozenset(normalise(n) for n in raw["negators"]),
                   tuple(normalise(c) for c in raw["contrast"]), tuple(phrases), exact,
                   tuple(prefixes), infixes)


def _take(text: str, needle: str, latin: bool) -> tuple[int, str]:
    """Occurrences of ``needle`` in ``text`` (at a word start for Latin text) and the text without them."""
    if needle not in text:  # most entries are in no comment: no pattern to build or run
        return 0, text
    pattern = (r"(?<![^\W\d_])" if latin else "") + re.escape(needle)
    found = re.findall(pattern, text)
    return len(found), re.sub(pattern, " ¦ ", text) if found else text


def _contrast_parts(text: str, lex: Lexicon, latin: bool) -> list[tuple[str, float]]:
    """The comment split at its first contrast word: [(before, 0.5), (after, 1.5)], or [(text, 1)]."""
    best: re.Match[str] | None = None
    for c in lex.contrast:
        m = re.search(rf"(?<![^\W\d_]){re.escape(c)}(?![^\W\d_])" if latin else re.escape(c), text)
        if m and m.start() > 0 and (best is None or m.start() < best.start()):
            best = m
    if best is None or not text[best.end():].strip():
        return [(text, 1.0)]
    return [(text[:best.start()], BEFORE_CONTRAST), (text[best.end():], AFTER_CONTRAST)]


def _latin(clause: str, lex: Lexicon) -> float:
    total = 0.0
    for phrase, w in lex.phrases:
        n, clause = _take(clause, phrase, latin=True)
        total += n * w
    ws = WORD.findall(clause)
    for i, word in enumerate(ws):
        weight = lex.weight(word)
        if weight is None or word in lex.negators:
            continue
        negated = any(x in lex.negators for x in ws[max(0, i - NEGATION_WINDOW):i])
        total += weight * (NEGATED if negated else 1.0)
    return total


def _japanese(clause: str, lex: Lexicon) -> float:
    from cxmetrics.analyses.text import janome

    total = 0.0
    for phrase, w in lex.phrases:
        n, clause = _take(clause, phrase, latin=False)
        total += n * w
    toks = [(t.base_form if t.base_form != "*" else t.surface, t.part_of_speech.split(",")[0])
            for t in janome().tokenize(clause)]
    for i, (base, _pos) in enumerate(toks):
        weight = lex.exact.get(base)
        if weight is None:
            continue
        negated = False
        for nb, npos in toks[i + 1:i + 6]:
            if nb in lex.negators and npos in ("助動詞", "形容詞"):
                negated = True
                break
            if npos in JA_PASS or (npos == "動詞" and nb in JA_LIGHT_VERBS):
                continue
            break
        total += weight * (NEGATED if negated else 1.0)
    return total


def _chinese(clause: str, lex: Lexicon) -> float:
    total = 0.0
    used = [False] * len(clause)
    phrase_keys = {normalise(k) for k in _raw()["zh-Hant"]["phrases"]}
    for entry, w in lex.phrases:  # phrases and words, longest first, never overlapping
        for m in re.finditer(re.escape(entry), clause):
            s, e = m.span()
            if any(used[s:e]):
                continue
            before = range(max(0, s - NEGATION_WINDOW), s)
            negated = entry not in phrase_keys and any(clause[j] in lex.negators and not used[j] for j in before)
            used[s:e] = [True] * (e - s)
            total += w * (NEGATED if negated else 1.0)
    return total


def polarity(text: str | None, lang: str) -> float:
    """The comment's sentiment in -1..1 (0: neutral, or a language not in :data:`SUPPORTED`)."""
    if not text or lang not in SUPPORTED:
        return 0.0
    t = normalise(text)
    total = 0.0
    for face, w in emoji():
        n, t = _take(t, face, latin=False)
        total += n * w
    lex = lexicon(lang)
    latin = lang in ("en", "fi", "it")
    score = {"ja": _japanese, "zh-Hant": _chinese}.get(lang, _latin)
    for part, factor in _contrast_parts(t, lex, latin):
        for clause in CLAUSE.split(part):
            if clause.strip():
                total += factor * score(clause, lex)
    return max(-1.0, min(1.0, total / math.sqrt(total * total + ALPHA))) if total else 0.0


def label(score: float) -> str:
    """negative / neutral / positive."""
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"
