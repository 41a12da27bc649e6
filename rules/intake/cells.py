"""One intake cell as people type it in Excel or a CSV, read into its kind (pure).

Why apart from the reader: the template's instructions, the reader's checks and the
tracking matrix agree on what a cell may hold — es-CO numbers ("1.234,5", "12,5"),
money ("$ 12.500.000"), dates (an Excel date or serial number, AAAA-MM-DD, DD/MM/AAAA),
si/no, DIVIPOLA codes that lost their leading zero, quarters, NITs — and each reader
says in Spanish how to fix a cell it cannot read (``CellError``).

Every reader takes one cell (str, int, float, bool, date, datetime or None) and returns
its typed value, or None for a blank cell.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from rules.alliance.matrix_cells import cell_text, parse_date
from rules.core.calendar import parse_quarter
from rules.core.nit import read_nit as _read_nit

# Spellings people use for a header or a sheet name → the declared name.
ALIASES = {"ano": "anio", "year": "anio", "planes_de_negocio": "planes_negocio", "planes": "planes_negocio",
           "evidencia": "evidencias", "venta": "ventas"}

# What Excel shows in a cell whose formula failed (English and Spanish Excel).
EXCEL_ERRORS = frozenset({
    "#N/A", "#N/D", "#DIV/0!", "#¡DIV/0!", "#VALUE!", "#¡VALOR!", "#REF!", "#¡REF!", "#NAME?", "#¿NOMBRE?",
    "#NUM!", "#¡NUM!", "#NULL!", "#¡NULO!", "#SPILL!", "#¡DESBORDAMIENTO!", "#CALC!", "#¡CALC!",
})

TRUE_WORDS = frozenset({"si", "s", "true", "verdadero", "1", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "falso", "0"})

# Excel keeps 15 significant digits: a longer number typed in a code cell lost its tail.
_EXACT_DIGITS = 1e15


class CellError(ValueError):
    """A cell that cannot be read as its kind; ``message`` names the fix (Spanish)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def plain(text) -> str:
    """Lower case, accents removed, surrounding spaces removed: 'Sí ' → 'si'."""
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower().strip()


def norm(text) -> str:
    """A header or sheet name, case-, accent- and spacing-insensitively: 'Código PN ' → 'codigo_pn',
    'Año' → 'anio'."""
    s = re.sub(r"[^a-z0-9]+", "_", plain(text if text is not None else "")).strip("_")
    return ALIASES.get(s, s)


def value_key(text) -> str:
    """A catalogue value as typed, matched like a header ('Asistencia técnica' → 'asistencia_tecnica');
    a value made only of symbols ('%') keeps them."""
    s = plain(text)
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_") or re.sub(r"\s+", "", s)


