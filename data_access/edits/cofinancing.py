"""Household co-financing: what the instrument committed to and disbursed for a ruta básica
household's micro-project, and whether the household met its requirements (seed 000 §4.1 d–e)."""

from __future__ import annotations

from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Enrolment, HouseholdCofinancing
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    check_territory,
    edit_territory_clause,
    fetch_rows,
    for_update,
    insert,
    participants_stmt,
    raise_if,
    stale,
    versioned_update,
    write_session,
)
from rules.access import EDIT_HOUSEHOLD_COFINANCING
from rules.core.clock import today
from rules.edit.validation import parse_date
from rules.routes import cofinancing as C

WHAT = "registrar la cofinanciación de microproyectos"
FIELDS = ("committed_cop", "disbursed_cop", "requirements_met", "committed_on", "disbursed_on")


def columns(data: dict) -> dict:
    """The validated form values as stored (amounts as int, dates parsed, the flag as bool)."""
    return {
        "committed_cop": int(float(data.get("committed_cop") or 0)),
        "disbursed_cop": int(float(data.get("disbursed_cop") or 0)),
        "requirements_met": bool(data.get("requirements_met")),
        "committed_on": parse_date(data.get("committed_on")),
        "disbursed_on": parse_date(data.get("disbursed_on")),
    }


def set_household_cofinancing(
    viewer: Viewer,
    enrolment_id: int,
    data: dict,
    opened_version: int | None = None,
    url: str | None = None,
) -> EditResult:
    """Create or update the co-financing record of one básica household enrolment (``data``: FIELDS).
    ``opened_version`` is the record's version as the form opened it (None: there was none)."""
    with write_session(viewer, url) as s:
        enr = s.get(Enrolment, enrolment_id)
        if enr is None:
            raise NotFound(f"La inscripción {enrolment_id} no existe; búsquela de nuevo.")
        check_territory(s, viewer, EDIT_HOUSEHOLD_COFINANCING, enr.municipality_code, WHAT)
        row = for_update(s, HouseholdCofinancing, HouseholdCofinancing.enrolment_id == enr.id)
        wanted = {f: data.get(f) for f in FIELDS}
        if (row.version if row is not None else None) != opened_version:
            current = audit.row_dict(row) if row is not None else {"version": 0}
            raise stale(s, "household_cofinancing", row.id if row is not None else enr.id, opened_version,
                        current, wanted)
        raise_if(C.validate_household_cofinancing(
            wanted, route=enr.route, participant_kind=enr.participant_kind, entry_date=enr.entry_date,
            furthest_stage_order=enr.furthest_stage_order,
        ))
        cols = columns(wanted)
        if row is None:
            result = insert(s, viewer, HouseholdCofinancing(
                enrolment_id=enr.id, household_id=enr.household_id, municipality_code=enr.municipality_code,
                operator_id=enr.operator_id, registered_on=today(), **cols,
            ), "household_cofinancing")
        else:
            result = versioned_update(s, viewer, row, "household_cofinancing", opened_version, cols)
            if not result.changed:
                return result
        versions.bump(s, "participants")
        return result


# ------------------------------------------------------------------ reads for the forms


@reads("participants", "reference")
def find_households(
    viewer: Viewer, search: str = "", territory=None, limit: int = 100, url: str | None = None
) -> list[dict]:
    """Básica household enrolments the viewer may record co-financing for.

    The route is compared as ``route || ''``: most enrolments are básica, and SQLite would
    otherwise read them all through the route index and sort them for the first ``limit`` by
    id (1 s national) instead of walking the ids and stopping there (< 1 ms)."""
    stmt = participants_stmt(search, limit, Enrolment.current_stage).where(
        Enrolment.route.concat("") == C.ROUTE,
        Enrolment.participant_kind == C.PARTICIPANT_KIND,
        edit_territory_clause(viewer, EDIT_HOUSEHOLD_COFINANCING, Enrolment.municipality_code),
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Enrolment.municipality_code))
    return fetch_rows(stmt, url)


@reads("participants")
def cofinancing_detail(viewer: Viewer, enrolment_id: int, url: str | None = None) -> dict | None:
    """One enrolment's co-financing as the form opens it (zeros and version None when none yet)."""
    rows = fetch_rows(
        select(
            Enrolment.id.label("enrolment_id"), Enrolment.entry_date, Enrolment.furthest_stage_order,
            Enrolment.status, HouseholdCofinancing.committed_cop, HouseholdCofinancing.disbursed_cop,
            HouseholdCofinancing.requirements_met, HouseholdCofinancing.committed_on,
            HouseholdCofinancing.disbursed_on, HouseholdCofinancing.version,
        )
        .outerjoin(HouseholdCofinancing, HouseholdCofinancing.enrolment_id == Enrolment.id)
        .where(
            Enrolment.id == enrolment_id,
            edit_territory_clause(viewer, EDIT_HOUSEHOLD_COFINANCING, Enrolment.municipality_code),
        ),
        url,
    )
    if not rows:
        return None
    row = rows[0]
    row["committed_cop"] = row["committed_cop"] or 0
    row["disbursed_cop"] = row["disbursed_cop"] or 0
    row["requirements_met"] = bool(row["requirements_met"])
    return row
