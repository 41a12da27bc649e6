"""Deterministic demo data: a whole programme generated from one seed and bulk-loaded.

Why: the dashboard, its tests and its benchmarks need a store that looks like a real
programme (regions and operators that differ, drop-outs where seed 000 puts filters,
cohorts still mid-route) at three sizes: ``demo`` (tests, ``make run``), ``national``
(benchmarks) and ``x10``. Everything comes from ``numpy.random.default_rng(seed)``
on the DIVIPOLA catalogue already in the store, so the same seed gives the same rows.

Generation is vectorised (numpy arrays per column, ids assigned here so foreign keys
need no round trips); loading uses SQLAlchemy Core ``insert()`` executemany inside one
transaction on SQLite and psycopg 3 ``COPY ... FROM STDIN`` on PostgreSQL.

Conventions the generated rows follow (and the tests check):

* stage histories satisfy ``rules.routes.model.validate_history``;
* ``enrolment.current_stage`` is the stage of the last event, ``furthest_stage_order``
  the route order (1-based) of the furthest stage reached *other than* ``salida``
  (salida is the exit marker, not progress), ``status`` is ``activo`` without a salida,
  ``finalizado`` with a completed exit, ``salido`` otherwise;
* no date after ``REFERENCE_DATE`` (2026-11-23): later cohorts are still mid-route.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine, func, select

from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import Base
from rules.core.catalog import (
    ALERT_CATEGORIES,
    BASIC_ROUTE_SERVICES,
    ETHNICITIES,
    ROUTE_ORDER,
    SERVICE_TYPES,
    services_for_route,
)
from rules.core.nit import DIAN_WEIGHTS
from rules.routes import model as R

REFERENCE_DATE = dt.date(2026, 11, 23)  # "today" of the demo programme: fixed, for determinism
_EPOCH = np.datetime64("1970-01-01", "D")
NULL_DATE = np.int32(-(2**31) + 1)  # sentinel for a NULL date in the int-day arrays
NULL_INT = -1  # sentinel for a NULL foreign key (ids start at 1)


def _day(text: str) -> int:
    return int((np.datetime64(text, "D") - _EPOCH).astype(np.int64))


TODAY = _day(REFERENCE_DATE.isoformat())
PROGRAMME_START = _day("2023-01-01")


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

# Programme tables in foreign-key order (parents first). Reference tables (offices,
# municipalities, value chains, service types) come from the migrations and stay.
PROGRAMME_TABLES: tuple[str, ...] = (
    "operator",
    "operator_contract",
    "contract_service",
    "targeting",
    "territorial_alert",
    "opr",
    "household",
    "enrolment",
    "stage_event",
    "service_delivery",
    "business_plan",
    "alliance_evidence",
    "sales",
    "sla_definition",
    "sla_measurement",
)

DEMO_ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    # (username, role, regional office code)
    ("directivo", "directivo", None),
    ("analista", "analista_pmo", None),
    ("comite", "comite_regional", "CAR"),
    ("comite_pac", "comite_regional", "PAC"),
    ("operador", "operador", None),
    ("admin", "admin", None),
)
ACCOUNT_EMAIL_DOMAIN = "demo.tablero.gov.co"


class StoreNotEmpty(RuntimeError):
    """The store already holds programme rows; seeding would mix two programmes."""


# ---------------------------------------------------------------------------- helpers


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _choice_cdf(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1), vectorised."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def _weighted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _quarter_of(days: np.ndarray) -> np.ndarray:
    """Int days → '2024Q3' strings."""
    d = (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    year = d // 12 + 1970
    q = (d % 12) // 3 + 1
    labels = {}
    out = np.empty(len(days), dtype=object)
    for key in np.unique(year * 10 + q):
        labels[key] = f"{key // 10}Q{key % 10}"
    keys = year * 10 + q
    for key, label in labels.items():
        out[keys == key] = label
    return out


def _year_of(days: np.ndarray) -> np.ndarray:
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970


def _vector_dv(bases: np.ndarray) -> np.ndarray:
    """DIAN check digit of many 9-digit bases at once (see ``rules.core.nit``)."""
    total = np.zeros(len(bases), dtype=np.int64)
    rest = bases.astype(np.int64).copy()
    for w in DIAN_WEIGHTS[:9]:
        total += (rest % 10) * w
        rest //= 10
    r = total % 11
    return np.where(r <= 1, r, 11 - r)


def _nits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct 9-digit NIT bases in [low, high) formatted 'base-dv'."""
    draw = rng.integers(low, high, size=int(n * 1.2) + 16)
    _, first = np.unique(draw, return_index=True)
    bases = draw[np.sort(first)][:n]
    dv = _vector_dv(bases)
    return np.array([f"{b}-{d}" for b, d in zip(bases.tolist(), dv.tolist())], dtype=object)


def _take(labels, idx: np.ndarray) -> np.ndarray:
    return np.asarray(labels, dtype=object)[idx]


# ---------------------------------------------------------------------- plain Spanish

FEMALE_NAMES = (
    "María",
    "Luz",
    "Ana",
    "Rosa",
    "Carmen",
    "Gloria",
    "Martha",
    "Blanca",
    "Sandra",
    "Patricia",
    "Claudia",
    "Diana",
    "Yolanda",
    "Marleny",
    "Nubia",
    "Esperanza",
    "Luz Marina",
    "Dora",
    "Alba",
    "Yenny",
    "Leidy",
    "Paola",
    "Ángela",
    "Liliana",
    "Mónica",
    "Adriana",
    "Olga",
    "Fanny",
    "Miryam",
    "Teresa",
    "Yurani",
    "Deisy",
    "Johana",
    "Erika",
    "Marisol",
    "Flor",
    "Mercedes",
    "Edilma",
    "Nelly",
    "Beatriz",
    "Luz Dary",
    "Yamile",
    "Dayana",
    "Natalia",
    "Carolina",
    "Eliana",
    "Yesenia",
    "Ruth",
)
MALE_NAMES = (
    "José",
    "Luis",
    "Carlos",
    "Juan",
    "Jorge",
    "Pedro",
    "Manuel",
    "Jesús",
    "Antonio",
    "Francisco",
    "Jairo",
    "Álvaro",
    "Hernando",
    "Orlando",
    "Fabio",
    "Gustavo",
    "Héctor",
    "Édgar",
    "Wilson",
    "Jhon",
    "Fredy",
    "Óscar",
    "Rubén",
    "Arnulfo",
    "Ramiro",
    "Albeiro",
    "Yeison",
    "Brayan",
    "Andrés",
    "Diego",
    "Julián",
    "Camilo",
    "Miguel",
    "Rafael",
    "Alirio",
    "Ernesto",
    "Humberto",
    "Silvio",
    "Jaime",
    "Libardo",
    "Nelson",
    "Germán",
    "Eduardo",
    "Víctor",
    "Elkin",
    "Dairo",
    "Wilmer",
    "Alexis",
)
SURNAMES = (
    "Rodríguez",
    "Gómez",
    "González",
    "Martínez",
    "García",
    "López",
    "Hernández",
    "Sánchez",
    "Ramírez",
    "Pérez",
    "Díaz",
    "Muñoz",
    "Rojas",
    "Moreno",
    "Jiménez",
    "Vargas",
    "Castro",
    "Gutiérrez",
    "Ortiz",
    "Álvarez",
    "Ruiz",
    "Suárez",
    "Torres",
    "Romero",
    "Valencia",
    "Quintero",
    "Mosquera",
    "Palacios",
    "Cuesta",
    "Rentería",
    "Córdoba",
    "Murillo",
    "Caicedo",
    "Angulo",
    "Cortés",
    "Epiayú",
    "Uriana",
    "Ipuana",
    "Pushaina",
    "Tombé",
    "Yule",
    "Pito",
    "Ospina",
    "Giraldo",
    "Restrepo",
    "Cardona",
    "Zapata",
    "Montoya",
    "Ríos",
    "Agudelo",
    "Parra",
    "Cárdenas",
    "Bermúdez",
    "Salazar",
    "Arias",
    "Mejía",
    "Herrera",
    "Medina",
    "Cabrera",
    "Guerrero",
    "Benavides",
    "Chaparro",
    "Pabón",
    "Barrera",
)
OPERATOR_KINDS = (
    "Fundación",
    "Corporación",
    "Unión Temporal",
    "Consorcio",
    "Asociación",
    "Cooperativa",
)
OPERATOR_WORDS = (
    "Desarrollo Rural",
    "Campo Vivo",
    "Tierra Fértil",
    "Progreso Campesino",
    "Raíces",
    "Sembrar Futuro",
    "Agroempresarial",
    "Territorios Productivos",
    "Surcos",
    "Cosecha Común",
    "Red Rural",
    "Horizonte Verde",
    "Manos del Campo",
    "Semilla",
    "Montaña Productiva",
    "Ríos y Valles",
    "Minga",
    "Agrosolidaria",
    "Oportunidades",
    "Alianzas del Sur",
    "Caribe Productivo",
    "Llano Adentro",
    "Selva Viva",
    "Pacífico Emprende",
)
COMMERCIAL_ALLIES = (
    "Comercializadora Andina de Alimentos S.A.S.",
    "Agroexportadora del Caribe S.A.S.",
    "Distribuidora La Cosecha Ltda.",
    "Cafés Especiales del Macizo S.A.S.",
    "Chocolates Sierra Nevada S.A.S.",
    "Lácteos La Pradera S.A.",
    "Frutícola del Valle S.A.S.",
    "Supermercados El Campesino S.A.",
    "Mercados Verdes de Colombia S.A.S.",
    "Plaza Mayorista Regional",
    "Hortifrutícola Sabana S.A.S.",
    "Pesquera Bahía Solano S.A.S.",
    "Molino Arrocero Llanero S.A.",
    "Panelera Hoya del Suárez S.A.S.",
    "Apiarios Unidos S.A.S.",
    "Fibras Naturales de Colombia S.A.S.",
    "Tiendas de Barrio Asociadas",
    "Procesadora de Frutas Tropicales S.A.S.",
    "Cacaos Finos de Colombia S.A.S.",
    "Restaurantes Sabor Local",
)
FINANCIAL_ALLIES = (
    "Banco Agrario de Colombia",
    "Bancamía",
    "Banco W",
    "Cooperativa Financiera de Antioquia",
    "Cooperativa de Ahorro y Crédito Rural",
    "Fondo Rotatorio Regional",
    "Banco Mundo Mujer",
)
ALERT_TEXT = {
    "vias_terciarias": "Vía terciaria de acceso a las veredas intransitable en temporada de lluvias.",
    "riego": "Sin distrito de riego: la producción depende de la temporada de lluvias.",
    "electrificacion": "Veredas sin conexión eléctrica para refrigeración y transformación.",
    "centros_acopio": "No hay centro de acopio: los productores venden a intermediarios en finca.",
    "formalizacion_tierras": "Alta informalidad en la tenencia de predios de los participantes.",
}
SALIDA_NOTES = {
    R.EXIT_GRADUADO: "Capacidades fortalecidas documentadas en el registro de estado.",
    R.EXIT_AUTOGESTION: "Asociación autogestionada: cierre del acompañamiento.",
    R.EXIT_NO_VIABLE: "Retroalimentación entregada sobre la evaluación de viabilidad.",
    R.EXIT_REQUISITOS: "No completó los requisitos para gestionar los recursos.",
    R.EXIT_ABANDONO: "Se retiró del programa.",
}

