"""What a number depends on besides its definition: this server's settings, for
``GET /api/v1/catalog`` and the dashboard's explanations ("each number explains itself").

The catalogue (:mod:`cxmetrics.metrics.catalog`) says what a metric *is*. A number on a
page also depends on how this server computes it: the thresholds its settings set (an
SLA target per channel, the service-level answer time, the repeat-contact window...),
whether ``hours=business`` changes it, the statistics a duration offers, its target or
benchmark, the reporting zone and the business-hours schedule. :func:`catalog_context`
gives those as data; the dashboard's scripts render them with the catalogue's translated
definition and the record's own ``n``, period and comparison, so no text is written twice.

``THRESHOLDS`` and ``BUSINESS_HOURS`` are checked against the engine on real data by
``tests/test_dashboard_period.py`` (changing the setting changes exactly these metrics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxmetrics.metrics.registry import Metric
    from cxmetrics.settings import Config

#: The settings (dotted ``cxm.toml`` keys) that set a threshold inside a metric's definition.
THRESHOLDS: dict[str, tuple[str, ...]] = {
    "sla_attainment": ("sla.first_reply", "sla.priority_first_reply"),
    "sla_attainment:resolution": ("sla.resolution", "sla.priority_resolution"),
    "sla_breaches": ("sla.first_reply", "sla.priority_first_reply", "sla.resolution", "sla.priority_resolution"),
    "fcr_rate:no_repeat_contact": ("fcr.repeat_window_days",),
    "contacts_per_issue": ("fcr.repeat_window_days",),
    "issue_resolution_time": ("fcr.repeat_window_days",),
    "call_abandonment_rate:excluding_short": ("calls.short_abandon",),
    "service_level": ("calls.service_level",),
    "service_level:excluding_short": ("calls.service_level", "calls.short_abandon"),
    "call_csat": ("calls.satisfaction_scale",),
    "csat": ("surveys.csat",),
    "ces": ("surveys.ces",),
}
#: Metrics whose value ``hours=business`` changes: durations between ticket instants (and
#: the SLA attainment and breaches measured by them, without policies). Handle time is working time, issue resolution
#: time calendar time only.
BUSINESS_HOURS: frozenset[str] = frozenset({
    "first_response_time", "response_time", "resolution_time", "first_resolution_time",
    "requester_wait_time", "agent_wait_time", "on_hold_time",
    "sla_attainment", "sla_attainment:resolution", "sla_breaches", "next_reply_time", "agent_work_time",
})


def _window(w: Any) -> str | None:
    return None if w is None else f"{w[0]:%H:%M}-{w[1]:%H:%M}"


def _threshold(config: Config, key: str) -> dict[str, Any]:
    """One threshold setting's effective value: ``value`` (a number, a scale or ``None``),
    ``by`` (per channel, priority or survey) and the unit it is in."""
    from cxmetrics.settings import DEFAULT_SCALES

    section, name = key.split(".", 1)
    if section == "sla":
        values: dict[str, float] = getattr(config.sla, name)
        by = {k: v for k, v in values.items() if k != "default"}
        return {"setting": key, "unit": "seconds", "value": values.get("default"), "by": by or None,
                "by_dimension": "priority" if name.startswith("priority_") else "channel"}
    if key == "fcr.repeat_window_days":
        return {"setting": key, "unit": "days", "value": config.fcr.repeat_window_days, "by": None,
                "by_dimension": None}
    if key == "calls.satisfaction_scale":
        return {"setting": key, "unit": "scale", "value": list(config.calls.satisfaction_scale), "by": None,
                "by_dimension": None}
    if section == "calls":
        return {"setting": key, "unit": "seconds", "value": float(getattr(config.calls, name)), "by": None,
                "by_dimension": None}
    if section == "surveys":  # the scale whose top two boxes count; declared surveys of that type
        declared = {n: list(s.scale) for n, s in config.surveys.items() if s.type == name and s.scale is not None}
        return {"setting": key, "unit": "scale", "value": list(DEFAULT_SCALES[name]), "by": declared or None,
                "by_dimension": "survey"}
    raise KeyError(key)


def _target(m: Metric, config: Config) -> dict[str, Any] | None:
    """The team's target (``[targets]``), else the metric's published benchmark."""
    own = config.targets.get(m.key)
    if own:
        return {"source": "cxm.toml", "value": own.get("default"),
                "by": {k: v for k, v in own.items() if k != "default"} or None, "by_dimension": "channel"}
    if m.benchmark_by_channel:
        return {"source": m.options.get("benchmark_source", "benchmark"), "value": None,
                "by": dict(m.benchmark_by_channel), "by_dimension": "channel"}
    if m.benchmark is not None:
        return {"source": m.benchmark[1], "value": m.benchmark[0], "by": None, "by_dimension": None}
    return None


#: With ``[[sla.policies]]`` the policies replace the ``[sla]`` targets in these metrics
#: (the SLA metrics each one measures; ``None``: every one).
POLICY_METRICS: dict[str, tuple[str, ...] | None] = {
    "sla_attainment": None, "sla_breaches": None, "sla_attainment:resolution": ("resolution",),
}


def _policy_thresholds(config: Config, key: str) -> list[dict[str, Any]]:
    """One threshold per SLA metric the policies set: its target by policy name."""
    from cxmetrics.settings import SLA_METRICS

    wanted = POLICY_METRICS[key] or SLA_METRICS
    out = []
    for metric in wanted:
        by = {p.name: p.targets()[metric] for p in config.sla.policies if metric in p.targets()}
        if by:
            out.append({"setting": "sla.policies", "sla_metric": metric, "unit": "seconds", "value": None,
                        "by": by, "by_dimension": "sla_policy"})
    return out


def thresholds(m: Metric, config: Config) -> list[dict[str, Any]]:
    """The threshold settings in force in ``m`` on this server."""
    if m.key in POLICY_METRICS and config.sla.policies:
        return _policy_thresholds(config, m.key)
    return [_threshold(config, k) for k in THRESHOLDS.get(m.key, ())]


def metric_context(m: Metric, config: Config) -> dict[str, Any]:
    from cxmetrics.facts.query import STATS
    from cxmetrics.metrics.kinds import Duration

    return {
        "hours": m.key in BUSINESS_HOURS,
        "statistics": list(STATS) if isinstance(m.kind, Duration) else None,
        "sample": m.kind.sample,
        "thresholds": thresholds(m, config),
        "target": _target(m, config),
    }


def server_settings(config: Config) -> dict[str, Any]:
    """The settings every number shares: zones, the business-hours schedules, the sample rule."""
    from cxmetrics.engine.compare import ALPHA
    from cxmetrics.metrics.kinds import LOW_SAMPLE
    from cxmetrics.settings import WEEKDAYS

    bh = config.business_hours
    return {
        "timezone": config.timezone,
        "business_hours": {"timezone": bh.timezone or config.timezone,
                           "week": {d: _window(getattr(bh.week, d)) for d in WEEKDAYS},
                           "country": bh.country, "subdivision": bh.subdivision,
                           "holidays": [d.isoformat() for d in bh.holidays]},
        # [[schedules]]: the business hours of the tickets each matches (docs/sla.md)
        "schedules": [{"name": x.name, "where": x.where, "timezone": x.timezone or config.timezone,
                       "week": {d: _window(getattr(x.week, d)) for d in WEEKDAYS},
                       "country": x.country, "subdivision": x.subdivision,
                       "holidays": [d.isoformat() for d in x.holidays]} for x in config.schedules],
        "low_sample": LOW_SAMPLE,
        "confidence": 1 - ALPHA,
    }


def catalog_context(config: Config) -> dict[str, Any]:
    from cxmetrics.metrics.registry import all_metrics

    return {"settings": server_settings(config),
            "context": {m.key: metric_context(m, config) for m in all_metrics()}}


def catalog_texts(lang: str) -> dict[str, dict[str, str]]:
    """Every metric's name, definition and formula in ``lang`` (English where untranslated)."""
    from cxmetrics.interfaces.i18n import translator
    from cxmetrics.metrics.registry import all_metrics

    tr = translator(lang)
    return {m.key: {"name": tr.metric_name(m.key), "description": tr.metric_description(m.key),
                    "formula": tr.metric_formula(m.key)} for m in all_metrics()}
