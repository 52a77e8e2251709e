"""Matching the topic library's patterns (``topics.toml``) against one comment, per language.

Patterns as written in the library: ``word`` (that word), ``word*`` (words starting with it),
``*part*`` (words containing it), a phrase with a space (found in the text); Japanese and
Chinese patterns are found in the text.

What this adds to plain string matching, so that wording the library was not written from
still finds its topic:

* Finnish (:mod:`cxmetrics.analyses.finnish`): a term also matches its inflected stems
  (hinta* finds "hinnat", tilaus* "tilauksesta", hidas* "hitaasti"), and a term of at least
  four letters also matches as a later part of a compound ("kuukausimaksu", "puhelinjonossa").
  One word says one thing: when terms of different topics match one word, the one furthest
  right wins, since a Finnish compound's head is its last part ("toimitusmaksu" is a fee).
* Japanese: a one-character pattern must start a word (janome), so 待 "wait" is not found
  inside 期待 "expectation" (longer ones are found anywhere: サイト inside ウェブサイト).

English and Italian words are matched as written: a Snowball stem is too coarse for a
pattern the library gives as a whole word ("lovely" would find "love", "perso" "persi").

A topic's score is its number of matched words (a word counts once per topic), phrases and, in
Japanese and Chinese, occurrences, with the matched patterns' total length as tie-breaker.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics.analyses import finnish
from cxmetrics.analyses.text import WORD, janome, normalise

CJK = ("ja", "zh-Hant")


@dataclass(frozen=True)
class Pattern:
    raw: str
    kind: str  # word | prefix | part | phrase | text
    forms: tuple[str, ...]  # the strings looked for (Finnish: with the term's inflected stems)

    @property
    def size(self) -> int:
        return len(self.raw.strip("*"))


def compile_pattern(raw: str, lang: str) -> Pattern:
    p = normalise(raw)
    if lang in CJK:
        return Pattern(p, "text", (p,))
    if " " in p:
        return Pattern(p, "phrase", (p,))
    kind = "part" if p.startswith("*") and p.endswith("*") else "prefix" if p.endswith("*") else "word"
    term = p.strip("*")
    return Pattern(p, kind, finnish.stems(term) if lang == "fi" else (term,))


def _start(p: Pattern, word: str, lang: str) -> int | None:
    """Where ``p`` matches in ``word`` (None: it does not)."""
    if p.kind == "part":
        found = [i for i in (word.find(f) for f in p.forms) if i >= 0]
        return min(found) if found else None
    if word == p.raw or (p.kind == "prefix" and word.startswith(p.forms)):
        return 0
    if lang != "fi":
        return None
    if p.kind == "word" and any(word.startswith(f) for f in p.forms if f != p.raw):
        return 0  # an inflected form of the word: "kallis" -> "kalliin"
    return _compound_part(p, word)


def _compound_part(p: Pattern, word: str) -> int | None:
    """Where ``p`` starts a later part of the compound ``word``: after a first part of at least
    three letters that ends as a Finnish compound's first part does (a vowel, or n/s of the
    genitive and the -s nouns: "puhelin|jono", "toimitus|maksu", not "lopput|ulos")."""
    if len(p.raw.strip("*")) < finnish.MIN_PART:
        return None
    lo = max(finnish.MIN_FIRST, finnish.opaque_end(word))
    best = None
    for f in p.forms:
        i = word.find(f, lo)
        while i >= 0:
            if word[i - 1] in finnish.VOWELS or word[i - 1] in "ns":
                best = i if best is None else max(best, i)
                break
            i = word.find(f, i + 1)
    return best


class Matcher:
    """The library's patterns of one language, ``patterns`` per topic in library order. Words
    recur across comments, so what each word matches is remembered (up to :data:`WORDS_KEPT`)."""

    WORDS_KEPT = 200_000

    def __init__(self, lang: str, patterns: dict[str, tuple[Pattern, ...]]) -> None:
        self.lang = lang
        self.patterns = patterns
        self.phrases = {k: tuple(p for p in ps if p.kind in ("phrase", "text")) for k, ps in patterns.items()}
        self.words = {k: tuple(p for p in ps if p.kind not in ("phrase", "text")) for k, ps in patterns.items()}
        self._seen: dict[str, dict[str, int]] = {}

    def hits(self, text: str) -> dict[str, tuple[int, int]]:
        """Per topic with a hit: (hits, total length of the patterns that hit), in library order
        (which breaks the last ties)."""
        t = normalise(text)
        score: dict[str, list[int]] = {}
        starts: frozenset[int] | None = None
        for topic, pats in self.phrases.items():
            for p in pats:
                if p.raw not in t:
                    continue
                if self.lang == "ja" and len(p.raw) == 1:
                    starts = _word_starts(t) if starts is None else starts
                    n = _count(t, p.raw, starts)
                else:
                    n = t.count(p.raw)
                if n:
                    _add(score, topic, n, n * p.size)
        if self.lang not in CJK:
            for w in WORD.findall(t):
                for topic, size in self._word(w).items():
                    _add(score, topic, 1, size)
        return {k: (score[k][0], score[k][1]) for k in self.patterns if k in score}

    def _word(self, w: str) -> dict[str, int]:
        """Topics ``w`` matches, each with the length of its longest pattern there."""
        if w in self._seen:
            return self._seen[w]
        found: dict[str, tuple[int, int]] = {}  # topic -> (rightmost start, longest pattern there)
        for topic, pats in self.words.items():
            for p in pats:
                i = _start(p, w, self.lang)
                if i is not None and (topic not in found or (i, p.size) > found[topic]):
                    found[topic] = (i, p.size)
        if self.lang == "fi" and len(found) > 1:  # the compound's head decides
            head = max(i for i, _ in found.values())
            found = {k: v for k, v in found.items() if v[0] == head}
        if len(self._seen) >= self.WORDS_KEPT:
            self._seen.clear()
        out = self._seen[w] = {k: size for k, (_, size) in found.items()}
        return out


def _add(score: dict[str, list[int]], topic: str, n: int, size: int) -> None:
    s = score.setdefault(topic, [0, 0])
    s[0] += n
    s[1] += size


def _word_starts(text: str) -> frozenset[int]:
    """Character offsets where janome's words start."""
    out, pos = set(), 0
    for tok in janome().tokenize(text):
        out.add(pos)
        pos += len(tok.surface)
    return frozenset(out)


def _count(text: str, pattern: str, starts: frozenset[int]) -> int:
    n, i = 0, text.find(pattern)
    while i >= 0:
        n += i in starts
        i = text.find(pattern, i + 1)
    return n
