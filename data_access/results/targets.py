"""Targets (metas) of the catalogue's indicators, as a viewer may see them.

A target is visible when its territory is: the national ones to every known viewer, an
office's or a department's when one of its municipalities is in the viewer's scope (a comité:
its office and departments; an operator: those of its contracts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, true

from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import Municipality, RegionalOffice, Target
from data_access.core.scope import Viewer, municipality_clause
from data_access.core.versions import reads
from data_access.overview import queries as ov
from data_access.results import indicators as indicators_q
from rules.results import catalog, progress


@dataclass
class Goal:
    """The targets of one indicator in one territory and year: the year's and any quarters'."""

    year_value: float | None = None
    quarters: dict[int, float] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return self.year_value is not None or bool(self.quarters)

    def at_year_end(self) -> float | None:
        return self.year_value if self.year_value is not None else self.quarters.get(4)


def visible_clause(viewer: Viewer):
    """Targets whose territory the viewer sees (SQL condition on ``Target``)."""
    if not viewer.known:
        return Target.id.is_(None)
    if viewer.is_national:
        return true()
    seen = select(Municipality.code).where(municipality_clause(viewer, Municipality.code))
    offices = (select(RegionalOffice.code).join(Municipality, Municipality.regional_office_id == RegionalOffice.id)
               .where(Municipality.code.in_(seen)))
    departments = select(Municipality.department_code).where(Municipality.code.in_(seen))
    return or_(Target.level == "nacional",
               and_(Target.level == "oficina_regional", Target.territory_code.in_(offices)),
               and_(Target.level == "departamento", Target.territory_code.in_(departments)))


@reads("results")
def goals(viewer: Viewer, year: int, url: str | None = None) -> dict[tuple[str, str, str], Goal]:
    """(indicator, level, territory code) → its ``Goal`` in ``year``, for the visible targets."""
    out: dict[tuple[str, str, str], Goal] = {}
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(Target.indicator, Target.level, Target.territory_code, Target.quarter, Target.value)
            .where(Target.year == year, visible_clause(viewer))).all()
    for ind, level, code, quarter, value in rows:
        goal = out.setdefault((ind, level, code or ""), Goal())
        if quarter:
            goal.quarters[int(quarter)] = float(value)
        else:
            goal.year_value = float(value)
    return out


@reads("results")
def listing(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Every visible target (for the edit tab and the export), ordered by its natural key."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            select(Target.id, Target.indicator, Target.year, Target.quarter, Target.level, Target.territory_code,
                   Target.value, Target.version)
            .where(visible_clause(viewer))
            .order_by(Target.indicator, Target.year, Target.quarter, Target.level, Target.territory_code)).all()
    return [dict(r._mapping) for r in rows]


# ------------------------------------------------------------------------------ scorecard

LEVEL_OF_BY = {"national": "nacional", "regional_office": "oficina_regional", "department": "departamento",
               "municipality": "municipio"}


@dataclass(frozen=True)
class Cell:
    """One indicator in one group at the cut-off, against its target."""

    group: str  # group code ("" nacional)
    group_name: str
    level: str
    indicator: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None  # the year's target (the last quarter's when only quarters are given)
    expected: float | None  # where the trajectory should be at the cut-off
    pct_target: float | None
    status: str
    last_year: float | None  # the value at the same date a year earlier


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@reads("targeting", "alerts", "participants", "business_plans", "sla", "results")
def scorecard(viewer: Viewer, filters: GlobalFilters, level: str, url: str | None = None,
              indicators: tuple[str, ...] | None = None) -> list[Cell]:
    """Every catalogue indicator per visible group of ``level`` at ``filters.cutoff``, with its
    target for that group (``rules.results.progress``: expected value, % of target, status) and
    the value a year earlier. The page, its download and ``tablero scorecard`` read this."""
    codes = indicators or tuple(i.code for i in catalog.CATALOG)
    cutoff = filters.cutoff
    before, year_start = _year_earlier(cutoff), ov.year_start(cutoff)
    year_goals = goals(viewer, cutoff.year, url)
    out: list[Cell] = []
    for group in indicators_q.groups(viewer, filters, level, url):
        found = {code: year_goals.get((code, level, group.code)) if level != "municipio" else None for code in codes}
        found = {code: g for code, g in found.items() if g is not None and g.any}
        stock = any(catalog.get(code).stock for code in found)
        dates, stock_only = [cutoff, before], ()
        if stock and group.filters.period_start is None and year_start not in dates:
            dates, stock_only = [*dates, year_start], (year_start,)  # the stock's start, in the same scans
        at = indicators_q.values_at(viewer, group.filters, dates, url, stock_only=stock_only)
        now, earlier = at[cutoff], at[before]
        start = at.get(year_start)
        if stock and start is None:
            start = stocks_at_year_start(viewer, group.filters, url)
        for code in codes:
            ind, v, goal = catalog.get(code), now[code], found.get(code)
            target = expected = None
            if goal is not None:
                base = (start[code].value or 0.0) if ind.stock else 0.0
                target = goal.at_year_end()
                expected = progress.expected(ind, cutoff, goal.year_value, goal.quarters, base)
            out.append(Cell(group.code, group.name, level, code, v.value, v.numerator, v.denominator, target,
                            expected, progress.pct_of(ind, v.value, target),
                            progress.status(ind, v.value, expected, v.denominator), earlier[code].value))
    return out


def stocks_at_year_start(viewer: Viewer, filters: GlobalFilters, url: str | None = None,
                         head: ov.Headline | None = None) -> dict[str, indicators_q.Value]:
    """The stock indicators (``Indicator.stock``) on 31 December of the year before the cut-off,
    over the whole programme's history (no ``period_start``): where a stock target starts from.
    The other indicators are left without a value, and not computed. From the scans of ``head``
    (the overview's headline of the same viewer and filters) when they reached that day."""
    day = ov.year_start(filters.cutoff)
    if head is not None and head.figures is not None and day in head.figures.dates and filters.period_start is None:
        promoted = indicators_q.promotions_at(viewer, filters, [day], url)[0]
        return indicators_q.values_on(viewer, filters, head.figures, day, promoted, url, rates=False)
    return indicators_q.values_at(viewer, filters.with_(cutoff=day, period_start=None), [day], url,
                                  stock_only=(day,))[day]


# ------------------------------------------------------------------ the viewer's own level

@dataclass(frozen=True)
class Progress:
    target: float | None
    expected: float | None
    pct_target: float | None
    status: str


@reads("reference")
def viewer_territory(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> tuple[str, str] | None:
    """The (level, territory code) whose targets a viewer's figures answer to: the department or
    office filtered, else a comité's office, else nacional for national viewers. None when no
    target level applies (a municipality or a route filtered, an operator's scope)."""
    if filters.municipality_code or filters.route or not viewer.known:
        return None
    if filters.department_code:
        return ("departamento", filters.department_code)
    office = filters.regional_office_id or (viewer.regional_office_id if viewer.is_regional else None)
    if office is not None:
        with get_engine(url).connect() as conn:
            code = conn.scalar(select(RegionalOffice.code).where(RegionalOffice.id == office))
        return ("oficina_regional", code) if code else None
    return ("nacional", "") if viewer.is_national else None


@reads("targeting", "alerts", "participants", "business_plans", "sla", "results")
def progress_of(viewer: Viewer, filters: GlobalFilters, current: dict[str, indicators_q.Value],
                url: str | None = None, head: ov.Headline | None = None) -> dict[str, Progress]:
    """Target, expected value, % of target and status of the ``current`` values (as the
    overview cards show them, from ``head``) at the viewer's own level; only indicators with a target."""
    where = viewer_territory(viewer, filters, url)
    if where is None:
        return {}
    year_goals = goals(viewer, filters.cutoff.year, url)
    found = {code: year_goals.get((code, *where)) for code in current}
    found = {code: g for code, g in found.items() if g is not None and g.any}
    if not found:
        return {}
    start = None
    out: dict[str, Progress] = {}
    for code, goal in found.items():
        ind, v = catalog.get(code), current[code]
        base = 0.0
        if ind.stock:
            if start is None:
                start = stocks_at_year_start(viewer, filters, url, head)
            base = start[code].value or 0.0
        target = goal.at_year_end()
        expected = progress.expected(ind, filters.cutoff, goal.year_value, goal.quarters, base)
        out[code] = Progress(target, expected, progress.pct_of(ind, v.value, target),
                             progress.status(ind, v.value, expected, v.denominator))
    return out
