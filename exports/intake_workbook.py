"""The intake files, all laid out from the sheet declarations (``rules.intake.sheets``).

* ``template_bytes(entity)``: the blank workbook to fill — an ``instrucciones`` sheet first,
  then one sheet per declared sheet: header row only (bold, frozen, required headers on a
  yellow ground, each header's comment with its description and an example), drop-downs for
  catalogue columns, date and number bounds as data validations. No data rows, so importing
  an untouched template loads nothing.
* ``data_workbook_bytes(entity, frames)`` / ``write_data_workbook``: the same layout holding
  stored rows (``tablero export data``), written as the template reads them back: catalogue
  codes as their sheet values, real Excel dates, lists as ``a;b``, booleans as si/no, text as
  string cells. Streamed (write-only), but an xlsx sheet holds at most 1,048,576 rows: bigger
  sheets go out as CSV (``sheet_csv_bytes`` / ``write_sheet_csv``, same columns, ``;``, UTF-8
  with BOM, dd/mm/aaaa, decimal comma, inert text).
* ``annotated_copy(data, problems)``: the uploaded workbook (or an upload's CSV as a workbook)
  with each bad cell filled light red and commented with its fix, and a ``problemas`` sheet
  listing every problem — also those no cell can hold (a missing sheet, a wrong file).
* ``sheet_table_markdown()``: the README's sheet tables (``tests/test_intake_workbook.py``
  keeps the README block equal to it; ``python -m exports.intake_workbook README.md`` rewrites it).

Every value goes through ``exports.tables`` (string cells, inert CSV fields).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from exports.tables import csv_line, set_xlsx_value, xlsx_cell
from rules.edit.validation import PROGRAMME_START
from rules.intake.problems import Problem
from rules.intake.sheets import BY_NAME, ENTITIES, ORDER, Column, Kind, Sheet

INSTRUCTIONS = "instrucciones"
LISTS = "listas"  # hidden sheet holding catalogues too long for an inline drop-down
PROBLEMS = "problemas"
XLSX_MAX_ROWS = 1_048_576  # rows of one xlsx sheet, header included
DATE_FORMAT = "DD/MM/YYYY"
INLINE_LIST_MAX = 255  # characters Excel allows in an inline list validation
COMMENT_AUTHOR = "Tablero"

KIND_LABELS: dict[Kind, str] = {
    Kind.TEXT: "texto",
    Kind.CODE: "código",
    Kind.INT: "número entero",
    Kind.NUMBER: "número (decimales con coma: 12,5)",
    Kind.MONEY: "pesos (entero, sin decimales)",
    Kind.DATE: "fecha (dd/mm/aaaa)",
    Kind.BOOL: "si / no",
    Kind.LIST: "lista de códigos separados por «;»",
    Kind.QUARTER: "trimestre (AAAAQn)",
    Kind.DIVIPOLA: "código DIVIPOLA (5 dígitos)",
    Kind.NIT: "NIT con dígito de verificación",
}
YES_NO_SHEET = {True: "si", False: "no"}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_REQUIRED_FILL = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
_BAD_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheets_of(entity: str) -> tuple[Sheet, ...]:
    """The declared sheets of a CLI entity, in workbook order."""
    try:
        return ENTITIES[entity]
    except KeyError:
        raise ValueError(f"Entidad desconocida «{entity}»: use una de {', '.join(ENTITIES)}.") from None


# ------------------------------------------------------------------ descriptions (template, README)
def _fmt_bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _allowed_text(col: Column) -> str:
    if col.allowed:
        return ", ".join(col.allowed)
    if col.kind is Kind.BOOL:
        return ", ".join(YES_NO_SHEET.values())
    return ""


def _bounds_text(col: Column) -> str:
    if col.minimum is not None and col.maximum is not None:
        return f"de {_fmt_bound(col.minimum)} a {_fmt_bound(col.maximum)}"
    if col.minimum is not None:
        return f"desde {_fmt_bound(col.minimum)}"
    if col.maximum is not None:
        return f"hasta {_fmt_bound(col.maximum)}"
    return ""


def _kind_text(col: Column) -> str:
    text = KIND_LABELS[col.kind]
    if col.kind is Kind.DATE:
        text += ", hasta hoy" if col.past_event else ""
    if bounds := _bounds_text(col):
        text += f", {bounds}"
    return text + (", dato personal" if col.personal else "")


def _header_note(col: Column) -> str:
    lines = [col.description, "Obligatoria." if col.required else "Opcional.", f"Tipo: {_kind_text(col)}."]
    if allowed := _allowed_text(col):
        lines.append(f"Valores: {allowed}.")
    if col.ref:
        lines.append(f"Debe existir en {col.ref}.")
    if col.example:
        lines.append(f"Ejemplo: {col.example}")
    return "\n".join(lines)


def _load_order() -> list[str]:
    return [f"{i}. {s.name} (tablero import {s.entity})" for i, s in enumerate(ORDER, start=1)]


PERSONAL_NOTE = ("Datos personales (Ley 1581 de 2012): esta hoja contiene nombres y documentos de personas; solo "
                 "los roles autorizados para leer datos personales pueden cargarla o exportarla. Guarde y comparta "
                 "el archivo solo por los canales institucionales.")
GENERAL_RULES = (
    "Llene una fila por registro desde la fila 2 de cada hoja; no cambie los encabezados de la fila 1.",
    "Los encabezados se reconocen sin importar mayúsculas, minúsculas ni tildes "
    "(«Código_Operador» = «codigo_operador»).",
    "Encabezados con fondo amarillo: columnas obligatorias. El comentario de cada encabezado dice qué va y da un "
    "ejemplo; las listas desplegables muestran los valores permitidos.",
    f"Fechas: fecha de Excel, AAAA-MM-DD o dd/mm/aaaa, desde el {PROGRAMME_START:%d/%m/%Y}; las de hechos "
    "ocurridos, hasta hoy.",
    "Todo o nada: si una fila tiene un problema no se guarda nada; el reporte y la copia anotada del archivo "
    "indican hoja, fila, columna y cómo corregirlo. Volver a cargar el mismo archivo no cambia nada.",
    "Nada se borra en silencio: los registros se actualizan por su clave.",
    "Una sola hoja también se acepta como CSV (UTF-8, separado por «;» o «,») con los mismos encabezados.",
)
TABLE_HEADER = ("columna", "obligatoria", "tipo", "valores permitidos", "referencia", "descripción", "ejemplo")


def _instruction_rows(sheets: Sequence[Sheet]) -> Iterator[tuple[list, Font | None]]:
    """(row, font) pairs of the ``instrucciones`` sheet."""
    entity = sheets[0].entity
    names = ", ".join(f"«{s.name}»" for s in sheets)
    yield [f"Plantilla de carga de datos: {entity}"], _TITLE
    yield [f"Hojas: {names}. Se carga con «tablero import {entity} ARCHIVO» o en la página «Carga de datos»."], None
    for rule in GENERAL_RULES:
        yield [rule], None
    if any(s.personal for s in sheets):
        yield [PERSONAL_NOTE], None
    yield [], None
    yield ["Orden de carga de «tablero import all» (cada hoja después de las que referencia)"], _BOLD
    for line in _load_order():
        yield [line], None
    for sheet in sheets:
        yield [], None
        yield [f"Hoja «{sheet.name}»"], _BOLD
        yield [sheet.description], None
        yield [f"Clave: {', '.join(sheet.key)} (una fila por clave; volver a cargarla actualiza el registro)."], None
        if sheet.optional_sheet:
            yield ["Hoja opcional: puede faltar en el archivo."], None
        for note in sheet.notes:
            yield [f"Nota: {note}"], None
        if sheet.personal:
            yield [PERSONAL_NOTE], None
        yield list(TABLE_HEADER), _BOLD
        for col in sheet.columns:
            yield [col.name, "sí" if col.required else "no", _kind_text(col), _allowed_text(col), col.ref or "",
                   col.description, col.example], None


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def sheet_table_markdown() -> str:
    """The README's documentation of every intake sheet, one table per sheet, from the declarations."""
    out = [
        "Load order of `tablero import all`: " + " → ".join(f"`{s.name}`" for s in ORDER) + ".",
        "",
        "Headers match case- and accent-insensitively; *obligatoria* «sí»: the cell may not be blank; a value "
        "with → must exist in that sheet (in the same file or already stored).",
    ]
    for sheet in ORDER:
        out += ["", f"### `{sheet.name}` (`tablero import {sheet.entity}`)", ""]
        facts = [_md(sheet.description), f"Key: {', '.join(f'`{k}`' for k in sheet.key)}."]
        if sheet.depends_on:
            facts.append(f"Loaded after: {', '.join(f'`{d}`' for d in sheet.depends_on)}.")
        if sheet.optional_sheet:
            facts.append("Optional sheet.")
        facts += [_md(n) for n in sheet.notes]
        if sheet.personal:
            facts.append("Personal data (Ley 1581 de 2012): only roles allowed to read personal data may load or "
                         "export this sheet.")
        out += [" ".join(facts), ""]
        out.append("| columna | obligatoria | tipo | valores permitidos / referencia | descripción | ejemplo |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for col in sheet.columns:
            values = [f"`{_md(v)}`" for v in ([*col.allowed] if col.allowed else [])]
            if col.kind is Kind.BOOL and not col.allowed:
                values = [f"`{v}`" for v in YES_NO_SHEET.values()]
            if col.ref:
                values.append(f"→ `{col.ref}`")
            example = f"`{_md(col.example)}`" if col.example else "—"
            out.append(f"| `{col.name}` | {'sí' if col.required else 'no'} | {_md(_kind_text(col))} | "
                       f"{', '.join(values) or '—'} | {_md(col.description)} | {example} |")
    return "\n".join(out) + "\n"


README_START, README_END = "<!-- intake-sheets:start -->", "<!-- intake-sheets:end -->"


def readme_block(readme: str) -> str:
    """The text between the README's intake-sheets markers."""
    start = readme.index(README_START) + len(README_START)
    return readme[start:readme.index(README_END)].strip("\n") + "\n"


def readme_with_sheet_tables(readme: str) -> str:
    start = readme.index(README_START) + len(README_START)
    return readme[:start] + "\n" + sheet_table_markdown() + readme[readme.index(README_END):]


# ------------------------------------------------------------------ stored value → sheet value
def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | tuple | list | bool):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _inverse(allowed: Mapping[str, object]) -> dict:
    inverse: dict = {}
    for sheet_value, code in allowed.items():
        inverse.setdefault(code, sheet_value)
    return inverse


