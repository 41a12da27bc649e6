"""Territorial queries for the map: boundaries, per-municipality metrics, alert symbols
and the municipality profile.

Every function returning programme data takes a ``Viewer`` and applies
``data_access.core.scope`` (default-deny): territorial data (focalización, alerts) through
``municipality_clause``, programme records (enrolments, PN) through ``record_clause``
(own records for an operador). Aggregation happens in SQL (GROUP BY); only one row
per municipality (or one small list for a profile) leaves the store.

Boundaries and the DIVIPOLA names are reference data (public), not scoped: a comité
regional sees the whole country drawn, but values only for its own municipalities.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Date, and_, distinct, func, literal, not_, or_, select, union
from sqlalchemy.sql import ColumnElement

from data_access.alliance import queries as alliance_queries
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    BoundarySet,
    BusinessPlan,
    Department,
    Enrolment,
    Municipality,
    MunicipalityBoundary,
    Operator,
    RegionalOffice,
    ServiceDelivery,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import Viewer, enrolment_route, municipality_clause, record_clause
from data_access.core.versions import TOPICS, reads
from data_access.sla import queries as sla_queries
from rules.core.catalog import ALERT_SEVERITIES, ROUTE_ORDER
from rules.routes.model import STAGES


@dataclass(frozen=True)
class Metric:
    key: str
    unit: str  # count | money | pct | bool
    zero_fill: bool  # in-scope municipalities without rows count as 0 (else "sin datos")
    needs_year: bool = False
    reads: tuple[str, ...] = ()  # topics the metric's own SQL (``_metric_stmt``) reads
    provider: Callable | None = None  # another area's query the values come from

    @property
    def topics(self) -> tuple[str, ...]:
        """The data versions the values depend on: the municipalities in scope (``scope_codes``)
        and the metric's own SQL, or what its provider declared (``versions.reads``)."""
        used = {*scope_codes.topics, *(self.provider.topics if self.provider else self.reads)}
        return tuple(topic for topic in TOPICS if topic in used)


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("prioritised", "bool", False, needs_year=True, reads=("targeting",)),
        Metric("target_population", "count", False, needs_year=True, reads=("targeting",)),
        Metric("households", "count", True, reads=("participants",)),
        Metric("opr", "count", True, reads=("participants",)),
        Metric("cofinancing_committed", "money", True, reads=("business_plans", "participants")),
        Metric("cofinancing_disbursed", "money", True, reads=("business_plans", "participants")),
        Metric("alliance_pct", "pct", False, provider=alliance_queries.by_dimension),
        Metric("sla_avg", "pct", False, provider=sla_queries.compliance_by_municipality),
        Metric("alerts_open", "count", True, reads=("alerts",)),
    )
}


def _d(value: dt.date):
    return literal(value, Date())


# --------------------------------------------------------------------- reference data


def boundary_status(url: str | None = None) -> dict | None:
    """The active boundary set's metadata (no geometry), or None."""
    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(BoundarySet.id, BoundarySet.vintage, BoundarySet.source_name, BoundarySet.imported_at,
                   BoundarySet.imported_by, func.length(BoundarySet.municipal_topojson).label("size"))
            .where(BoundarySet.active).order_by(BoundarySet.id.desc()).limit(1)
        ).first()
        if row is None:
            return None
        count = conn.scalar(
            select(func.count()).select_from(MunicipalityBoundary)
            .where(MunicipalityBoundary.boundary_set_id == row.id)
        )
    return {"id": row.id, "vintage": row.vintage, "source_name": row.source_name,
            "imported_at": row.imported_at, "imported_by": row.imported_by,
            "municipalities": int(count or 0), "payload_bytes": int(row.size or 0)}


