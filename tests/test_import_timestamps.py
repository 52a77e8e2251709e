"""Timestamp rules: ISO with and without offset, zones and DST, day/month order, Excel serials."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import cxmetrics as cx
from cxmetrics.ingest import parse as P


@pytest.fixture
def store(tmp_path: Path):
    s = cx.connect(tmp_path / "cx.duckdb")
    yield s
    s.close()


def utc(values: list[str | None], zone: str = "UTC", order: str | None = None, excel: bool = False) -> list:
    st = P.parse_stamps(pa.array(values, pa.string()), date_order=order, excel=excel)
    out = P.to_utc(st, zone)
    return [None if np.isnat(v) else str(v.astype("M8[s]")).replace("T", " ") for v in out]


def issues(values: list[str], order: str | None = None) -> list[tuple[list[int], str]]:
    st = P.parse_stamps(pa.array(values), date_order=order)
    return [(np.flatnonzero(m).tolist(), r) for m, r in st.issues]


def test_iso_with_and_without_offset():
    vals = ["2021-03-22T10:00:00+02:00", "2021-03-22T10:00:00Z", "2021-03-22 10:00", "2021-03-22",
            "2021-03-22T10:00:00.250-0530", "", None]
    assert utc(vals, "Europe/Helsinki") == [
        "2021-03-22 08:00:00", "2021-03-22 10:00:00",
        "2021-03-22 08:00:00", "2021-03-21 22:00:00",  # naive: Helsinki winter time, UTC+2
        "2021-03-22 15:30:00", None, None,
    ]
    st = P.parse_stamps(pa.array(["2021-03-22T10:00:00.250-0530"]), date_order=None)
    assert str(P.to_utc(st, "UTC")[0]) == "2021-03-22T15:30:00.250000"


def test_invalid_iso_falls_back_per_value():
    vals = ["2021-02-28T10:00:00", "2021-02-30T10:00:00", "2021-03-22T10:00:00 +02:00"]
    assert utc(vals) == ["2021-02-28 10:00:00", None, "2021-03-22 08:00:00"]
    assert issues(vals) == [([1], "not a valid date/time: {value!r}")]


def test_dst_overlap_takes_the_first_occurrence():
    # Europe/Helsinki falls back from 04:00 EEST to 03:00 EET on 2021-10-31: 03:30 happens twice
    assert utc(["2021-10-31 03:30", "2021-10-31 02:59", "2021-10-31 04:00"], "Europe/Helsinki") == [
        "2021-10-31 00:30:00",  # 03:30+03:00, the earlier instant
        "2021-10-30 23:59:00",
        "2021-10-31 02:00:00",
    ]


def test_dst_gap_uses_the_offset_before_the_change():
    # New York springs forward at 02:00 on 2021-03-14: 02:30 does not exist and reads as 03:30 EDT
    assert utc(["2021-03-14 02:30", "2021-03-14 01:59", "2021-03-14 03:00"], "America/New_York") == [
        "2021-03-14 07:30:00", "2021-03-14 06:59:00", "2021-03-14 07:00:00"]


def test_day_first_month_first_and_dots():
    assert utc(["22-03-2021", "22.03.2021 14:05", "03/04/2021"], order="dmy") == [
        "2021-03-22 00:00:00", "2021-03-22 14:05:00", "2021-04-03 00:00:00"]
    assert utc(["03/22/2021 14:05", "3/4/2021 2:05 PM", "12/31/2021 12:00 am"], order="mdy") == [
        "2021-03-22 14:05:00", "2021-03-04 14:05:00", "2021-12-31 00:00:00"]
    assert utc(["21/03/22"], order="ymd") == ["2021-03-22 00:00:00"]
    assert utc(["22 Mar 2021", "Mar 22, 2021 10:00", "22-March-2021"]) == [
        "2021-03-22 00:00:00", "2021-03-22 10:00:00", "2021-03-22 00:00:00"]


def test_wrong_order_is_an_invalid_date():
    assert utc(["03/22/2021"], order="dmy") == [None]
    assert issues(["03/22/2021"], order="dmy") == [([0], "not a valid date/time: {value!r}")]


def test_ambiguous_without_order_is_reported_not_guessed():
    assert utc(["03/04/2021", "05/05/2021"]) == [None, "2021-05-05 00:00:00"]
    [(rows, reason)] = issues(["03/04/2021", "05/05/2021"])
    assert rows == [0] and "ambiguous" in reason and "--date-order" in reason


def test_order_evidence():
    ev = P.order_evidence(pa.array(["01/02/2021", "22/03/2021", None]))
    assert (ev.dmy, ev.mdy, ev.decide()) == (1, 0, "dmy")
    ev.add(P.order_evidence(pa.array(["03/22/2021"])))
    assert ev.decide() is None and ev.examples == {"dmy": "22/03/2021", "mdy": "03/22/2021"}


def test_excel_serials_only_for_spreadsheets():
    assert utc(["44277.5", "44277"], excel=True) == ["2021-03-22 12:00:00", "2021-03-22 00:00:00"]
    assert utc(["44277.5"]) == [None]


def test_file_detects_day_first_from_any_column(store, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,created_at,solved_at\nA,01/02/2021 10:00,01/02/2021 11:00\n"
                 "B,02/03/2021 10:00,25/03/2021 09:00\n")
    res = store.import_file("tickets", p)
    assert res.rejected == 0 and res.date_order == "dmy (detected)"
    got = store.raw.execute("SELECT created_at::VARCHAR FROM tickets ORDER BY 1").fetchall()
    assert got == [("2021-02-01 10:00:00",), ("2021-03-02 10:00:00",)]
    opts = store.raw.execute("SELECT options FROM _import_log").fetchone()[0]
    assert '"date_order": "dmy (detected)"' in opts


def test_ambiguous_file_quarantines_and_says_which(store, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,created_at\nA,01/02/2021\nB,03/03/2021\n")
    res = store.import_file("tickets", p)
    assert (res.inserted, res.rejected) == (1, 1)
    assert "ambiguous date '01/02/2021'" in res.problems[0]["reason"]
    assert store.import_file("tickets", p, date_order="mdy").inserted == 1


def test_mixed_orders_in_a_file_are_reported(store, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,created_at\nA,13/01/2021\nB,01/13/2021\nC,02/02/2021\nD,01/02/2021\n")
    res = store.import_file("tickets", p, accept_partial=True)
    assert res.rejected == 3 and res.inserted == 1  # only 02/02 reads the same both ways
    assert any("mixes day-first (13/01/2021) and month-first (01/13/2021)" in p["reason"] for p in res.problems)


def test_naive_times_use_tz_option_then_config(store, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,created_at\nA,2021-07-01 12:00\nB,2021-07-01T12:00:00+00:00\n")
    res = store.import_file("tickets", p, tz="Europe/Helsinki")
    assert res.tz == "Europe/Helsinki"
    got = dict(store.raw.execute("SELECT ticket_id, created_at::VARCHAR FROM tickets").fetchall())
    assert got == {"A": "2021-07-01 09:00:00", "B": "2021-07-01 12:00:00"}
    assert store.raw.execute("SELECT tz FROM _import_log").fetchone()[0] == "Europe/Helsinki"


def test_configured_zone_is_the_default(tmp_path):
    from cxmetrics.settings import Config

    s = cx.connect(tmp_path / "z.duckdb", config=Config(timezone="America/New_York"))
    p = tmp_path / "t.csv"
    p.write_text("ticket_id,created_at\nA,2021-07-01 12:00\n")
    try:
        assert s.import_file("tickets", p).tz == "America/New_York"
        assert s.raw.execute("SELECT created_at::VARCHAR FROM tickets").fetchone()[0] == "2021-07-01 16:00:00"
    finally:
        s.close()
