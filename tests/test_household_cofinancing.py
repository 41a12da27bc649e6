"""Household co-financing of ruta básica micro-projects (issue 18): the writer (audited, versioned,
scoped), the intake sheet, and the overview's co-financing figures, which add the micro-projects to the
business plans and keep each part visible. Both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Enrolment, HouseholdCofinancing
from data_access.edits import cofinancing as cof
from data_access.edits.common import PermissionDenied, ValidationFailed
from data_access.intake import engine
from data_access.overview import queries as ov
from data_access.routes import cofinancing as household_cofinancing
from tests.test_edit_support import audit_count, build, last_audit

CUT = dt.date(2026, 9, 30)
GOOD = {"committed_cop": 2_500_000, "disbursed_cop": 1_000_000, "requirements_met": True,
        "committed_on": "2025-06-01", "disbursed_on": "2025-07-01"}


@pytest.fixture
def w(empty_store):
    ns = build(empty_store)
    with session_scope(empty_store, write=True) as s:  # the household reached the co-financing application
        s.execute(update(Enrolment).where(Enrolment.id == ns.enr_hh).values(code="INS-HH", furthest_stage_order=6))
        s.execute(update(Enrolment).where(Enrolment.id == ns.enr_opr).values(code="INS-OPR"))
    return ns


def _row(url, enrolment_id):
    with session_scope(url) as s:
        return s.scalars(select(HouseholdCofinancing).where(HouseholdCofinancing.enrolment_id == enrolment_id)).first()


def _refused(w, exc_type, viewer, enrolment_id, data, contains):
    n, v = audit_count(w.url), versions.current(w.url)
    with pytest.raises(exc_type) as info:
        cof.set_household_cofinancing(viewer, enrolment_id, data, None, url=w.url)
    assert contains in info.value.message, info.value.message
    assert (audit_count(w.url), versions.current(w.url)) == (n, v)
    return info.value


def test_create_then_update_is_audited_and_versioned(w):
    res = cof.set_household_cofinancing(w.v["comite"], w.enr_hh, GOOD, None, url=w.url)
    row = _row(w.url, w.enr_hh)
    assert (row.committed_cop, row.disbursed_cop, row.requirements_met, row.version) == (2_500_000, 1_000_000, True, 1)
    assert (row.committed_on, row.disbursed_on, row.municipality_code) == (dt.date(2025, 6, 1), dt.date(2025, 7, 1),
                                                                          "08001")
    assert last_audit(w.url).entity == "household_cofinancing" and res.version == 1
    res = cof.set_household_cofinancing(w.v["analista"], w.enr_hh, {**GOOD, "disbursed_cop": 2_500_000}, 1, url=w.url)
    assert res.version == 2 and _row(w.url, w.enr_hh).disbursed_cop == 2_500_000
    assert audit.verify(w.url).ok
    detail = cof.cofinancing_detail(w.v["comite"], w.enr_hh, url=w.url)
    assert detail["version"] == 2 and detail["disbursed_cop"] == 2_500_000


CASES_REFUSED = [
    ({**GOOD, "disbursed_cop": 3_000_000}, "supera lo comprometido"),
    ({**GOOD, "requirements_met": False}, "no tiene los requisitos del instrumento cumplidos"),
    ({**GOOD, "disbursed_on": None}, "Fecha del desembolso: es obligatoria"),
    ({**GOOD, "committed_on": None}, "Fecha del compromiso: es obligatoria"),
    ({**GOOD, "committed_on": "2024-12-01", "disbursed_on": "2025-01-15"}, "anterior al ingreso del hogar"),
    ({**GOOD, "disbursed_on": "2025-05-01"}, "es anterior al compromiso"),
    ({**GOOD, "disbursed_on": "2030-01-01"}, "posterior a hoy"),
    ({**GOOD, "committed_cop": "2.500.000"}, "no es un valor en pesos"),
    ({**GOOD, "committed_cop": -5}, "no puede ser negativo"),
]


@pytest.mark.parametrize("data, text", CASES_REFUSED)
def test_invalid_values_are_refused_and_nothing_is_written(w, data, text):
    _refused(w, ValidationFailed, w.v["analista"], w.enr_hh, data, text)
    assert _row(w.url, w.enr_hh) is None


def test_only_basica_households_that_reached_the_application(w):
    _refused(w, ValidationFailed, w.v["analista"], w.enr_opr, GOOD, "solo para hogares de la ruta básica")
    with session_scope(w.url, write=True) as s:
        s.execute(update(Enrolment).where(Enrolment.id == w.enr_hh).values(furthest_stage_order=4))
    _refused(w, ValidationFailed, w.v["analista"], w.enr_hh, GOOD, "aún no llegó a «Aplicación a cofinanciación»")


def test_scope_other_office_and_operators_are_refused(w):
    _refused(w, PermissionDenied, w.v["comite_pac"], w.enr_hh, GOOD, "solo edita registros de los municipios")
    _refused(w, PermissionDenied, w.v["operador"], w.enr_hh, GOOD, "no puede registrar la cofinanciación")
    assert cof.find_households(w.v["comite_pac"], url=w.url) == []
    assert [r["id"] for r in cof.find_households(w.v["comite"], url=w.url)] == [w.enr_hh]


def _csv(*rows: str) -> bytes:
    head = "codigo_inscripcion;comprometido_cop;fecha_compromiso;requisitos_cumplidos;desembolsado_cop;fecha_desembolso"
    return "\n".join([head, *rows]).encode("utf-8")


def test_intake_loads_a_valid_sheet_and_refuses_a_bad_row_whole(w):
    admin = w.v["admin"]
    bad = engine.import_file("household-cofinancing", _csv("INS-HH;2500000;01/06/2025;si;3000000;01/07/2025",
                                                           "INS-OPR;1000000;01/06/2025;no;;"),
                             "cofinanciacion_hogares.csv", admin, w.url)
    assert not bad.ok and _row(w.url, w.enr_hh) is None
    by_row = {(p.row, p.column): p.message for p in bad.problems}
    assert "supera lo comprometido" in by_row[(2, "desembolsado_cop")]
    assert "solo para hogares de la ruta básica" in by_row[(3, "codigo_inscripcion")]
    ok = engine.import_file("household-cofinancing", _csv("INS-HH;2500000;01/06/2025;si;1000000;01/07/2025"),
                            "cofinanciacion_hogares.csv", admin, w.url)
    assert ok.ok, ok.problems
    row = _row(w.url, w.enr_hh)
    assert (row.committed_cop, row.disbursed_cop, row.requirements_met) == (2_500_000, 1_000_000, True)
    again = engine.import_file("household-cofinancing", _csv("INS-HH;2500000;01/06/2025;si;1000000;01/07/2025"),
                               "cofinanciacion_hogares.csv", admin, w.url)
    assert again.ok and "0 nuevos, 0 actualizados, 1 sin cambios" in again.message


def test_intake_scope_a_comite_loads_only_its_office(w):
    report = engine.import_file("household-cofinancing", _csv("INS-HH;2500000;01/06/2025;si;1000000;01/07/2025"),
                                "cofinanciacion_hogares.csv", w.v["comite_pac"], w.url)
    assert not report.ok
    assert "no es de un municipio de su oficina regional" in report.problems[0].message


def test_overview_cofinancing_adds_the_micro_projects_to_the_plans(w):
    cof.set_household_cofinancing(w.v["analista"], w.enr_hh, GOOD, None, url=w.url)
    head = ov.headline(w.v["analista"], GlobalFilters(cutoff=CUT), url=w.url)
    # by hand: PN-CAR committed 100 M (granted at its first disbursement, 01/03/2025), disbursed 50 M;
    # PN-PAC nothing; the household: 2,5 M committed 01/06/2025, 1 M disbursed 01/07/2025
    assert head.values["cofin_committed"][0] == 100_000_000 + 2_500_000
    assert head.values["cofin_disbursed"][0] == 50_000_000 + 1_000_000
    parts = head.extra["cofinancing"]
    assert parts["pn"]["committed"][0] == 100_000_000 and parts["micro"]["committed"][0] == 2_500_000
    assert parts["micro"]["disbursed"][0] == 1_000_000
    early = ov.headline(w.v["analista"], GlobalFilters(cutoff=dt.date(2025, 6, 15)), url=w.url)
    assert early.extra["cofinancing"]["micro"]["committed"][0] == 2_500_000
    assert early.extra["cofinancing"]["micro"]["disbursed"][0] == 0  # disbursed after that cut-off
    pac = ov.headline(w.v["comite_pac"], GlobalFilters(cutoff=CUT), url=w.url)
    assert pac.extra["cofinancing"]["micro"]["committed"][0] == 0  # another office's household
    other_route = ov.headline(w.v["analista"], GlobalFilters(cutoff=CUT, route="intermedia"), url=w.url)
    assert other_route.extra["cofinancing"]["micro"]["committed"][0] == 0
    summary = household_cofinancing.municipality_summary(w.v["comite"], GlobalFilters(cutoff=CUT), "08001",
                                                         url=w.url)
    assert summary == {"households_committed": 1, "requirements_met": 1, "households_disbursed": 1,
                       "committed_cop": 2_500_000, "disbursed_cop": 1_000_000}
