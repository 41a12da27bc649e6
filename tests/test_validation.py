"""Pure validators (rules.edit.validation): each rule refuses with a Spanish message that
names the field and the fix; valid input gives no errors. No store needed."""

from __future__ import annotations

import datetime as dt

from rules.edit import validation as V
from rules.edit.validation import (
    FieldError,
    validate_alert,
    validate_business_plan,
    validate_evidence,
    validate_nit,
    validate_pn_dates,
    validate_sla_measurement,
    validate_stage_transition,
    validate_targeting,
    validate_user,
)

KNOWN = {"05001", "08001"}  # TABLERO_TODAY = 2026-11-23 (tests/conftest.py)


def by_field(errors: list[FieldError]) -> dict[str, str]:
    assert all(isinstance(e, FieldError) for e in errors)
    return {e.field: e.message for e in errors}


def test_business_plan_valid_and_each_rule():
    ok = {
        "ventana": 2,
        "municipality_code": "05001",
        "first_disbursement_date": dt.date(2025, 1, 5),
        "closure_date": "2026-01-05",
        "cofinancing_committed_cop": 10,
        "cofinancing_disbursed_cop": 0,
        "nit": "900123456-8",
    }
    assert validate_business_plan(ok, KNOWN) == []
    assert validate_business_plan({}, set()) == []  # only what is given is checked
    e = by_field(validate_business_plan({**ok, "ventana": 4}, KNOWN))
    assert e["ventana"].startswith("Ventana:") and "1, 2 o 3" in e["ventana"]
    assert "ventana" in by_field(validate_business_plan({**ok, "ventana": None}, KNOWN))
    assert "use 1, 2 o 3" in by_field(validate_business_plan({**ok, "ventana": "dos"}, KNOWN))["ventana"]
    e = by_field(validate_business_plan({**ok, "municipality_code": "99999"}, KNOWN))
    assert "no existe en el catálogo DIVIPOLA" in e["municipality_code"]
    assert (
        "5 dígitos"
        in by_field(validate_business_plan({**ok, "municipality_code": "5001"}, KNOWN))["municipality_code"]
    )
    e = by_field(validate_business_plan({**ok, "closure_date": "2024-12-31"}, KNOWN))
    assert (
        e["closure_date"].startswith("Fecha de cierre (2024-12-31) es anterior")
        and "corrija" in e["closure_date"]
    )
    e = by_field(validate_business_plan({**ok, "closure_date": "2026-11-24"}, KNOWN))
    assert "posterior a hoy (2026-11-23)" in e["closure_date"]
    assert validate_business_plan({**ok, "closure_date": "2026-11-23"}, KNOWN) == []  # today is fine
    e = by_field(validate_business_plan({**ok, "cofinancing_disbursed_cop": -1}, KNOWN))
    assert "no puede ser negativo" in e["cofinancing_disbursed_cop"]
    e = by_field(validate_business_plan({**ok, "cofinancing_committed_cop": "mil"}, KNOWN))
    assert "no es un número" in e["cofinancing_committed_cop"]
    e = by_field(validate_business_plan({**ok, "nit": "900123456-1"}, KNOWN))
    assert "dígito de verificación" in e["nit"]
    assert validate_business_plan({**ok, "nit": ""}, KNOWN) == []  # NIT only when one is given
    e = by_field(validate_business_plan({**ok, "first_disbursement_date": "5/1/2025"}, KNOWN))
    assert "AAAA-MM-DD" in e["first_disbursement_date"]


def test_pn_dates():
    assert validate_pn_dates({"first_disbursement_date": "2025-01-01", "closure_date": None}) == []
    assert "first_disbursement_date" in by_field(
        validate_pn_dates({"first_disbursement_date": None, "closure_date": "2025-01-01"})
    )


