"""Intake of the participants — OPR, households, enrolments, stage events and service
deliveries — through ``tablero import``: every reference checked by sheet, row and column
(household, OPR by NIT, contract route, office and dates, promotions, the route model, the
contract's services, the participant's stay), nothing written when anything is wrong, a file
loaded again changes nothing, the enrolment's stage summary derived from its events, and an
operador loads only records of its own contracts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.core.auth import create_user
from data_access.core.db import get_engine, session_scope
from data_access.core.models import (
    Enrolment,
    ExitRecord,
    Household,
    ImportBatch,
    Operator,
    Opr,
    RegionalOffice,
    ServiceDelivery,
    StageEvent,
)
from data_access.routes import exits
from rules.core.catalog import Role
from rules.routes.progress import START, progress_of
from tests.test_intake_programme import CONTRACTS, cli, count, load_register, write

OPR = ("nit_opr;nombre;cod_municipio;cadena_valor;asociados;formalizada;forma_organizativa;fecha_constitucion\n"
       "900123456-8;Asociación Cafetera;05001;Café;42;si;asociacion;12/05/2019\n"
       "800200300;Cooperativa del Caribe;08001;cacao;30;no;;\n")
HOUSEHOLDS = ("codigo_hogar;nombre_jefe;documento;cod_municipio;sexo;edad;etnia;victima;nit_opr;fecha_registro\n"
              "H-1;María Pérez;43123456;05001;F;25;ninguna;no;900123456-8;20/01/2025\n"
              "H-2;José Gómez;71234567;05001;M;45;indigena;si;;2025-01-22\n"
              "H-3;Ana Díaz;1045678901;08001;F;30;afrocolombiana;no;;2025-03-05\n")
# C-3 (OS1, básica, NOC) and C-4 (PSB, intermedia, NOC) next to the register's C-1 and C-2
MORE_CONTRACTS = CONTRACTS + ("C-3;OS1;basica;NOC;01/01/2025;31/12/2026;500000000;\"asistencia_tecnica;monitoreo\"\n"
                              "C-4;PSB;intermedia;NOC;01/01/2025;;700000000;asistencia_tecnica\n")
ENROLMENTS_HEAD = ("codigo_inscripcion;tipo_participante;codigo_hogar;nit_opr;ruta;mecanismo_ingreso;fecha_ingreso;"
                   "cod_municipio;codigo_contrato;inscripcion_anterior\n")
ENROLMENTS = ENROLMENTS_HEAD + ("INS-1;hogar;H-1;;basica;barrido;03/02/2025;05001;C-3;\n"
                                "INS-2;hogar;H-2;;basica;barrido;10/02/2025;05001;C-3;\n"
                                "INS-3;hogar;H-1;;intermedia;promocion;01/09/2025;05001;C-1;INS-1\n"
                                "INS-4;opr;;900123456-8;intermedia;convocatoria;01/03/2025;05001;C-1;\n"
                                "INS-5;hogar;H-3;;basica;barrido;01/04/2025;08001;C-2;\n")
EVENTS_HEAD = "codigo_inscripcion;etapa;fecha_evento;resultado;fecha_registro;registrado_por;nota\n"
EVENTS = EVENTS_HEAD + ("INS-1;ingreso;03/02/2025;;;;\n"
                        "INS-1;evaluacion_capacidades;01/03/2025;;;;\n"
                        "INS-1;formulacion;01/04/2025;;;;Sin formación: ya tenía idea de negocio\n"
                        "INS-1;evaluacion_viabilidad;01/05/2025;viable;;;\n"
                        "INS-1;solicitud_cofinanciacion;15/05/2025;;;;\n"
                        "INS-1;requisitos_recursos;01/06/2025;cumple;;;\n"
                        "INS-1;servicios_activados;15/06/2025;;;;\n"
                        "INS-1;plan_completado;01/08/2025;;;;\n"
                        "INS-1;salida;20/08/2025;graduado;25/08/2025;registro.os1;\n"
                        "INS-2;ingreso;10/02/2025;;;;\n"
                        "INS-2;evaluacion_capacidades;10/03/2025;;;;\n"
                        "INS-2;salida;01/04/2025;abandono;;;\n"
                        "INS-3;ingreso;01/09/2025;;;;\n"
                        "INS-3;evaluacion_capacidades;01/10/2025;;;;\n")
DELIVERIES_HEAD = "codigo_inscripcion;servicio;fecha_entrega;codigo_contrato;fecha_registro\n"
DELIVERIES = DELIVERIES_HEAD + ("INS-1;asistencia_tecnica;20/06/2025;;21/06/2025\n"
                                "INS-1;monitoreo;01/07/2025;C-3;\n"
                                "INS-3;asistencia_tecnica;15/10/2025;;\n")
TODAY = dt.date(2026, 11, 23)  # TABLERO_TODAY of the test session (tests/conftest.py)


def load(url, tmp_path, entity, name, text, *extra):
    return cli(url, "import", entity, str(write(tmp_path, name, text)), *extra)


def loaded(url, tmp_path, entity, name, text):
    res = load(url, tmp_path, entity, name, text)
    assert res.exit_code == 0, res.output
    return res


def refused(res, row, column, fragment):
    """Rejected whole, with a problem at ``row`` / ``column`` whose message holds ``fragment``."""
    assert res.exit_code == 1, res.output
    assert "No se guardó nada" in res.output
    lines = [x for x in res.output.splitlines() if f"fila {row}," in x and f"«{column}»" in x]
    assert lines, res.output
    assert any(fragment in line for line in lines), lines


def table(url, *columns, where=None):
    stmt = select(*columns).order_by(*columns)
    with get_engine(url).connect() as conn:
        return conn.execute(stmt if where is None else stmt.where(where)).all()


def enrolment(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(Enrolment).where(Enrolment.code == code)).one()


def operator_id(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(Operator.id).where(Operator.code == code)).scalar()


def operador(url, code):
    """An operador of ``code`` (OS1 holds C-2 and C-3, PSA holds C-1)."""
    username = f"operador_{code.lower()}"
    create_user(username, Role.OPERADOR, display_name=f"Operador {code}", operator_id=operator_id(url, code), url=url)
    return username


@pytest.fixture
def register(empty_store, tmp_path):
    """Operators PSA, PSB and OS1; offices NOC (05001) and CAR (08001); contracts C-1 (PSA,
    intermedia, NOC, from 01/02/2025), C-2 (OS1, básica, CAR, 01/03/2025–31/12/2026), C-3 (OS1,
    básica, NOC, 2025–2026, asistencia técnica and monitoreo), C-4 (PSB, intermedia, NOC)."""
    load_register(empty_store, tmp_path)
    loaded(empty_store, tmp_path, "contracts", "contratos.csv", MORE_CONTRACTS)
    return empty_store


@pytest.fixture
def people(register, tmp_path):
    """The register plus two OPR and three households."""
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    loaded(register, tmp_path, "households", "hogares.csv", HOUSEHOLDS)
    return register


@pytest.fixture
def enrolled(people, tmp_path):
    loaded(people, tmp_path, "enrolments", "inscripciones.csv", ENROLMENTS)
    return people


@pytest.fixture
def staged(enrolled, tmp_path):
    loaded(enrolled, tmp_path, "stage-events", "etapas.csv", EVENTS)
    return enrolled


# ------------------------------------------------------------------ the derived summary (pure)


def test_an_enrolment_without_events_starts_at_ingreso():
    assert progress_of("basica", []) == START
    assert (START.current_stage, START.furthest_stage_order, START.status) == ("ingreso", 1, "activo")


def test_the_summary_of_a_history_is_its_last_stage_and_exit():
    history = [("ingreso", None, dt.date(2025, 1, 1)), ("evaluacion_capacidades", None, dt.date(2025, 2, 1)),
               ("salida", "abandono", dt.date(2025, 3, 1))]
    state = progress_of("basica", history)
    assert state.as_dict() == {"current_stage": "salida", "furthest_stage_order": 2, "status": "salido",
                               "exit_outcome": "abandono", "exit_date": dt.date(2025, 3, 1)}


def test_the_summary_rule_is_the_demo_generators(demo_store):
    """Every seeded enrolment's stored summary is what ``progress_of`` derives from its events."""
    with get_engine(demo_store).connect() as conn:
        routes = dict(conn.execute(select(Enrolment.id, Enrolment.route)).all())
        stored = {r.id: (r.current_stage, r.furthest_stage_order, r.status, r.exit_outcome, r.exit_date)
                  for r in conn.execute(select(Enrolment))}
        events: dict[int, list] = {}
        for eid, stage, outcome, day in conn.execute(select(StageEvent.enrolment_id, StageEvent.stage,
                                                            StageEvent.outcome, StageEvent.event_date)
                                                     .order_by(StageEvent.enrolment_id, StageEvent.event_date)):
            events.setdefault(eid, []).append((stage, outcome, day))
    for eid, route in routes.items():
        assert tuple(progress_of(route, events.get(eid, [])).as_dict().values()) == stored[eid]


