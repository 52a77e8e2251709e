"""Comment text, offline: language detection and tokens per language.

* Language: scripts first (kana means Japanese; Han characters without kana mean Chinese,
  reported as ``zh-Hant``, the report language), then, for Latin text, which of the
  English, Finnish and Italian function-word lists and letter patterns the comment
  matches best. A comment with no signal keeps the language the response was given in
  (the survey page records it), else English.
* Tokens: Japanese through janome's bundled IPA dictionary (nouns, verbs, adjectives as
  dictionary forms); Chinese as character bigrams of each run of Han characters (no
  segmenter dictionary needed, and robust to Traditional and Simplified forms); English,
  Finnish and Italian as lower-case words without stop words, Snowball-stemmed.

Nothing is downloaded: janome ships its dictionary, snowballstemmer is pure Python.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache, lru_cache
from typing import Any

LANGS = ("en", "fi", "it", "ja", "zh-Hant")
SNOWBALL = {"en": "english", "fi": "finnish", "it": "italian"}

KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
#: letters only: "l'accesso" is "l" and "accesso", "didn't" is "didn" and "t" (both stop words)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOP: dict[str, frozenset[str]] = {
    "en": frozenset(["a", "an", "the", "and", "or", "but", "if", "so", "to", "of", "in", "on", "at", "for", "from", "by", "with", "without", "about", "as", "is", "are", "was", "were", "be", "been", "being", "am", "i", "me", "my", "we", "our", "you", "your", "he", "she", "it", "its", "they", "them", "their", "this", "that", "these", "those", "there", "here", "not", "no", "do", "does", "did", "done", "have", "has", "had", "will", "would", "can", "could", "should", "just", "very", "really", "too", "also", "than", "then", "when", "what", "which", "who", "how", "all", "any", "some", "more", "most", "much", "many", "only", "even", "still", "again", "after", "before", "up", "down", "out", "over", "into", "get", "got", "one", "two", "ve", "ll", "re", "t", "s", "don", "didn", "doesn", "isn", "wasn", "aren", "weren", "couldn", "wouldn", "won", "can't"]),
    "fi": frozenset(["ja", "tai", "mutta", "että", "kun", "jos", "niin", "on", "oli", "ovat", "olivat", "ole", "ollut", "olla", "en", "et", "ei", "emme", "ette", "eivät", "se", "sen", "sitä", "siitä", "siinä", "tämä", "tämän", "tätä", "tässä", "nämä", "ne", "niitä", "minä", "minun", "minua", "sinä", "te", "me", "he", "hän", "myös", "vain", "jo", "vielä", "kuin", "koska", "kanssa", "ilman", "mitä", "mikä", "joka", "jotka", "kaikki", "aivan", "todella", "hyvin", "liian", "paljon", "yhtään", "ihan", "sitten", "nyt", "kyllä", "vaan", "vaikka", "eikä", "meidän", "teidän", "heidän", "oma", "olen", "olet", "olemme"]),
    "it": frozenset(["il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "di", "a", "da", "in", "con", "su", "per", "tra", "fra", "e", "ed", "o", "ma", "se", "che", "non", "più", "molto", "troppo", "anche", "ancora", "già", "poi", "come", "quando", "dove", "chi", "cui", "questo", "questa", "questi", "queste", "quello", "quella", "sono", "è", "era", "erano", "sei", "siamo", "ho", "hai", "ha", "abbiamo", "hanno", "avere", "essere", "stato", "stata", "del", "della", "dei", "delle", "dello", "al", "alla", "ai", "alle", "nel", "nella", "nei", "nelle", "sul", "sulla", "mi", "ti", "ci", "vi", "si", "me", "te", "lui", "lei", "noi", "voi", "loro", "mio", "mia", "mie", "miei", "suo", "sua", "tutto", "tutti", "tutta", "solo", "così", "davvero", "quindi", "però", "perché"]),
}
#: Chinese characters that carry grammar, not topics: a bigram with one is dropped
ZH_FUNCTION = frozenset("的了是在都也就很我你他她它們這那和與及把被給說要會有沒不一個嗎呢吧啊")
#: Japanese words with no topic in them (the tokenizer keeps content words; these remain)
JA_STOP = frozenset(["する", "ある", "いる", "なる", "れる", "られる", "できる", "こと", "もの", "よう", "ため", "それ", "これ", "あれ", "さん", "方", "的", "です", "ます", "ない", "いい", "思う", "今回", "とても", "本当に"])
#: per word: Finnish letters, double vowels and case endings; Italian suffixes and accents
FI_LETTERS = re.compile(r"[äö]")
FI_WORD = re.compile(r"(?:aa|ee|ii|oo|uu|yy)|(?:ssa|ssä|llä|ksi|nen|sti|ista|istä)$")
IT_WORD = re.compile(r"(?:zione|zioni|mente|[aiu]t[aeio]|gli|gn[aeio]|cch[ei]|[àèéìòù])")


def normalise(text: str) -> str:
    """NFKC (full-width Latin and digits become ASCII, half-width kana become full-width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def detect(text: str, fallback: str | None = None) -> str:
    """The comment's language, one of :data:`LANGS`."""
    t = normalise(text)
    kana, han = len(KANA.findall(t)), len(HAN.findall(t))
    if kana >= 2 or (kana and kana * 4 >= han):
        return "ja"
    if han >= 2:
        return "zh-Hant"
    words = WORD.findall(t)
    scores = {lang: sum(w in STOP[lang] for w in words) for lang in ("en", "fi", "it")}
    for w in words:
        if w in STOP["en"] or w in STOP["it"] or w in STOP["fi"]:
            continue
        scores["fi"] += 2 * bool(FI_LETTERS.search(w)) + bool(FI_WORD.search(w))
        scores["it"] += bool(IT_WORD.search(w))
    best = max(scores, key=lambda k: scores[k])
    if scores[best] == 0:
        return fallback if fallback in LANGS else "en"
    return best


@cache
def stemmer(lang: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(SNOWBALL[lang])


@lru_cache(maxsize=262_144)
def stem(lang: str, word: str) -> str:
    """A word's Snowball stem, remembered: comments repeat their words, and the pure-Python
    stemmer costs ~0.1 ms a word (seconds for a report's comments). A stemmer keeps its word in
    itself while it works, so server threads take turns."""
    with _STEM_LOCK:
        return str(stemmer(lang).stemWord(word))


_STEM_LOCK = threading.Lock()


@cache
def janome() -> Any:
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def words(text: str, lang: str) -> list[str]:
    """Surface words (lower case; Japanese dictionary forms; Chinese Han runs), stop words kept."""
    t = normalise(text)
    if lang == "ja":
        return [tok.base_form if tok.base_form != "*" else tok.surface for tok in janome().tokenize(t)
                if tok.part_of_speech.split(",")[0] in ("名詞", "動詞", "形容詞", "副詞")]
    if lang == "zh-Hant":
        return HAN_RUN.findall(t)
    return WORD.findall(t)


def tokens(text: str, lang: str) -> list[str]:
    """Content tokens for statistics (TF-IDF): stemmed words without stop words; Japanese content
    words; Chinese character bigrams (a lone character where a run has one) without grammar characters."""
    if lang == "zh-Hant":
        out: list[str] = []
        for run in words(text, lang):
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
            out.extend(g for g in grams if not ZH_FUNCTION.intersection(g))
        return out
    if lang == "ja":
        return [w for w in words(text, lang) if w not in JA_STOP and not re.fullmatch(r"[\u3040-\u309f]", w)]
    stop = STOP[lang]
    kept = [w for w in words(text, lang) if w not in stop and len(w) > 1]
    return [stem(lang, w) for w in kept]
