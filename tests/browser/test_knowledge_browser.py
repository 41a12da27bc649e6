"""Knowledge records and documents in Chromium: the municipality profile lists the municipality's
knowledge records; a file attached to an alliance evidence on the edit page comes back byte for
byte through its download button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cli.bench import browser as h
from data_access.core.db import get_engine
from data_access.core.models import AllianceEvidence, BusinessPlan
from data_access.core.scope import Viewer
from data_access.knowledge import search as S
from rules.access import CONSOLE_ROLE

pytestmark = pytest.mark.browser


def test_the_municipality_profile_lists_its_knowledge_records(chromium_browser, demo_app, e2e_demo, store_kind):
    national = Viewer("test", CONSOLE_ROLE)
    record = S.records(national, limit=1, url=e2e_demo.url)[0]
    code = record["municipality_code"]
    with h.watched_page(chromium_browser) as watch:
        page = watch.page
        h.goto_page(page, demo_app.base_url, "mapa", {"depto": code[:2], "mpio": code})
        h.fill_login_form(page, "analista", e2e_demo.password("analista"))
        expect(page.get_by_text(f"DIVIPOLA {code}").first).to_be_visible()
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("Gestión del conocimiento")
        table = main.get_by_test_id("stDataFrame").filter(has_text=record["code"])
        expect(table).to_have_count(1)
        expect(table).to_contain_text(record["title"][:30])
        expect(main.get_by_role("link", name="Ver en Gestión del conocimiento")).to_be_visible()
        h.expect_no_errors(page)
        assert not watch.problems(), watch.problems()


def test_evidence_upload_and_download_round_trip(chromium_browser, demo_app, e2e_demo, store_kind, tmp_path):
    with get_engine(e2e_demo.url).connect() as conn:
        plan = conn.execute(select(BusinessPlan.code).join(AllianceEvidence, AllianceEvidence.business_plan_id ==
                                                           BusinessPlan.id).order_by(BusinessPlan.code)).first()[0]
    sent = tmp_path / f"soporte-{store_kind}.pdf"
    sent.write_bytes(b"%PDF-1.4\n% contrato de compraventa " + store_kind.encode() + b"\n%%EOF\n")
    with h.watched_page(chromium_browser) as watch:
        page = watch.page
        h.login(page, demo_app.base_url, "analista", e2e_demo.password("analista"))
        h.click_nav(page, "edicion")
        main = page.get_by_test_id("stMain")
        search = main.get_by_role("textbox", name="Buscar plan de negocio")
        search.fill(plan)
        search.press("Enter")
        expect(main.get_by_role("combobox").first).to_have_value(re.compile(f"^{re.escape(plan)} "))
        h.wait_for_app_run(page)
        documents = main.get_by_test_id("stVerticalBlock").filter(visible=True).filter(
            has=page.get_by_test_id("stFileUploaderDropzone")).last
        h.wait_for_app_run(page)
        with page.expect_file_chooser() as chooser:
            documents.get_by_test_id("stFileUploaderDropzone").get_by_role("button").filter(has_text="Upload").click()
        chooser.value.set_files(str(sent))
        chip = documents.get_by_test_id("stFileChip")  # its name shows shortened: «soporte…gresql.pdf»
        expect(chip).to_have_count(1)
        expect(chip.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)  # uploaded before the submit
        documents.get_by_role("button", name="Adjuntar", exact=True).click()
        h.wait_for_app_run(page)
        button = main.get_by_role("button", name=f"Descargar {sent.name}")
        expect(button).to_be_visible()  # the link is stored: the row's files list it
        with page.expect_download() as download:
            button.click()
        got = Path(download.value.path()).read_bytes()
        assert got == sent.read_bytes()
        assert download.value.suggested_filename == sent.name
        h.expect_no_errors(page)
        assert not watch.problems(), watch.problems()
