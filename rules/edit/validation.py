"""Pure validators for the edit forms and the importers (no Streamlit, no SQL).

Every validator returns a list of ``FieldError(field, message)``: ``field`` is the
data key, ``message`` is Spanish, names the field and says how to fix it. An empty
list means valid. Inputs are plain dicts; dates may be ``date``/``datetime`` objects
or ISO strings (``AAAA-MM-DD``), so the tracking-matrix importer can reuse them.
Anything the store must answer (known DIVIPOLA codes) is passed in as an argument.

Stable signatures (used by the importer):
``validate_business_plan(data, known_municipalities)``, ``validate_evidence(data)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from rules import access
from rules.access import Reach
from rules.core.catalog import (
    ALERT_CATEGORIES,
    ALERT_SEVERITIES,
    ALERT_STATUSES,
    ALLY_TYPES,
    EVIDENCE_KINDS,
    ROLES,
    ROUTES,
    VENTANAS,
)
from rules.core.clock import today
from rules.routes.model import (
    EXIT_OUTCOMES,
    SALIDA,
    STAGE_LABELS,
    STAGE_OUTCOMES,
    STAGES,
    allowed_exit_outcomes,
    allowed_next,
    is_reformulation,
)

LABELS: dict[str, str] = {
    "code": "Código",
    "ventana": "Ventana",
    "municipality_code": "Municipio (código DIVIPOLA)",
    "first_disbursement_date": "Fecha del primer desembolso",
    "closure_date": "Fecha de cierre",
    "cofinancing_committed_cop": "Cofinanciación comprometida (COP)",
    "cofinancing_disbursed_cop": "Cofinanciación desembolsada (COP)",
    "nit": "NIT",
    "ally_nit": "NIT del aliado",
    "kind": "Tipo de evidencia",
    "ally_type": "Tipo de aliado",
    "ally_name": "Nombre del aliado",
    "start_date": "Fecha de inicio",
    "end_date": "Fecha de fin",
    "document_ref": "Referencia del documento",
    "amount_cop": "Monto (COP)",
    "stage": "Etapa",
    "outcome": "Resultado",
    "event_date": "Fecha del evento",
    "note": "Nota",
    "quarter": "Trimestre",
    "value": "Valor reportado",
    "evidence_ref": "Evidencia",
    "year": "Año",
    "target_population": "Población objetivo",
    "prioritised": "Priorizado",
    "category": "Categoría",
    "severity": "Severidad",
    "status": "Estado",
    "description": "Descripción",
    "opened_on": "Fecha de apertura",
    "closed_on": "Fecha de cierre",
    "username": "Usuario",
    "role": "Rol",
    "regional_office_id": "Oficina regional",
    "operator_id": "Operador",
    "email": "Correo electrónico",
    "password": "Contraseña",
    "current_stage": "Etapa actual",
    "furthest_stage_order": "Etapa más avanzada (orden)",
    "exit_outcome": "Resultado de salida",
    "exit_date": "Fecha de salida",
    "voided": "Anulada",
    "definition_id": "Indicador de ANS",
    "contract_id": "Contrato",
    "service_type_code": "Servicio",
    "delivery_date": "Fecha de entrega",
    "enrolment_id": "Inscripción",
    "reported_by": "Reportado por",
    "reported_on": "Fecha de reporte",
    "active": "Activo",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def label(field: str) -> str:
    return LABELS.get(field, field)


# ------------------------------------------------------------------------ helpers


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value) -> dt.date | None:
    """date/datetime/ISO string → date; None for blank; raises ValueError otherwise."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip()[:10])
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    raise ValueError(value)


PROGRAMME_START = dt.date(2000, 1, 1)
"""No programme record is older: an earlier date is a typing slip (1899 for 2019, Excel's serial 1)."""


