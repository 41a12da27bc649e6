"""The governance roles of seed 000 §2.2–2.3 on both stores.

A dirección de ruta (demo account ``direccion_basica``) reads its route nationwide: every query
gives it what a national viewer reads with the route filter on básica, and nothing of the other
routes (the page, download, pack and CLI sweep with its oracle is in ``tests/test_scope_pages.py``);
its account needs a route. The Unidad Ejecutora approves reports and closes quarters; the
Dirección Técnica edits targeting but no business plan; both read national figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import AppUser, BusinessPlan, Enrolment, Targeting
from data_access.edits import accounts as account_edits
from data_access.edits.common import PermissionDenied, ValidationFailed
from data_access.reporting import figures, periods
from data_access.reporting import submissions as sub
from rules.core.catalog import Role
from tests.apptest_utils import all_text, run_app
from tests.test_reporting_submissions import QUARTER, cycle_store, sent  # noqa: F401 - the fixture
from tests.test_scope_pages import leaks, route_oracle, visible_strings

CUTOFF = dt.date(2026, 9, 30)
FILTERS = GlobalFilters(cutoff=CUTOFF)
BASICA = dataclasses.replace(FILTERS, route="basica")


def _viewers(url):
    route = viewer_for_username("direccion_basica", url)
    national = viewer_for_username("directivo", url)
    assert route is not None and route.is_route and route.route == "basica"
    return route, national


# ------------------------------------------------------------------ the route, as a national viewer filters it


def test_route_viewer_reads_what_a_national_viewer_reads_filtered_to_its_route(demo_store):
    from data_access.alliance import queries as al
    from data_access.map import queries as mq
    from data_access.overview import queries as ov
    from data_access.routes import funnels
    from rules.routes.funnels import Cohort

    route, national = _viewers(demo_store)
    assert FILTERS.within(route) == BASICA and FILTERS.within(national) == FILTERS
    mine, theirs = ov.headline(route, BASICA, url=demo_store), ov.headline(national, BASICA, url=demo_store)
    assert mine.values == theirs.values == ov.headline(route, FILTERS, url=demo_store).values  # scope alone
    assert mine.households_by_route == theirs.households_by_route
    assert mine.values["households"][0] > 0  # the route has figures, not a default-deny zero
    assert mine.values != ov.headline(national, FILTERS, url=demo_store).values
    assert ov.funnel_counts(route, BASICA, url=demo_store) == ov.funnel_counts(national, BASICA, url=demo_store)
    assert al.indicator(route, FILTERS, url=demo_store) == al.indicator(national, BASICA, url=demo_store)
    for metric, query in mq.METRIC_VALUES.items():
        assert query(route, FILTERS, url=demo_store) == query(national, BASICA, url=demo_store), metric
    cohort = Cohort()
    assert funnels.funnel(route, BASICA, cohort, url=demo_store) == funnels.funnel(national, BASICA, cohort,
                                                                                    url=demo_store)
    # the Sankey follows promotions only into enrolments the viewer may see: the route's entries are the
    # national view's, and no flow goes on into another route
    mine_s, theirs_s = funnels.sankey(route, FILTERS, cohort, url=demo_store), funnels.sankey(
        national, BASICA, cohort, url=demo_store)
    assert {n for n in mine_s.nodes if n[0] == "route"} == {("route", "basica")}
    assert {n for n in theirs_s.nodes if n[0] == "route"} > {("route", "basica")}

    def entries(sk):
        return sorted((sk.nodes[a], n) for a, b, n in sk.links if sk.nodes[a][0] == "entry")

    assert entries(mine_s) == entries(theirs_s) != []
    frame = ov.sla_scorecard(route, FILTERS, url=demo_store)
    assert frame is not None and not frame.empty
    assert frame.equals(ov.sla_scorecard(national, BASICA, url=demo_store))


def test_route_viewer_sees_only_its_routes_records(demo_store):
    from data_access.intake.export import DataExport
    from data_access.routes import funnels
    from data_access.sla import queries as sla
    from rules.intake import sheets as S

    route, _ = _viewers(demo_store)
    with get_engine(demo_store).connect() as conn:
        basica = conn.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.route == "basica"))
        plans = conn.scalar(select(func.count()).select_from(BusinessPlan))
    assert plans > 0
    export = DataExport(route, demo_store)
    counts = {sheet.name: export.count(sheet) for sheet in export.sheets()}
    assert counts[S.ENTITIES["enrolments"][0].name] == basica
    assert counts[S.ENTITIES["tracking-matrix"][0].name] == 0  # plans are of the OPR routes
    assert counts[S.ENTITIES["targeting"][0].name] > 0  # targeting is route-neutral territory
    assert {d["route"] for d in sla.definitions(route, url=demo_store)} == {"basica"}
    operators = {code for _, code, _ in funnels.operators(route, url=demo_store)}
    with get_engine(demo_store).connect() as conn:
        from data_access.core.models import Operator, OperatorContract

        on_route = set(conn.scalars(select(Operator.code).join(
            OperatorContract, OperatorContract.operator_id == Operator.id).where(OperatorContract.route == "basica")))
    assert operators == on_route


def test_a_route_viewer_without_its_route_sees_nothing(demo_store):
    from data_access.overview import queries as ov

    route, _ = _viewers(demo_store)
    lost = dataclasses.replace(route, route=None)
    assert not lost.is_route
    values = ov.headline(lost, FILTERS, url=demo_store).values
    assert values["households"][0] == 0 and values["cofin_committed"][0] == 0


def test_the_oracle_of_the_route_sees_other_routes(demo_store):
    """The sweep's oracle detects: the routes page of a national viewer names contracts,
    enrolments and operators of other routes."""
    at = run_app(demo_store, "directivo", "pages/sla.py")
    assert not at.exception
    assert len(leaks(route_oracle(demo_store, "direccion_basica"), visible_strings(at))) > 5


def test_a_crafted_route_filter_shows_the_route_viewer_its_route(demo_store):
    """«?ruta=intermedia» in the link: the route filter offers básica only, and nothing of the
    other routes shows."""
    at = run_app(demo_store, "direccion_basica", "pages/routes.py", query={"ruta": "intermedia"})
    assert not at.exception and not at.error
    route = at.sidebar.selectbox(key="gf_route")
    assert route.options == ["Ruta básica"] and route.value == "basica"
    assert not leaks(route_oracle(demo_store, "direccion_basica"), visible_strings(at))
    assert "Dirección de Ruta básica" in [c.value for c in at.sidebar.caption]


# ------------------------------------------------------------------ official figures of a route


def test_a_quarter_close_freezes_the_routes_figures(demo_store_rw):
    url = demo_store_rw
    route, _ = _viewers(url)
    ue = viewer_for_username("unidad_ejecutora", url)
    done = periods.close(ue, "2026Q3", url=url)
    assert done.quarter == "2026Q3"
    frozen = periods.official(route, "2026Q3", url)
    assert frozen is not None and frozen["scope"] == "route:basica"
    assert frozen["figures"] == figures.quarter_figures(route, "2026Q3", url)
    national = periods.official(viewer_for_username("directivo", url), "2026Q3", url)
    assert frozen["figures"]["overview"] != national["figures"]["overview"]
    assert periods.verify("2026Q3", url=url, viewer=route)["ok"]


# ------------------------------------------------------------------ accounts


def test_users_add_a_direccion_de_ruta_with_its_route(empty_store):
    from cli.main import tablero

    runner, env = CliRunner(), {"DATABASE_URL": empty_store}
    refused = runner.invoke(tablero, ["users", "add", "ruta.sin", "--role", "direccion_ruta", "--generate"], env=env)
    assert refused.exit_code != 0 and "Ruta: una dirección de ruta necesita su ruta" in refused.output
    done = runner.invoke(tablero, ["users", "add", "dir.basica", "--role", "direccion_ruta", "--route", "basica",
                                   "--generate"], env=env)
    assert done.exit_code == 0, done.output
    viewer = viewer_for_username("dir.basica", empty_store)
    assert viewer.is_route and viewer.route == "basica" and viewer.scope_name == "Ruta básica"
    listed = runner.invoke(tablero, ["users", "list", "--format", "csv"], env=env)
    assert "dir.basica" in listed.output and "Ruta básica" in listed.output
    # a route given to another role is not kept
    runner.invoke(tablero, ["users", "add", "otro", "--role", "directivo", "--route", "basica", "--generate"], env=env)
    with get_engine(empty_store).connect() as conn:
        assert conn.scalar(select(AppUser.route).where(AppUser.username == "otro")) is None


def test_admin_moves_an_account_to_a_route(demo_store_rw):
    url = demo_store_rw
    admin = viewer_for_username("admin", url)
    with pytest.raises(ValidationFailed, match="necesita su ruta"):
        account_edits.set_user_scope(admin, "directivo", "direccion_ruta", url=url)
    account_edits.set_user_scope(admin, "directivo", "direccion_ruta", route="intermedia", url=url)
    moved = viewer_for_username("directivo", url)
    assert moved.is_route and moved.route == "intermedia" and not moved.is_national
    account_edits.set_user_scope(admin, "directivo", "directivo", route="intermedia", url=url)
    back = viewer_for_username("directivo", url)
    assert back.is_national and back.route is None


def test_the_admin_page_creates_a_direccion_de_ruta(demo_store_rw):
    at = run_app(demo_store_rw, "admin", "pages/admin.py")
    form = next(f for f in at.form if f.key == "adm_add")
    next(t for t in form.text_input if t.label == "Usuario").input("ruta.int")
    next(s for s in form.selectbox if s.label == "Rol").set_value("direccion_ruta")
    next(s for s in form.selectbox if s.label == "Ruta").set_value("intermedia")
    next(c for c in form.checkbox if c.label.startswith("Generar")).check()
    form.form_submit_button[0].click()
    at.run()
    assert "Usuario «ruta.int» creado." in all_text(at), all_text(at)
    viewer = viewer_for_username("ruta.int", demo_store_rw)
    assert viewer.route == "intermedia"
    assert "Ruta intermedia" in at.dataframe[0].value.to_string()


# ------------------------------------------------------------------ Unidad Ejecutora and Dirección Técnica


def test_the_unidad_ejecutora_approves_a_report_and_closes_the_quarter(cycle_store):  # noqa: F811
    url = cycle_store
    create_user("ue", Role.UNIDAD_EJECUTORA, url=url)
    create_user("ruta", Role.DIRECCION_RUTA, route="intermedia", url=url)
    create_user("tecnica", Role.DIRECCION_TECNICA, url=url)
    report = sent(url)
    for refused in ("ruta", "tecnica"):
        with pytest.raises(PermissionDenied):
            sub.approve(viewer_for_username(refused, url), report["id"], report["version"], url)
    ue = viewer_for_username("ue", url)
    assert sub.approve(ue, report["id"], report["version"], url)["state"] == "aprobado"
    with pytest.raises(PermissionDenied):
        periods.close(viewer_for_username("tecnica", url), QUARTER, url=url)
    assert periods.close(ue, QUARTER, url=url).quarter == QUARTER


def test_the_direccion_tecnica_edits_targeting_not_business_plans(demo_store_rw):
    from data_access.edits import plans as plan_edits
    from data_access.edits import targeting as targeting_edits

    url = demo_store_rw
    tecnica = viewer_for_username("direccion_tecnica", url)
    with get_engine(url).connect() as conn:
        row = conn.execute(select(Targeting.municipality_code, Targeting.year, Targeting.target_population,
                                  Targeting.version).order_by(Targeting.municipality_code).limit(1)).one()
        plan = conn.execute(select(BusinessPlan.id, BusinessPlan.version).limit(1)).one()
    targeting_edits.set_targeting(tecnica, row.municipality_code, row.year, True, row.target_population + 1,
                                  row.version, url=url)
    with get_engine(url).connect() as conn:
        assert conn.scalar(select(Targeting.target_population).where(
            Targeting.municipality_code == row.municipality_code, Targeting.year == row.year)) == (
            row.target_population + 1)
    with pytest.raises(PermissionDenied, match="lo hacen Administrador, Analista PMO, Comité regional") as refused:
        plan_edits.set_pn_dates(tecnica, plan.id, plan.version, "2025-03-01", "2025-12-31", url=url)
    assert "Dirección Técnica" in str(refused.value) and "operador" not in str(refused.value)


@pytest.mark.parametrize("username", ["unidad_ejecutora", "direccion_tecnica"])
def test_the_national_governance_roles_read_national_figures(username, demo_store):
    from data_access.overview import queries as ov

    viewer = viewer_for_username(username, demo_store)
    assert viewer.is_national
    national = viewer_for_username("directivo", demo_store)
    assert ov.headline(viewer, FILTERS, url=demo_store).values == ov.headline(national, FILTERS,
                                                                             url=demo_store).values


def test_the_route_scope_label_is_in_the_ui_language():
    from data_access.core.scope import Viewer, localised
    from rules.core.i18n import t

    viewer = Viewer("x", "direccion_ruta", route="intermedia", scope_name="Ruta intermedia")
    labels = {lang: localised(viewer, lambda key, name, lang=lang: t(key, lang, name=name)).scope_label
              for lang in ("es", "en")}
    assert labels == {"es": "Dirección de Ruta intermedia", "en": "Direction of Intermediate route"}
    assert localised(Viewer("x", "direccion_ruta"), lambda key, name: key).scope_label == "scope.none"
