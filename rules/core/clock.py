"""Today's date, overridable with TABLERO_TODAY=YYYY-MM-DD for reproducible runs."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    fixed = os.environ.get("TABLERO_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def last_quarter_end(day: dt.date | None = None) -> dt.date:
    """The last quarter end on or before ``day``: the default committee cut-off."""
    day = day or today()
    month = ((day.month - 1) // 3) * 3  # last month of the previous quarter (0 = Dec last year)
    if month == 0:
        candidate = dt.date(day.year - 1, 12, 31)
    else:
        candidate = dt.date(day.year, month + 1, 1) - dt.timedelta(days=1)
    end_this = dt.date(day.year + (day.month > 9), (((day.month - 1) // 3 + 1) * 3) % 12 + 1, 1) - dt.timedelta(days=1)
    return end_this if end_this == day else candidate
