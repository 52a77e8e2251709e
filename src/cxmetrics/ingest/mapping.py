"""Mapping files: how another export's columns and values become canonical ones.

A mapping is data (TOML), never code: renames, constants, value maps and a fixed
vocabulary of transforms (docs/importing.md lists them). Everything here works on
whole columns.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import parse as P
from cxmetrics.model import schema

#: transform name -> the type of its argument (None: takes none)
TRANSFORMS: dict[str, type | tuple[type, ...] | None] = {
    "strip": None,
    "lower": None,
    "upper": None,
    "not": None,
    "excel_day_fraction_to_seconds": None,
    "hms_to_seconds": None,
    "excel_serial_to_timestamp": None,
    "epoch_seconds": None,
    "epoch_milliseconds": None,
    "multiply": (int, float),
    "strptime": str,
    "default": (str, int, float, bool),
    "date_time": list,
    "months_before": str,
    "if_true": str,
}
#: transforms that make a timestamp out of something else (the file's date order does not apply)
STAMP_MAKERS = {"date_time", "strptime", "epoch_seconds", "epoch_milliseconds", "excel_serial_to_timestamp",
                "months_before", "if_true"}
SETTINGS = ("table", "format", "sheet", "encoding", "delimiter", "decimal", "date_order", "timezone", "drop",
            "id_from", "columns", "constants", "values", "transforms")

Step = tuple[str, Any]


@dataclass
class Mapping:
    path: str | None = None
    table: str | None = None
    format: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    date_order: str | None = None
    timezone: str | None = None
    drop: list[str] = field(default_factory=list)
    #: source columns whose values make the id of a file without ids (see :func:`computed_ids`)
    id_from: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    transforms: dict[str, list[Step]] = field(default_factory=dict)


@dataclass
class Val:
    """A column on its way to the canonical type: text, an already typed array, or timestamps."""

    text: pa.Array | None = None
    typed: pa.Array | None = None
    stamps: P.Stamps | None = None


def _bad(path: str | None, msg: str) -> ImportFailed:
    return ImportFailed(f"mapping {path or ''}: {msg}".replace("mapping : ", "mapping: "))


def load_mapping(path: str | Path) -> Mapping:
    p = Path(path)
    if not p.is_file():
        raise ImportFailed(f"mapping file not found: {p}", code=2)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ImportFailed(f"mapping {p}: not valid TOML: {e}") from None
    return mapping_from_dict(raw, str(p))


def mapping_from_dict(raw: dict[str, Any], path: str | None = None) -> Mapping:
    unknown = set(raw) - set(SETTINGS)
    if unknown:
        raise _bad(path, f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(SETTINGS)})")
    m = Mapping(path=path)
    for key in ("table", "format", "sheet", "encoding", "delimiter", "decimal", "date_order", "timezone"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise _bad(path, f"{key} must be a string")
            setattr(m, key, raw[key])
    if m.decimal not in (".", ","):
        raise _bad(path, f"decimal must be '.' or ',', got {m.decimal!r}")
    if m.date_order is not None and m.date_order not in P.DATE_ORDERS:
        raise _bad(path, f"date_order must be one of {', '.join(P.DATE_ORDERS)}, got {m.date_order!r}")
    drop = raw.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        raise _bad(path, "drop must be a list of column names")
    m.drop = drop
    id_from = raw.get("id_from", [])
    if not isinstance(id_from, list) or not all(isinstance(c, str) for c in id_from):
        raise _bad(path, 'id_from must be a list of source column names, e.g. id_from = ["Customer", "Date"]')
    m.id_from = id_from
    for key in ("columns", "constants", "values", "transforms"):
        if not isinstance(raw.get(key, {}), dict):
            raise _bad(path, f"[{key}] must be a table")
    for canon, src in raw.get("columns", {}).items():
        if not isinstance(src, str):
            raise _bad(path, f"[columns] {canon} must name one source column (use a date_time transform "
                             "to combine two)")
        m.columns[canon] = src
    m.constants = dict(raw.get("constants", {}))
    for canon, vmap in raw.get("values", {}).items():
        if not isinstance(vmap, dict):
            raise _bad(path, f"[values.{canon}] must be a table of source value = canonical value")
        lowered: dict[str, Any] = {}
        for k, v in vmap.items():
            if k.strip().lower() in lowered:
                raise _bad(path, f"[values.{canon}] has {k!r} twice (values match case-insensitively)")
            lowered[k.strip().lower()] = v
        m.values[canon] = lowered
    for canon, spec in raw.get("transforms", {}).items():
        m.transforms[canon] = _steps(canon, spec, path)
    return m


def _steps(canon: str, spec: Any, path: str | None) -> list[Step]:
    items = spec if isinstance(spec, list) else [spec]
    steps: list[Step] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            name, arg = item, None
        elif isinstance(item, dict) and len(item) == 1:
            name, arg = next(iter(item.items()))
        else:
            raise _bad(path, f"[transforms] {canon}: each step is a name or a one-key table, got {item!r}")
        if name not in TRANSFORMS:
            raise _bad(path, f"[transforms] {canon}: unknown transform {name!r} (known: {', '.join(TRANSFORMS)})")
        want = TRANSFORMS[name]
        if want is None and arg is not None:
            raise _bad(path, f"[transforms] {canon}: {name} takes no argument")
        if want is not None and (arg is None or not isinstance(arg, want) or (isinstance(arg, bool) and want != (str, int, float, bool))):
            raise _bad(path, f"[transforms] {canon}: {name} needs an argument, e.g. {_EXAMPLES[name]}")
        # the argument's type was checked just above; isinstance tells the type checker
        if name == "date_time" and (i != 0 or not isinstance(arg, list) or len(arg) != 2
                                    or not all(isinstance(c, str) for c in arg)):
            raise _bad(path, f"[transforms] {canon}: date_time must come first and name two columns, "
                                 'e.g. { date_time = ["Date", "Time"] }')
        if name == "strptime" and (not isinstance(arg, str) or "%" not in arg):
            raise _bad(path, f"[transforms] {canon}: strptime format {arg!r} has no % directive")
        if name in ("months_before", "if_true"):
            try:
                dt.date.fromisoformat(str(arg)[:10])
                dt.datetime.fromisoformat(str(arg))
            except ValueError:
                raise _bad(path, f"[transforms] {canon}: {name} needs a date, e.g. {_EXAMPLES[name]}") from None
        steps.append((name, arg))
    return steps


_EXAMPLES = {"multiply": "{ multiply = 60 }", "strptime": '{ strptime = "%d/%m/%Y %H:%M" }',
             "default": '{ default = "email" }', "date_time": '{ date_time = ["Date", "Time"] }',
             "months_before": '{ months_before = "2018-02-01" }', "if_true": '{ if_true = "2018-02-01" }'}


def check_against(m: Mapping, t: schema.Table) -> None:
    """Every canonical name the mapping uses must exist in the table."""
    if m.table is not None and m.table != t.name:
        raise _bad(m.path, f"written for table {m.table!r}, not {t.name!r}")
    if m.id_from and t.key is None:
        raise _bad(m.path, f"id_from: {t.name} has no id column (its rows are keyed by their content)")
    for section in ("columns", "constants", "values", "transforms"):
        for canon in getattr(m, section):
            if not t.has(canon):
                raise _bad(m.path, f"[{section}] {canon}: {t.name} has no such column "
                                   f"(columns: {', '.join(t.names)})")
    both = set(m.columns) & set(m.constants)
    if both:
        raise _bad(m.path, f"{', '.join(sorted(both))} is both mapped and a constant")
    if m.id_from and t.key is not None and (t.key in m.columns or t.key in m.constants):
        raise _bad(m.path, f"{t.key} is both computed by id_from and mapped")
    for canon, steps in m.transforms.items():
        if steps and steps[0][0] == "date_time" and canon in m.columns:
            raise _bad(m.path, f"{canon} is both in [columns] and built by date_time")


def normalise_header(name: str) -> str:
    """``Ticket ID``, ``ticket-id``, ``ticketId`` and ``customerID`` -> ``ticket_id`` / ``customer_id``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^0-9a-z]+", "_", spaced.lower()).strip("_")