def _lookup(inverse: dict, value):
    try:
        return inverse.get(value, value)
    except TypeError:  # unhashable
        return value


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_int(value):
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | decimal.Decimal):
        return int(value) if float(value).is_integer() else float(value)
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _as_float(value):
    if isinstance(value, int | float | np.integer | np.floating | decimal.Decimal) and not isinstance(value, bool):
        return float(value)
    return _as_text(value)


def _as_date(value):
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def _as_divipola(value) -> str:
    if isinstance(value, int | np.integer | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):05d}"
    text = str(value).strip()
    return text.zfill(5) if text.isdigit() else text


def _numeric_sheet_value(kind: Kind, value):
    """A catalogue's sheet value of a numeric column (ventana "2") as the number a drop-down enters."""
    if kind in (Kind.INT, Kind.MONEY, Kind.NUMBER) and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def sheet_value(col: Column) -> Callable[[object], object]:
    """Stored value → what the sheet holds: catalogue codes as their sheet values, booleans as si/no,
    lists as ``a;b``, dates as dates, codes and text as text (a DIVIPOLA code keeps its zero)."""
    inverse = _inverse(col.allowed) if col.allowed else (YES_NO_SHEET if col.kind is Kind.BOOL else None)
    kind = col.kind
    if kind is Kind.LIST:
        def convert(v):
            if isinstance(v, str):
                return v or None
            return ";".join(str(_lookup(inverse, x)) if inverse else str(x) for x in v) or None
    elif kind is Kind.DATE:
        convert = _as_date
    elif inverse is not None:
        def convert(v):
            found = _lookup(inverse, v)
            return _numeric_sheet_value(kind, found) if found is not v else _as_text(v)
    elif kind in (Kind.INT, Kind.MONEY):
        convert = _as_int
    elif kind is Kind.NUMBER:
        convert = _as_float
    elif kind is Kind.DIVIPOLA:
        convert = _as_divipola
    else:
        convert = _as_text

    def to_sheet(value):
        return None if _missing(value) else convert(value)

    return to_sheet


