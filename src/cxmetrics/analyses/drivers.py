"""Service drivers: how satisfaction moves with the service a customer got.

Seed 002 asks to "dig into why scores trend". Each survey response is joined
through ``ticket_id`` to its ticket's facts and CSAT (or NPS) is computed per
band of four service measures: first response time, number of agent replies,
reopened or not, and channel. Every band carries its sample and 95% interval
(Wilson for CSAT, adjusted Wald for NPS, the same functions as the metrics), so
a lead can tell a real gap from noise and see which service metric to fix first.

All grouping runs in one Ibis query; only the band totals come back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cxmetrics.analyses.comments import Where, engine_of, responses_in_range
from cxmetrics.errors import QueryError
from cxmetrics.metrics.stats import nps_interval, wilson

if TYPE_CHECKING:
    from cxmetrics.engine.core import Engine
    from cxmetrics.store import Store

LOW_SAMPLE = 30
SURVEYS = ("csat", "nps")
HOUR = 3600.0
#: driver id -> (label, bands in their natural order; None: order by sample size)
DRIVERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "first_response_time": ("first response time", ("<1h", "1-4h", "4-24h", ">24h", "no reply")),
    "replies": ("agent replies per ticket", ("0", "1", "2", "3+")),
    "reopened": ("reopens", ("not reopened", "reopened")),
    "channel": ("channel", None),
}
#: Bands shown but not ranked by :func:`fix_first`: not a level of the measure (no
#: reply at all is a different kind of ticket, not the fastest or slowest answer).
UNRANKED = {("first_response_time", "no reply")}
COLUMNS = ["driver", "band", "metric", "unit", "n", "value", "ci_low", "ci_high", "low_sample"]


def _bands(j: ir.Table) -> dict[str, ir.StringValue]:
    """Each driver's band per response; null where the ticket lacks the measure."""
    frt, rep = j.frt_s, j.replies
    return {
        "first_response_time": ibis.cases(
            (frt.isnull(), "no reply"), (frt < HOUR, "<1h"), (frt < 4 * HOUR, "1-4h"),
            (frt < 24 * HOUR, "4-24h"), else_=">24h"),
        "replies": ibis.cases((rep.isnull(), ibis.null("string")), (rep <= 0, "0"), (rep == 1, "1"),
                              (rep == 2, "2"), else_="3+"),
        "reopened": ibis.ifelse(j.reopens.fill_null(0) > 0, "reopened", "not reopened"),
        "channel": j.t_channel.fill_null(j.r_channel),
    }


def _band_totals(engine: Engine, survey: str, from_: Any, to: Any, tz: str | None, hours: str,
                 where: Where) -> pd.DataFrame:
    r = responses_in_range(engine, from_=from_, to=to, tz=tz, where=where)
    r = r.filter((r.survey_type == survey) & r.answered & r.ticket_id.notnull())
    r = r.select("ticket_id", "promoter", "detractor", "top2", r_channel="channel")
    t = engine.facts(hours).tickets.select("ticket_id", "frt_s", "replies", "reopens", t_channel="channel")
    j = r.join(t, "ticket_id")
    parts = []
    for driver, band in _bands(j).items():
        g = j.mutate(band=band.cast("string"))
        g = g.filter(g.band.notnull())
        parts.append(g.group_by("band").aggregate(
            n=g.count(),
            hits=g.top2.fill_null(False).cast("int64").sum(),
            promoters=g.promoter.fill_null(False).cast("int64").sum(),
            detractors=g.detractor.fill_null(False).cast("int64").sum(),
        ).mutate(driver=ibis.literal(driver)))
    return ibis.union(*parts).execute()


