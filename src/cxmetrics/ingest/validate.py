"""From source columns to canonical, typed, validated columns plus quarantine entries.

All checks are column-wise masks; only rejected rows are ever visited one by one
(to format their reasons and raw JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import parse as P
from cxmetrics.ingest.mapping import (
    STAMP_MAKERS,
    Mapping,
    Val,
    apply_steps,
    as_text,
    computed_ids,
    resolve_sources,
    value_map,
)
from cxmetrics.ingest.readers import RawTable
from cxmetrics.ingest.write import ARROW_TYPES, QUARANTINE_SCHEMA
from cxmetrics.model import schema

#: (later, earlier): a row where ``later`` is before ``earlier`` cannot have happened
ORDERED: dict[str, list[tuple[str, str]]] = {
    "tickets": [("first_reply_at", "created_at"), ("solved_at", "created_at"), ("solved_at", "first_reply_at")],
    "calls": [("answered_at", "offered_at"), ("ended_at", "offered_at"), ("ended_at", "answered_at")],
    "work_sessions": [("ended_at", "started_at")],
    "customers": [("churned_at", "acquired_at")],
    "carts": [("purchased_at", "created_at")],
    "marketing_spend": [("period_end", "period_start")],
    "status_changes": [],
}
VALUE_WIDTH = 80


@dataclass
class Prepared:
    data: pa.Table  # canonical columns (schema order) of the accepted rows, plus "_row"
    quarantine: pa.Table
    rejected: int
    problems: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    date_order: str | None = None


class Issues:
    """Per-column problem masks, turned into quarantine entries at the end."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.items: list[tuple[str | None, np.ndarray, str]] = []
        self.any = np.zeros(n, bool)

    def add(self, column: str | None, issues: list[P.Issue]) -> None:
        for m, template in issues:
            m = np.asarray(m, bool)
            if m.any():
                self.items.append((column, m, template))
                self.any |= m

    def column_bad(self, column: str) -> np.ndarray:
        out = np.zeros(self.n, bool)
        for c, m, _ in self.items:
            if c == column:
                out |= m
        return out


def check_header(t: schema.Table, m: Mapping, header: list[str], file: str | Path) -> dict[str, list[str]]:
    """The source column(s) of each canonical column; a header that cannot fill ``t`` refuses the
    file with a message naming it (with several files, or through the API, "which file?" matters)."""
    try:
        sources = resolve_sources(m, t, header)
        missing_required(t, set(sources) | set(m.constants), header, m)
    except ImportFailed as e:
        raise ImportFailed(f"{file}: {e.message}", code=e.code) from None
    return sources


def missing_required(t: schema.Table, have: set[str], header: list[str], m: Mapping) -> None:
    missing = [c for c in t.required if c not in have]
    if missing:
        them = "them" if len(missing) > 1 else "it"
        how = (f"; map {them} in mapping {m.path} ([columns] {missing[0]} = \"a column of the file\")" if m.path else
               f"; rename {them} in the file, or map {them} from another column with a mapping file "
               f"(docs/importing.md, \"Mapping files\")")
        names = ", ".join(repr(c) for c in missing)
        raise ImportFailed(f"required column{'s' if len(missing) > 1 else ''} {names} of {t.name} "
                           f"missing; the file has: {', '.join(header) or 'no columns'}{how}")


