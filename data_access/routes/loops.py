"""The viability loop of each route, counted in SQL and scoped for the viewer (default-deny).

A participant is in the loop once an evaluation of viability said «no viable» (on or before
the cut-off). Per route: how many, the reformulations they made (formulaciones after the
first), how many were later evaluated viable (and the days that took from the first «no
viable»: the time the loop cost), how many are still reformulating and how many left without
a viable evaluation. One statement: the cohort's formulación, viability and exit events are
pivoted once per enrolment (``ix_stage_event_funnel``) and aggregated per route; only the
aggregates leave the store (``rules.routes.funnels.build_loop``).
"""

from __future__ import annotations

from sqlalchemy import Integer, String, and_, case, cast, func, literal, null, select, union_all

from data_access.core.calendar import day_number
from data_access.core.db import get_engine, is_sqlite
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.routes.funnels import SE, E, cohort_conditions, cohort_from, cohort_routes
from rules.routes.funnels import Cohort, ViabilityLoop, build_loop
from rules.routes.model import EVAL_VIABILIDAD, FORMULACION, NO_VIABLE, SALIDA, VIABLE

COUNTS = ("participants", "reformulations", "resolved", "in_loop", "exited")


@reads("participants")
def viability_loops(viewer: Viewer, filters: GlobalFilters, cohort: Cohort, url: str | None = None
                    ) -> dict[str, ViabilityLoop]:
    """Per route (in route order), the cohort's viability loop as of the cut-off."""
    routes = cohort_routes(filters, cohort)
    if not routes:
        return {}
    engine = get_engine(url)
    day = day_number(SE.c.event_date, is_sqlite(engine))
    evaluated = SE.c.stage == EVAL_VIABILIDAD
    piv = (
        select(
            E.c.route.label("route"),
            func.sum(case((SE.c.stage == FORMULACION, 1), else_=0)).label("formulations"),
            func.min(case((and_(evaluated, SE.c.outcome == NO_VIABLE), day))).label("failed"),
            func.min(case((and_(evaluated, SE.c.outcome == VIABLE), day))).label("viable"),
            func.max(case((SE.c.stage == SALIDA, 1))).label("left"),
        )
        .select_from(cohort_from(cohort).join(SE, SE.c.enrolment_id == E.c.id))
        .where(*cohort_conditions(viewer, filters, cohort), SE.c.stage.in_((FORMULACION, EVAL_VIABILIDAD, SALIDA)),
               SE.c.event_date <= filters.cutoff)
        .group_by(E.c.id, E.c.route)
        .cte("loop_piv")
    )
    looped = piv.c.failed.is_not(None)
    waiting = and_(piv.c.viable.is_(None), piv.c.left.is_(None))
    gone = and_(piv.c.viable.is_(None), piv.c.left.is_not(None))

    def total(cond):
        return func.sum(case((cond, 1), else_=0))

    counts = (
        select(literal("c", String).label("part"), piv.c.route, func.count().label("participants"),
               (func.sum(piv.c.formulations) - func.count()).label("reformulations"),
               total(piv.c.viable.is_not(None)).label("resolved"), total(waiting).label("in_loop"),
               total(gone).label("exited"), cast(null(), Integer).label("days"))
        .where(looped)
        .group_by(piv.c.route)
    )
    lost = (piv.c.viable - piv.c.failed).label("days")
    days = (
        select(literal("d", String), piv.c.route, func.count(), *(cast(null(), Integer) for _ in COUNTS[1:]), lost)
        .where(looped, piv.c.viable.is_not(None))
        .group_by(piv.c.route, lost)
    )
    found: dict[str, dict] = {r: {} for r in routes}
    hist: dict[str, dict[int, int]] = {r: {} for r in routes}
    with engine.connect() as conn:
        for part, route, n, *rest in conn.execute(union_all(counts, days)):
            if route not in found:
                continue
            if part == "c":
                found[route] = dict(zip(COUNTS, (n, *rest[:4]), strict=True))
            else:
                hist[route][int(rest[4])] = int(n)
    return {r: build_loop(r, found[r], hist[r]) for r in routes}
