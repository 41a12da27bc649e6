"""Municipal targeting: prioritised flag and target population per municipality and year."""

from __future__ import annotations

from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Municipality, Targeting
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    ValidationFailed,
    check_territory,
    edit_territory_clause,
    fetch_rows,
    for_update,
    insert,
    raise_if,
    require_editor,
    stale,
    versioned_update,
    write_session,
)
from rules.access import EDIT_TARGETING
from rules.edit import validation as V


def set_targeting(
    viewer: Viewer,
    municipality_code: str,
    year,
    prioritised: bool,
    target_population,
    opened_version: int | None = None,
    url: str | None = None,
) -> EditResult:
    """Upsert the targeting (prioritised flag, target population) of a municipality and year."""
    with write_session(viewer, url) as s:
        muni = for_update(s, Municipality, Municipality.code == str(municipality_code or "").strip())
        if muni is None:
            require_editor(viewer, "editar la focalización")
            raise ValidationFailed(V.validate_municipality(municipality_code, set()))
        check_territory(s, viewer, EDIT_TARGETING, muni.code, "editar la focalización")
        data = {
            "municipality_code": muni.code,
            "year": year,
            "prioritised": prioritised,
            "target_population": target_population,
        }
        errors = V.validate_targeting(data, {muni.code})
        y = int(year) if not any(e.field == "year" for e in errors) else None
        row = None
        if y is not None:
            row = for_update(s, Targeting, Targeting.municipality_code == muni.code, Targeting.year == y)
        wanted = {"prioritised": bool(prioritised), "target_population": target_population}
        if row is not None and row.version != opened_version:
            raise stale(s, "targeting", row.id, opened_version, audit.row_dict(row), wanted)
        raise_if(errors)
        cols = {"prioritised": bool(prioritised), "target_population": int(float(target_population or 0))}
        if row is None:
            result = insert(s, viewer, Targeting(municipality_code=muni.code, year=y, **cols), "targeting")
        else:
            result = versioned_update(s, viewer, row, "targeting", opened_version, cols)
            if not result.changed:
                return result
        versions.bump(s, "targeting")
        return result


# ------------------------------------------------------------------ reads for the forms


@reads("targeting", "reference")
def targeting_rows(
    viewer: Viewer, year: int, territory=None, limit: int = 2000, url: str | None = None
) -> list[dict]:
    t = select(Targeting).where(Targeting.year == year).subquery()
    stmt = (
        select(
            Municipality.code.label("municipality_code"),
            Municipality.name.label("municipality"),
            Municipality.department_code,
            t.c.prioritised,
            t.c.target_population,
            t.c.total_score,
            t.c.version,
        )
        .outerjoin(t, t.c.municipality_code == Municipality.code)
        .where(edit_territory_clause(viewer, EDIT_TARGETING, Municipality.code))
        .order_by(Municipality.department_code, Municipality.name)
        .limit(limit)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Municipality.code))
    return fetch_rows(stmt, url)
