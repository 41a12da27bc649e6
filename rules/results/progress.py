"""Progress against a target: the expected value at a cut-off, % of target, and the status.

Trajectory (documented choice):

* a **stock** indicator (cumulative at a date: households, OPR, PN executed, COP disbursed,
  municipalities, promotions) is expected to go linearly within the year from its value at the
  previous year's end (``start``) to the year's target; when quarterly targets exist, from the
  previous quarter's target (``start`` for Q1) to the cut-off quarter's target at its end;
* a **rate** (ratio of sums: alliance %, ANS compliance %) has no path: its expected value is
  the target in force (the quarter's when given, else the year's).

Status compares the value with the expected value: ratio ≥ ``at_risk()`` → «en meta»,
≥ ``lagging()`` → «en riesgo», below → «rezagado» (lower-is-better: expected / value). A rate
with a denominator under the minimum is «n pequeño» and not rated; no value or no target is
«sin meta» / «sin datos». Settings: ``TABLERO_TARGET_AT_RISK`` (0.9) and
``TABLERO_TARGET_LAGGING`` (0.75), fractions of the expected value. Status is shown as text and
icon (``ICONS``), never colour alone.
"""

from __future__ import annotations

import datetime as dt
import os

from rules.core import small_n
from rules.results.catalog import LOWER, Indicator

ON_TRACK, AT_RISK, LAGGING, SMALL_N, NO_TARGET, NO_DATA = (
    "en_meta", "en_riesgo", "rezagado", "n_pequeno", "sin_meta", "sin_datos")
STATUSES = (ON_TRACK, AT_RISK, LAGGING, SMALL_N, NO_TARGET, NO_DATA)
ICONS = {ON_TRACK: "✅", AT_RISK: "⚠️", LAGGING: "🔻", SMALL_N: "ⓝ", NO_TARGET: "○", NO_DATA: "—"}
AT_RISK_ENV, LAGGING_ENV = "TABLERO_TARGET_AT_RISK", "TABLERO_TARGET_LAGGING"
DEFAULT_AT_RISK, DEFAULT_LAGGING = 0.9, 0.75


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name}={raw!r} no es un número: use una fracción del valor esperado, p. ej. "
                         f"{name}={default}.") from None
    if not 0 < value <= 1:
        raise ValueError(f"{name}={value} debe estar entre 0 y 1 (fracción del valor esperado).")
    return value


def at_risk() -> float:
    """Fraction of the expected value from which an indicator is «en meta» (below: «en riesgo»)."""
    return _setting(AT_RISK_ENV, DEFAULT_AT_RISK)


def lagging() -> float:
    """Fraction of the expected value under which an indicator is «rezagado»."""
    return _setting(LAGGING_ENV, DEFAULT_LAGGING)


def _quarter_bounds(year: int, q: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def _fraction(cutoff: dt.date, first: dt.date, last: dt.date) -> float:
    """Share of ``[first, last]`` elapsed at the end of ``cutoff`` (0 before, 1 after)."""
    if cutoff < first:
        return 0.0
    if cutoff >= last:
        return 1.0
    return ((cutoff - first).days + 1) / ((last - first).days + 1)


def expected(ind: Indicator, cutoff: dt.date, year_target: float | None,
             quarter_targets: dict[int, float] | None = None, start: float = 0.0) -> float | None:
    """The value ``ind`` should have at ``cutoff`` in ``cutoff.year`` (None: no target)."""
    quarter_targets = quarter_targets or {}
    q = (cutoff.month - 1) // 3 + 1
    if not ind.stock:
        return quarter_targets.get(q, year_target)
    if q in quarter_targets:
        prev = max((k for k in quarter_targets if k < q), default=None)
        base = quarter_targets[prev] if prev is not None else start
        first, last = _quarter_bounds(cutoff.year, q)
        return base + (quarter_targets[q] - base) * _fraction(cutoff, first, last)
    if year_target is None:
        return None
    f = _fraction(cutoff, dt.date(cutoff.year, 1, 1), dt.date(cutoff.year, 12, 31))
    return start + (year_target - start) * f


def pct_of(ind: Indicator, value: float | None, target: float | None) -> float | None:
    """Value as % of the target (lower-is-better: target / value)."""
    if value is None or target is None:
        return None
    if ind.direction == LOWER:
        return 100.0 if value == 0 else 100.0 * target / value
    if target == 0:
        return None
    return 100.0 * value / target


def status(ind: Indicator, value: float | None, expected_value: float | None,
           denominator: int | None = None) -> str:
    """«en meta» / «en riesgo» / «rezagado» against the expected value; see the module doc."""
    if expected_value is None:
        return NO_TARGET
    if value is None:
        return NO_DATA
    if ind.is_ratio and small_n.is_small(denominator):
        return SMALL_N
    if ind.direction == LOWER:
        ratio = 1.0 if value <= expected_value else (expected_value / value if value else 1.0)
    else:
        ratio = 1.0 if expected_value <= 0 else value / expected_value
    if ratio >= at_risk():
        return ON_TRACK
    if ratio >= lagging():
        return AT_RISK
    return LAGGING


def format_value(ind: Indicator, value: float | None, lang: str = "es") -> str:
    """An indicator's value in its unit, es-CO or en (``rules.core.formatting``)."""
    from rules.core.formatting import fmt_int, fmt_money, fmt_pct
    from rules.results.catalog import MONEY, PERCENT

    if ind.unit == PERCENT:
        return fmt_pct(value, 1, lang)
    if ind.unit == MONEY:
        return fmt_money(value, lang)
    return fmt_int(value, lang)


def target_line(code: str | None, found: dict, lang: str = "es") -> str | None:
    """«Meta 1.500 · 96 % de la meta · ⚠️ En riesgo» for an indicator with a target in ``found``
    (code → an object with ``target``, ``pct_target``, ``status``); None otherwise."""
    from rules.core.formatting import fmt_pct
    from rules.core.i18n import t
    from rules.results.catalog import get

    p = found.get(code) if code else None
    if p is None:
        return None
    return t("indicators.target_line", lang, target=format_value(get(code), p.target, lang),
             pct=fmt_pct(p.pct_target, 0, lang), icon=ICONS[p.status], status=t(f"indicators.status.{p.status}", lang))