@reads("boundaries")
def active_boundaries(url: str | None = None) -> dict | None:
    """Active boundaries for the browser: TopoJSON text and symbol points, or None."""
    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(BoundarySet.id, BoundarySet.vintage, BoundarySet.source_name, BoundarySet.imported_at,
                   BoundarySet.municipal_topojson)
            .where(BoundarySet.active).order_by(BoundarySet.id.desc()).limit(1)
        ).first()
        if row is None:
            return None
        points = {
            code: (round(lon, 4), round(lat, 4))
            for code, lon, lat in conn.execute(
                select(MunicipalityBoundary.municipality_code, MunicipalityBoundary.centroid_lon,
                       MunicipalityBoundary.centroid_lat)
                .where(MunicipalityBoundary.boundary_set_id == row.id)
            )
        }
    return {"id": row.id, "vintage": row.vintage, "source_name": row.source_name,
            "imported_at": row.imported_at, "topojson": row.municipal_topojson, "points": points}


def department_boundaries(url: str | None = None) -> dict | None:
    """The active set's department GeoJSON (from the department file or dissolved)."""
    with get_engine(url).connect() as conn:
        text = conn.scalar(select(BoundarySet.department_geojson).where(BoundarySet.active).limit(1))
    return json.loads(text) if text else None


def largest_municipalities(limit: int = 60, url: str | None = None) -> list[tuple[str, str, float, float]]:
    """(code, name, centroid lat, centroid lon) of the active set's largest municipalities,
    largest first: points a click surely lands inside (``tablero bench``'s map clicks)."""
    mb = MunicipalityBoundary
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(mb.municipality_code, Municipality.name, mb.centroid_lat, mb.centroid_lon)
            .join(BoundarySet, BoundarySet.id == mb.boundary_set_id)
            .join(Municipality, Municipality.code == mb.municipality_code)
            .where(BoundarySet.active).order_by(mb.area_km2.desc()).limit(limit)
        ).all()
    return [tuple(r) for r in rows]


@reads("reference")
def catalogue(url: str | None = None) -> dict:
    """DIVIPOLA names (public reference data): municipalities, departments, offices."""
    with get_engine(url).connect() as conn:
        munis = {
            code: (name, dept, office)
            for code, name, dept, office in conn.execute(
                select(Municipality.code, Municipality.name, Municipality.department_code,
                       Municipality.regional_office_id).order_by(Municipality.code)
            )
        }
        depts = dict(conn.execute(select(Department.code, Department.name)).all())
        offices = dict(conn.execute(select(RegionalOffice.id, RegionalOffice.name)).all())
    return {"municipalities": munis, "departments": depts, "offices": offices}


# ------------------------------------------------------------------------------ scope


def _operator_territory(viewer: Viewer):
    """Municipalities where an operador has records of its own (its only territory)."""
    return union(
        select(Enrolment.municipality_code.label("code")).where(Enrolment.operator_id == viewer.operator_id),
        select(BusinessPlan.municipality_code.label("code")).where(
            BusinessPlan.psde_operator_id == viewer.operator_id),
    )


def _scope_codes_stmt(viewer: Viewer, filters: GlobalFilters):
    stmt = select(Municipality.code).where(filters.territory_clause(Municipality.code))
    if viewer.is_operator and not viewer.is_national:
        return stmt.where(Municipality.code.in_(select(_operator_territory(viewer).subquery().c.code)))
    return stmt.where(municipality_clause(viewer, Municipality.code, route_neutral=True))


@reads("reference", "participants", "business_plans")
def scope_codes(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[str]:
    """Municipalities drawn with values: the viewer's territory narrowed by the filters."""
    with get_engine(url).connect() as conn:
        return sorted(conn.scalars(_scope_codes_stmt(viewer, filters)))


def _in_scope(viewer: Viewer, code: str, filters: GlobalFilters, url: str | None) -> bool:
    """Is ``code`` in the viewer's territory (territory filters aside)?"""
    unfiltered = filters.with_(municipality_code=None, department_code=None, regional_office_id=None)
    stmt = _scope_codes_stmt(viewer, unfiltered).where(Municipality.code == code)
    with get_engine(url).connect() as conn:
        return conn.scalar(stmt) is not None


# ---------------------------------------------------------------------------- metrics


def _enrolled(filters: GlobalFilters) -> ColumnElement[bool]:
    """Enrolments counted at the cut-off: entered by it (and still there at the period start)."""
    clauses = [Enrolment.entry_date <= _d(filters.cutoff), filters.route_clause(Enrolment.route)]
    if filters.period_start:
        clauses.append(or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= _d(filters.period_start)))
    return and_(*clauses)


