"""The route stage model (rules/routes/model.py) and the pure funnel builders (rules/routes/funnels.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.routes import model as R
from rules.routes.funnels import (
    IN_PROGRESS,
    LEFT,
    Cohort,
    build_funnel,
    build_sankey,
    compare_funnels,
    median_from_histogram,
)

ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL = R.STAGES


def full(route: str, training: bool = True, exit_outcome: str | None = None) -> list[tuple[str, str | None]]:
    """A complete, valid history of ``route``."""
    out = []
    for s in R.route_model(route).stages:
        if s == FOR and not training:
            continue
        if s == SAL:
            out.append((s, exit_outcome or R.route_model(route).completed_exit))
        else:
            out.append((s, {VIA: R.VIABLE, REQ: R.CUMPLE}.get(s)))
    return out


# --------------------------------------------------------------------- transitions


def test_stage_order_is_the_seed_order_on_every_route():
    assert R.STAGES == (ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL)
    for route in ("basica", "intermedia", "competitividad"):
        m = R.route_model(route)
        assert m.stages == R.STAGES
        assert [m.order(s) for s in m.stages] == list(range(1, 11))


def test_allowed_transitions_forward_and_exit():
    assert R.allowed_next("basica", None) == (ING,)
    # básica: training is optional, so after capacity evaluation both are allowed.
    assert R.allowed_next("basica", CAP) == (FOR, FML, SAL)
    # intermedia / competitividad: training is mandatory.
    assert R.allowed_next("intermedia", CAP) == (FOR, SAL)
    assert R.allowed_next("competitividad", CAP) == (FOR, SAL)
    assert R.allowed_next("basica", SRV) == (PLN, SAL)
    assert R.allowed_next("basica", SAL) == ()


def test_failed_filters_loop_or_exit_with_the_matching_reason():
    # «no viable»: feedback and reformulation (back to formulación), or exit (seed 000 §4.1 c)
    assert R.allowed_next("basica", VIA, R.NO_VIABLE) == (FML, SAL)
    assert R.allowed_next("competitividad", VIA, R.NO_VIABLE) == (FML, SAL)
    assert R.allowed_next("basica", VIA, R.VIABLE) == (SOL, SAL)
    assert R.allowed_next("intermedia", REQ, R.NO_CUMPLE) == (SAL,)
    assert R.allowed_exit_outcomes("basica", VIA, R.NO_VIABLE) == (R.EXIT_NO_VIABLE,)
    assert R.allowed_exit_outcomes("basica", REQ, R.NO_CUMPLE) == (R.EXIT_REQUISITOS,)
    assert R.allowed_exit_outcomes("basica", FML) == (R.EXIT_ABANDONO,)
    assert R.allowed_exit_outcomes("basica", PLN) == (R.EXIT_GRADUADO, R.EXIT_ABANDONO)
    assert R.allowed_exit_outcomes("competitividad", PLN) == (R.EXIT_AUTOGESTION, R.EXIT_ABANDONO)
    assert R.allowed_exit_outcomes("basica", None) == ()


def test_unknown_route_is_a_clear_error():
    with pytest.raises(ValueError, match="Ruta desconocida «rural»"):
        R.route_model("rural")


def test_conversion_base_skips_optional_stages():
    assert R.conversion_base("basica", ING) is None
    assert R.conversion_base("basica", CAP) == ING
    assert R.conversion_base("basica", FOR) == CAP
    assert R.conversion_base("basica", FML) == CAP  # formación optional in básica
    assert R.conversion_base("intermedia", FML) == FOR
    assert R.conversion_base("basica", SAL) == PLN


def test_last_stage_before_exit():
    assert R.last_stage_before_exit("basica", {ING, CAP, FML, SAL}) == FML
    assert R.last_stage_before_exit("basica", {SAL}) is None


# ------------------------------------------------------------------------ validation


def test_complete_histories_are_valid_with_and_without_optional_training():
    assert R.validate_history("basica", full("basica")) == []
    assert R.validate_history("basica", full("basica", training=False)) == []
    assert R.validate_history("intermedia", full("intermedia")) == []
    assert R.validate_history("competitividad", full("competitividad")) == []


def test_skipping_a_mandatory_stage_is_a_data_error():
    history = [(ING, None), (CAP, None), (FOR, None), (FML, None), (SOL, None)]  # no viability evaluation
    problems = R.validate_history("basica", history)
    assert len(problems) == 1
    assert problems[0].position == 4 and problems[0].stage == SOL
    assert "Salta la etapa «Evaluación de viabilidad»" in problems[0].message


def test_training_is_mandatory_outside_basica():
    problems = R.validate_history("intermedia", full("intermedia", training=False))
    assert [p.stage for p in problems] == [FML]
    assert "Formación" in problems[0].message


def test_history_must_start_at_entry_and_never_go_back_or_repeat():
    assert "empezar por «Ingreso»" in R.validate_history("basica", [(CAP, None)])[0].message
    back = R.validate_history("basica", [(ING, None), (CAP, None), (ING, None)])
    assert back and "Transición no permitida" in back[0].message
    twice = R.validate_history("basica", [(ING, None), (CAP, None), (CAP, None)])
    assert [p.position for p in twice] == [2]


def test_no_progress_after_a_failed_filter():
    history = [(ING, None), (CAP, None), (FML, None), (VIA, R.NO_VIABLE), (SOL, None)]
    problems = R.validate_history("basica", history)
    assert problems and "solo se permite la reformulación o la salida" in problems[0].message
    after_requirements = R.validate_history("intermedia", [*full("intermedia")[:6], (REQ, R.NO_CUMPLE), (SRV, None)])
    assert after_requirements and "solo se permite la salida" in after_requirements[0].message


# ------------------------------------------------------------------ the viability loop

LOOP = [(ING, None), (CAP, None), (FML, None), (VIA, R.NO_VIABLE), (FML, None), (VIA, R.NO_VIABLE),
        (FML, None), (VIA, R.VIABLE), (SOL, None), (REQ, R.CUMPLE), (SRV, None), (PLN, None), (SAL, R.EXIT_GRADUADO)]
LOOP_DATES = [dt.date(2024, 1, d) for d in (1, 2, 3, 4, 10, 11, 20, 21, 22, 23, 24, 25, 26)]


def test_reformulation_after_no_viable_is_a_loop_not_an_end():
    assert R.validate_history("basica", LOOP, LOOP_DATES) == []
    looped_out = [*LOOP[:6], (SAL, R.EXIT_NO_VIABLE)]
    assert R.validate_history("intermedia", [looped_out[0], looped_out[1], (FOR, None), *looped_out[2:]]) == []
    # formulación again only answers a «no viable»: after a viable result it goes back
    back = R.validate_history("basica", [*LOOP[:3], (VIA, R.VIABLE), (FML, None)])
    assert back and "Transición no permitida" in back[0].message and back[0].position == 4


def test_reformulation_is_dated_after_the_no_viable_evaluation():
    same_day = [*LOOP_DATES[:4], LOOP_DATES[3], *LOOP_DATES[5:]]
    problems = R.validate_history("basica", LOOP, same_day)
    assert [(p.position, p.field) for p in problems] == [(4, "event_date")]
    assert "posterior" in problems[0].message


def test_histories_sort_by_viability_round():
    events = [(s, o, d) for (s, o), d in zip(LOOP, LOOP_DATES, strict=True)]
    assert R.history_rounds(events) == [0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    shuffled = list(reversed(events))
    assert R.sort_history("basica", shuffled) == events
    # an exit on the day of the «no viable» stays in its round, after the evaluation
    out = [(ING, None, LOOP_DATES[0]), (SAL, R.EXIT_NO_VIABLE, LOOP_DATES[3]), (VIA, R.NO_VIABLE, LOOP_DATES[3])]
    assert [e[0] for e in R.sort_history("basica", out)] == [ING, VIA, SAL]


# ------------------------------------------------------------------------ entries


def test_entry_rules_per_route():
    assert R.entry_problem("basica", "hogar", R.BARRIDO) is None
    assert "solo por «barrido»" in R.entry_problem("basica", "hogar", R.CONVOCATORIA)
    assert "admite solo hogares" in R.entry_problem("basica", "opr", R.CONVOCATORIA)
    assert R.entry_problem("intermedia", "hogar", R.PROMOCION) is None
    assert R.entry_problem("intermedia", "hogar", R.BARRIDO) is None
    assert "«mecanismo_ingreso»" in R.entry_problem("intermedia", "hogar", R.CONVOCATORIA)
    assert R.entry_problem("intermedia", "opr", R.CONVOCATORIA) is None
    assert R.entry_problem("intermedia", "opr", R.BARRIDO) is not None
    assert R.entry_problem("competitividad", "opr", R.PROMOCION) is None
    assert R.entry_problem("competitividad", "opr", R.CONVOCATORIA) is None
    assert "admite solo OPR" in R.entry_problem("competitividad", "hogar", R.PROMOCION)


def test_promotion_targets():
    assert R.promotion_target("basica", "hogar", R.EXIT_GRADUADO) == ("intermedia", "hogar")
    assert R.promotion_target("intermedia", "opr", R.EXIT_GRADUADO) == ("competitividad", "opr")
    assert R.promotion_target("intermedia", "hogar", R.EXIT_GRADUADO) == ("competitividad", "opr")  # its OPR
    assert R.promotion_target("basica", "hogar", R.EXIT_ABANDONO) is None
    assert R.promotion_target("competitividad", "opr", R.EXIT_AUTOGESTION) is None


def test_outcomes_must_fit_the_stage_and_the_exit():
    bad_outcome = R.validate_history("basica", [(ING, None), (CAP, None), (FML, None), (VIA, "tal_vez")])
    assert "Resultado «tal_vez» no válido" in bad_outcome[0].message
    no_exit_outcome = R.validate_history("basica", [(ING, None), (SAL, None)])
    assert "La salida requiere un resultado" in no_exit_outcome[0].message
    graduated_early = R.validate_history("basica", [(ING, None), (CAP, None), (SAL, R.EXIT_GRADUADO)])
    assert "no corresponde a la etapa previa" in graduated_early[0].message
    wrong_reason = R.validate_history(
        "basica", [(ING, None), (CAP, None), (FML, None), (VIA, R.NO_VIABLE), (SAL, R.EXIT_ABANDONO)]
    )
    assert "use No viable" in wrong_reason[0].message
    assert R.validate_history(
        "basica", [(ING, None), (CAP, None), (FML, None), (VIA, R.NO_VIABLE), (SAL, R.EXIT_NO_VIABLE)]
    ) == []
    wrong_completion = R.validate_history("competitividad", full("competitividad", exit_outcome=R.EXIT_GRADUADO))
    assert "Asociación autogestionada" in wrong_completion[0].message


def test_dates_going_back_are_reported():
    history = [(ING, None), (CAP, None)]
    problems = R.validate_history("basica", history, [dt.date(2024, 3, 1), dt.date(2024, 2, 1)])
    assert [p.position for p in problems] == [1]
    assert "fecha es anterior" in problems[0].message


# ----------------------------------------------------------------------- funnel rules


def test_median_from_histogram_is_exact():
    assert median_from_histogram({}) is None
    assert median_from_histogram({5: 1}) == 5
    assert median_from_histogram({1: 1, 3: 1}) == 2  # even: mean of the middle two
    assert median_from_histogram({10: 2, 20: 1}) == 10
    assert median_from_histogram({10: 1, 11: 1, 30: 2}) == 20.5
    assert median_from_histogram({7: 0, 9: 3}) == 9


def test_build_funnel_counts_conversions_losses_and_medians():
    hist = {
        ING: {None: 4},
        CAP: {10: 3, 20: 1},
        FOR: {5: 1},
        FML: {7: 2, 9: 1},
        SAL: {},
    }
    exits = {(CAP, R.EXIT_ABANDONO): 1, (PLN, R.EXIT_GRADUADO): 0, (FML, "raro"): 1}
    rows = {r.stage: r for r in build_funnel("basica", hist, exits)}
    assert rows[ING].count == 4 and rows[ING].pct_entrants == 100.0 and rows[ING].conversion is None
    assert rows[CAP].count == 4 and rows[CAP].median_days == 10 and rows[CAP].days_measured == 4
    assert rows[CAP].losses == {R.EXIT_ABANDONO: 1}
    assert rows[FOR].count == 1 and rows[FOR].conversion == 25.0 and rows[FOR].optional
    assert rows[FML].count == 3 and rows[FML].conversion == 75.0 and rows[FML].base_stage == CAP
    assert rows[FML].losses == {"otro": 1} and rows[FML].median_days == 7
    assert rows[VIA].count == 0 and rows[VIA].conversion == 0.0 and rows[VIA].median_days is None
    assert rows[SOL].conversion is None  # nobody at the base stage: no conversion, not 0 %
    assert rows[FML].as_row()["lost_otro"] == 1 and rows[FML].as_row()["lost_total"] == 1


def test_compare_funnels_gives_deltas_in_points():
    a = build_funnel("basica", {ING: {None: 10}, CAP: {1: 5}}, {})
    b = build_funnel("basica", {ING: {None: 4}, CAP: {1: 3}}, {})
    cap = next(r for r in compare_funnels(a, b) if r["stage"] == CAP)
    assert cap["conversion_a"] == 50.0 and cap["conversion_b"] == 75.0
    assert cap["delta_conversion_pp"] == 25.0
    assert cap["count_a"] == 5 and cap["count_b"] == 3


def test_build_sankey_follows_promotions_to_the_exit():
    chains = [
        ("barrido", "basica", R.EXIT_GRADUADO, "intermedia", None, None, None, 2),  # promoted, in progress
        ("barrido", "basica", R.EXIT_ABANDONO, None, None, None, None, 3),
        ("barrido", "basica", R.EXIT_GRADUADO, None, None, None, None, 1),
        ("convocatoria", "intermedia", R.EXIT_GRADUADO, "competitividad", R.EXIT_AUTOGESTION, None, None, 4),
    ]
    s = build_sankey(chains)
    links = {(s.nodes[a], s.nodes[b]): n for a, b, n in s.links}
    assert links[(("entry", "barrido"), ("route", "basica"))] == 6
    assert links[(("route", "basica"), ("route", "intermedia"))] == 2
    assert links[(("route", "intermedia"), ("exit", IN_PROGRESS))] == 2
    assert links[(("route", "basica"), ("exit", LEFT))] == 3
    assert links[(("route", "basica"), ("exit", R.EXIT_GRADUADO))] == 1
    assert links[(("route", "competitividad"), ("exit", R.EXIT_AUTOGESTION))] == 4
    assert s.node_totals()[("route", "intermedia")] == 6


def test_cohort_round_trip_and_validation():
    c = Cohort.from_dict(
        {"quarters": "2024Q2, 2024Q1", "route": "basica", "sex": "F", "youth": "sí", "victim": False,
         "ethnicities": ["indigena"], "department_code": "05", "operator_id": "3"}
    )
    assert c.quarters == ("2024Q1", "2024Q2") and c.youth is True and c.victim is False and c.operator_id == 3
    assert Cohort.from_dict(c.to_dict()) == c
    assert Cohort().to_dict() == {} and Cohort().is_default
    assert c.person_filters and not Cohort(route="basica").person_filters
    with pytest.raises(ValueError, match="Trimestre «2024T1» no válido"):
        Cohort.from_dict({"quarters": ["2024T1"]})
    with pytest.raises(ValueError, match="Ruta «rural» no válida"):
        Cohort.from_dict({"route": "rural"})
    with pytest.raises(ValueError, match="entry_mechanisms"):
        Cohort.from_dict({"entry_mechanisms": ["otro"]})
    with pytest.raises(ValueError, match="desconocido"):
        Cohort.from_dict({"color": "rojo"})
    with pytest.raises(ValueError, match="5 dígitos"):
        Cohort.from_dict({"municipality_code": "123"})