# ----------------------------------------------------------- programme "personality"

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
_ETH = tuple(ETHNICITIES)
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


# ----------------------------------------------------------------------- reference


@dataclass
class Reference:
    """The catalogue the programme is generated on (read from the store)."""

    office_ids: np.ndarray
    office_codes: list[str]
    muni_codes: np.ndarray  # object
    muni_names: np.ndarray  # object
    muni_dept: np.ndarray  # object
    muni_office: np.ndarray  # index into office_ids
    chain_ids: np.ndarray
    chain_names: list[str]


def read_reference(engine: Engine) -> Reference:
    md = Base.metadata.tables
    office, muni, chain = md["regional_office"], md["municipality"], md["value_chain"]
    with engine.connect() as conn:
        offices = conn.execute(select(office.c.id, office.c.code).order_by(office.c.id)).all()
        munis = conn.execute(
            select(muni.c.code, muni.c.name, muni.c.department_code, muni.c.regional_office_id)
            .where(muni.c.regional_office_id.is_not(None))
            .order_by(muni.c.code)
        ).all()
        chains = conn.execute(select(chain.c.id, chain.c.name).order_by(chain.c.id)).all()
    if not offices or not munis or not chains:
        raise RuntimeError("El catálogo de referencia está vacío: ejecute «tablero db upgrade» primero.")
    pos = {oid: i for i, (oid, _) in enumerate(offices)}
    return Reference(
        office_ids=np.array([o[0] for o in offices]),
        office_codes=[o[1] for o in offices],
        muni_codes=np.array([m[0] for m in munis], dtype=object),
        muni_names=np.array([m[1] for m in munis], dtype=object),
        muni_dept=np.array([m[2] for m in munis], dtype=object),
        muni_office=np.array([pos[m[3]] for m in munis]),
        chain_ids=np.array([c[0] for c in chains]),
        chain_names=[c[1] for c in chains],
    )


# ------------------------------------------------------------------------ generator


class Frame(dict):
    """Columns of one table: name → numpy array (dates as int days, NULLs as sentinels)."""

    def __len__(self) -> int:  # number of rows, not of columns
        return len(next(iter(self.values()))) if dict.__len__(self) else 0


@dataclass
class _Batch:
    """Participants entering one route, before simulation."""

    kind: np.ndarray  # 'hogar' | 'opr'
    household: np.ndarray  # household id or NULL_INT
    opr: np.ndarray  # opr id or NULL_INT
    muni: np.ndarray  # municipality index
    entry: np.ndarray  # int day
    mechanism: np.ndarray  # object
    previous: np.ndarray  # enrolment id or NULL_INT


