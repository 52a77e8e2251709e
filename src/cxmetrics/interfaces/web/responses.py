"""Shared response helpers: JSON that never fails on NaN, formula-safe CSV, request parameters."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from fastapi.responses import Response

from cxmetrics.errors import QueryError
from cxmetrics.periods.dates import MAX_DATE, MIN_DATE, parse_date

__all__ = ["MAX_DATE", "MIN_DATE", "check_span", "check_tz", "csv_bytes", "csv_response", "frame_records",
           "json_bytes", "json_response", "parse_date", "parse_where", "plain", "safe_filename"]

CSV_TYPE = "text/csv; charset=utf-8"
JSON_TYPE = "application/json"
#: More periods than this is not a question anyone asks (and would take long to answer).
MAX_PERIODS = 5000
GRAIN_DAYS = {"day": 1, "week": 7, "month": 28, "quarter": 89, "year": 365}


def plain(v: Any) -> Any:
    """A JSON-ready value: NaN/inf/NA -> None, numpy -> Python, timestamps -> ISO 8601."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating, decimal.Decimal)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in v]
    return v


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [str(c) for c in frame.columns]
    return [{c: plain(v) for c, v in zip(cols, row, strict=True)} for row in frame.itertuples(index=False, name=None)]


def json_bytes(content: Any) -> bytes:
    """Compact UTF-8 JSON; non-finite floats become null instead of invalid JSON."""
    try:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        text = json.dumps(plain(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(content), status_code=status_code, media_type=JSON_TYPE, headers=headers)


def safe_filename(text: str) -> str:
    """A file name for Content-Disposition built from known parts only (never from uploads)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "export"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with text cells that a spreadsheet would run as formulas neutralised (OWASP CSV injection)."""
    from cxmetrics.analyses.comments import write_csv

    out = io.StringIO()
    frame = frame.copy()
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.DatetimeTZDtype):
            frame[c] = frame[c].map(lambda t: None if pd.isna(t) else t.isoformat())
    write_csv(frame, out)
    return out.getvalue().encode("utf-8")


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    return Response(csv_bytes(frame), media_type=CSV_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{safe_filename(filename)}"'})


def parse_where(items: list[str] | None) -> list[tuple[str, str]]:
    """``where=DIM=VALUE`` parameters as (dimension, value) pairs."""
    from cxmetrics.facts.query import split_where

    return split_where(items, "where")


def check_tz(tz: str | None) -> str | None:
    """A time zone given by the caller, checked up front (ConfigError -> 400) so no deeper
    code meets a bad name."""
    if tz:
        from cxmetrics.settings import zone

        zone(tz)
    return tz or None


def check_span(from_: dt.date | None, to: dt.date | None, grain: str) -> None:
    """Refuse a query whose explicit range would have thousands of periods."""
    if from_ and to and grain in GRAIN_DAYS and (to - from_).days // GRAIN_DAYS[grain] > MAX_PERIODS:
        raise QueryError(f"{from_}..{to} has more than {MAX_PERIODS} {grain} periods; narrow the range "
                         "or use a coarser grain")
