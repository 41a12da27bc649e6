"""Territorial alerts: public-goods gaps raised by territorial management."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Municipality, TerritorialAlert
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    as_date,
    check_territory,
    edit_territory_clause,
    fetch_rows,
    for_update,
    insert,
    raise_if,
    require_editor,
    stale,
    versioned_update,
    write_session,
)
from data_access.intake.codes import ALERT_PREFIX, fallback_code
from rules.access import EDIT_ALERT
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError


def _known(s: Session, code) -> set[str]:
    if not code:
        return set()
    found = s.scalar(select(Municipality.code).where(Municipality.code == str(code).strip()))
    return {found} if found else set()


_ALERT_FIELDS = ("category", "severity", "status", "description", "opened_on", "closed_on")


def open_alert(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    with write_session(viewer, url) as s:
        code = str(data.get("municipality_code") or "").strip()
        known = _known(s, code)
        if known:
            check_territory(s, viewer, EDIT_ALERT, code, "abrir alertas territoriales")
        else:
            require_editor(viewer, "abrir alertas territoriales")
        clean = {"municipality_code": code, **{k: data.get(k) for k in _ALERT_FIELDS}}
        clean["status"] = clean.get("status") or "abierta"
        clean["opened_on"] = clean.get("opened_on") or today()
        clean["description"] = (clean.get("description") or "").strip()
        errors = V.validate_alert(clean, known)
        if clean["status"] == "cerrada" and not errors:
            errors.append(
                FieldError(
                    "status", "Estado: una alerta nueva no puede nacer cerrada; ábrala y luego ciérrela."
                )
            )
        raise_if(errors)
        row = TerritorialAlert(
            municipality_code=code,
            category=clean["category"],
            severity=clean["severity"],
            status=clean["status"],
            description=clean["description"],
            opened_on=as_date(clean["opened_on"]),
            closed_on=as_date(clean.get("closed_on")),
        )
        result = insert(s, viewer, row, "territorial_alert")
        row.code = fallback_code(ALERT_PREFIX, row.id)  # the alert's codigo_alerta in files
        versions.bump(s, "alerts")
        return result


def update_alert(
    viewer: Viewer,
    alert_id: int,
    opened_version: int,
    data: dict,
    url: str | None = None,
    action: str = "update",
) -> EditResult:
    """Update category, severity, status, description or dates (municipality is fixed)."""
    with write_session(viewer, url) as s:
        row = for_update(s, TerritorialAlert, TerritorialAlert.id == alert_id)
        if row is None:
            raise NotFound(f"La alerta {alert_id} no existe; recargue la lista de alertas.")
        check_territory(s, viewer, EDIT_ALERT, row.municipality_code, "editar alertas territoriales")
        current = audit.row_dict(row)
        merged = {k: (data[k] if k in data else current[k]) for k in _ALERT_FIELDS}
        merged["description"] = (merged.get("description") or "").strip()
        cols = {
            k: (as_date(merged[k]) if k in ("opened_on", "closed_on") else merged[k]) for k in _ALERT_FIELDS
        }
        if row.version != opened_version:
            raise stale(s, "territorial_alert", row.id, opened_version, current, cols)
        raise_if(V.validate_alert(merged, set()))
        result = versioned_update(s, viewer, row, "territorial_alert", opened_version, cols, action=action)
        if result.changed:
            versions.bump(s, "alerts")
        return result


def close_alert(
    viewer: Viewer,
    alert_id: int,
    opened_version: int,
    closed_on,
    description: str | None = None,
    url: str | None = None,
) -> EditResult:
    data = {"status": "cerrada", "closed_on": closed_on}
    if description is not None:
        data["description"] = description
    return update_alert(viewer, alert_id, opened_version, data, url=url, action="close")


# ------------------------------------------------------------------ reads for the forms


@reads("alerts", "reference")
def alerts(
    viewer: Viewer, status: str | None = None, territory=None, limit: int = 500, url: str | None = None
) -> list[dict]:
    stmt = (
        select(
            TerritorialAlert.id,
            TerritorialAlert.municipality_code,
            Municipality.name.label("municipality"),
            TerritorialAlert.category,
            TerritorialAlert.severity,
            TerritorialAlert.status,
            TerritorialAlert.description,
            TerritorialAlert.opened_on,
            TerritorialAlert.closed_on,
            TerritorialAlert.version,
        )
        .join(Municipality, Municipality.code == TerritorialAlert.municipality_code)
        .where(edit_territory_clause(viewer, EDIT_ALERT, TerritorialAlert.municipality_code))
        .order_by(TerritorialAlert.opened_on.desc(), TerritorialAlert.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(TerritorialAlert.status == status)
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(TerritorialAlert.municipality_code))
    return fetch_rows(stmt, url)


@reads("reference")
def editable_municipalities(viewer: Viewer, territory=None, url: str | None = None) -> list[dict]:
    stmt = (
        select(Municipality.code, Municipality.name, Municipality.department_code)
        .where(edit_territory_clause(viewer, EDIT_ALERT, Municipality.code))
        .order_by(Municipality.name)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Municipality.code))
    return fetch_rows(stmt, url)
