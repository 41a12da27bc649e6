"""``tablero routes`` on the hand-built programme of test_funnels_sql (both stores)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import tablero
from data_access.core.auth import create_user
from tests.test_funnels_sql import BARRANQUILLA, CAR_OFFICE, programme  # noqa: F401 (fixture)


@pytest.fixture
def cli(programme, monkeypatch):  # noqa: F811
    url, ids = programme
    monkeypatch.setenv("DATABASE_URL", url)
    create_user("comite", "comite_regional", regional_office_id=CAR_OFFICE, url=url)
    create_user("ana", "analista_pmo", url=url)
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(tablero, ["routes", *args], catch_exceptions=False)
        return result

    return run, ids


def test_funnel_json_csv_and_table(cli):
    run, _ = cli
    out = run("funnel", "--route", "basica", "--cohort", "2024Q1", "--cutoff", "2026-09-30", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["count"] for r in rows] == [5, 5, 3, 4, 4, 3, 3, 2, 1, 1]
    via = next(r for r in rows if r["stage"] == "evaluacion_viabilidad")
    assert via["median_days"] == 12.5 and via["lost_no_viable"] == 1
    csv_out = run("funnel", "--route", "basica", "--cohort", "2024Q1", "--cutoff", "2026-09-30", "--format", "csv")
    assert csv_out.output.splitlines()[0].startswith("route,stage,order,optional,count")
    table = run("funnel", "--cohort", "2024Q1", "--cutoff", "2026-09-30")
    assert "competitividad" in table.output and "evaluacion_capacidades" in table.output


def test_scope_with_as_user(cli):
    run, _ = cli
    out = run("funnel", "--route", "basica", "--cohort", "2024Q1", "--cutoff", "2026-09-30", "--as-user", "comite",
              "--format", "json")
    assert json.loads(out.output)[0]["count"] == 2
    parts = run("participants", "--route", "basica", "--stage", "ingreso", "--cohort", "2024Q1",
                "--cutoff", "2026-09-30", "--as-user", "comite", "--format", "json")
    rows = json.loads(parts.output)
    assert {r["municipality_code"] for r in rows} == {BARRANQUILLA}
    assert all("document_id" not in r for r in rows)
    analyst = json.loads(run("participants", "--route", "basica", "--stage", "ingreso", "--cohort", "2024Q1",
                             "--cutoff", "2026-09-30", "--as-user", "ana", "--format", "json", "--all").output)
    assert len(analyst) == 5 and all(r["document_id"] for r in analyst)
    unknown = run("funnel", "--as-user", "nadie")
    assert unknown.exit_code != 0 and "no existe" in unknown.output


def test_participants_lost_sankey_services_and_errors(cli):
    run, ids = cli
    lost = json.loads(run("participants", "--route", "basica", "--stage", "evaluacion_viabilidad", "--which", "lost",
                          "--reason", "no_viable", "--cutoff", "2026-09-30", "--format", "json").output)
    assert [r["enrolment_id"] for r in lost] == [ids["B2"]]
    sankey = json.loads(run("sankey", "--cohort", "2024Q1", "--cutoff", "2026-09-30", "--format", "json").output)
    assert {"from_kind": "route", "from": "basica", "to_kind": "route", "to": "intermedia", "participants": 1} in sankey
    services = json.loads(run("services", "--cohort", "2024Q1", "--route", "basica", "--cutoff", "2026-09-30",
                              "--format", "json").output)
    assert {r["service"]: r["coverage_pct"] for r in services}["comercializacion"] == 50.0
    bad = run("funnel", "--cohort", "2024T1")
    assert bad.exit_code != 0 and "Trimestre «2024T1» no válido" in bad.output
    no_route = run("participants", "--stage", "ingreso")
    assert no_route.exit_code != 0 and "--route" in no_route.output
    bad_stage = run("participants", "--route", "basica", "--stage", "nada")
    assert bad_stage.exit_code != 0 and "Etapa «nada» desconocida" in bad_stage.output


def test_saved_cohorts_from_the_cli(cli):
    from data_access.core.auth import viewer_for_username
    from data_access.routes.funnels import save_cohort
    from rules.routes.funnels import Cohort

    run, _ = cli
    save_cohort(viewer_for_username("ana"), "Mujeres", Cohort(quarters=("2024Q1",), sex="F"))
    listed = json.loads(run("cohorts", "--as-user", "ana", "--format", "json").output)
    assert listed == [{"name": "Mujeres", "filters": json.dumps({"quarters": ["2024Q1"], "sex": "F"})}]
    out = json.loads(run("funnel", "--saved", "Mujeres", "--route", "basica", "--cutoff", "2026-09-30",
                         "--as-user", "ana", "--format", "json").output)
    assert out[0]["count"] == 3
    missing = run("funnel", "--saved", "Otra", "--as-user", "ana")
    assert missing.exit_code != 0 and "no existe" in missing.output


def test_loop_per_route(cli):
    """One básica participant of 2024Q1 was evaluated «no viable» and left without reformulating."""
    run, _ = cli
    out = run("loop", "--cohort", "2024Q1", "--cutoff", "2026-09-30", "--format", "json")
    assert out.exit_code == 0, out.output
    rows = {r["route"]: r for r in json.loads(out.output)}
    assert list(rows) == ["basica", "intermedia", "competitividad"]
    assert rows["basica"] == {"route": "basica", "participants": 1, "reformulations": 0, "resolved": 0, "in_loop": 0,
                              "exited": 1, "days_lost_median": None, "days_lost_total": 0}
    assert rows["intermedia"]["participants"] == 0
    header = run("loop", "--route", "basica", "--format", "csv").output.splitlines()[0]
    assert header == "route,participants,reformulations,resolved,in_loop,exited,days_lost_median,days_lost_total"
