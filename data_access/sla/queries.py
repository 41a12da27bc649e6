"""ANS (SLA) of operators: definitions, reported and derived values, compliance.

Every query takes a ``Viewer`` and applies ``data_access.core.scope``:

* contracts through ``contract_clause`` (operador: its own; comité: its office's; national: all);
* the operational records behind derived ANS through ``record_clause`` on the enrolment
  (operador: enrolments of its operator; comité: enrolments in its office's municipalities),
  so a comité's figures are restricted to its territory;
* the global filters: route on the contract, office on the contract and on the records,
  department/municipality on the records (a contract is listed only if it has enrolments there).

Derived ANS (``SlaDefinition.kind == 'derived'``) are computed here in SQL, grouped by contract
and quarter, identically on SQLite and PostgreSQL (medians by a portable window-function
method, day differences through ``data_access.core.calendar.days_between``; quarters as bound
date ranges). Reported ANS come from ``sla_measurement``. Statuses and scores follow ``rules.sla.scoring``.

Public API for other areas (map, overview):
    ``compliance_by_municipality(viewer, filters, url=None) -> dict[str, float]``
    ``average_compliance(viewer, filters, url=None) -> float | None``
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Date, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from data_access.core.calendar import days_between
from data_access.core.db import get_engine, is_sqlite
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    ContractService,
    Enrolment,
    EnrolmentFirstService,
    EnrolmentQuarterEvents,
    EnrolmentServicesReached,
    Operator,
    OperatorContract,
    RegionalOffice,
    ServiceDelivery,
    ServiceType,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
)
from data_access.core.scope import Viewer, contract_clause, record_clause
from data_access.core.versions import reads
from data_access.summary import sla as summary
from rules.core.calendar import parse_quarter, quarter_bounds, quarter_of, quarters_between, shift_quarter
from rules.routes.model import SERVICIOS
from rules.sla import scoring as R

# ------------------------------------------------------------------------- reading


@contextmanager
def _reading(url: str | None):
    """A read connection. On PostgreSQL, JIT compilation is switched off for its transaction
    (SET LOCAL): these wide conditional aggregates spend ~10 s compiling for <1 s of work."""
    engine = get_engine(url)
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn.exec_driver_sql("SET LOCAL jit = off")
        yield conn


def _date(value: dt.date):
    return literal(value, Date())


# ------------------------------------------------------------------------- scoping


def _contract_scope(viewer: Viewer, filters: GlobalFilters) -> list:
    """Clauses on OperatorContract: scope, route and office filters, territory via enrolments."""
    clauses = _contract_scope_no_territory(viewer, filters)
    if filters.department_code or filters.municipality_code:
        # IN, not a correlated EXISTS: the territory's contracts are found once, not per ANS row
        clauses.append(OperatorContract.id.in_(
            select(Enrolment.contract_id).where(
                filters.territory_clause(Enrolment.municipality_code),
                record_clause(viewer, Enrolment.municipality_code, Enrolment.operator_id, Enrolment.route),
            )
        ))
    return clauses


def _record_scope(viewer: Viewer, filters: GlobalFilters) -> list:
    """Clauses on Enrolment (joined to its OperatorContract) for derived figures."""
    return [
        record_clause(viewer, Enrolment.municipality_code, Enrolment.operator_id, Enrolment.route),
        filters.territory_clause(Enrolment.municipality_code),
        *_contract_scope_no_territory(viewer, filters),
    ]


def _contract_scope_no_territory(viewer: Viewer, filters: GlobalFilters) -> list:
    clauses = [contract_clause(viewer), filters.route_clause(OperatorContract.route)]
    if filters.regional_office_id is not None:
        clauses.append(OperatorContract.regional_office_id == filters.regional_office_id)
    return clauses


def _narrow(viewer: Viewer, filters: GlobalFilters, contract_ids, *, broad_too_on_sqlite: bool = False,
            url: str | None = None) -> bool:
    """Restrict the event scans to the scoped enrolments first? Always for an operador or a few
    contracts (a small part of the records). For a comité or territorial filters (up to a
    quarter of the country) only where measured faster: SQLite's event count, with
    ``broad_too_on_sqlite``; PostgreSQL's hash plans prefer the plain scan."""
    if viewer.is_operator or contract_ids is not None:
        return True
    narrowing = not viewer.is_national or bool(
        filters.route or filters.regional_office_id or filters.department_code or filters.municipality_code)
    return broad_too_on_sqlite and narrowing and is_sqlite(get_engine(url))


