"""Issue effort (SPEC 4.6; seed 001: time until the customer found a solution): every issue
of a store, contacts per issue and issue resolution time as records.

How contacts chain into issues (the ``issues`` fact table) is :mod:`cxmetrics.facts.issues`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cxmetrics.engine.core import BASE_COLUMNS, VALUE_COLUMNS, Query
from cxmetrics.engine.records import records_frame
from cxmetrics.facts.issues import issue_facts
from cxmetrics.metrics.effort import METRICS
from cxmetrics.periods.dates import parse_date

if TYPE_CHECKING:
    from cxmetrics.store import Store


def issues(store: Store, *, window_days: int | None = None) -> pd.DataFrame:
    """Every issue as a DataFrame (for inspection and tests)."""
    eng = store.engine(stored=False)
    days = eng.config.fcr_repeat_window_days if window_days is None else window_days
    t = issue_facts(eng.fact_table("tickets", "calendar"), eng.source("calls"), days)
    return t.order_by(["customer_id", "category", "first_contact_at"]).execute()


def _records(store: Store, metric_id: str, **kw: Any) -> pd.DataFrame:
    """Records of one effort metric (SPEC 5.1 columns), whether or not the registry lists it yet."""
    m = next(x for x in METRICS if x.id == metric_id)
    eng = store.engine()
    by = tuple(kw.pop("by", ()) or ())
    q = Query(grain=kw.pop("grain", "month"), by=by, from_=parse_date(kw.pop("from_", None)), to=parse_date(kw.pop("to", None)),
              tz=kw.pop("tz", None), stat=kw.pop("stat", "median"),
              where=tuple((kw.pop("where", None) or {}).items()))
    if kw:
        raise TypeError(f"unexpected options: {', '.join(kw)}")
    q.validate()
    out = records_frame(eng.result(m, q))
    cols = BASE_COLUMNS + list(by) + VALUE_COLUMNS
    return out.reindex(columns=cols)


def contacts_per_issue(store: Store, **kw: Any) -> pd.DataFrame:
    """Mean contacts per issue, by the period of the issue's first contact (``grain``, ``by``,
    ``from_``, ``to``, ``tz``, ``where`` as in ``store.metrics``)."""
    return _records(store, "contacts_per_issue", **kw)


def issue_resolution_time(store: Store, **kw: Any) -> pd.DataFrame:
    """First contact -> resolution of resolved issues, in seconds (mean, median, p90; ``stat`` picks value)."""
    return _records(store, "issue_resolution_time", **kw)