# ------------------------------------------------------------------ OPR


def test_opr_load_and_a_nit_without_check_digit_is_completed(register, tmp_path):
    res = loaded(register, tmp_path, "opr", "opr.csv", OPR)
    assert "2 nuevos" in res.output
    assert table(register, Opr.nit, Opr.name, Opr.municipality_code, Opr.members, Opr.formalised,
                 Opr.formalisation) == [
        ("800200300-5", "Cooperativa del Caribe", "08001", 30, False, "colectivo"),
        ("900123456-8", "Asociación Cafetera", "05001", 42, True, "asociacion")]


def test_opr_loaded_again_changes_nothing(register, tmp_path):
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    before = count(register, ImportBatch)
    res = loaded(register, tmp_path, "opr", "opr.csv", OPR)
    assert "Sin cambios" in res.output and count(register, ImportBatch) == before


def test_an_opr_stored_without_check_digit_is_matched_by_its_nit(register, tmp_path):
    with get_engine(register).begin() as conn:
        conn.execute(Opr.__table__.insert().values(nit="900123456", name="Asociación Cafetera",
                                                   municipality_code="05001", members=1, formalised=False,
                                                   formalisation="colectivo", version=1))
    res = loaded(register, tmp_path, "opr", "opr.csv", OPR)
    assert "1 nuevos, 1 actualizados" in res.output
    assert table(register, Opr.nit, Opr.members) == [("800200300-5", 30), ("900123456-8", 42)]


