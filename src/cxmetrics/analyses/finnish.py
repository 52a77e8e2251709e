"""Finnish word forms for the topic library, by rule (no dictionary needed).

A library term is written once ("hinta*", "tilaus*", "hidas*", "asenne*"), but Finnish
changes the stem when it inflects: consonant gradation (hinta -> hinnan, laatu -> laadun,
repeämä -> revennyt), the stem types in -s, -nen, -e, -in and -ton (tilaus -> tilauksen,
hidas -> hitaan, kallis -> kalliin, ystävällinen -> ystävällisen, asenne -> asenteen,
puhelin -> puhelimen, ammattitaidoton -> ammattitaidottoman), and a -tus noun's verb
(toimitus -> toimitti). :func:`stems` gives the stems a word built on the term may start
with, so one pattern covers its inflections. Some of them are not words ("laattu"): a
stem nobody writes matches nothing.

Compounds are written as one word, the head last ("toimitusmaksu" is a fee, "asiakaspalvelujono"
a queue): :func:`opaque_end` says where a word's lexicalised start ends (sähköposti is e-mail,
not post), so that a term is not looked for inside it.

Snowball's Finnish stemmer is not enough for this: it strips endings but leaves gradation
("hinta" -> "hin", "hintaa" -> "hint", "hinnan" -> "hin") and cannot see compounds.
"""

from __future__ import annotations

from functools import cache

VOWELS = frozenset("aeiouyäö")
#: consonant gradation, strong -> weak (the reverse table is built from it); k -> nothing
#: (vika -> vian) is left out: it would make three-letter stems that match anything
STRONG_WEAK = (("kk", "k"), ("pp", "p"), ("tt", "t"), ("nk", "ng"), ("mp", "mm"), ("lt", "ll"), ("rt", "rr"),
               ("nt", "nn"), ("ht", "hd"), ("t", "d"), ("p", "v"))
#: weak -> strong, without ll -> lt and v -> p: most ll and v are not graded (sovellus is not
#: soveltuu "suits", avain is not "apain")
WEAK_STRONG = tuple((w, s) for s, w in STRONG_WEAK if (s, w) not in (("lt", "ll"), ("p", "v")))
#: abstract nouns in -us/-ys whose stem is -ude/-yde (nopeus -> nopeuden), not -ukse
ABSTRACT = ("eus", "uus", "yys", "äys")
#: words that start with a lexicalised compound whose parts say something else
#: (sähköposti "e-mail" holds posti "post": a message, not a parcel)
OPAQUE = ("sähköpost",)
#: shortest term that is looked for inside a compound (shorter ones hide in unrelated words)
MIN_PART = 4
#: shortest first part of a compound
MIN_FIRST = 3


def _graded(stem: str, table: tuple[tuple[str, str], ...]) -> set[str]:
    """``stem`` with the consonants before its last vowel swapped per ``table``."""
    if not stem or stem[-1] not in VOWELS:
        return set()
    i = len(stem) - 1
    while i > 0 and stem[i - 1] in VOWELS:
        i -= 1
    j = i
    while j > 0 and stem[j - 1] not in VOWELS:
        j -= 1
    if j == 0 or j == i:  # no vowel before, or no consonant: nothing grades
        return set()
    cluster = stem[j:i]
    for a, b in table:  # one letter only alone: the t of "nt" is not graded as a lone t
        if cluster == a or (len(a) == 2 and cluster.endswith(a)):
            return {stem[:i - len(a)] + b + stem[i:]}
    return set()


def _stem_types(word: str) -> set[str]:
    """Inflection stems of a dictionary form by its ending (the -s, -e and -in stems in the
    strong grade too: hidas -> hitaa-, asenne -> asentee-, keitin -> keittime-)."""
    if word.endswith("nen"):
        return {word[:-3] + "se", word[:-3] + "si"}
    if word.endswith(ABSTRACT):
        return {word[:-1] + "de", word[:-1] + "tt"}
    if word.endswith(("us", "ys", "os", "ös")) and len(word) > 4:
        return {word[:-1] + "ks"}
    if word.endswith(("as", "äs")) and len(word) > 4:
        long = word[:-1] + word[-2]
        return {long} | _graded(long, WEAK_STRONG)
    if word.endswith("is") and len(word) > 4:
        return {word[:-1] + "i"}
    if word.endswith(("ton", "tön")):
        return {word[:-2] + ("tom" if word[-2] == "o" else "töm")}
    if word.endswith("in") and len(word) > 4:
        base = word[:-1]
        return {s + "me" for s in {base} | _graded(base, WEAK_STRONG)}
    if word.endswith("e") and len(word) > 3 and word[-2] not in VOWELS:
        return {s + "e" for s in {word} | _graded(word, WEAK_STRONG)}
    return set()


def _verb(term: str) -> set[str]:
    """The verb stem of a noun in -tus/-tys, also when the term stops before the s
    (toimitus, *toimitu* -> toimittaa; hyvitys -> hyvittää; kuljetus -> kuljettaja)."""
    for end in ("tus", "tys", "tu", "ty"):
        if term.endswith(end) and len(term) > len(end) + 2 and term[-len(end) - 1] in VOWELS:
            return {term[:-len(end)] + "tt"}
    return set()


@cache
def stems(term: str) -> tuple[str, ...]:
    """``term`` and the other stems its inflected forms start with (its other grade, its stem
    type's stem, the verb of a -tus noun), longest first; added stems have at least
    :data:`MIN_PART` letters."""
    found = {term} | _stem_types(term) | _verb(term) | _graded(term, STRONG_WEAK) | _graded(term, WEAK_STRONG)
    return tuple(sorted((s for s in found if s == term or len(s) >= MIN_PART), key=lambda s: (-len(s), s)))


def opaque_end(word: str) -> int:
    """Length of a lexicalised compound ``word`` starts with (0 if none): no term is looked for
    inside it."""
    for o in OPAQUE:
        if word.startswith(o):
            return len(o)
    return 0