def _chunks(data) -> Iterator[pd.DataFrame]:
    if data is None:
        return
    if isinstance(data, pd.DataFrame):
        yield data
        return
    yield from data


def _sheet_rows(sheet: Sheet, chunk: pd.DataFrame) -> Iterator[list]:
    """One list of sheet values per frame row, in the declared column order."""
    missing = [c.name for c in sheet.columns if c.required and c.name not in chunk.columns]
    if missing:
        raise ValueError(f"La tabla de la hoja «{sheet.name}» no trae las columnas obligatorias "
                         f"{', '.join(missing)}: agréguelas a la consulta que la produce.")
    n = len(chunk)
    columns = []
    for col in sheet.columns:
        convert = sheet_value(col)
        values = chunk[col.name].tolist() if col.name in chunk.columns else [None] * n
        columns.append(map(convert, values))
    for row in zip(*columns):
        yield list(row)


# ------------------------------------------------------------------ workbooks
def _header_key(text) -> str:
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower().strip()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


class _Lists:
    """Catalogues too long for an inline drop-down, one column each of the hidden ``listas`` sheet."""

    def __init__(self) -> None:
        self.columns: list[tuple[str, list[str]]] = []

    def ref(self, title: str, values: list[str]) -> str:
        self.columns.append((title, values))
        letter = get_column_letter(len(self.columns))
        return f"{LISTS}!${letter}$2:${letter}${len(values) + 1}"

    def write(self, wb: Workbook) -> None:
        if not self.columns:
            return
        ws = wb.create_sheet(LISTS)
        ws.sheet_state = "hidden"
        longest = max(len(v) for _, v in self.columns)
        ws.append([xlsx_cell(ws, title) for title, _ in self.columns])
        for i in range(longest):
            ws.append([xlsx_cell(ws, v[i] if i < len(v) else None) for _, v in self.columns])