def resolve_sources(m: Mapping, t: schema.Table, header: list[str]) -> dict[str, list[str]]:
    """Canonical column -> the source column(s) it is read from."""
    dropped = set(m.drop)
    available = [(h, normalise_header(h)) for h in header if h not in dropped]
    out: dict[str, list[str]] = {}
    for canon in t.names:
        steps = m.transforms.get(canon, [])
        if m.id_from and canon == t.key:
            out[canon] = list(m.id_from)
        elif steps and steps[0][0] == "date_time":
            out[canon] = list(steps[0][1])
        elif canon in m.columns:
            out[canon] = [m.columns[canon]]
        elif canon in m.constants:
            continue
        else:
            exact = [h for h, _ in available if h == canon]
            loose = [h for h, norm in available if norm == canon]
            if not exact and len(loose) > 1:
                raise ImportFailed(f"columns {', '.join(map(repr, loose))} all match {canon}; say which one "
                                   f"with [columns] {canon} = \"...\" in a mapping, or rename the others")
            if exact or loose:
                out[canon] = [(exact or loose)[0]]
    in_file = set(header)
    for canon, srcs in out.items():
        for s in srcs:
            if s not in in_file:
                where = f" (mapping {m.path})" if m.path else ""
                raise ImportFailed(f"column {s!r} for {canon}{where} is not in the file; "
                                   f"the file has: {', '.join(header)}")
            if s in m.drop:
                raise _bad(m.path, f"column {s!r} is both dropped and mapped to {canon}")
    return out


def value_map(text: pa.Array, vmap: dict[str, Any]) -> pa.Array:
    keys = pa.array(list(vmap))
    targets = pa.array([as_text(v) for v in vmap.values()], pa.string())
    idx = pc.index_in(pc.utf8_lower(text), value_set=keys)
    # a mapped value replaces the text even when it maps to missing (``No = ""``)
    return pc.if_else(pc.is_valid(idx), pc.take(targets, idx), text)


