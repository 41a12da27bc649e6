"""Read an intake file — an .xlsx workbook or a CSV — into typed frames and problems.

Driven only by the sheet declarations (``rules.intake.sheets``): a workbook's sheets and a
sheet's headers are matched case-, accent- and spacing-insensitively (``rules.intake.cells.norm``),
extra sheets and columns are ignored, and every cell is read into its column's kind and
checked declaratively (``rules.intake.checks``). Nothing here looks at the store: references
to other sheets and to stored records are the engine's.

* **.xlsx** is read with python-calamine (cached values only), so formula cells are found in
  the sheet XML itself (a streaming parse, after a byte scan that skips formula-free sheets)
  and merged cells through calamine's merged ranges: both are problems, since a pasted-values
  sheet is what the person meant to load. The header is a sheet's first non-empty row.
* **CSV** (UTF-8, with or without BOM; ``;`` or ``,`` sniffed from the header line) holds one
  sheet: the entity's only sheet, or — for a workbook of several sheets, such as the tracking
  matrix — the sheet the file is named after (``evidencias.csv``); the other sheets of that
  workbook are then not required.

A sheet without data rows is a problem only when no sheet of the file has any. Problems stop
at ``MAX_PROBLEMS`` (one more says how many were left out); so do the notes.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from rules.intake import cells
from rules.intake.checks import ROW, RawColumn, problems_of, type_sheet
from rules.intake.problems import MAX_PROBLEMS, Problem
from rules.intake.sheets import Sheet

MAX_ROWS = 2_500_000  # data rows of a CSV (the engine passes its setting)
XLSX_MAX_ROWS = 1_048_575  # data rows an Excel sheet can hold under its header

TEMPLATE_HINT = "descargue la plantilla de la carga y copie allí sus datos"


@dataclass
class Parsed:
    """What a file holds: per declared sheet found, a typed frame (one object column per declared
    column — str, int, float, date, bool, tuple for a list, the stored code of a catalogue value,
    or None when blank or unreadable — and ``_row``, the spreadsheet row), every problem, the
    notes (not errors: a NIT completed with its check digit), where each column sits in the file
    and the file's SHA-256."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    letters: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → column → letter in the file
    sha256: str = ""
    titles: dict[str, str] = field(default_factory=dict)  # sheet → its name in the file
    omitted: int = 0  # problems beyond MAX_PROBLEMS, left out of ``problems`` (its last one says how many)

    @property
    def ok(self) -> bool:
        return not self.problems

    def valid(self, sheet: str) -> bool:
        """A sheet's frame may be written: it was read and the file has no problem at all."""
        return self.ok and sheet in self.frames


@dataclass
class _Table:
    """One sheet as found in the file, before typing."""

    sheet: Sheet
    title: str
    header_row: int  # spreadsheet row of the headers (1-based)
    columns: dict[str, int]  # declared column → 0-based position in the file
    rows: np.ndarray  # spreadsheet row of each data row
    raw: dict[str, RawColumn]
    cell_problems: list[Problem] = field(default_factory=list)  # formulas and merged cells
    covered: set[tuple[int, str]] = field(default_factory=set)  # their cells: no second problem there


class _Budget:
    def __init__(self, limit: int):
        self.left = limit
        self.over = 0

    def take(self, problems: list[Problem], more: int = 0) -> list[Problem]:
        kept = problems[:max(self.left, 0)]
        self.left -= len(kept)
        self.over += len(problems) - len(kept) + more
        return kept