def _open_alert(cutoff: dt.date) -> ColumnElement[bool]:
    """Open (abierta or en gestión) at the cut-off."""
    A = TerritorialAlert
    return and_(
        A.opened_on <= _d(cutoff),
        or_(A.closed_on.is_(None), A.closed_on > _d(cutoff)),
        not_(and_(A.status == "cerrada", A.closed_on.is_(None))),
    )


def _plan_clauses(viewer: Viewer, filters: GlobalFilters) -> list:
    BP = BusinessPlan
    clauses = [record_clause(viewer, BP.municipality_code, BP.psde_operator_id, enrolment_route(BP.enrolment_id)),
               filters.territory_clause(BP.municipality_code)]
    if filters.route:
        clauses.append(BP.enrolment_id.in_(select(Enrolment.id).where(filters.route_clause(Enrolment.route))))
    return clauses


def _metric_stmt(viewer: Viewer, filters: GlobalFilters, metric: str, year: int | None):
    if metric in ("prioritised", "target_population"):
        T = Targeting
        col = T.prioritised if metric == "prioritised" else T.target_population
        return (
            select(T.municipality_code, col)
            .where(T.year == int(year or filters.cutoff.year),
                   municipality_clause(viewer, T.municipality_code, route_neutral=True),
                   filters.territory_clause(T.municipality_code))
        )
    if metric in ("households", "opr"):
        E = Enrolment
        kind, who = ("hogar", E.household_id) if metric == "households" else ("opr", E.opr_id)
        return (
            select(E.municipality_code, func.count(distinct(who)))
            .where(E.participant_kind == kind, _enrolled(filters),
                   record_clause(viewer, E.municipality_code, E.operator_id, E.route),
                   filters.territory_clause(E.municipality_code))
            .group_by(E.municipality_code)
        )
    if metric == "cofinancing_committed":
        BP = BusinessPlan
        return (select(BP.municipality_code, func.sum(BP.cofinancing_committed_cop))
                .where(*_plan_clauses(viewer, filters)).group_by(BP.municipality_code))
    if metric == "cofinancing_disbursed":
        BP = BusinessPlan
        return (select(BP.municipality_code, func.sum(BP.cofinancing_disbursed_cop))
                .where(BP.first_disbursement_date <= _d(filters.cutoff), *_plan_clauses(viewer, filters))
                .group_by(BP.municipality_code))
    if metric == "alerts_open":
        A = TerritorialAlert
        return (select(A.municipality_code, func.count())
                .where(_open_alert(filters.cutoff),
                       municipality_clause(viewer, A.municipality_code, route_neutral=True),
                       filters.territory_clause(A.municipality_code))
                .group_by(A.municipality_code))
    raise ValueError(f"Indicador de mapa desconocido «{metric}»: use uno de {', '.join(METRICS)}.")


