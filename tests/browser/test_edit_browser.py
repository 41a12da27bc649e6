"""End to end in Chromium (issue 7, acceptance 4): one edit through the real form, then the
new value on another page — in the same app process AND in a second app process (another
port, same PostgreSQL), as with several replicas behind a proxy.

Cross-process freshness comes from the per-topic data versions: the save bumps 'targeting'
in the same transaction; at its next rerun the second process reads the new version and
misses exactly the cached reads keyed on it (no TTL wait, no global cache clear). To prove
that, process B renders the overview *before* the edit (so its cache holds the old figure).

The module fixture makes the edit once; the tests, in file order, look at its outcome.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from cli.bench import browser as h
from data_access.core.db import get_engine
from rules.core.formatting import fmt_int
from tests.browser.conftest import TODAY
from tests.conftest import DEMO_SEED
from tests.stores import make_factory

pytestmark = pytest.mark.browser

KPI = 'div.tb-card[aria-label="Municipios priorizados"] .tb-value'
YEAR = 2026  # the default cut-off (last quarter end before TABLERO_TODAY=2026-11-23) is in 2026
OVERVIEW = "Resumen ejecutivo"


@pytest.fixture(scope="module")
def pg_demo():
    """A private PostgreSQL demo store (two app processes share it) and its accounts."""
    from data_access.demo.seed import seed

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
    value = page.locator(KPI).first
    expect(value).to_be_visible()
    return int(re.sub(r"\D", "", value.inner_text()))


def _target(url: str) -> tuple[str, str, int]:
    """(code, name, target population) of a municipality prioritised in YEAR whose population
    differs from that of the one the tab opens on: the form's figures show the pick took effect."""
    with get_engine(url).connect() as conn:
        first = conn.execute(text(
            "SELECT m.code, COALESCE(t.target_population, 0) FROM municipality m "
            "LEFT JOIN targeting t ON t.municipality_code = m.code AND t.year = :y "
            "ORDER BY m.department_code, m.name LIMIT 1"), {"y": YEAR}).one()
        row = conn.execute(text(
            "SELECT m.code, m.name, COALESCE(t.target_population, 0) AS population FROM targeting t "
            "JOIN municipality m ON m.code = t.municipality_code "
            "WHERE t.year = :y AND t.prioritised AND m.code <> :first "
            "AND COALESCE(t.target_population, 0) <> :pop ORDER BY m.name LIMIT 1"),
            {"y": YEAR, "first": first[0], "pop": first[1]}).one()
    return row.code, row.name, int(row.population)


def _pick(page, container, option: str) -> None:
    """Choose an option of a Streamlit selectbox (react-aria combobox) by typing it."""
    box = container.get_by_role("combobox").first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).first.click()
    expect(box).to_have_value(option)


@dataclass
class Edit:
    url: str
    code: str
    name: str
    before_a: int
    before_b: int
    a: h.WatchedPage  # process A: made the edit, still on the edit page
    b: h.WatchedPage  # process B: showed the overview before the edit


@pytest.fixture(scope="module")
def edit(pg_demo, chromium_browser):
    """Process B shows the overview; then, in process A, an analista withdraws a municipality's
    prioritisation through the form."""
    url, accounts = pg_demo
    code, name, population = _target(url)
    env = {"TABLERO_TODAY": TODAY}
    with contextlib.ExitStack() as stack:
        app_a = stack.enter_context(h.running_app(url, env))
        app_b = stack.enter_context(h.running_app(url, env))
        assert app_a.port != app_b.port
        wa = stack.enter_context(h.watched_page(chromium_browser))
        wb = stack.enter_context(h.watched_page(chromium_browser))
        h.login(wb.page, app_b.base_url, "analista", accounts["analista"])
        before_b = _kpi(wb.page)
        h.login(wa.page, app_a.base_url, "analista", accounts["analista"])
        before_a = _kpi(wa.page)

        pa = wa.page
        h.click_nav(pa, "edicion")
        pa.get_by_role("tab", name="Focalización", exact=True).click()
        _pick(pa, pa.locator(f".st-key-tg_muni_{YEAR}"), f"{name} ({code})")  # the year defaults to the cut-off's
        form = pa.get_by_test_id("stForm").filter(visible=True).filter(has_text="Población objetivo (hogares)")
        expect(form.get_by_role("spinbutton", name="Población objetivo (hogares)")).to_have_value(str(population))
        prioritised = form.get_by_role("checkbox", name="Priorizado")
        expect(prioritised).to_be_checked()
        form.get_by_test_id("stCheckbox").filter(has=pa.get_by_role("checkbox", name="Priorizado")).click()
        expect(prioritised).not_to_be_checked()
        form.get_by_role("button", name="Guardar").click()
        expect(pa.get_by_text("Guardado:")).to_be_visible()
        h.wait_for_app_run(pa)
        yield Edit(url, code, name, before_a, before_b, wa, wb)


def test_both_processes_showed_the_same_figure_before_the_edit(edit):
    assert edit.before_a == edit.before_b


def test_form_confirms_the_save_with_the_new_version(edit):
    page = edit.a.page
    expect(page.get_by_text(f"Guardado: {edit.name} ({edit.code}) · {YEAR} (versión 2).")).to_be_visible()
    h.expect_no_errors(page)


def test_save_is_stored_and_audited(edit):
    with get_engine(edit.url).connect() as conn:
        prioritised = conn.execute(
            text("SELECT prioritised FROM targeting WHERE municipality_code = :c AND year = :y"),
            {"c": edit.code, "y": YEAR}).scalar()
        editor = conn.execute(
            text("SELECT username FROM audit_log WHERE entity = 'targeting' ORDER BY id DESC LIMIT 1")).scalar()
    assert prioritised is False
    assert editor == "analista"


def test_another_page_of_the_same_process_shows_the_new_figure(edit):
    page = edit.a.page
    h.click_nav(page, OVERVIEW)
    expect(page.locator(KPI).first).to_have_text(fmt_int(edit.before_a - 1, "es"))


def test_second_process_verifies_the_audit_chain_with_the_edit(edit):
    page = edit.b.page
    h.click_nav(page, "auditoria")
    with get_engine(edit.url).connect() as conn:
        entries = conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar()
    expect(page.get_by_text(f"Cadena íntegra: {entries} entradas verificadas").first).to_be_visible()


def test_second_process_shows_the_new_figure_at_its_next_rerun(edit):
    watch = edit.b
    page = watch.page
    if urlsplit(page.url).path != "/auditoria":
        h.click_nav(page, "auditoria")  # leave the overview it cached before the edit
    h.click_nav(page, OVERVIEW)
    expect(page.locator(KPI).first).to_have_text(fmt_int(edit.before_b - 1, "es"))
    h.expect_no_errors(page)
    assert not watch.blocked and not edit.a.blocked, (watch.blocked, edit.a.blocked)
    h.screenshot(page, "edit_second_process_overview")
