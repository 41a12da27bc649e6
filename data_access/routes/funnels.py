"""Route funnels, the Sankey between routes, service coverage, participant lists and
saved cohorts — all counted in SQL, scoped for the viewer (default-deny).

Reached = the enrolment has a stage event for the stage dated on or before the cut-off
(``GlobalFilters.cutoff``); the cohort's entrants are enrolments that entered on or
before the cut-off (and on or after ``period_start`` when set). One query per view:

* :func:`funnel` pivots the cohort's stage events once per enrolment (the covering index
  ``ix_stage_event_funnel (enrolment_id, stage, event_date, outcome)`` of migration 0003
  makes it an index-only nested loop) and returns, in the same statement, per stage the
  histogram of *days since the previous stage reached* plus the exits by last stage and
  outcome. Counts, losses and exact medians follow from those aggregates
  (``rules.routes.funnels``): PostgreSQL and SQLite give identical figures (no
  ``percentile_cont``) and no row-level data leaves the store. Its cost grows with the
  cohort's stage events (a one-quarter national cohort: ≈18k enrolments, ≈140k events).
  The enrolment summary (``furthest_stage_order``, ``exit_*``) is not used for counting:
  it describes today, while a funnel is as of the cut-off.
* :func:`sankey` follows each cohort entry through ``previous_enrolment_id`` promotions
  (``ix_enrolment_previous``, migration 0003).
* :func:`service_coverage`, :func:`participants` (paginated, two steps: the page's ids,
  then their details), saved cohorts (:func:`save_cohort`, the viewer's own, by name).

:func:`routes_page_reads` runs exactly the reads of one uncached page rerun; the whole
page is timed by ``cli.bench.routes`` (discovered by ``tablero bench``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from data_access.audit import log as audit
from data_access.core.auth import check_account
from data_access.core.calendar import day_number, sql_add_months
from data_access.core.db import get_engine, is_sqlite, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    Enrolment,
    Household,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
    SavedCohort,
    ServiceDelivery,
    StageEvent,
)
from data_access.core.scope import Viewer, contract_clause, record_clause
from data_access.core.versions import reads
from rules import access
from rules.core.catalog import ROUTE_ORDER, services_for_route
from rules.routes.funnels import (
    Cohort,
    FunnelStage,
    Sankey,
    build_funnel,
    build_sankey,
    like_for_like_months,
    observed_entry_limit,
)
from rules.routes.model import COMPLETED_EXITS, EXIT_OUTCOMES, LOSS_REASONS, SALIDA, STAGES, route_model

MAX_PAGE_SIZE = 500
MAX_EXPORT_ROWS = 20_000  # a full participant download from the page; the CLI has no limit

E = Enrolment.__table__
SE = StageEvent.__table__
H = Household.__table__


# ------------------------------------------------------------------------- cohort SQL


def cohort_routes(filters: GlobalFilters, cohort: Cohort) -> tuple[str, ...]:
    """The routes a cohort covers: the one the global filter and the cohort name, else all."""
    wanted = {r for r in (filters.route, cohort.route) if r}
    if len(wanted) > 1:
        return ()
    return tuple(wanted) if wanted else ROUTE_ORDER


def cohort_conditions(viewer: Viewer, filters: GlobalFilters, cohort: Cohort, e=E, h=H) -> list:
    """WHERE clauses selecting the cohort's enrolments (scope first: default-deny)."""
    conds = [
        record_clause(viewer, e.c.municipality_code, e.c.operator_id, e.c.route),
        filters.territory_clause(e.c.municipality_code),
        filters.route_clause(e.c.route),
        e.c.entry_date <= filters.cutoff,
    ]
    if filters.period_start:
        conds.append(e.c.entry_date >= filters.period_start)
    page_territory = GlobalFilters(
        cutoff=filters.cutoff,
        regional_office_id=cohort.regional_office_id,
        department_code=cohort.department_code,
        municipality_code=cohort.municipality_code,
    )
    conds.append(page_territory.territory_clause(e.c.municipality_code))
    if cohort.quarters:
        conds.append(e.c.cohort_quarter.in_(cohort.quarters))
    if cohort.route:
        conds.append(e.c.route == cohort.route)
    if cohort.entry_mechanisms:
        conds.append(e.c.entry_mechanism.in_(cohort.entry_mechanisms))
    if cohort.operator_id is not None:
        conds.append(e.c.operator_id == cohort.operator_id)
    if cohort.sex is not None:
        conds.append(h.c.sex == cohort.sex)
    if cohort.youth is not None:
        conds.append(h.c.youth == cohort.youth)
    if cohort.ethnicities:
        conds.append(h.c.ethnicity.in_(cohort.ethnicities))
    if cohort.victim is not None:
        conds.append(h.c.victim == cohort.victim)
    return conds


