"""The territorial map in headless Chromium with every request to the outside blocked: the
real app on a demo store with the real DANE MGN 2018 boundaries draws 1,122 municipality
paths, a click on a municipality shows its profile without redrawing the map, names from
the store render as text, and a comité regional's grey municipalities carry no figure.

One app per store kind and one signed-in page per account serve every test of the module.
"""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from cli.bench import browser as h
from data_access.core.db import get_engine, session_scope
from data_access.core.models import BoundarySet, Municipality, MunicipalityBoundary, RegionalOffice
from tests.browser.conftest import TODAY, SignedIn
from tests.mapstore import demo_geo_copy

pytestmark = pytest.mark.browser

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
XSS = "<img src=x onerror=alert(1)>"
XSS_CODE = "91001"  # Leticia, renamed to an HTML payload: it must show as text
PATHS = 1122


@pytest.fixture(scope="module")
def map_site(store_factory):
    site = demo_geo_copy(store_factory)
    with session_scope(site.url, write=True) as s:
        s.execute(update(Municipality).where(Municipality.code == XSS_CODE).values(name=XSS))
    return site


@pytest.fixture(scope="module")
def map_app(map_site):
    """One app serving ``map_site`` for the module."""
    with h.running_app(map_site.url, {"TABLERO_TODAY": TODAY}) as app:
        yield app


@pytest.fixture(scope="module")
def on_map(map_site, map_app, chromium_browser):
    """``on_map(username)``: that account's page showing the drawn map (one app for the module)."""
    sessions = SignedIn(chromium_browser, map_app.base_url, map_site)

    def open_map(username: str) -> h.WatchedPage:
        watch = sessions(username)
        if not watch.page.url.split("?")[0].endswith("/mapa"):
            watch.reset()
            h.click_nav(watch.page, "mapa")
        expect(_paths(watch.page).nth(PATHS - 1)).to_be_attached(timeout=120_000)
        return watch

    yield open_map
    sessions.close()


@contextlib.contextmanager
def _fresh_map(browser, app, site, size: tuple[int, int]):
    """A new signed-in page of ``size`` on the drawn map: its next click is the first one."""
    with h.watched_page(browser, viewport=size) as watch:
        h.login(watch.page, app.base_url, "directivo", site.password("directivo"))
        h.click_nav(watch.page, "mapa")
        expect(_paths(watch.page).nth(PATHS - 1)).to_be_attached(timeout=120_000)
        h.wait_for_app_run(watch.page)
        yield watch


def _paths(page, kind: str = "tablero-mpio"):
    return page.frame_locator(IFRAME).locator(f"path.{kind}")


def _map_frame(page):
    return next(f for f in page.frames if "st_folium" in f.url)


def _largest(url, office: str | None = None, n: int = 1):
    """(code, name, lat, lon) of the largest municipalities (a point inside each)."""
    MB = MunicipalityBoundary
    stmt = (select(MB.municipality_code, Municipality.name, MB.centroid_lat, MB.centroid_lon)
            .join(BoundarySet, BoundarySet.id == MB.boundary_set_id)
            .join(Municipality, Municipality.code == MB.municipality_code)
            .where(BoundarySet.active).order_by(MB.area_km2.desc()).limit(n))
    if office:
        stmt = stmt.join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id).where(
            RegionalOffice.code == office)
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def _click_latlng(page, lat: float, lon: float) -> None:
    """A real mouse click where Leaflet draws (lat, lon)."""
    frame = _map_frame(page)
    x, y = frame.evaluate(
        "([lat, lon]) => { const p = window.tableroMap.map.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('map_div').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
        [lat, lon])
    box = page.locator(IFRAME).bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def _tooltip_of(page, code: str) -> tuple[str, str]:
    """(text, html) of the tooltip Leaflet shows for a municipality (opened as on hover)."""
    return tuple(_map_frame(page).evaluate(
        "(c) => { const m = window.tableroMap, l = m.byCode[c]; l.fire('mouseover', {latlng: l.getCenter()}, true);"
        " const el = document.querySelector('.leaflet-tooltip'); const out = [el.innerText, el.innerHTML];"
        " l.fire('mouseout', {}, true); return out; }", code))


