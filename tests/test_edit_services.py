"""Service deliveries edit tab (operators: own contracts; PMO analyst and admin: any).

Data level: the form's reads (contracts, the contract's services, its participants, the
deliveries already registered) are scoped on the server; another operator's contract is
refused. AppTest: the operator registers a delivery like a person would; the row and its
audit record are in the store and the flash is shown; a date before the contract start
shows the field message and writes nothing; roles without the tab do not get it.
Both stores.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access.core import versions
from data_access.core.db import session_scope
from data_access.core.models import (
    AuditLog,
    ContractService,
    Enrolment,
    Household,
    OperatorContract,
    Opr,
    ServiceDelivery,
)
from data_access.edits import services as service_edits
from data_access.edits.common import PermissionDenied, ValidationFailed
from rules.core.catalog import BASIC_ROUTE_SERVICES, SERVICE_TYPES
from tests.apptest_utils import all_text, open_tab, run_app
from tests.test_edit_support import MUNI_CAR, audit_count, build, last_audit

TAB = "Entregas de servicios"


@pytest.fixture
def w(empty_store):
    """The edit-test world plus: enrolments attached to contracts, an explicit service
    list for operator A's intermedia contract, a básica contract without a list, and one
    delivery already registered."""
    ns = build(empty_store, accounts=True)
    with session_scope(ns.url, write=True) as s:
        a_int = s.get(OperatorContract, ns.contract_a)
        c_bas = OperatorContract(
            code="C-A-BAS",
            operator_id=ns.op_a,
            route="basica",
            regional_office_id=a_int.regional_office_id,
            start_date=dt.date(2024, 6, 1),
            end_date=None,
            value_cop=1,
        )
        s.add(c_bas)
        s.add_all(
            [
                ContractService(contract_id=ns.contract_a, service_type_code="comercializacion"),
                ContractService(contract_id=ns.contract_a, service_type_code="asistencia_tecnica"),
            ]
        )
        opr_car = s.scalar(select(Opr.id).where(Opr.name == "Asociación Caribe"))
        hh = Household(
            code="H-0002",
            head_name="Beatriz Secreta",
            document_id="99887766",
            municipality_code=MUNI_CAR,
            sex="F",
            age=41,
            youth=False,
            ethnicity="ninguna",
            victim=False,
            registered_on=dt.date(2024, 2, 1),
            version=1,
        )
        s.add(hh)
        s.flush()
        common = dict(
            route="intermedia",
            entry_mechanism="convocatoria",
            cohort_quarter="2024Q2",
            municipality_code=MUNI_CAR,
            operator_id=ns.op_a,
            contract_id=ns.contract_a,
            current_stage="ingreso",
            furthest_stage_order=1,
            status="activo",
            version=1,
        )
        e_a_opr = Enrolment(participant_kind="opr", opr_id=opr_car, entry_date=dt.date(2024, 4, 1), **common)
        e_a_hh = Enrolment(
            participant_kind="hogar", household_id=hh.id, entry_date=dt.date(2024, 5, 1), **common
        )
        s.add_all([e_a_opr, e_a_hh])
        s.flush()
        s.add_all(
            [
                ServiceDelivery(
                    enrolment_id=e_a_opr.id,
                    service_type_code="asistencia_tecnica",
                    operator_id=ns.op_a,
                    contract_id=ns.contract_a,
                    municipality_code=MUNI_CAR,
                    delivery_date=dt.date(2024, 7, 3),
                    registered_on=dt.date(2024, 7, 5),
                ),
                ServiceDelivery(
                    enrolment_id=ns.enr_opr,
                    service_type_code="capacidades",
                    operator_id=ns.op_b,
                    contract_id=ns.contract_b,
                    municipality_code="76001",
                    delivery_date=dt.date(2025, 3, 1),
                    registered_on=dt.date(2025, 3, 2),
                ),
            ]
        )
        s.flush()
        ns.contract_bas = c_bas.id
        ns.enr_a_opr, ns.enr_a_hh = e_a_opr.id, e_a_hh.id
    return ns


def _state(url: str) -> tuple:
    """What a refused write must leave unchanged: audit rows, data versions, deliveries."""
    return audit_count(url), versions.current(url), len(_deliveries(url))


def _deliveries(url: str, **where) -> list[ServiceDelivery]:
    with session_scope(url) as s:
        stmt = select(ServiceDelivery).order_by(ServiceDelivery.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(ServiceDelivery, k) == v)
        return list(s.scalars(stmt))


# ------------------------------------------------------------------------ data level


def test_contracts_scoped_per_role(w):
    def codes(who):
        return [r["code"] for r in service_edits.delivery_contracts(w.v[who], url=w.url)]

    assert codes("operador") == ["C-A-BAS", "C-A-INT"]
    assert codes("operador_b") == ["C-B-INT"]
    assert codes("analista") == codes("admin") == ["C-A-BAS", "C-A-INT", "C-B-INT"]
    assert codes("comite") == codes("directivo") == []


def test_services_limited_to_the_contract(w):
    def codes(who, cid):
        return [r["code"] for r in service_edits.contract_services(w.v[who], cid, url=w.url)]

    # listed in contract_service: only those, in catalogue order
    assert codes("operador", w.contract_a) == ["asistencia_tecnica", "comercializacion"]
    # none listed: every service of the route (básica four, intermedia all eight)
    assert codes("operador", w.contract_bas) == list(BASIC_ROUTE_SERVICES)
    assert codes("analista", w.contract_b) == list(SERVICE_TYPES)
    # another operator's contract, or a role without contracts: nothing
    assert codes("operador", w.contract_b) == []
    assert codes("operador_b", w.contract_a) == []
    assert codes("directivo", w.contract_a) == codes("comite", w.contract_a) == []


def test_participants_only_of_the_contract_and_in_scope(w):
    def find(who, cid, q=""):
        return service_edits.contract_enrolments(w.v[who], cid, q, url=w.url)

    def ids(rows):
        return [r["id"] for r in rows]

    assert ids(find("operador", w.contract_a)) == [w.enr_a_opr, w.enr_a_hh]
    # the enrolments without a contract (w.enr_hh) or under B's contract are not offered
    assert w.enr_hh not in ids(find("analista", w.contract_a))
    assert ids(find("operador", w.contract_b)) == []
    assert ids(find("operador_b", w.contract_b)) == ids(find("analista", w.contract_b)) == [w.enr_opr]
    assert ids(find("directivo", w.contract_a)) == ids(find("comite", w.contract_a)) == []
    # search by household code, OPR name, enrolment id (with or without '#')
    assert ids(find("operador", w.contract_a, "h-0002")) == [w.enr_a_hh]
    assert ids(find("operador", w.contract_a, "Caribe")) == [w.enr_a_opr]
    assert ids(find("operador", w.contract_a, "900123")) == [w.enr_a_opr]  # the OPR's NIT, from its start
    assert ids(find("operador", w.contract_a, str(w.enr_a_hh))) == [w.enr_a_hh]
    assert ids(find("operador", w.contract_a, f"#{w.enr_a_opr}")) == [w.enr_a_opr]
    assert ids(find("operador", w.contract_a, "Pacífico")) == []
    # limited
    assert len(service_edits.contract_enrolments(w.v["operador"], w.contract_a, "", limit=1, url=w.url)) == 1
    # no personal data: household code / OPR name only
    rows = find("operador", w.contract_a)
    assert {"head_name", "document_id"}.isdisjoint(rows[0])
    flat = repr(rows)
    assert "Beatriz Secreta" not in flat and "99887766" not in flat
    hh = next(r for r in rows if r["id"] == w.enr_a_hh)
    assert (hh["participant_kind"], hh["household"], hh["opr"]) == ("hogar", "H-0002", None)


def test_registered_deliveries_scoped(w):
    mine = service_edits.enrolment_deliveries(w.v["operador"], w.contract_a, w.enr_a_opr, url=w.url)
    assert [(d["service_type_code"], d["delivery_date"], d["registered_on"]) for d in mine] == [
        ("asistencia_tecnica", dt.date(2024, 7, 3), dt.date(2024, 7, 5))
    ]
    # another operator's contract / enrolment: nothing, even with the right ids
    assert service_edits.enrolment_deliveries(w.v["operador"], w.contract_b, w.enr_opr, url=w.url) == []
    assert service_edits.enrolment_deliveries(w.v["directivo"], w.contract_a, w.enr_a_opr, url=w.url) == []
    # only the deliveries under the chosen contract
    assert service_edits.enrolment_deliveries(w.v["analista"], w.contract_b, w.enr_a_opr, url=w.url) == []
    theirs = service_edits.enrolment_deliveries(w.v["operador_b"], w.contract_b, w.enr_opr, url=w.url)
    assert [d["service_type_code"] for d in theirs] == ["capacidades"]


def test_another_operators_contract_refused(w):
    before = _state(w.url)
    with pytest.raises(PermissionDenied) as info:
        service_edits.add_service_delivery(
            w.v["operador"], w.enr_opr, w.contract_b, "capacidades", "2025-04-01", url=w.url
        )
    assert "C-B-INT" in info.value.message and "sus propios contratos" in info.value.message
    assert _state(w.url) == before


def test_write_refuses_what_the_form_never_offers(w):
    """The server checks what the form's lists imply: the participant is the contract's,
    the service is one the contract provides, the date fits the participant, no repeat."""
    before = _state(w.url)
    cases = [
        # operator B's participant (same route) under operator A's contract
        ((w.enr_opr, w.contract_a, "asistencia_tecnica", "2025-04-01"),
         f"Inscripción {w.enr_opr}: no es un participante del contrato C-A-INT"),
        # a service the contract does not list
        ((w.enr_a_opr, w.contract_a, "financieros", "2025-04-01"),
         "Servicio: «financieros» no es un servicio del contrato C-A-INT"),
        # before the participant entered
        ((w.enr_a_hh, w.contract_a, "asistencia_tecnica", "2024-04-15"),
         "anterior al ingreso del participante (2024-05-01)"),
        # the same delivery twice
        ((w.enr_a_opr, w.contract_a, "asistencia_tecnica", "2024-07-03"), "ya está registrada (registro #"),
    ]
    for args, message in cases:
        with pytest.raises(ValidationFailed) as info:
            service_edits.add_service_delivery(w.v["operador"], *args, url=w.url)
        assert message in info.value.message, (args, info.value.message)
    assert _state(w.url) == before
    service_edits.add_service_delivery(w.v["operador"], w.enr_a_opr, w.contract_a, "asistencia_tecnica", "2024-07-04",
                               url=w.url)  # another day is another delivery
    assert len(_deliveries(w.url)) == before[2] + 1


# -------------------------------------------------------------------------- AppTest


def _tab_labels(at) -> list[str]:
    return [t.label for t in at.tabs]


def _table(at):
    """The registered-deliveries table (the ANS tab's grid is a dataframe too)."""
    found = [d.value for d in at.dataframe if "Fecha de entrega" in list(d.value.columns)]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _form(at, prefix: str):
    found = [f for f in at.form if (f.key or "").startswith(prefix)]
    assert found, f"no form {prefix!r}: {[f.key for f in at.form]}"
    return found[0]


def _open_form(w, at, contract_id: int, enrolment_id: int):
    at.selectbox(key="sv_contract").set_value(contract_id).run()
    at.selectbox(key=f"sv_pick_{contract_id}").set_value(enrolment_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return _form(at, f"sv_form_{contract_id}_{enrolment_id}")


def test_operator_registers_a_delivery(w):
    at = run_app(w.url, "operador", "pages/edit.py")
    assert not at.exception, [e.value for e in at.exception]
    assert _tab_labels(at) == ["Cambio de etapa", "ANS reportados", TAB]  # an operador records its stages (§4.2 c)
    open_tab(at, TAB)
    # own contracts only
    assert at.selectbox(key="sv_contract").options == [
        "C-A-BAS · Operador Andino · Ruta básica",
        "C-A-INT · Operador Andino · Ruta intermedia",
    ]
    f = _open_form(w, at, w.contract_a, w.enr_a_hh)
    people = at.selectbox(key=f"sv_pick_{w.contract_a}").options
    assert [p.split(" · ")[:2] for p in people] == [
        [f"#{w.enr_a_opr}", "OPR Asociación Caribe"],
        [f"#{w.enr_a_hh}", "Hogar H-0002"],
    ]
    assert "Aún no hay entregas registradas para este participante en este contrato." in all_text(at)
    service = at.selectbox(key=f"sv_service_{w.contract_a}_{w.enr_a_hh}")
    assert service.options == ["Asistencia técnica", "Apoyo a la comercialización"]  # the contract's
    service.set_value("comercializacion")
    at.date_input(key=f"sv_date_{w.contract_a}_{w.enr_a_hh}").set_value(dt.date(2025, 6, 15))
    n_audit = audit_count(w.url)
    f.form_submit_button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the row is in the store, with the contract's operator and the participant's municipality
    rows = _deliveries(w.url, enrolment_id=w.enr_a_hh)
    assert [
        (r.contract_id, r.operator_id, r.service_type_code, r.delivery_date, r.municipality_code)
        for r in rows
    ] == [(w.contract_a, w.op_a, "comercializacion", dt.date(2025, 6, 15), MUNI_CAR)]
    assert rows[0].registered_on == dt.date(2026, 11, 23)  # TABLERO_TODAY
    # audited, by the operator
    assert audit_count(w.url) == n_audit + 1
    entry = last_audit(w.url)
    assert (entry.username, entry.entity, entry.entity_id, entry.action) == (
        "operador",
        "service_delivery",
        str(rows[0].id),
        "create",
    )
    # the flash, and the delivery now listed for the participant (es-CO dates)
    text_ = all_text(at)
    flash = "Entrega registrada: Apoyo a la comercialización a Hogar H-0002 el 15/06/2025"
    assert f"{flash} (registro #{rows[0].id})." in text_
    table = _table(at)
    assert list(table.columns) == ["Servicio", "Fecha de entrega", "Registrada el"]
    assert table.values.tolist() == [["Apoyo a la comercialización", "15/06/2025", "23/11/2026"]]


def test_invalid_date_shows_field_message_and_writes_nothing(w):
    at = open_tab(run_app(w.url, "operador", "pages/edit.py"), TAB)
    f = _open_form(w, at, w.contract_a, w.enr_a_opr)
    at.date_input(key=f"sv_date_{w.contract_a}_{w.enr_a_opr}").set_value(dt.date(2023, 12, 1))
    before = _state(w.url)
    f.form_submit_button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text_ = all_text(at)
    assert "No se guardó nada" in text_
    assert "Fecha de entrega: es anterior al inicio del contrato (2024-01-01); corrija la fecha." in text_
    assert "Entrega registrada" not in text_
    assert _state(w.url) == before
    with session_scope(w.url) as s:
        n = s.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "service_delivery")
        )
    assert n == 0