def cohort_from(cohort: Cohort, e=E, h=H):
    """FROM clause: enrolment, joined to household only when a person filter is set."""
    return e.join(h, h.c.id == e.c.household_id) if cohort.person_filters else e


# ------------------------------------------------------------------------------ funnel


def _elapsed_conditions(filters: GlobalFilters, months: int | None) -> list:
    """Entrants observed ``months`` whole months by the cut-off (none when ``months`` is None)."""
    if months is None:
        return []
    return [E.c.entry_date <= observed_entry_limit(filters.cutoff, months)]


def funnel_aggregates(
    viewer: Viewer, filters: GlobalFilters, cohort: Cohort, url: str | None = None, months: int | None = None
) -> list[tuple]:
    """Raw aggregates ``(part, route, stage, days, outcome, n)`` of the cohort's funnels.

    part ``g``: participants reaching ``stage`` with ``days`` since the previous stage
    reached (None for ingreso; SALIDA only for completed exits). part ``x``: exits with
    ``outcome`` whose last stage before leaving was ``stage``. With ``months``, each
    participant counts only what it reached within ``months`` calendar months of its entry,
    and only entrants observed that long by the cut-off count (equal elapsed time).
    """
    routes = cohort_routes(filters, cohort)
    if not routes:
        return []
    engine = get_engine(url)
    sqlite = is_sqlite(engine)
    day = day_number(SE.c.event_date, sqlite)
    in_time = SE.c.event_date <= (filters.cutoff if months is None else sql_add_months(E.c.entry_date, months))
    if sqlite:
        # The date test stays inside the pivot, out of WHERE: SQLite then always drives the
        # join from the cohort through the covering (enrolment_id, …) index and never
        # range-scans an event-date index (its choice when statistics are missing).
        def at(stage):
            return and_(SE.c.stage == stage, in_time)

        where_time = []
    else:
        def at(stage):
            return SE.c.stage == stage

        where_time = [in_time]
    cols = [E.c.route.label("route")]
    for i, stage in enumerate(STAGES):
        cols.append(func.min(case((at(stage), day))).label(f"d{i}"))
    cols.append(func.max(case((at(SALIDA), SE.c.outcome))).label("xo"))
    piv = (
        select(*cols)
        .select_from(cohort_from(cohort).join(SE, SE.c.enrolment_id == E.c.id))
        .where(*cohort_conditions(viewer, filters, cohort), *_elapsed_conditions(filters, months), *where_time)
        .group_by(E.c.id, E.c.route)
        .cte("piv")
        .prefix_with("MATERIALIZED")
    )
    d = [piv.c[f"d{i}"] for i in range(len(STAGES))]
    parts = []
    for i, stage in enumerate(STAGES):
        if i == 0:
            days = cast(null(), Integer)
        else:
            prev = d[i - 1] if i == 1 else func.coalesce(*reversed(d[:i]))
            days = d[i] - prev
        where = [d[i].is_not(None)]
        if stage == SALIDA:
            where.append(piv.c.xo.in_(sorted(COMPLETED_EXITS)))
        parts.append(
            select(
                literal("g", String).label("part"),
                piv.c.route,
                literal(stage, String).label("stage"),
                days.label("days"),
                cast(null(), String).label("outcome"),
                func.count().label("n"),
            )
            .where(*where)
            .group_by(piv.c.route, days)
        )
    last_stage = case(
        *[(d[i].is_not(None), literal(STAGES[i], String)) for i in range(len(STAGES) - 2, -1, -1)],
        else_=cast(null(), String),
    )
    parts.append(
        select(
            literal("x", String), piv.c.route, last_stage, cast(null(), Integer), piv.c.xo, func.count()
        )
        .where(piv.c.xo.is_not(None))
        .group_by(piv.c.route, last_stage, piv.c.xo)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(union_all(*parts))]


