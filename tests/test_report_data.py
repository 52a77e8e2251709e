"""The report's data (the twin every format renders): same numbers as the engine, spikes, omissions."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics.analyses.spikes import detect
from cxmetrics.errors import ReportError
from cxmetrics.interfaces.report import build_report, parse_period
from cxmetrics.settings import Config
from cxmetrics.store import Store

PERIOD = "2025-12"


@pytest.fixture(scope="module")
def demo_store(small_demo: Path):
    s = Store(small_demo, read_only=True, config=Config())
    yield s
    s.close()


@pytest.fixture(scope="module")
def data(demo_store: Store) -> dict:
    return build_report(demo_store, PERIOD)


def test_period_defaults_to_the_last_complete_month_of_the_data(demo_store: Store, data: dict) -> None:
    d = build_report(demo_store, today=dt.date(2026, 11, 23))
    assert d["period"]["start"] == "2025-12-01"  # the data ends on 2026-01-01
    assert [k["metric"] for k in d["kpis"]] == [k["metric"] for k in data["kpis"]]
    # parallel float sums may differ in the last digits between runs
    assert [k["value"] for k in d["kpis"]] == pytest.approx([k["value"] for k in data["kpis"]], rel=1e-9)
    assert data["period"] == {"start": "2025-12-01", "end": "2025-12-31", "previous": "2025-11-01",
                              "year_ago": "2024-12-01"}
    assert data["months"][0] == "2024-12-01" and data["months"][-1] == "2025-12-01" and len(data["months"]) == 13


def test_kpis_equal_the_engine_with_compare(demo_store: Store, data: dict) -> None:
    """The report reuses its 13-month frame for both comparisons; it must agree with
    `cxm metrics --compare previous|year` exactly, significance included."""
    ids = ["ticket_volume", "backlog", "first_response_time", "fcr_rate", "replies_per_resolution", "nps",
           "csat", "churn_rate", "call_abandonment_rate"]
    kpis = {k["metric"]: k for k in data["kpis"]}
    assert set(ids) <= set(kpis)
    e = demo_store.engine()
    for mode in ("previous", "year"):
        f = e.frame(ids, grain="month", from_="2025-12-01", to="2025-12-31", compare=mode)
        for r in f.to_dict("records"):
            k = kpis[r["metric"]]
            assert k["value"] == pytest.approx(r["value"]), r["metric"]
            got = k[mode]
            assert got["previous_value"] == pytest.approx(r["previous_value"], nan_ok=True), (mode, r["metric"])
            if r["p_value"] is None or (isinstance(r["p_value"], float) and math.isnan(r["p_value"])):
                assert got["p_value"] is None
            else:
                assert got["p_value"] == pytest.approx(r["p_value"]), (mode, r["metric"])
                assert got["significant"] == bool(r["significant"])


@pytest.mark.parametrize(("grain", "first", "last", "tz", "pick"), [
    ("month", dt.date(2025, 9, 1), dt.date(2025, 12, 31), "Europe/Helsinki", 2),
    ("month", dt.date(2025, 1, 10), dt.date(2025, 6, 30), "UTC", 0),  # a part month first
    ("week", dt.date(2025, 10, 6), dt.date(2025, 11, 23), "America/Los_Angeles", 3),  # across the DST change
    ("day", dt.date(2025, 3, 28), dt.date(2025, 4, 2), "Europe/Helsinki", 2),  # the spring DST day
])
def test_a_period_kept_from_a_longer_query_equals_its_own_query(demo_store: Store, grain: str, first: dt.date,
                                                                last: dt.date, tz: str, pick: int) -> None:
    """The engine keeps each period of a query over several as that period's own result (the
    report's KPIs and comparisons reuse its 13-month frame): for every metric it keeps, the
    records equal those of the period's own query on a fresh engine. That includes levels
    (both queries carry the history before their first period) and the customer builders
    (each period from its own rows); only shares, which list every group, are not kept."""
    from dataclasses import replace

    from cxmetrics.engine.core import Query
    from cxmetrics.engine.records import records_frame

    e = demo_store.engine()
    q = Query(grain=grain, from_=first, to=last, tz=tz)
    keys = [m.key for m in e.applicable(q)]
    e.results(keys, q)
    p = e.period_list(q)[pick]
    one = replace(q, from_=p.first, to=p.last)
    kept = {k for k in keys if (k, one) in e._period_results}
    assert {"ticket_volume", "first_response_time", "nps", "survey_response_rate", "call_volume", "backlog",
            "active_customers", "churn_rate", "retention_rate", "cac", "arpu", "revenue"} <= kept
    assert set(keys) - kept == {"channel_share", "category_share"}
    reused = e.results(keys, one)
    fresh = demo_store.engine().results(keys, one)
    for k in keys:
        pd.testing.assert_frame_equal(records_frame(reused[k]), records_frame(fresh[k]), obj=k)
    by = replace(one, by=("channel",))
    assert not any((k, by) in e._period_results for k in keys)  # a period's own groups: never kept


def test_table_has_every_metric_by_month(demo_store: Store, data: dict) -> None:
    rows = {(r["metric"], r["group"]): r for r in data["table"]}
    vol = rows[("ticket_volume", None)]["values"]
    f = demo_store.metrics(["ticket_volume"], grain="month", from_="2024-12-01", to="2025-12-31")
    assert vol == [float(v) for v in f["value"]]
    assert all(len(r["values"]) == 13 for r in data["table"])
    assert ("channel_share", "email") in rows  # share metrics: one row per group
    assert {r["metric"] for r in data["table"]} >= {"nps", "churn_rate", "cart_abandonment_rate", "call_volume"}


def test_sections_and_json(data: dict) -> None:
    assert data["sections"] == ["support", "feedback", "customers", "calls", "carts"]
    assert data["omitted"] == []
    text = json.dumps(data, allow_nan=False)  # no NaN leaks into the JSON twin
    assert json.loads(text)["period"]["start"] == "2025-12-01"
    comp = {r["metric"]: r for r in data["feedback"]["nps_composition"]}
    assert sum(r["numerator"] for r in comp.values()) == comp["promoters_share"]["denominator"]
    nps = next(k for k in data["kpis"] if k["metric"] == "nps")
    assert nps["value"] == pytest.approx(comp["promoters_share"]["value"] - comp["detractors_share"]["value"])
    assert all(c["group"] == "detractor" for c in data["feedback"]["comments"])
    assert data["clv"]["overall"]["value"] > 0
    cells = data["busy_hours"]["cells"]
    assert sum(c["tickets"] for c in cells) == next(k for k in data["kpis"] if k["metric"] == "ticket_volume")["value"]
    assert {d["metric"] for d in data["definitions"]} >= {k["metric"] for k in data["kpis"]}


def test_tickets_only_store_leaves_sections_out_with_reasons(tickets_only: Path) -> None:
    with Store(tickets_only, read_only=True, config=Config()) as s:
        d = build_report(s, PERIOD)
    assert d["sections"] == ["support"]
    assert {o["section"]: o["reason"] for o in d["omitted"]} == {
        "feedback": "no_survey_responses", "customers": "no_customers", "calls": "no_calls", "carts": "no_carts"}
    assert "feedback" not in d and "clv" not in d and "calls_by_queue" not in d
    assert {k["domain"] for k in d["kpis"]} == {"support"}
    assert "feedback" not in d["trends"]


def test_empty_store_and_bad_period(store: Store) -> None:
    with pytest.raises(ReportError, match="empty"):
        build_report(store)
    for bad in ("2025-13", "12/2025", "2025"):
        with pytest.raises(ReportError, match="YYYY-MM"):
            parse_period(bad)
    assert parse_period("2025-02") == dt.date(2025, 2, 1)


def test_a_month_outside_the_data_is_refused(demo_store: Store) -> None:
    with pytest.raises(ReportError, match=r"no data in 1990-01: the store holds 2024-11-01 to 2025-12-31"):
        build_report(demo_store, "1990-01")
    with pytest.raises(ReportError, match="no data in 2026-02"):
        build_report(demo_store, "2026-02")


def _tickets(days: dict[dt.date, list[tuple[str, str, int]]]) -> pd.DataFrame:
    rows = []
    for day, parts in days.items():
        for category, channel, n in parts:
            for i in range(n):
                rows.append({"ticket_id": f"{day}-{category}-{channel}-{i}",
                             "created_at": pd.Timestamp(day) + pd.Timedelta(minutes=10 + i),
                             "channel": channel, "category": category, "status": "open"})
    return pd.DataFrame(rows)


def test_spikes_against_the_same_weekday_baseline(store: Store) -> None:
    """40 quiet days of 20 tickets; one day brings 80 (60 extra delivery tickets by chat),
    another 30 (+10: inside 3 sigma of a Poisson 20), neither is hidden by weekly rhythm."""
    start = dt.date(2025, 3, 3)
    days = {start + dt.timedelta(days=i): [("delivery", "email", 10), ("returns", "email", 10)] for i in range(42)}
    spike, small = start + dt.timedelta(days=36), start + dt.timedelta(days=38)
    days[spike] = [("delivery", "email", 10), ("returns", "email", 10), ("delivery", "chat", 60)]
    days[small] = [("delivery", "email", 15), ("returns", "email", 15)]
    store.import_frame("tickets", _tickets(days))
    out = detect(store.engine(), from_=start + dt.timedelta(days=28), to=start + dt.timedelta(days=41))
    assert [s["date"] for s in out["spikes"]] == [spike.isoformat()]
    s = out["spikes"][0]
    assert (s["tickets"], s["baseline"], s["excess"]) == (80, 20.0, 60.0)
    assert s["top_category"] == "delivery" and s["top_channel"] == "chat"
    assert s["category"][0]["share"] == pytest.approx(1.0) and s["channel"][0]["excess"] == 60
    assert len(out["days"]) == 14 and out["days"][0]["baseline"] == 20.0
    # the first weeks have no baseline yet: never a spike at the start of the data
    early = detect(store.engine(), from_=start, to=start + dt.timedelta(days=13))
    assert early["spikes"] == [] and early["days"][0]["baseline"] is None


def test_cli_report_json_and_errors(small_demo: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cxmetrics.interfaces.cli.main import app, register_commands

    register_commands()
    runner = CliRunner()
    out = tmp_path / "r.json"
    res = runner.invoke(app, ["--db", str(small_demo), "report", "--period", PERIOD, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["period"]["start"] == "2025-12-01"
    for args, text in ((["--period", "2025-13"], "YYYY-MM"), (["--lang", "xx"], "unknown language"),
                       (["--out", str(tmp_path / "r.docx")], ".html, .pdf, .xlsx"),
                       (["--out", str(tmp_path / "nope" / "r.html")], "does not exist")):
        res = runner.invoke(app, ["--db", str(small_demo), "report", *args])
        assert res.exit_code == 2, (args, res.output)
        assert text in " ".join(res.output.split()), res.output


def test_tickets_only_table_has_no_rows_for_missing_tables(tickets_only: Path) -> None:
    with Store(tickets_only, read_only=True, config=Config()) as s:
        d = build_report(s, PERIOD)
    ids = {r["metric"] for r in d["table"]}
    assert {"ticket_volume", "first_response_time", "contacts_per_issue"} <= ids  # calls are optional there
    assert not ids & {"nps", "active_customers", "call_volume", "revenue", "cart_abandonment_rate", "cac"}


def test_tickets_without_a_category_still_make_a_report(store: Store) -> None:
    """A file without the optional category column (the dashboard's accept-partial upload
    found this): its tickets are a share of their own in the table, labelled as none, and
    never taken for the metric's ungrouped row."""
    import io

    import openpyxl

    from cxmetrics.interfaces.report import render

    at = pd.date_range("2025-11-03 09:00", periods=12, freq="5D", tz="UTC")
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": [f"T{i}" for i in range(12)], "created_at": at, "channel": "email",
        "category": [None if i % 4 == 0 else ("returns" if i % 2 else "delivery") for i in range(12)]}))
    d = build_report(store, PERIOD)
    shares = {r["group"]: r for r in d["table"] if r["metric"] == "category_share"}
    assert set(shares) == {"delivery", "returns", None}
    assert shares[None]["dimension"] == "category"
    assert sum(r["values"][d["months"].index("2025-12-01")] or 0 for r in shares.values()) == pytest.approx(100)
    book = openpyxl.load_workbook(io.BytesIO(render(d, "xlsx")), read_only=True)
    cells = {v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    assert "Category share — (none)" in cells
