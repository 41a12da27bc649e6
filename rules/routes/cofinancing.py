"""Household co-financing of ruta básica micro-projects (seed 000 §4.1 c–e): the rules one record
must meet, shared by the edit form, the intake sheet and the demo.

The instrument is the programme's: a household whose idea was found viable applies to it
(«solicitud de cofinanciación»), the instrument states the requirements the household must meet to
manage the resources, and only then are resources disbursed. So a record belongs to a básica
household enrolment; a commitment needs the application reached and its date; a disbursement needs
the requirements met, its date, and never exceeds the commitment.
"""

from __future__ import annotations

import datetime as dt

from rules.core.formatting import fmt_money
from rules.edit.validation import FieldError, parse_date, programme_date_error
from rules.routes.model import SOLICITUD, route_model, stage_name

ROUTE = "basica"
PARTICIPANT_KIND = "hogar"

LABELS: dict[str, str] = {
    "enrolment": "Inscripción",
    "committed_cop": "Cofinanciación comprometida (COP)",
    "disbursed_cop": "Cofinanciación desembolsada (COP)",
    "requirements_met": "Requisitos cumplidos",
    "committed_on": "Fecha del compromiso",
    "disbursed_on": "Fecha del desembolso",
}


def _amount(data: dict, field: str, errors: list[FieldError]) -> int | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        number = float(str(value).strip())
    except ValueError:
        number = None
    if number is None or number != number or number != int(number):
        errors.append(FieldError(field, f"{LABELS[field]}: «{value}» no es un valor en pesos; escriba un número "
                                        "entero sin puntos ni símbolos."))
        return None
    if number < 0:
        errors.append(FieldError(field, f"{LABELS[field]}: no puede ser negativo ({value}); escriba 0 o más."))
        return None
    return int(number)


def _date(data: dict, field: str, errors: list[FieldError], today: dt.date | None) -> dt.date | None:
    try:
        day = parse_date(data.get(field))
    except (ValueError, TypeError):
        errors.append(FieldError(field, f"{LABELS[field]}: «{data.get(field)}» no es una fecha válida; use el "
                                        "formato AAAA-MM-DD."))
        return None
    if day is not None:
        bound = programme_date_error(field, day, limit=today)
        if bound is not None:
            errors.append(FieldError(field, bound.message.replace(field, LABELS[field], 1)))
            return None
    return day


def eligibility_errors(route: str, participant_kind: str) -> list[FieldError]:
    """Only a household on ruta básica has a micro-project co-financed by this instrument."""
    if route == ROUTE and participant_kind == PARTICIPANT_KIND:
        return []
    return [FieldError("enrolment", (
        f"{LABELS['enrolment']}: la cofinanciación de microproyectos es solo para hogares de la ruta básica; "
        f"esta inscripción es de la ruta {route} ({participant_kind}). Las OPR se cofinancian por su plan de "
        "negocio."
    ))]


def validate_household_cofinancing(
    data: dict,
    *,
    route: str,
    participant_kind: str,
    entry_date: dt.date | None = None,
    furthest_stage_order: int | None = None,
    today: dt.date | None = None,
) -> list[FieldError]:
    """Every problem of one record (empty when it may be written); Spanish, naming the field and the fix."""
    errors = eligibility_errors(route, participant_kind)
    if errors:
        return errors
    committed = _amount(data, "committed_cop", errors)
    disbursed = _amount(data, "disbursed_cop", errors)
    committed_on = _date(data, "committed_on", errors, today)
    disbursed_on = _date(data, "disbursed_on", errors, today)
    met = bool(data.get("requirements_met"))
    if committed and committed_on is None and "committed_on" not in _fields(errors):
        errors.append(FieldError("committed_on", f"{LABELS['committed_on']}: es obligatoria cuando hay un monto "
                                                 "comprometido; indique la fecha (AAAA-MM-DD)."))
    if committed and furthest_stage_order is not None and furthest_stage_order < route_model(ROUTE).order(SOLICITUD):
        errors.append(FieldError("committed_cop", (
            f"{LABELS['committed_cop']}: el hogar aún no llegó a «{stage_name(SOLICITUD)}»; registre primero esa "
            "etapa (idea viable) y luego el compromiso."
        )))
    if committed is not None and disbursed is not None and disbursed > committed:
        errors.append(FieldError("disbursed_cop", (
            f"{LABELS['disbursed_cop']}: {fmt_money(disbursed)} supera lo comprometido ({fmt_money(committed)}); el "
            "desembolso no puede exceder el compromiso: corrija uno de los dos montos."
        )))
    if disbursed:
        if not met:
            errors.append(FieldError("requirements_met", (
                f"{LABELS['requirements_met']}: hay un desembolso pero el hogar no tiene los requisitos del "
                "instrumento cumplidos; marque «requisitos cumplidos» o deje el desembolso en 0."
            )))
        if disbursed_on is None and "disbursed_on" not in _fields(errors):
            errors.append(FieldError("disbursed_on", f"{LABELS['disbursed_on']}: es obligatoria cuando hay un "
                                                     "desembolso; indique la fecha (AAAA-MM-DD)."))
    elif disbursed_on is not None:
        errors.append(FieldError("disbursed_on", f"{LABELS['disbursed_on']}: hay fecha pero el desembolso es 0; "
                                                 "escriba el monto desembolsado o borre la fecha."))
    if entry_date is not None and committed_on is not None and committed_on < entry_date:
        errors.append(FieldError("committed_on", (
            f"{LABELS['committed_on']}: {committed_on.isoformat()} es anterior al ingreso del hogar a la ruta "
            f"({entry_date.isoformat()}); corrija la fecha."
        )))
    if committed_on is not None and disbursed_on is not None and disbursed_on < committed_on:
        errors.append(FieldError("disbursed_on", (
            f"{LABELS['disbursed_on']}: {disbursed_on.isoformat()} es anterior al compromiso "
            f"({committed_on.isoformat()}); corrija una de las dos fechas."
        )))
    return errors


def _fields(errors: list[FieldError]) -> set[str]:
    return {e.field for e in errors}