@reads("participants")
def funnel(
    viewer: Viewer, filters: GlobalFilters, cohort: Cohort, url: str | None = None, months: int | None = None
) -> dict[str, list[FunnelStage]]:
    """Per route (in route order), the cohort's funnel through that route's stages: as of the
    cut-off, or with ``months`` at that elapsed time since each entry (``funnel_aggregates``)."""
    routes = cohort_routes(filters, cohort)
    hist: dict[str, dict[str, dict]] = {r: {} for r in routes}
    exits: dict[str, dict[tuple[str, str], int]] = {r: {} for r in routes}
    for part, route, stage, days, outcome, n in funnel_aggregates(viewer, filters, cohort, url, months):
        if route not in hist:
            continue
        if part == "g":
            bucket = hist[route].setdefault(stage, {})
            bucket[days] = bucket.get(days, 0) + int(n)
        elif stage is not None:
            exits[route][(stage, outcome)] = exits[route].get((stage, outcome), 0) + int(n)
    return {r: build_funnel(r, hist[r], exits[r]) for r in routes}


@reads("participants")
def unobserved_entrants(
    viewer: Viewer, filters: GlobalFilters, cohort: Cohort, months: int, url: str | None = None
) -> dict[str, int]:
    """Per route, the cohort's entrants left out of a funnel at ``months`` since entry:
    they entered by the cut-off but less than ``months`` calendar months before it."""
    routes = cohort_routes(filters, cohort)
    if not routes:
        return {}
    stmt = (
        select(E.c.route, func.count())
        .select_from(cohort_from(cohort))
        .where(*cohort_conditions(viewer, filters, cohort),
               E.c.entry_date > observed_entry_limit(filters.cutoff, months))
        .group_by(E.c.route)
    )
    with get_engine(url).connect() as conn:
        counts = {r: int(n) for r, n in conn.execute(stmt)}
    return {r: counts.get(r, 0) for r in routes}


# ------------------------------------------------------------------------------ Sankey


@reads("participants")
def sankey(viewer: Viewer, filters: GlobalFilters, cohort: Cohort, url: str | None = None) -> Sankey:
    """Entry mechanism → routes (following promotions) → exit, for the cohort's entries.

    A chain starts at an enrolment of the cohort whose previous enrolment is absent or
    not visible to the viewer; promotions are followed only into enrolments the viewer
    may see and that started on or before the cut-off.
    """
    e1 = E
    prev = E.alias("prev_e")
    e2 = E.alias("e2")
    e3 = E.alias("e3")
    cutoff = filters.cutoff

    def exit_of(e):
        return case((e.c.exit_date <= cutoff, e.c.exit_outcome), else_=cast(null(), String))

    def visible(e):
        return and_(record_clause(viewer, e.c.municipality_code, e.c.operator_id, e.c.route), e.c.entry_date <= cutoff)

    x1, x2, x3 = exit_of(e1), exit_of(e2), exit_of(e3)
    src = (
        cohort_from(cohort)
        .outerjoin(e2, and_(e2.c.previous_enrolment_id == e1.c.id, visible(e2)))
        .outerjoin(e3, and_(e3.c.previous_enrolment_id == e2.c.id, visible(e3)))
    )
    # A chain starts where there is no previous enrolment the viewer may see (a previous
    # enrolment always entered before, so for national viewers: no previous at all).
    chain_start = e1.c.previous_enrolment_id.is_(None)
    if not viewer.is_national:
        chain_start = or_(
            chain_start,
            ~exists().where(prev.c.id == e1.c.previous_enrolment_id,
                            record_clause(viewer, prev.c.municipality_code, prev.c.operator_id, prev.c.route)),
        )
    keys = (e1.c.entry_mechanism, e1.c.route, x1, e2.c.route, x2, e3.c.route, x3)
    stmt = (
        select(*keys, func.count())
        .select_from(src)
        .where(*cohort_conditions(viewer, filters, cohort), chain_start)
        .group_by(*keys)
    )
    with get_engine(url).connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    return build_sankey(rows)


