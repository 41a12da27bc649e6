"""Intake of targeting, territorial alerts, ANS definitions and ANS reports through
``tablero import``: every reference and rule checked by sheet, row and column, nothing
written when anything is wrong, a file loaded again changes nothing, and each uploader
loads only its own scope (a comité its office's municipalities, an operador its contracts)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.core.auth import create_user
from data_access.core.db import get_engine
from data_access.core.models import (
    ImportBatch,
    Operator,
    RegionalOffice,
    SlaDefinition,
    SlaMeasurement,
    Targeting,
    TerritorialAlert,
)
from rules.core.catalog import Role
from tests.test_intake_programme import cli, count, load_register, write

TARGETING = ("cod_municipio;anio;priorizado;poblacion_objetivo;puntaje_pobreza;puntaje_ruralidad;puntaje_victimas;"
             "puntaje_productivo;puntaje_total\n"
             "05001;2025;si;1200;72,5;80;45;60;66,1\n"
             "05001;2026;no;0;70;79;44;61;64\n"
             "08001;2026;sí;900;65;40;55;50;54,75\n")
ALERTS = ("codigo_alerta;cod_municipio;categoria;severidad;estado;descripcion;fecha_apertura;fecha_cierre\n"
          "AL-1;05001;vias_terciarias;alta;abierta;Vía veredal intransitable;15/03/2026;\n"
          "AL-2;08001;riego;media;cerrada;Distrito de riego reparado;01/02/2025;30/06/2025\n"
          "AL-3;05001;Electrificación;baja;en_gestion;;2026-05-10;\n")
DEFINITIONS = ("codigo_ans;ruta;servicio;nombre;descripcion;tipo;clave_derivada;unidad;meta;direccion;tolerancia;"
               "peso;frecuencia\n"
               "AT-INT-01;intermedia;asistencia_tecnica;Visitas de asistencia técnica;Visitas realizadas / "
               "programadas;reportado;;%;90;mayor_mejor;5;1;trimestral\n"
               "AT-INT-02;intermedia;asistencia_tecnica;Días a la primera visita;;derivado;"
               "dias_ingreso_primera_asistencia;dias;30;menor_mejor;;;\n"
               "MO-BAS-01;basica;monitoreo;Informes de monitoreo;;reportado;;numero;3;mayor_mejor;1;2;trimestral\n"
               "FI-INT-01;intermedia;financieros;Créditos gestionados;;reportado;;%;50;mayor_mejor;;;\n")
REPORTS = ("codigo_ans;codigo_contrato;trimestre;valor;soporte;fecha_reporte\n"
           "AT-INT-01;C-1;2025Q3;92,5;Informe 2025Q3;10/10/2025\n"
           "AT-INT-01;C-1;2025Q4;;;\n"
           "MO-BAS-01;C-2;2025Q2;4;Informe de monitoreo;\n")
TODAY = dt.date(2026, 11, 23)  # TABLERO_TODAY of the test session (tests/conftest.py)


def load(url, tmp_path, entity, name, text, *extra):
    return cli(url, "import", entity, str(write(tmp_path, name, text)), *extra)


def rows(url, *columns, order_by=None):
    with get_engine(url).connect() as conn:
        return conn.execute(select(*columns).order_by(*(order_by or columns))).all()


def reports(url):
    """(ANS code, quarter, value, evidence, reported_by, reported_on) of every stored report."""
    m = SlaMeasurement
    with get_engine(url).connect() as conn:
        return conn.execute(select(SlaDefinition.code, m.quarter, m.value, m.evidence_ref, m.reported_by,
                                   m.reported_on).join(SlaDefinition, SlaDefinition.id == m.definition_id)
                            .order_by(SlaDefinition.code, m.quarter)).all()


def office_id(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == code)).scalar()


def operator_id(url, code):
    with get_engine(url).connect() as conn:
        return conn.execute(select(Operator.id).where(Operator.code == code)).scalar()


def comite_noc(url):
    """A comité of the oficina regional NOC (municipality 05001; 08001 is CAR's)."""
    create_user("comite_noc", Role.COMITE_REGIONAL, display_name="Comité NOC", regional_office_id=office_id(url, "NOC"),
                url=url)
    return "comite_noc"


def operador_psa(url):
    """An operador of PSA, whose only contract is C-1 (C-2 is OS1's)."""
    create_user("operador_psa", Role.OPERADOR, display_name="Operador PSA", operator_id=operator_id(url, "PSA"),
                url=url)
    return "operador_psa"


def refused(res, row, column, fragment):
    assert res.exit_code == 1, res.output
    assert "No se guardó nada" in res.output
    line = next((x for x in res.output.splitlines() if f"fila {row}," in x and f"«{column}»" in x), None)
    assert line is not None, res.output
    assert fragment in line, line


@pytest.fixture
def register(empty_store, tmp_path):
    """Operators PSA and OS1, offices NOC (05001) and CAR (08001), contracts C-1 (PSA, intermedia, NOC,
    from 01/02/2025, asistencia técnica and comercialización) and C-2 (OS1, básica, CAR, monitoreo)."""
    load_register(empty_store, tmp_path)
    return empty_store


@pytest.fixture
def definitions(register, tmp_path):
    res = load(register, tmp_path, "sla-definitions", "ans_definiciones.csv", DEFINITIONS)
    assert res.exit_code == 0, res.output
    return register


# ------------------------------------------------------------------ targeting


def test_targeting_loads_by_municipality_and_year(register, tmp_path):
    res = load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING)
    assert res.exit_code == 0, res.output
    assert "3 nuevos" in res.output
    got = rows(register, Targeting.municipality_code, Targeting.year, Targeting.prioritised,
               Targeting.target_population, Targeting.total_score)
    assert got == [("05001", 2025, True, 1200, 66.1), ("05001", 2026, False, 0, 64.0),
                   ("08001", 2026, True, 900, 54.75)]


