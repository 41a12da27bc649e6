import datetime as dt

from rules.core.formatting import (
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_pct,
    quarter_label,
)
from rules.core.i18n import catalogue, missing_translations, t


def test_es_co_formats():
    assert fmt_int(1234567) == "1.234.567"
    assert fmt_money(12500000) == "$ 12.500.000"
    assert fmt_date(dt.date(2026, 9, 30)) == "30/09/2026"
    assert fmt_pct(83.456) == "83,5 %"
    assert fmt_pct(None) == "sin datos"


def test_english_formats():
    assert fmt_int(1234567, lang="en") == "1,234,567"
    assert fmt_pct(None, lang="en") == "no data"


def test_quarter_label():
    assert quarter_label("2024Q3") == "T3 2024"
    assert quarter_label("2024Q3", lang="en") == "Q3 2024"


def test_catalogue_is_complete_in_both_languages():
    assert missing_translations("en") == []
    assert missing_translations("es") == []
    assert t("nav.overview") == "Resumen ejecutivo"
    assert t("nav.overview", "en") == "Executive overview"
    assert all(set(v) >= {"es", "en"} for v in catalogue().values())
