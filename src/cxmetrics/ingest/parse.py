"""Column parsers: text (or already typed) Arrow arrays -> typed values plus per-row issues.

Every parser works on a whole column at once (Arrow compute, NumPy, pandas) so a
million-row file costs a handful of vectorised passes, never a Python loop per row.
An *issue* is ``(mask, template)``: the rows that failed and a reason in which
``{value}`` is replaced by the offending value when the quarantine entry is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Issue = tuple[np.ndarray, str]

NAT = np.datetime64("NaT", "us")
US_PER_DAY = 86_400_000_000
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")

TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")

FLOAT_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
INT_RE = r"^[+-]?\d+(?:\.0*)?$"
_NUMBER_RE = r"^\d+(?:\.\d+)?$"
_ISO_HEAD = r"^\d{4}-\d{2}-\d{2}(?:$|[T ]\d)"
_HAS_OFFSET = r"[Tt ]\d{1,2}(?:[:.,]?\d)*\s*(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
_TIME = (r"(?:(?:[Tt]|\s+|,\s*)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?")
_OFF = r"\s*(?P<tz>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
#: day and month by position (order decided per file), 2- or 4-digit year last
_NUM = r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + _OFF
#: year first with any of - / . (ISO with unusual separators or unpadded parts)
_YMD = r"^(?P<y>\d{4})[-/.](?P<b>\d{1,2})[-/.](?P<a>\d{1,2})" + _TIME + _OFF
#: 2-digit year first (only with --date-order ymd)
_YMD2 = r"^(?P<y>\d{2})[-/.](?P<b>\d{1,2})[-/.](?P<a>\d{1,2})" + _TIME + _OFF
#: 22 Mar 2021, 22-Mar-2021, 22 March, 2021
_DNAME = r"^(?P<a>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ ,-]\s*(?P<y>\d{4})" + _TIME + _OFF
#: Mar 22, 2021 / March 22 2021
_NAMED = r"^(?P<mon>[A-Za-z]{3,9})\.? (?P<a>\d{1,2}),? (?P<y>\d{4})" + _TIME + _OFF
MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}

DATE_ORDERS = ("dmy", "mdy", "ymd")

UNRECOGNISED = ("not a recognised date/time: {value!r} (use ISO 8601 such as 2021-03-22T14:05:00+02:00, "
                "22-03-2021, 03/22/2021 14:05, or a strptime transform in a mapping)")


@dataclass
class Stamps:
    """Timestamps before the zone is applied: UTC instants where ``utc`` is set, wall-clock times elsewhere."""

    values: np.ndarray  # datetime64[us], NaT = empty or invalid
    utc: np.ndarray  # bool
    issues: list[Issue] = field(default_factory=list)


@dataclass
class OrderEvidence:
    """Which day/month orders the values of numeric dates allow (for auto-detection)."""

    dmy: int = 0
    mdy: int = 0
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, other: OrderEvidence) -> None:
        self.dmy += other.dmy
        self.mdy += other.mdy
        for k, v in other.examples.items():
            self.examples.setdefault(k, v)

    def decide(self) -> str | None:
        if self.dmy and not self.mdy:
            return "dmy"
        if self.mdy and not self.dmy:
            return "mdy"
        return None


# -- small helpers -------------------------------------------------------------
def as_array(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def is_text(a: pa.Array) -> bool:
    return pa.types.is_string(a.type) or pa.types.is_large_string(a.type) or pa.types.is_null(a.type)


def clean_text(a: pa.Array) -> pa.Array:
    """Trimmed strings with empty values as null (non-text columns are cast to text)."""
    a = as_array(a)
    if pa.types.is_null(a.type):
        return pa.nulls(len(a), pa.string())
    if not is_text(a):
        a = pc.cast(a, pa.string())
    a = pc.utf8_trim_whitespace(a)
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, a.type), a)


def mask(a: pa.Array) -> np.ndarray:
    """Boolean Arrow array -> NumPy bool with null as False."""
    return np.asarray(pc.fill_null(a, False).to_numpy(zero_copy_only=False), dtype=bool)


def present(a: pa.Array) -> np.ndarray:
    return mask(pc.is_valid(a))


def _ints(a: pa.Array, default: int = 0) -> np.ndarray:
    a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
    return pc.fill_null(pc.cast(a, pa.int64()), default).to_numpy(zero_copy_only=False)


# -- numbers, booleans -----------------------------------------------------------
OUT_OF_RANGE = "number out of range: {value!r}"
#: int64 bounds as floats (every float at or beyond them overflows a BIGINT)
_INT64_LIMIT = 2.0 ** 63


def _finite(vals: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Float values with NaN as missing, plus the rows holding +-inf (out of range: never stored)."""
    f = np.asarray(vals.to_numpy(zero_copy_only=False), dtype=float)
    inf = np.isinf(f)
    return pa.array(np.where(inf, np.nan, f), pa.float64(), from_pandas=True), inf