def test_targeting_loaded_again_changes_nothing(register, tmp_path):
    load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING)
    before = count(register, ImportBatch)
    res = load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING)
    assert res.exit_code == 0 and "Sin cambios" in res.output
    assert count(register, ImportBatch) == before


def test_targeting_of_an_unknown_municipality_rejects_the_file(register, tmp_path):
    res = load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING + "99999;2026;si;10;1;1;1;1;1\n")
    refused(res, 5, "cod_municipio", "99999")
    assert count(register, Targeting) == 0


def test_targeting_year_outside_the_programme_rejects_the_file(register, tmp_path):
    res = load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING + "08001;2010;si;10;1;1;1;1;1\n")
    refused(res, 5, "anio", "2010")
    assert count(register, Targeting) == 0


def test_a_comite_loads_targeting_of_its_own_municipalities(register, tmp_path):
    own = "".join(line + "\n" for line in TARGETING.splitlines() if not line.startswith("08001"))
    res = load(register, tmp_path, "targeting", "focalizacion.csv", own, "--as-user", comite_noc(register))
    assert res.exit_code == 0, res.output
    assert rows(register, Targeting.municipality_code, Targeting.year) == [("05001", 2025), ("05001", 2026)]


def test_a_comite_loading_another_office_municipality_is_refused_whole(register, tmp_path):
    res = load(register, tmp_path, "targeting", "focalizacion.csv", TARGETING, "--as-user", comite_noc(register))
    refused(res, 4, "cod_municipio", "08001")
    assert count(register, Targeting) == 0


# ------------------------------------------------------------------ alerts


