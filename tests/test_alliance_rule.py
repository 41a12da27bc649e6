"""Seed 004 alliance rule, clause by clause (pure functions, no store)."""

from __future__ import annotations

import datetime as dt

import pytest

import rules.alliance.indicator as ra
from rules.alliance.indicator import (
    COUNTED,
    FAILED,
    NOT_EXECUTED,
    PENDING,
    Evidence,
    Settings,
    at_risk_reasons,
    classify,
    evaluate_plan,
    evaluation_date,
    meets_goal,
    percent,
    satisfies,
    tally,
)

D = dt.date


def contrato(start, end=None, ally="comercial", voided=False):
    return Evidence("contrato", ally, "Aliado C", start, end, voided)


def factura(day, ally="comercial", voided=False):
    return Evidence("factura", ally, "Aliado F", day, None, voided)


def credito(start, end=None, ally="financiero", voided=False):
    return Evidence("credito", ally, "Banco", start, end, voided)


# ----------------------------------------------------------------- evaluation date
@pytest.mark.parametrize(
    "first, expected",
    [
        (D(2024, 8, 31), D(2026, 2, 28)),  # the seed's example: month-end clamp
        (D(2024, 8, 30), D(2026, 2, 28)),
        (D(2024, 8, 28), D(2026, 2, 28)),
        (D(2024, 8, 27), D(2026, 2, 27)),
        (D(2022, 8, 31), D(2024, 2, 29)),  # leap year target
        (D(2022, 8, 29), D(2024, 2, 29)),
        (D(2024, 2, 29), D(2025, 8, 29)),  # leap-day start
        (D(2023, 12, 31), D(2025, 6, 30)),
        (D(2024, 7, 31), D(2026, 1, 31)),
        (D(2024, 1, 15), D(2025, 7, 15)),
        (D(2024, 6, 30), D(2025, 12, 30)),
    ],
)
def test_evaluation_date_month_end(first, expected):
    assert evaluation_date(first) == expected


def test_evaluation_date_missing():
    assert evaluation_date(None) is None


# ----------------------------------------------------------------- contrato
def test_contrato_current_on_d_counts_including_edges():
    d = D(2026, 2, 28)
    assert satisfies(1, [contrato(D(2025, 1, 1), D(2026, 2, 28))], d)  # ends on D
    assert satisfies(1, [contrato(D(2026, 2, 28), D(2027, 1, 1))], d)  # starts on D
    assert not satisfies(1, [contrato(D(2025, 1, 1), D(2026, 2, 27))], d)  # ended the day before
    assert not satisfies(1, [contrato(D(2026, 3, 1), None)], d)  # starts after D


def test_open_ended_contract_counts():
    assert satisfies(3, [contrato(D(2020, 1, 1), None)], D(2030, 12, 31))


def test_voided_evidence_never_counts():
    d = D(2026, 2, 28)
    assert not satisfies(1, [contrato(D(2025, 1, 1), None, voided=True)], d)
    assert not satisfies(1, [factura(d, voided=True)], d)
    assert not satisfies(2, [contrato(D(2025, 1, 1)), credito(D(2025, 1, 1), voided=True)], d)


# ----------------------------------------------------------------- factura
def test_factura_180_day_edge():
    d = D(2026, 2, 28)
    assert ra.FACTURA_WINDOW_DAYS == 180
    assert satisfies(1, [factura(d - dt.timedelta(days=180))], d)  # exactly 180 days counts
    assert not satisfies(1, [factura(d - dt.timedelta(days=181))], d)  # 181 does not
    assert satisfies(1, [factura(d)], d)  # on D counts
    assert not satisfies(1, [factura(d + dt.timedelta(days=1))], d)  # after D does not


def test_factura_window_is_a_named_setting(monkeypatch):
    d = D(2026, 2, 28)
    inv = [factura(d - dt.timedelta(days=200))]
    assert not satisfies(1, inv, d)
    monkeypatch.setattr(ra, "FACTURA_WINDOW_DAYS", 365)
    assert satisfies(1, inv, d)
    assert satisfies(1, inv, d, Settings(factura_window_days=200))
    assert not satisfies(1, inv, d, Settings(factura_window_days=199))


# ----------------------------------------------------------------- allies
def test_financiero_allies_do_not_count_as_comercial():
    d = D(2026, 2, 28)
    assert not satisfies(1, [contrato(D(2025, 1, 1), ally="financiero")], d)
    assert not satisfies(3, [factura(d, ally="financiero")], d)
    # and a credit with a commercial ally is not a credit
    assert not satisfies(2, [contrato(D(2025, 1, 1)), credito(D(2025, 1, 1), ally="comercial")], d)


def test_credit_alone_does_not_satisfy_any_ventana():
    d = D(2026, 2, 28)
    for v in (1, 2, 3):
        assert not satisfies(v, [credito(D(2025, 1, 1))], d)


# ----------------------------------------------------------------- ventanas
def test_ventana_2_needs_credit():
    d = D(2026, 2, 28)
    ev = [contrato(D(2025, 1, 1))]
    assert satisfies(1, ev, d)
    assert satisfies(3, ev, d)
    assert not satisfies(2, ev, d)  # ventana 2 without credit
    assert satisfies(2, ev + [credito(D(2025, 6, 1), None)], d)  # open-ended credit
    assert not satisfies(2, ev + [credito(D(2025, 6, 1), D(2026, 2, 27))], d)  # credit ended before D
    assert satisfies(2, [factura(d - dt.timedelta(days=10)), credito(D(2026, 2, 28), D(2026, 3, 1))], d)


