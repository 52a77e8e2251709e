"""Themes in survey comments, per language, offline (issue 16).

Two sources, as the commercial tools do it:

1. A built-in library of common customer-experience topics (``topics.toml``: delivery,
   returns and refunds, the app and technical problems, staff friendliness and competence,
   price and billing, waiting, product quality) with patterns in each of the five report
   languages. A comment goes to the library topic with the most matched words (ties: longer
   patterns, then the topic listed first); :mod:`cxmetrics.analyses.topicmatch` matches
   Finnish inflections and compounds too.
2. Discovery for what the library misses: per language, the comments without a topic are
   clustered with TF-IDF over the language's tokens (:mod:`cxmetrics.analyses.text`) and
   non-negative matrix factorisation (scikit-learn); each cluster is labelled with its top
   terms. Fewer than :data:`MIN_DISCOVER` such comments make one ``other`` theme.

Comments with fewer than two content tokens ("ok", "-") are not meaningful and get no
theme; every other comment gets exactly one. A theme is a topic in one language (id
``TOPIC:LANG``). Per theme: ``n``, ``share`` of the language's meaningful comments, the
survey's score over the theme's responses with a 95% interval (NPS: adjusted Wald;
CSAT: Wilson; CES and CX: mean with a t interval), its ``impact`` (the score of all
responses minus the score without the theme's responses: negative when the theme pulls
the score down), and its ``trend``: its share in the latest month of the range against
its share in the months before, ``rising`` when higher with p < 0.05 (two-proportion z-test);
its mean ``sentiment`` (-1..1) and ``negative_share`` (% of its comments labelled negative) by the
bundled lexicon of :mod:`cxmetrics.analyses.sentiment`, which also scores each assignment.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxmetrics.analyses.sentiment import label as sentiment_label
from cxmetrics.analyses.sentiment import polarity
from cxmetrics.analyses.text import LANGS, detect, normalise, stem, tokens, words
from cxmetrics.analyses.topicmatch import Matcher, compile_pattern
from cxmetrics.errors import QueryError

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine
    from cxmetrics.store import Store

#: fewer topic-less comments than this in a language: one ``other`` theme, no clustering
MIN_DISCOVER = 5
#: comments per discovered theme, roughly (at most MAX_DISCOVERED themes per language)
PER_DISCOVERED = 12
MAX_DISCOVERED = 6
RISING_P = 0.05
SCORE_KEYS = {"nps": "nps", "csat": "csat", "ces": "ces", "cx": "cx"}


# -- the library ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Topic:
    id: str
    labels: dict[str, str]
    patterns: dict[str, tuple[str, ...]]


@cache
def library() -> tuple[Topic, ...]:
    """The built-in topics, in their file order."""
    raw = tomllib.loads(resources.files("cxmetrics.analyses").joinpath("topics.toml").read_text(encoding="utf-8"))
    return tuple(Topic(tid, dict(t["label"]), {lang: tuple(normalise(p) for p in t[lang]) for lang in LANGS})
                 for tid, t in raw.items())


@cache
def matcher(lang: str) -> Matcher:
    return Matcher(lang, {t.id: tuple(compile_pattern(p, lang) for p in t.patterns[lang]) for t in library()})


def topic_hits(text: str, lang: str) -> dict[str, tuple[int, int]]:
    """Per library topic with a hit: (hits, total length of the patterns that hit);
    :mod:`cxmetrics.analyses.topicmatch`."""
    return matcher(lang).hits(text)


def best_topic(text: str, lang: str) -> str | None:
    """The topic with the most hits; ties go to longer (more specific) patterns, then library order."""
    hits = topic_hits(text, lang)
    return max(hits, key=lambda k: hits[k]) if hits else None  # max keeps the first of equals


def meaningful(text: str, lang: str) -> bool:
    return len(tokens(text, lang)) >= 2


# -- assignment ----------------------------------------------------------------------------------
@dataclass
class Theme:
    id: str
    language: str
    source: str  # library | discovered | other
    labels: dict[str, str]
    terms: list[str]


def _readable(lang: str, texts: list[str]) -> dict[str, str]:
    """token -> its most frequent surface word, so stems read as words (``deliveri`` -> ``delivery``)."""
    if lang in ("ja", "zh-Hant"):
        return {}
    seen: dict[str, Counter[str]] = {}
    for t in texts:
        for w in words(t, lang):
            seen.setdefault(stem(lang, w), Counter())[w] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items()}


def discover(texts: list[str], lang: str, *, seed: int = 0) -> tuple[list[Theme], list[int]]:
    """Cluster topic-less comments: (themes, index of each text's theme)."""
    other = Theme(f"other:{lang}", lang, "other", {}, [])
    if len(texts) < MIN_DISCOVER:
        return [other], [0] * len(texts)
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    # a term in more than half of the comments tells them apart from nothing
    vec = TfidfVectorizer(analyzer=lambda s: tokens(s, lang), min_df=2, max_df=0.5 if len(texts) >= 10 else 1.0,
                          sublinear_tf=True)
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # no token seen twice
        return [other], [0] * len(texts)
    k = max(1, min(MAX_DISCOVERED, round(len(texts) / PER_DISCOVERED), x.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
    with warnings.catch_warnings():  # a few hundred short texts: an unconverged fit still ranks terms well
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # its loss on all-zero rows: sqrt of a tiny negative
        w = model.fit_transform(x)
    terms = vec.get_feature_names_out()
    readable = _readable(lang, texts)
    themes = []
    for i, row in enumerate(model.components_):
        top = [readable.get(str(terms[j]), str(terms[j])) for j in np.argsort(row)[::-1][:5] if row[j] > 0]
        label = ", ".join(top[:3]) or "?"
        themes.append(Theme(f"discovered-{i + 1}:{lang}", lang, "discovered", dict.fromkeys(LANGS, label), top))
    themes.append(other)
    index = [int(np.argmax(r)) if r.max() > 0 else k for r in w]
    return themes, index


def assign(frame: pd.DataFrame, *, seed: int = 0) -> tuple[list[Theme], pd.DataFrame]:
    """Themes for ``frame`` (``response_id``, ``comment``, optional ``language`` the response was
    given in): (themes, one row per comment: response_id, language, theme_id or None, sentiment
    in -1..1 and its label, :mod:`cxmetrics.analyses.sentiment`)."""
    lib = {t.id: t for t in library()}
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}  # the same words are read once ("Great service!")
    for rid, text, given in zip(frame["response_id"], frame["comment"],
                                frame["language"] if "language" in frame else [None] * len(frame), strict=True):
        text = str(text or "")
        key = (text, given if isinstance(given, str) else None)
        if key not in seen:
            lang = detect(text, key[1])
            ok = meaningful(text, lang)
            pol = polarity(text, lang)
            seen[key] = {"comment": text, "language": lang, "meaningful": ok,
                         "topic": best_topic(text, lang) if ok else None, "sentiment": pol,
                         "sentiment_label": sentiment_label(pol)}
        rows.append({"response_id": rid, **seen[key]})
    themes: dict[str, Theme] = {}
    leftover: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        lang, topic = row["language"], row["topic"]
        row["theme_id"] = None
        if not row["meaningful"]:
            continue
        if topic is None:
            leftover.setdefault(lang, []).append(i)
            continue
        tid = f"{topic}:{lang}"
        if tid not in themes:
            t = lib[topic]
            themes[tid] = Theme(tid, lang, "library", t.labels, list(t.patterns[lang][:5]))
        row["theme_id"] = tid
    for lang, idx in leftover.items():
        found, index = discover([rows[i]["comment"] for i in idx], lang, seed=seed)
        for k, i in zip(index, idx, strict=True):
            rows[i]["theme_id"] = found[k].id
            themes[found[k].id] = found[k]
    out = pd.DataFrame(rows, columns=["response_id", "comment", "language", "meaningful", "topic", "theme_id",
                                      "sentiment", "sentiment_label"])
    return list(themes.values()), out.drop(columns=["topic"])


# -- statistics ----------------------------------------------------------------------------------
def score_of(kind: str, r: pd.DataFrame) -> tuple[float | None, float | None, float | None]:
    """(value, low, high) of the survey's score over responses ``r``."""
    from cxmetrics.metrics.stats import nps_interval, t_interval, wilson

    n = len(r)
    if n == 0:
        return None, None, None
    if kind == "nps":
        p, d = int(r["promoter"].sum()), int(r["detractor"].sum())
        lo, hi = nps_interval(np.array([p]), np.array([d]), np.array([n]))
        return 100.0 * (p - d) / n, float(lo[0]), float(hi[0])
    if kind == "csat":
        x = int(r["top2"].sum())
        lo, hi = wilson(np.array([x]), np.array([n]))
        return 100.0 * x / n, float(lo[0]), float(hi[0])
    s = r["score"].astype("float64")
    mean, std = float(s.mean()), float(s.std(ddof=1)) if n > 1 else float("nan")
    lo, hi = t_interval(np.array([mean]), np.array([std]), np.array([n]))
    return mean, _num(lo[0]), _num(hi[0])


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _round(v: float | None, digits: int = 1) -> float | None:
    return None if v is None else round(v, digits)


def trend(in_theme: pd.Series, months: pd.Series, latest: str) -> dict[str, Any]:
    """The theme's share of its language's meaningful comments in ``latest`` against the months before."""
    from scipy.special import ndtr  # norm.sf(z) is ndtr(-z); scipy.stats costs ~0.45 s to import

    now, before = months == latest, months < latest
    n1, n0 = int(now.sum()), int(before.sum())
    x1, x0 = int((in_theme & now).sum()), int((in_theme & before).sum())
    s1 = x1 / n1 if n1 else None
    s0 = x0 / n0 if n0 else None
    p_value = None
    if n1 and n0:
        pooled = (x1 + x0) / (n1 + n0)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        if se > 0:
            p_value = float(2 * ndtr(-abs((x1 / n1 - x0 / n0) / se)))
    rising = bool(s1 is not None and s0 is not None and s1 > s0 and p_value is not None and p_value < RISING_P)
    return {"latest_month": latest, "n_latest": x1, "share_latest": _round(None if s1 is None else 100 * s1),
            "share_before": _round(None if s0 is None else 100 * s0),
            "change": _round(None if s1 is None or s0 is None else 100 * (s1 - s0)),
            "p_value": None if p_value is None else round(p_value, 4), "rising": rising}


def themes(source: Store | Engine, *, survey: str, from_: dt.date | str | None = None,
           to: dt.date | str | None = None, tz: str | None = None, lang: str = "en", seed: int = 0
           ) -> dict[str, Any]:
    """The themes of ``survey``'s comments between ``from_`` and ``to`` (default: all the data),
    labelled in ``lang``: ``{"survey", "score", "themes": [...], "assignments": [...], "languages": {...}}``."""
    from cxmetrics.analyses.comments import engine_of, responses_in_range

    engine = engine_of(source)
    zone = tz or engine.config.timezone
    r = responses_in_range(engine, from_=from_, to=to, tz=zone)
    r = r.filter(((r.survey == survey) | (r.survey_type == survey)) & r.answered)
    df = r.select("response_id", "survey_type", "responded_at", "score", "promoter", "detractor", "top2",
                  "comment", "language").execute()
    if df.empty:
        raise QueryError(f"no answered responses of survey {survey!r} in the range")
    kinds = df["survey_type"].dropna().unique().tolist()
    kind = SCORE_KEYS.get(str(kinds[0]), "cx") if len(kinds) == 1 else "cx"
    key = kind
    df["month"] = _month_labels(pd.to_datetime(df["responded_at"]).dt.tz_localize("UTC").dt.tz_convert(zone))
    text = df["comment"].fillna("").astype(str).str.strip()
    commented = df[text.str.len() > 0]
    found, assigned = assign(commented, seed=seed)
    assigned = assigned.merge(df[["response_id", "month"]], on="response_id", how="left")
    latest = str(df["month"].max())
    overall = score_of(kind, df)[0]
    out_themes: list[dict[str, Any]] = []
    rows_of = assigned.groupby("theme_id", sort=False).indices  # theme -> its rows, looked up once
    responses = pd.Index(df["response_id"])
    meaningful_in: dict[str, pd.DataFrame] = {}
    for th in found:
        mine = assigned.iloc[rows_of.get(th.id, np.zeros(0, dtype="int64"))]
        if th.language not in meaningful_in:
            meaningful_in[th.language] = assigned[(assigned["language"] == th.language) & assigned["meaningful"]]
        same_lang = meaningful_in[th.language]
        in_theme = responses.isin(mine["response_id"])
        resp, rest = df[in_theme], df[~in_theme]
        value, lo, hi = score_of(kind, resp)
        without = score_of(kind, rest)[0]
        label = th.labels.get(lang) or th.labels.get(th.language) or th.id
        out_themes.append({
            "id": th.id, "label": label, "language": th.language, "source": th.source, "terms": th.terms,
            "n": len(mine), "share": _round(100 * len(mine) / len(same_lang)) if len(same_lang) else None,
            key: _round(value), f"{key}_low": _round(lo), f"{key}_high": _round(hi),
            "impact": None if overall is None or without is None else _round(overall - without, 2),
            "trend": trend(same_lang["theme_id"] == th.id, same_lang["month"], latest),
            "sentiment": _round(float(mine["sentiment"].mean()), 2) if len(mine) else None,
            "negative_share": _round(100 * float((mine["sentiment_label"] == "negative").mean())) if len(mine)
            else None,
        })
    out_themes.sort(key=lambda t: (LANGS.index(t["language"]), t["source"] == "other", -int(t["n"]), t["id"]))
    langs = {lg: {"comments": int((assigned["language"] == lg).sum()),
                  "meaningful": int(((assigned["language"] == lg) & assigned["meaningful"]).sum())}
             for lg in LANGS if (assigned["language"] == lg).any()}
    return {"survey": survey, "score": key, key: _round(overall), "responses": len(df), "latest_month": latest,
            "languages": langs, "themes": out_themes,
            "assignments": [{"response_id": str(a), "theme_id": t, "sentiment": round(float(p), 2),
                             "sentiment_label": lab}
                            for a, t, p, lab in zip(assigned["response_id"], assigned["theme_id"],
                                                    assigned["sentiment"], assigned["sentiment_label"], strict=True)
                            if t is not None]}


def _month_labels(local: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each local instant (``strftime`` formats every row: ~40 ms over 10k)."""
    key = local.dt.year.to_numpy() * 100 + local.dt.month.to_numpy()
    months, index = np.unique(key, return_inverse=True)
    labels = np.array([f"{k // 100:04d}-{k % 100:02d}" for k in months], dtype=object)
    return pd.Series(labels[index], index=local.index, dtype=object)


def purity(assigned: list[str | None], labels: list[str]) -> float:
    """Share of comments whose theme's majority label is their own label (unassigned count as wrong)."""
    by: dict[str, Counter[str]] = {}
    for a, lab in zip(assigned, labels, strict=True):
        if a is not None:
            by.setdefault(a, Counter())[lab] += 1
    good = sum(c.most_common(1)[0][1] for c in by.values())
    return good / len(labels) if labels else math.nan