def programme_date_error(field: str, day: dt.date, *, past_event: bool = True,
                         limit: dt.date | None = None, programme: bool = True) -> FieldError | None:
    """The bounds of every programme date, shared by the edit forms and the imports: not
    before ``PROGRAMME_START``, and not after today (``limit``) when the field records an
    event that already happened (an agreed term, such as a contract's end, may lie ahead).
    ``programme=False``: a date from before the programme (an OPR's founding) has no lower bound."""
    if programme and day < PROGRAMME_START:
        return FieldError(
            field,
            f"{label(field)}: {day.isoformat()} es anterior a {PROGRAMME_START.isoformat()}, antes de "
            "cualquier registro del programa; revise el año y corrija la fecha.",
        )
    limit = limit or today()
    if past_event and day > limit:
        return FieldError(
            field,
            f"{label(field)}: {day.isoformat()} es posterior a hoy ({limit.isoformat()}); "
            "registre solo hechos ocurridos y corrija la fecha.",
        )
    return None


def _dates(
    data: dict,
    fields: tuple[str, ...],
    errors: list[FieldError],
    required: tuple[str, ...] = (),
    future_ok: tuple[str, ...] = (),
):
    """Parse the date fields; report unparseable, missing and out-of-bounds dates
    (``programme_date_error``).

    ``future_ok`` names agreed terms (a contract's or credit's end) rather than facts.
    """
    out: dict[str, dt.date | None] = {}
    limit = today()
    for f in fields:
        try:
            d = parse_date(data.get(f))
        except (ValueError, TypeError):
            errors.append(
                FieldError(
                    f, f"{label(f)}: «{data.get(f)}» no es una fecha válida; use el formato AAAA-MM-DD."
                )
            )
            out[f] = None
            continue
        if d is None and f in required:
            errors.append(FieldError(f, f"{label(f)}: es obligatoria; indique la fecha (AAAA-MM-DD)."))
        bound = None if d is None else programme_date_error(f, d, past_event=f not in future_ok, limit=limit)
        if bound is not None:
            errors.append(bound)
        out[f] = d
    return out


def check_date_order(errors: list[FieldError], first_field: str, first, second_field: str, second) -> None:
    if first is not None and second is not None and first > second:
        errors.append(
            FieldError(
                second_field,
                f"{label(second_field)} ({second.isoformat()}) es anterior a "
                f"{label(first_field).lower()} ({first.isoformat()}); corrija una de las dos fechas.",
            )
        )


def check_amounts(data: dict, fields, errors: list[FieldError]) -> None:
    """Amounts must be numbers ≥ 0 (blank allowed)."""
    for f in fields:
        v = data.get(f)
        if _blank(v):
            continue
        try:
            num = float(v)
        except (TypeError, ValueError):
            errors.append(
                FieldError(f, f"{label(f)}: «{v}» no es un número; escriba el valor sin puntos ni símbolos.")
            )
            continue
        if math.isnan(num):
            continue
        if num < 0:
            errors.append(
                FieldError(f, f"{label(f)}: no puede ser negativo ({v}); escriba un valor mayor o igual a 0.")
            )


def validate_nit(value, field: str = "nit") -> list[FieldError]:
    """NIT with its DIAN check digit, when one is given (blank is allowed)."""
    if _blank(value):
        return []
    from rules.core.nit import is_valid_nit

    if not is_valid_nit(str(value).strip()):
        return [
            FieldError(
                field,
                f"{label(field)}: «{value}» no es un NIT válido; escríbalo con su dígito de "
                "verificación DIAN (p. ej. 900123456-8) y revise los dígitos.",
            )
        ]
    return []


def validate_municipality(
    code, known_municipalities: set[str], field: str = "municipality_code"
) -> list[FieldError]:
    if _blank(code):
        return [
            FieldError(field, f"{label(field)}: es obligatorio; indique el código DIVIPOLA de 5 dígitos.")
        ]
    code = str(code).strip()
    if not re.fullmatch(r"\d{5}", code):
        return [FieldError(field, f"{label(field)}: «{code}» debe tener 5 dígitos (DIVIPOLA), p. ej. 05001.")]
    if code not in known_municipalities:
        return [
            FieldError(
                field, f"{label(field)}: «{code}» no existe en el catálogo DIVIPOLA; verifique el código."
            )
        ]
    return []


