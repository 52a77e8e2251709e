"""Yardsticks for the import benchmark: the support metrics straight from the raw CSVs, written by hand.

Usage: python benchmarks/yardstick.py {duckdb,pandas} DIR

DIR holds tickets.csv, messages.csv, status_changes.csv and work_sessions.csv as written by
benchmarks/gen_tickets.py. Both pipelines do the work the product does from raw files to
numbers, without its checks: read the four files, derive per ticket the first reply,
replies, resolution (from status changes), reopens, handle time (work sessions), time
in waiting states (status spans) and requester waits (runs of customer messages until
the next agent reply), then aggregate at month grain by channel: volume, resolved, means
and medians of first response, resolution, handle, wait and on-hold times, reopen and
one-touch rates, replies per resolution. They print one line: ``rows <n> groups <m>``.

They are yardsticks for speed (issue 11: raw files to all support metrics within 3x of the
DuckDB pipeline, and at least 5x faster than the pandas one), not references for values.
"""

from __future__ import annotations

import sys
from pathlib import Path

RESOLVED = ("solved", "closed")

SQL = """
WITH t AS (SELECT * FROM read_csv('{d}/tickets.csv', header=true)),
m AS (SELECT ticket_id, created_at, author_type, public FROM read_csv('{d}/messages.csv', header=true)),
s AS (SELECT ticket_id, changed_at, to_status, from_status FROM read_csv('{d}/status_changes.csv', header=true)),
w AS (SELECT ticket_id, sum(seconds) AS handle FROM read_csv('{d}/work_sessions.csv', header=true) GROUP BY 1),
mr AS (
  SELECT ticket_id, created_at, author_type = 'customer' AS is_cust, author_type = 'agent' AND public AS is_reply
  FROM m WHERE author_type = 'customer' OR (author_type = 'agent' AND public)),
runs AS (
  SELECT *, lag(is_cust) OVER (PARTITION BY ticket_id ORDER BY created_at) AS prev_cust,
         min(CASE WHEN is_reply THEN created_at END) OVER (PARTITION BY ticket_id ORDER BY created_at
             ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_reply
  FROM mr),
waits AS (
  SELECT ticket_id, sum(epoch(next_reply) - epoch(created_at)) AS wait_s FROM runs
  WHERE is_cust AND coalesce(NOT prev_cust, true) AND next_reply IS NOT NULL GROUP BY 1),
mf AS (
  SELECT ticket_id, min(created_at) FILTER (WHERE is_reply) AS first_reply, count(*) FILTER (WHERE is_reply) AS replies
  FROM mr GROUP BY 1),
sp AS (
  SELECT ticket_id, changed_at, to_status, from_status,
         lead(changed_at) OVER (PARTITION BY ticket_id ORDER BY changed_at, to_status) AS nxt,
         lag(to_status) OVER (PARTITION BY ticket_id ORDER BY changed_at, to_status) AS prv
  FROM s),
sf AS (
  SELECT ticket_id,
         arg_max(to_status, changed_at) IN ('solved', 'closed') AS resolved,
         max(changed_at) FILTER (WHERE to_status IN ('solved', 'closed')) AS resolved_at,
         count(*) FILTER (WHERE coalesce(from_status, prv) IN ('solved', 'closed')
                           AND to_status NOT IN ('solved', 'closed')) AS reopens,
         sum(epoch(nxt) - epoch(changed_at)) FILTER (WHERE to_status = 'on_hold') AS on_hold_s,
         sum(epoch(nxt) - epoch(changed_at)) FILTER (WHERE to_status = 'pending') AS agent_wait_s
  FROM sp GROUP BY 1),
f AS (
  SELECT t.ticket_id, t.channel, date_trunc('month', t.created_at) AS month,
         epoch(mf.first_reply) - epoch(t.created_at) AS frt, coalesce(mf.replies, 0) AS replies,
         sf.resolved, epoch(sf.resolved_at) - epoch(t.created_at) AS rt, sf.reopens, sf.on_hold_s, sf.agent_wait_s,
         w.handle, waits.wait_s
  FROM t LEFT JOIN mf USING (ticket_id) LEFT JOIN sf USING (ticket_id) LEFT JOIN w USING (ticket_id)
  LEFT JOIN waits USING (ticket_id))
SELECT month, channel, count(*) AS volume, count(*) FILTER (WHERE resolved) AS resolved,
       avg(frt) AS frt_mean, median(frt) AS frt_median, quantile_cont(frt, 0.9) AS frt_p90,
       avg(rt) FILTER (WHERE resolved) AS rt_mean, median(rt) FILTER (WHERE resolved) AS rt_median,
       avg(handle) AS handle_mean, median(handle) AS handle_median,
       avg(wait_s) AS wait_mean, avg(on_hold_s) AS hold_mean, avg(agent_wait_s) AS agent_wait_mean,
       avg((reopens > 0)::INT) FILTER (WHERE resolved) AS reopen_rate,
       avg((replies <= 1 AND coalesce(reopens, 0) = 0)::INT) FILTER (WHERE resolved) AS one_touch,
       sum(replies) / nullif(count(*) FILTER (WHERE resolved), 0) AS replies_per_resolution
FROM f GROUP BY ALL ORDER BY ALL
"""