# ---------------------------------------------------------------------- service coverage


@reads("participants")
def service_coverage(
    viewer: Viewer, filters: GlobalFilters, cohort: Cohort, url: str | None = None
) -> list[dict]:
    """Per route and service of the route: participants in «servicios activados» (as of
    the cut-off) who received the service by the cut-off, and the coverage %."""
    routes = cohort_routes(filters, cohort)
    if not routes:
        return []
    SD = ServiceDelivery.__table__
    activated = exists().where(
        SE.c.enrolment_id == E.c.id, SE.c.stage == "servicios_activados", SE.c.event_date <= filters.cutoff
    )
    conds = [*cohort_conditions(viewer, filters, cohort), activated]
    denom_stmt = select(E.c.route, func.count()).select_from(cohort_from(cohort)).where(*conds).group_by(E.c.route)
    received = (
        select(E.c.route.label("route"), SD.c.service_type_code.label("service"), SD.c.enrolment_id)
        .select_from(cohort_from(cohort).join(SD, SD.c.enrolment_id == E.c.id))
        .where(*conds, SD.c.delivery_date <= filters.cutoff)
        .distinct()
        .subquery()
    )
    num_stmt = select(received.c.route, received.c.service, func.count()).group_by(received.c.route, received.c.service)
    with get_engine(url).connect() as conn:
        denominators = {r: int(n) for r, n in conn.execute(denom_stmt)}
        numerators = {(r, s): int(n) for r, s, n in conn.execute(num_stmt)}
    out = []
    for route in routes:
        den = denominators.get(route, 0)
        for service in services_for_route(route):
            num = numerators.get((route, service), 0)
            out.append(
                {
                    "route": route,
                    "service": service,
                    "activated": den,
                    "received": num,
                    "coverage_pct": (100.0 * num / den) if den else None,
                }
            )
    return out


# ------------------------------------------------------------------------ participants

WHICH = ("reached", "active", "lost")


@dataclass(frozen=True)
class ParticipantPage:
    total: int
    page: int
    page_size: int
    rows: list[dict] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    personal_data: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def participant_columns(viewer: Viewer) -> tuple[str, ...]:
    base = (
        "enrolment_id",
        "participant_code",
        "participant_kind",
        "municipality_code",
        "municipality",
        "route",
        "entry_mechanism",
        "cohort_quarter",
        "operator_code",
        "stage_date",
        "last_stage",
        "exit_outcome",
    )
    if access.allowed(viewer, access.READ_PERSONAL_DATA):
        return (*base[:3], "name", "document_id", *base[3:])
    return base


