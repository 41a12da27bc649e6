"""Store-side checks of the ANS sheets: definitions («ans_definiciones») and the values
operators report per contract and quarter («ans_reportes»).

Definitions are the PMO's catalogue. Reports are contract records: an operador loads only
rows of its own contracts, the PMO every row; a row outside the uploader's scope is a row
error, so the file is refused whole. A report's rules are the edit form's
(``rules.edit.validation.validate_sla_measurement``: quarter, value ≥ 0 and ≤ 100 for a %,
evidence length) plus the references the form cannot get wrong: the definition is reported
(not derived), of the contract's route and of a service the contract offers, and the
quarter falls within the contract's dates. An empty ``valor`` is «sin reporte».
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import ContractService, OperatorContract, SlaDefinition, SlaMeasurement
from data_access.core.scope import Viewer
from data_access.intake.changes import Plan, diff, stored_by_key
from data_access.intake.engine import importer
from data_access.intake.rows import problem, records
from rules import access
from rules.core.calendar import quarter_bounds
from rules.core.catalog import ROUTES, SERVICE_TYPES
from rules.core.clock import today
from rules.core.formatting import fmt_date
from rules.edit import validation as V
from rules.intake import sheets as S
from rules.intake.problems import Problem
from rules.sla.scoring import DERIVED_KEYS

DERIVED, REPORTED = "derived", "reported"
PERCENT = "%"
REPORT_COLUMNS = {"quarter": "trimestre", "value": "valor", "evidence_ref": "soporte"}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value, default: float | None) -> float | None:
    return default if _blank(value) else float(value)


# ------------------------------------------------------------------ definitions


@importer("sla-definitions")
def check_definitions(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.SLA_DEFINITIONS
    given = records(frames.get(sheet.name))
    stored = stored_by_key(conn, SlaDefinition, ("code",), ("route", "service_type_code", "kind"),
                           [(r["codigo_ans"],) for r in given])
    reported = set(conn.execute(select(SlaMeasurement.definition_id).distinct()).scalars())
    rows = []
    for r in given:
        errors = len(problems)
        kind, key = r["tipo"], r.get("clave_derivada") or None
        if kind == DERIVED and key is None:
            problems.append(problem(sheet, r, "clave_derivada",
                                    "Un ANS derivado necesita su «clave_derivada» (qué cálculo): elija una de "
                                    f"{', '.join(DERIVED_KEYS)}, o cambie «tipo» a reportado."))
        if kind == REPORTED and key is not None:
            problems.append(problem(sheet, r, "clave_derivada",
                                    "Un ANS reportado no lleva «clave_derivada» (la informa el operador): deje la "
                                    "celda vacía o cambie «tipo» a derivado."))
        if r["unidad"] == PERCENT and not 0 <= r["meta"] <= 100:
            problems.append(problem(sheet, r, "meta", f"La meta de un ANS en % va de 0 a 100 (se leyó {r['meta']}): "
                                                      "corríjala."))
        old = stored.get((r["codigo_ans"],))
        if old is not None and old["id"] in reported:
            problems += _frozen(sheet, r, old)
        if len(problems) > errors:
            continue
        rows.append({"code": r["codigo_ans"], "route": r["ruta"], "service_type_code": r["servicio"],
                     "name": r["nombre"], "description": r.get("descripcion") or "", "kind": kind,
                     "derived_key": key, "unit": r["unidad"], "target": float(r["meta"]),
                     "direction": r["direccion"], "tolerance": _number(r.get("tolerancia"), 0.0),
                     "weight": _number(r.get("peso"), 1.0), "frequency": r.get("frecuencia") or "trimestral"})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, SlaDefinition, ("code",), rows)])


def _frozen(sheet: S.Sheet, r: dict, old: dict) -> list[Problem]:
    """A definition with reported values keeps its route, service and kind: the stored reports
    were checked against them."""
    out = []
    code = r["codigo_ans"]
    for column, field, shown in (("ruta", "route", ROUTES), ("servicio", "service_type_code", SERVICE_TYPES)):
        if r[column] != old[field]:
            out.append(problem(sheet, r, column,
                               f"El ANS «{code}» ya tiene valores reportados de «{shown.get(old[field], old[field])}»: "
                               f"su {column} no puede cambiar; cree un ANS con otro código."))
    if r["tipo"] != old["kind"] and old["kind"] == REPORTED:
        out.append(problem(sheet, r, "tipo", f"El ANS «{code}» ya tiene valores reportados: no puede volverse "
                                             "derivado; cree un ANS derivado con otro código."))
    return out


# ------------------------------------------------------------------ reports


def _contracts(conn: Connection) -> dict[str, dict]:
    c = OperatorContract
    rows = conn.execute(select(c.code, c.id, c.operator_id, c.route, c.start_date, c.end_date)).all()
    services: dict[int, set[str]] = {}
    for cid, service in conn.execute(select(ContractService.contract_id, ContractService.service_type_code)):
        services.setdefault(cid, set()).add(service)
    return {r.code: {"id": r.id, "operator_id": r.operator_id, "route": r.route, "start": r.start_date,
                     "end": r.end_date, "services": services.get(r.id, set())} for r in rows}


def _definitions(conn: Connection) -> dict[str, dict]:
    d = SlaDefinition
    rows = conn.execute(select(d.code, d.id, d.route, d.service_type_code, d.kind, d.unit)).all()
    return {r.code: r._asdict() for r in rows}


@importer("sla-reports")
def check_reports(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.SLA_REPORTS
    contracts, definitions = _contracts(conn), _definitions(conn)
    action = access.IMPORTS[sheet.entity]
    national = access.reach(viewer, action) is access.Reach.ALL
    wanted = []
    for r in records(frames.get(sheet.name)):
        errors = len(problems)
        contract = contracts.get(r["codigo_contrato"])
        definition = definitions.get(r["codigo_ans"])
        if contract is None or not access.allowed(viewer, action, operator=contract["operator_id"]):
            problems.append(problem(sheet, r, "codigo_contrato", _not_yours(r["codigo_contrato"], national)))
            contract = None
        if definition is None:
            problems.append(problem(sheet, r, "codigo_ans", f"El ANS «{r['codigo_ans']}» no está registrado: "
                                    "revise el código o cárguelo antes en la hoja «ans_definiciones»."))
        if contract is not None and definition is not None:
            problems += _fits(sheet, r, contract, definition)
        value = None if _blank(r.get("valor")) else format(r["valor"], ".10g")
        for e in V.validate_sla_measurement({"quarter": r["trimestre"], "value": value,
                                             "evidence_ref": r.get("soporte") or ""},
                                            definition["unit"] if definition else None):
            if not (e.field == "value" and value is None):  # an empty valor is «sin reporte»
                problems.append(problem(sheet, r, REPORT_COLUMNS.get(e.field, e.field), e.message))
        if len(problems) > errors:
            continue
        wanted.append((r, {"definition_id": definition["id"], "contract_id": contract["id"],
                           "quarter": r["trimestre"], "value": _number(r.get("valor"), None),
                           "evidence_ref": (r.get("soporte") or "").strip()}))
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, SlaMeasurement, ("definition_id", "contract_id", "quarter"),
                      _reported(conn, wanted, viewer))])


def _not_yours(code: str, national: bool) -> str:
    """An unknown contract and another operator's read the same to an operador, so that no
    code outside its scope is confirmed."""
    if national:
        return f"El contrato «{code}» no está registrado: revise el código o cárguelo antes en la hoja «contratos»."
    return (f"El contrato «{code}» no es uno de sus contratos: un operador solo carga los reportes de sus propios "
            "contratos; revise el código o quite la fila.")


def _fits(sheet: S.Sheet, r: dict, contract: dict, definition: dict) -> list[Problem]:
    """The definition is reported, of the contract's route and service; the quarter and the
    report date fall where they can."""
    out = []
    code, ccode = r["codigo_ans"], r["codigo_contrato"]
    if definition["kind"] != REPORTED:
        out.append(problem(sheet, r, "codigo_ans", f"El ANS «{code}» es derivado: el tablero lo calcula desde los "
                                                   "registros y no se reporta; quite la fila."))
    elif definition["route"] != contract["route"]:
        out.append(problem(sheet, r, "codigo_ans",
                           f"El ANS «{code}» es de la {ROUTES.get(definition['route'], definition['route']).lower()} "
                           f"y el contrato «{ccode}» de la {ROUTES.get(contract['route'], contract['route']).lower()}: "
                           "use un ANS de la ruta del contrato."))
    elif definition["service_type_code"] not in contract["services"]:
        service = SERVICE_TYPES.get(definition["service_type_code"], definition["service_type_code"])
        out.append(problem(sheet, r, "codigo_ans", f"El contrato «{ccode}» no presta el servicio «{service}» que "
                                                   f"mide el ANS «{code}»: revise el ANS o los servicios del "
                                                   "contrato (hoja «contratos»)."))
    try:
        first, last = quarter_bounds(r["trimestre"])
    except ValueError:
        return out  # told by validate_sla_measurement
    if last < contract["start"] or (contract["end"] is not None and first > contract["end"]):
        term = f"{fmt_date(contract['start'])} – {fmt_date(contract['end']) if contract['end'] else 'vigente'}"
        out.append(problem(sheet, r, "trimestre", f"El trimestre {r['trimestre']} está fuera de la vigencia del "
                                                  f"contrato «{ccode}» ({term}): use un trimestre de su ejecución."))
    reported_on = V.parse_date(r.get("fecha_reporte"))
    if reported_on is not None and reported_on < first:
        out.append(problem(sheet, r, "fecha_reporte", f"La fecha de reporte ({fmt_date(reported_on)}) es anterior "
                                                      f"al inicio del trimestre {r['trimestre']}: corríjala."))
    return out


def _reported(conn: Connection, wanted: list[tuple[dict, dict]], viewer: Viewer) -> list[dict]:
    """Who reported and when: the uploader and ``fecha_reporte`` (or today) for a new or
    changed value; a value the store already holds keeps its reporter and date, so that the
    same file loaded again changes nothing."""
    key = ("definition_id", "contract_id", "quarter")
    stored = stored_by_key(conn, SlaMeasurement, key, ("value", "evidence_ref", "reported_by", "reported_on"),
                           [tuple(m[k] for k in key) for _, m in wanted])
    day = today()
    out = []
    for r, m in wanted:
        given: dt.date | None = V.parse_date(r.get("fecha_reporte"))
        old = stored.get(tuple(m[k] for k in key))
        same = (old is not None and old["evidence_ref"] == m["evidence_ref"]
                and _same_value(old["value"], m["value"]) and given in (None, old["reported_on"]))
        if same:
            out.append({**m, "reported_by": old["reported_by"], "reported_on": old["reported_on"]})
        else:
            out.append({**m, "reported_by": viewer.username[:60], "reported_on": given or day})
    return out


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9