class Generator:
    """Builds every programme table for one scale and seed (no database access)."""

    def __init__(self, ref: Reference, scale: str, seed: int):
        if scale not in SCALES:
            raise ValueError(f"Escala «{scale}» desconocida: use {', '.join(SCALES)}.")
        self.ref, self.scale_name, self.scale = ref, scale, SCALES[scale]
        self.seed = seed
        children = np.random.SeedSequence(seed).spawn(16)
        self._rngs = [np.random.default_rng(c) for c in children]
        self.tables: dict[str, Frame] = {}
        n_off = len(ref.office_codes)
        self.office_quality = np.array([OFFICE_QUALITY.get(c, 0.0) for c in ref.office_codes])
        self.office_slow = np.array([OFFICE_SLOWNESS.get(c, 1.0) for c in ref.office_codes])
        self.n_muni = len(ref.muni_codes)
        self.n_off = n_off

    def rng(self, i: int) -> np.random.Generator:
        return self._rngs[i]

    # -- orchestration
    def run(self) -> dict[str, Frame]:
        self._territory()
        self._operators()
        self._oprs()
        self._households()
        self._routes()
        self._deliveries()
        self._household_links()
        self._business_plans()
        self._sla()
        return self.tables

    # -- territory: targeting and alerts
    def _territory(self) -> None:
        rng, ref = self.rng(0), self.ref
        n = self.n_muni
        codes = ref.muni_codes
        capital = np.array([c.endswith("001") for c in codes])
        office_code = _take(ref.office_codes, ref.muni_office)
        size = rng.lognormal(0.0, 0.8, n) * np.where(capital, 3.0, 1.0)
        pov0 = (
            np.array([OFFICE_POVERTY.get(c, 55) for c in office_code]) + rng.normal(0, 12, n) - 15 * capital
        )
        rur0 = 68 + rng.normal(0, 14, n) - 35 * capital
        vic0 = np.array([OFFICE_VICTIMS.get(c, 48) for c in office_code]) + rng.normal(0, 15, n)
        prd0 = 55 + rng.normal(0, 15, n)
        years = np.arange(2023, 2027)
        cols: dict[str, list] = {
            k: []
            for k in (
                "municipality_code",
                "year",
                "prioritised",
                "target_population",
                "score_poverty",
                "score_rurality",
                "score_victims",
                "score_productive",
                "total_score",
            )
        }
        prioritised_by_year = {}
        drift = np.zeros((4, n))
        for i, year in enumerate(years):
            drift = drift + rng.normal(0, 2.0, (4, n)) if i else drift
            pov = np.clip(pov0 + drift[0], 0, 100).round(1)
            rur = np.clip(rur0 + drift[1], 0, 100).round(1)
            vic = np.clip(vic0 + drift[2], 0, 100).round(1)
            prd = np.clip(prd0 + drift[3], 0, 100).round(1)
            total = (0.35 * pov + 0.25 * rur + 0.25 * vic + 0.15 * prd).round(2)
            k = round(0.35 * n)
            prio = np.zeros(n, bool)
            prio[np.argsort(-total, kind="stable")[:k]] = True
            prioritised_by_year[int(year)] = prio
            target = np.where(prio, np.rint(size * 900 * (0.4 + pov / 100) * (0.5 + rur / 100)), 0).astype(
                np.int64
            )
            cols["municipality_code"].append(codes)
            cols["year"].append(np.full(n, year))
            cols["prioritised"].append(prio)
            cols["target_population"].append(target)
            cols["score_poverty"].append(pov)
            cols["score_rurality"].append(rur)
            cols["score_victims"].append(vic)
            cols["score_productive"].append(prd)
            cols["total_score"].append(total)
        f = Frame({k: np.concatenate(v) for k, v in cols.items()})
        f["id"] = np.arange(1, len(f["year"]) + 1)
        f["version"] = np.ones(len(f["id"]), np.int64)
        self.tables["targeting"] = f

        self.muni_size = size
        self.capital = capital
        self.score_victims = np.clip(vic0, 0, 100)
        self.prioritised = prioritised_by_year[2024]
        self.prio_any = np.any(np.stack(list(prioritised_by_year.values())), axis=0)
        self.target_2024 = cols["target_population"][1].astype(float)

        # Territorial alerts on ~25% of prioritised municipalities, 1–3 each.
        prio_idx = np.flatnonzero(self.prio_any)
        chosen = prio_idx[rng.random(len(prio_idx)) < 0.25]
        per = rng.choice([1, 2, 3], size=len(chosen), p=[0.5, 0.33, 0.17])
        mi = np.repeat(chosen, per)
        m = len(mi)
        cats = np.array(list(ALERT_CATEGORIES), dtype=object)
        cat = cats[_weighted(rng, [3, 2, 1.5, 1.5, 2], m)]
        sev = _take(("alta", "media", "baja"), _weighted(rng, [3, 4, 3], m))
        opened = PROGRAMME_START + 30 + rng.integers(0, TODAY - PROGRAMME_START - 30, m)
        status_i = _weighted(rng, [4, 3, 3], m)
        # Alerts opened recently are rarely already closed.
        status_i = np.where((status_i == 2) & (opened > TODAY - 90), 1, status_i)
        status = _take(("abierta", "en_gestion", "cerrada"), status_i)
        closed = np.where(status_i == 2, np.minimum(opened + rng.integers(30, 400, m), TODAY), NULL_DATE)
        self.tables["territorial_alert"] = Frame(
            id=np.arange(1, m + 1),
            municipality_code=codes[mi],
            category=cat,
            severity=sev,
            status=status,
            description=np.array([ALERT_TEXT[c] for c in cat], dtype=object),
            opened_on=opened,
            closed_on=closed,
            version=np.ones(m, np.int64),
        )

    # -- operators, contracts, contract services
    def _operators(self) -> None:
        rng, ref = self.rng(1), self.ref
        n_ops, n_off = self.scale.operators, self.n_off
        home = rng.permutation(np.arange(n_ops) % n_off)
        # ~20% PSDE-only operators (no route contracts); ~30% of route operators also PSDE.
        psde_only = np.zeros(n_ops, bool)
        route_op = np.ones(n_ops, bool)
        order = rng.permutation(n_ops)
        n_psde_only = round(0.2 * n_ops)
        psde_only[order[:n_psde_only]] = True
        route_op[psde_only] = False
        is_psde = psde_only | (route_op & (rng.random(n_ops) < 0.3))
        quality = rng.normal(0, 0.45, n_ops)
        weak = rng.random(n_ops) < 0.12
        quality[weak] -= 0.9
        late = weak | (rng.random(n_ops) < 0.08)
        lag_mean = np.where(late, rng.uniform(12, 22, n_ops), rng.uniform(2, 6, n_ops))
        slow = np.clip(rng.normal(1.0, 0.1, n_ops) + 0.15 * weak, 0.8, 1.5)
        at_delay = np.where(weak, rng.uniform(30, 60, n_ops), rng.uniform(5, 25, n_ops))
        cov_logit = np.array([_logit(SERVICE_COVERAGE[s]) for s in SERVICE_CODES])
        coverage = _expit(
            cov_logit[None, :] + 0.9 * quality[:, None] + rng.normal(0, 0.35, (n_ops, len(SERVICE_CODES)))
        )

        # Contracts: per route × office, k distinct operators based in that office.
        share = {"basica": 0.32, "intermedia": 0.2, "competitividad": 0.12}
        c_op, c_route, c_office, c_code, c_start, c_end = [], [], [], [], [], []
        cell_contracts: dict[tuple[str, int], list[int]] = {}
        for route in ROUTE_ORDER:
            k = max(1, round(n_ops * share[route] / n_off))
            for o in range(n_off):
                local = np.flatnonzero(route_op & (home == o))
                pool = local if len(local) else np.flatnonzero(route_op)
                take = min(k, len(pool))
                picked = rng.choice(pool, size=take, replace=False)
                ids = []
                for j, op in enumerate(sorted(picked.tolist())):
                    cid = len(c_op) + 1
                    ids.append(cid)
                    c_op.append(op + 1)
                    c_route.append(route)
                    c_office.append(o)
                    c_code.append(f"CT-{ROUTE_ABBR[route]}-{ref.office_codes[o]}-{j + 1:03d}")
                    start = _day("2022-11-15") + int(rng.integers(0, 45))
                    c_start.append(start)
                    c_end.append(_day("2026-12-31") if rng.random() < 0.7 else _day("2027-06-30"))
                cell_contracts[(route, o)] = ids
        n_c = len(c_op)
        # Every office needs a PSDE operator for its business plans; prefer one with contracts.
        c_op_arr = np.array(c_op)
        has_contract = np.isin(np.arange(1, n_ops + 1), c_op_arr)
        for o in range(n_off):
            if not (is_psde & (home == o)).any():
                cands = np.flatnonzero((home == o) & has_contract)
                cands = cands if len(cands) else np.flatnonzero(home == o)
                if len(cands):
                    is_psde[cands[0]] = True
        if not (is_psde & has_contract).any():
            is_psde[np.flatnonzero(has_contract)[0]] = True

        kinds = _take(OPERATOR_KINDS, rng.integers(0, len(OPERATOR_KINDS), n_ops))
        words = _take(OPERATOR_WORDS, rng.integers(0, len(OPERATOR_WORDS), n_ops))
        names = np.array(
            [
                f"{k} {w} {ref.office_codes[h]}-{i + 1:03d}"
                if k in ("Unión Temporal", "Consorcio")
                else f"{k} {w} de {_office_short(ref.office_codes[h])}"
                for i, (k, w, h) in enumerate(zip(kinds, words, home.tolist()))
            ],
            dtype=object,
        )
        # Names must read as distinct organisations: suffix duplicates with a number.
        seen: dict[str, int] = {}
        for i, nm in enumerate(names):
            seen[nm] = seen.get(nm, 0) + 1
            if seen[nm] > 1:
                names[i] = f"{nm} {seen[nm]}"
        self.tables["operator"] = Frame(
            id=np.arange(1, n_ops + 1),
            code=np.array([f"OP-{i + 1:04d}" for i in range(n_ops)], dtype=object),
            name=names,
            nit=_nits(rng, n_ops, 800_000_000, 901_999_999),
            is_psde=is_psde,
        )
        expected = np.array(
            [{"basica": 900, "intermedia": 260, "competitividad": 60}[r] for r in c_route], float
        )
        scale_f = self.scale.households / 250_000
        value = np.rint(expected * scale_f * rng.uniform(0.6, 1.4, n_c) * 9.5e6 / 1e6) * 1e6
        self.tables["operator_contract"] = Frame(
            id=np.arange(1, n_c + 1),
            code=np.array(c_code, dtype=object),
            operator_id=c_op_arr,
            route=np.array(c_route, dtype=object),
            regional_office_id=ref.office_ids[np.array(c_office)],
            start_date=np.array(c_start),
            end_date=np.array(c_end),
            value_cop=np.maximum(value, 50e6).astype(np.int64),
        )
        cs_contract, cs_service = [], []
        for cid, route in enumerate(c_route, 1):
            for s in services_for_route(route):
                cs_contract.append(cid)
                cs_service.append(s)
        self.tables["contract_service"] = Frame(
            contract_id=np.array(cs_contract), service_type_code=np.array(cs_service, dtype=object)
        )
        # Each municipality is served by one contract per route (operators have territories).
        slot = rng.integers(0, 1_000_000, self.n_muni)
        self.muni_contract = {}
        for route in ROUTE_ORDER:
            mc = np.empty(self.n_muni, np.int64)
            for o in range(n_off):
                ids = np.array(cell_contracts[(route, o)])
                sel = ref.muni_office == o
                mc[sel] = ids[slot[sel] % len(ids)]
            self.muni_contract[route] = mc
        self.contract_operator = np.concatenate([[0], c_op_arr])  # contract id → operator id
        self.contract_office = np.concatenate([[0], np.array(c_office)])
        self.contract_code = np.concatenate([[""], np.array(c_code, dtype=object)])
        self.contract_route = np.concatenate([[""], np.array(c_route, dtype=object)])
        self.contract_start = np.concatenate([[0], np.array(c_start)])
        self.op_quality = np.concatenate([[0.0], quality])  # operator id → ...
        self.op_lag = np.concatenate([[5.0], lag_mean])
        self.op_slow = np.concatenate([[1.0], slow])
        self.op_at_delay = np.concatenate([[15.0], at_delay])
        self.op_coverage = np.vstack([np.full((1, len(SERVICE_CODES)), 0.5), coverage])
        self.op_home = np.concatenate([[0], home])
        self.op_psde = np.concatenate([[False], is_psde])
        self.op_late = np.concatenate([[False], late])
        self.op_code = np.concatenate([[""], self.tables["operator"]["code"]])

    # -- organisations of rural producers
    def _oprs(self) -> None:
        rng, ref = self.rng(2), self.ref
        n = self.scale.opr
        muni = self._sample_munis(rng, n, in_prio=0.9)
        # Value chain by regional suitability.
        w = np.array(
            [[CHAIN_REGION.get(ch, {}).get(oc, 1.0) for ch in ref.chain_names] for oc in ref.office_codes]
        )
        chain = _choice_cdf(rng, (w / w.sum(1, keepdims=True))[ref.muni_office[muni]])
        members = np.clip(np.rint(rng.lognormal(np.log(45), 0.7, n)), 10, 300).astype(np.int64)
        maturity = rng.random(n)  # higher = more mature association
        formalised = maturity > 0.3
        form_kind = np.where(
            ~formalised,
            "colectivo",
            _take(("asociacion", "cooperativa", "corporacion"), _weighted(rng, [7, 2, 1], n)),
        ).astype(object)
        created = np.where(
            formalised,
            _day("1995-01-01") + rng.integers(0, _day("2026-01-01") - _day("1995-01-01"), n),
            _day("2019-01-01") + rng.integers(0, _day("2026-06-01") - _day("2019-01-01"), n),
        )
        prefix = {
            "colectivo": "Colectivo de productores de",
            "asociacion": "Asociación de productores de",
            "cooperativa": "Cooperativa agropecuaria de",
            "corporacion": "Corporación de productores de",
        }
        chain_name = _take(ref.chain_names, chain)
        mname = ref.muni_names[muni]
        names = np.array(
            [f"{prefix[k]} {c.lower()} de {m}" for k, c, m in zip(form_kind, chain_name, mname)], dtype=object
        )
        seen: dict[str, int] = {}
        for i, nm in enumerate(names):
            seen[nm] = seen.get(nm, 0) + 1
            if seen[nm] > 1:
                names[i] = f"{nm} {seen[nm]}"
        self.tables["opr"] = Frame(
            id=np.arange(1, n + 1),
            nit=_nits(rng, n, 900_000_000, 902_000_000),
            name=names,
            municipality_code=ref.muni_codes[muni],
            value_chain_id=ref.chain_ids[chain],
            members=members,
            formalised=formalised,
            formalisation=form_kind,
            created_on=created,
            version=np.ones(n, np.int64),
        )
        self.opr_muni = muni
        self.opr_chain = chain
        # Route of entry: mature formalised OPR → competitividad; incipient → intermedia.
        self.opr_route = np.where(formalised & (maturity > 0.78), 2, np.where(maturity > 0.22, 1, 0))

    def _sample_munis(self, rng, n: int, in_prio: float) -> np.ndarray:
        """Municipality indices: mostly prioritised ones (weighted by target population)."""
        prio = np.flatnonzero(self.prioritised)
        other = np.flatnonzero(~self.prioritised)
        from_prio = rng.random(n) < in_prio
        out = np.empty(n, np.int64)
        k = int(from_prio.sum())
        out[from_prio] = prio[_weighted(rng, self.target_2024[prio], k)]
        out[~from_prio] = other[_weighted(rng, self.muni_size[other], n - k)]
        return out

    def _entry_dates(self, rng, mechanism: np.ndarray) -> np.ndarray:
        """Barrido: continuous, quarter-weighted; convocatoria: after the call windows."""
        n = len(mechanism)
        q_start = np.array(
            [_day(f"{2023 + q // 4}-{3 * (q % 4) + 1:02d}-01") for q in range(16)] + [_day("2027-01-01")]
        )
        q_len = np.minimum(q_start[1:], TODAY + 1) - q_start[:-1]
        w = np.array(QUARTER_WEIGHTS) * q_len / 91.0
        qi = _weighted(rng, w, n)
        barrido = q_start[qi] + np.floor(rng.random(n) * q_len[qi]).astype(np.int64)
        opens = np.array([_day(c) for c in CONVOCATORIAS])
        ci = rng.integers(0, len(opens), n)
        conv = np.minimum(opens[ci] + rng.integers(15, 75, n), TODAY)
        return np.where(mechanism == "convocatoria", conv, barrido)

    # -- households
    def _households(self) -> None:
        rng, ref = self.rng(3), self.ref
        n = self.scale.households
        muni = self._sample_munis(rng, n, in_prio=0.92)
        sex_f = rng.random(n) < 0.52
        age = np.clip(np.rint(rng.normal(43, 14, n)), 18, 75).astype(np.int64)
        eth_p = np.array(
            [
                DEPARTMENT_ETHNICITY.get(d, OFFICE_ETHNICITY.get(ref.office_codes[o], DEFAULT_ETHNICITY))
                for d, o in zip(ref.muni_dept, ref.muni_office)
            ]
        )
        eth = _choice_cdf(rng, eth_p[muni])
        victim = rng.random(n) < np.clip(0.08 + 0.42 * self.score_victims[muni] / 100, 0, 0.9)
        first = np.where(sex_f, rng.integers(0, len(FEMALE_NAMES), n), rng.integers(0, len(MALE_NAMES), n))
        s1 = rng.integers(0, len(SURNAMES), n)
        s2 = rng.integers(0, len(SURNAMES), n)
        fem, mal = np.array(FEMALE_NAMES, dtype=object), np.array(MALE_NAMES, dtype=object)
        given = np.where(sex_f, fem[np.minimum(first, len(fem) - 1)], mal[np.minimum(first, len(mal) - 1)])
        sur = np.array(SURNAMES, dtype=object)
        head = given + " " + sur[s1] + " " + sur[s2]
        doc = rng.integers(1_000_000, 1_199_999_999, n)
        doc = np.where(doc < 1_000_000_000, doc % 99_000_000 + 1_000_000, doc)
        # Route of entry: most households start in básica; some (with a project) in intermedia.
        direct_int = rng.random(n) < 0.1
        mech = np.where(
            direct_int,
            np.where(rng.random(n) < 0.6, "barrido", "convocatoria"),
            np.where(rng.random(n) < 0.85, "barrido", "convocatoria"),
        ).astype(object)
        entry = self._entry_dates(rng, mech)
        self.hh = {"muni": muni, "direct_int": direct_int, "mech": mech, "entry": entry}
        self.tables["household"] = Frame(
            id=np.arange(1, n + 1),
            code=np.array([f"HG-{i:07d}" for i in range(1, n + 1)], dtype=object),
            head_name=head,
            document_id=doc.astype(str).astype(object),
            municipality_code=ref.muni_codes[muni],
            sex=np.where(sex_f, "F", "M").astype(object),
            age=age,
            youth=age <= 28,
            ethnicity=_take(_ETH, eth),
            victim=victim,
            opr_id=np.full(n, NULL_INT),  # linked after the routes (_household_links)
            registered_on=np.maximum(entry - rng.integers(0, 45, n), PROGRAMME_START + 1),
            version=np.ones(n, np.int64),
        )

    # -- routes: enrolments and stage events
    def _routes(self) -> None:
        rng = self.rng(4)
        n_hh = self.scale.households
        hh_ids = np.arange(1, n_hh + 1)
        nb = ~self.hh["direct_int"]
        enrol_parts: list[dict] = []
        next_id = 1

        def add(route: str, batch: _Batch) -> dict:
            nonlocal next_id
            sim = self._simulate(rng, route, batch)
            sim["id"] = np.arange(next_id, next_id + len(batch.entry))
            next_id += len(batch.entry)
            enrol_parts.append(sim)
            return sim

        def none(n):
            return np.full(n, NULL_INT)

        # Básica: households from barrido / convocatoria.
        b = add(
            "basica",
            _Batch(
                kind=np.full(int(nb.sum()), "hogar", dtype=object),
                household=hh_ids[nb],
                opr=none(int(nb.sum())),
                muni=self.hh["muni"][nb],
                entry=self.hh["entry"][nb],
                mechanism=self.hh["mech"][nb],
                previous=none(int(nb.sum())),
            ),
        )
        # Básica graduates promoted to intermedia.
        grad = b["exists"][:, I_SAL] & (b["outcome"][:, I_SAL] == O_GRAD)
        p_promo = np.array([OFFICE_PROMOTION.get(c, 0.35) for c in self.ref.office_codes])[
            self.ref.muni_office[b["batch"].muni]
        ]
        p_promo = _expit(_logit(p_promo) + 0.4 * self.op_quality[b["operator"]])
        promo_entry = b["date"][:, I_SAL] + np.rint(rng.lognormal(np.log(45), 0.5, len(grad))).astype(
            np.int64
        )
        promoted = grad & (rng.random(len(grad)) < p_promo) & (promo_entry <= TODAY)
        direct = self.hh["direct_int"]
        opr_int = np.flatnonzero(self.opr_route == 1)
        opr_mech = np.full(len(opr_int), "convocatoria", dtype=object)
        opr_entry = self._entry_dates(rng, opr_mech)
        k_p, k_d, k_o = int(promoted.sum()), int(direct.sum()), len(opr_int)
        i_batch = _Batch(
            kind=np.concatenate(
                [np.full(k_p + k_d, "hogar", dtype=object), np.full(k_o, "opr", dtype=object)]
            ),
            household=np.concatenate([b["batch"].household[promoted], hh_ids[direct], none(k_o)]),
            opr=np.concatenate([none(k_p + k_d), opr_int + 1]),
            muni=np.concatenate([b["batch"].muni[promoted], self.hh["muni"][direct], self.opr_muni[opr_int]]),
            entry=np.concatenate([promo_entry[promoted], self.hh["entry"][direct], opr_entry]),
            mechanism=np.concatenate(
                [np.full(k_p, "promocion", dtype=object), self.hh["mech"][direct], opr_mech]
            ),
            previous=np.concatenate([b["id"][promoted], none(k_d + k_o)]),
        )
        i = add("intermedia", i_batch)
        # OPR graduating from intermedia promoted to competitividad, plus mature OPR by convocatoria.
        is_opr = i_batch.kind == "opr"
        grad_i = is_opr & i["exists"][:, I_SAL] & (i["outcome"][:, I_SAL] == O_GRAD)
        promo_entry_i = i["date"][:, I_SAL] + np.rint(rng.lognormal(np.log(60), 0.5, len(grad_i))).astype(
            np.int64
        )
        promoted_i = grad_i & (rng.random(len(grad_i)) < 0.5) & (promo_entry_i <= TODAY)
        opr_comp = np.flatnonzero(self.opr_route == 2)
        comp_mech = np.full(len(opr_comp), "convocatoria", dtype=object)
        comp_entry = self._entry_dates(rng, comp_mech)
        k_p2, k_o2 = int(promoted_i.sum()), len(opr_comp)
        add(
            "competitividad",
            _Batch(
                kind=np.full(k_p2 + k_o2, "opr", dtype=object),
                household=none(k_p2 + k_o2),
                opr=np.concatenate([i_batch.opr[promoted_i], opr_comp + 1]),
                muni=np.concatenate([i_batch.muni[promoted_i], self.opr_muni[opr_comp]]),
                entry=np.concatenate([promo_entry_i[promoted_i], comp_entry]),
                mechanism=np.concatenate([np.full(k_p2, "promocion", dtype=object), comp_mech]),
                previous=np.concatenate([i["id"][promoted_i], none(k_o2)]),
            ),
        )
        self._assemble_enrolments(rng, enrol_parts)

    def _simulate(self, rng, route: str, batch: _Batch) -> dict:
        """Walk each participant along the route (vectorised); truncate at REFERENCE_DATE."""
        p = ROUTE_PARAMS[route]
        n = len(batch.entry)
        contract = self.muni_contract[route][batch.muni]
        operator = self.contract_operator[contract]
        office = self.ref.muni_office[batch.muni]
        q = self.office_quality[office] + self.op_quality[operator]
        slow = self.op_slow[operator] * self.office_slow[office]
        reach = np.zeros((n, 10), bool)
        date = np.zeros((n, 10), np.int64)
        outcome = np.zeros((n, 10), np.int8)
        reach[:, I_ING] = True
        date[:, I_ING] = batch.entry
        has_form = rng.random(n) < p.p_formacion if route == "basica" else np.ones(n, bool)
        alive = np.ones(n, bool)
        exit_code = np.zeros(n, np.int8)
        last = np.zeros(n, np.int64)  # stage index of the last stage reached
        cur = batch.entry.astype(np.int64).copy()
        for st in range(1, I_SAL):
            part = alive & has_form if st == I_FOR else alive.copy()
            h = _expit(_logit(p.abandon[st]) - 0.8 * q)
            ab = part & (rng.random(n) < h)
            exit_code[ab] = O_X_AB
            alive &= ~ab
            part &= ~ab
            median = p.plan_days if st == I_PLN else p.gap_median[st]
            gap = np.maximum(1, np.rint(rng.lognormal(np.log(median), 0.35, n) * slow)).astype(np.int64)
            new = cur + gap
            reach[part, st] = True
            date[part, st] = new[part]
            cur = np.where(part, new, cur)
            last = np.where(part, st, last)
            if st == I_VIA:
                nv = part & (rng.random(n) < _expit(_logit(p.no_viable) - 0.6 * q))
                outcome[part, st] = O_VIABLE
                outcome[nv, st] = O_NO_VIABLE
                exit_code[nv] = O_X_NV
                alive &= ~nv
            elif st == I_REQ:
                nc = part & (rng.random(n) < _expit(_logit(p.no_cumple) - 0.5 * q))
                outcome[part, st] = O_CUMPLE
                outcome[nc, st] = O_NO_CUMPLE
                exit_code[nc] = O_X_REQ
                alive &= ~nc
        exit_code[alive] = O_AUTO if route == "competitividad" else O_GRAD
        exit_gap = np.where(
            exit_code == O_X_AB,
            np.where(last >= I_SRV, rng.integers(30, 300, n), rng.integers(15, 90, n)),
            np.where(np.isin(exit_code, COMPLETED_CODES), rng.integers(5, 30, n), rng.integers(3, 35, n)),
        )
        reach[:, I_SAL] = True
        date[:, I_SAL] = cur + exit_gap
        outcome[:, I_SAL] = exit_code
        exists = reach & (date <= TODAY)
        return {
            "batch": batch,
            "route": route,
            "contract": contract,
            "operator": operator,
            "exists": exists,
            "date": date,
            "outcome": outcome,
        }

    def _assemble_enrolments(self, rng, parts: list[dict]) -> None:
        ref = self.ref
        exists = np.concatenate([p["exists"] for p in parts])
        date = np.concatenate([p["date"] for p in parts])
        outcome = np.concatenate([p["outcome"] for p in parts])
        ids = np.concatenate([p["id"] for p in parts])
        route = np.concatenate([np.full(len(p["id"]), p["route"], dtype=object) for p in parts])
        contract = np.concatenate([p["contract"] for p in parts])
        operator = np.concatenate([p["operator"] for p in parts])
        b = {
            k: np.concatenate([getattr(p["batch"], k) for p in parts])
            for k in ("kind", "household", "opr", "muni", "entry", "mechanism", "previous")
        }
        n = len(ids)
        stage_idx = np.arange(10)
        last = np.where(exists, stage_idx, -1).max(axis=1)
        furthest = np.where(exists[:, :I_SAL], stage_idx[:I_SAL], -1).max(axis=1)
        exited = exists[:, I_SAL]
        exit_out = outcome[:, I_SAL]
        status = np.where(
            ~exited, "activo", np.where(np.isin(exit_out, COMPLETED_CODES), "finalizado", "salido")
        )
        stages = np.array(R.STAGES, dtype=object)
        self.tables["enrolment"] = Frame(
            id=ids,
            participant_kind=b["kind"],
            household_id=b["household"],
            opr_id=b["opr"],
            route=route,
            entry_mechanism=b["mechanism"],
            entry_date=b["entry"],
            cohort_quarter=_quarter_of(b["entry"]),
            municipality_code=ref.muni_codes[b["muni"]],
            operator_id=operator,
            contract_id=contract,
            current_stage=stages[last],
            furthest_stage_order=furthest + 1,  # every route uses all STAGES: order = index + 1
            status=status.astype(object),
            exit_outcome=np.where(exited, _take(OUTCOMES, exit_out), None).astype(object),
            exit_date=np.where(exited, date[:, I_SAL], NULL_DATE),
            previous_enrolment_id=b["previous"],
            version=np.ones(n, np.int64),
        )
        self.enr = {
            "exists": exists,
            "date": date,
            "outcome": outcome,
            "route": route,
            "operator": operator,
            "contract": contract,
            "muni": b["muni"],
            "kind": b["kind"],
            "household": b["household"],
            "opr": b["opr"],
            "entry": b["entry"],
        }

        # Stage events, ordered by enrolment then route order.
        rows, cols = np.nonzero(exists)
        m = len(rows)
        ev_date = date[rows, cols]
        op = operator[rows]
        lag = np.floor(rng.gamma(1.6, self.op_lag[op] / 1.6)).astype(np.int64)
        ev_out = outcome[rows, cols]
        notes = np.where(
            cols == I_SAL, _take([SALIDA_NOTES.get(o, "") if o else "" for o in OUTCOMES], ev_out), ""
        )
        self.tables["stage_event"] = Frame(
            id=np.arange(1, m + 1),
            enrolment_id=ids[rows],
            stage=stages[cols],
            event_date=ev_date,
            outcome=_take(OUTCOMES, ev_out),
            registered_on=np.minimum(ev_date + lag, TODAY),
            registered_by=np.array([f"registro.{c.lower()}" for c in self.op_code], dtype=object)[op],
            note=notes.astype(object),
        )

    # -- services delivered once services are activated
    def _deliveries(self) -> None:
        rng = self.rng(5)
        e = self.enr
        ids = self.tables["enrolment"]["id"]
        active = np.flatnonzero(e["exists"][:, I_SRV])
        start = e["date"][active, I_SRV]
        end = np.where(
            e["exists"][active, I_PLN],
            e["date"][active, I_PLN],
            np.where(e["exists"][active, I_SAL], e["date"][active, I_SAL], TODAY),
        )
        end = np.maximum(end, start)
        basic = e["route"][active] == "basica"
        basic_idx = np.array([SERVICE_CODES.index(s) for s in BASIC_ROUTE_SERVICES])
        all_idx = np.arange(len(SERVICE_CODES))
        pe = np.concatenate(
            [
                np.repeat(np.flatnonzero(basic), len(basic_idx)),
                np.repeat(np.flatnonzero(~basic), len(all_idx)),
            ]
        )
        ps = np.concatenate([np.tile(basic_idx, int(basic.sum())), np.tile(all_idx, int((~basic).sum()))])
        order = np.lexsort((ps, pe))
        pe, ps = pe[order], ps[order]
        op = e["operator"][active][pe]
        covered = rng.random(len(pe)) < self.op_coverage[op, ps]
        pe, ps, op = pe[covered], ps[covered], op[covered]
        months = (end[pe] - start[pe]) / 30.4
        rate = np.array([SERVICE_RATE[s] for s in SERVICE_CODES])[ps]
        count = 1 + rng.poisson(rate * months)
        de = np.repeat(pe, count)
        dsv = np.repeat(ps, count)
        dop = np.repeat(op, count)
        span = end[de] - start[de] + 1
        ddate = start[de] + np.floor(rng.random(len(de)) * span).astype(np.int64)
        # The first asistencia técnica visit comes a few operator-dependent days after activation.
        first = np.concatenate([[0], np.cumsum(count)[:-1]])
        at = ps == SERVICE_CODES.index("asistencia_tecnica")
        fi = first[at]
        delay = np.rint(rng.gamma(2.0, self.op_at_delay[op[at]] / 2.0)).astype(np.int64)
        ddate[fi] = np.minimum(start[pe[at]] + delay, end[pe[at]])
        ddate = np.minimum(ddate, TODAY)
        lag = np.floor(rng.gamma(1.6, self.op_lag[dop] / 1.6)).astype(np.int64)
        enr_rows = active[de]
        m = len(de)
        self.tables["service_delivery"] = Frame(
            id=np.arange(1, m + 1),
            enrolment_id=ids[enr_rows],
            service_type_code=_take(SERVICE_CODES, dsv),
            operator_id=dop,
            contract_id=e["contract"][enr_rows],
            municipality_code=self.ref.muni_codes[e["muni"][enr_rows]],
            delivery_date=ddate,
            registered_on=np.minimum(ddate + lag, TODAY),
        )

    # -- household ↔ OPR membership
    def _household_links(self) -> None:
        """Households on intermedia work under an OPR (seed 000 §4.2 g); a few in básica too."""
        rng = self.rng(6)
        e = self.enr
        n_hh = self.scale.households
        hh = self.tables["household"]
        in_int = np.zeros(n_hh + 1, bool)
        mask = (e["route"] == "intermedia") & (e["kind"] == "hogar")
        in_int[e["household"][mask]] = True
        p = np.where(in_int[1:], 0.75, 0.04)
        linked = rng.random(n_hh) < p
        self.hh_opr = self._opr_near(rng, self.hh["muni"], linked)
        hh["opr_id"] = self.hh_opr

    def _opr_near(self, rng, muni: np.ndarray, want: np.ndarray) -> np.ndarray:
        """An OPR of the same municipality, else of the same regional office (NULL_INT if none)."""
        out = np.full(len(muni), NULL_INT)
        om = self.opr_muni
        order = np.argsort(om, kind="stable")
        sorted_m = om[order]
        lo = np.searchsorted(sorted_m, muni, "left")
        hi = np.searchsorted(sorted_m, muni, "right")
        cnt = hi - lo
        u = rng.random(len(muni))
        same = want & (cnt > 0)
        out[same] = order[lo[same] + np.floor(u[same] * cnt[same]).astype(np.int64)] + 1
        # Fallback: same regional office.
        off = self.ref.muni_office
        oo = off[om]
        order_o = np.argsort(oo, kind="stable")
        so = oo[order_o]
        mo = off[muni]
        lo_o = np.searchsorted(so, mo, "left")
        cnt_o = np.searchsorted(so, mo, "right") - lo_o
        rest = want & (cnt == 0) & (cnt_o > 0)
        out[rest] = order_o[lo_o[rest] + np.floor(u[rest] * cnt_o[rest]).astype(np.int64)] + 1
        return out

    # -- business plans, alliance evidence, sales
    def _business_plans(self) -> None:
        rng, ref = self.rng(7), self.ref
        e = self.enr
        enr_ids = self.tables["enrolment"]["id"]
        target = self.scale.business_plans
        eligible = (
            np.isin(e["route"], ("intermedia", "competitividad"))
            & e["exists"][:, I_REQ]
            & (e["outcome"][:, I_REQ] == O_CUMPLE)
        )
        opr_rows = np.flatnonzero(eligible & (e["kind"] == "opr"))
        hh_opr = np.where(e["household"] > 0, self.hh_opr[np.maximum(e["household"], 1) - 1], NULL_INT)
        hh_rows = np.flatnonzero(eligible & (e["kind"] == "hogar") & (hh_opr > 0))
        n_extra_min = round(0.08 * target)
        k_hh = int(np.clip(target - n_extra_min - len(opr_rows), 0, len(hh_rows)))
        hh_rows = np.sort(rng.choice(hh_rows, size=k_hh, replace=False)) if k_hh else hh_rows[:0]
        n_extra = max(n_extra_min, target - len(opr_rows) - k_hh)
        rows = np.concatenate([opr_rows, hh_rows])
        n_enr = len(rows)
        n = n_enr + n_extra
        opr_id = np.concatenate(
            [
                np.where(e["kind"][rows] == "opr", e["opr"][rows], hh_opr[rows]),
                rng.integers(1, self.scale.opr + 1, n_extra),
            ]
        )
        muni = np.concatenate([e["muni"][rows], self.opr_muni[opr_id[n_enr:] - 1]])
        office = ref.muni_office[muni]
        chain = self.opr_chain[opr_id - 1]
        route_comp = np.concatenate([e["route"][rows] == "competitividad", rng.random(n_extra) < 0.3])
        # Disbursement after resources are granted; extras (no enrolment: earlier calls) spread 2023–2026.
        granted = e["date"][rows, I_REQ]
        d_enr = granted + np.rint(rng.lognormal(np.log(40), 0.4, n_enr)).astype(np.int64)
        d_extra = _day("2023-02-01") + np.floor(
            rng.beta(1.2, 1.8, n_extra) * (TODAY - 20 - _day("2023-02-01"))
        ).astype(np.int64)
        disb = np.concatenate([d_enr, d_extra])
        disbursed = disb <= TODAY
        disb = np.where(disbursed, disb, NULL_DATE)
        close = disb + rng.integers(183, 457, n)
        closed = disbursed & (close <= TODAY)
        ventana = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
        base_cop = np.where(route_comp, 210e6, 120e6) * np.where(ventana == 2, 1.15, 1.0)
        committed = np.clip(rng.lognormal(np.log(base_cop), 0.35), 50e6, 400e6)
        committed = (np.rint(committed / 1e5) * 1e5).astype(np.int64)
        elapsed = np.where(disbursed, (TODAY - disb) / 365.0, 0.0)
        frac = np.where(
            closed, rng.uniform(0.92, 1.0, n), np.where(disbursed, np.clip(0.4 + 0.6 * elapsed, 0, 0.95), 0.0)
        )
        disbursed_cop = (np.rint(committed * frac / 1e5) * 1e5).astype(np.int64)
        # PSDE operator of the office: deterministic per municipality (territories again).
        psde_ops = {o: np.flatnonzero(self.op_psde & (self.op_home == o)) for o in range(self.n_off)}
        all_psde = np.flatnonzero(self.op_psde)
        slot = rng.integers(0, 1_000_000, self.n_muni)[muni]
        psde = np.array(
            [
                (psde_ops[o] if len(psde_ops[o]) else all_psde)[s % max(1, len(psde_ops[o]) or len(all_psde))]
                for o, s in zip(office.tolist(), slot.tolist())
            ],
            dtype=np.int64,
        )
        year = np.where(
            disbursed, _year_of(np.where(disbursed, disb, 0)), _year_of(np.concatenate([granted, d_extra]))
        )
        ids = np.arange(1, n + 1)
        codes = np.array(
            [
                f"PN-{y}-{ref.office_codes[o]}-{i:06d}"
                for y, o, i in zip(year.tolist(), office.tolist(), ids.tolist())
            ],
            dtype=object,
        )
        self.tables["business_plan"] = Frame(
            id=ids,
            code=codes,
            opr_id=opr_id,
            enrolment_id=np.concatenate([enr_ids[rows], np.full(n_extra, NULL_INT)]),
            ventana=ventana,
            municipality_code=ref.muni_codes[muni],
            value_chain_id=ref.chain_ids[chain],
            psde_operator_id=psde,
            first_disbursement_date=disb,
            closure_date=np.where(closed, close, NULL_DATE),
            cofinancing_committed_cop=committed,
            cofinancing_disbursed_cop=disbursed_cop,
            version=np.ones(n, np.int64),
        )
        self._alliances(rng, ids, disb, disbursed, ventana, office, chain, psde)
        self._sales(rng, ids, disb, disbursed, year, committed, office, chain)

    def _alliances(self, rng, ids, disb, disbursed, ventana, office, chain, psde) -> None:
        """Evidence such that the 18-month alliance indicator lands near 70–85%, by region.

        Keepers hold a commercial contract in force at D+18 months and/or recent invoices
        (and, on ventana 2, a credit in force); the others fail in the ways the rule must
        catch: expired or voided contracts, a contrato with a financial ally, no credit.
        """
        chain_eff = np.array([0.25 if CHAIN_GROWTH.get(c, 0) > 0.1 else 0.0 for c in self.ref.chain_names])
        p_keep = _expit(
            _logit(0.80) + 1.3 * self.office_quality[office] + 0.5 * self.op_quality[psde] + chain_eff[chain]
        )
        keep = rng.random(len(ids)) < p_keep
        u = rng.random((len(ids), 12))
        ri = rng.integers(0, 10_000, (len(ids), 6))
        cols: dict[str, list] = {
            k: []
            for k in (
                "business_plan_id",
                "kind",
                "ally_type",
                "ally_name",
                "start_date",
                "end_date",
                "document_ref",
                "voided",
            )
        }
        m18 = 548

        def add(bp, kind, ally_type, name, start, end=None, voided=False):
            if start > TODAY:
                return
            cols["business_plan_id"].append(bp)
            cols["kind"].append(kind)
            cols["ally_type"].append(ally_type)
            cols["ally_name"].append(name)
            cols["start_date"].append(start)
            cols["end_date"].append(NULL_DATE if end is None else end)
            prefix = {"contrato": "CT", "factura": "FV", "credito": "CR"}[kind]
            cols["document_ref"].append(f"{prefix}-{bp:06d}-{len(cols['kind']):07d}")
            cols["voided"].append(voided)

        n_com, n_fin = len(COMMERCIAL_ALLIES), len(FINANCIAL_ALLIES)
        for j in np.flatnonzero(disbursed).tolist():
            bp, d = int(ids[j]), int(disb[j])
            e18 = d + m18
            uu, rr = u[j], ri[j]
            com = COMMERCIAL_ALLIES[rr[0] % n_com]
            fin = FINANCIAL_ALLIES[rr[1] % n_fin]
            v2 = ventana[j] == 2
            if keep[j]:
                mode = 0 if uu[0] < 0.5 else (1 if uu[0] < 0.75 else 2)  # contrato | facturas | both
                if mode in (0, 2):
                    end = None if uu[1] < 0.4 else e18 + 30 + int(uu[2] * 870)
                    add(bp, "contrato", "comercial", com, d - 120 + int(uu[3] * 270), end)
                if mode in (1, 2):
                    for k in range(1 + rr[2] % 3):
                        add(
                            bp,
                            "factura",
                            "comercial",
                            COMMERCIAL_ALLIES[(rr[0] + k) % n_com],
                            e18 - 150 + int(uu[4 + k] * 130),
                        )
                for k in range(rr[3] % 3):  # earlier invoices along the way
                    add(bp, "factura", "comercial", com, d + 20 + int(uu[7 + k] * 300))
                if v2:
                    add(
                        bp,
                        "credito",
                        "financiero",
                        fin,
                        d - 90 + int(uu[10] * 180),
                        None if uu[11] < 0.15 else e18 + 60 + int(uu[11] * 900),
                    )
                if uu[9] < 0.1:  # a replaced contract, voided
                    add(
                        bp,
                        "contrato",
                        "comercial",
                        COMMERCIAL_ALLIES[(rr[0] + 5) % n_com],
                        d,
                        e18 + 400,
                        True,
                    )
            else:
                mode = uu[0]
                if v2 and mode < 0.4:
                    # Commercial side fine, but the credit ended before D+18 months (or never existed).
                    add(bp, "contrato", "comercial", com, d - 60 + int(uu[3] * 150), None)
                    if uu[1] < 0.7:
                        add(
                            bp,
                            "credito",
                            "financiero",
                            fin,
                            d - 60 + int(uu[2] * 90),
                            e18 - 30 - int(uu[4] * 200),
                        )
                elif mode < 0.55:
                    start = d - 60 + int(uu[3] * 120)
                    add(bp, "contrato", "comercial", com, start, max(start + 60, e18 - 30 - int(uu[4] * 270)))
                    for k in range(rr[2] % 3):
                        add(bp, "factura", "comercial", com, d + int(uu[5 + k] * 120))
                elif mode < 0.7:
                    add(bp, "contrato", "comercial", com, d - 30 + int(uu[3] * 90), None, True)
                elif mode < 0.82:
                    # A contrato whose ally is financial does not make a commercial alliance.
                    add(bp, "contrato", "financiero", fin, d - 30 + int(uu[3] * 90), None)
                # else: no evidence at all
                if v2 and mode >= 0.4 and uu[8] < 0.5:
                    add(bp, "credito", "financiero", fin, d - 60 + int(uu[2] * 90), e18 + 200)
        m = len(cols["kind"])
        self.tables["alliance_evidence"] = Frame(
            id=np.arange(1, m + 1),
            business_plan_id=np.array(cols["business_plan_id"], dtype=np.int64),
            kind=np.array(cols["kind"], dtype=object),
            ally_type=np.array(cols["ally_type"], dtype=object),
            ally_name=np.array(cols["ally_name"], dtype=object),
            start_date=np.array(cols["start_date"], dtype=np.int64),
            end_date=np.array(cols["end_date"], dtype=np.int64),
            document_ref=np.array(cols["document_ref"], dtype=object),
            voided=np.array(cols["voided"], dtype=bool),
            version=np.ones(m, np.int64),
        )
        self.alliance_keep = keep

    def _sales(self, rng, ids, disb, disbursed, year, committed, office, chain) -> None:
        """Baseline in the disbursement year, then one row per closed year (≤ 2025)."""
        growth = np.array([CHAIN_GROWTH.get(c, 0.05) for c in self.ref.chain_names])[chain]
        growth = growth + 0.08 * self.office_quality[office]
        base = np.rint(committed * rng.lognormal(np.log(1.6), 0.5, len(ids)) / 1e3) * 1e3
        last_year = REFERENCE_DATE.year - 1
        n_years = np.where(disbursed, np.clip(last_year - year, 0, None), 0)
        bp = np.repeat(ids, 1 + n_years)
        first = np.concatenate([[0], np.cumsum(1 + n_years)[:-1]])
        step = np.arange(len(bp)) - np.repeat(first, 1 + n_years)
        g = np.repeat(growth, 1 + n_years) + rng.normal(0, 0.12, len(bp))
        g[step == 0] = 0.0
        # Cumulative growth within each plan: product of (1 + g) over its rows.
        logf = np.log1p(np.clip(g, -0.6, None))
        cum = np.cumsum(logf)
        cum -= np.repeat(cum[first], 1 + n_years)
        amount = (np.rint(np.repeat(base, 1 + n_years) * np.exp(cum) / 1e3) * 1e3).astype(np.int64)
        m = len(bp)
        self.tables["sales"] = Frame(
            id=np.arange(1, m + 1),
            business_plan_id=bp,
            year=np.repeat(year, 1 + n_years) + step,
            amount_cop=amount,
            is_baseline=step == 0,
            version=np.ones(m, np.int64),
        )

    # -- ANS: definitions per route × service, reported measurements per contract × quarter
    def _sla(self) -> None:
        rng = self.rng(8)
        d_cols: dict[str, list] = {
            k: []
            for k in (
                "code",
                "route",
                "service_type_code",
                "name",
                "description",
                "kind",
                "derived_key",
                "unit",
                "target",
                "direction",
                "tolerance",
                "weight",
                "frequency",
            )
        }
        for route in ROUTE_ORDER:
            ri = ROUTE_ORDER.index(route)
            for service in services_for_route(route):
                for suffix, name, desc, kind, key, unit, targets, direction, tol, weight in _sla_templates(
                    service
                ):
                    d_cols["code"].append(f"{ROUTE_ABBR[route]}-{suffix}")
                    d_cols["route"].append(route)
                    d_cols["service_type_code"].append(service)
                    d_cols["name"].append(name)
                    d_cols["description"].append(desc)
                    d_cols["kind"].append(kind)
                    d_cols["derived_key"].append(key)
                    d_cols["unit"].append(unit)
                    d_cols["target"].append(float(targets[ri]))
                    d_cols["direction"].append(direction)
                    d_cols["tolerance"].append(float(tol))
                    d_cols["weight"].append(float(weight))
                    d_cols["frequency"].append("trimestral")
        nd = len(d_cols["code"])
        defs = Frame(
            {
                k: np.array(v, dtype=object if isinstance(v[0], str) or v[0] is None else None)
                for k, v in d_cols.items()
            }
        )
        defs["id"] = np.arange(1, nd + 1)
        defs["version"] = np.ones(nd, np.int64)
        self.tables["sla_definition"] = defs

        # Reported values per contract × quarter 2023Q1..2026Q3 (some never reported).
        quarters = [(y, q) for y in range(2023, 2027) for q in range(1, 5)][:15]
        m_def, m_con, m_q, m_val, m_rep_on = [], [], [], [], []
        contracts = self.tables["operator_contract"]
        for cid, route in zip(contracts["id"].tolist(), contracts["route"].tolist()):
            op = int(self.contract_operator[cid])
            qual, late = self.op_quality[op], bool(self.op_late[op])
            miss = 0.05 + (0.15 if late else 0.0) + (0.1 if qual < -0.6 else 0.0)
            for di in range(nd):
                if d_cols["route"][di] != route or d_cols["kind"][di] != "reported":
                    continue
                target, direction = d_cols["target"][di], d_cols["direction"][di]
                tol, unit = d_cols["tolerance"][di], d_cols["unit"][di]
                for yi, (y, q) in enumerate(quarters):
                    q_end = _day(f"{y + (q == 4)}-{(3 * q) % 12 + 1:02d}-01") - 1
                    if q_end < int(self.contract_start[cid]):
                        continue
                    if rng.random() < miss:
                        continue
                    trend = 0.02 * yi  # operators improve over the years
                    rel = 1 + 0.12 * qual + trend + rng.normal(0, 0.08)
                    if direction == "higher":
                        val = target * rel
                    else:
                        val = target * (2 - rel)
                    val = float(np.clip(val, 0, 100)) if unit == "%" else max(0.0, float(val))
                    rep_on = min(q_end + int(rng.integers(5, 20 if not late else 60)), TODAY)
                    m_def.append(di + 1)
                    m_con.append(cid)
                    m_q.append(f"{y}Q{q}")
                    m_val.append(round(val, 2))
                    m_rep_on.append(rep_on)
        m = len(m_def)
        m_con_a = np.array(m_con, dtype=np.int64)
        self.tables["sla_measurement"] = Frame(
            id=np.arange(1, m + 1),
            definition_id=np.array(m_def, dtype=np.int64),
            contract_id=m_con_a,
            quarter=np.array(m_q, dtype=object),
            value=np.array(m_val, dtype=float),
            evidence_ref=np.array(
                [
                    f"ANS/{self.contract_code[c]}/{q}/{d_cols['code'][d - 1]}.pdf"
                    for c, q, d in zip(m_con, m_q, m_def)
                ],
                dtype=object,
            ),
            reported_by=np.array(
                [f"reportes.{self.op_code[self.contract_operator[c]].lower()}" for c in m_con], dtype=object
            ),
            reported_on=np.array(m_rep_on, dtype=np.int64),
            version=np.ones(m, np.int64),
        )


