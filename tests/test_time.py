"""Reporting time zones (DST-correct periods) and business-hours durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmetrics.errors import ConfigError
from cxmetrics.periods.grain import PeriodSpec
from cxmetrics.settings import config_from_dict
from tests.scenario import T

HEL = "Europe/Helsinki"


def test_month_periods_follow_local_midnight() -> None:
    f = PeriodSpec("month", HEL, dt.date(2024, 3, 1), dt.date(2024, 4, 30)).frame()
    # Helsinki is UTC+2 in winter, UTC+3 from 2024-03-31 03:00 local
    assert f["p_start"].tolist() == [pd.Timestamp("2024-02-29 22:00"), pd.Timestamp("2024-03-31 21:00")]
    assert f["p_end"].tolist() == [pd.Timestamp("2024-03-31 21:00"), pd.Timestamp("2024-04-30 21:00")]


def test_dst_days_have_23_and_25_hours() -> None:
    spring = PeriodSpec("day", HEL, dt.date(2024, 3, 31), dt.date(2024, 3, 31)).frame().iloc[0]
    autumn = PeriodSpec("day", HEL, dt.date(2024, 10, 27), dt.date(2024, 10, 27)).frame().iloc[0]
    assert spring.p_end - spring.p_start == pd.Timedelta(hours=23)
    assert autumn.p_end - autumn.p_start == pd.Timedelta(hours=25)


def test_weeks_start_monday_and_from_to_clip() -> None:
    f = PeriodSpec("week", "UTC", dt.date(2024, 3, 6), dt.date(2024, 3, 12)).frame()
    assert f["period_start"].tolist() == ["2024-03-04", "2024-03-11"]
    assert f["p_start"].iloc[0] == pd.Timestamp("2024-03-06")  # --from is inclusive and clips
    assert f["p_end"].iloc[-1] == pd.Timestamp("2024-03-13")  # --to is inclusive


def test_quarter_year_total() -> None:
    q = PeriodSpec("quarter", "UTC", dt.date(2024, 2, 1), dt.date(2024, 7, 1)).frame()
    assert q["period_start"].tolist() == ["2024-01-01", "2024-04-01", "2024-07-01"]
    y = PeriodSpec("year", "UTC", dt.date(2023, 12, 31), dt.date(2024, 1, 1)).frame()
    assert y["period_start"].tolist() == ["2023-01-01", "2024-01-01"]
    t = PeriodSpec("total", "UTC", None, None).frame()
    assert len(t) == 1 and pd.isna(t["period_start"].iloc[0])


def _reference_frame(spec: PeriodSpec) -> pd.DataFrame:
    """The period frame as first written: rows of Python objects, converted column by column."""
    from zoneinfo import ZoneInfo

    from cxmetrics.periods.grain import MAX_INSTANT, MIN_INSTANT, floor_local, local_midnight_utc, next_start

    zone = ZoneInfo(spec.tz)
    lo = local_midnight_utc(spec.start, zone) if spec.start else MIN_INSTANT
    hi = local_midnight_utc(spec.end + dt.timedelta(days=1), zone) if spec.end else MAX_INSTANT
    rows = []
    if spec.grain == "total":
        rows.append((0, None, lo, hi))
    else:
        assert spec.start is not None and spec.end is not None
        d, i = floor_local(spec.start, spec.grain), 0
        while d <= spec.end:
            nxt = next_start(d, spec.grain)
            rows.append((i, d, max(local_midnight_utc(d, zone), lo), min(local_midnight_utc(nxt, zone), hi)))
            d, i = nxt, i + 1
    df = pd.DataFrame(rows, columns=["period_index", "period_start", "p_start", "p_end"])
    df["period_index"] = df["period_index"].astype("int64")
    df["p_start"] = pd.to_datetime(df["p_start"]).astype("datetime64[us]")
    df["p_end"] = pd.to_datetime(df["p_end"]).astype("datetime64[us]")
    df["period_start"] = df["period_start"].astype("string")
    return df


@settings(max_examples=200, deadline=None)
@given(grain=st.sampled_from(["day", "week", "month", "quarter", "year", "total"]),
       tz=st.sampled_from(["UTC", HEL, "America/Los_Angeles", "America/Havana", "Asia/Kolkata", "Pacific/Apia"]),
       start=st.dates(dt.date(1901, 1, 1), dt.date(2198, 1, 1)), days=st.integers(0, 800),
       open_ended=st.booleans())
def test_the_period_frame_equals_its_reference_construction(grain: str, tz: str, start: dt.date, days: int,
                                                            open_ended: bool) -> None:
    """The period frame, built from typed columns, equals the frame of its first construction:
    the same periods, UTC bounds to the microsecond, dtypes and missing period_start."""
    end = start + dt.timedelta(days=days)
    spec = PeriodSpec(grain, tz, None if grain == "total" and open_ended else start,
                      None if grain == "total" and open_ended else end)
    pd.testing.assert_frame_equal(spec.frame(), _reference_frame(spec))


def _tickets(store, created: list[pd.Timestamp]) -> None:
    store.import_frame("tickets", pd.DataFrame({"ticket_id": [f"t{i}" for i in range(len(created))],
                                                "created_at": created}))


def test_month_boundary_in_local_zone(store) -> None:
    # 2024-03-31 21:30 UTC is 2024-04-01 00:30 in Helsinki (EEST): April there, March in UTC.
    _tickets(store, [T("2024-03-31 21:30"), T("2024-03-31 20:30"), T("2024-02-29 22:30")])
    hel = store.metrics(["ticket_volume"], grain="month", tz=HEL, from_="2024-02-01", to="2024-04-30")
    utc = store.metrics(["ticket_volume"], grain="month", tz="UTC", from_="2024-02-01", to="2024-04-30")
    # 02-29 22:30 UTC is 03-01 00:30 local; a month before the first ticket or after the
    # last has no data (None), not zero tickets
    assert [None if pd.isna(v) else v for v in hel["value"]] == [None, 2, 1]
    assert [None if pd.isna(v) else v for v in utc["value"]] == [1, 2, None]


def test_autumn_dst_day_counts_25_hours(store) -> None:
    # local 2024-10-27 runs from 10-26 21:00 UTC to 10-27 22:00 UTC
    _tickets(store, [T("2024-10-26 21:00"), T("2024-10-27 21:59"), T("2024-10-27 22:00"), T("2024-10-26 20:59")])
    df = store.metrics(["ticket_volume"], grain="day", tz=HEL, from_="2024-10-26", to="2024-10-28")
    assert df["value"].tolist() == [1, 2, 1]


def test_from_to_are_inclusive_local_dates(store) -> None:
    _tickets(store, [T("2024-03-01 00:00"), T("2024-03-31 23:59"), T("2024-04-01 00:00")])
    df = store.metrics(["ticket_volume"], grain="total", from_="2024-03-01", to="2024-03-31")
    assert df["value"].tolist() == [2]
    assert df["period_start"].isna().all()


def _biz(store, **bh) -> float:
    from cxmetrics.settings import config_from_dict

    store.config = config_from_dict({"timezone": "UTC", "business_hours": bh})
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["b1"], "created_at": [T("2024-03-01 16:00")],  # a Friday
        "first_reply_at": [T("2024-03-04 10:00")], "solved_at": [T("2024-03-05 10:00")], "status": ["solved"],
    }))
    df = store.metrics(["first_response_time"], grain="total", hours="business")
    return float(df["value"].iloc[0])


def test_business_hours_skip_nights_and_weekends(store) -> None:
    # Fri 16:00-17:00 (1 h) + Mon 09:00-10:00 (1 h)
    assert _biz(store) == 7200


def test_business_hours_skip_explicit_holidays(store) -> None:
    # Monday is a holiday: only Friday's hour counts
    assert _biz(store, holidays=["2024-03-04"]) == 3600


def test_business_hours_use_country_holidays(store) -> None:
    store.config = config_from_dict({"timezone": "UTC", "business_hours": {"country": "FI"}})
    # 2024-12-24..26 are Finnish holidays; created Mon 12-23 16:00, replied Fri 12-27 10:00
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["x"], "created_at": [T("2024-12-23 16:00")], "first_reply_at": [T("2024-12-27 10:00")]}))
    df = store.metrics(["first_response_time"], grain="total", hours="business")
    assert df["value"].tolist() == [7200]


def test_business_hours_in_local_zone_across_dst(store) -> None:
    store.config = config_from_dict({"timezone": HEL, "business_hours": {"week": {"sat": "", "sun": ""}}})
    # Fri 2024-03-29 14:00 UTC = 16:00 EET (1 h left); Mon 04-01 07:00 UTC = 10:00 EEST (1 h in)
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["x"], "created_at": [T("2024-03-29 14:00")], "first_reply_at": [T("2024-04-01 07:00")]}))
    df = store.metrics(["first_response_time"], grain="total", hours="business")
    assert df["value"].tolist() == [7200]
    cal = store.metrics(["first_response_time"], grain="total")
    assert cal["value"].tolist() == [3 * 86400 - 7 * 3600]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"business_hours": {"week": {"mon": "9-17"}}}, "HH:MM-HH:MM"),
        ({"business_hours": {"week": {"mon": "17:00-09:00"}}}, "end after"),
        ({"business_hours": {"week": {"funday": "09:00-10:00"}}}, "unknown day"),
        ({"sla": {"first_reply": {"email": "soon"}}}, "not a duration"),
        ({"colour": "blue"}, "unknown setting"),
    ],
)
def test_config_errors_are_clear(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)


def test_sla_targets_from_config(store) -> None:
    store.config = config_from_dict({"sla": {"first_reply": {"default": "10m"}, "priority_first_reply": {"urgent": "1m"}}})
    store.import_frame("tickets", pd.DataFrame({
        "ticket_id": ["a", "b", "c"], "created_at": [T("2024-03-01 10:00")] * 3,
        "first_reply_at": [T("2024-03-01 10:05"), T("2024-03-01 10:05"), T("2024-03-01 10:20")],
        "priority": ["normal", "urgent", "normal"], "channel": ["email", "email", "chat"]}))
    df = store.metrics(["sla_attainment"], grain="total")
    # a: 5 min <= 10 min met; b: urgent 1 min target missed; c: 20 min > 10 min missed
    assert (df["numerator"].iloc[0], df["denominator"].iloc[0]) == (1, 3)


@pytest.fixture(scope="module")
def ibis_duckdb() -> Iterator[Any]:
    import ibis

    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


@given(st.lists(st.tuples(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2241, 12, 31)),
                          st.sampled_from([0, 1, 499_999, 500_000, 999_999])), min_size=1, max_size=40))
def test_whole_epoch_seconds_floor_to_the_second(ibis_duckdb: Any, stamps: list[tuple[dt.datetime, int]]) -> None:
    """FLOOR(EPOCH(x)) stands for EPOCH(DATE_TRUNC('SECOND', x)), a quarter of its cost: whole
    seconds before 1970 too (floored, not towards zero) and at .999999 (no rounding up)."""
    import ibis

    from cxmetrics.periods.business import whole_epoch_seconds

    xs = [x.replace(microsecond=micro) for x, micro in stamps]
    t = ibis.memtable({"x": xs}, schema={"x": "timestamp"})
    got = ibis_duckdb.execute(t.select(s=whole_epoch_seconds(t.x)))["s"].tolist()
    assert got == [(x.replace(microsecond=0) - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1) for x in xs]
