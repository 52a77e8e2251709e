"""Surveys for the demo: CSAT, CES and CX ratings after tickets, NPS for customers.

Why correlated: the point of feedback metrics is to explain them with service
data ("why did CSAT drop?"). Every score is drawn from a latent experience that
falls with a slow first reply, reopens and extra back-and-forth, and rises with
the agent's skill; NPS follows the customer's recent experiences. Invitations
are sent, a share answers, some skip the question (empty score) and some leave a
comment matching their score and the ticket's topic.
"""

from __future__ import annotations

import numpy as np

from cxmetrics.demo.clock import DAY, HOUR, Timeline, add_months, epoch, rng_for
from cxmetrics.demo.customers import Customers
from cxmetrics.demo.text import comments
from cxmetrics.demo.tickets import BOT, CANCEL, EMAIL, PHONE, TECH, WEB, ZERO

SURVEYS = {  # name: (scale_min, scale_max, question)
    "csat": (1, 5, "How satisfied were you with the support you received?"),
    "ces": (1, 7, "The company made it easy for me to handle my issue."),
    "nps": (0, 10, "How likely are you to recommend us to a friend or colleague?"),
    "cx": (1, 5, None),
}
#: "no comment" for np.where: a 0-d object array (what numpy makes of None; its stubs take no None)
_NO_TEXT = np.array(None, dtype=object)
CX_QUESTIONS = ("tone", "manner", "willingness")


def experience(tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], skill: np.ndarray,
               seed: int) -> np.ndarray:
    """Latent service experience per ticket (about N(0.6, 1)); slow, reopened, long -> lower."""
    rng = rng_for(seed, "experience")
    n = len(tk["t0"])
    frt_h = np.nan_to_num((facts["first_reply_at"] - facts["created_at"]) / HOUR, nan=0.0)
    z = (1.85 - 0.42 * np.log1p(np.maximum(frt_h, 0)) - 0.35 * tk["difficulty"] - 0.75 * facts["reopens"]
         - 0.12 * np.maximum(facts["replies"] - 1, 0)
         + np.where(facts["agent"] >= 0, skill[np.maximum(facts["agent"], 0)], 0.0)
         + np.where(tk["category"] == CANCEL, -0.35, 0.0) + np.where(tk["category"] == TECH, -0.1, 0.0)
         + rng.normal(0, 0.85, n))
    return z


def _cut(z: np.ndarray, cuts: list[float], lo: int) -> np.ndarray:
    return (lo + np.searchsorted(np.array(cuts), z)).astype(float)


