"""``--source zendesk``: Zendesk's JSON export (Admin Center > Reports > Export) -> the canonical tables.

The export writes one JSON object per line: a ticket with its ``comments`` (and, when the
account includes them, ``audits``), or, in the users export, a user with its ``role``. The
mapping is the API connector's (:mod:`cxmetrics.ingest.connectors.zendesk`: ``ticket_row``,
``comment_row``, ``status_row``, ``rating_row``), so a ticket reads the same offline as
through ``cxm sync zendesk``. Everything a file holds is written in one transaction.

Comment authors: a user's role comes from a users export imported earlier (or an API sync,
both kept in ``_sync_users``); without it the ticket's requester and email CCs are the
customer and anyone else is an agent. Status changes come from ``audits``; an export without
them leaves the facts to the ticket's own columns (``metric_set``: solved time, reopens,
replies). A line that is not JSON is quarantined with its line, column and reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest.connectors import zendesk as z
from cxmetrics.ingest.connectors.base import USERS_DDL, rows_part, utc
from cxmetrics.ingest.pipeline import ImportResult, check_zone
from cxmetrics.ingest.write import QUARANTINE_SCHEMA, Part, write

if TYPE_CHECKING:
    from cxmetrics.ingest import readers
    from cxmetrics.model.database import Database as Store  # what ingest may use of a cxmetrics.store.Store

NAME = "zendesk"
#: the table argument names what the file is; the other tables fill along
TABLES = ("tickets", "customers")
EXPORT = "export"  # the url under which roles from a users export are kept in _sync_users


def check_usage(table: str, *, format: str = "auto", mapping: Any = None) -> None:
    """The options this adapter refuses (usage errors, exit 2), checked before any file is read."""
    if table not in TABLES:
        raise ImportFailed("the zendesk adapter reads Zendesk's JSON export: `cxm import tickets FILE --source "
                           f"zendesk` (tickets) or `cxm import customers FILE --source zendesk` (users), not {table!r}",
                           code=2)
    if mapping:
        raise ImportFailed("the zendesk adapter takes no --mapping", code=2)
    if format not in ("auto", "json", "jsonl"):
        raise ImportFailed(f"the zendesk adapter reads JSON, not {format}", code=2)


def import_file(store: Store, table: str, path: Path, *, format: str = "auto", tz: str | None = None,
                date_order: str | None = None, encoding: str | None = None, mapping: Any = None,
                progress: readers.Progress | None = None, name: str | None = None,
                accept_partial: bool = False) -> ImportResult:
    """Import a Zendesk JSON export (tickets, or users) into the canonical tables in one transaction."""
    check_usage(table, format=format, mapping=mapping)
    if tz:
        check_zone(tz)  # the export's times carry their offset
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    file = name or str(path)
    try:
        data = path.read_bytes()
        text = data.decode(encoding or "utf-8-sig")
    except OSError as e:
        raise ImportFailed(f"{file}: cannot read the file ({e.strerror or e})") from None
    except (UnicodeDecodeError, LookupError) as e:
        raise ImportFailed(f"{file}: not {encoding or 'UTF-8'} text ({e}); try --encoding") from None
    records, bad = _records(text)
    users = [(n, r) for n, r in records if "role" in r and "requester_id" not in r]
    tickets = [(n, r) for n, r in records if "requester_id" in r or "comments" in r]
    if not users and not tickets and not bad:
        raise ImportFailed(f"{file}: no Zendesk tickets or users in the file (Zendesk's JSON export has one ticket "
                           "or user object per line)")
    if progress:
        progress("mapping", 0.5)
    con = store.raw
    con.execute(USERS_DDL)
    user_roles = [(str(u["id"]), z.ROLE.get(u.get("role") or "", "customer")) for _, u in users if "id" in u]
    roles = dict(con.execute("SELECT user_id, role FROM _sync_users WHERE source = ?", [NAME]).fetchall())
    roles.update(user_roles)
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in
                                             ("tickets", "messages", "status_changes", "survey_responses", "customers")}
    lines: list[int] = []  # file line of each tickets row (the quarantine names it)
    gone: list[str] = []
    for _, u in users:
        if u.get("role") == "end-user" and u.get("active", True) and "id" in u:
            rows["customers"].append({"customer_id": str(u["id"]), "acquired_at": utc(u.get("created_at"))})
    for n, t in tickets:
        if "id" not in t:
            bad.append((n, "id", "required value is empty", json.dumps(t, ensure_ascii=False)[:2000]))
            continue
        if z.is_gone(t):
            gone.append(str(t["id"]))
            continue
        _ticket(t, roles, rows)
        lines.append(n)
    parts = [_with_lines(rows_part(t, rows[t]), lines) if t == "tickets" else rows_part(t, rows[t])
             for t in rows if rows[t] or t == table]
    _add_bad(next(p for p in parts if p.table.name == table), bad)

    def extra(c: Any) -> None:
        if gone:
            for t in ("messages", "status_changes", "field_changes", "work_sessions", "survey_responses",
                      "survey_invitations", "tickets"):
                c.execute(f'DELETE FROM "{t}" WHERE ticket_id IN (SELECT unnest(?))', [gone])
        if user_roles:
            c.execute("DELETE FROM _sync_users WHERE source = ? AND url = ? AND user_id IN (SELECT unnest(?))",
                      [NAME, EXPORT, [i for i, _ in user_roles]])
            c.executemany("INSERT INTO _sync_users VALUES (?, ?, ?, ?)", [[NAME, EXPORT, i, r] for i, r in user_roles])

    if progress:
        progress("writing", 0.8)
    checksum = hashlib.sha256(data).hexdigest()
    import_id = write(store, parts, file=file, checksum=checksum, source=NAME, tz="UTC",
                      options={"source": NAME, "format": "jsonl", "removed": len(gone)}, started=started, also=extra,
                      accept_partial=accept_partial)
    results = [_result(p, file, import_id, checksum, started) for p in parts]
    main = next((r for r in results if r.table == table), results[0])
    main.also = [r for r in results if r is not main]
    if gone:
        main.notes.append(f"{len(gone)} deleted or merged ticket(s) removed with their messages")
    return main


def _records(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str | None, str, str]]]:
    """Objects with their line; a JSON array or an API answer (``{"tickets": [...]}``) is read too."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, list):
            return [(i + 1, r) for i, r in enumerate(doc) if isinstance(r, dict)], []
    records: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str | None, str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            bad.append((n, None, f"not JSON at column {e.colno}: {e.msg}", line[:2000]))
            continue
        if isinstance(obj, dict) and "id" not in obj and any(isinstance(obj.get(k), list) for k in ("tickets", "users")):
            records += [(n, r) for k in ("tickets", "users") for r in obj.get(k) or [] if isinstance(r, dict)]
        elif isinstance(obj, dict):
            records.append((n, obj))
        else:
            bad.append((n, None, "not a JSON object (a ticket or a user)", line[:2000]))
    return records, bad


