"""Reports (``GET /api/v1/reports/{period}``) and token administration (``/api/v1/tokens``, admin only).

The report's format and language are whitelisted parameters and its file name is
built from them, so nothing the caller sends becomes a path or a header verbatim.
Tokens can be managed here while the server runs (it holds the store file, so
``cxm token`` cannot open it meanwhile).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cxmetrics.interfaces.web.api import ERRORS, TzParam, ctx_of
from cxmetrics.interfaces.web.auth import require_admin, require_viewer
from cxmetrics.interfaces.web.responses import check_tz, json_response, parse_date, safe_filename
from cxmetrics.interfaces.web.schemas import Problem, TokenCreated, TokenList

reports = APIRouter(dependencies=[Depends(require_viewer)], responses=ERRORS, tags=["reports"])
tokens = APIRouter(dependencies=[Depends(require_admin)], tags=["tokens"],
                   responses={**ERRORS, 403: {"model": Problem, "description": "Needs an admin token"}})
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: Shown in the browser; the others are downloads.
INLINE = ("html", "json")
PERIOD = r"^(latest|\d{4}-(0[1-9]|1[0-2]))$"


@reports.get("/reports/{period}", tags=["reports"], responses={
    200: {"description": "The report file", "content": {m: {} for m in MEDIA.values()}}})
def report(
    request: Request,
    period: Annotated[str, Path(pattern=PERIOD, description="YYYY-MM, or latest (the last complete month).")],
    format: Literal["html", "xlsx", "pdf", "json"] = "html",
    lang: Literal["en", "ja", "zh-Hant", "it", "fi"] = "en",
    tz: TzParam = None,
) -> Response:
    """The monthly report of a period in one of five languages."""
    from cxmetrics.interfaces.report import render_report

    ctx = ctx_of(request)
    tz = check_tz(tz)
    if period != "latest":
        parse_date(f"{period}-01", "period")  # a year the engine handles (1900-2199), else 400
    with ctx.reader() as r:
        month = period
        if period == "latest":
            from cxmetrics.interfaces.report.data import default_period

            month = default_period(r.engine, tz or ctx.config.timezone).strftime("%Y-%m")
        body = render_report(r.store, fmt=format, period=month, lang=lang, tz=tz)
    name = safe_filename(f"cx-report-{month}-{lang}.{format}")
    disposition = "inline" if format in INLINE else "attachment"
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


class NewToken(BaseModel):
    role: Literal["viewer", "editor", "admin"]
    label: str | None = Field(default=None, max_length=200)


@tokens.get("/tokens", response_model=TokenList)
def list_tokens(request: Request) -> Response:
    """Every token's id, role, label and dates (hashes are never shown)."""
    from cxmetrics.interfaces.web.auth import list_tokens as listing

    cur = ctx_of(request).cursor()  # the store file's, whatever the engine: tokens are the server's own
    try:
        return json_response({"tokens": listing(cur)})
    finally:
        cur.close()


@tokens.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(request: Request, body: NewToken) -> Response:
    """A new token; the answer is the only time it is shown."""
    from cxmetrics.interfaces.web.auth import create_token as create

    with ctx_of(request).writer() as store:
        tid, token = create(store.raw, body.role, body.label)
    return json_response({"id": tid, "role": body.role, "label": body.label, "token": token}, 201)


@tokens.delete("/tokens/{token_id}")
def revoke_token(request: Request, token_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """Revoke a token: it is refused from the next request on."""
    from cxmetrics.interfaces.web.auth import revoke_token as revoke

    with ctx_of(request).writer() as store:
        changed = revoke(store.raw, token_id)
    return json_response({"id": token_id, "revoked": True, "changed": changed})
