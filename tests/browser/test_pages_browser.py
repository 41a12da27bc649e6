"""Every page, for every demo role, in headless Chromium against the real app: no
exception or error element, no console error, no failed request, and not a single
request to the outside (every request to a host other than localhost is blocked and
recorded: the app must need no CDN). A screenshot per page and role goes to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import pytest

from cli.bench import browser as h
from components.core.navigation import PAGES as NAV_PAGES
from rules.core.i18n import t

# demo role → demo account (the comité account is the Caribe office's)
ROLE_ACCOUNTS = {
    "directivo": "directivo",
    "analista_pmo": "analista",
    "comite_regional": "comite",
    "operador": "operador",
    "admin": "admin",
}


@pytest.mark.browser
@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_allowed_page_renders_clean(role, store_kind, e2e_demo, demo_app, chromium_browser):
    username = ROLE_ACCOUNTS[role]
    acc_role, password = e2e_demo.accounts[username]
    assert acc_role == role
    pages = [p for p in NAV_PAGES if role in p.roles]
    assert pages, f"no page for {role}"
    failures: list[str] = []
    with h.watched_page(chromium_browser) as w:
        h.login(w.page, demo_app.base_url, username, password)
        assert not w.problems(), f"login as {username}: {w.problems()}"
        assert not h.page_errors(w.page), f"login as {username}: {h.page_errors(w.page)}"

        # The navigation offers exactly the pages of the role.
        expected_titles = [t(p.title_key, "es") for p in pages]
        assert [link["title"] for link in h.nav_links(w.page)] == expected_titles

        for page in pages:
            title = t(page.title_key, "es")
            w.reset()
            where = f"{role} ({username}) · {page.path} /{page.url_path}"
            try:
                if not w.page.locator(h.NAV_LINK_SELECTOR).first.is_visible():
                    # a full-screen page (presentation mode) hides the sidebar: new session
                    h.login(w.page, demo_app.base_url, username, password)
                links = h.nav_links(w.page)
                target = next(lk for lk in links if lk["path"] == "/" + page.url_path or lk["title"] == title)
                here = w.page.evaluate("() => window.location.pathname")
                if target["path"] != here:
                    h.click_nav(w.page, page.url_path if target["path"] != "/" else title)
                main_text = w.page.locator('[data-testid="stMain"]').inner_text()
            except Exception as exc:  # noqa: BLE001 - collect every page's failure in one report
                failures.append(f"{where}: navigation failed: {type(exc).__name__}: {str(exc)[:300]}")
                h.screenshot(w.page, f"{store_kind}-{username}-{page.url_path}-FAILED")
                continue
            h.screenshot(w.page, f"{store_kind}-{username}-{page.url_path}")
            (h.ARTIFACTS / f"{store_kind}-{username}-{page.url_path}-FAILED.png").unlink(missing_ok=True)
            problems = h.page_errors(w.page) + w.problems()
            if "Sesión no iniciada" in main_text:
                problems.append("page ran without the app shell (no page context)")
            if not main_text.strip():
                problems.append("empty page")
            failures.extend(f"{where}: {p}" for p in problems)
    assert not failures, "\n".join(failures)
