"""``tablero sla``: scorecard and definitions from the shell, scoped by ``--as-user``."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import tablero
from data_access.core.db import get_engine
from data_access.core.models import AppUser, Operator, OperatorContract, RegionalOffice, SlaDefinition


def _run(url: str, *args: str):
    result = CliRunner().invoke(tablero, ["sla", *args], env={"DATABASE_URL": url, "TABLERO_TODAY": "2026-11-23"})
    return result


def _json(url: str, *args: str) -> list[dict]:
    result = _run(url, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_scorecard_scoped_by_as_user(demo_store):
    with get_engine(demo_store).connect() as conn:
        own = conn.execute(
            select(Operator.code)
            .join(AppUser, AppUser.operator_id == Operator.id)
            .where(AppUser.username == "operador")
        ).scalar_one()
        car_ops = set(conn.execute(
            select(Operator.code).join(OperatorContract, OperatorContract.operator_id == Operator.id)
            .join(RegionalOffice, RegionalOffice.id == OperatorContract.regional_office_id)
            .where(RegionalOffice.code == "CAR")
        ).scalars())
        all_ops = set(conn.execute(
            select(Operator.code).join(OperatorContract, OperatorContract.operator_id == Operator.id)).scalars())

    national = _json(demo_store, "scorecard", "--quarter", "2026Q3")
    assert {r["operador"] for r in national} == all_ops
    assert {r["trimestre"] for r in national} == {"2026Q3"}
    assert {r["estado"] for r in national} <= {"cumple", "en riesgo", "incumple", "sin reporte", "sin base de cálculo"}
    assert any(r["estado"] == "sin reporte" and r["valor"] is None for r in national)

    mine = _json(demo_store, "scorecard", "--quarter", "2026Q3", "--as-user", "operador")
    assert mine and {r["operador"] for r in mine} == {own}
    # asking for another operator by code gives nothing
    other = sorted(all_ops - {own})[0]
    assert _json(demo_store, "scorecard", "--quarter", "2026Q3", "--as-user", "operador", "--operator", other) == []

    comite = _json(demo_store, "scorecard", "--quarter", "2026Q3", "--as-user", "comite")
    assert comite and {r["operador"] for r in comite} <= car_ops
    assert {r["oficina"] for r in comite} == {"Caribe"}

    summary = _json(demo_store, "scorecard", "--quarter", "2026Q3", "--summary", "--as-user", "operador")
    assert [r["operador"] for r in summary] == [own]
    assert 0 <= summary[0]["puntaje"] <= 100


def test_scorecard_formats_and_errors(demo_store):
    table = _run(demo_store, "scorecard", "--quarter", "2026Q3", "--as-user", "operador")
    assert table.exit_code == 0 and "estado" in table.output.splitlines()[0]
    assert "✅ cumple" in table.output or "❌ incumple" in table.output
    csv = _run(demo_store, "scorecard", "--quarter", "2026q3", "--format", "csv", "--as-user", "operador")
    assert csv.exit_code == 0 and csv.output.startswith("trimestre,operador,")
    bad = _run(demo_store, "scorecard", "--quarter", "2026Q7")
    assert bad.exit_code != 0 and "AAAAQn" in bad.output
    nobody = _run(demo_store, "scorecard", "--quarter", "2026Q3", "--as-user", "no_existe")
    assert nobody.exit_code != 0 and "no existe" in nobody.output


def test_definitions(demo_store):
    rows = _json(demo_store, "definitions")
    with get_engine(demo_store).connect() as conn:
        assert len(rows) == conn.execute(select(func.count()).select_from(SlaDefinition)).scalar_one() > 0
    derived = [r for r in rows if r["tipo"] == "derivado"]
    assert derived and all("trimestre" in r["como_se_calcula"] for r in derived)
    assert {r["ruta"] for r in _json(demo_store, "definitions", "--route", "basica")} == {"basica"}
