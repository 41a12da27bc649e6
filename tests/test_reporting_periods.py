"""Quarter closes (issue 16): frozen official figures per scope, official vs live, restatements,
reopen, tamper check, the CLI — on both stores."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cli.main import tablero
from data_access.alliance import tracking_matrix as tm
from data_access.audit import log as audit
from data_access.core.db import get_engine, session_scope
from data_access.core.models import (
    AuditLog,
    BusinessPlan,
    OfficialFigure,
    Operator,
    OperatorContract,
    PeriodClose,
    RegionalOffice,
    ReportSubmission,
    SlaMeasurement,
)
from data_access.core.scope import Viewer
from data_access.edits import plans as plan_edits
from data_access.edits import sla as sla_edits
from data_access.edits.common import PermissionDenied
from data_access.reporting import figures, periods, restatements
from tests.test_tracking_matrix import good_rows, workbook

Q = "2026Q2"
ANALYST = Viewer("analista", "analista_pmo", scope_label="Nacional")
OTHER_ANALYST = Viewer("pmo2", "analista_pmo", scope_label="Nacional")
ADMIN = Viewer("admin", "admin", scope_label="Nacional")


def run(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


@pytest.fixture
def matrix_store(empty_store):
    """Three PN of the tracking-matrix tests: PN-A and PN-C count at the end of 2026Q2, PN-B is not executed."""
    with session_scope(empty_store, write=True) as s:
        s.add_all([Operator(code="PSA", name="PSDE Andino", is_psde=True),
                   Operator(code="PSB", name="PSDE Bolívar", is_psde=True)])
    plans, evidence, sales = good_rows()
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=empty_store).ok
    return empty_store


def _operator_id(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(Operator.id).where(Operator.code == code)).scalar_one()


def _office_id(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == code)).scalar_one()


def test_a_later_import_moves_the_live_figure_not_the_official_one(matrix_store):
    url = matrix_store
    done = periods.close(ANALYST, Q, url=url)
    official = periods.official(ANALYST, Q, url)["figures"]
    assert (official["alliance"]["numerator"], official["alliance"]["denominator"]) == (2, 2)

    plans, evidence, sales = good_rows()
    later = [e for e in evidence if not (e[0] == "PN-A" and e[1] == "contrato")]  # PN-A's contract dropped
    assert tm.import_tracking_matrix(workbook(plans, later, sales), OTHER_ANALYST, url=url).ok

    again = periods.official(ANALYST, Q, url)
    assert again["figures"] == official and again["sha256"] == done.sha256
    live = figures.quarter_figures(ANALYST, Q, url)
    assert (live["alliance"]["numerator"], live["alliance"]["denominator"]) == (1, 2)

    out = restatements.restatements(ANALYST, Q, url)
    numerator = [f for f in out["figures"] if f["figure"] == "alliance" and f["measure"] == "numerator"]
    assert numerator == [{"figure": "alliance", "group": "total", "measure": "numerator", "official": 2, "live": 1,
                          "delta": -1}]
    assert [p["code"] for p in out["plans"]] == ["PN-A"]
    pn = out["plans"][0]
    assert (pn["official_status"], pn["live_status"], pn["official_counted"], pn["live_counted"]) == (
        "cumple", "no_cumple", True, False)
    assert pn["writes"] and {w["username"] for w in pn["writes"]} == {"pmo2"}
    assert all(w["at"] > done_closed_at(url, done.close_id) for w in pn["writes"])
    assert pn["writes"][0]["action"] == "import"

    res = run(url, "periods", "restatements", Q, "--format", "csv")
    assert res.exit_code == 0, res.output
    assert "PN-A" in res.output and "pmo2" in res.output
    # the official CSV still prints the frozen figure, the live one the new one
    off = run(url, "indicator", "alliance", "--quarter", Q, "--official", "--format", "csv")
    now = run(url, "indicator", "alliance", "--quarter", Q, "--format", "csv")
    assert off.output.splitlines()[-1] == "total,2,2,100.0,0"
    assert now.output.splitlines()[-1] == "total,1,2,50.0,0"


def done_closed_at(url, close_id) -> dt.datetime:
    with get_engine(url).connect() as conn:
        return conn.execute(select(PeriodClose.closed_at).where(PeriodClose.id == close_id)).scalar_one()


def test_close_with_pending_reports_needs_a_reason_and_lists_them(matrix_store):
    url = matrix_store
    now = dt.datetime(2026, 7, 5, 15, 0)
    with session_scope(url, write=True) as s:
        s.add(ReportSubmission(operator_id=_operator_id(url, "PSA"), quarter=Q, state="enviado", created_by="op",
                               created_at=now, submitted_by="op", submitted_at=now, first_submitted_at=now,
                               review_comment="", version=2))
        s.add(ReportSubmission(operator_id=_operator_id(url, "PSB"), quarter=Q, state="aprobado", created_by="op2",
                               created_at=now, review_comment="", version=3))
    with pytest.raises(periods.PeriodRefused, match="PSDE Andino") as refused:
        periods.close(ANALYST, Q, url=url)
    assert "--reason" in refused.value.message
    res = run(url, "periods", "close", Q)
    assert res.exit_code == 1 and "PSDE Andino (PSA)" in res.output and "--reason" in res.output
    assert periods.periods(ANALYST, url) == []
    res = run(url, "periods", "restatements", Q)
    assert res.exit_code == 1 and "no está cerrado" in res.output
    done = periods.close(ANALYST, Q, reason="  La PMO revisa PSDE Andino en el T3  ", url=url)
    assert [(p["operator_code"], p["state"]) for p in done.pending] == [("PSA", "enviado")]
    listed = periods.periods(ANALYST, url)[0]
    assert listed["reason"] == "La PMO revisa PSDE Andino en el T3"
    periods.reopen(ADMIN, Q, "prueba del cierre por consola", url)
    res = run(url, "periods", "close", Q, "--reason", "La PMO revisa PSDE Andino en el T3")
    assert res.exit_code == 0 and "pendiente al cierre" in res.output and "PSDE Andino (PSA)" in res.output
    assert [p["operator_code"] for p in listed["pending"]] == ["PSA"]
    with get_engine(url).connect() as conn:
        after = json.loads(conn.execute(select(AuditLog.after).where(AuditLog.entity == "period_close")
                                        .order_by(AuditLog.id).limit(1)).scalar_one())
    assert after == {"quarter": Q, "sha256": done.sha256, "pending": done.pending,
                     "reason": "La PMO revisa PSDE Andino en el T3"}


def test_close_refusals(matrix_store):
    url = matrix_store
    for role, extra in (("comite_regional", {"regional_office_id": 1}), ("operador", {"operator_id": 1}),
                        ("directivo", {})):
        with pytest.raises(PermissionDenied):
            periods.close(Viewer("x", role, **extra), Q, url=url)
    with pytest.raises(periods.PeriodRefused, match="no ha terminado"):
        periods.close(ANALYST, "2026Q4", url=url)  # TABLERO_TODAY is 2026-11-23
    with pytest.raises(periods.PeriodRefused, match="no es un trimestre"):
        periods.close(ANALYST, "2026-T2", url=url)
    periods.close(ANALYST, Q, url=url)
    with pytest.raises(periods.PeriodRefused, match="ya está cerrado"):
        periods.close(ADMIN, Q, url=url)
    res = run(url, "periods", "close", Q)
    assert res.exit_code == 1 and "ya está cerrado" in res.output


def test_reopen_is_for_administrators_with_a_reason_and_a_new_close_freezes_again(matrix_store):
    url = matrix_store
    first = periods.close(ANALYST, Q, url=url)
    with pytest.raises(PermissionDenied):
        periods.reopen(ANALYST, Q, "corregir", url)
    with pytest.raises(periods.PeriodRefused, match="motivo"):
        periods.reopen(ADMIN, Q, "   ", url)
    res = run(url, "periods", "reopen", Q)
    assert res.exit_code == 1 and "motivo" in res.output
    periods.reopen(ADMIN, Q, "Evidencia de PN-A corregida por la PSDE", url)
    assert periods.official(ANALYST, Q, url) is None
    with pytest.raises(periods.PeriodRefused, match="no está cerrado"):
        periods.reopen(ADMIN, Q, "otra vez", url)
    listed = periods.periods(ANALYST, url)
    assert [(r["state"], r["reopened_by"], r["reopen_reason"]) for r in listed] == [
        ("reabierto", "admin", "Evidencia de PN-A corregida por la PSDE")]
    second = periods.close(ANALYST, Q, url=url)
    assert second.close_id != first.close_id and periods.official(ANALYST, Q, url)["close_id"] == second.close_id
    with get_engine(url).connect() as conn:
        actions = conn.execute(select(AuditLog.action).where(AuditLog.entity == "period_close")
                               .order_by(AuditLog.id)).scalars().all()
    assert actions == ["close", "reopen", "close"]
    assert audit.verify(url).ok
    res = run(url, "periods", "list", "--format", "csv")
    assert res.exit_code == 0 and res.output.count("2026Q2") == 2 and "reabierto" in res.output


def test_the_close_hash_is_in_the_audit_chain_and_a_tampered_figure_is_reported(matrix_store):
    url = matrix_store
    done = periods.close(ANALYST, Q, url=url)
    check = audit.verify(url)
    assert check.ok
    with get_engine(url).connect() as conn:
        entry = conn.execute(select(AuditLog).where(AuditLog.entity == "period_close")).one()
    assert json.loads(entry.after)["sha256"] == done.sha256 == periods.verify(Q, url)["recomputed"]
    assert periods.verify(Q, url)["ok"]
    assert run(url, "periods", "verify", Q, "--as-user", "nadie").exit_code == 1  # no such account
    assert run(url, "periods", "verify", Q).exit_code == 0

    with session_scope(url, write=True) as s:
        row = s.execute(select(OfficialFigure).where(OfficialFigure.figure == "alliance",
                                                     OfficialFigure.scope == periods.NATIONAL)).scalar_one()
        s.execute(update(OfficialFigure).where(OfficialFigure.id == row.id)
                  .values(payload={**row.payload, "numerator": 3}))
    result = periods.verify(Q, url)
    assert not result["ok"] and "alteradas" in result["message"] and result["recomputed"] != done.sha256
    res = run(url, "periods", "verify", Q)
    assert res.exit_code == 1 and "alteradas" in res.output


def test_each_scope_sees_its_own_official_figures(demo_store_rw):
    url = demo_store_rw
    periods.close(ADMIN, Q, url=url)
    office = _office_id(url, "PAC")
    comite = Viewer("comite_pac", "comite_regional", regional_office_id=office)
    national = periods.official(ADMIN, Q, url)
    mine = periods.official(comite, Q, url)
    assert mine["scope"] == f"office:{office}"
    assert mine["figures"] == figures.quarter_figures(comite, Q, url)
    assert mine["figures"]["alliance"]["denominator"] < national["figures"]["alliance"]["denominator"]
    by_office = {r["key"]: r for r in national["figures"]["alliance.by.regional_office"]["rows"]}
    assert by_office[str(office)]["numerator"] == mine["figures"]["alliance"]["numerator"]
    operator = Viewer("operador", "operador", operator_id=_operator_id(url, "OP-0002"))
    assert periods.official(operator, Q, url)["figures"]["alliance.plans"]["rows"] == \
        figures.quarter_figures(operator, Q, url)["alliance.plans"]["rows"]
    assert periods.official(Viewer("nadie", ""), Q, url) is None
    assert restatements.restatements(comite, Q, url)["figures"] == []

    # an ANS value of the quarter reported again after the close is listed to its operator, not to others
    with get_engine(url).connect() as conn:
        m = conn.execute(select(SlaMeasurement.id, SlaMeasurement.contract_id, SlaMeasurement.definition_id,
                                SlaMeasurement.value, SlaMeasurement.version, OperatorContract.code)
                         .join(OperatorContract, OperatorContract.id == SlaMeasurement.contract_id)
                         .where(SlaMeasurement.quarter == Q, SlaMeasurement.value.is_not(None),
                                OperatorContract.operator_id == operator.operator_id)
                         .order_by(SlaMeasurement.id).limit(1)).one()
    sla_edits.report_sla(ADMIN, m.contract_id, m.definition_id, Q, m.value + 1, "EV-REEXP", m.version, url=url)
    mine = restatements.restatements(operator, Q, url)["sla"]
    assert [(r["contract_code"], r["username"], r["value"]) for r in mine] == [(m.code, "admin", m.value + 1)]
    other = Viewer("otro", "operador", operator_id=_operator_id(url, "OP-0001"))
    assert restatements.restatements(other, Q, url)["sla"] == []


def test_official_csv_equals_live_csv_right_after_the_close(demo_store_rw):
    url = demo_store_rw
    res = run(url, "indicator", "alliance", "--quarter", Q, "--official")
    assert res.exit_code == 1 and "no está cerrado" in res.output
    assert run(url, "periods", "close", Q, "--as-user", "analista").exit_code == 0
    for by in (None, "regional_office", "psde", "municipality"):
        extra = ["--by", by] if by else []
        off = run(url, "indicator", "alliance", "--quarter", Q, "--official", "--format", "csv", *extra)
        live = run(url, "indicator", "alliance", "--quarter", Q, "--format", "csv", *extra)
        assert off.exit_code == 0 and off.output == live.output and off.output.count("\n") >= 2
    as_of = run(url, "indicator", "alliance", "--as-of", "2026-06-30", "--format", "csv")
    assert as_of.output == run(url, "indicator", "alliance", "--quarter", Q, "--format", "csv").output
    res = run(url, "indicator", "alliance", "--quarter", Q, "--as-of", "2026-06-30")
    assert res.exit_code == 2 and "uno de los dos" in res.output
    comite = run(url, "indicator", "alliance", "--quarter", Q, "--official", "--format", "csv", "--as-user",
                 "comite_pac")
    assert comite.output == run(url, "indicator", "alliance", "--quarter", Q, "--format", "csv", "--as-user",
                                "comite_pac").output


def test_annual_figure_from_closed_quarters(matrix_store):
    url = matrix_store
    periods.close(ANALYST, "2025Q4", url=url)
    periods.close(ANALYST, Q, url=url)
    year_2025 = periods.annual(ANALYST, 2025, url)
    assert [r["source"] for r in year_2025] == ["en vivo", "en vivo", "en vivo", "oficial", "oficial"]
    assert year_2025[-1]["numerator"] == year_2025[3]["numerator"]
    year_2026 = periods.annual(ANALYST, 2026, url)
    assert [r["source"] for r in year_2026] == ["en vivo", "oficial", "en vivo", "en vivo", "provisional"]
    assert (year_2026[1]["numerator"], year_2026[1]["denominator"]) == (2, 2)
    res = run(url, "periods", "annual", "2026", "--format", "csv")
    assert res.exit_code == 0 and "provisional" in res.output


def test_two_closes_at_once_exactly_one_wins(matrix_store):
    url = matrix_store
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def close_as(viewer):
        start.wait()
        try:
            outcomes.append(periods.close(viewer, Q, url=url))
        except periods.PeriodRefused as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=close_as, args=(v,)) for v in (ANALYST, ADMIN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [o for o in outcomes if isinstance(o, periods.CloseResult)]
    lost = [o for o in outcomes if isinstance(o, str)]
    assert len(won) == 1 and len(lost) == 1 and "cerrado" in lost[0]
    with get_engine(url).connect() as conn:
        assert conn.execute(select(PeriodClose.id)).scalars().all() == [won[0].close_id]
    assert audit.verify(url).ok


def test_an_edit_after_the_close_is_named_in_the_restatement(matrix_store):
    url = matrix_store
    periods.close(ANALYST, Q, url=url)
    with get_engine(url).connect() as conn:
        plan = conn.execute(select(BusinessPlan.id, BusinessPlan.version).where(BusinessPlan.code == "PN-C")).one()
    plan_edits.set_pn_dates(OTHER_ANALYST, plan.id, plan.version, "2024-08-31", "2026-08-15", url=url)  # closed later
    out = restatements.restatements(ANALYST, Q, url)
    assert [(p["code"], p["official_status"], p["live_status"]) for p in out["plans"]] == [
        ("PN-C", "cumple", "no_ejecutado")]
    assert [(w["entity"], w["record"], w["action"], w["username"]) for w in out["plans"][0]["writes"]] == [
        ("business_plan", "PN-C", "update", "pmo2")]
    moved = {(f["figure"], f["measure"]): f["delta"] for f in out["figures"] if f["group"] == "total"}
    assert moved[("alliance", "denominator")] == -1 and moved[("alliance", "not_executed")] == 1
