"""Record endpoints of ``/api/v1``: one ticket, one customer's timeline, survey comments, the import log.

Every timestamp leaves as ISO 8601 in the reporting zone (``tz``, default cxm.toml's)
with its UTC offset; user text leaves as JSON strings (pages escape it on display,
CSV exports neutralise spreadsheet formulas).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import PureWindowsPath
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cxmetrics.errors import NotFound
from cxmetrics.interfaces.web.api import ERRORS, FromParam, ToParam, TzParam, WhereParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.responses import (
    CSV_TYPE,
    check_tz,
    csv_response,
    frame_records,
    json_response,
    parse_date,
    parse_where,
)
from cxmetrics.interfaces.web.schemas import CommentsAnswer, ImportLogAnswer, TicketAnswer, TimelineAnswer

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)
#: Per-ticket facts shown with a ticket (what its metrics are made of).
TICKET_FACTS = ("has_messages", "has_status_changes", "first_reply_at", "replies", "reply_agents", "reopens",
                "is_resolved", "first_resolved_at", "resolved_at", "handle_seconds", "frt_s", "resolution_s",
                "first_resolution_s", "requester_wait_s", "agent_wait_s", "on_hold_s", "repeat_contact",
                "frt_target_s", "res_target_s")


def _local(df: pd.DataFrame, zone: str) -> pd.DataFrame:
    from cxmetrics.engine.drill import localise

    return localise(df, zone)


@router.get("/tickets/{ticket_id}", response_model=TicketAnswer, tags=["records"])
def ticket(request: Request, ticket_id: str, tz: TzParam = None) -> Response:
    """One ticket: its row, its derived facts (first reply, resolution, waits...), messages,
    status changes, work sessions and the survey answers about it (score and comment)."""
    import ibis

    ctx = ctx_of(request)
    zone = check_tz(tz) or ctx.config.timezone
    with ctx.reader() as r:
        tid = ibis.literal(ticket_id, "string")
        t = r.store.table("tickets")
        row = t.filter(t.ticket_id == tid).execute()
        if row.empty:
            raise NotFound(f"unknown ticket {ticket_id!r}")
        row = row.drop(columns=[c for c in row.columns if c.startswith("_")])
        f = r.engine.fact_table("tickets", "calendar")
        facts = f.filter(f.ticket_id == tid).select(*[c for c in TICKET_FACTS if c in f.columns]).execute()
        parts = {}
        for name, order in (("messages", "created_at"), ("status_changes", "changed_at"),
                            ("work_sessions", "started_at")):
            x = r.store.table(name)
            df = x.filter(x.ticket_id == tid).order_by(order).execute()
            parts[name] = frame_records(_local(df.drop(columns=[c for c in df.columns if c.startswith("_")]), zone))
        resp = r.engine.feedback_facts()["responses"]
        resp = resp.filter(resp.ticket_id == tid)
        keep = [c for c in ("response_id", "survey", "responded_at", "question", "raw_score", "scale_min",
                            "scale_max", "comment", "agent_id") if c in resp.columns]
        parts["responses"] = frame_records(_local(resp.select(*keep).order_by("responded_at").execute(), zone))
    return json_response({"ticket": frame_records(_local(row, zone))[0],
                          "facts": frame_records(_local(facts, zone))[0] if len(facts) else None, **parts})


@router.get("/customers/{customer_id}/timeline", response_model=TimelineAnswer, tags=["records"])
def timeline(request: Request, customer_id: str, tz: TzParam = None) -> Response:
    """Every event of one customer across channels in time order, with satisfaction changes marked.
    The id is matched ignoring case when no customer has it exactly; `customer_id` is the stored id."""
    from cxmetrics.analyses.timeline import customer_timeline, find_customer

    ctx = ctx_of(request)
    zone = check_tz(tz) or ctx.config.timezone
    with ctx.reader() as r:
        customer_id = find_customer(r.store, customer_id)
        df = customer_timeline(r.store, customer_id, zone)
    return json_response({"customer_id": customer_id, "events": frame_records(df)})


@router.get("/comments", response_model=CommentsAnswer, tags=["records"],
            responses={200: {"content": {CSV_TYPE: {}}}})
def comments(
    request: Request,
    survey: Annotated[str | None, Query(description="Survey name or type (nps, csat, ces...).")] = None,
    group: Annotated[Literal["promoter", "passive", "detractor", "satisfied", "unsatisfied", "low_effort",
                             "high_effort"] | None, Query(description="Answer group.")] = None,
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    where: WhereParam = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 200,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Survey answers with a comment, newest first (the comments behind a score)."""
    from cxmetrics.analyses.comments import comments as list_comments

    ctx = ctx_of(request)
    with ctx.reader() as r:
        df = list_comments(r.engine, survey=survey, group=group, from_=parse_date(from_, "from"),
                           to=parse_date(to, "to"), tz=check_tz(tz), where=parse_where(where), limit=limit)
    if format == "csv":
        return csv_response(df, "cx-comments.csv")
    return json_response({"comments": frame_records(df)})


@router.get("/imports", response_model=ImportLogAnswer, tags=["imports"])
def imports(request: Request, limit: Annotated[int, Query(ge=1, le=10_000)] = 100, tz: TzParam = None) -> Response:
    """The import log, newest first: file name, checksum, rows read / inserted / updated / rejected
    (times in `tz`, default the reporting zone)."""
    ctx = ctx_of(request)
    zone = check_tz(tz) or ctx.config.timezone
    cur = ctx.cursor()  # the store file's log, whatever the engine
    try:
        df = cur.execute("SELECT * FROM _import_log ORDER BY import_id DESC, table_name LIMIT ?", [limit]).fetchdf()
    finally:
        cur.close()
    df = _local(df, zone)
    out = frame_records(df)
    for rec in out:
        rec["file"] = _name_only(rec.get("file"))
        with contextlib.suppress(ValueError):
            rec["options"] = json.loads(rec["options"]) if rec.get("options") else {}
    return json_response({"imports": out})


def _name_only(file: Any) -> Any:
    """A file's name without the directories of the machine that imported it."""
    if not isinstance(file, str):
        return file
    return PureWindowsPath(file).name or file