def parse_float(a: pa.Array, *, decimal: str = ".") -> tuple[pa.Array, list[Issue]]:
    """Numbers as float64. Text that overflows a double (``1e400``, a 400-digit integer) and
    infinite typed values are out of range, never stored as +-inf; a typed NaN is missing."""
    a = as_array(a)
    if pa.types.is_integer(a.type) or pa.types.is_floating(a.type) or pa.types.is_boolean(a.type):
        vals, inf = _finite(pc.cast(a, pa.float64(), safe=False))  # a big uint64 rounds, like any float
        return vals, ([(inf, OUT_OF_RANGE)] if inf.any() else [])
    s = clean_text(a)
    if decimal == ",":
        s = pc.replace_substring(s, ",", ".")
    ok = pc.match_substring_regex(s, FLOAT_RE)
    bad = present(s) & ~mask(ok)
    vals, inf = _finite(pc.cast(pc.if_else(ok, s, pa.scalar(None, pa.string())), pa.float64()))
    issues: list[Issue] = []
    if bad.any():
        issues.append((bad, "not a number: {value!r}"))
    if inf.any():
        issues.append((inf, OUT_OF_RANGE))
    return vals, issues


def parse_int(a: pa.Array) -> tuple[pa.Array, list[Issue]]:
    """Whole numbers as int64; beyond 18 digits (or a typed value beyond int64) is out of range."""
    a = as_array(a)
    if pa.types.is_integer(a.type):
        if pa.types.is_unsigned_integer(a.type) and a.type.bit_width == 64:  # uint64 may exceed int64
            big = mask(pc.greater(a, pa.scalar(2 ** 63 - 1, a.type)))
            if big.any():
                good = pc.if_else(pa.array(big), pa.scalar(None, a.type), a)
                return pc.cast(good, pa.int64()), [(big, OUT_OF_RANGE)]
        return pc.cast(a, pa.int64()), []
    if pa.types.is_floating(a.type):
        f = np.asarray(a.to_numpy(zero_copy_only=False), dtype=float)
        huge = np.isinf(f) | (np.abs(np.nan_to_num(f, posinf=0, neginf=0)) >= _INT64_LIMIT)
        frac = ~np.isnan(f) & ~huge & (f != np.round(np.nan_to_num(f)))
        good = pa.array(np.where(huge | frac | np.isnan(f), np.nan, f), pa.float64(), from_pandas=True)
        issues = [(m, t) for m, t in ((frac, "not a whole number: {value!r}"), (huge, OUT_OF_RANGE)) if m.any()]
        return pc.cast(good, pa.int64()), issues
    s = clean_text(a)
    ok = pc.match_substring_regex(s, INT_RE)
    bad = present(s) & ~mask(ok)
    digits = pc.replace_substring_regex(pc.if_else(ok, s, pa.scalar(None, pa.string())), r"\.0*$", "")
    digits = pc.replace_substring_regex(digits, r"^\+", "")  # Arrow's cast refuses a leading +
    too_long = mask(pc.greater(pc.utf8_length(pc.utf8_ltrim(digits, "+-")), 18))
    if too_long.any():
        digits = pc.if_else(pa.array(too_long), pa.scalar(None, pa.string()), digits)
    issues = [(m, t) for m, t in ((bad, "not a whole number: {value!r}"),
                                  (too_long, "whole number out of range: {value!r} (at most 18 digits)")) if m.any()]
    return pc.cast(digits, pa.int64()), issues