def _scoped_enrolments(viewer: Viewer, filters: GlobalFilters, contract_ids):
    """Select of the ids of the enrolments within scope and filters (for IN restrictions)."""
    stmt = (
        select(Enrolment.id)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(*_record_scope(viewer, filters))
    )
    if contract_ids is not None:
        stmt = stmt.where(Enrolment.contract_id.in_(contract_ids))
    return stmt


def _no_access(viewer: Viewer) -> bool:
    return not (viewer.is_national or viewer.is_regional or viewer.is_operator or viewer.is_route)


# ---------------------------------------------------------------------- definitions


@reads("sla")
def definitions(viewer: Viewer, route: str | None = None, service_type: str | None = None,
                url: str | None = None) -> list[dict]:
    """Every ANS definition (contract parameters, not programme records: any known role)."""
    if not viewer.known:
        return []
    stmt = (
        select(SlaDefinition, ServiceType.name.label("service_name"))
        .join(ServiceType, ServiceType.code == SlaDefinition.service_type_code)
        .order_by(SlaDefinition.route, SlaDefinition.service_type_code, SlaDefinition.code)
    )
    if route:
        stmt = stmt.where(SlaDefinition.route == route)
    if viewer.is_route:  # a dirección de ruta reads the parameters of its own route's contracts
        stmt = stmt.where(SlaDefinition.route == viewer.route)
    if service_type:
        stmt = stmt.where(SlaDefinition.service_type_code == service_type)
    with _reading(url) as conn:
        rows = conn.execute(stmt).all()
    out = []
    for row in rows:
        d = row._mapping
        out.append(
            {
                "id": d["id"], "code": d["code"], "route": d["route"], "service_type_code": d["service_type_code"],
                "service_name": d["service_name"], "name": d["name"], "description": d["description"],
                "kind": d["kind"], "derived_key": d["derived_key"], "unit": d["unit"], "target": d["target"],
                "direction": d["direction"], "tolerance": d["tolerance"], "weight": d["weight"],
                "frequency": d["frequency"], "how": R.how_computed(d["kind"], d["derived_key"]),
            }
        )
    return out


# ------------------------------------------------------------------- derived values


@dataclass(frozen=True)
class Measure:
    value: float | None
    numerator: float | None  # count of the numerator (or the median's population for days)
    denominator: int  # population; 0 = nothing to measure (sin base)


def days_to_first_technical_assistance(
    viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...], url: str | None = None,
    contract_ids: tuple[int, ...] | None = None, live: bool = False,
) -> dict[tuple[int, str], Measure]:
    """Median days from route entry to the first asistencia técnica delivery, per contract and
    quarter of entry (``Enrolment.cohort_quarter``), as of ``filters.cutoff``.

    Population: participants who had reached «servicios activados» by the cut-off (from then on
    the visit is owed); those not yet visited count with the days elapsed to the cut-off.
    Median = mean of the two middle rows (row_number / count windows: identical on SQLite and
    PostgreSQL, no percentile_cont). Read from the per-enrolment summaries when they are exact
    (``data_access.summary.sla``), unless ``live``."""
    if _no_access(viewer) or not quarters:
        return {}
    cutoff = filters.cutoff
    with _reading(url) as conn:
        if not live and summary.is_exact(conn):
            return _median_days(conn, _days_base_summarised(viewer, filters, quarters, contract_ids))
    first_visit = (
        select(func.min(ServiceDelivery.delivery_date))
        .where(
            ServiceDelivery.enrolment_id == Enrolment.id,
            ServiceDelivery.service_type_code == R.FIRST_VISIT_SERVICE,
            ServiceDelivery.delivery_date <= _date(cutoff),
        )
        .correlate(Enrolment)
        .scalar_subquery()
    )
    days = days_between(func.coalesce(first_visit, _date(cutoff)), Enrolment.entry_date)
    base = (
        select(Enrolment.contract_id.label("cid"), Enrolment.cohort_quarter.label("q"), days.label("d"))
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(
            Enrolment.cohort_quarter.in_(quarters),
            Enrolment.entry_date <= _date(cutoff),
            exists(
                select(StageEvent.id).where(
                    StageEvent.enrolment_id == Enrolment.id,
                    StageEvent.stage == SERVICIOS,
                    StageEvent.event_date <= _date(cutoff),
                )
            ),
            *_record_scope(viewer, filters),
        )
    )
    if contract_ids is not None:
        base = base.where(Enrolment.contract_id.in_(contract_ids))
    with _reading(url) as conn:
        return _median_days(conn, base)


