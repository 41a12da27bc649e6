"""Funnels, Sankey, coverage, participant lists and saved cohorts counted in SQL, checked
against a small hand-built programme (exact numbers) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.audit import log as audit
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Enrolment, Household, Operator, Opr, ServiceDelivery, StageEvent
from data_access.core.scope import NOBODY, Viewer
from data_access.routes import funnels as F
from rules.core.calendar import quarter_of
from rules.core.catalog import BASIC_ROUTE_SERVICES
from rules.routes import model as R
from rules.routes.funnels import IN_PROGRESS, LEFT, Cohort

ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL = R.STAGES
MEDELLIN, BARRANQUILLA = "05001", "08001"  # oficinas NOC (id 1) and CAR (id 2)
CAR_OFFICE = 2
CUTOFF = dt.date(2026, 9, 30)

ANALYST = Viewer("ana", "analista_pmo", scope_label="Nacional")
ADMIN = Viewer("root", "admin", scope_label="Nacional")
DIRECTIVE = Viewer("dir", "directivo", scope_label="Nacional")
COMITE_CAR = Viewer("comite", "comite_regional", regional_office_id=CAR_OFFICE, scope_label="CAR")
OPERATOR_1 = Viewer("op1", "operador", operator_id=1, scope_label="Operador 1")

# Each participant: (key, route, mechanism, entry date, municipality, operator, person, history)
# history = [(stage, outcome, days after the previous event)]; person = (sex, youth, ethnicity, victim)
# or None for an association (OPR).
WOMAN_YOUTH_VICTIM = ("F", True, "indigena", True)
MAN = ("M", False, "ninguna", False)
WOMAN = ("F", False, "afrocolombiana", False)
PEOPLE = {
    # Graduated, with training; later promoted to intermedia (I1).
    "B1": ("basica", "barrido", dt.date(2024, 1, 10), MEDELLIN, 1, WOMAN_YOUTH_VICTIM, [
        (ING, None, 0), (CAP, None, 10), (FOR, None, 20), (FML, None, 10), (VIA, R.VIABLE, 30),
        (SOL, None, 30), (REQ, R.CUMPLE, 20), (SRV, None, 10), (PLN, None, 180), (SAL, R.EXIT_GRADUADO, 10)]),
    # No training (optional in básica); not viable → exit.
    "B2": ("basica", "barrido", dt.date(2024, 2, 1), MEDELLIN, 1, MAN, [
        (ING, None, 0), (CAP, None, 10), (FML, None, 20), (VIA, R.NO_VIABLE, 10), (SAL, R.EXIT_NO_VIABLE, 10)]),
    # Drops out after the capacity evaluation.
    "B3": ("basica", "convocatoria", dt.date(2024, 3, 1), BARRANQUILLA, 2, WOMAN, [
        (ING, None, 0), (CAP, None, 30), (SAL, R.EXIT_ABANDONO, 10)]),
    # Requirements not met → exit.
    "B4": ("basica", "barrido", dt.date(2024, 1, 15), BARRANQUILLA, 2, WOMAN, [
        (ING, None, 0), (CAP, None, 10), (FOR, None, 10), (FML, None, 10), (VIA, R.VIABLE, 10),
        (SOL, None, 10), (REQ, R.NO_CUMPLE, 10), (SAL, R.EXIT_REQUISITOS, 10)]),
    # Still active at the cut-off; its plan is completed only after the cut-off.
    "B5": ("basica", "barrido", dt.date(2024, 2, 10), MEDELLIN, 1, MAN, [
        (ING, None, 0), (CAP, None, 10), (FOR, None, 10), (FML, None, 10), (VIA, R.VIABLE, 15),
        (SOL, None, 10), (REQ, R.CUMPLE, 10), (SRV, None, 10), (PLN, None, 903)]),
    # Another cohort (2024Q2).
    "B6": ("basica", "barrido", dt.date(2024, 4, 5), MEDELLIN, 1, MAN, [(ING, None, 0)]),
    # Enters after the cut-off: never an entrant.
    "B7": ("basica", "barrido", dt.date(2026, 10, 5), MEDELLIN, 1, MAN, [(ING, None, 0)]),
    # Association on intermedia: drops out.
    "I2": ("intermedia", "convocatoria", dt.date(2024, 2, 15), BARRANQUILLA, 3, None, [
        (ING, None, 0), (CAP, None, 20), (SAL, R.EXIT_ABANDONO, 5)]),
    # Association on competitividad: completes as a self-managing association.
    "C1": ("competitividad", "convocatoria", dt.date(2024, 3, 10), MEDELLIN, 3, None, [
        (ING, None, 0), (CAP, None, 5), (FOR, None, 5), (FML, None, 5), (VIA, R.VIABLE, 5), (SOL, None, 5),
        (REQ, R.CUMPLE, 5), (SRV, None, 5), (PLN, None, 100), (SAL, R.EXIT_AUTOGESTION, 5)]),
}
# B1 promoted to intermedia (same household), still there.
PROMOTED = ("I1", "B1", "intermedia", dt.date(2024, 12, 20), MEDELLIN, 3, [
    (ING, None, 0), (CAP, None, 16), (FOR, None, 30), (FML, None, 30), (VIA, R.VIABLE, 30), (SOL, None, 30),
    (REQ, R.CUMPLE, 30), (SRV, None, 30)])
DELIVERIES = [  # (participant, service, date)
    ("B1", "asistencia_tecnica", dt.date(2024, 6, 1)),
    ("B1", "asistencia_tecnica", dt.date(2024, 7, 1)),
    ("B1", "comercializacion", dt.date(2024, 8, 1)),
    ("B5", "asistencia_tecnica", dt.date(2024, 5, 10)),
    ("B5", "financieros", dt.date(2026, 10, 20)),  # after the cut-off
    ("C1", "asociatividad", dt.date(2024, 6, 1)),
]


def _dated(entry: dt.date, history):
    out, day = [], entry
    for stage, outcome, gap in history:
        day = day + dt.timedelta(days=gap)
        out.append((stage, outcome, day))
    return out


def _enrolment(s, key, route, mechanism, entry, muni, operator, history, household=None, opr=None, previous=None):
    events = _dated(entry, history)
    assert R.validate_history(route, [(st, o) for st, o, _ in events], [d for *_, d in events]) == [], key
    model = R.route_model(route)
    non_exit = [st for st, _, _ in events if st != SAL]
    exit_ev = next(((o, d) for st, o, d in events if st == SAL), None)
    e = Enrolment(
        participant_kind="hogar" if household else "opr",
        household_id=household, opr_id=opr, route=route, entry_mechanism=mechanism, entry_date=entry,
        cohort_quarter=quarter_of(entry), municipality_code=muni, operator_id=operator,
        current_stage=events[-1][0], furthest_stage_order=max(model.order(st) for st in non_exit),
        status="activo" if exit_ev is None else ("finalizado" if exit_ev[0] in R.COMPLETED_EXITS else "salido"),
        exit_outcome=exit_ev[0] if exit_ev else None, exit_date=exit_ev[1] if exit_ev else None,
        previous_enrolment_id=previous, version=1,
    )
    s.add(e)
    s.flush()
    for st, o, d in events:
        s.add(StageEvent(enrolment_id=e.id, stage=st, event_date=d, outcome=o, registered_on=d, registered_by="t"))
    return e.id


@pytest.fixture
def programme(empty_store):
    """The hand-built programme; returns (url, {key: enrolment id})."""
    ids: dict[str, int] = {}
    with session_scope(empty_store, write=True) as s:
        for i in (1, 2, 3):
            s.add(Operator(id=i, code=f"OP{i}", name=f"Operador {i}"))
        s.flush()
        n = 0
        for key, (route, mech, entry, muni, op, person, history) in PEOPLE.items():
            n += 1
            household = opr = None
            if person:
                sex, youth, eth, victim = person
                h = Household(code=f"H-{key}", head_name=f"Jefe {key}", document_id=f"10{n:08d}",
                              municipality_code=muni, sex=sex, age=22 if youth else 45, youth=youth,
                              ethnicity=eth, victim=victim, registered_on=entry, version=1)
                s.add(h)
                s.flush()
                household = h.id
            else:
                o = Opr(nit=f"90000000{n}", name=f"Asociación {key}", municipality_code=muni, members=20,
                        formalised=True, version=1)
                s.add(o)
                s.flush()
                opr = o.id
            ids[key] = _enrolment(s, key, route, mech, entry, muni, op, history, household, opr)
        key, prev, route, entry, muni, op, history = PROMOTED
        hh = s.get(Enrolment, ids[prev]).household_id
        ids[key] = _enrolment(s, key, route, "promocion", entry, muni, op, history, household=hh, previous=ids[prev])
        for who, service, day in DELIVERIES:
            s.add(ServiceDelivery(enrolment_id=ids[who], service_type_code=service, operator_id=1,
                                  municipality_code=PEOPLE[who][3], delivery_date=day, registered_on=day))
    return empty_store, ids


def filters(**kw) -> GlobalFilters:
    return GlobalFilters(cutoff=kw.pop("cutoff", CUTOFF), **kw)


Q1 = Cohort(quarters=("2024Q1",))


def rows_by_stage(funnel, route):
    return {r.stage: r for r in funnel[route]}


# ---------------------------------------------------------------------------- funnels


def test_basica_funnel_exact_counts_conversions_losses_and_medians(programme):
    url, _ = programme
    fun = F.funnel(ANALYST, filters(), Q1, url)
    assert list(fun) == ["basica", "intermedia", "competitividad"]
    b = rows_by_stage(fun, "basica")
    assert [b[s].count for s in R.STAGES] == [5, 5, 3, 4, 4, 3, 3, 2, 1, 1]
    assert b[FOR].optional and b[FOR].pct_entrants == 60.0
    assert b[FML].pct_entrants == 80.0
    assert b[CAP].conversion == 100.0
    assert b[FOR].conversion == 60.0 and b[FOR].base_stage == CAP
    assert b[FML].conversion == 80.0 and b[FML].base_stage == CAP  # from the previous mandatory stage
    assert b[SOL].conversion == 75.0
    assert round(b[SRV].conversion, 4) == round(200 / 3, 4)
    assert b[PLN].conversion == 50.0  # B5's plan is after the cut-off
    assert b[SAL].conversion == 100.0 and b[SAL].count == 1  # completed exits only
    assert b[ING].conversion is None and b[ING].median_days is None
    # Losses right after the stage, by reason.
    assert b[CAP].losses == {R.EXIT_ABANDONO: 1}
    assert b[VIA].losses == {R.EXIT_NO_VIABLE: 1}
    assert b[REQ].losses == {R.EXIT_REQUISITOS: 1}
    assert sum(r.lost for r in fun["basica"]) == 3
    # Median days since the previous stage reached (exact; even n → mean of the middle two).
    assert b[CAP].median_days == 10 and b[CAP].days_measured == 5  # 10, 10, 10, 10, 30
    assert b[FOR].median_days == 10  # 20, 10, 10
    assert b[FML].median_days == 10  # 10 (after training), 20 (after capacity evaluation), 10, 10
    assert b[VIA].median_days == 12.5  # 30, 10, 10, 15
    assert b[SOL].median_days == 10 and b[REQ].median_days == 10 and b[SRV].median_days == 10
    assert b[PLN].median_days == 180 and b[PLN].days_measured == 1
    assert b[SAL].median_days == 10


def test_other_routes_and_quarters(programme):
    url, _ = programme
    fun = F.funnel(ANALYST, filters(), Q1, url)
    i = rows_by_stage(fun, "intermedia")
    assert [i[s].count for s in R.STAGES] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]  # I1 entered in 2024Q4
    assert i[CAP].losses == {R.EXIT_ABANDONO: 1} and i[CAP].median_days == 20
    c = rows_by_stage(fun, "competitividad")
    assert [c[s].count for s in R.STAGES] == [1] * 10
    assert c[PLN].median_days == 100 and c[SAL].median_days == 5
    every = F.funnel(ANALYST, filters(), Cohort(), url)
    assert every["basica"][0].count == 6  # + B6 (2024Q2); B7 entered after the cut-off
    assert rows_by_stage(every, "intermedia")[SRV].count == 1  # I1
    assert rows_by_stage(every, "intermedia")[FOR].median_days == 30


def test_cutoff_counts_only_events_up_to_it(programme):
    url, _ = programme
    fun = F.funnel(ANALYST, filters(cutoff=dt.date(2024, 2, 5)), Q1, url)
    b = rows_by_stage(fun, "basica")
    assert b[ING].count == 3  # B1 (10/01), B4 (15/01), B2 (01/02)
    assert b[CAP].count == 2 and b[FOR].count == 1 and b[FML].count == 0  # B1 trained on 09/02
    assert sum(r.lost for r in fun["basica"]) == 0
    later = rows_by_stage(F.funnel(ANALYST, filters(cutoff=dt.date(2026, 11, 23)), Q1, url), "basica")
    assert later[PLN].count == 2  # B5's plan (15/10/2026) now counts


def test_cohort_filters(programme):
    url, _ = programme
    f = filters()

    def entrants(cohort, route="basica", viewer=ANALYST, **kw):
        return F.funnel(viewer, filters(**kw) if kw else f, cohort, url).get(route, [None])[0].count

    assert entrants(Q1.with_(sex="F")) == 3  # B1, B3, B4
    assert F.funnel(ANALYST, f, Q1.with_(sex="F"), url)["competitividad"][0].count == 0  # OPR excluded
    assert entrants(Q1.with_(youth=True)) == 1 and entrants(Q1.with_(victim=True)) == 1
    assert entrants(Q1.with_(youth=False)) == 4
    assert entrants(Q1.with_(ethnicities=("afrocolombiana", "indigena"))) == 3
    assert entrants(Q1.with_(entry_mechanisms=("convocatoria",))) == 1
    assert entrants(Q1.with_(department_code="05")) == 3
    assert entrants(Q1.with_(municipality_code=BARRANQUILLA)) == 2
    assert entrants(Q1.with_(regional_office_id=CAR_OFFICE)) == 2
    assert entrants(Q1, regional_office_id=CAR_OFFICE) == 2  # the global filter does the same
    assert entrants(Q1.with_(operator_id=2)) == 2
    assert list(F.funnel(ANALYST, f, Q1.with_(route="intermedia"), url)) == ["intermedia"]
    assert F.funnel(ANALYST, filters(route="basica"), Q1.with_(route="intermedia"), url) == {}
    assert entrants(Q1, period_start=dt.date(2024, 2, 1)) == 3  # B2, B3, B5


def test_scope_comite_and_operator_and_nobody(programme):
    url, _ = programme
    f = filters()
    comite = F.funnel(COMITE_CAR, f, Q1, url)
    assert comite["basica"][0].count == 2 and comite["intermedia"][0].count == 1  # B3, B4; I2
    assert comite["competitividad"][0].count == 0
    op = F.funnel(OPERATOR_1, f, Q1, url)
    assert op["basica"][0].count == 3 and op["intermedia"][0].count == 0  # B1, B2, B5
    assert all(r.count == 0 for rows in F.funnel(NOBODY, f, Q1, url).values() for r in rows)
    assert F.cohort_quarters(COMITE_CAR, url) == ["2024Q1"]
    assert F.cohort_quarters(ANALYST, url) == ["2024Q1", "2024Q2", "2024Q4", "2026Q4"]
    assert F.cohort_quarters(NOBODY, url) == []
    assert [o[0] for o in F.operators(OPERATOR_1, url)] == []  # no contracts in this dataset
    assert [o[0] for o in F.operators(ANALYST, url)] == []


# ----------------------------------------------------------------------------- Sankey


def test_sankey_follows_promotions(programme):
    url, _ = programme
    s = F.sankey(ANALYST, filters(), Q1, url)
    links = {(s.nodes[a], s.nodes[b]): n for a, b, n in s.links}
    assert links == {
        (("entry", "barrido"), ("route", "basica")): 4,
        (("entry", "convocatoria"), ("route", "basica")): 1,
        (("entry", "convocatoria"), ("route", "intermedia")): 1,
        (("entry", "convocatoria"), ("route", "competitividad")): 1,
        (("route", "basica"), ("route", "intermedia")): 1,
        (("route", "basica"), ("exit", LEFT)): 3,
        (("route", "basica"), ("exit", IN_PROGRESS)): 1,
        (("route", "intermedia"), ("exit", IN_PROGRESS)): 1,
        (("route", "intermedia"), ("exit", LEFT)): 1,
        (("route", "competitividad"), ("exit", R.EXIT_AUTOGESTION)): 1,
    }
    totals = s.node_totals()
    assert totals[("route", "basica")] == 5 and totals[("route", "intermedia")] == 2
    # Before the promotion (and before B1 graduated) B1 is still in básica.
    early = F.sankey(ANALYST, filters(cutoff=dt.date(2024, 6, 30)), Q1, url)
    early_links = {(early.nodes[a], early.nodes[b]): n for a, b, n in early.links}
    assert (("route", "basica"), ("route", "intermedia")) not in early_links
    assert early_links[(("route", "basica"), ("exit", IN_PROGRESS))] == 2  # B1, B5


def test_sankey_scope_starts_chains_at_the_first_visible_enrolment(programme):
    url, _ = programme
    op3 = Viewer("op3", "operador", operator_id=3)
    s = F.sankey(op3, filters(), Cohort(quarters=("2024Q4",)), url)
    links = {(s.nodes[a], s.nodes[b]): n for a, b, n in s.links}
    # I1's básica enrolment belongs to another operator: the chain starts at I1.
    assert links == {(("entry", "promocion"), ("route", "intermedia")): 1,
                     (("route", "intermedia"), ("exit", IN_PROGRESS)): 1}


# ----------------------------------------------------------------------- services


def test_service_coverage(programme):
    url, _ = programme
    cov = {(r["route"], r["service"]): r for r in F.service_coverage(ANALYST, filters(), Q1, url)}
    assert {s for r, s in cov if r == "basica"} == set(BASIC_ROUTE_SERVICES)  # básica gets its four
    assert len([k for k in cov if k[0] == "intermedia"]) == 8
    at = cov[("basica", "asistencia_tecnica")]
    assert (at["activated"], at["received"], at["coverage_pct"]) == (2, 2, 100.0)
    assert cov[("basica", "comercializacion")]["coverage_pct"] == 50.0
    assert cov[("basica", "financieros")]["received"] == 0  # delivered after the cut-off
    assert cov[("intermedia", "asistencia_tecnica")]["coverage_pct"] is None  # nobody activated
    assert cov[("competitividad", "asociatividad")]["coverage_pct"] == 100.0


# -------------------------------------------------------------------- participants


def test_participants_behind_a_stage(programme):
    url, ids = programme
    f = filters()
    page = F.participants(ANALYST, f, Q1, "basica", FML, url=url)
    assert page.total == 4
    assert [r["enrolment_id"] for r in page.rows] == sorted(ids[k] for k in ("B1", "B2", "B4", "B5"))
    b2 = next(r for r in page.rows if r["enrolment_id"] == ids["B2"])
    assert b2["name"] == "Jefe B2" and b2["participant_code"] == "H-B2"
    assert b2["stage_date"] == dt.date(2024, 3, 2) and b2["last_stage"] == SAL
    assert b2["exit_outcome"] == R.EXIT_NO_VIABLE
    assert b2["municipality"] == "Medellín" and b2["operator_code"] == "OP1"
    lost = F.participants(ANALYST, f, Q1, "basica", CAP, "lost", url=url)
    assert [r["enrolment_id"] for r in lost.rows] == [ids["B3"]]
    assert F.participants(ANALYST, f, Q1, "basica", VIA, "lost", R.EXIT_NO_VIABLE, url=url).total == 1
    assert F.participants(ANALYST, f, Q1, "basica", VIA, "lost", R.EXIT_ABANDONO, url=url).total == 0
    active = F.participants(ANALYST, f, Q1, "basica", SRV, "active", url=url)
    assert [r["enrolment_id"] for r in active.rows] == [ids["B5"]] and active.rows[0]["last_stage"] == SRV
    done = F.participants(ANALYST, f, Q1, "competitividad", SAL, url=url)
    assert done.total == 1 and done.rows[0]["participant_code"] == "900000009"
    # Pagination.
    p2 = F.participants(ANALYST, f, Q1, "basica", ING, page=2, page_size=2, url=url)
    assert p2.total == 5 and p2.pages == 3 and len(p2.rows) == 2
    assert [r["enrolment_id"] for r in p2.rows] == sorted(ids[k] for k in ("B1", "B2", "B3", "B4", "B5"))[2:4]
    assert len(F.participants(ANALYST, f, Q1, "basica", ING, url=url, limit=3).rows) == 3


def test_participant_lists_personal_data_and_scope_per_role(programme):
    url, ids = programme
    f = filters()
    for viewer in (DIRECTIVE, COMITE_CAR, OPERATOR_1):
        page = F.participants(viewer, f, Q1, "basica", ING, url=url)
        assert "name" not in page.columns and "document_id" not in page.columns
        assert all("name" not in r and "document_id" not in r for r in page.rows)
        assert not page.personal_data
    assert "name" in F.participants(Viewer("root", "admin"), f, Q1, "basica", ING, url=url).columns
    comite = F.participants(COMITE_CAR, f, Q1, "basica", ING, url=url)
    assert {r["municipality_code"] for r in comite.rows} == {BARRANQUILLA} and comite.total == 2
    op = F.participants(OPERATOR_1, f, Q1, "basica", ING, url=url)
    assert {r["enrolment_id"] for r in op.rows} == {ids["B1"], ids["B2"], ids["B5"]}
    assert F.participants(NOBODY, f, Q1, "basica", ING, url=url).total == 0


def test_participant_arguments_are_validated(programme):
    url, _ = programme
    with pytest.raises(ValueError, match="Etapa «nada» desconocida"):
        F.participants(ANALYST, filters(), Q1, "basica", "nada", url=url)
    with pytest.raises(ValueError, match="Selección"):
        F.participants(ANALYST, filters(), Q1, "basica", ING, "todos", url=url)
    with pytest.raises(ValueError, match="no tiene pérdidas"):
        F.participants(ANALYST, filters(), Q1, "basica", SAL, "lost", url=url)


# --------------------------------------------------------------------- saved cohorts


def test_saved_cohorts_are_per_user(empty_store):
    url = empty_store
    c = Cohort(quarters=("2024Q1",), sex="F", department_code="05")
    assert F.save_cohort(ANALYST, "  Mujeres   Antioquia ", c, url) == "Mujeres Antioquia"
    F.save_cohort(ANALYST, "Todo", Cohort(), url)
    assert F.saved_cohorts(ANALYST, url) == [("Mujeres Antioquia", c), ("Todo", Cohort())]
    F.save_cohort(ANALYST, "Todo", Cohort(route="basica"), url)  # overwrite by name
    assert dict(F.saved_cohorts(ANALYST, url))["Todo"] == Cohort(route="basica")
    assert F.saved_cohorts(COMITE_CAR, url) == []  # another user's list
    assert F.delete_saved_cohort(ANALYST, "Todo", url) and not F.delete_saved_cohort(ANALYST, "Todo", url)
    assert [n for n, _ in F.saved_cohorts(ANALYST, url)] == ["Mujeres Antioquia"]
    with pytest.raises(ValueError, match="vacío"):
        F.save_cohort(ANALYST, "   ", c, url)
    with pytest.raises(PermissionError):
        F.save_cohort(NOBODY, "x", c, url)
    assert F.saved_cohorts(NOBODY, url) == []
    # Saving, overwriting and deleting are changes to the shared store: each one is audited.
    trail = [(e["username"], e["action"]) for e in audit.entries(ADMIN, entity="saved_cohort", url=url)]
    assert trail == [("ana", "delete"), ("ana", "update"), ("ana", "create"), ("ana", "create")]
    assert audit.verify(url).ok


def test_page_reads_entry_point(programme):
    url, _ = programme
    out = F.routes_page_reads(url, ANALYST, filters(), Q1)
    assert out["funnel"]["basica"][0].count == 5
    for view in F.VIEWS:
        assert F.routes_page_reads(url, ANALYST, filters(), Q1, view=view, other=Cohort())


# ------------------------------------------------------------- demo-scale cross-check


def _reference_funnel(url: str, cohort_quarters: set[str], cutoff: dt.date) -> dict:
    """The básica funnel recomputed in Python from every row (test only)."""
    from collections import defaultdict

    from sqlalchemy import select

    from data_access.core.db import get_engine
    from rules.routes.funnels import build_funnel

    with get_engine(url).connect() as conn:
        enr = {
            i: q for i, q in conn.execute(
                select(Enrolment.id, Enrolment.cohort_quarter).where(
                    Enrolment.route == "basica", Enrolment.entry_date <= cutoff))
            if q in cohort_quarters
        }
        events = defaultdict(dict)
        for eid, stage, day, outcome in conn.execute(
                select(StageEvent.enrolment_id, StageEvent.stage, StageEvent.event_date, StageEvent.outcome)
                .where(StageEvent.event_date <= cutoff)):
            if eid in enr and (stage not in events[eid] or day < events[eid][stage][0]):
                events[eid][stage] = (day, outcome)  # reached on its first date (a reformulation repeats one)
    hist: dict = defaultdict(lambda: defaultdict(int))
    exits: dict = defaultdict(int)
    for _eid, evs in events.items():
        reached = [s for s in R.STAGES if s in evs]
        prev = None
        for s in reached:
            if s == SAL:
                outcome = evs[s][1]
                exits[(R.last_stage_before_exit("basica", set(reached)), outcome)] += 1
                if outcome not in R.COMPLETED_EXITS:
                    continue
            hist[s][None if prev is None else (evs[s][0] - evs[prev][0]).days] += 1
            prev = s
    return build_funnel("basica", hist, exits)


def test_funnel_matches_a_python_reference_on_demo_data(demo_store):
    cutoff = dt.date(2026, 9, 30)
    for quarters in ({"2024Q1"}, {"2025Q2", "2025Q3"}):
        sql = F.funnel(ANALYST, filters(cutoff=cutoff), Cohort(quarters=tuple(sorted(quarters)), route="basica"),
                       demo_store)["basica"]
        ref = _reference_funnel(demo_store, quarters, cutoff)
        assert sql == ref
        assert sql[0].count > 50 and any(r.lost for r in sql)