def test_ventana_2_credit_requirement_is_a_named_setting(monkeypatch):
    d = D(2026, 2, 28)
    ev = [contrato(D(2025, 1, 1))]
    monkeypatch.setattr(ra, "VENTANA2_REQUIRES_CREDIT", False)
    assert satisfies(2, ev, d)
    assert ra.current_settings().ventana2_requires_credit is False


# ----------------------------------------------------------------- classification as of C
def test_classification_clauses():
    first = D(2024, 8, 31)  # D = 2026-02-28
    good = [contrato(D(2025, 1, 1))]
    # not closed by C → not executed (whatever the evidence)
    assert classify(1, first, None, good, D(2026, 6, 30)) == NOT_EXECUTED
    assert classify(1, first, D(2026, 7, 1), good, D(2026, 6, 30)) == NOT_EXECUTED
    # closed by C, D after C → pending
    assert classify(1, first, D(2025, 12, 1), good, D(2026, 2, 27)) == PENDING
    # closed on C, D on C → denominator; counted
    assert classify(1, first, D(2026, 2, 28), good, D(2026, 2, 28)) == COUNTED
    assert classify(1, first, D(2025, 12, 1), [], D(2026, 3, 31)) == FAILED
    # no disbursement date: cannot be evaluated → pending
    assert classify(1, None, D(2025, 12, 1), good, D(2026, 3, 31)) == PENDING


def test_evaluation_does_not_depend_on_cutoff_beyond_d():
    first = D(2024, 8, 31)
    ev = [contrato(D(2025, 1, 1), D(2026, 3, 15))]  # current at D, ended afterwards
    assert classify(1, first, D(2025, 12, 1), ev, D(2026, 12, 31)) == COUNTED


def test_explanations_name_the_evidence_and_the_failure():
    first = D(2024, 8, 31)
    out = evaluate_plan(2, first, D(2025, 12, 1),
                        [contrato(D(2025, 1, 1), D(2026, 1, 31)), factura(D(2025, 6, 1)),
                         credito(D(2025, 1, 1), ally="comercial")], D(2026, 3, 31))
    assert out.status == FAILED and out.evaluation_date == D(2026, 2, 28)
    assert "terminó el 31/01/2026, antes de D (28/02/2026)" in out.summary
    assert "anterior a la ventana de 180 días" in out.summary
    assert "ventana 2 sin crédito" in out.summary
    assert "requiere aliado financiero" in out.summary
    ok = evaluate_plan(1, first, D(2025, 12, 1), [factura(D(2026, 1, 10), ally="comercial")], D(2026, 3, 31))
    assert ok.status == COUNTED and ok.summary.startswith("Cumple: factura con «Aliado F»")
    pend = evaluate_plan(1, first, D(2025, 12, 1), [], D(2026, 1, 31))
    assert "posterior al corte" in pend.summary
    ne = evaluate_plan(1, first, None, [], D(2026, 1, 31))
    assert "sin fecha de cierre" in ne.summary


# ----------------------------------------------------------------- percent and goal
def test_percent_sin_datos_and_goal():
    assert percent(0, 0) is None  # sin datos, never 0 %
    assert percent(0, 3) == 0.0
    assert percent(4, 5) == 80.0
    assert meets_goal(80.0) is True
    assert meets_goal(79.99) is False
    assert meets_goal(None) is None
    assert ra.GOAL_PERCENT == 80.0
    t = tally([COUNTED, COUNTED, FAILED, PENDING, NOT_EXECUTED, NOT_EXECUTED])
    assert (t.numerator, t.denominator, t.pending, t.not_executed, t.failed) == (2, 3, 1, 2, 1)
    assert tally([PENDING, NOT_EXECUTED]).percent is None


def test_goal_label_text_not_colour():
    assert ra.goal_label(85.0) == "✅ Cumple"
    assert ra.goal_label(50.0) == "⚠️ No cumple"
    assert ra.goal_label(None) == "ℹ️ Sin datos"


# ----------------------------------------------------------------- at risk
def test_at_risk_reasons():
    today = D(2026, 11, 23)
    first = D(2025, 6, 15)  # D = 2026-12-15, inside the next 6 months
    assert evaluation_date(first) == D(2026, 12, 15)
    # contract ending before D
    r = at_risk_reasons(1, first, [contrato(D(2025, 1, 1), D(2026, 12, 1))], today)
    assert r and "terminó el 01/12/2026" in r[0]
    # ventana 2 without credit
    r = at_risk_reasons(2, first, [contrato(D(2025, 1, 1))], today)
    assert r and any("ventana 2 sin crédito" in x for x in r)
    # no recent invoice (too old for the 180-day window at D)
    r = at_risk_reasons(3, first, [factura(D(2026, 5, 1))], today)
    assert r and "anterior a la ventana" in r[0]
    # no evidence at all
    assert at_risk_reasons(1, first, [], today) == ["sin contratos ni facturas con aliados comerciales"]
    # fine evidence → not at risk
    assert at_risk_reasons(1, first, [contrato(D(2025, 1, 1))], today) is None
    # D beyond 6 months or already passed → not in the list
    assert at_risk_reasons(1, D(2026, 1, 15), [], today) is None  # D = 2027-07-15 > 2027-05-23
    assert at_risk_reasons(1, D(2025, 1, 15), [], today) is None  # D = 2026-07-15 < today
    assert at_risk_reasons(1, D(2025, 11, 23), [], today) is not None  # D = 2027-05-23, edge included


def test_sales_increase_ratio_of_sums():
    assert ra.sales_increase(150, 100) == 50.0
    assert ra.sales_increase(100, 0) is None
    assert ra.sales_increase(None, 100) is None