def with_duckdb(d: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    out = con.execute(SQL.format(d=str(d).replace("'", "''"))).fetchall()
    n = con.execute(f"SELECT count(*) FROM read_csv('{d}/tickets.csv', header=true)").fetchone()
    return (int(n[0]) if n else 0), len(out)


def with_pandas(d: Path) -> tuple[int, int]:
    import numpy as np
    import pandas as pd

    stamp = {"created_at": "ISO8601"}
    t = pd.read_csv(d / "tickets.csv", usecols=["ticket_id", "created_at", "channel"])
    t["created_at"] = pd.to_datetime(t["created_at"], format="ISO8601", utc=True)
    m = pd.read_csv(d / "messages.csv", usecols=["ticket_id", "created_at", "author_type", "public"])
    m["created_at"] = pd.to_datetime(m["created_at"], format=stamp["created_at"], utc=True)
    s = pd.read_csv(d / "status_changes.csv")
    s["changed_at"] = pd.to_datetime(s["changed_at"], format="ISO8601", utc=True)
    w = pd.read_csv(d / "work_sessions.csv", usecols=["ticket_id", "seconds"]).groupby("ticket_id")["seconds"].sum()

    m = m[(m.author_type == "customer") | ((m.author_type == "agent") & m.public)].copy()
    m["is_cust"] = m.author_type == "customer"
    m["is_reply"] = ~m.is_cust
    m = m.sort_values(["ticket_id", "created_at"], kind="stable")
    g = m.groupby("ticket_id", sort=False)
    m["prev_cust"] = g["is_cust"].shift(fill_value=False)
    reply_at = m["created_at"].where(m.is_reply)
    m["next_reply"] = reply_at.iloc[::-1].groupby(m["ticket_id"].iloc[::-1], sort=False).cummin().iloc[::-1]
    starts = m[m.is_cust & ~m.prev_cust & m.next_reply.notna()]
    waits = (starts.next_reply - starts.created_at).dt.total_seconds().groupby(starts.ticket_id).sum()
    replies = m[m.is_reply].groupby("ticket_id").agg(first_reply=("created_at", "min"), replies=("created_at", "size"))

    s = s.sort_values(["ticket_id", "changed_at", "to_status"], kind="stable")
    gs = s.groupby("ticket_id", sort=False)
    s["nxt"] = gs["changed_at"].shift(-1)
    s["prv"] = gs["to_status"].shift()
    span = (s.nxt - s.changed_at).dt.total_seconds()
    came_from = s.from_status.fillna(s.prv)
    s["reopen"] = came_from.isin(RESOLVED) & ~s.to_status.isin(RESOLVED)
    s["hold"] = span.where(s.to_status == "on_hold")
    s["agent_wait"] = span.where(s.to_status == "pending")
    s["res_at"] = s.changed_at.where(s.to_status.isin(RESOLVED))
    sf = gs.agg(last=("to_status", "last"), resolved_at=("res_at", "max"), reopens=("reopen", "sum"),
                on_hold_s=("hold", "sum"), agent_wait_s=("agent_wait", "sum"))
    sf["resolved"] = sf["last"].isin(RESOLVED)

    f = t.set_index("ticket_id").join(replies).join(sf).join(w.rename("handle")).join(waits.rename("wait_s"))
    f["month"] = f.created_at.dt.tz_localize(None).dt.to_period("M")
    f["frt"] = (f.first_reply - f.created_at).dt.total_seconds()
    f["rt"] = (f.resolved_at - f.created_at).dt.total_seconds().where(f.resolved.fillna(False).astype(bool))
    f["replies"] = f.replies.fillna(0)
    res = f.resolved.fillna(False).astype(bool)
    f["reopened"] = (f.reopens.fillna(0) > 0).astype(float).where(res)
    f["one_touch"] = ((f.replies <= 1) & (f.reopens.fillna(0) == 0)).astype(float).where(res)
    f["res"] = res
    out = f.groupby(["month", "channel"]).agg(
        volume=("created_at", "size"), resolved=("res", "sum"), frt_mean=("frt", "mean"), frt_median=("frt", "median"),
        frt_p90=("frt", lambda x: np.nanquantile(x, 0.9) if x.notna().any() else np.nan),
        rt_mean=("rt", "mean"), rt_median=("rt", "median"), handle_mean=("handle", "mean"),
        handle_median=("handle", "median"), wait_mean=("wait_s", "mean"), hold_mean=("on_hold_s", "mean"),
        agent_wait_mean=("agent_wait_s", "mean"), reopen_rate=("reopened", "mean"), one_touch=("one_touch", "mean"),
        replies=("replies", "sum"))
    out["replies_per_resolution"] = out.replies / out.resolved.replace(0, np.nan)
    return len(t), len(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("duckdb", "pandas"):
        sys.exit(__doc__.splitlines()[2])
    n, groups = (with_duckdb if args[0] == "duckdb" else with_pandas)(Path(args[1]))
    print(f"rows {n} groups {groups}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
