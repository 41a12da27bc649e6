"""es-CO / English formatting of numbers, money, percentages and dates (Babel).

Spanish (Colombia): 1.234.567 · $ 12.500.000 · 83,5 % · 30/09/2026 · T3 2026.
Quarter arithmetic lives in ``rules.core.calendar``. Stored instants are UTC; people read them
as America/Bogota wall time (``fmt_datetime``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from rules.core.calendar import quarter_parts

LOCALES = {"es": "es_CO", "en": "en_US"}
BOGOTA = ZoneInfo("America/Bogota")
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


def bogota_time(at: dt.datetime) -> dt.datetime:
    """An instant as Bogotá wall time; a naive value is UTC (how the store keeps instants)."""
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(BOGOTA)


def fmt_datetime(at: dt.datetime | None, lang: str = "es", seconds: bool = False) -> str:
    """An instant in Bogotá time: ``23/11/2026 14:05`` (es-CO), ``2026-11-23 14:05`` (en)."""
    if at is None:
        return "—"
    local = bogota_time(at)
    return f"{fmt_date(local.date(), lang)} {local:{'%H:%M:%S' if seconds else '%H:%M'}}"


def fmt_bool(value: bool | None, lang: str = "es") -> str:
    """sí / no (yes / no); None → —."""
    if value is None:
        return "—"
    return ("sí" if value else "no") if lang == "es" else ("yes" if value else "no")
