"""Contact-centre and commerce metrics (SPEC 4.5): calls offered, abandoned and
answered, speed of answer, service level, handle time, resolution and CSAT of
calls; cart abandonment.

They aggregate the ``calls`` and ``carts`` fact tables of :mod:`cxmetrics.facts.contact`,
which derive what an export does not record (abandoned, wait).
"""

from __future__ import annotations

import ibis.expr.types as ir

from cxmetrics.metrics.kinds import COUNT, DURATION, MEAN, RATE
from cxmetrics.metrics.registry import Metric, Reference
from cxmetrics.settings import DEFAULTS

#: The defaults of ``[calls]``, for the definitions' text (the facts read the engine's settings).
SHORT_ABANDON_S = DEFAULTS.calls.short_abandon
SERVICE_LEVEL_S = DEFAULTS.calls.service_level
CALL_SCALE = DEFAULTS.calls.satisfaction_scale

SEED001 = Reference("seed 001 (Freshdesk blog)", "call abandonment = abandoned / offered; cart abandonment (63%)")
COPC = Reference("COPC / ICMI contact-centre definitions",
                 "ASA = mean wait of answered calls; service level = calls answered within T s / calls offered")
WILSON = Reference("Wilson (1927)", "score interval for a proportion")
BAYMARD = Reference("Baymard Institute, cart abandonment rate statistics",
                    "average documented online cart abandonment rate, about 70% (49 studies)")
CALLS = ("calls.call_id", "calls.offered_at")
DERIVED = "Abandoned: calls.abandoned, else no answered_at and no talk time. Wait: wait_seconds, else from the timestamps."
BY = "Sliced by queue, topic, agent, hour (of offered_at) and customer attributes."


def _call(**kw: object) -> Metric:
    base: dict[str, object] = {"domain": "contact", "fact": "calls", "time": "offered_at", "requires": CALLS}
    return Metric(**{**base, **kw})  # type: ignore[arg-type]


def _answered(t: ir.Table) -> ir.Value:
    return t.answered


