"""Characterisation of people and territory (seed 000 §3 ii): the documented baseline measures
and the mapa de activos del territorio.

A baseline is measured twice per enrolment: at entry (``entrada``, the línea de base) and at
exit (``salida``, the follow-up). Households and OPR have their own small set of measures
(:data:`MEASURES`); each names the ``baseline`` column, the intake column, its unit and
definition (locale keys ``characterisation.measure.<code>`` / ``characterisation.def.<code>``).

The change from entry to exit compares only enrolments measured at BOTH moments with the
measure filled at both (that count is ``n``): mean at entry, mean at exit, mean change and the
share that improved (a higher value; for a yes/no measure, «no» at entry and «sí» at exit).
The aggregation runs in SQL (``data_access.characterisation.baselines``); :func:`summarise` is
the same arithmetic over pairs, for tests and small lists.

The asset map holds, per municipality, markets and centros de acopio, the institutional offer
and demand, and public goods with their state; a public good's ``category`` is an alert
category (``rules.core.catalog.ALERT_CATEGORIES``), which links it to the territorial alerts
of the same municipality and category.

Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rules.core.catalog import ALERT_CATEGORIES
from rules.core.i18n import t

ENTRADA, SALIDA = "entrada", "salida"
MOMENTS = (ENTRADA, SALIDA)
HOGAR, OPR = "hogar", "opr"

MONEY, SCORE, COUNT, YES_NO = "pesos", "puntaje", "número", "sí/no"


@dataclass(frozen=True)
class Measure:
    code: str  # the baseline column (data_access.core.models.Baseline)
    participant: str  # hogar | opr
    column: str  # the intake column of «lineas_base»
    unit: str  # MONEY | SCORE | COUNT | YES_NO
    minimum: float = 0
    maximum: float | None = None

    @property
    def boolean(self) -> bool:
        return self.unit == YES_NO

    def name(self, lang: str = "es") -> str:
        return t(f"characterisation.measure.{self.code}", lang)

    def definition(self, lang: str = "es") -> str:
        return t(f"characterisation.def.{self.code}", lang)


MEASURES: tuple[Measure, ...] = (
    Measure("income_cop", HOGAR, "ingreso_mensual_cop", MONEY),
    Measure("productive_assets_cop", HOGAR, "activos_productivos_cop", MONEY),
    Measure("capacities_score", HOGAR, "puntaje_capacidades", SCORE, maximum=100),
    Measure("credit_access", HOGAR, "acceso_credito", YES_NO),
    Measure("members", OPR, "asociados", COUNT),
    Measure("sales_cop", OPR, "ventas_anuales_cop", MONEY),
    Measure("formalised", OPR, "formalizada", YES_NO),
    Measure("markets", OPR, "canales_mercado", COUNT),
)
BY_CODE = {m.code: m for m in MEASURES}


def measures_for(participant: str) -> tuple[Measure, ...]:
    return tuple(m for m in MEASURES if m.participant == participant)


# ------------------------------------------------------------------ change entry → exit

BY = ("route", "cohort", "office", "department", "municipality", "operator")
"""How the change can be grouped: route, entry cohort (quarter), territory, operator."""


@dataclass(frozen=True)
class Change:
    """One measure's change over the ``n`` enrolments measured at both moments."""

    measure: str
    n: int
    entry_mean: float | None
    exit_mean: float | None
    improved: int

    @property
    def change_mean(self) -> float | None:
        if self.entry_mean is None or self.exit_mean is None:
            return None
        return self.exit_mean - self.entry_mean

    @property
    def improved_pct(self) -> float | None:
        return 100.0 * self.improved / self.n if self.n else None


def improved(entry, exit_) -> bool:
    """Better at exit: a higher value; a yes/no measure, «no» at entry and «sí» at exit."""
    return float(exit_) > float(entry)


def summarise(measure: Measure, pairs: Iterable[tuple[object, object]]) -> Change:
    """The change of ``measure`` over (entry, exit) pairs; a pair with a blank side is not compared."""
    both = [(float(a), float(b)) for a, b in pairs if a is not None and b is not None]
    n = len(both)
    if not n:
        return Change(measure.code, 0, None, None, 0)
    return Change(measure.code, n, sum(a for a, _ in both) / n, sum(b for _, b in both) / n,
                  sum(1 for a, b in both if improved(a, b)))


# ------------------------------------------------------------------ asset map

ASSET_KINDS: dict[str, str] = {
    "mercado": "Mercado o plaza de mercado",
    "centro_acopio": "Centro de acopio",
    "oferta_institucional": "Oferta institucional (entidad o programa presente y sus servicios)",
    "demanda_institucional": "Demanda de actores institucionales (compras públicas, programas)",
    "bien_publico": "Bien público (vías terciarias, riego, electrificación…)",
}
MARKER_KINDS = ("mercado", "centro_acopio")
"""Kinds drawn as points on the map; the others are listed in the municipality's profile."""
PUBLIC_GOOD = "bien_publico"
PUBLIC_GOOD_STATUSES: dict[str, str] = {
    "bueno": "Bueno",
    "regular": "Regular",
    "malo": "Malo",
    "inexistente": "Inexistente",
}
PUBLIC_GOOD_CATEGORIES = tuple(c for c in ALERT_CATEGORIES if c != "formalizacion_tierras")
"""Public goods are physical: an alert category other than land formalisation."""
STATUS_ICONS = {"bueno": "●", "regular": "◐", "malo": "○", "inexistente": "✕"}
"""A state's symbol beside its word (never colour alone)."""


def asset_errors(kind: str, category: str | None, status: str | None) -> list[tuple[str, str]]:
    """(field, Spanish message) of an asset's kind, category and status: a public good has a
    category (an alert category) and a state; any other kind neither."""
    out: list[tuple[str, str]] = []
    if kind not in ASSET_KINDS:
        return [("kind", f"Tipo «{kind}» desconocido: use {', '.join(ASSET_KINDS)}.")]
    if kind == PUBLIC_GOOD:
        if category not in PUBLIC_GOOD_CATEGORIES:
            out.append(("category", "Un bien público lleva categoría: una de "
                                    f"{', '.join(PUBLIC_GOOD_CATEGORIES)}."))
        if status not in PUBLIC_GOOD_STATUSES:
            out.append(("status", f"Un bien público lleva estado: uno de {', '.join(PUBLIC_GOOD_STATUSES)}."))
    else:
        if category:
            out.append(("category", f"Solo un bien público lleva categoría: deje vacía la categoría de un "
                                    f"«{kind}»."))
        if status:
            out.append(("status", f"Solo un bien público lleva estado: deje vacío el estado de un «{kind}»."))
    return out


def measures_markdown() -> str:
    """The README's table of baseline measures (``tests`` keep the README block equal to it)."""
    lines = ["| Participante | Medida | Columna (hoja «lineas_base») | Unidad | Definición |",
             "| --- | --- | --- | --- | --- |"]
    for m in MEASURES:
        lines.append(f"| {m.participant} | {m.name('es')} | `{m.column}` | {m.unit} | {m.definition('es')} |")
    return "\n".join(lines) + "\n"
