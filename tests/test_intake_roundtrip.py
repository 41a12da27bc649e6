"""Issue 14, acceptance 1: demo seed → ``tablero export data DIR`` → ``tablero import all DIR`` into an
empty migrated store gives the same alliance indicator by office, route funnels and ANS scorecard
summary as the seeded store; a second ``import all`` changes nothing.

The export and the first load run once per store kind (module fixture); each test compares one view.
"""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from cli.main import tablero
from data_access.alliance import queries as alliance
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.intake import export as X
from data_access.routes import funnels
from data_access.sla import queries as sla
from rules import access
from rules.core.calendar import quarter_end
from rules.core.clock import today
from rules.intake import sheets as S
from rules.routes.funnels import Cohort

NATIONAL = Viewer(username="cli", role=access.CONSOLE_ROLE, scope_label="Nacional")
QUARTERS = ("2025Q2", "2026Q1", "2026Q3")


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


@pytest.fixture(scope="module")
def round_trip(demo_store, store_factory, tmp_path_factory):
    """(exported folder, the store it was loaded into, output of the load)."""
    folder = tmp_path_factory.mktemp("export")
    res = cli(demo_store, "export", "data", str(folder))
    assert res.exit_code == 0, res.output
    target = store_factory.new()  # an empty migrated store, as the ``empty_store`` fixture gives
    return folder, target, cli(target, "import", "all", str(folder))


def test_every_exported_file_loads_into_an_empty_store(round_trip):
    _, _, load = round_trip
    assert load.exit_code == 0, load.output
    assert "Archivo rechazado" not in load.output


def _alliance(url) -> list[dict]:
    filters = GlobalFilters(cutoff=today())
    rows = alliance.by_dimension(NATIONAL, filters, "regional_office", url=url)
    rows.append(alliance.indicator(NATIONAL, filters, url=url))
    return [{k: v for k, v in r.as_dict().items() if k != "key"} for r in rows]


def test_the_alliance_indicator_by_office_is_the_seeded_one(demo_store, round_trip):
    _, target, _ = round_trip
    assert _alliance(target) == _alliance(demo_store)


def _funnels(url) -> dict:
    filters = GlobalFilters(cutoff=today())
    return {route: [stage.as_row() for stage in stages]
            for route, stages in funnels.funnel(NATIONAL, filters, Cohort(), url=url).items()}


def test_the_route_funnels_are_the_seeded_ones(demo_store, round_trip):
    _, target, _ = round_trip
    assert _funnels(target) == _funnels(demo_store)


def test_promotions_between_routes_are_the_seeded_ones(demo_store, round_trip):
    _, target, _ = round_trip
    filters = GlobalFilters(cutoff=today())

    def sankey(url):
        return dataclasses.asdict(funnels.sankey(NATIONAL, filters, Cohort(), url=url))

    assert sankey(target) == sankey(demo_store)


def _scorecard(url) -> list[dict]:
    """The ANS summary of ``tablero sla scorecard --summary``: one row per operator and quarter."""
    out = []
    for quarter in QUARTERS:
        filters = GlobalFilters(cutoff=min(quarter_end(quarter), today()))
        frame = sla.scorecard_frame(NATIONAL, filters, (quarter,), url=url)
        frame = frame[frame["quarter"] == quarter]
        scores = sla.score_table(frame, ["operator_code", "operator_name"])
        out += [{"quarter": quarter, **row} for row in scores.round(6).to_dict("records")]
    return out


def test_the_ans_scorecard_summary_is_the_seeded_one(demo_store, round_trip):
    _, target, _ = round_trip
    seeded = _scorecard(demo_store)
    assert seeded and _scorecard(target) == seeded


def _rows(url, sheet: S.Sheet) -> list[dict]:
    frame = X.DataExport(NATIONAL, url).frame(sheet).sort_values(list(sheet.key), ignore_index=True)
    return frame.to_dict("records")


def test_the_loaded_store_exports_the_same_rows_as_the_seeded_one(demo_store, round_trip):
    _, target, _ = round_trip
    for sheet in S.ORDER:
        assert _rows(target, sheet) == _rows(demo_store, sheet), sheet.name


def test_a_second_import_all_changes_nothing(round_trip):
    folder, target, _ = round_trip
    res = cli(target, "import", "all", str(folder))
    assert res.exit_code == 0, res.output
    results = [line for line in res.output.splitlines() if not line.startswith("== ")]
    files = [line for line in res.output.splitlines() if line.startswith("== ")]
    assert len(files) == len(S.ENTITIES)
    assert all(line.startswith("Sin cambios") for line in results), res.output
