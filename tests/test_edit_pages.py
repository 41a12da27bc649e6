"""Edit, audit and admin pages under AppTest, per role (issue 7).

The pages run inside the real app (login, navigation, page context). Forms are filled
and submitted like a person would; what is asserted is what the person reads and what
the store holds afterwards. (AppTest does not apply st.data_editor cell edits: the grid
diffing is tested as a pure function at the end.)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, text

from components.edit.common import changed_rows
from data_access.core.db import get_engine, session_scope
from data_access.core.models import AppUser, AuditLog, BusinessPlan, Targeting, TerritorialAlert
from data_access.edits import alerts as alert_edits
from data_access.edits import plans as plan_edits
from data_access.edits import targeting as targeting_edits
from tests.apptest_utils import all_text, open_tab, run_app
from tests.test_edit_support import MUNI_CAR, build, get


@pytest.fixture
def w(empty_store):
    return build(empty_store, accounts=True)


def form(at, prefix: str):
    found = [f for f in at.form if (f.key or "").startswith(prefix)]
    assert found, f"no form {prefix!r}: {[f.key for f in at.form]}"
    return found[0]


def by_label(elements, label: str):
    found = [e for e in elements if e.label == label]
    assert found, f"no element labelled {label!r}: {[e.label for e in elements]}"
    return found[0]


def submit(at, f):
    f.form_submit_button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tab(at, label: str):
    return by_label(at.tabs, label)


# ------------------------------------------------------------------ navigation per role


def test_edit_tabs_per_role(w):
    expected = {
        "analista": [
            "Planes de negocio y alianzas",
            "Cambio de etapa",
            "ANS reportados",
            "Focalización",
            "Alertas territoriales",
        ],
        "comite": [
            "Planes de negocio y alianzas",
            "Cambio de etapa",
            "Focalización",
            "Alertas territoriales",
        ],
        "operador": ["Cambio de etapa", "ANS reportados"],  # stages of its own contracts' participants
        "admin": [
            "Planes de negocio y alianzas",
            "Cambio de etapa",
            "ANS reportados",
            "Focalización",
            "Alertas territoriales",
        ],
    }
    for user, tabs in expected.items():
        at = run_app(w.url, user, "pages/edit.py")
        assert not at.exception
        top = [t.label for t in at.tabs if t.label in {*expected["analista"]}]
        assert top == tabs, (user, top)
    # the operator only sees its own contract
    at = open_tab(run_app(w.url, "operador", "pages/edit.py"), "ANS reportados")
    assert at.selectbox(key="sla_contract").options == ["C-A-INT · Operador Andino · Ruta intermedia"]
    # the comité of Caribe only sees Caribe's records
    at = run_app(w.url, "comite", "pages/edit.py")
    assert [o.split(" · ")[0] for o in at.selectbox(key="pn_pick").options] == ["PN-CAR-1"]
    open_tab(at, "Alertas territoriales")
    options = by_label(form(at, "al_open").selectbox, "Municipio").options
    assert "Barranquilla (08001)" in options and "Cali (76001)" not in options
    assert {o[-6:-4] for o in options} <= {"08", "13", "20", "23", "44", "47", "70", "88"}  # oficina Caribe


def test_pages_hidden_from_roles_without_access(w):
    for user, page in (
        ("directivo", "pages/edit.py"),
        ("comite", "pages/audit.py"),
        ("operador", "pages/audit.py"),
        ("analista", "pages/admin.py"),
        ("comite", "pages/admin.py"),
    ):
        at = run_app(w.url, user)
        assert not at.exception
        with pytest.raises(ValueError):
            at.switch_page(page)


# ---------------------------------------------------------------------------- forms


def test_targeting_form_saves_audits_and_flashes(w):
    at = open_tab(run_app(w.url, "analista", "pages/edit.py"), "Focalización")
    at.selectbox(key="tg_year").set_value(2025).run()
    at.selectbox(key="tg_muni_2025").set_value(MUNI_CAR).run()
    f = form(at, f"tg_form_{MUNI_CAR}_2025")
    by_label(f.checkbox, "Priorizado").check()
    by_label(f.number_input, "Población objetivo (hogares)").set_value(420)
    submit(at, f)
    assert "Guardado: Barranquilla (08001) · 2025 (versión 2)." in all_text(at)
    tg = get(w.url, Targeting, w.targeting)
    assert (tg.prioritised, tg.target_population, tg.version) == (True, 420, 2)
    with session_scope(w.url) as s:
        entry = s.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (entry.username, entry.entity) == ("analista", "targeting")
    # the form now shows the saved values (fresh snapshot)
    f = form(at, f"tg_form_{MUNI_CAR}_2025")
    assert by_label(f.number_input, "Población objetivo (hogares)").value == 420


def test_pn_dates_invalid_shows_message_and_writes_nothing(w):
    at = run_app(w.url, "comite", "pages/edit.py")
    f = form(at, f"pn_dates_{w.pn_car}_")
    by_label(f.date_input, "Fecha de cierre").set_value(dt.date(2025, 1, 15))
    submit(at, f)
    text_ = all_text(at)
    assert "No se guardó nada" in text_
    assert "Fecha de cierre (2025-01-15) es anterior a fecha del primer desembolso (2025-03-01)" in text_
    assert get(w.url, BusinessPlan, w.pn_car).version == 1


def test_stale_form_shows_the_other_change_and_keeps_it(w):
    at = run_app(w.url, "comite", "pages/edit.py")  # opens PN-CAR-1 at version 1
    # meanwhile the PMO analyst saves the same plan from another session
    plan_edits.set_pn_dates(w.v["analista"], w.pn_car, 1, "2025-03-01", "2025-10-31", url=w.url)
    f = form(at, f"pn_dates_{w.pn_car}_")
    by_label(f.date_input, "Fecha de cierre").set_value(dt.date(2025, 11, 30))
    submit(at, f)
    text_ = all_text(at)
    assert "analista modificó este registro después de que usted lo abrió (versión 1 → 2)" in text_
    assert "Fecha de cierre: 2025-10-31 (suyo: 2025-11-30)" in text_
    assert get(w.url, BusinessPlan, w.pn_car).closure_date == dt.date(2025, 10, 31)
    # the form reopened on the current version: saving now works
    f = form(at, f"pn_dates_{w.pn_car}_")
    assert by_label(f.date_input, "Fecha de cierre").value == dt.date(2025, 10, 31)
    by_label(f.date_input, "Fecha de cierre").set_value(dt.date(2025, 11, 30))
    submit(at, f)
    assert "versión 3" in all_text(at)
    assert get(w.url, BusinessPlan, w.pn_car).closure_date == dt.date(2025, 11, 30)


def test_evidence_credit_with_commercial_ally_refused(w):
    at = run_app(w.url, "analista", "pages/edit.py")
    f = form(at, f"ev_add_{w.pn_car}")
    by_label(f.selectbox, "Tipo de evidencia").set_value("credito")
    by_label(f.selectbox, "Tipo de aliado").set_value("comercial")
    by_label(f.text_input, "Nombre del aliado").input("Banco del Pueblo")
    by_label(f.date_input, "Fecha de inicio").set_value(dt.date(2025, 5, 1))
    submit(at, f)
    assert "un crédito solo puede tener un aliado financiero" in all_text(at)
    f = form(at, f"ev_add_{w.pn_car}")  # the person's input is kept; fix the ally type
    assert by_label(f.text_input, "Nombre del aliado").value == "Banco del Pueblo"
    by_label(f.selectbox, "Tipo de aliado").set_value("financiero")
    submit(at, f)
    assert "Guardado: Crédito · Banco del Pueblo" in all_text(at)
    assert len(plan_edits.plan_evidence(w.v["analista"], w.pn_car, url=w.url)) == 2


def test_stage_transition_widgets(w):
    at = open_tab(run_app(w.url, "comite", "pages/edit.py"), "Cambio de etapa")
    eid = w.enr_hh
    next_box = next(s for s in at.selectbox if (s.key or "").startswith(f"st_next_{eid}_"))
    assert next_box.options == ["Evaluación de capacidades", "Salida documentada"]  # allowed transitions only
    next_box.set_value("salida").run()
    outcome = next(s for s in at.selectbox if (s.key or "").startswith(f"st_outcome_{eid}_"))
    outcome.set_value("abandono")
    next(d for d in at.date_input if (d.key or "").startswith(f"st_date_{eid}_")).set_value(
        dt.date(2025, 3, 3)
    )
    next(b for b in at.button if (b.key or "").startswith(f"st_go_{eid}_")).click()
    at.run()
    assert not at.exception
    assert "Etapa «Salida documentada» registrada en la inscripción" in all_text(at)
    with session_scope(w.url) as s:
        enr = s.get(__import__("data_access.core.models", fromlist=["Enrolment"]).Enrolment, eid)
        assert (enr.status, enr.exit_outcome, enr.exit_date) == ("salido", "abandono", dt.date(2025, 3, 3))
    assert "no admite más etapas" in all_text(at)


def test_alert_open_and_close(w):
    at = open_tab(run_app(w.url, "comite", "pages/edit.py"), "Alertas territoriales")
    f = form(at, "al_open")
    by_label(f.selectbox, "Municipio").set_value(MUNI_CAR)
    by_label(f.selectbox, "Categoría").set_value("centros_acopio")
    by_label(f.date_input, "Fecha de apertura").set_value(dt.date(2025, 8, 1))
    by_label(f.text_area, "Descripción").input("Sin centro de acopio veredal")
    submit(at, f)
    assert "abierta en Barranquilla (08001)" in all_text(at)
    with session_scope(w.url) as s:
        new = s.scalars(select(TerritorialAlert).where(TerritorialAlert.category == "centros_acopio")).one()
    at.selectbox(key="al_pick").set_value(new.id).run()
    f = form(at, f"al_close_{new.id}_")
    by_label(f.date_input, "Fecha de cierre").set_value(dt.date(2025, 7, 1))  # before it opened
    submit(at, f)
    assert "es anterior a fecha de apertura" in all_text(at)
    assert get(w.url, TerritorialAlert, new.id).status == "abierta"
    f = form(at, f"al_close_{new.id}_")
    by_label(f.date_input, "Fecha de cierre").set_value(dt.date(2025, 9, 1))
    submit(at, f)
    assert f"Alerta #{new.id} cerrada" in all_text(at)
    assert get(w.url, TerritorialAlert, new.id).status == "cerrada"


# ---------------------------------------------------------------------------- audit


def test_audit_page_filters_and_chain_status(w):
    targeting_edits.set_targeting(w.v["comite"], MUNI_CAR, 2025, True, 5, 1, url=w.url)
    alert_edits.update_alert(w.v["analista"], w.alert, 1, {"severity": "baja"}, url=w.url)
    at = run_app(w.url, "analista", "pages/audit.py")
    assert not at.exception
    assert "Cadena íntegra: 2 entradas verificadas" in all_text(at)
    df = at.dataframe[0].value
    assert set(df["Entidad"]) == {"Focalización", "Alerta territorial"}
    at.selectbox(key="au_user").set_value("comite").run()
    df = at.dataframe[0].value
    assert list(df["Entidad"]) == ["Focalización"]
    assert "Población objetivo: 100 → 5" in df["Cambios"].iloc[0]
    with get_engine(w.url).begin() as conn:
        first = conn.execute(text("SELECT MIN(id) FROM audit_log")).scalar()
        conn.execute(text("UPDATE audit_log SET username = 'otro' WHERE id = :i"), {"i": first})
    at = run_app(w.url, "admin", "pages/audit.py")
    assert f"Cadena rota en la entrada #{first}" in all_text(at)


# ---------------------------------------------------------------------------- admin


def test_admin_creates_user_and_it_is_audited(w):
    at = run_app(w.url, "admin", "pages/admin.py")
    assert not at.exception
    assert "comite_pac" in at.dataframe[0].value["Usuario"].tolist()
    f = form(at, "adm_add")
    by_label(f.text_input, "Usuario").input("lucia.gomez")
    by_label(f.selectbox, "Rol").set_value("comite_regional")
    submit(at, f)
    assert "Oficina regional: un comité regional necesita su oficina" in all_text(at)
    f = form(at, "adm_add")
    by_label(f.selectbox, "Oficina regional").set_value(w.pac)
    by_label(f.checkbox, "Generar una contraseña").check()
    submit(at, f)
    assert "Usuario «lucia.gomez» creado." in all_text(at) and "Contraseña generada" in all_text(at)
    with session_scope(w.url) as s:
        user = s.scalars(select(AppUser).where(AppUser.username == "lucia.gomez")).one()
        assert user.regional_office_id == w.pac
        entry = s.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (entry.username, entry.entity, entry.action) == ("admin", "app_user", "create")


def test_changed_rows_diff():
    base = pd.DataFrame({"k": [1, 2, 3], "v": [1.0, None, 3.0], "e": ["a", "", "c"]})
    edited = base.copy()
    edited.loc[1, "v"] = 5.0
    edited.loc[2, "e"] = "d"
    assert [int(r["k"]) for _, r in changed_rows(base, edited, ["v", "e"])] == [2, 3]
    assert changed_rows(base, base.copy(), ["v", "e"]) == []


def test_a_graduation_promoted_from_the_form(w):
    """The exit form offers «promover a la ruta siguiente» with a completed exit; saving it creates
    the linked intermedia enrolment in the same operation."""
    from data_access.core.models import Enrolment
    from data_access.edits import stage as stage_edits

    steps = [("evaluacion_capacidades", None), ("formulacion", None), ("evaluacion_viabilidad", "viable"),
             ("solicitud_cofinanciacion", None), ("requisitos_recursos", "cumple"), ("servicios_activados", None),
             ("plan_completado", None)]
    for i, (stage, outcome) in enumerate(steps):
        stage_edits.record_stage(w.v["analista"], w.enr_hh, i + 1, stage, outcome,
                                 dt.date(2025, 3, 1) + dt.timedelta(days=10 * i), url=w.url)
    at = open_tab(run_app(w.url, "comite", "pages/edit.py"), "Cambio de etapa")
    eid = w.enr_hh
    next(s for s in at.selectbox if (s.key or "").startswith(f"st_next_{eid}_")).set_value("salida").run()
    outcome = next(s for s in at.selectbox if (s.key or "").startswith(f"st_outcome_{eid}_"))
    # only the exits that fit «Plan cumplido» (graduado, abandono) after the «choose» entry
    assert len(outcome.options) == 3 and not any("No viable" in o for o in outcome.options), outcome.options
    outcome.set_value("graduado").run()
    promote = next(c for c in at.checkbox if (c.key or "").startswith(f"st_promote_{eid}_"))
    assert promote.value is True and "Ruta intermedia" in promote.label
    next(d for d in at.date_input if (d.key or "").startswith(f"st_date_{eid}_")).set_value(dt.date(2025, 6, 1))
    next(b for b in at.button if (b.key or "").startswith(f"st_go_{eid}_")).click()
    at.run()
    assert not at.exception, at.exception
    with session_scope(w.url) as s:
        promoted = s.scalars(select(Enrolment).where(Enrolment.previous_enrolment_id == eid)).all()
        assert [(e.route, e.entry_mechanism, e.entry_date) for e in promoted] == [
            ("intermedia", "promocion", dt.date(2025, 6, 1))]
