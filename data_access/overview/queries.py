"""Executive overview: headline aggregates at the cut-off and at the previous quarter end.

Every figure is one SQL aggregate, scoped by the ``Viewer`` (``data_access.core.scope``,
default-deny) and narrowed by the ``GlobalFilters``. Each query computes the value at
every date asked in the same scan (conditional aggregates, ``figures_at``): the headline's
change vs the previous quarter, and the scorecard's value a year earlier, cost nothing extra.

Definitions (the UI states them through ``figure_note``):

* households served: distinct households with an enrolment (participant ``hogar``)
  whose entry date is on or before the date, by route and in total;
* OPR served: distinct OPR with an enrolment (participant ``opr``) by the date;
* PN executed: business plans with a closure (``closure_date``) on or before the date
  — "Ejecución: significa cuando el PN ha sido finalizado (cierre)" (ficha 1.4.1);
* cofinancing committed: Σ committed COP of PN whose resources were granted by the
  date (stage «requisitos y recursos» with outcome ``cumple`` on the PN's enrolment;
  the first disbursement date when the PN has no enrolment);
* cofinancing disbursed: Σ disbursed COP of PN whose first disbursement is on or
  before the date;
* both co-financing figures add the household micro-projects of ruta básica (committed /
  disbursed by their own dates, ``data_access.routes.cofinancing``); ``extra['cofinancing']``
  keeps the PN and micro-project parts apart;
* municipalities prioritised: targeting rows of the date's year marked prioritised;
  attended: distinct municipalities with ≥ 1 enrolment by the date;
* open territorial alerts: opened on or before the date and not closed by then.

``period_start`` (when set): participants and municipalities count when served during the
period (entered by the date and not exited before the period start, as on the map); plan
closures, disbursements, commitments and alert openings count within ``[period_start, date]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, or_, select, true
from sqlalchemy.orm import aliased

from data_access.alliance import queries as alliance
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    BusinessPlan,
    Enrolment,
    Municipality,
    Operator,
    RegionalOffice,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import Viewer, enrolment_route, municipality_clause, record_clause
from data_access.core.versions import reads
from data_access.routes import cofinancing as household_cofinancing
from data_access.sla import queries as sla_queries
from rules.core.calendar import previous_quarter_end, quarter_of, trailing_quarter_ends
from rules.core.catalog import ROUTE_ORDER
from rules.routes.model import COMPLETED_EXITS, ROUTE_MODELS, SALIDA


@dataclass
class Headline:
    """Headline figures at ``cutoff`` and ``previous`` (None = cannot be computed / no data)."""

    cutoff: dt.date
    previous: dt.date
    values: dict[str, tuple] = field(default_factory=dict)  # metric -> (current, previous)
    households_by_route: dict[str, tuple] = field(default_factory=dict)  # route -> (current, previous)
    extra: dict[str, object] = field(default_factory=dict)  # numerators/denominators, sources
    figures: Figures | None = None  # the scans behind ``values``, at the year's start too when it applies


def _in_window(col, day: dt.date, start: dt.date | None):
    cond = col <= day
    if start is not None:
        cond = and_(cond, col >= start)
    return cond


def _enrolment_scope(viewer: Viewer, filters: GlobalFilters):
    return and_(
        record_clause(viewer, Enrolment.municipality_code, Enrolment.operator_id, Enrolment.route),
        filters.territory_clause(Enrolment.municipality_code),
        filters.route_clause(Enrolment.route),
    )


def _plan_scope(viewer: Viewer, filters: GlobalFilters):
    clauses = [
        record_clause(viewer, BusinessPlan.municipality_code, BusinessPlan.psde_operator_id,
                      enrolment_route(BusinessPlan.enrolment_id)),
        filters.territory_clause(BusinessPlan.municipality_code),
    ]
    if filters.route:
        clauses.append(
            BusinessPlan.enrolment_id.in_(select(Enrolment.id).where(Enrolment.route == filters.route))
        )
    return and_(*clauses)


def _territory_scope(viewer: Viewer, filters: GlobalFilters, col):
    return and_(municipality_clause(viewer, col, route_neutral=True), filters.territory_clause(col))


def _count_if(cond, expr=None):
    """count(distinct expr) where cond — portable (SQLite and PostgreSQL)."""
    if expr is None:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)
    return func.count(distinct(case((cond, expr), else_=None)))


def _sum_if(cond, expr):
    return func.coalesce(func.sum(case((cond, expr), else_=0)), 0)


def _municipality_first_entry(viewer: Viewer, filters: GlobalFilters):
    """Per municipality: the first entry of any enrolment (household or OPR) in scope — with
    ``period_start``, of those not exited before it. «Municipios atendidos» at a date are those
    whose first entry is on or before it: the overview card and the map slide count these."""
    start = filters.period_start
    return (
        select(Enrolment.municipality_code, func.min(Enrolment.entry_date).label("first"))
        .where(_enrolment_scope(viewer, filters),
               or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= start) if start is not None else true())
        .group_by(Enrolment.municipality_code)
        .subquery()
    )


def _open_alert(day: dt.date, start: dt.date | None):
    """Territorial alerts open at ``day`` (opened by it, not closed by then; with ``start``,
    opened within the period): the overview card, the map slide and the alerts slide."""
    cond = and_(TerritorialAlert.opened_on <= day,
                or_(TerritorialAlert.closed_on.is_(None), TerritorialAlert.closed_on > day))
    if start is not None:
        cond = and_(cond, TerritorialAlert.opened_on >= start)
    return cond


def _first_entries(viewer: Viewer, filters: GlobalFilters, kind: str, id_col):
    """Per participant: first entry date overall and per route (one streaming GROUP BY)."""
    clauses = [_enrolment_scope(viewer, filters), Enrolment.participant_kind == kind,
               Enrolment.entry_date <= filters.cutoff]
    if filters.period_start is not None:  # served in the period: not exited before it began (as the map)
        clauses.append(or_(Enrolment.exit_date.is_(None), Enrolment.exit_date >= filters.period_start))
    per_route = [func.min(case((Enrolment.route == r, Enrolment.entry_date), else_=None)).label(f"r_{r}")
                 for r in ROUTE_ORDER]
    return (
        select(id_col.label("pid"), func.min(Enrolment.entry_date).label("first"), *per_route)
        .where(*clauses)
        .group_by(id_col)
        .subquery()
    )


def participant_counts(viewer: Viewer, filters: GlobalFilters, ends: list[dt.date], kind: str = "hogar",
                       url: str | None = None) -> dict[tuple[str | None, dt.date], int]:
    """Distinct participants (households or OPR) entered by each date in ``ends``, in total
    (key ``(None, date)``) and per route (``(route, date)``), in one query."""
    id_col = Enrolment.household_id if kind == "hogar" else Enrolment.opr_id
    sub = _first_entries(viewer, filters, kind, id_col)
    cols, keys = [], []
    for e in ends:
        cols.append(func.coalesce(func.sum(case((sub.c.first <= e, 1), else_=0)), 0))
        keys.append((None, e))
        for r in ROUTE_ORDER:
            c = sub.c[f"r_{r}"]
            cols.append(func.coalesce(func.sum(case((c <= e, 1), else_=0)), 0))
            keys.append((r, e))
    with get_engine(url).connect() as conn:
        row = conn.execute(select(*cols)).one()
    return {k: int(v or 0) for k, v in zip(keys, row)}


def year_start(cutoff: dt.date) -> dt.date:
    """31 December of the year before ``cutoff``: where the year's trajectory of a stock starts."""
    return dt.date(cutoff.year - 1, 12, 31)


