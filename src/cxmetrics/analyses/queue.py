"""The live queue (issue 14): the open tickets now, by age and status, SLA breaches coming and
past, today against the same weekday, per team.

"Now" is the latest instant in the store (what every metric calls the data's as-of), so the
queue of a store synced every few minutes is the live queue and the queue of an export is
the queue at the moment of the export. A ticket is open when its current status (its latest
status change, else ``tickets.status``) is not solved or closed: exactly the tickets that
``backlog`` counts at that instant.

Waiting on: ``new``, ``open`` and ``on_hold`` wait on the team (the requester waits),
``pending`` waits on the customer. SLA events come from facts/sla.py: ``breaching_soon`` are
the open tickets whose earliest running SLA event breaches within the next ``soon``
minutes, ``breached`` those with an SLA event already breached and still running (oldest
breach first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from cxmetrics.engine.records import to_records
from cxmetrics.errors import QueryError
from cxmetrics.facts.sla import status_timeline

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine

#: (label, upper bound in hours; None = no bound), in order
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("<1h", 1), ("1-4h", 4), ("4-24h", 24), ("1-3d", 72), ("3-7d", 168), (">7d", None))
WAITING_ON = {"new": "us", "open": "us", "on_hold": "us", "pending": "customer"}
SAME_WEEKDAYS = 8
TICKET_COLUMNS = ("ticket_id", "created_at", "age_s", "status", "waiting_on", "agent_id", "team", "channel",
                  "priority", "category", "customer_id", "next_breach_at", "next_breach_metric")


def open_tickets(engine: Engine, hours: str = "calendar", where: Sequence[tuple[str, str]] = ()) -> pd.DataFrame:
    """The open tickets with their current status, age (calendar seconds) and next SLA breach."""
    from cxmetrics.engine.core import DIMENSIONS

    t = engine.fact_table("tickets", hours)
    for dim in sorted({d for d, _ in where}):
        src, col = DIMENSIONS.get(dim, ("", ""))
        if src != "fact" or col not in t.columns:
            raise QueryError(f"dimension {dim!r} does not apply to the queue (tickets)")
        t = t.filter(t[col].isin([v for d, v in where if d == dim]))
    spans = status_timeline(engine.source("status_changes"), t)
    cur = spans.filter(spans.span_end.isnull()).select(_tid="ticket_id", _status="status")
    t = t.filter(~t.is_resolved)
    j = t.left_join(cur, t.ticket_id == cur._tid)
    as_of = engine.bounds()[1] or dt.datetime(1970, 1, 1)
    status = j._status.fill_null(j.status).fill_null("open")
    o = j.select(*[c for c in TICKET_COLUMNS if c in ("ticket_id", "created_at", "agent_id", "team", "channel",
                                                      "priority", "category", "customer_id")],
                 status=status, age_s=(ibis.literal(as_of, "timestamp").epoch_seconds()
                                       - j.created_at.epoch_seconds()).cast("float64"))
    sla = engine.fact_table("sla", hours)
    run = sla.filter(sla.running & sla.breach_at.notnull())
    w = ibis.window(group_by=run.ticket_id, order_by=[run.breach_at, run.sla_metric])
    run = run.mutate(_rn=ibis.row_number().over(w))
    nxt = run.filter(run._rn == 0).select(_t2="ticket_id", next_breach_at="breach_at",
                                          next_breach_metric="sla_metric", next_breach_policy="sla_policy")
    o = o.left_join(nxt, o.ticket_id == nxt._t2).drop("_t2")
    df = o.execute()
    df["waiting_on"] = df["status"].map(WAITING_ON).fillna("us")
    return df.sort_values(["created_at", "ticket_id"]).reset_index(drop=True)


def breached_events(engine: Engine, hours: str, ids: set[str]) -> pd.DataFrame:
    """Running SLA events already past their target, of the tickets ``ids`` (earliest breach per ticket)."""
    sla = engine.fact_table("sla", hours)
    b = sla.filter(sla.breached & sla.stop_at.isnull()).select(
        "ticket_id", "sla_metric", "sla_policy", "breach_at", "applied_at", "target_s", "elapsed_s").execute()
    b = b[b["ticket_id"].isin(ids)].sort_values(["breach_at", "ticket_id", "sla_metric"])
    return b.drop_duplicates("ticket_id").reset_index(drop=True)


def _local(ts: pd.Series, zone: ZoneInfo) -> pd.Series:
    return pd.to_datetime(ts).dt.tz_localize("UTC").dt.tz_convert(zone)


def today(engine: Engine, tz: str, where: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Tickets created and resolved today (local, up to now) against the mean of the same weekday
    over the previous weeks, both up to the same time of day and for the whole day."""
    zone = ZoneInfo(tz)
    as_of = engine.bounds()[1]
    if as_of is None:
        return {"date": None}
    now = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(zone)
    first = (now - pd.Timedelta(days=7 * SAME_WEEKDAYS + 1)).tz_convert("UTC").tz_localize(None)
    t = engine.fact_table("tickets", "calendar")
    for dim in sorted({d for d, _ in where}):
        from cxmetrics.engine.core import DIMENSIONS

        col = DIMENSIONS[dim][1]
        t = t.filter(t[col].isin([v for d, v in where if d == dim]))
    lit = ibis.literal(first.to_pydatetime(), "timestamp")
    created = t.filter(t.created_at >= lit).select(at="created_at").execute()["at"]
    solved = t.filter(t.is_resolved & (t.resolved_at >= lit)).select(at="resolved_at").execute()["at"]

    def compare(instants: pd.Series) -> dict[str, Any]:
        local = _local(instants, zone)
        day = local.dt.date
        secs = (local - local.dt.normalize()).dt.total_seconds()
        cut = (now - now.normalize()).total_seconds()
        past = [now.date() - dt.timedelta(days=7 * k) for k in range(1, SAME_WEEKDAYS + 1)]
        return {
            "so_far": int((day == now.date()).sum()),
            "same_weekday_by_now": float(sum(((day == d) & (secs <= cut)).sum() for d in past) / len(past)),
            "same_weekday_full_day": float(sum((day == d).sum() for d in past) / len(past)),
        }

    return {"date": now.date().isoformat(), "weekday": now.strftime("%A"), "as_of": now.isoformat(),
            "weeks": SAME_WEEKDAYS, "created": compare(created), "resolved": compare(solved)}


