"""Official codes of the programme (seed 000 and seed 004) and their Spanish labels.

The store keeps the codes; labels for the UI come from the i18n catalogue
(``locales/``), these Spanish names are the reference ones used in exports.
"""

from __future__ import annotations

from enum import StrEnum

ROUTES: dict[str, str] = {
    "basica": "Ruta básica",
    "intermedia": "Ruta intermedia",
    "competitividad": "Ruta de la competitividad",
}
ROUTE_ORDER = ("basica", "intermedia", "competitividad")

ENTRY_MECHANISMS: dict[str, str] = {
    "barrido": "Barrido",
    "convocatoria": "Convocatoria",
    "promocion": "Promoción desde la ruta anterior",
}

VENTANAS = (1, 2, 3)

# Seed 000 §5: the eight services; básica receives four of them (§4.1 e).
SERVICE_TYPES: dict[str, str] = {
    "capacidades": "Desarrollo de capacidades",
    "asistencia_tecnica": "Asistencia técnica",
    "asociatividad": "Apoyo a la asociatividad",
    "comercializacion": "Asesoría y apoyo a la comercialización",
    "financieros": "Servicios financieros y de aseguramiento",
    "monitoreo": "Registro, monitoreo y evaluación",
    "innovacion": "Innovación y buenas prácticas",
    "ordenamiento": "Ordenamiento social de la propiedad y bienes públicos",
}
BASIC_ROUTE_SERVICES = ("asistencia_tecnica", "comercializacion", "financieros", "monitoreo")


def services_for_route(route: str) -> tuple[str, ...]:
    """Services activated on a route (§4.1 e for básica, §4.2 f / §4.3 f for the others)."""
    return BASIC_ROUTE_SERVICES if route == "basica" else tuple(SERVICE_TYPES)


# Seed 000 §3 iv: public-goods gaps raised by territorial management.
ALERT_CATEGORIES: dict[str, str] = {
    "vias_terciarias": "Vías terciarias",
    "riego": "Riego",
    "electrificacion": "Electrificación",
    "centros_acopio": "Centros de acopio",
    "formalizacion_tierras": "Formalización de tierras",
}
ALERT_SEVERITIES = ("alta", "media", "baja")
ALERT_STATUSES = ("abierta", "en_gestion", "cerrada")

ETHNICITIES: dict[str, str] = {
    "ninguna": "Sin pertenencia étnica",
    "indigena": "Indígena",
    "afrocolombiana": "Negra, afrocolombiana",
    "raizal": "Raizal",
    "palenquera": "Palenquera",
    "rrom": "Rrom",
}

EVIDENCE_KINDS = ("contrato", "factura", "credito")
ALLY_TYPES = ("comercial", "financiero")

class Role(StrEnum):
    """Account roles; the value is the code kept in ``app_user.role``. What each role may
    do is decided in ``rules.access``, nowhere else."""

    DIRECTIVO = "directivo"
    ANALISTA_PMO = "analista_pmo"
    COMITE_REGIONAL = "comite_regional"
    OPERADOR = "operador"
    ADMIN = "admin"
    # Governance of seed 000 §2.2–2.3
    DIRECCION_RUTA = "direccion_ruta"  # Dirección de programa of one route, nationwide
    UNIDAD_EJECUTORA = "unidad_ejecutora"  # Unidad Ejecutora / Dirección de Gobernanza
    DIRECCION_TECNICA = "direccion_tecnica"  # targeting and technical guidelines


ROLES: dict[str, str] = {
    Role.DIRECTIVO: "Directivo",
    Role.ANALISTA_PMO: "Analista PMO",
    Role.COMITE_REGIONAL: "Comité regional",
    Role.OPERADOR: "Operador",
    Role.ADMIN: "Administrador",
    Role.DIRECCION_RUTA: "Dirección de ruta",
    Role.UNIDAD_EJECUTORA: "Unidad Ejecutora",
    Role.DIRECCION_TECNICA: "Dirección Técnica",
}
NATIONAL_ROLES = frozenset(
    {Role.DIRECTIVO, Role.ANALISTA_PMO, Role.ADMIN, Role.UNIDAD_EJECUTORA, Role.DIRECCION_TECNICA}
)

YOUTH_AGE_RANGE = (18, 28)
