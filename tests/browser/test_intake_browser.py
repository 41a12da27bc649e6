"""«Carga de datos» end to end in Chromium (issue 14, acceptance 3): an analista uploads a
workbook with a bad cell and sees the problem, downloads the annotated copy, uploads the
fixed workbook, confirms, and finds the batch in the history.

The tables are drawn on a canvas, so what a table holds is read from its own CSV download
(the same rows). The module fixture uploads the bad workbook once; the tests run in file
order on the same signed-in page, the last one loading the fixed file.
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from cli.bench import browser as h

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD_ROWS = [["E2E-1", "Operador E2E SAS", None, "si"], ["E2E-2", "Servicios E2E SAS", None, "no"]]
BAD_ROWS = [GOOD_ROWS[0], ["E2E-2", "Servicios E2E SAS", None, "quizas"]]  # row 3, column D


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "operadores"
    ws.append(["codigo_operador", "nombre", "nit", "es_psde"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(page, name: str, data: bytes) -> None:
    h.upload_file(page, name, XLSX, data)


def download(page, button) -> bytes:
    with page.expect_download() as info:
        button.click()
    return open(info.value.path(), "rb").read()


def csv_rows(data: bytes) -> list[dict]:
    """The table of a page download: after its context rows and the blank line, «;»-separated."""
    text = data.decode("utf-8-sig")
    table = text.split("\r\n\r\n", 1)[-1] if "\r\n\r\n" in text else text.split("\n\n", 1)[-1]
    return list(csv.DictReader(io.StringIO(table), delimiter=";"))


@pytest.fixture(scope="module")
def intake(signed_in):
    """The analista's page on «Carga de datos» with the bad workbook uploaded and validated."""
    watch = signed_in("analista")
    page = watch.page
    h.click_nav(page, "Carga de datos")
    upload(page, "operadores.xlsx", workbook(BAD_ROWS))
    expect(page.get_by_text("Archivo rechazado: 1 problema(s)")).to_be_visible()
    h.wait_for_app_run(page)
    return watch


def test_a_bad_workbook_shows_its_problem_and_cannot_be_confirmed(intake):
    page = intake.page
    expect(page.get_by_text("Problemas (1)")).to_be_visible()
    expect(page.get_by_role("button", name="Confirmar carga")).to_be_disabled()
    rows = csv_rows(download(page, page.get_by_role("button", name="Descargar CSV").first))
    assert [(r["Hoja"], r["Fila"], r["Columna"], r["Valor"]) for r in rows] == [
        ("operadores", "3", "es_psde (D)", "quizas")]
    assert "escriba si o no" in rows[0]["Problema y corrección"]
    assert not intake.problems(), intake.problems()


def test_the_annotated_copy_marks_the_bad_cell_with_its_fix(intake):
    page = intake.page
    data = download(page, page.get_by_role("button", name="Descargar copia anotada (.xlsx)"))
    wb = load_workbook(io.BytesIO(data))
    cell = wb["operadores"]["D3"]
    assert cell.value == "quizas"
    assert cell.comment is not None and "escriba si o no" in cell.comment.text
    assert wb["operadores"]["D2"].comment is None  # only the bad cell


def test_the_fixed_workbook_loads_and_shows_in_the_history(intake):
    page = intake.page
    fixed = workbook(GOOD_ROWS)
    upload(page, "operadores_corregido.xlsx", fixed)
    expect(page.get_by_text("Validación correcta")).to_be_visible()
    h.wait_for_app_run(page)
    confirm = page.get_by_role("button", name="Confirmar carga")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text("Carga completa: lote")).to_be_visible()
    h.wait_for_app_run(page)
    expect(confirm).to_be_disabled()
    history = csv_rows(download(page, page.get_by_role("button", name="Descargar CSV").last))
    first = history[0]
    assert (first["Usuario"], first["Tipo de hoja"], first["Archivo"]) == ("analista", "Operadores",
                                                                          "operadores_corregido.xlsx")
    assert first["SHA-256 completo"] == hashlib.sha256(fixed).hexdigest()
    assert first["Conteos"] == "operadores: 2 nuevos, 0 actualizados, 0 sin cambios"
    h.expect_no_errors(page)
    assert not intake.problems(), intake.problems()