def _days_base_summarised(viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...],
                          contract_ids: tuple[int, ...] | None):
    """(contract, cohort quarter, days) of the population, from the summaries: the first date
    of «servicios activados» and of the first visit are per-enrolment rows, not scans."""
    cutoff = _date(filters.cutoff)
    visit = aliased(EnrolmentFirstService)
    first = case((visit.first_on <= cutoff, visit.first_on), else_=cutoff)
    base = (
        select(Enrolment.contract_id.label("cid"), Enrolment.cohort_quarter.label("q"),
               days_between(first, Enrolment.entry_date).label("d"))
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .join(EnrolmentServicesReached, and_(EnrolmentServicesReached.enrolment_id == Enrolment.id,
                                             EnrolmentServicesReached.reached_on <= cutoff))
        .outerjoin(visit, and_(visit.enrolment_id == Enrolment.id,
                               visit.service_type_code == R.FIRST_VISIT_SERVICE))
        .where(Enrolment.cohort_quarter.in_(quarters), Enrolment.entry_date <= cutoff,
               *_record_scope(viewer, filters))
    )
    if contract_ids is not None:
        base = base.where(Enrolment.contract_id.in_(contract_ids))
    return base


def _median_days(conn, base) -> dict[tuple[int, str], Measure]:
    """Median of ``base``'s days per (contract, quarter): the two middle rows' mean."""
    b = base.subquery()
    ranked = select(
        b.c.cid, b.c.q, b.c.d,
        func.row_number().over(partition_by=(b.c.cid, b.c.q), order_by=b.c.d).label("rn"),
        func.count().over(partition_by=(b.c.cid, b.c.q)).label("n"),
    ).subquery()
    stmt = (
        select(ranked.c.cid, ranked.c.q, func.avg(ranked.c.d), func.max(ranked.c.n))
        .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
        .group_by(ranked.c.cid, ranked.c.q)
    )
    return {(cid, q): Measure(float(median), int(n), int(n)) for cid, q, median, n in conn.execute(stmt)}


def events_registered_on_time(
    viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...], url: str | None = None,
    contract_ids: tuple[int, ...] | None = None, live: bool = False,
) -> dict[tuple[int, str], Measure]:
    """% of stage events registered within ``rules.sla.scoring.ON_TIME_DAYS`` days of happening, per
    contract (``Enrolment.contract_id``) and quarter of ``event_date`` (events up to the cut-off).

    The quarters that ended by the cut-off are read from the per-enrolment quarter summary when
    it is exact (``data_access.summary.sla``), unless ``live``; the quarter the cut-off falls
    in, from the events themselves."""
    if _no_access(viewer) or not quarters:
        return {}
    if not live:
        with _reading(url) as conn:
            exact = summary.is_exact(conn)
        if exact:
            ended = tuple(q for q in quarters if quarter_bounds(q)[1] <= filters.cutoff)
            running = tuple(q for q in quarters if q not in ended)
            out = _on_time_summarised(viewer, filters, ended, url, contract_ids) if ended else {}
            if running:
                out.update(_on_time_live(viewer, filters, running, url, contract_ids))
            return out
    return _on_time_live(viewer, filters, quarters, url, contract_ids)


def _on_time_summarised(viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...], url: str | None,
                        contract_ids: tuple[int, ...] | None) -> dict[tuple[int, str], Measure]:
    """Whole quarters from ``summary_quarter_events``: its rows of those quarters, joined to
    their enrolment for contract and scope."""
    e = EnrolmentQuarterEvents
    stmt = (
        select(Enrolment.contract_id, e.quarter, func.sum(e.events), func.sum(e.on_time))
        .join(Enrolment, Enrolment.id == e.enrolment_id)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(e.quarter.in_(quarters), *_record_scope(viewer, filters))
        .group_by(Enrolment.contract_id, e.quarter)
    )
    if contract_ids is not None:
        stmt = stmt.where(Enrolment.contract_id.in_(contract_ids))
    with _reading(url) as conn:
        return {(cid, q): Measure(100.0 * int(ok) / int(n), int(ok), int(n))
                for cid, q, n, ok in conn.execute(stmt) if n}


