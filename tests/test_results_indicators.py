"""The indicator catalogue, its one computation and the progress rule (trajectory, status).

Hand-computed trajectories; the catalogue's values equal the overview's headline and the alliance
indicator's own CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import pytest
from click.testing import CliRunner

from cli.main import tablero
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.overview import queries as ov
from data_access.results import indicators
from rules import access
from rules.core.i18n import t as translate
from rules.results import catalog, progress

NATIONAL = Viewer(username="t", role=access.CONSOLE_ROLE, scope_label="Nacional")
CUTOFF = dt.date(2026, 9, 30)
STOCK = catalog.get("hogares_atendidos")
RATE = catalog.get("alianzas_18m")


def _viewer(url: str, username: str) -> Viewer:
    from data_access.core.auth import viewer_for_username

    return viewer_for_username(username, url)


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


# ------------------------------------------------------------------------- the catalogue

def test_every_required_indicator_has_a_sheet_with_both_languages():
    required = {"hogares_atendidos", "hogares_basica", "hogares_intermedia", "opr_atendidas", "pn_ejecutados",
                "cofinanciacion_desembolsada", "alianzas_18m", "ans_cumplimiento", "municipios_atendidos",
                "promociones"}
    assert required <= set(catalog.BY_CODE)
    for ind in catalog.CATALOG:
        for lang in ("es", "en"):
            assert translate(ind.name_key, lang) != ind.name_key
            assert translate(ind.definition_key, lang, year=2026, goal="80 %") != ind.definition_key
        assert ind.direction in (catalog.HIGHER, catalog.LOWER)
        assert ind.aggregation in (catalog.SUM, catalog.RATIO, catalog.DISTINCT)


def test_an_unknown_indicator_is_named_in_spanish():
    with pytest.raises(KeyError, match="Indicador desconocido «foo»"):
        catalog.get("foo")


# ------------------------------------------------------------------- trajectory and status

def test_stock_trajectory_is_linear_within_the_year_from_last_years_end():
    cutoff = dt.date(2026, 6, 30)  # 181 of 365 days
    exp = progress.expected(STOCK, cutoff, 1000, start=400)
    assert exp == pytest.approx(400 + 600 * 181 / 365)  # 697,5
    assert progress.status(STOCK, 690, exp) == progress.ON_TRACK  # 0,989 ≥ 0,9
    assert progress.status(STOCK, 600, exp) == progress.AT_RISK  # 0,860
    assert progress.status(STOCK, 500, exp) == progress.LAGGING  # 0,717 < 0,75
    assert progress.pct_of(STOCK, 600, 1000) == pytest.approx(60.0)


def test_quarterly_targets_replace_the_yearly_line():
    # Q2 runs 1 April – 30 June (91 days); 15 May is its 45th day: from Q1's 100 towards Q2's 300
    exp = progress.expected(STOCK, dt.date(2026, 5, 15), 1000, {1: 100, 2: 300}, start=0)
    assert exp == pytest.approx(100 + 200 * 45 / 91)
    assert progress.expected(STOCK, dt.date(2026, 6, 30), None, {2: 300}, start=50) == pytest.approx(300)
    assert progress.expected(STOCK, dt.date(2026, 12, 31), None, {}, start=50) is None


def test_a_rate_is_held_to_its_target_and_small_denominators_are_not_rated():
    assert progress.expected(RATE, dt.date(2026, 3, 1), 80) == 80
    assert progress.expected(RATE, dt.date(2026, 8, 1), 80, {3: 70}) == 70
    assert progress.status(RATE, 70, 80, denominator=40) == progress.AT_RISK  # 0,875
    assert progress.status(RATE, 70, 80, denominator=3) == progress.SMALL_N
    assert progress.status(RATE, None, 80, denominator=0) == progress.NO_DATA
    assert progress.status(RATE, 70, None) == progress.NO_TARGET


def test_lower_is_better_and_the_thresholds_are_settings(monkeypatch):
    lower = replace(STOCK, direction=catalog.LOWER, stock=False)
    assert progress.status(lower, 9, 10) == progress.ON_TRACK
    assert progress.status(lower, 12, 10) == progress.AT_RISK  # 10/12 = 0,83
    assert progress.status(lower, 20, 10) == progress.LAGGING  # 0,5
    assert progress.pct_of(lower, 20, 10) == pytest.approx(50.0)
    monkeypatch.setenv(progress.AT_RISK_ENV, "0,8")
    monkeypatch.setenv(progress.LAGGING_ENV, "0.5")
    assert progress.status(lower, 12, 10) == progress.ON_TRACK
    assert progress.status(STOCK, 60, 100) == progress.AT_RISK
    monkeypatch.setenv(progress.AT_RISK_ENV, "mucho")
    with pytest.raises(ValueError, match="TABLERO_TARGET_AT_RISK"):
        progress.at_risk()


def test_every_status_has_an_icon_and_words():
    for status in progress.STATUSES:
        assert progress.ICONS[status]
        for lang in ("es", "en"):
            assert translate(f"indicators.status.{status}", lang) != f"indicators.status.{status}"


# ------------------------------------------------------------------ one computation, in store

def test_the_catalogue_values_are_the_overview_headline(demo_store):
    filters = GlobalFilters(cutoff=CUTOFF)
    head = ov.headline(NATIONAL, filters, url=demo_store)
    vals = indicators.values(NATIONAL, filters, url=demo_store)
    assert vals == indicators.from_headline(head, indicators.promotions(NATIONAL, filters, demo_store))
    for ind in catalog.CATALOG:
        if ind.metric in head.values:
            assert vals[ind.code].value == pytest.approx(head.values[ind.metric][0])
    assert vals["hogares_basica"].value == head.households_by_route["basica"][0]
    assert vals["promociones"].value > 0
    assert indicators.value("opr_atendidas", NATIONAL, filters, demo_store) == vals["opr_atendidas"]


@pytest.mark.parametrize("narrow", [{}, {"department_code": "05", "period_start": dt.date(2026, 1, 1)},
                                    {"route": "basica"}])
def test_values_at_several_dates_are_the_headline_at_each_date(demo_store, narrow):
    filters = GlobalFilters(cutoff=CUTOFF, **narrow)
    dates = [CUTOFF, dt.date(2025, 9, 30), dt.date(2025, 12, 31), dt.date(2026, 5, 17)]
    at = indicators.values_at(NATIONAL, filters, dates, demo_store, stock_only=(dt.date(2025, 12, 31),))
    for day in dates:
        f = filters.with_(cutoff=day)
        alone = indicators.from_headline(ov.headline(NATIONAL, f, url=demo_store),
                                         indicators.promotions(NATIONAL, f, demo_store))
        if day == dt.date(2025, 12, 31):  # a stock's start: the flows are not computed
            assert {c: v for c, v in at[day].items() if catalog.get(c).stock} == \
                {c: v for c, v in alone.items() if catalog.get(c).stock}
            assert all(v.value is None for c, v in at[day].items() if not catalog.get(c).stock)
        else:
            assert at[day] == alone, day
    assert at[CUTOFF]["hogares_atendidos"].value != at[dt.date(2025, 9, 30)]["hogares_atendidos"].value


def test_the_overview_cards_show_the_catalogue_values(demo_store):
    from exports.content import ViewContext, overview_figures
    from rules.core.formatting import fmt_int

    filters = GlobalFilters(cutoff=CUTOFF)
    figs = {f.key: f for f in overview_figures(ViewContext(NATIONAL, filters, url=demo_store),
                                               ov.headline(NATIONAL, filters, url=demo_store))}
    vals = indicators.values(NATIONAL, filters, url=demo_store)
    assert figs["households"].value == fmt_int(vals["hogares_atendidos"].value)
    assert figs["municipalities_attended"].value == fmt_int(vals["municipios_atendidos"].value)


def test_alianzas_18m_equals_the_alliance_cli_total(demo_store):
    res = cli(demo_store, "indicator", "alliance", "--as-of", CUTOFF.isoformat(), "--format", "csv")
    assert res.exit_code == 0, res.output
    total = next(r for r in csv.DictReader(io.StringIO(res.output)) if r["group"] == "total")
    sc = cli(demo_store, "scorecard", "--year", "2026", "--as-of", CUTOFF.isoformat(), "--by", "national",
             "--format", "csv")
    assert sc.exit_code == 0, sc.output
    row = next(r for r in csv.DictReader(io.StringIO(sc.output)) if r["indicator"] == "alianzas_18m")
    assert row["group"] == "nacional" and row["value"] == total["percent"] != ""
    value = indicators.value("alianzas_18m", NATIONAL, GlobalFilters(cutoff=CUTOFF), demo_store)
    assert (value.numerator, value.denominator) == (int(total["numerator"]), int(total["denominator"]))


def test_by_group_adds_up_for_sums_and_stays_in_scope(demo_store):
    filters = GlobalFilters(cutoff=CUTOFF)
    offices = indicators.by_group("pn_ejecutados", NATIONAL, filters, "oficina_regional", demo_store)
    total = indicators.value("pn_ejecutados", NATIONAL, filters, demo_store).value
    assert len(offices) > 1 and sum(v.value for _, v in offices) == total
    comite = _viewer(demo_store, "comite")
    groups = indicators.groups(comite, filters, "oficina_regional", demo_store)
    assert [g.filters.regional_office_id for g in groups] == [comite.regional_office_id]


def test_the_readme_catalogue_table_is_the_catalogue():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- indicator-catalogue:start -->\n", "<!-- indicator-catalogue:end -->"
    assert readme[readme.index(start) + len(start):readme.index(end)] == catalog.catalogue_markdown()


def test_indicator_value_cli_equals_the_scorecard_and_adds_up(demo_store):
    sc = {r["indicator"]: r for r in csv.DictReader(io.StringIO(cli(
        demo_store, "scorecard", "--year", "2026", "--as-of", CUTOFF.isoformat(), "--by", "national",
        "--format", "csv").output))}
    for code in ("hogares_atendidos", "promociones", "cofinanciacion_desembolsada"):
        res = cli(demo_store, "indicator", "value", code, "--as-of", CUTOFF.isoformat(), "--by", "regional_office",
                  "--format", "csv")
        assert res.exit_code == 0, res.output
        rows = list(csv.DictReader(io.StringIO(res.output)))
        total = float(rows[-1]["value"])
        assert rows[-1]["group"] == "total" and total == float(sc[code]["value"])
        if catalog.get(code).aggregation == catalog.SUM:
            assert sum(float(r["value"]) for r in rows[:-1]) == total