def _int(
    data: dict, f: str, errors: list[FieldError], fix: str = "escriba un número entero, sin decimales"
) -> int | None:
    v = data.get(f)
    if _blank(v):
        return None
    try:
        fv = float(v)
        if fv != int(fv):
            raise ValueError
        return int(fv)
    except (TypeError, ValueError):
        errors.append(FieldError(f, f"{label(f)}: «{v}» no es válido; {fix}."))
        return None


# ------------------------------------------------------------------ business plan


def validate_business_plan(data: dict, known_municipalities: set[str]) -> list[FieldError]:
    """A PN (or the PN part of a tracking-matrix row).

    Checks only the keys present except for ``ventana`` and ``municipality_code``,
    which are checked when present in ``data`` (pass them to validate them); dates:
    first disbursement ≤ closure, none after today; amounts ≥ 0; NIT when given.
    """
    errors: list[FieldError] = []
    if "ventana" in data:
        v = _int(data, "ventana", errors, fix="use 1, 2 o 3")
        if v is None and not any(e.field == "ventana" for e in errors):
            errors.append(FieldError("ventana", "Ventana: es obligatoria; use 1, 2 o 3."))
        elif v is not None and v not in VENTANAS:
            errors.append(
                FieldError("ventana", f"Ventana: «{data.get('ventana')}» no es válida; use 1, 2 o 3.")
            )
    if "municipality_code" in data:
        errors += validate_municipality(data.get("municipality_code"), known_municipalities)
    d = _dates(data, ("first_disbursement_date", "closure_date"), errors)
    check_date_order(
        errors, "first_disbursement_date", d["first_disbursement_date"], "closure_date", d["closure_date"]
    )
    if (
        d["closure_date"] is not None
        and d["first_disbursement_date"] is None
        and "first_disbursement_date" in data
        and not any(e.field == "first_disbursement_date" for e in errors)
    ):
        errors.append(
            FieldError(
                "first_disbursement_date",
                "Fecha del primer desembolso: un PN cerrado necesita la fecha de su primer "
                "desembolso; regístrela o deje vacía la fecha de cierre.",
            )
        )
    check_amounts(data, ("cofinancing_committed_cop", "cofinancing_disbursed_cop", "amount_cop"), errors)
    errors += validate_nit(data.get("nit"), "nit")
    return errors


def validate_pn_dates(data: dict) -> list[FieldError]:
    """The PN dates form (first disbursement, closure)."""
    return validate_business_plan(
        {k: data.get(k) for k in ("first_disbursement_date", "closure_date")}, set()
    )


# ------------------------------------------------------------------------ evidence


def validate_evidence(data: dict) -> list[FieldError]:
    """Alliance evidence: contrato / factura / crédito with its ally and dates."""
    errors: list[FieldError] = []
    kind = data.get("kind")
    if kind not in EVIDENCE_KINDS:
        errors.append(
            FieldError(
                "kind", f"Tipo de evidencia: «{kind or ''}» no es válido; use contrato, factura o crédito."
            )
        )
    ally_type = data.get("ally_type")
    if ally_type not in ALLY_TYPES:
        errors.append(
            FieldError(
                "ally_type", f"Tipo de aliado: «{ally_type or ''}» no es válido; use comercial o financiero."
            )
        )
    elif kind == "credito" and ally_type != "financiero":
        errors.append(
            FieldError(
                "ally_type",
                "Tipo de aliado: un crédito solo puede tener un aliado financiero; "
                "cambie el tipo de aliado a financiero o el tipo de evidencia.",
            )
        )
    if _blank(data.get("ally_name")):
        errors.append(
            FieldError("ally_name", "Nombre del aliado: es obligatorio; escriba la razón social del aliado.")
        )
    # a contract's or credit's end is an agreed term and may lie in the future; a factura's
    # date (start_date) and every start are facts and may not
    d = _dates(data, ("start_date", "end_date"), errors, required=("start_date",), future_ok=("end_date",))
    check_date_order(errors, "start_date", d["start_date"], "end_date", d["end_date"])
    check_amounts(data, ("amount_cop",), errors)
    errors += validate_nit(data.get("ally_nit"), "ally_nit")
    return errors


