"""es-CO / English formatting of numbers, money, percentages and dates (Babel).

Spanish (Colombia): 1.234.567 · $ 12.500.000 · 83,5 % · 30/09/2026 · T3 2026.
Quarter arithmetic lives in ``rules.core.calendar``.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from rules.core.calendar import quarter_parts

LOCALES = {"es": "es_CO", "en": "en_US"}
NO_DATA = {"es": "sin datos", "en": "no data"}


def _loc(lang: str) -> str:
    return LOCALES.get(lang, "es_CO")


def fmt_int(value, lang: str = "es") -> str:
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    return format_decimal(int(round(value)), format="#,##0", locale=_loc(lang))


def fmt_num(value, decimals: int = 1, lang: str = "es") -> str:
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_loc(lang))


def fmt_money(value, lang: str = "es") -> str:
    """Colombian pesos without cents: ``$ 12.500.000``."""
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    return format_currency(
        int(round(value)), "COP", format="¤ #,##0", locale=_loc(lang), currency_digits=False
    ).replace("COP", "$")


def fmt_pct(value, decimals: int = 1, lang: str = "es") -> str:
    """A percentage already in 0–100 (``83,5 %``); None → "sin datos", never 0 %."""
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    return f"{fmt_num(value, decimals, lang)} %"


def fmt_date(value: dt.date | None, lang: str = "es") -> str:
    if value is None:
        return "—"
    pattern = "dd/MM/yyyy" if lang == "es" else "yyyy-MM-dd"
    return format_date(value, pattern, locale=_loc(lang))


def quarter_label(quarter: str, lang: str = "es") -> str:
    """'2024Q3' → 'T3 2024' (es) / 'Q3 2024' (en)."""
    year, n = quarter_parts(quarter)
    return f"{'T' if lang == 'es' else 'Q'}{n} {year}"