def _inline(values: list[str]) -> str | None:
    formula = '"' + ",".join(values) + '"'
    if len(formula) > INLINE_LIST_MAX or any("," in v or '"' in v for v in values):
        return None
    return formula


def _validation(sheet: Sheet, col: Column, lists: _Lists) -> DataValidation | None:
    """The data validation of a column: a drop-down for a catalogue, bounds for dates and numbers.

    A LIST column holds several codes (``a;b``), which no drop-down can enter: its codes are in
    the header comment and the ``instrucciones`` sheet instead."""
    values = list(col.allowed) if col.allowed else (list(YES_NO_SHEET.values()) if col.kind is Kind.BOOL else None)
    common = {"allow_blank": True, "showErrorMessage": True}
    if values and col.kind is not Kind.LIST:
        formula = _inline(values) or lists.ref(f"{sheet.name}.{col.name}", values)
        return DataValidation(type="list", formula1=formula, errorTitle="Valor no permitido",
                              error=f"«{col.name}» admite: {', '.join(values)}."[:255], **common)
    if col.kind is Kind.DATE:
        earliest = PROGRAMME_START if col.programme else dt.date(1900, 1, 1)
        start = f"DATE({earliest.year},{earliest.month},{earliest.day})"
        until = " hasta hoy" if col.past_event else ""
        since = f" desde el {PROGRAMME_START:%d/%m/%Y}" if col.programme else ""
        message = f"«{col.name}»: una fecha (dd/mm/aaaa){since}{until}."
        if col.past_event:
            return DataValidation(type="date", operator="between", formula1=start, formula2="TODAY()",
                                  errorTitle="Fecha no válida", error=message, **common)
        return DataValidation(type="date", operator="greaterThanOrEqual", formula1=start,
                              errorTitle="Fecha no válida", error=message, **common)
    if col.kind in (Kind.INT, Kind.NUMBER) and (col.minimum is not None or col.maximum is not None):
        kind = "whole" if col.kind is Kind.INT else "decimal"
        what = "un número entero" if col.kind is Kind.INT else "un número"
        message = f"«{col.name}»: {what} {_bounds_text(col)}."
        low, high = col.minimum, col.maximum
        if low is not None and high is not None:
            bounds = {"operator": "between", "formula1": _fmt_bound(low).replace(",", "."),
                      "formula2": _fmt_bound(high).replace(",", ".")}
        elif low is not None:
            bounds = {"operator": "greaterThanOrEqual", "formula1": _fmt_bound(low).replace(",", ".")}
        else:
            bounds = {"operator": "lessThanOrEqual", "formula1": _fmt_bound(high).replace(",", ".")}
        return DataValidation(type=kind, errorTitle="Número no válido", error=message, **bounds, **common)
    return None


def _write_instructions(ws, sheets: Sequence[Sheet]) -> None:
    for letter, width in zip("ABCDEFG", (30, 12, 30, 40, 30, 60, 26)):
        ws.column_dimensions[letter].width = width
    for row, font in _instruction_rows(sheets):
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws)
            set_xlsx_value(cell, value if value != "" else None)
            if font is not None:
                cell.font = font
            cells.append(cell)
        ws.append(cells)