def read_file(data: bytes, filename: str, sheets: Sequence[Sheet], *, max_rows: int = MAX_ROWS) -> Parsed:
    """Every declared sheet found in the file as a typed frame, with every problem (sheet, row,
    column, value, fix) and note; ``ok`` only when there is no problem."""
    sheets = tuple(sheets)
    parsed = Parsed(sha256=hashlib.sha256(data).hexdigest())
    kind, problem = _file_kind(data, filename)
    if problem is not None:
        parsed.problems.append(problem)
        return parsed
    found: list[Problem] = []
    if kind == "xlsx":
        tables = _xlsx_tables(data, sheets, min(max_rows, XLSX_MAX_ROWS), found)
    else:
        tables = _csv_tables(data, filename, sheets, max_rows, found)
    budget, note_budget = _Budget(MAX_PROBLEMS), _Budget(MAX_PROBLEMS)
    problems = budget.take(found)
    anything = any(len(t.rows) for t in tables)
    for table in tables:
        sheet = table.sheet
        letters = {name: cells.column_letter(i) for name, i in table.columns.items()}
        parsed.letters[sheet.name] = letters
        parsed.titles[sheet.name] = table.title
        if not anything:
            problems += budget.take([Problem(sheet.name, None, "", "la hoja no tiene filas de datos debajo de los "
                                             f"encabezados (fila {table.header_row}); escriba al menos una fila "
                                             f"o {TEMPLATE_HINT}.")])
        typed = type_sheet(sheet, table.raw, table.rows)
        parsed.frames[sheet.name] = typed.frame
        own = budget.take(table.cell_problems)
        covered = {(p.row, p.column) for p in table.cell_problems} | table.covered
        rows_found, more = problems_of(sheet, typed.findings, table.rows, letters, budget.left + len(covered))
        rows_found = budget.take([p for p in rows_found if (p.row, p.column) not in covered], more)
        order = {c.name: i for i, c in enumerate(sheet.columns)}
        problems += sorted(own + rows_found, key=lambda p: (p.row or 0, order.get(p.column, -1)))
        found_notes, more_notes = problems_of(sheet, typed.notes, table.rows, letters, note_budget.left)
        parsed.notes += note_budget.take(found_notes, more_notes)
    parsed.omitted = budget.over
    if budget.over:
        problems.append(Problem("", None, "", f"y {budget.over} problemas más que no se listan; corrija los "
                                              "anteriores y vuelva a cargar el archivo para verlos."))
    if note_budget.over:
        parsed.notes.append(Problem("", None, "", f"y {note_budget.over} notas más que no se listan."))
    parsed.problems = problems
    return parsed


# ------------------------------------------------------------------ what kind of file


def _file_kind(data: bytes, filename: str) -> tuple[str, Problem | None]:
    """'xlsx' or 'csv' by content (a workbook named .csv is still read as a workbook), or the
    problem that names what the file is and how to bring it."""
    suffix = PurePath(filename or "").suffix.lower()
    bring = "guárdelo como «Libro de Excel (.xlsx)» o como «CSV UTF-8», o " + TEMPLATE_HINT
    if not data or data.isspace():
        return "", Problem("", None, "", f"el archivo «{filename}» está vacío; {bring}.")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        if "xl/workbook.xml" in names:
            return "xlsx", None
        what = ("un documento de Word" if "word/document.xml" in names else
                "una presentación de PowerPoint" if "ppt/presentation.xml" in names else
                "una hoja de cálculo OpenDocument (.ods)" if "content.xml" in names else "un archivo comprimido")
        return "", Problem("", None, "", f"el archivo «{filename}» es {what}, no un libro de Excel; {bring}.")
    if data[:5] == b"%PDF-":
        return "", Problem("", None, "", f"el archivo «{filename}» es un PDF, no un libro de Excel; {bring}.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "", Problem("", None, "", f"el archivo «{filename}» es un libro de Excel 97-2003 (.xls) o está "
                                         "protegido con contraseña; quite la contraseña y " + bring + ".")
    if suffix in (".csv", ".txt"):
        return "csv", None
    if suffix in (".xlsx", ".xlsm"):
        return "", Problem("", None, "", f"el archivo «{filename}» no es un libro de Excel .xlsx válido (está "
                                         f"dañado o tiene otro formato); {bring}.")
    return "", Problem("", None, "", f"el tipo de archivo «{suffix or filename}» no se admite: cargue un libro de "
                                     "Excel (.xlsx) o un CSV UTF-8 separado por «;» o «,».")


