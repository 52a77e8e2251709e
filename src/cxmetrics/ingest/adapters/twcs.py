"""``--source twcs``: the "Customer Support on Twitter" export -> tickets and messages.

Each conversation (a tree of tweets linked by ``in_response_to_tweet_id``) becomes one
ticket keyed by its root tweet; every tweet becomes a message. The thread roots are
found with one recursive query in DuckDB, not a loop over tweets. Both tables are
written in one transaction, so a conversation never exists without its messages.
Threads are resolved within one file: a reply whose parent is not in the file starts
its own conversation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.errors import ImportFailed
from cxmetrics.ingest import parse as P
from cxmetrics.ingest import readers
from cxmetrics.ingest.pipeline import ImportResult, check_zone
from cxmetrics.ingest.validate import Issues, Prepared, build_quarantine
from cxmetrics.ingest.write import Part, write
from cxmetrics.model import schema

if TYPE_CHECKING:
    from cxmetrics.model.database import Database as Store  # what ingest may use of a cxmetrics.store.Store

NAME = "twcs"
COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "in_response_to_tweet_id")
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"

_THREADS = """
WITH RECURSIVE
tw AS (SELECT * FROM _twcs QUALIFY row_number() OVER (PARTITION BY tweet_id ORDER BY _row DESC) = 1),
edges AS (SELECT tweet_id, CASE WHEN parent IN (SELECT tweet_id FROM tw) THEN parent END AS parent FROM tw),
walk(tweet_id, root, depth) AS (
    SELECT tweet_id, tweet_id, 0 FROM edges WHERE parent IS NULL
    UNION ALL
    SELECT e.tweet_id, w.root, w.depth + 1 FROM edges e JOIN walk w ON e.parent = w.tweet_id
    WHERE w.depth < 100000)
SELECT tw.*, walk.root FROM tw LEFT JOIN walk USING (tweet_id)
"""

_TICKETS = """
SELECT r.tweet_id AS ticket_id, r.created_at,
       'social' AS channel,
       CASE WHEN r.inbound THEN 'customer' ELSE 'agent' END AS created_by,
       arg_min(m.author_id, m.created_at) FILTER (WHERE NOT m.inbound AND NOT regexp_full_match(m.author_id, '[0-9]+'))
           AS brand,
       arg_min(m.author_id, m.created_at) FILTER (WHERE m.inbound) AS customer_id,
       min(m.created_at) FILTER (WHERE NOT m.inbound AND m.tweet_id <> r.tweet_id AND m.created_at >= r.created_at
           AND m.created_at >= c.first_customer_at) AS first_reply_at,
       count(*) FILTER (WHERE NOT m.inbound AND m.tweet_id <> r.tweet_id) AS replies,
       min(r._row) AS _row
FROM _threads r
JOIN _threads m ON m.root = r.tweet_id
LEFT JOIN (SELECT root, min(created_at) AS first_customer_at FROM _threads WHERE inbound GROUP BY root) c
       ON c.root = r.tweet_id