def service_drivers(source: Store | Engine, *, survey: str = "csat", from_: dt.date | str | None = None,
                    to: dt.date | str | None = None, tz: str | None = None, hours: str = "calendar",
                    where: Where = None) -> pd.DataFrame:
    """CSAT (%) or NPS per service band, one row per driver x band, bands in natural order.

    Responses need a ``ticket_id`` that exists in ``tickets``; others cannot say
    anything about service and are left out. ``hours`` = business measures first
    response time in business hours."""
    if survey not in SURVEYS:
        raise QueryError(f"survey must be csat or nps, not {survey!r}")
    engine = engine_of(source)
    raw = _band_totals(engine, survey, from_, to, tz or engine.config.timezone, hours, where)
    if raw.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    n = raw["n"].to_numpy("float64")
    if survey == "csat":
        hits = raw["hits"].to_numpy("float64")
        value, unit = 100.0 * hits / n, "percent"
        lo, hi = wilson(hits, n)
    else:
        p, d = raw["promoters"].to_numpy("float64"), raw["detractors"].to_numpy("float64")
        value, unit = 100.0 * (p - d) / n, "score"
        lo, hi = nps_interval(p, d, n)
    out = pd.DataFrame({"driver": raw["driver"].astype("object"), "band": raw["band"].astype("object"),
                        "metric": survey, "unit": unit, "n": raw["n"].astype("int64"), "value": value,
                        "ci_low": lo, "ci_high": hi, "low_sample": n < LOW_SAMPLE})
    driver_rank = {d: i for i, d in enumerate(DRIVERS)}
    out["_d"] = out["driver"].map(driver_rank)
    out["_b"] = [(_band_rank(d, b), -k, b) for d, b, k in zip(out["driver"], out["band"], out["n"], strict=True)]
    out = out.sort_values(["_d", "_b"], kind="stable").drop(columns=["_d", "_b"])
    return out[COLUMNS].reset_index(drop=True)


def _band_rank(driver: str, band: str) -> int:
    order = DRIVERS[driver][1]
    return order.index(band) if order and band in order else 0


def fix_first(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The driver with the largest gap between its best and worst band whose 95%
    intervals do not overlap; None when no driver shows such a gap.

    Overlapping intervals are not proof of no difference, but a lead should act on
    gaps that are clear, not on noise."""
    best: dict[str, Any] | None = None
    for driver, g in frame.groupby("driver", sort=False):
        ranked = np.array([(driver, b) not in UNRANKED for b in g["band"]], dtype=bool)
        g = g[(g["n"] > 0) & np.isfinite(g["ci_low"].to_numpy("float64")) & ranked]
        if len(g) < 2:
            continue
        top, low = g.loc[g["value"].idxmax()], g.loc[g["value"].idxmin()]
        gap = float(top["value"] - low["value"])
        if low["ci_high"] < top["ci_low"] and (best is None or gap > best["gap"]):
            best = {"driver": driver, "label": DRIVERS.get(str(driver), (str(driver), None))[0],
                    "best_band": top["band"], "best_value": float(top["value"]),
                    "worst_band": low["band"], "worst_value": float(low["value"]),
                    "gap": gap, "metric": top["metric"], "unit": top["unit"]}
    return best


def summary(frame: pd.DataFrame) -> str:
    """One line: which service metric to fix first, or why none can be named yet."""
    if frame.empty:
        return "No survey responses linked to tickets in this range: nothing to compare."
    f = fix_first(frame)
    if f is None:
        return ("No clear driver yet: for every service measure the best and worst bands have "
                "overlapping 95% intervals (more responses would tell).")
    unit = "pp" if f["unit"] == "percent" else "points"
    name = f["metric"].upper()

    def v(x: float) -> str:
        return f"{x:.1f}%" if f["unit"] == "percent" else f"{x:.1f}"

    return (f"Fix first: {f['label']}. {name} is {v(f['best_value'])} for {_say(f['driver'], f['best_band'])} "
            f"but {v(f['worst_value'])} for {_say(f['driver'], f['worst_band'])} ({f['gap']:.1f} {unit} apart; "
            "the 95% intervals do not overlap).")


def _say(driver: str, band: str) -> str:
    if driver == "first_response_time":
        return "no first reply" if band == "no reply" else f"a first reply in {band}"
    if driver == "replies":
        return f"{band} agent {'reply' if band == '1' else 'replies'}"
    if driver == "reopened":
        return f"{band} tickets"
    return f"{driver} {band}"
