"""The programme calendar: month and quarter arithmetic (``rules.core.calendar``) and its SQL
counterparts (``data_access.core.calendar``), checked day by day on both stores."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Date, literal, select

from data_access.core.calendar import day_number, days_between, sql_add_months, sql_minus_days
from data_access.core.db import get_engine, is_sqlite
from data_access.demo.arrays import day_number as demo_day_number
from data_access.demo.arrays import quarter_labels
from rules.core.calendar import (
    add_months,
    last_quarter_end,
    month_end,
    parse_quarter,
    previous_quarter_end,
    quarter_bounds,
    quarter_end,
    quarter_ends,
    quarter_of,
    quarter_window,
    quarters_between,
    shift_quarter,
    trailing_quarter_ends,
    year_ends,
)

D = dt.date


# ----------------------------------------------------------------------------- months


def test_add_months_clamps_to_the_month_end():
    assert add_months(D(2024, 8, 31), 18) == D(2026, 2, 28)
    assert add_months(D(2022, 8, 31), 18) == D(2024, 2, 29)  # leap year target
    assert add_months(D(2024, 2, 29), 18) == D(2025, 8, 29)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert add_months(D(2024, 1, 31), 13) == D(2025, 2, 28)
    assert add_months(D(2024, 12, 15), 1) == D(2025, 1, 15)
    assert add_months(D(2025, 1, 15), -1) == D(2024, 12, 15)
    assert month_end(2024, 2) == D(2024, 2, 29) and month_end(2025, 12) == D(2025, 12, 31)


# --------------------------------------------------------------------------- quarters


def test_quarter_codes():
    assert quarter_of(D(2024, 8, 31)) == "2024Q3"
    assert quarter_of(D(2024, 1, 1)) == "2024Q1" and quarter_of(D(2024, 12, 31)) == "2024Q4"
    assert parse_quarter("2026q3") == "2026Q3"
    assert parse_quarter("2026-Q3") == "2026Q3"
    assert parse_quarter("T3 2026") == "2026Q3"
    with pytest.raises(ValueError, match="2026Q3"):
        parse_quarter("2026Q5")


def test_quarter_bounds_and_ends():
    assert quarter_bounds("2026Q4") == (D(2026, 10, 1), D(2026, 12, 31))
    assert quarter_bounds("2024Q1") == (D(2024, 1, 1), D(2024, 3, 31))
    assert quarter_end("2024Q1") == D(2024, 3, 31)
    assert quarter_end("2024Q4") == D(2024, 12, 31)


def test_quarter_lists_and_shifts():
    assert shift_quarter("2026Q1", -1) == "2025Q4"
    assert shift_quarter("2025Q4", 5) == "2027Q1"
    assert quarter_window("2026Q2", 3) == ("2025Q4", "2026Q1", "2026Q2")
    assert quarters_between("2025Q3", "2026Q1") == ("2025Q3", "2025Q4", "2026Q1")
    assert quarters_between("2026Q1", "2025Q3") == ()


def test_cutoff_quarter_ends():
    assert last_quarter_end(D(2026, 11, 23)) == D(2026, 9, 30)
    assert last_quarter_end(D(2026, 1, 5)) == D(2025, 12, 31)
    assert last_quarter_end(D(2026, 3, 31)) == D(2026, 3, 31)
    assert previous_quarter_end(D(2026, 9, 30)) == D(2026, 6, 30)
    assert previous_quarter_end(D(2026, 11, 23)) == D(2026, 9, 30)
    assert previous_quarter_end(D(2026, 3, 31)) == D(2025, 12, 31)
    assert previous_quarter_end(D(2026, 1, 1)) == D(2025, 12, 31)


def test_last_quarter_end_defaults_to_the_clock(monkeypatch):
    monkeypatch.setenv("TABLERO_TODAY", "2026-11-23")
    assert last_quarter_end() == D(2026, 9, 30)


def test_series_of_quarter_and_year_ends():
    assert trailing_quarter_ends(D(2026, 11, 23), 3) == [D(2026, 6, 30), D(2026, 9, 30), D(2026, 11, 23)]
    assert trailing_quarter_ends(D(2026, 9, 30), 2) == [D(2026, 6, 30), D(2026, 9, 30)]
    assert quarter_ends(D(2024, 2, 10), D(2024, 12, 30)) == [D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30)]
    assert quarter_ends(D(2024, 3, 31), D(2024, 3, 31)) == [D(2024, 3, 31)]
    assert year_ends(D(2024, 5, 1), D(2026, 6, 30)) == [D(2024, 12, 31), D(2025, 12, 31)]


def test_every_day_of_a_quarter_maps_back_to_it():
    day = D(2023, 1, 1)
    while day <= D(2027, 12, 31):
        start, end = quarter_bounds(quarter_of(day))
        assert start <= day <= end and quarter_end(quarter_of(day)) == end
        day += dt.timedelta(days=1)


def test_demo_quarter_labels_follow_the_calendar():
    """The demo's vectorised cohort quarters are the calendar's, day by day."""
    days = [D(2022, 12, 31) + dt.timedelta(days=i) for i in range(5 * 366)]
    got = quarter_labels(np.array([demo_day_number(d) for d in days], dtype=np.int64))
    assert got.tolist() == [quarter_of(d) for d in days]


# ------------------------------------------------------------------------ SQL, day by day


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@pytest.mark.parametrize("months", [1, 18])
def test_sql_add_months_matches_python_every_day(empty_store, months):
    days = [D(2022, 1, 1) + dt.timedelta(days=i) for i in range(0, 3 * 366 + 1)]
    got = []
    with get_engine(empty_store).connect() as conn:
        for i in range(0, len(days), 200):
            chunk = days[i:i + 200]
            cols = [sql_add_months(literal(d, Date), months).label(f"c{j}") for j, d in enumerate(chunk)]
            got += [_as_date(v) for v in conn.execute(select(*cols)).one()]
            minus = conn.execute(select(sql_minus_days(literal(chunk[0], Date), 180))).scalar()
            assert _as_date(minus) == chunk[0] - dt.timedelta(days=180)
    assert got == [add_months(d, months) for d in days]
    with pytest.raises(ValueError):
        sql_add_months(literal(D(2024, 1, 1), Date), -1)


def test_sql_day_differences(empty_store):
    pairs = [(D(2026, 3, 1), D(2026, 2, 1)), (D(2024, 3, 1), D(2024, 2, 28)), (D(2026, 1, 1), D(2026, 1, 1)),
             (D(2025, 1, 1), D(2026, 1, 1))]
    engine = get_engine(empty_store)
    with engine.connect() as conn:
        for later, earlier in pairs:
            a, b = literal(later, Date), literal(earlier, Date)
            assert conn.execute(select(days_between(a, b))).scalar() == (later - earlier).days
            sqlite = is_sqlite(engine)
            diff = conn.execute(select(day_number(a, sqlite) - day_number(b, sqlite))).scalar()
            assert diff == (later - earlier).days