# ------------------------------------------------------------------ headers


def _match_headers(sheet: Sheet, headers: Sequence, header_row: int, problems: list[Problem]) -> dict[str, int]:
    """Declared column → its position; a missing required column or a repeated one is a problem."""
    declared = {cells.norm(c.name): c.name for c in sheet.columns}
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(headers):
        name = declared.get(cells.norm(h)) if not cells.is_blank(h) else None
        if name:
            positions.setdefault(name, []).append(i)
    for name, where in positions.items():
        if len(where) > 1:
            letters = " y ".join(cells.column_letter(i) for i in where)
            problems.append(Problem(sheet.name, header_row, name, f"la columna «{name}» aparece varias veces "
                                    f"(columnas {letters}); deje una sola.", cells.column_letter(where[0])))
    for column in sheet.columns:
        if column.required and column.name not in positions:
            problems.append(Problem(sheet.name, header_row, column.name,
                                    f"falta la columna «{column.name}» ({column.description}); agréguela en la "
                                    f"fila de encabezados (fila {header_row}) con ese nombre, o {TEMPLATE_HINT}."))
    return {name: where[0] for name, where in positions.items()}


def _blank_rows(raw: dict[str, RawColumn], n: int) -> np.ndarray:
    blank = np.ones(n, dtype=bool)
    for rc in raw.values():
        blank_u = np.fromiter((cells.is_blank(v) for v in rc.uniques), dtype=bool, count=len(rc.uniques))
        blank &= (rc.codes < 0) | np.append(blank_u, True)[rc.codes]
    return blank


def _without_blank_rows(raw: dict[str, RawColumn], rows: np.ndarray) -> tuple[dict[str, RawColumn], np.ndarray]:
    keep = ~_blank_rows(raw, len(rows))
    if keep.all():
        return raw, rows
    return {k: RawColumn(rc.codes[keep], rc.uniques) for k, rc in raw.items()}, rows[keep]


def _empty_sheet(sheet: Sheet) -> Problem:
    return Problem(sheet.name, None, "", f"la hoja está vacía; escriba los encabezados en la fila 1 y los datos "
                                         f"debajo, o {TEMPLATE_HINT}.")


def _too_many(sheet: Sheet, rows: int | str, limit: int) -> Problem:
    return Problem(sheet.name, None, "", f"tiene {rows} filas de datos y el máximo por archivo es {limit}; divida "
                                         "los datos en varios archivos y cárguelos uno por uno.")


# ------------------------------------------------------------------ xlsx


def _xlsx_tables(data: bytes, sheets: tuple[Sheet, ...], limit: int, problems: list[Problem]) -> list[_Table]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        problems.append(Problem("", None, "", f"el libro de Excel no se pudo leer ({exc}); ábralo en Excel, "
                                              f"guárdelo de nuevo como .xlsx, o {TEMPLATE_HINT}."))
        return []
    titles = {}
    for title in workbook.sheet_names:
        titles.setdefault(cells.norm(title), title)
    tables = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        paths = _sheet_paths(zf)
        for sheet in sheets:
            title = titles.get(cells.norm(sheet.name))
            if title is None:
                if not sheet.optional_sheet:
                    problems.append(_missing_sheet(sheet, sheets, workbook.sheet_names))
                continue
            try:
                table = _xlsx_table(workbook, zf, paths.get(title), sheet, title, limit, problems)
            except (CalamineError, ET.ParseError, KeyError, ValueError) as exc:
                problems.append(Problem(sheet.name, None, "", f"la hoja no se pudo leer ({exc}); ábrala en Excel, "
                                                              "guarde el libro de nuevo como .xlsx y vuelva a "
                                                              "cargarlo."))
                continue
            if table is not None:
                tables.append(table)
    return tables