def _office_short(code: str) -> str:
    return {
        "NOC": "Antioquia y Eje Cafetero",
        "CAR": "la Costa",
        "NOR": "Santander",
        "CEN": "Cundinamarca",
        "PAC": "el Pacífico",
        "SUR": "el Huila",
        "ORI": "los Llanos",
        "AMA": "la Amazonía",
    }.get(code, code)


def _sla_templates(service: str) -> list[tuple]:
    """ANS of one service: (suffix, name, description, kind, derived_key, unit,
    targets per route (básica, intermedia, competitividad), direction, tolerance, weight)."""
    ab = {
        "capacidades": "CAP",
        "asistencia_tecnica": "AT",
        "asociatividad": "ASO",
        "comercializacion": "COM",
        "financieros": "FIN",
        "monitoreo": "MON",
        "innovacion": "INN",
        "ordenamiento": "ORD",
    }[service]
    label = SERVICE_TYPES[service].lower()
    coverage_target = {"asistencia_tecnica": 90, "monitoreo": 85, "capacidades": 80}.get(service, 60)
    out = {
        "capacidades": [
            (
                "CAP-HOR",
                "Horas de formación por participante",
                "Promedio de horas de formación impartidas en el trimestre a cada participante activo.",
                "reported",
                None,
                "número",
                (10, 14, 18),
                "higher",
                2,
                1,
            ),
            (
                "CAP-SAT",
                "Satisfacción con la formación",
                "Porcentaje de participantes que califican la formación como buena o excelente "
                "en la encuesta del trimestre.",
                "reported",
                None,
                "%",
                (85, 85, 85),
                "higher",
                5,
                1,
            ),
        ],
        "asistencia_tecnica": [
            (
                "AT-VIS",
                "Visitas de asistencia técnica por participante",
                "Visitas de asistencia técnica en el trimestre por participante con servicios activados.",
                "reported",
                None,
                "número",
                (2, 2, 2.5),
                "higher",
                0.3,
                2,
            ),
            (
                "AT-DIA",
                "Días del ingreso a la primera asistencia técnica",
                "Mediana de días entre el ingreso a la ruta y la primera entrega de asistencia técnica: "
                "mide la oportunidad del servicio.",
                "derived",
                "dias_ingreso_primera_asistencia",
                "días",
                (260, 300, 320),
                "lower",
                30,
                2,
            ),
        ],
        "asociatividad": [
            (
                "ASO-ENC",
                "Encuentros de asociatividad realizados",
                "Encuentros de intercambio y fortalecimiento del capital social realizados en el trimestre.",
                "reported",
                None,
                "número",
                (2, 4, 6),
                "higher",
                1,
                1,
            ),
        ],
        "comercializacion": [
            (
                "COM-ACU",
                "Acuerdos comerciales gestionados",
                "Acuerdos, órdenes de compra o ruedas de negocio con resultado gestionados en el trimestre.",
                "reported",
                None,
                "número",
                (3, 5, 8),
                "higher",
                1,
                2,
            ),
        ],
        "financieros": [
            (
                "FIN-INC",
                "Participantes con producto financiero o seguro",
                "Porcentaje de participantes activos con un crédito, ahorro o microseguro vigente.",
                "reported",
                None,
                "%",
                (40, 55, 65),
                "higher",
                10,
                1,
            ),
        ],
        "monitoreo": [
            (
                "MON-INF",
                "Informes de seguimiento entregados a tiempo",
                "Porcentaje de informes de seguimiento del trimestre entregados en la fecha acordada.",
                "reported",
                None,
                "%",
                (95, 95, 95),
                "higher",
                5,
                1,
            ),
            (
                "MON-REG",
                "Eventos de la ruta registrados en 15 días",
                "Porcentaje de eventos de etapa registrados en el sistema dentro de los 15 días "
                "siguientes a su ocurrencia.",
                "derived",
                "pct_eventos_registrados_15d",
                "%",
                (90, 90, 90),
                "higher",
                5,
                2,
            ),
        ],
        "innovacion": [
            (
                "INN-BPA",
                "Buenas prácticas adoptadas por proyecto",
                "Buenas prácticas productivas o ambientales adoptadas y verificadas por proyecto "
                "en el trimestre.",
                "reported",
                None,
                "número",
                (1, 2, 3),
                "higher",
                0.5,
                1,
            ),
        ],
        "ordenamiento": [
            (
                "ORD-GES",
                "Alertas de bienes públicos gestionadas",
                "Porcentaje de alertas territoriales de los municipios del contrato con gestión "
                "documentada ante la entidad competente.",
                "reported",
                None,
                "%",
                (70, 70, 70),
                "higher",
                10,
                1,
            ),
        ],
    }[service]
    out.append(
        (
            f"{ab}-COB",
            f"Cobertura de {label}",
            f"Porcentaje de participantes en «Servicios activados» que recibieron {label}.",
            "derived",
            "pct_cobertura_servicio",
            "%",
            (coverage_target,) * 3,
            "higher",
            10,
            1,
        )
    )
    return out