def _on_time_live(
    viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...], url: str | None = None,
    contract_ids: tuple[int, ...] | None = None,
) -> dict[tuple[int, str], Measure]:
    """The events of ``quarters`` themselves (up to the cut-off).

    Events are first counted per enrolment (one column pair per quarter, an index-only range
    scan of ``ix_stage_event_date``), then the far fewer enrolment rows are joined to their
    contract and scope: millions of events never each look up their enrolment.
    """
    if _no_access(viewer) or not quarters:
        return {}
    cutoff = filters.cutoff
    qs = [(q, quarter_bounds(q)[0], min(quarter_bounds(q)[1], cutoff)) for q in quarters]
    qs = [(q, a, b) for q, a, b in qs if a <= b]
    if not qs:
        return {}
    on_time = days_between(StageEvent.registered_on, StageEvent.event_date) <= R.ON_TIME_DAYS
    cols = []
    for i, (_, a, b) in enumerate(qs):
        in_q = and_(StageEvent.event_date >= _date(a), StageEvent.event_date <= _date(b))
        cols.append(func.sum(case((in_q, 1), else_=0)).label(f"n{i}"))
        cols.append(func.sum(case((and_(in_q, on_time), 1), else_=0)).label(f"k{i}"))
    per_enrolment = (
        select(StageEvent.enrolment_id.label("eid"), *cols)
        .where(StageEvent.event_date >= _date(min(a for _, a, _ in qs)),
               StageEvent.event_date <= _date(max(b for _, _, b in qs)))
        .group_by(StageEvent.enrolment_id)
    )
    if _narrow(viewer, filters, contract_ids, broad_too_on_sqlite=True, url=url):
        per_enrolment = per_enrolment.where(
            StageEvent.enrolment_id.in_(_scoped_enrolments(viewer, filters, contract_ids)))
    per_enrolment = per_enrolment.subquery()
    sums = []
    for i in range(len(qs)):
        sums += [func.sum(per_enrolment.c[f"n{i}"]), func.sum(per_enrolment.c[f"k{i}"])]
    stmt = (
        select(Enrolment.contract_id, *sums)
        .select_from(per_enrolment)
        .join(Enrolment, Enrolment.id == per_enrolment.c.eid)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(*_record_scope(viewer, filters))
        .group_by(Enrolment.contract_id)
    )
    if contract_ids is not None:
        stmt = stmt.where(Enrolment.contract_id.in_(contract_ids))
    out: dict[tuple[int, str], Measure] = {}
    with _reading(url) as conn:
        for row in conn.execute(stmt):
            for i, (q, _, _) in enumerate(qs):
                n, ok = int(row[1 + 2 * i] or 0), int(row[2 + 2 * i] or 0)
                if n:
                    out[(row[0], q)] = Measure(100.0 * ok / n, ok, n)
    return out


def service_coverage(
    viewer: Viewer, filters: GlobalFilters, quarters: tuple[str, ...], service_types: tuple[str, ...],
    url: str | None = None, contract_ids: tuple[int, ...] | None = None, live: bool = False,
) -> dict[tuple[str, int, str], Measure]:
    """% of participants with services activated who received each service type, per contract
    and quarter; keyed by (service type, contract, quarter).

    For quarter Q, as of its last day (or the cut-off if earlier) = D: the population is the
    contract's participants who reached «servicios activados» on or before D and had not exited
    before Q started; the numerator, those among them with a delivery of the service on or
    before D. One query for every quarter and service type at once, from the per-enrolment
    summaries when they are exact (``data_access.summary.sla``), unless ``live``.
    """
    if _no_access(viewer) or not quarters or not service_types:
        return {}
    cutoff = filters.cutoff
    qs = [(q, quarter_bounds(q)[0], min(quarter_bounds(q)[1], cutoff)) for q in quarters]
    qs = [(q, a, b) for q, a, b in qs if a <= b]
    if not qs:
        return {}
    latest = max(b for _, _, b in qs)
    with _reading(url) as conn:
        exact = not live and summary.is_exact(conn)
    per = (_coverage_per_summarised(viewer, filters, latest, service_types, contract_ids) if exact
           else _coverage_per_live(viewer, filters, latest, service_types, url, contract_ids))
    return _coverage_measures(per, qs, service_types, url)


