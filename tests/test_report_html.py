"""The HTML monthly report: structure, offline, numbers as the translator formats them,
spikes explained, sections left out with a reason, escaping, five languages."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from cxmetrics.interfaces.i18n import LANGS, catalog, translator
from cxmetrics.interfaces.report import charts
from cxmetrics.interfaces.report import html as report_html

END = dt.date(2025, 1, 1)
#: the last complete month of the demo window, with 13 months of history before it
PERIOD = "2024-12"
SUPPORT_CHARTS = ("support_trends", "volume_daily", "volume_monthly", "busy_hours", "frt_by_channel")
ALL_CHARTS = (*SUPPORT_CHARTS, "nps_composition", "feedback_trends", "customers_trends", "clv", "calls_trends",
              "carts_trends")


def _build(support_only: bool) -> dict[str, Any]:
    """A 14-month demo store at a tenth of the volume (~550 tickets a month), reported."""
    from cxmetrics.demo.generator import generate_tables, to_pandas
    from cxmetrics.interfaces.report import build_report
    from cxmetrics.settings import Config
    from cxmetrics.store import Store

    tables = to_pandas(generate_tables(seed=5, months=14, end=END, scale=0.1, support_only=support_only))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "cx.duckdb", config=Config())
        try:
            for name, frame in tables.items():
                store.import_frame(name, frame, source="demo")
            return build_report(store, PERIOD)
        finally:
            store.close()


@cache
def demo_report() -> dict[str, Any]:
    """Every section present (shared with test_report_pdf; treat as read-only)."""
    return _build(support_only=False)


@cache
def tickets_only_report() -> dict[str, Any]:
    """Only the support tables: feedback, customers, calls and carts are left out."""
    return _build(support_only=True)


@cache
def demo_html(lang: str = "en") -> str:
    return report_html.render_html(demo_report(), lang)


def _card(html: str, metric: str) -> str:
    m = re.search(rf'<article class="kpi" id="kpi-{re.escape(metric)}">(.*?)</article>', html, re.S)
    assert m, metric
    return m.group(1)


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (entities left escaped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


# -- structure and offline ------------------------------------------------------------------------
def test_sections_charts_and_no_network() -> None:
    html = demo_html("en")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    for sid in ("contents", "how-to-read", "kpis", "support", "support-trends", "volume", "spikes", "busy-hours",
                "staff-hours", "frt-channel", "feedback", "nps", "feedback-trends", "comments", "customers", "clv",
                "calls", "calls-queues", "carts", "definitions"):
        assert f'id="{sid}"' in html, sid
    # every chart is inline SVG, one per figure, none missing
    assert html.count("<svg") == len(ALL_CHARTS)
    for name in ALL_CHARTS:
        assert f'id="chart-{name.replace("_", "-")}"' in html, name
    assert 'class="empty"' not in html
    # nothing that needs the network or a file: no script, link, image, font or import
    for bad in ("<script", "<link", "<img", "<iframe", "@import", "@font-face"):
        assert bad not in html.lower(), bad
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|file:)?//""", html, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:|file:)?//""", html, re.I)
    assert all(h.startswith("#") for h in re.findall(r'\shref="([^"]*)"', html))
    # the table of contents points at sections that exist
    for target in re.findall(r'<a href="#([^"]+)"', html):
        assert f'id="{target}"' in html, target


def test_header_period_counts_and_definitions() -> None:
    data, tr = demo_report(), translator("en")
    html = demo_html("en")
    header = html[html.index('<header id="top"'):html.index("</header>")]
    assert tr.month(data["period"]["start"]) in header
    assert data["timezone"] in header
    assert tr.number(data["counts"]["tickets"]) in header
    defs = html[html.index('id="definitions"'):]
    assert defs.count("<tr id=\"def-") == len(data["definitions"])
    for d in data["definitions"]:
        assert str(escape(report_html.metric_name(tr, d["metric"]))) in defs
        for ref in d["references"]:
            assert str(escape(ref)) in defs