@dataclass
class Figures:
    """The programme's counts and sums at each of ``dates`` (every headline figure but the
    alliance indicator and the ANS compliance): ``values[metric][i]`` is the value at
    ``dates[i]``; ``households`` holds the households served by route at every date asked."""

    dates: list[dt.date]
    values: dict[str, list] = field(default_factory=dict)
    households: dict[tuple[str | None, dt.date], int] = field(default_factory=dict)
    cofinancing: dict[str, dict[str, list]] = field(default_factory=dict)


def figures_at(viewer: Viewer, filters: GlobalFilters, dates: list[dt.date], url: str | None = None,
               household_ends: list[dt.date] = ()) -> Figures:
    """Every headline count and sum at each of ``dates`` (none after the cut-off of ``filters``;
    ``period_start`` applies to all), one scan per aggregate whatever the number of dates; the
    households also at ``household_ends`` (the trend), from the same query."""
    start = filters.period_start
    out = Figures(list(dates))
    out.households = participant_counts(viewer, filters, sorted({*dates, *household_ends}), "hogar", url)
    out.values["households"] = [out.households[(None, day)] for day in dates]
    opr = participant_counts(viewer, filters, list(dates), "opr", url)
    out.values["opr"] = [opr[(None, day)] for day in dates]

    def per_date(conn, cond_at, where=None) -> list[int]:
        stmt = select(*[_count_if(cond_at(day)) for day in dates])
        return [int(v) for v in conn.execute(stmt if where is None else stmt.where(where)).one()]

    with get_engine(url).connect() as conn:
        # --- municipalities attended: first entry per municipality (streams on its index)
        first_muni = _municipality_first_entry(viewer, filters)
        out.values["municipalities_attended"] = per_date(conn, lambda day: first_muni.c.first <= day)

        # --- business plans: executed, cofinancing committed and disbursed
        granted_on = (
            select(func.min(StageEvent.event_date))
            .where(StageEvent.enrolment_id == BusinessPlan.enrolment_id,
                   StageEvent.stage == "requisitos_recursos", StageEvent.outcome == "cumple")
            .correlate(BusinessPlan)
            .scalar_subquery()
        )
        plans = (
            select(BusinessPlan.closure_date.label("closure"),
                   func.coalesce(granted_on, BusinessPlan.first_disbursement_date).label("committed_on"),
                   BusinessPlan.first_disbursement_date.label("disbursed_on"),
                   BusinessPlan.cofinancing_committed_cop.label("committed"),
                   BusinessPlan.cofinancing_disbursed_cop.label("disbursed"))
            .where(_plan_scope(viewer, filters))
            .subquery()
        )
        cols = []
        for day in dates:
            cols += [_count_if(_in_window(plans.c.closure, day, start)),
                     _sum_if(_in_window(plans.c.committed_on, day, start), plans.c.committed),
                     _sum_if(_in_window(plans.c.disbursed_on, day, start), plans.c.disbursed)]
        pn = [int(v) for v in conn.execute(select(*cols)).one()]
        out.values["pn_executed"] = pn[0::3]
        # --- co-financing = PN + household micro-projects (ruta básica), each part kept apart for the notes
        micro = household_cofinancing.sums_at(conn, viewer, filters, list(dates))
        out.cofinancing = {
            "pn": {"committed": pn[1::3], "disbursed": pn[2::3]},
            "micro": {"committed": [micro[day][0] for day in dates], "disbursed": [micro[day][1] for day in dates]},
        }
        for i, kind in enumerate(("committed", "disbursed")):
            out.values[f"cofin_{kind}"] = [a + micro[day][i] for a, day in zip(pn[1 + i::3], dates)]

        # --- targeting: municipalities prioritised in the year of each date
        out.values["municipalities_prioritised"] = per_date(
            conn, lambda day: and_(Targeting.year == day.year, Targeting.prioritised),
            where=_territory_scope(viewer, filters, Targeting.municipality_code))

        # --- open territorial alerts at each date
        out.values["alerts_open"] = per_date(
            conn, lambda day: _open_alert(day, start),
            where=_territory_scope(viewer, filters, TerritorialAlert.municipality_code))
    return out


