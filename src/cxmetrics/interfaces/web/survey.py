"""Survey collection over HTTP: the customer's page, the link API, the help-desk webhook, e-mail snippets.

The page ``/s/{token}`` (:func:`install`) is the one place a customer meets ``cxm serve``.
The signed token in the path is its only credential (no API token, no cookie), so the
page is open even where reads need a token. It works without JavaScript: ``GET
/s/TOKEN?score=N`` (an e-mail button) records the score at once and shows the form
with that score chosen and the follow-up question; the form ``POST``s to the same path
and updates the same response. The page sends the dashboard's Content-Security-Policy
(no script at all, one stylesheet), ``Referrer-Policy: no-referrer`` (the token must not
leak to other sites) and ``Cache-Control: no-store``; Jinja2 escapes every value.
Tokens never appear in error messages or logs.

API (``/api/v1/surveys``): ``POST /surveys/{survey}/links`` (editor token) creates a link;
``POST /surveys/webhooks/ticket-solved`` creates one for a solved ticket, authorised by an
editor token or by an ``X-Cxm-Signature: sha256=HEX`` header, the HMAC-SHA256 of the raw
body under the webhook key that ``cxm survey webhook-key`` prints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from cxmetrics.errors import AuthError, BadLink, CxmError, LinkExpired, UsageError
from cxmetrics.interfaces.web.auth import Credentials, require_editor
from cxmetrics.interfaces.web.responses import json_response
from cxmetrics.interfaces.web.schemas import Problem

if TYPE_CHECKING:
    from jinja2 import Environment

    from cxmetrics.interfaces.web.context import AppContext
    from cxmetrics.surveys.collect import Definition, LinkState

PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff", "X-Robots-Tag": "noindex"}
SIGNATURE_HEADER = "x-cxm-signature"


# -- texts ---------------------------------------------------------------------------------------
def texts(lang: str) -> dict[str, str]:
    """The ``survey.*`` texts of ``lang`` without the prefix."""
    from cxmetrics.interfaces.i18n import catalog

    return {k.removeprefix("survey."): v for k, v in catalog(lang).items() if k.startswith("survey.")}


def scale_labels(d: Definition, lang: str) -> tuple[str, str]:
    t = texts(lang)
    low, high = t[f"{d.type}.low"], t[f"{d.type}.high"]
    return (high, low) if d.reversed_labels else (low, high)


def email_html(d: Definition, url: str, lang: str) -> str:
    """An e-mail snippet: the question and one button per score, each a link to ``url?score=N``.
    Inline styles only (mail clients drop style sheets); every text escaped."""
    from markupsafe import escape

    t = texts(lang)
    low, high = scale_labels(d, lang)
    cell = ("display:inline-block;min-width:32px;padding:8px 4px;margin:2px;border:1px solid #1f4e79;"
            "border-radius:4px;color:#1f4e79;text-decoration:none;font:bold 16px sans-serif;text-align:center")
    buttons = "".join(f'<a href="{escape(url)}?score={n}" style="{cell}">{n}</a>' for n in d.points)
    return (f'<div lang="{escape(lang)}" style="font:15px sans-serif;color:#222">'
            f'<p style="font-weight:bold">{escape(t[f"{d.type}.question"])}</p>'
            f"<p>{buttons}</p>"
            f'<p style="font-size:13px;color:#555">{d.low} = {escape(low)} · {d.high} = {escape(high)}</p>'
            f'<p style="font-size:13px;color:#555">{escape(t["email_hint"])}</p></div>')


# -- the page ------------------------------------------------------------------------------------
@cache
def _env() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from cxmetrics.interfaces.web.pages import TEMPLATES_DIR

    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def _render(lang: str, status: int, *, state: LinkState | None = None, message: str | None = None,
            done: bool = False, error: str | None = None, error_title: str | None = None,
            action: str = "") -> Response:
    t = texts(lang)
    ctx: dict[str, Any] = {"t": t, "lang": lang, "static_v": _css_version(), "message": message,
                           "done": done, "error": error,
                           "error_title": error_title or t["invalid_title"], "action": action, "state": state}
    if state is not None:
        d = state.definition
        low, high = scale_labels(d, lang)
        ctx |= {"question": t[f"{d.type}.question"], "followup": t[f"{d.type}.followup"], "low": low,
                "high": high, "points": d.points, "anonymous": bool(d.settings.anonymous)}
    html = _env().get_template("survey.html").render(**ctx)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


@cache
def _css_version() -> str:
    from cxmetrics.interfaces.web.pages import STATIC_DIR

    return hashlib.sha256((STATIC_DIR / "survey.css").read_bytes()).hexdigest()[:12]


def _error_page(err: CxmError, lang: str) -> Response:
    t = texts(lang)
    return _render(lang, err.http_status, error=t["expired"] if isinstance(err, LinkExpired) else t["invalid"])


def _closed(lang: str) -> Response:
    t = texts(lang)
    return _render(lang, 410, error=t["closed"], error_title=t["thanks_title"])


def _lang(request: Request) -> str:
    from cxmetrics.interfaces.web.pages import pick_lang

    return pick_lang(request)[0]


def install(app: FastAPI, ctx: AppContext) -> None:
    """Add ``/s/{token}`` (GET: show, or record ``?score=``; POST: the form) to ``app``."""
    from cxmetrics.surveys.collect import answer, open_link, secret_for

    def show(request: Request, token: str) -> Response:
        score = request.query_params.get("score")
        try:
            with ctx.writer() as store:
                state = open_link(store, token, secret=secret_for(ctx.db_path))
                if state.completed:
                    return _closed(state.lang)
                if score is None:
                    return _render(state.lang, 200, state=state, action=request.url.path)
                try:
                    state = answer(store, token, secret=secret_for(ctx.db_path), score=score)
                except UsageError:
                    return _render(state.lang, 400, state=state, message=texts(state.lang)["choose"],
                                   action=request.url.path)
        except BadLink as e:
            return _error_page(e, _lang(request))
        return _render(state.lang, 200, state=state, action=request.url.path,
                       message=texts(state.lang)["recorded"].replace("{score}", str(state.score)))

    def send(request: Request, token: str, score: Annotated[str | None, Form()] = None,
             comment: Annotated[str | None, Form(max_length=20000)] = None) -> Response:
        try:
            with ctx.writer() as store:
                state = open_link(store, token, secret=secret_for(ctx.db_path))
                if state.completed:
                    return _closed(state.lang)
                try:
                    state = answer(store, token, secret=secret_for(ctx.db_path), score=score, comment=comment or "",
                                   complete=True)
                except UsageError:
                    return _render(state.lang, 400, state=state, message=texts(state.lang)["choose"],
                                   action=request.url.path)
        except BadLink as e:
            return _error_page(e, _lang(request))
        return _render(state.lang, 200, state=state, done=True)

    app.add_api_route("/s/{token}", show, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
    app.add_api_route("/s/{token}", send, methods=["POST"], include_in_schema=False, response_class=HTMLResponse)


# -- the API -------------------------------------------------------------------------------------
class LinkRequest(BaseModel):
    ticket_id: str | None = Field(default=None, max_length=200, description="The ticket the survey is about.")
    customer_id: str | None = Field(default=None, max_length=200, description="The customer asked (else the ticket's).")
    lang: str = Field(default="en", description="Language of the page: en, fi, it, ja or zh-Hant.")
    base_url: str | None = Field(default=None, max_length=500, description=(
        "Where customers reach `cxm serve`, e.g. https://cx.example.com (default: this request's origin)."))


class WebhookRequest(LinkRequest):
    survey: str = Field(default="csat", max_length=100, description="The survey to send (default csat).")


class LinkAnswer(BaseModel):
    invitation_id: str
    survey: str
    lang: str
    url: str
    expires_at: str
    customer_id: str | None = None
    ticket_id: str | None = None
    email_html: str


router = APIRouter(tags=["surveys"], responses={
    400: {"model": Problem, "description": "A bad field (unknown language, no ticket or customer...)"},
    401: {"model": Problem, "description": "No valid token (or webhook signature)"},
    403: {"model": Problem, "description": "The token cannot write"},
    404: {"model": Problem, "description": "Unknown survey"},
    409: {"model": Problem, "description": "The customer was invited within the survey's throttle_days"},
    422: {"model": Problem, "description": "The request body does not fit the schema"}})


def webhook_key(secret: bytes) -> str:
    """The key a help desk signs webhook bodies with (derived from the survey secret)."""
    return hmac.new(secret, b"cxm-webhook/v1", hashlib.sha256).hexdigest()


def create_link(ctx: AppContext, survey: str, body: LinkRequest, request: Request) -> dict[str, Any]:
    from cxmetrics.interfaces.i18n import normalise_lang
    from cxmetrics.surveys.collect import definition, invite, secret_for, url_for

    lang = normalise_lang(body.lang)
    base = body.base_url or str(request.base_url)
    if not base.startswith(("http://", "https://")):
        raise UsageError("base_url must start with http:// or https://")
    secret = secret_for(ctx.db_path)
    with ctx.writer() as store:
        inv = invite(store, survey, secret=secret, ticket_id=body.ticket_id, customer_id=body.customer_id, lang=lang)
        d = definition(store.config, survey)
    url = url_for(base, inv.token)
    return {"invitation_id": inv.invitation_id, "survey": inv.survey, "lang": inv.lang, "url": url,
            "expires_at": inv.expires_at.isoformat(), "customer_id": inv.customer_id, "ticket_id": inv.ticket_id,
            "email_html": email_html(d, url, lang)}


@router.post("/surveys/{survey}/links", response_model=LinkAnswer, status_code=201,
             dependencies=[Depends(require_editor)])
def new_link(request: Request, survey: str, body: LinkRequest) -> Response:
    """Create a signed one-use survey link (and its invitation) for a ticket or a customer. Needs an editor
    token; 409 when the customer was invited within the survey's throttle_days."""
    return json_response(create_link(request.app.state.ctx, survey, body, request), 201)


