"""Access scoping, default-deny, applied by every query for a ``Viewer``.

Each role's scope comes from ``rules.access``: national roles see everything; a comité
regional sees only the municipalities of its oficina regional; an operador sees only
rows tied to its own contracts; a dirección de ruta sees the records of its route
nationwide (a query must name the route column, else it sees none) and route-neutral
territory (targeting, alerts) where the query says so; any other viewer (unknown role,
missing office/operator/route) sees nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, false, select, true

from data_access.core.models import Enrolment, Municipality, OperatorContract
from rules import access
from rules.access import Reach
from rules.core.catalog import ROLES


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str
    regional_office_id: int | None = None
    operator_id: int | None = None
    route: str | None = None  # a dirección de ruta's route
    display_name: str = ""
    scope_label: str = ""  # "Nacional", "Oficina regional Caribe", "Operador X" (Spanish; see localised)
    scope_name: str = ""  # the office's or the operator's name
    # app_user.version when the account was read; None for viewers of no stored account (the console)
    account_version: int | None = None

    @property
    def is_national(self) -> bool:
        return access.scope_of(self.role) is Reach.ALL

    @property
    def is_regional(self) -> bool:
        return access.scope_of(self.role) is Reach.OFFICE and self.regional_office_id is not None

    @property
    def is_operator(self) -> bool:
        return access.scope_of(self.role) is Reach.CONTRACTS and self.operator_id is not None

    @property
    def is_route(self) -> bool:
        return access.scope_of(self.role) is Reach.ROUTE and self.route is not None

    @property
    def known(self) -> bool:
        return self.role in ROLES


def scope_only(viewer: Viewer) -> Viewer:
    """``viewer`` without what identifies the person: role, reach and scope labels only (what a
    read shared by every person of the same role and reach is keyed on)."""
    return replace(viewer, username="", display_name="", account_version=None)


@functools.cache
def _first_role_alike(role: str) -> str:
    """The first role (catalogue order) of the same reach and the same ``VIEW_DATA`` answer."""
    reach, sees = access.scope_of(role), access.allowed(role, access.VIEW_DATA)
    return next(r for r in ROLES if access.scope_of(r) is reach and access.allowed(r, access.VIEW_DATA) == sees)


def reach_only(viewer: Viewer) -> Viewer:
    """``scope_only`` with the role replaced by the first role alike: the key of reads that depend
    on the records the viewer reaches and on no other permission of its role (``cached(...,
    by_reach=True)``), so that every national role shares one computation."""
    if access.scope_of(viewer.role) is None:
        return scope_only(viewer)
    return replace(scope_only(viewer), role=_first_role_alike(viewer.role))


def localised(viewer: Viewer, label_for) -> Viewer:
    """The same viewer with its scope label in the UI language (``label_for(key, name)``)."""
    if viewer.is_national:
        label = label_for("scope.national", "")
    elif viewer.is_regional and viewer.scope_name:
        label = label_for("scope.office", viewer.scope_name)
    elif viewer.is_operator and viewer.scope_name:
        label = label_for("scope.operator", viewer.scope_name)
    elif viewer.is_route:  # the route's name in the UI language, not the stored Spanish one
        label = label_for("scope.route", label_for(f"route.{viewer.route}", ""))
    else:
        label = label_for("scope.none", "")
    return replace(viewer, scope_label=label)


NOBODY = Viewer(username="", role="")


def office_municipalities(office_id: int):
    """Subquery: codes of the municipalities of one oficina regional."""
    return select(Municipality.code).where(Municipality.regional_office_id == office_id)


def route_clause(viewer: Viewer, route_col) -> ColumnElement[bool]:
    """A dirección de ruta's records: the route column, when the query names it; else none."""
    return route_col == viewer.route if route_col is not None else false()


def enrolment_route(enrolment_id_col):
    """The route of the enrolment a row hangs from (a business plan, a stage event, a
    delivery), as a column for ``record_clause``; a row of no enrolment has no route."""
    return select(Enrolment.route).where(Enrolment.id == enrolment_id_col).scalar_subquery()


def municipality_clause(
    viewer: Viewer, municipality_col, route_col=None, *, route_neutral: bool = False
) -> ColumnElement[bool]:
    """Rows whose municipality the viewer may see (territorial data).

    Operators have no territorial scope of their own: they see territory only through
    their contracts, so this returns false for them (use ``record_clause``). A dirección de
    ruta sees the rows of its route (``route_col``) nationwide, and route-neutral territory
    (targeting, alerts, the municipality list) only where the query says ``route_neutral``.
    """
    if viewer.is_national:
        return true()
    if viewer.is_regional:
        return municipality_col.in_(office_municipalities(viewer.regional_office_id))
    if viewer.is_route:
        return true() if route_neutral and route_col is None else route_clause(viewer, route_col)
    return false()


def record_clause(viewer: Viewer, municipality_col, operator_col=None, route_col=None) -> ColumnElement[bool]:
    """Programme records (enrolments, PN, deliveries): territory, own operator, or own route."""
    if viewer.is_national or viewer.is_regional:
        return municipality_clause(viewer, municipality_col)
    if viewer.is_operator and operator_col is not None:
        return operator_col == viewer.operator_id
    if viewer.is_route:
        return route_clause(viewer, route_col)
    return false()


def contract_clause(viewer: Viewer) -> ColumnElement[bool]:
    """Operator contracts the viewer may see: own (operador), its office's (comité)."""
    if viewer.is_national:
        return true()
    if viewer.is_regional:
        return OperatorContract.regional_office_id == viewer.regional_office_id
    if viewer.is_operator:
        return OperatorContract.operator_id == viewer.operator_id
    if viewer.is_route:
        return OperatorContract.route == viewer.route
    return false()


def visible_municipalities(viewer: Viewer):
    """Select of municipality codes with data visible to the viewer."""
    return select(Municipality.code).where(municipality_clause(viewer, Municipality.code, route_neutral=True))
