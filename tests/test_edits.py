"""Edit functions (issue 7, acceptance 1): per form a valid edit is written and audited;
each invalid input is refused with its Spanish message and writes nothing; a role
outside scope is refused when calling data_access directly. Both stores."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.auth import authenticate
from data_access.core.db import session_scope
from data_access.core.models import (
    AllianceEvidence,
    AppUser,
    BusinessPlan,
    Enrolment,
    Municipality,
    ServiceDelivery,
    SlaMeasurement,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.edits import accounts as account_edits
from data_access.edits import alerts as alert_edits
from data_access.edits import plans as plan_edits
from data_access.edits import services as service_edits
from data_access.edits import sla as sla_edits
from data_access.edits import stage as stage_edits
from data_access.edits import targeting as targeting_edits
from data_access.edits.common import PermissionDenied, StaleEdit, ValidationFailed
from tests.test_edit_support import MUNI_CAR, MUNI_PAC, audit_count, build, get, last_audit


@pytest.fixture
def w(empty_store):
    return build(empty_store)


def _refused(w, exc_type, fn, *args, contains: str | list[str] = (), **kwargs):
    """Call, expect the refusal, prove that nothing was written (audit and versions unchanged)."""
    n_before = audit_count(w.url)
    v_before = versions.current(w.url)
    with pytest.raises(exc_type) as info:
        fn(*args, url=w.url, **kwargs)
    msg = info.value.message
    for part in [contains] if isinstance(contains, str) else contains:
        assert part in msg, msg
    assert audit_count(w.url) == n_before
    assert versions.current(w.url) == v_before
    return info.value


def _fields(exc) -> set[str]:
    return {e.field for e in exc.errors}


# ------------------------------------------------------------------ PN dates


def test_pn_dates_valid_written_and_audited(w):
    v0 = versions.current(w.url)["business_plans"]
    res = plan_edits.set_pn_dates(w.v["comite"], w.pn_car, 1, "2025-03-01", dt.date(2026, 6, 30), url=w.url)
    assert res.version == 2
    pn = get(w.url, BusinessPlan, w.pn_car)
    assert pn.closure_date == dt.date(2026, 6, 30) and pn.version == 2
    entry = last_audit(w.url)
    assert (entry.entity, entry.entity_id, entry.action, entry.username) == (
        "business_plan",
        "PN-CAR-1",  # plans are audited by their code, like the importer does
        "update",
        "comite",
    )
    assert json.loads(entry.before)["closure_date"] is None
    assert json.loads(entry.after)["closure_date"] == "2026-06-30"
    assert versions.current(w.url)["business_plans"] == v0 + 1
    assert audit.verify(w.url).ok


CASES_PN_DATES_INVALID_REFUSED = [
    ("2025-03-01", "2025-02-01", "closure_date", "Fecha de cierre (2025-02-01) es anterior"),
    ("2025-03-01", "2027-01-01", "closure_date", "posterior a hoy"),
    ("01/03/2025", None, "first_disbursement_date", "AAAA-MM-DD"),
    (None, "2025-06-01", "first_disbursement_date", "primer desembolso"),
]


def test_pn_dates_invalid_refused(w):
    for first, closure, field, text in CASES_PN_DATES_INVALID_REFUSED:
        exc = _refused(
            w,
            ValidationFailed,
            plan_edits.set_pn_dates,
            w.v["analista"],
            w.pn_car,
            1,
            first,
            closure,
            contains=text,
        )
        assert field in _fields(exc)
        assert get(w.url, BusinessPlan, w.pn_car).version == 1


CASES_PN_DATES_OUT_OF_SCOPE_REFUSED = ["comite_pac", "directivo", "operador"]


def test_pn_dates_out_of_scope_refused(w):
    for who in CASES_PN_DATES_OUT_OF_SCOPE_REFUSED:
        _refused(
            w,
            PermissionDenied,
            plan_edits.set_pn_dates,
            w.v[who],
            w.pn_car,
            1,
            "2025-03-01",
            "2025-08-01",
            contains="no puede",
        )
        assert get(w.url, BusinessPlan, w.pn_car).closure_date is None


# ------------------------------------------------------------------ evidence

GOOD_CREDIT = {
    "kind": "credito",
    "ally_type": "financiero",
    "ally_name": "Banco Agrario",
    "start_date": "2025-04-01",
    "end_date": "2026-04-01",
    "document_ref": "CR-9",
    "ally_nit": "800037800-8",
}


def test_evidence_add_correct_void(w):
    res = plan_edits.add_evidence(w.v["analista"], w.pn_car, GOOD_CREDIT, url=w.url)
    ev = get(w.url, AllianceEvidence, res.id)
    assert (ev.kind, ev.ally_type, ev.start_date, ev.version, ev.voided) == (
        "credito",
        "financiero",
        dt.date(2025, 4, 1),
        1,
        False,
    )
    assert (last_audit(w.url).entity, last_audit(w.url).action) == ("alliance_evidence", "create")

    res2 = plan_edits.correct_evidence(
        w.v["comite"], res.id, 1, {**GOOD_CREDIT, "ally_name": "Banco Agrario de Colombia"}, url=w.url
    )
    assert res2.version == 2
    assert get(w.url, AllianceEvidence, res.id).ally_name == "Banco Agrario de Colombia"
    entry = last_audit(w.url)
    assert entry.action == "update" and json.loads(entry.before)["ally_name"] == "Banco Agrario"

    plan_edits.void_evidence(w.v["comite"], res.id, 2, url=w.url)
    ev = get(w.url, AllianceEvidence, res.id)
    assert ev.voided and ev.version == 3
    assert last_audit(w.url).action == "void"
    # a voided evidence cannot be voided or corrected again
    _refused(
        w, ValidationFailed, plan_edits.void_evidence, w.v["comite"], res.id, 3, contains="ya está anulada"
    )
    assert audit.verify(w.url).ok


CASES_EVIDENCE_INVALID_REFUSED = [
    ({"ally_type": "comercial"}, "ally_type", "un crédito solo puede tener un aliado financiero"),
    ({"kind": "prestamo"}, "kind", "Tipo de evidencia"),
    ({"ally_name": "  "}, "ally_name", "Nombre del aliado: es obligatorio"),
    ({"start_date": "2026-05-01", "end_date": "2026-01-01"}, "end_date", "es anterior a fecha de inicio"),
    ({"start_date": None}, "start_date", "Fecha de inicio: es obligatoria"),
    ({"start_date": "2026-12-24"}, "start_date", "posterior a hoy"),
    ({"ally_nit": "800037800-1"}, "ally_nit", "dígito de verificación"),
]


def test_evidence_invalid_refused(w):
    for change, field, text in CASES_EVIDENCE_INVALID_REFUSED:
        exc = _refused(
            w,
            ValidationFailed,
            plan_edits.add_evidence,
            w.v["analista"],
            w.pn_car,
            {**GOOD_CREDIT, **change},
            contains=text,
        )
        assert field in _fields(exc)
        exc = _refused(
            w,
            ValidationFailed,
            plan_edits.correct_evidence,
            w.v["analista"],
            w.evidence,
            1,
            {**GOOD_CREDIT, **change},
            contains=text,
        )
        assert get(w.url, AllianceEvidence, w.evidence).version == 1


CASES_EVIDENCE_OUT_OF_SCOPE_REFUSED = ["comite_pac", "directivo", "operador"]


def test_evidence_out_of_scope_refused(w):
    for who in CASES_EVIDENCE_OUT_OF_SCOPE_REFUSED:
        _refused(w, PermissionDenied, plan_edits.add_evidence, w.v[who], w.pn_car, GOOD_CREDIT)
        _refused(w, PermissionDenied, plan_edits.correct_evidence, w.v[who], w.evidence, 1, GOOD_CREDIT)
        _refused(w, PermissionDenied, plan_edits.void_evidence, w.v[who], w.evidence, 1)
        assert not get(w.url, AllianceEvidence, w.evidence).voided


# ------------------------------------------------------------ stage transitions


def test_stage_transition_and_exit(w):
    res = stage_edits.record_stage(
        w.v["comite"], w.enr_hh, 1, "evaluacion_capacidades", None, "2025-02-01", note="visita", url=w.url
    )
    enr = get(w.url, Enrolment, w.enr_hh)
    assert (enr.current_stage, enr.furthest_stage_order, enr.status, enr.version) == (
        "evaluacion_capacidades",
        2,
        "activo",
        2,
    )
    assert res.version == 2
    with session_scope(w.url) as s:
        evs = s.scalars(
            select(StageEvent).where(StageEvent.enrolment_id == w.enr_hh).order_by(StageEvent.id)
        ).all()
    assert [e.stage for e in evs] == ["ingreso", "evaluacion_capacidades"]
    assert evs[-1].registered_by == "comite" and evs[-1].event_date == dt.date(2025, 2, 1)
    assert {last_audit(w.url).entity} == {"stage_event"}
    # basica: training is optional → formulación allowed directly
    stage_edits.record_stage(w.v["analista"], w.enr_hh, 2, "formulacion", None, "2025-03-01", url=w.url)
    stage_edits.record_stage(
        w.v["analista"], w.enr_hh, 3, "evaluacion_viabilidad", "no_viable", "2025-04-01", url=w.url
    )
    # failed viability → only exit
    exc = _refused(
        w,
        ValidationFailed,
        stage_edits.record_stage,
        w.v["analista"],
        w.enr_hh,
        4,
        "solicitud_cofinanciacion",
        None,
        "2025-05-01",
        contains="Salida documentada",
    )
    assert _fields(exc) == {"stage"}
    stage_edits.record_stage(w.v["analista"], w.enr_hh, 4, "salida", "no_viable", "2025-05-01", url=w.url)
    enr = get(w.url, Enrolment, w.enr_hh)
    assert (enr.current_stage, enr.status, enr.exit_outcome, enr.exit_date, enr.version) == (
        "salida",
        "salido",
        "no_viable",
        dt.date(2025, 5, 1),
        5,
    )
    assert enr.furthest_stage_order == 5  # salida is the exit marker, not progress
    _refused(
        w,
        ValidationFailed,
        stage_edits.record_stage,
        w.v["analista"],
        w.enr_hh,
        5,
        "salida",
        "abandono",
        "2025-06-01",
        contains="Etapa",
    )
    assert audit.verify(w.url).ok


def test_completed_exit_is_finalizado(w):
    enr_id = w.enr_opr
    stages = [
        "evaluacion_capacidades",
        "formacion",
        "formulacion",
        ("evaluacion_viabilidad", "viable"),
        "solicitud_cofinanciacion",
        ("requisitos_recursos", "cumple"),
        "servicios_activados",
        "plan_completado",
        ("salida", "graduado"),
    ]
    for i, st in enumerate(stages):
        stage, outcome = st if isinstance(st, tuple) else (st, None)
        stage_edits.record_stage(
            w.v["analista"],
            enr_id,
            i + 1,
            stage,
            outcome,
            dt.date(2025, 3, 1) + dt.timedelta(days=i),
            url=w.url,
        )
    enr = get(w.url, Enrolment, enr_id)
    assert (enr.status, enr.exit_outcome) == ("finalizado", "graduado")


CASES_STAGE_INVALID_REFUSED = [
    ("formulacion", None, "2025-02-01", "stage", "no se permite pasar de «Ingreso"),
    ("plan_completado", None, "2025-02-01", "stage", "etapas permitidas"),
    ("evaluacion_capacidades", None, "2025-01-05", "event_date", "anterior a la etapa previa"),
    ("evaluacion_capacidades", None, "2026-12-01", "event_date", "posterior a hoy"),
    ("evaluacion_capacidades", None, None, "event_date", "es obligatoria"),
    ("salida", None, "2025-02-01", "outcome", "la salida requiere su resultado"),
    ("evaluacion_capacidades", "viable", "2025-02-01", "outcome", "no lleva resultado"),
]


def test_stage_invalid_refused(w):
    for stage, outcome, day, field, text in CASES_STAGE_INVALID_REFUSED:
        exc = _refused(
            w,
            ValidationFailed,
            stage_edits.record_stage,
            w.v["analista"],
            w.enr_hh,
            1,
            stage,
            outcome,
            day,
            contains=text,
        )
        assert field in _fields(exc)
        enr = get(w.url, Enrolment, w.enr_hh)
        assert (enr.current_stage, enr.version) == ("ingreso", 1)


CASES_STAGE_OUT_OF_SCOPE_REFUSED = ["comite_pac", "directivo", "operador"]


def test_stage_out_of_scope_refused(w):
    for who in CASES_STAGE_OUT_OF_SCOPE_REFUSED:
        _refused(
            w,
            PermissionDenied,
            stage_edits.record_stage,
            w.v[who],
            w.enr_hh,
            1,
            "evaluacion_capacidades",
            None,
            "2025-02-01",
        )
        assert get(w.url, Enrolment, w.enr_hh).version == 1


# ---------------------------------------------------------------------- ANS


def test_sla_report_insert_then_update(w):
    res = sla_edits.report_sla(
        w.v["operador"], w.contract_a, w.def_rep, "2025Q3", "87.5", "https://doc/1", None, url=w.url
    )
    m = get(w.url, SlaMeasurement, res.id)
    assert (m.value, m.evidence_ref, m.reported_by, m.version) == (87.5, "https://doc/1", "operador", 1)
    assert (last_audit(w.url).entity, last_audit(w.url).action) == ("sla_measurement", "create")
    res2 = sla_edits.report_sla(
        w.v["operador"], w.contract_a, w.def_rep, "2025Q3", 91, "https://doc/2", 1, url=w.url
    )
    assert res2.id == res.id and res2.version == 2
    assert get(w.url, SlaMeasurement, res.id).value == 91
    # PMO corrects any contract
    sla_edits.report_sla(w.v["analista"], w.contract_b, w.def_rep, "2025Q3", 50, "", None, url=w.url)
    assert audit.verify(w.url).ok


CASES_SLA_INVALID_REFUSED = [
    ("def_rep", "2025Q3", -3, "value", "no puede ser negativo"),
    ("def_rep", "2025Q3", 150, "value", "supera 100"),
    ("def_rep", "2025Q3", None, "value", "es obligatorio"),
    ("def_rep", "2025-3", 50, "quarter", "AAAAQn"),
    ("def_rep", "2027Q1", 50, "quarter", "aún no ha empezado"),
    ("def_der", "2025Q3", 5, "definition_id", "derivado"),
    ("def_bas", "2025Q3", 50, "definition_id", "ruta basica"),
    ("def_rep", "2023Q2", 50, "quarter", "fuera de la vigencia"),
]


def test_sla_invalid_refused(w):
    for definition, quarter, value, field, text in CASES_SLA_INVALID_REFUSED:
        exc = _refused(
            w,
            ValidationFailed,
            sla_edits.report_sla,
            w.v["operador"],
            w.contract_a,
            getattr(w, definition),
            quarter,
            value,
            "",
            None,
            contains=text,
        )
        assert field in _fields(exc)


CASES_SLA_OUT_OF_SCOPE_REFUSED = [
    ("operador", "contract_b"),
    ("operador_b", "contract_a"),
    ("comite", "contract_a"),
    ("directivo", "contract_a"),
]


def test_sla_out_of_scope_refused(w):
    for who, contract in CASES_SLA_OUT_OF_SCOPE_REFUSED:
        _refused(
            w,
            PermissionDenied,
            sla_edits.report_sla,
            w.v[who],
            getattr(w, contract),
            w.def_rep,
            "2025Q3",
            80,
            "",
            None,
            contains="no puede",
        )


def test_service_delivery_operator_own_contract(w):
    # the OPR enrolment (Cali) runs under operator B's contract
    res = service_edits.add_service_delivery(
        w.v["operador_b"], w.enr_opr, w.contract_b, "asistencia_tecnica", "2025-03-05", url=w.url
    )
    row = get(w.url, ServiceDelivery, res.id)
    assert (row.operator_id, row.municipality_code) == (w.op_b, MUNI_PAC)
    assert last_audit(w.url).entity == "service_delivery"
    _refused(
        w,
        PermissionDenied,
        service_edits.add_service_delivery,
        w.v["operador"],
        w.enr_opr,
        w.contract_b,
        "asistencia_tecnica",
        "2025-03-05",
    )
    _refused(
        w,
        ValidationFailed,
        service_edits.add_service_delivery,
        w.v["operador_b"],
        w.enr_opr,
        w.contract_b,
        "asistencia_tecnica",
        "2027-03-05",
        contains="posterior a hoy",
    )
    _refused(
        w,
        ValidationFailed,
        service_edits.add_service_delivery,
        w.v["operador_b"],
        w.enr_hh,
        w.contract_b,
        "asistencia_tecnica",
        "2025-03-05",
        contains="Contrato",
    )


# ---------------------------------------------------------------- targeting


def test_targeting_update_and_insert(w):
    res = targeting_edits.set_targeting(w.v["comite"], MUNI_CAR, 2025, True, 250, 1, url=w.url)
    tg = get(w.url, Targeting, w.targeting)
    assert (tg.prioritised, tg.target_population, tg.version, res.version) == (True, 250, 2, 2)
    assert last_audit(w.url).entity == "targeting"
    res2 = targeting_edits.set_targeting(w.v["analista"], MUNI_PAC, 2026, True, 40, None, url=w.url)
    tg2 = get(w.url, Targeting, res2.id)
    assert (tg2.municipality_code, tg2.year, tg2.target_population, tg2.version) == (MUNI_PAC, 2026, 40, 1)
    assert last_audit(w.url).action == "create"


CASES_TARGETING_INVALID_REFUSED = [
    (MUNI_CAR, 2025, -5, "target_population", "no puede ser negativa"),
    (MUNI_CAR, 2025, 2.5, "target_population", "sin decimales"),
    (MUNI_CAR, 1990, 10, "year", "fuera de rango"),
    ("99999", 2025, 10, "municipality_code", "no existe en el catálogo DIVIPOLA"),
    ("8001", 2025, 10, "municipality_code", "5 dígitos"),
]


def test_targeting_invalid_refused(w):
    for muni, year, pop, field, text in CASES_TARGETING_INVALID_REFUSED:
        exc = _refused(
            w,
            ValidationFailed,
            targeting_edits.set_targeting,
            w.v["analista"],
            muni,
            year,
            True,
            pop,
            1,
            contains=text,
        )
        assert field in _fields(exc)
        assert get(w.url, Targeting, w.targeting).version == 1


CASES_TARGETING_OUT_OF_SCOPE_REFUSED = ["comite_pac", "directivo", "operador"]


def test_targeting_out_of_scope_refused(w):
    for who in CASES_TARGETING_OUT_OF_SCOPE_REFUSED:
        _refused(w, PermissionDenied, targeting_edits.set_targeting, w.v[who], MUNI_CAR, 2025, True, 1, 1)


# ---------------------------------------------------------------------- alerts


def test_alert_open_update_close(w):
    res = alert_edits.open_alert(
        w.v["comite"],
        {
            "municipality_code": MUNI_CAR,
            "category": "electrificacion",
            "severity": "media",
            "description": "Veredas sin energía",
            "opened_on": "2025-09-01",
        },
        url=w.url,
    )
    al = get(w.url, TerritorialAlert, res.id)
    assert (al.status, al.category, al.version) == ("abierta", "electrificacion", 1)
    alert_edits.update_alert(w.v["comite"], res.id, 1, {"status": "en_gestion", "severity": "alta"}, url=w.url)
    al = get(w.url, TerritorialAlert, res.id)
    assert (al.status, al.severity, al.version) == ("en_gestion", "alta", 2)
    alert_edits.close_alert(w.v["analista"], res.id, 2, "2025-10-15", url=w.url)
    al = get(w.url, TerritorialAlert, res.id)
    assert (al.status, al.closed_on, al.version) == ("cerrada", dt.date(2025, 10, 15), 3)
    assert [last_audit(w.url).entity, last_audit(w.url).action] == ["territorial_alert", "close"]
    assert audit.verify(w.url).ok


CASES_ALERT_INVALID_REFUSED = [
    ({"status": "cerrada", "closed_on": None}, "closed_on", "necesita su fecha de cierre"),
    ({"status": "cerrada", "closed_on": "2025-04-01"}, "closed_on", "es anterior a fecha de apertura"),
    ({"status": "en_gestion", "closed_on": "2025-06-01"}, "closed_on", "solo una alerta cerrada"),
    ({"severity": "extrema"}, "severity", "alta, media o baja"),
    ({"category": "internet"}, "category", "Categoría"),
    ({"opened_on": "2027-01-01"}, "opened_on", "posterior a hoy"),
]


def test_alert_invalid_refused(w):
    for data, field, text in CASES_ALERT_INVALID_REFUSED:
        exc = _refused(
            w, ValidationFailed, alert_edits.update_alert, w.v["analista"], w.alert, 1, data, contains=text
        )
        assert field in _fields(exc)
        assert get(w.url, TerritorialAlert, w.alert).version == 1


def test_alert_open_invalid_and_scope(w):
    base = {"municipality_code": MUNI_CAR, "category": "riego", "severity": "baja", "opened_on": "2025-09-01"}
    _refused(
        w,
        ValidationFailed,
        alert_edits.open_alert,
        w.v["analista"],
        {**base, "municipality_code": "00000"},
        contains="DIVIPOLA",
    )
    _refused(
        w,
        ValidationFailed,
        alert_edits.open_alert,
        w.v["analista"],
        {**base, "status": "cerrada", "closed_on": "2025-09-02"},
        contains="no puede nacer cerrada",
    )
    for who in ("comite_pac", "directivo", "operador"):
        _refused(w, PermissionDenied, alert_edits.open_alert, w.v[who], base)
        _refused(w, PermissionDenied, alert_edits.close_alert, w.v[who], w.alert, 1, "2025-09-01")
    # comité PAC edits its own municipality's alert
    alert_edits.close_alert(w.v["comite_pac"], w.alert_pac, 1, "2025-09-01", url=w.url)


# ----------------------------------------------------------------------- admin


def test_municipality_office_mapping_admin_only(w):
    with session_scope(w.url) as s:
        muni = s.get(Municipality, MUNI_CAR)
    v0 = versions.current(w.url)["reference"]
    _refused(
        w,
        PermissionDenied,
        account_edits.set_municipality_office,
        w.v["analista"],
        MUNI_CAR,
        w.pac,
        muni.version,
        contains="solo el administrador",
    )
    account_edits.set_municipality_office(w.v["admin"], MUNI_CAR, w.pac, muni.version, url=w.url)
    assert get(w.url, Municipality, MUNI_CAR).regional_office_id == w.pac
    assert versions.current(w.url)["reference"] == v0 + 1
    entry = last_audit(w.url)
    assert (entry.entity, entry.entity_id) == ("municipality", MUNI_CAR)
    # the comité of Caribe lost the municipality → its edits there are now refused
    _refused(w, PermissionDenied, targeting_edits.set_targeting, w.v["comite"], MUNI_CAR, 2025, True, 1, 1)
    _refused(
        w,
        ValidationFailed,
        account_edits.set_municipality_office,
        w.v["admin"],
        MUNI_PAC,
        999,
        get(w.url, Municipality, MUNI_PAC).version,
        contains="Oficina regional",
    )


def test_users_create_and_password(w):
    res = account_edits.create_user(
        w.v["admin"],
        {
            "username": "nuevo.comite",
            "role": "comite_regional",
            "regional_office_id": w.car,
            "email": "nuevo@x.gov.co",
            "generate_password": True,
        },
        url=w.url,
    )
    pw = res.extra["password"]
    viewer = authenticate("nuevo.comite", pw, url=w.url)
    assert viewer.role == "comite_regional" and viewer.regional_office_id == w.car
    entry = last_audit(w.url)
    assert entry.entity == "app_user" and "argon2" not in (entry.after or "")
    account_edits.set_password(w.v["admin"], "nuevo.comite", "otra-clave-larga", url=w.url)
    assert authenticate("nuevo.comite", "otra-clave-larga", url=w.url) is not None
    assert "argon2" not in (last_audit(w.url).before or "") + (last_audit(w.url).after or "")
    _refused(
        w,
        ValidationFailed,
        account_edits.create_user,
        w.v["admin"],
        {"username": "nuevo.comite", "role": "comite_regional", "regional_office_id": w.car},
        contains="ya existe",
    )
    _refused(
        w,
        ValidationFailed,
        account_edits.create_user,
        w.v["admin"],
        {"username": "op", "role": "operador"},
        contains=["Usuario:", "Operador:"],
    )
    _refused(
        w,
        ValidationFailed,
        account_edits.set_password,
        w.v["admin"],
        "nuevo.comite",
        "corta",
        contains="10 caracteres",
    )
    for who in ("analista", "comite", "directivo", "operador"):
        _refused(
            w, PermissionDenied, account_edits.create_user, w.v[who], {"username": "x1y2z", "role": "admin"}
        )
        _refused(w, PermissionDenied, account_edits.set_password, w.v[who], "admin", "clave-muy-larga-1")
    with session_scope(w.url) as s:
        assert s.scalar(select(AppUser).where(AppUser.username == "x1y2z")) is None


# ------------------------------------------------------------ stale (per form)


def test_stale_edit_reports_their_change(w):
    plan_edits.set_pn_dates(w.v["analista"], w.pn_car, 1, "2025-03-01", "2025-12-31", url=w.url)
    exc = _refused(
        w,
        StaleEdit,
        plan_edits.set_pn_dates,
        w.v["comite"],
        w.pn_car,
        1,
        "2025-03-01",
        "2026-01-31",
        contains=["analista", "versión 1 → 2", "Fecha de cierre: 2025-12-31 (suyo: 2026-01-31)"],
    )
    assert [(c.field, c.theirs, c.yours) for c in exc.changes] == [
        ("closure_date", "2025-12-31", "2026-01-31")
    ]
    assert get(w.url, BusinessPlan, w.pn_car).closure_date == dt.date(2025, 12, 31)

    alert_edits.update_alert(w.v["analista"], w.alert, 1, {"severity": "baja"}, url=w.url)
    exc = _refused(w, StaleEdit, alert_edits.close_alert, w.v["comite"], w.alert, 1, "2025-09-01")
    assert ("severity", "baja") in [(c.field, c.theirs) for c in exc.changes]

    targeting_edits.set_targeting(w.v["analista"], MUNI_CAR, 2025, True, 120, 1, url=w.url)
    exc = _refused(w, StaleEdit, targeting_edits.set_targeting, w.v["comite"], MUNI_CAR, 2025, False, 130, 1)
    assert {(c.field, c.theirs, c.yours) for c in exc.changes} == {
        ("prioritised", True, False),
        ("target_population", 120, 130),
    }

    stage_edits.record_stage(w.v["analista"], w.enr_hh, 1, "evaluacion_capacidades", None, "2025-02-01", url=w.url)
    _refused(
        w,
        StaleEdit,
        stage_edits.record_stage,
        w.v["comite"],
        w.enr_hh,
        1,
        "salida",
        "abandono",
        "2025-02-02",
        contains="Etapa",
    )

    plan_edits.correct_evidence(
        w.v["analista"],
        w.evidence,
        1,
        {
            "kind": "contrato",
            "ally_type": "comercial",
            "ally_name": "Almacenes del Norte SAS",
            "start_date": "2025-03-15",
        },
        url=w.url,
    )
    _refused(
        w, StaleEdit, plan_edits.void_evidence, w.v["comite"], w.evidence, 1, contains="Nombre del aliado"
    )

    # ANS: value created by someone else after the form opened empty
    sla_edits.report_sla(w.v["analista"], w.contract_a, w.def_rep, "2025Q2", 70, "", None, url=w.url)
    _refused(
        w,
        StaleEdit,
        sla_edits.report_sla,
        w.v["operador"],
        w.contract_a,
        w.def_rep,
        "2025Q2",
        95,
        "",
        None,
        contains="Valor reportado: 70.0 (suyo: 95.0)",
    )
    assert audit.verify(w.url).ok