# ---------------------------------------------------------------------------- directivo


def test_map_draws_every_municipality_under_the_department_borders(on_map):
    page = on_map("directivo").page
    expect(_paths(page)).to_have_count(PATHS)
    expect(_paths(page, "tablero-depto")).to_have_count(1)


def test_map_shows_legend_and_alerts_without_a_basemap(on_map, store_kind):
    page = on_map("directivo").page
    frame = page.frame_locator(IFRAME)
    expect(page.locator(".tablero-legend .tl-row").nth(1)).to_be_visible()  # two legend rows at least
    expect(frame.locator(".tablero-alert").first).to_be_attached()  # the alerts layer is on by default
    expect(frame.locator(".leaflet-tile")).to_have_count(0)
    h.screenshot(page, f"{store_kind}-map-directivo")


def test_alert_symbols_aggregate_by_zoom(on_map):
    """At the national zoom nearby alerts share one symbol that carries their sum; zoomed in
    on a department they come apart."""
    frame = _map_frame(on_map("directivo").page)
    shown = frame.evaluate("() => Array.from(document.querySelectorAll('.tablero-alert'))"
                           ".map(e => parseInt(e.innerText.replace(/\\D/g, '')))")
    municipalities, alerts = frame.evaluate(
        "() => { const ms = window.tableroMap.alerts.getLayers();"
        " return [ms.length, ms.reduce((a, m) => a + m.options.alerts, 0)]; }")
    assert municipalities > 0 and len(shown) < municipalities, (shown, municipalities)
    assert sum(shown) == alerts  # every open alert is in one symbol or another
    assert frame.locator(".tablero-cluster").count() > 0
    view = frame.evaluate(
        "() => { const m = window.tableroMap.map, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }")
    frame.evaluate("() => window.tableroMap.map.setView([6.25, -75.56], 10, {animate: false})")  # Antioquia
    try:
        expect(frame.locator(".tablero-alert:not(.tablero-cluster)").first).to_be_attached()
    finally:  # the other tests of this page click at the national view
        frame.evaluate("([lat, lon, z]) => window.tableroMap.map.setView([lat, lon], z, {animate: false})", view)


def test_map_needs_nothing_from_outside(on_map):
    watch = on_map("directivo")
    h.wait_for_app_run(watch.page)
    assert not watch.problems(), watch.problems()


def test_names_from_the_store_render_as_text(on_map):
    watch = on_map("directivo")
    text, markup = _tooltip_of(watch.page, XSS_CODE)
    assert XSS in text
    assert "<img" not in markup and "&lt;img" in markup
    assert not watch.dialogs, watch.dialogs


def test_click_on_a_municipality_opens_its_profile(on_map, map_site, store_kind):
    watch = on_map("directivo")
    page = watch.page
    code, name, lat, lon = _largest(map_site.url, n=3)[2]
    _click_latlng(page, lat, lon)
    expect(page.get_by_text(f"DIVIPOLA {code}").first).to_be_visible()
    h.wait_for_app_run(page)
    main = page.get_by_test_id("stMain")
    for shown in (name, "Embudo de la ruta", "Operadores que trabajan aquí", "Hogares", "Planes de negocio (PN)"):
        expect(main).to_contain_text(shown)
    h.screenshot(page, f"{store_kind}-map-directivo-profile")
    h.expect_no_errors(page)
    assert not watch.problems(), watch.problems()


def test_click_keeps_the_drawn_map(on_map, map_site):
    watch = on_map("directivo")
    page = watch.page
    _map_frame(page).evaluate("() => { window.__sameMap = true; }")
    code, _name, lat, lon = _largest(map_site.url, n=2)[1]
    _click_latlng(page, lat, lon)
    expect(page.get_by_text(f"DIVIPOLA {code}").first).to_be_visible()
    h.wait_for_app_run(page)
    assert _map_frame(page).evaluate("() => window.__sameMap === true"), "the click reloaded the map"
    expect(_paths(page)).to_have_count(PATHS)
    assert not watch.problems(), watch.problems()