@reads("reference", "targeting", "alerts", "participants", "business_plans", "sla")
def headline(viewer: Viewer, filters: GlobalFilters, url: str | None = None, trend_quarters: int = 8,
             sla_frame=None) -> Headline:
    """All headline figures at the cut-off and the previous quarter end.

    ``extra['households_trend']`` holds the households served at the last ``trend_quarters``
    quarter ends (from the same query); ``extra['sla_frame']`` the ANS scorecard used.
    """
    d, p = filters.cutoff, previous_quarter_end(filters.cutoff)
    out = Headline(cutoff=d, previous=p)
    ends = trailing_quarter_ends(d, max(2, trend_quarters))
    dates = [d, p]
    if filters.period_start is None and year_start(d) not in dates:
        dates.append(year_start(d))  # where a stock target starts from, in the same scans
    out.figures = fig = figures_at(viewer, filters, dates, url, household_ends=ends)
    out.values = {metric: tuple(series[:2]) for metric, series in fig.values.items()}
    hh = fig.households
    out.households_by_route = {r: (hh[(r, d)], hh[(r, p)]) for r in household_routes(filters)}
    out.extra["households_trend"] = [
        {"route": r, "quarter_end": e, "households": hh[(r, e)]}
        for r in out.households_by_route for e in ends
    ]
    out.extra["cofinancing"] = {part: {kind: tuple(pair) for kind, pair in sums.items()}
                                for part, sums in fig.cofinancing.items()}
    out.values["alliance"], out.extra["alliance"] = _alliance_pair(viewer, filters, p, url)
    out.values["sla"], out.extra["sla"] = _sla_pair(viewer, filters, d, p, url, sla_frame)
    return out


