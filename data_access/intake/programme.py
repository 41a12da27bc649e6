"""Store-side checks of the programme register: operators, offices and contracts.

Each check turns the typed rows of its sheet into model rows, names every reference that
does not exist (in the file or the store) by sheet, row and column, and returns the
changes of a valid file (``data_access.intake.changes``).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.core.models import ContractService, Municipality, Operator, OperatorContract, RegionalOffice
from data_access.core.scope import Viewer
from data_access.intake.changes import Change, Plan, diff
from data_access.intake.engine import importer
from data_access.intake.rows import code_map, municipality_offices, problem, records
from rules.intake import sheets as S
from rules.intake.problems import Problem


@importer("operators")
def check_operators(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    rows = [{"code": r["codigo_operador"], "name": r["nombre"], "nit": r["nit"] or "", "is_psde": bool(r["es_psde"])}
            for r in records(frames.get(S.OPERATORS.name))]
    return Plan([diff(conn, S.OPERATORS.name, Operator, ("code",), rows)])


@importer("offices")
def check_offices(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.OFFICES
    rows = records(frames.get(sheet.name))
    municipalities = municipality_offices(conn)
    offices = code_map(conn, RegionalOffice.code, RegionalOffice.id)
    office_code = {v: k for k, v in offices.items()}
    new_offices: dict[str, str] = {}
    moves: dict[str, str] = {}
    unchanged = 0
    for r in rows:
        code, office = r["cod_municipio"], r["oficina_regional"]
        if code not in municipalities:
            problems.append(problem(sheet, r, "cod_municipio", f"El municipio {code} no existe en DIVIPOLA: "
                                                              "revise el código de 5 dígitos."))
            continue
        if office not in offices and office not in new_offices:
            if not r.get("nombre_oficina"):
                problems.append(problem(sheet, r, "nombre_oficina",
                                        f"La oficina «{office}» es nueva: escriba su nombre en «nombre_oficina»."))
                continue
            new_offices[office] = r["nombre_oficina"]
        if office_code.get(municipalities[code]) == office:
            unchanged += 1
        else:
            moves[code] = office
    office_change = Change("oficinas_regionales", RegionalOffice,
                           inserts=[{"code": c, "name": n} for c, n in new_offices.items()])
    muni_change = Change(sheet.name, Municipality, unchanged=unchanged)

    def move(session: Session, batch_id: int) -> None:
        ids = dict(session.execute(select(RegionalOffice.code, RegionalOffice.id)).all())
        stored = {m.code: m for m in session.scalars(select(Municipality).where(Municipality.code.in_(list(moves))))}
        for code, office in moves.items():
            m = stored[code]
            m.regional_office_id, m.version, m.import_batch_id = ids[office], (m.version or 1) + 1, batch_id

    plan = Plan([office_change, muni_change], then=[move])
    plan.extra_counts[f"{sheet.name}.update"] = len(moves)
    return plan


@importer("contracts")
def check_contracts(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.CONTRACTS
    operators = code_map(conn, Operator.code, Operator.id)
    offices = code_map(conn, RegionalOffice.code, RegionalOffice.id)
    rows, services = [], {}
    for r in records(frames.get(sheet.name)):
        ok = True
        if r["codigo_operador"] not in operators:
            problems.append(problem(sheet, r, "codigo_operador", f"El operador «{r['codigo_operador']}» no está "
                                    "registrado: cárguelo antes en la hoja «operadores»."))
            ok = False
        if r["oficina_regional"] not in offices:
            problems.append(problem(sheet, r, "oficina_regional", f"La oficina «{r['oficina_regional']}» no existe: "
                                    "cárguela antes en la hoja «oficinas»."))
            ok = False
        if r["fecha_fin"] is not None and r["fecha_fin"] < r["fecha_inicio"]:
            problems.append(problem(sheet, r, "fecha_fin", "La fecha de fin es anterior a la de inicio: corríjala."))
            ok = False
        if not ok:
            continue
        rows.append({"code": r["codigo_contrato"], "operator_id": operators[r["codigo_operador"]], "route": r["ruta"],
                     "regional_office_id": offices[r["oficina_regional"]], "start_date": r["fecha_inicio"],
                     "end_date": r["fecha_fin"], "value_cop": int(r["valor_cop"] or 0)})
        services[r["codigo_contrato"]] = set(r["servicios"] or ())
    if problems:
        return Plan()
    change = diff(conn, sheet.name, OperatorContract, ("code",), rows)
    ids = code_map(conn, OperatorContract.code, OperatorContract.id)
    stored: dict[str, set[str]] = {}
    for cid, service in conn.execute(select(ContractService.contract_id, ContractService.service_type_code)):
        stored.setdefault(cid, set()).add(service)
    touched = {code for code, want in services.items() if stored.get(ids.get(code), set()) != want}

    def set_services(session: Session, batch_id: int) -> None:
        now = dict(session.execute(select(OperatorContract.code, OperatorContract.id)
                                   .where(OperatorContract.code.in_(list(touched)))).all())
        for code in touched:
            session.execute(delete(ContractService).where(ContractService.contract_id == now[code]))
            if services[code]:
                session.execute(insert(ContractService), [{"contract_id": now[code], "service_type_code": s}
                                                          for s in sorted(services[code])])

    plan = Plan([change], then=[set_services] if touched else [])
    plan.extra_counts[f"{sheet.name}.servicios"] = len(touched)
    return plan