def test_alerts_load_by_their_code(register, tmp_path):
    res = load(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    assert res.exit_code == 0, res.output
    got = rows(register, TerritorialAlert.code, TerritorialAlert.municipality_code, TerritorialAlert.category,
               TerritorialAlert.status, TerritorialAlert.opened_on, TerritorialAlert.closed_on,
               order_by=[TerritorialAlert.code])
    assert got == [("AL-1", "05001", "vias_terciarias", "abierta", dt.date(2026, 3, 15), None),
                   ("AL-2", "08001", "riego", "cerrada", dt.date(2025, 2, 1), dt.date(2025, 6, 30)),
                   ("AL-3", "05001", "electrificacion", "en_gestion", dt.date(2026, 5, 10), None)]


def test_alerts_loaded_again_change_nothing(register, tmp_path):
    load(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    before = count(register, ImportBatch)
    res = load(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    assert res.exit_code == 0 and "Sin cambios" in res.output
    assert count(register, ImportBatch) == before


def test_a_changed_alert_is_updated_by_its_code(register, tmp_path):
    load(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    closed = ALERTS.replace("AL-1;05001;vias_terciarias;alta;abierta;Vía veredal intransitable;15/03/2026;",
                            "AL-1;05001;vias_terciarias;alta;cerrada;Vía reparada;15/03/2026;20/10/2026")
    res = load(register, tmp_path, "alerts", "alertas.csv", closed)
    assert "1 actualizados" in res.output and "2 sin cambios" in res.output
    assert rows(register, TerritorialAlert.status, TerritorialAlert.closed_on, TerritorialAlert.version,
                order_by=[TerritorialAlert.code])[0] == ("cerrada", dt.date(2026, 10, 20), 2)


@pytest.mark.parametrize("line, fragment", [
    ("AL-9;05001;riego;alta;cerrada;;01/02/2025;", "necesita su fecha de cierre"),
    ("AL-9;05001;riego;alta;abierta;;01/02/2025;01/03/2025", "solo una alerta cerrada"),
    ("AL-9;05001;riego;alta;cerrada;;01/02/2025;01/01/2025", "es anterior a"),
], ids=["closed-without-date", "open-with-date", "closed-before-opened"])
def test_an_alert_breaking_the_closing_rules_rejects_the_file(register, tmp_path, line, fragment):
    res = load(register, tmp_path, "alerts", "alertas.csv", ALERTS + line + "\n")
    refused(res, 5, "fecha_cierre", fragment)
    assert count(register, TerritorialAlert) == 0


def test_an_alert_of_an_unknown_municipality_rejects_the_file(register, tmp_path):
    res = load(register, tmp_path, "alerts", "alertas.csv", ALERTS + "AL-9;99999;riego;alta;abierta;;01/02/2025;\n")
    refused(res, 5, "cod_municipio", "99999")
    assert count(register, TerritorialAlert) == 0


def test_a_stored_alert_keeps_its_municipality(register, tmp_path):
    load(register, tmp_path, "alerts", "alertas.csv", ALERTS)
    moved = ALERTS.replace("AL-3;05001", "AL-3;08001")
    res = load(register, tmp_path, "alerts", "alertas.csv", moved)
    refused(res, 4, "codigo_alerta", "05001")
    assert rows(register, TerritorialAlert.municipality_code, order_by=[TerritorialAlert.code])[2] == ("05001",)


def test_a_comite_loading_an_alert_of_another_office_is_refused_whole(register, tmp_path):
    res = load(register, tmp_path, "alerts", "alertas.csv", ALERTS, "--as-user", comite_noc(register))
    refused(res, 3, "cod_municipio", "08001")
    assert count(register, TerritorialAlert) == 0


def test_a_comite_loads_alerts_of_its_own_municipalities(register, tmp_path):
    own = "".join(line + "\n" for line in ALERTS.splitlines() if ";08001;" not in line)
    res = load(register, tmp_path, "alerts", "alertas.csv", own, "--as-user", comite_noc(register))
    assert res.exit_code == 0, res.output
    assert rows(register, TerritorialAlert.code) == [("AL-1",), ("AL-3",)]


# ------------------------------------------------------------------ ANS definitions


def test_sla_definitions_load_by_their_code(register, tmp_path):
    res = load(register, tmp_path, "sla-definitions", "ans_definiciones.csv", DEFINITIONS)
    assert res.exit_code == 0, res.output
    got = rows(register, SlaDefinition.code, SlaDefinition.kind, SlaDefinition.derived_key, SlaDefinition.unit,
               SlaDefinition.direction, SlaDefinition.tolerance, SlaDefinition.weight)
    assert got == [("AT-INT-01", "reported", None, "%", "higher", 5.0, 1.0),
                   ("AT-INT-02", "derived", "dias_ingreso_primera_asistencia", "días", "lower", 0.0, 1.0),
                   ("FI-INT-01", "reported", None, "%", "higher", 0.0, 1.0),
                   ("MO-BAS-01", "reported", None, "número", "higher", 1.0, 2.0)]


def test_sla_definitions_loaded_again_change_nothing(definitions, tmp_path):
    before = count(definitions, ImportBatch)
    res = load(definitions, tmp_path, "sla-definitions", "ans_definiciones.csv", DEFINITIONS)
    assert res.exit_code == 0 and "Sin cambios" in res.output
    assert count(definitions, ImportBatch) == before


@pytest.mark.parametrize("line, column, fragment", [
    ("XX-1;intermedia;asistencia_tecnica;Sin cálculo;;derivado;;%;90;mayor_mejor;;;", "clave_derivada",
     "necesita su «clave_derivada»"),
    ("XX-2;intermedia;asistencia_tecnica;Con cálculo;;reportado;pct_cobertura_servicio;%;90;mayor_mejor;;;",
     "clave_derivada", "no lleva «clave_derivada»"),
    ("XX-3;intermedia;asistencia_tecnica;Meta imposible;;reportado;;%;150;mayor_mejor;;;", "meta", "de 0 a 100"),
], ids=["derived-without-key", "reported-with-key", "percent-target-over-100"])
def test_a_sla_definition_breaking_its_rules_rejects_the_file(register, tmp_path, line, column, fragment):
    res = load(register, tmp_path, "sla-definitions", "ans_definiciones.csv", DEFINITIONS + line + "\n")
    refused(res, 6, column, fragment)
    assert count(register, SlaDefinition) == 0


def test_a_sla_definition_with_reports_keeps_its_route(definitions, tmp_path):
    load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS)
    res = load(definitions, tmp_path, "sla-definitions", "ans_definiciones.csv",
               DEFINITIONS.replace("AT-INT-01;intermedia", "AT-INT-01;basica"))
    refused(res, 2, "ruta", "ya tiene valores reportados")
    assert rows(definitions, SlaDefinition.route, order_by=[SlaDefinition.code])[0] == ("intermedia",)


# ------------------------------------------------------------------ ANS reports


def test_sla_reports_load_with_their_reporter_and_date(definitions, tmp_path):
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS)
    assert res.exit_code == 0, res.output
    assert reports(definitions) == [("AT-INT-01", "2025Q3", 92.5, "Informe 2025Q3", "cli", dt.date(2025, 10, 10)),
                   ("AT-INT-01", "2025Q4", None, "", "cli", TODAY),
                   ("MO-BAS-01", "2025Q2", 4.0, "Informe de monitoreo", "cli", TODAY)]


def test_sla_reports_loaded_again_later_change_nothing(definitions, tmp_path, monkeypatch):
    load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS)
    monkeypatch.setenv("TABLERO_TODAY", (TODAY + dt.timedelta(days=3)).isoformat())
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS)
    assert res.exit_code == 0 and "Sin cambios" in res.output
    assert {r.reported_on for r in rows(definitions, SlaMeasurement.reported_on)} == {dt.date(2025, 10, 10), TODAY}


