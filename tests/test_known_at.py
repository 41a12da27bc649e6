"""Known-at dates (issue 16): evidence and sales carry the day they were first registered (the
first import or edit, never moved by a later update), and the alliance indicator can be recomputed
as known on a date (``GlobalFilters.known_at``, ``tablero indicator alliance --known-at``)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import tablero
from data_access.alliance import queries as al
from data_access.alliance import tracking_matrix as tm
from data_access.core.db import get_engine, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import AllianceEvidence, BusinessPlan, Operator, Sales
from data_access.core.scope import Viewer
from data_access.edits import plans as plan_edits
from tests.test_tracking_matrix import good_rows, workbook

D = dt.date
ANALYST = Viewer("analista", "analista_pmo", scope_label="Nacional")
CUTOFF = D(2026, 6, 30)


@pytest.fixture
def store(empty_store, monkeypatch):
    """The tracking-matrix tests' three PN, imported on 10/07/2026."""
    with session_scope(empty_store, write=True) as s:
        s.add_all([Operator(code="PSA", name="PSDE Andino", is_psde=True),
                   Operator(code="PSB", name="PSDE Bolívar", is_psde=True)])
    monkeypatch.setenv("TABLERO_TODAY", "2026-07-10")
    assert tm.import_tracking_matrix(workbook(*good_rows()), ANALYST, url=empty_store).ok
    return empty_store


def _registered(url, model) -> dict:
    with get_engine(url).connect() as conn:
        if model is Sales:
            rows = conn.execute(select(BusinessPlan.code, Sales.year, Sales.registered_on)
                                .join(BusinessPlan, BusinessPlan.id == Sales.business_plan_id)).all()
        else:
            rows = conn.execute(select(BusinessPlan.code, AllianceEvidence.document_ref,
                                       AllianceEvidence.registered_on)
                                .join(BusinessPlan, BusinessPlan.id == AllianceEvidence.business_plan_id)).all()
    return {(a, b): on for a, b, on in rows}


def _total(url, known_at):
    row = al.indicator(ANALYST, GlobalFilters(cutoff=CUTOFF, known_at=known_at), url=url)
    return row.numerator, row.denominator


def test_the_indicator_as_known_on_a_date(store):
    assert set(_registered(store, AllianceEvidence).values()) == {D(2026, 7, 10)}
    assert _total(store, None) == (2, 2)
    assert _total(store, D(2026, 7, 10)) == (2, 2)
    assert _total(store, D(2026, 7, 9)) == (0, 2)  # the evidence was not known yet: both PN fail
    by = al.by_dimension(ANALYST, GlobalFilters(cutoff=CUTOFF, known_at=D(2026, 7, 9)), "ventana", url=store)
    assert sum(r.numerator for r in by) == 0
    _, listed = al.plan_list(ANALYST, GlobalFilters(cutoff=CUTOFF, known_at=D(2026, 7, 9)), "denominator", url=store)
    assert sorted(listed["estado"]) == ["no_cumple", "no_cumple"]  # the explanation sees what the count saw
    filters = GlobalFilters(cutoff=CUTOFF)
    assert al.sales_vs_baseline(ANALYST, filters, None, 2025, url=store)[0]["plans"] == 1
    assert al.sales_vs_baseline(ANALYST, filters.with_(known_at=D(2026, 7, 9)), None, 2025, url=store) == []

    run = CliRunner()
    env = {"DATABASE_URL": store}
    res = run.invoke(tablero, ["indicator", "alliance", "--as-of", "2026-06-30", "--known-at", "2026-07-09",
                               "--format", "csv"], env=env, catch_exceptions=False)
    assert res.exit_code == 0 and res.output.splitlines()[-1] == "total,0,2,0.0,0"
    res = run.invoke(tablero, ["indicator", "alliance", "--quarter", "2026Q2", "--known-at", "2026-07-10",
                               "--format", "csv"], env=env, catch_exceptions=False)
    assert res.output.splitlines()[-1] == "total,2,2,100.0,0"
    res = run.invoke(tablero, ["indicator", "alliance", "--quarter", "2026Q2", "--known-at", "10/07/2026"],
                     env=env, catch_exceptions=False)
    assert res.exit_code == 2 and "AAAA-MM-DD" in res.output


def test_a_later_import_keeps_the_first_registration_and_dates_new_rows(store, monkeypatch):
    monkeypatch.setenv("TABLERO_TODAY", "2026-08-01")
    plans, evidence, sales = good_rows()
    assert not tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store).changed
    sales = [["PN-A", 2023, 1000000, "si"], ["PN-A", 2025, 1700000, "no"], ["PN-A", 2026, 1800000, "no"]]
    evidence = [*evidence, ["PN-B", "factura", "comercial", "Chocolates SA", D(2026, 5, 2), None, "F-9"]]
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store).changed
    assert _registered(store, Sales) == {("PN-A", 2023): D(2026, 7, 10), ("PN-A", 2025): D(2026, 7, 10),
                                         ("PN-A", 2026): D(2026, 8, 1)}
    ev = _registered(store, AllianceEvidence)
    assert ev[("PN-B", "F-9")] == D(2026, 8, 1) and ev[("PN-A", "CT-1")] == D(2026, 7, 10)


def test_evidence_added_by_a_form_is_known_from_that_day_and_a_correction_keeps_it(store, monkeypatch):
    with get_engine(store).connect() as conn:
        plan_id = conn.execute(select(BusinessPlan.id).where(BusinessPlan.code == "PN-B")).scalar_one()
    monkeypatch.setenv("TABLERO_TODAY", "2026-08-01")
    data = {"kind": "credito", "ally_type": "financiero", "ally_name": "Banco Agrario", "start_date": "2025-04-01",
            "end_date": "2026-04-01", "document_ref": "CR-9"}
    added = plan_edits.add_evidence(ANALYST, plan_id, data, url=store)
    monkeypatch.setenv("TABLERO_TODAY", "2026-08-05")
    plan_edits.correct_evidence(ANALYST, added.id, 1, {**data, "ally_name": "Banco Agrario de Colombia"}, url=store)
    with get_engine(store).connect() as conn:
        name, on = conn.execute(select(AllianceEvidence.ally_name, AllianceEvidence.registered_on)
                                .where(AllianceEvidence.id == added.id)).one()
    assert (name, on) == ("Banco Agrario de Colombia", D(2026, 8, 1))
