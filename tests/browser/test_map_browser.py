"""The territorial map in headless Chromium with every request to the outside blocked:
the real app (``streamlit run app.py``) on a demo store with the real DANE MGN 2018
boundaries draws 1,122 municipality paths, a click on a municipality shows its profile,
names from the store render as text, and a comité regional's grey municipalities carry
no figure. Uses the shared harness of ``tests/e2e``."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, update

from cli.bench import browser as h
from data_access.core.db import get_engine, session_scope
from data_access.core.models import BoundarySet, Municipality, MunicipalityBoundary, RegionalOffice
from tests.mapstore import demo_geo_copy

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
XSS = "<img src=x onerror=alert(1)>"


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


@pytest.mark.browser
def test_map_offline_1122_paths_click_opens_profile(store_factory, store_kind):
    site = demo_geo_copy(store_factory)
    xss_code = "91001"  # Leticia: renamed to an HTML payload, must show as text
    with session_scope(site.url, write=True) as s:
        s.execute(update(Municipality).where(Municipality.code == xss_code).values(name=XSS))
    env = {"TABLERO_TODAY": os.environ.get("TABLERO_TODAY", "2026-11-23")}
    with h.running_app(site.url, env) as app, h.chromium() as browser:
        # ---------------------------------------------------------------- directivo
        with h.watched_page(browser) as w:
            page = w.page
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            h.login(page, app.base_url, "directivo", site.password("directivo"))
            h.click_nav(page, "mapa")
            frame = page.frame_locator(IFRAME)
            frame.locator("path.tablero-mpio").nth(1121).wait_for(state="attached", timeout=120_000)
            assert frame.locator("path.tablero-mpio").count() == 1122
            assert frame.locator("path.tablero-depto").count() == 1  # department borders, on top
            assert frame.locator(".tablero-legend .tl-row").count() >= 2
            assert frame.locator(".tablero-alert").count() > 0  # alerts layer on by default
            assert frame.locator(".leaflet-tile").count() == 0  # no basemap by default
            h.screenshot(page, f"{store_kind}-map-directivo")
            assert not w.blocked, f"requests to the outside: {w.blocked}"
            assert not w.problems(), w.problems()

            text, markup = _tooltip_of(page, xss_code)
            assert XSS in text and "<img" not in markup and "&lt;img" in markup

            code, name, lat, lon = _largest(site.url, n=3)[2]
            _click_latlng(page, lat, lon)
            page.get_by_text(f"DIVIPOLA {code}").first.wait_for(timeout=60_000)
            h.wait_for_app(page)
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert name in main and "Embudo de la ruta" in main and "Operadores que trabajan aquí" in main
            assert "Hogares" in main and "Planes de negocio (PN)" in main
            h.screenshot(page, f"{store_kind}-map-directivo-profile")
            # the click kept the map (no remount): still drawn, no reload of the component
            assert frame.locator("path.tablero-mpio").count() == 1122
            assert not dialogs and not w.blocked and not w.problems(), (dialogs, w.blocked, w.problems())
            assert not h.page_errors(page)

        # --------------------------------------------- comité regional (Caribe office)
        with h.watched_page(browser) as w:
            page = w.page
            h.login(page, app.base_url, "comite", site.password("comite"))
            h.click_nav(page, "mapa")
            frame = page.frame_locator(IFRAME)
            frame.locator("path.tablero-mpio").nth(1121).wait_for(state="attached", timeout=120_000)
            with get_engine(site.url).connect() as conn:
                office = conn.execute(
                    select(Municipality.code).join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
                    .where(RegionalOffice.code == "CAR")).scalars().all()
            assert frame.locator("path.tablero-in").count() == len(office)
            assert frame.locator("path.tablero-out").count() == 1122 - len(office)
            text, _ = _tooltip_of(page, "05001")  # Medellín, outside the office
            assert "Fuera de su alcance" in text and "Hogares vinculados" not in text
            text, _ = _tooltip_of(page, "13001")  # Cartagena, its own
            assert "Hogares vinculados:" in text
            code, name, lat, lon = _largest(site.url, office="NOC")[0]  # outside: click shows no figure
            _click_latlng(page, lat, lon)
            page.get_by_text("está fuera de su alcance").first.wait_for(timeout=60_000)
            h.wait_for_app(page)
            assert page.locator('[data-testid="stMetric"]').count() == 0
            h.screenshot(page, f"{store_kind}-map-comite-outside")
            assert not w.blocked and not w.problems(), (w.blocked, w.problems())
