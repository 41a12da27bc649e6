"""Derived and reported ANS in SQL, checked against a small hand-built dataset with exact
values (every test runs on SQLite and PostgreSQL through ``empty_store``).

The dataset (cut-off 30/09/2026) — two operators, three contracts:

* C-A1  operator OPA, ruta básica, oficina CAR, services asistencia_tecnica + monitoreo
  (every E below reached «servicios activados» by the cut-off unless said otherwise)
    E1 08001 in 2026-07-01, AT 07-11 and 07-05 → first visit after 4 days
    E2 08001 in 2026-07-10, AT 08-09 → 30 days
    E3 08001 in 2026-08-01, never visited → 60 days to the cut-off
    E4 13001 in 2026-09-01, AT 10-15 (after the cut-off) → 29 days to the cut-off
    E5 13001 in 2026-07-15, only a monitoreo delivery → 77 days to the cut-off
    E6 11001 (Bogotá, office CEN!) in 2026-07-20, AT 07-21 → 1 day
    E7 08001 in 2026-04-10 (2026Q2), AT 06-19 → 70 days, services 06-20, left the route 06-25
    E8 08001 in 2026-07-25, AT 08-01 but no «servicios activados» yet → not in the days ANS
    Q3 days [1, 4, 29, 30, 60, 77] → median 29.5; without E6 (comité CAR) → 30
    Q3 events: 12 up to the cut-off, 9 registered within 15 days → 75 %; without E6 7/10
    Q3 coverage of asistencia técnica (services activated by 30/09, not gone before 01/07):
    E1, E2, E6 of E1–E6 → 50 % (E7 left in Q2, E8 activated after the cut-off); Q2: E7 → 100 %
* C-B1  operator OPB, ruta básica, oficina CAR, same services: F1 08001 in 07-05, services 07-06,
    AT 07-25 (20 days), its ingreso registered 25 days late → 1 of 2 events on time
* C-B2  operator OPB, ruta intermedia, oficina CEN, no services listed (owes every ANS of its route)
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    ContractService,
    Enrolment,
    Operator,
    OperatorContract,
    RegionalOffice,
    ServiceDelivery,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
)
from data_access.core.scope import Viewer
from data_access.sla import queries as S
from rules.core.calendar import quarter_of
from rules.sla import scoring as R

D = dt.date
CUTOFF = D(2026, 9, 30)
F = GlobalFilters(cutoff=CUTOFF)
NATIONAL = Viewer("dir", "directivo", scope_label="Nacional")


def build_dataset(url: str) -> dict:
    """Insert the hand-built dataset described in the module docstring; returns ids."""
    ids: dict = {}
    with session_scope(url, write=True) as s:
        office = {o.code: o.id for o in s.scalars(select(RegionalOffice))}
        opa = Operator(code="OPA", name="Operador Alfa", nit="900000001")
        opb = Operator(code="OPB", name="Operador Beta", nit="900000002")
        s.add_all([opa, opb])
        s.flush()
        ca1 = OperatorContract(code="C-A1", operator_id=opa.id, route="basica", regional_office_id=office["CAR"],
                               start_date=D(2025, 1, 1), end_date=None, value_cop=1)
        cb1 = OperatorContract(code="C-B1", operator_id=opb.id, route="basica", regional_office_id=office["CAR"],
                               start_date=D(2025, 1, 1), end_date=None, value_cop=1)
        cb2 = OperatorContract(code="C-B2", operator_id=opb.id, route="intermedia", regional_office_id=office["CEN"],
                               start_date=D(2026, 1, 1), end_date=D(2026, 12, 31), value_cop=1)
        s.add_all([ca1, cb1, cb2])
        s.flush()
        for c in (ca1, cb1):
            s.add_all([ContractService(contract_id=c.id, service_type_code="asistencia_tecnica"),
                       ContractService(contract_id=c.id, service_type_code="monitoreo")])

        def definition(code, route, service, kind, key, unit, target, direction, tolerance, weight):
            d = SlaDefinition(code=code, route=route, service_type_code=service, name=f"ANS {code}",
                              description="", kind=kind, derived_key=key, unit=unit, target=target,
                              direction=direction, tolerance=tolerance, weight=weight)
            s.add(d)
            return d

        d1 = definition("D1", "basica", "asistencia_tecnica", "derived", R.DAYS_TO_FIRST_AT, "días", 30, "lower", 10, 2)
        d2 = definition("D2", "basica", "monitoreo", "derived", R.EVENTS_ON_TIME, "%", 90, "higher", 5, 1)
        d3 = definition("D3", "basica", "asistencia_tecnica", "derived", R.SERVICE_COVERAGE, "%", 80, "higher", 10, 1)
        d4 = definition("D4", "basica", "monitoreo", "reported", None, "%", 100, "higher", 5, 1)
        d5 = definition("D5", "basica", "comercializacion", "reported", None, "%", 100, "higher", 0, 1)
        d6 = definition("D6", "intermedia", "monitoreo", "derived", R.EVENTS_ON_TIME, "%", 90, "higher", 5, 1)
        d7 = definition("D7", "intermedia", "capacidades", "reported", None, "%", 80, "higher", 10, 1)
        s.flush()

        def enrol(contract, op, muni, entry, exit_date=None):
            e = Enrolment(participant_kind="hogar", route=contract.route, entry_mechanism="barrido", entry_date=entry,
                          cohort_quarter=quarter_of(entry), municipality_code=muni, operator_id=op.id,
                          contract_id=contract.id, current_stage="ingreso", status="salido" if exit_date else "activo",
                          exit_date=exit_date, exit_outcome="abandono" if exit_date else None)
            s.add(e)
            s.flush()
            return e

        def event(e, stage, day, registered):
            s.add(StageEvent(enrolment_id=e.id, stage=stage, event_date=day, registered_on=registered))

        def deliver(e, contract, op, service, day):
            s.add(ServiceDelivery(enrolment_id=e.id, service_type_code=service, operator_id=op.id,
                                  contract_id=contract.id, municipality_code=e.municipality_code,
                                  delivery_date=day, registered_on=day))

        e1 = enrol(ca1, opa, "08001", D(2026, 7, 1))
        e2 = enrol(ca1, opa, "08001", D(2026, 7, 10))
        e3 = enrol(ca1, opa, "08001", D(2026, 8, 1))
        e4 = enrol(ca1, opa, "13001", D(2026, 9, 1))
        e5 = enrol(ca1, opa, "13001", D(2026, 7, 15))
        e6 = enrol(ca1, opa, "11001", D(2026, 7, 20))
        e7 = enrol(ca1, opa, "08001", D(2026, 4, 10), exit_date=D(2026, 6, 25))
        e8 = enrol(ca1, opa, "08001", D(2026, 7, 25))
        f1 = enrol(cb1, opb, "08001", D(2026, 7, 5))
        # an enrolment without contract is never attributed to anybody
        s.add(Enrolment(participant_kind="hogar", route="basica", entry_mechanism="barrido", entry_date=D(2026, 7, 2),
                        cohort_quarter="2026Q3", municipality_code="08001", operator_id=opa.id, contract_id=None,
                        current_stage="ingreso", status="activo"))
        AT = "asistencia_tecnica"
        deliver(e1, ca1, opa, AT, D(2026, 7, 11))
        deliver(e1, ca1, opa, AT, D(2026, 7, 5))
        deliver(e2, ca1, opa, AT, D(2026, 8, 9))
        deliver(e4, ca1, opa, AT, D(2026, 10, 15))
        deliver(e5, ca1, opa, "monitoreo", D(2026, 7, 20))
        deliver(e6, ca1, opa, AT, D(2026, 7, 21))
        deliver(e7, ca1, opa, AT, D(2026, 6, 19))
        deliver(f1, cb1, opb, AT, D(2026, 7, 25))
        deliver(e8, ca1, opa, AT, D(2026, 8, 1))
        event(e1, "ingreso", D(2026, 7, 1), D(2026, 7, 16))  # 15 days: on time
        event(e1, "evaluacion_capacidades", D(2026, 8, 1), D(2026, 8, 17))  # 16: late
        event(e2, "ingreso", D(2026, 7, 10), D(2026, 7, 10))
        event(e3, "ingreso", D(2026, 8, 1), D(2026, 9, 30))  # late
        event(e6, "ingreso", D(2026, 7, 20), D(2026, 7, 21))
        event(e4, "ingreso", D(2026, 9, 1), D(2026, 9, 5))
        event(e7, "ingreso", D(2026, 4, 10), D(2026, 4, 11))
        event(e2, "servicios_activados", D(2026, 8, 20), D(2026, 8, 22))
        event(e3, "servicios_activados", D(2026, 9, 10), D(2026, 9, 12))
        event(e1, "servicios_activados", D(2026, 7, 3), D(2026, 7, 4))
        event(e4, "servicios_activados", D(2026, 9, 2), D(2026, 9, 3))
        event(e5, "servicios_activados", D(2026, 7, 16), D(2026, 8, 16))  # 31 days: late
        event(e6, "servicios_activados", D(2026, 7, 20), D(2026, 7, 21))
        event(f1, "servicios_activados", D(2026, 7, 6), D(2026, 7, 7))
        event(e8, "servicios_activados", D(2026, 10, 5), D(2026, 10, 6))  # after the cut-off
        event(e7, "servicios_activados", D(2026, 6, 20), D(2026, 6, 21))
        event(f1, "ingreso", D(2026, 7, 5), D(2026, 7, 30))  # 25 days: late
        s.add_all([
            SlaMeasurement(definition_id=d4.id, contract_id=ca1.id, quarter="2026Q3", value=100.0,
                           evidence_ref="informe-q3.pdf", reported_by="opa", reported_on=D(2026, 10, 5)),
            SlaMeasurement(definition_id=d4.id, contract_id=cb1.id, quarter="2026Q3", value=96.0,
                           evidence_ref="informe-b.pdf", reported_by="opb", reported_on=D(2026, 10, 6)),
            SlaMeasurement(definition_id=d7.id, contract_id=cb2.id, quarter="2026Q3", value=50.0,
                           evidence_ref="acta.pdf", reported_by="opb", reported_on=D(2026, 10, 6)),
            # a reported row with no value is still "sin reporte"
            SlaMeasurement(definition_id=d4.id, contract_id=cb1.id, quarter="2026Q2", value=None,
                           evidence_ref="", reported_by="opb"),
        ])
        s.flush()
        ids.update(opa=opa.id, opb=opb.id, ca1=ca1.id, cb1=cb1.id, cb2=cb2.id, car=office["CAR"],
                   cen=office["CEN"], **{f"d{i}": d.id for i, d in enumerate((d1, d2, d3, d4, d5, d6, d7), 1)})
    return ids


@pytest.fixture
def sla_store(empty_store):
    return empty_store, build_dataset(empty_store)


def _cell(frame, contract_code, definition_code, quarter):
    rows = frame[(frame.contract_code == contract_code) & (frame.definition_code == definition_code)
                 & (frame.quarter == quarter)]
    assert len(rows) == 1, (contract_code, definition_code, quarter, len(rows))
    return rows.iloc[0]


def test_median_days_to_first_technical_assistance(sla_store):
    url, ids = sla_store
    got = S.days_to_first_technical_assistance(NATIONAL, F, ("2026Q2", "2026Q3"), url=url)
    assert got[(ids["ca1"], "2026Q3")] == S.Measure(29.5, 6, 6)  # [1, 4, 29, 30, 60, 77]
    assert got[(ids["ca1"], "2026Q2")] == S.Measure(70.0, 1, 1)
    assert got[(ids["cb1"], "2026Q3")] == S.Measure(20.0, 1, 1)
    assert set(got) == {(ids["ca1"], "2026Q3"), (ids["ca1"], "2026Q2"), (ids["cb1"], "2026Q3")}
    # odd count: the municipality filter keeps E4 and E5 only → [29, 77] → 53; Cartagena only
    got = S.days_to_first_technical_assistance(NATIONAL, F.with_(municipality_code="13001"), ("2026Q3",), url=url)
    assert got == {(ids["ca1"], "2026Q3"): S.Measure(53.0, 2, 2)}
    # an earlier cut-off: at 31/08 E3 and E4 had not reached services, E5 had waited 47 days
    early = GlobalFilters(cutoff=D(2026, 8, 31))
    got = S.days_to_first_technical_assistance(NATIONAL, early, ("2026Q3",), url=url)
    assert got[(ids["ca1"], "2026Q3")] == S.Measure(17.0, 4, 4)  # [1, 4, 30, 47]


def test_median_odd_count_comite_restricted_to_its_municipalities(sla_store):
    url, ids = sla_store
    comite = Viewer("c", "comite_regional", regional_office_id=ids["car"])
    got = S.days_to_first_technical_assistance(comite, F, ("2026Q3",), url=url)
    assert got[(ids["ca1"], "2026Q3")] == S.Measure(30.0, 5, 5)  # E6 (Bogotá) excluded
    assert got[(ids["cb1"], "2026Q3")] == S.Measure(20.0, 1, 1)


def test_events_registered_on_time(sla_store):
    url, ids = sla_store
    got = S.events_registered_on_time(NATIONAL, F, ("2026Q2", "2026Q3"), url=url)
    assert got[(ids["ca1"], "2026Q3")] == S.Measure(75.0, 9, 12)
    assert got[(ids["ca1"], "2026Q2")] == S.Measure(100.0, 2, 2)
    assert got[(ids["cb1"], "2026Q3")] == S.Measure(50.0, 1, 2)
    comite = Viewer("c", "comite_regional", regional_office_id=ids["car"])
    got = S.events_registered_on_time(comite, F, ("2026Q3",), url=url)
    assert got[(ids["ca1"], "2026Q3")] == S.Measure(70.0, 7, 10)


def test_service_coverage(sla_store):
    url, ids = sla_store
    got = S.service_coverage(NATIONAL, F, ("2026Q2", "2026Q3"), ("asistencia_tecnica", "monitoreo"), url=url)
    assert got[("asistencia_tecnica", ids["ca1"], "2026Q3")] == S.Measure(50.0, 3, 6)
    assert got[("monitoreo", ids["ca1"], "2026Q3")] == S.Measure(100 / 6, 1, 6)
    assert got[("asistencia_tecnica", ids["ca1"], "2026Q2")] == S.Measure(100.0, 1, 1)
    assert got[("asistencia_tecnica", ids["cb1"], "2026Q3")] == S.Measure(100.0, 1, 1)
    comite = Viewer("c", "comite_regional", regional_office_id=ids["car"])
    got = S.service_coverage(comite, F, ("2026Q3",), ("asistencia_tecnica",), url=url)
    assert got[("asistencia_tecnica", ids["ca1"], "2026Q3")] == S.Measure(40.0, 2, 5)


def test_scorecard_frame_statuses_and_scores(sla_store):
    url, ids = sla_store
    frame = S.scorecard_frame(NATIONAL, F, ("2026Q2", "2026Q3"), url=url)
    assert set(frame.contract_code) == {"C-A1", "C-B1", "C-B2"}
    assert "D5" not in set(frame.definition_code)  # comercialización is not in those contracts
    assert set(frame[frame.contract_code == "C-B2"].definition_code) == {"D6", "D7"}
    c = _cell(frame, "C-A1", "D1", "2026Q3")
    assert (c.value, c.status) == (29.5, R.CUMPLE)
    assert _cell(frame, "C-A1", "D1", "2026Q2").status == R.INCUMPLE  # 70 > 30 + 10
    assert _cell(frame, "C-A1", "D2", "2026Q3").status == R.INCUMPLE  # 75 < 90 - 5
    assert _cell(frame, "C-A1", "D3", "2026Q3").status == R.INCUMPLE  # 50 < 80 - 10
    c = _cell(frame, "C-A1", "D4", "2026Q3")
    assert (c.value, c.status, c.evidence_ref) == (100.0, R.CUMPLE, "informe-q3.pdf")
    assert _cell(frame, "C-A1", "D4", "2026Q2").status == R.SIN_REPORTE
    assert _cell(frame, "C-B1", "D4", "2026Q3").status == R.EN_RIESGO  # 96 within 5 of 100
    assert _cell(frame, "C-B1", "D4", "2026Q2").status == R.SIN_REPORTE  # row without value
    assert _cell(frame, "C-B1", "D3", "2026Q3").status == R.CUMPLE
    assert _cell(frame, "C-B1", "D1", "2026Q2").status == R.SIN_BASE
    assert _cell(frame, "C-B2", "D6", "2026Q3").status == R.SIN_BASE
    assert _cell(frame, "C-B2", "D7", "2026Q3").status == R.INCUMPLE

    by_contract = {(r.contract_code, r.quarter): r.score
                   for r in S.score_table(frame, ["contract_code", "quarter"]).itertuples()}
    assert by_contract[("C-A1", "2026Q3")] == pytest.approx(60.0)  # (2 + 0 + 0 + 1) / 5
    assert by_contract[("C-A1", "2026Q2")] == pytest.approx(40.0)  # (0 + 1 + 1 + 0) / 5
    assert by_contract[("C-B1", "2026Q3")] == pytest.approx(70.0)  # (2 + 0 + 1 + 0.5) / 5
    assert by_contract[("C-B1", "2026Q2")] == pytest.approx(0.0)  # only the missing report is scorable
    by_operator = {(r.operator_code, r.quarter): r.score
                   for r in S.score_table(frame, ["operator_code", "quarter"]).itertuples()}
    assert by_operator[("OPB", "2026Q3")] == pytest.approx(350 / 6)  # 3.5 / 6 over both contracts
    # the vectorised table agrees with the pure rule
    sub = frame[(frame.operator_code == "OPA") & (frame.quarter == "2026Q3")]
    assert by_operator[("OPA", "2026Q3")] == pytest.approx(R.weighted_score(zip(sub.weight, sub.status)))
    br = S.breaches(frame[frame.quarter == "2026Q3"])
    assert set(zip(br.contract_code, br.definition_code)) == {
        ("C-A1", "D2"), ("C-A1", "D3"), ("C-B1", "D2"), ("C-B2", "D7")
    }


def test_scope_operator_sees_only_own_contracts(sla_store):
    url, ids = sla_store
    opa = Viewer("opa", "operador", operator_id=ids["opa"])
    frame = S.scorecard_frame(opa, F, ("2026Q3",), url=url)
    assert set(frame.operator_code) == {"OPA"}
    # asking for the other operator by code returns nothing
    assert S.scorecard_frame(opa, F, ("2026Q3",), operator_code="OPB", url=url).empty
    assert [c for c, _ in S.operator_options(opa, F, url=url)] == ["OPA"]
    assert S.events_registered_on_time(opa, F, ("2026Q3",), url=url).keys() == {(ids["ca1"], "2026Q3")}
    # an operator without operator_id, or an unknown role, sees nothing
    assert S.scorecard_frame(Viewer("x", "operador"), F, ("2026Q3",), url=url).empty
    assert S.scorecard_frame(Viewer("x", ""), F, ("2026Q3",), url=url).empty
    assert S.average_compliance(Viewer("x", ""), F, url=url) is None


def test_scope_comite_sees_its_office_contracts_and_territory(sla_store):
    url, ids = sla_store
    comite = Viewer("c", "comite_regional", regional_office_id=ids["car"])
    frame = S.scorecard_frame(comite, F, ("2026Q3",), url=url)
    assert set(frame.contract_code) == {"C-A1", "C-B1"}
    c = _cell(frame, "C-A1", "D1", "2026Q3")
    assert c.value == 30.0 and c.denominator == 5
    assert _cell(frame, "C-A1", "D2", "2026Q3").denominator == 10


def test_filters_route_office_territory_service(sla_store):
    url, ids = sla_store
    f = S.scorecard_frame(NATIONAL, F.with_(route="intermedia"), ("2026Q3",), url=url)
    assert set(f.contract_code) == {"C-B2"}
    f = S.scorecard_frame(NATIONAL, F.with_(regional_office_id=ids["cen"]), ("2026Q3",), url=url)
    assert set(f.contract_code) == {"C-B2"}
    f = S.scorecard_frame(NATIONAL, F.with_(municipality_code="13001"), ("2026Q3",), url=url)
    assert set(f.contract_code) == {"C-A1"}
    assert _cell(f, "C-A1", "D1", "2026Q3").value == 53.0
    f = S.scorecard_frame(NATIONAL, F, ("2026Q3",), service_type="monitoreo", url=url)
    assert set(f.definition_code) == {"D2", "D4", "D6"}
    # quarters after the cut-off are dropped
    assert set(S.scorecard_frame(NATIONAL, F, ("2026Q3", "2026Q4"), url=url).quarter) == {"2026Q3"}
    # contract C-B2 starts in 2026: it owes nothing in 2025Q4
    f = S.scorecard_frame(NATIONAL, F, ("2025Q4",), url=url)
    assert "C-B2" not in set(f.contract_code)


def test_compliance_for_map_and_overview(sla_store):
    url, ids = sla_store
    by_muni = S.compliance_by_municipality(NATIONAL, F, url=url)
    # 08001: C-A1 (60, 4 participants: E1 E2 E3 E8; E7 left before Q3) and C-B1 (70, 1) → 62
    assert by_muni == pytest.approx({"08001": 62.0, "11001": 60.0, "13001": 60.0})
    assert S.average_compliance(NATIONAL, F, url=url) == pytest.approx(650 / 11)  # (3 + 3.5 + 0) / (5 + 5 + 1)
    opb = Viewer("opb", "operador", operator_id=ids["opb"])
    assert S.compliance_by_municipality(opb, F, url=url) == pytest.approx({"08001": 70.0})
    assert S.average_compliance(opb, F, url=url) == pytest.approx(350 / 6)
    comite = Viewer("c", "comite_regional", regional_office_id=ids["car"])
    assert set(S.compliance_by_municipality(comite, F, url=url)) == {"08001", "13001"}


def test_definitions_and_quarter_options(sla_store):
    url, ids = sla_store
    defs = S.definitions(NATIONAL, url=url)
    assert [d["code"] for d in defs if d["route"] == "basica"] == ["D1", "D3", "D5", "D2", "D4"]
    assert all(d["how"] for d in defs)
    assert S.definitions(Viewer("x", ""), url=url) == []
    assert S.quarter_options(NATIONAL, F, url=url, limit=4) == ["2026Q3", "2026Q2", "2026Q1", "2025Q4"]
