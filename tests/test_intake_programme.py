"""Intake of the programme register (operators, offices, contracts) through ``tablero import``:
all-or-nothing, idempotent, one audited batch per file, and the tracking matrix loading on
a fresh store once its PSDEs are registered."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import tablero
from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.auth import create_user
from data_access.core.db import get_engine
from data_access.core.models import (
    BusinessPlan,
    ContractService,
    ImportBatch,
    Municipality,
    Operator,
    OperatorContract,
    RegionalOffice,
)
from tests.test_tracking_matrix import good_rows, workbook

OPERATORS = ("codigo_operador;nombre;nit;es_psde\n"
             "PSA;PSDE Andino;900123456-8;si\nPSB;PSDE Bolívar;;sí\nOS1;Servicios SAS;;no\n")
# 05001 and 08001 stay in the offices of the reference data; 05002 moves to a new office
OFFICES = "cod_municipio;oficina_regional;nombre_oficina\n05001;NOC;\n08001;CAR;\n05002;PRU;Oficina de prueba\n"
CONTRACTS = ("codigo_contrato;codigo_operador;ruta;oficina_regional;fecha_inicio;fecha_fin;valor_cop;servicios\n"
             "C-1;PSA;intermedia;NOC;01/02/2025;;$ 1.250.000.000;\"asistencia_tecnica;comercializacion\"\n"
             "C-2;OS1;basica;CAR;2025-03-01;31/12/2026;900000000;monitoreo\n")


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(url, model):
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def load_register(url, tmp_path):
    for entity, name, text in (("operators", "operadores.csv", OPERATORS), ("offices", "oficinas.csv", OFFICES),
                               ("contracts", "contratos.csv", CONTRACTS)):
        res = cli(url, "import", entity, str(write(tmp_path, name, text)))
        assert res.exit_code == 0, res.output


def test_operators_load_into_an_empty_store_as_one_audited_batch(empty_store, tmp_path):
    before = versions.current(empty_store)["sla"]
    res = cli(empty_store, "import", "operators", str(write(tmp_path, "operadores.csv", OPERATORS)))
    assert res.exit_code == 0, res.output
    assert "3 nuevos" in res.output
    with get_engine(empty_store).connect() as conn:
        rows = conn.execute(select(Operator.code, Operator.nit, Operator.is_psde, Operator.import_batch_id)
                            .order_by(Operator.code)).all()
        batch = conn.execute(select(ImportBatch)).one()
    assert [(r.code, r.nit, r.is_psde) for r in rows] == [("OS1", "", False), ("PSA", "900123456-8", True),
                                                          ("PSB", "", True)]
    assert {r.import_batch_id for r in rows} == {batch.id}
    assert batch.entity == "operators" and batch.file_name == "operadores.csv" and len(batch.sha256) == 64
    assert audit.count(empty_store) == 1 and audit.verify(empty_store).ok
    assert versions.current(empty_store)["sla"] == before + 1


def test_the_same_file_again_changes_nothing_and_says_so(empty_store, tmp_path):
    path = write(tmp_path, "operadores.csv", OPERATORS)
    cli(empty_store, "import", "operators", str(path))
    res = cli(empty_store, "import", "operators", str(path))
    assert res.exit_code == 0 and "Sin cambios" in res.output
    assert count(empty_store, ImportBatch) == 1 and audit.count(empty_store) == 1


def test_a_changed_row_updates_by_natural_key(empty_store, tmp_path):
    cli(empty_store, "import", "operators", str(write(tmp_path, "operadores.csv", OPERATORS)))
    res = cli(empty_store, "import", "operators",
              str(write(tmp_path, "operadores.csv", OPERATORS.replace("Servicios SAS", "Servicios Rurales SAS"))))
    assert "1 actualizados" in res.output and "2 sin cambios" in res.output
    with get_engine(empty_store).connect() as conn:
        assert conn.execute(select(Operator.name).where(Operator.code == "OS1")).scalar() == "Servicios Rurales SAS"
    assert count(empty_store, Operator) == 3


def test_contracts_load_with_their_services_and_offices(empty_store, tmp_path):
    load_register(empty_store, tmp_path)
    with get_engine(empty_store).connect() as conn:
        c1 = conn.execute(select(OperatorContract).where(OperatorContract.code == "C-1")).one()
        services = conn.execute(select(ContractService.service_type_code)
                                .where(ContractService.contract_id == c1.id)).scalars().all()
        office = conn.execute(select(RegionalOffice.code).join(Municipality,
                              Municipality.regional_office_id == RegionalOffice.id)
                              .where(Municipality.code == "05001")).scalar()
    assert c1.value_cop == 1_250_000_000 and c1.route == "intermedia" and c1.end_date is None
    assert sorted(services) == ["asistencia_tecnica", "comercializacion"]
    assert office == "NOC"
    with get_engine(empty_store).connect() as conn:
        moved = conn.execute(select(RegionalOffice.code, RegionalOffice.name)
                             .join(Municipality, Municipality.regional_office_id == RegionalOffice.id)
                             .where(Municipality.code == "05002")).one()
    assert tuple(moved) == ("PRU", "Oficina de prueba")


def test_a_new_office_needs_its_name(empty_store, tmp_path):
    res = cli(empty_store, "import", "offices", str(write(tmp_path, "oficinas.csv",
                                                          "cod_municipio;oficina_regional\n05002;NUEVA\n")))
    assert res.exit_code == 1 and "nombre_oficina" in res.output and "fila 2" in res.output
    assert count(empty_store, ImportBatch) == 0


def test_an_unknown_operator_rejects_the_whole_file(empty_store, tmp_path):
    cli(empty_store, "import", "operators", str(write(tmp_path, "operadores.csv", OPERATORS)))
    cli(empty_store, "import", "offices", str(write(tmp_path, "oficinas.csv", OFFICES)))
    bad = CONTRACTS + "C-3;NOPE;basica;CAR;2025-03-01;;1;monitoreo\n"
    res = cli(empty_store, "import", "contracts", str(write(tmp_path, "contratos.csv", bad)))
    assert res.exit_code == 1
    assert "fila 4, columna «codigo_operador» (B)" in res.output and "NOPE" in res.output
    assert count(empty_store, OperatorContract) == 0 and count(empty_store, ContractService) == 0


def test_dry_run_counts_and_writes_nothing(empty_store, tmp_path):
    res = cli(empty_store, "import", "operators", str(write(tmp_path, "operadores.csv", OPERATORS)), "--dry-run")
    assert res.exit_code == 0 and "se cargaría" in res.output and "3 nuevos" in res.output
    assert count(empty_store, Operator) == 0 and audit.count(empty_store) == 0


def test_a_comite_may_not_load_the_register(empty_store, tmp_path):
    cli(empty_store, "import", "offices", str(write(tmp_path, "oficinas.csv", OFFICES)))
    with get_engine(empty_store).connect() as conn:
        noc = conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == "NOC")).scalar()
    create_user("comite_noc", "comite_regional", display_name="Comité NOC", regional_office_id=noc, url=empty_store)
    res = cli(empty_store, "import", "operators", str(write(tmp_path, "operadores.csv", OPERATORS)),
              "--as-user", "comite_noc")
    assert res.exit_code != 0 and "no puede cargar" in res.output
    assert count(empty_store, Operator) == 0


def test_the_tracking_matrix_loads_on_a_fresh_store_once_its_psdes_are_registered(empty_store, tmp_path):
    matrix = tmp_path / "matriz.xlsx"
    matrix.write_bytes(workbook(*good_rows()))
    refused = cli(empty_store, "import", "tracking-matrix", str(matrix))
    assert refused.exit_code == 1 and count(empty_store, BusinessPlan) == 0
    load_register(empty_store, tmp_path)
    res = cli(empty_store, "import", "tracking-matrix", str(matrix))
    assert res.exit_code == 0, res.output
    assert count(empty_store, BusinessPlan) == 3


def test_import_all_loads_a_directory_in_dependency_order(empty_store, tmp_path):
    folder = tmp_path / "carga"
    folder.mkdir()
    write(folder, "contratos.csv", CONTRACTS)  # named first, loaded after what it references
    write(folder, "oficinas.csv", OFFICES)
    write(folder, "operadores.csv", OPERATORS)
    res = cli(empty_store, "import", "all", str(folder))
    assert res.exit_code == 0, res.output
    assert res.output.index("operadores.csv") < res.output.index("oficinas.csv") < res.output.index("contratos.csv")
    assert count(empty_store, OperatorContract) == 2
    again = cli(empty_store, "import", "all", str(folder))
    assert again.output.count("Sin cambios") == 3 and count(empty_store, ImportBatch) == 3


def test_import_all_loads_the_sheets_of_one_entity_in_their_declared_order(tmp_path):
    from cli.cmd_import import files_in_order

    for name in ("ventas.csv", "evidencias.csv", "planes_negocio.csv", "matriz_seguimiento.xlsx"):
        (tmp_path / name).write_bytes(b"")
    assert [path.name for _, path in files_in_order(tmp_path)] == [
        "matriz_seguimiento.xlsx", "planes_negocio.csv", "evidencias.csv", "ventas.csv"]


def test_history_lists_each_batch(empty_store, tmp_path):
    load_register(empty_store, tmp_path)
    res = cli(empty_store, "import", "history", "--format", "csv")
    lines = res.output.splitlines()
    assert lines[0] == "id,at,username,entity,file_name,sha256,counts"
    assert [line.split(",")[3] for line in lines[1:]] == ["contracts", "offices", "operators"]


def test_progress_goes_through_every_step_in_order_and_ends_at_one(empty_store):
    """The page's bar: read → check → write → done, never going backwards."""
    from data_access.core.scope import Viewer
    from data_access.intake import engine
    from rules import access

    seen: list[tuple[float, str]] = []
    viewer = Viewer("cli", access.CONSOLE_ROLE)
    report = engine.import_file("operators", OPERATORS.encode(), "operadores.csv", viewer, empty_store,
                                progress=lambda f, step: seen.append((f, step)))
    assert report.ok and report.changed
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert list(dict.fromkeys(step for _, step in seen)) == list(engine.STEPS)
    seen.clear()
    engine.import_file("operators", OPERATORS.encode(), "operadores.csv", viewer, empty_store, dry_run=True,
                       progress=lambda f, step: seen.append((f, step)))
    assert [step for _, step in seen] == ["read", "check", "done"]


