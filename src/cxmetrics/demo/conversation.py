"""Conversations: messages, status changes and work sessions of every ticket.

Why the shape: every metric of SPEC 4.1/4.2 is derived from these events, so the
generator plays each ticket as a help desk would record it - opening message,
bot acknowledgement, rounds of customer wait -> agent reply (through the team's
queue, so only in opening hours and slower when busy), internal notes, on-hold
periods, pending -> solved (by the agent or automatically), reopens, and the
automatic solved -> closed four days later. Everything is vectorized over
tickets; the only loops are over conversation rounds and queues.

The queues depend on the replies they produce (a reply invites the next customer
message), so the simulation runs three times: once with unlimited capacity to
measure the load (which sizes the teams), then twice with real capacity; only
the last run is recorded. Each run redraws the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from cxmetrics.demo.clock import DAY, HOUR, Calendar, Clock, QueueGroup, Staff, Timeline, rng_for
from cxmetrics.demo.tickets import (
    BOT,
    CHAT,
    DELIVERY,
    EMAIL,
    INBOUND,
    OUTBOUND,
    PHONE,
    Q_CARE,
    Q_CARE_HI,
    Q_LIVE,
    Q_TECH,
    Q_TECH_HI,
    RETURNS,
    SOCIAL,
    SYSTEM,
    TECH,
    WEB,
    ZERO,
)

CUSTOMER, AGENT, BOT_AUTHOR, SYSTEM_AUTHOR = range(4)
AUTHORS = ("customer", "agent", "bot", "system")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED = range(6)
#: median agent-seconds per reply by channel (email, chat, phone, social, web)
REPLY_WORK = np.array([540.0, 330.0, 360.0, 240.0, 480.0])
#: target average utilization of each team's ticket time (Care, Live, Tech): busy, not overloaded
UTILIZATION = (0.62, 0.5, 0.62)
CLOSE_AFTER = 4 * DAY
AUTO_SOLVE = 3 * DAY
ROUNDS_MAX = 8
#: (queue id) -> (team, priority class)
QUEUE_TEAM = {Q_CARE_HI: (0, 0), Q_CARE: (0, 1), Q_LIVE: (1, 0), Q_TECH_HI: (2, 0), Q_TECH: (2, 1)}


@dataclass
class Events:
    """Column arrays of the recorded events (ticket = row index into the tickets)."""

    m: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in
                                                                    ("ticket", "t", "author", "agent", "public", "opener")})
    s: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in ("ticket", "t", "to")})
    w: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in ("ticket", "agent", "start", "end")})

    def msg(self, mask: np.ndarray, t: np.ndarray, author: int, agent: np.ndarray | int = -1,
            public: bool = True, opener: bool = False) -> None:
        idx = np.flatnonzero(mask)
        self.m["ticket"].append(idx.astype(np.int32))
        self.m["t"].append(np.broadcast_to(t, mask.shape)[idx])
        self.m["author"].append(np.full(len(idx), author, dtype=np.int8))
        self.m["agent"].append(np.broadcast_to(agent, mask.shape)[idx].astype(np.int16))
        self.m["public"].append(np.full(len(idx), public))
        self.m["opener"].append(np.full(len(idx), opener))

    def status(self, mask: np.ndarray, t: np.ndarray, to: np.ndarray | int) -> None:
        idx = np.flatnonzero(mask)
        self.s["ticket"].append(idx.astype(np.int32))
        self.s["t"].append(np.broadcast_to(t, mask.shape)[idx])
        self.s["to"].append(np.broadcast_to(np.asarray(to, dtype=np.int8), mask.shape)[idx])

    def session(self, mask: np.ndarray, agent: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        for k, v in (("ticket", idx.astype(np.int32)), ("agent", agent[idx].astype(np.int16)),
                     ("start", start[idx]), ("end", end[idx])):
            self.w[k].append(v)

    def arrays(self) -> tuple[dict[str, np.ndarray], ...]:
        out = []
        for d in (self.m, self.s, self.w):
            cols = {k: np.concatenate(v) for k, v in d.items()}
            cols["seq"] = np.arange(len(cols["ticket"]))
            out.append(cols)
        return tuple(out)


class Simulation:
    """Plays all conversations against the teams' queues (see the module docstring)."""

    def __init__(self, cal: Calendar, staff: Staff, tl: Timeline, tk: dict[str, np.ndarray],
                 call: dict[str, np.ndarray], seed: int) -> None:
        self.cal, self.staff, self.tl, self.tk, self.seed = cal, staff, tl, tk, seed
        # one spare row at the end, so ``call[k][tk["call"]]`` works for tickets without a call (-1)
        self.call = {k: np.append(v, np.zeros(1, v.dtype)) for k, v in call.items()}
        self.n = len(tk["t0"])
        self.shapes = [staff.available(team, cal) * (0.65 if team == 1 else 1.0) for team in range(3)]
        self.clocks = [Clock(cal, s > 0) for s in self.shapes]
        self._plan()

    # -- the per-ticket plan, drawn once ----------------------------------
    def _plan(self) -> None:
        tk, n = self.tk, self.n
        rng = rng_for(self.seed, "plan")
        kind, ch, cat, d = tk["kind"], tk["channel"], tk["category"], tk["difficulty"]
        mu = np.array([0.4, 0.8, 0.35, 0.5, 0.35])[ch] + np.where(cat == TECH, 0.35, 0.0)
        mu = np.maximum(mu + 0.25 * d, 0.05)
        rounds = 1 + rng.poisson(mu)
        is_call = tk["call"] >= 0
        call_res = self.call["resolved"][tk["call"]]
        rounds = np.where(is_call, np.where(call_res, 1, 1 + np.maximum(rng.poisson(0.6, n), 1)), rounds)
        out_rounds = np.where(rng.random(n) < 0.45, 0, 1 + rng.poisson(0.3, n))
        rounds = np.where(kind == OUTBOUND, out_rounds, rounds)
        rounds = np.where((kind == ZERO) | (kind == BOT), 0, rounds)
        self.rounds = np.minimum(rounds, ROUNDS_MAX)
        p_hold = np.where(tk["team"] == 2, 0.18, np.where((cat == DELIVERY) | (cat == RETURNS), 0.08, 0.02))
        hold = np.where(rng.random(n) < p_hold, rng.lognormal(np.log(20 * HOUR), 0.9, n), 0.0)
        stuck = rng.random(n) < 0.012
        hold = np.where(stuck, rng.lognormal(np.log(15 * DAY), 0.7, n), hold)
        self.hold = np.where(self.rounds >= 1, hold, 0.0)
        live = np.isin(ch, (CHAT, PHONE, SOCIAL))
        self.mode_b = rng.random(n) < np.where(live, 0.15, 0.45)
        self.mode_b &= ~(is_call & call_res)
        self.thanks = rng.random(n) < 0.4
        p_reopen = np.clip(0.035 + 0.03 * d + np.where(cat == TECH, 0.03, 0.0), 0.003, 0.25)
        reopen = (rng.random(n) < p_reopen).astype(int)
        reopen += (reopen > 0) & (rng.random(n) < 0.15)
        self.reopens = np.where(self.rounds >= 1, reopen, 0)
        self.live = live
        self.work_scale = np.where(tk["team"] == 2, 1.5, 1.0)

    # -- queues ------------------------------------------------------------
    def _groups(self, eff: list[float]) -> dict[int, QueueGroup]:
        cap = [s * 600.0 * e for s, e in zip(self.shapes, eff, strict=True)]
        return {0: QueueGroup(self.cal, cap[0], 2), 1: QueueGroup(self.cal, cap[1], 1),
                2: QueueGroup(self.cal, cap[2], 2)}

    def _fit(self, groups: dict[int, QueueGroup], arrivals: dict[int, list]) -> None:
        for team, g in groups.items():
            parts = []
            for cls in range(len(g.queues)):
                qid = next(q for q, tc in QUEUE_TEAM.items() if tc == (team, cls))
                ts = arrivals.get(qid, [])
                t = np.concatenate([a for a, _ in ts]) if ts else np.empty(0)
                w = np.concatenate([b for _, b in ts]) if ts else np.empty(0)
                parts.append((t, w))
            g.fit(parts)

    def run_all(self) -> Events:
        big = [1e6, 1e6, 1e6]
        groups = self._groups(big)
        self._fit(groups, {})
        arrivals = self._run(groups, None)
        window = (self.cal.slot_t >= self.tl.start_ts) & (self.cal.slot_t < self.tl.end_ts)
        eff = []
        for team in range(3):
            load = sum(w[(t >= self.tl.start_ts) & (t < self.tl.end_ts)].sum()
                       for q, (tm, _) in QUEUE_TEAM.items() if tm == team for t, w in arrivals.get(q, []))
            raw = self.shapes[team][window].sum() * 600.0
            eff.append(load / max(UTILIZATION[team] * raw, 1.0))
        self.efficiency = eff
        groups = self._groups(eff)
        for _ in range(2):
            self._fit(groups, arrivals)
            arrivals = self._run(groups, None)
        self._fit(groups, arrivals)
        ev = Events()
        self._run(groups, ev)
        return ev

    # -- one run -------------------------------------------------------------
    def _run(self, groups: dict[int, QueueGroup], ev: Events | None) -> dict[int, list]:
        tk, n, cal, never = self.tk, self.n, self.cal, self.tl.never
        rng = rng_for(self.seed, "conversation")
        pick_rng = rng_for(self.seed, "agents")
        arrivals: dict[int, list] = {}
        t0, kind, ch, team, queue = tk["t0"], tk["kind"], tk["channel"], tk["team"], tk["queue"]
        rec = ev is not None
        live = self.live

        def uni(lo: float, hi: float) -> np.ndarray:
            return lo + rng.random(n) * (hi - lo)

        def ask(c: np.ndarray, mask: np.ndarray, work: np.ndarray) -> np.ndarray:
            """Reply instant for requests at ``c``: queue, then a pickup lag in staffed time."""
            u = np.clip(rng.random(n), 1e-12, 1 - 1e-12)  # drawn in full: every run draws alike
            out = np.full(n, never)
            idx = np.flatnonzero(mask & (c < never))
            if not len(idx):
                return out
            ci, wi, qi, ui, chi = c[idx], work[idx], queue[idx], u[idx], ch[idx]
            done = np.full(len(idx), never)
            for qid, (tm, cls) in QUEUE_TEAM.items():
                sel = qi == qid
                if sel.any():
                    arrivals.setdefault(qid, []).append((ci[sel], wi[sel]))
                    done[sel] = groups[tm].queues[cls].start(ci[sel])
            lag = np.where(chi == SOCIAL, 60 + 840 * ui, np.where(
                live[idx], 15 + 75 * ui, np.exp(np.log(25 * 60) + 0.9 * ndtri(ui))))
            res = np.full(len(idx), never)
            ti = team[idx]
            for tm in range(3):
                sel = (ti == tm) & (done < never)
                res[sel] = self.clocks[tm].add(np.maximum(done[sel], ci[sel]), lag[sel])
            out[idx] = res
            return out

        def who(t: np.ndarray, mask: np.ndarray, preferred: np.ndarray | None) -> np.ndarray:
            out = np.full(n, -1)
            idx = np.flatnonzero(mask)
            if rec and len(idx):
                day = cal.local_day(np.minimum(t[idx], cal.slot_t[-1]))
                out[idx] = self.staff.pick(team[idx], day, pick_rng, None if preferred is None else preferred[idx])
            return out

        def work(factor: float = 1.0) -> np.ndarray:
            return REPLY_WORK[ch] * self.work_scale * factor * rng.lognormal(0, 0.55, n)

        assignee = np.full(n, -1)
        conv = np.isin(kind, (INBOUND, SYSTEM, OUTBOUND))
        ob = kind == OUTBOUND
        opener_agent = who(t0, ob, None)
        u = rng.random(n)
        u2 = rng.random(n)
        ack = np.isin(kind, (INBOUND, BOT)) & (((ch == EMAIL) | (ch == WEB)) & (u < 0.85) | (ch == CHAT) & (u < 0.7))
        ack_t = t0 + np.where(ch == CHAT, uni(1, 8), uni(5, 60))
        sysmsg = np.isin(kind, (INBOUND, SYSTEM)) & (u2 < 0.25)
        sys_t = t0 + uni(1, 30)
        if ev is not None:
            assignee[ob] = opener_agent[ob]
            ev.msg(ob, t0, AGENT, opener_agent, opener=True)
            ev.status(ob, t0, PENDING)
            ev.msg(np.isin(kind, (INBOUND, ZERO, BOT)), t0, CUSTOMER)
            ev.msg(kind == SYSTEM, t0, SYSTEM_AUTHOR, public=False)
            ev.status(~ob, t0, NEW)
            ev.msg(ack, ack_t, BOT_AUTHOR)
            ev.msg(sysmsg, sys_t, SYSTEM_AUTHOR, public=False)
        solved = np.full(n, never)
        # zero-reply tickets: an agent triages and solves (spam, duplicate, sorted itself out)
        zero = kind == ZERO
        zw = uni(40, 150)
        rev = ask(t0, zero, zw)
        note_z = zero & (rng.random(n) < 0.5)
        solved = np.where(zero, rev, solved)
        # bot-resolved: the bot answers, the customer may thank it, the system solves
        bot = kind == BOT
        bot_t = t0 + uni(10, 40)
        bot_thanks = bot & (rng.random(n) < 0.5)
        bot_thanks_t = bot_t + uni(60, 900)
        bot_solve = bot_t + 900 + uni(0.5, 3) * HOUR
        solved = np.where(bot, bot_solve, solved)
        if ev is not None:
            a = who(rev, zero, None)
            assignee[zero] = a[zero]
            ev.msg(note_z, rev - 1, AGENT, a, public=False)
            ev.status(zero, rev, SOLVED)
            ev.session(zero, a, np.maximum(rev - zw, t0 + 1), rev)
            ev.msg(bot, bot_t, BOT_AUTHOR)
            ev.msg(bot_thanks, bot_thanks_t, CUSTOMER)
            ev.status(bot, bot_solve, SOLVED)
        # rounds of customer wait -> agent reply
        is_call = tk["call"] >= 0
        ci = tk["call"]
        call_end, call_agent = self.call["ended_at"][ci], self.call["agent"][ci]
        call_wrap = self.call["wrap"][ci]
        last = t0.copy()
        prev_wait = np.zeros(n)
        end_reply = np.full(n, never)
        p_note = np.array([0.12, 0.06, 0.35])[team]
        for k in range(1, ROUNDS_MAX + 1):
            act = conv & (self.rounds >= k)
            quick = ((ch == CHAT) | (ch == SOCIAL)) & (prev_wait < 15 * 60)
            lag = np.where(quick, rng.lognormal(np.log(75), 0.8, n), rng.lognormal(np.log(4 * HOUR), 1.1, n))
            lag = np.where(ob & (k == 1), rng.lognormal(np.log(6 * HOUR), 1.0, n), lag)
            c = last + lag
            h = cal.local_hour(np.minimum(c, cal.slot_t[-1]))
            c = np.where(~quick & (h < 7), c + (7 - h + 2 * rng.random(n)) * HOUR, c)
            opening = (k == 1) & ~ob
            c = np.where(opening, t0, c)
            c = np.where(act, c, never)
            wk = work()
            call_round = is_call & (k == 1)
            r = ask(c, act & ~call_round, wk)
            r = np.where(call_round, call_end, r)
            r = np.where(act, r, never)
            wait = r - c
            final = act & (self.rounds == k)
            hold = act & (k == 1) & (self.hold > 0)
            back = r + self.hold
            wk2 = work(0.8)
            f = ask(back, hold, wk2)
            e = np.where(hold, f, r)
            impatient = act & (rng.random(n) < 0.25) & (wait > np.where(live, 600, 4 * HOUR))
            imp_t = c + uni(0.3, 0.9) * wait
            split = act & live & (rng.random(n) < 0.35)  # chat users send a thought in two messages
            split_t = c + np.minimum(uni(3, 40), 0.5 * wait)
            note = act & (rng.random(n) < p_note)
            note_t = c + uni(0.5, 0.95) * np.maximum(wait, 2)
            if ev is not None:
                agent = np.where(call_round, call_agent, who(r, act, assignee))
                assignee = np.where(act & (assignee < 0), agent, assignee)
                start = np.where(call_round, c + 1, np.maximum(c + 1, r - wk))
                stop = np.where(call_round, call_end + call_wrap, r)
                ev.msg(act & ~opening, c, CUSTOMER)
                ev.status(act & ~opening, c, OPEN)
                ev.status(act & opening, start, OPEN)
                ev.msg(impatient, imp_t, CUSTOMER)
                ev.msg(split & ~call_round, split_t, CUSTOMER)
                ev.msg(note, note_t, AGENT, agent, public=False)
                ev.msg(act, r, AGENT, agent)
                ev.session(act, agent, start, stop)
                ev.msg(hold, r + 60, AGENT, agent, public=False)
                ev.status(hold, r + 1, ON_HOLD)
                ev.status(hold, back, OPEN)
                agent2 = who(f, hold, assignee)
                ev.msg(hold, f, AGENT, agent2)
                ev.session(hold, agent2, np.maximum(back + 1, f - wk2), f)
                ev.status(act & ~final, e + 1, PENDING)
                ev.status(final & self.mode_b, e + 1, PENDING)
                ev.status(final & ~self.mode_b, e + 1, SOLVED)
            solved = np.where(final & ~self.mode_b, e + 1, solved)
            end_reply = np.where(final, e, end_reply)
            last = np.where(act, e, last)
            prev_wait = np.where(act, wait, prev_wait)
        # pending at the end: the customer says thanks (agent solves) or the system auto-solves
        pend = conv & (((self.rounds >= 1) & self.mode_b) | (self.rounds == 0))
        base = np.where(self.rounds == 0, t0, end_reply)
        th = pend & self.thanks & (self.rounds >= 1)
        th_t = base + rng.lognormal(np.log(5 * HOUR), 1.0, n)
        sw = uni(30, 120)
        th_solve = ask(th_t, th, sw)
        auto = pend & ~th
        auto_t = base + AUTO_SOLVE
        solved = np.where(th, th_solve, np.where(auto, auto_t, solved))
        if ev is not None:
            a = who(th_solve, th, assignee)
            ev.msg(th, th_t, CUSTOMER)
            ev.status(th, th_t, OPEN)
            ev.status(th, th_solve, SOLVED)
            ev.session(th, a, np.maximum(th_solve - sw, th_t + 1), th_solve)
            ev.status(auto, auto_t, SOLVED)
            ev.msg(auto, auto_t + 1, SYSTEM_AUTHOR, public=False)
        # reopens: the customer writes back before the automatic close
        for j in (1, 2):
            act = conv & (self.reopens >= j) & (solved < never)
            c = solved + uni(0.05, 0.9) * CLOSE_AFTER
            wk = work()
            r = ask(c, act, wk)
            if ev is not None:
                a = who(r, act, assignee)
                ev.msg(act, c, CUSTOMER)
                ev.status(act, c, OPEN)
                ev.msg(act, r, AGENT, a)
                ev.session(act, a, np.maximum(c + 1, r - wk), r)
                ev.status(act, r + 1, SOLVED)
            solved = np.where(act, r + 1, solved)
        if ev is not None:
            ev.status(solved < never, solved + CLOSE_AFTER, CLOSED)
            self.assignee = assignee
        return arrivals
