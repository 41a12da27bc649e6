"""Agreements end to end in Chromium (issue 17, acceptance 3): the comité records a session with two
agreements, marks one done, and sees the overdue one on the overview, in the presentation (the
«Seguimiento de compromisos» slide, the pack's view) and in the acta it downloads.

The steps write: they run on their own copy of the demo store (its demo agreements removed, so the
ones recorded here are the only ones) and their own app, in file order on the same signed-in page.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from data_access.demo.accounts import demo_passwords
from tests.browser.conftest import TODAY, DemoSite, SignedIn
from tests.conftest import DEMO_SEED
from tests.test_agreements import municipality_of, wipe
from tests.test_exports import pdf_pages

pytestmark = pytest.mark.browser
LATE, DONE = "Entregar insumos atrasados", "Visitar las OPR nuevas"


def _build(url: str) -> None:
    from data_access.demo.seed import seed
    from tests.test_exports import _square_boundaries

    seed(url, "demo", DEMO_SEED)
    _square_boundaries(url)
    wipe(url)


@pytest.fixture(scope="module")
def site(store_factory, chromium_browser):
    url = store_factory.new("demo_agreements_squares", _build)
    accounts = DemoSite(url, {u: ("", p) for u, p in demo_passwords(DEMO_SEED).items()})
    today = os.environ.get("TABLERO_TODAY", TODAY)
    with h.running_app(url, {"TABLERO_TODAY": today}) as app:
        with h.watched_page(chromium_browser) as warm:
            h.goto_page(warm.page, app.base_url, "")
        sessions = SignedIn(chromium_browser, app.base_url, accounts)
        yield sessions, municipality_of(url, "CAR"), dt.date.fromisoformat(today)
        sessions.close()


def _fill(page, key: str, value: str) -> None:
    page.locator(f".st-key-{key}").get_by_role("textbox").fill(value)


def test_the_comite_records_a_session_with_two_agreements(site):
    sessions, muni, today = site
    page = sessions("comite").page
    h.click_nav(page, "compromisos")
    page.get_by_text("Registrar una sesión y sus compromisos").click()
    page.get_by_role("textbox", name="Título de la sesión").fill("Comité Caribe de noviembre")
    page.get_by_role("textbox", name="Participantes").fill("Ana Pérez, Luis Gómez")
    for n, (text, who, due) in enumerate(((LATE, "Ana Pérez", today - dt.timedelta(days=5)),
                                          (DONE, "Luis Gómez", today + dt.timedelta(days=20))), start=1):
        _fill(page, f"ag_code_{n}", muni)
        _fill(page, f"ag_text_{n}", text)
        _fill(page, f"ag_who_{n}", who)
        date = page.locator(f".st-key-ag_due_{n} input").first
        date.fill(due.isoformat())
        date.press("Enter")
    page.get_by_role("button", name="Guardar la sesión", exact=True).click()
    expect(page.get_by_text("Sesión registrada con 2 compromisos.")).to_be_visible()
    h.wait_for_app_run(page)


def test_the_comite_marks_one_done(site):
    sessions, _, _ = site
    page = sessions("comite").page
    expect(page.get_by_text("Sesión registrada con 2 compromisos.")).to_be_visible()
    box = page.locator(".st-key-ag_pick").get_by_role("combobox")
    box.click()
    # the follow-up form is the picked agreement's own (keyed by its id): that run replaces it
    h.act_and_wait_for_run(page, page.get_by_role("option", name=DONE, exact=False).first.click)
    status = page.get_by_role("combobox", name="Nuevo estado")
    status.click()
    page.get_by_role("option", name="✔ Cumplido").click()
    page.get_by_role("textbox", name="Nota de seguimiento").fill("Visita hecha el martes")
    page.get_by_role("button", name="Guardar el seguimiento", exact=True).click()
    expect(page.get_by_text("Seguimiento guardado.")).to_be_visible()
    h.wait_for_app_run(page)


def test_the_acta_lists_both_agreements(site):
    sessions, _, _ = site
    page = sessions("comite").page
    with page.expect_download() as found:
        page.get_by_role("button", name="Descargar el acta (PDF)").click()
    text = " ".join(pdf_pages(open(found.value.path(), "rb").read()))
    for expected in ("Comité Caribe de noviembre", "Ana Pérez, Luis Gómez", LATE, DONE, "Vencido", "Cumplido"):
        assert expected in text, expected


def test_the_overdue_one_is_on_the_overview_and_in_the_pack(site):
    sessions, _, _ = site
    page = sessions("comite").page
    h.click_nav(page, "Resumen ejecutivo")
    box = page.locator(".st-key-overdue_agreements")
    expect(box).to_contain_text("1 compromisos vencidos en su alcance")
    expect(box).to_contain_text(LATE)
    expect(box).not_to_contain_text(DONE)
    h.click_nav(page, "presentacion")
    h.wait_for_app_run(page)
    page.keyboard.press("ArrowLeft")  # from the first slide to the last: «Seguimiento de compromisos»
    expect(page.locator("h1.tb-slide-title")).to_have_text("Seguimiento de compromisos")
    expect(page.get_by_text(LATE).first).to_be_visible()
