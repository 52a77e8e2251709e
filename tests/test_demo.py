"""The demo generator: deterministic, realistic, internally consistent, and buildable."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from scipy.stats import spearmanr
from typer.testing import CliRunner

from cxmetrics.demo import build, generate, timeline
from cxmetrics.interfaces.cli import demo_cmd
from cxmetrics.interfaces.cli.common import State
from cxmetrics.model import schema
from cxmetrics.store import Store

END = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    """18 months at a fifth of the default volume (about 800 tickets a month)."""
    return generate(seed=42, months=18, end=END, scale=0.2)


def _monthly(t: pd.DataFrame, mask: pd.Series | None = None) -> pd.Series:
    t = t if mask is None else t[mask]
    return t.groupby(t["created_at"].dt.to_period("M")).size()


def test_same_seed_same_frames_other_seed_differs() -> None:
    a = generate(seed=7, months=3, end=END, scale=0.1)
    b = generate(seed=7, months=3, end=END, scale=0.1)
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    c = generate(seed=8, months=3, end=END, scale=0.1)
    assert not a["tickets"]["created_at"].equals(c["tickets"]["created_at"])


def test_tables_follow_the_canonical_schema(demo: dict[str, pd.DataFrame]) -> None:
    # interval reports and schedules come from contact-centre systems, not from the demo
    assert set(demo) == set(schema.TABLES) - {"interval_volumes", "schedules"}
    for name, frame in demo.items():
        t = schema.table(name)
        assert len(frame), name
        assert set(frame.columns) <= set(t.names), name
        for c in t.columns:
            if c.required:
                assert frame[c.name].notna().all(), (name, c.name)
            if c.allowed and c.name in frame:
                assert set(frame[c.name].dropna()) <= set(c.allowed), (name, c.name)
            if c.min is not None and c.name in frame:
                assert (frame[c.name].dropna() >= c.min).all(), (name, c.name)
        if t.key:
            assert frame[t.key].is_unique, name
        else:
            assert not frame.duplicated().any(), name


def test_window_volumes_and_spikes(demo: dict[str, pd.DataFrame]) -> None:
    t = demo["tickets"]
    tl = timeline(18, END)
    assert t["created_at"].min() >= pd.Timestamp(tl.start)
    assert t["created_at"].max() < pd.Timestamp(tl.end)
    per_month = _monthly(t)
    assert len(per_month) == 18
    assert per_month.between(450, 1300).all(), per_month  # ~3,900 a month at scale 1
    # holiday season: December well above October in both years
    for year in (2023, 2024):
        assert per_month[pd.Period(f"{year}-12", "M")] > 1.15 * per_month[pd.Period(f"{year}-10", "M")]
    # the product launch: technical tickets jump in the launch month
    assert tl.launch_month is not None
    tech = _monthly(t, t["category"] == "technical")
    launch = pd.Period(tl.launch_month, "M")
    around = [tech[launch - 2], tech[launch - 1], tech[launch + 2]]
    assert tech[launch] > 1.3 * np.mean(around)
    assert (t[t["category"] == "technical"]["product"] == "Aurora Hub 2").any()
    assert set(t["category"]) == {"sales question", "technical", "cancellations", "returns", "delivery",
                                  "product availability"}
    assert set(t["channel"]) == {"email", "chat", "phone", "social", "web"}
    assert t["agent_id"].nunique() >= 12 and t["team"].nunique() >= 3 and t["brand"].nunique() == 2


def test_events_are_consistent(demo: dict[str, pd.DataFrame]) -> None:
    t, m, s, w = (demo[k] for k in ("tickets", "messages", "status_changes", "work_sessions"))
    ids = set(t["ticket_id"])
    for frame in (m, s, w, demo["survey_invitations"]):
        assert frame["ticket_id"].dropna().isin(ids).all()
    created = t.set_index("ticket_id")["created_at"]
    assert (m["created_at"] >= m["ticket_id"].map(created)).all()
    assert (s.groupby("ticket_id")["changed_at"].min() == created.reindex(s["ticket_id"].unique())).all()
    fr = t.dropna(subset=["first_reply_at"])
    assert (fr["first_reply_at"] >= fr["created_at"]).all()
    both = t.dropna(subset=["first_reply_at", "solved_at"])
    assert (both["first_reply_at"] <= both["solved_at"]).all()
    assert (t["solved_at"].notna() == t["status"].isin(["solved", "closed"])).all()
    last = s.sort_values("changed_at").groupby("ticket_id")["to_status"].last()
    assert (last.reindex(t["ticket_id"]).to_numpy() == t["status"].to_numpy()).all()
    assert (w["ended_at"] >= w["started_at"]).all()
    # the ticket's reply count is what its messages say (outbound openers are not replies)
    replies = m[(m["author_type"] == "agent") & m["public"]].groupby("ticket_id").size()
    outbound = set(t.loc[t["created_by"] == "agent", "ticket_id"])
    replies = replies.sub(replies.index.isin(outbound).astype(int), fill_value=0)
    assert (replies.reindex(t["ticket_id"], fill_value=0).to_numpy() == t["replies"].to_numpy()).all()
    customers = demo["customers"].set_index("customer_id")
    tc = t.dropna(subset=["customer_id"]).join(customers, on="customer_id")
    assert (tc["created_at"] >= tc["acquired_at"]).all()
    assert (tc["churned_at"].isna() | (tc["created_at"] < tc["churned_at"])).all()


def test_the_help_desk_story(demo: dict[str, pd.DataFrame]) -> None:
    t, m, s = demo["tickets"], demo["messages"], demo["status_changes"]
    # outbound tickets open with a public agent message; system-created ones exist too
    out = t[t["created_by"] == "agent"]
    assert len(out) > 0 and (t["created_by"] == "system").any()
    first = m.sort_values(["ticket_id", "created_at"]).groupby("ticket_id").first()
    opener = first.loc[out["ticket_id"]]
    assert (opener["author_type"] == "agent").all() and opener["public"].all()
    assert (m["author_type"] == "bot").any() and (m["author_type"] == "system").any()
    assert ((m["author_type"] == "agent") & ~m["public"]).any()  # internal notes
    reopened = s[s["from_status"].isin(["solved", "closed"]) & ~s["to_status"].isin(["solved", "closed"])]
    assert reopened["ticket_id"].nunique() == (t["reopens"] > 0).sum() > 0
    assert ((s["from_status"] == "solved") & (s["to_status"] == "closed")).any()
    assert t["status"].isin(["new", "open", "pending", "on_hold"]).sum() > 20  # a real backlog
    assert ((t["replies"] == 0) & t["solved_at"].notna()).any()
    assert ((t["status"] == "closed") & (t["reopens"] > 0)).any()
    assert (m.groupby("ticket_id").size().mean()) == pytest.approx(5.4, abs=1.0)
    # live channels are answered fast, email slowly; replies only inside opening hours
    frt = (t["first_reply_at"] - t["created_at"]).dt.total_seconds()
    local = t["created_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Helsinki")
    office_hours = (local.dt.weekday < 5) & local.dt.hour.between(9, 15)
    med = frt[office_hours].groupby(t["channel"]).median()
    assert med["chat"] < 1200 and med["phone"] < 1200 and med["email"] > 3 * med["chat"]
    assert frt.groupby(t["channel"]).median()["email"] > 4 * 3600
    busy = frt[(local.dt.weekday < 5) & local.dt.hour.between(9, 14)].median()
    night = frt[(local.dt.weekday < 5) & (local.dt.hour >= 21)].median()
    weekend = frt[(local.dt.weekday == 5) & (t["channel"] == "email")].median()
    assert busy < night and busy < weekend
    rep = m[(m["author_type"] == "agent") & m["public"]].merge(t[["ticket_id", "team"]], on="ticket_id")
    lt = rep["created_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Helsinki")
    h = lt.dt.hour + lt.dt.minute / 60
    office = rep["team"] != "Live"
    assert ((h[office] >= 8) & (h[office] < 17.5) & (lt.dt.weekday[office] < 5)).mean() > 0.999


def test_feedback_follows_service_quality(demo: dict[str, pd.DataFrame]) -> None:
    t, r = demo["tickets"], demo["survey_responses"]
    scales = r.groupby("survey")[["scale_min", "scale_max"]].first()
    assert scales.loc["nps"].tolist() == [0, 10] and scales.loc["csat"].tolist() == [1, 5]
    assert scales.loc["ces"].tolist() == [1, 7] and scales.loc["cx"].tolist() == [1, 5]
    assert set(r.loc[r["survey"] == "cx", "question"]) == {"tone", "manner", "willingness"}
    assert r["score"].isna().any() and r["comment"].notna().any()
    for survey, (lo, hi) in scales.iterrows():
        scores = r.loc[r["survey"] == survey, "score"].dropna()
        assert scores.between(lo, hi).all()
    csat = r[r["survey"] == "csat"].dropna(subset=["score"]).merge(t, on="ticket_id")
    csat = csat.dropna(subset=["first_reply_at"])  # bot-resolved tickets have no reply
    frt = (csat["first_reply_at"] - csat["created_at"]).dt.total_seconds()
    rho = spearmanr(csat["score"], frt).statistic
    assert rho < -0.1
    reopened = csat.groupby(csat["reopens"] > 0)["score"].mean()
    assert reopened[True] < reopened[False]
    satisfied = (csat["score"] >= 4).mean()
    assert 0.65 < satisfied < 0.92
    inv = demo["survey_invitations"]
    assert len(inv) > len(r[r["survey"] != "cx"])  # not everyone answers


def test_other_tables_have_plausible_data(demo: dict[str, pd.DataFrame]) -> None:
    calls, carts, cust, orders = demo["calls"], demo["carts"], demo["customers"], demo["orders"]
    assert 0.02 < calls["abandoned"].mean() < 0.3
    answered = calls[~calls["abandoned"]]
    assert (answered["answered_at"] >= answered["offered_at"]).all()
    assert (answered["ended_at"] >= answered["answered_at"]).all()
    assert 0.6 < carts["purchased_at"].isna().mean() < 0.8
    assert carts["order_id"].dropna().isin(set(orders["order_id"])).all()
    assert orders["customer_id"].isin(set(cust["customer_id"])).all()
    assert (orders.groupby("customer_id").size() > 1).any()  # repeat purchases
    assert cust["churned_at"].notna().any() and "poor service" in set(cust["churn_reason"])
    assert cust["segment"].nunique() >= 2 and cust["acquisition_channel"].nunique() >= 4
    spend = demo["marketing_spend"]
    assert len(spend) == 18 * spend["channel"].nunique() and (spend["amount"] > 0).all()


def test_build_writes_every_table(store: Store) -> None:
    counts = build(store, seed=3, months=2, end=END, scale=0.2)
    stored = store.counts()
    # interval reports and schedules come from contact-centre systems, not from the demo
    assert {k: v for k, v in stored.items() if k not in counts} == {"interval_volumes": 0, "schedules": 0}
    assert {k: stored[k] for k in counts} == counts
    assert stored["tickets"] > 200 and stored["messages"] > 3 * stored["tickets"]


def test_cli_builds_refuses_foreign_data_and_writes_kpis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXM_CONFIG", raising=False)

    def fake_kpis(store: Store, this: dt.date, prev: dt.date) -> pd.DataFrame:
        """Stands in for the metrics engine (tested on its own) to keep this test fast."""
        n = store.count("tickets")
        return pd.DataFrame([{"metric": "ticket_volume", "period_start": this, "value": float(n)},
                             {"metric": "ticket_volume", "period_start": prev, "value": n / 2}])

    monkeypatch.setattr(demo_cmd, "kpi_frame", fake_kpis)
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context, db: Path = typer.Option(None, "--db")) -> None:  # noqa: B008
        ctx.obj = State(db=db)

    demo_cmd.register(app)
    db = tmp_path / "cx.duckdb"
    args = ["--db", str(db), "demo", "--months", "2", "--scale", "0.02", "--out", str(tmp_path / "out")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert str(db.resolve()) in res.output.replace("\n", "")
    assert "Tickets created" in res.output and "+100.0%" in res.output
    doc = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert doc["rows"]["tickets"] > 0 and doc["store"] == str(db.resolve())
    assert doc["kpis"][0]["metric"] == "ticket_volume" and doc["kpis"][0]["change"] == pytest.approx(100.0)
    with Store(db) as s:
        assert s.count("tickets") == doc["rows"]["tickets"]
        assert demo_cmd._non_demo_rows(s) == 0  # so a re-run simply replaces the demo data
        s.import_frame("customers", pd.DataFrame({"customer_id": ["x1"], "acquired_at": [pd.Timestamp("2024-01-01")]}),
                       source="crm.csv")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "--force" in res.output
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0
    with Store(db) as s:
        assert s.count("tickets") == doc["rows"]["tickets"] and s.count("customers") == doc["rows"]["customers"]


def test_kpi_rows_compare_months() -> None:
    from cxmetrics.interfaces.cli.demo_cmd import KPIS, _fmt, kpi_rows

    this, prev = dt.date(2024, 12, 1), dt.date(2024, 11, 1)
    frame = pd.DataFrame([
        {"metric": "ticket_volume", "period_start": "2024-11-01", "value": 1000.0},
        {"metric": "ticket_volume", "period_start": "2024-12-01", "value": 1250.0},
        {"metric": "fcr_rate", "period_start": "2024-11-01", "value": 70.0},
        {"metric": "fcr_rate", "period_start": "2024-12-01", "value": 72.5},
        {"metric": "first_response_time", "period_start": "2024-12-01", "value": 5400.0},
    ])
    rows = {r["metric"]: r for r in kpi_rows(frame, this, prev)}
    assert set(rows) == set(KPIS)
    assert rows["ticket_volume"]["change"] == pytest.approx(25.0)
    assert rows["fcr_rate"]["change"] == pytest.approx(2.5) and rows["fcr_rate"]["change_unit"] == "points"
    assert rows["first_response_time"]["last_month"] is None and rows["first_response_time"]["change"] is None
    assert _fmt(5400.0, "seconds") == "1h 30m" and _fmt(72.5, "percent") == "72.5%"