# ---------------------------------------------------------------- alliance and ANS


def household_routes(filters: GlobalFilters) -> list[str]:
    """The routes whose households the figures count apart: those serving households, or the one filtered."""
    return [r for r in ROUTE_ORDER
            if (not filters.route or r == filters.route) and "hogar" in ROUTE_MODELS[r].participant_kinds]


def alliance_at(viewer, filters, url):
    """Alliance indicator (%) at the cut-off by the one rule (``data_access.alliance.queries``,
    ``rules.alliance.indicator``), with its numerator and denominator."""
    cur = alliance.indicator(viewer, filters, url=url)
    current = {"numerator": cur.numerator, "denominator": cur.denominator, "pct": cur.percent}
    return cur.percent, {"source": "data_access.alliance.queries", "current": current}


def _alliance_pair(viewer, filters, previous, url):
    """Alliance indicator (%) at the cut-off and at ``previous``."""
    cur, extra = alliance_at(viewer, filters, url)
    return (cur, alliance.indicator(viewer, filters.with_(cutoff=previous), url=url).percent), extra


@reads("sla", "participants")
def sla_scorecard(viewer: Viewer, filters: GlobalFilters, url: str | None = None):
    """The ANS engineer's scorecard (``data_access.sla.queries.scorecard_frame``) for the cut-off's
    quarter and the previous one, in ONE call (values as of the cut-off)."""
    quarters = (quarter_of(previous_quarter_end(filters.cutoff)), quarter_of(filters.cutoff))
    return sla_queries.scorecard_frame(viewer, filters, quarters, url=url)


def sla_average(frame, quarter: str) -> float | None:
    """Weighted compliance of one quarter of a scorecard frame — the formula of
    ``data_access.sla.queries.average_compliance`` (``rules.sla.scoring.weighted_score``)."""
    from rules.sla import scoring as rule

    if frame is None or frame.empty:
        return None
    part = frame[frame["quarter"] == quarter]
    if part.empty:
        return None
    return rule.weighted_score(zip(part["weight"], part["status"]))


def _sla_pair(viewer, filters, d, p, url, frame=None):
    """Average ANS compliance (%) at both dates (``data_access.sla.queries``), from one scorecard."""
    if frame is None:
        frame = sla_scorecard(viewer, filters, url)
    if frame is None:
        return (None, None), {"source": None}
    return ((sla_average(frame, quarter_of(d)), sla_average(frame, quarter_of(p))),
            {"source": "data_access.sla.queries", "frame": frame})


# ------------------------------------------------------------------------- scope label


@reads("reference")
def scope_name(viewer: Viewer, url: str | None = None) -> str | None:
    """The office's (comité) or operator's (operador) name; None for national viewers."""
    if viewer.is_national:
        return None
    with get_engine(url).connect() as conn:
        if viewer.is_regional:
            return conn.scalar(select(RegionalOffice.name).where(RegionalOffice.id == viewer.regional_office_id))
        if viewer.is_operator:
            return conn.scalar(select(Operator.name).where(Operator.id == viewer.operator_id))
    return None