def _stage_conditions(route: str, stage: str, which: str, reason: str | None, cutoff: dt.date) -> list:
    model = route_model(route)
    if stage not in model.stages:
        raise ValueError(f"Etapa «{stage}» desconocida en la ruta {route}: use {', '.join(model.stages)}.")
    if which not in WHICH:
        raise ValueError(f"Selección «{which}» no válida: use {', '.join(WHICH)}.")
    if reason is not None and reason not in LOSS_REASONS:
        raise ValueError(f"Motivo «{reason}» no válido: use {', '.join(LOSS_REASONS)}.")

    def has(stage_code, *extra):
        ev = SE.alias()
        return exists().where(
            ev.c.enrolment_id == E.c.id, ev.c.stage == stage_code, ev.c.event_date <= cutoff, *extra
        )

    def exit_ev(outcomes):
        ev = SE.alias()
        return exists().where(
            ev.c.enrolment_id == E.c.id, ev.c.stage == SALIDA, ev.c.event_date <= cutoff, ev.c.outcome.in_(outcomes)
        )

    if stage == SALIDA:
        if which == "lost":
            raise ValueError("La salida no tiene pérdidas propias: elija la etapa desde la que salieron.")
        if which == "active":
            raise ValueError("Nadie está «en curso» en la salida: elija otra etapa.")
        return [exit_ev(sorted(COMPLETED_EXITS))]
    conds = [E.c.route == route, has(stage)]
    if which == "reached":
        return conds
    later = [s for s in model.stages[model.order(stage):] if s != SALIDA]
    ev_later = SE.alias()
    conds.append(
        ~exists().where(
            ev_later.c.enrolment_id == E.c.id, ev_later.c.stage.in_(later), ev_later.c.event_date <= cutoff
        )
    )
    if which == "active":
        conds.append(~has(SALIDA))
    else:
        conds.append(exit_ev([reason] if reason else [o for o in EXIT_OUTCOMES if o not in COMPLETED_EXITS]))
    return conds


def _participant_stmt(viewer, filters, cohort, route, stage, which, reason):
    conds = [
        *cohort_conditions(viewer, filters, cohort),
        *_stage_conditions(route, stage, which, reason, filters.cutoff),
    ]
    if stage == SALIDA:
        conds.append(E.c.route == route)
    return conds


