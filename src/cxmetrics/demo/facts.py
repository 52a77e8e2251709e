"""Cut the simulated events at the data set's end and derive the tickets' own columns.

Why a separate step: the simulation runs past ``end`` (replies that have not
happened yet). Everything after ``end`` is dropped, and then the ticket columns
(status, solved_at, first_reply_at, replies, reopens, handle_seconds) are derived
*from the kept events*, so the ticket table always agrees with its messages and
status history - a real backlog of open and pending tickets included.
"""

from __future__ import annotations

import numpy as np

from cxmetrics.demo.conversation import AGENT, CLOSED, SOLVED


def _group_last(keys: np.ndarray, n: int) -> np.ndarray:
    """Index of the last row of each key in rows sorted by key (-1 where a key has none)."""
    out = np.full(n, -1)
    if len(keys):
        last = np.r_[keys[1:] != keys[:-1], True]
        out[keys[last]] = np.flatnonzero(last)
    return out


def strictly_increasing(keys: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whole seconds made strictly increasing within each key (rows sorted by key, time).

    Ties would leave the order of two events of one ticket to chance; nudging the
    later one by a second keeps every consumer's ordering identical.
    """
    if not len(t):
        return t
    start = np.r_[True, keys[1:] != keys[:-1]]
    grp_start = np.maximum.accumulate(np.where(start, np.arange(len(t)), 0))
    pos = np.arange(len(t)) - grp_start
    u = t - pos + keys.astype(np.int64) * 10**11
    return np.maximum.accumulate(u) - keys.astype(np.int64) * 10**11 + pos


def cut(tk: dict[str, np.ndarray], m: dict[str, np.ndarray], s: dict[str, np.ndarray],
        w: dict[str, np.ndarray], assignee: np.ndarray, end_ts: float) -> dict[str, dict[str, np.ndarray]]:
    """Events before ``end_ts`` (integer seconds, ordered) and the tickets' derived columns."""
    n = len(tk["t0"])
    out: dict[str, dict[str, np.ndarray]] = {}
    # messages
    keep = m["t"] < end_ts
    m = {k: v[keep] for k, v in m.items()}
    order = np.lexsort((m["seq"], m["t"], m["ticket"]))
    m = {k: v[order] for k, v in m.items()}
    m["t"] = strictly_increasing(m["ticket"], np.floor(m["t"]).astype(np.int64))
    out["messages"] = m
    # status changes, with the status each one left
    keep = s["t"] < end_ts
    s = {k: v[keep] for k, v in s.items()}
    order = np.lexsort((s["seq"], s["t"], s["ticket"]))
    s = {k: v[order] for k, v in s.items()}
    s["t"] = strictly_increasing(s["ticket"], np.floor(s["t"]).astype(np.int64))
    first = np.r_[True, s["ticket"][1:] != s["ticket"][:-1]] if len(s["t"]) else np.empty(0, bool)
    frm = np.r_[-1, s["to"][:-1]].astype(np.int8) if len(s["t"]) else np.empty(0, np.int8)
    s["from"] = np.where(first, -1, frm)
    same = (s["from"] == s["to"])
    s = {k: v[~same] for k, v in s.items()}
    out["status_changes"] = s
    # work sessions that were over by the end
    keep = w["end"] < end_ts
    w = {k: v[keep] for k, v in w.items()}
    order = np.lexsort((w["seq"], w["start"], w["ticket"]))
    w = {k: v[order] for k, v in w.items()}
    w["start"] = np.floor(w["start"]).astype(np.int64)
    w["end"] = np.maximum(np.floor(w["end"]).astype(np.int64), w["start"])
    w["seconds"] = (w["end"] - w["start"]).astype(float)
    out["work_sessions"] = w
    # the tickets' own columns, derived from what was kept
    last = _group_last(s["ticket"], n)
    status = np.where(last >= 0, s["to"][np.maximum(last, 0)], 0).astype(np.int8)
    resolved = (status == SOLVED) | (status == CLOSED)
    sol = s["to"] == SOLVED
    solved_at = np.full(n, np.nan)
    np.fmax.at(solved_at, s["ticket"][sol], s["t"][sol].astype(float))
    solved_at = np.where(resolved, solved_at, np.nan)
    reply = (m["author"] == AGENT) & m["public"] & ~m["opener"]
    first_reply = np.full(n, np.nan)
    np.fmin.at(first_reply, m["ticket"][reply], m["t"][reply].astype(float))
    replies = np.bincount(m["ticket"][reply], minlength=n)
    was_res = (s["from"] == SOLVED) | (s["from"] == CLOSED)
    reopens = np.bincount(s["ticket"][was_res & ~np.isin(s["to"], (SOLVED, CLOSED))], minlength=n)
    handle = np.bincount(w["ticket"], weights=w["seconds"], minlength=n)
    has_w = np.bincount(w["ticket"], minlength=n) > 0
    touched = has_w | (np.bincount(m["ticket"][m["author"] == AGENT], minlength=n) > 0)
    out["tickets"] = {
        "created_at": np.floor(tk["t0"]).astype(np.int64),
        "status": status,
        "solved_at": solved_at,
        "first_reply_at": first_reply,
        "replies": replies,
        "reopens": reopens,
        "handle_seconds": np.where(has_w, handle, np.nan),
        "agent": np.where(touched, assignee, -1),
    }
    return out