@reads("reference")
def filter_names(filters: GlobalFilters, url: str | None = None) -> dict[str, str]:
    """Names of the office / department / municipality in the filters (for labels)."""
    from data_access.core.models import Department

    out: dict[str, str] = {}
    with get_engine(url).connect() as conn:
        if filters.regional_office_id is not None:
            out["office"] = conn.scalar(
                select(RegionalOffice.name).where(RegionalOffice.id == filters.regional_office_id)
            ) or str(filters.regional_office_id)
        if filters.department_code:
            out["department"] = conn.scalar(
                select(Department.name).where(Department.code == filters.department_code)
            ) or filters.department_code
        if filters.municipality_code:
            out["municipality"] = conn.scalar(
                select(Municipality.name).where(Municipality.code == filters.municipality_code)
            ) or filters.municipality_code
    return out


# ------------------------------------------------- compact views for slides and the pack


def households_by_quarter(viewer: Viewer, filters: GlobalFilters, quarters: int = 8,
                          url: str | None = None) -> list[dict]:
    """Households served (cumulative) at each of the last ``quarters`` quarter ends, by route."""
    ends = trailing_quarter_ends(filters.cutoff, quarters)
    hh = participant_counts(viewer, filters, ends, "hogar", url)
    return [{"route": r, "quarter_end": e, "households": hh[(r, e)]} for r in household_routes(filters) for e in ends]


@reads("reference", "targeting", "alerts", "participants")
def municipality_values(viewer: Viewer, filters: GlobalFilters, url: str | None = None,
                        households: dict[str, int] | None = None) -> list[dict]:
    """Per visible municipality: households served, attended (≥ 1 enrolment, as the overview's
    «Municipios atendidos»), prioritised, open alerts (at the cut-off).

    ``households`` (code → count, e.g. the map page's ``territory.map_values``) skips the
    households query."""
    d, start = filters.cutoff, filters.period_start
    with get_engine(url).connect() as conn:
        served = households if households is not None else dict(
            conn.execute(
                select(Enrolment.municipality_code,
                       _count_if(and_(Enrolment.participant_kind == "hogar",
                                      _in_window(Enrolment.entry_date, d, start)),
                                 Enrolment.household_id))
                .where(_enrolment_scope(viewer, filters))
                .group_by(Enrolment.municipality_code)
            ).all()
        )
        first = _municipality_first_entry(viewer, filters)
        attended = set(conn.scalars(select(first.c.municipality_code).where(first.c.first <= d)))
        prioritised = set(
            conn.scalars(
                select(Targeting.municipality_code).where(
                    _territory_scope(viewer, filters, Targeting.municipality_code),
                    Targeting.year == d.year, Targeting.prioritised,
                )
            )
        )
        alerts = dict(
            conn.execute(
                select(TerritorialAlert.municipality_code, func.count())
                .where(_territory_scope(viewer, filters, TerritorialAlert.municipality_code), _open_alert(d, start))
                .group_by(TerritorialAlert.municipality_code)
            ).all()
        )
        munis = conn.execute(
            select(Municipality.code, Municipality.name, Municipality.department_code)
            .where(_territory_scope(viewer, filters, Municipality.code))
            .order_by(Municipality.code)
        ).all()
    return [
        {"code": c, "name": n, "department_code": dep, "households": int(served.get(c, 0) or 0),
         "attended": c in attended, "prioritised": c in prioritised, "alerts_open": int(alerts.get(c, 0))}
        for c, n, dep in munis
    ]


@reads("boundaries")
def active_boundaries(url: str | None = None) -> tuple[str, str] | None:
    """(vintage, municipal topojson) of the active boundary set, or None if none is loaded."""
    from data_access.core.models import BoundarySet

    with get_engine(url).connect() as conn:
        row = conn.execute(
            select(BoundarySet.vintage, BoundarySet.municipal_topojson)
            .where(BoundarySet.active.is_(True))
            .order_by(BoundarySet.id.desc())
            .limit(1)
        ).first()
    return (row[0], row[1]) if row else None


def _has_index(conn, name: str) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                                (name,)).first() is not None


