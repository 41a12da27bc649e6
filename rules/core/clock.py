"""Today's date, overridable with TABLERO_TODAY=YYYY-MM-DD for reproducible runs."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    fixed = os.environ.get("TABLERO_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()
