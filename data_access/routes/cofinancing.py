"""Household co-financing of ruta básica micro-projects, aggregated for the figures that include it:
the overview's co-financing (with the business plans, each part visible) and the map's municipality
profile. Scoped like every programme record: territory, the enrolment's operator, the route (básica).

Definitions: committed = Σ committed COP of records whose commitment date is on or before the date
(within ``[period_start, date]`` when a period is set); disbursed = Σ disbursed COP of records whose
disbursement date is on or before the date (same window).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.engine import Connection

from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import HouseholdCofinancing
from data_access.core.scope import Viewer, record_clause
from data_access.core.versions import reads
from rules.routes.cofinancing import ROUTE

HC = HouseholdCofinancing


def scope(viewer: Viewer, filters: GlobalFilters):
    """The records the viewer sees under the filters (their route is básica by construction)."""
    route = literal(ROUTE)
    return and_(record_clause(viewer, HC.municipality_code, HC.operator_id, route),
                filters.territory_clause(HC.municipality_code), filters.route_clause(route))


def _window(col, day: dt.date, start: dt.date | None):
    cond = col <= literal(day, Date())
    return and_(cond, col >= literal(start, Date())) if start is not None else cond


def _sum_if(cond, expr):
    return func.coalesce(func.sum(case((cond, expr), else_=0)), 0)


def sums_at(conn: Connection, viewer: Viewer, filters: GlobalFilters, days: list[dt.date]) -> dict[dt.date, tuple]:
    """(committed, disbursed) COP at each of ``days``, in one scan."""
    start = filters.period_start
    cols = []
    for day in days:
        cols += [_sum_if(_window(HC.committed_on, day, start), HC.committed_cop),
                 _sum_if(_window(HC.disbursed_on, day, start), HC.disbursed_cop)]
    row = conn.execute(select(*cols).where(scope(viewer, filters))).one()
    return {day: (int(row[2 * i]), int(row[2 * i + 1])) for i, day in enumerate(days)}


@reads("participants", "reference")
def municipality_summary(viewer: Viewer, filters: GlobalFilters, code: str, url: str | None = None) -> dict:
    """One municipality's household co-financing at the cut-off: households with a commitment, with
    the requirements met, with a disbursement, and the COP committed and disbursed."""
    f = filters.with_(municipality_code=code, department_code=None, regional_office_id=None)
    d, start = f.cutoff, f.period_start
    committed = _window(HC.committed_on, d, start)
    disbursed = _window(HC.disbursed_on, d, start)
    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(
                _sum_if(committed, 1), _sum_if(and_(committed, HC.requirements_met), 1), _sum_if(disbursed, 1),
                _sum_if(committed, HC.committed_cop), _sum_if(disbursed, HC.disbursed_cop),
            ).where(scope(viewer, f), HC.municipality_code == code)
        ).one()
    keys = ("households_committed", "requirements_met", "households_disbursed", "committed_cop", "disbursed_cop")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}
