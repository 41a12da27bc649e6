"""Seed 004, indicator 1.4.1: OPR still working under a productive alliance 18 months
after the first disbursement into the secondary account. Pure rule (no Streamlit, no SQL),
shared by the page, the CLI, the exports and — through the same named settings — by the
SQL aggregation in ``data_access.alliance.queries``.

The rule, for one plan de negocio (PN):

* Evaluation date D = first disbursement date + 18 calendar months; when that day does not
  exist, the last day of that month (2024-08-31 → 2026-02-28).
* A **contrato** counts when its ally is comercial and start ≤ D ≤ end (no end = open-ended).
* A **factura** counts when its ally is comercial and D − 180 days ≤ date ≤ D.
* A **crédito** counts when its ally is financiero and start ≤ D ≤ end (no end = open-ended).
* Voided evidence never counts.
* Ventanas 1 and 3: at least one counting contrato or factura. Ventana 2: that **and** at
  least one counting crédito (``VENTANA2_REQUIRES_CREDIT``).
* As of a cut-off C: PN not closed by C → *no ejecutado* (outside the indicator, counted
  apart); closed by C with D > C (or no D yet) → *pendiente*; otherwise in the denominator,
  and in the numerator (*cumple*) when its ventana's rule holds at D, else *no cumple*.
* Percent = 100 × numerator / denominator; no denominator → ``None`` ("sin datos", never 0 %).
  Meets the goal when percent ≥ 80.0; a group with fewer plans in the denominator than the
  minimum (``rules.core.small_n``, default 5) is «n pequeño», neither meeting nor failing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rules.core import small_n
from rules.core.calendar import add_months
from rules.core.formatting import fmt_date

# ------------------------------------------------------------------ named settings
EVALUATION_MONTHS = 18  # D = first disbursement + 18 calendar months
FACTURA_WINDOW_DAYS = 180  # an invoice counts when D − 180 days ≤ date ≤ D
VENTANA2_REQUIRES_CREDIT = True  # ventana 2 also needs a current credit with a financial ally
GOAL_PERCENT = 80.0  # meta: al menos 80 %
AT_RISK_MONTHS = 6  # at-risk list: D within the next 6 months

CONTRATO, FACTURA, CREDITO = "contrato", "factura", "credito"
COMERCIAL, FINANCIERO = "comercial", "financiero"

# Status of a PN as of a cut-off date.
COUNTED = "cumple"  # in the numerator (and the denominator)
FAILED = "no_cumple"  # in the denominator, not in the numerator
PENDING = "pendiente"  # closed by C, D after C (or no disbursement date)
NOT_EXECUTED = "no_ejecutado"  # not closed by C: excluded, counted apart
STATUSES = (COUNTED, FAILED, PENDING, NOT_EXECUTED)
STATUS_LABELS = {
    COUNTED: "Cumple (numerador)",
    FAILED: "No cumple",
    PENDING: "Pendiente (D posterior al corte)",
    NOT_EXECUTED: "No ejecutado al corte",
}


@dataclass(frozen=True)
class Settings:
    """The parameters of the rule, shown on the page and used by SQL and Python alike."""

    evaluation_months: int = EVALUATION_MONTHS
    factura_window_days: int = FACTURA_WINDOW_DAYS
    ventana2_requires_credit: bool = VENTANA2_REQUIRES_CREDIT
    goal_percent: float = GOAL_PERCENT
    at_risk_months: int = AT_RISK_MONTHS
    min_denominator: int = field(default_factory=small_n.minimum)  # fewer plans: «n pequeño»


def current_settings() -> Settings:
    """The module-level named settings, read at call time."""
    return Settings(
        evaluation_months=EVALUATION_MONTHS,
        factura_window_days=FACTURA_WINDOW_DAYS,
        ventana2_requires_credit=VENTANA2_REQUIRES_CREDIT,
        goal_percent=GOAL_PERCENT,
        at_risk_months=AT_RISK_MONTHS,
        min_denominator=small_n.minimum(),
    )


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else current_settings()


# ------------------------------------------------------------------ dates
def evaluation_date(first_disbursement: dt.date | None, settings: Settings | None = None) -> dt.date | None:
    """D = first disbursement + 18 calendar months (month-end clamp); None without a date."""
    if first_disbursement is None:
        return None
    return add_months(first_disbursement, _settings(settings).evaluation_months)


def factura_window_start(d: dt.date, settings: Settings | None = None) -> dt.date:
    """First day on which an invoice still counts for evaluation date ``d``."""
    return d - dt.timedelta(days=_settings(settings).factura_window_days)


# ------------------------------------------------------------------ evidence
@dataclass(frozen=True)
class Evidence:
    kind: str  # contrato | factura | credito
    ally_type: str  # comercial | financiero
    ally_name: str = ""
    start: dt.date | None = None  # a factura's date
    end: dt.date | None = None  # None = open-ended
    voided: bool = False
    ref: str = ""


@dataclass(frozen=True)
class EvidenceCheck:
    evidence: Evidence
    counts: bool
    requirement: str | None  # "comercial" (contrato/factura), "credito", or None (never usable)
    reason: str  # Spanish: why it counts or why not


def _current_on(ev: Evidence, d: dt.date) -> bool:
    return ev.start is not None and ev.start <= d and (ev.end is None or d <= ev.end)


def contrato_counts(ev: Evidence, d: dt.date) -> bool:
    return not ev.voided and ev.kind == CONTRATO and ev.ally_type == COMERCIAL and _current_on(ev, d)


def factura_counts(ev: Evidence, d: dt.date, settings: Settings | None = None) -> bool:
    return (
        not ev.voided
        and ev.kind == FACTURA
        and ev.ally_type == COMERCIAL
        and ev.start is not None
        and factura_window_start(d, settings) <= ev.start <= d
    )


def credito_counts(ev: Evidence, d: dt.date) -> bool:
    return not ev.voided and ev.kind == CREDITO and ev.ally_type == FINANCIERO and _current_on(ev, d)


def check_evidence(ev: Evidence, d: dt.date, settings: Settings | None = None) -> EvidenceCheck:
    """Whether one piece of evidence counts at D, with the reason in Spanish."""
    s = _settings(settings)
    who = f"{ev.kind} con «{ev.ally_name}»" if ev.ally_name else ev.kind
    when = fmt_date(d)
    if ev.voided:
        return EvidenceCheck(ev, False, None, f"{who}: anulado, no cuenta")
    if ev.kind in (CONTRATO, FACTURA):
        requirement = "comercial"
        if ev.ally_type != COMERCIAL:
            return EvidenceCheck(ev, False, None,
                                 f"{who}: el aliado es {ev.ally_type}; solo cuentan aliados comerciales")
        if ev.kind == CONTRATO:
            if contrato_counts(ev, d):
                end = "sin fecha de fin" if ev.end is None else f"hasta {fmt_date(ev.end)}"
                return EvidenceCheck(ev, True, requirement,
                                     f"{who}: vigente en D ({when}), desde {fmt_date(ev.start)} {end}")
            if ev.start is None or ev.start > d:
                return EvidenceCheck(ev, False, requirement,
                                     f"{who}: inicia el {fmt_date(ev.start)}, después de D ({when})")
            return EvidenceCheck(ev, False, requirement, f"{who}: terminó el {fmt_date(ev.end)}, antes de D ({when})")
        window = factura_window_start(d, s)
        if factura_counts(ev, d, s):
            return EvidenceCheck(ev, True, requirement,
                                 f"{who}: fecha {fmt_date(ev.start)} dentro de los {s.factura_window_days} días "
                                 f"hasta D ({when})")
        if ev.start is None or ev.start > d:
            return EvidenceCheck(ev, False, requirement, f"{who}: fecha {fmt_date(ev.start)} posterior a D ({when})")
        return EvidenceCheck(ev, False, requirement,
                             f"{who}: fecha {fmt_date(ev.start)} anterior a la ventana de {s.factura_window_days} días "
                             f"({fmt_date(window)} a {when})")
    if ev.kind == CREDITO:
        requirement = "credito"
        if ev.ally_type != FINANCIERO:
            return EvidenceCheck(ev, False, None,
                                 f"{who}: el aliado es {ev.ally_type}; un crédito requiere aliado financiero")
        if credito_counts(ev, d):
            end = "sin fecha de fin" if ev.end is None else f"hasta {fmt_date(ev.end)}"
            return EvidenceCheck(ev, True, requirement,
                                 f"{who}: vigente en D ({when}), desde {fmt_date(ev.start)} {end}")
        if ev.start is None or ev.start > d:
            return EvidenceCheck(ev, False, requirement,
                                 f"{who}: inicia el {fmt_date(ev.start)}, después de D ({when})")
        return EvidenceCheck(ev, False, requirement, f"{who}: terminó el {fmt_date(ev.end)}, antes de D ({when})")
    return EvidenceCheck(ev, False, None, f"{who}: tipo de evidencia desconocido")


def credit_required(ventana: int, settings: Settings | None = None) -> bool:
    return ventana == 2 and _settings(settings).ventana2_requires_credit


def commercial_ok(evidences: Iterable[Evidence], d: dt.date, settings: Settings | None = None) -> bool:
    return any(contrato_counts(e, d) or factura_counts(e, d, settings) for e in evidences)


def credit_ok(evidences: Iterable[Evidence], d: dt.date) -> bool:
    return any(credito_counts(e, d) for e in evidences)


def satisfies(ventana: int, evidences: Sequence[Evidence], d: dt.date, settings: Settings | None = None) -> bool:
    """Does the PN's evidence satisfy its ventana's rule at evaluation date ``d``?"""
    if not commercial_ok(evidences, d, settings):
        return False
    return credit_ok(evidences, d) if credit_required(ventana, settings) else True


# ------------------------------------------------------------------ classification
@dataclass(frozen=True)
class PlanOutcome:
    status: str
    evaluation_date: dt.date | None
    commercial_ok: bool
    credit_ok: bool
    credit_required: bool
    rule_ok: bool  # the ventana's rule holds at D (whatever the cut-off)
    checks: tuple[EvidenceCheck, ...] = field(default_factory=tuple)
    summary: str = ""

    @property
    def in_denominator(self) -> bool:
        return self.status in (COUNTED, FAILED)

    @property
    def in_numerator(self) -> bool:
        return self.status == COUNTED


def _failure_reasons(ventana: int, checks: Sequence[EvidenceCheck], com_ok: bool, cred_ok: bool,
                     cred_required: bool, d: dt.date, s: Settings) -> list[str]:
    reasons = []
    if not com_ok:
        commercial = [c for c in checks if c.requirement == "comercial"]
        if commercial:
            reasons.append("ningún contrato ni factura con aliado comercial cuenta en D: "
                           + "; ".join(c.reason for c in commercial))
        else:
            reasons.append("sin contratos ni facturas con aliados comerciales")
    if cred_required and not cred_ok:
        credits = [c for c in checks if c.requirement == "credito"]
        if credits:
            reasons.append("ventana 2 sin crédito vigente con aliado financiero en D: "
                           + "; ".join(c.reason for c in credits))
        else:
            reasons.append("ventana 2 sin crédito con aliado financiero")
    unusable = [c.reason for c in checks if c.requirement is None]
    if unusable:
        reasons.append("no cuentan: " + "; ".join(unusable))
    return reasons


def evaluate_plan(
    ventana: int,
    first_disbursement: dt.date | None,
    closure: dt.date | None,
    evidences: Sequence[Evidence],
    cutoff: dt.date,
    settings: Settings | None = None,
) -> PlanOutcome:
    """Classify one PN as of cut-off ``cutoff`` and explain which evidence counted or why not."""
    s = _settings(settings)
    d = evaluation_date(first_disbursement, s)
    cred_required = credit_required(ventana, s)
    if d is None:
        checks: tuple[EvidenceCheck, ...] = ()
        com_ok = cred_ok = rule_ok = False
    else:
        checks = tuple(check_evidence(e, d, s) for e in evidences)
        com_ok = any(c.counts and c.requirement == "comercial" for c in checks)
        cred_ok = any(c.counts and c.requirement == "credito" for c in checks)
        rule_ok = com_ok and (cred_ok or not cred_required)
    if closure is None or closure > cutoff:
        status = NOT_EXECUTED
        summary = ("No ejecutado al corte: sin fecha de cierre" if closure is None
                   else f"No ejecutado al corte: cierre el {fmt_date(closure)}, después del corte {fmt_date(cutoff)}")
    elif d is None:
        status = PENDING
        summary = "Pendiente: sin fecha de primer desembolso, no se puede calcular D"
    elif d > cutoff:
        status = PENDING
        summary = f"Pendiente: D ({fmt_date(d)}) es posterior al corte {fmt_date(cutoff)}"
    elif rule_ok:
        status = COUNTED
        counted = [c.reason for c in checks if c.counts and (c.requirement == "comercial" or cred_required)]
        summary = "Cumple: " + "; ".join(counted)
    else:
        status = FAILED
        summary = "No cumple: " + " · ".join(_failure_reasons(ventana, checks, com_ok, cred_ok, cred_required, d, s))
    return PlanOutcome(status, d, com_ok, cred_ok, cred_required, rule_ok, checks, summary)


def classify(ventana: int, first_disbursement: dt.date | None, closure: dt.date | None,
             evidences: Sequence[Evidence], cutoff: dt.date, settings: Settings | None = None) -> str:
    return evaluate_plan(ventana, first_disbursement, closure, evidences, cutoff, settings).status


# ------------------------------------------------------------------ the indicator
def percent(numerator: int, denominator: int) -> float | None:
    """100 × numerator / denominator; None ("sin datos") without a denominator, never 0 %."""
    if not denominator:
        return None
    return (100 * numerator) / denominator


def meets_goal(value: float | None, settings: Settings | None = None) -> bool | None:
    """True when ≥ 80.0; None when there is no value (sin datos)."""
    if value is None:
        return None
    return value >= _settings(settings).goal_percent


def goal_status(numerator: int, denominator: int, settings: Settings | None = None) -> str:
    """The state of a group's share: ``small_n.MET`` (cumple), ``MISSED`` (no cumple), ``SMALL_N``
    (fewer plans than the minimum denominator: neither) or ``NO_DATA`` (no denominator).
    The one answer the page, its chart colours, the slides, the pack and the CSV all show."""
    s = _settings(settings)
    return small_n.state(percent(numerator, denominator), denominator, s.goal_percent, s.min_denominator)


def goal_label(value: float | None, settings: Settings | None = None) -> str:
    """Traffic light in text and icon, never colour alone."""
    met = meets_goal(value, settings)
    if met is None:
        return "ℹ️ Sin datos"
    return "✅ Cumple" if met else "⚠️ No cumple"


@dataclass(frozen=True)
class Tally:
    numerator: int = 0
    denominator: int = 0
    pending: int = 0
    not_executed: int = 0

    @property
    def failed(self) -> int:
        return self.denominator - self.numerator

    @property
    def percent(self) -> float | None:
        return percent(self.numerator, self.denominator)


def tally(statuses: Iterable[str]) -> Tally:
    counts = {s: 0 for s in STATUSES}
    for st in statuses:
        counts[st] += 1
    return Tally(
        numerator=counts[COUNTED],
        denominator=counts[COUNTED] + counts[FAILED],
        pending=counts[PENDING],
        not_executed=counts[NOT_EXECUTED],
    )


# ------------------------------------------------------------------ at risk
def at_risk_window(today: dt.date, settings: Settings | None = None) -> tuple[dt.date, dt.date]:
    """D in [today, today + 6 months] is "due soon"."""
    return today, add_months(today, _settings(settings).at_risk_months)


def at_risk_reasons(ventana: int, first_disbursement: dt.date | None, evidences: Sequence[Evidence],
                    today: dt.date, settings: Settings | None = None) -> list[str] | None:
    """None when the PN is not at risk; else the reasons its current evidence would fail at D.

    At risk: D falls within the next ``AT_RISK_MONTHS`` months and the evidence on file
    today would not satisfy the ventana's rule at D (contract ending before D, no credit
    for ventana 2, no recent invoice...).
    """
    s = _settings(settings)
    d = evaluation_date(first_disbursement, s)
    if d is None:
        return None
    start, end = at_risk_window(today, s)
    if not (start <= d <= end):
        return None
    if satisfies(ventana, evidences, d, s):
        return None
    checks = [check_evidence(e, d, s) for e in evidences]
    com_ok = any(c.counts and c.requirement == "comercial" for c in checks)
    cred_ok = any(c.counts and c.requirement == "credito" for c in checks)
    return _failure_reasons(ventana, checks, com_ok, cred_ok, credit_required(ventana, s), d, s)


# ------------------------------------------------------------------ sales
def sales_increase(sales_total: int | float | None, baseline_total: int | float | None) -> float | None:
    """% increase of the year's sales over the baseline (ratio of sums); None without baseline."""
    if not baseline_total or sales_total is None:
        return None
    return 100.0 * (sales_total - baseline_total) / baseline_total