def test_a_nit_without_check_digit_naming_another_registered_opr_is_refused(register, tmp_path):
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    res = load(register, tmp_path, "opr", "opr.csv", OPR.replace("Cooperativa del Caribe", "Otra Cooperativa"))
    refused(res, 3, "nit_opr", "es el NIT de la OPR «Cooperativa del Caribe» ya registrada")
    assert table(register, Opr.name) == [("Asociación Cafetera",), ("Cooperativa del Caribe",)]


def test_a_nit_with_its_check_digit_renames_the_opr(register, tmp_path):
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    res = loaded(register, tmp_path, "opr", "opr.csv", OPR.replace("Asociación Cafetera", "Asociación Cafetera Sur"))
    assert "1 actualizados" in res.output
    assert table(register, Opr.name) == [("Asociación Cafetera Sur",), ("Cooperativa del Caribe",)]


def test_an_opr_of_an_unknown_value_chain_is_refused(register, tmp_path):
    res = load(register, tmp_path, "opr", "opr.csv", OPR.replace("Café", "Quinua"))
    refused(res, 2, "cadena_valor", "Quinua")
    assert count(register, Opr) == 0


# ------------------------------------------------------------------ households


def test_households_load_with_youth_from_age_and_their_opr(people):
    rows = table(people, Household.code, Household.age, Household.youth, Household.opr_id.is_not(None),
                 Household.registered_on)
    assert rows == [("H-1", 25, True, True, dt.date(2025, 1, 20)), ("H-2", 45, False, False, dt.date(2025, 1, 22)),
                    ("H-3", 30, False, False, dt.date(2025, 3, 5))]


def test_households_loaded_again_change_nothing(people, tmp_path):
    res = loaded(people, tmp_path, "households", "hogares.csv", HOUSEHOLDS)
    assert "Sin cambios" in res.output


def test_a_household_of_an_unregistered_opr_is_refused(register, tmp_path):
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    res = load(register, tmp_path, "households", "hogares.csv", HOUSEHOLDS.replace("900123456-8", "901000000-9"))
    refused(res, 2, "nit_opr", "no está registrada")
    assert count(register, Household) == 0


