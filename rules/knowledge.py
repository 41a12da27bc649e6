"""Knowledge management (seed 000 §3 v): buenas prácticas, historias de vida and lecciones
aprendidas, and the words people search them by.

A record may name the household or OPR it tells about; that personal link is shown only with the
person's or organisation's consent (``consent``): without it, pages, the CLI and downloads show the
record without the link. Search is accent-insensitive on both stores, so a query is folded the way
the store folds the text (``plain``). Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

import re
import unicodedata

from rules.core.catalog import ROUTES, SERVICE_TYPES
from rules.edit.validation import FieldError

KINDS: dict[str, str] = {
    "buena_practica": "Buena práctica",
    "historia_de_vida": "Historia de vida",
    "leccion_aprendida": "Lección aprendida",
}
MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_TAGS = 300
MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def plain(text: str) -> str:
    """Lower case without diacritics («Comercialización» → «comercializacion»), as the stores index."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_terms(text: str) -> list[str]:
    """The words of a query, folded, without repeats, at most ``MAX_TERMS`` (the rest is ignored)."""
    seen: list[str] = []
    for word in _WORD.findall(plain(text)):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def parse_tags(value) -> tuple[str, ...]:
    """Tags from «a; b, c» or a list: stripped, lower case, no repeats, in order."""
    items = value if isinstance(value, list | tuple) else re.split(r"[;,]", str(value or ""))
    out: list[str] = []
    for item in items:
        tag = " ".join(str(item).split()).lower()
        if tag and tag not in out:
            out.append(tag)
    return tuple(out)


def tags_text(tags) -> str:
    """Tags as stored: «a; b; c»."""
    return "; ".join(parse_tags(tags))


def personal_link_visible(consent: bool) -> bool:
    """The consent rule: a household or OPR is named only when its consent is recorded."""
    return bool(consent)


def validate(data: dict) -> list[FieldError]:
    """A knowledge record's fields (kind, title, text, route, service, tags); Spanish messages."""
    errors: list[FieldError] = []
    kind = data.get("kind")
    if kind not in KINDS:
        errors.append(FieldError("kind", f"Tipo: «{kind or ''}» no es un tipo de registro; use "
                                         f"{', '.join(KINDS)}."))
    title = (data.get("title") or "").strip()
    if not title or len(title) > MAX_TITLE:
        errors.append(FieldError("title", f"Título: escriba un título de 1 a {MAX_TITLE} caracteres "
                                          f"(tiene {len(title)})."))
    text = (data.get("text") or "").strip()
    if not text or len(text) > MAX_TEXT:
        errors.append(FieldError("text", f"Texto: escriba el relato, de 1 a {MAX_TEXT} caracteres "
                                         f"(tiene {len(text)})."))
    route = data.get("route")
    if route and route not in ROUTES:
        errors.append(FieldError("route", f"Ruta: «{route}» no es una ruta; use {', '.join(ROUTES)} o déjela vacía."))
    service = data.get("service_type_code")
    if service and service not in SERVICE_TYPES:
        errors.append(FieldError("service_type_code", f"Servicio: «{service}» no es un tipo de servicio; use "
                                                      f"{', '.join(SERVICE_TYPES)} o déjelo vacío."))
    if len(tags_text(data.get("tags"))) > MAX_TAGS:
        errors.append(FieldError("tags", f"Etiquetas: suman más de {MAX_TAGS} caracteres; deje las principales."))
    if data.get("household_id") and data.get("opr_id"):
        errors.append(FieldError("household_id", "Hogar u OPR: un registro cuenta la historia de un hogar o de una "
                                                  "OPR, no de ambos; deje solo uno."))
    return errors
