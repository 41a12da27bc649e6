"""Charts filter each other (issue 15, point 10): a click on a bar or a segment becomes the
page's filter in the URL. AppTest cannot click a Plotly chart, so the selection → filter
functions are tested directly, and the page is run with the URL a click writes; the click
itself is tested in Chromium (tests/browser/test_chart_filters_browser.py)."""

from __future__ import annotations

import json

import pytest

from components.core.selection import apply_params, point_key, points
from components.sla.common import Q_OPERATOR, Q_STATUS
from components.sla.scorecard import status_point_params
from tests.apptest_utils import run_app

PAGE = "pages/sla.py"


def test_points_of_a_selection_event():
    event = {"selection": {"points": [{"point_index": 1, "customdata": ["OP1", "incumple"]}], "box": []}}
    assert points(event) == [{"point_index": 1, "customdata": ["OP1", "incumple"]}]
    assert points(None) == [] and points({"selection": {"points": []}}) == []


def test_point_key_prefers_customdata_then_the_index():
    assert point_key({"customdata": ["OP1", "incumple"], "point_index": 0}) == ["OP1", "incumple"]
    assert point_key({"customdata": 7}) == ["7"]
    assert point_key({"point_index": 2}, ["a", "b", "c"]) == ["c"]
    assert point_key({"point_number": 0}, ["a"]) == ["a"]
    assert point_key({"point_index": 5}, ["a"]) is None  # not a point of this trace's keys
    assert point_key({}) is None


def test_a_click_sets_the_filter_and_a_second_click_clears_it():
    params = {"trimestre": "2026Q2"}
    apply_params(params, {"operador": "OP1", "estado": "incumple"})
    assert params == {"trimestre": "2026Q2", "operador": "OP1", "estado": "incumple"}
    apply_params(params, {"operador": "OP2", "estado": "incumple"})  # another segment: replaced
    assert params == {"trimestre": "2026Q2", "operador": "OP2", "estado": "incumple"}
    apply_params(params, {"operador": "OP2", "estado": "incumple"})  # the same segment again: cleared
    assert params == {"trimestre": "2026Q2"}
    apply_params(params, {"operador": None})  # nothing to clear: nothing changes
    assert params == {"trimestre": "2026Q2"}


def test_status_segment_becomes_operator_and_status():
    assert status_point_params({"customdata": ["OP1", "incumple"]}) == {Q_OPERATOR: "OP1", Q_STATUS: "incumple"}
    assert status_point_params({"customdata": ["OP1", "otro"]}) is None  # not a state of the chart
    assert status_point_params({"point_index": 0}) is None


def test_the_url_a_click_writes_filters_the_detail(demo_store):
    """The status chart's segment [operator, «incumple»] as the URL: the detail shows that
    operator and only its breaches of that state, and says so in the figure note."""
    at = run_app(demo_store, "directivo", page=PAGE)
    assert not at.exception
    chart = [c for c in at.get("plotly_chart") if "customdata" in c.proto.spec][0]
    spec = json.loads(chart.proto.spec)
    failing = next(tr for tr in spec["data"] if tr["name"] == "incumple")
    code = next(cd[0] for cd, x in zip(failing["customdata"], failing["x"]) if x)
    at = run_app(demo_store, "directivo", page=PAGE, query={Q_OPERATOR: code, Q_STATUS: "incumple"})
    assert not at.exception
    assert at.selectbox(key="sla_operator").value == code
    assert at.selectbox(key="sla_status").value == "incumple"
    items = at.dataframe[1].value
    assert len(items) and set(items["Estado"]) == {"❌ incumple"}
    assert any("Estado del ANS: incumple" in c.value for c in at.caption)


@pytest.mark.parametrize("bad", ["todo", "cumple); DROP"])
def test_an_unknown_status_in_the_url_is_ignored(demo_store, bad):
    at = run_app(demo_store, "directivo", page=PAGE, query={Q_STATUS: bad})
    assert not at.exception
    assert at.selectbox(key="sla_status").value is None
    assert not any("Estado del ANS:" in c.value for c in at.caption)


def test_funnel_stage_becomes_the_participant_lists_route_and_stage():
    from components.routes.charts import Q_LIST_ROUTE, Q_LIST_STAGE, stage_point_params

    stages = ["ingreso", "caracterizacion", "formacion"]
    hover = "Conversión 51,2 % desde «Evaluación de capacidades»"  # a funnel point's customdata
    assert stage_point_params("basica", stages, {"point_index": 2, "customdata": hover}) == {
        Q_LIST_ROUTE: "basica", Q_LIST_STAGE: "formacion"}
    assert stage_point_params("basica", stages, {"point_index": 9}) is None


def test_the_url_a_stage_click_writes_lists_that_stages_participants(demo_store):
    from components.routes.charts import Q_LIST_ROUTE, Q_LIST_STAGE

    at = run_app(demo_store, "directivo", page="pages/routes.py",
                 query={Q_LIST_ROUTE: "intermedia", Q_LIST_STAGE: "formacion"})
    assert not at.exception
    assert at.radio(key="rt_view").value == "participants"
    assert at.selectbox(key="rt_list_route").value == "intermedia"
    assert at.selectbox(key="rt_list_stage").value == "formacion"
    assert any("Etapa: Formación" in c.value for c in at.caption)
    # another view drops the list's filters from the address
    at.radio(key="rt_view").set_value("funnel").run()
    assert not at.exception
    assert Q_LIST_STAGE not in at.query_params


def test_a_stage_the_route_does_not_have_falls_back_to_its_first(demo_store):
    from components.routes.charts import Q_LIST_ROUTE, Q_LIST_STAGE

    at = run_app(demo_store, "directivo", page="pages/routes.py", query={Q_LIST_ROUTE: "x", Q_LIST_STAGE: "nada"})
    assert not at.exception
    assert at.selectbox(key="rt_list_route").value == "basica"
    assert at.selectbox(key="rt_list_stage").value == "ingreso"
