"""``--source freshdesk``: Freshdesk's ticket export (CSV) -> tickets, offline.

Freshdesk's "Export tickets" writes one row per ticket with the fields the admin ticked,
under their display names ("Ticket ID", "Status", "Created time", ...), times naive in the
account's time zone (give it with ``--tz``). The mapping is data, the same value maps as
the API connector (:mod:`cxmetrics.ingest.connectors.freshdesk`); it is built for the
columns the file has, and every other column (subject, description, names, e-mails) is
dropped, so no free text or personal data reaches the store, not even the quarantine.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import pipeline, readers
from cxmetrics.ingest.mapping import mapping_from_dict

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store

NAME = "freshdesk"
#: the label in the import log (``freshdesk`` itself would dispatch back to this adapter)
LABEL = "freshdesk export"
#: canonical column -> the export's column, in order of preference
COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("Ticket ID",),
    "created_at": ("Created time",),
    "status": ("Status",),
    "priority": ("Priority",),
    "channel": ("Source",),
    "category": ("Type",),
    "agent_id": ("Agent",),
    "team": ("Group",),
    "brand": ("Product",),
    "customer_id": ("Contact ID", "Requester ID"),
    "first_reply_at": ("Initial response time",),
    "solved_at": ("Resolved time", "Closed time"),
}
REQUIRED = ("Ticket ID", "Created time")
VALUES: dict[str, dict[str, str]] = {
    "status": {"Open": "open", "Pending": "pending", "Resolved": "solved", "Closed": "closed",
               "Waiting on Customer": "pending", "Waiting on Third Party": "on_hold"},
    "priority": {"Low": "low", "Medium": "medium", "High": "high", "Urgent": "urgent"},
    "channel": {"Email": "email", "Portal": "web", "Phone": "phone", "Chat": "chat", "Feedback Widget": "web",
                "Outbound Email": "email", "Forum": "web", "Twitter": "social", "Facebook": "social",
                "Mobihelp": "app", "Ecommerce": "ecommerce"},
}


def check_usage(table: str, *, format: str = "auto", mapping: Any = None) -> None:
    """The options this adapter refuses (usage errors, exit 2), checked before any file is read."""
    if table != "tickets":
        raise ImportFailed(f"the freshdesk adapter reads Freshdesk's ticket export into tickets; use `cxm import "
                           f"tickets FILE --source freshdesk`, not {table!r}", code=2)
    if mapping:
        raise ImportFailed("the freshdesk adapter takes no --mapping (it is one)", code=2)
    if format not in ("auto", "csv"):
        raise ImportFailed(f"the freshdesk adapter reads Freshdesk's CSV export, not {format}", code=2)


def import_file(store: Store, table: str, path: Path, *, format: str = "auto", tz: str | None = None,
                date_order: str | None = None, encoding: str | None = None, mapping: Any = None,
                progress: readers.Progress | None = None, name: str | None = None,
                accept_partial: bool = False) -> pipeline.ImportResult:
    """Import a Freshdesk ticket export into ``tickets`` through the ordinary mapped import."""
    check_usage(table, format=format, mapping=mapping)
    header = _header(Path(path), encoding)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed(f"{name or path}: not a Freshdesk ticket export: column(s) {', '.join(missing)} missing; "
                           f"the file has: {', '.join(header)}")
    m = mapping_from_dict(spec(header), path=None)
    return pipeline.import_file(store, "tickets", path, format="csv", source=LABEL, mapping=m, tz=tz,
                                date_order=date_order or "ymd", encoding=encoding, progress=progress, name=name,
                                accept_partial=accept_partial)


def spec(header: list[str]) -> dict[str, Any]:
    """The mapping (as a mapping file's table) for an export with these columns."""
    columns = {}
    for canon, names in COLUMNS.items():
        found = next((n for n in names if n in header), None)
        if found:
            columns[canon] = found
    used = set(columns.values())
    values = {canon: vmap for canon, vmap in VALUES.items() if canon in columns}
    return {"table": "tickets", "format": "csv", "columns": columns, "values": values,
            "drop": [h for h in header if h not in used]}


def _header(path: Path, encoding: str | None) -> list[str]:
    try:
        with path.open(encoding=encoding or "utf-8-sig", newline="") as f:
            return next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError) as e:
        raise ImportFailed(f"{path}: cannot read the header ({type(e).__name__}); is it Freshdesk's CSV export?") \
            from None