def test_one_document_under_two_household_codes_in_a_file_is_refused(register, tmp_path):
    loaded(register, tmp_path, "opr", "opr.csv", OPR)
    res = load(register, tmp_path, "households", "hogares.csv", HOUSEHOLDS.replace("71234567", "43123456"))
    refused(res, 3, "documento", "ya figura en la fila 2 con el hogar H-1")
    assert count(register, Household) == 0


def test_a_document_stored_with_another_household_is_refused_unless_the_file_moves_it(people, tmp_path):
    head = HOUSEHOLDS.splitlines()[0] + "\n"
    res = load(people, tmp_path, "households", "hogares.csv", head + "H-9;Otra Persona;43123456;05001;F;50;ninguna;no;;"
               "01/02/2025\n")
    refused(res, 2, "documento", "ya está registrado con el hogar H-1")
    assert count(people, Household) == 3
    swapped = HOUSEHOLDS.replace("43123456", "SWAP").replace("71234567", "43123456").replace("SWAP", "71234567")
    loaded(people, tmp_path, "households", "hogares.csv", swapped)  # a correction that swaps two documents
    assert table(people, Household.code, Household.document_id)[:2] == [("H-1", "71234567"), ("H-2", "43123456")]


@pytest.mark.parametrize("role", [Role.COMITE_REGIONAL, Role.DIRECTIVO])
def test_a_role_that_may_not_read_personal_data_may_not_load_households(register, tmp_path, role):
    with get_engine(register).connect() as conn:
        noc = conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == "NOC")).scalar()
    create_user("quien", role, display_name="Sin datos personales", regional_office_id=noc, url=register)
    res = load(register, tmp_path, "households", "hogares.csv", HOUSEHOLDS, "--as-user", "quien")
    assert res.exit_code != 0 and "datos personales" in res.output
    assert count(register, Household) == 0


# ------------------------------------------------------------------ enrolments


def test_enrolments_load_at_ingreso_with_cohort_operator_and_promotion(enrolled):
    one, three = enrolment(enrolled, "INS-1"), enrolment(enrolled, "INS-3")
    assert (one.current_stage, one.furthest_stage_order, one.status, one.exit_outcome) == ("ingreso", 1, "activo",
                                                                                          None)
    assert one.cohort_quarter == "2025Q1" and one.operator_id == operator_id(enrolled, "OS1")
    assert three.previous_enrolment_id == one.id and three.cohort_quarter == "2025Q3"
    assert three.operator_id == operator_id(enrolled, "PSA")
    assert enrolment(enrolled, "INS-4").participant_kind == "opr"
    assert count(enrolled, Enrolment) == 5


def test_enrolments_loaded_again_change_nothing(enrolled, tmp_path):
    res = loaded(enrolled, tmp_path, "enrolments", "inscripciones.csv", ENROLMENTS)
    assert "Sin cambios" in res.output
    assert enrolment(enrolled, "INS-3").previous_enrolment_id == enrolment(enrolled, "INS-1").id


def _enrolments_refused(people, tmp_path, line, row, column, fragment):
    res = load(people, tmp_path, "enrolments", "inscripciones.csv", ENROLMENTS + line)
    refused(res, row, column, fragment)
    assert count(people, Enrolment) == 0


def test_an_enrolment_of_an_unknown_household_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-404;;basica;barrido;03/02/2025;05001;C-3;\n", 7,
                        "codigo_hogar", "H-404")


def test_an_enrolment_naming_both_participants_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-2;900123456-8;intermedia;barrido;03/02/2025;05001;C-1;\n",
                        7, "nit_opr", "no lleva")


def test_an_enrolment_naming_no_participant_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;opr;;;intermedia;barrido;03/02/2025;05001;C-1;\n", 7, "nit_opr",
                        "necesita")


def test_an_enrolment_on_a_contract_of_another_route_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-3;;basica;barrido;03/02/2025;05001;C-1;\n", 7,
                        "codigo_contrato", "de la ruta «intermedia»")


def test_an_enrolment_on_a_contract_of_another_office_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-3;;basica;barrido;03/04/2025;05001;C-2;\n", 7,
                        "codigo_contrato", "oficina regional")