def column_letter(index: int) -> str:
    """0 → 'A', 25 → 'Z', 26 → 'AA' (the spreadsheet's column letter)."""
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def shown(v) -> str:
    """A cell as the person sees it, for a message: 5001.0 → '5001', a date → its ISO form."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "VERDADERO" if v else "FALSO"
    if isinstance(v, float) and not v.is_integer():
        return repr(v)
    return cell_text(v)


def _check_excel_error(v) -> None:
    if isinstance(v, str) and v.strip().upper() in EXCEL_ERRORS:
        raise CellError("es un error de Excel; corrija el dato de origen o escriba el valor en la celda.")


# --------------------------------------------------------------------------- readers


def read_text(v) -> str | None:
    if is_blank(v):
        return None
    _check_excel_error(v)
    if isinstance(v, bool):
        return "si" if v else "no"
    return cell_text(v)


def read_code(v) -> str | None:
    """A code as text; a number becomes its digits (12 → '12') unless Excel already rounded it."""
    if is_blank(v):
        return None
    if isinstance(v, float) and (abs(v) >= _EXACT_DIGITS or math.isinf(v)):
        raise CellError("es un número tan largo que Excel lo redondeó y perdió dígitos; escriba el código como "
                        "texto (anteponga un apóstrofo ') y vuelva a copiarlo del original.")
    return read_text(v)


_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")  # 1.234.567 (es-CO thousands)
_GROUPED_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})*,\d+")  # 1.234,5
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")  # 12,5
_POINT_DECIMAL = re.compile(r"[+-]?\d*\.\d+|[+-]?\d+")  # 72.5, 12


def number_from_text(text: str) -> float:
    """es-CO text → float: '1.234,5' and '12,5' (comma decimals), '1.234.567' (dot thousands);
    '72.5' (a single dot not grouping thousands) is a decimal point. ValueError otherwise."""
    s = re.sub(r"[\s\u00a0]", "", text)
    if _GROUPED.fullmatch(s):
        return float(s.replace(".", ""))
    if _GROUPED_DECIMAL.fullmatch(s) or _COMMA_DECIMAL.fullmatch(s):
        return float(s.replace(".", "").replace(",", "."))
    if _POINT_DECIMAL.fullmatch(s):
        return float(s)
    raise ValueError(text)


def _number(v, fix: str) -> float | None:
    if is_blank(v):
        return None
    _check_excel_error(v)
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise CellError(fix)
    try:
        x = float(v) if not isinstance(v, str) else number_from_text(v)
    except (ValueError, OverflowError):
        raise CellError(fix) from None
    if math.isnan(x) or math.isinf(x):
        raise CellError(fix)
    return x


def read_number(v) -> float | None:
    return _number(v, "no es un número; escríbalo con coma decimal (p. ej. 12,5 o 1.234,5), sin letras.")


def read_int(v) -> int | None:
    fix = "no es un número entero; escriba solo dígitos, sin decimales."
    x = _number(v, fix)
    if x is None:
        return None
    if not x.is_integer():
        raise CellError(fix)
    return int(x)


def read_money(v) -> int | None:
    """Pesos: '$ 12.500.000', '12500000', 12500000.0 → 12500000 (centavos rounded)."""
    fix = "no es un valor en pesos; escriba solo el número (p. ej. 12.500.000 o 12500000), sin letras."
    if is_blank(v):
        return None
    if isinstance(v, str):
        v = re.sub(r"(?i)^\s*(?:cop|col)?\s*\$?|\s*(?:cop|pesos)\s*$", "", v.strip())
        if is_blank(v):
            raise CellError(fix)
    x = _number(v, fix)
    return None if x is None else int(round(x))


def read_date(v) -> dt.date | None:
    """Excel date or serial number, AAAA-MM-DD or DD/MM/AAAA (rules.alliance.matrix_cells.parse_date)."""
    if is_blank(v):
        return None
    _check_excel_error(v)
    if isinstance(v, bool) or isinstance(v, dt.time | dt.timedelta):
        raise CellError("no es una fecha; use una fecha de Excel, AAAA-MM-DD o DD/MM/AAAA.")
    try:
        return parse_date(v)
    except (ValueError, TypeError, OverflowError):
        raise CellError("no es una fecha; use una fecha de Excel, AAAA-MM-DD o DD/MM/AAAA.") from None


def read_bool(v) -> bool | None:
    if is_blank(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    word = plain(v) if isinstance(v, str) else ""
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    _check_excel_error(v)
    raise CellError("no es válido; escriba si o no.")


def read_list(v) -> tuple[str, ...] | None:
    """'a; b;;a' → ('a', 'b'): items separated by «;», blanks and repeats dropped."""
    text = read_text(v)
    if text is None:
        return None
    items = tuple(dict.fromkeys(p.strip() for p in text.split(";") if p.strip()))
    return items or None


_QUARTER_T = re.compile(r"(\d{4})T([1-4])")


def read_quarter(v) -> str | None:
    """'2026Q3', '2026-Q3', '2026 T3', 'T3 2026' → '2026Q3'."""
    if is_blank(v):
        return None
    _check_excel_error(v)
    raw = cell_text(v).upper().replace("-", "").replace(" ", "")
    m = _QUARTER_T.fullmatch(raw)
    if m:
        return f"{m.group(1)}Q{m.group(2)}"
    try:
        return parse_quarter(raw)
    except ValueError:
        raise CellError("no es un trimestre; escríbalo como AAAAQn (p. ej. 2026Q3).") from None


def read_divipola(v) -> str | None:
    """5001 / 5001.0 / '5001' → '05001': exactly five digits once the lost leading zero is restored."""
    if is_blank(v):
        return None
    _check_excel_error(v)
    s = cell_text(v) if not isinstance(v, bool) else ""
    if s.isdigit() and s.isascii() and len(s) < 5:
        s = s.zfill(5)
    if not (s.isdigit() and s.isascii() and len(s) == 5):
        raise CellError("no es un código DIVIPOLA de municipio; escriba sus 5 dígitos (p. ej. 05001).")
    return s


def read_nit(v) -> tuple[str, str | None] | None:
    """(stored NIT with its check digit, note) — the note says the check digit was computed because
    the cell had none, so the person compares it with the RUT (rules.core.nit.read_nit)."""
    if is_blank(v):
        return None
    _check_excel_error(v)
    try:
        reading = _read_nit(v)
    except ValueError:
        raise CellError("no es un NIT válido; escríbalo con su dígito de verificación DIAN (p. ej. 900123456-8) y "
                        "revise los dígitos.") from None
    if not reading.check_digit_ok:
        raise CellError(f"no es un NIT válido: el dígito de verificación {reading.check_digit} no corresponde al "
                        f"número {reading.base}; copie el NIT y su dígito de verificación del RUT.")
    if reading.check_digit is not None:
        return reading.formatted, None
    return reading.formatted, (f"no trae dígito de verificación: se toma como {reading.formatted} (dígito "
                               "calculado); compárelo con el RUT.")
