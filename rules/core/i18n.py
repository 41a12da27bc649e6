"""One string catalogue for the UI, Spanish (es-CO) by default and English.

The catalogue is the union of ``locales/*.json`` (one file per area so that areas
evolve independently); each key maps to ``{"es": ..., "en": ...}``. A key missing
in English falls back to Spanish — ``missing_translations()`` lists those, and a
test asserts there are none.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
LANGS = ("es", "en")
DEFAULT_LANG = "es"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"clave de traducción duplicada {key!r} en {path.name}")
            merged[key] = entry
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    entry = catalogue().get(key)
    if entry is None:
        text = key  # visible, so a missing key is caught in review and by tests
    else:
        text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**params) if params else text


def missing_translations(lang: str = "en") -> list[str]:
    return sorted(k for k, v in catalogue().items() if not v.get(lang))