# ---------------------------------------------------- comité regional (Caribe office)


def test_comite_sees_its_office_in_scope_and_the_rest_outside(on_map, map_site):
    page = on_map("comite").page
    with get_engine(map_site.url).connect() as conn:
        office = conn.execute(
            select(Municipality.code).join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
            .where(RegionalOffice.code == "CAR")).scalars().all()
    expect(_paths(page, "tablero-in")).to_have_count(len(office))
    expect(_paths(page, "tablero-out")).to_have_count(PATHS - len(office))


def test_comite_tooltips_give_figures_only_inside_the_office(on_map):
    page = on_map("comite").page
    outside, _ = _tooltip_of(page, "05001")  # Medellín
    assert "Fuera de su alcance" in outside and "Hogares vinculados" not in outside
    inside, _ = _tooltip_of(page, "13001")  # Cartagena
    assert "Hogares vinculados:" in inside


def test_comite_click_outside_the_office_shows_no_figure(on_map, map_site, store_kind):
    watch = on_map("comite")
    page = watch.page
    _code, _name, lat, lon = _largest(map_site.url, office="NOC")[0]
    _click_latlng(page, lat, lon)
    expect(page.get_by_text("está fuera de su alcance").first).to_be_visible()
    h.wait_for_app_run(page)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    h.screenshot(page, f"{store_kind}-map-comite-outside")
    assert not watch.problems(), watch.problems()


# ------------------------------------------------- the first click, at every screen size

SIZES = [(1366, 768), (1440, 900), (1920, 1080)]


# (1280, 600): a window too short for the whole map, where a click used to scroll the page
# (Leaflet focusing the map) and be taken for a drag
@pytest.mark.parametrize("size", [*SIZES, (1280, 600)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_click_opens_the_profile_without_scrolling(map_app, map_site, chromium_browser, size, store_kind):
    with _fresh_map(chromium_browser, map_app, map_site, size) as watch:
        page = watch.page
        main = page.get_by_test_id("stMain")
        code, name, lat, lon = _largest(map_site.url, n=3)[2]
        _click_latlng(page, lat, lon)
        expect(page.get_by_text(f"DIVIPOLA {code}").first).to_be_visible()
        assert main.evaluate("(m) => m.scrollTop") == 0  # the click did not scroll the page
        h.wait_for_app_run(page)
        expect(main.get_by_role("link", name="Indicador de alianzas", exact=True)).to_be_visible()
        h.screenshot(page, f"{store_kind}-map-first-click-{size[0]}x{size[1]}")
        assert not watch.problems(), watch.problems()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_map_has_the_room_and_the_legend_covers_no_territory(map_app, map_site, chromium_browser, size):
    """The whole map is on screen and takes most of the window's height and the page's width;
    the legend sits above it, outside the map, so it covers no municipality at any zoom."""
    width, height = size
    with _fresh_map(chromium_browser, map_app, map_site, size) as watch:
        page = watch.page
        frame = page.locator(IFRAME).bounding_box()
        assert frame["y"] + frame["height"] <= height, frame
        assert frame["height"] >= 0.6 * height, frame
        content = page.get_by_test_id("stMainBlockContainer").evaluate(
            "(e) => { const s = getComputedStyle(e); return e.clientWidth - parseFloat(s.paddingLeft)"
            " - parseFloat(s.paddingRight); }")
        assert frame["width"] >= 0.6 * content, (frame, content)
        legend = page.locator(".tablero-legend").bounding_box()
        assert legend["y"] + legend["height"] <= frame["y"], (legend, frame)
        expect(page.frame_locator(IFRAME).locator(".tablero-legend")).to_have_count(0)
        # the profile's links keep their whole names
        code, _name, lat, lon = _largest(map_site.url, n=1)[0]
        _click_latlng(page, lat, lon)
        link = page.get_by_test_id("stMain").get_by_role("link", name="Indicador de alianzas", exact=True)
        expect(link).to_be_visible()
        assert link.evaluate("(a) => { const s = a.querySelector('p') || a; return s.scrollWidth <= s.clientWidth; }")
