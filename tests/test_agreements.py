"""Committee sessions and agreements (both stores): a comité records and sees only agreements of
its office (data access and CLI), an operador only those assigned to it and records none;
«vencido» is derived from the due date; every write is audited; status changes follow the rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.models import (
    Agreement,
    AgreementNote,
    AuditLog,
    BusinessPlan,
    CommitteeSession,
    Municipality,
    Operator,
    RegionalOffice,
)
from data_access.edits.common import PermissionDenied, ValidationFailed
from data_access.results import agreements as A
from rules.core.clock import today
from rules.results import agreements as R


def _one(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).first()


def municipality_of(url, office_code: str) -> str:
    stmt = (select(Municipality.code).join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
            .where(RegionalOffice.code == office_code).order_by(Municipality.code))
    return _one(url, stmt)[0]


def wipe(url) -> None:
    """Drop the demo's sessions and agreements, for exact expectations on a clean slate."""
    with get_engine(url).begin() as conn:
        for model in (AgreementNote, Agreement, CommitteeSession):
            conn.execute(delete(model))


def office_id(url, code: str) -> int:
    return _one(url, select(RegionalOffice.id).where(RegionalOffice.code == code))[0]


def new(viewer, url=None, **data):
    base = {"subject_kind": "municipio", "description": "Visitar las OPR rezagadas", "responsible": "Ana Pérez",
            "due_on": today() + dt.timedelta(days=30)}
    return A.create_agreement(viewer, {**base, **data}, url=url).id


# ------------------------------------------------------------------------------ rules


def test_overdue_is_derived_from_the_due_date_while_open():
    on = dt.date(2026, 10, 1)
    assert R.shown_status("pendiente", dt.date(2026, 9, 30), on) == "vencido"
    assert R.shown_status("en_curso", dt.date(2026, 9, 30), on) == "vencido"
    assert R.shown_status("pendiente", dt.date(2026, 10, 1), on) == "pendiente"  # due today: not yet
    assert R.shown_status("cumplido", dt.date(2026, 1, 1), on) == "cumplido"
    assert R.shown_status("cancelado", dt.date(2026, 1, 1), on) == "cancelado"


def test_follow_up_rules_name_the_allowed_changes():
    assert R.validate_follow_up("pendiente", "cumplido", "hecho") == []
    errors = R.validate_follow_up("cumplido", "cancelado", "x")
    assert errors and "puede pasar a en_curso" in errors[0].message
    assert "se deduce de la fecha límite" in R.validate_follow_up("pendiente", "vencido", "x")[0].message
    assert R.validate_follow_up("pendiente", "en_curso", " ")[0].field == "note"


def test_new_agreement_validation_messages_in_spanish():
    errors = R.validate_agreement({"subject_kind": "municipio", "subject_code": "5001", "description": "",
                                   "responsible": "", "due_on": "31-12-2026", "status": "cumplido"})
    fields = {e.field for e in errors}
    assert fields == {"subject_code", "description", "responsible", "due_on", "status"}
    assert any("DIVIPOLA" in e.message for e in errors)
    assert R.validate_agreement({"subject_kind": "indicador", "subject_code": "hogares_atendidos",
                                 "description": "x", "responsible": "y", "due_on": "31/12/2026"}) == []
    assert "no es un indicador del catálogo" in R.validate_subject("indicador", "inventado")[0].message


# ----------------------------------------------------------------------- data access