@router.post("/surveys/webhooks/ticket-solved", response_model=LinkAnswer, status_code=201, openapi_extra={
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["ticket_id"], "properties": {
            "ticket_id": {"type": "string", "maxLength": 200}, "customer_id": {"type": "string", "maxLength": 200},
            "survey": {"type": "string", "maxLength": 100}, "lang": {"type": "string"},
            "base_url": {"type": "string", "maxLength": 500}}}}}}})
async def ticket_solved(request: Request, credentials: Credentials) -> Response:
    """A help desk's "ticket solved" trigger: creates an invitation for the ticket. Authorised by an editor
    token, or by `X-Cxm-Signature: sha256=<HMAC-SHA256 of the body under the webhook key>`."""
    from cxmetrics.surveys.collect import secret_for

    ctx = request.app.state.ctx
    raw = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is not None:
        expected = "sha256=" + hmac.new(webhook_key(secret_for(ctx.db_path)).encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.strip().encode(), expected.encode()):
            raise AuthError("the webhook signature does not match the body (X-Cxm-Signature: sha256=HEX, the "
                            "HMAC-SHA256 of the raw body under the key `cxm survey webhook-key` prints)")
    else:
        require_editor(request, credentials)
    try:
        body = WebhookRequest.model_validate(json.loads(raw or b"{}"))
    except (ValueError, json.JSONDecodeError) as e:
        raise UsageError(f"the body must be JSON such as {{\"ticket_id\": \"T1\"}}: {str(e)[:200]}") from None
    if not body.ticket_id:
        raise UsageError("ticket_id is required")
    from starlette.concurrency import run_in_threadpool

    answer_ = await run_in_threadpool(create_link, ctx, body.survey, body, request)
    return json_response(answer_, 201)