def prepare(raw: RawTable, t: schema.Table, m: Mapping, *, zone: str, date_order: str | None,
            file: str | Path) -> Prepared:
    dropped = set(m.drop)
    cols = {k: v for k, v in raw.columns.items() if k not in dropped}
    if not raw.header and raw.n == 0:  # an empty JSON array or JSONL file: no rows, no columns to check
        empty = pa.Table.from_arrays([pa.array([], ARROW_TYPES[c.type]) for c in t.columns] + [pa.array([], pa.int64())],
                                     names=[*t.names, "_row"])
        quarantine, rejected, problems = build_quarantine(raw, Issues(0), {}, cols)
        return Prepared(empty, quarantine, rejected, problems, [], date_order)
    sources = check_header(t, m, raw.header, file)
    n = raw.n
    order, evidence = date_order, P.OrderEvidence()
    if order is None:
        for c in t.columns:
            names = [s for s, _ in m.transforms.get(c.name, [])]
            if c.type != "timestamp" or c.name not in sources or (set(names) & STAMP_MAKERS - {"date_time"}):
                continue
            evidence.add(P.order_evidence(cols[sources[c.name][0]]))
        order = evidence.decide()
    detected = order if date_order is None and order else None
    ctx = {"date_order": order, "excel": raw.excel, "evidence": evidence, "decimal": m.decimal}
    issues = Issues(n)
    typed: dict[str, pa.Array] = {}
    display: dict[str, pa.Array] = {}
    for c in t.columns:
        if c.name in m.constants:
            const = as_text(m.constants[c.name])
            val = Val(text=pa.array([const] * n, pa.string()))
            display[c.name] = val.text
        elif c.name in sources and m.id_from and c.name == t.key:
            ids = computed_ids([cols[s] for s in sources[c.name]])
            display[c.name] = ids
            val = Val(text=ids)
        elif c.name in sources:
            srcs = [cols[s] for s in sources[c.name]]
            texts = [P.clean_text(s) for s in srcs]
            display[c.name] = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(
                *texts, " ", null_handling="replace", null_replacement="")
            src = srcs[0]
            val = Val(text=texts[0]) if P.is_text(src) else Val(typed=P.as_array(src))
        else:
            typed[c.name] = _default(c, n)
            continue
        if c.name in m.values:
            val = Val(text=value_map(val.text if val.text is not None else P.clean_text(val.typed), m.values[c.name]))
        steps = m.transforms.get(c.name, [])
        if steps:
            val, step_issues = apply_steps(val, steps, cols, ctx)
            issues.add(c.name, step_issues)
        arr, col_issues = _to_type(c, val, ctx, zone, m)
        issues.add(c.name, col_issues)
        if c.default is not None:
            arr = pc.fill_null(arr, pa.scalar(c.default, ARROW_TYPES[c.type]))
        typed[c.name] = arr
    _checks(t, typed, issues)
    quarantine, rejected, problems = build_quarantine(raw, issues, display, cols)
    keep = pa.array(~issues.any)
    data = pa.Table.from_arrays([typed[c].filter(keep) for c in t.names] +
                                [pa.array(np.arange(n, dtype=np.int64)).filter(keep)],
                                names=[*t.names, "_row"])
    used = {s for srcs in sources.values() for s in srcs}
    ignored = [h for h in raw.header if h not in used and h not in dropped]
    label = f"{order} (detected)" if detected else order
    return Prepared(data, quarantine, rejected, problems, ignored, label)


def _default(c: schema.Column, n: int) -> pa.Array:
    if c.default is None:
        return pa.nulls(n, ARROW_TYPES[c.type])
    return pa.array([c.default] * n, ARROW_TYPES[c.type])


def _to_type(c: schema.Column, val: Val, ctx: dict[str, Any], zone: str, m: Mapping) -> tuple[pa.Array, list[P.Issue]]:
    if val.stamps is not None:
        if c.type != "timestamp":
            raise ImportFailed(f"mapping {m.path}: the transforms of {c.name} make a timestamp, "
                               f"but {c.name} is a {c.type} column")
        vals, out = P.to_utc_checked(val.stamps, zone)
        return pa.array(vals, pa.timestamp("us")), out
    src = val.typed if val.typed is not None else val.text
    if c.type == "timestamp":
        st = P.parse_stamps(src, date_order=ctx["date_order"], excel=ctx["excel"], mixed_orders=ctx["evidence"])
        vals, out = P.to_utc_checked(st, zone)
        return pa.array(vals, pa.timestamp("us")), [*st.issues, *out]
    if c.type == "float":
        return P.parse_float(src, decimal=ctx["decimal"])
    if c.type == "int":
        return P.parse_int(src)
    if c.type == "bool":
        return P.parse_bool(src)
    text = P.clean_text(src)
    if c.allowed:
        norm = P.normalise_label(text)
        ok = P.mask(pc.is_in(norm, value_set=pa.array(c.allowed)))
        bad = P.present(text) & ~ok
        reason = (f"{{value!r}} is not one of {', '.join(c.allowed)} "
                  f"(map it with [values.{c.name}] in a mapping file)")
        return pc.if_else(pa.array(ok), norm, pa.scalar(None, pa.string())), ([(bad, reason)] if bad.any() else [])
    return text, []