def test_an_entry_outside_the_contract_dates_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-3;;basica;barrido;01/02/2025;08001;C-2;\n", 7,
                        "fecha_ingreso", "vigencia del contrato «C-2»")


def test_a_promotion_from_another_participants_enrolment_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-2;;intermedia;promocion;01/09/2025;05001;C-1;INS-1\n", 7,
                        "inscripcion_anterior", "otro participante")


def test_a_promotion_from_an_enrolment_that_left_is_refused(staged, tmp_path):
    res = load(staged, tmp_path, "enrolments", "inscripciones.csv",
               ENROLMENTS_HEAD + "INS-9;hogar;H-2;;intermedia;promocion;01/09/2025;05001;C-1;INS-2\n")
    refused(res, 2, "inscripcion_anterior", "no graduada")
    assert count(staged, Enrolment) == 5


def test_a_promotion_from_an_enrolment_still_on_its_route_is_refused(staged, tmp_path):
    loaded(staged, tmp_path, "stage-events", "etapas.csv", EVENTS_HEAD + "INS-4;ingreso;01/03/2025;;;;\n")
    res = load(staged, tmp_path, "enrolments", "inscripciones.csv",
               ENROLMENTS_HEAD + "INS-9;opr;;900123456-8;competitividad;promocion;01/10/2025;05001;;INS-4\n")
    refused(res, 2, "inscripcion_anterior", "sigue activa")
    assert count(staged, Enrolment) == 5


def test_moving_an_entry_after_its_stored_events_is_refused(staged, tmp_path):
    res = load(staged, tmp_path, "enrolments", "inscripciones.csv",
               ENROLMENTS.replace("INS-2;hogar;H-2;;basica;barrido;10/02/2025", "INS-2;hogar;H-2;;basica;"
                                                                                     "barrido;15/02/2025"))
    refused(res, 3, "fecha_ingreso", "antes de esta fecha de ingreso")
    assert enrolment(staged, "INS-2").entry_date == dt.date(2025, 2, 10)


def test_a_second_open_enrolment_on_the_same_route_is_refused(enrolled, tmp_path):
    res = load(enrolled, tmp_path, "enrolments", "inscripciones.csv",
               ENROLMENTS_HEAD + "INS-9;hogar;H-2;;basica;barrido;01/06/2025;05001;C-3;\n")
    refused(res, 2, "codigo_inscripcion", "«INS-2»")
    assert count(enrolled, Enrolment) == 5


# ------------------------------------------------------------------ stage events


def test_stage_events_load_and_derive_each_enrolments_summary(staged):
    one, two, three = (enrolment(staged, c) for c in ("INS-1", "INS-2", "INS-3"))
    assert (one.current_stage, one.furthest_stage_order, one.status, one.exit_outcome, one.exit_date) == (
        "salida", 9, "finalizado", "graduado", dt.date(2025, 8, 20))
    assert (two.current_stage, two.furthest_stage_order, two.status, two.exit_outcome) == ("salida", 2, "salido",
                                                                                          "abandono")
    assert (three.current_stage, three.status, three.exit_outcome, three.exit_date) == (
        "evaluacion_capacidades", "activo", None, None)
    assert count(staged, StageEvent) == 14


def test_a_blank_registration_is_today_by_the_uploader(staged):
    rows = table(staged, StageEvent.stage, StageEvent.registered_on, StageEvent.registered_by,
                 where=StageEvent.enrolment_id == enrolment(staged, "INS-1").id)
    assert ("salida", dt.date(2025, 8, 25), "registro.os1") in rows
    assert ("ingreso", TODAY, "cli") in rows


def test_stage_events_loaded_again_change_nothing(staged, tmp_path):
    res = loaded(staged, tmp_path, "stage-events", "etapas.csv", EVENTS)
    assert "Sin cambios" in res.output


def _events_refused(enrolled, tmp_path, text, row, column, fragment):
    res = load(enrolled, tmp_path, "stage-events", "etapas.csv", text)
    refused(res, row, column, fragment)
    assert count(enrolled, StageEvent) == 0
    assert enrolment(enrolled, "INS-2").current_stage == "ingreso"


def test_an_invalid_stage_transition_is_refused(enrolled, tmp_path):
    _events_refused(enrolled, tmp_path, EVENTS.replace("INS-2;evaluacion_capacidades", "INS-2;formulacion"), 12,
                    "etapa", "Salta la etapa")


