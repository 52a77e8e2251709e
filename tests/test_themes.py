"""Themes in comments (issue 16), measured against labelled comments in five languages.

``tests/fixtures/themes/LANG.tsv`` is the development set (the topic library was written
alongside it). ``LANG.holdout.tsv`` was written afterwards with other wording and a topic
outside the library (loyalty points); it was measured once untouched (0.47-0.63) and then
used to widen the library, so it is a second development set now. ``LANG.fresh.tsv`` was
written after that and never tuned on: its purity is the honest figure. ``LANG.fresh2.tsv``
(31-36 comments, a topic outside the library: marketing) was written before the Finnish
inflection and compound matching (:mod:`cxmetrics.analyses.finnish`) and never tuned on either.
docs/themes.md records them all; the thresholds here sit at or a little under them so a
regression fails (Finnish: so that losing the inflection and compound matching fails).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxmetrics.analyses import finnish, text, themes
from cxmetrics.settings import Config
from cxmetrics.store import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "themes"
LANGS = ("en", "fi", "it", "ja", "zh-Hant")
#: purity per language, at least (measured: docs/themes.md)
DEV_PURITY = 0.9
HOLDOUT_PURITY = 0.85
FRESH_PURITY = {"en": 0.75, "fi": 0.6, "it": 0.75, "ja": 0.6, "zh-Hant": 0.6}
FRESH2_PURITY = {"en": 0.75, "fi": 0.78, "it": 0.78, "ja": 0.8, "zh-Hant": 0.9}


def labelled(lang: str, suffix: str = "") -> list[tuple[str, int, str]]:
    rows = []
    for line in (FIXTURES / f"{lang}{suffix}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            label, score, comment = line.split("\t")
            rows.append((label, int(score), comment))
    return rows


def measured(lang: str, suffix: str = "") -> tuple[float, list[str]]:
    rows = labelled(lang, suffix)
    frame = pd.DataFrame({"response_id": [f"{lang}-{i}" for i in range(len(rows))], "comment": [r[2] for r in rows]})
    _, out = themes.assign(frame)
    keep = [i for i, r in enumerate(rows) if r[0] != "none"]
    ids = out["theme_id"].tolist()
    return themes.purity([ids[i] for i in keep], [rows[i][0] for i in keep]), [ids[i] for i in range(len(rows))
                                                                                 if rows[i][0] == "none"]


@pytest.mark.parametrize("lang", LANGS)
def test_language_detection(lang: str) -> None:
    for suffix in ("", ".holdout", ".fresh", ".fresh2"):
        wrong = [c for label, _, c in labelled(lang, suffix) if label != "none" and text.detect(c) != lang]
        assert not wrong, wrong


@pytest.mark.parametrize("lang", LANGS)
def test_purity_on_the_development_set(lang: str) -> None:
    purity, unassigned = measured(lang)
    assert purity >= DEV_PURITY
    assert unassigned == [None, None]  # "ok" and "-" are not meaningful: no theme


@pytest.mark.parametrize("lang", LANGS)
def test_purity_on_the_second_development_set(lang: str) -> None:
    assert measured(lang, ".holdout")[0] >= HOLDOUT_PURITY


@pytest.mark.parametrize("lang", LANGS)
def test_purity_on_fresh_comments(lang: str) -> None:
    assert measured(lang, ".fresh")[0] >= FRESH_PURITY[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_purity_on_the_second_fresh_set(lang: str) -> None:
    assert measured(lang, ".fresh2")[0] >= FRESH2_PURITY[lang]


@pytest.mark.parametrize(("term", "forms"), [
    ("hinta", {"hinna"}), ("laatu", {"laadu"}), ("tunni", {"tunti"}), ("repe", {"reve"}),  # gradation
    ("tilaus", {"tilauks"}), ("hidas", {"hitaa"}), ("kallis", {"kallii"}), ("nopeus", {"nopeude"}),
    ("ystävällinen", {"ystävällise"}), ("asenne", {"asentee"}), ("keitin", {"keittime"}),
    ("ammattitaidoton", {"ammattitaidottom"}), ("toimitus", {"toimituks", "toimitt"}), ("kuljetu", {"kuljett"}),
])
def test_finnish_stems(term: str, forms: set[str]) -> None:
    assert {term} | forms <= set(finnish.stems(term))


@pytest.mark.parametrize(("comment", "topic"), [
    ("Kuljettaja jätti laatikon pihalle", "delivery"),  # *kuljetu*: the verb of a -tus noun
    ("He hyvittivät summan viikossa", "returns_refunds"),  # *hyvity*
    ("Sauma on jo revennyt", "product_quality"),  # repe*: gradation
    ("Jäin puhelinjonoon", "waiting"),  # jono*: a compound's later part
    ("Kestotilauksen kuukausimaksu", "price_billing"),
    ("Toimitusmaksu oli iso", "price_billing"),  # *toimitu* and maksu*: the head, last, decides
    ("Palautusmaksu peritään", "price_billing"),
    ("Maksupalautus viivästyi", "returns_refunds"),
    ("Sähköpostiosoite vaihtui", None),  # sähköposti is e-mail: no posti* (delivery) inside
    ("Lopputulos oli hyvä", None),  # "lopput|ulos" is no compound: no ulos (app_technical)
])
def test_finnish_inflection_and_compounds(comment: str, topic: str | None) -> None:
    assert themes.best_topic(comment, "fi") == topic


def test_one_japanese_character_starts_a_word() -> None:
    assert themes.best_topic("2時間も待たされた", "ja") == "waiting"
    assert "waiting" not in themes.topic_hits("期待していた色", "ja")  # 待 inside 期待 "expectation"


def test_tokens_per_language() -> None:
    assert text.tokens("The deliveries were delivered late", "en") == ["deliveri", "deliv", "late"]
    assert "toimitus" in text.tokens("Toimitus oli hidas", "fi")
    assert "配送" in text.tokens("配送が遅かったです", "ja")
    assert text.tokens("配送太慢了", "zh-Hant") == ["配送", "送太", "太慢"]  # "慢了": a grammar character


# -- the command over a store ---------------------------------------------------------------------------
def labelled_store(tmp_path: Path) -> Path:
    """Every development comment as an NPS response: the app theme only in the latest month."""
    rows: list[dict[str, Any]] = []
    for lang in LANGS:
        for i, (label, score, comment) in enumerate(labelled(lang)):
            month = 10 if label == "app_technical" or i % 5 == 0 else 8 + i % 2
            rows.append({"response_id": f"{lang}-{i}", "survey": "nps", "score": float(score), "comment": comment,
                         "responded_at": dt.datetime(2026, month, 1 + i % 27, 12), "language": lang})
    db = tmp_path / "cx.duckdb"
    with Store(db, config=Config()) as s:
        s.import_frame("survey_responses", pd.DataFrame(rows))
    return db


def test_themes_command_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    db = labelled_store(tmp_path)
    register_commands()
    res = CliRunner().invoke(app, ["--db", str(db), "themes", "--survey", "nps", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    by_id = {t["id"]: t for t in out["themes"]}
    for lang in LANGS:
        praise, complaint = by_id[f"staff_friendliness:{lang}"], by_id[f"delivery:{lang}"]
        assert praise["nps"] > complaint["nps"] and praise["impact"] > complaint["impact"]
        app_theme = by_id[f"app_technical:{lang}"]
        assert app_theme["trend"]["rising"] and app_theme["trend"]["latest_month"] == "2026-10"
        assert not complaint["trend"]["rising"]
        assert {"id", "label", "language", "terms", "n", "share", "nps", "trend", "sentiment",
                "negative_share"} <= set(app_theme)
        assert -1 <= praise["sentiment"] <= 1 and 0 <= complaint["negative_share"] <= 100
    assert by_id["delivery:fi"]["label"] == "Delivery"
    assigned = {a["response_id"] for a in out["assignments"]}
    assert len(assigned) == len(out["assignments"]) == 5 * 38  # each meaningful comment once; "ok", "-" none
    assert sum(t["n"] for t in out["themes"]) == len(out["assignments"])
    assert {a["sentiment_label"] for a in out["assignments"]} == {"negative", "neutral", "positive"}
    assert all(-1 <= a["sentiment"] <= 1 for a in out["assignments"])
    for lang in LANGS:  # promoters' comments read warmer than detractors'
        score = {f"{lang}-{i}": sc for i, (_, sc, _) in enumerate(labelled(lang))}
        mine = [(score[a["response_id"]], a["sentiment"]) for a in out["assignments"] if a["response_id"] in score]
        promoters, detractors = ([p for sc, p in mine if keep(sc)] for keep in (lambda x: x >= 9, lambda x: x <= 6))
        assert sum(promoters) / len(promoters) > 0.2 > -0.2 > sum(detractors) / len(detractors)


def test_dashboard_page_and_api(tmp_path: Path) -> None:
    from tests.api_support import client

    db = labelled_store(tmp_path)
    with client(db) as c:
        page = c.get("/themes?lang=fi")
        assert page.status_code == 200 and "Kommenttien teemat" in page.text and "page-themes.js" in page.text
        r = c.get("/api/v1/themes", params={"survey": "nps", "lang": "ja"})
        assert r.status_code == 200
        body = r.json()
        assert {t["id"] for t in body["themes"]} >= {"delivery:en", "delivery:zh-Hant"}
        delivery = next(t for t in body["themes"] if t["id"] == "delivery:fi")
        assert delivery["label"] == "配送"
        mine = [a for a in body["assignments"] if a["theme_id"] == "delivery:fi"]
        assert len(mine) == delivery["n"]  # the theme's sentiment is its comments' mean
        assert delivery["sentiment"] == pytest.approx(sum(a["sentiment"] for a in mine) / len(mine), abs=0.01)
        negative = sum(a["sentiment_label"] == "negative" for a in mine)
        assert delivery["negative_share"] == pytest.approx(100 * negative / len(mine), abs=0.1)
        assert c.get("/api/v1/themes", params={"survey": "csat"}).status_code == 400  # no csat answers
