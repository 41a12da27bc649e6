"""Store-side check of the «cofinanciacion_hogares» sheet: household co-financing from a file.

Who loads which rows (``rules.access.EDIT_HOUSEHOLD_COFINANCING``, as the form): the PMO every row, a
comité the enrolments of its office's municipalities; an enrolment outside the uploader's scope reads
like an unknown one. Each row must meet the rules of the edit form (``rules.routes.cofinancing``):
a básica household enrolment, that reached the co-financing application before a commitment, with a
disbursement only once the requirements are met and never above the commitment.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import Enrolment, HouseholdCofinancing
from data_access.core.scope import Viewer, record_clause
from data_access.intake.changes import Plan, among, chunks, diff
from data_access.intake.engine import importer
from data_access.intake.frames import plain_records
from data_access.intake.rows import municipality_offices, problem
from rules import access
from rules.core.clock import today
from rules.intake import sheets as S
from rules.intake.problems import Problem
from rules.routes import cofinancing as C

COLUMNS = {"committed_cop": "comprometido_cop", "disbursed_cop": "desembolsado_cop",
           "requirements_met": "requisitos_cumplidos", "committed_on": "fecha_compromiso",
           "disbursed_on": "fecha_desembolso", "enrolment": "codigo_inscripcion"}
_ENROLMENT = (Enrolment.code, Enrolment.id, Enrolment.route, Enrolment.participant_kind, Enrolment.household_id,
              Enrolment.municipality_code, Enrolment.operator_id, Enrolment.entry_date,
              Enrolment.furthest_stage_order)


def _enrolments(conn: Connection, codes: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for part in chunks(list(dict.fromkeys(codes))):
        for row in conn.execute(select(*_ENROLMENT).where(among(conn, Enrolment.code, part))):
            out[row.code] = dict(row._mapping)
    return out


def _not_found(code: str, national: bool) -> str:
    if national:
        return (f"La inscripción «{code}» no está registrada: cárguela antes en la hoja «inscripciones» o corrija "
                "el código.")
    return (f"La inscripción «{code}» no es de un municipio de su oficina regional: quite la fila o pida la carga a "
            "la PMO.")


@importer("household-cofinancing")
def check_household_cofinancing(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.HOUSEHOLD_COFINANCING
    frame = frames.get(sheet.name)
    given = plain_records(frame) if frame is not None else []
    action = access.IMPORTS[sheet.entity]
    national = access.reach(viewer, action) is access.Reach.ALL
    offices = municipality_offices(conn)
    enrolments = _enrolments(conn, [r["codigo_inscripcion"] for r in given])
    rows = []
    for r in given:
        enr = enrolments.get(r["codigo_inscripcion"])
        if enr is None or not access.allowed(viewer, action, office=offices.get(enr["municipality_code"])):
            problems.append(problem(sheet, r, "codigo_inscripcion", _not_found(r["codigo_inscripcion"], national)))
            continue
        data = {field: r.get(column) for field, column in COLUMNS.items() if field != "enrolment"}
        errors = C.validate_household_cofinancing(
            data, route=enr["route"], participant_kind=enr["participant_kind"], entry_date=enr["entry_date"],
            furthest_stage_order=enr["furthest_stage_order"],
        )
        for e in errors:
            problems.append(problem(sheet, r, COLUMNS.get(e.field, e.field), e.message))
        if errors:
            continue
        rows.append({
            "enrolment_id": enr["id"], "household_id": enr["household_id"],
            "municipality_code": enr["municipality_code"], "operator_id": enr["operator_id"],
            "committed_cop": int(data["committed_cop"] or 0), "disbursed_cop": int(data["disbursed_cop"] or 0),
            "requirements_met": bool(data["requirements_met"]), "committed_on": data["committed_on"],
            "disbursed_on": data["disbursed_on"],
        })
    if problems:
        return Plan()
    change = diff(conn, sheet.name, HouseholdCofinancing, ("enrolment_id",), rows)
    for row in change.inserts:
        row["registered_on"] = today()
    return Plan([change])


def cofinancing_export(viewer: Viewer):
    """The «cofinanciacion_hogares» rows of the enrolments the viewer may see."""
    HC, E = HouseholdCofinancing, Enrolment
    return (select(E.code.label("codigo_inscripcion"), E.id.label("_id"), HC.committed_cop.label("comprometido_cop"),
                   HC.committed_on.label("fecha_compromiso"), HC.requirements_met.label("requisitos_cumplidos"),
                   HC.disbursed_cop.label("desembolsado_cop"), HC.disbursed_on.label("fecha_desembolso"))
            .join(E, E.id == HC.enrolment_id)
            .where(record_clause(viewer, HC.municipality_code, HC.operator_id, E.route))
            .order_by(HC.enrolment_id))
