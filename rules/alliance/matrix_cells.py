"""Cells of the «Matriz de seguimiento a OPRs» as people type them in Excel (pure).

Why apart from the importer: the same readings (blank, text, dates, DIVIPOLA codes,
NITs) serve the validation of every sheet, and they need neither the store nor a sheet.
"""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.datetime import from_excel


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def cell_text(v) -> str:
    """A cell as text: 5001.0 → '5001', a datetime → its ISO date, surrounding spaces removed."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    return str(v).strip()


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def parse_date(v) -> dt.date | None:
    """Excel date, Excel serial number, ISO text (AAAA-MM-DD) or dd/mm/aaaa text → date.

    Blank → None; anything else raises ValueError. Bounds are the validation's
    (``rules.edit.validation.programme_date_error``).
    """
    if blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        if 1 <= v < 2_958_466:  # Excel serial (1900 date system)
            return from_excel(v).date()
        raise ValueError(v)
    s = str(v).strip()
    m = _ISO.match(s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DMY.match(s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    raise ValueError(v)


def municipality_code(v) -> str:
    """5001 / 5001.0 / '5001' → '05001' (DIVIPOLA codes have 5 digits)."""
    s = cell_text(v)
    return s.zfill(5) if s.isdigit() and len(s) < 5 else s


def nit_base(nit: str) -> str:
    """'900.123.456-8' → '900123456': the number without its check digit."""
    return re.sub(r"[\s.]", "", nit or "").split("-")[0]
