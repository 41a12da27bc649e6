"""The routes page under AppTest, per role, on the demo store (both stores)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.core.db import get_engine
from data_access.core.models import AppUser, Enrolment, Municipality, Operator, RegionalOffice
from rules.core.formatting import fmt_int
from tests.apptest_utils import all_text, run_app

PAGE = "pages/routes.py"
ROLES = ("directivo", "analista", "comite", "operador", "admin")


def _office_munis(url: str, code: str) -> set[str]:
    with get_engine(url).connect() as conn:
        office = conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == code)).scalar_one()
        return set(conn.execute(select(Municipality.code).where(Municipality.regional_office_id == office)).scalars())


def _operator_of(url: str, username: str) -> tuple[int, str]:
    with get_engine(url).connect() as conn:
        op_id = conn.execute(select(AppUser.operator_id).where(AppUser.username == username)).scalar_one()
        return op_id, conn.execute(select(Operator.code).where(Operator.id == op_id)).scalar_one()


def _view(at, view: str):
    at.radio(key="rt_view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def _all_quarters(at):
    """Widen the cohort to every entry quarter (the default is one quarter)."""
    at.multiselect(key="ca_quarters").set_value([]).run()
    assert not at.exception, at.exception
    return at


def _list(at, route="basica", stage="ingreso", size=250):
    _view(at, "participants")
    at.selectbox(key="rt_list_route").set_value(route).run()
    at.selectbox(key="rt_list_stage").set_value(stage).run()
    at.selectbox(key="rt_list_size").set_value(size).run()
    assert not at.exception, at.exception
    return at.dataframe[0].value


@pytest.mark.parametrize("username", ROLES)
def test_every_role_sees_the_funnels_with_notes(demo_store, username):
    at = run_app(demo_store, username, page=PAGE)
    assert not at.exception, at.exception
    text = all_text(at)
    assert "Rutas y cohortes" in text
    assert "Ingresaron" in text and "Egreso cumplido" in text
    assert "Corte: 30/09/2026" in text and "Trimestre de ingreso (cohorte)" in text
    # The default cohort is one quarter with a year of follow-up (T3 2025 at this cut-off).
    assert at.multiselect(key="ca_quarters").value == ["2025Q3"]
    assert len(at.get("plotly_chart")) >= 2
    for view in ("sankey", "services", "participants", "compare"):
        _view(at, view)
        assert "Rutas y cohortes" in all_text(at)


def test_comite_cohort_lists_contain_only_its_municipalities(demo_store):
    car = _office_munis(demo_store, "CAR")
    at = _all_quarters(run_app(demo_store, "comite", page=PAGE))
    df = _list(at)
    assert len(df) > 0
    assert set(df["Código DIVIPOLA"]) <= car
    assert "Nombre (jefe de hogar u organización)" not in df.columns and "Documento" not in df.columns
    assert "sin nombres ni documentos" in all_text(at)
    # Lost after viability, and the intermedia list: still only its municipalities.
    at.selectbox(key="rt_list_stage").set_value("evaluacion_viabilidad").run()
    at.selectbox(key="rt_list_which").set_value("lost").run()
    lost = at.dataframe[0].value
    assert set(lost["Código DIVIPOLA"]) <= car
    inter = _list(at, route="intermedia")
    assert set(inter["Código DIVIPOLA"]) <= car
    # The territory options of the cohort filters are its office's only.
    assert at.selectbox(key="ca_office").options == ["Todos", "Caribe"]


def test_comite_funnel_counts_match_its_scope(demo_store):
    car = _office_munis(demo_store, "CAR")
    with get_engine(demo_store).connect() as conn:
        expected = conn.execute(
            select(Enrolment.id).where(Enrolment.route == "basica", Enrolment.cohort_quarter == "2025Q3",
                                       Enrolment.municipality_code.in_(car))
        ).all()
    at = run_app(demo_store, "comite", page=PAGE)
    metric = next(m for m in at.metric if m.label == "Ingresaron")
    assert metric.value == fmt_int(len(expected))


def test_operator_sees_only_its_own_enrolments(demo_store):
    op_id, op_code = _operator_of(demo_store, "operador")
    at = _all_quarters(run_app(demo_store, "operador", page=PAGE))
    df = _list(at)
    assert len(df) > 0 and set(df["Operador"]) == {op_code}
    assert "Documento" not in df.columns
    with get_engine(demo_store).connect() as conn:
        own = conn.execute(
            select(Enrolment.id).where(Enrolment.route == "basica", Enrolment.operator_id == op_id,
                                       Enrolment.entry_date <= dt.date(2026, 9, 30))
        ).all()
    assert f"**{fmt_int(len(own))}** participantes" in all_text(at)


def test_personal_data_only_for_analyst_and_admin(demo_store):
    for username, personal in (("analista", True), ("admin", True), ("directivo", False)):
        df = _list(run_app(demo_store, username, page=PAGE))
        assert ("Documento" in df.columns) is personal, username
        assert ("Nombre (jefe de hogar u organización)" in df.columns) is personal, username


def test_cohort_filter_changes_the_funnel_and_the_url(demo_store):
    at = run_app(demo_store, "analista", page=PAGE)
    before = next(m for m in at.metric if m.label == "Ingresaron").value
    at.selectbox(key="ca_sex").set_value("F").run()
    assert not at.exception
    after = next(m for m in at.metric if m.label == "Ingresaron").value
    assert int(after.replace(".", "")) < int(before.replace(".", ""))
    assert at.query_params["c_sexo"] == ["F"] or at.query_params["c_sexo"] == "F"
    assert "Sexo (jefatura del hogar): Mujer" in all_text(at)
    assert "solo se incluyen hogares" in all_text(at)


def test_cohort_from_the_url(demo_store):
    at = run_app(demo_store, "analista", page=PAGE, query={"c_trim": "2024Q1", "c_ruta": "intermedia"})
    assert not at.exception
    assert at.multiselect(key="ca_quarters").value == ["2024Q1"]
    assert at.selectbox(key="ca_route").value == "intermedia"
    assert [s.value for s in at.subheader if s.value.startswith("Ruta")][:1] == ["Ruta intermedia"]


def test_save_load_and_compare_cohorts(demo_store_rw):
    url = demo_store_rw
    at = run_app(url, "analista", page=PAGE)
    at.selectbox(key="ca_sex").set_value("F").run()
    at.text_input(key="rt_save_name").input("Mujeres T3 2025")
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception
    assert "Cohorte «Mujeres T3 2025» guardada." in all_text(at)
    # Back to every sex, then load the saved cohort.
    at.selectbox(key="ca_sex").set_value(None).run()
    at.selectbox(key="rt_saved_pick").set_value("Mujeres T3 2025").run()
    at.button(key="rt_saved_load").click().run()
    assert not at.exception
    assert at.selectbox(key="ca_sex").value == "F"
    # Compare: A = the analysed cohort, B = the saved one by default.
    at.selectbox(key="ca_sex").set_value(None).run()
    _view(at, "compare")
    assert at.selectbox(key="rt_cmp_pick").value == "Mujeres T3 2025"
    text = all_text(at)
    assert "A (cohorte analizada)" in text and "Mujeres T3 2025" in text
    assert len(at.get("plotly_chart")) == 3  # funnel A, funnel B, conversion A vs B
    entered = [m.value for m in at.metric if m.label == "Ingresaron"]
    assert len(entered) == 2 and int(entered[1].replace(".", "")) < int(entered[0].replace(".", ""))
    at.radio(key="rt_cmp_route").set_value("intermedia").run()
    assert not at.exception
    df = at.dataframe[0].value
    assert "Diferencia de conversión (B − A)" in df.columns
    # Another user does not see it.
    other = run_app(url, "directivo", page=PAGE)
    assert "Aún no tiene cohortes guardadas" in all_text(other)


def test_english(demo_store):
    at = run_app(demo_store, "directivo", page=PAGE, query={"lang": "en"})
    assert not at.exception
    text = all_text(at)
    assert "Routes and cohorts" in text and "Entered" in text and "Completed exit" in text


def test_the_viability_loop_is_shown_under_the_funnels(demo_store):
    """The demo's «no viable» participants reformulate: the loop table counts them per route, with
    its note, and as the CLI does (``data_access.routes.loops``)."""
    from data_access.core.filters import GlobalFilters
    from data_access.core.scope import Viewer
    from data_access.routes.loops import viability_loops
    from rules.routes.funnels import Cohort

    at = run_app(demo_store, "analista", page=PAGE)
    assert "Bucle de viabilidad: retroalimentación y reformulación" in all_text(at)
    viewer, cutoff = Viewer("analista", "analista_pmo"), GlobalFilters(cutoff=dt.date(2026, 9, 30))
    everyone = viability_loops(viewer, cutoff, Cohort(), demo_store)
    assert everyone["basica"].participants > 0 and everyone["basica"].reformulations > 0
    assert everyone["basica"].resolved > 0 and everyone["basica"].days_lost_median > 0
    shown = viability_loops(viewer, cutoff, Cohort(quarters=("2025Q3",)), demo_store)  # the page's default cohort
    table = next(df.value for df in at.dataframe if "Reformulaciones" in df.value.columns)
    assert list(table["Reformulaciones"]) == [fmt_int(shown[r].reformulations) for r in shown]
    assert list(table["Participantes con «no viable»"]) == [fmt_int(shown[r].participants) for r in shown]
