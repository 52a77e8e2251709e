"""For REST help desks that answer JSON arrays and page with ``Link`` headers (Freshdesk, Zammad).

:class:`ListClient` is the shared :class:`~cxmetrics.ingest.connectors.base.Client` (same
retries, rate limits, credential handling) that also accepts a JSON array as an answer and
keeps the answer's headers, so a connector can follow ``Link: <...>; rel="next"``.
:func:`replace_ticket_rows` makes a page the whole truth about its tickets' child rows:
rows keyed by content (status changes, work sessions) have no id to update, so an edited
time entry would otherwise stay twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import pyarrow as pa

from cxmetrics.ingest.connectors.base import Client
from cxmetrics.ingest.write import ARROW_TYPES
from cxmetrics.model import schema

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ListClient(Client):
    """A :class:`Client` whose :meth:`fetch` returns ``(body, headers)``; the body may be a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last: httpx.Response | None = None
        self._http.event_hooks["response"] = [self._keep]

    def _keep(self, response: httpx.Response) -> None:
        self.last = response

    def fetch(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> tuple[Any, httpx.Headers]:
        """GET; a JSON array comes back as a list, an object as a dict; plus the answer's headers."""
        body = self.get(path_or_url, params)
        headers = self.last.headers if self.last is not None else httpx.Headers()
        if set(body) == {"items"} and isinstance(body["items"], list):
            return body["items"], headers
        return body, headers


def next_link(headers: httpx.Headers) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header (RFC 8288), if any."""
    match = _LINK.search(headers.get("link", ""))
    return match.group(1) if match else None


def replace_ticket_rows(con: Any, table: str, ticket_ids: Iterable[str], rows: list[dict[str, Any]]) -> int:
    """Delete the rows of ``table`` for ``ticket_ids`` that are not among ``rows`` (compared on every
    column): after the page's upsert, those tickets have exactly the rows the source sent. Returns
    how many were deleted. Runs inside the page's transaction (``write_page(also=...)``)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    t = schema.table(table)
    data = pa.Table.from_arrays([pa.array([c.default if r.get(c.name) is None else r[c.name] for r in rows],
                                                     ARROW_TYPES[c.type]) for c in t.columns],
                                names=t.names)
    con.register("_cxm_keep", data)
    try:
        same = " AND ".join(f'k."{c}" IS NOT DISTINCT FROM x."{c}"' for c in t.names)
        where = f'x.ticket_id IN (SELECT unnest(?)) AND NOT EXISTS (SELECT 1 FROM _cxm_keep k WHERE {same})'
        n = int(con.execute(f'SELECT count(*) FROM "{table}" x WHERE {where}', [ids]).fetchone()[0])
        if n:
            con.execute(f'DELETE FROM "{table}" x WHERE {where}', [ids])
    finally:
        con.unregister("_cxm_keep")
    return n