def map_values(viewer: Viewer, filters: GlobalFilters, metric: str, year: int | None = None,
               url: str | None = None) -> dict[str, float | None]:
    """{municipality code: value} for every municipality in the viewer's (filtered) scope.

    A value of None means "sin datos" (e.g. no focalización row that year); counts and
    amounts are 0 where nothing was recorded. Municipalities outside the scope are absent.
    """
    if metric not in METRICS:
        raise ValueError(f"Indicador de mapa desconocido «{metric}»: use uno de {', '.join(METRICS)}.")
    spec = METRICS[metric]
    codes = scope_codes(viewer, filters, url)
    if not codes:
        return {}
    if spec.provider is alliance_queries.by_dimension:
        raw = {row.code: row.percent for row in spec.provider(viewer, filters, "municipality", url=url)}
    elif spec.provider:
        raw = dict(spec.provider(viewer, filters, url=url))
    else:
        with get_engine(url).connect() as conn:
            raw = {code: value for code, value in conn.execute(_metric_stmt(viewer, filters, metric, year))}
    out: dict[str, float | None] = {}
    for code in codes:
        value = raw.get(code)
        if value is None and spec.zero_fill:
            value = 0
        if isinstance(value, bool):
            value = int(value)
        out[code] = float(value) if value is not None else None
    return out


def _values_query(spec: Metric):
    """``map_values`` of one metric, declared with that metric's topics, so that a cache of
    it is keyed on exactly the data it reads (a new alert leaves the households map cached)."""

    def values(viewer: Viewer, filters: GlobalFilters, year: int | None = None,
               url: str | None = None) -> dict[str, float | None]:
        return map_values(viewer, filters, spec.key, year, url)

    values.__name__ = values.__qualname__ = f"map_values_{spec.key}"
    return reads(*spec.topics)(values)


METRIC_VALUES: dict[str, Callable] = {key: _values_query(spec) for key, spec in METRICS.items()}


@reads("targeting")
def targeting_years(viewer: Viewer, url: str | None = None) -> list[int]:
    stmt = (select(Targeting.year).distinct()
            .where(municipality_clause(viewer, Targeting.municipality_code, route_neutral=True))
            .order_by(Targeting.year.desc()))
    with get_engine(url).connect() as conn:
        return [int(y) for y in conn.scalars(stmt)]


@reads("alerts")
def alert_symbols(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, dict]:
    """{code: {"count", "severity" (highest), "categories"}} of alerts open at the cut-off."""
    A = TerritorialAlert
    stmt = (
        select(A.municipality_code, A.category, A.severity, func.count())
        .where(_open_alert(filters.cutoff), municipality_clause(viewer, A.municipality_code, route_neutral=True),
               filters.territory_clause(A.municipality_code))
        .group_by(A.municipality_code, A.category, A.severity)
    )
    rank = {s: i for i, s in enumerate(ALERT_SEVERITIES)}  # alta first
    out: dict[str, dict] = {}
    with get_engine(url).connect() as conn:
        for code, category, severity, n in conn.execute(stmt):
            entry = out.setdefault(code, {"count": 0, "severity": severity, "categories": []})
            entry["count"] += int(n)
            if rank.get(severity, 99) < rank.get(entry["severity"], 99):
                entry["severity"] = severity
            if category not in entry["categories"]:
                entry["categories"].append(category)
    for entry in out.values():
        entry["categories"].sort()
    return out


# ---------------------------------------------------------------------------- profile


