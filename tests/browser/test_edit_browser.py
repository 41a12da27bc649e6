"""End to end in Chromium (issue 7, acceptance 4): one edit through the real form, then
the new value on another page — in the same app process AND in a second app process
(another port, same PostgreSQL), as with several replicas behind a proxy.

Cross-process freshness comes from the per-topic data versions: the save bumps
'targeting' in the same transaction; at its next rerun the second process reads the
new version and misses exactly the cached reads keyed on it (no TTL wait, no global
cache clear). To prove that, process B renders the overview *before* the edit (so its
cache holds the old figure) and shows the new figure at its next rerun.

Uses the shared Playwright harness in ``cli/bench/browser.py``.
"""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import text

from cli.bench import browser as harness
from data_access.core.db import get_engine
from tests.conftest import DEMO_SEED
from tests.stores import make_factory

pytestmark = pytest.mark.browser

KPI = 'div.tb-card[aria-label="Municipios priorizados"] .tb-value'
YEAR = 2026  # the default cut-off (last quarter end before TABLERO_TODAY=2026-11-23) is in 2026


@pytest.fixture(scope="module")
def pg_demo():
    """A private PostgreSQL demo store (two app processes share it) and its accounts."""
    from data_access.demo import seed

    factory = make_factory("postgresql")
    accounts: dict[str, str] = {}

    def build(url: str) -> None:
        for acc in seed(url, "demo", DEMO_SEED)["accounts"]:
            if isinstance(acc, dict):
                accounts[acc["username"]] = acc["password"]
            else:
                accounts[acc[1]] = acc[2]

    url = factory.new("demo_edit_e2e", build)
    yield url, accounts
    factory.cleanup()


def _kpi(page) -> int:
    page.locator(KPI).first.wait_for(state="visible", timeout=60_000)
    return int(re.sub(r"\D", "", page.locator(KPI).first.inner_text()))


def _not_prioritised(url: str) -> tuple[str, str]:
    with get_engine(url).connect() as conn:
        row = conn.execute(
            text(
                "SELECT m.code, m.name FROM targeting t JOIN municipality m ON m.code = t.municipality_code "
                "WHERE t.year = :y AND NOT t.prioritised ORDER BY m.name LIMIT 1"
            ),
            {"y": YEAR},
        ).one()
    return row.code, row.name


def _pick(page, container, option: str) -> None:
    """Choose an option of a Streamlit selectbox (react-aria combobox) by typing it."""
    box = container.locator('input[role="combobox"]').first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()


def test_edit_seen_on_another_page_and_in_a_second_process(pg_demo, tmp_path):
    url, accounts = pg_demo
    code, name = _not_prioritised(url)
    env = {"TABLERO_TODAY": os.environ.get("TABLERO_TODAY", "2026-11-23")}
    with (
        harness.running_app(url, env) as app_a,
        harness.running_app(url, env) as app_b,
        harness.chromium() as browser,
        harness.watched_page(browser) as wa,
        harness.watched_page(browser) as wb,
    ):
        assert app_a.port != app_b.port
        pa, pb = wa.page, wb.page

        # process B: the overview is rendered and cached BEFORE the edit
        harness.login(pb, app_b.base_url, "analista", accounts["analista"])
        before_b = _kpi(pb)

        # process A: same figure, then the edit through the real form
        harness.login(pa, app_a.base_url, "analista", accounts["analista"])
        before = _kpi(pa)
        assert before == before_b
        harness.click_nav(pa, "edicion")
        pa.get_by_role("tab", name="Focalización", exact=True).click()
        pa.locator(f".st-key-tg_muni_{YEAR}").wait_for(state="visible")  # the year defaults to the cut-off's
        muni = pa.locator(f".st-key-tg_muni_{YEAR}")
        _pick(pa, muni, f"{name} ({code})")
        harness.wait_for_app(pa)
        assert muni.locator('input[role="combobox"]').input_value() == f"{name} ({code})"
        form = pa.locator('[data-testid="stForm"]:visible').filter(has_text="Población objetivo (hogares)")
        form.wait_for(state="visible", timeout=60_000)
        form.get_by_text("Priorizado", exact=True).click()
        harness.arm_run_watch(pa)
        form.get_by_role("button", name="Guardar").click()
        harness.wait_run_done(pa)
        harness.wait_for_app(pa)
        saved = pa.get_by_text(f"Guardado: {name} ({code}) · {YEAR} (versión 2).")
        saved.wait_for(state="visible", timeout=30_000)
        assert not harness.page_errors(pa), harness.page_errors(pa)

        # the store holds it, audited
        with get_engine(url).connect() as conn:
            assert (
                conn.execute(
                    text("SELECT prioritised FROM targeting WHERE municipality_code = :c AND year = :y"),
                    {"c": code, "y": YEAR},
                ).scalar()
                is True
            )
            assert (
                conn.execute(
                    text("SELECT username FROM audit_log WHERE entity = 'targeting' ORDER BY id DESC LIMIT 1")
                ).scalar()
                == "analista"
            )

        # another page, same process: the overview figure moved by one
        harness.click_nav(pa, "Resumen ejecutivo")
        assert _kpi(pa) == before + 1

        # the second process, at its next rerun (another page, then back)
        harness.click_nav(pb, "auditoria")
        with get_engine(url).connect() as conn:
            n_entries = conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar()
        pb.get_by_text(f"Cadena íntegra: {n_entries} entradas verificadas").first.wait_for(state="visible")
        harness.click_nav(pb, "Resumen ejecutivo")
        assert _kpi(pb) == before + 1

        assert not harness.page_errors(pb), harness.page_errors(pb)
        assert not wa.blocked and not wb.blocked
        harness.screenshot(pb, "edit_second_process_overview")
