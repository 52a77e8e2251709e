"""The dashboard: server-rendered HTML pages over the JSON API, served by the API's own app.

``install(app, ctx)`` (called by :func:`cxmetrics.interfaces.web.app.create_app`) adds the HTML
routes and the static files. Pages carry labels only, never data: each page's script
(``static/page-*.js``) reads the data from ``/api/v1`` with the reader's token, so a
page is as open as the API behind it. Everything a page loads comes from this app
(no CDN): the Vega, Vega-Lite and vega-embed JavaScript is bundled offline by
vl-convert once per process and served from memory.

Periods: the filter form carries a period selection (:mod:`cxmetrics.interfaces.web.period`)
and a zone in the query string; each page has a default period (:attr:`Page.default_period`)
and its script resolves the selection with ``GET /api/v1/period`` (the data's bounds are
data, so they come with the reader's token) and states it under the page title.

Security: Jinja2 autoescaping is on; the page configuration reaches the scripts as a
JSON block (``<script type="application/json">``, escaped by ``tojson``); the scripts
put data into the page as text nodes only. Pages send a Content-Security-Policy with
no inline scripts or styles and no ``eval``: vega-embed runs with ``ast: true``
(vega's expression interpreter) instead of compiling expressions to functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from cxmetrics.facts.query import STATS
from cxmetrics.interfaces.report import FORMATS as REPORT_MEDIA
from cxmetrics.interfaces.web.period import KINDS as PERIOD_KINDS
from cxmetrics.interfaces.web.period import PARAMS as PERIOD_PARAMS
from cxmetrics.periods.grain import GRAINS as PERIOD_GRAINS

if TYPE_CHECKING:
    from jinja2 import Environment

    from cxmetrics.interfaces.web.context import AppContext

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

LANG_COOKIE = "cxm_lang"
#: Filters of the filter bar: dimensions sent as ``where=DIM=VALUE``, plus the period
#: (:mod:`cxmetrics.interfaces.web.period`) and the reporting zone.
FILTER_DIMS = ("channel", "category", "team", "agent")
FILTER_KEYS = (*PERIOD_PARAMS, "tz", *FILTER_DIMS)
#: Dimensions offered for "break down by" on the trends page.
BY_DIMS = ("channel", "category", "priority", "team", "agent", "brand", "product", "language", "segment",
           "plan", "country", "queue", "survey", "weekday", "hour")
#: the engine's grains and statistics (``total`` has no trend to draw)
GRAINS = tuple(g for g in PERIOD_GRAINS if g != "total")
REPORT_FORMATS = ("xlsx", *(f for f in REPORT_MEDIA if f != "xlsx"))  # the spreadsheet first
DOMAIN_SECTIONS = {"support": "support", "feedback": "feedback", "customers": "customers", "contact": "calls",
                   "commerce": "carts"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}
VENDOR_PATH = "/static/vendor/vega-bundle.js"


@dataclass(frozen=True)
class Page:
    id: str
    path: str
    template: str
    #: whether the filter bar applies (else it is shown with a note)
    filtered: bool = True
    #: whether the page shows a period (else a snapshot as of now: only the time zone is picked)
    dated: bool = True
    #: the period shown when the query string names none (the page says which it is)
    default_period: str = "all"


PAGES: tuple[Page, ...] = (
    Page("overview", "/", "overview.html", default_period="month"),
    Page("trends", "/trends", "trends.html"),
    Page("volume", "/volume", "volume.html", default_period="last90"),
    Page("busy_hours", "/busy-hours", "busy_hours.html"),
    Page("feedback", "/feedback", "feedback.html"),
    Page("themes", "/themes", "themes.html", filtered=False),
    Page("customers", "/customers", "customers.html"),
    Page("calls", "/calls", "calls.html"),
    Page("agents", "/agents", "agents.html"),
    Page("queue", "/queue", "queue.html", dated=False),
    Page("forecast", "/forecast", "forecast.html", filtered=False),
    Page("timeline", "/timeline", "timeline.html", filtered=False),
    Page("imports", "/imports", "imports.html", filtered=False),
    Page("reports", "/reports", "reports.html", filtered=False, default_period="month"),
)


# -- the Vega bundle ---------------------------------------------------------------------------
class _Bundle:
    """vl-convert's offline bundle of vega-embed + Vega-Lite + Vega, built once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._body: bytes | None = None
        self._etag = ""

    def get(self) -> tuple[bytes, str]:
        with self._lock:
            if self._body is None:
                import vl_convert

                # the snippet is optional (default: vegaEmbed, vegaLite, vega on window); the stub says not
                self._body = vl_convert.javascript_bundle().encode("utf-8")  # type: ignore[call-arg]
                self._etag = '"' + hashlib.sha256(self._body).hexdigest()[:32] + '"'
            return self._body, self._etag


