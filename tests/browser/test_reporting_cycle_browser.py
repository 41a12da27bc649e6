"""The reporting cycle end to end in Chromium (issue 16, acceptance 2): the operator adds a file to
its T3 2026 report and sends it, the PMO returns it with a comment, the operator reads the comment,
replaces the file and sends it again, the PMO approves it and closes T3 2026, and the committee's
presentation states «Cifras oficiales T3 2026».

The cycle writes (a report, its load, a quarter close): it runs on its own copy of the demo store
and its own app, so no other browser test sees a closed quarter. The tests run in file order on
the same signed-in pages, each one step of the cycle.
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from data_access.demo.accounts import demo_passwords
from tests.browser.conftest import TODAY, DemoSite, SignedIn
from tests.conftest import DEMO_SEED
from tests.test_reporting_submissions_page import changed_reports

pytestmark = pytest.mark.browser
QUARTER = "T3 2026"


def _build(url: str) -> None:
    from data_access.demo.seed import seed
    from tests.test_exports import _square_boundaries

    seed(url, "demo", DEMO_SEED)
    _square_boundaries(url)


@pytest.fixture(scope="module")
def cycle(store_factory, chromium_browser):
    """(signed-in pages, the operator's changed ANS file) on a private demo store and app."""
    url = store_factory.new("demo_cycle_squares", _build)
    data = changed_reports(url)
    site = DemoSite(url, {u: ("", p) for u, p in demo_passwords(DEMO_SEED).items()})
    with h.running_app(url, {"TABLERO_TODAY": os.environ.get("TABLERO_TODAY", TODAY)}) as app:
        with h.watched_page(chromium_browser) as warm:
            h.goto_page(warm.page, app.base_url, "")
        sessions = SignedIn(chromium_browser, app.base_url, site)
        yield sessions, data
        sessions.close()


def _pick(page, key: str, option: str) -> None:
    """Choose an option of the Streamlit selectbox with ``key`` by typing it."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox").first
    expect(box).to_be_visible()
    if box.input_value() == option:
        return
    box.click()
    box.fill(option)
    h.act_and_wait_for_run(page, page.get_by_role("option", name=option, exact=True).first.click)
    expect(box).to_have_value(option)


def _reporting(page) -> None:
    """To «Reportes trimestrales» through the sidebar; from there, by way of the ANS page and its
    «registro oportuno» (a fresh run of the page)."""
    if "/reportes" in page.url:
        h.click_nav(page, "ans")
        expect(page.get_by_text("Registro oportuno de los reportes trimestrales")).to_be_visible()
    h.click_nav(page, "reportes")


def _operator_page(cycle):
    sessions, _ = cycle
    page = sessions("operador").page
    _reporting(page)
    _pick(page, "reporting_quarter", QUARTER)
    return page


def _add_and_send(page, data: bytes) -> None:
    h.upload_file(page, "ans_reportes.csv", "text/csv", data)
    add = page.get_by_role("button", name=f"Agregar al reporte {QUARTER}", exact=True)
    expect(add).to_be_enabled()
    add.click()
    expect(page.get_by_text("Archivo «ans_reportes.csv» agregado al reporte")).to_be_visible()
    h.wait_for_app_run(page)
    page.get_by_role("button", name="Enviar a revisión", exact=True).click()
    expect(page.get_by_text("Reporte enviado a revisión de la PMO.")).to_be_visible()
    h.wait_for_app_run(page)


def _pmo_page(cycle):
    sessions, _ = cycle
    page = sessions("analista").page
    _reporting(page)
    expect(page.get_by_text("Reportes por revisar")).to_be_visible()
    expect(page.get_by_text("Registros que cambiarían (antes → después)")).to_be_visible()
    h.wait_for_app_run(page)
    return page


def test_the_operator_sends_its_report(cycle):
    page = _operator_page(cycle)
    _add_and_send(page, cycle[1])
    expect(page.get_by_text(f"{QUARTER}: enviado")).to_be_visible()


def test_the_pmo_returns_it_with_a_comment(cycle):
    page = _pmo_page(cycle)
    comment = page.get_by_role("textbox", name="Comentario para el operador (obligatorio para devolver)")
    comment.fill("Falta el soporte del primer valor")
    comment.press("Control+Enter")
    h.wait_for_app_run(page)
    page.get_by_role("button", name="Devolver", exact=True).click()
    expect(page.get_by_text("Reporte devuelto al operador con su comentario.")).to_be_visible()
    h.wait_for_app_run(page)


def test_the_operator_reads_the_comment_fixes_and_sends_again(cycle):
    page = _operator_page(cycle)
    expect(page.get_by_text("«Falta el soporte del primer valor»")).to_be_visible()
    page.get_by_role("button", name="Quitar archivo", exact=True).click()
    expect(page.get_by_text("Archivo quitado del reporte.")).to_be_visible()
    h.wait_for_app_run(page)
    _add_and_send(page, cycle[1])


def test_the_pmo_approves_it_and_closes_the_quarter(cycle):
    page = _pmo_page(cycle)
    page.get_by_role("button", name="Aprobar", exact=True).click()
    expect(page.get_by_text("Reporte aprobado: sus archivos quedaron cargados.")).to_be_visible()
    h.wait_for_app_run(page)
    expect(page.get_by_text("Ningún reporte espera revisión.")).to_be_visible()
    _pick(page, "pr_close_quarter", QUARTER)
    page.get_by_role("button", name=f"Cerrar {QUARTER}", exact=True).click()
    expect(page.get_by_text(f"{QUARTER} cerrado: cifras oficiales congeladas")).to_be_visible()
    h.wait_for_app_run(page)


def test_the_presentation_shows_the_official_figures(cycle):
    sessions, _ = cycle
    page = sessions("directivo").page
    h.click_nav(page, "presentacion")
    expect(page.get_by_text(f"Cifras oficiales {QUARTER}", exact=False).first).to_be_visible()
