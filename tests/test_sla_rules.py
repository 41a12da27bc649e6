"""Pure ANS scoring rules: direction, tolerance band, weights, missing measurements, trend, ranking."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.sla import scoring as R


@pytest.mark.parametrize(
    "value, target, direction, tolerance, expected",
    [
        # higher is better: target reached, inside the amber band, beyond it
        (90.0, 90, "higher", 5, R.CUMPLE),
        (95.0, 90, "higher", 5, R.CUMPLE),
        (85.0, 90, "higher", 5, R.EN_RIESGO),  # band edge is still amber
        (87.5, 90, "higher", 5, R.EN_RIESGO),
        (84.9, 90, "higher", 5, R.INCUMPLE),
        (89.99, 90, "higher", 0, R.INCUMPLE),  # no band: any miss is a breach
        # lower is better (e.g. días)
        (30.0, 30, "lower", 10, R.CUMPLE),
        (12.0, 30, "lower", 10, R.CUMPLE),
        (40.0, 30, "lower", 10, R.EN_RIESGO),
        (40.5, 30, "lower", 10, R.INCUMPLE),
        (0.1 + 0.2, 0.3, "lower", 0, R.CUMPLE),  # float noise at the target
    ],
)
def test_evaluate_direction_and_band(value, target, direction, tolerance, expected):
    assert R.evaluate(value, target, direction, tolerance) == expected


def test_missing_value_is_sin_reporte_not_compliance():
    assert R.evaluate(None, 90, "higher", 5) == R.SIN_REPORTE
    assert R.evaluate(None, 30, "lower", 10) == R.SIN_REPORTE
    assert R.is_breach(R.SIN_REPORTE) and R.is_breach(R.INCUMPLE)
    assert not R.is_breach(R.EN_RIESGO) and not R.is_breach(R.CUMPLE)
    # a derived ANS with no population is "sin base", not a report breach
    assert R.evaluate(None, 30, "lower", 10, has_base=False) == R.SIN_BASE
    assert not R.is_breach(R.SIN_BASE)


def test_evaluate_rejects_bad_parameters():
    with pytest.raises(ValueError, match="Sentido"):
        R.evaluate(1.0, 1, "up", 0)
    with pytest.raises(ValueError, match="tolerancia"):
        R.evaluate(1.0, 1, "higher", -1)


def test_weighted_score():
    items = [(2, R.CUMPLE), (1, R.EN_RIESGO), (1, R.INCUMPLE)]
    assert R.weighted_score(items) == pytest.approx(100 * (2 + 0.5) / 4)
    # weights matter: same statuses, heavier breach
    assert R.weighted_score([(1, R.CUMPLE), (3, R.INCUMPLE)]) == pytest.approx(25.0)
    assert R.weighted_score([(3, R.CUMPLE), (1, R.INCUMPLE)]) == pytest.approx(75.0)


def test_missing_reports_count_as_breaches_never_as_full_score():
    # every ANS unreported: zero, never 100 % and never "no data"
    assert R.weighted_score([(1, R.SIN_REPORTE), (2, R.SIN_REPORTE)]) == 0.0
    # one met, one unreported: the unreported one weighs like a breach
    assert R.weighted_score([(1, R.CUMPLE), (1, R.SIN_REPORTE)]) == pytest.approx(50.0)
    assert R.weighted_score([(1, R.CUMPLE), (1, R.SIN_REPORTE)]) == R.weighted_score([(1, R.CUMPLE), (1, R.INCUMPLE)])


def test_sin_base_is_left_out_and_empty_is_none():
    assert R.weighted_score([(5, R.SIN_BASE), (1, R.CUMPLE)]) == pytest.approx(100.0)
    assert R.weighted_score([(5, R.SIN_BASE)]) is None
    assert R.weighted_score([]) is None
    assert R.weighted_score([(0, R.CUMPLE)]) is None
    with pytest.raises(ValueError):
        R.weighted_score([(1, "verde")])


def test_trend():
    assert R.trend([50.0, 60.0]) == R.MEJORA
    assert R.trend([60.0, 50.0]) == R.EMPEORA
    assert R.trend([60.0, 61.0]) == R.ESTABLE
    assert R.trend([40.0, None, 70.0, None]) == R.MEJORA  # quarters without score are skipped
    assert R.trend([None, 70.0]) == R.SIN_TENDENCIA
    assert R.trend([]) == R.SIN_TENDENCIA


def test_rank_competition_with_ties_and_unscored():
    ranked = R.rank([("a", 50.0), ("b", 80.0), ("c", 80.0), ("d", None), ("e", 10.0)])
    assert [(e.key, e.rank) for e in ranked] == [("b", 1), ("c", 1), ("a", 3), ("e", 4), ("d", None)]


def test_contract_active_in_quarter():
    assert R.contract_active(dt.date(2026, 3, 31), None, "2026Q1")
    assert not R.contract_active(dt.date(2026, 4, 1), None, "2026Q1")
    assert not R.contract_active(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2026Q1")


def test_every_status_has_icon_text_and_colour():
    for s in R.STATUSES:
        assert R.STATUS_ICONS[s] and R.STATUS_LABELS[s] and R.STATUS_COLOURS[s]
    assert R.STATUS_ICONS[R.SIN_REPORTE] == "⏺"


def test_how_computed_plain_spanish():
    for key in R.DERIVED_KEYS:
        assert "trimestre" in R.how_computed("derived", key)
    assert "sin reporte" in R.how_computed("reported", None)
    assert "desconocida" in R.how_computed("derived", "otra_cosa")
    assert R.fmt_value(29.5, "días") == "29,5 días"
    assert R.fmt_value(75, "%") == "75 %"
    assert R.fmt_value(None, "%") == "sin dato"


def test_attention_order_puts_failed_then_unreported_then_at_risk_first():
    counts = {
        "OP-A": {R.CUMPLE: 9},
        "OP-B": {R.INCUMPLE: 1, R.SIN_REPORTE: 5},
        "OP-C": {R.INCUMPLE: 2},
        "OP-D": {R.SIN_REPORTE: 3, R.EN_RIESGO: 1},
        "OP-E": {R.SIN_REPORTE: 3, R.EN_RIESGO: 4},
        "OP-F": {R.INCUMPLE: 1, R.SIN_REPORTE: 5},
    }
    assert R.attention_order(counts) == ["OP-C", "OP-B", "OP-F", "OP-E", "OP-D", "OP-A"]
