"""Months and quarters of the programme calendar (pure Python).

One definition for every area: the committee cut-off (last quarter end), the alliance's
evaluation date D (+ 18 calendar months), the ANS quarters and the routes' entry cohorts
must agree on where a month or a quarter ends. A quarter is written ``'2026Q3'``.
The SQL counterparts (same results in the store) are in ``data_access.core.calendar``.
"""

from __future__ import annotations

import datetime as dt
import re

from rules.core.clock import today

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")  # the canonical code, '2026Q3'
_SPANISH_QUARTER_RE = re.compile(r"^T([1-4])(\d{4})$")


# ----------------------------------------------------------------------------- months


def month_end(year: int, month: int) -> dt.date:
    """Last day of a month."""
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later (or earlier when negative); a day that does not exist becomes
    the month's last day (2024-08-31 + 18 → 2026-02-28)."""
    year, month0 = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return dt.date(year, month0 + 1, min(day.day, month_end(year, month0 + 1).day))


# --------------------------------------------------------------------------- quarters


def quarter_of(day: dt.date) -> str:
    """The quarter containing ``day``: 2024-08-31 → '2024Q3'."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> str:
    """Validate '2026Q3' (also accepts '2026-Q3', 'T3 2026', lower case); returns '2026Q3'."""
    raw = (text or "").strip().upper().replace("-", "").replace(" ", "")
    m = QUARTER_RE.match(raw)
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    t = _SPANISH_QUARTER_RE.match(raw)
    if t:
        return f"{t.group(2)}Q{t.group(1)}"
    raise ValueError(f"Trimestre «{text}» no válido: escríbalo como AAAAQn, por ejemplo 2026Q3.")


def quarter_parts(quarter: str) -> tuple[int, int]:
    """'2026Q3' → (2026, 3), without validation (callers hold canonical codes)."""
    return int(quarter[:4]), int(quarter[-1])


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    year, n = quarter_parts(parse_quarter(quarter))
    return dt.date(year, 3 * (n - 1) + 1, 1), month_end(year, 3 * n)


def quarter_end(quarter: str) -> dt.date:
    """Last day of a quarter: '2024Q1' → 2024-03-31."""
    return quarter_bounds(quarter)[1]


def shift_quarter(quarter: str, n: int) -> str:
    """The quarter ``n`` quarters later (earlier when negative)."""
    year, q = quarter_parts(parse_quarter(quarter))
    index = year * 4 + q - 1 + n
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_window(last: str, size: int) -> tuple[str, ...]:
    """``size`` consecutive quarters ending with ``last`` (oldest first)."""
    return tuple(shift_quarter(last, -i) for i in range(size - 1, -1, -1))


def quarters_between(first: str, last: str) -> tuple[str, ...]:
    """Every quarter from ``first`` to ``last`` inclusive (oldest first; empty when first > last)."""
    out = []
    q, last = parse_quarter(first), parse_quarter(last)
    while q <= last:
        out.append(q)
        q = shift_quarter(q, 1)
    return tuple(out)


# ------------------------------------------------------------------------ quarter ends


def last_quarter_end(day: dt.date | None = None) -> dt.date:
    """The last quarter end on or before ``day`` (default: ``rules.core.clock.today()``):
    the default committee cut-off."""
    if day is None:
        day = today()
    start, end = quarter_bounds(quarter_of(day))
    return end if day == end else start - dt.timedelta(days=1)


def previous_quarter_end(day: dt.date) -> dt.date:
    """The quarter end strictly before ``day`` (30/09 → 30/06; 23/11 → 30/09): the date a
    figure at cut-off ``day`` is compared with."""
    return last_quarter_end(day - dt.timedelta(days=1))


def trailing_quarter_ends(cutoff: dt.date, count: int) -> list[dt.date]:
    """The cut-off and the ``count - 1`` quarter ends before it, oldest first."""
    ends = [cutoff]
    while len(ends) < count:
        ends.append(previous_quarter_end(ends[-1]))
    return list(reversed(ends))


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Quarter ends from the quarter containing ``start`` to the last one on or before ``end``."""
    out = []
    q = quarter_end(quarter_of(start))
    while q <= end:
        out.append(q)
        q = quarter_end(quarter_of(q + dt.timedelta(days=1)))
    return out


def year_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """31 December of every year from ``start``'s to the last one on or before ``end``."""
    return [dt.date(y, 12, 31) for y in range(start.year, end.year + 1) if dt.date(y, 12, 31) <= end]
