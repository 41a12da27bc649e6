"""Hand-built programme rows for the edit tests (no test functions here).

``build(url)`` adds to an ``empty_store`` two oficinas' worth of records: one set in
Barranquilla (08001, oficina Caribe) and one in Cali (76001, oficina Pacífico), two
operators with one contract each, ANS definitions, a PN with evidence, enrolments,
targeting and an alert; plus the six role accounts. Returns ids and viewers.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import func, select

from data_access.core.auth import create_user
from data_access.core.db import session_scope
from data_access.core.models import (
    AllianceEvidence,
    AuditLog,
    BusinessPlan,
    Enrolment,
    Household,
    Operator,
    OperatorContract,
    Opr,
    RegionalOffice,
    SlaDefinition,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import Viewer

MUNI_CAR = "08001"  # Barranquilla, oficina Caribe
MUNI_PAC = "76001"  # Cali, oficina Pacífico
PASSWORD = "clave-de-prueba-1"


def build(url: str, accounts: bool = False) -> SimpleNamespace:
    ns = SimpleNamespace()
    with session_scope(url, write=True) as s:
        car = s.scalar(select(RegionalOffice.id).where(RegionalOffice.code == "CAR"))
        pac = s.scalar(select(RegionalOffice.id).where(RegionalOffice.code == "PAC"))
        op_a = Operator(code="OPA", name="Operador Andino", nit="900123456-8")
        op_b = Operator(code="OPB", name="Operador Brisas", nit="")
        s.add_all([op_a, op_b])
        s.flush()
        c_a = OperatorContract(
            code="C-A-INT",
            operator_id=op_a.id,
            route="intermedia",
            regional_office_id=car,
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2026, 12, 31),
            value_cop=1,
        )
        c_b = OperatorContract(
            code="C-B-INT",
            operator_id=op_b.id,
            route="intermedia",
            regional_office_id=pac,
            start_date=dt.date(2024, 1, 1),
            end_date=None,
            value_cop=1,
        )
        s.add_all([c_a, c_b])
        s.flush()
        d_rep = SlaDefinition(
            code="INT_REP",
            route="intermedia",
            service_type_code="asistencia_tecnica",
            name="Visitas de asistencia técnica cumplidas",
            kind="reported",
            unit="%",
            target=90,
            direction="higher",
            version=1,
        )
        d_der = SlaDefinition(
            code="INT_DER",
            route="intermedia",
            service_type_code="monitoreo",
            name="Oportunidad del registro",
            kind="derived",
            derived_key="x",
            unit="días",
            target=15,
            direction="lower",
            version=1,
        )
        d_bas = SlaDefinition(
            code="BAS_REP",
            route="basica",
            service_type_code="asistencia_tecnica",
            name="Visitas básica",
            kind="reported",
            unit="%",
            target=90,
            direction="higher",
            version=1,
        )
        s.add_all([d_rep, d_der, d_bas])
        opr_car = Opr(
            nit="900123456-8", name="Asociación Caribe", municipality_code=MUNI_CAR, members=20, version=1
        )
        opr_pac = Opr(
            nit="800197268-4", name="Asociación Pacífico", municipality_code=MUNI_PAC, members=30, version=1
        )
        s.add_all([opr_car, opr_pac])
        s.flush()
        hh = Household(
            code="H-0001",
            head_name="Ana",
            document_id="1",
            municipality_code=MUNI_CAR,
            sex="F",
            age=30,
            youth=False,
            ethnicity="ninguna",
            victim=False,
            registered_on=dt.date(2025, 1, 2),
            version=1,
        )
        s.add(hh)
        s.flush()
        e_hh = Enrolment(
            participant_kind="hogar",
            household_id=hh.id,
            route="basica",
            entry_mechanism="barrido",
            entry_date=dt.date(2025, 1, 10),
            cohort_quarter="2025Q1",
            municipality_code=MUNI_CAR,
            current_stage="ingreso",
            furthest_stage_order=1,
            status="activo",
            version=1,
        )
        e_opr = Enrolment(
            participant_kind="opr",
            opr_id=opr_pac.id,
            route="intermedia",
            entry_mechanism="convocatoria",
            entry_date=dt.date(2025, 2, 1),
            cohort_quarter="2025Q1",
            municipality_code=MUNI_PAC,
            operator_id=op_b.id,
            contract_id=c_b.id,  # the OPR enrolment (Cali) runs under operator B's contract
            current_stage="ingreso",
            furthest_stage_order=1,
            status="activo",
            version=1,
        )
        s.add_all([e_hh, e_opr])
        s.flush()
        s.add_all(
            [
                StageEvent(
                    enrolment_id=e_hh.id,
                    stage="ingreso",
                    event_date=dt.date(2025, 1, 10),
                    registered_on=dt.date(2025, 1, 11),
                ),
                StageEvent(
                    enrolment_id=e_opr.id,
                    stage="ingreso",
                    event_date=dt.date(2025, 2, 1),
                    registered_on=dt.date(2025, 2, 1),
                ),
            ]
        )
        pn_car = BusinessPlan(
            code="PN-CAR-1",
            opr_id=opr_car.id,
            ventana=2,
            municipality_code=MUNI_CAR,
            first_disbursement_date=dt.date(2025, 3, 1),
            closure_date=None,
            cofinancing_committed_cop=100_000_000,
            cofinancing_disbursed_cop=50_000_000,
            version=1,
        )
        pn_pac = BusinessPlan(
            code="PN-PAC-1",
            opr_id=opr_pac.id,
            ventana=1,
            municipality_code=MUNI_PAC,
            first_disbursement_date=dt.date(2025, 4, 1),
            closure_date=None,
            version=1,
        )
        s.add_all([pn_car, pn_pac])
        s.flush()
        ev = AllianceEvidence(
            business_plan_id=pn_car.id,
            kind="contrato",
            ally_type="comercial",
            ally_name="Almacenes del Norte",
            start_date=dt.date(2025, 3, 15),
            end_date=None,
            document_ref="CT-1",
            voided=False,
            version=1,
        )
        s.add(ev)
        tg = Targeting(
            municipality_code=MUNI_CAR, year=2025, prioritised=False, target_population=100, version=1
        )
        s.add(tg)
        al = TerritorialAlert(
            municipality_code=MUNI_CAR,
            category="riego",
            severity="alta",
            status="abierta",
            description="Distrito de riego sin operar",
            opened_on=dt.date(2025, 5, 1),
            version=1,
        )
        al_pac = TerritorialAlert(
            municipality_code=MUNI_PAC,
            category="vias_terciarias",
            severity="media",
            status="abierta",
            description="Vía cortada",
            opened_on=dt.date(2025, 6, 1),
            version=1,
        )
        s.add_all([al, al_pac])
        s.flush()
        ns.car, ns.pac = car, pac
        ns.op_a, ns.op_b = op_a.id, op_b.id
        ns.contract_a, ns.contract_b = c_a.id, c_b.id
        ns.def_rep, ns.def_der, ns.def_bas = d_rep.id, d_der.id, d_bas.id
        ns.enr_hh, ns.enr_opr = e_hh.id, e_opr.id
        ns.pn_car, ns.pn_pac = pn_car.id, pn_pac.id
        ns.evidence = ev.id
        ns.targeting = tg.id
        ns.alert, ns.alert_pac = al.id, al_pac.id
    for username, role, office, operator in (
        ()
        if not accounts
        else (
            ("directivo", "directivo", None, None),
            ("analista", "analista_pmo", None, None),
            ("comite", "comite_regional", ns.car, None),
            ("comite_pac", "comite_regional", ns.pac, None),
            ("operador", "operador", None, ns.op_a),
            ("admin", "admin", None, None),
        )
    ):
        create_user(
            username,
            role,
            PASSWORD,
            display_name=username,
            email=f"{username}@demo.tablero.gov.co",
            regional_office_id=office,
            operator_id=operator,
            url=url,
        )
    ns.v = {
        "directivo": Viewer("directivo", "directivo", scope_label="Nacional"),
        "analista": Viewer("analista", "analista_pmo", scope_label="Nacional"),
        "comite": Viewer(
            "comite", "comite_regional", regional_office_id=ns.car, scope_label="Oficina regional Caribe"
        ),
        "comite_pac": Viewer(
            "comite_pac",
            "comite_regional",
            regional_office_id=ns.pac,
            scope_label="Oficina regional Pacífico",
        ),
        "operador": Viewer("operador", "operador", operator_id=ns.op_a, scope_label="Operador Andino"),
        "operador_b": Viewer("operador_b", "operador", operator_id=ns.op_b, scope_label="Operador Brisas"),
        "admin": Viewer("admin", "admin", scope_label="Nacional"),
    }
    ns.url = url
    return ns


def audit_count(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def last_audit(url: str) -> AuditLog:
    with session_scope(url) as s:
        return s.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()


def get(url: str, model, pk):
    with session_scope(url) as s:
        return s.get(model, pk)
