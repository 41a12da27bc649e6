"""The territorial asset map, scoped by municipality (route-neutral territory: a dirección de
ruta sees it nationwide, an operador, who has no territory of its own, none).

A public good is linked to the territorial alerts of its municipality and category that are
still open (``abierta`` or ``en_gestion``): the profile and the map say how many there are.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select

from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import Municipality, TerritorialAlert, TerritorialAsset
from data_access.core.scope import Viewer, municipality_clause
from data_access.core.versions import reads
from rules import characterisation as CH

OPEN_ALERTS = ("abierta", "en_gestion")
COLUMNS = ("id", "code", "municipality_code", "kind", "name", "entity", "services", "category", "status",
           "description", "updated_on", "version")


def visible(viewer: Viewer, col=TerritorialAsset.municipality_code):
    return municipality_clause(viewer, col, route_neutral=True)


def _open_alerts():
    """Open alerts per (municipality, category), as a subquery."""
    A = TerritorialAlert
    return (select(A.municipality_code, A.category, func.count().label("alerts"))
            .where(A.status.in_(OPEN_ALERTS)).group_by(A.municipality_code, A.category).subquery())


def _rows(stmt, url: str | None) -> list[dict]:
    with get_engine(url).connect() as conn:
        out = [dict(r) for r in conn.execute(stmt).mappings()]
    for r in out:
        r["services"] = tuple(s for s in (r.get("services") or "").split(",") if s)
    return out


@reads("characterisation", "alerts")
def municipality_assets(viewer: Viewer, code: str, url: str | None = None) -> list[dict]:
    """The asset map of one municipality (empty outside the viewer's territory), by kind then name;
    each public good with the open alerts of its category (``alerts``)."""
    A, alerts = TerritorialAsset, _open_alerts()
    stmt = (select(*(getattr(A, c) for c in COLUMNS), func.coalesce(alerts.c.alerts, 0).label("alerts"))
            .outerjoin(alerts, and_(alerts.c.municipality_code == A.municipality_code,
                                    alerts.c.category == A.category))
            .where(A.municipality_code == code, visible(viewer))
            .order_by(A.kind, A.name, A.id))
    rows = _rows(stmt, url)
    order = {k: i for i, k in enumerate(CH.ASSET_KINDS)}
    return sorted(rows, key=lambda r: (order.get(r["kind"], 99), r["name"]))


@reads("characterisation", "alerts")
def assets(viewer: Viewer, filters: GlobalFilters, kind: str | None = None, limit: int | None = None,
           url: str | None = None) -> list[dict]:
    """The assets in scope and in the filtered territory, with their municipality's name."""
    A, alerts = TerritorialAsset, _open_alerts()
    stmt = (select(*(getattr(A, c) for c in COLUMNS), Municipality.name.label("municipality"),
                   func.coalesce(alerts.c.alerts, 0).label("alerts"))
            .join(Municipality, Municipality.code == A.municipality_code)
            .outerjoin(alerts, and_(alerts.c.municipality_code == A.municipality_code,
                                    alerts.c.category == A.category))
            .where(visible(viewer), filters.territory_clause(A.municipality_code))
            .order_by(A.municipality_code, A.kind, A.name, A.id))
    if kind:
        stmt = stmt.where(A.kind == kind)
    if limit:
        stmt = stmt.limit(limit)
    return _rows(stmt, url)


@reads("characterisation", "alerts")
def map_layer(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, dict]:
    """Per municipality in scope: markets and centros de acopio (counts and names), and its
    public goods in a bad state or missing (``malo``/``inexistente``) with their open alerts."""
    A, alerts = TerritorialAsset, _open_alerts()
    stmt = (select(A.municipality_code, A.kind, A.name, A.category, A.status,
                   func.coalesce(alerts.c.alerts, 0).label("alerts"))
            .outerjoin(alerts, and_(alerts.c.municipality_code == A.municipality_code,
                                    alerts.c.category == A.category))
            .where(visible(viewer), filters.territory_clause(A.municipality_code),
                   A.kind.in_((*CH.MARKER_KINDS, CH.PUBLIC_GOOD)))
            .order_by(A.municipality_code, A.kind, A.name))
    out: dict[str, dict] = {}
    with get_engine(url).connect() as conn:
        for r in conn.execute(stmt):
            m = out.setdefault(r.municipality_code, {"markets": [], "gaps": []})
            if r.kind in CH.MARKER_KINDS:
                m["markets"].append((r.kind, r.name))
            elif r.status in ("malo", "inexistente"):
                m["gaps"].append((r.category, r.status, int(r.alerts)))
    return {code: m for code, m in out.items() if m["markets"] or m["gaps"]}


@reads("characterisation")
def kind_counts(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict[str, int]:
    """Assets in scope per kind (the page's summary)."""
    A = TerritorialAsset
    stmt = (select(A.kind, func.count()).where(visible(viewer), filters.territory_clause(A.municipality_code))
            .group_by(A.kind))
    with get_engine(url).connect() as conn:
        return {k: int(n) for k, n in conn.execute(stmt).all()}
