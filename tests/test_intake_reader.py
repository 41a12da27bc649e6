"""The intake reader (issue 14): .xlsx and CSV files into typed frames and problems, driven only
by the sheet declarations. Pure: workbooks are built in memory with openpyxl, CSVs by hand."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from data_access.intake.reader import read_file
from rules.intake import sheets as S
from rules.intake.problems import MAX_PROBLEMS

D = dt.date


# ------------------------------------------------------------------ builders


def xlsx(sheets: dict[str, list[list]], merge: dict[str, str] | None = None, validation: bool = False) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if merge and title in merge:
            ws.merge_cells(merge[title])
        if validation:
            dv = DataValidation(type="list", formula1='"si,no"', allow_blank=True)
            ws.add_data_validation(dv)
            dv.add("D2:D200")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], sep: str = ";", bom: bool = False, encoding: str = "utf-8") -> bytes:
    text = "\r\n".join(sep.join(str(v) for v in row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def header(sheet: S.Sheet) -> list[str]:
    return [c.name for c in sheet.columns]


def example(sheet: S.Sheet, **changes) -> list:
    """The declaration's example row (every example is a valid cell), with some cells changed."""
    values = {c.name: c.example for c in sheet.columns} | changes
    return [values[c.name] for c in sheet.columns]


def one_sheet(sheet: S.Sheet, *rows: list) -> bytes:
    return xlsx({sheet.name: [header(sheet), *rows]})


def read(data: bytes, entity: str, filename: str = "datos.xlsx", **kw):
    return read_file(data, filename, S.ENTITIES[entity], **kw)


def only(parsed, sheet: str | None = None, row: int | None = None, column: str | None = None):
    """The single problem of a bad file, at the place expected; nothing is valid."""
    assert not parsed.ok and not any(parsed.valid(s) for s in parsed.frames)
    assert len(parsed.problems) == 1, [str(p) for p in parsed.problems]
    p = parsed.problems[0]
    if sheet is not None:
        assert (p.sheet, p.row, p.column) == (sheet, row, column), str(p)
    return p


def cell(entity: str, sheet: S.Sheet, column: str, value):
    """Read one example row of ``sheet`` whose ``column`` holds ``value`` (as an Excel cell)."""
    return read(one_sheet(sheet, example(sheet, **{column: value})), entity)


# ------------------------------------------------------------------ wrong files


