"""CLI: ``tablero indicator alliance`` (csv format, --by, --as-user scope) and ``tablero import``."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from cli.main import tablero
from data_access.core.auth import create_user
from data_access.core.db import get_engine
from data_access.core.models import BusinessPlan, Operator
from tests.test_alliance_sql import build_dataset, office_id


def run(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def test_indicator_csv_exact(empty_store):
    build_dataset(empty_store)
    res = run(empty_store, "indicator", "alliance", "--as-of", "2026-06-30", "--by", "regional_office",
              "--format", "csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "group,numerator,denominator,percent,pending"
    assert lines[1:] == ["CAR,2,4,50.0,0", "NOC,2,2,100.0,0", "PAC,1,3,33.3,1", "total,5,9,55.6,1"]
    res = run(empty_store, "indicator", "alliance", "--as-of", "2026-06-30", "--by", "ventana", "--format", "csv")
    assert res.output.splitlines()[1:] == ["1,2,3,66.7,1", "2,2,3,66.7,0", "3,1,3,33.3,0", "total,5,9,55.6,1"]
    # no denominator: empty percent, never 0
    res = run(empty_store, "indicator", "alliance", "--as-of", "2023-01-01", "--format", "csv")
    assert res.output.splitlines() == ["group,numerator,denominator,percent,pending", "total,0,0,,0"]


def test_indicator_as_user_scoping_and_formats(empty_store):
    build_dataset(empty_store)
    create_user("comite", "comite_regional", regional_office_id=office_id(empty_store, "CAR"), url=empty_store)
    with get_engine(empty_store).connect() as conn:
        psb = conn.execute(select(Operator.id).where(Operator.code == "PSB")).scalar_one()
    create_user("operador", "operador", operator_id=psb, url=empty_store)
    res = run(empty_store, "indicator", "alliance", "--as-of", "2026-06-30", "--by", "municipality",
              "--format", "csv", "--as-user", "comite")
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [r["group"] for r in rows] == ["08001", "total"]
    assert rows[-1] == {"group": "total", "numerator": "2", "denominator": "4", "percent": "50.0", "pending": "0"}
    res = run(empty_store, "indicator", "alliance", "--as-of", "2026-06-30", "--format", "json", "--as-user",
              "operador")
    data = json.loads(res.output)
    assert data == [{"group": "total", "name": "Total", "numerator": 2, "denominator": 3, "percent": 66.7,
                     "pending": 0, "not_executed": 0, "meets_goal": "n pequeño"}]  # 3 plans < 5
    res = run(empty_store, "indicator", "alliance", "--as-of", "2026-06-30", "--as-user", "comite")
    assert res.exit_code == 0 and "total" in res.output and "50.0" in res.output
    bad = CliRunner().invoke(tablero, ["indicator", "alliance", "--as-of", "30/06/2026"],
                             env={"DATABASE_URL": empty_store})
    assert bad.exit_code == 2 and "AAAA-MM-DD" in bad.output
    unknown = CliRunner().invoke(tablero, ["indicator", "alliance", "--as-of", "2026-06-30", "--as-user", "nadie"],
                                 env={"DATABASE_URL": empty_store})
    assert unknown.exit_code == 1 and "no existe" in unknown.output


def test_import_cli_template_dry_run_and_rejection(empty_store, tmp_path):
    from data_access.core.db import session_scope
    from tests.test_tracking_matrix import good_rows, workbook

    with session_scope(empty_store, write=True) as s:
        s.add_all([Operator(code="PSA", name="PSDE Andino"), Operator(code="PSB", name="PSDE Bolívar")])
    create_user("analista", "analista_pmo", url=empty_store)
    create_user("directivo", "directivo", url=empty_store)
    tpl = tmp_path / "plantilla.xlsx"
    res = run(empty_store, "import", "template", "tracking-matrix", str(tpl))
    assert res.exit_code == 0
    assert {"planes_negocio", "evidencias", "ventas"} <= set(load_workbook(tpl).sheetnames)

    plans, evidence, sales = good_rows()
    good = tmp_path / "matriz.xlsx"
    good.write_bytes(workbook(plans, evidence, sales))
    def count() -> int:
        with get_engine(empty_store).connect() as conn:
            return conn.execute(select(func.count()).select_from(BusinessPlan)).scalar()

    res = run(empty_store, "import", "tracking-matrix", str(good), "--dry-run", "--as-user", "analista")
    assert res.exit_code == 0 and "Validación correcta; se cargaría" in res.output and count() == 0
    res = CliRunner().invoke(tablero, ["import", "tracking-matrix", str(good), "--as-user", "directivo"],
                             env={"DATABASE_URL": empty_store})
    assert res.exit_code == 1 and "solo analistas PMO" in res.output and count() == 0
    res = run(empty_store, "import", "tracking-matrix", str(good), "--as-user", "analista")
    assert res.exit_code == 0 and "Carga completa" in res.output and count() == 3
    res = run(empty_store, "import", "tracking-matrix", str(good))
    assert res.exit_code == 0 and res.output.startswith("Sin cambios")

    plans[0][4] = "99999"
    bad = tmp_path / "mala.xlsx"
    bad.write_bytes(workbook(plans, evidence, sales))
    res = CliRunner().invoke(tablero, ["import", "tracking-matrix", str(bad)], env={"DATABASE_URL": empty_store})
    assert res.exit_code == 1
    assert "Archivo rechazado" in res.output
    assert "Hoja «planes_negocio», fila 2, columna «cod_municipio» (E)" in res.output
