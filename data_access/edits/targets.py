"""Targets (metas) edited by the PMO: one target per indicator, year, quarter (0: the year's),
level and territory; upsert with optimistic concurrency, audited, bumping ``results``. The rules
of a row are the intake's (``rules.intake.sheets.TARGETS`` and ``data_access.intake.results``)."""

from __future__ import annotations

from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Department, RegionalOffice, Target
from data_access.core.scope import Viewer
from data_access.edits.common import (
    EditResult,
    PermissionDenied,
    ValidationFailed,
    for_update,
    insert,
    stale,
    versioned_update,
    write_session,
)
from data_access.intake.results import territory_problem
from rules import access
from rules.edit.validation import FieldError
from rules.results import catalog


def _errors(indicator: str, year, quarter, level: str, value) -> list[FieldError]:
    out = []
    if indicator not in catalog.BY_CODE:
        out.append(FieldError("indicator", f"Indicador desconocido «{indicator}»: use uno de "
                                           f"{', '.join(catalog.BY_CODE)}."))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        out.append(FieldError("year", f"Año «{year}» fuera de rango: escriba un año entre 2000 y 2100."))
    if quarter not in (0, 1, 2, 3, 4):
        out.append(FieldError("quarter", f"Trimestre «{quarter}» no válido: use 1 a 4, o vacío para la meta del año."))
    if level not in catalog.LEVELS:
        out.append(FieldError("level", f"Nivel «{level}» no válido: use {', '.join(catalog.LEVELS)}."))
    if value is None or float(value) < 0:
        out.append(FieldError("value", "La meta debe ser un número mayor o igual a 0."))
    return out


def set_target(viewer: Viewer, indicator: str, year: int, quarter: int, level: str, territory_code: str,
               value: float, opened_version: int | None = None, url: str | None = None) -> EditResult:
    """Create or change one target (PMO only: ``rules.access.EDIT_TARGETS``)."""
    if not (viewer.known and access.allowed(viewer, access.EDIT_TARGETS)):
        raise PermissionDenied("Solo la PMO puede editar las metas de los indicadores.")
    code = (territory_code or "").strip()
    with write_session(viewer, url) as s:
        errors = _errors(indicator, year, quarter, level, value)
        if level in catalog.LEVELS:
            offices = set(s.scalars(select(RegionalOffice.code)))
            departments = set(s.scalars(select(Department.code)))
            why = territory_problem(level, code, offices, departments)
            if why:
                errors.append(FieldError("territory_code", why))
        if errors:
            raise ValidationFailed(errors)
        row = for_update(s, Target, Target.indicator == indicator, Target.year == year, Target.quarter == quarter,
                         Target.level == level, Target.territory_code == code)
        if row is None:
            result = insert(s, viewer, Target(indicator=indicator, year=year, quarter=quarter, level=level,
                                              territory_code=code, value=float(value)), "target")
        else:
            if row.version != opened_version:
                raise stale(s, "target", row.id, opened_version, audit.row_dict(row), {"value": float(value)})
            result = versioned_update(s, viewer, row, "target", opened_version, {"value": float(value)})
            if not result.changed:
                return result
        versions.bump(s, "results")
        return result