def _coverage_per_summarised(viewer: Viewer, filters: GlobalFilters, latest: dt.date,
                             service_types: tuple[str, ...], contract_ids: tuple[int, ...] | None):
    """(eid, d, cid, x, f0…) per participant from the summaries: first «servicios activados» and
    first delivery of each service type are rows of their own."""
    f = EnrolmentFirstService
    firsts = [func.min(case((f.service_type_code == s_code, f.first_on))).label(f"f{j}")
              for j, s_code in enumerate(service_types)]
    reached = EnrolmentServicesReached
    per = (
        select(reached.enrolment_id.label("eid"), reached.reached_on.label("d"), Enrolment.contract_id.label("cid"),
               Enrolment.exit_date.label("x"), *firsts)
        .join(Enrolment, Enrolment.id == reached.enrolment_id)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .outerjoin(f, and_(f.enrolment_id == reached.enrolment_id, f.service_type_code.in_(service_types)))
        .where(reached.reached_on <= _date(latest), *_record_scope(viewer, filters))
        .group_by(reached.enrolment_id, reached.reached_on, Enrolment.contract_id, Enrolment.exit_date)
    )
    if contract_ids is not None:
        per = per.where(Enrolment.contract_id.in_(contract_ids))
    return per.subquery()


def _coverage_per_live(viewer: Viewer, filters: GlobalFilters, latest: dt.date, service_types: tuple[str, ...],
                       url: str | None, contract_ids: tuple[int, ...] | None):
    """(eid, d, cid, x, f0…) per participant from the stage events and deliveries themselves."""
    reached = (
        select(StageEvent.enrolment_id.label("eid"), func.min(StageEvent.event_date).label("d"))
        .where(StageEvent.stage == SERVICIOS, StageEvent.event_date <= _date(latest))
        .group_by(StageEvent.enrolment_id)
    )
    if _narrow(viewer, filters, contract_ids, url=url):
        reached = reached.where(StageEvent.enrolment_id.in_(_scoped_enrolments(viewer, filters, contract_ids)))
    reached = reached.subquery()
    keys = (reached.c.eid, reached.c.d, Enrolment.contract_id.label("cid"), Enrolment.exit_date.label("x"))
    if is_sqlite(get_engine(url)):
        # First delivery of each service per participant: one index-only seek each
        # (ix_service_delivery_first). GROUP BY keeps this subquery materialised, so SQLite
        # does not re-run the seeks for every quarter column that reads them.
        firsts = [
            select(func.min(ServiceDelivery.delivery_date))
            .where(ServiceDelivery.enrolment_id == reached.c.eid, ServiceDelivery.service_type_code == s_code)
            .scalar_subquery()
            .label(f"f{j}")
            for j, s_code in enumerate(service_types)
        ]
        per = select(*keys, *firsts).select_from(reached)
    else:
        # PostgreSQL: one hash join with the deliveries and a conditional MIN per service
        # (per-row subplans would cost ~8 index scans per participant). Same values.
        firsts = [
            func.min(case((ServiceDelivery.service_type_code == s_code, ServiceDelivery.delivery_date))).label(f"f{j}")
            for j, s_code in enumerate(service_types)
        ]
        per = (
            select(*keys, *firsts)
            .select_from(reached)
            .outerjoin(ServiceDelivery, and_(ServiceDelivery.enrolment_id == reached.c.eid,
                                             ServiceDelivery.service_type_code.in_(service_types)))
        )
    per = (
        per.join(Enrolment, Enrolment.id == reached.c.eid)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(*_record_scope(viewer, filters))
        .group_by(reached.c.eid, reached.c.d, Enrolment.contract_id, Enrolment.exit_date)
    )
    if contract_ids is not None:
        per = per.where(Enrolment.contract_id.in_(contract_ids))
    return per.subquery()