def test_a_word_document_is_named_as_such():
    doc = io.BytesIO()
    with zipfile.ZipFile(doc, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    p = only(read(doc.getvalue(), "operators", "operadores.docx"))
    assert (p.sheet, p.row) == ("", None)
    assert "es un documento de Word, no un libro de Excel" in p.message and ".xlsx" in p.message


def test_a_pdf_is_named_as_such():
    p = only(read(b"%PDF-1.7\n1 0 obj\n", "operators", "operadores.pdf"))
    assert "es un PDF, no un libro de Excel" in p.message


def test_bytes_that_are_no_workbook_are_refused():
    p = only(read(b"\x01\x02 esto no es un libro", "operators", "operadores.xlsx"))
    assert "no es un libro de Excel .xlsx válido" in p.message


def test_an_unsupported_file_type_is_refused():
    p = only(read(b'{"codigo_operador": 1}', "operators", "operadores.json"))
    assert "«.json» no se admite" in p.message and "CSV UTF-8" in p.message


def test_an_empty_file_is_refused():
    p = only(read(b"", "operators", "operadores.csv"))
    assert "«operadores.csv» está vacío" in p.message


def test_a_sheet_without_rows_is_refused():
    p = only(read(one_sheet(S.OPERATORS), "operators"), "operadores", None, "")
    assert "no tiene filas de datos" in p.message and "fila 1" in p.message


def test_an_empty_sheet_is_allowed_when_another_sheet_of_the_file_has_rows():
    data = xlsx({"planes_negocio": [header(S.PLANS)], "evidencias": [header(S.EVIDENCE), example(S.EVIDENCE)]})
    parsed = read(data, "tracking-matrix")
    assert parsed.ok and len(parsed.frames["planes_negocio"]) == 0 and len(parsed.frames["evidencias"]) == 1


def test_a_csv_with_only_its_header_is_refused():
    p = only(read(csv_bytes([header(S.OPERATORS)]), "operators", "operadores.csv"), "operadores", None, "")
    assert "no tiene filas de datos" in p.message


def test_a_csv_in_another_encoding_is_refused_naming_the_row():
    rows = [header(S.OPERATORS), example(S.OPERATORS), example(S.OPERATORS, codigo_operador="OP-Ñ", nombre="Peña")]
    p = only(read(csv_bytes(rows, encoding="latin-1"), "operators", "operadores.csv"), "operadores", 3, "")
    assert "no está en UTF-8" in p.message and "guárdelo como CSV UTF-8" in p.message


def test_a_csv_over_the_row_limit_is_refused():
    rows = [header(S.OPERATORS)] + [example(S.OPERATORS, codigo_operador=f"OP-{i}") for i in range(4)]
    p = only(read(csv_bytes(rows), "operators", "operadores.csv", max_rows=3), "operadores", None, "")
    assert "máximo por archivo es 3" in p.message and "divida" in p.message


def test_an_xlsx_sheet_over_the_row_limit_is_refused():
    rows = [example(S.OPERATORS, codigo_operador=f"OP-{i}") for i in range(4)]
    p = only(read(one_sheet(S.OPERATORS, *rows), "operators", max_rows=3), "operadores", None, "")
    assert "tiene 4 filas de datos y el máximo por archivo es 3" in p.message


def test_a_formula_cell_is_refused():
    data = one_sheet(S.OPERATORS, example(S.OPERATORS), example(S.OPERATORS, codigo_operador="OP-2", nombre="=A2"))
    p = only(read(data, "operators"), "operadores", 3, "nombre")
    assert p.letter == "B" and "la celda tenía una fórmula" in p.message and "valores" in p.message


def with_cached_result(data: bytes, formula: str, result: str) -> bytes:
    """The workbook with the last result Excel would have kept for ``formula`` (openpyxl keeps none)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = body.replace(f"<f>{formula}</f><v></v>".encode(), f"<f>{formula}</f><v>{result}</v>".encode())
            dst.writestr(item, body)
    return out.getvalue()


def test_a_formula_cell_names_its_last_result():
    data = one_sheet(S.TARGETING, example(S.TARGETING, poblacion_objetivo="=1000+200"))
    parsed = read(with_cached_result(data, "1000+200", "1200"), "targeting")
    p = only(parsed, "focalizacion", 2, "poblacion_objetivo")
    assert p.value == "1200" and "se leyó su último resultado «1200»" in p.message


def test_drop_down_validations_are_not_formula_cells():
    data = xlsx({"operadores": [header(S.OPERATORS), example(S.OPERATORS)]}, validation=True)
    assert read(data, "operators").ok


def test_an_excel_error_in_a_csv_is_refused():
    data = csv_bytes([header(S.OPERATORS), example(S.OPERATORS, nombre="#¡VALOR!")])
    p = only(read(data, "operators", "operadores.csv"), "operadores", 2, "nombre")
    assert p.value == "#¡VALOR!" and "«#¡VALOR!» es un error de Excel" in p.message


def test_merged_cells_are_refused():
    data = xlsx({"operadores": [header(S.OPERATORS), example(S.OPERATORS), example(S.OPERATORS, codigo_operador="X")]},
                merge={"operadores": "A2:A3"})
    p = only(read(data, "operators"), "operadores", 2, "codigo_operador")
    assert "las celdas A2:A3 están combinadas" in p.message and p.value == "PSDE-AND"


def test_a_missing_required_column_is_named_with_the_header_row():
    rows = [[h for h in header(S.OPERATORS) if h != "nombre"], [v for v in example(S.OPERATORS) if v != "PSDE Andes"]]
    p = only(read(xlsx({"operadores": rows}), "operators"), "operadores", 1, "nombre")
    assert "falta la columna «nombre»" in p.message and "plantilla" in p.message


def test_a_repeated_column_is_refused():
    rows = [header(S.OPERATORS) + ["Nombre"], example(S.OPERATORS) + ["Otro"]]
    p = only(read(xlsx({"operadores": rows}), "operators"), "operadores", 1, "nombre")
    assert "aparece varias veces (columnas B y E)" in p.message


def test_a_missing_required_sheet_is_named_with_the_sheets_found():
    data = xlsx({"planes_negocio": [header(S.PLANS), example(S.PLANS)], "Hoja1": [["x"]]})
    p = only(read(data, "tracking-matrix"), "evidencias", None, "")
    assert "falta la hoja «evidencias»" in p.message and "«Hoja1»" in p.message
    assert "opcionalmente «ventas»" in p.message


def test_an_optional_sheet_may_be_absent():
    data = xlsx({"planes_negocio": [header(S.PLANS), example(S.PLANS)],
                 "evidencias": [header(S.EVIDENCE), example(S.EVIDENCE)]})
    parsed = read(data, "tracking-matrix")
    assert parsed.ok and set(parsed.frames) == {"planes_negocio", "evidencias"}


def test_a_csv_for_a_workbook_of_several_sheets_must_be_named_after_its_sheet():
    data = csv_bytes([header(S.EVIDENCE), example(S.EVIDENCE)])
    p = only(read(data, "tracking-matrix", "matriz.csv"))
    assert "«planes_negocio.csv», «evidencias.csv», «ventas.csv»" in p.message


# ------------------------------------------------------------------ cells that cannot be read


UNREADABLE = [
    ("contracts", S.CONTRACTS, "fecha_inicio", "31/02/2025", "no es una fecha"),
    ("contracts", S.CONTRACTS, "fecha_inicio", "ayer", "AAAA-MM-DD o DD/MM/AAAA"),
    ("targeting", S.TARGETING, "poblacion_objetivo", "12,5", "no es un número entero"),
    ("targeting", S.TARGETING, "puntaje_total", "alto", "no es un número"),
    ("contracts", S.CONTRACTS, "valor_cop", "mil millones", "no es un valor en pesos"),
    ("operators", S.OPERATORS, "es_psde", "tal vez", "escriba si o no"),
    ("offices", S.OFFICES, "cod_municipio", "123456", "no es un código DIVIPOLA"),
    ("offices", S.OFFICES, "cod_municipio", "Medellín", "escriba sus 5 dígitos"),
    ("sla-reports", S.SLA_REPORTS, "trimestre", "2026Q5", "escríbalo como AAAAQn"),
    ("operators", S.OPERATORS, "nit", "NIT-ABC", "no es un NIT válido"),
    ("operators", S.OPERATORS, "nit", "900123456-1", "el dígito de verificación 1 no corresponde"),
    ("households", S.HOUSEHOLDS, "documento", 1.2345678901234567e19, "Excel lo redondeó"),
    ("operators", S.OPERATORS, "nombre", "#N/A", "error de Excel"),
]


@pytest.mark.parametrize("entity, sheet, column, value, fragment", UNREADABLE,
                         ids=[f"{c}-{v}" for _, _, c, v, _ in UNREADABLE])
def test_a_cell_that_cannot_be_read_as_its_kind_names_the_value_and_the_fix(entity, sheet, column, value, fragment):
    parsed = cell(entity, sheet, column, value)
    p = only(parsed, sheet.name, 2, column)
    assert fragment in p.message and p.value and p.letter
    assert parsed.frames[sheet.name][column].tolist() == [None]


def test_a_required_cell_left_empty_is_refused():
    p = only(cell("operators", S.OPERATORS, "nombre", None), "operadores", 2, "nombre")
    assert "está vacía y es obligatoria" in p.message and "«PSDE Andes»" in p.message


def test_a_value_outside_its_catalogue_lists_the_allowed_values():
    p = only(cell("contracts", S.CONTRACTS, "ruta", "avanzada"), "contratos", 2, "ruta")
    assert p.value == "avanzada"
    assert "«avanzada» no es un valor permitido; use uno de: basica, intermedia, competitividad" in p.message


def test_an_integer_outside_its_catalogue_is_refused():
    p = only(read_file(one_sheet(S.PLANS, example(S.PLANS, ventana=4)), "pn.xlsx", [S.PLANS]), "planes_negocio", 2,
             "ventana")
    assert "use uno de: 1, 2, 3" in p.message


def test_a_list_item_outside_its_catalogue_is_refused():
    p = only(cell("contracts", S.CONTRACTS, "servicios", "asistencia_tecnica;masajes"), "contratos", 2, "servicios")
    assert "«masajes» no es un valor permitido" in p.message and "comercializacion" in p.message


@pytest.mark.parametrize("value, fix", [(-1, "entre 0 y 100"), (100.5, "entre 0 y 100")])
def test_a_number_outside_its_range_is_refused(value, fix):
    p = only(cell("targeting", S.TARGETING, "puntaje_pobreza", value), "focalizacion", 2, "puntaje_pobreza")
    assert "fuera del rango permitido" in p.message and fix in p.message


def test_a_number_below_its_minimum_is_refused():
    p = only(cell("contracts", S.CONTRACTS, "valor_cop", "-5"), "contratos", 2, "valor_cop")
    assert "mayor o igual a 0" in p.message


def test_a_programme_date_before_2000_is_refused():
    p = only(cell("contracts", S.CONTRACTS, "fecha_inicio", "31/12/1999"), "contratos", 2, "fecha_inicio")
    assert "1999-12-31 es anterior a 2000-01-01" in p.message


def test_a_past_event_after_today_is_refused(monkeypatch):
    monkeypatch.setenv("TABLERO_TODAY", "2026-11-23")
    p = only(cell("stage-events", S.STAGE_EVENTS, "fecha_evento", "2026-11-24"), "etapas", 2, "fecha_evento")
    assert "posterior a hoy (2026-11-23)" in p.message


def test_an_agreed_term_may_lie_ahead(monkeypatch):
    monkeypatch.setenv("TABLERO_TODAY", "2026-11-23")
    parsed = cell("contracts", S.CONTRACTS, "fecha_fin", "2030-01-31")
    assert parsed.ok and parsed.frames["contratos"]["fecha_fin"].tolist() == [D(2030, 1, 31)]


def test_a_duplicate_key_names_both_rows():
    rows = [example(S.STAGE_EVENTS), example(S.STAGE_EVENTS, etapa="formacion"), example(S.STAGE_EVENTS)]
    parsed = read(one_sheet(S.STAGE_EVENTS, *rows), "stage-events")
    assert not parsed.ok
    assert [(p.sheet, p.row, p.column) for p in parsed.problems] == [("etapas", 2, "codigo_inscripcion"),
                                                                      ("etapas", 4, "codigo_inscripcion")]
    assert "aparece también en la fila 4" in parsed.problems[0].message
    assert "aparece también en la fila 2" in parsed.problems[1].message
    assert "INS-0000456 · formulacion · 2025-04-10" in parsed.problems[0].message


def test_problems_stop_at_the_limit_and_say_how_many_more():
    rows = [header(S.OPERATORS)] + [example(S.OPERATORS, codigo_operador=f"OP-{i}", es_psde="quizás")
                                    for i in range(MAX_PROBLEMS + 5)]
    parsed = read(csv_bytes(rows), "operators", "operadores.csv")
    assert len(parsed.problems) == MAX_PROBLEMS + 1
    assert [p.row for p in parsed.problems[:3]] == [2, 3, 4]
    assert parsed.problems[-1].message.startswith("y 5 problemas más") and parsed.omitted == 5


def test_a_nit_without_check_digit_is_completed_and_noted():
    parsed = cell("operators", S.OPERATORS, "nit", "900123456")
    assert parsed.ok and parsed.frames["operadores"]["nit"].tolist() == ["900123456-8"]
    assert [(n.sheet, n.row, n.column, n.value) for n in parsed.notes] == [("operadores", 2, "nit", "900123456")]
    assert "se toma como 900123456-8" in parsed.notes[0].message


# ------------------------------------------------------------------ good files


@pytest.mark.parametrize("sheet", S.ORDER, ids=[s.name for s in S.ORDER])
def test_every_declared_example_row_reads_without_problems(sheet):
    parsed = read_file(one_sheet(sheet, example(sheet)), "datos.xlsx", [sheet])
    assert parsed.ok, [str(p) for p in parsed.problems]
    assert parsed.valid(sheet.name) and len(parsed.frames[sheet.name]) == 1


KINDS = [
    (S.OPERATORS, "nombre", "  PSDE Andes ", "PSDE Andes"),  # TEXT
    (S.OPERATORS, "codigo_operador", 12, "12"),  # CODE from a number
    (S.TARGETING, "anio", "2.026", 2026),  # INT, es-CO thousands
    (S.TARGETING, "poblacion_objetivo", 1200.0, 1200),  # INT from an Excel number
    (S.TARGETING, "puntaje_total", "66,1", 66.1),  # NUMBER, comma decimal
    (S.TARGETING, "puntaje_total", "72.5", 72.5),  # NUMBER, point decimal
    (S.SLA_DEFINITIONS, "meta", "1.234,5", 1234.5),  # NUMBER, es-CO grouping
    (S.CONTRACTS, "valor_cop", "$ 12.500.000", 12_500_000),  # MONEY
    (S.CONTRACTS, "valor_cop", 1_250_000_000, 1_250_000_000),  # MONEY from an Excel number
    (S.CONTRACTS, "fecha_inicio", D(2025, 2, 1), D(2025, 2, 1)),  # DATE, Excel date
    (S.CONTRACTS, "fecha_inicio", dt.datetime(2025, 2, 1, 9, 30), D(2025, 2, 1)),  # DATE, Excel date and time
    (S.CONTRACTS, "fecha_inicio", 45689, D(2025, 2, 1)),  # DATE, Excel serial number
    (S.CONTRACTS, "fecha_inicio", "2025-02-01", D(2025, 2, 1)),  # DATE, AAAA-MM-DD
    (S.CONTRACTS, "fecha_inicio", "1/02/2025", D(2025, 2, 1)),  # DATE, dd/mm/aaaa
    (S.OPERATORS, "es_psde", "Sí", True),  # BOOL
    (S.OPERATORS, "es_psde", "n", False),
    (S.OPERATORS, "es_psde", True, True),
    (S.OPERATORS, "es_psde", 0, False),
    (S.CONTRACTS, "servicios", "Asistencia técnica ; comercializacion;", ("asistencia_tecnica", "comercializacion")),
    (S.SLA_REPORTS, "trimestre", "2026-Q3", "2026Q3"),  # QUARTER
    (S.SLA_REPORTS, "trimestre", "2026 T3", "2026Q3"),
    (S.OFFICES, "cod_municipio", 5001, "05001"),  # DIVIPOLA
    (S.OFFICES, "cod_municipio", "5001", "05001"),
    (S.OPERATORS, "nit", "900.123.456-8", "900123456-8"),  # NIT
    (S.CONTRACTS, "ruta", " Intermedia ", "intermedia"),  # catalogue, case- and space-insensitive
    (S.SLA_DEFINITIONS, "unidad", "Días", "días"),  # catalogue value → stored code
    (S.SLA_DEFINITIONS, "direccion", "Mayor mejor", "higher"),
    (S.PLANS, "ventana", "2", 2),
]


@pytest.mark.parametrize("sheet, column, value, expected", KINDS,
                         ids=[f"{c}-{v}" for _, c, v, _ in KINDS])
def test_a_good_cell_reads_into_its_typed_value(sheet, column, value, expected):
    parsed = read_file(one_sheet(sheet, example(sheet, **{column: value})), "datos.xlsx", [sheet])
    assert parsed.ok, [str(p) for p in parsed.problems]
    got = parsed.frames[sheet.name][column].tolist()
    assert got == [expected] and type(got[0]) is type(expected)


def _expected_operators() -> list[dict]:
    return [{"codigo_operador": "PSDE-AND", "nombre": "PSDE Andes", "nit": "900123456-8", "es_psde": True, "_row": 2},
            {"codigo_operador": "OS-1", "nombre": "Servicios, SAS", "nit": None, "es_psde": False, "_row": 4}]


OPERATOR_ROWS = [header(S.OPERATORS), ["PSDE-AND", "PSDE Andes", "900123456-8", "si"], ["", "", "", ""],
                 ["OS-1", '"Servicios, SAS"', "", "no"]]


def test_a_csv_separated_by_semicolons_with_bom_reads_typed_rows():
    parsed = read(csv_bytes(OPERATOR_ROWS, sep=";", bom=True), "operators", "operadores.csv")
    assert parsed.ok and parsed.frames["operadores"].to_dict("records") == _expected_operators()


def test_a_csv_separated_by_commas_reads_typed_rows():
    parsed = read(csv_bytes(OPERATOR_ROWS, sep=","), "operators", "operadores.csv")
    assert parsed.ok and parsed.frames["operadores"].to_dict("records") == _expected_operators()


def test_headers_and_sheet_names_match_case_accent_and_spacing_insensitively():
    rows = [["Código  Operador", " NOMBRE ", "Nit", "Es PSDE", "Comentario"], ["PSDE-AND", "PSDE Andes", "", "si", "x"]]
    parsed = read(xlsx({"Operadores ": rows}), "operators")
    assert parsed.ok and parsed.titles == {"operadores": "Operadores "}
    assert list(parsed.frames["operadores"].columns) == [*header(S.OPERATORS), "_row"]  # the extra column ignored
    assert parsed.frames["operadores"]["codigo_operador"].tolist() == ["PSDE-AND"]


def test_a_year_header_written_with_its_accent_matches():
    rows = [[("Año" if h == "anio" else h) for h in header(S.TARGETING)], example(S.TARGETING)]
    parsed = read(xlsx({"focalización": rows}), "targeting")
    assert parsed.ok and parsed.frames["focalizacion"]["anio"].tolist() == [2026]


def test_letters_follow_the_columns_of_the_file():
    rows = [["nombre", "extra", "es_psde", "codigo_operador"], ["PSDE Andes", "", "si", "PSDE-AND"]]
    parsed = read(xlsx({"operadores": rows}), "operators")
    assert parsed.letters == {"operadores": {"nombre": "A", "es_psde": "C", "codigo_operador": "D"}}


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_number():
    data = xlsx({"operadores": [[], header(S.OPERATORS), example(S.OPERATORS), [], example(S.OPERATORS,
                                                                                        codigo_operador="OP-2")]})
    parsed = read(data, "operators")
    assert parsed.ok and parsed.frames["operadores"]["_row"].tolist() == [3, 5]


def test_a_csv_of_the_tracking_matrix_is_the_sheet_it_is_named_after():
    parsed = read(csv_bytes([header(S.EVIDENCE), example(S.EVIDENCE)]), "tracking-matrix", "Evidencias.csv")
    assert parsed.ok and list(parsed.frames) == ["evidencias"]
    assert parsed.frames["evidencias"]["fecha_inicio"].tolist() == [D(2025, 10, 1)]


def test_a_workbook_read_twice_has_the_same_sha256():
    data = one_sheet(S.OPERATORS, example(S.OPERATORS))
    assert read(data, "operators").sha256 == read(data, "operators").sha256 != read(data + b" ", "operators").sha256


def test_a_large_csv_of_stage_events_parses():
    lines = [";".join(header(S.STAGE_EVENTS))]
    stages = ("ingreso", "formacion", "formulacion", "evaluacion_viabilidad")
    lines += [f"INS-{i // 4:07d};{stages[i % 4]};{(i % 28) + 1:02d}/{i % 12 + 1:02d}/2025;;2025-12-0{i % 9 + 1};op;"
              for i in range(200_000)]
    parsed = read(("\n".join(lines) + "\n").encode(), "stage-events", "etapas.csv")
    assert parsed.ok and len(parsed.frames["etapas"]) == 200_000
    assert parsed.frames["etapas"]["fecha_evento"].iloc[-1] == D(2025, 8, 24)


def test_a_csv_row_with_more_fields_than_its_header_is_refused():
    """A list written without quotes in a «;» CSV would otherwise lose its last items in silence."""
    header = "codigo_contrato;codigo_operador;ruta;oficina_regional;fecha_inicio;fecha_fin;valor_cop;servicios\n"
    row = "C-1;PSA;intermedia;NOC;01/02/2025;;1;asistencia_tecnica;comercializacion\n"
    parsed = read_file((header + row).encode(), "contratos.csv", [S.CONTRACTS])
    assert [(p.sheet, p.row) for p in parsed.problems] == [("contratos", 2)]
    assert "entre comillas" in parsed.problems[0].message
    quoted = row.replace("asistencia_tecnica;comercializacion", '"asistencia_tecnica;comercializacion"')
    parsed = read_file((header + quoted).encode(), "contratos.csv", [S.CONTRACTS])
    assert not parsed.problems
    assert parsed.frames["contratos"]["servicios"].tolist() == [("asistencia_tecnica", "comercializacion")]