def _run_indexed(conn, stmt):
    """Run ``stmt`` on SQLite naming the covering funnel index (SQLAlchemy renders no SQLite
    index hints): the compiled statement gets ``INDEXED BY``; values stay bound parameters."""
    compiled = stmt.compile(dialect=conn.dialect)
    sql = str(compiled)
    hinted = sql.replace("FROM enrolment JOIN stage_event ON",
                         "FROM enrolment NOT INDEXED JOIN stage_event INDEXED BY ix_stage_event_funnel ON", 1)
    if hinted == sql or not compiled.positiontup:
        return conn.execute(stmt).all()
    params = tuple(
        v.isoformat() if isinstance(v, dt.date) else v
        for v in (compiled.params[name] for name in compiled.positiontup)
    )
    return conn.exec_driver_sql(hinted, params).all()


@reads("reference", "participants")
def funnel_counts(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[dict]:
    """Enrolments (entered by the cut-off) that reached each stage by the cut-off, per route.

    "Reached" = has a stage event for it dated on or before the cut-off, and «salida» only
    for a completed exit — the definition of ``data_access.routes.funnels`` (participants, not
    events: a reformulation after «no viable» repeats formulación and evaluación). Only the
    counts, in one index-only pass: on SQLite
    the covering index ``ix_stage_event_funnel (enrolment_id, stage, event_date, outcome)``
    is named explicitly (left alone, the planner prefers the event-date index and reads
    every event row); PostgreSQL plans the join itself. Without that index: all events of
    the cohort (covered by the (enrolment, stage) index) minus those after the cut-off.
    """
    d, start = filters.cutoff, filters.period_start
    # «Salida» in a funnel counts completed exits only (graduado / asociación autogestionada)
    # (plain comparisons, not IN: the SQLite index hint below re-binds the parameters one by one)
    completed = or_(StageEvent.stage != SALIDA, *(StageEvent.outcome == o for o in sorted(COMPLETED_EXITS)))
    scope = [_enrolment_scope(viewer, filters), _in_window(Enrolment.entry_date, d, start), completed]
    base = (
        select(Enrolment.route, StageEvent.stage, func.count(StageEvent.enrolment_id.distinct()))
        .select_from(Enrolment)
        .join(StageEvent, StageEvent.enrolment_id == Enrolment.id)
        .group_by(Enrolment.route, StageEvent.stage)
    )
    engine = get_engine(url)
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if not sqlite or _has_index(conn, "ix_stage_event_funnel"):
            stmt = base.where(*scope, StageEvent.event_date <= d)
            rows = _run_indexed(conn, stmt) if sqlite else conn.execute(stmt).all()
            return [{"route": r, "stage": st, "count": int(c)} for r, st, c in rows if c]
        every = conn.execute(base.where(*scope)).all()
        earlier = aliased(StageEvent)
        reached_by_then = (select(earlier.id).where(earlier.enrolment_id == StageEvent.enrolment_id,
                                                    earlier.stage == StageEvent.stage, earlier.event_date <= d)
                           .exists())
        later = dict(  # participants whose events of the stage all come after the cut-off
            ((r, st), int(c)) for r, st, c in conn.execute(
                select(Enrolment.route, StageEvent.stage, func.count(StageEvent.enrolment_id.distinct()))
                .select_from(StageEvent)
                .join(Enrolment, Enrolment.id == StageEvent.enrolment_id)
                .where(*scope, StageEvent.event_date > d, ~reached_by_then)
                .group_by(Enrolment.route, StageEvent.stage)
            )
        )
    out = []
    for r, st, c in every:
        n = int(c) - later.get((r, st), 0)
        if n > 0:
            out.append({"route": r, "stage": st, "count": n})
    return out


@reads("reference", "alerts")
def alerts_by_category(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[dict]:
    """Territorial alerts open at the cut-off, by category and severity (scoped)."""
    d = filters.cutoff
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(TerritorialAlert.category, TerritorialAlert.severity, func.count())
            .where(_territory_scope(viewer, filters, TerritorialAlert.municipality_code),
                   _open_alert(d, filters.period_start))
            .group_by(TerritorialAlert.category, TerritorialAlert.severity)
        ).all()
    return [{"category": c, "severity": s, "count": int(n)} for c, s, n in rows]
