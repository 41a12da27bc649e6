"""Every catalogue indicator (``rules.results.catalog``) for a viewer, filters and cut-off.

ONE computation: the overview's headline (``data_access.overview.queries.headline``: the
households / OPR / PN / COP / municipalities aggregates, the alliance indicator of
``data_access.alliance.queries`` and the ANS compliance of ``data_access.sla.queries``) plus
the promotions count below. The overview cards (``exports.content.overview_figures`` through
``from_headline``), the scorecard, its CLI and ``tablero indicator value`` all read here.

``table`` computes every indicator per group of a level (nacional, oficina regional,
departamento, municipio): one headline per visible group, each narrowed by the group's
territory filter, so every aggregate stays in SQL and in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select

from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import Department, Enrolment, Municipality, RegionalOffice
from data_access.core.scope import Viewer, municipality_clause
from data_access.core.versions import reads
from data_access.overview import queries as ov
from data_access.sla import queries as sla_queries
from rules.core.calendar import quarter_of
from rules.results import catalog

GROUP_LEVELS = ("nacional", "oficina_regional", "departamento", "municipio")


@dataclass(frozen=True)
class Value:
    code: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Group:
    level: str
    code: str  # "" nacional; office code; DIVIPOLA department or municipality code
    name: str
    filters: GlobalFilters


def promotions(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> int:
    """Enrolments entered by promotion from the previous route (mechanism «promocion») by the
    cut-off (within the period when ``period_start`` is set), in scope."""
    return promotions_at(viewer, filters, [filters.cutoff], url)[0]


def promotions_at(viewer: Viewer, filters: GlobalFilters, dates: list[dt.date], url: str | None = None) -> list[int]:
    """``promotions`` at each of ``dates``, in one scan."""
    cols = [ov._count_if(ov._in_window(Enrolment.entry_date, day, filters.period_start)) for day in dates]
    cond = and_(ov._enrolment_scope(viewer, filters), Enrolment.entry_mechanism == "promocion")
    with get_engine(url).connect() as conn:
        return [int(v) for v in conn.execute(select(*cols).where(cond)).one()]


def from_headline(head: ov.Headline, promoted: int | None = None) -> dict[str, Value]:
    """The catalogue's values at the headline's cut-off (``promociones`` needs ``promoted``)."""
    current = {k: v[0] for k, v in head.values.items()}
    for route, (cur, _prev) in head.households_by_route.items():
        current[f"households_{route}"] = cur
    current["promotions"] = promoted
    out: dict[str, Value] = {}
    for ind in catalog.CATALOG:
        v = current.get(ind.metric)
        num = den = None
        if ind.metric == "alliance":
            nd = head.extra.get("alliance", {}).get("current") or {}
            num, den = nd.get("numerator"), nd.get("denominator")
        elif not ind.is_ratio:
            num = v
        out[ind.code] = Value(ind.code, None if v is None else float(v), num, den)
    return out


@reads("reference", "targeting", "alerts", "participants", "business_plans", "sla")
def values(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, Value]:
    """Every catalogue indicator for ``viewer`` and ``filters`` at ``filters.cutoff``."""
    return values_at(viewer, filters, [filters.cutoff], url)[filters.cutoff]


@reads("reference", "targeting", "alerts", "participants", "business_plans", "sla")
def values_at(viewer: Viewer, filters: GlobalFilters, dates: list[dt.date], url: str | None = None,
              stock_only: tuple[dt.date, ...] = ()) -> dict[dt.date, dict[str, Value]]:
    """Every catalogue indicator at each of ``dates`` (none after the cut-off), as ``values``
    gives it with that date as the cut-off: the counts and sums in one scan each
    (``ov.figures_at``), the alliance indicator and the ANS compliance as of each date. At the
    dates in ``stock_only`` (a target's starting stock) the indicators that are not a stock
    (``Indicator.stock``) are left without a value, and not computed."""
    fig = ov.figures_at(viewer, filters, list(dates), url)
    promoted = promotions_at(viewer, filters, list(dates), url)
    return {day: values_on(viewer, filters, fig, day, promoted[i], url, rates=day not in stock_only)
            for i, day in enumerate(dates)}


def values_on(viewer: Viewer, filters: GlobalFilters, fig: ov.Figures, day: dt.date, promoted: int,
              url: str | None = None, rates: bool = True) -> dict[str, Value]:
    """The catalogue's values at ``day``, one of the dates of ``fig`` (``ov.figures_at``); the
    alliance indicator and the ANS compliance as of ``day`` only with ``rates``."""
    i = fig.dates.index(day)
    head = ov.Headline(cutoff=day, previous=day)
    head.values = {metric: (series[i], None) for metric, series in fig.values.items()}
    head.households_by_route = {r: (fig.households[(r, day)], None) for r in ov.household_routes(filters)}
    if rates:
        at, quarter = filters.with_(cutoff=day), quarter_of(day)
        alliance, head.extra["alliance"] = ov.alliance_at(viewer, at, url)
        sla = ov.sla_average(sla_queries.scorecard_frame(viewer, at, (quarter,), url=url), quarter)
        head.values.update(alliance=(alliance, None), sla=(sla, None))
    return from_headline(head, promoted)


def value(code: str, viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> Value:
    """One indicator (value, numerator, denominator) for a viewer, filters and cut-off."""
    catalog.get(code)
    return values(viewer, filters, url)[code]


@reads("reference")
def groups(viewer: Viewer, filters: GlobalFilters, level: str, url: str | None = None) -> list[Group]:
    """The visible groups of ``level`` (ordered by code), each with its narrowed filters."""
    if level not in GROUP_LEVELS:
        raise ValueError(f"Nivel desconocido «{level}»: use uno de {', '.join(GROUP_LEVELS)}.")
    if level == "nacional":
        return [Group(level, "", "Nacional", filters)]
    scope = and_(municipality_clause(viewer, Municipality.code, route_neutral=True),
                 filters.territory_clause(Municipality.code))
    with get_engine(url).connect() as conn:
        if level == "oficina_regional":
            rows = conn.execute(
                select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name).distinct()
                .join(Municipality, Municipality.regional_office_id == RegionalOffice.id).where(scope)
                .order_by(RegionalOffice.code)).all()
            return [Group(level, c, n, filters.with_(regional_office_id=i)) for i, c, n in rows]
        if level == "departamento":
            rows = conn.execute(
                select(Department.code, Department.name).distinct()
                .join(Municipality, Municipality.department_code == Department.code).where(scope)
                .order_by(Department.code)).all()
            return [Group(level, c, n, filters.with_(department_code=c)) for c, n in rows]
        rows = conn.execute(select(Municipality.code, Municipality.name).where(scope)
                            .order_by(Municipality.code)).all()
        return [Group(level, c, n, filters.with_(municipality_code=c)) for c, n in rows]


def table(viewer: Viewer, filters: GlobalFilters, level: str,
          url: str | None = None) -> list[tuple[Group, dict[str, Value]]]:
    """Every indicator per visible group of ``level``."""
    return [(g, values(viewer, g.filters, url)) for g in groups(viewer, filters, level, url)]


def by_group(code: str, viewer: Viewer, filters: GlobalFilters, level: str,
             url: str | None = None) -> list[tuple[Group, Value]]:
    """One indicator per visible group of ``level``."""
    catalog.get(code)
    return [(g, vals[code]) for g, vals in table(viewer, filters, level, url)]


__all__ = ["Group", "Value", "by_group", "from_headline", "groups", "promotions", "table", "value", "values"]
