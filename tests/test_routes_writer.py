"""The route model as designed (issue 18), through the stage writer, on SQLite and PostgreSQL:
an operador records stage events and viability results for its own contracts' participants
only; «no viable» is a loop (reformulation with feedback), counted once in the funnel and in
the loop's own figures; a completed exit with a promotion creates the next route's linked
enrolment exactly once, even when two requests arrive together."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access.audit import log as audit
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Enrolment, ExitRecord, Household, StageEvent
from data_access.edits import stage as stage_edits
from data_access.edits.common import EditResult, PermissionDenied, ValidationFailed
from data_access.routes import funnels as F
from data_access.routes import promotion
from data_access.routes.loops import viability_loops
from rules.routes.funnels import Cohort
from tests.test_concurrency import _run_together
from tests.test_edit_support import audit_count, build, get

CUTOFF = GlobalFilters(cutoff=dt.date(2026, 6, 30))
FORWARD_BASICA = [("evaluacion_capacidades", None), ("formulacion", None), ("evaluacion_viabilidad", "viable"),
                  ("solicitud_cofinanciacion", None), ("requisitos_recursos", "cumple"),
                  ("servicios_activados", None), ("plan_completado", None)]


@pytest.fixture
def w(empty_store):
    return build(empty_store)


def _record(w, who, enr, stage, outcome, day, note="", **kw):
    version = get(w.url, Enrolment, enr).version
    return stage_edits.record_stage(w.v[who], enr, version, stage, outcome, day, note, url=w.url, **kw)


def _walk(w, enr, steps, start=dt.date(2025, 3, 1), who="analista"):
    for i, (stage, outcome) in enumerate(steps):
        _record(w, who, enr, stage, outcome, start + dt.timedelta(days=10 * i))


def _successors(url, enrolment_id) -> list[Enrolment]:
    with session_scope(url) as s:
        rows = s.scalars(select(Enrolment).where(Enrolment.previous_enrolment_id == enrolment_id)).all()
        s.expunge_all()
        return rows


# ------------------------------------------------------------------ operator recording


def test_an_operador_records_viability_for_its_own_contract_only(w):
    steps = [("evaluacion_capacidades", None), ("formacion", None), ("formulacion", None)]
    _walk(w, w.enr_opr, steps, who="operador_b")  # the OPR enrolment runs under operator B's contract
    res = _record(w, "operador_b", w.enr_opr, "evaluacion_viabilidad", "viable", "2025-04-15")
    assert isinstance(res, EditResult)
    enr = get(w.url, Enrolment, w.enr_opr)
    assert (enr.current_stage, enr.status) == ("evaluacion_viabilidad", "activo")
    with session_scope(w.url) as s:
        by = s.scalars(select(StageEvent.registered_by).where(StageEvent.enrolment_id == w.enr_opr,
                                                              StageEvent.stage == "evaluacion_viabilidad")).all()
    assert by == ["operador_b"]
    # another operator's participant: refused with the reason, nothing written
    before, version = audit_count(w.url), enr.version
    with pytest.raises(PermissionDenied) as info:
        _record(w, "operador", w.enr_opr, "solicitud_cofinanciacion", None, "2025-05-01")
    assert "solo registra etapas y resultados de viabilidad de los participantes de sus propios contratos" in \
        info.value.message
    assert audit_count(w.url) == before and get(w.url, Enrolment, w.enr_opr).version == version
    # and a participant without a contract is no operator's
    with pytest.raises(PermissionDenied):
        _record(w, "operador_b", w.enr_hh, "evaluacion_capacidades", None, "2025-02-01")
    # the form lists exactly the participants of the operator's contracts
    assert [r["id"] for r in stage_edits.find_enrolments(w.v["operador_b"], url=w.url)] == [w.enr_opr]
    assert stage_edits.find_enrolments(w.v["operador"], url=w.url) == []
    assert stage_edits.enrolment_detail(w.v["operador"], w.enr_opr, url=w.url) is None
    assert audit.verify(w.url).ok


# ------------------------------------------------------------------ the viability loop


def test_no_viable_loops_back_to_formulation_with_feedback(w):
    _walk(w, w.enr_hh, [("evaluacion_capacidades", None), ("formulacion", None)])
    _record(w, "analista", w.enr_hh, "evaluacion_viabilidad", "no_viable", "2025-04-01")
    detail = stage_edits.enrolment_detail(w.v["analista"], w.enr_hh, url=w.url)
    assert detail["allowed_next"] == ["formulacion", "salida"] and detail["exit_outcomes"] == ["no_viable"]
    for day, note, field in (("2025-05-01", "  ", "note"), ("2025-04-01", "Ajustar costos", "event_date")):
        with pytest.raises(ValidationFailed) as info:
            _record(w, "analista", w.enr_hh, "formulacion", None, day, note)
        assert {e.field for e in info.value.errors} == {field}
    _record(w, "analista", w.enr_hh, "formulacion", None, "2025-05-01", "Retroalimentación: ajustar costos")
    enr = get(w.url, Enrolment, w.enr_hh)
    assert (enr.current_stage, enr.furthest_stage_order, enr.status) == ("formulacion", 5, "activo")
    _record(w, "analista", w.enr_hh, "evaluacion_viabilidad", "no_viable", "2025-06-01")
    _record(w, "analista", w.enr_hh, "formulacion", None, "2025-07-01", "Retroalimentación: precisar el mercado")
    _record(w, "analista", w.enr_hh, "evaluacion_viabilidad", "viable", "2025-08-01")
    assert get(w.url, Enrolment, w.enr_hh).current_stage == "evaluacion_viabilidad"
    # the OPR enrolment is still in the loop at the cut-off: reformulating, not lost
    _walk(w, w.enr_opr, [("evaluacion_capacidades", None), ("formacion", None), ("formulacion", None),
                         ("evaluacion_viabilidad", "no_viable")])

    funnels = F.funnel(w.v["analista"], CUTOFF, Cohort(), w.url)
    basica = {r.stage: r for r in funnels["basica"]}
    assert (basica["formulacion"].count, basica["evaluacion_viabilidad"].count) == (1, 1)  # once, not per round
    assert basica["solicitud_cofinanciacion"].count == 0 and basica["evaluacion_viabilidad"].lost == 0
    intermedia = {r.stage: r for r in funnels["intermedia"]}
    assert intermedia["evaluacion_viabilidad"].count == 1 and intermedia["evaluacion_viabilidad"].lost == 0

    loops = viability_loops(w.v["analista"], CUTOFF, Cohort(), w.url)
    days = (dt.date(2025, 8, 1) - dt.date(2025, 4, 1)).days  # first «no viable» → viable: 122
    assert loops["basica"].as_row() == {"route": "basica", "participants": 1, "reformulations": 2, "resolved": 1,
                                        "in_loop": 0, "exited": 0, "days_lost_median": days,
                                        "days_lost_total": days}
    assert loops["intermedia"].as_row() == {"route": "intermedia", "participants": 1, "reformulations": 0,
                                            "resolved": 0, "in_loop": 1, "exited": 0, "days_lost_median": None,
                                            "days_lost_total": 0}
    assert loops["competitividad"].participants == 0
    # the loop is scoped like the funnel: a comité of another office sees none of it
    assert viability_loops(w.v["comite_pac"], CUTOFF, Cohort(), w.url)["basica"].participants == 0
    # leaving after the loop is a loss at evaluación, for a stated reason
    _record(w, "analista", w.enr_opr, "salida", "no_viable", "2025-05-20")
    loops = viability_loops(w.v["analista"], CUTOFF, Cohort(), w.url)
    assert (loops["intermedia"].in_loop, loops["intermedia"].exited) == (0, 1)
    lost = {r.stage: r for r in F.funnel(w.v["analista"], CUTOFF, Cohort(), w.url)["intermedia"]}
    assert lost["evaluacion_viabilidad"].losses == {"no_viable": 1}
    assert audit.verify(w.url).ok


# ------------------------------------------------------------------ promotion


def test_a_graduation_with_promotion_creates_the_linked_enrolment(w):
    _walk(w, w.enr_hh, FORWARD_BASICA)
    with pytest.raises(ValidationFailed) as info:
        _record(w, "analista", w.enr_hh, "salida", "abandono", "2025-06-01", promote=True)
    assert "solo se promueve una salida graduada" in info.value.errors[0].message
    assert _successors(w.url, w.enr_hh) == []
    _record(w, "comite", w.enr_hh, "salida", "graduado", "2025-06-01", promote=True)
    old = get(w.url, Enrolment, w.enr_hh)
    [new] = _successors(w.url, w.enr_hh)
    assert (old.status, old.exit_outcome) == ("finalizado", "graduado")
    assert (new.route, new.participant_kind, new.household_id, new.entry_mechanism, new.entry_date,
            new.contract_id, new.operator_id, new.current_stage, new.status) == (
        "intermedia", "hogar", old.household_id, "promocion", dt.date(2025, 6, 1), w.contract_a, w.op_a,
        "ingreso", "activo")
    with session_scope(w.url) as s:
        assert s.scalars(select(StageEvent.stage).where(StageEvent.enrolment_id == new.id)).all() == ["ingreso"]
        assert s.scalar(select(func.count()).select_from(ExitRecord)
                        .where(ExitRecord.enrolment_id == w.enr_hh)) == 1  # the exit is sealed too
    # the Sankey follows the real link: one participant from básica to intermedia
    sankey = F.sankey(w.v["analista"], GlobalFilters(cutoff=dt.date(2025, 12, 31)), Cohort(route="basica"), w.url)
    flows = {(sankey.nodes[a], sankey.nodes[b]): n for a, b, n in sankey.links}
    assert flows[("route", "basica"), ("route", "intermedia")] == 1
    assert audit.verify(w.url).ok


def test_a_household_leaving_intermedia_is_promoted_as_its_opr(w):
    """Competitividad takes associations: a household's graduation from intermedia enters it as the
    OPR the household belongs to, and is refused (with the fix) when it belongs to none."""
    with session_scope(w.url, write=True) as s:
        enr = s.get(Enrolment, w.enr_opr)
        hh = s.get(Household, get(w.url, Enrolment, w.enr_hh).household_id)
        leaving = _as_intermedia_household(enr, hh.id)
        with pytest.raises(promotion.PromotionRefused, match="no pertenece a ninguna"):
            promotion.plan(s, leaving, "graduado", dt.date(2025, 9, 1))
        hh.opr_id = enr.opr_id
        s.flush()
        target = promotion.plan(s, leaving, "graduado", dt.date(2025, 9, 1))
        assert (target.route, target.participant_kind, target.opr_id, target.household_id, target.entry_date) == (
            "competitividad", "opr", enr.opr_id, None, dt.date(2025, 9, 1))


def _as_intermedia_household(enr, household_id):
    """The OPR enrolment's row read as a household's intermedia enrolment (for the plan only)."""
    from types import SimpleNamespace

    return SimpleNamespace(id=enr.id, route="intermedia", participant_kind="hogar", household_id=household_id,
                           opr_id=None, municipality_code=enr.municipality_code, operator_id=enr.operator_id)


def test_two_graduations_at_once_create_one_enrolment(w):
    _walk(w, w.enr_hh, FORWARD_BASICA)
    opened = get(w.url, Enrolment, w.enr_hh).version
    results = _run_together([
        lambda who=who: stage_edits.record_stage(w.v[who], w.enr_hh, opened, "salida", "graduado", "2025-06-01",
                                                 url=w.url, promote=True)
        for who in ("analista", "comite")
    ])
    assert sorted(type(r).__name__ for r in results) == ["EditResult", "StaleEdit"], results
    assert len(_successors(w.url, w.enr_hh)) == 1
    assert audit.verify(w.url).ok


def test_two_promotions_of_one_exit_at_once_create_one_enrolment(w):
    """Below the writer's version check: two transactions promoting the same exit, each under the
    exited enrolment's row lock, create it once (the second finds the first)."""
    _walk(w, w.enr_hh, FORWARD_BASICA)
    _record(w, "analista", w.enr_hh, "salida", "graduado", "2025-06-01")

    def promote():
        with session_scope(w.url, write=True) as s:
            enr = s.execute(select(Enrolment).where(Enrolment.id == w.enr_hh).with_for_update()).scalar_one()
            target = promotion.plan(s, enr, "graduado", dt.date(2025, 6, 1), lock=True)
            return None if target is None else promotion.create(s, target, by="t", registered_on=CUTOFF.cutoff).id

    results = _run_together([promote, promote])
    assert len([r for r in results if isinstance(r, int)]) == 1 and results.count(None) == 1, results
    assert [e.id for e in _successors(w.url, w.enr_hh)] == [r for r in results if isinstance(r, int)]