@reads("participants")
def participants(
    viewer: Viewer,
    filters: GlobalFilters,
    cohort: Cohort,
    route: str,
    stage: str,
    which: str = "reached",
    reason: str | None = None,
    page: int = 1,
    page_size: int = 50,
    url: str | None = None,
    limit: int | None = None,
) -> ParticipantPage:
    """The participants behind one stage of one route's funnel, one page at a time.

    ``which``: ``reached`` the stage; ``active`` = still there (it is their last stage,
    no exit) ; ``lost`` = left the programme right after it (``reason`` narrows). Rows
    hold codes; names and documents only where ``rules.access.READ_PERSONAL_DATA`` allows.
    ``limit`` (with ``page=1``) returns up to that many rows instead of a page (exports).
    """
    route_model(route)
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    conds = _participant_stmt(viewer, filters, cohort, route, stage, which, reason)
    personal = access.allowed(viewer, access.READ_PERSONAL_DATA)
    h = H.alias("hh")
    o = Opr.__table__
    m = Municipality.__table__
    op = Operator.__table__
    detail_from = (
        E.outerjoin(h, h.c.id == E.c.household_id)
        .outerjoin(o, o.c.id == E.c.opr_id)
        .outerjoin(m, m.c.code == E.c.municipality_code)
        .outerjoin(op, op.c.id == E.c.operator_id)
    )
    ev = SE.alias("ev")
    stage_date = (
        select(func.min(ev.c.event_date))
        .where(ev.c.enrolment_id == E.c.id, ev.c.stage == stage, ev.c.event_date <= filters.cutoff)
        .scalar_subquery()
    )
    ev2 = SE.alias("ev2")
    order_case = case({s: i for i, s in enumerate(STAGES)}, value=ev2.c.stage, else_=len(STAGES))
    last_stage = (
        select(ev2.c.stage)
        .where(ev2.c.enrolment_id == E.c.id, ev2.c.event_date <= filters.cutoff)
        .order_by(ev2.c.event_date.desc(), order_case.desc())
        .limit(1)
        .scalar_subquery()
    )
    ev3 = SE.alias("ev3")
    exit_outcome = (
        select(func.max(ev3.c.outcome))
        .where(ev3.c.enrolment_id == E.c.id, ev3.c.stage == SALIDA, ev3.c.event_date <= filters.cutoff)
        .scalar_subquery()
    )
    cols = [
        E.c.id.label("enrolment_id"),
        func.coalesce(h.c.code, o.c.nit).label("participant_code"),
        E.c.participant_kind.label("participant_kind"),
    ]
    if personal:
        cols += [
            func.coalesce(h.c.head_name, o.c.name).label("name"),
            h.c.document_id.label("document_id"),
        ]
    cols += [
        E.c.municipality_code.label("municipality_code"),
        m.c.name.label("municipality"),
        E.c.route.label("route"),
        E.c.entry_mechanism.label("entry_mechanism"),
        E.c.cohort_quarter.label("cohort_quarter"),
        op.c.code.label("operator_code"),
        stage_date.label("stage_date"),
        last_stage.label("last_stage"),
        exit_outcome.label("exit_outcome"),
    ]
    # Two steps: the page's ids (conditions only, ordered by id), then their details —
    # the per-row subqueries run for one page, never for the whole stage.
    count_stmt = select(func.count()).select_from(cohort_from(cohort)).where(*conds)
    ids_stmt = select(E.c.id).select_from(cohort_from(cohort)).where(*conds).order_by(E.c.id)
    if limit is not None:
        ids_stmt = ids_stmt.limit(int(limit))
        page, page_size = 1, max(1, int(limit))
    else:
        ids_stmt = ids_stmt.limit(page_size).offset((page - 1) * page_size)
    with get_engine(url).connect() as conn:
        total = int(conn.execute(count_stmt).scalar_one())
        ids = [i for (i,) in conn.execute(ids_stmt)]
        rows = []
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            detail = select(*cols).select_from(detail_from).where(E.c.id.in_(chunk)).order_by(E.c.id)
            rows.extend(dict(r._mapping) for r in conn.execute(detail))
    for r in rows:
        if isinstance(r.get("stage_date"), str):  # SQLite scalar subqueries come back as text
            r["stage_date"] = dt.date.fromisoformat(r["stage_date"])
    return ParticipantPage(
        total=total,
        page=page,
        page_size=page_size,
        rows=rows,
        columns=participant_columns(viewer),
        personal_data=personal,
    )


# ---------------------------------------------------------------------- filter options


@reads("participants")
def cohort_quarters(viewer: Viewer, url: str | None = None) -> list[str]:
    """Entry quarters with enrolments visible to the viewer, oldest first."""
    stmt = (
        select(E.c.cohort_quarter)
        .where(record_clause(viewer, E.c.municipality_code, E.c.operator_id, E.c.route))
        .group_by(E.c.cohort_quarter)
        .order_by(E.c.cohort_quarter)
    )
    with get_engine(url).connect() as conn:
        return [q for (q,) in conn.execute(stmt) if q]


@reads("participants", "reference")
def operators(viewer: Viewer, url: str | None = None) -> list[tuple[int, str, str]]:
    """Operators the viewer may filter by: ``(id, code, name)``, via visible contracts."""
    C = OperatorContract.__table__
    OP = Operator.__table__
    stmt = (
        select(OP.c.id, OP.c.code, OP.c.name)
        .where(OP.c.id.in_(select(C.c.operator_id).where(contract_clause(viewer))))
        .order_by(OP.c.name)
    )
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


# ----------------------------------------------------------------------- saved cohorts

MAX_NAME = 120


def _require_user(viewer: Viewer) -> str:
    if not viewer.username or not viewer.known:
        raise PermissionError("Inicie sesión con un usuario con rol para guardar cohortes.")
    return viewer.username


def _clean_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValueError("Nombre de la cohorte vacío: escriba un nombre.")
    if len(clean) > MAX_NAME:
        raise ValueError(f"Nombre de la cohorte demasiado largo: use máximo {MAX_NAME} caracteres.")
    return clean


