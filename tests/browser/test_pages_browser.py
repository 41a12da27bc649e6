"""Every page, for every demo role, in headless Chromium against the real app: the sidebar
offers exactly the role's pages, and each page renders inside the app shell with no
exception or error alert, no console error, no failed request and not a single request to
the outside (every request to a host other than localhost is blocked and recorded: the app
must need no CDN). A screenshot per page and role goes to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from components.core.navigation import PAGES as NAV_PAGES
from rules.core.i18n import t

pytestmark = pytest.mark.browser

# demo role → demo account (the comité account is the Caribe office's)
ROLE_ACCOUNTS = {
    "directivo": "directivo",
    "analista_pmo": "analista",
    "comite_regional": "comite",
    "operador": "operador",
    "admin": "admin",
}
CASES = [(role, spec) for role in ROLE_ACCOUNTS for spec in NAV_PAGES if role in spec.roles]


def _nav_labels(page):
    return page.get_by_test_id("stSidebarNav").locator("[data-testid=stSidebarNavLink] span[label]")


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_sidebar_offers_exactly_the_pages_of_the_role(role, e2e_demo, signed_in):
    username = ROLE_ACCOUNTS[role]
    assert e2e_demo.accounts[username][0] == role
    expected = [t(spec.title_key, "es") for spec in NAV_PAGES if role in spec.roles]
    assert expected, f"no page for {role}"
    expect(_nav_labels(signed_in(username).page)).to_have_text(expected)


@pytest.mark.parametrize(("role", "spec"), CASES, ids=[f"{role}-{spec.url_path}" for role, spec in CASES])
def test_page_renders_clean_offline(role, spec, store_kind, signed_in):
    username = ROLE_ACCOUNTS[role]
    watch = signed_in(username)
    page = watch.page
    title = t(spec.title_key, "es")
    try:
        current = page.get_by_test_id("stSidebarNavLink").filter(has=page.locator(f'span[label="{title}"]'))
        if current.get_attribute("aria-current") != "page":  # signing in already showed the default page
            watch.reset()
            h.click_nav(page, title)
        main = page.get_by_test_id("stMain")
        expect(main).not_to_contain_text("Sesión no iniciada")  # ran inside the app shell
        expect(main).not_to_be_empty()
        h.expect_no_errors(page)
        assert not watch.problems(), watch.problems()
    finally:
        h.screenshot(page, f"{store_kind}-{username}-{spec.url_path}")