def test_evidence_rules():
    ok = {
        "kind": "credito",
        "ally_type": "financiero",
        "ally_name": "Banco",
        "start_date": "2025-01-01",
        "end_date": None,
    }
    assert validate_evidence(ok) == []
    assert validate_evidence({**ok, "kind": "factura", "ally_type": "comercial"}) == []
    e = by_field(validate_evidence({**ok, "ally_type": "comercial"}))
    assert "un crédito solo puede tener un aliado financiero" in e["ally_type"]
    assert "Tipo de evidencia" in by_field(validate_evidence({**ok, "kind": "pagaré"}))["kind"]
    assert "comercial o financiero" in by_field(validate_evidence({**ok, "ally_type": "otro"}))["ally_type"]
    assert "obligatorio" in by_field(validate_evidence({**ok, "ally_name": ""}))["ally_name"]
    assert "obligatoria" in by_field(validate_evidence({**ok, "start_date": ""}))["start_date"]
    e = by_field(validate_evidence({**ok, "end_date": "2024-06-01"}))
    assert "Fecha de fin (2024-06-01) es anterior a fecha de inicio" in e["end_date"]
    assert "posterior a hoy" in by_field(validate_evidence({**ok, "start_date": "2027-01-01"}))["start_date"]
    # a contract or credit running into the future is normal: its end is a term, not a fact
    assert validate_evidence({**ok, "end_date": "2028-12-31"}) == []
    assert "negativo" in by_field(validate_evidence({**ok, "amount_cop": -5}))["amount_cop"]
    assert "NIT del aliado" in by_field(validate_evidence({**ok, "ally_nit": "800037800-1"}))["ally_nit"]
    assert validate_evidence({**ok, "ally_nit": "800037800-8"}) == []


def test_stage_transitions_follow_routes():
    day = {"event_date": "2025-02-01"}
    assert (
        validate_stage_transition("basica", "ingreso", None, {"stage": "evaluacion_capacidades", **day}) == []
    )
    # básica: formación is optional
    assert (
        validate_stage_transition("basica", "evaluacion_capacidades", None, {"stage": "formulacion", **day})
        == []
    )
    e = by_field(
        validate_stage_transition(
            "intermedia", "evaluacion_capacidades", None, {"stage": "formulacion", **day}
        )
    )
    assert "no se permite pasar" in e["stage"] and "Formación" in e["stage"]
    # exit allowed from anywhere, with an exit outcome
    assert (
        validate_stage_transition(
            "basica", "formacion", None, {"stage": "salida", "outcome": "abandono", **day}
        )
        == []
    )
    assert (
        "resultado"
        in by_field(validate_stage_transition("basica", "formacion", None, {"stage": "salida", **day}))[
            "outcome"
        ]
    )
    # «no viable» allows the reformulation (the loop) or the exit, nothing else
    e = by_field(
        validate_stage_transition(
            "basica", "evaluacion_viabilidad", "no_viable", {"stage": "solicitud_cofinanciacion", **day}
        )
    )
    assert "«Formulación" in e["stage"] and "Salida documentada" in e["stage"]
    # a reformulation is dated after the «no viable» evaluation and carries the feedback given
    viable_on = dt.date(2025, 1, 20)
    assert validate_stage_transition(
        "basica", "evaluacion_viabilidad", "no_viable", {"stage": "formulacion", "note": "Ajustar costos", **day},
        last_event_date=viable_on,
    ) == []
    e = by_field(validate_stage_transition(
        "basica", "evaluacion_viabilidad", "no_viable", {"stage": "formulacion", "event_date": "2025-01-20"},
        last_event_date=viable_on,
    ))
    assert set(e) == {"event_date", "note"}
    assert "posterior a la evaluación «no viable»" in e["event_date"] and "retroalimentación" in e["note"]
    # the exit after «no viable» states that reason
    e = by_field(validate_stage_transition(
        "basica", "evaluacion_viabilidad", "no_viable", {"stage": "salida", "outcome": "graduado", **day}
    ))
    assert "«No viable (retroalimentación)»" in e["outcome"]
    # outcome must belong to the stage
    assert (
        "viable o no_viable"
        in by_field(
            validate_stage_transition(
                "basica", "formulacion", None, {"stage": "evaluacion_viabilidad", "outcome": "cumple", **day}
            )
        )["outcome"]
    )
    # after exit nothing
    assert (
        "ninguna"
        in by_field(validate_stage_transition("basica", "salida", "abandono", {"stage": "ingreso", **day}))[
            "stage"
        ]
    )
    assert (
        "Etapa"
        in by_field(validate_stage_transition("basica", "ingreso", None, {"stage": "x", **day}))["stage"]
    )
    assert (
        "Ruta desconocida"
        in by_field(validate_stage_transition("otra", "ingreso", None, {"stage": "salida", **day}))["stage"]
    )
    e = by_field(
        validate_stage_transition(
            "basica",
            "ingreso",
            None,
            {"stage": "evaluacion_capacidades", "event_date": "2025-01-01"},
            last_event_date=dt.date(2025, 1, 10),
        )
    )
    assert "anterior a la etapa previa (2025-01-10)" in e["event_date"]
    assert (
        "posterior a hoy"
        in by_field(
            validate_stage_transition(
                "basica", "ingreso", None, {"stage": "evaluacion_capacidades", "event_date": "2026-12-01"}
            )
        )["event_date"]
    )


