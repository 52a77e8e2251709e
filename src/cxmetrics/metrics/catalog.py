"""The catalogue as data and text: `cxm catalog`, `cxm explain`, generated docs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cxmetrics.metrics.registry import Metric, all_metrics, get

if TYPE_CHECKING:
    from cxmetrics.facts.query import Query


def entry(m: Metric) -> dict[str, Any]:
    return {
        "id": m.key, "label": m.label, "description": m.description, "kind": m.kind.name, "unit": m.unit,
        "direction": m.direction, "domain": m.domain, "attributed_to": m.time, "fact": m.fact,
        "formula": m.formula, "requires": list(m.requires), "edge_cases": list(m.edge_cases),
        "references": [{"source": r.source, "note": r.note} for r in m.references],
        "share_dim": m.share_dim, "matures_days": m.matures_days or None, "test": m.kind.test or None,
        "rows": m.rows,
    }


def catalog_entries() -> list[dict[str, Any]]:
    return [entry(m) for m in all_metrics()]


def normalise_sql(sql: str) -> str:
    """Stable names for in-memory tables so the SQL can be compared to golden files."""
    names: dict[str, str] = {}

    def sub(mt: re.Match[str]) -> str:
        return names.setdefault(mt.group(0), f"memtable_{len(names)}")

    return re.sub(r"ibis_pandas_memtable_[a-z0-9]+", sub, sql)


MATURING = ("values of periods ending less than {d} days before the data's last instant are provisional "
            "(`maturing` on the record; no better/worse verdict)")


def explain_text(key: str, q: Query, sql: str, backend: str) -> str:
    """`cxm explain`: the metric's definition and ``sql``, what the engine compiled for ``q``
    on ``backend`` (e.g. ``Engine.sql(key, q)`` and ``Engine.con.name``)."""
    m = get(key)
    lines = [
        f"{m.key} - {m.label}",
        "",
        m.description,
        "",
        f"kind:          {m.kind.text}",
        f"unit:          {m.unit} ({m.direction} is better)" if m.direction != "neutral" else f"unit:          {m.unit}",
        f"attributed to: {m.time} of the {m.fact} facts",
        f"formula:       {m.formula}",
        f"requires:      {', '.join(m.requires)}",
    ]
    if m.kind.test:
        lines.append(f"change test:   {m.kind.test}")
    if m.matures_days:
        lines.append(f"maturing:      {MATURING.format(d=m.matures_days)}")
    if m.edge_cases:
        lines += ["", "edge cases:"] + [f"  - {e}" for e in m.edge_cases]
    if m.references:
        lines += ["", "references:"] + [f"  - {r.source}: {r.note}" if r.note else f"  - {r.source}" for r in m.references]
    lines += ["", f"SQL ({backend}, grain {q.grain}{', by ' + ', '.join(q.by) if q.by else ''}; "
              "memtable_0 holds the reporting periods as UTC ranges):", "", normalise_sql(sql), ""]
    return "\n".join(lines)
