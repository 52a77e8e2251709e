"""``GET /api/v1/rows``: the tickets, calls or responses behind one metric value (see cxmetrics.engine.drill).

The group is given as ``<dimension>=<value>`` query parameters (``channel=email``), the
same names as ``by``; an empty value selects rows where the dimension is empty. The
metric's own query (grain, from/to, tz, hours, where) must be repeated so the rows are
those of the number on screen.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cxmetrics.interfaces.web.api import ERRORS, FromParam, Grain, ToParam, TzParam, WhereParam, ctx_of
from cxmetrics.interfaces.web.auth import require_viewer
from cxmetrics.interfaces.web.responses import (
    CSV_TYPE,
    check_tz,
    csv_response,
    frame_records,
    json_response,
    parse_date,
    parse_where,
    safe_filename,
)
from cxmetrics.interfaces.web.schemas import RowsAnswer

router = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS)
#: Parameters of the endpoint itself; every other parameter naming a dimension is the group.
OWN = {"metric", "period_start", "grain", "from", "to", "tz", "hours", "where", "page", "page_size", "format",
       "sort", "desc", "q", "counted_only"}


@router.get("/rows", response_model=RowsAnswer, tags=["metrics"], responses={200: {"content": {CSV_TYPE: {}}}})
def rows(
    request: Request,
    metric: Annotated[str, Query(description="Metric id, e.g. first_response_time or fcr_rate:single_agent.")],
    period_start: Annotated[str | None, Query(description="The value's period_start (YYYY-MM-DD); "
                                                           "omit for grain total.")] = None,
    grain: Grain = "month",
    from_: FromParam = None,
    to: ToParam = None,
    tz: TzParam = None,
    hours: Literal["calendar", "business"] = "calendar",
    where: WhereParam = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = 100,
    format: Literal["json", "csv"] = "json",
    sort: Annotated[str | None, Query(description="Sort by this column (empty values last).")] = None,
    desc: Annotated[bool, Query(description="Sort descending.")] = False,
    q: Annotated[str | None, Query(max_length=200, description="Only rows where a text column contains this "
                                                             "(ignoring case).")] = None,
    counted_only: Annotated[bool, Query(description="Rates and shares: only the rows in the numerator.")] = False,
) -> Response:
    """The rows of the metric's population for one period and group: tickets (with the
    metric's per-row `value` and `counted`: in the numerator of a rate), survey
    responses, calls, orders or customers. Add the group as `<dimension>=<value>`
    parameters (e.g. `channel=email`). The total equals the record's `n`
    (`denominator` for rates) unless `q` or `counted_only` narrow the rows; `population` is
    always that number and `counted` the numerator. `format=csv` exports every matching row
    in the requested order."""
    from cxmetrics.engine import drill
    from cxmetrics.engine.core import DIMENSIONS
    from cxmetrics.engine.core import Query as MetricQuery
    from cxmetrics.errors import QueryError
    from cxmetrics.metrics.registry import get

    m = get(metric)
    group: list[tuple[str, str | None]] = []
    for k, v in request.query_params.multi_items():
        if k in OWN:
            continue
        if k not in DIMENSIONS:
            raise QueryError(f"unknown parameter or dimension {k!r}; dimensions: {', '.join(DIMENSIONS)}")
        group.append((k, v if v != "" else None))
    mq = MetricQuery(grain=grain, from_=parse_date(from_, "from"), to=parse_date(to, "to"), tz=check_tz(tz),
                     hours=hours, where=tuple(parse_where(where)))
    csv = format == "csv"
    start = parse_date(period_start, "period_start")  # within the engine's date range, or 400
    with ctx_of(request).reader() as r:
        p = drill.rows_page(r.engine, m, mq, start, group, page=1 if csv else page,
                            page_size=None if csv else page_size, sort=sort, descending=desc, search=q,
                            counted_only=counted_only)
    df, total = p.frame, p.total
    if csv:
        name = f"cx-rows-{m.key}-{period_start or 'total'}.csv"
        return csv_response(df, safe_filename(name))
    return json_response({"metric": m.key, "period_start": period_start or None, "filters": dict(group),
                          "page": page, "page_size": page_size, "total": total,
                          "pages": max(1, math.ceil(total / page_size)), "population": p.population,
                          "counted": p.counted, "rows": frame_records(df)})
