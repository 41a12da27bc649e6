"""Operator ANS (Acuerdos de Niveles de Servicio) scoring — pure rules, no SQL, no Streamlit.

Seed 000 §2 d/e and §5: services are delivered by operators in a matrix and their quality
parameters are fixed in each contract as ANS per route. An ANS definition is data (route,
service type, unit, target, direction, tolerance band, weight, frequency); this module says
how a value is judged against it and how the judgements add up to a compliance score.

Status of one ANS value
    * ``cumple``      — on the good side of the target (``>= target`` when higher is better,
      ``<= target`` when lower is better).
    * ``en_riesgo``   — misses the target by no more than the tolerance band (amber).
    * ``incumple``    — misses the target by more than the tolerance band.
    * ``sin_reporte`` — no value for a contract that owed one: a breach of reporting. It scores
      zero, exactly like ``incumple``; a missing value is never read as 100 %.
    * ``sin_base``    — a derived ANS whose population is empty (e.g. nobody entered the route
      that quarter): there is nothing to measure, so it is left out of the score (neither
      credit nor penalty) and shown as such.

Weighted compliance score (0–100) of a set of ANS values (one operator × quarter, one
contract × quarter...)::

    score = 100 × Σ weightᵢ × creditᵢ / Σ weightᵢ     over every value whose status is not sin_base

with credit 1 for cumple, ½ for en riesgo and 0 for incumple and sin reporte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rules.core.calendar import quarter_bounds

CUMPLE = "cumple"
EN_RIESGO = "en_riesgo"
INCUMPLE = "incumple"
SIN_REPORTE = "sin_reporte"
SIN_BASE = "sin_base"
STATUSES = (CUMPLE, EN_RIESGO, INCUMPLE, SIN_REPORTE, SIN_BASE)

# Text + icon: a state is never told by colour alone.
STATUS_ICONS = {CUMPLE: "✅", EN_RIESGO: "⚠️", INCUMPLE: "❌", SIN_REPORTE: "⏺", SIN_BASE: "➖"}
STATUS_LABELS = {
    CUMPLE: "cumple",
    EN_RIESGO: "en riesgo",
    INCUMPLE: "incumple",
    SIN_REPORTE: "sin reporte",
    SIN_BASE: "sin base de cálculo",
}
# Okabe–Ito (colour-blind safe); always paired with the icon and the text above.
STATUS_COLOURS = {
    CUMPLE: "#009E73",
    EN_RIESGO: "#E69F00",
    INCUMPLE: "#D55E00",
    SIN_REPORTE: "#56B4E9",
    SIN_BASE: "#999999",
}
CREDIT = {CUMPLE: 1.0, EN_RIESGO: 0.5, INCUMPLE: 0.0, SIN_REPORTE: 0.0}
BREACHES = frozenset({INCUMPLE, SIN_REPORTE})

HIGHER, LOWER = "higher", "lower"
DIRECTIONS = {HIGHER: "mayor es mejor", LOWER: "menor es mejor"}
KINDS = {"reported": "reportado por el operador", "derived": "calculado por el tablero"}

_EPS = 1e-9  # values equal to the target (or the band edge) up to float noise count as inside

# ------------------------------------------------------------------ derived ANS (data keys)

DAYS_TO_FIRST_AT = "dias_ingreso_primera_asistencia"
EVENTS_ON_TIME = "pct_eventos_registrados_15d"
SERVICE_COVERAGE = "pct_cobertura_servicio"
ON_TIME_DAYS = 15  # an event registered within this many days of happening is on time
FIRST_VISIT_SERVICE = "asistencia_tecnica"

DERIVED_KEYS: dict[str, str] = {
    DAYS_TO_FIRST_AT: (
        "Mediana de días entre la fecha de ingreso a la ruta y la primera entrega de asistencia técnica, "
        "para los participantes del contrato que ingresaron en el trimestre y que a la fecha de corte ya "
        "llegaron a «Servicios activados» (desde ahí se les debe la visita). Quien a la fecha de corte aún "
        "no recibe su primera visita cuenta con los días transcurridos hasta el corte (ya esperó al menos "
        "eso), de modo que no atender nunca mejora el indicador. Con un número par de participantes la "
        "mediana es el promedio de los dos valores centrales. Si ningún participante del trimestre ha "
        "llegado a servicios activados, el ANS queda «sin base de cálculo»."
    ),
    EVENTS_ON_TIME: (
        f"Porcentaje de los eventos de etapa (ingreso, evaluaciones, formación, ... salida) de los "
        f"participantes del contrato ocurridos en el trimestre que el operador registró en el sistema a "
        f"más tardar {ON_TIME_DAYS} días después de ocurridos. Numerador: eventos registrados a tiempo; "
        f"denominador: eventos ocurridos en el trimestre hasta la fecha de corte."
    ),
    SERVICE_COVERAGE: (
        "Porcentaje de los participantes del contrato con servicios activados que recibieron el servicio "
        "de este ANS, medido al cierre del trimestre (o a la fecha de corte si es anterior). Denominador: "
        "participantes que a esa fecha ya habían llegado a «Servicios activados» y no habían salido de la "
        "ruta antes de iniciar el trimestre; numerador: los que, a esa misma fecha, tienen al menos una "
        "entrega registrada del servicio."
    ),
}
REPORTED_HOW = (
    "Valor que el operador reporta cada trimestre con su evidencia (documento o enlace), en el formulario de "
    "edición. Si el trimestre cierra sin valor reportado, el ANS queda «sin reporte» y cuenta como "
    "incumplimiento de reporte (puntaje cero)."
)


def how_computed(kind: str, derived_key: str | None) -> str:
    """Plain-Spanish explanation of how an ANS value is obtained."""
    if kind == "derived":
        return DERIVED_KEYS.get(derived_key or "", f"Derivación «{derived_key}» desconocida: revise la definición.")
    return REPORTED_HOW


# ------------------------------------------------------------------------------ scoring


def evaluate(value: float | None, target: float, direction: str, tolerance: float = 0.0,
             *, has_base: bool = True) -> str:
    """Status of one ANS value against its target.

    ``direction`` is ``higher`` (value must reach the target) or ``lower`` (must not exceed it);
    ``tolerance`` is the width of the amber band beyond the target. ``value`` None means no
    report (``sin_reporte``) — unless ``has_base`` is False (a derived ANS with nothing to
    measure: ``sin_base``).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"Sentido «{direction}» desconocido: use higher (mayor es mejor) o lower (menor es mejor).")
    if tolerance < 0:
        raise ValueError("La tolerancia no puede ser negativa: use 0 o un ancho de banda positivo.")
    if value is None:
        return SIN_REPORTE if has_base else SIN_BASE
    gap = (target - value) if direction == HIGHER else (value - target)  # > 0: misses the target
    if gap <= _EPS:
        return CUMPLE
    if gap <= tolerance + _EPS:
        return EN_RIESGO
    return INCUMPLE