def generate(ref: Reference, scale: str, seed: int) -> dict[str, Frame]:
    """Every programme table for ``scale`` and ``seed`` (pure: no database access)."""
    return Generator(ref, scale, seed).run()


# --------------------------------------------------------------------------- loading

_DATE_COLS = {
    "operator_contract": ("start_date", "end_date"),
    "territorial_alert": ("opened_on", "closed_on"),
    "opr": ("created_on",),
    "household": ("registered_on",),
    "enrolment": ("entry_date", "exit_date"),
    "stage_event": ("event_date", "registered_on"),
    "service_delivery": ("delivery_date", "registered_on"),
    "business_plan": ("first_disbursement_date", "closure_date"),
    "alliance_evidence": ("start_date", "end_date"),
    "sla_measurement": ("reported_on",),
}
_NULLABLE_FK = {
    "household": ("opr_id",),
    "enrolment": ("household_id", "opr_id", "previous_enrolment_id"),
    "business_plan": ("enrolment_id",),
}


def _date_strings(arr: np.ndarray) -> list:
    """Int days → ISO strings (None for NULL) through a lookup table: fast on millions."""
    null = arr == NULL_DATE
    if null.all():
        return [None] * len(arr)
    lo, hi = int(arr[~null].min()), int(arr[~null].max())
    lut = np.datetime_as_string(_EPOCH + np.arange(lo, hi + 1).astype("timedelta64[D]"), unit="D").astype(
        object
    )
    out = lut[np.where(null, lo, arr) - lo]
    out[null] = None
    return out.tolist()


