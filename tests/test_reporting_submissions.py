"""Operators' quarterly reports (issue 16): the states and who may take each step, a closed
quarter and someone else's records refused, an approval that loads every file exactly once (or,
when a file no longer validates, nothing), a preview that leaves nothing written, and two
reviewers at once on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import get_engine, session_scope
from data_access.core.models import (
    AuditLog,
    BusinessPlan,
    ImportBatch,
    Operator,
    OperatorContract,
    PeriodClose,
    ReportSubmission,
    SlaMeasurement,
    SubmissionFile,
)
from data_access.edits.common import NotFound, PermissionDenied
from data_access.reporting import submissions as sub
from rules.core.catalog import Role
from tests.test_intake_programme import load_register
from tests.test_intake_territory_sla import DEFINITIONS, load, operator_id
from tests.test_tracking_matrix import good_rows, workbook

QUARTER = "2026Q2"
OWN = (b"codigo_ans;codigo_contrato;trimestre;valor;soporte;fecha_reporte\n"
       b"AT-INT-01;C-1;2026Q2;92,5;Informe 2026Q2;10/07/2026\n")
OTHERS = OWN + b"MO-BAS-01;C-2;2026Q2;4;Informe de monitoreo;\n"


@pytest.fixture
def cycle_store(empty_store, tmp_path):
    """The register of tests.test_intake_programme (PSA holds C-1, OS1 holds C-2), the ANS definitions,
    an operador of PSA and one of OS1, and two PMO analysts."""
    load_register(empty_store, tmp_path)
    assert load(empty_store, tmp_path, "sla-definitions", "ans_definiciones.csv", DEFINITIONS).exit_code == 0
    create_user("op_psa", Role.OPERADOR, operator_id=operator_id(empty_store, "PSA"), url=empty_store)
    create_user("op_os1", Role.OPERADOR, operator_id=operator_id(empty_store, "OS1"), url=empty_store)
    for name in ("pmo1", "pmo2"):
        create_user(name, Role.ANALISTA_PMO, url=empty_store)
    return empty_store


def who(url, username):
    return viewer_for_username(username, url)


def count(url, model, *where):
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar()


def sent(url, data=OWN, entity="sla-reports", name="ans_reportes.csv"):
    """A report of op_psa with one file, sent: its summary."""
    op = who(url, "op_psa")
    d = sub.draft(op, QUARTER, url)
    added = sub.add_file(op, d["id"], entity, data, name, url)
    assert added.report.ok and added.file_id, added.report.lines()
    return sub.submit(op, d["id"], sub.get(op, d["id"], url)["version"], url)


def test_the_cycle_borrador_enviado_devuelto_enviado_aprobado(cycle_store):
    url = cycle_store
    op, pmo = who(url, "op_psa"), who(url, "pmo1")
    d = sub.draft(op, QUARTER, url)
    assert d["state"] == "borrador" and d["operator_code"] == "PSA" and d["version"] == 1
    assert sub.draft(op, QUARTER, url)["id"] == d["id"]  # the open one, not a second
    with pytest.raises(sub.Refused, match="no tiene archivos"):
        sub.submit(op, d["id"], 1, url)
    added = sub.add_file(op, d["id"], "sla-reports", OWN, "ans_reportes.csv", url)
    assert added.report.ok and added.report.counts["ans_reportes.insert"] == 1
    assert count(url, SlaMeasurement) == 0  # kept in the report, not loaded
    s1 = sub.submit(op, d["id"], 2, url)
    assert s1["state"] == "enviado" and s1["submitted_by"] == "op_psa" and s1["first_submitted_at"]
    with pytest.raises(sub.Refused, match="enviado"):
        sub.add_file(op, d["id"], "sla-reports", OWN, "otra.csv", url)
    with pytest.raises(sub.Refused, match="comentario"):
        sub.return_(pmo, d["id"], s1["version"], "   ", url)
    r = sub.return_(pmo, d["id"], s1["version"], "Falta el soporte de AT-INT-01", url)
    assert r["state"] == "devuelto" and r["review_comment"] == "Falta el soporte de AT-INT-01"
    assert sub.draft(op, QUARTER, url)["id"] == d["id"]  # a returned report is still the open one
    s2 = sub.submit(op, d["id"], r["version"], url)
    assert s2["first_submitted_at"] == s1["first_submitted_at"] and s2["submitted_at"] >= s1["submitted_at"]
    a = sub.approve(pmo, d["id"], s2["version"], url)
    assert a["state"] == "aprobado" and a["reviewed_by"] == "pmo1"
    with pytest.raises(sub.Refused):
        sub.approve(who(url, "pmo2"), d["id"], a["version"], url)
    actions = [a for (a,) in get_engine(url).connect().execute(
        select(AuditLog.action).where(AuditLog.entity == "report_submission").order_by(AuditLog.id))]
    assert actions == ["create", "add_file", "submit", "return", "submit", "approve"]
    assert audit.verify(url).ok


def test_nobody_reviews_a_report_they_prepared_and_only_the_pmo_reviews(cycle_store):
    url = cycle_store
    s = sent(url)
    with pytest.raises(PermissionDenied):
        sub.approve(who(url, "op_psa"), s["id"], s["version"], url)
    with session_scope(url, write=True) as ses:  # a PMO analyst who also prepared it (e.g. on the operator's behalf)
        ses.get(ReportSubmission, s["id"]).created_by = "pmo1"
    with pytest.raises(sub.Refused, match="separación de funciones"):
        sub.approve(who(url, "pmo1"), s["id"], s["version"], url)
    with pytest.raises(sub.Refused, match="separación de funciones"):
        sub.return_(who(url, "pmo1"), s["id"], s["version"], "no", url)
    assert sub.approve(who(url, "pmo2"), s["id"], s["version"], url)["state"] == "aprobado"


def test_only_operators_prepare_and_only_their_own_reports(cycle_store):
    url = cycle_store
    with pytest.raises(PermissionDenied, match="Solo un operador"):
        sub.draft(who(url, "pmo1"), QUARTER, url)
    s = sent(url)
    with pytest.raises(NotFound):
        sub.submit(who(url, "op_os1"), s["id"], s["version"], url)
    assert [r["id"] for r in sub.listing(who(url, "op_os1"), url=url)] == []
    assert [r["id"] for r in sub.listing(who(url, "op_psa"), url=url)] == [s["id"]]
    assert [r["id"] for r in sub.listing(who(url, "pmo1"), QUARTER, url)] == [s["id"]]


def test_a_quarter_closed_or_not_started_is_refused(cycle_store):
    url = cycle_store
    op = who(url, "op_psa")
    with pytest.raises(sub.Refused, match="aún no empieza"):
        sub.draft(op, "2027Q1", url)  # TABLERO_TODAY is 2026-11-23
    with pytest.raises(sub.Refused, match="no válido"):
        sub.draft(op, "2026Q7", url)
    d = sub.draft(op, QUARTER, url)
    sub.add_file(op, d["id"], "sla-reports", OWN, "ans_reportes.csv", url)
    with session_scope(url, write=True) as s:
        s.add(PeriodClose(quarter=QUARTER, closed_by="pmo1", closed_at=sub._now(), reason="", pending=[],
                          sha256="0" * 64))
    with pytest.raises(sub.Refused, match="está cerrado"):
        sub.submit(op, d["id"], 2, url)
    with pytest.raises(sub.Refused, match="está cerrado"):
        sub.draft(op, QUARTER, url)
    assert sub.draft(op, "2026Q3", url)["state"] == "borrador"


def test_someone_elses_contract_and_psde_are_refused_and_nothing_is_kept(cycle_store):
    url = cycle_store
    op = who(url, "op_psa")
    d = sub.draft(op, QUARTER, url)
    added = sub.add_file(op, d["id"], "sla-reports", OTHERS, "ans_reportes.csv", url)
    assert not added.report.ok and added.file_id is None
    assert any(p.row == 3 and "no es uno de sus contratos" in p.message for p in added.report.problems)
    plans, evidence, sales = good_rows()  # PN-A and PN-C are PSA's, PN-B is PSDE Bolívar's
    added = sub.add_file(op, d["id"], "tracking-matrix", workbook(plans, evidence, sales), "matriz.xlsx", url)
    assert not added.report.ok
    assert [(p.sheet, p.row, p.column) for p in added.report.problems] == [("planes_negocio", 3, "psde")]
    assert "PN-B" in added.report.problems[0].message
    mine = [p for p in plans if p[0] != "PN-B"]
    added = sub.add_file(op, d["id"], "tracking-matrix",
                         workbook(mine, [e for e in evidence if e[0] != "PN-B"], sales), "matriz.xlsx", url)
    assert added.report.ok, added.report.lines()
    with pytest.raises(sub.Refused, match="no lleva"):
        sub.add_file(op, d["id"], "contracts", b"x", "contratos.csv", url)
    assert count(url, SubmissionFile) == 1 and count(url, BusinessPlan) == 0


def test_a_stored_pn_of_another_psde_is_refused_to_an_operator(cycle_store):
    url = cycle_store
    plans, evidence, sales = good_rows()
    assert sub.engine.import_file("tracking-matrix", workbook(plans, evidence, sales), "m.xlsx", who(url, "pmo1"),
                                  url).ok
    op = who(url, "op_psa")
    d = sub.draft(op, QUARTER, url)
    sales_b = workbook([], [], [["PN-B", 2025, 2000000, "no"]])
    added = sub.add_file(op, d["id"], "tracking-matrix", sales_b, "ventas.xlsx", url)
    assert [(p.sheet, p.row, p.column) for p in added.report.problems] == [("ventas", 2, "codigo_pn")]


def test_approval_loads_every_file_once_as_audited_batches(cycle_store):
    url = cycle_store
    op = who(url, "op_psa")
    d = sub.draft(op, QUARTER, url)
    plans, evidence, sales = good_rows()
    mine = [p for p in plans if p[0] != "PN-B"]
    sub.add_file(op, d["id"], "sla-reports", OWN, "ans_reportes.csv", url)
    sub.add_file(op, d["id"], "tracking-matrix", workbook(mine, [e for e in evidence if e[0] != "PN-B"], sales),
                 "matriz.xlsx", url)
    s = sub.submit(op, d["id"], sub.get(op, d["id"], url)["version"], url)
    batches, audits = count(url, ImportBatch), count(url, AuditLog)
    before = versions.current(url)
    a = sub.approve(who(url, "pmo1"), d["id"], s["version"], url)
    assert count(url, ImportBatch) == batches + 2
    assert count(url, SlaMeasurement) == 1 and count(url, BusinessPlan) == 2
    assert count(url, AuditLog) == audits + 3  # the approval and one entry per file
    with get_engine(url).connect() as conn:
        ids = [i for (i,) in conn.execute(select(SubmissionFile.import_batch_id).order_by(SubmissionFile.id))]
        users = {u for (u,) in conn.execute(select(ImportBatch.username).where(ImportBatch.id.in_(ids)))}
        reported_by = conn.execute(select(SlaMeasurement.import_batch_id)).scalar()
    assert ids == [f["import_batch_id"] for f in a["files"]] and None not in ids and reported_by == ids[0]
    assert users == {"pmo1"}
    after = versions.current(url)
    assert all(after[t] == before[t] + 1 for t in ("reporting", "sla", "business_plans"))
    assert audit.verify(url).ok


def test_an_approval_whose_file_no_longer_validates_loads_nothing(cycle_store):
    url = cycle_store
    s = sent(url)
    with session_scope(url, write=True) as ses:  # since it was sent, C-1 passed to OS1
        c1 = ses.scalar(select(OperatorContract).where(OperatorContract.code == "C-1"))
        c1.operator_id = operator_id(url, "OS1")
    batches, audits = count(url, ImportBatch), count(url, AuditLog)
    with pytest.raises(sub.NotValid, match="ans_reportes.csv") as exc:
        sub.approve(who(url, "pmo1"), s["id"], s["version"], url)
    assert "devuélvalo" in exc.value.message and exc.value.problems
    assert count(url, ImportBatch) == batches and count(url, AuditLog) == audits
    assert count(url, SlaMeasurement) == 0
    assert sub.get(who(url, "pmo1"), s["id"], url)["state"] == "enviado"


def test_a_preview_shows_records_and_figures_and_leaves_nothing_written(cycle_store):
    url = cycle_store
    op = who(url, "op_psa")
    d = sub.draft(op, QUARTER, url)
    plans, evidence, sales = good_rows()
    mine = [p for p in plans if p[0] != "PN-B"]
    sub.add_file(op, d["id"], "tracking-matrix", workbook(mine, [e for e in evidence if e[0] != "PN-B"], sales),
                 "matriz.xlsx", url)
    sub.add_file(op, d["id"], "sla-reports", OWN, "ans_reportes.csv", url)
    s = sub.submit(op, d["id"], sub.get(op, d["id"], url)["version"], url)
    tables = (BusinessPlan, SlaMeasurement, ImportBatch, AuditLog)
    before = [count(url, m) for m in tables], versions.current(url)
    p = sub.preview(who(url, "pmo1"), s["id"], url)
    assert [count(url, m) for m in tables] == before[0] and versions.current(url) == before[1]
    matrix, reports = p.files
    assert matrix["ok"] and matrix["counts"]["planes_negocio.insert"] == 2
    codes = [r["changes"]["code"][1] for r in matrix["records"] if r["sheet"] == "planes_negocio"]
    assert codes == ["PN-A", "PN-C"]
    assert reports["records"][0]["changes"]["value"] == (None, 92.5)
    moved = {f["figure"]: f for f in p.figures}
    assert moved["alliance.denominator"]["before"] == 0 and moved["alliance.denominator"]["after"] == 2
    assert moved["alliance.denominator"]["delta"] == 2
    assert sub.approve(who(url, "pmo1"), s["id"], s["version"], url)["state"] == "aprobado"
    assert count(url, BusinessPlan) == 2  # what the preview showed is what the approval loaded


def test_two_reviewers_at_once_exactly_one_wins(cycle_store, store_kind):
    """Approve and return the same report from two threads, ~20 rounds: one wins, the other is told who."""
    url = cycle_store
    rounds = 20 if store_kind == "postgresql" else 4
    op = who(url, "op_psa")
    reviewers = [who(url, "pmo1"), who(url, "pmo2")]
    for n in range(rounds):
        quarter = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"][n % 8]
        d = sub.draft(op, quarter, url)
        if d["state"] == "enviado":
            s = d
        else:
            if not sub.files(op, d["id"], url):
                sub.add_file(op, d["id"], "sla-reports", OWN, "ans_reportes.csv", url)
            s = sub.submit(op, d["id"], sub.get(op, d["id"], url)["version"], url)
        results: list = [None, None]
        barrier = threading.Barrier(2)

        def act(i, s=s, results=results, barrier=barrier, n=n):
            barrier.wait()
            try:
                if (n + i) % 2:
                    results[i] = sub.approve(reviewers[i], s["id"], s["version"], url)
                else:
                    results[i] = sub.return_(reviewers[i], s["id"], s["version"], f"corrija ({i})", url)
            except sub.Refused as exc:
                results[i] = exc

        threads = [threading.Thread(target=act, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, sub.Refused)]
        assert len(won) == 1 and len(lost) == 1, results
        final = sub.get(reviewers[0], s["id"], url)
        assert final["state"] == won[0]["state"] and final["version"] == s["version"] + 1
        assert final["reviewed_by"] in lost[0].message and "No se hizo nada" in lost[0].message
    assert count(url, AuditLog, AuditLog.entity == "report_submission",
                 AuditLog.action.in_(("approve", "return"))) == rounds
    assert audit.verify(url).ok


def test_what_if_reads_its_own_writes_and_leaves_nothing_even_on_error(cycle_store):
    """``db.what_if``: sessions and connections inside see one uncommitted transaction, rolled back."""
    from data_access.core import db

    url = cycle_store
    before = count(url, Operator)
    with pytest.raises(RuntimeError), db.what_if(url) as pinned:
        with session_scope(url, write=True) as s:
            s.add(Operator(code="WHATIF", name="Solo en la vista previa"))
        assert db.get_engine(url) is pinned and count(url, Operator) == before + 1
        raise RuntimeError("stop")
    assert db.get_engine(url) is not pinned and count(url, Operator) == before