def test_a_large_batch_of_updates_lands_row_by_row_on_every_store(empty_store, tmp_path):
    """Over a thousand changed rows take PostgreSQL's bulk path (COPY + one UPDATE … FROM):
    each row gets its own values and the batch that changed it."""
    rows = range(1_500)
    first = "codigo_operador;nombre;es_psde\n" + "".join(f"OP-{i};Operador {i};no\n" for i in rows)
    assert cli(empty_store, "import", "operators", str(write(tmp_path, "a.csv", first))).exit_code == 0
    renamed = "codigo_operador;nombre;es_psde\n" + "".join(
        f"OP-{i};Operador renombrado {i};{'si' if i % 2 else 'no'}\n" for i in rows)
    res = cli(empty_store, "import", "operators", str(write(tmp_path, "b.csv", renamed)))
    assert res.exit_code == 0 and "1500 actualizados" in res.output, res.output
    with get_engine(empty_store).connect() as conn:
        stored = conn.execute(select(Operator.code, Operator.name, Operator.is_psde, Operator.import_batch_id)).all()
        batch = conn.execute(select(func.max(ImportBatch.id))).scalar()
    assert len(stored) == 1_500
    for code, name, is_psde, batch_id in stored:
        i = int(code.removeprefix("OP-"))
        assert (name, is_psde, batch_id) == (f"Operador renombrado {i}", bool(i % 2), batch)


def test_a_first_large_load_rebuilds_the_plain_indexes_it_dropped(empty_store, tmp_path, monkeypatch):
    """A load that fills an empty table drops its plain indexes (and its foreign keys on
    PostgreSQL) and builds them again in the same transaction: afterwards the store holds exactly
    the indexes and keys it had, and the rows."""
    from sqlalchemy import inspect

    from data_access.intake import changes

    def indexes():
        with get_engine(empty_store).connect() as conn:
            stored = inspect(conn)
            return (sorted((ix["name"], tuple(ix["column_names"])) for ix in stored.get_indexes("operator_contract")),
                    sorted((fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                           for fk in stored.get_foreign_keys("operator_contract")))

    before = indexes()
    assert any(name == "ix_operator_contract_operator_id" for name, _ in before[0]) and before[1]
    dropped = []
    real_drop = changes.DropIndex
    monkeypatch.setattr(changes, "REBUILD_AT", 2)
    monkeypatch.setattr(changes, "DropIndex", lambda ix: dropped.append(ix.name) or real_drop(ix))
    load_register(empty_store, tmp_path)
    assert "ix_operator_contract_operator_id" in dropped
    assert indexes() == before
    assert count(empty_store, OperatorContract) == 2