METRICS: tuple[Metric, ...] = (
    _call(
        id="call_volume", label="Call volume", kind=COUNT, unit="count", direction="neutral",
        description="Calls offered (entered the queue) in the period.", formula="count(calls) by offered_at",
        edge_cases=(BY,), references=(SEED001, COPC),
    ),
    _call(
        id="call_abandonment_rate", label="Call abandonment rate", kind=RATE, unit="percent", direction="lower",
        description="Abandoned calls / calls offered.", formula="100 * count(abandoned) / count(offered)",
        condition=lambda t: t.abandoned, edge_cases=(DERIVED, BY), references=(SEED001, WILSON),
    ),
    _call(
        id="call_abandonment_rate", variant="excluding_short", base="call_abandonment_rate",
        label="Call abandonment rate (excluding short abandons)", kind=RATE, unit="percent", direction="lower",
        description=f"Abandoned calls / calls offered, leaving out calls abandoned within N seconds (default "
                    f"{SHORT_ABANDON_S:g}).",
        formula="100 * count(abandoned, wait >= N) / count(offered - abandoned with wait < N)",
        where=lambda t: ~t.short_abandon, condition=lambda t: t.abandoned,
        edge_cases=(DERIVED, f"N: `calls.short_abandon` in cxm.toml, default {SHORT_ABANDON_S:g} s; "
                    "abandons with an unknown wait are kept.", BY),
        references=(SEED001, COPC, WILSON),
    ),
    _call(
        id="average_speed_of_answer", label="Average speed of answer (ASA)", kind=DURATION, unit="seconds",
        direction="lower", description="Wait of answered calls, from entering the queue to the answer.",
        formula="answered_at - offered_at (or wait_seconds) over answered calls",
        where=lambda t: t.answered & t.wait_s.notnull(), value=lambda t: t.wait_s,
        edge_cases=(DERIVED, "ASA as usually quoted is the mean (--stat mean); the record's value is the median "
                    "by default like every duration.", BY),
        references=(COPC,),
    ),
    _call(
        id="service_level", label="Service level", kind=RATE, unit="percent", direction="higher",
        description=f"Calls answered within T seconds (default {SERVICE_LEVEL_S:g}) / calls offered.",
        formula="100 * count(answered and wait <= T) / count(offered)",
        where=lambda t: ~(t.answered & t.wait_s.isnull()), condition=lambda t: t.within_target,
        edge_cases=(f"T: `calls.service_level` in cxm.toml, default {SERVICE_LEVEL_S:g} s.",
                    "Abandoned calls count in the denominator (SPEC 4.5: of calls offered); answered calls "
                    "with an unknown wait are left out.", DERIVED, BY),
        references=(COPC, WILSON),
    ),
    _call(
        id="service_level", variant="excluding_short", base="service_level",
        label="Service level (excluding short abandons)", kind=RATE, unit="percent", direction="higher",
        description="Calls answered within T seconds / calls offered, less calls abandoned within N seconds.",
        formula="100 * count(answered and wait <= T) / count(offered - short abandons)",
        where=lambda t: ~(t.answered & t.wait_s.isnull()) & ~t.short_abandon,
        condition=lambda t: t.within_target,
        edge_cases=("T and N as for service_level and call_abandonment_rate:excluding_short.", BY),
        references=(COPC, WILSON),
    ),
    _call(
        id="average_time_to_abandon", label="Average time to abandon", kind=DURATION, unit="seconds",
        direction="neutral", description="Wait of abandoned calls before the caller hung up.",
        formula="ended_at - offered_at (or wait_seconds) over abandoned calls",
        where=lambda t: t.abandoned & t.wait_s.notnull(), value=lambda t: t.wait_s,
        edge_cases=(DERIVED, "Empty when the export has no wait for abandoned calls.", BY),
        references=(COPC,),
    ),
    _call(
        id="call_handle_time", label="Call handle time", kind=DURATION, unit="seconds", direction="lower",
        description="Talk + hold + wrap-up seconds per answered call.",
        formula="(talk + hold + wrap) / answered calls",
        where=lambda t: t.answered & t.handle_s.notnull(), value=lambda t: t.handle_s,
        edge_cases=("A missing part counts as 0 when another is known; calls with none are left out.",
                    "AHT as usually quoted is the mean (--stat mean).", BY),
        references=(COPC,),
    ),
    _call(
        id="call_resolution_rate", label="Call resolution rate", kind=RATE, unit="percent", direction="higher",
        description="Resolved calls / answered calls.", formula="100 * count(resolved) / count(answered)",
        where=lambda t: _answered(t) & t.resolved.notnull(), condition=lambda t: t.resolved,
        edge_cases=("Answered calls without a resolved flag are left out.", BY), references=(SEED001, WILSON),
    ),
    _call(
        id="call_csat", label="Call CSAT", kind=RATE, unit="percent", direction="higher",
        description=f"% satisfied: calls rated in the top two boxes of the call's {CALL_SCALE[0]:g}-{CALL_SCALE[1]:g} "
                    f"scale ({CALL_SCALE[1] - 1:g}-{CALL_SCALE[1]:g}).",
        formula="100 * count(satisfaction >= 4) / count(rated calls)",
        where=lambda t: t.satisfaction.notnull(), condition=lambda t: t.sat_top2,
        edge_cases=(f"Scale: {CALL_SCALE[0]:g}-{CALL_SCALE[1]:g} unless `calls.satisfaction_scale` is set; top two "
                    "boxes (top box of a 3-point scale) as for survey CSAT.", "Unrated calls are left out.", BY),
        references=(SEED001, WILSON),
    ),
    _call(
        id="call_csat_mean", label="Call satisfaction mean", kind=MEAN, unit="score", direction="higher",
        description="Mean satisfaction rating of rated calls.", formula="mean(satisfaction) over rated calls",
        where=lambda t: t.satisfaction.notnull(), value=lambda t: t.satisfaction,
        edge_cases=(f"On the call's own scale ({CALL_SCALE[0]:g}-{CALL_SCALE[1]:g} by default).", BY),
        references=(SEED001,),
    ),
    Metric(
        id="cart_abandonment_rate", label="Cart abandonment rate", kind=RATE, unit="percent", direction="lower",
        domain="commerce", description="Carts not purchased / carts created.", fact="carts", time="created_at",
        formula="100 * count(carts without purchased_at or order_id) / count(carts)",
        requires=("carts.cart_id", "carts.created_at", "carts.purchased_at|carts.order_id"),
        condition=lambda t: ~t.purchased,
        edge_cases=("A cart is purchased when it has purchased_at or order_id.",
                    "Status as of now: carts of recent periods may still be bought.",
                    "Benchmark: Baymard's ~70% average (seed 001 cites 63%)."),
        references=(SEED001, BAYMARD, WILSON),
        benchmark=(70.0, "Baymard Institute: average documented online cart abandonment rate, about 70%"),
    ),
)
