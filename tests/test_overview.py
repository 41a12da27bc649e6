"""Hand-built programme rows for the committee tests (overview, exports, presentation).

Small and exact, so that every headline figure has a known value, on both stores.
Offices: CAR (Caribe, id 2) with 08001 and 13001; PAC (Pacífico, id 5) with 76001.
Accounts match the demo ones: directivo, analista, comite (CAR), comite_pac (PAC),
operador (operator OPA), admin — OIDC e-mail ``<username>@demo.tablero.gov.co``,
password ``clave-<username>``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    AllianceEvidence,
    BoundarySet,
    BusinessPlan,
    Enrolment,
    Household,
    Operator,
    OperatorContract,
    Opr,
    RegionalOffice,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import NOBODY
from data_access.core.versions import bump
from data_access.overview.queries import headline
from rules.core.formatting import fmt_int
from tests.apptest_utils import all_text, run_app

D = dt.date
CAR_MUNIS = ("08001", "13001")
PAC_MUNIS = ("76001",)


def square_topojson(codes: list[str]) -> str:
    """A quantised TopoJSON with one square per municipality (delta-encoded arcs)."""
    arcs = []
    geoms = []
    for i, code in enumerate(codes):
        x0, y0 = i * 12, 0
        arcs.append([[x0, y0], [10, 0], [0, 10], [-10, 0], [0, -10]])
        geoms.append({"type": "Polygon", "arcs": [[i]], "properties": {"MPIO_CDPMP": code, "name": code}})
    return json.dumps({
        "type": "Topology",
        "transform": {"scale": [0.1, 0.1], "translate": [-77.0, 1.0]},
        "objects": {"municipios": {"type": "GeometryCollection", "geometries": geoms}},
        "arcs": arcs,
    })


def office_ids(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        return {c: i for c, i in s.execute(select(RegionalOffice.code, RegionalOffice.id))}


def seed_small(url: str, with_boundaries: bool = True) -> dict:
    offices = office_ids(url)
    with session_scope(url, write=True) as s:
        opa = Operator(code="OPA", name="Operador Andino", nit="9001", is_psde=True)
        opb = Operator(code="OPB", name="Operador Pacífico", nit="9002", is_psde=True)
        s.add_all([opa, opb])
        s.flush()
        ca = OperatorContract(code="C-CAR-1", operator_id=opa.id, route="basica", regional_office_id=offices["CAR"],
                              start_date=D(2025, 1, 1), value_cop=1)
        cb = OperatorContract(code="C-PAC-1", operator_id=opb.id, route="intermedia",
                              regional_office_id=offices["PAC"], start_date=D(2025, 1, 1), value_cop=1)
        s.add_all([ca, cb])
        s.flush()
        # households: 3 in CAR (2 entered before 30/06/2026, 1 in Q3), 2 in PAC (1 before, 1 after cut-off)
        hh = []
        for i, (muni, entry, route, op, contract) in enumerate([
            ("08001", D(2026, 2, 1), "basica", opa, ca),
            ("08001", D(2026, 5, 1), "basica", opa, ca),
            ("13001", D(2026, 8, 1), "intermedia", opa, ca),
            ("76001", D(2026, 3, 1), "intermedia", opb, cb),
            ("76001", D(2026, 10, 15), "basica", opb, cb),
        ]):
            h = Household(code=f"H{i}", head_name=f"Persona {i}", document_id=f"10{i}", municipality_code=muni,
                          sex="F", age=30, youth=False, ethnicity="ninguna", victim=False,
                          registered_on=entry)
            s.add(h)
            s.flush()
            e = Enrolment(participant_kind="hogar", household_id=h.id, route=route, entry_mechanism="barrido",
                          entry_date=entry, cohort_quarter=f"{entry.year}Q{(entry.month - 1) // 3 + 1}",
                          municipality_code=muni, operator_id=op.id, contract_id=contract.id,
                          current_stage="ingreso", furthest_stage_order=1, status="activo")
            s.add(e)
            s.flush()
            s.add(StageEvent(enrolment_id=e.id, stage="ingreso", event_date=entry, registered_on=entry))
            hh.append(e)
        s.add(StageEvent(enrolment_id=hh[0].id, stage="evaluacion_capacidades", event_date=D(2026, 3, 1),
                         registered_on=D(2026, 3, 1)))
        # OPR: one in CAR (entered 2024), one in PAC
        o1 = Opr(nit="800-1", name="Asociación Caribe", municipality_code="13001", members=20, created_on=D(2020, 1, 1))
        o2 = Opr(nit="800-2", name="Asociación Pacífico", municipality_code="76001", members=30,
                 created_on=D(2020, 1, 1))
        s.add_all([o1, o2])
        s.flush()
        eo1 = Enrolment(participant_kind="opr", opr_id=o1.id, route="competitividad", entry_mechanism="convocatoria",
                        entry_date=D(2024, 3, 1), cohort_quarter="2024Q1", municipality_code="13001",
                        operator_id=opa.id, contract_id=ca.id, current_stage="plan_completado",
                        furthest_stage_order=9, status="activo")
        eo2 = Enrolment(participant_kind="opr", opr_id=o2.id, route="competitividad", entry_mechanism="convocatoria",
                        entry_date=D(2024, 6, 1), cohort_quarter="2024Q2", municipality_code="76001",
                        operator_id=opb.id, contract_id=cb.id, current_stage="servicios_activados",
                        furthest_stage_order=8, status="activo")
        s.add_all([eo1, eo2])
        s.flush()
        s.add(StageEvent(enrolment_id=eo1.id, stage="requisitos_recursos", outcome="cumple",
                         event_date=D(2024, 5, 1), registered_on=D(2024, 5, 1)))
        s.add(StageEvent(enrolment_id=eo2.id, stage="requisitos_recursos", outcome="cumple",
                         event_date=D(2026, 8, 1), registered_on=D(2026, 8, 1)))
        # PN: CAR plan closed 2026-03-01, first disbursement 2024-06-01 (18 m = 2025-12-01) with a contract in force
        pn1 = BusinessPlan(code="PN-CAR-1", opr_id=o1.id, enrolment_id=eo1.id, ventana=1, municipality_code="13001",
                           psde_operator_id=opa.id, first_disbursement_date=D(2024, 6, 1),
                           closure_date=D(2026, 3, 1), cofinancing_committed_cop=100_000_000,
                           cofinancing_disbursed_cop=80_000_000)
        # PAC plan: granted 2026-08-01, disbursed 2026-09-01, not closed
        pn2 = BusinessPlan(code="PN-PAC-1", opr_id=o2.id, enrolment_id=eo2.id, ventana=2, municipality_code="76001",
                           psde_operator_id=opb.id, first_disbursement_date=D(2026, 9, 1),
                           cofinancing_committed_cop=50_000_000, cofinancing_disbursed_cop=20_000_000)
        s.add_all([pn1, pn2])
        s.flush()
        s.add(AllianceEvidence(business_plan_id=pn1.id, kind="contrato", ally_type="comercial", ally_name="Éxito",
                               start_date=D(2025, 1, 1), end_date=D(2027, 1, 1)))
        # targeting 2026: 08001 and 76001 prioritised; 13001 not
        for muni, pr in (("08001", True), ("13001", False), ("76001", True)):
            s.add(Targeting(municipality_code=muni, year=2026, prioritised=pr, target_population=100))
        s.add(Targeting(municipality_code="08001", year=2025, prioritised=True))
        # alerts: CAR one open (opened 2026-04), one closed 2026-08; PAC one open since 2026-07
        s.add_all([
            TerritorialAlert(municipality_code="08001", category="riego", severity="alta", status="abierta",
                             opened_on=D(2026, 4, 1)),
            TerritorialAlert(municipality_code="13001", category="vias_terciarias", severity="media", status="cerrada",
                             opened_on=D(2026, 1, 10), closed_on=D(2026, 8, 1)),
            TerritorialAlert(municipality_code="76001", category="electrificacion", severity="baja", status="abierta",
                             opened_on=D(2026, 7, 1)),
        ])
        d1 = SlaDefinition(code="ANS-1", route="basica", service_type_code="asistencia_tecnica", name="Visitas",
                           kind="reported", unit="%", target=90, direction="higher")
        s.add(d1)
        s.flush()
        s.add_all([
            SlaMeasurement(definition_id=d1.id, contract_id=ca.id, quarter="2026Q3", value=95),
            SlaMeasurement(definition_id=d1.id, contract_id=cb.id, quarter="2026Q3", value=70),
        ])
        if with_boundaries:
            s.add(BoundarySet(vintage="2024", source_name="prueba", imported_at=dt.datetime(2026, 1, 1),
                              municipal_topojson=square_topojson(["08001", "13001", "76001", "05001"]),
                              department_geojson="{}", active=True))
        bump(s, "participants", "business_plans", "targeting", "alerts", "sla", "boundaries")
        op_id = opa.id
    accounts = []
    for username, role, extra in [
        ("directivo", "directivo", {}), ("analista", "analista_pmo", {}),
        ("comite", "comite_regional", {"regional_office_id": offices["CAR"]}),
        ("comite_pac", "comite_regional", {"regional_office_id": offices["PAC"]}),
        ("operador", "operador", {"operator_id": op_id}), ("admin", "admin", {}),
    ]:
        create_user(username, role, f"clave-{username}", email=f"{username}@demo.tablero.gov.co",
                    display_name=username.title(), url=url, **extra)
        accounts.append((role, username, f"clave-{username}"))
    return {"accounts": accounts, "offices": offices}


# =============================================================================== tests

CUT = D(2026, 9, 30)


def test_headline_values_by_scope(empty_store):
    seed_small(empty_store)
    f = GlobalFilters(cutoff=CUT)

    def head(username, filters=f):
        viewer = NOBODY if username is None else viewer_for_username(username, url=empty_store)
        return headline(viewer, filters, url=empty_store)

    nat = head("directivo")
    assert nat.previous == D(2026, 6, 30)
    v = nat.values
    assert v["households"] == (4, 3)
    assert nat.households_by_route == {"basica": (2, 2), "intermedia": (2, 1)}  # competitividad: OPR only
    assert v["opr"] == (2, 2)
    assert v["pn_executed"] == (1, 1)
    assert v["cofin_committed"] == (150_000_000, 100_000_000)  # PAC plan granted 01/08/2026
    assert v["cofin_disbursed"] == (100_000_000, 80_000_000)
    assert v["municipalities_prioritised"] == (2, 2)
    assert v["municipalities_attended"] == (3, 3)
    assert v["alerts_open"] == (2, 2)  # CAR alert closed 01/08, PAC alert opened 01/07
    assert v["alliance"] == (100.0, 100.0)
    assert v["sla"][0] is not None

    car = head("comite").values
    assert car["households"] == (3, 2)
    assert car["cofin_committed"] == (100_000_000, 100_000_000)
    assert car["municipalities_prioritised"] == (1, 1)
    assert car["alerts_open"] == (1, 2)

    pac = head("comite_pac").values
    assert pac["households"] == (1, 1)  # the October household is after the cut-off
    assert pac["pn_executed"] == (0, 0)
    assert pac["cofin_committed"] == (50_000_000, 0)
    assert pac["alliance"] == (None, None)  # no plan evaluable: "sin datos", never 0 %

    op = head("operador").values  # operator OPA: its own records, no territorial data
    assert op["households"] == (3, 2)
    assert op["municipalities_prioritised"] == (0, 0)
    assert op["alerts_open"] == (0, 0)

    nobody = head(None).values
    assert all(val in ((0, 0), (None, None)) for val in nobody.values())

    # global filters narrow the national view exactly like the office's own scope
    offices = office_ids(empty_store)
    assert head("directivo", f.with_(regional_office_id=offices["CAR"])).values["households"] == (3, 2)
    assert head("directivo", f.with_(route="basica")).values["households"] == (2, 2)
    # a period: served during it (entered by the date, not exited before the period start)
    assert head("directivo", f.with_(period_start=D(2026, 4, 1))).values["households"] == (4, 3)


EXPECTED_SCOPE = {
    "directivo": "Alcance: Nacional", "analista": "Alcance: Nacional", "admin": "Alcance: Nacional",
    "comite": "Alcance: Oficina regional Caribe", "comite_pac": "Alcance: Oficina regional Pacífico",
    "operador": "Alcance: Operador ",
}


def _check_overview(at, url, username):
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    assert "Resumen ejecutivo" in text
    assert "Corte: 30/09/2026" in text
    assert EXPECTED_SCOPE[username] in text
    viewer = viewer_for_username(username, url=url)
    head = headline(viewer, GlobalFilters(cutoff=CUT, regional_office_id=viewer.regional_office_id), url=url)
    assert f'>{fmt_int(head.values["households"][0])}</div>' in text
    links = at.get("page_link")
    committee = username != "operador"  # an operador has no territory and sits on no committee
    assert len(links) >= (10 if committee else 8)
    assert all("corte=2026-09-30" in link.proto.query_string for link in links)
    assert {link.proto.page for link in links} >= {"rutas", "alianzas", "ans", "mapa"}
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Descargar PNG" in labels and "Descargar CSV" in labels and "Descargar Excel" in labels
    assert ("Paquete para comité (PowerPoint)" in labels and "Paquete para comité (PDF)" in labels) is committee
    assert ("Municipios priorizados" in text and "Alertas territoriales abiertas" in text) is committee
    return text


def test_overview_page_per_role_small(empty_store):
    seed_small(empty_store)
    for username in EXPECTED_SCOPE:
        at = run_app(empty_store, username, page="pages/overview.py", query={"corte": "2026-09-30"})
        text = _check_overview(at, empty_store, username)
        if username == "comite":
            assert "▲ +1 vs T2 2026" in text  # households 3 vs 2
            assert "76001" not in text and "Pacífico" not in text


def test_overview_page_per_role_demo(demo_store):
    for username in EXPECTED_SCOPE:
        at = run_app(demo_store, username, page="pages/overview.py", query={"corte": "2026-09-30"})
        _check_overview(at, demo_store, username)


def test_funnel_counts_match_the_routes_page(demo_store):
    """The slide's one-query funnel counts equal those of data_access.routes.funnels (Routes page)."""
    from data_access.overview.queries import funnel_counts
    from data_access.routes import funnels
    from rules.routes.funnels import Cohort

    for username, f in (("directivo", GlobalFilters(cutoff=CUT)),
                        ("comite", GlobalFilters(cutoff=D(2026, 6, 30), route="intermedia")),
                        ("operador", GlobalFilters(cutoff=CUT, period_start=D(2025, 1, 1)))):
        viewer = viewer_for_username(username, url=demo_store)
        mine = {(r["route"], r["stage"]): r["count"] for r in funnel_counts(viewer, f, url=demo_store)}
        theirs = {(route, st.stage): st.count
                  for route, stages in funnels.funnel(viewer, f, Cohort(), url=demo_store).items()
                  for st in stages if st.count}
        assert mine == theirs, username  # «salida»: completed exits only, on both


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()