def save_cohort(viewer: Viewer, name: str, cohort: Cohort, url: str | None = None) -> str:
    """Save (or overwrite) the viewer's cohort ``name``; returns the cleaned name."""
    username = _require_user(viewer)
    clean = _clean_name(name)
    Cohort.from_dict(cohort.to_dict())  # validates
    with session_scope(url, write=True) as s:
        check_account(s, viewer)
        row = s.scalar(select(SavedCohort).where(SavedCohort.username == username, SavedCohort.name == clean))
        before = audit.row_dict(row) if row is not None else None
        if row is None:
            row = SavedCohort(username=username, name=clean)
            s.add(row)
        row.filters = cohort.to_dict()
        row.created_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        s.flush()
        audit.record(s, username, "saved_cohort", row.id, "update" if before else "create", before,
                     audit.row_dict(row))
    return clean


def saved_cohorts(viewer: Viewer, url: str | None = None) -> list[tuple[str, Cohort]]:
    """The viewer's own saved cohorts, by name (invalid stored filters are skipped)."""
    if not viewer.username or not viewer.known:
        return []
    stmt = (
        select(SavedCohort.name, SavedCohort.filters)
        .where(SavedCohort.username == viewer.username)
        .order_by(SavedCohort.name)
    )
    out = []
    with get_engine(url).connect() as conn:
        for name, filters in conn.execute(stmt):
            try:
                out.append((name, Cohort.from_dict(filters)))
            except ValueError:
                continue
    return out


def delete_saved_cohort(viewer: Viewer, name: str, url: str | None = None) -> bool:
    username = _require_user(viewer)
    with session_scope(url, write=True) as s:
        check_account(s, viewer)
        row = s.scalar(select(SavedCohort).where(SavedCohort.username == username, SavedCohort.name == name))
        if row is None:
            return False
        audit.record(s, username, "saved_cohort", row.id, "delete", audit.row_dict(row), None)
        s.delete(row)
    return True


# ------------------------------------------------------------------------------- bench

VIEWS = ("funnel", "sankey", "services", "participants", "compare")


def routes_page_reads(
    url: str,
    viewer: Viewer,
    filters: GlobalFilters,
    cohort: Cohort,
    view: str = "funnel",
    other: Cohort | None = None,
) -> dict:
    """Run, uncached, exactly the data reads of one rerun of ``pages/routes.py``.

    For ``tablero bench``: time this after changing ``cohort`` (the page's other reads —
    quarters, operators — are cached per data version and do not change with a cohort).
    ``view`` is the page's selected view; ``compare`` also needs ``other``.
    """
    if view == "funnel":
        from data_access.routes.loops import viability_loops  # the loop module reads the cohort SQL of this one

        return {"funnel": funnel(viewer, filters, cohort, url), "loops": viability_loops(viewer, filters, cohort, url)}
    if view == "sankey":
        return {"sankey": sankey(viewer, filters, cohort, url)}
    if view == "services":
        return {"services": service_coverage(viewer, filters, cohort, url)}
    if view == "participants":
        route = cohort.route or filters.route or "basica"
        return {"participants": participants(viewer, filters, cohort, route, "ingreso", url=url)}
    if view == "compare":  # the page's default: equal time since entry
        other = other or Cohort()
        months = like_for_like_months((cohort, other), filters.cutoff)
        return {"a": funnel(viewer, filters, cohort, url, months), "b": funnel(viewer, filters, other, url, months),
                "left_out": [unobserved_entrants(viewer, filters, c, months, url) for c in (cohort, other)]}
    raise ValueError(f"Vista «{view}» desconocida: use {', '.join(VIEWS)}.")


__all__ = [
    "ParticipantPage",
    "cohort_conditions",
    "cohort_quarters",
    "delete_saved_cohort",
    "funnel",
    "funnel_aggregates",
    "operators",
    "participants",
    "routes_page_reads",
    "sankey",
    "save_cohort",
    "saved_cohorts",
    "service_coverage",
    "unobserved_entrants",
]
