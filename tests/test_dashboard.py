"""The dashboard pages (cxmetrics.interfaces.web.pages) in-process: every page in every language, no
external URLs, escaping, Content-Security-Policy, the offline Vega bundle, and catalogs
that cover every label the templates and scripts use.

Data reaches the pages through the API in the browser (tests/test_browser.py drives that);
here the server side is checked.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cxmetrics.interfaces.i18n import LANGS, catalog
from cxmetrics.interfaces.web import pages

STATIC = pages.STATIC_DIR
TEMPLATES = pages.TEMPLATES_DIR
CATALOGS = Path(pages.__file__).resolve().parents[1] / "i18n" / "catalogs"
PAGE_PATHS = [p.path for p in pages.PAGES]
HOSTILE = '"><script>window.__xss=1</script><img src=x onerror=alert(1)>'


def _test_client_class() -> Any:
    with warnings.catch_warnings():  # Starlette's TestClient warns at import about httpx2
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
        from fastapi.testclient import TestClient
    return TestClient


@contextlib.contextmanager
def _client(db: Path, **kw: Any) -> Iterator[Any]:
    from cxmetrics.interfaces.web.app import create_app

    cfg = db.parent / "cxm.toml"
    cfg.write_text("", encoding="utf-8")
    app = create_app(db, config_path=cfg, **kw)
    with _test_client_class()(app) as c:
        yield c


@pytest.fixture(scope="module")
def db(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("dashboard") / "cx.duckdb"
    shutil.copyfile(small_demo, target)
    return target


@pytest.fixture(scope="module")
def web(db: Path) -> Iterator[Any]:
    with _client(db) as c:
        yield c


def _config(text: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="cxm-config">(.*?)</script>', text, re.S)
    assert m, "page has no configuration block"
    return json.loads(m.group(1))


# -- pages ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", list(LANGS))
def test_every_page_in_every_language(web: Any, lang: str) -> None:
    words = catalog(lang)
    for path in PAGE_PATHS:
        r = web.get(path, params={"lang": lang})
        assert r.status_code == 200, (path, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        text = r.text
        assert f'<html lang="{lang}">' in text
        page = next(p for p in pages.PAGES if p.path == path)
        # the page's own title and the navigation in the page's language
        assert html.escape(words[f"dashboard.nav.{page.id}"], quote=False) in text, (lang, path)
        assert 'aria-current="page"' in text
        assert 'class="skip-link" href="#main"' in text and 'id="main"' in text
        cfg = _config(text)
        assert cfg["lang"] == lang and cfg["page"] == page.id
        assert cfg["strings"]["dashboard.title"] == words["dashboard.title"]
        assert cfg["metrics"]["ticket_volume"]["unit"] == "count"


def test_language_is_remembered_in_a_cookie(db: Path) -> None:
    with _client(db) as c:
        r = c.get("/trends?lang=fi")
        assert r.cookies.get(pages.LANG_COOKIE) == "fi"
        assert '<html lang="fi">' in c.get("/volume").text  # the cookie, no parameter
        assert '<html lang="zh-Hant">' in c.get("/?lang=zh-hant").text  # normalised
        assert '<html lang="zh-Hant">' in c.get("/feedback?lang=xx").text  # unknown: ignored
        c.cookies.clear()
        assert '<html lang="en">' in c.get("/").text
        assert '<html lang="ja">' in c.get("/", headers={"Accept-Language": "ja-JP,ja;q=0.9"}).text
        assert '<html lang="zh-Hant">' in c.get("/", headers={"Accept-Language": "zh-TW"}).text


def test_filters_stay_in_links_and_controls(web: Any) -> None:
    r = web.get("/trends", params={"channel": "email", "from": "2025-06-01", "metric": "nps", "grain": "week"})
    text = r.text
    # nav links carry the filters (not page-specific controls), language links keep everything
    assert 'href="/volume?from=2025-06-01&amp;channel=email"' in text
    assert 'hreflang="ja"' in text and "lang=ja" in text and "metric=nps" in text
    assert '<option value="email" selected>email</option>' in text
    assert '<option value="nps" selected>' in text and '<option value="week" selected>' in text
    assert 'value="2025-06-01"' in text
    cfg = _config(text)
    assert cfg["filters"] == {"from": "2025-06-01", "channel": "email"}


def test_hostile_values_are_escaped(web: Any) -> None:
    for path in ("/", "/trends", "/timeline"):
        r = web.get(path, params={"category": HOSTILE, "team": HOSTILE, "customer": HOSTILE, "metric": HOSTILE})
        assert r.status_code == 200
        text = r.text
        assert "<script>window.__xss" not in text
        assert "<img src=x" not in text
        cfg = _config(text)  # the JSON block cannot be closed early by the data ...
        if path != "/timeline":
            assert cfg["filters"]["category"] == HOSTILE  # ... and keeps it intact
        assert "\\u003cscript\\u003e" in text or "&lt;script&gt;" in text


def test_content_security_policy(web: Any) -> None:
    for path in PAGE_PATHS:
        r = web.get(path)
        csp = r.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"  # no inline scripts, no eval: vega runs with ast: true
        assert directives["style-src"] == "'self'"
        assert "unsafe" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        # no inline scripts or styles in the markup
        for tag in re.findall(r"<script\b[^>]*>", r.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert "<style" not in r.text and " style=" not in r.text
        assert not re.search(r"\son[a-z]+=", r.text), "inline event handler"


def _local_refs(text: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', text)


def test_no_external_urls(web: Any) -> None:
    """Everything a page loads comes from this app: no CDN, no web fonts."""
    seen: set[str] = set()
    for path in PAGE_PATHS:
        text = web.get(path).text
        assert not re.search(r"https?://", text), path
        for ref in _local_refs(text):
            assert ref.startswith(("/", "#", "?", "data:")) and not ref.startswith("//"), (path, ref)
        for ref in _local_refs(text):
            if ref.startswith("/static/") or ref.startswith("/api/"):
                seen.add(html.unescape(ref))
    assert any(s.startswith(pages.VENDOR_PATH) for s in seen)
    for ref in sorted(s for s in seen if s.startswith("/static/")):
        r = web.get(ref)
        assert r.status_code == 200, ref
    for f in sorted(STATIC.rglob("*")):
        if f.is_file():
            body = f.read_text(encoding="utf-8")
            assert not re.search(r"https?://", body), f.name
            assert "@import" not in body and "url(" not in body, f.name


def test_scripts_never_write_html() -> None:
    """Data goes into pages as text only."""
    scripts = sorted(STATIC.glob("*.js"))
    assert len(scripts) >= 8
    for f in scripts:
        body = f.read_text(encoding="utf-8")
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert bad not in body, (f.name, bad)


def test_vega_bundle_is_served_offline_and_cached(web: Any) -> None:
    r = web.get(pages.VENDOR_PATH)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert "immutable" in r.headers["cache-control"] and "max-age=31536000" in r.headers["cache-control"]
    assert len(r.content) > 300_000 and b"window.vegaEmbed" in r.content
    again = web.get(pages.VENDOR_PATH, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert pages.BUNDLE.get()[0] is pages.BUNDLE.get()[0]  # built once per process


def test_report_form_without_javascript(web: Any) -> None:
    r = web.get("/reports/download", params={"period": "2025-12", "format": "pdf", "lang": "it"},
                follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/api/v1/reports/2025-12?format=pdf&lang=it"
    r = web.get("/reports/download", params={"period": "bogus", "format": "exe", "lang": "xx"},
                follow_redirects=False)
    assert r.headers["location"] == "/api/v1/reports/latest?format=xlsx&lang=en"


def test_pages_with_read_tokens(db: Path, tmp_path: Path) -> None:
    """Pages hold labels only: they load without a token and tell the scripts to ask for one."""
    copy = tmp_path / "cx.duckdb"
    shutil.copyfile(db, copy)
    with _client(copy, require_read_token=True) as c:
        r = c.get("/")
        assert r.status_code == 200
        assert _config(r.text)["requireReadToken"] is True
        assert 'id="token-form"' in r.text
        assert c.get("/api/v1/catalog").status_code == 401


# -- catalogs ----------------------------------------------------------------------------------
def _own(lang: str) -> dict[str, str]:
    from cxmetrics.interfaces.i18n import flatten

    return flatten(tomllib.loads((CATALOGS / f"dashboard.{lang}.toml").read_text(encoding="utf-8")))


def test_catalogs_translate_every_key() -> None:
    en = _own("en")
    assert all(k.startswith("dashboard.") for k in en)
    for lang in LANGS:
        own = _own(lang)
        assert set(own) == set(en), (lang, sorted(set(en) ^ set(own))[:10])
        for k, text in own.items():
            assert text.strip(), (lang, k)
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", en[k])), (lang, k)
        if lang != "en":
            same = [k for k in en if own[k] == en[k] and not k.startswith("dashboard.fmt.")]
            # a handful of words are the same in both (e.g. "CSV", "Excel"), most are not
            assert len(same) < len(en) * 0.06, (lang, same)


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for f in TEMPLATES.glob("*.html"):
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'", f.read_text(encoding="utf-8")))
    for f in STATIC.glob("*.js"):
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'", f.read_text(encoding="utf-8")))
    return keys


def test_every_label_used_exists() -> None:
    en = _own("en")
    used = _used_keys()
    assert len(used) > 100
    missing = sorted(k for k in used if f"dashboard.{k}" not in en and not k.endswith((".", "_")))
    assert not missing, missing
    # keys built from a prefix ("forecast.staffed_" + method): every value the API gives has one
    for method in ("erlang_c", "erlang_a", "response_target"):
        assert f"dashboard.forecast.staffed_{method}" in en and f"dashboard.forecast.model_{method}" in en
    # keys built from names: nav per page, dims of the filter bar and trends, sections, grains, stats, formats
    for p in pages.PAGES:
        assert f"dashboard.nav.{p.id}" in en
    for d in (*pages.FILTER_DIMS, *pages.BY_DIMS):
        assert f"dashboard.dim.{d}" in en
    for g in pages.GRAINS:
        assert f"dashboard.grain.{g}" in en
    for s in pages.STATS:
        assert f"dashboard.stat.{s}" in en
    for f in pages.REPORT_FORMATS:
        assert f"dashboard.reports.{f}" in en
    from cxmetrics.interfaces.report.data import PRIMARY

    for section in (*PRIMARY, *pages.DOMAIN_SECTIONS.values()):
        assert f"dashboard.section.{section}" in en


def test_duration_units_and_locales() -> None:
    for lang, locale in LANGS.items():
        units = pages._duration_units(locale)
        assert all("{0}" in v for v in units.values()), (lang, units)
        d3 = pages.d3_locales(locale)
        assert len(d3["time"]["shortMonths"]) == 12 and len(d3["time"]["days"]) == 7
    assert pages.d3_locales("en")["time"]["days"][0] == "Sunday"
    assert pages.d3_locales("fi")["number"]["decimal"] == ","
