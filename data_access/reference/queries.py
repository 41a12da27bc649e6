"""Scoped reference lists for filter widgets (offices, departments, municipalities)."""

from __future__ import annotations

from sqlalchemy import select

from data_access.core.db import get_engine
from data_access.core.models import Department, Municipality, RegionalOffice
from data_access.core.scope import Viewer, municipality_clause
from data_access.core.versions import reads


def _territory(viewer: Viewer):
    """Municipalities a filter may offer: the viewer's territory (the whole country for a
    dirección de ruta, whose route runs nationwide)."""
    return municipality_clause(viewer, Municipality.code, route_neutral=True)


@reads("reference")
def offices(viewer: Viewer, url: str | None = None) -> list[tuple[int, str]]:
    stmt = (
        select(RegionalOffice.id, RegionalOffice.name)
        .where(
            RegionalOffice.id.in_(
                select(Municipality.regional_office_id).where(_territory(viewer))
            )
        )
        .order_by(RegionalOffice.name)
    )
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


@reads("reference")
def departments(viewer: Viewer, office_id: int | None = None, url: str | None = None) -> list[tuple[str, str]]:
    munis = select(Municipality.department_code).where(_territory(viewer))
    if office_id is not None:
        munis = munis.where(Municipality.regional_office_id == office_id)
    stmt = select(Department.code, Department.name).where(Department.code.in_(munis)).order_by(Department.name)
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


@reads("reference")
def municipalities(
    viewer: Viewer, department_code: str | None = None, office_id: int | None = None, url: str | None = None
) -> list[tuple[str, str]]:
    stmt = select(Municipality.code, Municipality.name).where(_territory(viewer))
    if department_code:
        stmt = stmt.where(Municipality.department_code == department_code)
    if office_id is not None:
        stmt = stmt.where(Municipality.regional_office_id == office_id)
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt.order_by(Municipality.name))]