def test_roles_without_the_tab(w):
    # directivo: read only, the edit page is not even in its navigation
    at = run_app(w.url, "directivo")
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page("pages/edit.py")
    # comité regional: edits its territory, but registers no deliveries
    at = run_app(w.url, "comite", "pages/edit.py")
    assert not at.exception
    assert TAB not in _tab_labels(at)
    assert not [s for s in at.selectbox if (s.key or "") == "sv_contract"]


def test_analyst_sees_every_contract(w):
    at = run_app(w.url, "analista", "pages/edit.py")
    assert not at.exception
    assert TAB in _tab_labels(at)
    open_tab(at, TAB)
    codes = [o.split(" · ")[0] for o in at.selectbox(key="sv_contract").options]
    assert codes == ["C-A-BAS", "C-A-INT", "C-B-INT"]
    at.selectbox(key="sv_contract").set_value(w.contract_b).run()
    first = at.selectbox(key=f"sv_pick_{w.contract_b}").options[0]
    assert first.startswith(f"#{w.enr_opr} · OPR Asociación Pacífico")
    # B's contract lists no services: every intermedia service is offered
    assert len(at.selectbox(key=f"sv_service_{w.contract_b}_{w.enr_opr}").options) == len(SERVICE_TYPES)
    # the delivery already registered under B's contract
    assert _table(at).values.tolist() == [["Desarrollo de capacidades", "01/03/2025", "02/03/2025"]]


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()
