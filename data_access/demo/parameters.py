"""The demo programme's parameters: sizes, calendar, and the "personality" of regions,
operators, value chains and routes.

Why: the demo must look like a real programme (offices and operators that differ,
drop-outs where seed 000 puts filters, cohorts still mid-route); these numbers are the
knobs, kept apart from the generators that use them. Tests assert on their effects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_access.demo.arrays import day_number
from rules.core.calendar import last_quarter_end, quarter_of
from rules.core.catalog import ETHNICITIES, SERVICE_TYPES
from rules.routes import model as R

REFERENCE_DATE = dt.date(2026, 11, 23)  # "today" of the demo programme: fixed, for determinism
TODAY = day_number(REFERENCE_DATE)
PROGRAMME_START = day_number("2023-01-01")


@dataclass(frozen=True)
class Scale:
    households: int
    opr: int
    business_plans: int
    operators: int


SCALES: dict[str, Scale] = {
    "demo": Scale(households=3_000, opr=150, business_plans=200, operators=20),
    "national": Scale(households=250_000, opr=8_000, business_plans=10_000, operators=150),
    "x10": Scale(households=2_500_000, opr=80_000, business_plans=100_000, operators=1_500),
}

# Regional office effects (logit scale): some offices clearly run better than others.
OFFICE_QUALITY = {
    "NOC": 0.55,
    "CEN": 0.35,
    "NOR": 0.15,
    "SUR": 0.0,
    "ORI": -0.15,
    "CAR": -0.3,
    "PAC": -0.5,
    "AMA": -0.65,
}
OFFICE_SLOWNESS = {"AMA": 1.25, "PAC": 1.15, "ORI": 1.1, "CAR": 1.05}
OFFICE_PROMOTION = {
    "NOC": 0.6,
    "CEN": 0.55,
    "NOR": 0.52,
    "SUR": 0.48,
    "ORI": 0.45,
    "CAR": 0.43,
    "PAC": 0.4,
    "AMA": 0.35,
}
# Office means of the targeting criteria (0–100).
OFFICE_POVERTY = {"PAC": 66, "AMA": 68, "CAR": 63, "SUR": 57, "ORI": 57, "NOR": 53, "NOC": 50, "CEN": 49}
OFFICE_VICTIMS = {"PAC": 60, "SUR": 57, "CAR": 53, "NOC": 53, "ORI": 53, "NOR": 49, "AMA": 42, "CEN": 42}

# Ethnicity mix (ninguna, indigena, afrocolombiana, raizal, palenquera, rrom) by office,
# with department overrides where the census puts large communities.
ETHNICITY_CODES = tuple(ETHNICITIES)
OFFICE_ETHNICITY = {
    "CAR": (0.72, 0.07, 0.19, 0.0, 0.01, 0.01),
    "PAC": (0.55, 0.13, 0.31, 0.0, 0.0, 0.01),
    "AMA": (0.50, 0.46, 0.035, 0.0, 0.0, 0.005),
    "ORI": (0.89, 0.08, 0.025, 0.0, 0.0, 0.005),
    "SUR": (0.90, 0.07, 0.025, 0.0, 0.0, 0.005),
}
DEFAULT_ETHNICITY = (0.92, 0.02, 0.055, 0.0, 0.0, 0.005)
DEPARTMENT_ETHNICITY = {
    "27": (0.10, 0.12, 0.78, 0.0, 0.0, 0.0),  # Chocó
    "19": (0.50, 0.30, 0.20, 0.0, 0.0, 0.0),  # Cauca
    "44": (0.45, 0.46, 0.08, 0.0, 0.0, 0.01),  # La Guajira
    "52": (0.58, 0.16, 0.26, 0.0, 0.0, 0.0),  # Nariño
    "88": (0.45, 0.0, 0.05, 0.50, 0.0, 0.0),  # San Andrés
    "13": (0.70, 0.01, 0.25, 0.0, 0.04, 0.0),  # Bolívar
    "91": (0.30, 0.68, 0.02, 0.0, 0.0, 0.0),  # Amazonas
    "94": (0.25, 0.74, 0.01, 0.0, 0.0, 0.0),  # Guainía
    "97": (0.20, 0.79, 0.01, 0.0, 0.0, 0.0),  # Vaupés
    "99": (0.55, 0.44, 0.01, 0.0, 0.0, 0.0),  # Vichada
}

# Value chains: regional suitability (office → chain name → weight) and sales growth.
CHAIN_REGION = {
    "Café": {"NOC": 5, "CEN": 2, "SUR": 3, "PAC": 2.5, "NOR": 2},
    "Cacao": {"NOR": 3, "PAC": 2, "SUR": 2, "ORI": 2, "CAR": 1.5, "NOC": 1.5},
    "Aguacate hass": {"NOC": 3, "CEN": 1.5, "PAC": 1.5},
    "Plátano": {"NOC": 2, "PAC": 2, "CAR": 2, "ORI": 1.5, "AMA": 2},
    "Panela": {"CEN": 3, "NOR": 3, "NOC": 1.5},
    "Lácteos": {"CEN": 3, "NOC": 2, "CAR": 1.5},
    "Frutales": {"NOC": 1.5, "CEN": 1.5, "PAC": 1.5, "CAR": 1.5, "SUR": 1.5},
    "Hortalizas": {"CEN": 3, "NOC": 1.5, "NOR": 1.5},
    "Apicultura": {"CAR": 1.5, "NOR": 1.2},
    "Pesca artesanal": {"CAR": 3, "PAC": 3, "AMA": 3},
    "Arroz": {"ORI": 3, "CAR": 2, "SUR": 2},
    "Yuca": {"CAR": 3, "AMA": 2, "ORI": 1.5},
    "Ganadería doble propósito": {"CAR": 3, "ORI": 3},
    "Fique": {"NOR": 2, "PAC": 2, "SUR": 1},
}
CHAIN_GROWTH = {
    "Café": 0.10,
    "Cacao": 0.16,
    "Aguacate hass": 0.20,
    "Plátano": 0.07,
    "Panela": 0.03,
    "Lácteos": 0.05,
    "Frutales": 0.11,
    "Hortalizas": 0.08,
    "Apicultura": 0.12,
    "Pesca artesanal": 0.04,
    "Arroz": 0.02,
    "Yuca": 0.05,
    "Ganadería doble propósito": 0.06,
    "Fique": -0.01,
}


@dataclass(frozen=True)
class RouteParams:
    p_formacion: float  # share needing training (only básica skips it)
    abandon: tuple[float, ...]  # hazard of leaving before reaching stage index i (1..8)
    no_viable: float
    no_cumple: float
    gap_median: tuple[float, ...]  # median days from the previous stage to stage index i
    plan_days: float  # median days servicios_activados → plan_completado


# Stage indices in rules.routes.model.STAGES.
(I_ING, I_CAP, I_FOR, I_FML, I_VIA, I_SOL, I_REQ, I_SRV, I_PLN, I_SAL) = range(10)
assert (
    R.STAGES[I_VIA] == R.EVAL_VIABILIDAD and R.STAGES[I_REQ] == R.REQUISITOS and R.STAGES[I_SAL] == R.SALIDA
)

ROUTE_PARAMS = {
    "basica": RouteParams(
        0.55,
        (0, 0.045, 0.04, 0.03, 0.02, 0.015, 0.02, 0.015, 0.05),
        0.12,
        0.06,
        (0, 20, 25, 70, 40, 20, 45, 25, 0),
        290,
    ),
    "intermedia": RouteParams(
        1.0,
        (0, 0.04, 0.03, 0.03, 0.02, 0.015, 0.02, 0.015, 0.05),
        0.17,
        0.10,
        (0, 25, 30, 60, 45, 25, 50, 25, 0),
        400,
    ),
    "competitividad": RouteParams(
        1.0,
        (0, 0.03, 0.03, 0.03, 0.02, 0.02, 0.02, 0.01, 0.04),
        0.12,
        0.07,
        (0, 25, 30, 60, 50, 25, 55, 30, 0),
        460,
    ),
}

# The viability loop (seed 000 §4.1 c): after «no viable», a share reformulates (median days to the
# reformulated plan), is evaluated again and may fail again; at most LOOP_ROUNDS reformulations.
LOOP_ROUNDS = 2
P_REFORMULATE = 0.7
REFORMULATION_DAYS = 30
P_NO_VIABLE_AGAIN = 0.3
FEEDBACK_NOTES = (
    "Retroalimentación: ajustar costos y precios del plan",
    "Retroalimentación: precisar el mercado y los compradores",
    "Retroalimentación: completar el flujo de caja",
    "Retroalimentación: revisar la disponibilidad de agua y tierra",
    "Retroalimentación: reducir la inversión inicial",
)

# Outcome codes stored per event (index into this tuple; 0 = no outcome).
OUTCOMES: tuple[str | None, ...] = (
    None,
    R.VIABLE,
    R.NO_VIABLE,
    R.CUMPLE,
    R.NO_CUMPLE,
    R.EXIT_GRADUADO,
    R.EXIT_AUTOGESTION,
    R.EXIT_NO_VIABLE,
    R.EXIT_REQUISITOS,
    R.EXIT_ABANDONO,
)
O_VIABLE, O_NO_VIABLE, O_CUMPLE, O_NO_CUMPLE = 1, 2, 3, 4
O_GRAD, O_AUTO, O_X_NV, O_X_REQ, O_X_AB = 5, 6, 7, 8, 9
COMPLETED_CODES = (O_GRAD, O_AUTO)

SERVICE_CODES = tuple(SERVICE_TYPES)
# Deliveries per month of service window, and base coverage (share of participants served).
SERVICE_RATE = {
    "asistencia_tecnica": 0.32,
    "capacidades": 0.22,
    "asociatividad": 0.1,
    "comercializacion": 0.1,
    "financieros": 0.05,
    "monitoreo": 0.17,
    "innovacion": 0.1,
    "ordenamiento": 0.05,
}
SERVICE_COVERAGE = {
    "asistencia_tecnica": 0.95,
    "capacidades": 0.85,
    "asociatividad": 0.6,
    "comercializacion": 0.72,
    "financieros": 0.55,
    "monitoreo": 0.9,
    "innovacion": 0.5,
    "ordenamiento": 0.35,
}

# Programme quarters: barrido entries are spread over them with these weights (ramp-up, then taper).
FIRST_QUARTER, LAST_QUARTER = "2023Q1", "2026Q4"
QUARTER_WEIGHTS = (0.6, 0.85, 1.0, 1.05, 1.1, 1.1, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.55)
CONVOCATORIAS = (
    "2023-03-01",
    "2023-09-01",
    "2024-03-01",
    "2024-09-01",
    "2025-03-01",
    "2025-09-01",
    "2026-03-01",
    "2026-09-01",
)
ROUTE_ABBR = {"basica": "BAS", "intermedia": "INT", "competitividad": "COM"}
# Operators report ANS values for every quarter closed by the reference date.
SLA_LAST_QUARTER = quarter_of(last_quarter_end(REFERENCE_DATE))