def test_an_exit_outcome_that_does_not_fit_is_refused(enrolled, tmp_path):
    _events_refused(enrolled, tmp_path, EVENTS.replace("01/04/2025;abandono", "01/04/2025;graduado"), 13,
                    "resultado", "no corresponde")


def test_an_event_of_an_unknown_enrolment_is_refused(enrolled, tmp_path):
    _events_refused(enrolled, tmp_path, EVENTS + "INS-404;ingreso;01/02/2025;;;;\n", 16, "codigo_inscripcion",
                    "no está registrada")


def test_an_event_before_the_entry_is_refused(enrolled, tmp_path):
    _events_refused(enrolled, tmp_path, EVENTS.replace("INS-2;ingreso;10/02/2025", "INS-2;ingreso;01/02/2025"), 11,
                    "fecha_evento", "anterior al ingreso")


def test_a_stage_already_stored_on_another_date_is_a_duplicate(staged, tmp_path):
    res = load(staged, tmp_path, "stage-events", "etapas.csv", EVENTS_HEAD + "INS-3;evaluacion_capacidades;"
                                                                             "05/10/2025;;;;\n")
    refused(res, 2, "etapa", "ya está registrada para esta inscripción el 2025-10-01")
    assert count(staged, StageEvent) == 14


def test_events_ending_a_promoted_from_enrolment_in_a_loss_are_refused(enrolled, tmp_path):
    lost = EVENTS_HEAD + ("INS-1;ingreso;03/02/2025;;;;\nINS-1;evaluacion_capacidades;01/03/2025;;;;\n"
                          "INS-1;salida;01/04/2025;abandono;;;\n")  # INS-3 was promoted from INS-1
    res = load(enrolled, tmp_path, "stage-events", "etapas.csv", lost)
    refused(res, 4, "etapa", "«INS-3» fue promovida desde esta inscripción")
    assert count(enrolled, StageEvent) == 0


def test_an_operador_loads_stage_events_of_its_own_contracts(enrolled, tmp_path):
    user = operador(enrolled, "OS1")
    own = EVENTS_HEAD + "INS-2;ingreso;10/02/2025;;;;\nINS-2;evaluacion_capacidades;10/03/2025;;;;\n"
    res = load(enrolled, tmp_path, "stage-events", "etapas.csv", own, "--as-user", user, "--quarter", "2025Q1")
    assert res.exit_code == 0, res.output
    assert "Agregado al reporte T1 2025 (borrador): se cargará cuando la PMO lo apruebe" in res.output
    assert count(enrolled, StageEvent) == 0  # in its report until the PMO approves it
    report = res.output.split("(reporte ")[1].split(",")[0]
    assert cli(enrolled, "reports", "submit", report, "--as-user", user).exit_code == 0
    create_user("pmo", Role.ANALISTA_PMO, url=enrolled)
    res = cli(enrolled, "reports", "approve", report, "--as-user", "pmo")
    assert res.exit_code == 0 and "aprobado" in res.output, res.output
    assert {r.registered_by for r in table(enrolled, StageEvent.registered_by)} == {user}


def test_an_operador_loading_another_operators_contract_rows_writes_nothing(enrolled, tmp_path):
    user = operador(enrolled, "OS1")
    res = load(enrolled, tmp_path, "stage-events", "etapas.csv", EVENTS, "--as-user", user, "--quarter", "2025Q1")
    refused(res, 14, "codigo_inscripcion", "no es de uno de sus contratos")  # INS-3 is on PSA's C-1
    assert count(enrolled, StageEvent) == 0


# ------------------------------------------------------------------ deliveries


def test_deliveries_load_with_the_enrolments_contract_and_municipality(staged, tmp_path):
    res = loaded(staged, tmp_path, "deliveries", "servicios_prestados.csv", DELIVERIES)
    assert "3 nuevos" in res.output
    c3 = table(staged, ServiceDelivery.contract_id, ServiceDelivery.operator_id, ServiceDelivery.municipality_code,
               ServiceDelivery.registered_on, where=ServiceDelivery.enrolment_id == enrolment(staged, "INS-1").id)
    one = enrolment(staged, "INS-1")
    assert c3 == [(one.contract_id, one.operator_id, "05001", dt.date(2025, 6, 21)),
                  (one.contract_id, one.operator_id, "05001", TODAY)]