@reads("reference", "targeting", "alerts", "participants", "business_plans", "sla")
def municipality_profile(viewer: Viewer, filters: GlobalFilters, code: str, year: int | None = None,
                         url: str | None = None) -> dict | None:
    """Everything the profile beside the map shows for one municipality, or None when
    the municipality is outside the viewer's scope (then nothing about it is returned).

    Territory filters do not apply (the municipality is the territory); the cut-off,
    period and route filters do.
    """
    if not code or not _in_scope(viewer, code, filters, url):
        return None
    f = filters.with_(municipality_code=code, department_code=None, regional_office_id=None)
    year = int(year or f.cutoff.year)
    E, BP, A, T = Enrolment, BusinessPlan, TerritorialAlert, Targeting
    rec_e = record_clause(viewer, E.municipality_code, E.operator_id, E.route)
    with get_engine(url).connect() as conn:
        head = conn.execute(
            select(Municipality.code, Municipality.name, Department.name, RegionalOffice.name,
                   Municipality.source)
            .join(Department, Department.code == Municipality.department_code)
            .outerjoin(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
            .where(Municipality.code == code)
        ).first()
        if head is None:
            return None
        area = conn.scalar(
            select(MunicipalityBoundary.area_km2)
            .join(BoundarySet, BoundarySet.id == MunicipalityBoundary.boundary_set_id)
            .where(BoundarySet.active, MunicipalityBoundary.municipality_code == code)
        )
        targeting = conn.execute(
            select(T.year, T.prioritised, T.target_population, T.total_score)
            .where(T.municipality_code == code, T.year == year,
                   municipality_clause(viewer, T.municipality_code, route_neutral=True))
        ).first()
        by_route = {r: {"hogar": 0, "opr": 0} for r in ROUTE_ORDER}
        for route, households, oprs in conn.execute(
            select(E.route, func.count(distinct(E.household_id)), func.count(distinct(E.opr_id)))
            .where(E.municipality_code == code, rec_e, _enrolled(f))
            .group_by(E.route)
        ):
            by_route[route] = {"hogar": int(households), "opr": int(oprs)}
        households_total, opr_total = conn.execute(
            select(func.count(distinct(E.household_id)), func.count(distinct(E.opr_id)))
            .where(E.municipality_code == code, rec_e, _enrolled(f))
        ).first()
        reached = dict(
            conn.execute(
                select(E.furthest_stage_order, func.count())
                .where(E.municipality_code == code, rec_e, _enrolled(f))
                .group_by(E.furthest_stage_order)
            ).all()
        )
        total = sum(reached.values())
        funnel = []
        for order, stage in enumerate(STAGES[:-1], start=1):  # salida is an exit marker, not progress
            funnel.append((stage, sum(n for o, n in reached.items() if (o or 0) >= order)))
        plan_where = [BP.municipality_code == code, *_plan_clauses(viewer, f)]
        plans = conn.execute(
            select(func.count(), func.coalesce(func.sum(BP.cofinancing_committed_cop), 0)).where(*plan_where)
        ).first()
        disbursed_plans, disbursed = conn.execute(
            select(func.count(), func.coalesce(func.sum(BP.cofinancing_disbursed_cop), 0))
            .where(*plan_where, BP.first_disbursement_date <= _d(f.cutoff))
        ).first()
        closed_plans = conn.scalar(
            select(func.count()).where(*plan_where, BP.closure_date <= _d(f.cutoff))
        )
        op_rows: dict[int, dict] = {}
        for op_id, name, route, n in conn.execute(
            select(Operator.id, Operator.name, E.route, func.count())
            .select_from(E)
            .join(Operator, Operator.id == E.operator_id)
            .where(E.municipality_code == code, rec_e, _enrolled(f))
            .group_by(Operator.id, Operator.name, E.route)
        ):
            entry = op_rows.setdefault(op_id, {"name": name, "routes": [], "participants": 0, "plans": 0})
            entry["participants"] += int(n)
            entry["routes"].append(route)
        for op_id, name, n in conn.execute(
            select(Operator.id, Operator.name, func.count())
            .select_from(BP)
            .join(Operator, Operator.id == BP.psde_operator_id)
            .where(*plan_where)
            .group_by(Operator.id, Operator.name)
        ):
            op_rows.setdefault(op_id, {"name": name, "routes": [], "participants": 0, "plans": 0})["plans"] += int(n)
        deliveries_ops = conn.execute(
            select(Operator.id, Operator.name)
            .select_from(ServiceDelivery)
            .join(Operator, Operator.id == ServiceDelivery.operator_id)
            .where(ServiceDelivery.municipality_code == code, ServiceDelivery.delivery_date <= _d(f.cutoff),
                   record_clause(viewer, ServiceDelivery.municipality_code, ServiceDelivery.operator_id,
                                 enrolment_route(ServiceDelivery.enrolment_id)))
            .distinct()
        ).all()
        for op_id, name in deliveries_ops:
            op_rows.setdefault(op_id, {"name": name, "routes": [], "participants": 0, "plans": 0})
        alerts = [
            dict(category=r.category, severity=r.severity, status=r.status, description=r.description,
                 opened_on=r.opened_on, closed_on=r.closed_on)
            for r in conn.execute(
                select(A.category, A.severity, A.status, A.description, A.opened_on, A.closed_on)
                .where(A.municipality_code == code, _open_alert(f.cutoff),
                       municipality_clause(viewer, A.municipality_code, route_neutral=True))
                .order_by(A.opened_on.desc())
            )
        ]
    profile = {
        "code": head[0], "name": head[1], "department": head[2], "office": head[3], "source": head[4],
        "area_km2": float(area) if area is not None else None,
        "year": year,
        "targeting": (
            {"prioritised": bool(targeting.prioritised), "target_population": int(targeting.target_population),
             "total_score": float(targeting.total_score)} if targeting is not None else None
        ),
        "territorial_visible": bool(viewer.is_national or viewer.is_regional or viewer.is_route),
        "by_route": by_route,
        "households": int(households_total or 0),
        "opr": int(opr_total or 0),
        "enrolments": total,
        "funnel": funnel,
        "plans": int(plans[0] or 0),
        "committed_cop": int(plans[1] or 0),
        "disbursed_plans": int(disbursed_plans or 0),
        "disbursed_cop": int(disbursed or 0),
        "closed_plans": int(closed_plans or 0),
        "operators": sorted(
            ({"name": v["name"], "routes": sorted(set(v["routes"]), key=ROUTE_ORDER.index),
              "participants": v["participants"], "plans": v["plans"]} for v in op_rows.values()),
            key=lambda o: (-o["participants"], -o["plans"], o["name"]),
        ),
        "alerts": alerts,
    }
    return profile


@reads("reference", "business_plans", "participants")
def municipality_alliance(viewer: Viewer, filters: GlobalFilters, code: str,
                          url: str | None = None) -> dict | None:
    """The alliance indicator (seed 004) of one municipality from ``data_access.alliance.queries``;
    None when the municipality is outside the scope."""
    if not _in_scope(viewer, code, filters, url):
        return None
    f = filters.with_(municipality_code=code, department_code=None, regional_office_id=None)
    row = alliance_queries.indicator(viewer, f, drill=(("municipality", code),), url=url)
    return {"numerator": row.numerator, "denominator": row.denominator, "percent": row.percent,
            "pending": row.pending, "not_executed": row.not_executed}


@reads("reference", "sla", "participants")
def sla_by_municipality(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, float]:
    """Average ANS compliance per municipality of the viewer's whole territory (territory
    filters aside, so that one cached result serves every profile)."""
    f = filters.with_(municipality_code=None, department_code=None, regional_office_id=None)
    return sla_queries.compliance_by_municipality(viewer, f, url=url)


def metric_rows(viewer: Viewer, filters: GlobalFilters, metric: str, year: int | None = None,
                url: str | None = None) -> list[dict]:
    """The map's figures as rows (code, municipality, department, value) for tables."""
    values = map_values(viewer, filters, metric, year, url)
    names = catalogue(url)
    out = []
    for code, value in values.items():
        name, dept, _ = names["municipalities"].get(code, (code, code[:2], None))
        out.append({"code": code, "name": name, "department": names["departments"].get(dept, dept),
                    "value": value})
    return out


__all__ = [
    "METRICS", "METRIC_VALUES", "Metric", "active_boundaries", "alert_symbols", "boundary_status",
    "catalogue", "department_boundaries", "largest_municipalities", "map_values", "metric_rows",
    "municipality_alliance", "municipality_profile", "scope_codes", "sla_by_municipality", "targeting_years",
]
