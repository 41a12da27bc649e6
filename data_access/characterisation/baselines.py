"""Baseline → exit change by route, cohort, territory or operator, aggregated in SQL.

Each enrolment's entry measurement is joined to its exit measurement (both measured on or
before the cut-off); a measure counts an enrolment only when filled at both moments
(``rules.characterisation``: that count is ``n``). Scope is the viewer's records
(``record_clause`` on the baseline's municipality and operator, the enrolment's route for a
dirección de ruta); the global filters narrow territory and route.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased

from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import Baseline, Department, Enrolment, Municipality, Operator, RegionalOffice
from data_access.core.scope import Viewer, record_clause
from data_access.core.versions import reads
from rules import characterisation as CH
from rules.core.catalog import ROUTE_ORDER


@dataclass(frozen=True)
class Row:
    """One group's change of one measure."""

    group: str  # route / cohort / office code / DIVIPOLA / operator code; "total" without grouping
    name: str
    change: CH.Change


def _value(col, measure: CH.Measure):
    return case((col, 1), else_=0) if measure.boolean else col


def _grouping(by: str | None):
    """(code column, name column, joins) of a grouping."""
    E, B = Enrolment, _ENTRY
    if by is None:
        return literal("total"), literal(""), []
    if by == "route":
        return E.route, E.route, []
    if by == "cohort":
        return E.cohort_quarter, E.cohort_quarter, []
    if by == "municipality":
        return B.municipality_code, Municipality.name, [(Municipality, Municipality.code == B.municipality_code)]
    if by == "department":
        return (Municipality.department_code, Department.name,
                [(Municipality, Municipality.code == B.municipality_code),
                 (Department, Department.code == Municipality.department_code)])
    if by == "office":
        return (RegionalOffice.code, RegionalOffice.name,
                [(Municipality, Municipality.code == B.municipality_code),
                 (RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)])
    if by == "operator":
        return Operator.code, Operator.name, [(Operator, Operator.id == B.operator_id)]
    raise ValueError(f"agrupación desconocida {by!r}: use una de {', '.join(CH.BY)}")


_ENTRY = aliased(Baseline, name="b_entry")
_EXIT = aliased(Baseline, name="b_exit")


def _pairs(viewer: Viewer, filters: GlobalFilters):
    """The FROM and WHERE of the entry–exit pairs in scope, at the cut-off."""
    E, A, Z = Enrolment, _ENTRY, _EXIT
    return (lambda stmt: stmt.select_from(A)
            .join(Z, and_(Z.enrolment_id == A.enrolment_id, Z.moment == CH.SALIDA))
            .join(E, E.id == A.enrolment_id)
            .where(A.moment == CH.ENTRADA, A.measured_on <= filters.cutoff, Z.measured_on <= filters.cutoff,
                   record_clause(viewer, A.municipality_code, A.operator_id, route_col=E.route),
                   filters.territory_clause(A.municipality_code), filters.route_clause(E.route)))


@reads("characterisation", "participants")
def change(viewer: Viewer, filters: GlobalFilters, by: str | None = None, url: str | None = None) -> list[Row]:
    """Every measure's change per group (``by`` one of ``rules.characterisation.BY``, None: the
    whole scope); groups with no enrolment measured at both moments are left out."""
    A, Z = _ENTRY, _EXIT
    code, name, joins = _grouping(by)
    columns = [code.label("g"), name.label("name")]
    for m in CH.MEASURES:
        a, z = getattr(A, m.code), getattr(Z, m.code)
        both = and_(a.is_not(None), z.is_not(None))
        columns += [func.sum(case((both, 1), else_=0)).label(f"{m.code}_n"),
                    func.sum(case((both, _value(a, m)), else_=None)).label(f"{m.code}_in"),
                    func.sum(case((both, _value(z, m)), else_=None)).label(f"{m.code}_out"),
                    func.sum(case((and_(both, _value(z, m) > _value(a, m)), 1), else_=0)).label(f"{m.code}_up")]
    stmt = _pairs(viewer, filters)(select(*columns))
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    stmt = stmt.group_by(code, name).order_by(code)
    out = []
    with get_engine(url).connect() as conn:
        for r in conn.execute(stmt).mappings():
            for m in CH.MEASURES:
                n = int(r[f"{m.code}_n"] or 0)
                if not n:
                    continue
                out.append(Row(str(r["g"]) if r["g"] is not None else "", str(r["name"] or ""),
                               CH.Change(m.code, n, float(r[f"{m.code}_in"]) / n, float(r[f"{m.code}_out"]) / n,
                                         int(r[f"{m.code}_up"] or 0))))
    if by == "route":  # básica → intermedia → competitividad, as everywhere
        out.sort(key=lambda row: ROUTE_ORDER.index(row.group) if row.group in ROUTE_ORDER else len(ROUTE_ORDER))
    return out


@reads("characterisation", "participants")
def coverage(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, int]:
    """Enrolments in scope measured at entry, at exit, and at both (the comparable ones)."""
    E, B = Enrolment, Baseline
    scoped = (select(B.enrolment_id, B.moment).join(E, E.id == B.enrolment_id)
              .where(B.measured_on <= filters.cutoff,
                     record_clause(viewer, B.municipality_code, B.operator_id, route_col=E.route),
                     filters.territory_clause(B.municipality_code), filters.route_clause(E.route)))
    with get_engine(url).connect() as conn:
        sub = scoped.subquery()
        counts = dict(conn.execute(select(sub.c.moment, func.count()).group_by(sub.c.moment)).all())
        both = conn.execute(_pairs(viewer, filters)(select(func.count()))).scalar_one()
    return {CH.ENTRADA: int(counts.get(CH.ENTRADA, 0)), CH.SALIDA: int(counts.get(CH.SALIDA, 0)), "both": int(both)}
