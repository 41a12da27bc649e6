"""NIT (Número de Identificación Tributaria) check digit, DIAN modulo-11 algorithm.

OPR and operators are identified by their NIT; a mistyped digit in an import or an
edit form must be caught before it creates a second, phantom organisation. The DIAN
"dígito de verificación" (DV) weights each digit of the base number, from the right,
by 3, 7, 13, 17, 19, 23, ... and reduces the sum modulo 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# DIAN weights, applied from the rightmost digit of the base number leftwards.
DIAN_WEIGHTS: tuple[int, ...] = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)

_NIT_RE = re.compile(r"^(\d{1,15})(?:-(\d))?$")


def dian_check_digit(nit9: str) -> int:
    """Check digit (0–9) of a NIT base number (9 digits for companies; up to 15 accepted)."""
    base = nit9.strip()
    if not base.isdigit() or not 1 <= len(base) <= len(DIAN_WEIGHTS) or not base.isascii():
        raise ValueError(f"NIT «{nit9}» no válido: escriba solo dígitos (máximo 15), sin DV.")
    total = sum(int(d) * w for d, w in zip(reversed(base), DIAN_WEIGHTS))
    r = total % 11
    return r if r in (0, 1) else 11 - r


def format_nit(nit9: str) -> str:
    """'900123456' → '900123456-8' (base plus its DV, the form stored in the store)."""
    base = nit9.strip()
    return f"{base}-{dian_check_digit(base)}"


def is_valid_nit(text: str | None) -> bool:
    """True for digits with an optional ``-d`` suffix whose d is the DIAN check digit.

    ``"900123456-8"`` is checked; bare digits (``"900123456"``) are a base without DV and
    are accepted as well-formed. Dots, spaces inside, other separators: rejected.
    """
    if text is None:
        return False
    m = _NIT_RE.match(text.strip())
    if not m or not m.group(1).isascii():
        return False
    base, dv = m.group(1), m.group(2)
    return dv is None or int(dv) == dian_check_digit(base)


@dataclass(frozen=True)
class NitReading:
    """A NIT as written in a spreadsheet: its base number and the check digit it carried."""

    base: str
    check_digit: int | None  # None: written without one, so nothing could be verified

    @property
    def formatted(self) -> str:
        """The stored form, base plus its computed DV."""
        return format_nit(self.base)

    @property
    def check_digit_ok(self) -> bool:
        return self.check_digit is None or self.check_digit == dian_check_digit(self.base)


_WITH_DASH = re.compile(r"([0-9][0-9. ]*?)\s*[-\u2010-\u2013]\s*([0-9])")
_WITH_SPACE = re.compile(r"([0-9][0-9. ]*[0-9])\s+([0-9])")  # the RUT form prints the DV in its own box


def read_nit(value) -> NitReading:
    """Spreadsheet cell → NitReading; ValueError when it is no NIT.

    Accepts ``900123456-8``, ``900.123.456-8``, ``900 123 456 - 8``, ``900123456 8`` (the
    DV after a space: its digit is a DV, never glued to the base) and a bare base
    (``900123456`` text or an Excel number), which has no DV to verify.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, int | float):
        if value != value or value < 0 or int(value) != value:
            raise ValueError(value)
        value = str(int(value))
    text = str(value).strip()
    m = _WITH_DASH.fullmatch(text) or _WITH_SPACE.fullmatch(text)
    base_text, dv = (m.group(1), int(m.group(2))) if m else (text, None)
    base = re.sub(r"[. ]", "", base_text)
    if not re.fullmatch(r"[0-9]{1,15}", base):
        raise ValueError(value)
    return NitReading(base, dv)
