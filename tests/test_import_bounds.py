"""Stricter checks of imported and edited values (issue 13, point 4): programme dates before
2000-01-01 (or after today for past events) refused with the field named, in the tracking-matrix
import and in the edit validation; a NIT's written check digit is verified; a NIT without one
is completed, shown in the preview, and refused when it lands on another OPR's name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.alliance import tracking_matrix as tm
from data_access.core.db import get_engine
from data_access.core.models import BusinessPlan, Opr
from data_access.edits import plans as plan_edits
from data_access.edits.common import ValidationFailed
from rules.core.clock import today
from rules.core.nit import read_nit
from rules.edit import validation as V
from tests.test_edit_support import build
from tests.test_tracking_matrix import ANALYST, good_rows, snapshot, store, workbook  # noqa: F401 (fixture)

D = dt.date


def _only_problem(rep, sheet: str, row: int, column: str) -> str:
    assert not rep.ok and "No se guardó nada" in rep.message
    assert [(p.sheet, p.row, p.column) for p in rep.problems] == [(sheet, row, column)], rep.lines()
    text = str(rep.problems[0])
    assert f"Hoja «{sheet}», fila {row}, columna «{column}»" in text
    return text


# ------------------------------------------------------------------ dates in the import


@pytest.mark.parametrize("value", ["1899-12-31", "31/12/1899", 1], ids=["iso", "dmy", "excel-serial-1"])
def test_import_refuses_a_disbursement_date_before_2000(store, value):  # noqa: F811
    plans, evidence, sales = good_rows()
    plans[0][7] = value
    before = snapshot(store)
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    text = _only_problem(rep, "planes_negocio", 2, "fecha_primer_desembolso")
    assert "es anterior a 2000-01-01" in text and "corrija la fecha" in text
    assert snapshot(store) == before


def test_import_refuses_an_evidence_start_before_2000(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    evidence[0][4] = "1999-12-31"
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert "es anterior a 2000-01-01" in _only_problem(rep, "evidencias", 2, "fecha_inicio")


def test_import_refuses_a_contract_end_before_2000_but_accepts_one_ahead(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    evidence[1][4], evidence[1][5] = "1998-01-01", "1999-01-01"  # a contract of the last century
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert [(p.row, p.column) for p in rep.problems] == [(3, "fecha_inicio"), (3, "fecha_fin")], rep.lines()
    plans, evidence, sales = good_rows()
    evidence[1][5] = D(2030, 12, 31)  # an agreed term may lie ahead
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store, dry_run=True).ok


# ------------------------------------------------------------------ NIT in the import


def test_import_refuses_a_wrong_check_digit_written_after_a_space(store):  # noqa: F811
    """«800197268 1» is NIT 800197268 with DV 1 (DIAN's is 4), never a ten-digit NIT 8001972681."""
    plans, evidence, sales = good_rows()
    plans[1][1] = "800197268 1"
    before = snapshot(store)
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    text = _only_problem(rep, "planes_negocio", 3, "nit_opr")
    assert "el dígito de verificación 1 no corresponde al número 800197268" in text
    assert snapshot(store) == before


def test_import_accepts_the_right_check_digit_after_a_space(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    plans[1][1] = "800.197.268 4"
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert rep.ok and rep.notes == [], rep.lines()
    with get_engine(store).connect() as conn:
        assert set(conn.execute(select(Opr.nit)).scalars()) == {"900123456-8", "800197268-4"}


def test_a_nit_without_check_digit_is_completed_and_shown_in_the_preview(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    plans[1][1] = "800197268"
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store, dry_run=True)
    assert rep.ok and rep.dry_run
    assert [(n.sheet, n.row, n.column) for n in rep.notes] == [("planes_negocio", 3, "nit_opr")]
    assert "800197268-4" in rep.notes[0].message
    assert any("fila 3" in line and "800197268-4" in line for line in rep.lines())


def test_a_nit_without_check_digit_naming_another_opr_is_refused(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store).ok
    before = snapshot(store)
    # a new plan whose NIT lost its DV and had a digit mistyped onto Cacaoteros Unidos's NIT
    plans.append(["PN-D", "800197268", "Frutales del Norte", 1, "08001", "Cacao", "PSB", "2024-09-01", None, ""])
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    text = _only_problem(rep, "planes_negocio", 5, "nit_opr")
    assert "«Cacaoteros Unidos»" in text and "«Frutales del Norte»" in text and "800197268-4" in text
    assert snapshot(store) == before
    with get_engine(store).connect() as conn:
        assert conn.execute(select(Opr.name).where(Opr.nit == "800197268-4")).scalar_one() == "Cacaoteros Unidos"


def test_a_nit_with_its_check_digit_renames_the_opr(store):  # noqa: F811
    plans, evidence, sales = good_rows()
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store).ok
    plans[1][1], plans[1][2] = "800197268-4", "Cacaoteros Unidos del Caribe"
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert rep.ok and rep.counts["opr.update"] == 1, rep.lines()


def test_read_nit_forms():
    assert read_nit("900.123.456-8") == read_nit("900123456 8") == read_nit(" 900 123 456 - 8 ")
    assert read_nit("900123456-8").check_digit == 8 and read_nit("900123456").check_digit is None
    assert read_nit(900123456.0).formatted == "900123456-8"
    assert not read_nit("800197268 1").check_digit_ok
    for bad in ("", "90012A456", "800197268-45", "-4", "８００１９７２６８", 12.5):
        with pytest.raises(ValueError):
            read_nit(bad)


# ------------------------------------------------------------------ the same bounds in the edits


@pytest.mark.parametrize(
    ("validator", "data", "field"),
    [
        (V.validate_pn_dates, {"first_disbursement_date": "1899-12-31"}, "first_disbursement_date"),
        (V.validate_pn_dates, {"first_disbursement_date": "2024-01-01", "closure_date": "1999-01-01"},
         "closure_date"),
        (V.validate_evidence, {"kind": "contrato", "ally_type": "comercial", "ally_name": "A",
                               "start_date": "1999-06-30"}, "start_date"),
        (V.validate_evidence, {"kind": "contrato", "ally_type": "comercial", "ally_name": "A",
                               "start_date": "2024-06-30", "end_date": "1900-01-01"}, "end_date"),
        (lambda d: V.validate_alert(d, set()), {"category": "orden_publico", "severity": "alta",
                                                "status": "abierta", "opened_on": "1999-12-31"}, "opened_on"),
        (lambda d: V.validate_stage_transition("basica", None, None, d), {"stage": "ingreso",
                                                                          "event_date": "1950-03-01"}, "event_date"),
    ],
    ids=["pn-first", "pn-closure", "evidence-start", "evidence-end", "alert-opened", "stage-event"],
)
def test_edit_validation_refuses_programme_dates_before_2000(validator, data, field):
    errors = [e for e in validator(data) if e.field == field]
    assert errors and f"{V.label(field)}: " in errors[0].message
    assert "es anterior a 2000-01-01" in errors[0].message


def test_edit_validation_keeps_past_events_in_the_past_and_terms_free():
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert V.programme_date_error("closure_date", D(2000, 1, 1)) is None
    assert "posterior a hoy" in V.validate_pn_dates({"closure_date": tomorrow,
                                                     "first_disbursement_date": "2024-01-01"})[0].message
    assert V.programme_date_error("end_date", D(2099, 1, 1), past_event=False) is None


def test_an_ans_quarter_before_2000_is_refused():
    errors = V.validate_sla_measurement({"quarter": "1999Q4", "value": 10})
    assert [e.field for e in errors] == ["quarter"] and "anterior a 2000" in errors[0].message


def test_the_pn_dates_writer_refuses_1899_and_writes_nothing(empty_store):
    w = build(empty_store)
    with pytest.raises(ValidationFailed, match="Fecha del primer desembolso: 1899-12-31 es anterior a 2000-01-01"):
        plan_edits.set_pn_dates(w.v["analista"], w.pn_car, 1, "1899-12-31", None, url=w.url)
    with get_engine(w.url).connect() as conn:
        first = conn.execute(select(BusinessPlan.first_disbursement_date).where(BusinessPlan.id == w.pn_car))
        assert first.scalar_one() != D(1899, 12, 31)