def is_breach(status: str) -> bool:
    return status in BREACHES


def weighted_score(items: Iterable[tuple[float, str]]) -> float | None:
    """Weighted compliance (0–100) of ``(weight, status)`` pairs; None when nothing is scorable."""
    num = den = 0.0
    for weight, status in items:
        if status == SIN_BASE:
            continue
        if status not in CREDIT:
            raise ValueError(f"Estado «{status}» desconocido.")
        w = float(weight or 0.0)
        num += w * CREDIT[status]
        den += w
    if den <= 0:
        return None
    return 100.0 * num / den


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return counts


ATTENTION_FIRST = 15  # operators a chart of states shows before a person asks for all of them


def attention_order(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Operator codes of ``{code: {state: count}}``, those that need attention first: most ANS
    failed, then most without a report, then most at risk (the code breaks ties)."""
    return sorted(counts, key=lambda c: (-counts[c].get(INCUMPLE, 0), -counts[c].get(SIN_REPORTE, 0),
                                         -counts[c].get(EN_RIESGO, 0), c))


TREND_THRESHOLD = 2.0  # score points: smaller changes are "estable"
MEJORA, EMPEORA, ESTABLE, SIN_TENDENCIA = "mejora", "empeora", "estable", "sin_tendencia"
TREND_ICONS = {MEJORA: "↗", EMPEORA: "↘", ESTABLE: "→", SIN_TENDENCIA: "·"}


def trend(scores: Sequence[float | None], threshold: float = TREND_THRESHOLD) -> str:
    """Direction of a score series in quarter order: last value against the previous one
    that exists (quarters without a score are skipped)."""
    known = [s for s in scores if s is not None]
    if len(known) < 2:
        return SIN_TENDENCIA
    delta = known[-1] - known[-2]
    if delta > threshold:
        return MEJORA
    if delta < -threshold:
        return EMPEORA
    return ESTABLE


@dataclass(frozen=True)
class RankEntry:
    key: object
    score: float | None
    rank: int | None  # 1 = best; None when there is no score


def rank(scores: Sequence[tuple[object, float | None]]) -> list[RankEntry]:
    """Competition ranking (1, 2, 2, 4) by descending score; unscored entries go last unranked."""
    scored = sorted((s for s in scores if s[1] is not None), key=lambda kv: (-kv[1], str(kv[0])))
    out: list[RankEntry] = []
    prev: float | None = None
    prev_rank = 0
    for i, (key, score) in enumerate(scored, start=1):
        r = prev_rank if prev is not None and abs(score - prev) <= _EPS else i
        out.append(RankEntry(key, score, r))
        prev, prev_rank = score, r
    out.extend(RankEntry(k, None, None) for k, s in sorted(scores, key=lambda kv: str(kv[0])) if s is None)
    return out


# ----------------------------------------------------------------------------- contracts


def contract_active(start: dt.date, end: dt.date | None, quarter: str) -> bool:
    """A contract owes the ANS of a quarter when it runs on at least one day of it."""
    q_start, q_end = quarter_bounds(quarter)
    return start <= q_end and (end is None or end >= q_start)


def fmt_value(value: float | None, unit: str, lang: str = "es") -> str:
    """Short es-CO rendering of an ANS value with its unit (None → 'sin dato')."""
    if value is None:
        return "sin dato" if lang == "es" else "no value"
    from rules.core.formatting import fmt_num

    text = fmt_num(value, 0 if float(value).is_integer() else 1, lang)
    if unit == "%":
        return f"{text} %"
    if unit in ("días", "dias"):
        return f"{text} {'días' if lang == 'es' else 'days'}"
    return text
