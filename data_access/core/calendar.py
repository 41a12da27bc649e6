"""Date arithmetic in SQL, identical on SQLite and PostgreSQL.

The pure rules (``rules.core.calendar``) say what a month later or a day difference is;
the store must compute the same thing inside one aggregate at national scale, without
loading rows. Each expression here compiles per dialect and is tested day by day against
the pure rule (``tests/test_calendar.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, cast, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_EPOCH = dt.date(2000, 1, 1)


class _AddMonths(FunctionElement):
    type = Date()
    inherit_cache = True
    name = "tablero_add_months"


class _MinusDays(FunctionElement):
    type = Date()
    inherit_cache = True
    name = "tablero_minus_days"


@compiles(_AddMonths, "postgresql")
def _add_months_pg(element, compiler, **kw):
    d, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({d}) + make_interval(months => CAST({n} AS INTEGER)) AS DATE)"


@compiles(_AddMonths)
def _add_months_sqlite(element, compiler, **kw):
    d_expr, n_expr = list(element.clauses)
    d = compiler.process(d_expr, **kw)
    n = compiler.process(n_expr, **kw)
    n2 = compiler.process(n_expr, **kw)
    d2 = compiler.process(d_expr, **kw)
    return (
        f"min(date({d}, '+' || ({n}) || ' months'), "
        f"date({d2}, 'start of month', '+' || (({n2}) + 1) || ' months', '-1 day'))"
    )


@compiles(_MinusDays, "postgresql")
def _minus_days_pg(element, compiler, **kw):
    d, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({d}) - CAST({n} AS INTEGER) AS DATE)"


@compiles(_MinusDays)
def _minus_days_sqlite(element, compiler, **kw):
    d, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({d}, '-' || ({n}) || ' days')"


def sql_add_months(date_expr, months: int):
    """``date_expr`` + ``months`` calendar months, clamped to the month's last day
    (``rules.core.calendar.add_months``). PostgreSQL adds an interval (which clamps); SQLite
    takes the smaller of ``date(x, '+N months')`` (which overflows into the next month) and
    the last day of the target month."""
    if months < 0:
        raise ValueError("sql_add_months: months must be ≥ 0")
    return _AddMonths(date_expr, literal(int(months), Integer))


def sql_minus_days(date_expr, days: int):
    """``date_expr`` − ``days`` days."""
    if days < 0:
        raise ValueError("sql_minus_days: days must be ≥ 0")
    return _MinusDays(date_expr, literal(int(days), Integer))


class days_between(FunctionElement):  # noqa: N801 — reads like SQL
    """Whole days from ``earlier`` to ``later`` (``later - earlier``) as an integer."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"CAST(ROUND(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


@compiles(days_between, "postgresql")
def _days_pg(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"(CAST({compiler.process(later, **kw)} AS DATE) - CAST({compiler.process(earlier, **kw)} AS DATE))"


def day_number(col, sqlite: bool):
    """A date as an integer day number: only differences between two of them mean anything
    (days); the origin differs between the stores."""
    if sqlite:
        return cast(func.julianday(col), Integer)
    return col - literal(_EPOCH, Date)


class sql_quarter(FunctionElement):  # noqa: N801 — reads like SQL
    """The quarter of a date as ``rules.core.calendar.quarter_of`` writes it: '2024Q3'."""

    type = String()
    inherit_cache = True
    name = "tablero_quarter"


@compiles(sql_quarter, "sqlite")
def _quarter_sqlite(element, compiler, **kw):
    (d,) = (compiler.process(c, **kw) for c in element.clauses)
    d2 = compiler.process(list(element.clauses)[0], **kw)
    return f"(strftime('%Y', {d}) || 'Q' || ((CAST(strftime('%m', {d2}) AS INTEGER) + 2) / 3))"


@compiles(sql_quarter, "postgresql")
def _quarter_pg(element, compiler, **kw):
    (d,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"to_char(CAST({d} AS DATE), 'YYYY\"Q\"Q')"
