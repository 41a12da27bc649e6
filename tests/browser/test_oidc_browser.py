"""OIDC login end to end: the real app with an ``[auth]`` secrets section pointing at a
local ``oidc-provider-mock`` (in a thread, on a free localhost port), driven in Chromium.

The secrets file is written to a temporary directory and passed with
``--secrets.files``: nothing is written into the repository. The provider's
authorisation form lets the test type the identity (its ``sub``, which the mock also
returns as the ``email`` claim).
"""

from __future__ import annotations

import secrets

import pytest

from cli.bench import browser as h
from components.core.navigation import PAGES as NAV_PAGES
from rules.core.i18n import t

OIDC_BUTTON = "Ingresar con la cuenta institucional"


@pytest.fixture(scope="module")
def oidc_app(e2e_demo, tmp_path_factory):
    """(app server, provider URL): the app configured for OIDC against the mock."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as provider:
        provider_url = f"http://localhost:{provider.server_port}"
        port = h.free_port()
        secrets_file = tmp_path_factory.mktemp("oidc") / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "tablero-e2e"\n'
            f'client_secret = "{secrets.token_hex(8)}"\n'
            f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with h.running_app(e2e_demo.url, secrets_file=secrets_file, port=port) as app:
            yield app, provider_url


def _oidc_login(w: h.WatchedPage, app, provider_url: str, email: str) -> None:
    page = w.page
    page.goto(app.base_url + "/", wait_until="domcontentloaded")
    h.wait_for_app(page)
    page.get_by_role("button", name=OIDC_BUTTON).click()
    page.wait_for_url(provider_url + "/oauth2/authorize**", timeout=60_000)
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(app.base_url + "/**", timeout=60_000)
    h.wait_for_app(page)
    # The provider's own page loads a stylesheet from a CDN (blocked here): not the app's doing.
    w.reset()
    page.reload(wait_until="domcontentloaded")
    h.wait_for_app(page)


@pytest.mark.browser
def test_oidc_identity_of_a_demo_account_reaches_its_pages(oidc_app, chromium_browser):
    app, provider_url = oidc_app
    with h.watched_page(chromium_browser) as w:
        _oidc_login(w, app, provider_url, "analista@demo.tablero.gov.co")
        page = w.page
        page.get_by_role("button", name="Cerrar sesión").wait_for(state="visible")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Analista PMO" in sidebar
        expected = [t(p.title_key, "es") for p in NAV_PAGES if "analista_pmo" in p.roles]
        assert [link["title"] for link in h.nav_links(page)] == expected
        assert not h.page_errors(page), h.page_errors(page)
        assert not w.problems(), w.problems()
        h.screenshot(page, "oidc-analista")


@pytest.mark.browser
def test_oidc_identity_without_an_account_gets_no_data(oidc_app, chromium_browser):
    app, provider_url = oidc_app
    with h.watched_page(chromium_browser) as w:
        _oidc_login(w, app, provider_url, "desconocida@otra-entidad.gov.co")
        page = w.page
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "no tiene un rol" in main
        assert h.nav_links(page) == []
        assert not w.problems(), w.problems()
        h.screenshot(page, "oidc-sin-rol")