def test_deliveries_loaded_again_change_nothing(staged, tmp_path):
    loaded(staged, tmp_path, "deliveries", "servicios_prestados.csv", DELIVERIES)
    res = loaded(staged, tmp_path, "deliveries", "servicios_prestados.csv", DELIVERIES)
    assert "Sin cambios" in res.output


def _deliveries_refused(staged, tmp_path, line, column, fragment):
    res = load(staged, tmp_path, "deliveries", "servicios_prestados.csv", DELIVERIES + line)
    refused(res, 5, column, fragment)
    assert count(staged, ServiceDelivery) == 0


def test_a_delivery_after_the_participant_left_is_refused(staged, tmp_path):
    _deliveries_refused(staged, tmp_path, "INS-2;asistencia_tecnica;02/05/2025;;\n", "fecha_entrega",
                        "posterior a la salida del participante (2025-04-01)")


def test_a_delivery_before_the_entry_is_refused(staged, tmp_path):
    _deliveries_refused(staged, tmp_path, "INS-3;asistencia_tecnica;15/08/2025;;\n", "fecha_entrega",
                        "anterior al ingreso del participante")


def test_a_service_the_contract_does_not_offer_is_refused(staged, tmp_path):
    _deliveries_refused(staged, tmp_path, "INS-1;comercializacion;20/06/2025;;\n", "servicio",
                        "no está en el contrato «C-3»")


def test_a_service_outside_the_route_is_refused(staged, tmp_path):
    _deliveries_refused(staged, tmp_path, "INS-1;capacidades;20/06/2025;;\n", "servicio", "no se presta en la ruta")


def test_a_delivery_under_a_contract_of_another_route_is_refused(staged, tmp_path):
    _deliveries_refused(staged, tmp_path, "INS-1;asistencia_tecnica;21/06/2025;C-1;\n", "codigo_contrato",
                        "no atiende esta inscripción")


def test_an_operador_loading_deliveries_of_another_operators_contract_writes_nothing(staged, tmp_path):
    user = operador(staged, "PSA")
    res = load(staged, tmp_path, "deliveries", "servicios_prestados.csv", DELIVERIES, "--as-user", user,
               "--quarter", "2025Q2")
    refused(res, 2, "codigo_inscripcion", "no es de uno de sus contratos")  # INS-1 is on OS1's C-3
    assert count(staged, ServiceDelivery) == 0


# ------------------------------------------------- entry rules, viability loop, promotion (issue 18)


def test_a_basica_entry_by_convocatoria_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;hogar;H-3;;basica;convocatoria;01/04/2025;08001;C-2;\n", 7,
                        "mecanismo_ingreso", "solo por «barrido»")


def test_an_opr_entering_competitividad_by_barrido_is_refused(people, tmp_path):
    _enrolments_refused(people, tmp_path, "INS-9;opr;;800200300;competitividad;barrido;01/04/2025;08001;;\n", 7,
                        "mecanismo_ingreso", "solo por «promocion» o «convocatoria»")


LOOP = ("INS-3;formacion;15/10/2025;;;;\n"
        "INS-3;formulacion;01/11/2025;;;;\n"
        "INS-3;evaluacion_viabilidad;01/12/2025;no_viable;;;\n"
        "INS-3;formulacion;10/01/2026;;;;Retroalimentación: precisar compradores\n"
        "INS-3;evaluacion_viabilidad;01/02/2026;viable;;;\n")


def test_a_reformulation_after_no_viable_loads_as_a_loop(staged, tmp_path):
    res = loaded(staged, tmp_path, "stage-events", "etapas.csv", EVENTS_HEAD + LOOP)
    assert "5 nuevos" in res.output, res.output
    three = enrolment(staged, "INS-3")
    assert (three.current_stage, three.status, three.furthest_stage_order) == ("evaluacion_viabilidad", "activo", 5)
    rows = table(staged, StageEvent.event_date, StageEvent.stage, StageEvent.outcome,
                 where=StageEvent.enrolment_id == three.id)
    assert [r.stage for r in rows][-4:] == ["formulacion", "evaluacion_viabilidad", "formulacion",
                                            "evaluacion_viabilidad"]
    assert "Sin cambios" in loaded(staged, tmp_path, "stage-events", "etapas.csv", EVENTS_HEAD + LOOP).output


