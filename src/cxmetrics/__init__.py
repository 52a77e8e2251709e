"""cxmetrics: customer-experience metrics from raw support and feedback data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cxmetrics.store import Store

_CALC = ("nps", "nps_counts", "csat", "csat_counts", "ces", "ces_counts", "churn", "crr", "cac", "clv")
_REPORT = ("build_report", "render_report", "write_report")
__all__ = ["Store", "__version__", "connect", "customer_timeline", "service_drivers", "survey_comments", *_CALC,
           *_REPORT]


def __getattr__(name: str) -> Any:
    """Pure calculators and helpers, imported on first use (no work at import)."""
    if name in _CALC:
        from cxmetrics.analyses import calc

        return getattr(calc, name)
    if name in _REPORT:
        from cxmetrics.interfaces import report

        return getattr(report, name)
    if name == "survey_comments":
        from cxmetrics.analyses.comments import comments

        return comments
    if name == "service_drivers":
        from cxmetrics.analyses.drivers import service_drivers

        return service_drivers
    if name == "customer_timeline":
        from cxmetrics.analyses.timeline import customer_timeline

        return customer_timeline
    raise AttributeError(f"module 'cxmetrics' has no attribute {name!r}")


def connect(path: Any = None, **kw: Any) -> Store:
    """Open the store (see :func:`cxmetrics.store.connect`)."""
    from cxmetrics.store import connect as _connect

    return _connect(path, **kw)