class _Out:
    def __init__(self) -> None:
        self.inv: dict[str, list] = {k: [] for k in ("survey", "sent_at", "customer", "ticket")}
        self.res: dict[str, list] = {k: [] for k in ("survey", "responded_at", "score", "question", "comment",
                                                    "customer", "ticket", "agent", "channel", "language")}

    def add_inv(self, survey: str, sent: np.ndarray, customer: np.ndarray, ticket: np.ndarray) -> None:
        for k, v in (("survey", np.full(len(sent), survey, dtype=object)), ("sent_at", sent),
                     ("customer", customer), ("ticket", ticket)):
            self.inv[k].append(v)

    def add_res(self, survey: str, **cols: np.ndarray) -> None:
        n = len(cols["responded_at"])
        self.res["survey"].append(np.full(n, survey, dtype=object))
        for k in self.res:
            if k != "survey":
                v = cols.get(k)
                self.res[k].append(v if v is not None else np.full(n, None, dtype=object))

    def arrays(self, end_ts: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        inv = {k: np.concatenate(v) for k, v in self.inv.items()}
        res = {k: np.concatenate(v) for k, v in self.res.items()}
        keep = inv["sent_at"] < end_ts
        inv = {k: v[keep] for k, v in inv.items()}
        keep = res["responded_at"] < end_ts
        res = {k: v[keep] for k, v in res.items()}
        io = np.argsort(inv["sent_at"], kind="stable")
        ro = np.argsort(res["responded_at"], kind="stable")
        return {k: v[io] for k, v in inv.items()}, {k: v[ro] for k, v in res.items()}


def surveys(tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], z: np.ndarray, skill: np.ndarray,
            cust: Customers, tl: Timeline, seed: int) -> tuple[dict, dict, np.ndarray]:
    """Invitations, responses, and each ticket's CSAT score (the help desk's own rating)."""
    rng = rng_for(seed, "surveys")
    n = len(z)
    out = _Out()
    ch, cat = tk["channel"], tk["category"]
    solved = facts["solved_at"]
    agent = facts["agent"]
    ok = ~np.isnan(solved) & (tk["kind"] != ZERO) & ~tk["guest"] & (ch != PHONE)
    ok &= (facts["replies"] >= 1) | (tk["kind"] == BOT)
    tix = np.arange(n)
    cust_of = tk["customer"]

    def respond(sel: np.ndarray, sent: np.ndarray, base: float) -> tuple[np.ndarray, np.ndarray]:
        p = base + 0.08 * (z < -0.5)
        answered = sel & (rng.random(n) < p)
        return answered, sent + np.minimum(rng.lognormal(np.log(3 * HOUR), 1.2, n), 14 * DAY)

    def texts(sel: np.ndarray, score: np.ndarray, neg: float, pos: float, p: float) -> np.ndarray:
        senti = np.where(score <= neg, 0, np.where(score >= pos, 2, 1))
        has = sel & (rng.random(n) < np.where(senti == 0, p + 0.2, p))
        txt = comments(rng, senti, cat)
        return np.where(has, txt, _NO_TEXT)

    skip = rng.random(n) < 0.03
    # CSAT after every eligible resolved ticket
    sent = solved + rng.uniform(1, 24, n) * HOUR
    got, when = respond(ok, sent, 0.23)
    csat = _cut(z, [-1.6, -0.9, -0.2, 0.55], 1)
    com = texts(got, csat, 2, 4, 0.3)
    out.add_inv("csat", sent[ok], cust_of[ok], tix[ok])
    common = {"customer": cust_of[got], "ticket": tix[got], "agent": agent[got],
              "channel": ch[got], "language": tk["language"][got]}
    out.add_res("csat", responded_at=when[got], score=np.where(skip, np.nan, csat)[got],
                question=np.full(got.sum(), SURVEYS["csat"][2], dtype=object), comment=com[got], **common)
    satisfaction = np.where(got & ~skip & (when < tl.end_ts), csat, np.nan)
    _csat_changed(out, got & ~skip, when, z, common_all={
        "customer": cust_of, "ticket": tix, "agent": agent, "channel": ch, "language": tk["language"]}, seed=seed)
    # CES for a third of email/web tickets: effort rises with back-and-forth and reopens
    ces_sel = ok & ((ch == EMAIL) | (ch == WEB)) & (rng.random(n) < 0.35)
    e = (1.5 - 0.55 * np.maximum(facts["replies"] - 1, 0) - 0.8 * facts["reopens"]
         - 0.25 * np.log1p(np.nan_to_num((facts["first_reply_at"] - facts["created_at"]) / HOUR))
         - 0.3 * tk["difficulty"] + 0.3 * z + rng.normal(0, 0.9, n))
    ces = _cut(e, [-2.0, -1.3, -0.7, -0.1, 0.5, 1.1], 1)
    sent2 = solved + rng.uniform(2, 30, n) * HOUR
    got, when = respond(ces_sel, sent2, 0.25)
    skip2 = rng.random(n) < 0.03
    com = texts(got, ces, 3, 6, 0.25)
    out.add_inv("ces", sent2[ces_sel], cust_of[ces_sel], tix[ces_sel])
    out.add_res("ces", responded_at=when[got], score=np.where(skip2, np.nan, ces)[got],
                question=np.full(got.sum(), SURVEYS["ces"][2], dtype=object), comment=com[got],
                customer=cust_of[got], ticket=tix[got], agent=agent[got], channel=ch[got],
                language=tk["language"][got])
    # CX rating: tone, manner, willingness to help - mostly about the agent
    cx_sel = ok & (agent >= 0) & (rng.random(n) < 0.15)
    sent3 = solved + rng.uniform(1, 48, n) * HOUR
    got, when = respond(cx_sel, sent3, 0.2)
    out.add_inv("cx", sent3[cx_sel], cust_of[cx_sel], tix[cx_sel])
    attr = rng_for(seed, "cx-attributes").normal(0, 0.35, (len(CX_QUESTIONS), max(len(skill), 1)))
    for qi, q in enumerate(CX_QUESTIONS):
        v = 0.55 * z + attr[qi][np.maximum(agent, 0)] + rng.normal(0, 0.6, n)
        score = _cut(v, [-1.4, -0.7, 0.0, 0.75], 1)
        miss = rng.random(n) < 0.03
        out.add_res("cx", responded_at=when[got], score=np.where(miss, np.nan, score)[got],
                    question=np.full(got.sum(), q, dtype=object), customer=cust_of[got], ticket=tix[got],
                    agent=agent[got], channel=ch[got], language=tk["language"][got])
    _nps(out, tk, facts, z, cust, tl, seed)
    inv, res = out.arrays(tl.end_ts)
    return inv, res, satisfaction


