"""Alliance indicator in SQL: identical to the pure rule, exact counts, scope, on both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.alliance import queries as al
from data_access.core.db import get_engine, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    Municipality,
    Operator,
    Opr,
    RegionalOffice,
    Sales,
)
from data_access.core.scope import Viewer
from rules.alliance import indicator as rule
from rules.core.calendar import quarter_ends

D = dt.date
NATIONAL = Viewer("t", "directivo", scope_label="Nacional")
CUTOFF = D(2026, 6, 30)

# codigo → (ventana, municipality, value chain, psde, first disbursement, closure, evidence, expected at CUTOFF)
# evidence: (kind, ally_type, start, end, voided)
PLANS = {
    "PN-01": (1, "05001", "Café", "PSA", D(2024, 8, 31), D(2025, 10, 1),
              [("contrato", "comercial", D(2025, 1, 1), None, False)], rule.COUNTED),
    "PN-02": (1, "05001", "Café", "PSA", D(2024, 8, 31), D(2025, 10, 1),
              [("factura", "comercial", D(2025, 9, 1), None, False)], rule.COUNTED),  # exactly D − 180
    "PN-03": (1, "08001", "Cacao", "PSA", D(2024, 8, 31), D(2025, 10, 1),
              [("factura", "comercial", D(2025, 8, 31), None, False)], rule.FAILED),  # D − 181
    "PN-04": (2, "08001", "Cacao", "PSB", D(2024, 8, 31), D(2025, 10, 1),
              [("contrato", "comercial", D(2025, 1, 1), D(2026, 12, 31), False)], rule.FAILED),  # no credit
    "PN-05": (2, "08001", "Cacao", "PSB", D(2024, 8, 31), D(2025, 10, 1),
              [("contrato", "comercial", D(2025, 1, 1), D(2026, 12, 31), False),
               ("credito", "financiero", D(2025, 2, 1), None, False)], rule.COUNTED),
    "PN-06": (3, "76001", "Café", "PSA", D(2024, 8, 31), D(2025, 10, 1),
              [("contrato", "financiero", D(2025, 1, 1), None, False)], rule.FAILED),  # financiero ally
    "PN-07": (3, "76001", "Café", "PSA", D(2024, 8, 31), D(2025, 10, 1),
              [("contrato", "comercial", D(2025, 1, 1), D(2026, 2, 27), False),
               ("contrato", "comercial", D(2025, 1, 1), None, True)], rule.FAILED),  # ended; voided
    "PN-08": (1, "76001", "Café", "PSA", D(2025, 3, 15), D(2025, 12, 1),
              [("contrato", "comercial", D(2025, 1, 1), None, False)], rule.PENDING),  # D 2026-09-15
    "PN-09": (1, "05001", "Café", "PSA", D(2024, 1, 10), None,
              [("contrato", "comercial", D(2024, 1, 1), None, False)], rule.NOT_EXECUTED),
    "PN-10": (1, "05001", "Café", "PSA", D(2024, 1, 10), D(2026, 7, 15), [], rule.NOT_EXECUTED),
    "PN-11": (2, "76001", "Cacao", "PSB", D(2022, 8, 31), D(2023, 12, 1),  # D 2024-02-29 (leap)
              [("credito", "financiero", D(2024, 1, 1), D(2024, 2, 29), False),
               ("factura", "comercial", D(2024, 2, 29), None, False)], rule.COUNTED),
    "PN-12": (3, "08001", None, None, D(2024, 6, 30), D(2025, 6, 30),  # D 2025-12-30
              [("contrato", "comercial", D(2025, 12, 30), D(2025, 12, 30), False)], rule.COUNTED),
}


def office_id(url: str, code: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == code)).scalar_one()


def build_dataset(url: str, plans: dict = PLANS, sales: bool = True) -> dict[str, int]:
    """Insert OPR, PSDE operators, PN, evidence and sales by hand; returns {code: id}."""
    from data_access.core.models import ValueChain

    ids: dict[str, int] = {}
    with session_scope(url, write=True) as s:
        chains = {n: i for i, n in s.execute(select(ValueChain.id, ValueChain.name))}
        ops = {}
        for code, name in (("PSA", "PSDE Andino"), ("PSB", "PSDE Bolívar")):
            op = s.scalar(select(Operator).where(Operator.code == code))
            if op is None:
                op = Operator(code=code, name=name, nit="900123456-8", is_psde=True)
                s.add(op)
                s.flush()
            ops[code] = op.id
        for i, (code, (ventana, muni, chain, psde, first, closure, evidence, _)) in enumerate(plans.items()):
            opr = Opr(nit=f"80000{i:04d}", name=f"Asociación {code}", municipality_code=muni,
                      value_chain_id=chains.get(chain))
            s.add(opr)
            s.flush()
            pn = BusinessPlan(code=code, opr_id=opr.id, ventana=ventana, municipality_code=muni,
                              value_chain_id=chains.get(chain), psde_operator_id=ops.get(psde),
                              first_disbursement_date=first, closure_date=closure)
            s.add(pn)
            s.flush()
            ids[code] = pn.id
            for kind, ally_type, start, end, voided in evidence:
                s.add(AllianceEvidence(business_plan_id=pn.id, kind=kind, ally_type=ally_type,
                                       ally_name=f"Aliado {kind}", start_date=start, end_date=end, voided=voided))
        if sales:
            # baseline and 2025 sales: PN-01 100→150, PN-04 200→180, PN-05 (no baseline) 2025 only
            for code, year, amount, is_base in (("PN-01", 2023, 100, True), ("PN-01", 2025, 150, False),
                                                ("PN-04", 2023, 200, True), ("PN-04", 2025, 180, False),
                                                ("PN-05", 2025, 999, False), ("PN-06", 2022, 50, True),
                                                ("PN-06", 2024, 80, False)):
                s.add(Sales(business_plan_id=ids[code], year=year, amount_cop=amount, is_baseline=is_base))
    return ids


def pure_statuses(url: str, cutoff: dt.date, viewer_codes: set[str] | None = None) -> dict[str, str]:
    """The pure rule applied to every PN of a store (test oracle; loads rows on purpose)."""
    with get_engine(url).connect() as conn:
        plans = conn.execute(select(BusinessPlan.id, BusinessPlan.code, BusinessPlan.ventana,
                                    BusinessPlan.first_disbursement_date, BusinessPlan.closure_date)).all()
        evidence: dict[int, list] = {}
        for r in conn.execute(select(*AllianceEvidence.__table__.c)).all():
            evidence.setdefault(r.business_plan_id, []).append(
                rule.Evidence(r.kind, r.ally_type, r.ally_name, r.start_date, r.end_date, bool(r.voided)))
    return {
        p.code: rule.classify(p.ventana, p.first_disbursement_date, p.closure_date, evidence.get(p.id, []), cutoff)
        for p in plans
        if viewer_codes is None or p.code in viewer_codes
    }


def sql_statuses(url: str, viewer: Viewer, cutoff: dt.date, drill=()) -> dict[str, str]:
    sq = al.status_subquery(viewer, GlobalFilters(cutoff=cutoff), drill)
    stmt = select(BusinessPlan.code, sq.c.status).join(sq, sq.c.id == BusinessPlan.id)
    with get_engine(url).connect() as conn:
        return dict(conn.execute(stmt).all())


# ----------------------------------------------------------------- exact counts
def test_exact_counts_on_hand_built_dataset(empty_store):
    build_dataset(empty_store)
    assert sql_statuses(empty_store, NATIONAL, CUTOFF) == {c: p[-1] for c, p in PLANS.items()}
    head = al.indicator(NATIONAL, GlobalFilters(cutoff=CUTOFF), url=empty_store)
    assert (head.numerator, head.denominator, head.pending, head.not_executed) == (5, 9, 1, 2)
    assert round(head.percent, 1) == 55.6 and head.meets_goal is False

    # before every D of the 2024-08-31 cohort: 7 + PN-08 pending; only PN-11 and PN-12 due
    early = al.indicator(NATIONAL, GlobalFilters(cutoff=D(2026, 2, 27)), url=empty_store)
    assert (early.numerator, early.denominator, early.pending, early.not_executed) == (2, 2, 8, 2)
    # on D itself they enter the denominator
    on_d = al.indicator(NATIONAL, GlobalFilters(cutoff=D(2026, 2, 28)), url=empty_store)
    assert (on_d.numerator, on_d.denominator, on_d.pending) == (5, 9, 1)
    # nothing closed yet: sin datos, not 0 %
    none = al.indicator(NATIONAL, GlobalFilters(cutoff=D(2023, 1, 1)), url=empty_store)
    assert none.denominator == 0 and none.percent is None and none.meets_goal is None
    assert none.not_executed == 12


def test_drill_downs_exact(empty_store):
    build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF)
    offices = {r.code: (r.numerator, r.denominator, r.pending, r.not_executed)
               for r in al.by_dimension(NATIONAL, f, "regional_office", url=empty_store)}
    assert offices == {"NOC": (2, 2, 0, 2), "CAR": (2, 4, 0, 0), "PAC": (1, 3, 1, 0)}
    ventanas = {r.code: (r.numerator, r.denominator) for r in al.by_dimension(NATIONAL, f, "ventana", url=empty_store)}
    assert ventanas == {"1": (2, 3), "2": (2, 3), "3": (1, 3)}
    chains = {r.name: (r.numerator, r.denominator)
              for r in al.by_dimension(NATIONAL, f, "value_chain", url=empty_store)}
    assert chains == {"Café": (2, 4), "Cacao": (2, 4), "Sin cadena de valor": (1, 1)}
    psde = {r.code: (r.numerator, r.denominator) for r in al.by_dimension(NATIONAL, f, "psde", url=empty_store)}
    assert psde == {"PSA": (2, 5), "PSB": (2, 3), "": (1, 1)}
    depts = {r.code: r.denominator for r in al.by_dimension(NATIONAL, f, "department", url=empty_store)}
    assert depts == {"05": 2, "08": 4, "76": 3}
    munis = al.by_dimension(NATIONAL, f, "municipality", url=empty_store)
    # 2, 4 and 3 plans (100, 50, 33,3 %): all «n pequeño» (< 5), so ranked by size, not by percent
    assert [r.code for r in munis] == ["08001", "76001", "05001"]
    # a NOC-only department with nothing due yet would be "sin datos" and sorted last
    rows = al.by_dimension(NATIONAL, GlobalFilters(cutoff=D(2026, 2, 27)), "regional_office", url=empty_store)
    assert rows[-1].percent is None and rows[-1].code == "NOC"

    # drilling further: CAR office, then ventana 2
    car = str(office_id(empty_store, "CAR"))
    sub = al.by_dimension(NATIONAL, f, "ventana", drill=(("regional_office", car),), url=empty_store)
    assert {r.code: (r.numerator, r.denominator) for r in sub} == {"1": (0, 1), "2": (1, 2), "3": (1, 1)}
    head = al.indicator(NATIONAL, f, (("regional_office", car), ("ventana", "2")), url=empty_store)
    assert (head.numerator, head.denominator) == (1, 2)
    none_chain = al.indicator(NATIONAL, f, (("value_chain", al.NONE_KEY),), url=empty_store)
    assert (none_chain.numerator, none_chain.denominator) == (1, 1)


def test_series_quarter_ends_and_years(empty_store):
    build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF)
    q = al.series(NATIONAL, f, "quarter", url=empty_store)
    assert q[0].key == "2024-03-31" and q[-1].key == "2026-06-30"
    assert all(dt.date.fromisoformat(r.key) == quarter_ends(dt.date.fromisoformat(r.key),
                                                             dt.date.fromisoformat(r.key))[0] for r in q)
    by = {r.key: r for r in q}
    for key, r in by.items():  # each point equals the indicator as of that quarter end
        head = al.indicator(NATIONAL, GlobalFilters(cutoff=dt.date.fromisoformat(key)), url=empty_store)
        assert (r.numerator, r.denominator, r.pending, r.not_executed) == (
            head.numerator, head.denominator, head.pending, head.not_executed), key
    assert (by["2026-03-31"].numerator, by["2026-03-31"].denominator) == (5, 9)
    assert by["2024-03-31"].percent == 100.0  # PN-11 only
    y = al.series(NATIONAL, f, "year", url=empty_store)
    assert [r.key for r in y] == ["2024-12-31", "2025-12-31", "2026-06-30"]
    assert (y[1].numerator, y[1].denominator) == (2, 2)


def test_scope_comite_operator_and_default_deny(empty_store):
    ids = build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF)
    car = office_id(empty_store, "CAR")
    comite = Viewer("c", "comite_regional", regional_office_id=car)
    assert set(sql_statuses(empty_store, comite, CUTOFF)) == {"PN-03", "PN-04", "PN-05", "PN-12"}
    for dim in al.DIMENSIONS:
        rows = al.by_dimension(comite, f, dim, url=empty_store)
        assert sum(r.denominator + r.pending + r.not_executed for r in rows) == 4, dim
    assert {r.code for r in al.by_dimension(comite, f, "regional_office", url=empty_store)} == {"CAR"}
    total, frame = al.plan_list(comite, f, "all", page_size=None, url=empty_store)
    assert total == 4 and set(frame["codigo_pn"]) == {"PN-03", "PN-04", "PN-05", "PN-12"}
    # a comité asking for another office's drill gets nothing
    noc = str(office_id(empty_store, "NOC"))
    assert al.indicator(comite, f, (("regional_office", noc),), url=empty_store).not_executed == 0

    with get_engine(empty_store).connect() as conn:
        psb = conn.execute(select(Operator.id).where(Operator.code == "PSB")).scalar_one()
    operator = Viewer("o", "operador", operator_id=psb)
    assert set(sql_statuses(empty_store, operator, CUTOFF)) == {"PN-04", "PN-05", "PN-11"}
    nobody = Viewer("x", "")
    head = al.indicator(nobody, f, url=empty_store)
    assert (head.denominator, head.pending, head.not_executed, head.percent) == (0, 0, 0, None)
    assert al.plan_list(nobody, f, url=empty_store)[0] == 0
    assert ids


def test_global_filters_apply(empty_store):
    build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF, department_code="76")
    head = al.indicator(NATIONAL, f, url=empty_store)
    assert (head.numerator, head.denominator, head.pending) == (1, 3, 1)
    f = GlobalFilters(cutoff=CUTOFF, municipality_code="05001")
    assert al.indicator(NATIONAL, f, url=empty_store).not_executed == 2
    # route filter: PN without an enrolment on that route are out
    assert al.indicator(NATIONAL, GlobalFilters(cutoff=CUTOFF, route="intermedia"), url=empty_store).denominator == 0


@pytest.mark.parametrize("cutoff", [D(2024, 2, 28), D(2024, 2, 29), D(2025, 12, 30), D(2026, 2, 28),
                                    D(2026, 9, 15), D(2027, 1, 1)])
def test_sql_equals_pure_rule_hand_built(empty_store, cutoff):
    build_dataset(empty_store)
    assert sql_statuses(empty_store, NATIONAL, cutoff) == pure_statuses(empty_store, cutoff)


def test_plan_list_explains_and_paginates(empty_store):
    build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF)
    total, page = al.plan_list(NATIONAL, f, "denominator", page=0, page_size=4, url=empty_store)
    assert total == 9 and list(page["codigo_pn"]) == ["PN-01", "PN-02", "PN-03", "PN-04"]
    total, page2 = al.plan_list(NATIONAL, f, "denominator", page=2, page_size=4, url=empty_store)
    assert list(page2["codigo_pn"]) == ["PN-12"]
    _, failed = al.plan_list(NATIONAL, f, "failed", page_size=None, url=empty_store)
    expl = dict(zip(failed["codigo_pn"], failed["explicacion"]))
    assert set(expl) == {"PN-03", "PN-04", "PN-06", "PN-07"}
    assert "anterior a la ventana de 180 días" in expl["PN-03"]
    assert "ventana 2 sin crédito" in expl["PN-04"]
    assert "solo cuentan aliados comerciales" in expl["PN-06"]
    assert "anulado" in expl["PN-07"] and "terminó el 27/02/2026" in expl["PN-07"]
    _, num = al.plan_list(NATIONAL, f, "numerator", page_size=None, url=empty_store)
    row = num.set_index("codigo_pn").loc["PN-02"]
    assert row["fecha_evaluacion"] == D(2026, 2, 28) and row["explicacion"].startswith("Cumple: factura")
    assert set(num["estado"]) == {rule.COUNTED}
    assert list(al.plan_list(NATIONAL, f, "pending", url=empty_store)[1]["codigo_pn"]) == ["PN-08"]
    assert list(al.plan_list(NATIONAL, f, "not_executed", url=empty_store)[1]["codigo_pn"]) == ["PN-09", "PN-10"]


def test_at_risk_list(empty_store):
    plans = {
        # D = 2026-12-15, contract ends before D → at risk
        "R-1": (1, "08001", "Café", "PSA", D(2025, 6, 15), None,
                [("contrato", "comercial", D(2025, 1, 1), D(2026, 12, 1), False)], None),
        # ventana 2, no credit → at risk
        "R-2": (2, "08001", "Café", "PSA", D(2025, 7, 1), None,
                [("contrato", "comercial", D(2025, 1, 1), None, False)], None),
        # fine → not at risk
        "R-3": (1, "08001", "Café", "PSA", D(2025, 7, 1), None,
                [("contrato", "comercial", D(2025, 1, 1), None, False)], None),
        # D in 2027-08 → too far
        "R-4": (1, "08001", "Café", "PSA", D(2026, 2, 1), None, [], None),
        # D already passed
        "R-5": (1, "05001", "Café", "PSA", D(2024, 2, 1), None, [], None),
        # no recent invoice
        "R-6": (3, "05001", "Café", "PSA", D(2025, 9, 1), None,
                [("factura", "comercial", D(2025, 6, 1), None, False)], None),
    }
    build_dataset(empty_store, plans, sales=False)
    today = D(2026, 11, 23)
    total, frame = al.at_risk(NATIONAL, GlobalFilters(cutoff=CUTOFF), today, url=empty_store)
    assert total == 3
    assert list(frame["codigo_pn"]) == ["R-1", "R-2", "R-6"]  # by D
    reasons = dict(zip(frame["codigo_pn"], frame["motivos"]))
    assert "terminó el 01/12/2026" in reasons["R-1"]
    assert "ventana 2 sin crédito" in reasons["R-2"]
    assert "anterior a la ventana" in reasons["R-6"]
    car = Viewer("c", "comite_regional", regional_office_id=office_id(empty_store, "CAR"))
    assert al.at_risk(car, GlobalFilters(cutoff=CUTOFF), today, url=empty_store)[0] == 2


def test_sales_vs_baseline_ratio_of_sums(empty_store):
    build_dataset(empty_store)
    f = GlobalFilters(cutoff=CUTOFF)
    total = al.sales_vs_baseline(NATIONAL, f, None, 2025, url=empty_store)
    # PN-01 (100→150) and PN-04 (200→180): (330 − 300) / 300 = 10 %; PN-05 has no baseline
    assert total == [{"key": "total", "code": "total", "name": "Total", "plans": 2, "sales": 330,
                      "baseline": 300, "increase_pct": 10.0}]
    by_v = {r["name"]: r["increase_pct"] for r in al.sales_vs_baseline(NATIONAL, f, "ventana", 2025, url=empty_store)}
    assert by_v == {"Ventana 1": 50.0, "Ventana 2": -10.0}
    by_o = {r["code"]: r["plans"] for r in al.sales_vs_baseline(NATIONAL, f, "regional_office", 2025,
                                                                url=empty_store)}
    assert by_o == {"NOC": 1, "CAR": 1}
    by_c = {r["name"]: r["increase_pct"] for r in al.sales_vs_baseline(NATIONAL, f, "value_chain", 2024,
                                                                     url=empty_store)}
    assert by_c == {"Café": 60.0}
    assert al.sales_years(NATIONAL, f, url=empty_store) == [2025, 2024]
    car = Viewer("c", "comite_regional", regional_office_id=office_id(empty_store, "CAR"))
    assert al.sales_vs_baseline(car, f, None, 2025, url=empty_store)[0]["sales"] == 180


# ----------------------------------------------------------------- demo data, several cut-offs
@pytest.mark.parametrize("cutoff", [D(2025, 6, 30), D(2025, 12, 31), D(2026, 3, 31), D(2026, 9, 30),
                                    D(2026, 11, 23)])
def test_sql_equals_pure_rule_on_demo(demo_store, cutoff):
    sql = sql_statuses(demo_store, NATIONAL, cutoff)
    assert sql, "the demo seed has business plans"
    assert sql == pure_statuses(demo_store, cutoff)
    head = al.indicator(NATIONAL, GlobalFilters(cutoff=cutoff), url=demo_store)
    t = rule.tally(sql.values())
    assert (head.numerator, head.denominator, head.pending, head.not_executed) == (
        t.numerator, t.denominator, t.pending, t.not_executed)
    for dim in al.DIMENSIONS:
        rows = al.by_dimension(NATIONAL, GlobalFilters(cutoff=cutoff), dim, url=demo_store)
        assert sum(r.numerator for r in rows) == t.numerator
        assert sum(r.denominator for r in rows) == t.denominator


def test_demo_comite_sees_only_its_office(demo_store):
    with get_engine(demo_store).connect() as conn:
        car = conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == "CAR")).scalar_one()
        car_munis = set(conn.execute(select(Municipality.code).where(Municipality.regional_office_id == car)).scalars())
    comite = Viewer("comite", "comite_regional", regional_office_id=car)
    f = GlobalFilters(cutoff=D(2026, 9, 30))
    total, frame = al.plan_list(comite, f, "all", page_size=None, url=demo_store)
    assert total == len(frame) and total > 0
    assert set(frame["cod_municipio"]) <= car_munis
    assert {r.code for r in al.by_dimension(comite, f, "regional_office", url=demo_store)} == {"CAR"}
