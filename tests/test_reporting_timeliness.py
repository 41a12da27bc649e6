"""«Registro oportuno» against a small case computed by hand: who was expected to report 2026Q2,
who sent it by the deadline (20/07/2026, a Bogotá date), late, never, approved, returned; scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import session_scope
from data_access.core.models import Operator, OperatorContract, RegionalOffice, ReportSubmission
from data_access.reporting import timeliness as T
from rules.core.catalog import Role
from rules.reporting import cycle
from tests.test_intake_programme import load_register
from tests.test_intake_territory_sla import office_id, operator_id

Q = "2026Q2"


@pytest.fixture
def case(empty_store, tmp_path):
    """PSA (C-1, NOC, since 01/02/2025) sent at 22:00 of 20/07/2026 in Bogotá (03:00 UTC of the 21st): on time,
    approved. OS1 (C-2, CAR, 2025–2026) sent at 07:00 of 21/07/2026: late, returned once, sent again.
    PSC (C-5, CAR, 15/04–01/05/2026) never sent: missing. PSB (C-4 ended 31/03/2026) is not expected,
    though it sent a report. Expected 3, on time 1, late 1, missing 1, approved 1, returned 1: rate 1/3."""
    url = empty_store
    load_register(url, tmp_path)
    with session_scope(url, write=True) as s:
        car = s.scalar(select(RegionalOffice.id).where(RegionalOffice.code == "CAR"))
        psb = s.scalar(select(Operator.id).where(Operator.code == "PSB"))
        psc = Operator(code="PSC", name="PSDE Cauca", is_psde=True)
        s.add(psc)
        s.flush()
        s.add_all([
            OperatorContract(code="C-4", operator_id=psb, route="basica", regional_office_id=car,
                             start_date=dt.date(2025, 1, 1), end_date=dt.date(2026, 3, 31)),
            OperatorContract(code="C-5", operator_id=psc.id, route="basica", regional_office_id=car,
                             start_date=dt.date(2026, 4, 15), end_date=dt.date(2026, 5, 1)),
        ])

        def report(code, state, first):
            op = s.scalar(select(Operator.id).where(Operator.code == code))
            r = ReportSubmission(operator_id=op, quarter=Q, state=state, created_by="x",
                                 created_at=dt.datetime(2026, 7, 1), first_submitted_at=first, submitted_at=first,
                                 submitted_by="x", review_comment="", version=1)
            s.add(r)
            s.flush()
            return r

        report("PSA", "aprobado", dt.datetime(2026, 7, 21, 3, 0))
        os1 = report("OS1", "enviado", dt.datetime(2026, 7, 21, 12, 0))
        audit.record(s, "pmo1", "report_submission", os1.id, cycle.Step.RETURN.value, None, {"state": "devuelto"})
        report("PSB", "enviado", dt.datetime(2026, 7, 2))
    create_user("op_psa", Role.OPERADOR, operator_id=operator_id(url, "PSA"), url=url)
    create_user("comite_noc", Role.COMITE_REGIONAL, regional_office_id=office_id(url, "NOC"), url=url)
    create_user("pmo1", Role.ANALISTA_PMO, url=url)
    return url


def test_timeliness_matches_the_hand_computed_case(case):
    table = T.rows(viewer_for_username("pmo1", case), Q, case)
    got = {r["operator_code"]: (r["first_submitted_on"], r["on_time"], r["late"], r["missing"], r["approved"],
                                r["returned"]) for r in table}
    assert got == {
        "PSA": (dt.date(2026, 7, 20), True, False, False, True, False),
        "OS1": (dt.date(2026, 7, 21), False, True, False, False, True),
        "PSC": (None, False, False, True, False, False),
    }
    assert {r["deadline"] for r in table} == {dt.date(2026, 7, 20)}
    s = T.summary(table, Q)
    assert (s.expected, s.on_time, s.late, s.missing, s.approved, s.returned) == (3, 1, 1, 1, 1, 1)
    assert s.rate == pytest.approx(1 / 3)


def test_timeliness_is_scoped(case):
    assert [r["operator_code"] for r in T.rows(viewer_for_username("op_psa", case), Q, case)] == ["PSA"]
    assert [r["operator_code"] for r in T.rows(viewer_for_username("comite_noc", case), Q, case)] == ["PSA"]
    assert T.summary([], Q).rate is None


def test_the_deadline_is_a_setting(case, monkeypatch):
    monkeypatch.setenv("TABLERO_REPORT_DEADLINE_DAYS", "21")
    table = T.rows(viewer_for_username("pmo1", case), Q, case)
    assert T.summary(table, Q).on_time == 2


def test_the_ans_slide_states_the_timeliness_of_its_quarter(case):
    from data_access.core.filters import GlobalFilters
    from exports import content

    slide = content.build_sla(content.make_context(viewer_for_username("pmo1", case), GlobalFilters(
        cutoff=dt.date(2026, 6, 30)), "es", case))
    assert "Registro oportuno T2 2026: 1 de 3 reportes trimestrales enviados a tiempo (33,3 %)." in slide.notes
