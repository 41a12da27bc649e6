"""The municipality profile shows its asset map in Chromium: a link to the map with ``?mpio=``
opens the profile, which lists the municipality's markets, institutional offer and public goods
with their state, and the map offers the asset layer in its own layer control."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from data_access.characterisation import assets
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from rules.access import CONSOLE_ROLE
from tests.browser.conftest import TODAY

pytestmark = pytest.mark.browser

IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def test_the_municipality_profile_shows_its_asset_map(chromium_browser, demo_app, e2e_demo, store_kind):
    national = Viewer("test", CONSOLE_ROLE)
    layer = assets.map_layer(national, GlobalFilters(cutoff=dt.date.fromisoformat(TODAY)), e2e_demo.url)
    code = next(c for c, m in sorted(layer.items()) if m["markets"] and m["gaps"])
    rows = assets.municipality_assets(national, code, e2e_demo.url)
    market = next(r["name"] for r in rows if r["kind"] == "mercado")
    with h.watched_page(chromium_browser) as watch:
        page = watch.page
        h.goto_page(page, demo_app.base_url, "mapa", {"depto": code[:2], "mpio": code})  # a link, as shared
        h.fill_login_form(page, "analista", e2e_demo.password("analista"))
        expect(page.get_by_text(f"DIVIPOLA {code}").first).to_be_visible()
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("Mapa de activos del territorio")
        table = main.get_by_test_id("stDataFrame").filter(has_text=market)
        expect(table).to_have_count(1)
        expect(table).to_contain_text("Bien público")
        control = page.frame_locator(IFRAME).locator(".leaflet-control-layers")
        expect(control).to_contain_text("Mercados y bienes públicos")
        h.screenshot(page, f"{store_kind}-map-profile-assets")
        h.expect_no_errors(page)
        assert not watch.problems(), watch.problems()
