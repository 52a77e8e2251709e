"""Agents and teams (issue 14): one row per agent and per team, every figure a metric record.

Each figure is the record of one catalogue metric computed ``--by agent`` (``--by team``
for the team rows) with the same query, so the table equals ``cxm metrics ... --by agent``
by construction; nothing here recomputes a number. An agent's team is the team of most of
the tickets they are assigned (ties: the first team name). Fair comparisons: every
estimate carries its ``n`` (and interval for rates and scores) and a ``low_n`` flag below
30, and every team row carries the median of its agents' values (``median_of_agents``).

Each agent row also lists the agent's CSAT and NPS comments (``comments``, newest first, and
``comments_n``): the commented responses of the agent's tickets in the period (the response's
agent, else its ticket's assignee: the attribution of the agent's CSAT), read from the same
prepared response facts as the CSAT figure, so they are the answers behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxmetrics.analyses.comments import response_group
from cxmetrics.engine.core import Query
from cxmetrics.engine.counts import integral_counts
from cxmetrics.engine.records import to_records
from cxmetrics.metrics.kinds import LOW_SAMPLE
from cxmetrics.metrics.registry import get

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

#: (figure, metric): the columns of the agents table, in order
FIGURES: tuple[tuple[str, str], ...] = (
    ("tickets_handled", "ticket_volume"),
    ("tickets_resolved", "tickets_resolved"),
    ("first_response_time", "first_response_time"),
    ("resolution_time", "resolution_time"),
    ("fcr_rate", "fcr_rate"),
    ("replies", "replies_per_resolution"),
    ("handle_time", "handle_time"),
    ("csat", "csat"),
    ("sla_attainment", "sla_attainment"),
    ("open", "backlog"),
)
METRIC_OF = dict(FIGURES)
#: the fields of each comment in an agent row
COMMENT_FIELDS = ("responded_at", "survey", "survey_type", "score", "group", "ticket_id", "language", "comment",
                  "response_id")
#: survey types whose comments the agents table lists
COMMENT_SURVEYS = ("csat", "nps")


def agent_comments(engine: Engine, *, grain: str = "total", from_: dt.date | None = None, to: dt.date | None = None,
                   tz: str | None = None, where: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    """The commented CSAT and NPS responses of each agent's tickets: ``agent``, ``period_start``
    and :data:`COMMENT_FIELDS` (``score`` as answered; ``responded_at`` ISO 8601 in ``tz``),
    per agent newest first. The rows of the query the CSAT figure counts (``Engine.prepared``)."""
    zone = tz or engine.config.timezone
    q = Query(grain=grain, from_=from_, to=to, tz=zone, where=tuple(where))
    q.validate()
    r = engine.prepared("responses", "responded_at", ["agent"], q)
    text = r.comment.strip()
    r = r.filter(r.survey_type.isin(COMMENT_SURVEYS) & r.agent_id.notnull() & text.notnull() & (text.length() > 0))
    r = r.mutate(group=response_group(r))
    out = r.select("period_start", "responded_at", "survey", "survey_type", "group", "ticket_id", "language",
                   "comment", "response_id", agent=r.agent_id, score=r.raw_score.cast("float64"))
    df = out.order_by(["agent", ibis.desc("responded_at"), "response_id"]).execute()
    stamps = pd.to_datetime(df["responded_at"]).dt.tz_localize("UTC").dt.tz_convert(zone)
    df["responded_at"] = pd.Series([x.isoformat() for x in stamps], index=df.index, dtype="object")
    return df[["agent", "period_start", *COMMENT_FIELDS]]


def _comment_lists(df: pd.DataFrame, grain: str) -> dict[tuple[str, str | None], list[dict[str, Any]]]:
    """(agent, period key) -> that agent's comments as plain records, in the frame's order."""
    out: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    plain = df.astype(object)
    for raw in plain.mask(df.isna(), None).to_dict("records"):
        rec = {str(k): v for k, v in raw.items()}
        key = (str(rec.pop("agent")), None if grain == "total" else _period_key(rec.pop("period_start")))
        rec.pop("period_start", None)
        out.setdefault(key, []).append(rec)
    return out


def _period_key(v: Any) -> str | None:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)[:10]


def _figures(records: list[dict[str, Any]], key: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    """(group value, period_start) -> the figures of that group: ``fig``, ``fig_n`` and, for
    estimates, ``fig_ci_low``/``fig_ci_high``; ``low_n`` lists the estimates under 30."""
    figure_of = {m: f for f, m in FIGURES}
    out: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in records:
        fig = figure_of.get(r["metric"])
        if fig is None:
            continue
        row = out.setdefault((r[key], r["period_start"]), {"low_n": []})
        kind = get(r["metric"]).kind
        row[fig] = r["value"]
        if kind.sample:
            row[f"{fig}_n"] = r["n"]
            if _has_interval(r["metric"]):
                row[f"{fig}_ci_low"], row[f"{fig}_ci_high"] = r["ci_low"], r["ci_high"]
            if r["n"] is not None and r["value"] is not None and r["n"] < LOW_SAMPLE:
                row["low_n"].append(fig)
    return out


def _empty_figures() -> dict[str, Any]:
    row: dict[str, Any] = {}
    for fig, metric in FIGURES:
        row[fig] = None
        if get(metric).kind.sample:
            row[f"{fig}_n"] = None
            if _has_interval(metric):
                row[f"{fig}_ci_low"] = row[f"{fig}_ci_high"] = None
    return row


def _has_interval(metric: str) -> bool:
    """Rates, shares, scores and means carry a 95% interval; durations (medians) do not."""
    return get(metric).kind.name != "duration"


def agent_teams(engine: Engine, hours: str = "calendar") -> dict[str, str | None]:
    """Each agent's team: the team of most of the tickets assigned to them."""
    t = engine.fact_table("tickets", hours)
    t = t.filter(t.agent_id.notnull())
    g = t.group_by(["agent_id", "team"]).aggregate(n=t.count()).execute()
    if g.empty:
        return {}
    g["team_key"] = g["team"].astype("object").where(g["team"].notna(), "")
    g = g.sort_values(["agent_id", "n", "team_key"], ascending=[True, False, True])
    first = g.drop_duplicates("agent_id")
    return {a: (None if pd.isna(tm) else str(tm)) for a, tm in zip(first["agent_id"], first["team"], strict=True)}