WHERE r.root = r.tweet_id
GROUP BY r.tweet_id, r.created_at, r.inbound
ORDER BY _row
"""


def import_file(store: Store, table: str, path: Path, *, format: str = "auto", tz: str | None = None,
                date_order: str | None = None, encoding: str | None = None, mapping: Any = None,
                progress: readers.Progress | None = None, name: str | None = None,
                accept_partial: bool = False) -> ImportResult:
    """Import a twcs CSV into tickets *and* messages (``table`` must be one of the two)."""
    check_usage(table, format=format, mapping=mapping)
    if tz:
        check_zone(tz)  # twcs times carry their offset; the zone only matters for naive ones (none)
    return _import(store, table, path, encoding=encoding, progress=progress, name=name, accept_partial=accept_partial)


def check_usage(table: str, *, format: str = "auto", mapping: Any = None) -> None:
    """The options this adapter refuses (usage errors, exit 2), checked before any file is read."""
    if table not in ("tickets", "messages"):
        raise ImportFailed(f"the twcs adapter writes tickets and messages; use `cxm import tickets FILE "
                           f"--source twcs`, not {table!r}", code=2)
    if mapping:
        raise ImportFailed("the twcs adapter takes no --mapping", code=2)
    if format not in ("auto", "csv"):
        raise ImportFailed(f"the twcs adapter reads CSV, not {format}", code=2)


def _import(store: Store, table: str, path: Path, *, encoding: str | None, progress: readers.Progress | None,
            name: str | None, accept_partial: bool) -> ImportResult:
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    raw = readers.read(path, "csv", encoding=encoding, progress=progress)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ImportFailed(f"{path}: not a twcs export: column(s) {', '.join(missing)} missing; "
                           f"the file has: {', '.join(raw.header)}")
    tweets, issues = _parse(raw)
    if progress:
        progress("threading", 0.6)
    con = store.raw
    con.register("_twcs", tweets)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _threads AS {_THREADS}")
        cyc = con.execute("SELECT _row FROM _threads WHERE root IS NULL").fetchnumpy()["_row"]
        tickets = con.execute(_TICKETS).to_arrow_table()
        messages = con.execute(
            "SELECT tweet_id AS message_id, root AS ticket_id, created_at, "
            "CASE WHEN inbound THEN 'customer' ELSE 'agent' END AS author_type, author_id, true AS public, "
            "'social' AS channel, _row FROM _threads WHERE root IS NOT NULL ORDER BY _row").to_arrow_table()
    finally:
        con.unregister("_twcs")
        con.execute("DROP TABLE IF EXISTS _threads")
    if len(cyc):
        bad = np.zeros(raw.n, bool)
        bad[np.asarray(cyc, dtype=np.int64)] = True
        issues.add("in_response_to_tweet_id", [(bad, "the reply chain of this tweet forms a cycle")])
    quarantine, rejected, problems = build_quarantine(raw, issues, _display(raw), raw.columns)
    t_part = Part(schema.table("tickets"), _canonical("tickets", tickets), rows_read=tickets.num_rows)
    m_part = Part(schema.table("messages"), _canonical("messages", messages), rows_read=raw.n + len(raw.bad),
                  rejected=rejected, quarantine=quarantine)
    if progress:
        progress("writing", 0.8)
    zone = "UTC"
    file = name or str(path)
    import_id = write(store, [t_part, m_part], file=file, checksum=raw.checksum, source=NAME, tz=zone,
                      options={"source": NAME, "format": "csv", "encoding": raw.encoding, "delimiter": raw.delimiter},
                      started=started, accept_partial=accept_partial)
    from cxmetrics.ingest.pipeline import result_for

    prep_t = Prepared(t_part.data, t_part.quarantine, 0)
    prep_m = Prepared(m_part.data, quarantine, rejected, problems)
    res_t = result_for(t_part, prep_t, file, import_id, raw.checksum, zone, "csv", started)
    res_m = result_for(m_part, prep_m, file, import_id, raw.checksum, zone, "csv", started)
    if table == "messages":
        res_m.also = [res_t]
        return res_m
    res_t.also = [res_m]
    return res_t


def _ids(a: pa.Array) -> pa.Array:
    """Tweet ids as text; float-formatted ones (``3.0``) lose the ``.0``."""
    return pc.replace_substring_regex(P.clean_text(a), r"^(\d+)\.0+$", r"\1")


def _parse(raw: readers.RawTable) -> tuple[pa.Table, Issues]:
    c = raw.columns
    issues = Issues(raw.n)
    tweet_id = _ids(c["tweet_id"])
    author = P.clean_text(c["author_id"])
    inbound, inbound_issues = P.parse_bool(c["inbound"])
    stamps = P.strptime(c["created_at"], TIME_FORMAT)
    parent = _ids(c["in_response_to_tweet_id"])
    issues.add("tweet_id", [(~P.present(tweet_id), "required value is empty")])
    issues.add("author_id", [(~P.present(author), "required value is empty")])
    issues.add("inbound", [*inbound_issues, (~P.present(P.clean_text(c["inbound"])), "required value is empty")])
    created_empty = ~P.present(P.clean_text(c["created_at"]))
    issues.add("created_at", [*stamps.issues, (created_empty, "required value is empty")])
    keep = pa.array(~issues.any)
    tweets = pa.table({
        "tweet_id": tweet_id, "author_id": author, "inbound": inbound,
        "created_at": pa.array(stamps.values, pa.timestamp("us")), "parent": parent,
        "_row": pa.array(np.arange(raw.n, dtype=np.int64)),
    }).filter(keep)
    return tweets, issues


def _display(raw: readers.RawTable) -> dict[str, pa.Array]:
    return {k: P.clean_text(raw.columns[k]) for k in COLUMNS}


def _canonical(table: str, data: pa.Table) -> pa.Table:
    """Arrange query output as the table's columns (absent ones null) plus ``_row``."""
    from cxmetrics.ingest.write import ARROW_TYPES

    t = schema.table(table)
    arrays = []
    for col in t.columns:
        if col.name in data.column_names:
            arrays.append(data.column(col.name).combine_chunks().cast(ARROW_TYPES[col.type]))
        else:
            arrays.append(pa.nulls(data.num_rows, ARROW_TYPES[col.type]))
    arrays.append(data.column("_row").combine_chunks().cast(pa.int64()))
    return pa.Table.from_arrays(arrays, names=[*t.names, "_row"])
