"""Targets («metas») through the intake drive the scorecard; bad rows are refused in Spanish;
``tablero scorecard`` prints the page's data; a comité sees its own office. Both stores."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import tablero
from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import RegionalOffice, Target
from data_access.core.scope import Viewer
from data_access.results import indicators, targets
from rules import access
from rules.results import catalog, progress

NATIONAL = Viewer(username="t", role=access.CONSOLE_ROLE, scope_label="Nacional")
CUTOFF = dt.date(2026, 9, 30)  # the end of Q3: a Q3 target is the expected value itself
HEADER = "indicador,anio,trimestre,nivel,codigo_territorio,meta\n"


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def _csv(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def _office(url: str, code: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(RegionalOffice.id).where(RegionalOffice.code == code))


def test_imported_targets_drive_the_scorecard(demo_store_rw, tmp_path):
    url = demo_store_rw
    car = GlobalFilters(cutoff=CUTOFF, regional_office_id=_office(url, "CAR"))
    hh = indicators.value("hogares_atendidos", NATIONAL, car, url).value
    opr = indicators.value("opr_atendidas", NATIONAL, car, url).value
    assert hh and opr
    path = tmp_path / "metas.csv"
    path.write_text(HEADER + f"hogares_atendidos,2026,,oficina_regional,CAR,{int(hh) * 2}\n"
                    f"hogares_atendidos,2026,3,oficina_regional,CAR,{int(hh)}\n"
                    f"opr_atendidas,2026,3,oficina_regional,CAR,{int(opr) * 2}\n", encoding="utf-8")
    res = cli(url, "import", "targets", str(path), "--as-user", "admin")
    assert res.exit_code == 0, res.output
    assert "metas:" in res.output
    rows = {r["indicator"]: r for r in _csv(cli(url, "scorecard", "--year", "2026", "--as-of", "2026-09-30",
                                                 "--by", "regional_office", "--format", "csv").output)
            if r["group"] == "CAR"}
    # Q3's target at Q3's end is the expected value: the value equals it → en meta; 50 % of the year's
    assert rows["hogares_atendidos"] == {"group": "CAR", "indicator": "hogares_atendidos", "value": str(int(hh)),
                                         "target": str(int(hh) * 2), "pct_target": "50.0",
                                         "status": progress.ON_TRACK}
    # a Q3 target beside the demo's year target: at Q3's end half the expected value → rezagado
    assert rows["opr_atendidas"]["status"] == progress.LAGGING
    # a second load of the same file changes nothing
    again = cli(url, "import", "targets", str(path), "--as-user", "admin")
    assert again.exit_code == 0 and "Sin cambios" in again.output


@pytest.mark.parametrize(("row", "column", "words"), [
    ("foo,2026,,nacional,,10", "indicador", "no es un valor permitido"),
    ("hogares_atendidos,2026,,oficina_regional,XYZ,10", "codigo_territorio", "La oficina regional «XYZ» no existe"),
    ("hogares_atendidos,2026,5,nacional,,10", "trimestre", "escriba un valor entre 1 y 4"),
    ("hogares_atendidos,2026,,nacional,,-3", "meta", "mayor o igual a 0"),
    ("hogares_atendidos,2026,,departamento,00,10", "codigo_territorio", "El departamento «00» no existe"),
    ("hogares_atendidos,2026,,nacional,CAR,10", "codigo_territorio", "Una meta nacional no lleva territorio"),
])
def test_bad_target_rows_are_refused_in_spanish(empty_store, tmp_path, row, column, words):
    path = tmp_path / "metas.csv"
    path.write_text(HEADER + "pn_ejecutados,2026,,nacional,,10\n" + row + "\n", encoding="utf-8")
    res = cli(empty_store, "import", "targets", str(path))
    assert res.exit_code != 0
    assert "Archivo rechazado" in res.output and f"columna «{column}»" in res.output and words in res.output
    with get_engine(empty_store).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Target)) == 0


def test_a_comite_may_not_load_targets(demo_store_rw, tmp_path):
    path = tmp_path / "metas.csv"
    path.write_text(HEADER + "pn_ejecutados,2026,,nacional,,10\n", encoding="utf-8")
    res = CliRunner().invoke(tablero, ["import", "targets", str(path), "--as-user", "comite"],
                             env={"DATABASE_URL": demo_store_rw})
    assert res.exit_code != 0


def test_the_cli_prints_the_scorecard_data_function(demo_store):
    res = cli(demo_store, "scorecard", "--year", "2026", "--as-of", "2026-09-30", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == "group,indicator,value,target,pct_target,status"
    printed = _csv(res.output)
    cells = targets.scorecard(NATIONAL, GlobalFilters(cutoff=CUTOFF), "oficina_regional", demo_store)
    assert [(r["group"], r["indicator"], r["status"]) for r in printed] == \
        [(c.group, c.indicator, c.status) for c in cells]
    for r, c in zip(printed, cells):
        assert (float(r["target"]) if r["target"] else None) == c.target
        assert (round(float(r["pct_target"]), 1) if r["pct_target"] else None) == \
            (round(c.pct_target, 1) if c.pct_target is not None else None)
    statuses = {r["status"] for r in printed}
    assert progress.ON_TRACK in statuses and len(statuses - {progress.NO_TARGET}) > 1  # demo targets


def test_each_scorecard_cell_is_the_indicator_of_its_group_now_and_a_year_earlier(demo_store):
    filters = GlobalFilters(cutoff=CUTOFF)
    cells = targets.scorecard(NATIONAL, filters, "oficina_regional", url=demo_store)
    groups = {g.code: g for g in indicators.groups(NATIONAL, filters, "oficina_regional", demo_store)}
    assert {c.group for c in cells} == set(groups) and len(groups) > 1
    for code, group in groups.items():
        now = indicators.values(NATIONAL, group.filters, demo_store)
        before = indicators.values(NATIONAL, group.filters.with_(cutoff=dt.date(2025, 9, 30)), demo_store)
        for cell in (c for c in cells if c.group == code):
            assert (cell.value, cell.numerator, cell.denominator) == (
                now[cell.indicator].value, now[cell.indicator].numerator, now[cell.indicator].denominator)
            assert cell.last_year == before[cell.indicator].value


def test_a_comite_sees_only_its_office_in_the_scorecard(demo_store):
    comite = viewer_for_username("comite", demo_store)
    res = cli(demo_store, "scorecard", "--year", "2026", "--as-of", "2026-09-30", "--format", "csv",
              "--as-user", "comite")
    assert res.exit_code == 0, res.output
    with get_engine(demo_store).connect() as conn:
        code = conn.scalar(select(RegionalOffice.code).where(RegionalOffice.id == comite.regional_office_id))
    assert {r["group"] for r in _csv(res.output)} == {code}
    deps = cli(demo_store, "scorecard", "--year", "2026", "--as-of", "2026-09-30", "--format", "csv",
               "--by", "department", "--as-user", "comite")
    visible = {g.code for g in indicators.groups(comite, GlobalFilters(cutoff=CUTOFF), "departamento", demo_store)}
    assert {r["group"] for r in _csv(deps.output)} == visible


def test_the_as_of_date_must_be_in_the_year(demo_store):
    res = CliRunner().invoke(tablero, ["scorecard", "--year", "2025", "--as-of", "2026-09-30"],
                             env={"DATABASE_URL": demo_store})
    assert res.exit_code != 0 and "no es del año 2025" in res.output


@pytest.mark.parametrize("username", ["directivo", "comite"])
def test_the_stocks_a_target_starts_from_are_the_indicators_at_the_year_start(demo_store, username):
    from data_access.overview import queries as ov

    viewer = viewer_for_username(username, demo_store)
    filters = GlobalFilters(cutoff=CUTOFF)
    start = indicators.values(viewer, filters.with_(cutoff=dt.date(2025, 12, 31)), demo_store)
    head = ov.headline(viewer, filters, demo_store)  # its scans reach the year's start too
    assert dt.date(2025, 12, 31) in head.figures.dates
    for stocks in (targets.stocks_at_year_start(viewer, filters, demo_store),
                   targets.stocks_at_year_start(viewer, filters, demo_store, head)):
        stock_codes = [i.code for i in catalog.CATALOG if i.stock]
        assert {c: stocks[c].value for c in stock_codes} == {c: start[c].value for c in stock_codes}
        assert any(stocks[c].value for c in stock_codes)
    current = indicators.from_headline(head, indicators.promotions(viewer, filters, demo_store))
    current = {c: v for c, v in current.items() if v.value is not None}
    goals = targets.progress_of(viewer, filters, current, demo_store, head)
    assert any(catalog.get(code).stock for code in goals)  # demo targets: a stock's expected value uses the start
    assert goals == targets.progress_of(viewer, filters, current, demo_store)
