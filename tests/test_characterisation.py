# ruff: noqa: F811  (the intake fixtures of tests.test_intake_participants are imported by name)
"""Baselines and the territorial asset map (issue 19): the entry → exit change on a
hand-computed case (SQL, CLI), the intake's refusals by sheet, row and column, each role's
scope (a comité reads neither another office's baselines nor its asset map), and the asset
edit form's audited writes. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from data_access.audit import log as audit
from data_access.characterisation import assets, baselines
from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import AuditLog, Baseline, TerritorialAsset
from data_access.core.scope import Viewer
from data_access.edits import assets as asset_edits
from data_access.edits.common import PermissionDenied, ValidationFailed
from rules import characterisation as CH
from rules.access import CONSOLE_ROLE
from rules.core.catalog import Role
from tests.test_intake_participants import (  # noqa: F401  (fixtures)
    TODAY,
    enrolled,
    load,
    loaded,
    people,
    refused,
    register,
    staged,
)
from tests.test_intake_programme import cli
from tests.test_intake_territory_sla import office_id, operador_psa

HEAD = ("codigo_inscripcion;momento;fecha;ingreso_mensual_cop;activos_productivos_cop;puntaje_capacidades;"
        "acceso_credito;asociados;ventas_anuales_cop;formalizada;canales_mercado\n")
# INS-1 and INS-2: households of the ruta básica (C-3, OS1, NOC) that left (graduated, dropped out);
# INS-3 (household, intermedia) and INS-4 (OPR, intermedia) still on their route; INS-5 in CAR.
BASELINES = HEAD + ("INS-1;entrada;03/02/2025;800000;2000000;40;no;;;;\n"
                    "INS-1;salida;25/08/2025;1100000;2600000;70;si;;;;\n"
                    "INS-2;entrada;10/02/2025;600000;1000000;30;no;;;;\n"
                    "INS-2;salida;02/04/2025;500000;1000000;35;no;;;;\n"
                    "INS-3;entrada;01/09/2025;900000;;50;;;;;\n"
                    "INS-4;entrada;01/03/2025;;;;;20;50000000;no;1\n"
                    "INS-5;entrada;01/04/2025;450000;800000;25;no;;;;\n")
ASSETS_HEAD = "codigo_activo;cod_municipio;tipo;nombre;entidad;servicios;categoria;estado;descripcion;fecha\n"
ASSETS = ASSETS_HEAD + ("MA-1;05001;mercado;Plaza de mercado de Medellín;Alcaldía;comercializacion;;;;01/03/2026\n"
                        "MA-2;05001;bien_publico;Vía El Tablazo;Gobernación;;vias_terciarias;malo;;01/03/2026\n"
                        "MA-3;08001;oferta_institucional;Crédito pequeño productor;Banco Agrario;"
                        "\"financieros;asistencia_tecnica\";;;;01/03/2026\n")
ALERTS = ("codigo_alerta;cod_municipio;categoria;severidad;estado;descripcion;fecha_apertura;fecha_cierre\n"
          "AL-1;05001;vias_terciarias;alta;abierta;Vía veredal intransitable;15/03/2026;\n")
NATIONAL = Viewer("cli", CONSOLE_ROLE)
FILTERS = GlobalFilters(cutoff=TODAY)


@pytest.fixture
def measured(staged, tmp_path):
    loaded(staged, tmp_path, "baselines", "lineas_base.csv", BASELINES)
    return staged


@pytest.fixture
def mapped(register, tmp_path):
    loaded(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    loaded(register, tmp_path, "assets", "mapa_activos.csv", ASSETS)
    return register


def comite(url, office):
    name = f"comite_{office.lower()}"
    create_user(name, Role.COMITE_REGIONAL, display_name=f"Comité {office}", regional_office_id=office_id(url, office),
                url=url)
    return name


# ------------------------------------------------------------------ the change, by hand


BASICA = {  # measure → (n, entry mean, exit mean, change, % improved), computed by hand from BASELINES
    "income_cop": (2, 700_000, 800_000, 100_000, 50.0),  # INS-1 +300 000, INS-2 −100 000
    "productive_assets_cop": (2, 1_500_000, 1_800_000, 300_000, 50.0),  # INS-2 unchanged: not improved
    "capacities_score": (2, 35.0, 52.5, 17.5, 100.0),
    "credit_access": (2, 0.0, 0.5, 0.5, 50.0),  # «no → sí» once
}


def test_the_change_by_route_is_the_hand_computed_case(measured):
    rows = baselines.change(NATIONAL, FILTERS, "route", measured)
    assert {r.group for r in rows} == {"basica"}  # INS-3 and INS-4 were never measured at exit
    got = {r.change.measure: (r.change.n, r.change.entry_mean, r.change.exit_mean, r.change.change_mean,
                              r.change.improved_pct) for r in rows}
    assert set(got) == set(BASICA)
    for measure, expected in BASICA.items():
        assert got[measure] == pytest.approx(expected), measure
    assert baselines.coverage(NATIONAL, FILTERS, measured) == {"entrada": 5, "salida": 2, "both": 2}
    # the rule's own arithmetic says the same
    pairs = [(800_000, 1_100_000), (600_000, 500_000)]
    assert CH.summarise(CH.BY_CODE["income_cop"], pairs).change_mean == 100_000


def test_a_cut_off_before_the_exits_compares_nothing(measured):
    import datetime as dt

    assert baselines.change(NATIONAL, FILTERS.with_(cutoff=dt.date(2025, 3, 1)), "route", measured) == []


def test_the_cli_prints_the_same_change_by_operator_and_office(measured):
    res = cli(measured, "baselines", "change", "--by", "operator", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    income = next(r for r in rows if r["measure"] == "income_cop")
    assert (income["group"], income["n"], income["entry_mean"], income["change_mean"]) == ("OS1", "2", "700000",
                                                                                           "100000")
    credit = next(r for r in rows if r["measure"] == "credit_access")
    assert (credit["entry_mean"], credit["exit_mean"], credit["improved_pct"]) == ("0", "50", "50")
    res = cli(measured, "baselines", "change", "--by", "territory", "--level", "office", "--format", "csv")
    assert {r["group"] for r in csv.DictReader(io.StringIO(res.output))} == {"NOC"}


# ------------------------------------------------------------------ intake


def test_baselines_loaded_again_change_nothing(measured, tmp_path):
    res = loaded(measured, tmp_path, "baselines", "lineas_base.csv", BASELINES)
    assert "Sin cambios" in res.output
    with get_engine(measured).connect() as conn:
        stored = conn.execute(select(Baseline.moment, Baseline.operator_id, Baseline.municipality_code)).all()
    assert len(stored) == 7 and {m for m, _, _ in stored} == set(CH.MOMENTS)


@pytest.mark.parametrize("line, row, column, fragment", [
    ("INS-3;salida;01/11/2025;950000;;55;;;;;\n", 2, "momento", "sigue en su ruta"),
    ("INS-1;entrada;01/01/2025;800000;;;;;;;\n", 2, "fecha", "anterior al ingreso"),
    ("INS-1;entrada;03/02/2025;800000;;;;12;;;\n", 2, "asociados", "es una medida de la OPR"),
    ("INS-4;entrada;01/03/2025;;;;;;;;\n", 2, "asociados", "ninguna medida"),
    ("INS-9;entrada;01/03/2025;100;;;;;;;\n", 2, "codigo_inscripcion", "no está registrada"),
    ("INS-1;entrada;03/02/2025;800000;;140;;;;;\n", 2, "puntaje_capacidades", ""),
])
def test_a_wrong_baseline_row_refuses_the_whole_file(staged, tmp_path, line, row, column, fragment):
    res = load(staged, tmp_path, "baselines", "lineas_base.csv", HEAD + line)
    refused(res, row, column, fragment)
    with get_engine(staged).connect() as conn:
        assert conn.execute(select(Baseline.id)).first() is None


def test_an_operador_checks_only_its_own_contracts_baselines(staged, tmp_path):
    user = operador_psa(staged)  # PSA holds C-1 (INS-3, INS-4), not C-3 (INS-1)
    ok = load(staged, tmp_path, "baselines", "lineas_base.csv", HEAD + "INS-4;entrada;01/03/2025;;;;;20;;;\n",
              "--dry-run", "--as-user", user)
    assert ok.exit_code == 0, ok.output
    res = load(staged, tmp_path, "baselines", "lineas_base.csv", HEAD + "INS-1;entrada;03/02/2025;1;;;;;;;\n",
               "--dry-run", "--as-user", user)
    refused(res, 2, "codigo_inscripcion", "no es de uno de sus contratos")


def test_the_asset_map_loads_with_its_services_and_exports_back(mapped, tmp_path):
    rows = assets.municipality_assets(NATIONAL, "05001", mapped)
    assert [(r["code"], r["kind"]) for r in rows] == [("MA-1", "mercado"), ("MA-2", "bien_publico")]
    assert rows[1]["alerts"] == 1 and rows[0]["services"] == ("comercializacion",)
    out = tmp_path / "out"
    res = cli(mapped, "export", "data", str(out))
    assert res.exit_code == 0, res.output
    again = cli(mapped, "import", "assets", str(next(out.glob("mapa_activos.*"))))
    assert again.exit_code == 0 and "Sin cambios" in again.output, again.output


@pytest.mark.parametrize("line, column, fragment", [
    ("MA-9;05001;bien_publico;Riego;;;;malo;;01/03/2026\n", "categoria", "lleva categoría"),
    ("MA-9;05001;mercado;Plaza;;;riego;;;01/03/2026\n", "categoria", "Solo un bien público"),
    ("MA-9;05001;bien_publico;Riego;;;riego;;;01/03/2026\n", "estado", "lleva estado"),
])
def test_a_wrong_asset_is_refused_by_column(register, tmp_path, line, column, fragment):
    refused(load(register, tmp_path, "assets", "mapa_activos.csv", ASSETS_HEAD + line), 2, column, fragment)


def test_a_comite_loads_only_its_office_and_never_moves_another_offices_asset(mapped, tmp_path):
    user = comite(mapped, "NOC")
    res = load(mapped, tmp_path, "assets", "mapa_activos.csv",
               ASSETS_HEAD + "MA-7;08001;mercado;Mercado;;;;;;01/03/2026\n", "--as-user", user)
    refused(res, 2, "cod_municipio", "no pertenece a su oficina regional")
    res = load(mapped, tmp_path, "assets", "mapa_activos.csv",
               ASSETS_HEAD + "MA-3;05001;mercado;Otro;;;;;;01/03/2026\n", "--as-user", user)
    refused(res, 2, "codigo_activo", "fuera de su oficina regional")


# ------------------------------------------------------------------ scope


def test_a_comite_reads_neither_another_offices_baselines_nor_its_asset_map(measured, tmp_path):
    loaded(measured, tmp_path, "assets", "mapa_activos.csv", ASSETS)
    car = viewer_for_username(comite(measured, "CAR"), url=measured)
    assert baselines.change(car, FILTERS, None, measured) == []
    assert baselines.coverage(car, FILTERS, measured) == {"entrada": 1, "salida": 0, "both": 0}  # INS-5
    assert assets.municipality_assets(car, "05001", measured) == []
    assert [r["code"] for r in assets.assets(car, FILTERS, url=measured)] == ["MA-3"]
    assert set(assets.map_layer(car, FILTERS, measured)) == set()
    res = cli(measured, "baselines", "change", "--by", "total", "--format", "csv", "--as-user", "comite_car")
    assert res.exit_code == 0 and list(csv.DictReader(io.StringIO(res.output))) == [], res.output
    noc = viewer_for_username(comite(measured, "NOC"), url=measured)
    assert {r.group for r in baselines.change(noc, FILTERS, None, measured)} == {"total"}
    for route, seen in (("basica", {"basica"}), ("intermedia", set())):  # a dirección de ruta: its route only
        director = Viewer("d", Role.DIRECCION_RUTA, route=route)
        assert {r.group for r in baselines.change(director, FILTERS, "route", measured)} == seen
    assert set(assets.map_layer(noc, FILTERS, measured)) == {"05001"}


# ------------------------------------------------------------------ the edit form


def test_an_asset_edit_is_audited_versioned_and_scoped(mapped):
    noc = viewer_for_username(comite(mapped, "NOC"), url=mapped)
    res = asset_edits.add_asset(noc, "05001", {"kind": "centro_acopio", "name": "Acopio La Loma",
                                               "services": ["comercializacion"]}, url=mapped)
    with get_engine(mapped).connect() as conn:
        row = conn.execute(select(TerritorialAsset).where(TerritorialAsset.id == res.id)).one()
        entry = conn.execute(select(AuditLog.action, AuditLog.username)
                             .where(AuditLog.entity == "territorial_asset")).all()
    assert row.code.startswith("MA-05001-") and row.services == "comercializacion" and row.version == 1
    assert [(e.action, e.username) for e in entry] == [("create", "comite_noc")]
    upd = asset_edits.update_asset(noc, res.id, 1, {"kind": "bien_publico", "category": "riego",
                                                    "status": "regular"}, url=mapped)
    assert upd.changed and audit.verify(mapped).ok
    with pytest.raises(ValidationFailed, match="lleva estado"):
        asset_edits.update_asset(noc, res.id, 2, {"status": ""}, url=mapped)
    ma3 = next(r for r in assets.assets(NATIONAL, FILTERS, url=mapped) if r["code"] == "MA-3")
    with pytest.raises(PermissionDenied, match="08001"):
        asset_edits.update_asset(noc, ma3["id"], ma3["version"], {"name": "Otro"}, url=mapped)
    with pytest.raises(PermissionDenied):
        asset_edits.add_asset(noc, "08001", {"kind": "mercado", "name": "Plaza"}, url=mapped)
    assert {a["municipality_code"] for a in asset_edits.editable_assets(noc, url=mapped)} == {"05001"}


def test_the_readme_measures_table_is_the_rule():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- baseline-measures:start -->\n", "<!-- baseline-measures:end -->"
    assert readme[readme.index(start) + len(start):readme.index(end)] == CH.measures_markdown()