def _checks(t: schema.Table, typed: dict[str, pa.Array], issues: Issues) -> None:
    """Ranges, required values and orderings that make a row impossible."""
    for c in t.columns:
        arr = typed[c.name]
        if c.type == "float":  # a transform can overflow a finite number (1e308 x 60): never store +-inf
            v = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)
            inf = np.isinf(v) & ~issues.column_bad(c.name)
            if inf.any():
                issues.add(c.name, [(inf, P.OUT_OF_RANGE)])
                arr = typed[c.name] = pa.array(np.where(inf, np.nan, v), pa.float64(), from_pandas=True)
        if c.min is not None or c.max is not None:
            v = arr.to_numpy(zero_copy_only=False).astype(float)
            if c.min is not None:
                issues.add(c.name, [(~np.isnan(v) & (v < c.min), f"{{value!r}} is below the minimum {c.min:g}")])
            if c.max is not None:
                issues.add(c.name, [(~np.isnan(v) & (v > c.max), f"{{value!r}} is above the maximum {c.max:g}")])
        if c.required:
            empty = ~P.present(arr) & ~issues.column_bad(c.name)
            issues.add(c.name, [(empty, "required value is empty")])
    for later, earlier in ORDERED.get(t.name, []):
        a, b = typed[later], typed[earlier]
        wrong = P.mask(pc.less(a, b))
        issues.add(later, [(wrong, f"{later} is before {earlier}")])
    if t.name == "survey_responses":
        s = typed["score"]
        lo, hi = typed["scale_min"], typed["scale_max"]
        issues.add("score", [(P.mask(pc.or_kleene(pc.less(s, lo), pc.greater(s, hi))),
                              "score is outside scale_min..scale_max")])
        issues.add("scale_max", [(P.mask(pc.less_equal(hi, lo)), "scale_max is not above scale_min")])


def build_quarantine(raw: RawTable, issues: Issues, display: dict[str, pa.Array],
                cols: dict[str, pa.Array]) -> tuple[pa.Table, int, list[dict[str, Any]]]:
    rejected_idx = np.flatnonzero(issues.any)
    raw_json: dict[int, str] = {}
    if len(rejected_idx):
        names = list(cols)
        sub = pa.Table.from_arrays([_showable(cols[k].take(pa.array(rejected_idx))) for k in names], names=names)
        for i, row in zip(rejected_idx.tolist(), sub.to_pylist(), strict=True):
            raw_json[i] = json.dumps(row, ensure_ascii=False, default=str)
    lines: list[int] = []
    columns: list[str | None] = []
    reasons: list[str] = []
    raws: list[str] = []
    for column, m, template in issues.items:
        idx = np.flatnonzero(m)
        if "{value" in template and column in display:
            values = display[column].take(pa.array(idx)).to_pylist()
            texts = [template.format(value=_short(v)) for v in values]
        else:
            texts = [template.replace("{value!r}", "").replace("{value}", "")] * len(idx)
        lines += raw.lines[idx].tolist()
        columns += [column] * len(idx)
        reasons += texts
        raws += [raw_json[i] for i in idx.tolist()]
    for b in raw.bad:
        lines.append(b.line)
        columns.append(None)
        reasons.append(b.reason)
        raws.append(b.raw)
    q = pa.Table.from_arrays([pa.array(lines, pa.int64()), pa.array(columns, pa.string()),
                              pa.array(reasons, pa.string()), pa.array(raws, pa.string())],
                             schema=QUARANTINE_SCHEMA)
    if q.num_rows:
        q = q.take(pc.sort_indices(q, sort_keys=[("line", "ascending")]))
    head = q.slice(0, 50).select(["line", "column", "reason"]).to_pylist()
    return q, len(rejected_idx) + len(raw.bad), head


def _showable(a: pa.Array) -> pa.Array:
    """A column whose values Python can hold (a timestamp in year 33658 cannot): else as text."""
    try:
        a.to_pylist()
    except (OverflowError, ValueError, pa.ArrowException):
        return pc.cast(a, pa.string())
    return a


def _short(v: Any) -> str:
    s = "" if v is None else str(v)
    return s if len(s) <= VALUE_WIDTH else s[: VALUE_WIDTH - 1] + "…"