def test_sla_measurement():
    assert validate_sla_measurement({"quarter": "2025Q4", "value": 80}, "%") == []
    assert validate_sla_measurement({"quarter": "2026Q4", "value": 0}, "días") == []
    assert "AAAAQn" in by_field(validate_sla_measurement({"quarter": "2025-4", "value": 1}))["quarter"]
    assert (
        "aún no ha empezado"
        in by_field(validate_sla_measurement({"quarter": "2027Q1", "value": 1}))["quarter"]
    )
    assert "negativo" in by_field(validate_sla_measurement({"quarter": "2025Q1", "value": -1}))["value"]
    assert "100" in by_field(validate_sla_measurement({"quarter": "2025Q1", "value": 101}, "%"))["value"]
    assert validate_sla_measurement({"quarter": "2025Q1", "value": 101}, "días") == []
    assert "obligatorio" in by_field(validate_sla_measurement({"quarter": "2025Q1", "value": ""}))["value"]


def test_targeting():
    assert (
        validate_targeting(
            {"municipality_code": "05001", "year": 2025, "prioritised": True, "target_population": 10}, KNOWN
        )
        == []
    )
    assert (
        "negativa"
        in by_field(validate_targeting({"year": 2025, "target_population": -1}, KNOWN))["target_population"]
    )
    assert "fuera de rango" in by_field(validate_targeting({"year": 2040}, KNOWN))["year"]
    assert "obligatorio" in by_field(validate_targeting({"year": None}, KNOWN))["year"]
    assert (
        "DIVIPOLA"
        in by_field(validate_targeting({"municipality_code": "11111", "year": 2025}, KNOWN))[
            "municipality_code"
        ]
    )


def test_alerts():
    ok = {
        "municipality_code": "08001",
        "category": "riego",
        "severity": "alta",
        "status": "abierta",
        "opened_on": "2025-01-01",
        "closed_on": None,
    }
    assert validate_alert(ok, KNOWN) == []
    assert validate_alert({**ok, "status": "cerrada", "closed_on": "2025-02-01"}, KNOWN) == []
    assert (
        "necesita su fecha de cierre"
        in by_field(validate_alert({**ok, "status": "cerrada"}, KNOWN))["closed_on"]
    )
    assert (
        "solo una alerta cerrada"
        in by_field(validate_alert({**ok, "closed_on": "2025-02-01"}, KNOWN))["closed_on"]
    )
    e = by_field(validate_alert({**ok, "status": "cerrada", "closed_on": "2024-12-01"}, KNOWN))
    assert "es anterior a fecha de apertura" in e["closed_on"]
    assert "Categoría" in by_field(validate_alert({**ok, "category": "x"}, KNOWN))["category"]
    assert "Severidad" in by_field(validate_alert({**ok, "severity": "x"}, KNOWN))["severity"]
    assert "Estado" in by_field(validate_alert({**ok, "status": "x"}, KNOWN))["status"]


def test_nit_and_users():
    assert validate_nit(None) == [] and validate_nit("") == []
    assert validate_nit("900123456-8") == []
    assert validate_nit("900.123.456-8")[0].field == "nit"
    assert validate_user({"username": "ana.perez", "role": "analista_pmo"}) == []
    e = by_field(validate_user({"username": "Ana Pérez", "role": "jefe", "email": "x", "password": "corta"}))
    assert set(e) == {"username", "role", "email", "password"}
    assert (
        "oficina"
        in by_field(validate_user({"username": "com", "role": "comite_regional"}))["regional_office_id"]
    )
    assert "operadora" in by_field(validate_user({"username": "ope", "role": "operador"}))["operator_id"]


def test_delivery_date_within_contract_and_stay():
    start, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    assert V.delivery_date_errors(dt.date(2025, 3, 5), start, end, dt.date(2025, 2, 1), None) == []
    assert V.delivery_date_errors(dt.date(2025, 3, 5), start, None) == []  # open-ended contract, stay unknown
    msgs = [e.message for e in V.delivery_date_errors(dt.date(2023, 12, 31), start, end, dt.date(2024, 2, 1))]
    assert msgs == [
        "Fecha de entrega: es anterior al inicio del contrato (2024-01-01); corrija la fecha.",
        "Fecha de entrega: es anterior al ingreso del participante (2024-02-01); corrija la fecha.",
    ]
    late = V.delivery_date_errors(dt.date(2027, 1, 2), start, end, None, dt.date(2026, 6, 30))
    assert [e.field for e in late] == ["delivery_date", "delivery_date"]
    assert "posterior al fin del contrato (2026-12-31)" in late[0].message
    assert "posterior a la salida del participante (2026-06-30)" in late[1].message
