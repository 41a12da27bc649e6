"""Store-side check of the «conocimiento» sheet: knowledge records from a file.

Who loads which rows (``rules.access.MANAGE_KNOWLEDGE``, as the form): the PMO every row; a comité
the rows of its office's municipalities; an operador rows in the municipalities of the offices of its
contracts, recorded as its own (its «codigo_operador» is its own or empty), and never a record of
another operator. A record keeps its municipality. The household and the OPR are found by code and
NIT; a file without them and without consent keeps the stored link (an export leaves it out), so a
file taken out and loaded back changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import Household, KnowledgeRecord, Operator, OperatorContract, Opr
from data_access.core.scope import Viewer, record_clause
from data_access.intake.changes import Plan, diff, stored_by_key
from data_access.intake.engine import importer
from data_access.intake.participants import column_length
from data_access.intake.rows import code_map, municipality_in_scope, municipality_offices, problem, records
from rules import knowledge as K
from rules.edit.validation import FieldError
from rules.intake import sheets as S
from rules.intake.problems import Problem

FIELDS = {"kind": "tipo", "title": "titulo", "text": "texto", "route": "ruta", "service_type_code": "servicio",
          "tags": "etiquetas", "household_id": "codigo_hogar", "opr_id": "nit_opr"}


def _in_scope(conn: Connection, r: dict, viewer: Viewer, offices: dict, problems: list[Problem]) -> bool:
    sheet = S.KNOWLEDGE
    if not viewer.is_operator:
        return municipality_in_scope(sheet, r, viewer, offices, problems)
    code = r["cod_municipio"]
    mine = set(conn.scalars(select(OperatorContract.regional_office_id)
                            .where(OperatorContract.operator_id == viewer.operator_id)))
    if code in offices and offices[code] in mine:
        return True
    problems.append(problem(sheet, r, "cod_municipio", f"El municipio {code} no está en las oficinas regionales de "
                                                       "sus contratos: quite la fila o pida la carga a la PMO."))
    return False


def _operator(r: dict, viewer: Viewer, operators: dict[str, int], problems: list[Problem]) -> tuple[bool, int | None]:
    code = r.get("codigo_operador")
    given = operators.get(code) if code else None
    if code and given is None:
        problems.append(problem(S.KNOWLEDGE, r, "codigo_operador", f"El operador «{code}» no está registrado: "
                                                                   "revise el código o déjelo vacío."))
        return False, None
    if viewer.is_operator:
        if given is not None and given != viewer.operator_id:
            problems.append(problem(S.KNOWLEDGE, r, "codigo_operador", "Un operador carga solo sus propios "
                                                                       "registros: deje su código o vacío."))
            return False, None
        return True, viewer.operator_id
    return True, given


@importer("knowledge")
def check_knowledge(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.KNOWLEDGE
    offices = municipality_offices(conn)
    given = records(frames.get(sheet.name))
    stored = stored_by_key(conn, KnowledgeRecord, ("code",), ("municipality_code", "operator_id", "household_id",
                                                              "opr_id"), [(r["codigo_registro"],) for r in given])
    operators = code_map(conn, Operator.code, Operator.id)
    households = code_map(conn, Household.code, Household.id)
    oprs = code_map(conn, Opr.nit, Opr.id)
    visible = set(conn.scalars(select(KnowledgeRecord.code).where(
        record_clause(viewer, KnowledgeRecord.municipality_code, KnowledgeRecord.operator_id, KnowledgeRecord.route),
        KnowledgeRecord.code.in_([k[0] for k in stored]))))
    limit = column_length(KnowledgeRecord.code)
    rows = []
    for r in given:
        if not _in_scope(conn, r, viewer, offices, problems):
            continue
        code, muni = r["codigo_registro"], r["cod_municipio"]
        old = stored.get((code,))
        if old is not None and (code not in visible or old["municipality_code"] != muni):
            message = (f"El registro «{code}» ya está en el municipio {old['municipality_code']} y su municipio no "
                       "cambia: corrija «cod_municipio» o use un código nuevo." if code in visible else
                       f"El código «{code}» ya está en uso fuera de su alcance: use un código nuevo.")
            problems.append(problem(sheet, r, "codigo_registro", message))
            continue
        if limit and len(code) > limit:
            problems.append(problem(sheet, r, "codigo_registro", f"Tiene {len(code)} caracteres y el máximo es "
                                                                 f"{limit}: abrévielo."))
            continue
        ok, operator_id = _operator(r, viewer, operators, problems)
        if not ok:
            continue
        consent = bool(r["consentimiento"])
        household_id = households.get(r.get("codigo_hogar")) if r.get("codigo_hogar") else None
        opr_id = oprs.get(r.get("nit_opr")) if r.get("nit_opr") else None
        if old is not None and not consent and not r.get("codigo_hogar") and not r.get("nit_opr"):
            household_id, opr_id = old["household_id"], old["opr_id"]  # withheld by the export, kept
        data = {"kind": r["tipo"], "title": r["titulo"], "text": r["texto"], "route": r.get("ruta"),
                "service_type_code": r.get("servicio"), "tags": K.tags_text(r.get("etiquetas")),
                "household_id": household_id, "opr_id": opr_id}
        errors: list[FieldError] = K.validate(data)
        for e in errors:
            problems.append(problem(sheet, r, FIELDS.get(e.field, e.field), e.message))
        if errors:
            continue
        rows.append({"code": code, "municipality_code": muni, **data, "consent": consent,
                     "operator_id": operator_id, "created_on": r["fecha"]})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, KnowledgeRecord, ("code",), rows)])


def knowledge_export(viewer: Viewer):
    """The «conocimiento» rows the viewer may see; without consent, no household nor OPR."""
    KR = KnowledgeRecord
    shown = KR.consent.is_(True)
    return (select(KR.code.label("codigo_registro"), KR.kind.label("tipo"), KR.title.label("titulo"),
                   KR.text.label("texto"), KR.municipality_code.label("cod_municipio"), KR.route.label("ruta"),
                   KR.service_type_code.label("servicio"),
                   select(Household.code).where(Household.id == KR.household_id, shown).scalar_subquery()
                   .label("codigo_hogar"),
                   select(Opr.nit).where(Opr.id == KR.opr_id, shown).scalar_subquery().label("nit_opr"),
                   KR.consent.label("consentimiento"), KR.tags.label("etiquetas"),
                   select(Operator.code).where(Operator.id == KR.operator_id).scalar_subquery()
                   .label("codigo_operador"),
                   KR.created_on.label("fecha"))
            .where(record_clause(viewer, KR.municipality_code, KR.operator_id, KR.route))
            .order_by(KR.id))