# ---------------------------------------------------------------- stage transition


def validate_stage_transition(
    route: str,
    current_stage: str | None,
    last_outcome: str | None,
    data: dict,
    last_event_date: dt.date | None = None,
) -> list[FieldError]:
    """A new stage event: allowed transition, outcome of that stage (an exit's fitting the
    stage left from), date in order; a reformulation after «no viable» is dated after that
    evaluation and carries the feedback given in ``note``."""
    errors: list[FieldError] = []
    stage = data.get("stage")
    outcome = data.get("outcome") or None
    try:
        allowed = allowed_next(route, current_stage, last_outcome)
    except ValueError as exc:
        return [FieldError("stage", str(exc))]
    if stage not in STAGES:
        errors.append(
            FieldError("stage", f"Etapa: «{stage or ''}» no existe; elija una de las etapas de la ruta.")
        )
    elif stage not in allowed:
        names = ", ".join(f"«{STAGE_LABELS[s]}»" for s in allowed) or "ninguna (la ruta ya terminó)"
        here = STAGE_LABELS.get(current_stage, "sin etapa") if current_stage else "sin etapa"
        errors.append(
            FieldError(
                "stage",
                f"Etapa: no se permite pasar de «{here}» a «{STAGE_LABELS[stage]}»; "
                f"etapas permitidas: {names}.",
            )
        )
    if stage == SALIDA:
        fitting = allowed_exit_outcomes(route, current_stage, last_outcome)
        if outcome not in EXIT_OUTCOMES:
            errors.append(
                FieldError(
                    "outcome",
                    "Resultado: la salida requiere su resultado; elija uno de: "
                    f"{', '.join(EXIT_OUTCOMES.values())}.",
                )
            )
        elif fitting and outcome not in fitting:
            here = STAGE_LABELS.get(current_stage, current_stage)
            errors.append(
                FieldError(
                    "outcome",
                    f"Resultado: «{EXIT_OUTCOMES[outcome]}» no corresponde a una salida desde «{here}»; "
                    f"use {' o '.join(f'«{EXIT_OUTCOMES[o]}»' for o in fitting)}.",
                )
            )
    elif stage in STAGE_OUTCOMES:
        if outcome not in STAGE_OUTCOMES[stage]:
            errors.append(
                FieldError(
                    "outcome",
                    f"Resultado: «{STAGE_LABELS[stage]}» requiere el resultado "
                    f"{' o '.join(STAGE_OUTCOMES[stage])}; elija uno.",
                )
            )
    elif outcome:
        errors.append(
            FieldError(
                "outcome",
                f"Resultado: la etapa «{STAGE_LABELS.get(stage, stage)}» no lleva "
                "resultado; deje el campo vacío.",
            )
        )
    d = _dates(data, ("event_date",), errors, required=("event_date",))
    if is_reformulation(current_stage, last_outcome, stage):
        errors += _reformulation_errors(d["event_date"], last_event_date, data.get("note"))
    elif d["event_date"] is not None and last_event_date is not None and d["event_date"] < last_event_date:
        errors.append(
            FieldError(
                "event_date",
                f"Fecha del evento: {d['event_date'].isoformat()} es anterior a la "
                f"etapa previa ({last_event_date.isoformat()}); corrija la fecha.",
            )
        )
    return errors


