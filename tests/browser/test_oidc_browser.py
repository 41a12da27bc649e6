"""OIDC login end to end: the real app with an ``[auth]`` secrets section pointing at a
local ``oidc-provider-mock`` (in a thread, on a free localhost port), driven in Chromium.

The secrets file is written to a temporary directory and passed with ``--secrets.files``:
nothing is written into the repository. The provider's authorisation form lets the test
type the identity (its ``sub``, which the mock also returns as the ``email`` claim). Each
identity signs in once per module; its tests look at the page it reached.
"""

from __future__ import annotations

import contextlib
import re
import secrets

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from components.core.navigation import PAGES as NAV_PAGES
from rules.core.i18n import t

pytestmark = pytest.mark.browser

OIDC_BUTTON = "Ingresar con la cuenta institucional"
ANALISTA = "analista@demo.tablero.gov.co"
STRANGER = "desconocida@otra-entidad.gov.co"


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


@pytest.fixture(scope="module")
def signed_in_as(oidc_app, chromium_browser):
    """``signed_in_as(email)``: a page signed in through the provider as that identity, reloaded
    once so that what it records is the app's own (the provider's page loads a CDN stylesheet)."""
    app, provider_url = oidc_app
    pages: dict[str, h.WatchedPage] = {}
    with contextlib.ExitStack() as stack:

        def sign_in(email: str) -> h.WatchedPage:
            if email not in pages:
                watch = pages[email] = stack.enter_context(h.watched_page(chromium_browser))
                page = watch.page
                page.goto(app.base_url + "/", wait_until="domcontentloaded")
                page.get_by_role("button", name=OIDC_BUTTON).click()
                page.locator('input[name="sub"]').fill(email)  # on the provider's authorisation form
                page.get_by_role("button", name="Authorize").click()
                expect(page).to_have_url(re.compile(rf"^{re.escape(app.base_url)}/(?!oauth2callback)"))
                watch.reset()
                page.reload(wait_until="domcontentloaded")
                h.wait_for_app_run(page)  # a reloaded page's script state is "initial" until its first run ends
            return pages[email]

        yield sign_in


def test_oidc_identity_of_a_demo_account_gets_its_role(signed_in_as, store_kind):
    page = signed_in_as(ANALISTA).page
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Analista PMO")
    h.screenshot(page, f"{store_kind}-oidc-analista")


def test_oidc_identity_of_a_demo_account_reaches_the_pages_of_its_role(signed_in_as):
    page = signed_in_as(ANALISTA).page
    expected = [t(spec.title_key, "es") for spec in NAV_PAGES if "analista_pmo" in spec.roles]
    expect(page.get_by_test_id("stSidebarNav").locator("[data-testid=stSidebarNavLink] span[label]")).to_have_text(
        expected)


def test_oidc_login_of_a_demo_account_is_clean_offline(signed_in_as):
    watch = signed_in_as(ANALISTA)
    h.expect_no_errors(watch.page)
    assert not watch.problems(), watch.problems()


def test_oidc_identity_without_an_account_is_told_it_has_no_role(signed_in_as, store_kind):
    page = signed_in_as(STRANGER).page
    expect(page.get_by_test_id("stMain")).to_contain_text("no tiene un rol")
    h.screenshot(page, f"{store_kind}-oidc-sin-rol")


def test_oidc_identity_without_an_account_sees_no_page(signed_in_as):
    watch = signed_in_as(STRANGER)
    expect(watch.page.get_by_test_id("stSidebarNavLink")).to_have_count(0)
    assert not watch.problems(), watch.problems()
