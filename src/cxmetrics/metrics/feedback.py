"""Feedback metrics (SPEC 4.3): NPS, CSAT, CES and experience ratings from survey responses."""

from __future__ import annotations

from cxmetrics.metrics.kinds import MEAN, NPS, RATE, RATIO
from cxmetrics.metrics.registry import Direction, Metric, Reference

SEED000 = Reference("seed 000 (eDesk, ja)", "CSAT (80% is the industry norm), NPS baseline, CX rating of tone, manner, willingness to help")
SEED002 = Reference("seed 002 (Mopinion, zh)", "NPS, CSAT, CES with a comment field")
SEED004 = Reference("seed 004 (Sparkcentral, fi)", "NPS = % promoters - % detractors (80% and 15% give 65); CSAT = satisfied / responses x 100; CES = share choosing 4-5 of 1-5")
RNPS = Reference("R package NPS (Brendan Rocks)", "scores 0,7,7,9,9,9: NPS 33.3, variance 5/9 per response")
WALD = Reference("Rocks (2016), Interval estimation for the net promoter score, The American Statistician 70(4)",
                 "adjusted Wald interval: add 3/4 promoter, 3/4 detractor, 3/2 passive")
WILSON = Reference("Wilson (1927)", "score interval for a proportion")
RESP = ("survey_responses.response_id", "survey_responses.survey", "survey_responses.responded_at",
        "survey_responses.score")
SKIP = "Skipped answers (no score) are left out and counted in `skipped`."
#: the NPS groups with a share metric each: name, score range, which way is better
_NPS_SHARES: tuple[tuple[str, str, Direction], ...] = (
    ("promoter", "9-10", "higher"), ("passive", "7-8", "neutral"), ("detractor", "0-6", "lower"))
SCALE = "Scale: the response's scale_min/scale_max, else [surveys.NAME].scale in cxm.toml, else the type's default."


def _of(kind: str):
    return lambda t: (t.survey_type == kind) & t.answered


def _column(name: str):
    return lambda t: t[name]


def _skipped(kind: str):
    return lambda t: (t.survey_type == kind) & ~t.answered


METRICS: tuple[Metric, ...] = (
    Metric(
        id="nps", label="Net Promoter Score", kind=NPS, unit="score", direction="higher", domain="feedback",
        description="% promoters (9-10) - % detractors (0-6) of answered NPS responses on a 0-10 scale, -100..100.",
        fact="responses", time="responded_at", formula="100 * (promoters - detractors) / answered",
        requires=RESP, where=_of("nps"), skipped=_skipped("nps"),
        edge_cases=(SKIP, "Passives (7-8) count in the denominator only.",
                    "Interval: adjusted Wald (add 3/4 promoter, 3/4 detractor, 3/2 passive), variance (p+d)-(p-d)^2.",
                    "`numerator` = promoters - detractors, `denominator` = answered responses."),
        references=(SEED004, SEED000, RNPS, WALD),
    ),
    *(
        Metric(
            id=f"{g}s_share", label=f"{g.capitalize()}s", kind=RATE, unit="percent", direction=d, domain="feedback",
            description=f"Share of answered NPS responses that are {g}s ({rng}).",
            fact="responses", time="responded_at", formula=f"100 * {g}s / answered",
            requires=RESP, where=_of("nps"), skipped=_skipped("nps"), condition=_column(g),
            edge_cases=(SKIP, "promoters_share + passives_share + detractors_share = 100."),
            references=(SEED004,),
        )
        for g, rng, d in _NPS_SHARES
    ),
    Metric(
        id="csat", label="Customer satisfaction (CSAT)", kind=RATE, unit="percent", direction="higher",
        domain="feedback",
        description="% satisfied: answers in the top two boxes of the scale (4-5 of 1-5, 6-7 of 1-7, 9-10 of 0/1-10; top box of a 3-point scale).",
        fact="responses", time="responded_at", formula="100 * top-two-box answers / answered",
        requires=RESP, where=_of("csat"), skipped=_skipped("csat"), condition=lambda t: t.top2,
        edge_cases=(SKIP, SCALE, "Stars and emoji are labelled scales: map them to numbers in the mapping file."),
        references=(SEED004, SEED000, WILSON), benchmark=(80.0, "seed 000 (eDesk): 80% is the industry norm"),
    ),
    Metric(
        id="csat_mean", label="CSAT mean score", kind=MEAN, unit="score", direction="higher", domain="feedback",
        description="Mean CSAT score on the survey's own scale.",
        fact="responses", time="responded_at", formula="mean(score) over answered CSAT responses",
        requires=RESP, where=_of("csat"), skipped=_skipped("csat"), value=lambda t: t.score,
        edge_cases=(SKIP, "Means of different scales are not comparable: slice by survey if several are mixed."),
        references=(SEED004,),
    ),
    Metric(
        id="ces", label="Customer effort score (CES)", kind=RATE, unit="percent", direction="higher",
        domain="feedback",
        description="% low-effort answers: top two boxes of an agreement scale where high = easy.",
        fact="responses", time="responded_at", formula="100 * top-two-box answers / answered (high = easy)",
        requires=RESP, where=_of("ces"), skipped=_skipped("ces"), condition=lambda t: t.top2,
        edge_cases=(SKIP, SCALE, "A survey declared `orientation = \"effort_high\"` is inverted (min + max - score)."),
        references=(SEED004, SEED002, WILSON),
    ),
    Metric(
        id="ces_mean", label="CES mean score", kind=MEAN, unit="score", direction="higher", domain="feedback",
        description="Mean CES score, oriented so that high = easy.",
        fact="responses", time="responded_at", formula="mean(oriented score) over answered CES responses",
        requires=RESP, where=_of("ces"), skipped=_skipped("ces"), value=lambda t: t.score,
        edge_cases=(SKIP, "Effort-high surveys are inverted first."),
        references=(SEED002,),
    ),
    Metric(
        id="cx_rating", label="Customer experience rating", kind=MEAN, unit="score", direction="higher",
        domain="feedback",
        description="Mean overall experience rating; `--by question` gives the per-attribute ratings (tone, manner, willingness to help).",
        fact="responses", time="responded_at", formula="mean(score) over answered cx responses",
        requires=RESP, where=_of("cx"), skipped=_skipped("cx"), value=lambda t: t.score,
        edge_cases=(SKIP, "Without --by question, every question's answers are pooled."),
        references=(SEED000,),
    ),
    Metric(
        matures_days=7, id="survey_response_rate", label="Survey response rate", kind=RATIO, unit="percent", direction="higher",
        domain="feedback",
        description="Returned surveys / invitations sent; `--by survey` per survey.",
        fact="responses", time="responded_at", formula="100 * distinct returned surveys / invitations sent",
        requires=(*RESP, "survey_invitations.invitation_id", "survey_invitations.sent_at"),
        where=lambda t: t.answered, distinct=lambda t: t.submission,
        denominator_fact="invitations", denominator_time="sent_at",
        edge_cases=("A returned survey = distinct (survey, customer, ticket, responded_at) with at least one answer, "
                    "so a multi-question survey counts once.",
                    "Responses are counted when they arrive and invitations when sent, so a month can exceed "
                    "100% when many answers to last month's invitations arrive; totals over longer ranges settle."),
        references=(SEED000,),
    ),
)
