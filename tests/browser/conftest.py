"""Fixtures of the browser tests: one Chromium per session and, per store kind (SQLite and
PostgreSQL, like every store test), one demo store with boundaries served by one app.

Starting an app and signing in cost seconds, a check costs milliseconds: so each module
shares its app and its signed-in pages (``SignedIn``) across tests of one behaviour each.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from tests.conftest import DEMO_SEED
from tests.mapstore import MPIO_FILE, demo_geo_copy

TODAY = os.environ.get("TABLERO_TODAY", "2026-11-23")

expect.set_options(timeout=h.TIMEOUT_MS)  # a cold first render of a page takes seconds, not Playwright's 5


def real_geodata() -> bool:
    """The DANE MGN files are where ``tests.mapstore`` looks (``TABLERO_GEODATA``, ``../shared/geodata``)."""
    raw = os.environ.get("TABLERO_GEODATA", "").strip()
    for c in ([Path(raw)] if raw else []) + [h.ROOT.parent / "shared" / "geodata"]:
        if ((c if c.is_dir() else c.parent) / MPIO_FILE).is_file():
            return True
    return False


class DemoSite:
    def __init__(self, url: str, accounts: dict[str, tuple[str, str]]):
        self.url = url
        self.accounts = accounts  # username → (role, password)

    def password(self, username: str) -> str:
        return self.accounts[username][1]


@pytest.fixture(scope="session")
def e2e_demo(store_factory) -> DemoSite:
    """A writable copy of the demo store (seed ``DEMO_SEED``) with boundaries: the real DANE
    MGN ones (the template the map tests copy too) when present, else a square per municipality."""
    if real_geodata():
        site = demo_geo_copy(store_factory)
        return DemoSite(site.url, site.accounts)
    from data_access.demo.seed import seed
    from tests.test_exports import _square_boundaries

    accounts: dict[str, tuple[str, str]] = {}

    def build(url: str) -> None:
        for acc in seed(url, "demo", DEMO_SEED)["accounts"]:
            role, username, password = (acc["role"], acc["username"], acc["password"]) if isinstance(acc, dict) else acc
            accounts[username] = (role, password)
        _square_boundaries(url)

    return DemoSite(store_factory.new("demo_e2e_squares", build), accounts)


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Debian Chromium for the whole session (a fresh context per page)."""
    with h.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def demo_app(e2e_demo, chromium_browser):
    """The real app serving ``e2e_demo`` (one server per store kind), its first page already
    served at ``/``: a fresh process answers a first visit to a page's address with "Page not
    found" (FINDINGS 4), which no test of a shared link should depend on running first."""
    with h.running_app(e2e_demo.url, {"TABLERO_TODAY": TODAY}) as app:
        with h.watched_page(chromium_browser) as watch:
            h.goto_page(watch.page, app.base_url, "")
        yield app


class SignedIn:
    """A signed-in watched page per demo account, opened on first use and kept until ``close()``.

    A full-screen page (the presentation) hides the sidebar: the next use leaves it by its
    "Salir de la presentación" link in the slide bar, as a person would (same Streamlit session).
    """

    def __init__(self, browser, base_url: str, site: DemoSite):
        self.browser, self.base_url, self.site = browser, base_url, site
        self._pages: dict[str, h.WatchedPage] = {}
        self._stack = contextlib.ExitStack()

    def __call__(self, username: str) -> h.WatchedPage:
        watch = self._pages.get(username)
        if watch is None:
            watch = self._pages[username] = self._stack.enter_context(h.watched_page(self.browser))
            h.login(watch.page, self.base_url, username, self.site.password(username))
        elif not watch.page.get_by_test_id("stSidebarNav").is_visible():
            page = watch.page
            page.get_by_role("link", name="Salir de la presentación").click()
            expect(page).to_have_url(re.compile(r"^[^?#]*//[^/]+/([?#].*)?$"))  # the overview, mid-run
            h.wait_for_app_run(page)
            expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
        return watch

    def close(self) -> None:
        self._stack.close()
        self._pages.clear()


@pytest.fixture(scope="module")
def signed_in(chromium_browser, demo_app, e2e_demo):
    """``signed_in(username)``: that demo account's page on ``demo_app``, shared by the module."""
    sessions = SignedIn(chromium_browser, demo_app.base_url, e2e_demo)
    yield sessions
    sessions.close()
