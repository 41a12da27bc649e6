"""Presentation mode in a real (offline) Chromium: the slideshow runs through all its slides —
by keyboard, by button and by its timer — with the sidebar hidden, the cut-off date, scope
and filters on every slide, and the URL carrying the state (views, slide, filters). At the
projector sizes (1366×768, 1440×900, 1920×1080) every slide fits the window: no scrolling,
every box of the slide (bar, header, cards, chart and its legend, footer) inside the viewport,
the exit link visible, Esc leaves. Each slide is screenshotted into tests/artifacts/ (git-ignored).

The deck is one directivo's page on the shared demo app; each test moves it to the slide it
needs from wherever the previous one left it.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h

pytestmark = pytest.mark.browser

TITLES = ["Resumen ejecutivo", "Mapa territorial", "Embudos de las rutas", "Cumplimiento de ANS de operadores",
          "Indicador de alianzas productivas (18 meses)", "Alertas territoriales abiertas",
          "Seguimiento de compromisos"]
VIEWS = "overview,map,funnels,sla,alliance,alerts,agreements"
USER = "directivo"
SIZES = [(1366, 768), (1440, 900), (1920, 1080)]

# Every box a person must see on a slide, as [selector, top, left, bottom, right] (CSS pixels);
# and the page's scroll room (0 when nothing is below the fold).
_BOXES_JS = """() => {
  const sel = ['.st-key-pres_bar', '.st-key-pres_exit a', 'h1.tb-slide-title', '.tb-slide-sub',
               '.st-key-pres_slide', '.tb-card', '[data-testid=stPlotlyChart] .main-svg', 'g.legend',
               '.st-key-slide_foot', '.st-key-slide_note'];
  const boxes = [];
  for (const s of sel) for (const el of document.querySelectorAll(s)) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) boxes.push([s, r.top, r.left, r.bottom, r.right]);
  }
  const main = document.querySelector('[data-testid=stMain]');
  return {boxes: boxes, scroll: Math.max(main.scrollHeight - main.clientHeight,
                                          document.documentElement.scrollHeight - innerHeight)};
}"""


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _expect_slide(page, n: int, total: int, title: str, timeout: float = h.TIMEOUT_MS) -> None:
    """Slide ``n`` of ``total`` is shown with its title, and its run is done."""
    expect(page.get_by_text(f"Diapositiva {n} de {total}")).to_be_visible(timeout=timeout)
    expect(page.locator("h1.tb-slide-title")).to_have_text(title)
    h.wait_for_app_run(page)


@pytest.fixture(scope="module")
def deck(chromium_browser, demo_app, e2e_demo):
    """The directivo's page in presentation mode (all views, slide 1)."""
    with h.watched_page(chromium_browser, viewport=(1600, 900)) as watch:
        h.login(watch.page, demo_app.base_url, USER, e2e_demo.password(USER))
        h.click_nav(watch.page, "presentacion")
        _expect_slide(watch.page, 1, 7, TITLES[0])
        yield watch


def _show(page, n: int) -> None:
    """Go to slide ``n`` with the arrow keys, one slide per key, as a presenter does."""
    at = int(_query(page)["slide"])
    key = "ArrowRight" if n > at else "ArrowLeft"
    while at != n:
        at += 1 if key == "ArrowRight" else -1
        page.keyboard.press(key)
        _expect_slide(page, at, 7, TITLES[at - 1])


def test_sidebar_is_hidden(deck):
    expect(deck.page.get_by_test_id("stSidebar")).to_be_hidden()


@pytest.mark.parametrize("n", range(1, 8))
def test_slide_shows_its_view_with_cutoff_scope_filters_and_url(n, deck, store_kind):
    page = deck.page
    _show(page, n)
    if n == 2:  # the map slide draws the stored boundaries as a choropleth
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    for chart in page.get_by_test_id("stPlotlyChart").all():  # drawn before the screenshot
        expect(chart.locator(".main-svg").first).to_be_visible()
    main = page.get_by_test_id("stMain")
    for shown in ("Corte: 30/09/2026", "Alcance: Nacional", "Filtros: ninguno"):
        expect(main).to_contain_text(shown)
    q = _query(page)
    assert (q["slide"], q["vistas"], q["corte"]) == (str(n), VIEWS, "2026-09-30")
    h.expect_no_errors(page)
    shot = h.screenshot(page, f"presentation_{store_kind}_slide{n}_{TITLES[n - 1].split()[0].lower()}")
    assert shot.stat().st_size > 10_000


def test_next_button_advances_one_slide(deck):
    page = deck.page
    _show(page, 3)
    page.locator(".st-key-pres_next button").click()
    _expect_slide(page, 4, 7, TITLES[3])