def _csat_changed(out: _Out, rated: np.ndarray, when: np.ndarray, z: np.ndarray,
                  common_all: dict[str, np.ndarray], seed: int) -> None:
    """About one CSAT answer in twenty-five is answered again days later (after a follow-up, or
    second thoughts): the score is drawn again from the same experience (csat_change)."""
    rng = rng_for(seed, "csat-again")
    n = len(z)
    again = rated & (rng.random(n) < 0.04)
    later = when + np.minimum(rng.lognormal(np.log(2 * DAY), 0.8, n), 20 * DAY)
    score = _cut(z + rng.normal(0.15, 0.9, n), [-1.6, -0.9, -0.2, 0.55], 1)
    out.add_res("csat", responded_at=later[again], score=score[again],
                question=np.full(again.sum(), SURVEYS["csat"][2], dtype=object),
                **{k: v[again] for k, v in common_all.items()})


def _nps(out: _Out, tk: dict[str, np.ndarray], facts: dict[str, np.ndarray], z: np.ndarray,
         cust: Customers, tl: Timeline, seed: int) -> None:
    """Monthly relationship survey to 6% of live customers; recent experience moves the score."""
    rng = rng_for(seed, "nps")
    sent_l, who_l = [], []
    for m in tl.month_starts:  # a loop per month is fine
        lo, hi = max(epoch(m), tl.start_ts), epoch(add_months(m, 1))
        t = lo + rng.random(len(cust)) * (hi - lo)
        alive = (cust.acquired < t) & (cust.churned > t)
        pick = alive & (rng.random(len(cust)) < 0.06)
        sent_l.append(t[pick])
        who_l.append(np.flatnonzero(pick))
    sent = np.concatenate(sent_l)
    who = np.concatenate(who_l)
    # mean experience of the customer's tickets resolved in the 120 days before
    has = ~np.isnan(facts["solved_at"]) & ~tk["guest"]
    key_c = tk["customer"][has].astype(np.int64)
    key_t = facts["solved_at"][has].astype(np.int64)
    order = np.lexsort((key_t, key_c))
    keys = key_c[order] * 10**11 + key_t[order]
    csum = np.r_[0.0, np.cumsum(z[has][order])]
    q = who.astype(np.int64) * 10**11
    hi_i = np.searchsorted(keys, q + sent.astype(np.int64))
    lo_i = np.searchsorted(keys, q + (sent - 120 * DAY).astype(np.int64))
    cnt = hi_i - lo_i
    mean = np.where(cnt > 0, (csum[hi_i] - csum[lo_i]) / np.maximum(cnt, 1), 0.0)
    k = len(sent)
    v = (0.15 + 0.45 * mean * (cnt > 0) - 0.25 * (cnt > 0) * (mean < 0) + 0.25 * (cust.plan[who] == 2)
         + 0.15 * (cust.segment[who] > 0) + rng.normal(0, 1.0, k))
    score = np.clip(np.floor(7.9 + 2.1 * v), 0, 10)
    got = rng.random(k) < 0.2
    when = sent + np.minimum(rng.lognormal(np.log(8 * HOUR), 1.2, k), 14 * DAY)
    skip = rng.random(k) < 0.04
    senti = np.where(score <= 6, 0, np.where(score >= 9, 2, 1))
    has_c = rng.random(k) < np.where(senti == 0, 0.5, 0.3)
    cat = np.full(k, -1)
    txt = np.where(has_c, comments(rng, senti, cat), _NO_TEXT)
    none = np.full(k, -1)
    lang = cust.language[who]
    out.add_inv("nps", sent, who, none)
    out.add_res("nps", responded_at=when[got], score=np.where(skip, np.nan, score)[got],
                question=np.full(got.sum(), SURVEYS["nps"][2], dtype=object), comment=txt[got],
                customer=who[got], ticket=none[got], agent=none[got],
                channel=np.full(got.sum(), EMAIL), language=lang[got])
