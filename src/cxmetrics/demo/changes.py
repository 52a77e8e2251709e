"""Demo ``field_changes``: assignment history and priority escalations.

Every ticket with an assignee is assigned when it is created (from nobody); about one in
ten first went to another agent of its team and was reassigned at its first reply (or an
hour in); about one in twenty-five was escalated one priority level a few hours after
creation (the ticket's priority is the escalated one). Vectorised: no loop over tickets.
"""

from __future__ import annotations

import numpy as np

from cxmetrics.demo.tickets import PRIORITIES

REASSIGNED = 0.10
ESCALATED = 0.04


def field_changes(tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], team_of: np.ndarray,
                  seed: int, end_ts: float) -> dict[str, np.ndarray]:
    """Arrays ticket (index), t (epoch s), field ("agent_id"/"priority"), to, frm (agent index or
    priority code; -1 = none)."""
    rng = np.random.default_rng([seed, 14])
    n = len(tk["t0"])
    created = np.floor(tk["t0"]).astype(np.int64)
    agent = facts["agent"].astype(np.int64)
    has = agent >= 0
    # reassigned tickets: a first agent of the same team, different from the final one
    moved = has & (rng.random(n) < REASSIGNED)
    offset = rng.integers(1, max(len(team_of), 2), n)
    other = (agent + offset) % max(len(team_of), 1)
    for _ in range(4):  # move to a teammate where one exists (a few vectorised tries)
        bad = moved & ((team_of[other] != team_of[np.maximum(agent, 0)]) | (other == agent))
        other = np.where(bad, (other + 1) % len(team_of), other)
    moved &= (team_of[other] == team_of[np.maximum(agent, 0)]) & (other != agent)
    first = np.where(moved, other, agent)
    at_reply = np.where(np.isfinite(facts["first_reply_at"]), facts["first_reply_at"], created + 3600)
    t_move = np.maximum(np.floor(at_reply).astype(np.int64) - 60, created + 1)
    # escalations: one level up, a few hours in
    prio = tk["priority"].astype(np.int64)
    up = (prio > 0) & (rng.random(n) < ESCALATED)
    t_up = created + rng.integers(1800, 6 * 3600, n)

    idx = np.arange(n)
    parts = [
        (idx[has], created[has], 0, first[has], np.full(has.sum(), -1)),
        (idx[moved], t_move[moved], 0, agent[moved], first[moved]),
        (idx[up], t_up[up], 1, prio[up], prio[up] - 1),
    ]
    ticket = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    field = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    to = np.concatenate([p[3] for p in parts])
    frm = np.concatenate([p[4] for p in parts])
    keep = t < end_ts
    order = np.lexsort((field[keep], t[keep], ticket[keep]))
    return {k: v[keep][order] for k, v in
            (("ticket", ticket), ("t", t), ("field", field), ("to", to), ("frm", frm))}


FIELDS = ("agent_id", "priority")
__all__ = ["FIELDS", "PRIORITIES", "field_changes"]