def _counts(df: pd.DataFrame, col: str, order: Sequence[str]) -> list[dict[str, Any]]:
    c = df[col].value_counts()
    return [{col: k, "tickets": int(c.get(k, 0))} for k in order]


def queue(engine: Engine, *, tz: str | None = None, hours: str = "calendar", soon_minutes: int = 60,
          where: Sequence[tuple[str, str]] = (), team: str | None = None, limit: int | None = None
          ) -> dict[str, Any]:
    """``{"as_of", "open", "unassigned", "by_age", "by_status", "breaching_soon", "breached", "today",
    "by_team", "tickets"}`` (see the module doc). ``limit`` caps the ticket lists (oldest first)."""
    if soon_minutes < 1:
        raise QueryError(f"--soon must be at least 1 minute, not {soon_minutes}")
    w = list(where) + ([("team", team)] if team else [])
    tz = tz or engine.config.timezone
    zone = ZoneInfo(tz)
    df = open_tickets(engine, hours, w)
    as_of = engine.bounds()[1] or dt.datetime(1970, 1, 1)
    edges = [0.0] + [h * 3600 for _, h in AGE_BUCKETS if h is not None] + [float("inf")]
    df["age_bucket"] = pd.cut(df["age_s"], edges, right=False, labels=[b for b, _ in AGE_BUCKETS])
    soon_end = pd.Timestamp(as_of) + pd.Timedelta(minutes=soon_minutes)
    nb = pd.to_datetime(df["next_breach_at"])
    soon = df[nb.notna() & (nb > pd.Timestamp(as_of)) & (nb <= soon_end)].sort_values("next_breach_at")
    br = breached_events(engine, hours, set(df["ticket_id"]))
    breached = df.merge(br.rename(columns={"breach_at": "breached_at", "sla_metric": "breached_metric",
                                           "sla_policy": "breached_policy"})[
        ["ticket_id", "breached_at", "breached_metric", "breached_policy"]], on="ticket_id")
    breached = breached.sort_values(["breached_at", "ticket_id"])
    statuses = [s for s in ("new", "open", "on_hold", "pending") if s in set(df["status"])] or ["open"]
    statuses += sorted(set(df["status"]) - set(statuses))
    by_status = [{"status": s, "waiting_on": WAITING_ON.get(s, "us"), "tickets": int((df["status"] == s).sum())}
                 for s in statuses]
    teams = sorted({x for x in df["team"] if isinstance(x, str)}) + ([None] if df["team"].isna().any() else [])
    by_team = []
    for tm in teams:
        sel = df["team"].isna() if tm is None else (df["team"] == tm)
        ids = set(df.loc[sel, "ticket_id"])
        by_team.append({"team": tm, "open": int(sel.sum()), "unassigned": int((sel & df["agent_id"].isna()).sum()),
                        "waiting_on_us": int((sel & (df["waiting_on"] == "us")).sum()),
                        "breaching_soon": int(soon["ticket_id"].isin(ids).sum()),
                        "breached": int(breached["ticket_id"].isin(ids).sum())})

    def listed(frame: pd.DataFrame, extra: Sequence[str] = ()) -> list[dict[str, Any]]:
        cols = [*TICKET_COLUMNS, *extra]
        frame = frame[[c for c in cols if c in frame.columns]]
        if limit is not None:
            frame = frame.head(limit)
        out = frame.copy()
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = _local(out[c], zone)
        return to_records(out)

    return {
        "as_of": pd.Timestamp(as_of).tz_localize("UTC").tz_convert(zone).isoformat(),
        "open": len(df),
        "unassigned": int(df["agent_id"].isna().sum()),
        "waiting_on_us": int((df["waiting_on"] == "us").sum()),
        "by_age": _counts(df.assign(age_bucket=df["age_bucket"].astype(str)), "age_bucket",
                          [b for b, _ in AGE_BUCKETS]),
        "by_status": by_status,
        "soon_minutes": soon_minutes,
        "breaching_soon": listed(soon),
        "breached": listed(breached, ("breached_at", "breached_metric", "breached_policy")),
        "today": today(engine, tz, w),
        "by_team": by_team,
        "tickets": listed(df),
    }


__all__ = ["AGE_BUCKETS", "WAITING_ON", "open_tickets", "queue", "today"]
