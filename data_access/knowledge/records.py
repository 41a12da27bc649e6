"""Writes of knowledge records (buenas prácticas, historias de vida, lecciones aprendidas):
audited and versioned like every edit.

Who writes where (``rules.access.MANAGE_KNOWLEDGE``): the PMO everywhere; a comité regional in the
municipalities of its office; an operador records for its own operator (the record carries it) in
the municipalities of the offices where it holds a contract. The household or OPR a record tells
about is named by its code or NIT and stored with the consent flag; without consent it is never
shown (``data_access.knowledge.search``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.core import versions
from data_access.core.models import Household, KnowledgeRecord, Municipality, OperatorContract, Opr
from data_access.core.scope import Viewer
from data_access.edits.common import (
    EditResult,
    NotFound,
    PermissionDenied,
    as_date,
    for_update,
    insert,
    raise_if,
    stale,
    versioned_update,
    who,
    write_session,
)
from data_access.intake.codes import fallback_code
from rules import access
from rules import knowledge as K
from rules.access import MANAGE_KNOWLEDGE, Reach
from rules.core.clock import today
from rules.core.nit import read_nit
from rules.edit.validation import FieldError

CODE_PREFIX = "GC"
TOPIC = "results"  # knowledge sits with the results framework: what the programme learns
FIELDS = ("kind", "title", "text", "route", "service_type_code", "municipality_code", "household_id", "opr_id",
          "consent", "tags")


def operator_offices(s: Session, operator_id: int | None) -> set[int]:
    """The offices where an operator holds a contract (where it may record knowledge)."""
    if operator_id is None:
        return set()
    return set(s.scalars(select(OperatorContract.regional_office_id)
                         .where(OperatorContract.operator_id == operator_id)).all())


def check_write(s: Session, viewer: Viewer, municipality_code: str, operator_id: int | None) -> None:
    """Refuse, in Spanish, a write outside the viewer's reach (module docstring)."""
    reach = access.reach(viewer, MANAGE_KNOWLEDGE)
    if reach is None:
        raise PermissionDenied(f"Su rol {who(viewer)} no puede registrar gestión del conocimiento; la registran el "
                               "analista PMO, los comités regionales y los operadores.")
    if reach is Reach.ALL:
        return
    office = s.scalar(select(Municipality.regional_office_id).where(Municipality.code == municipality_code))
    if reach is Reach.OFFICE and access.allowed(viewer, MANAGE_KNOWLEDGE, office=office):
        return
    if (reach is Reach.CONTRACTS and access.allowed(viewer, MANAGE_KNOWLEDGE, operator=operator_id)
            and office in operator_offices(s, viewer.operator_id)):
        return
    raise PermissionDenied(
        f"Su rol {who(viewer)} no puede registrar conocimiento del municipio {municipality_code}: un comité regional "
        "registra en los municipios de su oficina y un operador en los de las oficinas donde tiene contrato.")


def _link_ids(s: Session, data: dict) -> tuple[int | None, int | None, list[FieldError]]:
    """Household code / OPR NIT of the form or file → their ids (errors name the unknown one)."""
    errors: list[FieldError] = []
    household_id = opr_id = None
    code = str(data.get("household_code") or "").strip()
    if code:
        household_id = s.scalar(select(Household.id).where(Household.code == code))
        if household_id is None:
            errors.append(FieldError("household_id", f"Hogar: el código «{code}» no está registrado; revise el "
                                                     "código o déjelo vacío."))
    nit = str(data.get("opr_nit") or "").strip()
    if nit:
        try:
            stored = read_nit(nit).formatted
        except ValueError:
            stored = nit
        opr_id = s.scalar(select(Opr.id).where(Opr.nit == stored))
        if opr_id is None:
            errors.append(FieldError("opr_id", f"OPR: el NIT «{nit}» no está registrado; revise el NIT o déjelo "
                                               "vacío."))
    return household_id, opr_id, errors


def _clean(s: Session, viewer: Viewer, data: dict) -> dict:
    household_id, opr_id, errors = _link_ids(s, data)
    municipality = str(data.get("municipality_code") or "").strip()
    if not s.scalar(select(Municipality.code).where(Municipality.code == municipality)):
        errors.append(FieldError("municipality_code", f"Municipio: «{municipality}» no es un código DIVIPOLA "
                                                      "registrado (5 dígitos, p. ej. 05001)."))
    clean = {
        "kind": data.get("kind"), "title": (data.get("title") or "").strip(), "text": (data.get("text") or "").strip(),
        "route": data.get("route") or None, "service_type_code": data.get("service_type_code") or None,
        "municipality_code": municipality, "household_id": household_id, "opr_id": opr_id,
        "consent": bool(data.get("consent")), "tags": K.tags_text(data.get("tags")),
    }
    raise_if(errors + K.validate(clean))
    return clean


def add(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    """Record one knowledge record; its code is ``GC-<id>``. Refusals are Spanish ``EditError``s."""
    with write_session(viewer, url) as s:
        if access.reach(viewer, MANAGE_KNOWLEDGE) is None:
            check_write(s, viewer, "", None)
        clean = _clean(s, viewer, data)
        operator_id = viewer.operator_id if viewer.is_operator else data.get("operator_id")
        check_write(s, viewer, clean["municipality_code"], operator_id)
        row = KnowledgeRecord(**clean, operator_id=operator_id, created_by=viewer.username,
                              created_on=as_date(data.get("created_on")) or today(), code="")
        result = insert(s, viewer, row, "knowledge_record")
        row.code = fallback_code(CODE_PREFIX, row.id)
        versions.bump(s, TOPIC)
        return result


def update(viewer: Viewer, record_id: int, opened_version: int, data: dict, url: str | None = None) -> EditResult:
    """Change a record's fields (its municipality may change within the writer's reach)."""
    with write_session(viewer, url) as s:
        row = for_update(s, KnowledgeRecord, KnowledgeRecord.id == record_id)
        if row is None:
            raise NotFound(f"El registro de conocimiento {record_id} no existe; recargue la lista.")
        check_write(s, viewer, row.municipality_code, row.operator_id)
        clean = _clean(s, viewer, data)
        check_write(s, viewer, clean["municipality_code"], row.operator_id)
        if row.version != opened_version:
            raise stale(s, "knowledge_record", row.id, opened_version, {c: getattr(row, c) for c in
                                                                         (*FIELDS, "version")}, clean)
        result = versioned_update(s, viewer, row, "knowledge_record", opened_version, clean)
        if result.changed:
            versions.bump(s, TOPIC)
        return result
