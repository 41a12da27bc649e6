"""Agreements (compromisos) of a committee: their statuses, which status may follow which, the
overdue rule and the validation of a new agreement or of a follow-up. Pure: no store, no UI.

«Vencido» is never stored: an agreement is overdue when its due date has passed while it is
still pendiente or en curso (``rules.core.clock.today``)."""

from __future__ import annotations

import datetime as dt

from rules.core.clock import today
from rules.edit.validation import FieldError, parse_date

PENDIENTE, EN_CURSO, CUMPLIDO, CANCELADO, VENCIDO = "pendiente", "en_curso", "cumplido", "cancelado", "vencido"
STORED_STATUSES = (PENDIENTE, EN_CURSO, CUMPLIDO, CANCELADO)
STATUSES = (PENDIENTE, EN_CURSO, VENCIDO, CUMPLIDO, CANCELADO)  # as shown and filtered
OPEN_STATUSES = (PENDIENTE, EN_CURSO)
STATUS_ICONS = {PENDIENTE: "○", EN_CURSO: "◐", VENCIDO: "⚠", CUMPLIDO: "✔", CANCELADO: "✖"}

# A follow-up may also keep the status (a note only). A closed agreement may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDIENTE: frozenset({EN_CURSO, CUMPLIDO, CANCELADO}),
    EN_CURSO: frozenset({PENDIENTE, CUMPLIDO, CANCELADO}),
    CUMPLIDO: frozenset({EN_CURSO}),
    CANCELADO: frozenset({PENDIENTE}),
}

SUBJECT_KINDS = ("indicador", "municipio", "operador", "pn", "alerta")  # not a role: a subject kind
_SUBJECT_HINTS = {
    "indicador": "el código de un indicador del catálogo (p. ej. hogares_atendidos)",
    "municipio": "el código DIVIPOLA de 5 dígitos del municipio (p. ej. 05001)",
    "operador": "el código del operador",  # not a role: a subject kind
    "pn": "el código del plan de negocio (codigo_pn)",
    "alerta": "el código de la alerta territorial",
}
MAX_DESCRIPTION = 2000


def is_overdue(status: str, due_on: dt.date | None, on: dt.date | None = None) -> bool:
    """Due date passed while still open."""
    return status in OPEN_STATUSES and due_on is not None and due_on < (on or today())


def shown_status(status: str, due_on: dt.date | None, on: dt.date | None = None) -> str:
    """The status a person sees: «vencido» instead of an open status past its due date."""
    return VENCIDO if is_overdue(status, due_on, on) else status


def subject_hint(kind: str) -> str:
    return _SUBJECT_HINTS.get(kind, "")


def indicator_codes() -> set[str] | None:
    """The codes of the indicator catalogue, or None while it is not there (any code then)."""
    try:
        from rules.results import catalog
    except ImportError:
        return None
    found = getattr(catalog, "BY_CODE", None)
    return set(found) if found else None


def validate_subject(kind: str, code: str) -> list[FieldError]:
    """The subject's kind and the shape of its code (whether it exists is the store's check)."""
    if kind not in SUBJECT_KINDS:
        return [FieldError("subject_kind", f"Tema: «{kind}» no es un tipo de tema; use uno de "
                                           f"{', '.join(SUBJECT_KINDS)}.")]
    code = (code or "").strip()
    if not code:
        return [FieldError("subject_code", f"Código del tema: vacío; escriba {subject_hint(kind)}.")]
    if kind == "municipio" and not (len(code) == 5 and code.isdigit()):
        return [FieldError("subject_code", f"Código del tema: «{code}» no es un código DIVIPOLA de municipio; "
                                           f"escriba {subject_hint(kind)}.")]
    if kind == "indicador":
        codes = indicator_codes()
        if codes is not None and code not in codes:
            return [FieldError("subject_code", f"Código del tema: «{code}» no es un indicador del catálogo; use uno de "
                                               f"{', '.join(sorted(codes))}.")]
    return []


def validate_agreement(data: dict) -> list[FieldError]:
    """A new agreement: subject, description, responsible, due date, status (an open one)."""
    errors = validate_subject(str(data.get("subject_kind") or "").strip(), str(data.get("subject_code") or ""))
    description = (data.get("description") or "").strip()
    if not description:
        errors.append(FieldError("description", "Compromiso: vacío; escriba qué se acordó."))
    elif len(description) > MAX_DESCRIPTION:
        errors.append(FieldError("description", f"Compromiso: tiene {len(description)} caracteres; "
                                                f"acórtelo a {MAX_DESCRIPTION} como máximo."))
    responsible = (data.get("responsible") or "").strip()
    if not responsible:
        errors.append(FieldError("responsible", "Responsable: vacío; escriba quién responde por el compromiso."))
    elif len(responsible) > 160:
        errors.append(FieldError("responsible", "Responsable: acórtelo a 160 caracteres como máximo."))
    due = _date(data.get("due_on"))
    if due is None:
        errors.append(FieldError("due_on", f"Fecha límite: «{data.get('due_on') or ''}» no es una fecha; "
                                           "escríbala como AAAA-MM-DD o DD/MM/AAAA."))
    status = data.get("status") or PENDIENTE
    if status not in OPEN_STATUSES:
        errors.append(FieldError("status", f"Estado: un compromiso nuevo nace pendiente o en curso, no «{status}»; "
                                           "regístrelo y luego márquelo en su seguimiento."))
    return errors


def validate_follow_up(current: str, new: str, note: str) -> list[FieldError]:
    """A follow-up: an allowed status change (or the same status) with a note saying what happened."""
    errors = []
    if new not in STORED_STATUSES:
        hint = "; «vencido» se deduce de la fecha límite, no se marca" if new == VENCIDO else ""
        errors.append(FieldError("status", f"Estado: «{new}» no es un estado que se pueda marcar{hint}; use uno de "
                                           f"{', '.join(STORED_STATUSES)}."))
    elif new != current and new not in TRANSITIONS[current]:
        errors.append(FieldError("status", f"Estado: un compromiso {current} no puede pasar a {new}; puede pasar a "
                                           f"{', '.join(sorted(TRANSITIONS[current]))}."))
    if not (note or "").strip():
        errors.append(FieldError("note", "Nota de seguimiento: vacía; escriba qué se hizo o por qué cambia el estado."))
    elif len(note.strip()) > MAX_DESCRIPTION:
        errors.append(FieldError("note", f"Nota de seguimiento: acórtela a {MAX_DESCRIPTION} caracteres como máximo."))
    return errors


def validate_session(data: dict) -> list[FieldError]:
    """A committee session: a date and a title."""
    errors = []
    if _date(data.get("held_on")) is None:
        errors.append(FieldError("held_on", f"Fecha de la sesión: «{data.get('held_on') or ''}» no es una fecha; "
                                            "escríbala como AAAA-MM-DD o DD/MM/AAAA."))
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(FieldError("title", "Título de la sesión: vacío; escriba p. ej. «Comité regional, octubre»."))
    elif len(title) > 200:
        errors.append(FieldError("title", "Título de la sesión: acórtelo a 200 caracteres como máximo."))
    return errors


def parse_day(value) -> dt.date | None:
    """AAAA-MM-DD or DD/MM/AAAA (or a date) → date; None when blank or not a date."""
    if isinstance(value, str) and "/" in value:
        try:
            return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            return None
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


_date = parse_day
