"""Alliance indicator (seed 004, ficha 1.4.1) computed in SQL, scoped and filtered.

The rule lives in ``rules.alliance.indicator`` (pure); this module expresses exactly the same rule
in SQL so that counting and grouping happen in the store at national scale:

* D (evaluation date) is computed per PN in SQL by ``data_access.core.calendar.sql_add_months``,
  equal on both stores to ``rules.core.calendar.add_months`` (tested day by day).
* Evidence counts through correlated ``EXISTS`` on ``alliance_evidence`` (indexed by PN).
* The status as of the cut-off C is a ``CASE``; tallies are ``GROUP BY`` aggregates.

Only aggregated rows (or one page of PN) leave the store. Every function takes a
``Viewer`` (default-deny scope: ``record_clause`` on the PN's municipality, or its PSDE
for an operator), the ``GlobalFilters`` (cut-off, territory, route) and ``drill``: a tuple
of ``(dimension, value)`` pairs chosen by clicking bars on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)

from data_access.core.calendar import sql_add_months, sql_minus_days
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    Department,
    Enrolment,
    Municipality,
    Operator,
    Opr,
    RegionalOffice,
    Sales,
    ValueChain,
)
from data_access.core.scope import Viewer, enrolment_route, municipality_clause, record_clause
from data_access.core.versions import reads
from rules.alliance import indicator as rule
from rules.core.calendar import quarter_ends, year_ends
from rules.core.catalog import VENTANAS

Drill = tuple[tuple[str, str], ...]

# Drill-down dimensions, in page order.
DIMENSIONS = ("ventana", "regional_office", "value_chain", "department", "municipality", "psde")
NONE_KEY = "none"  # group key for PN without a value chain / PSDE


# ------------------------------------------------------------------ the per-PN base
def _drill_clause(dim: str, value: str):
    BP, M = BusinessPlan, Municipality
    if dim == "ventana":
        return BP.ventana == int(value)
    if dim == "regional_office":
        return M.regional_office_id == int(value)
    if dim == "value_chain":
        return BP.value_chain_id.is_(None) if value == NONE_KEY else BP.value_chain_id == int(value)
    if dim == "department":
        return M.department_code == str(value)
    if dim == "municipality":
        return BP.municipality_code == str(value)
    if dim == "psde":
        return BP.psde_operator_id.is_(None) if value == NONE_KEY else BP.psde_operator_id == int(value)
    raise ValueError(f"Dimensión desconocida «{dim}»: use una de {', '.join(DIMENSIONS)}.")


def plan_scope(viewer: Viewer, filters: GlobalFilters, drill: Drill = ()):
    """WHERE clauses on business_plan ⋈ municipality: scope, global filters, drill-down."""
    BP = BusinessPlan
    clauses = [
        record_clause(viewer, BP.municipality_code, BP.psde_operator_id, enrolment_route(BP.enrolment_id)),
        filters.territory_clause(BP.municipality_code),
    ]
    if filters.route:
        clauses.append(BP.enrolment_id.in_(select(Enrolment.id).where(filters.route_clause(Enrolment.route))))
    for dim, value in drill:
        clauses.append(_drill_clause(dim, value))
    return and_(*clauses)


_EVERYTHING = GlobalFilters(cutoff=dt.date.max)


def known_clause(registered_on, filters: GlobalFilters):
    """Rows known by ``filters.known_at`` (registered on or before it; a row without a date was
    known before records began); every row when ``known_at`` is None."""
    if filters.known_at is None:
        return true()
    return or_(registered_on.is_(None), registered_on <= filters.known_at)


def _base(viewer: Viewer, filters: GlobalFilters, drill: Drill = (), settings: rule.Settings | None = None):
    """CTE: one row per visible PN with D and rule_ok (1 when the ventana's rule holds at D),
    and the boolean clause ``rule_ok = 1``."""
    s = settings or rule.current_settings()
    BP, M = BusinessPlan, Municipality
    inner = (
        select(
            BP.id.label("id"),
            BP.ventana.label("ventana"),
            BP.municipality_code.label("municipality_code"),
            M.department_code.label("department_code"),
            M.regional_office_id.label("regional_office_id"),
            BP.value_chain_id.label("value_chain_id"),
            BP.psde_operator_id.label("psde_operator_id"),
            BP.first_disbursement_date.label("first_disbursement_date"),
            BP.closure_date.label("closure_date"),
            sql_add_months(BP.first_disbursement_date, s.evaluation_months).label("d"),
        )
        .select_from(BP)
        .join(M, M.code == BP.municipality_code)
        .where(plan_scope(viewer, filters, drill))
        .subquery("pn")
    )
    ev = AllianceEvidence
    current = and_(ev.start_date <= inner.c.d, or_(ev.end_date.is_(None), ev.end_date >= inner.c.d))
    known = known_clause(ev.registered_on, filters)
    commercial = (
        exists()
        .where(
            ev.business_plan_id == inner.c.id,
            ev.voided == False,  # noqa: E712
            known,
            ev.ally_type == rule.COMERCIAL,
            or_(
                and_(ev.kind == rule.CONTRATO, current),
                and_(
                    ev.kind == rule.FACTURA,
                    ev.start_date <= inner.c.d,
                    ev.start_date >= sql_minus_days(inner.c.d, s.factura_window_days),
                ),
            ),
        )
    )
    credit = (
        exists()
        .where(
            ev.business_plan_id == inner.c.id,
            ev.voided == False,  # noqa: E712
            known,
            ev.ally_type == rule.FINANCIERO,
            ev.kind == rule.CREDITO,
            current,
        )
    )
    rule_ok = and_(commercial, or_(inner.c.ventana != 2, credit)) if s.ventana2_requires_credit else commercial
    # Not materialised: both stores inline it, so the CASE of the status only probes the
    # evidence of PN that reach that branch (executed and due by the cut-off).
    cte = select(*inner.c, case((rule_ok, 1), else_=0).label("rule_ok")).cte("alliance_pn")
    return cte, cte.c.rule_ok == 1


def _status(inner, rule_ok, cutoff: dt.date):
    return case(
        (or_(inner.c.closure_date.is_(None), inner.c.closure_date > cutoff), literal(rule.NOT_EXECUTED)),
        (or_(inner.c.d.is_(None), inner.c.d > cutoff), literal(rule.PENDING)),
        (rule_ok, literal(rule.COUNTED)),
        else_=literal(rule.FAILED),
    )


def status_subquery(viewer: Viewer, filters: GlobalFilters, drill: Drill = (),
                    settings: rule.Settings | None = None):
    """Subquery of (id, ..., d, rule_ok, status) for every visible PN as of ``filters.cutoff``."""
    inner, rule_ok = _base(viewer, filters, drill, settings)
    return select(*inner.c, _status(inner, rule_ok, filters.cutoff).label("status")).subquery("pns")


# ------------------------------------------------------------------ tallies
@dataclass(frozen=True)
class Row:
    key: str  # drill value (id or code); "total" for the national/scope row
    code: str  # stable human code (office code, DIVIPOLA, ventana number...)
    name: str
    numerator: int
    denominator: int
    pending: int
    not_executed: int

    @property
    def failed(self) -> int:
        return self.denominator - self.numerator

    @property
    def percent(self) -> float | None:
        return rule.percent(self.numerator, self.denominator)

    @property
    def meets_goal(self) -> bool | None:
        return rule.meets_goal(self.percent)

    @property
    def status(self) -> str:
        """cumple / no_cumple / n_pequeno / sin_datos (``rules.alliance.indicator.goal_status``)."""
        return rule.goal_status(self.numerator, self.denominator)

    def as_dict(self) -> dict:
        return {
            "key": self.key, "code": self.code, "name": self.name, "numerator": self.numerator,
            "denominator": self.denominator, "failed": self.failed, "pending": self.pending,
            "not_executed": self.not_executed, "percent": self.percent, "meets_goal": self.meets_goal,
            "status": self.status,
        }


def _pivot(rows, key_fn) -> dict:
    out: dict = {}
    for r in rows:
        k = key_fn(r)
        counts = out.setdefault(k, {s: 0 for s in rule.STATUSES})
        counts[r.status] += r.n
    return out


def _row(key, code, name, counts) -> Row:
    return Row(
        key=str(key), code=str(code), name=str(name),
        numerator=counts[rule.COUNTED],
        denominator=counts[rule.COUNTED] + counts[rule.FAILED],
        pending=counts[rule.PENDING],
        not_executed=counts[rule.NOT_EXECUTED],
    )


@reads("business_plans", "participants", "reference")
def indicator(viewer: Viewer, filters: GlobalFilters, drill: Drill = (), url: str | None = None,
              settings: rule.Settings | None = None) -> Row:
    """The headline: numerator, denominator, pending, not executed as of the cut-off."""
    sq = status_subquery(viewer, filters, drill, settings)
    stmt = select(sq.c.status, func.count().label("n")).group_by(sq.c.status)
    with get_engine(url).connect() as conn:
        counts = _pivot(conn.execute(stmt).all(), lambda r: "total").get("total", {s: 0 for s in rule.STATUSES})
    return _row("total", "total", "Total", counts)


def _dimension_select(sq, dim: str):
    """(key, code, name) columns and joins for grouping by ``dim``."""
    if dim == "ventana":
        return (sq.c.ventana, sq.c.ventana, sq.c.ventana), lambda stmt: stmt
    if dim == "regional_office":
        return ((sq.c.regional_office_id, RegionalOffice.code, RegionalOffice.name),
                lambda stmt: stmt.outerjoin(RegionalOffice, RegionalOffice.id == sq.c.regional_office_id))
    if dim == "value_chain":
        return ((sq.c.value_chain_id, ValueChain.id, ValueChain.name),
                lambda stmt: stmt.outerjoin(ValueChain, ValueChain.id == sq.c.value_chain_id))
    if dim == "department":
        return ((sq.c.department_code, Department.code, Department.name),
                lambda stmt: stmt.join(Department, Department.code == sq.c.department_code))
    if dim == "municipality":
        return ((sq.c.municipality_code, Municipality.code, Municipality.name),
                lambda stmt: stmt.join(Municipality, Municipality.code == sq.c.municipality_code))
    if dim == "psde":
        return ((sq.c.psde_operator_id, Operator.code, Operator.name),
                lambda stmt: stmt.outerjoin(Operator, Operator.id == sq.c.psde_operator_id))
    raise ValueError(f"Dimensión desconocida «{dim}»: use una de {', '.join(DIMENSIONS)}.")


@reads("business_plans", "participants", "reference")
def by_dimension(viewer: Viewer, filters: GlobalFilters, dim: str, drill: Drill = (),
                 url: str | None = None, settings: rule.Settings | None = None) -> list[Row]:
    """One row per group of ``dim`` (GROUP BY in SQL), sorted by percent (sin datos last)."""
    sq = status_subquery(viewer, filters, drill, settings)
    (key, code, name), join = _dimension_select(sq, dim)
    stmt = join(select(key.label("key"), code.label("code"), name.label("name"), sq.c.status,
                       func.count().label("n")).select_from(sq))
    stmt = stmt.group_by(key, code, name, sq.c.status)
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    labels = {}
    for r in rows:
        k = NONE_KEY if r.key is None else str(r.key)
        if dim == "ventana":
            labels[k] = (str(r.key), f"Ventana {r.key}")
        elif r.key is None:
            labels[k] = ("", "Sin cadena de valor" if dim == "value_chain" else "Sin PSDE"
                         if dim == "psde" else "Sin oficina regional")
        else:
            labels[k] = (str(r.code), str(r.name))
    pivot = _pivot(rows, lambda r: NONE_KEY if r.key is None else str(r.key))
    out = [_row(k, labels[k][0], labels[k][1], c) for k, c in pivot.items()]
    return sort_rows(out)


def sort_rows(rows: Sequence[Row]) -> list[Row]:
    """Rated groups by percent (highest first); then «n pequeño» groups, not ranked by percent
    (largest denominator first); groups without denominator ("sin datos") last; ties by name."""
    order = {rule.small_n.MET: 0, rule.small_n.MISSED: 0, rule.small_n.SMALL_N: 1, rule.small_n.NO_DATA: 2}

    def key(r: Row):
        group = order[r.status]
        return (group, -(r.percent or 0.0) if group == 0 else 0.0, -r.denominator, r.name)

    return sorted(rows, key=key)


def indicator_table(viewer: Viewer, filters: GlobalFilters, by: str | None = None, url: str | None = None,
                    settings: rule.Settings | None = None) -> list[Row]:
    """The indicator as a table: the groups of ``by`` ordered by code (ventana and office
    numbers numerically, groups without a code last), then the ``total`` row. What
    ``tablero indicator alliance`` prints and what a quarter close freezes."""
    groups = by_dimension(viewer, filters, by, url=url, settings=settings) if by else []
    return [*by_code(groups), indicator(viewer, filters, url=url, settings=settings)]


def by_code(groups: Sequence[Row]) -> list[Row]:
    """Groups in the order of ``indicator_table``: by code, short numeric codes as numbers, no code last."""
    def key(r: Row):
        number = r.code.isdigit() and len(r.code) < 3
        return (r.code == "", (0, int(r.code), "") if number else (1, 0, r.code), r.name)

    return sorted(groups, key=key)


# ------------------------------------------------------------------ series
def series_at(viewer: Viewer, filters: GlobalFilters, cutoffs: Sequence[dt.date], drill: Drill = (),
              url: str | None = None, settings: rule.Settings | None = None) -> list[Row]:
    """The indicator as of each date in ``cutoffs`` (ascending), in ONE grouped scan.

    Each PN falls in the bucket of the first date by which it was closed, and of the first
    date by which it was closed *and* due (D ≤ date); ``GROUP BY (closed, due, rule_ok)``
    returns at most (n+1)² × 2 rows, cumulated here into the tallies of every date.
    """
    cutoffs = sorted(cutoffs)
    if not cutoffs:
        return []
    inner, rule_ok = _base(viewer, filters, drill, settings)
    never = len(cutoffs)
    closed = case(*[(inner.c.closure_date <= c, i) for i, c in enumerate(cutoffs)], else_=never)
    due = case(*[(and_(inner.c.closure_date <= c, inner.c.d <= c), i) for i, c in enumerate(cutoffs)], else_=never)
    stmt = (
        select(closed.label("closed"), due.label("due"), inner.c.rule_ok, func.count().label("n"))
        .select_from(inner)
        .group_by(closed, due, inner.c.rule_ok)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    total = sum(r.n for r in rows)
    out = []
    for i, c in enumerate(cutoffs):
        n_closed = sum(r.n for r in rows if r.closed <= i)
        den = sum(r.n for r in rows if r.due <= i)
        num = sum(r.n for r in rows if r.due <= i and r.rule_ok == 1)
        out.append(Row(c.isoformat(), c.isoformat(), c.isoformat(), num, den, n_closed - den, total - n_closed))
    return out


def first_evaluation_date(viewer: Viewer, filters: GlobalFilters, drill: Drill = (), url: str | None = None,
                          settings: rule.Settings | None = None) -> dt.date | None:
    """Earliest D among visible PN with a closure date (start of the series)."""
    inner, _ = _base(viewer, filters, drill, settings)
    stmt = select(func.min(inner.c.d)).where(inner.c.closure_date.is_not(None))
    with get_engine(url).connect() as conn:
        value = conn.execute(stmt).scalar()
    if isinstance(value, str):  # defensive: SQLite aggregate over a function may lose the type
        value = dt.date.fromisoformat(value)
    return value


MAX_QUARTERS = 20


def series(viewer: Viewer, filters: GlobalFilters, freq: str = "quarter", drill: Drill = (),
           url: str | None = None, settings: rule.Settings | None = None) -> list[Row]:
    """Quarterly (quarter ends) or annual (31 Dec, plus the cut-off) series up to the cut-off."""
    first = first_evaluation_date(viewer, filters, drill, url, settings)
    end = filters.cutoff
    if first is None or first > end:
        start = end
    else:
        start = first
    if freq == "quarter":
        dates = quarter_ends(start, end)[-MAX_QUARTERS:]
    elif freq == "year":
        dates = year_ends(start, end)
        if not dates or dates[-1] != end:
            dates.append(end)
    else:
        raise ValueError("freq: use quarter o year")
    return series_at(viewer, filters, dates, drill, url, settings)


# ------------------------------------------------------------------ PN lists
LIST_FILTERS = {
    "all": None,
    "numerator": (rule.COUNTED,),
    "denominator": (rule.COUNTED, rule.FAILED),
    "failed": (rule.FAILED,),
    "pending": (rule.PENDING,),
    "not_executed": (rule.NOT_EXECUTED,),
}

LIST_COLUMNS = [
    "codigo_pn", "opr", "nit_opr", "municipio", "cod_municipio", "oficina_regional", "ventana",
    "cadena_valor", "psde", "fecha_primer_desembolso", "fecha_evaluacion", "fecha_cierre", "estado",
    "explicacion",
]


def _list_select(sq):
    BP = BusinessPlan
    return (
        select(
            sq.c.id, BP.code, Opr.name.label("opr"), Opr.nit, Municipality.name.label("municipio"),
            sq.c.municipality_code, RegionalOffice.name.label("oficina"), sq.c.ventana,
            ValueChain.name.label("cadena"), Operator.name.label("psde"), sq.c.first_disbursement_date,
            sq.c.d, sq.c.closure_date, sq.c.status,
        )
        .select_from(sq)
        .join(BP, BP.id == sq.c.id)
        .join(Opr, Opr.id == BP.opr_id)
        .join(Municipality, Municipality.code == sq.c.municipality_code)
        .outerjoin(RegionalOffice, RegionalOffice.id == sq.c.regional_office_id)
        .outerjoin(ValueChain, ValueChain.id == sq.c.value_chain_id)
        .outerjoin(Operator, Operator.id == sq.c.psde_operator_id)
    )


def evidence_for(plan_ids: Sequence[int], url: str | None = None,
                 filters: GlobalFilters | None = None) -> dict[int, list[rule.Evidence]]:
    """Evidence of a page of PN (bounded IN list), for the per-PN explanation; with ``filters``,
    only the evidence known by its ``known_at``."""
    out: dict[int, list[rule.Evidence]] = {i: [] for i in plan_ids}
    ev = AllianceEvidence
    ids = list(plan_ids)
    with get_engine(url).connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            stmt = (select(ev.business_plan_id, ev.kind, ev.ally_type, ev.ally_name, ev.start_date, ev.end_date,
                           ev.voided, ev.document_ref)
                    .where(ev.business_plan_id.in_(chunk), known_clause(ev.registered_on, filters or _EVERYTHING))
                    .order_by(ev.business_plan_id, ev.start_date, ev.id))
            for r in conn.execute(stmt):
                out[r.business_plan_id].append(
                    rule.Evidence(r.kind, r.ally_type, r.ally_name, r.start_date, r.end_date, bool(r.voided),
                                  r.document_ref or "")
                )
    return out


def _explained_frame(rows, filters: GlobalFilters, url: str | None, settings: rule.Settings | None) -> pd.DataFrame:
    cutoff = filters.cutoff
    evidence = evidence_for([r.id for r in rows], url, filters)
    records = []
    for r in rows:
        outcome = rule.evaluate_plan(r.ventana, r.first_disbursement_date, r.closure_date, evidence[r.id],
                                     cutoff, settings)
        records.append({
            "codigo_pn": r.code, "opr": r.opr, "nit_opr": r.nit, "municipio": r.municipio,
            "cod_municipio": r.municipality_code, "oficina_regional": r.oficina or "", "ventana": r.ventana,
            "cadena_valor": r.cadena or "", "psde": r.psde or "",
            "fecha_primer_desembolso": r.first_disbursement_date, "fecha_evaluacion": outcome.evaluation_date,
            "fecha_cierre": r.closure_date, "estado": outcome.status, "explicacion": outcome.summary,
        })
    return pd.DataFrame.from_records(records, columns=LIST_COLUMNS)


@reads("business_plans", "participants", "reference")
def plan_list(viewer: Viewer, filters: GlobalFilters, which: str = "all", drill: Drill = (),
              page: int = 0, page_size: int | None = 25, url: str | None = None,
              settings: rule.Settings | None = None) -> tuple[int, pd.DataFrame]:
    """(total, one page of PN) behind a figure, with the evidence that counted or why it failed.

    ``which``: all | numerator | denominator | failed | pending | not_executed.
    ``page_size=None`` returns every row (downloads), fetched in bounded chunks.
    """
    if which not in LIST_FILTERS:
        raise ValueError(f"Lista desconocida «{which}»: use {', '.join(LIST_FILTERS)}.")
    sq = status_subquery(viewer, filters, drill, settings)
    where = sq.c.status.in_(LIST_FILTERS[which]) if LIST_FILTERS[which] else true()
    count_stmt = select(func.count()).select_from(sq).where(where)
    stmt = _list_select(sq).where(where).order_by(BusinessPlan.code)
    with get_engine(url).connect() as conn:
        total = int(conn.execute(count_stmt).scalar() or 0)
        if page_size is not None:
            stmt = stmt.limit(page_size).offset(max(page, 0) * page_size)
        rows = conn.execute(stmt).all()
    return total, _explained_frame(rows, filters, url, settings)


@reads("business_plans", "participants", "reference")
def at_risk(viewer: Viewer, filters: GlobalFilters, today: dt.date, drill: Drill = (), page: int = 0,
            page_size: int | None = 25, url: str | None = None,
            settings: rule.Settings | None = None) -> tuple[int, pd.DataFrame]:
    """PN whose D falls in [today, today + 6 months] and whose current evidence fails at D."""
    s = settings or rule.current_settings()
    start, end = rule.at_risk_window(today, s)
    inner, rule_ok = _base(viewer, filters, drill, s)
    where = and_(inner.c.d >= start, inner.c.d <= end, ~rule_ok)
    sq = select(*inner.c, literal(rule.PENDING).label("status")).where(where).subquery("risk")
    count_stmt = select(func.count()).select_from(sq)
    stmt = _list_select(sq).order_by(sq.c.d, BusinessPlan.code)
    with get_engine(url).connect() as conn:
        total = int(conn.execute(count_stmt).scalar() or 0)
        if page_size is not None:
            stmt = stmt.limit(page_size).offset(max(page, 0) * page_size)
        rows = conn.execute(stmt).all()
    evidence = evidence_for([r.id for r in rows], url, filters)
    records = []
    for r in rows:
        reasons = rule.at_risk_reasons(r.ventana, r.first_disbursement_date, evidence[r.id], today, s) or []
        d = rule.evaluation_date(r.first_disbursement_date, s)
        records.append({
            "codigo_pn": r.code, "opr": r.opr, "nit_opr": r.nit, "municipio": r.municipio,
            "cod_municipio": r.municipality_code, "oficina_regional": r.oficina or "", "ventana": r.ventana,
            "cadena_valor": r.cadena or "", "psde": r.psde or "", "fecha_evaluacion": d,
            "dias_para_d": (d - today).days if d else None, "fecha_cierre": r.closure_date,
            "motivos": " · ".join(reasons),
        })
    cols = ["codigo_pn", "opr", "nit_opr", "municipio", "cod_municipio", "oficina_regional", "ventana",
            "cadena_valor", "psde", "fecha_evaluacion", "dias_para_d", "fecha_cierre", "motivos"]
    return total, pd.DataFrame.from_records(records, columns=cols)


# ------------------------------------------------------------------ sales vs baseline
SALES_DIMENSIONS = ("value_chain", "ventana", "regional_office")


def sales_years(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[int]:
    """Years with (non-baseline) sales among the visible PN, newest first."""
    BP = BusinessPlan
    stmt = (
        select(Sales.year).distinct()
        .select_from(Sales).join(BP, BP.id == Sales.business_plan_id)
        .join(Municipality, Municipality.code == BP.municipality_code)
        .where(Sales.is_baseline == False, known_clause(Sales.registered_on, filters),  # noqa: E712
               plan_scope(viewer, filters))
        .order_by(Sales.year.desc())
    )
    with get_engine(url).connect() as conn:
        return [int(y) for y in conn.execute(stmt).scalars()]


def sales_vs_baseline(viewer: Viewer, filters: GlobalFilters, dim: str | None, year: int, drill: Drill = (),
                      url: str | None = None) -> list[dict]:
    """% sales increase vs baseline by ``dim`` (None = total): 100 × (Σ year − Σ baseline) / Σ baseline
    over PN with both a baseline and that year's sales (ratio of sums, in SQL)."""
    BP, M = BusinessPlan, Municipality
    first_base = (
        select(Sales.business_plan_id.label("pid"), func.min(Sales.year).label("by"))
        .where(Sales.is_baseline == True, known_clause(Sales.registered_on, filters))  # noqa: E712
        .group_by(Sales.business_plan_id)
        .subquery("fb")
    )
    base = Sales.__table__.alias("baseline")
    cur = Sales.__table__.alias("current")
    if dim is None:
        key, code, name = literal("total"), literal("total"), literal("Total")
        extra = lambda stmt: stmt  # noqa: E731
    elif dim == "ventana":
        key, code, name = BP.ventana, BP.ventana, BP.ventana
        extra = lambda stmt: stmt  # noqa: E731
    elif dim == "value_chain":
        key, code, name = BP.value_chain_id, ValueChain.id, ValueChain.name
        extra = lambda stmt: stmt.outerjoin(ValueChain, ValueChain.id == BP.value_chain_id)  # noqa: E731
    elif dim == "regional_office":
        key, code, name = M.regional_office_id, RegionalOffice.code, RegionalOffice.name
        extra = lambda stmt: stmt.outerjoin(RegionalOffice, RegionalOffice.id == M.regional_office_id)  # noqa: E731
    else:
        raise ValueError(f"Dimensión de ventas desconocida «{dim}»: use {', '.join(SALES_DIMENSIONS)}.")
    stmt = (
        select(key.label("key"), code.label("code"), name.label("name"), func.count().label("plans"),
               func.sum(cur.c.amount_cop).label("sales"), func.sum(base.c.amount_cop).label("baseline"))
        .select_from(BP)
        .join(M, M.code == BP.municipality_code)
        .join(first_base, first_base.c.pid == BP.id)
        .join(base, and_(base.c.business_plan_id == BP.id, base.c.is_baseline == True,  # noqa: E712
                         base.c.year == first_base.c.by, known_clause(base.c.registered_on, filters)))
        .join(cur, and_(cur.c.business_plan_id == BP.id, cur.c.is_baseline == False,  # noqa: E712
                        cur.c.year == int(year), known_clause(cur.c.registered_on, filters)))
    )
    stmt = extra(stmt).where(plan_scope(viewer, filters, drill))
    if dim is not None:
        stmt = stmt.group_by(key, code, name)
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for r in rows:
        if dim is None and not r.plans:
            continue
        label = f"Ventana {r.key}" if dim == "ventana" else (r.name or ("Sin cadena de valor" if dim == "value_chain"
                                                                      else "Sin oficina regional"))
        sales, baseline = int(r.sales or 0), int(r.baseline or 0)
        out.append({
            "key": NONE_KEY if r.key is None else str(r.key), "code": "" if r.code is None else str(r.code),
            "name": str(label), "plans": int(r.plans), "sales": sales, "baseline": baseline,
            "increase_pct": rule.sales_increase(sales, baseline),
        })
    return sorted(out, key=lambda x: (x["increase_pct"] is None, -(x["increase_pct"] or 0.0), x["name"]))


# ------------------------------------------------------------------ names for drill chips
_TERRITORY = {
    "regional_office": lambda value: Municipality.regional_office_id == _int_or(value),
    "department": lambda value: Municipality.department_code == str(value),
    "municipality": lambda value: Municipality.code == str(value),
}


def _drill_visible(conn, viewer: Viewer, dim: str, value: str) -> bool:
    """May the viewer see this drill-down value? National viewers see every one (and value
    chains are a public catalogue); others, a value of a business plan in their scope or,
    for territory, of a municipality in their scope."""
    if viewer.is_national or dim == "value_chain":
        return True
    BP, M = BusinessPlan, Municipality
    plan = (
        select(BP.id)
        .join(M, M.code == BP.municipality_code)
        .where(record_clause(viewer, BP.municipality_code, BP.psde_operator_id, enrolment_route(BP.enrolment_id)),
               _drill_clause(dim, value))
    )
    seen = exists(plan)
    if dim in _TERRITORY:
        seen = or_(seen, exists(select(M.code).where(municipality_clause(viewer, M.code), _TERRITORY[dim](value))))
    return bool(conn.scalar(select(seen)))


@reads("business_plans", "participants", "reference")
def drill_labels(viewer: Viewer, drill: Drill, url: str | None = None) -> dict[str, str]:
    """Human names of the drill-down values (for the chips that undo them), by dimension.

    A value the viewer may not see, or that does not exist, is left out and its name is
    never read: the page drops it from the URL.
    """
    out: dict[str, str] = {}
    lookups = {
        "regional_office": lambda v: (RegionalOffice.name, RegionalOffice.id == _int_or(v)),
        "value_chain": lambda v: (ValueChain.name, ValueChain.id == _int_or(v)),
        "department": lambda v: (Department.name, Department.code == v),
        "municipality": lambda v: (Municipality.name, Municipality.code == v),
        "psde": lambda v: (Operator.name, Operator.id == _int_or(v)),
    }
    with get_engine(url).connect() as conn:
        for dim, value in drill:
            if dim == "ventana":
                if value.isdigit() and int(value) in VENTANAS:
                    out[dim] = f"Ventana {value}"
                continue
            if dim not in lookups or not _drill_visible(conn, viewer, dim, value):
                continue
            if value == NONE_KEY:
                out[dim] = "Sin cadena de valor" if dim == "value_chain" else "Sin PSDE"
                continue
            column, where = lookups[dim](value)
            name = conn.execute(select(column).where(where)).scalar()
            if name:
                out[dim] = str(name)
    return out


def _int_or(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def valid_drill(pairs) -> Drill:
    """Keep only well-formed (dimension, value) pairs, one per dimension, in page order."""
    chosen: dict[str, str] = {}
    for dim, value in pairs:
        if dim in DIMENSIONS and value not in (None, ""):
            value = str(value)
            if dim in ("ventana", "regional_office") and not value.isdigit():
                continue
            if dim in ("value_chain", "psde") and not (value.isdigit() or value == NONE_KEY):
                continue
            chosen[dim] = value
    return tuple((d, chosen[d]) for d in DIMENSIONS if d in chosen)


# ------------------------------------------------------------------ one call for the page / bench
def page_data(viewer: Viewer, filters: GlobalFilters, drill: Drill = (), url: str | None = None) -> dict:
    """Every aggregate of the alliance page at once (headline, the six drill-downs, both
    series): the uncached SQL cost of a full page, for ``tablero bench`` to time directly
    (``data_access.alliance.queries.page_data(url=..., viewer=..., filters=...)``). The page itself
    reads ``page_overview`` / ``plan_list`` / ``at_risk`` / ``sales_overview`` through
    ``components.core.cache.cached``.
    """
    return {
        "headline": indicator(viewer, filters, drill, url),
        "by": {dim: by_dimension(viewer, filters, dim, drill, url) for dim in DIMENSIONS},
        "quarterly": series(viewer, filters, "quarter", drill, url),
        "annual": series(viewer, filters, "year", drill, url),
    }


@reads("business_plans", "participants", "reference")
def page_overview(viewer: Viewer, filters: GlobalFilters, dim: str, drill: Drill = (), url: str | None = None) -> dict:
    """What the top of the alliance page shows, in one cached read: headline, the chosen
    drill-down and both series."""
    return {
        "headline": indicator(viewer, filters, drill, url),
        "rows": by_dimension(viewer, filters, dim, drill, url),
        "quarterly": series(viewer, filters, "quarter", drill, url),
        "annual": series(viewer, filters, "year", drill, url),
    }


@reads("business_plans", "participants", "reference")
def sales_overview(viewer: Viewer, filters: GlobalFilters, dim: str, year: int | None, drill: Drill = (),
                   url: str | None = None) -> dict:
    """Sales vs baseline for the page: available years, the year used (``year`` when it has
    sales, else the newest ≤ the cut-off's year), the total and the rows by ``dim``."""
    years = sales_years(viewer, filters, url)
    if not years:
        return {"years": [], "year": None, "total": None, "rows": []}
    if year not in years:
        year = next((y for y in years if y <= filters.cutoff.year), years[0])
    total = sales_vs_baseline(viewer, filters, None, year, drill, url)
    return {"years": years, "year": year, "total": total[0] if total else None,
            "rows": sales_vs_baseline(viewer, filters, dim, year, drill, url)}
