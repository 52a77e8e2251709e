"""How good the offline sentiment is (issue 16): the figures in docs/themes.md.

Usage: PYTHONPATH=src:. python benchmarks/sentiment_quality.py [--demo-scale 0.15]

1. Labelled comments (tests/fixtures/sentiment/LANG.tsv, development set): share labelled right.
2. The themes fixtures (tests/fixtures/themes/*.tsv, written earlier for themes, with NPS scores,
   never used to tune the lexicon): Pearson r of sentiment with the score; of the detractor (0-6)
   and promoter (9-10) comments, the share labelled in the score's direction, the opposite way,
   and neutral.
3. The demo data (English canned comments): r of sentiment with the score per survey.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import numpy as np

from cxmetrics.analyses import sentiment as s

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
LANGS = ("en", "fi", "it", "ja", "zh-Hant")


def rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled_accuracy(lang: str) -> float:
    data = rows(FIXTURES / "sentiment" / f"{lang}.tsv")
    return sum(s.label(s.polarity(c, lang)) == lab for lab, c in data) / len(data)


def against_scores(lang: str) -> dict[str, float]:
    data = [r for suffix in ("", ".holdout", ".fresh") for r in rows(FIXTURES / "themes" / f"{lang}{suffix}.tsv")
            if r[0] != "none"]
    score = np.array([float(r[1]) for r in data])
    pol = np.array([s.polarity(r[2], lang) for r in data])
    got = np.array([s.label(p) for p in pol])
    want = np.where(score <= 6, "negative", np.where(score >= 9, "positive", "neutral"))
    polar = want != "neutral"
    return {"n": float(len(data)), "r": float(np.corrcoef(pol, score)[0, 1]),
            "agree": float((got[polar] == want[polar]).mean()),
            "opposite": float(((got[polar] != want[polar]) & (got[polar] != "neutral")).mean()),
            "neutral": float((got[polar] == "neutral").mean())}


def demo(scale: float) -> dict[str, tuple[int, float]]:
    from cxmetrics.demo import build
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "d.duckdb", config=Config()) as st:
        build(st, seed=7, months=6, end=dt.date(2026, 1, 1), scale=scale)
        t = st.table("survey_responses")
        f = t.filter(t.comment.notnull() & t.score.notnull()).select("survey", "score", "comment").execute()
    out = {}
    for survey, g in f.groupby("survey"):
        pol = np.array([s.polarity(c, "en") for c in g["comment"]])
        out[str(survey)] = (len(g), float(np.corrcoef(pol, g["score"].astype(float))[0, 1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-scale", type=float, default=0.15)
    args = ap.parse_args()
    print("| language | labelled right (42) | r with score (84) | in the score's direction | opposite | neutral |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lang in LANGS:
        a = against_scores(lang)
        print(f"| {lang} | {labelled_accuracy(lang):.2f} | {a['r']:.2f} | {a['agree']:.2f} | {a['opposite']:.2f} "
              f"| {a['neutral']:.2f} |")
    for survey, (n, r) in demo(args.demo_scale).items():
        print(f"demo {survey}: {n} comments, r = {r:.2f}")


if __name__ == "__main__":
    main()