def parse_bool(a: pa.Array) -> tuple[pa.Array, list[Issue]]:
    a = as_array(a)
    if pa.types.is_boolean(a.type):
        return a, []
    if pa.types.is_integer(a.type) or pa.types.is_floating(a.type):
        a = pc.cast(a, pa.string())
    s = pc.utf8_lower(clean_text(a))
    t = pc.is_in(s, value_set=pa.array(TRUE_WORDS))
    f = pc.is_in(s, value_set=pa.array(FALSE_WORDS))
    bad = present(s) & ~mask(t) & ~mask(f)
    vals = pc.if_else(t, True, pc.if_else(f, False, pa.scalar(None, pa.bool_())))
    return vals, ([(bad, "not a yes/no value: {value!r} (expected true/false, yes/no, y/n, 1/0)")]
                  if bad.any() else [])


#: what :func:`normalise_label` replaces with "_" (the DuckDB-native import uses the same pattern)
LABEL_SEPARATORS = r"[\s\-]+"


def normalise_label(a: pa.Array) -> pa.Array:
    """`On Hold` -> `on_hold`: how allowed values are matched."""
    return pc.replace_substring_regex(pc.utf8_lower(a), LABEL_SEPARATORS, "_")


# -- durations (transforms) ------------------------------------------------------
def day_fraction_seconds(a: pa.Array) -> tuple[pa.Array, list[Issue]]:
    """Excel day fractions (0.0993...) or clock text (``0:02:23``) -> seconds."""
    a = as_array(a)
    if not is_text(a):
        f, issues = parse_float(a)
        return pc.multiply(f, 86400.0), issues
    s = clean_text(a)
    hms, _ = hms_seconds(s, report=False)
    num, _ = parse_float(pc.if_else(pc.is_valid(hms), pa.scalar(None, pa.string()), s))
    vals = pc.coalesce(hms, pc.round(pc.multiply(num, 86400.0), 3))
    bad = present(s) & ~present(vals)
    return vals, ([(bad, "not a day fraction or h:mm:ss duration: {value!r}")] if bad.any() else [])


def hms_seconds(a: pa.Array, *, report: bool = True) -> tuple[pa.Array, list[Issue]]:
    """``h:mm:ss``, ``mm:ss`` or ``h:mm:ss.fff`` -> seconds."""
    s = clean_text(a)
    parts = pc.extract_regex(s, r"^(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d+)?))?$")
    ok = mask(pc.is_valid(parts))
    h = pc.cast(pc.if_else(pa.array(ok), parts.field("h"), "0"), pa.float64())
    m = pc.cast(pc.if_else(pa.array(ok), parts.field("m"), "0"), pa.float64())
    sec_txt = parts.field("s")
    has_s = mask(pc.not_equal(sec_txt, ""))
    # "mm:ss" when there is no third part: the two numbers are minutes and seconds
    sec = pc.cast(pc.if_else(pa.array(ok & has_s), sec_txt, "0"), pa.float64())
    total = np.where(has_s,
                     h.to_numpy() * 3600 + m.to_numpy() * 60 + sec.to_numpy(),
                     h.to_numpy() * 60 + m.to_numpy())
    vals = pa.array(total, mask=~ok)
    bad = present(s) & ~ok
    return vals, ([(bad, "not a h:mm:ss duration: {value!r}")] if report and bad.any() else [])


# -- timestamps --------------------------------------------------------------------
def order_evidence(a: pa.Array) -> OrderEvidence:
    """Count numeric dates that only make sense day-first or month-first."""
    ev = OrderEvidence()
    if not is_text(a):
        return ev
    s = clean_text(a)
    parts = pc.extract_regex(s, r"^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.]\d{2,4}")
    if not mask(pc.is_valid(parts)).any():
        return ev
    x, y = _ints(parts.field("a")), _ints(parts.field("b"))
    dmy, mdy = (x > 12) & (y <= 12), (y > 12) & (x <= 12)
    ev.dmy, ev.mdy = int(dmy.sum()), int(mdy.sum())
    vals = s.to_numpy(zero_copy_only=False)
    if ev.dmy:
        ev.examples["dmy"] = str(vals[np.flatnonzero(dmy)[0]])
    if ev.mdy:
        ev.examples["mdy"] = str(vals[np.flatnonzero(mdy)[0]])
    return ev