def _missing_sheet(sheet: Sheet, sheets: tuple[Sheet, ...], present: Sequence[str]) -> Problem:
    required = ", ".join(f"«{s.name}»" for s in sheets if not s.optional_sheet)
    optional = [f"«{s.name}»" for s in sheets if s.optional_sheet]
    expected = f"el libro debe tener las hojas {required}" + (f" (y opcionalmente {', '.join(optional)})"
                                                                if optional else "")
    there = ", ".join(f"«{t}»" for t in present) or "ninguna"
    return Problem(sheet.name, None, "", f"falta la hoja «{sheet.name}»; {expected} y tiene: {there}. Cambie el "
                                         f"nombre de la hoja o {TEMPLATE_HINT}.")


def _xlsx_table(workbook, zf: zipfile.ZipFile, path: str | None, sheet: Sheet, title: str, limit: int,
                problems: list[Problem]) -> _Table | None:
    ws = workbook.get_sheet_by_name(title)
    start, end = ws.start, ws.end
    if start is None or end is None:
        problems.append(_empty_sheet(sheet))
        return None
    if end[0] - start[0] > limit:
        problems.append(_too_many(sheet, end[0] - start[0], limit))
        return None
    grid = ws.to_python(skip_empty_area=False)
    h = next((i for i, r in enumerate(grid) if not all(cells.is_blank(v) for v in r)), None)
    if h is None:
        problems.append(_empty_sheet(sheet))
        return None
    columns = _match_headers(sheet, grid[h], h + 1, problems)
    body = grid[h + 1:]
    rows = np.arange(h + 2, h + 2 + len(body), dtype=np.int64)
    raw: dict[str, RawColumn] = {}
    for name, i in columns.items():
        values = np.empty(len(body), dtype=object)
        values[:] = [r[i] if i < len(r) else None for r in body]
        raw[name] = RawColumn.of(values)
    del grid, body
    at = {i: name for name, i in columns.items()}
    covered: set[tuple[int, str]] = set()
    cell_problems = _merged(sheet, ws.merged_cell_ranges or [], at, h, raw, rows, covered)
    if path is not None:
        cell_problems += _formulas(sheet, zf, path, at, h, raw, rows)
    raw, rows = _without_blank_rows(raw, rows)
    return _Table(sheet, title, h + 1, columns, rows, raw, cell_problems, covered)


def _shown_at(raw: dict[str, RawColumn], name: str, rows: np.ndarray, row: int) -> str:
    """The cell of spreadsheet ``row`` (before blank rows are dropped) as read."""
    position = row - (int(rows[0]) if len(rows) else row + 1)
    return raw[name].shown(position) if 0 <= position < len(raw[name].codes) else ""