def test_kpis_show_the_data_formatted_by_the_translator() -> None:
    data, tr = demo_report(), translator("en")
    html = demo_html("en")
    assert data["kpis"]
    for k in data["kpis"]:
        card = _text(_card(html, k["metric"]))
        assert str(escape(tr.value(k["value"], k["unit"]))) in card, k["metric"]
        for mode in ("previous", "year"):
            prev = k[mode]["previous_value"]
            if prev is None:
                continue
            assert str(escape(tr.change(k["value"], prev, k["unit"]))) in card, (k["metric"], mode)
            assert f"({escape(tr.value(prev, k['unit']))})" in card
        if k["ci_low"] is not None:
            assert str(escape(tr.value(k["ci_low"], k["unit"]))) in card
            assert str(escape(tr.value(k["ci_high"], k["unit"]))) in card
        if k["target"] is not None:
            assert str(escape(tr.t("report.kpi.target", target=tr.value(k["target"], k["unit"])))) in card
            assert tr.t("report.kpi.target_met" if k["meets_target"] else "report.kpi.target_missed") in card
    # the significance flag is spelled out per comparison, and colour follows the metric's direction
    sig = sum(1 for k in data["kpis"] for m in ("previous", "year") if k[m]["significant"])
    assert html.count('<span class="sig-badge is-sig">') == sig + 1  # + the legend in "how to read"
    assert report_html.tone("lower", 10, 12) == "good" and report_html.tone("higher", 10, 12) == "bad"
    assert report_html.tone("neutral", 10, 12) == "neutral" and report_html.tone("higher", 5, 5) == "flat"
    assert report_html.tone("higher", 5, None) == "none"


# -- spikes, busy hours, channels ------------------------------------------------------------------------
def test_spikes_are_marked_and_explained() -> None:
    data, tr = demo_report(), translator("en")
    html = demo_html("en")
    spikes = data["volume"]["spikes"]
    current = [s for s in spikes if s["in_period"]]
    assert current, "the demo's December has a spike"
    for s in current:
        sentence = report_html.spike_sentence(tr, s)
        assert str(escape(sentence)) in html
        assert sentence.startswith(f"On {tr.date(s['date'], 'long')}, {tr.number(s['tickets'])} tickets arrived")
        assert tr.dim_value("category", s["top_category"]) in sentence
        assert tr.dim_value("channel", s["top_channel"]) in sentence
    # the daily chart marks each spike day with its excess
    daily = html[html.index('id="chart-volume-daily"'):]
    daily = daily[:daily.index("</figure>")]
    for s in current:
        assert f">+{report_html._num(tr, s['excess'])}</text>" in daily
    # earlier spikes of the 13 months, one row each, newest first
    earlier = [s for s in spikes if not s["in_period"]]
    table = html[html.index('id="spikes-earlier"'):html.index('class="method"')]
    assert table.count("<tr><td>") == len(earlier)
    assert "1.5 times the median of the same weekday over the previous 4 weeks" in html


def test_spike_sentence_reads_like_the_issue() -> None:
    tr = translator("en")
    spike = {"date": "2025-11-25", "tickets": 287, "baseline": 142.0, "excess": 145.0, "top_category": "delivery",
             "top_channel": "chat",
             "category": [{"value": "delivery", "tickets": 80, "baseline": 32.0, "excess": 48.0, "share": 0.33}],
             "channel": [{"value": "chat", "tickets": 120, "baseline": 60.0, "excess": 60.0, "share": 0.41}]}
    assert report_html.spike_sentence(tr, spike) == (
        f"On November 25, 2025, 287 tickets arrived against a usual 142 for that weekday (+145); "
        f"{tr.dim_value('category', 'delivery')} brought 33% of the extra tickets, and "
        f"{tr.dim_value('channel', 'chat')} was the channel that grew most (41% of the extra).")
    bare = dict(spike, category=[], channel=[], top_category=None, top_channel=None)
    assert report_html.spike_sentence(tr, bare).endswith("(+145).")


def test_busy_hours_and_channels() -> None:
    data, tr = demo_report(), translator("en")
    html = demo_html("en")
    staff = html[html.index('id="staff-hours"'):html.index('id="frt-channel"')]
    assert staff.count("<li>") == len(data["busy_hours"]["staff"])
    for s in data["busy_hours"]["staff"]:
        assert f"{tr.number(s['tickets'])} tickets, median first response {tr.duration(s['frt'])}" in staff
    frt = html[html.index('id="frt-channel"'):html.index('id="feedback"')]
    for r in data["frt_by_channel"]:
        assert str(escape(tr.dim_value("channel", r["channel"]))) in frt
        assert tr.duration(r["median"]) in frt
        if r["expectation"] is not None:
            assert tr.duration(r["expectation"]) in frt and tr.percent(r["within_expectation"]) in frt


# -- left-out sections -------------------------------------------------------------------------------------
def test_tickets_only_store_leaves_sections_out_with_a_reason() -> None:
    data = tickets_only_report()
    assert {o["section"] for o in data["omitted"]} == {"feedback", "customers", "calls", "carts"}
    tr = translator("en")
    html = report_html.render_html(data, "en")
    for section in ("feedback", "customers", "calls", "carts", "clv", "comments", "nps"):
        assert f'id="{section}"' not in html, section
    box = html[html.index('id="omitted"'):]
    box = box[:box.index("</aside>")]
    assert box.count("<li>") == len(data["omitted"])
    for o in data["omitted"]:
        line = tr.t("report.omitted.line", section=tr.t(f"report.section.{o['section']}"),
                    reason=tr.t(f"report.omitted.{o['reason']}"))
        assert str(escape(line)) in box
    # the support charts are all there and none is empty; no chart for a missing section
    assert html.count("<svg") == len(SUPPORT_CHARTS) and 'class="empty"' not in html
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        assert svg.count("<path") + svg.count("<rect") > 20
    assert {k["domain"] for k in data["kpis"]} == {"support"}
    toc = html[html.index('id="contents"'):html.index("</nav>")]
    assert "#feedback" not in toc and "#support" in toc