def _coverage_measures(per, qs: list, service_types: tuple[str, ...], url: str | None
                       ) -> dict[tuple[str, int, str], Measure]:
    """Population and numerators per contract and quarter from the per-participant rows ``per``."""
    cols = []
    for _q, a, b in qs:
        in_pop = and_(per.c.d <= _date(b), or_(per.c.x.is_(None), per.c.x >= _date(a)))
        cols.append(func.sum(case((in_pop, 1), else_=0)))
        for j in range(len(service_types)):
            cols.append(func.sum(case((and_(in_pop, per.c[f"f{j}"] <= _date(b)), 1), else_=0)))
    stmt = select(per.c.cid, *cols).group_by(per.c.cid)
    out: dict[tuple[str, int, str], Measure] = {}
    width = 1 + len(service_types)
    with _reading(url) as conn:
        for row in conn.execute(stmt):
            for i, (q, _, _) in enumerate(qs):
                den = int(row[1 + i * width] or 0)
                if not den:
                    continue
                for j, s_code in enumerate(service_types):
                    got = int(row[2 + i * width + j] or 0)
                    out[(s_code, row[0], q)] = Measure(100.0 * got / den, got, den)
    return out


# ------------------------------------------------------------------------ scorecard

FRAME_COLUMNS = [
    "operator_id", "operator_code", "operator_name", "contract_id", "contract_code", "route",
    "office_id", "office_name", "definition_id", "definition_code", "definition_name",
    "service_type_code", "kind", "derived_key", "unit", "target", "direction", "tolerance", "weight",
    "quarter", "value", "numerator", "denominator", "status", "evidence_ref", "reported_by", "reported_on",
]


@reads("sla", "participants")
def quarter_options(viewer: Viewer, filters: GlobalFilters, url: str | None = None,
                    limit: int = 12) -> list[str]:
    """Quarters with visible contracts, newest first, up to the cut-off's quarter."""
    last = quarter_of(filters.cutoff)
    if _no_access(viewer):
        return [last]
    stmt = select(func.min(OperatorContract.start_date)).where(*_contract_scope(viewer, filters))
    with _reading(url) as conn:
        first = conn.execute(stmt).scalar()
    if first is None:
        return [last]
    if isinstance(first, str):
        first = dt.date.fromisoformat(first)
    first_q = max(quarter_of(first), shift_quarter(last, -(limit - 1)))
    if first_q > last:
        return [last]
    return list(reversed(quarters_between(first_q, last)))