def test_a_changed_sla_value_is_reported_again_by_its_uploader(definitions, tmp_path, monkeypatch):
    load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS)
    monkeypatch.setenv("TABLERO_TODAY", (TODAY + dt.timedelta(days=3)).isoformat())
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS.replace("2025Q4;;;", "2025Q4;88;;"))
    assert "1 actualizados" in res.output and "2 sin cambios" in res.output
    assert reports(definitions)[1] == ("AT-INT-01", "2025Q4", 88.0, "", "cli", TODAY + dt.timedelta(days=3))


@pytest.mark.parametrize("line, column, fragment", [
    ("AT-INT-01;C-9;2025Q3;90;;", "codigo_contrato", "no está registrado"),
    ("XX-9;C-1;2025Q3;90;;", "codigo_ans", "no está registrado"),
    ("MO-BAS-01;C-1;2025Q3;3;;", "codigo_ans", "ruta"),
    ("FI-INT-01;C-1;2025Q3;50;;", "codigo_ans", "no presta el servicio"),
    ("AT-INT-02;C-1;2025Q3;20;;", "codigo_ans", "derivado"),
    ("AT-INT-01;C-1;2024Q4;90;;", "trimestre", "fuera de la vigencia del contrato «C-1»"),
    ("AT-INT-01;C-1;2025Q1;120;;", "valor", "100"),
    ("AT-INT-01;C-1;2025Q1;90;;15/12/2024", "fecha_reporte", "anterior al inicio del trimestre"),
], ids=["unknown-contract", "unknown-definition", "other-route", "service-not-in-contract", "derived",
        "quarter-before-contract", "percent-over-100", "reported-before-quarter"])
