"""«Comités y compromisos» and the overdue box under the real app (AppTest, both stores): a comité
records a session with its agreements, follows one up, sees only its office's agreements and gets
the acta; the overview shows the overdue agreements of the viewer's scope."""

from __future__ import annotations

import datetime as dt

from data_access.core.auth import viewer_for_username
from data_access.results import agreements as A
from rules.core.clock import today
from tests.apptest_utils import all_text, run_app, spy_downloads
from tests.test_agreements import municipality_of, wipe

PAGE = "pages/agreements.py"


def _table_text(at) -> str:
    return " ".join(df.value.to_string() for df in at.dataframe)


def test_comite_records_a_session_and_follows_up(demo_store_rw, monkeypatch):
    url = demo_store_rw
    wipe(url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    A.create_agreement(viewer_for_username("analista", url), {
        "subject_kind": "municipio", "subject_code": pac, "description": "Secreto del Pacífico",
        "responsible": "Eva", "due_on": today() - dt.timedelta(days=2)}, url=url)
    at = run_app(url, "comite", PAGE)
    assert not at.exception
    at.text_input(key="ag_code_1").set_value(car)
    at.text_input(key="ag_text_1").set_value("Entregar insumos atrasados")
    at.text_input(key="ag_who_1").set_value("Ana Pérez")
    at.date_input(key="ag_due_1").set_value(today() - dt.timedelta(days=3))
    at.text_input(key="ag_code_2").set_value(pac)  # another region's municipality: refused
    at.text_input(key="ag_text_2").set_value("Fuera de mi oficina")
    at.text_input(key="ag_who_2").set_value("Luis")
    title = next(w for w in at.text_input if w.label == "Título de la sesión")
    title.set_value("Comité Caribe de octubre")
    next(b for b in at.button if b.label == "Guardar la sesión").click()
    at.run()
    text = all_text(at)
    assert not at.exception, at.exception
    assert "solo registra compromisos de los municipios de su oficina regional" in text
    assert "Entregar insumos atrasados" not in _table_text(at)  # all or nothing: the session waits
    at.text_input(key="ag_code_2").set_value(car)  # fixed: a municipality of its own office
    next(b for b in at.button if b.label == "Guardar la sesión").click()
    at.run()
    assert not at.exception, at.exception
    table = _table_text(at)
    assert "Entregar insumos atrasados" in table and "Fuera de mi oficina" in table, all_text(at)
    assert "⚠ Vencido" in table
    assert "Secreto del Pacífico" not in table
    # follow-up: mark it done
    next(w for w in at.text_area if w.label == "Nota de seguimiento").set_value("Insumos entregados")
    next(w for w in at.selectbox if w.label == "Nuevo estado").set_value("cumplido")
    next(b for b in at.button if b.label == "Guardar el seguimiento").click()
    at.run()
    assert "Seguimiento guardado." in all_text(at)
    assert "✔ Cumplido" in _table_text(at)
    # the acta of the session
    made = spy_downloads(monkeypatch)
    at.run()
    names = [n for n in made if n and n.startswith("acta_")]
    assert {n.rsplit(".", 1)[1] for n in names} == {"pdf", "docx"}


def test_overview_shows_the_overdue_agreements_in_scope(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    analista = viewer_for_username("analista", url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    for code, text in ((car, "Compromiso vencido del Caribe"), (pac, "Compromiso vencido del Pacífico")):
        A.create_agreement(analista, {"subject_kind": "municipio", "subject_code": code, "description": text,
                                      "responsible": "Ana", "due_on": today() - dt.timedelta(days=1)}, url=url)
    comite = all_text(run_app(url, "comite", "pages/overview.py"))
    assert "1 compromisos vencidos en su alcance" in comite and "Compromiso vencido del Caribe" in comite
    assert "Pacífico" not in comite.split("Compromisos vencidos")[1]
    national = all_text(run_app(url, "analista", "pages/overview.py"))
    assert "2 compromisos vencidos en su alcance" in national
    operador = all_text(run_app(url, "operador", "pages/overview.py"))
    assert "compromisos vencidos" not in operador
