"""Global filters shared by every page (and carried in the URL query string)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, select, true

from data_access.core.models import Municipality


@dataclass(frozen=True)
class GlobalFilters:
    """Cut-off date, period start, territory and route. Hashable: used as cache key.

    ``known_at``: recompute a figure as known on that date — only records registered by then
    count (the alliance indicator's evidence and sales, ``registered_on``); None: everything stored.
    """

    cutoff: dt.date
    period_start: dt.date | None = None
    regional_office_id: int | None = None
    department_code: str | None = None
    municipality_code: str | None = None
    route: str | None = None
    known_at: dt.date | None = None

    def with_(self, **changes) -> GlobalFilters:
        return replace(self, **changes)

    def within(self, viewer) -> GlobalFilters:
        """The filters as the viewer's scope bounds them: a dirección de ruta reads one route,
        so its route filter is that route (a view then lists no other route, not even at zero)."""
        route = getattr(viewer, "route", None) if getattr(viewer, "is_route", False) else None
        return self if route is None or self.route == route else replace(self, route=route)

    def territory_clause(self, municipality_col) -> ColumnElement[bool]:
        """Narrowing by office / department / municipality (scope is applied apart)."""
        clauses = []
        if self.municipality_code:
            clauses.append(municipality_col == self.municipality_code)
        if self.department_code:
            clauses.append(municipality_col.startswith(self.department_code))
        if self.regional_office_id is not None:
            clauses.append(
                municipality_col.in_(
                    select(Municipality.code).where(
                        Municipality.regional_office_id == self.regional_office_id
                    )
                )
            )
        return and_(*clauses) if clauses else true()

    def route_clause(self, route_col) -> ColumnElement[bool]:
        return route_col == self.route if self.route else true()