def test_a_bad_sla_report_rejects_the_file(definitions, tmp_path, line, column, fragment):
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS + line + "\n")
    refused(res, 5, column, fragment)
    assert count(definitions, SlaMeasurement) == 0


def test_an_operador_loads_reports_of_its_own_contracts(definitions, tmp_path):
    own = "".join(line + "\n" for line in REPORTS.splitlines() if ";C-2;" not in line)
    user = operador_psa(definitions)
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", own, "--as-user", user)
    assert res.exit_code == 1 and "--quarter" in res.output  # an operator's file goes into its report
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", own, "--as-user", user, "--quarter", "2025Q4")
    assert res.exit_code == 0, res.output
    assert "Agregado al reporte T4 2025 (borrador)" in res.output and count(definitions, SlaMeasurement) == 0
    report = res.output.split("(reporte ")[1].split(",")[0]
    assert cli(definitions, "reports", "submit", report, "--as-user", user).exit_code == 0
    create_user("pmo", Role.ANALISTA_PMO, url=definitions)
    res = cli(definitions, "reports", "approve", report, "--as-user", "pmo")
    assert res.exit_code == 0, res.output
    assert rows(definitions, SlaMeasurement.quarter, SlaMeasurement.reported_by) == [("2025Q3", user),
                                                                                     ("2025Q4", user)]


def test_an_operador_loading_another_operators_contract_is_refused_whole(definitions, tmp_path):
    res = load(definitions, tmp_path, "sla-reports", "ans_reportes.csv", REPORTS, "--as-user",
               operador_psa(definitions), "--quarter", "2025Q4")
    refused(res, 4, "codigo_contrato", "no es uno de sus contratos")
    assert count(definitions, SlaMeasurement) == 0


# ------------------------------------------------------------------ who may load


@pytest.mark.parametrize("entity, name, text", [
    ("targeting", "focalizacion.csv", TARGETING), ("alerts", "alertas.csv", ALERTS),
    ("sla-definitions", "ans_definiciones.csv", DEFINITIONS), ("sla-reports", "ans_reportes.csv", REPORTS),
], ids=["targeting", "alerts", "sla-definitions", "sla-reports"])
def test_a_directivo_may_not_load(definitions, tmp_path, entity, name, text):
    create_user("dir", Role.DIRECTIVO, display_name="Directivo", url=definitions)
    before = count(definitions, ImportBatch)
    res = load(definitions, tmp_path, entity, name, text, "--as-user", "dir")
    assert res.exit_code != 0 and "no puede cargar" in res.output
    assert count(definitions, ImportBatch) == before
    assert count(definitions, Targeting) == count(definitions, TerritorialAlert) == 0
    assert count(definitions, SlaMeasurement) == 0
