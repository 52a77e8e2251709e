"""Agents and teams (issue 14): one row per agent and per team, every figure a metric record.

Each figure is the record of one catalogue metric computed ``--by agent`` (``--by team``
for the team rows) with the same query, so the table equals ``cxm metrics ... --by agent``
by construction; nothing here recomputes a number. An agent's team is the team of most of
the tickets they are assigned (ties: the first team name). Fair comparisons: every
estimate carries its ``n`` (and interval for rates and scores) and a ``low_n`` flag below
30, and every team row carries the median of its agents' values (``median_of_agents``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

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
           where: Sequence[tuple[str, str]] = (), team: str | None = None) -> dict[str, Any]:
    """``{"agents": [...], "teams": [...], "figures": {figure: metric}}``: one row per agent (and
    period unless ``grain`` is total), one per team. ``team`` keeps that team's tickets only
    (``--where team=TEAM``)."""
    w = list(where) + ([("team", team)] if team else [])
    ids = [m for _, m in FIGURES]
    kw: dict[str, Any] = {"grain": grain, "from_": from_, "to": to, "tz": tz, "hours": hours, "stat": stat,
                          "where": w}
    by_agent = _figures(integral_counts(to_records(engine.frame(ids, by=["agent"], **kw))), "agent")
    by_team = _figures(integral_counts(to_records(engine.frame(ids, by=["team"], **kw))), "team")
    teams = agent_teams(engine, hours)
    agent_rows = []
    for (agent, period), figs in sorted(by_agent.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] is None,
                                                                          str(kv[0][0]))):
        if all(figs.get(f) is None for f, _ in FIGURES):
            continue  # a group with no value at all (e.g. a period without data)
        agent_rows.append({"agent": agent, "team": teams.get(agent) if agent is not None else None,
                           "period_start": period, **_empty_figures(), **figs})
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


__all__ = ["FIGURES", "METRIC_OF", "agent_teams", "agents"]