def _python_columns(table: str, frame: Frame, start: int, stop: int, sqlite: bool) -> list[list]:
    """One chunk of a frame as Python lists, in the table's column order."""
    out = []
    dates = _DATE_COLS.get(table, ())
    nullable = _NULLABLE_FK.get(table, ())
    for name in _column_names(table):
        arr = frame[name][start:stop]
        if name in dates:
            out.append(_date_strings(arr))
        elif name in nullable:
            vals = arr.astype(object)
            vals[arr == NULL_INT] = None
            out.append(vals.tolist())
        elif arr.dtype == bool:
            out.append(arr.astype(np.int64).tolist() if sqlite else arr.tolist())
        else:
            out.append(arr.tolist())
    return out


def _column_names(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns]


def _check_frames(tables: dict[str, Frame]) -> None:
    for name in PROGRAMME_TABLES:
        have, want = set(tables[name]), set(_column_names(name))
        if have != want:
            raise RuntimeError(
                f"demo: table {name}: missing {sorted(want - have)}, extra {sorted(have - want)}"
            )


def _load_sqlite(engine: Engine, tables: dict[str, Frame], chunk: int = 100_000) -> None:
    """Core ``insert()`` executemany in big batches, all in one (BEGIN IMMEDIATE) transaction.

    The insert is compiled once per table and run as a driver-level executemany over
    positional tuples, with values already in their SQLite storage form (ISO dates, 0/1):
    per-row dicts and bind processing would triple the load time on millions of rows.
    Foreign-key checks are off for the load only (ids are assigned consistently by the
    generator; the tests run ``PRAGMA foreign_key_check``): they would double it again.
    Secondary indexes are dropped and re-created from their own SQL around the load.
    """
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it is a no-op
        try:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                # Secondary indexes are rebuilt once after the load (a sort) rather than
                # maintained row by row; UNIQUE/PK auto-indexes (no SQL) stay.
                indexes = conn.execute(
                    sa.text(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        "AND tbl_name IN :names ORDER BY name"
                    ).bindparams(sa.bindparam("names", expanding=True)),
                    {"names": list(PROGRAMME_TABLES)},
                ).all()
                quote = conn.dialect.identifier_preparer.quote
                for idx, _ in indexes:
                    conn.exec_driver_sql(f"DROP INDEX {quote(idx)}")
                for name in PROGRAMME_TABLES:
                    frame = tables[name]
                    cols = _column_names(name)
                    compiled = sa.insert(sa.table(name, *[sa.column(c) for c in cols])).compile(
                        dialect=conn.dialect, column_keys=cols
                    )
                    if list(compiled.positiontup) != cols:
                        raise RuntimeError(f"demo: unexpected parameter order for {name}")
                    n = len(frame)
                    for start in range(0, n, chunk):
                        values = _python_columns(name, frame, start, min(n, start + chunk), sqlite=True)
                        conn.exec_driver_sql(compiled.string, list(zip(*values)))
                for _, definition in indexes:
                    conn.exec_driver_sql(definition)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _load_postgres(engine: Engine, tables: dict[str, Frame], chunk: int = 200_000) -> None:
    """psycopg 3 ``COPY ... FROM STDIN`` on the engine's own connection and transaction.

    As the PostgreSQL manual advises for bulk loads ("Populating a Database"), foreign
    keys and secondary indexes of the loaded tables are dropped first and re-created
    after the COPY, in the same transaction: row-by-row FK triggers (each locking its
    parent row) made the national load five times slower. Definitions come from the
    catalogue, so whatever the migrations created is restored exactly.
    """
    from psycopg import sql

    names = list(PROGRAMME_TABLES)
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        fks = conn.execute(
            sa.text(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
                "WHERE k.contype = 'f' AND s.nspname = current_schema() AND c.relname = ANY(:names) "
                "ORDER BY c.relname, k.conname"
            ),
            {"names": names},
        ).all()
        indexes = conn.execute(
            sa.text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(:names) AND i.indexname NOT IN (SELECT k.conname FROM pg_constraint k "
                "WHERE k.contype IN ('p', 'u', 'x')) ORDER BY i.indexname"
            ),
            {"names": names},
        ).all()
        for table, con, _ in fks:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(con)}")
        for idx, _ in indexes:
            conn.exec_driver_sql(f"DROP INDEX {quote(idx)}")

        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            for name in names:
                frame = tables[name]
                cols = _column_names(name)
                stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols))
                )
                n = len(frame)
                if not n:
                    continue
                with cur.copy(stmt) as copy:
                    for start in range(0, n, chunk):
                        values = _python_columns(name, frame, start, min(n, start + chunk), sqlite=False)
                        for row in zip(*values):
                            copy.write_row(row)

        for _, definition in indexes:
            conn.exec_driver_sql(definition)
        for table, con, definition in fks:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(con)} {definition}")