def _merged(sheet: Sheet, ranges, at: dict[int, str], h: int, raw: dict[str, RawColumn], rows: np.ndarray,
            covered: set[tuple[int, str]]) -> list[Problem]:
    out = []
    for (r0, c0), (r1, c1) in ranges:
        hit = [i for i in range(c0, c1 + 1) if i in at]
        if not hit or r1 < h:
            continue
        covered.update((r + 1, at[i]) for r in range(r0, r1 + 1) for i in hit)
        span = f"{cells.column_letter(c0)}{r0 + 1}:{cells.column_letter(c1)}{r1 + 1}"
        name = at[hit[0]]
        out.append(Problem(sheet.name, r0 + 1, name, f"las celdas {span} están combinadas; sepárelas (Inicio → "
                                                     "Combinar y centrar → Separar celdas) y escriba el valor en "
                                                     "cada fila.", cells.column_letter(hit[0]),
                           _shown_at(raw, name, rows, r0 + 1)))
    return out


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# <f>, <x:f t="shared"/> (not <formula1> of a drop-down), and a cell of type error (t="e")
_MARKED = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?f[\s>/]|\st="e"')
_REF = re.compile(r"([A-Z]+)(\d+)")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, through workbook.xml and its relationships."""
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
    out = {}
    for s in book.iter():
        if _local(s.tag) == "sheet" and s.get(_NS_REL) in targets:
            target = targets[s.get(_NS_REL)]
            out[s.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
    return out


def _has_marks(zf: zipfile.ZipFile, path: str) -> bool:
    """A byte scan: most sheets hold neither formulas nor error cells and skip the XML parse."""
    tail = b""
    with zf.open(path) as fh:
        while chunk := fh.read(1 << 20):
            if _MARKED.search(tail + chunk):
                return True
            tail = chunk[-32:]
    return False


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _marked_cells(zf: zipfile.ZipFile, path: str):
    """(row, column, formula?, error text), 0-based, of every cell holding a formula or an Excel
    error (calamine reads both as their last value or as empty): a streaming parse of the sheet XML."""
    row = col = -1
    container = None
    formula, error, value = False, False, ""
    with zf.open(path) as fh:
        for event, elem in ET.iterparse(fh, events=("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                if tag == "sheetData":
                    container = elem
                elif tag == "row":
                    row, col = int(elem.get("r", row + 2)) - 1, -1
                elif tag == "c":
                    m = _REF.fullmatch(elem.get("r", ""))
                    row, col = (int(m.group(2)) - 1, _column_index(m.group(1))) if m else (row, col + 1)
                    formula, error, value = False, elem.get("t") == "e", ""
            elif tag == "f":
                formula = True
            elif tag == "v":
                value = elem.text or ""
            elif tag == "c" and (formula or error):
                yield row, col, formula, value if error else ""
            elif tag == "row" and container is not None:
                container.clear()  # keep memory flat on a million rows


def _formulas(sheet: Sheet, zf: zipfile.ZipFile, path: str, at: dict[int, str], h: int,
              raw: dict[str, RawColumn], rows: np.ndarray) -> list[Problem]:
    """Formula cells (say so, and to paste values) and Excel error cells of the declared columns."""
    if path not in zf.namelist() or not _has_marks(zf, path):
        return []
    out = []
    for r, c, formula, error in _marked_cells(zf, path):
        if c not in at or r < h:
            continue
        name = at[c]
        if formula:
            value = error or _shown_at(raw, name, rows, r + 1)
            message = (f"la celda tenía una fórmula (se leyó su último resultado «{value}»); copie la columna y "
                       "péguela como valores (Pegado especial → Valores) antes de cargar el archivo.")
        else:
            value = error
            message = f"«{error}» es un error de Excel; corrija el dato de origen o escriba el valor en la celda."
        out.append(Problem(sheet.name, r + 1, name, message, cells.column_letter(c), value))
    return out


# ------------------------------------------------------------------ CSV


def _not_utf8_at(data: bytes) -> int | None:
    """Byte offset of the first byte that is not UTF-8, checked in slices (no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    for start in range(0, len(data), step):
        try:
            decoder.decode(view[start:start + step], final=start + step >= len(data))
        except UnicodeDecodeError as exc:
            return max(start + exc.start - len(decoder.getstate()[0]), 0)
    return None


def _csv_sheet(filename: str, sheets: tuple[Sheet, ...]) -> Sheet | None:
    if len(sheets) == 1:
        return sheets[0]
    stem = cells.norm(PurePath(filename or "").stem)
    exact = [s for s in sheets if cells.norm(s.name) == stem]
    inside = [s for s in sheets if cells.norm(s.name) in stem]
    return exact[0] if exact else inside[0] if len(inside) == 1 else None


def _csv_tables(data: bytes, filename: str, sheets: tuple[Sheet, ...], limit: int,
                problems: list[Problem]) -> list[_Table]:
    sheet = _csv_sheet(filename, sheets)
    if sheet is None:
        names = ", ".join(f"«{s.name}.csv»" for s in sheets)
        problems.append(Problem("", None, "", f"un CSV trae una sola hoja y su nombre dice cuál: llame el archivo "
                                              f"{names}, o cargue el libro .xlsx completo."))
        return []
    bad = _not_utf8_at(data)
    if bad is not None:
        line = data[:bad].count(b"\n") + 1
        problems.append(Problem(sheet.name, line, "", f"el archivo CSV no está en UTF-8 (la fila {line} tiene "
                                                      "caracteres en otra codificación); ábralo en Excel y "
                                                      "guárdelo como CSV UTF-8 (delimitado por comas)."))
        return []
    if b"\x00" in data[:4096]:
        problems.append(Problem(sheet.name, None, "", "el archivo CSV no es texto UTF-8 (parece UTF-16 o un archivo "
                                                      "binario); ábralo en Excel y guárdelo como CSV UTF-8 "
                                                      "(delimitado por comas)."))
        return []
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n", start)
    first_line = data[start:end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    sep = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    headers = next(csv.reader([first_line], delimiter=sep), [])
    columns = _match_headers(sheet, headers, 1, problems)
    if not columns:
        return []
    over = _row_with_extra_fields(data[start:], sep, len(headers))
    if over is not None:
        problems.append(Problem(sheet.name, over, "", f"la fila {over} tiene más campos que el encabezado: ponga "
                                f"entre comillas el texto que lleva «{sep}» (p. ej. una lista de servicios) y "
                                "vuelva a guardarlo como CSV UTF-8."))
        return []
    wanted = sorted(columns.values())
    parts = {name: _Distinct() for name in columns}
    n = 0
    try:
        with pd.read_csv(io.BytesIO(data), sep=sep, header=0, usecols=wanted, dtype=str, keep_default_na=False,
                         na_filter=False, skip_blank_lines=False, index_col=False, encoding="utf-8-sig",
                         nrows=limit + 1, chunksize=CSV_CHUNK) as chunks:
            for chunk in chunks:
                by_position = dict(zip(wanted, chunk.columns))
                for name, i in columns.items():
                    parts[name].add(chunk[by_position[i]])
                n += len(chunk)
    except (pd.errors.ParserError, ValueError) as exc:
        problems.append(Problem(sheet.name, None, "", f"el CSV no se pudo leer ({str(exc).strip()}); revise que "
                                                      "cada texto con «;» o «,» esté entre comillas y que las "
                                                      "comillas cierren, y vuelva a guardarlo como CSV UTF-8."))
        return []
    if n > limit:
        problems.append(_too_many(sheet, f"más de {limit}", limit))
        return []
    raw = {name: part.column() for name, part in parts.items()}
    raw, rows = _without_blank_rows(raw, np.arange(2, 2 + n, dtype=np.int64))
    return [_Table(sheet, PurePath(filename or sheet.name).stem, 1, columns, rows, raw)]


def _row_with_extra_fields(data: bytes, sep: str, width: int) -> int | None:
    """The first row (spreadsheet numbering) with more fields than the header, which pandas would
    cut silently; without quotes a separator count per line is enough (and much faster)."""
    if b'"' not in data:
        separator = sep.encode()
        return next((n for n, line in enumerate(data.split(b"\n"), start=1)
                     if line.count(separator) >= width and any(f.strip() for f in line.split(separator)[width:])),
                    None)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    for number, fields in enumerate(csv.reader(text, delimiter=sep), start=1):
        if len(fields) > width and any(f.strip() for f in fields[width:]):
            return number
    return None


CSV_CHUNK = 250_000  # rows parsed at a time: only the distinct values and one code per cell are kept


class _Distinct:
    """A CSV column built chunk by chunk as distinct values plus codes, so the text of two
    million rows is never held at once."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.parts: list[np.ndarray] = []

    def add(self, values: pd.Series) -> None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        index = self.index
        mapping = np.fromiter((index.setdefault(u, len(index)) for u in uniques), dtype=np.int32,
                              count=len(uniques))
        self.parts.append(np.where(codes < 0, -1, mapping[codes]).astype(np.int32, copy=False))

    def column(self) -> RawColumn:
        codes = np.concatenate(self.parts) if self.parts else np.empty(0, dtype=np.int32)
        uniques = np.empty(len(self.index), dtype=object)
        uniques[:] = list(self.index)
        return RawColumn(codes, uniques)


__all__ = ["MAX_ROWS", "ROW", "XLSX_MAX_ROWS", "Parsed", "read_file"]