def _ticket(t: dict[str, Any], roles: dict[str, str], rows: dict[str, list[dict[str, Any]]]) -> None:
    tid = str(t["id"])
    row = z.ticket_row(t, {}, {})
    metrics = t.get("metric_set") or {}
    row.update({"solved_at": utc(metrics.get("solved_at")), "reopens": metrics.get("reopens"),
                "replies": metrics.get("replies")})
    rows["tickets"].append(row)
    customers = {str(t.get("requester_id")), *(str(i) for i in t.get("email_cc_ids") or [])}

    def role(author: Any) -> str:
        return roles.get(str(author)) or ("customer" if str(author) in customers else "agent")

    for c in t.get("comments") or []:
        if "id" not in c:
            continue
        via = (c.get("via") or {}).get("channel")
        author = c.get("author_id")
        rows["messages"].append(z.comment_row(tid, c, utc(c.get("created_at")), author,
                                              z.author_type(author, via, role(author)), via))
    for a in t.get("audits") or []:
        at = utc(a.get("created_at"))
        for ev in a.get("events") or []:
            if ev.get("type", ev.get("event_type")) in ("Create", "Change"):
                change = z.status_row(tid, at, ev)
                if change:
                    rows["status_changes"].append(change)
    rating = t.get("satisfaction_rating")
    if isinstance(rating, dict):
        answer = z.rating_row({"requester_id": t.get("requester_id"), "assignee_id": t.get("assignee_id"), **rating},
                              ticket_id=t["id"], at=t.get("updated_at"))
        if answer:
            rows["survey_responses"].append(answer)


def _with_lines(part: Part, lines: list[int]) -> Part:
    """Quarantined rows named by their line in the file, not their place among the tickets."""
    if part.quarantine.num_rows:
        q = part.quarantine
        fixed = pa.array([lines[i - 1] for i in q.column("line").to_pylist()], pa.int64())
        part.quarantine = q.set_column(0, "line", fixed)
    return part


def _add_bad(part: Part, bad: list[tuple[int, str | None, str, str]]) -> None:
    if not bad:
        return
    extra = pa.Table.from_arrays([pa.array([b[k] for b in bad], typ) for k, typ in
                                  enumerate((pa.int64(), pa.string(), pa.string(), pa.string()))],
                                 schema=QUARANTINE_SCHEMA)
    part.quarantine = pa.concat_tables([part.quarantine, extra])
    part.rejected += len(bad)
    part.rows_read += len(bad)


def _result(part: Part, file: str, import_id: int, checksum: str, started: dt.datetime) -> ImportResult:
    problems = [{"line": r["line"], "column": r["column"], "reason": r["reason"]}
                for r in part.quarantine.slice(0, 20).to_pylist()]
    return ImportResult(part.table.name, file, rows_read=part.rows_read, inserted=part.inserted,
                        updated=part.updated, unchanged=part.unchanged, rejected=part.rejected,
                        status="partial" if part.rejected else "ok", import_id=import_id, checksum=checksum,
                        tz="UTC", problems=problems, problem_count=part.quarantine.num_rows, format="jsonl",
                        seconds=(dt.datetime.now(dt.UTC).replace(tzinfo=None) - started).total_seconds())