def as_text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    return None if v == "" else str(v)


def apply_steps(val: Val, steps: list[Step], columns: dict[str, pa.Array], ctx: dict[str, Any]) -> tuple[Val, list[P.Issue]]:
    """Run the transform steps of one column, in order."""
    issues: list[P.Issue] = []
    for name, arg in steps:
        if name == "date_time":
            st = _date_time(columns[arg[0]], columns[arg[1]], ctx)
            issues += st.issues
            val = Val(stamps=st)
            continue
        if val.stamps is not None:
            raise ImportFailed(f"transform {name} cannot follow one that made a timestamp")
        text = val.text if val.text is not None else P.clean_text(val.typed)
        if name == "strip":
            val = Val(text=text)
        elif name in ("lower", "upper"):
            val = Val(text=(pc.utf8_lower if name == "lower" else pc.utf8_upper)(text))
        elif name == "default":
            val = Val(text=pc.fill_null(text, as_text(arg)))
        elif name == "not":
            b, iss = P.parse_bool(val.typed if val.typed is not None else text)
            issues += iss
            val = Val(typed=pc.invert(b))
        elif name == "multiply":
            f, iss = P.parse_float(val.typed if val.typed is not None else text, decimal=ctx["decimal"])
            issues += iss
            val = Val(typed=pc.multiply(f, float(arg)))
        elif name == "excel_day_fraction_to_seconds":
            f, iss = P.day_fraction_seconds(val.typed if val.typed is not None else text)
            issues += iss
            val = Val(typed=f)
        elif name == "hms_to_seconds":
            f, iss = P.hms_seconds(text)
            issues += iss
            val = Val(typed=f)
        elif name == "excel_serial_to_timestamp":
            f, iss = P.parse_float(val.typed if val.typed is not None else text)
            st = P.excel_serial(f)
            issues += iss + st.issues
            val = Val(stamps=st)
        elif name in ("epoch_seconds", "epoch_milliseconds"):
            st = P.epoch(val.typed if val.typed is not None else text, "s" if name == "epoch_seconds" else "ms")
            issues += st.issues
            val = Val(stamps=st)
        elif name == "months_before":
            f, iss = P.parse_float(val.typed if val.typed is not None else text)
            st = P.months_before(f, arg)
            issues += iss + st.issues
            val = Val(stamps=st)
        elif name == "if_true":
            b, iss = P.parse_bool(val.typed if val.typed is not None else text)
            st = P.if_true(b, arg)
            issues += iss
            val = Val(stamps=st)
        elif name == "strptime":
            try:
                st = P.strptime(text, arg)
            except ValueError as e:
                raise ImportFailed(str(e)) from None
            issues += st.issues
            val = Val(stamps=st)
    return val, issues


def _date_time(date: pa.Array, time: pa.Array, ctx: dict[str, Any]) -> P.Stamps:
    """A date column plus a time-of-day column (``14:05[:09]`` or an Excel day fraction)."""
    d = P.parse_stamps(date, date_order=ctx["date_order"], excel=ctx["excel"], mixed_orders=ctx["evidence"])
    secs, issues = P.day_fraction_seconds(time)
    s = secs.to_numpy(zero_copy_only=False)
    out_of_day = ~np.isnan(s) & ((s < 0) | (s >= 86400))
    if out_of_day.any():
        issues.append((out_of_day, "time of day out of range: {value!r}"))
    midnight = d.values.astype("M8[D]").astype("M8[us]")
    has_time = ~np.isnan(s) & ~out_of_day
    add = (np.round(np.where(has_time, s, 0) * 1000) * 1000).astype("timedelta64[us]")
    vals = np.where(has_time, midnight + add, d.values)
    not_midnight = has_time & ~np.isnat(d.values) & (d.values != midnight)
    if not_midnight.any():
        issues.append((not_midnight, "the date column already has a time of day: {value!r}"))
    vals = np.where(np.isnat(d.values) | out_of_day | not_midnight, P.NAT, vals)
    missing_date = ~P.present(P.clean_text(date)) & P.present(P.clean_text(time))
    if missing_date.any():
        issues.append((missing_date, "a time without a date"))
    return P.Stamps(vals, d.utc & ~has_time, [*d.issues, *issues])


def computed_ids(sources: list[pa.Array]) -> pa.Array:
    """Ids for a file without them: a hash of the listed columns' text, plus ``-2``, ``-3``, ... for
    the second and later rows with the same values (by position in the file), so re-importing
    the file, or a longer version of it, gives every row the id it had before."""
    import hashlib

    texts = [P.clean_text(a).to_pylist() for a in sources]
    keys = ["\x1f".join("" if v is None else v for v in vals) for vals in zip(*texts, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for k in keys:
        h = hashlib.blake2b(k.encode("utf-8"), digest_size=8).hexdigest()
        n = seen[h] = seen.get(h, 0) + 1
        out.append(h if n == 1 else f"{h}-{n}")
    return pa.array(out, pa.string())