def test_comite_records_and_sees_only_its_office(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    comite, comite_pac = viewer_for_username("comite", url), viewer_for_username("comite_pac", url)
    analista = viewer_for_username("analista", url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    with pytest.raises(PermissionDenied, match=f"del municipio|sobre municipio {pac}"):
        new(comite, url, subject_code=pac)
    mine = new(comite, url, subject_code=car)
    theirs = new(analista, url, subject_code=pac)
    assert [r["id"] for r in A.agreements(comite, url=url)] == [mine]
    assert [r["id"] for r in A.agreements(comite_pac, url=url)] == [theirs]
    assert {r["id"] for r in A.agreements(analista, url=url)} == {mine, theirs}
    with pytest.raises(Exception, match="no existe o no está en su alcance"):
        A.follow_up(comite, theirs, 1, "cumplido", "hecho", url=url)
    # a session of another office is out of reach for a comité
    other = A.create_session(analista, {"held_on": today(), "title": "Comité PAC", "regional_office": "PAC"},
                             url=url).id
    with pytest.raises(Exception, match="no existe o no está en su alcance"):
        new(comite, url, subject_code=car, session_id=other)
    with pytest.raises(PermissionDenied, match="otra oficina regional"):
        A.create_session(comite, {"held_on": today(), "title": "x", "regional_office": "PAC"}, url=url)
    assert [s["id"] for s in A.sessions(comite, url=url)] == []
    assert [s["id"] for s in A.sessions(comite_pac, url=url)] == [other]


def test_operador_sees_only_what_is_assigned_and_records_nothing(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    operador, analista = viewer_for_username("operador", url), viewer_for_username("analista", url)
    own = _one(url, select(Operator.code).where(Operator.id == operador.operator_id))[0]
    other = _one(url, select(Operator.code).where(Operator.id != operador.operator_id).order_by(Operator.id))[0]
    assigned = new(analista, url, subject_kind="operador", subject_code=own)
    new(analista, url, subject_kind="operador", subject_code=other)
    pn = _one(url, select(BusinessPlan.code, BusinessPlan.psde_operator_id)
              .where(BusinessPlan.psde_operator_id == operador.operator_id))
    via_pn = new(analista, url, subject_kind="pn", subject_code=pn[0])
    given = new(analista, url, subject_kind="indicador", subject_code="hogares_atendidos", operator_code=own)
    assert {r["id"] for r in A.agreements(operador, url=url)} == {assigned, via_pn, given}
    with pytest.raises(PermissionDenied, match="un operador consulta los que le asignan"):
        new(operador, url, subject_kind="operador", subject_code=own)
    with pytest.raises(PermissionDenied):
        A.follow_up(operador, assigned, 1, "cumplido", "hecho", url=url)


def test_overdue_listing_follow_up_and_audit(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    analista = viewer_for_username("analista", url)
    car = municipality_of(url, "CAR")
    late = new(analista, url, subject_code=car, due_on=today() - dt.timedelta(days=3))
    on_time = new(analista, url, subject_code=car, status="en_curso")
    assert [r["id"] for r in A.agreements(analista, status="vencido", url=url)] == [late]
    assert [r["id"] for r in A.agreements(analista, status="en_curso", url=url)] == [on_time]
    assert A.status_counts(analista, url=url)["vencido"] == 1
    box = A.overdue(analista, url=url)
    assert box["count"] == 1 and box["first"][0]["shown_status"] == "vencido"
    with pytest.raises(ValidationFailed, match="Nota de seguimiento"):
        A.follow_up(analista, late, 1, "cumplido", "", url=url)
    A.follow_up(analista, late, 1, "cumplido", "Se visitaron las OPR", url=url)
    done = [r for r in A.agreements(analista, url=url) if r["id"] == late][0]
    assert done["shown_status"] == "cumplido" and done["closed_on"] == today()
    assert A.overdue(analista, url=url)["count"] == 0
    assert [n["text"] for n in A.notes(analista, [late], url=url)] == ["Se visitaron las OPR"]
    with get_engine(url).connect() as conn:
        trail = conn.execute(select(AuditLog.entity, AuditLog.action, AuditLog.entity_id)
                             .where(AuditLog.entity.in_(["agreement", "agreement_note"]))).all()
    assert ("agreement", "create", str(late)) in trail
    assert ("agreement", "follow_up", str(late)) in trail
    assert any(e == "agreement_note" for e, _, _ in trail)


def test_session_keeps_its_figures_and_agreements(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    comite = viewer_for_username("comite", url)
    figures = [{"key": "households", "label": "Hogares atendidos", "value": "1.234", "status": ""}]
    sid = A.create_session(comite, {"held_on": "15/10/2026", "title": "Comité Caribe", "participants": "Ana, Luis",
                                    "figures": figures}, url=url).id
    aid = new(comite, url, subject_code=municipality_of(url, "CAR"), session_id=sid)
    detail = A.session_detail(comite, sid, url=url)
    assert detail["regional_office_id"] == office_id(url, "CAR")
    assert detail["figures"] == figures and detail["held_on"] == dt.date(2026, 10, 15)
    assert [a["id"] for a in detail["agreements"]] == [aid]
    assert A.session_detail(viewer_for_username("comite_pac", url), sid, url=url) is None


# ------------------------------------------------------------------------------ CLI


def test_cli_add_list_update_as_users(demo_store_rw):
    from cli.main import tablero

    url = demo_store_rw
    wipe(url)
    env = {"DATABASE_URL": url}
    run = CliRunner().invoke
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    refused = run(tablero, ["agreements", "add", "--subject", "municipio", "--code", pac, "--text", "x",
                            "--responsible", "y", "--due", "2030-01-01", "--as-user", "comite"], env=env)
    assert refused.exit_code == 1 and "solo registra compromisos de los municipios de su oficina" in refused.output
    ok = run(tablero, ["agreements", "add", "--subject", "municipio", "--code", car, "--text", "Revisar PN",
                       "--responsible", "Luis", "--due", "2020-01-31", "--as-user", "comite"], env=env)
    assert ok.exit_code == 0, ok.output
    run(tablero, ["agreements", "add", "--subject", "municipio", "--code", pac, "--text", "Otro",
                  "--responsible", "Eva", "--due", "2030-01-01", "--as-user", "analista"], env=env)
    listed = run(tablero, ["agreements", "list", "--format", "json", "--as-user", "comite"], env=env)
    rows = json.loads(listed.output)
    assert [(r["codigo_tema"], r["estado"], r["fecha_limite"]) for r in rows] == [(car, "vencido", "31/01/2020")]
    assert json.loads(run(tablero, ["agreements", "list", "--format", "json", "--as-user", "comite_pac"],
                          env=env).output)[0]["codigo_tema"] == pac
    bad = run(tablero, ["agreements", "list", "--status", "hecho"], env=env)
    assert bad.exit_code == 1 and "use uno de" in bad.output
    upd = run(tablero, ["agreements", "update", str(rows[0]["id"]), "--status", "cumplido", "--note", "Listo",
                        "--as-user", "comite"], env=env)
    assert upd.exit_code == 0, upd.output
    again = json.loads(run(tablero, ["agreements", "list", "--format", "json", "--as-user", "comite"], env=env).output)
    assert again[0]["estado"] == "cumplido"
    sess = run(tablero, ["agreements", "sessions", "add", "--date", "2026-09-30", "--title", "Comité Caribe",
                         "--as-user", "comite"], env=env)
    assert sess.exit_code == 0, sess.output
    listed = json.loads(run(tablero, ["agreements", "sessions", "list", "--format", "json", "--as-user", "comite"],
                            env=env).output)
    assert [s["titulo"] for s in listed] == ["Comité Caribe"]
    detail = A.session_detail(viewer_for_username("comite", url), listed[0]["id"], url=url)
    assert detail["figures"] and all(f["label"] and f["value"] for f in detail["figures"])


def test_demo_has_sessions_and_agreements_in_every_status(demo_store):
    analista = viewer_for_username("analista", demo_store)
    counts = A.status_counts(analista, url=demo_store)
    assert all(counts[s] > 0 for s in R.STATUSES), counts
    sessions = A.sessions(analista, url=demo_store)
    assert any(s["regional_office_id"] is None for s in sessions)
    assert {s["regional_office_id"] for s in sessions} >= {office_id(demo_store, "CAR"), office_id(demo_store, "PAC")}
    comite = viewer_for_username("comite", demo_store)
    car = office_id(demo_store, "CAR")
    mine = A.agreements(comite, url=demo_store)
    assert mine and all(r["regional_office_id"] == car for r in mine)
    operador = viewer_for_username("operador", demo_store)
    assert all(r["operator_code"] for r in A.agreements(operador, url=demo_store))
    first = A.session_detail(analista, sessions[0]["id"], url=demo_store)
    assert first["figures"] and first["agreements"]


def test_a_session_and_its_agreements_are_saved_all_or_nothing(demo_store_rw):
    """One agreement the store refuses (another office's municipality) and nothing is kept: not the
    session, not the other agreements; fixed, all are saved together."""
    url = demo_store_rw
    wipe(url)
    comite = viewer_for_username("comite", url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    item = {"subject_kind": "municipio", "description": "Entregar insumos", "responsible": "Ana",
            "due_on": today() + dt.timedelta(days=10)}
    session = {"held_on": today(), "title": "Comité de prueba", "participants": "Ana, Luis"}
    with pytest.raises(PermissionDenied, match="oficina regional"):
        A.record_session(comite, session, [{**item, "subject_code": car}, {**item, "subject_code": pac}], url=url)
    assert A.sessions(comite, url=url) == [] and A.agreements(comite, url=url) == []
    made = A.record_session(comite, session, [{**item, "subject_code": car}, {**item, "subject_code": car}],
                            url=url)
    assert [a["session_id"] for a in A.agreements(comite, url=url)] == [made.id, made.id]
