"""The report's support-floor block (issue 14): agents and teams of the month, SLA attainment
by policy and SLA metric. ``floor_data`` adds plain data to the report (analyses/agents.py and
metric records); ``floor_view`` formats it for the HTML (and so the PDF) in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cxmetrics.engine.counts import integral_counts
from cxmetrics.engine.records import to_records

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine
    from cxmetrics.interfaces.i18n import Translator

#: the figures shown (the JSON report carries every figure of cxm agents)
SHOWN = ("tickets_handled", "tickets_resolved", "first_response_time", "resolution_time", "fcr_rate", "csat",
         "sla_attainment", "open")
SLA_METRICS = ("first_reply", "next_reply", "periodic_update", "requester_wait", "agent_work", "resolution")


def floor_data(engine: Engine, start: dt.date, end: dt.date, tz: str) -> dict[str, Any]:
    from cxmetrics.analyses.agents import agents

    table = agents(engine, grain="total", from_=start, to=end, tz=tz, comments=0)
    sla = engine.frame(["sla_attainment", "sla_breaches"], grain="total", by=["sla_policy", "sla_metric"],
                       from_=start, to=end, tz=tz)
    keep = ["metric", "sla_policy", "sla_metric", "value", "n", "numerator", "denominator"]
    recs = integral_counts(to_records(sla[keep])) if not sla.empty else []
    return {"figures": table["figures"], "agents": table["agents"], "teams": table["teams"],
            "sla": [r for r in recs if r["value"] is not None]}


def floor_view(data: dict[str, Any], tr: Translator) -> dict[str, Any] | None:
    from cxmetrics.interfaces.report.html import metric_name
    from cxmetrics.metrics.registry import get

    floor = data.get("floor")
    if not floor or not floor.get("agents"):
        return None
    figs = [(f, m) for f, m in floor["figures"].items() if f in SHOWN]

    def cells(row: dict[str, Any]) -> list[str]:
        out = []
        for fig, metric in figs:
            v = row.get(fig)
            text = "–" if v is None else tr.value(v, get(metric).unit)
            out.append(text + (" *" if fig in row.get("low_n", []) else ""))
        return out

    none = tr.t("report.floor.unassigned")
    teams = []
    for r in floor["teams"]:
        teams.append({"name": r["team"] if r["team"] is not None else none, "cells": cells(r), "median": False})
        teams.append({"name": tr.t("report.floor.median"), "cells": cells(r["median_of_agents"]), "median": True})
    agents = [{"name": r["agent"] if r["agent"] is not None else none, "team": r["team"] or "–", "cells": cells(r)}
              for r in floor["agents"]]
    by_key: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in floor.get("sla") or []:
        row = by_key.setdefault((r["sla_policy"], r["sla_metric"]), {})
        row[r["metric"]] = r
    order = {m: i for i, m in enumerate(SLA_METRICS)}
    sla = []
    for (policy, metric), recs in sorted(by_key.items(), key=lambda kv: (str(kv[0][0]), order.get(kv[0][1], 99))):
        att, br = recs.get("sla_attainment"), recs.get("sla_breaches")
        mkey = f"report.floor.sla_metric.{metric}"
        sla.append({"policy": policy if policy is not None else "–",
                    "metric": tr.t(mkey) if tr.has(mkey) else str(metric),
                    "attainment": tr.percent(att["value"]) if att else "–",
                    "met": tr.t("report.floor.met_of", met=tr.number(att["numerator"]), n=tr.number(att["denominator"]))
                    if att else "–",
                    "breaches": tr.number(br["value"]) if br else "0"})
    return {"heads": [metric_name(tr, m) for _, m in figs], "teams": teams, "agents": agents, "sla": sla}


__all__ = ["SHOWN", "floor_data", "floor_view"]
