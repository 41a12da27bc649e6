"""Presentation mode in a real (offline) Chromium: the slideshow runs through all its
slides — by keyboard, by click and by the timer — with the sidebar hidden, the cut-off
date, scope and filters on every slide, and the URL carrying the state (views, slide,
filters). Each slide is screenshotted into tests/artifacts/ (git-ignored).

Uses the shared harness in ``cli/bench/browser.py``.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cli.bench.browser import (
    ROOT,
    chromium,
    click_nav,
    login,
    page_errors,
    running_app,
    screenshot,
    wait_for_app,
    watched_page,
)
from data_access.core.auth import create_user

pytestmark = pytest.mark.browser

TITLES = ["Resumen ejecutivo", "Mapa territorial", "Embudos de las rutas", "Cumplimiento de ANS de operadores",
          "Indicador de alianzas productivas (18 meses)", "Alertas territoriales abiertas"]
USER, PASSWORD = "presenta", "clave-presenta-1"


def _boundaries(url: str) -> None:
    """The real DANE MGN boundaries when configured (CI: TABLERO_GEODATA), else one square
    per municipality — the map slide must show a choropleth either way."""
    geodata = os.environ.get("TABLERO_GEODATA") or str(ROOT.parent / "shared" / "geodata")
    if Path(geodata).is_dir() and any(Path(geodata).glob("*MPIO*")):
        env = dict(os.environ, DATABASE_URL=url, TABLERO_GEODATA=geodata)
        subprocess.run([str(ROOT / ".venv" / "bin" / "tablero"), "geodata", "import-configured"], env=env,
                       cwd=ROOT, check=True, capture_output=True, timeout=300)
        return
    from tests.test_exports import _square_boundaries

    _square_boundaries(url)


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _slide_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _wait_slide(page, n: int, total: int, timeout: float = 60_000) -> None:
    page.get_by_text(f"Diapositiva {n} de {total}", exact=False).first.wait_for(state="visible", timeout=timeout)
    wait_for_app(page, timeout)


def test_slideshow_runs_through_all_slides(demo_store_rw, store_kind):
    url = demo_store_rw
    _boundaries(url)
    create_user(USER, "directivo", PASSWORD, display_name="Directora de prueba", url=url)
    env = {"TABLERO_TODAY": "2026-11-23"}
    with running_app(url, env=env) as server, chromium() as browser, \
            watched_page(browser, viewport=(1600, 900)) as watch:
        page = watch.page
        login(page, server.base_url, USER, PASSWORD)
        click_nav(page, "presentacion")
        _wait_slide(page, 1, 6)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()  # sidebar hidden
        shots = []
        for n in range(1, 7):
            _wait_slide(page, n, 6)
            page.locator("h1.tb-slide-title", has_text=TITLES[n - 1]).wait_for(state="visible", timeout=60_000)
            if n == 2:  # the map slide draws the stored boundaries as a choropleth
                page.locator('[data-testid="stPlotlyChart"]').first.wait_for(state="visible", timeout=60_000)
            text = _slide_text(page)
            assert "Corte: 30/09/2026" in text and "Alcance: Nacional" in text and "Filtros: ninguno" in text
            q = _query(page)
            assert q["slide"] == str(n) and q["vistas"] == "overview,map,funnels,sla,alliance,alerts"
            assert q["corte"] == "2026-09-30"
            assert not page_errors(page), page_errors(page)
            page.wait_for_timeout(600)  # let the charts finish drawing
            shots.append(screenshot(page, f"presentation_{store_kind}_slide{n}_{TITLES[n - 1].split()[0].lower()}"))
            if n < 6:
                if n % 2:
                    page.keyboard.press("ArrowRight")  # keys...
                else:
                    page.locator(".st-key-pres_next button").click()  # ...and clicks
        assert all(Path(s).stat().st_size > 10_000 for s in shots)
        # wraps around, and back
        page.keyboard.press("ArrowRight")
        _wait_slide(page, 1, 6)
        page.keyboard.press("ArrowLeft")
        _wait_slide(page, 6, 6)
        assert _query(page)["slide"] == "6"

        # the link reproduces the exact state: views, slide and filters (after signing in)
        link = (f"{server.base_url}/presentacion?corte=2026-06-30&ruta=basica&vistas=alliance,overview"
                f"&slide=2&auto=15")
        page.goto(link, wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_label("Usuario", exact=True).fill(USER)
        page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Ingresar", exact=True).click()
        _wait_slide(page, 2, 2)
        page.locator("h1.tb-slide-title", has_text="Resumen ejecutivo").wait_for(state="visible")
        text = _slide_text(page)
        assert "Corte: 30/06/2026" in text and "Ruta: Ruta básica" in text
        screenshot(page, f"presentation_{store_kind}_from_link")
        # the timer (auto=15) advances by itself, wrapping to slide 1
        started = time.monotonic()
        _wait_slide(page, 1, 2, timeout=45_000)
        assert time.monotonic() - started < 40
        page.locator("h1.tb-slide-title", has_text=TITLES[4]).wait_for(state="visible")
        assert _query(page)["slide"] == "1"
        screenshot(page, f"presentation_{store_kind}_timer")
        problems = [p for p in watch.problems() if "_stcore/health" not in p and "_stcore/host-config" not in p]
        assert not problems, problems