@reads("sla", "participants")
def operator_options(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the operators whose contracts the viewer may see under the filters."""
    if _no_access(viewer):
        return []
    stmt = (
        select(Operator.code, Operator.name)
        .join(OperatorContract, OperatorContract.operator_id == Operator.id)
        .where(*_contract_scope(viewer, filters))
        .distinct()
        .order_by(Operator.name)
    )
    with _reading(url) as conn:
        return [tuple(r) for r in conn.execute(stmt)]


@reads("sla", "participants")
def scorecard_frame(
    viewer: Viewer,
    filters: GlobalFilters,
    quarters: tuple[str, ...],
    service_type: str | None = None,
    operator_code: str | None = None,
    url: str | None = None,
) -> pd.DataFrame:
    """One row per (visible contract × applicable ANS × quarter in which the contract runs),
    with its value, status and evidence (columns ``FRAME_COLUMNS``).

    An ANS applies to a contract when it is defined for the contract's route and the contract
    provides its service type (``contract_service``; a contract with no services listed owes
    every ANS of its route). Values as of ``filters.cutoff``; quarters after it are dropped.
    """
    last_q = quarter_of(filters.cutoff)
    quarters = tuple(sorted({parse_quarter(q) for q in quarters if parse_quarter(q) <= last_q}))
    if _no_access(viewer) or not quarters:
        return pd.DataFrame(columns=FRAME_COLUMNS)
    w_start = quarter_bounds(quarters[0])[0]
    w_end = quarter_bounds(quarters[-1])[1]
    any_service = select(ContractService.contract_id).where(ContractService.contract_id == OperatorContract.id)
    own_service = any_service.where(ContractService.service_type_code == SlaDefinition.service_type_code)
    pairs = (
        select(
            OperatorContract.id, OperatorContract.code, OperatorContract.route, OperatorContract.regional_office_id,
            RegionalOffice.name, OperatorContract.start_date, OperatorContract.end_date,
            Operator.id, Operator.code, Operator.name,
            SlaDefinition.id, SlaDefinition.code, SlaDefinition.name, SlaDefinition.service_type_code,
            SlaDefinition.kind, SlaDefinition.derived_key, SlaDefinition.unit, SlaDefinition.target,
            SlaDefinition.direction, SlaDefinition.tolerance, SlaDefinition.weight,
        )
        .join(Operator, Operator.id == OperatorContract.operator_id)
        .join(RegionalOffice, RegionalOffice.id == OperatorContract.regional_office_id)
        .join(SlaDefinition, SlaDefinition.route == OperatorContract.route)
        .where(
            *_contract_scope(viewer, filters),
            OperatorContract.start_date <= _date(w_end),
            or_(OperatorContract.end_date.is_(None), OperatorContract.end_date >= _date(w_start)),
            or_(exists(own_service), ~exists(any_service)),
        )
    )
    if service_type:
        pairs = pairs.where(SlaDefinition.service_type_code == service_type)
    if operator_code:
        pairs = pairs.where(Operator.code == operator_code)
    with _reading(url) as conn:
        pair_rows = conn.execute(pairs).all()
        if not pair_rows:
            return pd.DataFrame(columns=FRAME_COLUMNS)
        contract_ids = tuple(sorted({r[0] for r in pair_rows}))
        reported = {}
        m_stmt = (
            select(
                SlaMeasurement.definition_id, SlaMeasurement.contract_id, SlaMeasurement.quarter,
                SlaMeasurement.value, SlaMeasurement.evidence_ref, SlaMeasurement.reported_by,
                SlaMeasurement.reported_on,
            )
            .join(OperatorContract, OperatorContract.id == SlaMeasurement.contract_id)
            .join(SlaDefinition, SlaDefinition.id == SlaMeasurement.definition_id)
            .where(
                contract_clause(viewer),
                SlaDefinition.kind == "reported",
                SlaMeasurement.quarter.in_(quarters),
                SlaMeasurement.contract_id.in_(contract_ids),
            )
        )
        for did, cid, q, value, ev, by, on in conn.execute(m_stmt):
            reported[(did, cid, q)] = (value, ev or "", by or "", on)
    keys = {r[15] for r in pair_rows if r[14] == "derived"}
    cov_services = tuple(sorted({r[13] for r in pair_rows if r[14] == "derived" and r[15] == R.SERVICE_COVERAGE}))
    # Derived values only for the contracts listed when they are few (an operador, one operator):
    # an IN list then drives the plan through the contract index; nationally a scan is cheaper.
    cids = contract_ids if (operator_code or viewer.is_operator) and len(contract_ids) <= 50 else None
    days = (days_to_first_technical_assistance(viewer, filters, quarters, url, cids)
            if R.DAYS_TO_FIRST_AT in keys else {})
    on_time = events_registered_on_time(viewer, filters, quarters, url, cids) if R.EVENTS_ON_TIME in keys else {}
    coverage = service_coverage(viewer, filters, quarters, cov_services, url, cids) if cov_services else {}

    records = []
    for r in pair_rows:
        (cid, ccode, route, office_id, office_name, c_start, c_end, op_id, op_code, op_name,
         did, dcode, dname, stype, kind, dkey, unit, target, direction, tolerance, weight) = r
        if isinstance(c_start, str):
            c_start = dt.date.fromisoformat(c_start)
        if isinstance(c_end, str):
            c_end = dt.date.fromisoformat(c_end)
        for q in quarters:
            if not R.contract_active(c_start, c_end, q):
                continue
            value = numerator = None
            denominator = None
            evidence = by = ""
            on = None
            if kind == "derived":
                if dkey == R.DAYS_TO_FIRST_AT:
                    m = days.get((cid, q))
                elif dkey == R.EVENTS_ON_TIME:
                    m = on_time.get((cid, q))
                elif dkey == R.SERVICE_COVERAGE:
                    m = coverage.get((stype, cid, q))
                else:
                    m = None
                if m is not None:
                    value, numerator, denominator = m.value, m.numerator, m.denominator
                else:
                    denominator = 0
                status = R.evaluate(value, target, direction, tolerance or 0.0, has_base=bool(denominator))
            else:
                value, evidence, by, on = reported.get((did, cid, q), (None, "", "", None))
                status = R.evaluate(value, target, direction, tolerance or 0.0)
            records.append(
                (op_id, op_code, op_name, cid, ccode, route, office_id, office_name, did, dcode, dname, stype,
                 kind, dkey, unit, float(target), direction, float(tolerance or 0.0), float(weight or 0.0), q,
                 None if value is None else float(value), numerator, denominator, status, evidence, by, on)
            )
    frame = pd.DataFrame.from_records(records, columns=FRAME_COLUMNS)
    return frame.sort_values(["operator_name", "contract_code", "definition_code", "quarter"], ignore_index=True)


# ------------------------------------------------------------- aggregation of a frame


def score_table(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Weighted compliance (``rules.sla.scoring.weighted_score``) and status counts grouped by ``by``."""
    cols = [*by, "score", "weight_total", *R.STATUSES]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    f = frame[[*by, "weight", "status"]].copy()
    scorable = f["status"] != R.SIN_BASE
    f["w"] = f["weight"].where(scorable, 0.0)
    f["wc"] = f["w"] * f["status"].map(R.CREDIT).fillna(0.0)
    for s in R.STATUSES:
        f[s] = (f["status"] == s).astype(int)
    g = f.groupby(by, dropna=False, sort=True)[["w", "wc", *R.STATUSES]].sum().reset_index()
    g["score"] = (100.0 * g["wc"] / g["w"]).where(g["w"] > 0)
    g = g.rename(columns={"w": "weight_total"})
    g["score"] = g["score"].astype(object).where(g["score"].notna(), None)
    return g[cols]


def breaches(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in breach (incumple or sin reporte)."""
    if frame.empty:
        return frame
    return frame[frame["status"].isin(R.BREACHES)].reset_index(drop=True)


# --------------------------------------------------------- API for map and overview


def _contract_population(viewer: Viewer, filters: GlobalFilters, quarter: str, url: str | None) -> list:
    """(municipality, contract, enrolments served in the quarter) within scope and filters."""
    q_start, _ = quarter_bounds(quarter)
    stmt = (
        select(Enrolment.municipality_code, Enrolment.contract_id, func.count())
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(
            Enrolment.entry_date <= _date(filters.cutoff),
            or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= _date(q_start)),
            *_record_scope(viewer, filters),
        )
        .group_by(Enrolment.municipality_code, Enrolment.contract_id)
    )
    with _reading(url) as conn:
        return [tuple(r) for r in conn.execute(stmt)]


@reads("sla", "participants")
def compliance_by_municipality(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, float]:
    """ANS compliance (0–100) per municipality for the quarter of ``filters.cutoff``.

    Each contract's weighted compliance score (``rules.sla.scoring``) is spread over the municipalities
    where it serves participants: a municipality's value is the mean of the scores of the
    contracts working there, weighted by the number of their participants in it (entered by the
    cut-off and not exited before the quarter). Municipalities without a scored contract are absent.
    """
    quarter = quarter_of(filters.cutoff)
    frame = scorecard_frame(viewer, filters, (quarter,), url=url)
    if frame.empty:
        return {}
    scores = {
        int(r.contract_id): float(r.score)
        for r in score_table(frame, ["contract_id"]).itertuples()
        if r.score is not None
    }
    num: dict[str, float] = {}
    den: dict[str, int] = {}
    for muni, cid, n in _contract_population(viewer, filters, quarter, url):
        if cid in scores and n:
            num[muni] = num.get(muni, 0.0) + scores[cid] * n
            den[muni] = den.get(muni, 0) + n
    return {m: num[m] / den[m] for m in sorted(num)}


def average_compliance(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> float | None:
    """Overall weighted ANS compliance (0–100) for the quarter of ``filters.cutoff``:
    Σ weight × credit / Σ weight over every ANS owed by every visible contract
    (sin reporte counts as zero; None when nothing is scorable)."""
    quarter = quarter_of(filters.cutoff)
    frame = scorecard_frame(viewer, filters, (quarter,), url=url)
    if frame.empty:
        return None
    return R.weighted_score(zip(frame["weight"], frame["status"]))


__all__ = [
    "Measure", "average_compliance", "breaches", "compliance_by_municipality", "definitions",
    "days_to_first_technical_assistance", "events_registered_on_time", "operator_options",
    "quarter_options", "score_table", "scorecard_frame", "service_coverage",
]