def test_a_reformulation_without_its_feedback_is_refused(staged, tmp_path):
    res = load(staged, tmp_path, "stage-events", "etapas.csv",
               EVENTS_HEAD + LOOP.replace("Retroalimentación: precisar compradores", ""))
    refused(res, 5, "nota", "retroalimentación")
    assert enrolment(staged, "INS-3").current_stage == "evaluacion_capacidades"


def test_a_reformulation_dated_with_the_no_viable_evaluation_is_refused(staged, tmp_path):
    res = load(staged, tmp_path, "stage-events", "etapas.csv",
               EVENTS_HEAD + LOOP.replace("formulacion;10/01/2026", "formulacion;01/12/2025"))
    assert res.exit_code == 1 and "No se guardó nada" in res.output, res.output
    assert enrolment(staged, "INS-3").current_stage == "evaluacion_capacidades"


PROMOTED_HEAD = EVENTS_HEAD.replace("nota\n", "nota;promover\n")
GRADUATION = ("INS-5;ingreso;01/04/2025;;;;;\n"
              "INS-5;evaluacion_capacidades;01/05/2025;;;;;\n"
              "INS-5;formulacion;01/06/2025;;;;;\n"
              "INS-5;evaluacion_viabilidad;01/07/2025;viable;;;;\n"
              "INS-5;solicitud_cofinanciacion;15/07/2025;;;;;\n"
              "INS-5;requisitos_recursos;01/08/2025;cumple;;;;\n"
              "INS-5;servicios_activados;15/08/2025;;;;;\n"
              "INS-5;plan_completado;01/10/2025;;;;;\n"
              "INS-5;salida;15/10/2025;graduado;;;;si\n")


def test_a_graduation_marked_promover_creates_the_next_enrolment_once(enrolled, tmp_path):
    res = loaded(enrolled, tmp_path, "stage-events", "etapas.csv", PROMOTED_HEAD + GRADUATION)
    five = enrolment(enrolled, "INS-5")
    with get_engine(enrolled).connect() as conn:
        nxt = conn.execute(select(Enrolment).where(Enrolment.previous_enrolment_id == five.id)).all()
        first = conn.execute(select(StageEvent.stage, StageEvent.event_date)
                             .where(StageEvent.enrolment_id == nxt[0].id)).all()
    assert len(nxt) == 1, res.output
    promoted = nxt[0]
    assert (promoted.route, promoted.participant_kind, promoted.household_id, promoted.entry_mechanism,
            promoted.entry_date, promoted.status) == ("intermedia", "hogar", five.household_id, "promocion",
                                                      dt.date(2025, 10, 15), "activo")
    assert first == [("ingreso", dt.date(2025, 10, 15))]
    assert table(enrolled, ExitRecord.enrolment_id, ExitRecord.outcome) == [(five.id, "graduado")]  # sealed
    with session_scope(enrolled) as s:  # set-wise, the record the stage writer would have sealed
        record = s.scalars(select(ExitRecord).where(ExitRecord.enrolment_id == five.id)).one()
        assert record.payload == exits.build_payload(s, s.get(Enrolment, five.id))
        code = record.code
    assert exits.verify(code, enrolled).ok
    again = loaded(enrolled, tmp_path, "stage-events", "etapas.csv", PROMOTED_HEAD + GRADUATION)
    assert "Sin cambios" in again.output  # promoted already: no second enrolment
    assert len(table(enrolled, Enrolment.id, where=Enrolment.previous_enrolment_id == five.id)) == 1


def test_promover_on_an_exit_that_is_not_a_graduation_is_refused(enrolled, tmp_path):
    lost = GRADUATION.replace("INS-5;plan_completado;01/10/2025;;;;;\n", "").replace("graduado;;;;si", "abandono;;;;si")
    res = load(enrolled, tmp_path, "stage-events", "etapas.csv", PROMOTED_HEAD + lost)
    refused(res, 9, "promover", "solo se promueve una salida graduada")
    assert count(enrolled, StageEvent) == 0
