"""An open session follows its account (issue 13, point 2), in Chromium against the real app: a
comité signed in with its local password is deactivated by an administrator (the real writer);
its next navigation in the same browser session lands on the login form with the Spanish notice,
and the page it asked for shows none of its data.

The account is made for this module (not a demo account), so the other browser tests that share
``demo_app`` keep their sessions.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cli.bench import browser as h
from data_access.core.auth import viewer_for_username
from data_access.core.db import session_scope
from data_access.core.models import RegionalOffice
from data_access.edits import accounts as account_edits

pytestmark = pytest.mark.browser

USERNAME = "comite_sesion"
PASSWORD = "clave-de-sesion-2026"


@pytest.fixture(scope="module")
def admin_and_account(e2e_demo):
    """The demo administrator and a comité account (oficina Caribe) it created."""
    admin = viewer_for_username("admin", url=e2e_demo.url)
    with session_scope(e2e_demo.url) as s:
        car = s.scalar(select(RegionalOffice.id).where(RegionalOffice.code == "CAR"))
    account_edits.create_user(admin, {"username": USERNAME, "role": "comite_regional", "regional_office_id": car,
                                      "password": PASSWORD}, url=e2e_demo.url)
    return admin, e2e_demo.url


def test_deactivated_account_is_logged_out_at_its_next_navigation(chromium_browser, demo_app, admin_and_account):
    admin, url = admin_and_account
    with h.watched_page(chromium_browser) as watch:
        page = watch.page
        h.login(page, demo_app.base_url, USERNAME, PASSWORD)
        target = next(link["path"] for link in h.nav_links(page) if link["path"] != "/").lstrip("/")

        account_edits.set_user_active(admin, USERNAME, False, url=url)
        page.get_by_test_id("stSidebarNavLink").and_(page.locator(f'[href$="/{target}"]')).click()

        notice = page.get_by_text(f"Su sesión se cerró: la cuenta «{USERNAME}» fue desactivada", exact=False)
        expect(notice).to_be_visible()
        h.wait_for_app_run(page)
        expect(page.get_by_label("Usuario", exact=True)).to_be_editable()
        expect(page.get_by_role("button", name="Cerrar sesión", include_hidden=True)).to_have_count(0)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        assert not watch.problems(), watch.problems()