def agents(engine: Engine, *, grain: str = "total", from_: dt.date | None = None, to: dt.date | None = None,
           tz: str | None = None, hours: str = "calendar", stat: str = "median",
           where: Sequence[tuple[str, str]] = (), team: str | None = None,
           comments: int | None = None) -> dict[str, Any]:
    """``{"agents": [...], "teams": [...], "figures": {figure: metric}}``: one row per agent (and
    period unless ``grain`` is total), one per team. ``team`` keeps that team's tickets only
    (``--where team=TEAM``). Each agent row has ``comments_n`` and its newest ``comments``
    (at most ``comments`` of them; None: all; 0: no comments at all, not even counted)."""
    w = list(where) + ([("team", team)] if team else [])
    ids = [m for _, m in FIGURES]
    kw: dict[str, Any] = {"grain": grain, "from_": from_, "to": to, "tz": tz, "hours": hours, "stat": stat,
                          "where": w}
    by_agent = _figures(integral_counts(to_records(engine.frame(ids, by=["agent"], **kw))), "agent")
    by_team = _figures(integral_counts(to_records(engine.frame(ids, by=["team"], **kw))), "team")
    teams = agent_teams(engine, hours)
    said: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    counts: dict[tuple[str, str | None], int] = {}
    if comments != 0:  # serialising the listed rows: one pass at the edge
        said = _comment_lists(agent_comments(engine, grain=grain, from_=from_, to=to, tz=tz, where=w), grain)
        counts = {k: len(v) for k, v in said.items()}
        said = {k: v[:comments] for k, v in said.items()} if comments is not None else said
    agent_rows = []
    for (agent, period), figs in sorted(by_agent.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] is None,
                                                                          str(kv[0][0]))):
        if all(figs.get(f) is None for f, _ in FIGURES):
            continue  # a group with no value at all (e.g. a period without data)
        row = {"agent": agent, "team": teams.get(agent) if agent is not None else None,
               "period_start": period, **_empty_figures(), **figs}
        if comments != 0:
            key = (str(agent), _period_key(period))
            row["comments_n"] = counts.get(key, 0) if agent is not None else 0
            row["comments"] = said.get(key, []) if agent is not None else []
        agent_rows.append(row)
    team_rows = []
    for (tm, period), figs in sorted(by_team.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] is None,
                                                                      str(kv[0][0]))):
        if all(figs.get(f) is None for f, _ in FIGURES):
            continue
        members = [r for r in agent_rows if r["team"] == tm and r["period_start"] == period and r["agent"] is not None]
        medians = {}
        for fig, _ in FIGURES:
            vals = pd.Series([r[fig] for r in members if r[fig] is not None], dtype="float64")
            medians[fig] = float(vals.median()) if len(vals) else None
        team_rows.append({"team": tm, "period_start": period, "agents": len(members), **_empty_figures(), **figs,
                          "median_of_agents": medians})
    return {"grain": grain, "hours": hours, "stat": stat, "figures": dict(FIGURES),
            "agents": agent_rows, "teams": team_rows}


__all__ = ["COMMENT_FIELDS", "COMMENT_SURVEYS", "FIGURES", "METRIC_OF", "agent_comments", "agent_teams", "agents"]
