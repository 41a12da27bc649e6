"""Screenshots a person looks at (issue 15, acceptance 2): every page a directivo sees, the
comité's overview and map, and every presentation slide, each at 1366×768, 1440×900 and
1920×1080, written by ``make test`` to ``build/screenshots/<store>/`` (git-ignored).

One signed-in page per account on the shared demo app; the sizes are changes of its
viewport, not new sessions, so the whole set takes well under a minute and a half.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h
from components.core.navigation import PAGES as NAV_PAGES
from exports.content import VIEWS
from rules.core.i18n import t

pytestmark = pytest.mark.browser

OUT = h.ROOT / "build" / "screenshots"
SIZES = [(1366, 768), (1440, 900), (1920, 1080)]
SLIDES = len(VIEWS)  # the presentation shows every committee view
COMITE_PAGES = ("resumen", "mapa")


def _settled(page) -> None:
    """The run is over and its charts are drawn, laid out for the current viewport."""
    h.wait_for_app_run(page)
    for chart in page.get_by_test_id("stPlotlyChart").all():
        expect(chart.locator(".main-svg").first).to_be_visible()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def _shoot(page, folder: Path, name: str, *, full_page: bool) -> list[Path]:
    """``name`` at every size: ``<name>_<width>x<height>.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _settled(page)
        path = folder / f"{name}_{width}x{height}.png"
        page.screenshot(path=str(path), full_page=full_page)
        shots.append(path)
    return shots


def _pages_of(username: str, role: str, only: tuple[str, ...] | None = None) -> list:
    specs = [s for s in NAV_PAGES if role in s.roles and s.url_path != "presentacion"]
    return [s for s in specs if only is None or s.url_path in only]


def _visit(page, spec) -> None:
    title = t(spec.title_key, "es")
    link = page.get_by_test_id("stSidebarNavLink").filter(has=page.locator(f'span[label="{title}"]'))
    if link.get_attribute("aria-current") != "page":
        h.click_nav(page, title)


@pytest.mark.parametrize(("username", "role", "only"), [
    ("directivo", "directivo", None),
    ("comite", "comite_regional", COMITE_PAGES),
], ids=["directivo", "comite"])
def test_screenshots_of_the_pages(username, role, only, store_kind, signed_in, e2e_demo):
    assert e2e_demo.accounts[username][0] == role
    watch = signed_in(username)
    page = watch.page
    specs = _pages_of(username, role, only)
    assert specs
    shots = []
    for spec in specs:
        _visit(page, spec)
        h.expect_no_errors(page)
        shots += _shoot(page, OUT / store_kind, f"{username}_{spec.url_path}", full_page=True)
    assert len(shots) == len(specs) * len(SIZES)
    assert all(p.stat().st_size > 10_000 for p in shots), [p.name for p in shots if p.stat().st_size <= 10_000]
    assert not watch.problems(), watch.problems()


def test_screenshots_of_every_slide(store_kind, signed_in):
    watch = signed_in("directivo")
    page = watch.page
    h.click_nav(page, "presentacion")
    shots = []
    for n in range(1, SLIDES + 1):
        if n > 1:
            page.keyboard.press("ArrowRight")
        expect(page.get_by_text(f"Diapositiva {n} de {SLIDES}")).to_be_visible()
        h.expect_no_errors(page)
        shots += _shoot(page, OUT / store_kind, f"presentacion_{n}", full_page=False)
    assert len(shots) == SLIDES * len(SIZES)
    assert all(p.stat().st_size > 10_000 for p in shots)
    assert not watch.problems(), watch.problems()