def test_chart_specs_are_none_without_data() -> None:
    tr = translator("en")
    empty = {"months": demo_report()["months"], "period": demo_report()["period"], "trends": {}, "volume": {},
             "busy_hours": {}, "frt_by_channel": [], "feedback": {"nps_composition": []}, "clv": None}
    for fn in (charts.spec_volume_daily, charts.spec_volume_monthly, charts.spec_busy_hours,
               charts.spec_frt_by_channel, charts.spec_nps_composition, charts.spec_clv):
        assert fn(empty, tr) is None, fn.__name__
    assert charts.spec_trends(empty, tr, "support") is None
    assert charts.render_svgs({"x": None}, tr) == {}


def test_chart_specs_use_cjk_fonts_and_translated_titles() -> None:
    data = demo_report()
    tr = translator("ja")
    spec = charts.spec_busy_hours(data, tr)
    assert spec is not None and "WenQuanYi Micro Hei" in spec["config"]["font"]
    assert spec["$schema"].endswith("vega-lite/v5.json")
    titles = [p["title"]["text"] for p in spec["vconcat"]]
    assert titles == [tr.t("report.chart.busy_volume_title"), tr.t("report.chart.busy_frt_title")]
    assert charts.d3_format_locale(translator("fi"))["decimal"] == ","


def test_response_time_bins_snap_to_round_durations() -> None:
    tr = translator("en")
    edges, labels = charts.duration_bins([30, 200, 700, 4000, 9000, 40000, 90000, 200000], tr)
    assert edges == sorted(set(edges)) and all(e in charts.NICE_DURATIONS for e in edges)
    assert len(labels) == len(edges) + 1
    assert labels[0] == f"< {tr.duration(edges[0])}" and labels[-1] == f"≥ {tr.duration(edges[-1])}"
    assert charts.duration_bins([], tr) == ([], [])


# -- user text is escaped ------------------------------------------------------------------------------------
def test_user_text_is_escaped() -> None:
    data = copy.deepcopy(demo_report())
    evil = '<script>alert(1)</script> =HYPERLINK("http://evil.example/x","click")'
    data["feedback"]["comments"][0]["comment"] = evil
    data["volume"]["daily"][0]["category"] = "<b>bold</b>"
    data["frt_by_channel"][0]["channel"] = '"><img src=x onerror=alert(2)>'
    html = report_html.render_html(data, "en")
    assert "<script" not in html and "<b>bold</b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://evil.example/x&#34;,&#34;click&#34;)" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html  # in the chart's legend
    assert not re.search(r"""href\s*=\s*["']?https?:""", html)


# -- languages ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", list(LANGS))
def test_every_language_renders_without_missing_keys(lang: str) -> None:
    data, tr = demo_report(), translator(lang)
    html = demo_html(lang)
    assert f'<html lang="{lang}">' in html
    keys = [k for k in catalog("en") if k.startswith("report.")]
    leaked = [k for k in keys if k in html]
    assert not leaked, leaked
    assert not re.search(r"\breport\.[a-z_]+\.[a-z_]+", html)
    assert str(escape(tr.month(data["period"]["start"]))) in html
    assert str(escape(tr.t("report.howto.title"))) in html
    k = data["kpis"][0]
    assert str(escape(tr.value(k["value"], k["unit"]))) in _card(html, k["metric"])
    if lang != "en":
        for english in ("Headline KPIs", "How to read this report", "Hours that need staff", "significant",
                        "Tickets per day", "hour of the day", "Previous month"):
            assert english not in html, (lang, english)


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en = {k: v for k, v in catalog("en").items() if k.startswith("report.")}
    for lang in LANGS:
        other = {k: v for k, v in catalog(lang).items() if k.startswith("report.")}
        assert set(other) == set(en), lang
        for key, text in en.items():
            assert set(re.findall(r"{(\w+)}", other[key])) == set(re.findall(r"{(\w+)}", text)), (lang, key)


def test_render_entry_point_normalises_the_language() -> None:
    from cxmetrics.interfaces.report import render

    out = render(demo_report(), "html", "zh_hant")
    assert out.startswith(b"<!DOCTYPE html>") and b'<html lang="zh-Hant">' in out