def _reformulation_errors(day: dt.date | None, evaluated: dt.date | None, note: str | None) -> list[FieldError]:
    """A reformulation answers the «no viable» evaluation: after it, with the feedback."""
    errors = []
    if day is not None and evaluated is not None and day <= evaluated:
        errors.append(
            FieldError(
                "event_date",
                f"Fecha del evento: la reformulación ({day.isoformat()}) debe ser posterior a la evaluación "
                f"«no viable» ({evaluated.isoformat()}); corrija la fecha.",
            )
        )
    if not (note or "").strip():
        errors.append(
            FieldError(
                "note",
                "Nota: una reformulación registra la retroalimentación dada al participante tras la "
                "evaluación «no viable» (qué debe corregir del plan); escríbala.",
            )
        )
    return errors


# ----------------------------------------------------------------------------- ANS


def validate_sla_measurement(data: dict, unit: str | None = None) -> list[FieldError]:
    """An ANS reported value: quarter AAAAQn not in the future, value ≥ 0 (≤ 100 for %)."""
    errors: list[FieldError] = []
    q = str(data.get("quarter") or "").strip()
    m = re.fullmatch(r"(\d{4})Q([1-4])", q)
    if not m:
        errors.append(
            FieldError("quarter", f"Trimestre: «{q}» no es válido; use el formato AAAAQn, p. ej. 2025Q3.")
        )
    else:
        start = dt.date(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 1)
        if start < PROGRAMME_START:
            errors.append(
                FieldError(
                    "quarter",
                    f"Trimestre: {q} es anterior a {PROGRAMME_START.year}, antes de cualquier registro del "
                    "programa; revise el año.",
                )
            )
        elif start > today():
            errors.append(
                FieldError(
                    "quarter",
                    f"Trimestre: {q} aún no ha empezado; reporte solo trimestres en curso o pasados.",
                )
            )
    v = data.get("value")
    if _blank(v):
        errors.append(FieldError("value", "Valor reportado: es obligatorio; escriba el valor medido."))
    else:
        check_amounts(data, ("value",), errors)
        try:
            if unit == "%" and float(v) > 100:
                errors.append(
                    FieldError(
                        "value", f"Valor reportado: {v} supera 100 %; escriba un porcentaje entre 0 y 100."
                    )
                )
        except (TypeError, ValueError):
            pass
    if len(str(data.get("evidence_ref") or "")) > 300:
        errors.append(
            FieldError(
                "evidence_ref", "Evidencia: máximo 300 caracteres; use un enlace o referencia más corta."
            )
        )
    return errors


# ------------------------------------------------------------------------ targeting


