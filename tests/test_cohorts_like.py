"""Cohorts compared like with like (issue 15, point 8): conversion at equal elapsed time since
entry, counted in SQL, checked against a small hand-computed programme on SQLite and PostgreSQL.

Cut-off 31/03/2025. Basic route, all in Medellín:

* 2024Q1: A1 (10/01/2024) graduates on 15/11/2024; A2 (01/02/2024) drops out on 29/08/2024.
* 2024Q4: Y1 (30/11/2024) reaches formalización on 28/02/2025 — exactly 3 months after entry
  (30/11 + 3 months is clamped to 28/02) — and viabilidad on 01/03/2025, one day later;
  Y2 (20/12/2024) only entered.
* 2025Q1: Z1 (10/02/2025) is less than 3 months old at the cut-off.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Household, Operator
from data_access.core.scope import Viewer
from data_access.routes import funnels as F
from rules.routes import model as R
from rules.routes.funnels import (
    Cohort,
    compare_funnels,
    like_for_like_months,
    months_observed,
    observed_entry_limit,
)
from tests.test_funnels_sql import _enrolment

ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL = R.STAGES
MEDELLIN = "05001"
CUTOFF = dt.date(2025, 3, 31)
ANALYST = Viewer("ana", "analista_pmo", scope_label="Nacional")
OLD, YOUNG = Cohort(quarters=("2024Q1",)), Cohort(quarters=("2024Q4",))

PEOPLE = {  # key: (entry date, [(stage, outcome, days after the previous event)])
    "A1": (dt.date(2024, 1, 10), [(ING, None, 0), (CAP, None, 10), (FML, None, 20), (VIA, R.VIABLE, 30),
                                  (SOL, None, 30), (REQ, R.CUMPLE, 20), (SRV, None, 10), (PLN, None, 180),
                                  (SAL, R.EXIT_GRADUADO, 10)]),
    "A2": (dt.date(2024, 2, 1), [(ING, None, 0), (CAP, None, 10), (SAL, R.EXIT_ABANDONO, 200)]),
    "Y1": (dt.date(2024, 11, 30), [(ING, None, 0), (CAP, None, 10), (FML, None, 80), (VIA, R.VIABLE, 1)]),
    "Y2": (dt.date(2024, 12, 20), [(ING, None, 0)]),
    "Z1": (dt.date(2025, 2, 10), [(ING, None, 0), (CAP, None, 5)]),
}


@pytest.fixture
def small(empty_store):
    with session_scope(empty_store, write=True) as s:
        s.add(Operator(id=1, code="OP1", name="Operador 1"))
        s.flush()
        for n, (key, (entry, history)) in enumerate(PEOPLE.items()):
            h = Household(code=f"H-{key}", head_name=f"Jefe {key}", document_id=f"20{n:08d}",
                          municipality_code=MEDELLIN, sex="F", age=40, youth=False, ethnicity="ninguna",
                          victim=False, registered_on=entry, version=1)
            s.add(h)
            s.flush()
            _enrolment(s, key, "basica", "barrido", entry, MEDELLIN, 1, history, household=h.id)
    return empty_store


def counts(funnel) -> list[int]:
    return [r.count for r in funnel["basica"]]


def test_elapsed_time_rules():
    assert months_observed(dt.date(2024, 3, 31), CUTOFF) == 12
    assert months_observed(dt.date(2024, 12, 31), CUTOFF) == 3
    assert months_observed(dt.date(2024, 12, 31), dt.date(2025, 3, 30)) == 2  # 31/12 + 3 months = 31/03
    assert months_observed(dt.date(2025, 4, 1), CUTOFF) == 0
    assert observed_entry_limit(CUTOFF, 3) == dt.date(2024, 12, 31)
    assert observed_entry_limit(dt.date(2025, 2, 28), 3) == dt.date(2024, 11, 30)  # 30/11 + 3 months = 28/02
    assert observed_entry_limit(CUTOFF, 0) == CUTOFF
    with pytest.raises(ValueError, match="Meses desde el ingreso"):
        observed_entry_limit(CUTOFF, -1)
    # The default comparison waits as long as the youngest compared quarter allows (1 to 12 months).
    assert like_for_like_months([OLD, YOUNG], CUTOFF) == 3
    assert like_for_like_months([OLD, Cohort()], CUTOFF) == 12
    assert like_for_like_months([Cohort(), Cohort()], CUTOFF, fallback="2024Q4") == 3
    assert like_for_like_months([Cohort(quarters=("2025Q1",))], CUTOFF) == 1


def test_funnel_at_equal_elapsed_time(small):
    f = GlobalFilters(cutoff=CUTOFF)
    #                    ING CAP FOR FML VIA SOL REQ SRV PLN SAL
    assert counts(F.funnel(ANALYST, f, OLD, small)) == [2, 2, 0, 1, 1, 1, 1, 1, 1, 1]
    old3 = F.funnel(ANALYST, f, OLD, small, months=3)
    assert counts(old3) == [2, 2, 0, 1, 1, 1, 0, 0, 0, 0]  # A1's requisitos (29/04) is after 10/04
    assert sum(r.lost for r in old3["basica"]) == 0  # A2 left after seven months
    young3 = F.funnel(ANALYST, f, YOUNG, small, months=3)
    assert counts(young3) == [2, 1, 0, 1, 0, 0, 0, 0, 0, 0]  # Y1's 28/02 counts, its 01/03 does not
    assert counts(F.funnel(ANALYST, f, YOUNG, small)) == [2, 1, 0, 1, 1, 0, 0, 0, 0, 0]
    rows = {r["stage"]: r for r in compare_funnels(old3["basica"], young3["basica"])}
    assert rows[CAP]["conversion_a"] == 100.0 and rows[CAP]["conversion_b"] == 50.0
    assert rows[CAP]["delta_conversion_pp"] == -50.0


def test_young_entrants_are_left_out_and_counted(small):
    f = GlobalFilters(cutoff=CUTOFF)
    every3 = F.funnel(ANALYST, f, Cohort(), small, months=3)
    assert counts(every3) == [4, 3, 0, 2, 1, 1, 0, 0, 0, 0]  # Z1 (10/02/2025) left out
    assert F.unobserved_entrants(ANALYST, f, Cohort(), 3, small) == {
        "basica": 1, "intermedia": 0, "competitividad": 0}
    assert F.unobserved_entrants(ANALYST, f, Cohort(), 12, small)["basica"] == 3  # Y1, Y2, Z1
    assert counts(F.funnel(ANALYST, f, Cohort(), small, months=12)) == counts(F.funnel(ANALYST, f, OLD, small))
    assert F.unobserved_entrants(ANALYST, f, YOUNG, 3, small)["basica"] == 0
    assert counts(F.funnel(ANALYST, f, Cohort(), small, months=24))[0] == 0  # nobody observed two years


# ------------------------------------------------------------------- the page (AppTest)

PAGE = "pages/routes.py"
DEMO_CUTOFF = dt.date(2026, 9, 30)


def _metrics(at, label: str) -> list[int]:
    return [int(m.value.split(" ")[0].replace(".", "")) for m in at.metric if m.label == label]


def test_comparison_defaults_to_equal_time_since_entry(demo_store):
    from tests.apptest_utils import all_text, run_app

    at = run_app(demo_store, "analista", page=PAGE)
    at.radio(key="rt_view").set_value("compare").run()
    assert not at.exception, at.exception
    # A = the default quarter (T3 2025, a year before the cut-off), B = every quarter.
    assert at.multiselect(key="ca_quarters").value == ["2025Q3"]
    assert at.toggle(key="rt_cmp_equal").value is True
    assert at.number_input(key="rt_cmp_months_12").value == 12
    f = GlobalFilters(cutoff=DEMO_CUTOFF)
    a = F.funnel(ANALYST, f, Cohort(quarters=("2025Q3",)), demo_store, months=12)
    b = F.funnel(ANALYST, f, Cohort(), demo_store, months=12)
    left_out = F.unobserved_entrants(ANALYST, f, Cohort(), 12, demo_store)
    assert left_out["basica"] > 0
    assert _metrics(at, "Ingresaron") == [a["basica"][0].count, b["basica"][0].count]
    assert _metrics(at, "Fuera (menos de 12 meses)") == [0, left_out["basica"]]
    text = all_text(at)
    assert "A 12 meses del ingreso" in text and "solo ingresos hasta el 30/09/2025" in text
    # Another elapsed time: every figure follows it.
    at.number_input(key="rt_cmp_months_12").set_value(6).run()
    b6 = F.funnel(ANALYST, f, Cohort(), demo_store, months=6)
    assert _metrics(at, "Ingresaron")[1] == b6["basica"][0].count > b["basica"][0].count
    assert "A 6 meses del ingreso" in all_text(at)
    # Switched off: each cohort as of the cut-off, said so.
    at.toggle(key="rt_cmp_equal").set_value(False).run()
    assert not at.exception, at.exception
    every = F.funnel(ANALYST, f, Cohort(), demo_store)
    assert _metrics(at, "Ingresaron")[1] == every["basica"][0].count
    assert "Sin igualar el tiempo" in all_text(at)