BUNDLE = _Bundle()


def bundle_version() -> str:
    import vl_convert

    return str(getattr(vl_convert, "__version__", "1"))


# -- languages ---------------------------------------------------------------------------------
def pick_lang(request: Request) -> tuple[str, bool]:
    """The page language: ``?lang=`` (then remembered), the cookie, Accept-Language, English.
    Returns (lang, whether to set the cookie)."""
    from cxmetrics.errors import UnknownLanguage
    from cxmetrics.interfaces.i18n import DEFAULT_LANG, LANGS, normalise_lang

    asked = request.query_params.get("lang")
    if asked:
        try:
            return normalise_lang(asked), True
        except UnknownLanguage:
            pass
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie:
        try:
            return normalise_lang(cookie), False
        except UnknownLanguage:
            pass
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip()
        if not tag:
            continue
        low = tag.lower()
        if low.startswith("zh") and any(x in low for x in ("hant", "tw", "hk", "mo")):
            return "zh-Hant", False
        base = low.split("-")[0]
        if base in LANGS:
            return base, False
    return DEFAULT_LANG, False


@cache
def _duration_units(locale: str) -> dict[str, str]:
    """CLDR narrow patterns for days/hours/minutes/seconds (``{0}`` = the number)."""
    from babel.dates import format_timedelta

    from cxmetrics.interfaces.i18n import DURATION_UNITS

    out: dict[str, str] = {}
    for unit, secs in DURATION_UNITS:
        text = format_timedelta(dt.timedelta(seconds=5 * secs), granularity=unit, threshold=1,
                                format="narrow", locale=locale)
        out[unit] = text.replace("5", "{0}", 1)
    return out


@cache
def _weekdays(locale: str) -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=locale)
    return [names[i] for i in range(7)]  # 0 = Monday, as ISO weekday - 1


@cache
def d3_locales(locale: str) -> dict[str, Any]:
    """Vega's number and time format locales (d3 definitions) from CLDR, for axis labels."""
    from babel.dates import get_day_names, get_month_names, get_period_names
    from babel.numbers import get_decimal_symbol, get_group_symbol

    days = get_day_names("wide", locale=locale)
    short_days = get_day_names("abbreviated", locale=locale)
    periods = get_period_names(locale=locale)
    return {
        "number": {"decimal": get_decimal_symbol(locale), "thousands": get_group_symbol(locale),
                   "grouping": [3], "currency": ["", ""]},
        "time": {"dateTime": "%x %X", "date": "%Y-%m-%d", "time": "%H:%M:%S",
                 "periods": [periods.get("am", "AM"), periods.get("pm", "PM")],
                 # d3 weeks start on Sunday (babel: 0 = Monday)
                 "days": [days[(i + 6) % 7] for i in range(7)],
                 "shortDays": [short_days[(i + 6) % 7] for i in range(7)],
                 "months": [get_month_names("wide", locale=locale)[i] for i in range(1, 13)],
                 "shortMonths": [get_month_names("abbreviated", locale=locale)[i] for i in range(1, 13)]},
    }


@cache
def client_strings(lang: str) -> dict[str, str]:
    """Every ``dashboard.*``, ``value.*``, ``unit.*`` and ``ui.*`` text of ``lang`` (English where missing)."""
    from cxmetrics.interfaces.i18n import DEFAULT_LANG, catalog

    keep = ("dashboard.", "value.", "unit.", "ui.")
    base = {k: v for k, v in catalog(DEFAULT_LANG).items() if k.startswith(keep)}
    own = {k: v for k, v in catalog(lang).items() if k.startswith(keep)}
    return base | own


@cache
def metric_info(lang: str) -> dict[str, dict[str, Any]]:
    """The catalogue for the scripts: names in ``lang``, units, directions, domains."""
    from cxmetrics.interfaces.i18n import translator
    from cxmetrics.metrics.registry import all_metrics

    tr = translator(lang)
    out = {}
    for m in all_metrics():
        name = tr.metric_name(m.key)
        out[m.key] = {"name": name, "unit": m.unit, "direction": m.direction, "domain": m.domain,
                      "kind": m.kind.name, "share_dim": m.share_dim, "rows": m.rows,
                      "dimensions": list(m.dimensions) if m.dimensions is not None else None}
    return out


# -- rendering ---------------------------------------------------------------------------------
def _env() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip() for k in FILTER_KEYS if q.get(k, "").strip()}


def _selected_period(filters: dict[str, str], page: Page) -> str:
    """The period kind the picker shows: the query's, ``custom`` for bare dates, else the page's default.
    (An unknown kind shows the default; the API says what is wrong with it.)"""
    kind = filters.get("period", "")
    if kind in PERIOD_KINDS:
        return kind
    return "custom" if filters.get("from") or filters.get("to") else page.default_period


