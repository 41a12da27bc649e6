"""``tablero export data``: every sheet read back out of the store in its declared columns, scoped
for the viewer (personal data only for roles that may read it), streamed in chunks, and written
one file per entity in the intake templates' format."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from cli.cmd_import import files_in_order
from cli.main import tablero
from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    ContractService,
    Enrolment,
    Household,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
    RegionalOffice,
    Sales,
    ServiceDelivery,
    SlaMeasurement,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import NOBODY, Viewer
from data_access.intake import export as X
from exports import intake_workbook as iw
from rules import access
from rules.intake import sheets as S

NATIONAL = Viewer(username="cli", role=access.CONSOLE_ROLE, scope_label="Nacional")


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def scalars(url, stmt) -> list:
    with get_engine(url).connect() as conn:
        return list(conn.execute(stmt).scalars())


def all_rows(url, stmt) -> list:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def count(url, stmt) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).scalar()


def xlsx_rows(path: Path, sheet: str) -> list[dict]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    return [{h: (r[i] if i < len(r) else None) for i, h in enumerate(rows[0])} for r in rows[1:]]


def own_contracts(url, viewer) -> set[str]:
    return set(scalars(url, select(OperatorContract.code).where(OperatorContract.operator_id == viewer.operator_id)))


def office_municipalities(url, viewer) -> set[str]:
    return set(scalars(url, select(Municipality.code)
                       .where(Municipality.regional_office_id == viewer.regional_office_id)))


# ------------------------------------------------------------------ the reads


def test_every_sheet_comes_out_in_exactly_its_declared_columns(demo_store):
    data = X.DataExport(NATIONAL, demo_store)
    for sheet in S.ORDER:
        frame = data.frame(sheet)
        assert list(frame.columns) == [c.name for c in sheet.columns], sheet.name
        assert len(frame) == data.count(sheet) > 0, sheet.name


def test_a_national_export_holds_every_stored_record(demo_store):
    data = X.DataExport(NATIONAL, demo_store)
    stored = [
        (S.OPERATORS, Operator), (S.CONTRACTS, OperatorContract), (S.SLA_REPORTS, SlaMeasurement),
        (S.TARGETING, Targeting), (S.ALERTS, TerritorialAlert), (S.OPR, Opr), (S.HOUSEHOLDS, Household),
        (S.ENROLMENTS, Enrolment), (S.STAGE_EVENTS, StageEvent), (S.PLANS, BusinessPlan), (S.SALES, Sales),
    ]
    for sheet, model in stored:
        assert data.count(sheet) == count(demo_store, select(func.count()).select_from(model)), sheet.name


def test_voided_evidence_stays_out(demo_store):
    active = count(demo_store, select(func.count()).select_from(AllianceEvidence)
                   .where(AllianceEvidence.voided.is_(False)))
    assert active < count(demo_store, select(func.count()).select_from(AllianceEvidence))
    assert len(X.DataExport(NATIONAL, demo_store).frame(S.EVIDENCE)) == active


def test_values_are_stored_values_of_each_kind(demo_store):
    frame = X.DataExport(NATIONAL, demo_store).frame(S.CONTRACTS)
    with get_engine(demo_store).connect() as conn:
        c = conn.execute(select(OperatorContract).order_by(OperatorContract.code).limit(1)).one()
        operator = conn.execute(select(Operator.code).where(Operator.id == c.operator_id)).scalar()
        services = tuple(sorted(conn.execute(select(ContractService.service_type_code)
                                             .where(ContractService.contract_id == c.id)).scalars()))
    row = frame[frame["codigo_contrato"] == c.code].iloc[0].to_dict()
    assert row["codigo_operador"] == operator and row["ruta"] == c.route
    assert row["fecha_inicio"] == c.start_date and row["fecha_fin"] == c.end_date
    assert row["valor_cop"] == c.value_cop and isinstance(row["valor_cop"], int)
    assert row["servicios"] == services


def test_offices_hold_only_municipalities_that_have_an_office(demo_store_rw):
    with get_engine(demo_store_rw).begin() as conn:
        conn.execute(update(Municipality).where(Municipality.code == "05001").values(regional_office_id=None))
    frame = X.DataExport(NATIONAL, demo_store_rw).frame(S.OFFICES)
    assert "05001" not in set(frame["cod_municipio"])
    assert len(frame) == count(demo_store_rw, select(func.count()).select_from(Municipality)
                               .where(Municipality.regional_office_id.is_not(None)))


def test_opr_are_keyed_by_nit_and_households_name_their_opr_by_it(demo_store):
    data = X.DataExport(NATIONAL, demo_store)
    nits = set(data.frame(S.OPR)["nit_opr"])
    assert nits == set(scalars(demo_store, select(Opr.nit)))
    households = data.frame(S.HOUSEHOLDS)
    linked = households[households["nit_opr"].notna()]
    assert len(linked) == count(demo_store, select(func.count()).select_from(Household)
                                .where(Household.opr_id.is_not(None)))
    assert set(linked["nit_opr"]) <= nits


def test_demo_rows_carry_their_ids_code_and_export_it(demo_store):
    """Alerts and enrolments made without a file (demo, forms) get a stable code from their id,
    so their export loads back into the same store as the same rows."""
    data = X.DataExport(NATIONAL, demo_store)
    alerts = dict(all_rows(demo_store, select(TerritorialAlert.id, TerritorialAlert.code)))
    enrolments = dict(all_rows(demo_store, select(Enrolment.id, Enrolment.code)))
    assert alerts and all(code == f"AL-{i:06d}" for i, code in alerts.items())
    assert enrolments and all(code == f"INS-{i:06d}" for i, code in enrolments.items())
    assert set(data.frame(S.ALERTS)["codigo_alerta"]) == set(alerts.values())
    assert set(data.frame(S.ENROLMENTS)["codigo_inscripcion"]) == set(enrolments.values())


def test_an_alert_opened_by_the_form_gets_its_code(demo_store_rw):
    from data_access.edits.alerts import open_alert

    muni = scalars(demo_store_rw, select(TerritorialAlert.municipality_code).limit(1))[0]
    result = open_alert(NATIONAL, {"municipality_code": muni, "category": "riego", "severity": "alta",
                                   "status": "abierta", "description": "x", "opened_on": "2026-10-01"},
                        url=demo_store_rw)
    code = scalars(demo_store_rw, select(TerritorialAlert.code).where(TerritorialAlert.id == result.id))
    assert code == [f"AL-{int(result.id):06d}"]


def test_a_promotion_names_its_previous_enrolment_by_the_same_code(demo_store):
    with get_engine(demo_store).connect() as conn:
        promoted = dict(conn.execute(select(Enrolment.id, Enrolment.previous_enrolment_id)
                                     .where(Enrolment.previous_enrolment_id.is_not(None))).all())
    frame = X.DataExport(NATIONAL, demo_store).frame(S.ENROLMENTS)
    given = dict(zip(frame["codigo_inscripcion"], frame["inscripcion_anterior"], strict=True))
    assert promoted
    assert {f"INS-{i:06d}": f"INS-{p:06d}" for i, p in promoted.items()} == {
        k: v for k, v in given.items() if v is not None}


def test_a_stored_code_names_the_row_everywhere(demo_store_rw):
    with get_engine(demo_store_rw).begin() as conn:
        conn.execute(update(Enrolment).where(Enrolment.id == 1).values(code="INS-PROPIO"))
        events = conn.execute(select(func.count()).select_from(StageEvent).where(StageEvent.enrolment_id == 1)).scalar()
    data = X.DataExport(NATIONAL, demo_store_rw)
    assert "INS-PROPIO" in set(data.frame(S.ENROLMENTS)["codigo_inscripcion"])
    stages = data.frame(S.STAGE_EVENTS)
    assert (stages["codigo_inscripcion"] == "INS-PROPIO").sum() == events > 0
    assert "INS-000001" not in set(stages["codigo_inscripcion"])


def test_deliveries_the_key_cannot_tell_apart_leave_as_one_row_with_a_note(demo_store):
    D = ServiceDelivery
    with get_engine(demo_store).connect() as conn:
        keys = select(D.enrolment_id, D.service_type_code, D.delivery_date).group_by(
            D.enrolment_id, D.service_type_code, D.delivery_date).subquery()
        distinct = conn.execute(select(func.count()).select_from(keys)).scalar()
        total = conn.execute(select(func.count()).select_from(D)).scalar()
    assert distinct < total
    data = X.DataExport(NATIONAL, demo_store)
    frame = data.frame(S.DELIVERIES)
    assert len(frame) == distinct
    assert not frame.duplicated(list(S.DELIVERIES.key)).any()
    assert any(f"{total - distinct} prestaciones repetidas" in n for n in data.notes)


def test_rows_stream_in_chunks_of_the_chosen_size(demo_store):
    whole = X.DataExport(NATIONAL, demo_store).frame(S.STAGE_EVENTS)
    chunks = list(X.DataExport(NATIONAL, demo_store, chunk_size=5_000).chunks(S.STAGE_EVENTS))
    assert len(chunks) == -(-len(whole) // 5_000) > 1
    assert all(len(c) <= 5_000 for c in chunks)
    assert pd.concat(chunks, ignore_index=True).equals(whole)


def test_personal_data_is_withheld_from_a_role_that_may_not_read_it(demo_store):
    viewer = viewer_for_username("directivo", demo_store)
    assert viewer.is_national and not access.allowed(viewer, access.READ_PERSONAL_DATA)
    data = X.DataExport(viewer, demo_store)
    assert S.HOUSEHOLDS not in data.sheets() and "households" not in dict(data.entities())
    assert any("hogares" in n and "Ley 1581" in n for n in data.notes)
    with pytest.raises(X.ExportPermissionError):
        next(data.chunks(S.HOUSEHOLDS))


def test_an_operator_exports_only_records_of_its_own_contracts(demo_store):
    viewer = viewer_for_username("operador", demo_store)
    data = X.DataExport(viewer, demo_store)
    mine = own_contracts(demo_store, viewer)
    enrolments = data.frame(S.ENROLMENTS)
    assert set(data.frame(S.CONTRACTS)["codigo_contrato"]) == mine
    assert set(data.frame(S.SLA_REPORTS)["codigo_contrato"]) <= mine
    assert len(enrolments) and set(enrolments["codigo_contrato"]) <= mine
    assert set(data.frame(S.STAGE_EVENTS)["codigo_inscripcion"]) <= set(enrolments["codigo_inscripcion"])
    assert set(data.frame(S.DELIVERIES)["codigo_contrato"]) <= mine
    assert len(enrolments) < count(demo_store, select(func.count()).select_from(Enrolment))


def test_an_operator_exports_no_territorial_sheet(demo_store):
    data = X.DataExport(viewer_for_username("operador", demo_store), demo_store)
    assert [data.count(s) for s in (S.OFFICES, S.TARGETING, S.ALERTS)] == [0, 0, 0]


def test_a_comite_exports_only_its_office(demo_store):
    viewer = viewer_for_username("comite", demo_store)
    data = X.DataExport(viewer, demo_store)
    munis = office_municipalities(demo_store, viewer)
    office = scalars(demo_store, select(RegionalOffice.code).where(RegionalOffice.id == viewer.regional_office_id))[0]
    for sheet in (S.OFFICES, S.TARGETING, S.ALERTS, S.ENROLMENTS, S.PLANS):
        frame = data.frame(sheet)
        assert len(frame) and set(frame["cod_municipio"]) <= munis, sheet.name
    assert set(data.frame(S.CONTRACTS)["oficina_regional"]) == {office}
    assert data.count(S.TARGETING) < count(demo_store, select(func.count()).select_from(Targeting))


def test_an_account_without_a_scope_may_not_export(demo_store):
    with pytest.raises(X.ExportPermissionError):
        X.DataExport(NOBODY, demo_store)


# ------------------------------------------------------------------ the command


def test_export_data_writes_one_file_per_entity_named_after_its_sheet(demo_store, tmp_path):
    res = cli(demo_store, "export", "data", str(tmp_path))
    assert res.exit_code == 0, res.output
    expected = {f"{(sheets[0].workbook or sheets[0].name)}.xlsx" for sheets in S.ENTITIES.values()}
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert [e for e, _ in files_in_order(tmp_path)] == list(S.ENTITIES)
    wb = load_workbook(tmp_path / "matriz_seguimiento.xlsx", read_only=True)
    assert wb.sheetnames == ["instrucciones", "planes_negocio", "evidencias", "ventas"]
    wb.close()


def test_an_exported_workbook_holds_the_rows_as_the_template_reads_them(demo_store, tmp_path):
    cli(demo_store, "export", "data", str(tmp_path))
    rows = xlsx_rows(tmp_path / "operadores.xlsx", "operadores")
    with get_engine(demo_store).connect() as conn:
        stored = conn.execute(select(Operator.code, Operator.name, Operator.nit, Operator.is_psde)
                              .order_by(Operator.code)).all()
    assert list(rows[0]) == [c.name for c in S.OPERATORS.columns]
    assert [(r["codigo_operador"], r["nombre"], r["nit"], r["es_psde"]) for r in rows] == [
        (code, name, nit, "si" if psde else "no") for code, name, nit, psde in stored]


def test_format_csv_writes_one_file_per_sheet(demo_store, tmp_path):
    res = cli(demo_store, "export", "data", str(tmp_path), "--format", "csv")
    assert res.exit_code == 0, res.output
    assert {p.name for p in tmp_path.iterdir()} == {f"{s.name}.csv" for s in S.ORDER}
    text = (tmp_path / "etapas.csv").read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == [c.name for c in S.STAGE_EVENTS.columns]
    assert text.count("\n") == 1 + count(demo_store, select(func.count()).select_from(StageEvent))


def test_a_sheet_beyond_an_xlsx_sheet_leaves_as_csv(demo_store, tmp_path, monkeypatch):
    monkeypatch.setattr(iw, "XLSX_MAX_ROWS", 5_001)  # 5,000 data rows under the header
    res = cli(demo_store, "export", "data", str(tmp_path))
    assert res.exit_code == 0, res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"etapas.csv", "servicios_prestados.csv"} <= names
    assert {"operadores.xlsx", "matriz_seguimiento.xlsx"} <= names and "etapas.xlsx" not in names


def test_export_as_an_operator_writes_only_its_scope_and_no_personal_data(demo_store, tmp_path):
    viewer = viewer_for_username("operador", demo_store)
    res = cli(demo_store, "export", "data", str(tmp_path), "--as-user", "operador")
    assert res.exit_code == 0, res.output
    names = {p.name for p in tmp_path.iterdir()}
    assert "hogares.xlsx" not in names and "Ley 1581" in res.output
    assert not names & {"oficinas.xlsx", "focalizacion.xlsx", "alertas.xlsx"}
    enrolments = xlsx_rows(tmp_path / "inscripciones.xlsx", "inscripciones")
    assert enrolments and {r["codigo_contrato"] for r in enrolments} <= own_contracts(demo_store, viewer)


def test_export_as_a_comite_writes_only_its_office_and_no_personal_data(demo_store, tmp_path):
    viewer = viewer_for_username("comite", demo_store)
    res = cli(demo_store, "export", "data", str(tmp_path), "--as-user", "comite")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "hogares.xlsx").exists()
    targeting = xlsx_rows(tmp_path / "focalizacion.xlsx", "focalizacion")
    assert targeting and {r["cod_municipio"] for r in targeting} <= office_municipalities(demo_store, viewer)


def test_a_folder_holding_other_intake_files_is_refused(demo_store, tmp_path):
    (tmp_path / "hogares.xlsx").write_bytes(b"de una exportacion anterior")
    res = cli(demo_store, "export", "data", str(tmp_path), "--as-user", "comite")
    assert res.exit_code == 1
    assert "hogares.xlsx" in res.output and "carpeta vacía" in res.output
    assert [p.name for p in tmp_path.iterdir()] == ["hogares.xlsx"]