def test_right_arrow_on_the_last_slide_wraps_to_the_first(deck):
    page = deck.page
    _show(page, 7)
    page.keyboard.press("ArrowRight")
    _expect_slide(page, 1, 7, TITLES[0])


def test_left_arrow_on_the_first_slide_wraps_to_the_last(deck):
    page = deck.page
    _show(page, 1)
    page.keyboard.press("ArrowLeft")
    _expect_slide(page, 7, 7, TITLES[6])
    assert _query(page)["slide"] == "7"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("n", range(1, 8))
def test_slide_fits_the_window_without_scrolling(n, size, deck, store_kind):
    page = deck.page
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    _show(page, n)
    for chart in page.get_by_test_id("stPlotlyChart").all():
        expect(chart.locator(".main-svg").first).to_be_visible()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # re-laid out
    seen = page.evaluate(_BOXES_JS)
    kinds = {b[0] for b in seen["boxes"]}
    assert {".st-key-pres_slide", ".tb-card", ".st-key-slide_note", ".st-key-pres_exit a"} <= kinds, kinds
    outside = [b for b in seen["boxes"] if b[1] < -0.5 or b[2] < -0.5 or b[3] > height + 0.5 or b[4] > width + 0.5]
    assert not outside, outside
    assert seen["scroll"] <= 0, f"{seen['scroll']} px below the fold"
    h.screenshot(page, f"presentation_{store_kind}_{width}x{height}_slide{n}")


def test_goal_label_keeps_its_percent_together(deck):
    """«(80 %)» is one unit: the space before % does not break (no "(80" / "%)" lines)."""
    page = deck.page
    _show(page, 5)
    status = page.locator(".tb-card .tb-status").filter(has_text="meta").first
    expect(status).to_be_visible()
    assert "(80\u00a0%)" in status.evaluate("e => e.textContent")  # expect() would normalise the space


def test_exit_link_is_visible_on_the_slide(deck):
    expect(deck.page.locator(".st-key-pres_exit").get_by_role("link", name="Salir de la presentación")).to_be_visible()


def test_escape_leaves_the_presentation(chromium_browser, demo_app, e2e_demo):
    with h.watched_page(chromium_browser, viewport=SIZES[0]) as watch:
        page = watch.page
        h.login(page, demo_app.base_url, USER, e2e_demo.password(USER))
        h.click_nav(page, "presentacion")
        _expect_slide(page, 1, 7, TITLES[0])
        page.keyboard.press("Escape")
        expect(page).to_have_url(re.compile(r"^[^?#]*//[^/]+/([?#].*)?$"))  # the overview
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
        h.wait_for_app_run(page)
        expect(page.locator("h1.tb-slide-title")).to_have_count(0)
        assert not watch.problems(), watch.problems()


def test_presentation_is_clean_offline(deck):
    assert not deck.problems(), deck.problems()


def test_link_reproduces_views_slide_filters_and_timer(chromium_browser, demo_app, e2e_demo, store_kind):
    """A new visitor opens a shared link and, once signed in, sees that state."""
    with h.watched_page(chromium_browser, viewport=(1600, 900)) as watch:
        page = watch.page
        page.goto(f"{demo_app.base_url}/presentacion?corte=2026-06-30&ruta=basica&vistas=alliance,overview"
                  "&slide=2&auto=120", wait_until="domcontentloaded")
        h.fill_login_form(page, USER, e2e_demo.password(USER))
        _expect_slide(page, 2, 2, "Resumen ejecutivo")
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("Corte: 30/06/2026")
        expect(main).to_contain_text("Ruta: Ruta básica")
        assert _query(page)["auto"] == "120"
        h.screenshot(page, f"presentation_{store_kind}_from_link")
        assert not watch.problems(), watch.problems()


def test_timer_advances_the_slides_by_itself(chromium_browser, demo_app, e2e_demo, store_kind):
    """Waiting is the behaviour here: the link sets a 15 s timer, the shortest on offer."""
    with h.watched_page(chromium_browser, viewport=(1600, 900)) as watch:
        page = watch.page
        page.goto(f"{demo_app.base_url}/presentacion?vistas=alliance,overview&slide=2&auto=15",
                  wait_until="domcontentloaded")
        h.fill_login_form(page, USER, e2e_demo.password(USER))
        _expect_slide(page, 2, 2, "Resumen ejecutivo")
        shown = time.monotonic()
        _expect_slide(page, 1, 2, TITLES[4], timeout=45_000)  # no key, no click: the timer
        assert time.monotonic() - shown < 40
        assert _query(page)["slide"] == "1"
        h.screenshot(page, f"presentation_{store_kind}_timer")
        assert not watch.problems(), watch.problems()