def _header_cells(ws, sheet: Sheet) -> list:
    cells = []
    for col in sheet.columns:
        cell = WriteOnlyCell(ws)
        set_xlsx_value(cell, col.name)
        cell.font = _BOLD
        if col.required:
            cell.fill = _REQUIRED_FILL
        note = _header_note(col)
        cell.comment = Comment(note, COMMENT_AUTHOR, height=40 + 18 * note.count("\n"), width=320)
        cells.append(cell)
    return cells


def _write_data_sheet(ws, sheet: Sheet, data, lists: _Lists) -> None:
    for i, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, len(col.name) + 4, min(40, len(col.example) + 4))
        dv = _validation(sheet, col, lists)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{XLSX_MAX_ROWS}")
            ws.data_validations.append(dv)
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, sheet))
    dates = {i for i, c in enumerate(sheet.columns) if c.kind is Kind.DATE}
    written = 1
    for chunk in _chunks(data):
        for row in _sheet_rows(sheet, chunk):
            written += 1
            if written > XLSX_MAX_ROWS:
                raise ValueError(f"La hoja «{sheet.name}» tiene más de {XLSX_MAX_ROWS - 1:,} filas, el máximo de "
                                 "una hoja xlsx: expórtela como CSV (sheet_csv_bytes / write_sheet_csv)."
                                 .replace(",", "."))
            ws.append([xlsx_cell(ws, v, DATE_FORMAT if i in dates and isinstance(v, dt.date) else None)
                       for i, v in enumerate(row)])


def _workbook(sheets: Sequence[Sheet], frames: Mapping[str, object], target) -> None:
    wb = Workbook(write_only=True)
    try:
        _write_instructions(wb.create_sheet(INSTRUCTIONS), sheets)
        lists = _Lists()
        for sheet in sheets:
            _write_data_sheet(wb.create_sheet(sheet.name), sheet, frames.get(sheet.name), lists)
        lists.write(wb)
    except BaseException:
        # a write-only workbook keeps its sheets in temporary files until it is saved
        with contextlib.suppress(Exception):
            wb.save(io.BytesIO())
        raise
    wb.save(target)


def workbook_bytes(sheets: Sequence[Sheet], frames: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]]) -> bytes:
    """The intake workbook of ``sheets`` (all of one entity, in workbook order) holding ``frames``."""
    buf = io.BytesIO()
    _workbook(sheets, frames, buf)
    return buf.getvalue()


def template_bytes(entity: str) -> bytes:
    """The blank workbook of an entity: instructions, headers, drop-downs and bounds, no data rows."""
    return workbook_bytes(sheets_of(entity), {})


def data_workbook_bytes(entity: str, frames: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]]) -> bytes:
    """The template of ``entity`` holding the rows of ``frames`` (sheet name → a frame, or frames in
    chunks, whose columns are the declared column names holding stored values)."""
    return workbook_bytes(sheets_of(entity), frames)


def write_data_workbook(path: str | Path, entity: str,
                        frames: Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]]) -> None:
    """``data_workbook_bytes`` written straight to a file."""
    _workbook(sheets_of(entity), frames, str(path))


# ------------------------------------------------------------------ CSV (sheets beyond xlsx)
def _csv_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = np.format_float_positional(value, trim="-")
    return text.replace(".", ",")


def _csv_value(value):
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return _csv_number(value)
    return value


def _csv_lines(sheet: Sheet | str, chunks: Iterable[pd.DataFrame]) -> Iterator[str]:
    sheet = BY_NAME[sheet] if isinstance(sheet, str) else sheet
    yield csv_line([c.name for c in sheet.columns], ";")
    for chunk in chunks:
        for row in _sheet_rows(sheet, chunk):
            yield csv_line([_csv_value(v) for v in row], ";")


def sheet_csv_bytes(sheet: Sheet | str, frame: pd.DataFrame) -> bytes:
    """One sheet as the CSV the intake reads: declared columns, ``;``, UTF-8 with BOM, dd/mm/aaaa
    dates, decimal comma, every text field inert."""
    return "".join(_csv_lines(sheet, [frame])).encode("utf-8-sig")