def rule_text(settings: Settings | None = None) -> list[str]:
    """The rule in plain Spanish, with its parameters."""
    s = _settings(settings)
    v2 = ("**y** al menos un crédito vigente con un aliado financiero" if s.ventana2_requires_credit
          else "(el crédito no se exige)")
    return [
        f"Fecha de evaluación D = fecha del primer desembolso a la cuenta secundaria + {s.evaluation_months} "
        "meses calendario; si ese día no existe, el último día de ese mes (31/08/2024 → 28/02/2026).",
        "Un **contrato** cuenta si el aliado es comercial y está vigente en D (inicio ≤ D ≤ fin; sin fin = "
        "indefinido).",
        f"Una **factura** cuenta si el aliado es comercial y su fecha está dentro de los {s.factura_window_days} "
        "días hasta D, incluido D (D − "
        f"{s.factura_window_days} días ≤ fecha ≤ D).",
        "Un **crédito** cuenta si el aliado es financiero y está vigente en D (inicio ≤ D ≤ fin; sin fin = "
        "indefinido). La evidencia anulada nunca cuenta.",
        "Ventanas 1 y 3: al menos un contrato o factura que cuente. Ventana 2: al menos un contrato o factura "
        f"que cuente {v2}.",
        "Al corte C: denominador = PN con cierre ≤ C y D ≤ C; numerador = los que cumplen la regla de su "
        "ventana; pendientes = cerrados con D > C; los PN sin cierre al corte se excluyen y se cuentan aparte.",
        f"Porcentaje = 100 × numerador / denominador; sin denominador se muestra «sin datos». Meta: al menos "
        f"{s.goal_percent:.0f} %.",
    ]
