"""Figures and tables of the routes page are valid plotly specs, written, not colour-only."""

from __future__ import annotations

import datetime as dt

from components.core.context import PageContext
from components.routes.charts import (
    comparison_figure,
    coverage_figure,
    funnel_figure,
    losses_figure,
    sankey_figure,
)
from components.routes.filters import QUERY_KEYS, cohort_from_query, cohort_to_query
from components.routes.tables import comparison_frames, coverage_frames, funnel_frames, participant_frames
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from rules.routes import model as R
from rules.routes.funnels import Cohort, build_funnel, build_sankey, compare_funnels

ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL = R.STAGES


def ctx(lang="es") -> PageContext:
    return PageContext(viewer=Viewer("a", "analista_pmo", scope_label="Nacional"),
                       filters=GlobalFilters(cutoff=dt.date(2026, 9, 30)), url="sqlite://", lang=lang)


FUNNELS = {
    "basica": build_funnel("basica", {ING: {None: 1200}, CAP: {10: 1000}, FOR: {5: 400}, FML: {7: 900},
                                      SAL: {3: 10}}, {(CAP, R.EXIT_ABANDONO): 150, (VIA, R.EXIT_NO_VIABLE): 20,
                                                      (FML, "raro"): 2}),
    "intermedia": build_funnel("intermedia", {ING: {None: 10}}, {}),
}


def test_every_figure_is_a_valid_plotly_spec_with_written_values():
    c = ctx()
    fig = funnel_figure(c, "basica", FUNNELS["basica"], validate=True)
    assert fig.data[0].text[0] == "1.200 · 100 %"  # the state is written, not only coloured
    assert "Formación (opcional)" in fig.data[0].y
    losses = losses_figure(c, FUNNELS, validate=True)
    assert list(dict.fromkeys(t.name for t in losses.data)) == [
        "No viable → retroalimentación", "Requisitos no cumplidos", "Abandono", "Otro motivo (dato por revisar)"]
    assert all(t.marker.pattern.shape for t in losses.data)  # patterns as well as colours
    sankey = build_sankey([("barrido", "basica", R.EXIT_GRADUADO, "intermedia", None, None, None, 3)])
    s = sankey_figure(c, sankey, validate=True)
    assert "Ruta básica: 3" in s.data[0].node.label
    cov = [{"route": "basica", "service": "asistencia_tecnica", "activated": 4, "received": 3, "coverage_pct": 75.0}]
    assert coverage_figure(c, cov, validate=True).data[0].text == ("75,0 %",)
    rows = compare_funnels(FUNNELS["basica"], FUNNELS["basica"])
    cmp = comparison_figure(c, "basica", rows, ("A", "B"), validate=True)
    assert [t.name for t in cmp.data] == ["A", "B"]
    # The fast path gives the same figure.
    assert funnel_figure(c, "basica", FUNNELS["basica"]).to_dict() == fig.to_dict()


def test_tables_in_both_languages():
    for lang, header in (("es", "Participantes"), ("en", "Participants")):
        show, export = funnel_frames(ctx(lang), FUNNELS)
        assert header in show.columns and len(show) == 20 and len(export) == 20
    show, export = funnel_frames(ctx(), FUNNELS)
    row = show[show["Etapa"] == "Evaluación de capacidades"].iloc[0]
    assert row["Participantes"] == "1.000" and row["Abandono"] == "150"
    assert export.iloc[1]["Conversión desde la etapa base (%)"] == round(1000 / 1200 * 100, 2)
    cov_show, _ = coverage_frames(ctx(), [{"route": "basica", "service": "monitoreo", "activated": 0, "received": 0,
                                          "coverage_pct": None}])
    assert cov_show.iloc[0]["Cobertura (%)"] == "sin datos"  # never 0 % when nobody is activated
    cmp_show, _ = comparison_frames(ctx(), compare_funnels(FUNNELS["basica"], FUNNELS["intermedia"]), ("A", "B"))
    assert cmp_show.iloc[1]["Diferencia de conversión (B − A)"] == "−83,3 p. p."
    p_show, p_export = participant_frames(ctx(), [{"enrolment_id": 7, "route": "basica", "last_stage": SAL,
                                                   "exit_outcome": "abandono", "stage_date": dt.date(2024, 1, 2)}],
                                          ("enrolment_id", "route", "last_stage", "exit_outcome", "stage_date"))
    assert list(p_show.iloc[0]) == ["7", "Ruta básica", "Salida (egreso cumplido)", "Abandono", "02/01/2024"]
    assert p_export.iloc[0]["Fecha de la etapa"] == dt.date(2024, 1, 2)


def test_cohort_url_round_trip_and_default_quarter():
    c = Cohort(quarters=("2024Q1", "2024Q2"), route="basica", sex="F", youth=True, victim=False,
               ethnicities=("indigena",), department_code="05", operator_id=4)
    q = cohort_to_query(c)
    assert q["c_trim"] == "2024Q1,2024Q2" and q["c_joven"] == "si" and q["c_victima"] == "no"
    assert cohort_from_query(q) == c
    assert set(q) <= set(QUERY_KEYS.values())
    # No c_trim: the default quarter; c_trim=todos: every quarter; invalid values are ignored.
    quarters = ["2024Q1", "2025Q3", "2026Q3"]
    assert cohort_from_query({}, quarters, dt.date(2026, 9, 30)).quarters == ("2025Q3",)
    assert cohort_from_query({"c_trim": "todos"}, quarters, dt.date(2026, 9, 30)).quarters == ()
    assert cohort_to_query(Cohort()) == {"c_trim": "todos"}
    assert cohort_from_query({"c_sexo": "X", "c_ruta": "basica"}) == Cohort(route="basica")