def validate_targeting(data: dict, known_municipalities: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if "municipality_code" in data:
        errors += validate_municipality(data.get("municipality_code"), known_municipalities)
    year = _int(data, "year", errors)
    if year is None and not any(e.field == "year" for e in errors):
        errors.append(
            FieldError("year", "Año: es obligatorio; escriba el año de la focalización (p. ej. 2025).")
        )
    elif year is not None and not (2015 <= year <= today().year + 1):
        errors.append(
            FieldError(
                "year", f"Año: {year} está fuera de rango; use un año entre 2015 y {today().year + 1}."
            )
        )
    pop = _int(data, "target_population", errors)
    if pop is not None and pop < 0:
        errors.append(
            FieldError(
                "target_population", "Población objetivo: no puede ser negativa; escriba 0 o más hogares."
            )
        )
    if "prioritised" in data and not isinstance(data.get("prioritised"), bool):
        errors.append(FieldError("prioritised", "Priorizado: use sí o no."))
    return errors


# -------------------------------------------------------------------------- alerts


def validate_alert(data: dict, known_municipalities: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if "municipality_code" in data:
        errors += validate_municipality(data.get("municipality_code"), known_municipalities)
    if data.get("category") not in ALERT_CATEGORIES:
        errors.append(
            FieldError(
                "category",
                f"Categoría: «{data.get('category') or ''}» no es válida; use una de: "
                f"{', '.join(ALERT_CATEGORIES.values())}.",
            )
        )
    if data.get("severity") not in ALERT_SEVERITIES:
        errors.append(FieldError("severity", "Severidad: use alta, media o baja."))
    status = data.get("status")
    if status not in ALERT_STATUSES:
        errors.append(FieldError("status", "Estado: use abierta, en gestión o cerrada."))
    d = _dates(data, ("opened_on", "closed_on"), errors, required=("opened_on",))
    check_date_order(errors, "opened_on", d["opened_on"], "closed_on", d["closed_on"])
    if status == "cerrada" and d["closed_on"] is None and not any(e.field == "closed_on" for e in errors):
        errors.append(
            FieldError(
                "closed_on", "Fecha de cierre: una alerta cerrada necesita su fecha de cierre; indíquela."
            )
        )
    if status in ("abierta", "en_gestion") and d["closed_on"] is not None:
        errors.append(
            FieldError(
                "closed_on",
                "Fecha de cierre: solo una alerta cerrada lleva fecha de cierre; "
                "déjela vacía o cambie el estado a cerrada.",
            )
        )
    if len(str(data.get("description") or "")) > 2000:
        errors.append(FieldError("description", "Descripción: máximo 2000 caracteres; resuma el texto."))
    return errors


# --------------------------------------------------------------------------- users


def validate_user(data: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    username = str(data.get("username") or "").strip()
    if not re.fullmatch(r"[a-z0-9._-]{3,60}", username):
        errors.append(
            FieldError(
                "username",
                "Usuario: use de 3 a 60 caracteres en minúscula, dígitos, punto, "
                "guion o guion bajo (sin espacios).",
            )
        )
    role = data.get("role")
    if role not in ROLES:
        errors.append(FieldError("role", f"Rol: «{role or ''}» no existe; use uno de: {', '.join(ROLES)}."))
    if access.scope_of(role) is Reach.OFFICE and data.get("regional_office_id") in (None, ""):
        errors.append(
            FieldError(
                "regional_office_id", "Oficina regional: un comité regional necesita su oficina; elíjala."
            )
        )
    if access.scope_of(role) is Reach.CONTRACTS and data.get("operator_id") in (None, ""):
        errors.append(
            FieldError(
                "operator_id", "Operador: una cuenta de operador necesita su empresa operadora; elíjala."
            )
        )
    if access.scope_of(role) is Reach.ROUTE and data.get("route") not in ROUTES:
        errors.append(
            FieldError(
                "route", f"Ruta: una dirección de ruta necesita su ruta; elija una de: {', '.join(ROUTES)}."
            )
        )
    email = data.get("email")
    if not _blank(email) and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(email).strip()):
        errors.append(FieldError("email", f"Correo electrónico: «{email}» no es válido; use nombre@dominio."))
    pw = data.get("password")
    if not _blank(pw) and len(str(pw)) < 10:
        errors.append(FieldError("password", "Contraseña: use al menos 10 caracteres."))
    return errors


def messages(errors: list[FieldError]) -> list[str]:
    return [e.message for e in errors]


def delivery_date_errors(day: dt.date, contract_start: dt.date, contract_end: dt.date | None,
                         entry: dt.date | None = None, exit_: dt.date | None = None) -> list[FieldError]:
    """A service delivery falls within its contract and within the participant's stay
    (entry to exit, when known)."""
    bounds = [
        (day < contract_start, "anterior al inicio del contrato", contract_start),
        (contract_end is not None and day > contract_end, "posterior al fin del contrato", contract_end),
        (entry is not None and day < entry, "anterior al ingreso del participante", entry),
        (exit_ is not None and day > exit_, "posterior a la salida del participante", exit_),
    ]
    return [
        FieldError("delivery_date", f"Fecha de entrega: es {what} ({when.isoformat()}); corrija la fecha.")
        for broken, what, when in bounds
        if broken
    ]
