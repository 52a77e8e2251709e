"""Response shapes for the OpenAPI document (the handlers return ready JSON; these describe it).

Records are open (``extra="allow"``): a metrics record carries one key per ``by``
dimension and, with ``compare``, the comparison columns, exactly as the CLI's JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = float | int | None


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class WorkersHealth(BaseModel):
    started: int
    running: int
    answered: int


class Health(BaseModel):
    status: str
    version: str
    #: the store file's name only, never its path
    store: str
    read_token_required: bool
    tables: dict[str, int] | None = None
    data_stamp: int | None = None
    facts_stamp: int | None = None
    facts_current: bool | None = None
    #: compute workers (``[server] compute_processes``): started, running, questions they answered
    workers: WorkersHealth | None = None


class MetricRecord(Open):
    metric: str
    period_start: str | None
    value: Number
    unit: str | None
    n: int | None
    numerator: int | None
    denominator: int | None
    ci_low: Number
    ci_high: Number
    mean: Number
    median: Number
    p90: Number
    skipped: int | None
    low_sample: bool | None


class MetricsAnswer(BaseModel):
    metrics: list[MetricRecord]


class CatalogAnswer(BaseModel):
    #: every metric's definition, as `cxm catalog --format json`
    catalog: list[dict[str, Any]]
    #: this server's zones, business-hours schedule and sample rule
    settings: dict[str, Any]
    #: per metric: thresholds set by the settings, whether business hours apply, statistics, target
    context: dict[str, dict[str, Any]]
    #: with `lang`: per metric its name, definition and formula in that language
    lang: str | None = None
    texts: dict[str, dict[str, str]] | None = None


class Period(BaseModel):
    kind: str
    grain: str
    tz: str
    from_: str | None = Field(alias="from")
    to: str | None
    month: str | None
    week: str | None
    days: int | None
    in_data: bool
    partial: bool
    covered_to: str | None
    previous_from: str | None
    previous_to: str | None
    data_from: str | None
    data_to: str | None
    as_of: str | None
    previous_step: dict[str, str] | None
    next_step: dict[str, str] | None


class PeriodAnswer(BaseModel):
    period: Period


class OverviewSection(BaseModel):
    section: str
    table: str
    metrics: list[MetricRecord]
    #: KPIs that the filters do not apply to
    unsupported: list[str]
    #: a user error of this section's query (e.g. money in several currencies)
    error: str | None


class OverviewSeries(BaseModel):
    grain: str | None
    from_: str | None = Field(alias="from")
    to: str | None
    metrics: list[MetricRecord]


class OverviewAnswer(BaseModel):
    period: Period
    hours: str
    stat: str
    where: list[str]
    sections: list[OverviewSection]
    omitted: list[dict[str, str]]
    series: OverviewSeries


class RowsAnswer(BaseModel):
    metric: str
    period_start: str | None
    filters: dict[str, str | None]
    page: int
    page_size: int
    total: int
    pages: int
    population: int = Field(description="Rows before `q` and `counted_only` narrow them (the record's n).")
    counted: int | None = Field(description="Rows of the population in the numerator (rates, shares); null otherwise.")
    rows: list[dict[str, Any]]


class DimensionValues(BaseModel):
    dimension: str
    values: list[str | int]
    truncated: bool


class TicketAnswer(BaseModel):
    ticket: dict[str, Any]
    facts: dict[str, Any] | None
    messages: list[dict[str, Any]]
    status_changes: list[dict[str, Any]]
    work_sessions: list[dict[str, Any]]
    responses: list[dict[str, Any]] = Field(default_factory=list, description="Survey answers about the ticket.")


class TimelineAnswer(BaseModel):
    customer_id: str
    events: list[dict[str, Any]]


class CommentsAnswer(BaseModel):
    comments: list[dict[str, Any]]


class ImportLogAnswer(BaseModel):
    imports: list[dict[str, Any]]


class ImportSummary(Open):
    table: str
    file: str
    status: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    import_id: int | None
    problems: list[dict[str, Any]]
    also: list[dict[str, Any]]


class TokenCreated(BaseModel):
    id: int
    role: str
    label: str | None
    #: shown once: only its hash is stored
    token: str


class TokenList(BaseModel):
    tokens: list[dict[str, Any]]


class Problem(BaseModel):
    detail: str


class Refused(BaseModel):
    """422: a refused file (a sentence) or invalid request fields (FastAPI's list of errors)."""

    detail: str | list[dict[str, Any]]