def _href(path: str, params: dict[str, str]) -> str:
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def _page_context(request: Request, ctx: AppContext, page: Page, lang: str) -> dict[str, Any]:
    from cxmetrics.interfaces.i18n import LANG_NAMES, LANGS, translator
    from cxmetrics.model import schema

    tr = translator(lang)
    filters = _filters(request)
    keep = {k: v for k, v in request.query_params.items() if k != "lang"}
    metrics = metric_info(lang)
    sections: dict[str, list[tuple[str, str]]] = {}
    for key, info in metrics.items():
        sections.setdefault(DOMAIN_SECTIONS.get(info["domain"], "support"), []).append((key, info["name"]))
    config = {
        "page": page.id, "lang": lang, "locale": LANGS[lang].replace("_", "-"),
        "api": "/api/v1", "requireReadToken": bool(ctx.require_read_token),
        "filters": filters, "filterDims": list(FILTER_DIMS), "filtered": page.filtered, "dated": page.dated,
        "defaultPeriod": page.default_period, "periodKinds": list(PERIOD_KINDS),
        "strings": client_strings(lang), "metrics": metrics,
        "durationUnits": _duration_units(LANGS[lang]), "weekdays": _weekdays(LANGS[lang]),
        "d3": d3_locales(LANGS[lang]),
        "pages": {p.id: p.path for p in PAGES},
    }
    return {
        "t": lambda key, **kw: tr.t(f"dashboard.{key}", **kw),
        "lang": lang, "langs": LANG_NAMES, "page": page, "pages": PAGES, "config": config,
        "filters": filters, "filter_dims": FILTER_DIMS, "query": dict(request.query_params),
        "period_kinds": PERIOD_KINDS, "selected_period": _selected_period(filters, page),
        "nav": [(p, _href(p.path, filters)) for p in PAGES],
        "lang_links": [(code, name, _href(page.path, keep | {"lang": code})) for code, name in LANG_NAMES.items()],
        "clear_href": _href(page.path, {}),
        "bundle_src": f"{VENDOR_PATH}?v={bundle_version()}",
        "static_v": _static_version(),
        "metric_sections": sections, "grains": GRAINS, "stats": STATS, "by_dims": BY_DIMS,
        "report_formats": REPORT_FORMATS, "tables": list(schema.TABLES),
        "dim_label": lambda d: tr.t(f"dashboard.dim.{d}"),
    }


_STATIC_V: list[str] = []


def _static_version() -> str:
    """A digest of the static files, appended to their URLs so a new version is fetched."""
    if not _STATIC_V:
        h = hashlib.sha256()
        for p in sorted(STATIC_DIR.rglob("*")):
            if p.is_file():
                h.update(p.name.encode())
                h.update(p.read_bytes())
        _STATIC_V.append(h.hexdigest()[:12])
    return _STATIC_V[0]


def _page_handler(env: Environment, ctx: AppContext, page: Page) -> Callable[[Request], Response]:
    template = env.get_template(page.template)

    def handler(request: Request) -> Response:
        lang, remember = pick_lang(request)
        html = template.render(**_page_context(request, ctx, page, lang))
        resp = HTMLResponse(html, headers=PAGE_HEADERS)
        if remember:
            resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
        return resp

    handler.__name__ = f"page_{page.id}"
    return handler


def install(app: FastAPI, ctx: AppContext) -> None:
    """Add the dashboard's pages and static files to ``app``."""
    env = _env()

    def vega_bundle(request: Request) -> Response:
        body, etag = BUNDLE.get()
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": etag,
                   "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    # before the static mount, which would otherwise answer /static/vendor/...
    app.add_api_route(VENDOR_PATH, vega_bundle, methods=["GET"], include_in_schema=False)

    def report_download(request: Request) -> Response:
        """The report form without JavaScript: redirect to the API's report."""
        from cxmetrics.errors import UnknownLanguage
        from cxmetrics.interfaces.i18n import DEFAULT_LANG, normalise_lang

        q = request.query_params
        period = q.get("period", "").strip() or "latest"
        if period != "latest":
            try:
                period = dt.datetime.strptime(period, "%Y-%m").strftime("%Y-%m")
            except ValueError:
                period = "latest"
        fmt = q.get("format", "xlsx")
        fmt = fmt if fmt in REPORT_FORMATS else "xlsx"
        try:
            lang = normalise_lang(q.get("lang"))
        except UnknownLanguage:
            lang = DEFAULT_LANG
        return RedirectResponse(_href(f"/api/v1/reports/{period}", {"format": fmt, "lang": lang}),
                                status_code=303)

    app.add_api_route("/reports/download", report_download, methods=["GET"], include_in_schema=False)
    for page in PAGES:
        app.add_api_route(page.path, _page_handler(env, ctx, page), methods=["GET"], include_in_schema=False,
                          response_class=HTMLResponse)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