def parse_stamps(a: pa.Array, *, date_order: str | None, excel: bool = False,
                 mixed_orders: OrderEvidence | None = None) -> Stamps:
    """Recognise the supported forms; the zone is applied later by :func:`to_utc`.

    ``date_order`` None means auto-detected and still undecided: numeric dates whose
    day and month could be swapped are reported as ambiguous instead of guessed.
    """
    a = as_array(a)
    n = len(a)
    if pa.types.is_timestamp(a.type) or pa.types.is_date(a.type):
        return _typed_stamps(a)
    if pa.types.is_integer(a.type) or pa.types.is_floating(a.type):
        if excel:
            return excel_serial(a)
        vals = np.full(n, NAT)
        bad = present(a)
        return Stamps(vals, np.zeros(n, bool),
                      [(bad, "a number is not a timestamp: {value!r} (use an epoch_seconds or "
                        "excel_serial_to_timestamp transform)")] if bad.any() else [])
    s = clean_text(a)
    out = np.full(n, NAT)
    utc = np.zeros(n, bool)
    todo = present(s)
    issues: list[Issue] = []
    # 1. ISO 8601 (the common case): pandas' C parser, offsets to UTC
    iso = mask(pc.match_substring_regex(s, _ISO_HEAD)) & todo
    if iso.any():
        off = mask(pc.match_substring_regex(s, _HAS_OFFSET))
        for group, aware in ((iso & ~off, False), (iso & off, True)):
            if group.any():
                idx = np.flatnonzero(group)
                sub = s.filter(pa.array(group))
                vals = _iso(sub, aware)
                got = ~np.isnat(vals)
                if aware:  # offsets beyond +-14:00 go on to the component forms, which name them
                    tail = pc.extract_regex(sub, r"(?P<tz>[+-]\d{2}(?::?\d{2})?)$").field("tz")
                    got &= ~_offset_minutes(tail)[1]
                out[idx[got]] = vals[got]
                utc[idx[got]] = aware
                todo[idx[got]] = False
    # 2. Excel serial numbers, only where the source is a spreadsheet
    if excel and todo.any():
        num = mask(pc.match_substring_regex(s, _NUMBER_RE)) & todo
        if num.any():
            ser = excel_serial(pc.cast(s.filter(pa.array(num)), pa.float64()))
            idx = np.flatnonzero(num)
            out[idx] = ser.values
            todo[idx] = False
    # 3. the other numeric and month-name forms, by components
    forms = [(_YMD, "ymd4"), (_NUM, "num"), (_DNAME, "name"), (_NAMED, "name")]
    if date_order == "ymd":
        forms.insert(1, (_YMD2, "ymd2"))
    for pattern, kind in forms:
        if not todo.any():
            break
        sub_idx = np.flatnonzero(todo)
        sub = s.take(pa.array(sub_idx))
        parts = pc.extract_regex(sub, pattern)
        hit = mask(pc.is_valid(parts))
        if not hit.any():
            continue
        idx = sub_idx[hit]
        parts = parts.filter(pa.array(hit))
        vals, offs, probs = _assemble(parts, kind, date_order, mixed_orders)
        ok = ~np.isnat(vals)
        out[idx[ok]] = vals[ok]
        utc[idx[ok]] = ~np.isnan(offs[ok])
        for bad_local, reason in probs:
            full = np.zeros(n, bool)
            full[idx[bad_local]] = True
            issues.append((full, reason))
        invalid = np.zeros(n, bool)
        covered = np.zeros(len(idx), bool)
        for bad_local, _ in probs:
            covered |= bad_local
        invalid[idx[~ok & ~covered]] = True
        if invalid.any():
            issues.append((invalid, "not a valid date/time: {value!r}"))
        todo[idx] = False
    if todo.any():
        issues.append((todo, UNRECOGNISED))
    return Stamps(out, utc, issues)


#: the instants a timestamp may hold: years 1 to 9999 (what every engine and Python can represent)
_FIRST, _LAST = np.datetime64("0001-01-01", "us"), np.datetime64("9999-12-31T23:59:59.999999", "us")
_PER_SECOND = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}


