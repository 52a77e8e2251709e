"""Labelled scales (stars, emoji faces, agree/disagree words) mapped to numbers in a
mapping file, then scored like any numeric scale (issue 3, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

MAPPING = """
table = "survey_responses"

[columns]
response_id = "id"
survey = "form"
responded_at = "submitted"
score = "answer"
comment = "why"

[values.score]
"★" = 1
"★★" = 2
"★★★" = 3
"★★★★" = 4
"★★★★★" = 5
"😡" = 1
"🙁" = 2
"😐" = 3
"🙂" = 4
"😀" = 5
"strongly disagree" = 1
"disagree" = 2
"neutral" = 3
"agree" = 4
"strongly agree" = 5
"""

CSV = """id,form,submitted,answer,why
1,csat,2024-03-01T10:00:00Z,★★★★★,great
2,csat,2024-03-01T11:00:00Z,★★,slow
3,csat,2024-03-01T12:00:00Z,😀,
4,csat,2024-03-01T13:00:00Z,😐,
5,effort,2024-03-01T14:00:00Z,Strongly agree,easy
6,effort,2024-03-01T15:00:00Z,disagree,hard
7,effort,2024-03-01T16:00:00Z,,skipped
"""


def test_stars_emoji_and_agreement_words(store, tmp_path: Path) -> None:
    from cxmetrics.settings import config_from_dict

    store.config = config_from_dict({"surveys": {"effort": {"type": "ces", "scale": [1, 5]}}})
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "s.csv").write_text(CSV, encoding="utf-8")
    res = store.import_file("survey_responses", tmp_path / "s.csv", mapping=tmp_path / "m.toml")
    assert res.rejected == 0 and res.inserted == 7
    df = store.metrics(["csat", "ces"], grain="total").set_index("metric")
    # csat: 5 stars and 😀 satisfied, 2 stars and 😐 not
    assert (df.loc["csat", "numerator"], df.loc["csat", "denominator"]) == (2, 4)
    # ces (1-5, high = easy): "strongly agree" low effort, "disagree" not; one skipped
    assert (df.loc["ces", "numerator"], df.loc["ces", "denominator"], df.loc["ces", "skipped"]) == (1, 2, 1)
    assert df.loc["ces", "value"] == pytest.approx(50)