def _after_load(engine: Engine) -> None:
    """Sequences past the explicit ids (PostgreSQL) and fresh planner statistics."""
    md = Base.metadata.tables
    if is_sqlite(engine):
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA analysis_limit=2000")
            raw.execute("ANALYZE")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with engine.begin() as conn:
        for name in PROGRAMME_TABLES:
            t = md[name]
            if "id" not in t.c:
                continue
            top = select(func.max(t.c.id)).scalar_subquery()
            conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(name, "id"), func.coalesce(top, 1), top.is_not(None)
                    )
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in PROGRAMME_TABLES:
            # VACUUM too: a fresh visibility map lets covering indexes answer alone
            conn.exec_driver_sql(f'VACUUM ANALYZE "{name}"')  # identifiers from a fixed list


# ------------------------------------------------------------------------ store ops


def programme_counts(url: str | None = None) -> dict[str, int]:
    md = Base.metadata.tables
    with get_engine(url).connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(md[t])).scalar_one() for t in PROGRAMME_TABLES
        }


def household_count(url: str | None = None) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(Base.metadata.tables["household"])).scalar_one()


def clear_programme(url: str | None = None) -> None:
    """Delete every programme row (children first) and the demo accounts.

    Other accounts tied to a deleted operator lose that link (their scope becomes empty:
    default-deny) rather than blocking the delete.
    """
    engine = get_engine(url)
    md = Base.metadata.tables
    users = md["app_user"]
    demo_names = [u for u, _, _ in DEMO_ACCOUNTS]
    if is_sqlite(engine):
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            # Unindexed self-references (previous_enrolment_id) make FK checks on a mass
            # delete quadratic; the whole programme goes, so checks are off for this delete.
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    conn.execute(sa.delete(users).where(users.c.username.in_(demo_names)))
                    conn.execute(
                        sa.update(users).where(users.c.operator_id.is_not(None)).values(operator_id=None)
                    )
                    for name in reversed(PROGRAMME_TABLES):
                        conn.execute(sa.delete(md[name]))
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
        return
    with engine.begin() as conn:
        conn.execute(sa.delete(users).where(users.c.username.in_(demo_names)))
        conn.execute(sa.update(users).where(users.c.operator_id.is_not(None)).values(operator_id=None))
        # TRUNCATE of everything referencing operator in one statement; operator is still
        # referenced by app_user, so it is deleted row by row (it is small).
        names = [n for n in PROGRAMME_TABLES if n != "operator"]
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names))  # fixed identifiers
        conn.execute(sa.delete(md["operator"]))


