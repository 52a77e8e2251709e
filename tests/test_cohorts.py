"""Cohort tables by acquisition month, checked by hand (UTC unless said).

cohort 2024-01: a (never lost), b (lost 15 Feb), c (lost 25 Jan), d (acquired 31 Jan 23:30, lost 1 Apr)
cohort 2024-02: e, f (lost 3 Mar)
cohort 2024-03: g
orders: a in Jan and Mar; b twice in Jan; e in Apr; g in Mar and Apr (the latest instant: 30 Apr)
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cxmetrics.analyses.cohorts import cohort_table
from cxmetrics.errors import QueryError
from tests.scenario import T


@pytest.fixture
def shop(store):
    rows = [("a", "2024-01-05", None, "consumer"), ("b", "2024-01-10", "2024-02-15", "consumer"),
            ("c", "2024-01-20", "2024-01-25", "business"), ("d", "2024-01-31 23:30", "2024-04-01", "business"),
            ("e", "2024-02-02", None, "consumer"), ("f", "2024-02-20", "2024-03-03", "business"),
            ("g", "2024-03-10", None, "consumer")]
    store.import_frame("customers", pd.DataFrame({
        "customer_id": [r[0] for r in rows], "acquired_at": [T(r[1]) for r in rows],
        "churned_at": [T(r[2]) if r[2] else None for r in rows], "segment": [r[3] for r in rows]}))
    orders = [("a", "2024-01-06"), ("a", "2024-03-01"), ("b", "2024-01-11"), ("b", "2024-01-12"),
              ("e", "2024-04-02"), ("g", "2024-03-11"), ("g", "2024-04-30")]
    store.import_frame("orders", pd.DataFrame({
        "order_id": [f"o{i}" for i in range(len(orders))], "customer_id": [o[0] for o in orders],
        "ordered_at": [T(o[1]) for o in orders], "amount": 10.0}))
    return store


def cells(df: pd.DataFrame, cohort: str, column: str) -> list:
    return df[df.cohort_month == cohort].sort_values("months_since_acquisition")[column].tolist()


def test_cohort_table_by_hand(shop) -> None:
    df = cohort_table(shop)
    assert cells(df, "2024-01", "months_since_acquisition") == [0, 1, 2, 3]  # April is the last month seen
    assert cells(df, "2024-01", "customers") == [4] * 4
    assert cells(df, "2024-01", "active") == [4, 3, 2, 2]  # c gone in Jan, b in Feb; d leaves in Apr
    assert cells(df, "2024-01", "retention") == [100.0, 75.0, 50.0, 50.0]
    assert cells(df, "2024-01", "buyers") == [2, 2, 2, 2]
    assert cells(df, "2024-01", "repeat_buyers") == [1, 1, 2, 2]  # b in month 0, a in month 2
    assert cells(df, "2024-01", "repeat_purchase_rate") == [50.0, 50.0, 100.0, 100.0]
    assert cells(df, "2024-02", "active") == [2, 2, 1]  # f leaves in March: still there when it began
    assert cells(df, "2024-02", "buyers") == [0, 0, 1]
    rpr = cells(df, "2024-02", "repeat_purchase_rate")
    assert np.isnan(rpr[0]) and np.isnan(rpr[1]) and rpr[2] == 0.0
    assert cells(df, "2024-03", "repeat_purchase_rate") == [0.0, 100.0]
    assert list(df.columns) == ["cohort_month", "months_since_acquisition", "customers", "active", "retention",
                                "buyers", "repeat_buyers", "repeat_purchase_rate"]


def test_months_range_zone_and_split(shop) -> None:
    short = cohort_table(shop, months=1)
    assert short["months_since_acquisition"].max() == 1 and len(short) == 6
    later = cohort_table(shop, from_="2024-02-01")
    assert sorted(set(later.cohort_month)) == ["2024-02", "2024-03"]
    # d was acquired on 1 February in Helsinki
    hel = cohort_table(shop, tz="Europe/Helsinki")
    assert cells(hel, "2024-01", "customers")[0] == 3 and cells(hel, "2024-02", "customers")[0] == 3
    seg = cohort_table(shop, by="segment")
    jan = seg[(seg.cohort_month == "2024-01") & (seg.months_since_acquisition == 1)].set_index("segment")
    assert jan["active"].to_dict() == {"business": 1, "consumer": 2}
    with pytest.raises(QueryError, match="does not apply"):
        cohort_table(shop, by="channel")


def test_empty_store(store) -> None:
    assert cohort_table(store).empty


def cli(args: list[str]):
    from cxmetrics.interfaces.cli import cohort_cmd
    from cxmetrics.interfaces.cli.main import global_options

    app = typer.Typer()
    app.callback()(global_options)
    cohort_cmd.register(app)
    return CliRunner().invoke(app, args)


def test_cli_formats(shop) -> None:
    db = str(shop.path)
    shop.close()
    res = cli(["--db", db, "cohort", "--months", "2", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["cohorts"]
    assert rows[0] == {"cohort_month": "2024-01", "months_since_acquisition": 0, "customers": 4, "active": 4,
                       "retention": 100.0, "buyers": 2, "repeat_buyers": 1, "repeat_purchase_rate": 50.0}
    assert rows[4]["repeat_purchase_rate"] is None  # February cohort, month 1: no buyers yet
    csv = cli(["--db", db, "cohort", "--format", "csv", "--by", "segment"])
    assert csv.exit_code == 0 and csv.output.splitlines()[0].startswith("cohort_month,segment,")
    table = cli(["--db", db, "cohort", "--show", "repeat"])
    assert table.exit_code == 0 and "m3" in table.output and "repeat" in table.output
    bad = cli(["--db", db, "cohort", "--format", "xml"])
    assert bad.exit_code == 2
