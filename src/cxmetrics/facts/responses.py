"""Survey facts (SPEC 4.3): every response with its survey type, scale, oriented
score and groups (promoter/passive/detractor, top-two-box), plus the ticket's
dimensions through ``ticket_id``.

Scales: a response's own ``scale_min``/``scale_max`` win, then the survey's
declared scale in ``cxm.toml``, then the type's default (nps 0-10, csat 1-5,
ces 1-7, cx 1-5). A CES survey declared ``effort_high`` is inverted so high
always means easy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cxmetrics.settings import DEFAULT_SCALES, Config

if TYPE_CHECKING:
    from cxmetrics.facts.query import FactEngine


def _by_survey(r: ir.Table, values: dict[str, object], default: object, type_: str) -> ir.Value:
    if not values:
        return ibis.literal(default, type_)
    return ibis.cases(*[(r.survey == k, ibis.literal(v, type_)) for k, v in values.items()],
                      else_=ibis.literal(default, type_))


def response_facts(responses: ir.Table, tickets: ir.Table, config: Config) -> ir.Table:
    r = responses
    declared = config.surveys
    stype = _by_survey(r, {k: s.type for k, s in declared.items()}, None, "string")
    stype = stype.fill_null(ibis.cases(*[(r.survey == t, t) for t in DEFAULT_SCALES], else_="custom"))
    r = r.mutate(survey_type=stype)
    dmin = ibis.cases(*[(r.survey_type == t, float(lo)) for t, (lo, _) in DEFAULT_SCALES.items()],
                      else_=ibis.null("float64"))
    dmax = ibis.cases(*[(r.survey_type == t, float(hi)) for t, (_, hi) in DEFAULT_SCALES.items()],
                      else_=ibis.null("float64"))
    cmin = _by_survey(r, {k: s.scale[0] for k, s in declared.items() if s.scale}, None, "float64")
    cmax = _by_survey(r, {k: s.scale[1] for k, s in declared.items() if s.scale}, None, "float64")
    smin = r.scale_min.fill_null(cmin).fill_null(dmin)
    smax = r.scale_max.fill_null(cmax).fill_null(dmax)
    effort_high = [k for k, s in declared.items() if s.effort_high]
    invert = r.survey.isin(effort_high) if effort_high else ibis.literal(False)
    score = ibis.ifelse(invert, smin + smax - r.score, r.score)
    r = r.mutate(raw_score=r.score, score=score, scale_min=smin, scale_max=smax)
    width = r.scale_max - r.scale_min + 1
    top = ibis.ifelse(width > 3, r.score >= r.scale_max - 1, r.score >= r.scale_max)
    r = r.mutate(
        answered=r.score.notnull(),
        promoter=r.score >= 9,
        detractor=r.score <= 6,
        passive=(r.score > 6) & (r.score < 9),
        top2=top,
        out_of_scale=(r.score < r.scale_min) | (r.score > r.scale_max),
    )
    t = tickets.select(
        "ticket_id", t_channel="channel", t_category="category", t_priority="priority", t_team="team",
        t_agent="agent_id", t_brand="brand", t_product="product", t_language="language",
        t_customer="customer_id",
    )
    j = r.left_join(t, "ticket_id")
    return j.select(
        "response_id", "survey", "survey_type", "responded_at", "score", "raw_score", "scale_min", "scale_max",
        "question", "comment", "ticket_id", "answered", "promoter", "detractor", "passive", "top2", "out_of_scale",
        customer_id=j.customer_id.fill_null(j.t_customer),
        agent_id=j.agent_id.fill_null(j.t_agent),
        channel=j.channel.fill_null(j.t_channel),
        language=j.language.fill_null(j.t_language),
        category=j.t_category, priority=j.t_priority, team=j.t_team, brand=j.t_brand, product=j.t_product,
        submission=j.survey.concat("|", j.customer_id.fill_null(j.t_customer).fill_null(""), "|",
                                   j.ticket_id.fill_null(""), "|", j.responded_at.cast("string")),
    )


def invitation_facts(invitations: ir.Table, tickets: ir.Table, config: Config) -> ir.Table:
    t = tickets.select("ticket_id", channel="channel", category="category", priority="priority", team="team",
                       agent_id="agent_id", brand="brand", product="product", language="language",
                       t_customer="customer_id")
    j = invitations.left_join(t, "ticket_id")
    stype = _by_survey(j, {k: s.type for k, s in config.surveys.items()}, None, "string")
    stype = stype.fill_null(ibis.cases(*[(j.survey == x, x) for x in DEFAULT_SCALES], else_="custom"))
    return j.select(
        "invitation_id", "survey", "sent_at", "ticket_id", "channel", "category", "priority", "team", "agent_id",
        "brand", "product", "language", survey_type=stype, customer_id=j.customer_id.fill_null(j.t_customer),
    )


def responses_for(engine: FactEngine) -> ir.Table:
    return response_facts(engine.source("survey_responses"), engine.source("tickets"), engine.config)


def invitations_for(engine: FactEngine) -> ir.Table:
    return invitation_facts(engine.source("survey_invitations"), engine.source("tickets"), engine.config)
