"""Store-side checks of the territorial sheets: targeting («focalizacion») and territorial
alerts («alertas»).

Both are territorial records: a comité loads only rows of the municipalities of its oficina
regional (``rules.access.IMPORTS``), the PMO every row. A row outside the uploader's scope
is a row error naming the municipality, so the file is refused whole. The rules of a row
are the edit forms' (``rules.edit.validation``): targeting's year and population, an
alert's category, status and closing dates (a cerrada alert needs a closing date on or
after its opening, an open one none).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from data_access.core.models import Targeting, TerritorialAlert
from data_access.core.scope import Viewer
from data_access.intake.changes import Plan, diff, stored_by_key
from data_access.intake.engine import importer
from data_access.intake.rows import municipality_in_scope, municipality_offices, problem, records
from rules import access
from rules.edit import validation as V
from rules.intake import sheets as S
from rules.intake.problems import Problem

TARGETING_COLUMNS = {"municipality_code": "cod_municipio", "year": "anio", "target_population": "poblacion_objetivo",
                     "prioritised": "priorizado"}
ALERT_COLUMNS = {"municipality_code": "cod_municipio", "category": "categoria", "severity": "severidad",
                 "status": "estado", "description": "descripcion", "opened_on": "fecha_apertura",
                 "closed_on": "fecha_cierre"}


def _field_problems(sheet: S.Sheet, r: dict, errors: list[V.FieldError], columns: dict[str, str],
                    problems: list[Problem]) -> None:
    for e in errors:
        problems.append(problem(sheet, r, columns.get(e.field, e.field), e.message))


@importer("targeting")
def check_targeting(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.TARGETING
    offices = municipality_offices(conn)
    known = set(offices)
    rows = []
    for r in records(frames.get(sheet.name)):
        if not municipality_in_scope(sheet, r, viewer, offices, problems):
            continue
        data = {"year": r["anio"], "target_population": r["poblacion_objetivo"], "prioritised": r["priorizado"]}
        errors = V.validate_targeting(data, known)
        if errors:
            _field_problems(sheet, r, errors, TARGETING_COLUMNS, problems)
            continue
        rows.append({"municipality_code": r["cod_municipio"], "year": int(r["anio"]),
                     "prioritised": bool(r["priorizado"]), "target_population": int(r["poblacion_objetivo"]),
                     "score_poverty": float(r["puntaje_pobreza"]), "score_rurality": float(r["puntaje_ruralidad"]),
                     "score_victims": float(r["puntaje_victimas"]),
                     "score_productive": float(r["puntaje_productivo"]),
                     "total_score": float(r["puntaje_total"])})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, Targeting, ("municipality_code", "year"), rows)])


@importer("alerts")
def check_alerts(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.ALERTS
    offices = municipality_offices(conn)
    known = set(offices)
    given = records(frames.get(sheet.name))
    stored = _stored_alerts(conn, [r["codigo_alerta"] for r in given])
    rows = []
    for r in given:
        if not municipality_in_scope(sheet, r, viewer, offices, problems):
            continue
        code, muni = r["codigo_alerta"], r["cod_municipio"]
        where = stored.get(code)
        if where is not None and where != muni:
            problems.append(problem(sheet, r, "codigo_alerta", _moved(code, where, viewer, offices)))
            continue
        data = {"category": r["categoria"], "severity": r["severidad"],
                "status": r["estado"], "description": r.get("descripcion") or "",
                "opened_on": r["fecha_apertura"], "closed_on": r.get("fecha_cierre")}
        errors = V.validate_alert(data, known)
        if errors:
            _field_problems(sheet, r, errors, ALERT_COLUMNS, problems)
            continue
        rows.append({"code": code, "municipality_code": muni, "category": data["category"],
                     "severity": data["severity"], "status": data["status"], "description": data["description"],
                     "opened_on": V.parse_date(data["opened_on"]), "closed_on": V.parse_date(data["closed_on"])})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, TerritorialAlert, ("code",), rows)])


def _moved(code: str, where: str, viewer: Viewer, offices: dict[str, int | None]) -> str:
    """An alert keeps its municipality (as in the edit form); the stored one is named only
    when it lies in the uploader's scope."""
    if access.allowed(viewer, access.IMPORTS[S.ALERTS.entity], office=offices.get(where)):
        return (f"La alerta «{code}» ya está registrada en el municipio {where} y el municipio de una alerta no "
                "cambia: corrija «cod_municipio» o use un código nuevo para esta alerta.")
    return f"El código de alerta «{code}» ya está en uso fuera de su oficina regional: use un código nuevo."


def _stored_alerts(conn: Connection, codes: list[str]) -> dict[str, str]:
    """Alert code → municipality of the stored alerts among ``codes``."""
    found = stored_by_key(conn, TerritorialAlert, ("code",), ("municipality_code",), [(c,) for c in codes])
    return {k[0]: row["municipality_code"] for k, row in found.items()}