def write_sheet_csv(path: str | Path, sheet: Sheet | str, chunks: Iterable[pd.DataFrame]) -> None:
    """``sheet_csv_bytes`` streamed to a file, one frame chunk at a time (national sheets of millions of rows)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        for line in _csv_lines(sheet, chunks):
            out.write(line)


# ------------------------------------------------------------------ annotated copy of an upload
def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "datos"


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_workbook(data: bytes, problems: Sequence[Problem]) -> Workbook:
    """A CSV upload as a workbook: every field a string cell, exactly as typed."""
    text = _decode_csv(data)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(next((p.sheet for p in problems if p.sheet), "datos"))
    for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1):
        for c, value in enumerate(row, start=1):
            if value != "":
                set_xlsx_value(ws.cell(r, c), value)
    return wb


def _open_upload(data: bytes, problems: Sequence[Problem]) -> tuple[Workbook, bool]:
    """The upload as an editable workbook, and whether it came from a CSV; an unreadable file gives an
    empty workbook (the ``problemas`` sheet then says why)."""
    if data[:4] == b"PK\x03\x04":
        try:
            return load_workbook(io.BytesIO(data)), False
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
            wb = Workbook()
            wb.remove(wb.active)
            return wb, False
    return _csv_workbook(data, problems), True


def _find_sheet(wb: Workbook, name: str, from_csv: bool):
    if not name:
        return None
    wanted = _header_key(name)
    for ws in wb.worksheets:
        if _header_key(ws.title) == wanted:
            return ws
    if from_csv and len(wb.worksheets) == 1:
        return wb.worksheets[0]
    return None


def _column_letter(ws, problem: Problem) -> str:
    if problem.letter:
        return problem.letter
    if not problem.column:
        return ""
    wanted = _header_key(problem.column)
    for cell in ws[1]:
        if cell.value is not None and _header_key(cell.value) == wanted:
            return cell.column_letter
    return ""


def _target(ws, problem: Problem) -> str:
    """The cell that carries a problem: its cell; a whole row → the row's first cell; a whole column →
    its header; the whole sheet → A1."""
    letter = _column_letter(ws, problem)
    row = problem.row or 1
    coordinate = f"{letter or 'A'}{row}"
    cell = ws[coordinate]
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if coordinate in merged:
                return f"{get_column_letter(merged.min_col)}{merged.min_row}"
    return coordinate


def _problems_sheet(wb: Workbook, rows: list[tuple[Problem, str]]) -> None:
    title = PROBLEMS
    while title in wb.sheetnames:
        title += "_"
    ws = wb.create_sheet(title, 0)
    header = ("hoja", "fila", "columna", "celda", "valor", "problema")
    for c, name in enumerate(header, start=1):
        set_xlsx_value(ws.cell(1, c), name)
        ws.cell(1, c).font = _BOLD
    for r, (p, cell) in enumerate(rows, start=2):
        for c, value in enumerate((p.sheet, p.row, p.column, cell, p.value, p.message), start=1):
            set_xlsx_value(ws.cell(r, c), value if value != "" else None)
            ws.cell(r, c).alignment = _WRAP
    for letter, width in zip("ABCDEF", (18, 8, 24, 10, 30, 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    wb.active = 0


def annotated_copy(data: bytes, problems: Sequence[Problem]) -> bytes:
    """The uploaded file with each bad cell filled light red and commented with its fix, and a first
    ``problemas`` sheet listing every problem with the cell that carries it (a CSV comes back as a
    workbook of its fields, marked the same way)."""
    wb, from_csv = _open_upload(data, problems)
    marks: dict[tuple[str, str], list[str]] = {}
    listed: list[tuple[Problem, str]] = []
    for p in problems:
        ws = _find_sheet(wb, p.sheet, from_csv)
        if ws is None:
            listed.append((p, ""))
            continue
        coordinate = _target(ws, p)
        listed.append((p, coordinate))
        marks.setdefault((ws.title, coordinate), []).append(p.message)
    for (title, coordinate), notes in marks.items():
        cell = wb[title][coordinate]
        cell.fill = _BAD_FILL
        text = "\n".join(dict.fromkeys(notes))
        if cell.comment is not None:
            text = f"{text}\n\n{cell.comment.text}"
        cell.comment = Comment(text, COMMENT_AUTHOR, height=60 + 20 * text.count("\n") + len(text) // 2,
                               width=360)
    _problems_sheet(wb, listed)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main(argv: Sequence[str]) -> int:
    """``python -m exports.intake_workbook README.md``: rewrite the README's sheet tables."""
    for name in argv:
        path = Path(name)
        path.write_text(readme_with_sheet_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
