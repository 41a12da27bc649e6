"""Tracking-matrix import («Matriz de seguimiento a OPRs») through the intake engine: all-or-nothing,
idempotent, one audited batch per file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from data_access.alliance import tracking_matrix as tm
from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import get_engine, session_scope
from data_access.core.models import AllianceEvidence, BusinessPlan, Operator, Opr, Sales
from data_access.core.scope import Viewer
from exports.intake_workbook import template_bytes
from rules.alliance.matrix_cells import municipality_code, parse_date
from rules.core.nit import read_nit
from rules.intake.cells import norm

D = dt.date
ANALYST = Viewer("analista", "analista_pmo", scope_label="Nacional")

PN_HEADER = ["codigo_pn", "nit_opr", "nombre_opr", "ventana", "cod_municipio", "cadena_valor", "psde",
             "fecha_primer_desembolso", "fecha_cierre", "oficina_regional"]
EV_HEADER = ["codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio", "fecha_fin", "soporte"]
SALES_HEADER = ["codigo_pn", "anio", "ventas_cop", "linea_base"]


def good_rows():
    plans = [
        ["PN-A", "900123456-8", "Asociación Cafetera", 1, "05001", "Café", "PSA",
         D(2024, 8, 31), D(2025, 10, 1), "NOC"],
        ["PN-B", "800197268-4", "Cacaoteros Unidos", 2, "08001", "Cacao", "PSDE Bolívar", "2024-08-31", None, ""],
        ["PN-C", "900123456-8", "Asociación Cafetera", 3, "05001", "café", "psa", "31/08/2024", "01/10/2025", None],
    ]
    evidence = [
        ["PN-A", "contrato", "comercial", "Compradora SAS", D(2025, 1, 1), None, "CT-1"],
        ["PN-B", "contrato", "comercial", "Chocolates SA", D(2025, 1, 1), D(2027, 12, 31), "CT-2"],
        ["PN-B", "crédito", "financiero", "Banco Agrario", D(2025, 2, 1), D(2028, 1, 31), "CR-1"],
        ["PN-C", "factura", "comercial", "Tienda", D(2026, 1, 10), None, "F-1"],
    ]
    sales = [["PN-A", 2023, 1000000, "si"], ["PN-A", 2025, 1500000, "no"]]
    return plans, evidence, sales


def workbook(plans, evidence, sales=None, pn_header=PN_HEADER, ev_header=EV_HEADER, sales_header=SALES_HEADER,
             sheet_names=("planes_negocio", "evidencias", "ventas")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_names[0]
    ws.append(pn_header)
    for r in plans:
        ws.append(r)
    ev = wb.create_sheet(sheet_names[1])
    ev.append(ev_header)
    for r in evidence:
        ev.append(r)
    if sales is not None:
        sv = wb.create_sheet(sheet_names[2])
        sv.append(sales_header)
        for r in sales:
            sv.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def store(empty_store):
    with session_scope(empty_store, write=True) as s:
        s.add_all([Operator(code="PSA", name="PSDE Andino", is_psde=True),
                   Operator(code="PSB", name="PSDE Bolívar", is_psde=True)])
    return empty_store


def snapshot(url):
    with get_engine(url).connect() as conn:
        return {
            "pn": conn.execute(select(func.count()).select_from(BusinessPlan)).scalar(),
            "opr": conn.execute(select(func.count()).select_from(Opr)).scalar(),
            "ev": conn.execute(select(func.count()).select_from(AllianceEvidence)).scalar(),
            "sales": conn.execute(select(func.count()).select_from(Sales)).scalar(),
            "audit": audit.count(url),
            "version": versions.current(url)["business_plans"],
        }


# ----------------------------------------------------------------- happy path, idempotency, upsert
def test_import_then_reimport_is_a_no_op(store):
    plans, evidence, sales = good_rows()
    data = workbook(plans, evidence, sales)
    rep = tm.import_tracking_matrix(data, ANALYST, url=store)
    assert rep.ok and rep.changed, rep.lines()
    assert (rep.counts["planes_negocio.insert"], rep.counts["opr.insert"], rep.counts["evidencias.insert"],
            rep.counts["ventas.insert"]) == (3, 2, 4, 2)
    snap = snapshot(store)
    assert snap["pn"] == 3 and snap["opr"] == 2 and snap["ev"] == 4 and snap["sales"] == 2
    assert snap["audit"] == 1 and snap["version"] == 1  # one audit entry for the whole batch
    assert audit.verify(store).ok
    with get_engine(store).connect() as conn:
        row = conn.execute(select(BusinessPlan.first_disbursement_date, BusinessPlan.closure_date,
                                  BusinessPlan.municipality_code).where(BusinessPlan.code == "PN-C")).one()
        assert tuple(row) == (D(2024, 8, 31), D(2025, 10, 1), "05001")
        kinds = set(conn.execute(select(AllianceEvidence.kind)).scalars())
        assert kinds == {"contrato", "credito", "factura"}

    again = tm.import_tracking_matrix(data, ANALYST, url=store)
    assert again.ok and not again.changed
    assert again.message.startswith("Sin cambios")
    assert snapshot(store) == snap  # nothing written, not even an audit entry or a version bump


def test_newer_file_upserts_by_codigo_pn(store):
    plans, evidence, sales = good_rows()
    tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    before = snapshot(store)
    plans[1][8] = D(2026, 1, 15)  # PN-B closes
    evidence = [e for e in evidence if e[6] != "F-1"] + [["PN-C", "contrato", "comercial", "Nuevo aliado",
                                                          D(2026, 2, 1), None, "CT-9"]]
    sales[1][2] = 1600000
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert rep.ok and rep.changed
    c = rep.counts
    assert (c["planes_negocio.insert"], c["planes_negocio.update"], c["planes_negocio.unchanged"]) == (0, 1, 2)
    assert (c["evidencias.insert"], c["evidencias.void"], c["ventas.update"]) == (1, 1, 1)
    after = snapshot(store)
    assert after["pn"] == 3 and after["ev"] == before["ev"] + 1  # voided, never deleted
    assert after["audit"] == before["audit"] + 1 and after["version"] == before["version"] + 1
    with get_engine(store).connect() as conn:
        voided = conn.execute(select(AllianceEvidence.document_ref, AllianceEvidence.version)
                              .where(AllianceEvidence.voided == True)).all()  # noqa: E712
        assert [tuple(v) for v in voided] == [("F-1", 2)]
        bp = conn.execute(select(BusinessPlan.closure_date, BusinessPlan.version)
                          .where(BusinessPlan.code == "PN-B")).one()
        assert tuple(bp) == (D(2026, 1, 15), 2)
    assert audit.verify(store).ok


def test_header_accents_case_dates_and_municipality_zero(store):
    header = ["Código_PN", "NIT_OPR", "Nombre_OPR", "VENTANA", "Cod_Municipio", "Cadena_Valor", "PSDE",
              "Fecha_Primer_Desembolso", "Fecha_Cierre"]
    plans = [
        ["PN-X", 900123456, "Org Excel", 1.0, 5001, "CAFÉ", "PSA", D(2024, 8, 31), 45931],  # Excel serial → 2025-10-01
        ["PN-Y", "900.123.456-8", "Org ISO", "2", "5001", "Cacao", "PSB", "2024-02-29", "2025-03-01"],
        ["PN-Z", "800197268", "Org DMY", 3, "08001", "Cacao", "PSB", "28/02/2023", "15/1/2024"],
    ]
    ev_header = ["CÓDIGO PN", "Tipo", "Tipo Aliado", "ALIADO", "Fecha Inicio", "Fecha Fin", "Soporte"]
    evidence = [["PN-X", "Contrato", "Comercial", "A", "01/01/2025", "", ""],
                ["PN-Y", "CRÉDITO", "FINANCIERO", "Banco", D(2024, 3, 1), "2027-01-01", ""]]
    sales_header = ["Codigo PN", "Año", "Ventas COP", "Línea Base"]
    data = workbook(plans, evidence, [["PN-X", 2024, "1.500.000", "Sí"]], pn_header=header, ev_header=ev_header,
                    sales_header=sales_header, sheet_names=("Planes_Negocio", "EVIDENCIAS", "Ventas"))
    rep = tm.import_tracking_matrix(data, ANALYST, url=store)
    assert rep.ok, rep.lines()
    with get_engine(store).connect() as conn:
        rows = {r.code: r for r in conn.execute(select(BusinessPlan))}
        assert rows["PN-X"].municipality_code == "05001" and rows["PN-Y"].municipality_code == "05001"
        assert rows["PN-X"].closure_date == D(2025, 10, 1)
        assert rows["PN-Y"].first_disbursement_date == D(2024, 2, 29) and rows["PN-Y"].ventana == 2
        assert rows["PN-Z"].first_disbursement_date == D(2023, 2, 28) and rows["PN-Z"].closure_date == D(2024, 1, 15)
        nits = set(conn.execute(select(Opr.nit)).scalars())
        assert nits == {"900123456-8", "800197268-4"}  # stored with the DIAN check digit, one OPR per NIT
        ev = conn.execute(select(AllianceEvidence.kind, AllianceEvidence.ally_type, AllianceEvidence.start_date)
                          .order_by(AllianceEvidence.id)).all()
        assert [tuple(e) for e in ev] == [("contrato", "comercial", D(2025, 1, 1)),
                                          ("credito", "financiero", D(2024, 3, 1))]
        assert conn.execute(select(Sales.amount_cop, Sales.is_baseline)).one() == (1500000, True)


# ----------------------------------------------------------------- bad files: nothing written
def _bad(kind):
    plans, evidence, sales = good_rows()
    if kind == "unknown_municipality":
        plans[0][4] = "99999"
        return plans, evidence, sales, ("planes_negocio", 2, "cod_municipio", "no existe en el catálogo DIVIPOLA")
    if kind == "ventana":
        plans[1][3] = 4
        return plans, evidence, sales, ("planes_negocio", 3, "ventana", "use uno de: 1, 2, 3")
    if kind == "date_order":
        plans[2][8] = "01/01/2024"  # closure before first disbursement
        return plans, evidence, sales, ("planes_negocio", 4, "fecha_cierre", "corrija una de las dos fechas")
    if kind == "evidence_date_order":
        evidence[1][5] = D(2024, 12, 31)  # contract ends before it starts
        return plans, evidence, sales, ("evidencias", 3, "fecha_fin", "anterior a la fecha de inicio")
    if kind == "unknown_pn":
        evidence.append(["PN-NADA", "factura", "comercial", "X", D(2025, 1, 1), None, ""])
        return plans, evidence, sales, ("evidencias", 6, "codigo_pn", "no existe en la hoja planes_negocio")
    if kind == "duplicate":
        plans.append(list(plans[0]))
        return plans, evidence, sales, ("planes_negocio", 5, "codigo_pn", "repetida: aparece también en la fila 2")
    if kind == "nit_check_digit":
        plans[1][1] = "800197268-1"
        return plans, evidence, sales, ("planes_negocio", 3, "nit_opr", "no es un NIT válido")
    if kind == "nit_letters":
        plans[0][1] = "90012A456"
        return plans, evidence, sales, ("planes_negocio", 2, "nit_opr", "dígito de verificación")
    if kind == "bad_date":
        plans[0][7] = "31 de agosto"
        return plans, evidence, sales, ("planes_negocio", 2, "fecha_primer_desembolso", "DD/MM/AAAA")
    if kind == "office_mismatch":
        plans[0][9] = "CAR"
        return plans, evidence, sales, ("planes_negocio", 2, "oficina_regional", "no corresponde al municipio 05001")
    if kind == "credit_commercial":
        evidence[2][2] = "comercial"
        return plans, evidence, sales, ("evidencias", 4, "tipo_aliado", "aliado financiero")
    if kind == "bad_kind":
        evidence[0][1] = "convenio"
        return plans, evidence, sales, ("evidencias", 2, "tipo", "use uno de: contrato, factura, credito")
    if kind == "unknown_chain":
        plans[0][5] = "Uchuva galáctica"
        return plans, evidence, sales, ("planes_negocio", 2, "cadena_valor", "no es una cadena de valor")
    if kind == "unknown_psde":
        plans[0][6] = "PSZ"
        return plans, evidence, sales, ("planes_negocio", 2, "psde", "no es un operador registrado")
    if kind == "sales_baseline":
        sales[0][3] = "tal vez"
        return plans, evidence, sales, ("ventas", 2, "linea_base", "escriba si o no")
    if kind == "future_date":
        plans[0][8] = D(2027, 1, 1)
        return plans, evidence, sales, ("planes_negocio", 2, "fecha_cierre", "posterior a hoy")
    raise AssertionError(kind)


BAD_KINDS = ["unknown_municipality", "ventana", "date_order", "evidence_date_order", "unknown_pn", "duplicate",
             "nit_check_digit", "nit_letters", "bad_date", "office_mismatch", "credit_commercial", "bad_kind",
             "unknown_chain", "unknown_psde", "sales_baseline", "future_date"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_file_is_rejected_whole_with_sheet_row_column(store, kind):
    plans, evidence, sales, (sheet, row, column, fragment) = _bad(kind)
    before = snapshot(store)
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert not rep.ok and not rep.changed
    assert "No se guardó nada" in rep.message
    assert snapshot(store) == before  # nothing written: no plan, OPR, evidence, audit entry, version
    matching = [p for p in rep.problems if p.sheet == sheet and p.row == row and p.column == column]
    assert matching, [str(p) for p in rep.problems]
    text = str(matching[0])
    assert f"Hoja «{sheet}», fila {row}, columna «{column}»" in text
    assert fragment in text, text
    repeated = 2 if kind == "duplicate" else 1  # a repeated key is named at each of its rows
    assert len(rep.problems) == repeated, [str(p) for p in rep.problems]


def test_every_problem_is_listed_and_dry_run_writes_nothing(store):
    plans, evidence, sales = good_rows()
    plans[0][4] = "99999"
    plans[1][6] = "PSZ"
    evidence.append(["PN-Q", "factura", "comercial", "X", D(2025, 1, 1), None, ""])
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert [(p.sheet, p.row, p.column) for p in rep.problems] == [
        ("planes_negocio", 2, "cod_municipio"), ("planes_negocio", 3, "psde"), ("evidencias", 6, "codigo_pn")]
    assert all(p.letter for p in rep.problems)
    plans, evidence, sales = good_rows()
    before = snapshot(store)
    dry = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store, dry_run=True)
    assert dry.ok and dry.dry_run and dry.counts["planes_negocio.insert"] == 3
    assert dry.message.startswith("Validación correcta; se cargaría")
    assert snapshot(store) == before


def test_missing_sheet_column_and_not_a_workbook(store):
    rep = tm.import_tracking_matrix(b"esto no es excel", ANALYST, url=store)
    assert not rep.ok and "no es un libro de Excel" in rep.problems[0].message
    plans, evidence, sales = good_rows()
    rep = tm.import_tracking_matrix(workbook(plans, evidence, sales, sheet_names=("planes_negocio", "otra", "x")),
                                    ANALYST, url=store)
    assert not rep.ok and any("falta la hoja «evidencias»" in str(p) for p in rep.problems)
    header = [h for h in PN_HEADER if h != "psde"]
    rep = tm.import_tracking_matrix(workbook([r[:6] + r[7:] for r in plans], evidence, sales, pn_header=header),
                                    ANALYST, url=store)
    assert not rep.ok and str(rep.problems[0]).startswith("Hoja «planes_negocio», fila 1, columna «psde»")
    assert snapshot(store)["pn"] == 0


@pytest.mark.parametrize("role, extra", [("directivo", {}), ("comite_regional", {"regional_office_id": 2}),
                                         ("operador", {"operator_id": 1}), ("", {})])
def test_write_permission_enforced_in_data_access(store, role, extra):
    plans, evidence, sales = good_rows()
    with pytest.raises(tm.ImportPermissionError, match="solo analistas PMO y administradores"):
        tm.import_tracking_matrix(workbook(plans, evidence, sales), Viewer("x", role, **extra), url=store)
    assert snapshot(store)["pn"] == 0
    admin = tm.import_tracking_matrix(workbook(plans, evidence, sales), Viewer("admin", "admin"), url=store)
    assert admin.ok and admin.changed


def test_evidence_for_existing_plan_and_template(store):
    plans, evidence, sales = good_rows()
    tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    # a later file with only evidence for a plan already in the store
    rep = tm.import_tracking_matrix(
        workbook([], [["PN-A", "factura", "comercial", "Otra", D(2026, 1, 5), None, "F-9"],
                      ["PN-A", "contrato", "comercial", "Compradora SAS", D(2025, 1, 1), None, "CT-1"]]),
        ANALYST, url=store)
    assert rep.ok and rep.counts["evidencias.insert"] == 1 and rep.counts["evidencias.void"] == 0


def test_template_has_the_three_sheets_and_an_untouched_one_loads_nothing(store):
    wb = load_workbook(io.BytesIO(template_bytes("tracking-matrix")))
    assert [n for n in wb.sheetnames if n in ("planes_negocio", "evidencias", "ventas")] == [
        "planes_negocio", "evidencias", "ventas"]
    assert [c.value for c in wb["planes_negocio"][1]] == PN_HEADER
    assert [c.value for c in wb["evidencias"][1]] == EV_HEADER
    assert [c.value for c in wb["ventas"][1]] == SALES_HEADER
    before = snapshot(store)
    empty = tm.import_tracking_matrix(template_bytes("tracking-matrix"), ANALYST, url=store)
    assert not empty.ok and not empty.changed
    assert any("no tiene filas de datos" in str(p) for p in empty.problems), empty.lines()
    assert snapshot(store) == before


def test_parsers():
    assert parse_date("2024-08-31") == D(2024, 8, 31)
    assert parse_date("31/08/2024") == D(2024, 8, 31)
    assert parse_date(45535) == D(2024, 8, 31)
    assert parse_date(dt.datetime(2024, 8, 31, 10, 0)) == D(2024, 8, 31)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("31/02/2024")
    assert municipality_code(5001) == "05001" and municipality_code(5001.0) == "05001"
    assert municipality_code("76001") == "76001"
    assert norm(" Código  PN ") == "codigo_pn" and norm("Año") == "anio"
    assert read_nit("900.123.456-8").formatted == "900123456-8" and read_nit(900123456).formatted == "900123456-8"


def test_one_batch_stamps_every_written_row_and_a_later_void(store):
    from data_access.core.models import ImportBatch

    plans, evidence, sales = good_rows()
    first = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    evidence = [e for e in evidence if e[6] != "F-1"]
    second = tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store)
    assert first.batch_id and second.batch_id and second.counts["evidencias.void"] == 1, second.lines()
    with get_engine(store).connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportBatch)).scalar() == 2
        for model in (BusinessPlan, Opr, Sales):
            assert set(conn.execute(select(model.import_batch_id)).scalars()) == {first.batch_id}
        stamps = dict(conn.execute(select(AllianceEvidence.document_ref, AllianceEvidence.import_batch_id)).all())
        assert stamps == {"CT-1": first.batch_id, "CT-2": first.batch_id, "CR-1": first.batch_id,
                          "F-1": second.batch_id}


def test_a_csv_of_evidence_is_the_complete_list_of_the_plans_it_names(store):
    plans, evidence, sales = good_rows()
    assert tm.import_tracking_matrix(workbook(plans, evidence, sales), ANALYST, url=store).ok
    csv = "codigo_pn;tipo;tipo_aliado;aliado;fecha_inicio;fecha_fin;soporte\n" \
          "PN-B;contrato;comercial;Chocolates SA;2025-01-01;2027-12-31;CT-2\n"
    rep = tm.import_tracking_matrix(csv.encode(), ANALYST, url=store, file_name="evidencias.csv")
    assert rep.ok and rep.counts["evidencias.void"] == 1 and rep.counts["evidencias.unchanged"] == 1, rep.lines()
    with get_engine(store).connect() as conn:
        live = conn.execute(select(BusinessPlan.code, AllianceEvidence.document_ref)
                            .join(BusinessPlan, BusinessPlan.id == AllianceEvidence.business_plan_id)
                            .where(AllianceEvidence.voided == False)).all()  # noqa: E712
        assert sorted(tuple(r) for r in live) == [("PN-A", "CT-1"), ("PN-B", "CT-2"), ("PN-C", "F-1")]