def demo_passwords(seed: int) -> dict[str, str]:
    """Deterministic demo passwords, username → password (printed by the CLI; demo only)."""
    rng = np.random.default_rng([seed, 20261123])
    alphabet = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    return {u: "".join(alphabet[rng.integers(0, len(alphabet), 14)]) for u, _, _ in DEMO_ACCOUNTS}


def _create_accounts(url: str | None, ref: Reference, tables: dict[str, Frame], seed: int) -> list[dict]:
    from data_access.core.auth import create_user

    office_by_code = dict(zip(ref.office_codes, ref.office_ids.tolist()))
    ops = tables["operator"]
    enr_ops = tables["enrolment"]["operator_id"]
    counts = np.bincount(enr_ops, minlength=len(ops["id"]) + 1)[1:]
    with_contracts = np.isin(ops["id"], tables["operator_contract"]["operator_id"])
    cand = np.flatnonzero(ops["is_psde"] & with_contracts)
    op_id = int(ops["id"][cand[np.argmax(counts[cand])]])
    passwords = demo_passwords(seed)
    labels = {
        "directivo": "Directivo (demo)",
        "analista": "Analista PMO (demo)",
        "comite": "Comité regional Caribe (demo)",
        "comite_pac": "Comité regional Pacífico (demo)",
        "operador": f"{ops['name'][op_id - 1]} (demo)",
        "admin": "Administrador (demo)",
    }
    accounts = []
    for username, role, office in DEMO_ACCOUNTS:
        office_id = office_by_code.get(office) if office else None
        if office and office_id is None:
            raise RuntimeError(f"No existe la oficina regional «{office}» en el catálogo.")
        create_user(
            username,
            role,
            passwords[username],
            display_name=labels[username],
            email=f"{username}@{ACCOUNT_EMAIL_DOMAIN}",
            regional_office_id=office_id,
            operator_id=op_id if role == "operador" else None,
            url=url,
        )
        accounts.append({"role": role, "username": username, "password": passwords[username]})
    return accounts


def seed(url: str | None, scale: str, seed: int, *, replace: bool = False) -> dict:
    """Migrate, generate and bulk-load a demo programme; returns counts, accounts, timings.

    Refuses a store that already holds programme rows unless ``replace`` (which deletes
    them first). Prints nothing: the CLI and the benchmarks format the result.
    """
    from data_access.core.db import session_scope
    from data_access.core.versions import TOPICS, bump
    from data_access.migrate import upgrade

    if scale not in SCALES:
        raise ValueError(f"Escala «{scale}» desconocida: use {', '.join(SCALES)}.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    upgrade(url)
    engine = get_engine(url)
    existing = {t: n for t, n in programme_counts(url).items() if n}
    if existing and not replace:
        raise StoreNotEmpty(
            "El almacén ya tiene datos del programa ("
            + ", ".join(f"{t}: {n:,}".replace(",", ".") for t, n in existing.items())
            + "): use --replace para borrarlos o --if-empty para no hacer nada."
        )
    if existing:
        clear_programme(url)
    timings["prepare"] = time.perf_counter() - t0
    t = time.perf_counter()
    ref = read_reference(engine)
    tables = generate(ref, scale, seed)
    _check_frames(tables)
    timings["generate"] = time.perf_counter() - t
    t = time.perf_counter()
    if is_sqlite(engine):
        _load_sqlite(engine, tables)
    else:
        _load_postgres(engine, tables)
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    accounts = _create_accounts(url, ref, tables, seed)
    with session_scope(url, write=True) as s:
        bump(s, *TOPICS)
    _after_load(engine)
    timings["finish"] = time.perf_counter() - t
    return {
        "scale": scale,
        "seed": seed,
        "dialect": engine.dialect.name,
        "counts": {name: len(tables[name]) for name in PROGRAMME_TABLES},
        "accounts": accounts,
        "timings": timings,
        "elapsed_seconds": time.perf_counter() - t0,
    }
