"""The programme's indicator catalogue: one technical sheet per indicator (seed 004 style).

Each sheet says what the figure counts (its definition is the locale text the pages already
show, ``committee.def.*`` / ``alliance.definition``: one wording), its unit, numerator and
denominator, source, frequency, direction and how it adds up across territories. Stock
indicators (cumulative at a date) start the year's trajectory from the previous year's end
value; flow indicators and rates from zero / the target itself (``rules.results.progress``).

Pure data: no Streamlit, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGHER, LOWER = "higher", "lower"
SUM, RATIO, DISTINCT = "sum", "ratio_of_sums", "distinct_count"
NUMBER, PERCENT, MONEY = "número", "%", "COP"
LEVELS = ("nacional", "oficina_regional", "departamento")


@dataclass(frozen=True)
class Indicator:
    code: str
    metric: str  # key of data_access.overview.queries.Headline.values (or households_<route>, promotions)
    name_key: str  # locale key of the name (es/en)
    definition_key: str  # locale key of the definition (the pages' wording)
    unit: str
    numerator: str
    denominator: str
    source: str
    frequency: str
    direction: str = HIGHER
    aggregation: str = SUM
    stock: bool = True  # cumulative at a date (trajectory from last year's end) vs a rate

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == RATIO


CATALOG: tuple[Indicator, ...] = (
    Indicator("hogares_atendidos", "households", "committee.kpi.households", "committee.def.households",
              NUMBER, "Hogares distintos con inscripción (ingreso ≤ fecha de corte)", "—",
              "Inscripciones (intake «inscripciones»)", "trimestral", aggregation=DISTINCT),
    Indicator("hogares_basica", "households_basica", "indicators.name.hogares_basica", "committee.def.households",
              NUMBER, "Hogares distintos con inscripción en la ruta básica", "—",
              "Inscripciones (intake «inscripciones»)", "trimestral", aggregation=DISTINCT),
    Indicator("hogares_intermedia", "households_intermedia", "indicators.name.hogares_intermedia",
              "committee.def.households", NUMBER, "Hogares distintos con inscripción en la ruta intermedia", "—",
              "Inscripciones (intake «inscripciones»)", "trimestral", aggregation=DISTINCT),
    Indicator("opr_atendidas", "opr", "committee.kpi.opr", "committee.def.opr", NUMBER,
              "OPR distintas con inscripción (ingreso ≤ fecha de corte)", "—",
              "Inscripciones (intake «inscripciones»)", "trimestral", aggregation=DISTINCT),
    Indicator("pn_ejecutados", "pn_executed", "committee.kpi.pn_executed", "committee.def.pn_executed", NUMBER,
              "PN con cierre en o antes de la fecha de corte", "—", "Planes de negocio (intake «planes_negocio»)",
              "trimestral"),
    Indicator("cofinanciacion_desembolsada", "cofin_disbursed", "committee.kpi.cofin_disbursed",
              "committee.def.cofin_disbursed", MONEY, "Σ cofinanciación desembolsada (COP) de PN con primer "
              "desembolso ≤ fecha de corte + Σ desembolsada a microproyectos de hogares (ruta básica) ≤ fecha de corte",
              "—", "Planes de negocio y cofinanciación de hogares (intake «planes_negocio», «cofinanciacion_hogares»)",
              "trimestral"),
    Indicator("alianzas_18m", "alliance", "committee.kpi.alliance", "alliance.definition", PERCENT,
              "PN ejecutados cuya OPR sigue en alianza 18 meses después del primer desembolso",
              "PN ejecutados con 18 meses cumplidos desde el primer desembolso",
              "Matriz de seguimiento y evidencias (ficha 1.4.1)", "semestral", aggregation=RATIO, stock=False),
    Indicator("ans_cumplimiento", "sla", "committee.kpi.sla", "committee.def.sla", PERCENT,
              "Σ peso × crédito de los ANS exigibles", "Σ peso de los ANS exigibles",
              "Reportes de ANS de los operadores (intake «ans_reportes»)", "trimestral", aggregation=RATIO,
              stock=False),
    Indicator("municipios_atendidos", "municipalities_attended", "committee.kpi.municipalities_attended",
              "committee.def.municipalities_attended", NUMBER,
              "Municipios distintos con al menos una inscripción (ingreso ≤ fecha de corte)", "—",
              "Inscripciones (intake «inscripciones»)", "trimestral", aggregation=DISTINCT),
    Indicator("promociones", "promotions", "indicators.name.promociones", "indicators.def.promociones", NUMBER,
              "Inscripciones con mecanismo de ingreso «promocion» (ingreso ≤ fecha de corte)", "—",
              "Inscripciones (intake «inscripciones», «inscripcion_anterior»)", "trimestral"),
)
BY_CODE: dict[str, Indicator] = {i.code: i for i in CATALOG}


def get(code: str) -> Indicator:
    """The sheet of ``code``; a Spanish message naming the known codes otherwise."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"Indicador desconocido «{code}»: use uno de {', '.join(BY_CODE)}.") from None


def catalogue_markdown() -> str:
    """The README's indicator-catalogue table (``tests/test_results_indicators.py`` keeps them equal)."""
    from rules.core.i18n import t

    agg = {SUM: "suma", RATIO: "razón de sumas", DISTINCT: "conteo distinto"}
    out = ["| código | indicador | definición | unidad | numerador | denominador | fuente | frecuencia | "
           "dirección | agregación |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for i in CATALOG:
        cells = [f"`{i.code}`", t(i.name_key), t(i.definition_key, year="AAAA", goal="80 %"), i.unit, i.numerator,
                 i.denominator, i.source, i.frequency, "mayor es mejor" if i.direction == HIGHER else "menor es mejor",
                 agg[i.aggregation] + (" (acumulado)" if i.stock else " (tasa)")]
        out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(out) + "\n"