def _typed_stamps(a: pa.Array) -> Stamps:
    """Typed timestamps and dates (Parquet); values beyond years 1-9999 are out of range (checked in
    their own unit, before a conversion could overflow)."""
    n = len(a)
    if pa.types.is_date(a.type):
        days = pc.cast(pc.cast(a, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
        raw, per_day = np.asarray(days, dtype=float), 1.0
    else:
        ints = pc.cast(a.cast(pa.timestamp(a.type.unit)), pa.int64()).to_numpy(zero_copy_only=False)
        raw, per_day = np.asarray(ints, dtype=float), 86400.0 * _PER_SECOND[a.type.unit]
    lo = (_FIRST - np.datetime64(0, "us")).astype(np.int64) / 86_400_000_000 * per_day
    hi = (_LAST - np.datetime64(0, "us")).astype(np.int64) / 86_400_000_000 * per_day
    out = ~np.isnan(raw) & ((raw < lo) | (raw > hi))
    if out.any():
        a = pc.if_else(pa.array(out), pa.scalar(None, a.type), a)
    if pa.types.is_date(a.type):
        vals = _np_us(pc.cast(pc.cast(a, pa.date32()), pa.timestamp("us")))
        utc = np.zeros(n, bool)
    elif a.type.tz is not None:
        vals = _np_us(pc.cast(a, pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us")))
        utc = np.ones(n, bool)
    else:
        vals = _np_us(pc.cast(a, pa.timestamp("us")))
        utc = np.zeros(n, bool)
    return Stamps(vals, utc, [(out, "timestamp out of range: {value!r} (years 1 to 9999)")] if out.any() else [])


def _iso(s: pa.Array, aware: bool) -> np.ndarray:
    """ISO 8601 strings -> datetime64[us] (UTC if ``aware``); NaT where invalid.

    Arrow's cast is ~20x faster than pandas but all-or-nothing, so pandas (same
    result, per-value errors) only runs when a value in the column is unusual.
    """
    try:
        ts = pc.cast(s, pa.timestamp("us", tz="UTC") if aware else pa.timestamp("us"))
        return _np_us(ts.cast(pa.timestamp("us")) if aware else ts)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    parsed = pd.to_datetime(s.to_numpy(zero_copy_only=False), format="ISO8601", utc=True, errors="coerce")
    return parsed.tz_localize(None).as_unit("us").to_numpy()


def _assemble(parts: pa.StructArray, kind: str, date_order: str | None,
              mixed: OrderEvidence | None) -> tuple[np.ndarray, np.ndarray, list[Issue]]:
    """Components -> datetime64 (wall time, or UTC minus offset where one is given)."""
    m_count = len(parts)
    probs: list[Issue] = []
    y = _ints(parts.field("y"))
    a = _ints(parts.field("a"))
    if kind == "name":
        mon = pc.utf8_slice_codeunits(pc.utf8_lower(parts.field("mon")), 0, 3)
        month = pc.fill_null(pc.index_in(mon, value_set=pa.array(list(MONTHS))), -1).to_numpy() + 1
        day = a
    elif kind in ("ymd4", "ymd2"):
        month, day = _ints(parts.field("b")), a
        if kind == "ymd2":
            y = np.where(y < 69, 2000 + y, 1900 + y)
    else:
        b = _ints(parts.field("b"))
        short_year = mask(pc.less(pc.utf8_length(parts.field("y")), 4))
        if date_order == "ymd":
            probs.append((np.ones(m_count, bool), "date {value!r} does not start with the year (--date-order ymd)"))
            day, month = a, b
        elif date_order in ("dmy", "mdy"):
            day, month = (a, b) if date_order == "dmy" else (b, a)
            y = np.where(short_year, np.where(y < 69, 2000 + y, 1900 + y), y)
        else:
            same = a == b
            if short_year.any():
                probs.append((short_year, "two-digit year in {value!r}: give --date-order dmy, mdy or ymd"))
            if mixed is not None and mixed.dmy and mixed.mdy:
                ex = mixed.examples
                reason = (f"the file mixes day-first ({ex.get('dmy')}) and month-first ({ex.get('mdy')}) "
                          "dates, so {value!r} is ambiguous: give --date-order dmy or mdy")
            else:
                reason = "ambiguous date {value!r} (day-first or month-first?): give --date-order dmy or mdy"
            amb = ~same & ~short_year
            if amb.any():
                probs.append((amb, reason))
            day, month = a, b
    hour = _ints(parts.field("H"))
    minute = _ints(parts.field("M"))
    sec = _ints(parts.field("S"))
    frac = parts.field("F")
    micro = _ints(pc.utf8_slice_codeunits(pc.utf8_rpad(frac, 6, "0"), 0, 6)) if len(frac) else np.zeros(0, int)
    ampm = pc.utf8_lower(pc.utf8_slice_codeunits(parts.field("ampm"), 0, 1)).to_numpy(zero_copy_only=False)
    pm, am = ampm == "p", ampm == "a"
    bad_12h = (pm | am) & ((hour < 1) | (hour > 12))
    hour = np.where(pm & (hour < 12), hour + 12, np.where(am & (hour == 12), 0, hour))
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (sec <= 59) & ~bad_12h
    ok &= (y >= 1) & (y <= 9999)
    months = ((np.clip(y, 1, 9999) - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("timedelta64[M]")
    first = np.datetime64("1970-01", "M") + months
    dim = ((first + 1).astype("M8[D]") - first.astype("M8[D]")).astype(int)
    ok &= day <= dim
    days = first.astype("M8[D]") + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    vals = (days.astype("M8[us]") + ((hour * 3600 + minute * 60 + sec) * 1_000_000 + micro).astype("timedelta64[us]"))
    offs, bad_off = _offset_minutes(parts.field("tz"))
    if bad_off.any():
        probs.append((bad_off, BAD_OFFSET))
    has_off = ~np.isnan(offs)
    vals = np.where(has_off, vals - (np.nan_to_num(offs) * 60_000_000).astype("timedelta64[us]"), vals)
    for bad_local, _ in probs:
        ok &= ~bad_local
    vals = np.where(ok, vals, NAT)
    return vals, offs, probs


#: the widest UTC offsets in use (Kiribati +14:00, Baker Island -12:00); anything beyond is an error
MAX_OFFSET_MINUTES = 14 * 60
BAD_OFFSET = "UTC offset out of range in {value!r} (offsets run from -14:00 to +14:00)"


def _offset_minutes(tz: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``Z``/``UTC``/``+02:00``/``-0530``/``+02`` -> minutes east of UTC (NaN where there is
    none), and the rows whose offset cannot exist (beyond +-14:00, or minutes over 59)."""
    up = pc.utf8_upper(tz)
    zulu = mask(pc.is_in(up, value_set=pa.array(["Z", "UTC", "GMT"])))
    parts = pc.extract_regex(tz, r"^(?P<s>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    signed = mask(pc.is_valid(parts))
    out = np.full(len(tz), np.nan)
    out[zulu] = 0.0
    bad = np.zeros(len(tz), bool)
    if signed.any():
        sign = np.where(parts.field("s").to_numpy(zero_copy_only=False) == "-", -1.0, 1.0)
        h, m = _ints(parts.field("h")), _ints(parts.field("m"))
        mins = h * 60 + m
        bad = signed & ((m > 59) | (mins > MAX_OFFSET_MINUTES))
        ok = signed & ~bad
        out[ok] = (sign * mins)[ok]
    return out, bad


def excel_serial(a: pa.Array) -> Stamps:
    """Excel serial day numbers (1900 date system; serials below 61 are not supported)."""
    f = pc.cast(as_array(a), pa.float64()).to_numpy(zero_copy_only=False)
    ok = ~np.isnan(f) & (f >= 61) & (f < 2958466)
    us = np.round(np.where(ok, f, 0) * US_PER_DAY / 1000) * 1000  # to the millisecond: float noise
    vals = np.where(ok, EXCEL_EPOCH + us.astype("timedelta64[us]"), NAT)
    bad = ~np.isnan(f) & ~ok
    return Stamps(vals, np.zeros(len(f), bool),
                  [(bad, "not an Excel date serial: {value!r}")] if bad.any() else [])


def strptime(a: pa.Array, fmt: str) -> Stamps:
    """A user-given strptime format; ``%z`` in it makes the values instants."""
    s = clean_text(a)
    raw = s.to_numpy(zero_copy_only=False)
    aware = "%z" in fmt or "%Z" in fmt
    try:
        parsed = pd.to_datetime(raw, format=fmt, errors="coerce", utc=aware)
    except ValueError as e:
        raise ValueError(f"bad strptime format {fmt!r}: {e}") from None
    if aware:
        parsed = parsed.tz_localize(None)
    vals = parsed.as_unit("us").to_numpy()
    bad = present(s) & np.isnat(vals)
    return Stamps(vals, np.full(len(s), aware),
                  [(bad, f"does not match the format {fmt!r}: {{value!r}}")] if bad.any() else [])


def epoch(a: pa.Array, unit: str) -> Stamps:
    f, issues = parse_float(a)
    scale = {"s": 1_000_000, "ms": 1000}[unit]
    x = f.to_numpy(zero_copy_only=False)
    ok = ~np.isnan(x) & (np.abs(x * scale) < 2.5e17)
    vals = np.where(ok, np.datetime64(0, "us") + np.round(np.where(ok, x, 0) * scale).astype("timedelta64[us]"), NAT)
    return Stamps(vals, np.ones(len(x), bool), issues)


def _wall(value: str) -> np.datetime64:
    return np.datetime64(dt.datetime.fromisoformat(value).replace(tzinfo=None), "us")


def months_before(months: pa.Array, anchor: str) -> Stamps:
    """A number of whole months before ``anchor`` (a customer's tenure on a snapshot date) -> the
    wall-clock date that many calendar months earlier (the day clipped to the month's length)."""
    f = np.asarray(pc.cast(months, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    base = _wall(anchor)
    ok = ~np.isnan(f) & (f >= 0) & (f == np.round(np.nan_to_num(f))) & (f < 12 * 2000)
    n = np.where(ok, f, 0).astype(np.int64)
    month0 = base.astype("M8[M]")
    first = month0 - n.astype("timedelta64[M]")
    day = (base.astype("M8[D]") - month0.astype("M8[D]")).astype(np.int64)
    dim = ((first + 1).astype("M8[D]") - first.astype("M8[D]")).astype(np.int64)
    time_of_day = base - base.astype("M8[D]").astype("M8[us]")
    vals = first.astype("M8[D]") + np.minimum(day, dim - 1).astype("timedelta64[D]")
    vals = np.where(ok, vals.astype("M8[us]") + time_of_day, NAT)
    bad = ~np.isnan(f) & ~ok
    return Stamps(vals, np.zeros(len(f), bool),
                  [(bad, "not a whole number of months: {value!r}")] if bad.any() else [])


def if_true(flags: pa.Array, when: str) -> Stamps:
    """A yes/no column -> ``when`` (wall-clock) where it is true, missing elsewhere (a churn flag on a
    snapshot -> churned_at)."""
    yes = mask(flags)
    return Stamps(np.where(yes, _wall(when), NAT), np.zeros(len(yes), bool))


def to_utc(st: Stamps, zone: str) -> np.ndarray:
    """Wall-clock values -> UTC instants in ``zone``.

    DST overlap (a wall time that happens twice): the earlier instant, i.e. the first
    occurrence. DST gap (a wall time that never happens): read with the offset in force
    before the change, so 02:30 in a spring-forward gap becomes 03:30 summer time.
    """
    vals = st.values.copy()
    wall = ~st.utc & ~np.isnat(vals)
    if zone == "UTC" or not wall.any():
        return vals
    idx = pd.DatetimeIndex(vals[wall])
    loc = idx.tz_localize(zone, ambiguous=np.ones(len(idx), bool), nonexistent="NaT")
    conv = loc.tz_convert("UTC").tz_localize(None).as_unit("us").to_numpy()
    gap = np.isnat(conv)
    if gap.any():
        back = pd.Timedelta(hours=3).as_unit("us")
        shifted = (idx[gap] - back).tz_localize(zone, ambiguous=np.ones(int(gap.sum()), bool), nonexistent="NaT")
        conv[gap] = (shifted.tz_convert("UTC").tz_localize(None) + back).as_unit("us").to_numpy()
    vals[wall] = conv
    return vals


def to_utc_checked(st: Stamps, zone: str) -> tuple[np.ndarray, list[Issue]]:
    """:func:`to_utc`, plus the rows whose instant falls outside the years 1-9999 (a wall time
    on 0001-01-01 east of Greenwich, 9999-12-31 west of it): out of range, never a silent gap."""
    vals = to_utc(st, zone)
    lost = ~np.isnat(st.values) & np.isnat(vals)
    out = lost | (~np.isnat(vals) & ((vals < _FIRST) | (vals > _LAST)))
    if not out.any():
        return vals, []
    vals = np.where(out, NAT, vals)
    return vals, [(out, "timestamp out of range: {value!r} (years 1 to 9999)")]


def _np_us(a: pa.Array) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
