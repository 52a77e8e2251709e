"""The comments behind a number: survey answers that carry free text.

A score says how customers felt; the comment says why (seeds 001 and 002). This
lists the commented responses behind any feedback metric, e.g. this month's
detractors for one agent, with their score, ticket and customer, newest first.
Filtering is one Ibis expression over the response facts, so it runs where the
data lives; only the selected rows come back.

Comment text is user data: :func:`safe_cell` neutralises spreadsheet formulas in
CSV exports, and the CLI escapes Rich markup before printing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TextIO

import ibis
import ibis.expr.types as ir
import pandas as pd

from cxmetrics.engine.core import Engine, Query
from cxmetrics.errors import QueryError
from cxmetrics.periods.dates import parse_date

if TYPE_CHECKING:
    from cxmetrics.store import Store

#: group name -> survey type it applies to (the groups of SPEC 4.3)
GROUPS: dict[str, str] = {
    "promoter": "nps", "passive": "nps", "detractor": "nps",
    "satisfied": "csat", "unsatisfied": "csat",
    "low_effort": "ces", "high_effort": "ces",
}
COLUMNS = ["responded_at", "survey", "score", "group", "comment", "ticket_id", "customer_id", "agent_id",
           "channel", "category", "response_id"]
#: A cell starting with one of these is run as a formula by Excel, LibreOffice and
#: Google Sheets (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Where = dict[str, str] | list[tuple[str, str]] | tuple[tuple[str, str], ...] | None


def engine_of(source: Store | Engine) -> Engine:
    """An engine from a store or an engine (the Python API takes either).

    For a store: the stored ticket facts, but no cached intermediate tables. These
    listings run one query, so caching gains nothing, and a cached table left for
    the garbage collector after the store is closed fails to drop itself."""
    if isinstance(source, Engine):
        return source
    if hasattr(source, "stored_facts") and hasattr(source, "ibis"):
        return Engine(source.ibis, source.config, cache=False, base=source.stored_facts())
    raise TypeError(f"expected a Store or an Engine, got {type(source).__name__}")


def responses_in_range(engine: Engine, *, from_: dt.date | str | None = None, to: dt.date | str | None = None,
                       tz: str | None = None, where: Where = None) -> ir.Table:
    """Response facts answered between local dates ``from_`` and ``to`` (inclusive, in
    ``tz``) and matching ``where`` ({dimension: value}, same dimensions as metrics).

    Uses the engine's own range and filter logic, so a comment list and the metric
    it explains select exactly the same responses."""
    w = tuple(where.items()) if isinstance(where, dict) else tuple(where or ())
    q = Query(grain="total", from_=parse_date(from_, "--from"), to=parse_date(to, "--to"), tz=tz, where=w)
    q.validate()
    return engine.prepared("responses", "responded_at", [], q)


def response_group(r: ir.Table) -> ir.StringValue:
    """promoter/passive/detractor (NPS), satisfied/unsatisfied (CSAT), low_effort/high_effort
    (CES, oriented high = easy), skipped (no score); null for other surveys."""
    nps, csat, ces = (r.survey_type == t for t in ("nps", "csat", "ces"))
    return ibis.cases(
        (~r.answered, "skipped"),
        (nps & r.promoter, "promoter"), (nps & r.passive, "passive"), (nps & r.detractor, "detractor"),
        (csat & r.top2, "satisfied"), (csat, "unsatisfied"),
        (ces & r.top2, "low_effort"), (ces, "high_effort"),
        else_=ibis.null("string"),
    )


def comments(source: Store | Engine, *, survey: str | None = None, group: str | None = None,
             from_: dt.date | str | None = None, to: dt.date | str | None = None, tz: str | None = None,
             where: Where = None, limit: int | None = None) -> pd.DataFrame:
    """Commented responses, newest first.

    ``survey`` matches a survey's name or its type (``csat`` finds every CSAT survey);
    ``group`` is one of :data:`GROUPS`; ``from_``/``to`` are local dates in ``tz``
    (default: the configured zone). ``score`` is the answer as given (before any
    effort-high inversion); ``group`` is decided on the oriented score.
    ``responded_at`` is ISO 8601 in the reporting zone, with its offset."""
    if group is not None and group not in GROUPS:
        raise QueryError(f"unknown group {group!r}; use one of {', '.join(GROUPS)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise QueryError(f"limit must be a positive whole number, got {limit!r}")
    engine = engine_of(source)
    zone = tz or engine.config.timezone
    r = responses_in_range(engine, from_=from_, to=to, tz=zone, where=where)
    text = r.comment.strip()
    r = r.filter(text.notnull() & (text.length() > 0))
    if survey is not None:
        r = r.filter((r.survey == survey) | (r.survey_type == survey))
    r = r.mutate(group=response_group(r))
    if group is not None:
        r = r.filter(r.group == group)
    r = r.order_by([ibis.desc(r.responded_at), r.response_id])
    if limit is not None:
        r = r.limit(limit)
    out = r.select(*[c for c in COLUMNS if c != "score"], score=r.raw_score).execute()
    out = out[COLUMNS].reset_index(drop=True)
    stamps = pd.to_datetime(out["responded_at"]).dt.tz_localize("UTC").dt.tz_convert(zone)
    out["responded_at"] = pd.Series([t.isoformat() for t in stamps], index=out.index, dtype="object")
    out["score"] = out["score"].astype("float64")
    return out


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other
    values pass unchanged. For CSV exports of user text (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, out: TextIO) -> None:
    """CSV with every text cell passed through :func:`safe_cell` (numbers stay numbers)."""
    safe = frame.copy()
    for c in safe.columns:
        if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c]):
            # an object column stays one: Series.map would turn 6 and None into 6.0 and NaN
            safe[c] = pd.Series([safe_cell(v) for v in safe[c]], index=safe.index, dtype=object)
    safe.to_csv(out, index=False)
