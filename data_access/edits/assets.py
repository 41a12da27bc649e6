"""The territorial asset map: record and update a municipality's assets (Dirección Técnica,
PMO, a comité in its office's municipalities). An asset keeps its municipality and code."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Municipality, TerritorialAsset
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
from rules import characterisation as CH
from rules.access import EDIT_TERRITORIAL_ASSET
from rules.core.catalog import SERVICE_TYPES
from rules.core.clock import today
from rules.edit.validation import FieldError

FIELDS = ("kind", "name", "entity", "services", "category", "status", "description", "updated_on")
LABELS = {"kind": "Tipo", "name": "Nombre", "entity": "Entidad", "services": "Servicios", "category": "Categoría",
          "status": "Estado", "description": "Descripción", "updated_on": "Fecha de la información"}
LIMITS = {"name": 200, "entity": 200, "services": 300}


def clean(data: dict) -> tuple[dict, list[FieldError]]:
    """The asset's columns from a form's values, and what is wrong with them (Spanish, by field)."""
    services = data.get("services") or ()
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",") if s.strip()]
    cols = {"kind": data.get("kind") or "", "name": (data.get("name") or "").strip(),
            "entity": (data.get("entity") or "").strip(), "services": ",".join(services),
            "category": data.get("category") or None, "status": data.get("status") or "",
            "description": (data.get("description") or "").strip(),
            "updated_on": as_date(data.get("updated_on")) or today()}
    errors = [FieldError(f, f"{LABELS[f]}: {m}") for f, m in CH.asset_errors(cols["kind"], cols["category"],
                                                                              cols["status"] or None)]
    if not cols["name"]:
        errors.append(FieldError("name", "Nombre: escriba el nombre del activo."))
    unknown = [s for s in services if s not in SERVICE_TYPES]
    if unknown:
        errors.append(FieldError("services", f"Servicios: «{', '.join(unknown)}» no es un servicio del programa; "
                                             f"use {', '.join(SERVICE_TYPES)}."))
    for f, limit in LIMITS.items():
        if len(cols[f]) > limit:
            errors.append(FieldError(f, f"{LABELS[f]}: tiene {len(cols[f])} caracteres y el máximo es {limit}; "
                                        "abrévielo."))
    if cols["updated_on"] > today():
        errors.append(FieldError("updated_on", "Fecha de la información: no puede ser posterior a hoy."))
    return cols, errors


def _known(s: Session, code: str) -> bool:
    return s.scalar(select(Municipality.code).where(Municipality.code == code)) is not None


def add_asset(viewer: Viewer, municipality_code: str, data: dict, url: str | None = None) -> EditResult:
    """A new asset of ``municipality_code``; its code (``MA-<DIVIPOLA>-<random>``) is made here."""
    with write_session(viewer, url) as s:
        code = str(municipality_code or "").strip()
        if not _known(s, code):
            require_editor(viewer, "registrar activos del territorio")
            raise_if([FieldError("municipality_code", f"Municipio: {code or '(vacío)'} no existe en DIVIPOLA.")])
        check_territory(s, viewer, EDIT_TERRITORIAL_ASSET, code, "registrar activos del territorio")
        cols, errors = clean(data)
        raise_if(errors)
        row = TerritorialAsset(code=f"MA-{code}-{secrets.token_hex(3).upper()}", municipality_code=code, **cols)
        result = insert(s, viewer, row, "territorial_asset")
        versions.bump(s, "characterisation")
        return result


def update_asset(viewer: Viewer, asset_id: int, opened_version: int, data: dict,
                 url: str | None = None) -> EditResult:
    """Update an asset (its municipality and code are fixed), if still at ``opened_version``."""
    with write_session(viewer, url) as s:
        row = for_update(s, TerritorialAsset, TerritorialAsset.id == asset_id)
        if row is None:
            raise NotFound(f"El activo {asset_id} no existe; recargue la lista de activos.")
        check_territory(s, viewer, EDIT_TERRITORIAL_ASSET, row.municipality_code, "editar activos del territorio")
        current = audit.row_dict(row)
        merged = {k: (data[k] if k in data else current[k]) for k in FIELDS}
        cols, errors = clean(merged)
        if row.version != opened_version:
            raise stale(s, "territorial_asset", row.id, opened_version, current, cols)
        raise_if(errors)
        result = versioned_update(s, viewer, row, "territorial_asset", opened_version, cols)
        if result.changed:
            versions.bump(s, "characterisation")
        return result


@reads("characterisation")
def editable_assets(viewer: Viewer, territory=None, limit: int = 500, url: str | None = None) -> list[dict]:
    """The assets the viewer may edit, in the filtered territory."""
    A = TerritorialAsset
    stmt = (select(A.id, A.code, A.municipality_code, Municipality.name.label("municipality"), A.kind, A.name,
                   A.entity, A.services, A.category, A.status, A.description, A.updated_on, A.version)
            .join(Municipality, Municipality.code == A.municipality_code)
            .where(edit_territory_clause(viewer, EDIT_TERRITORIAL_ASSET, A.municipality_code))
            .order_by(A.municipality_code, A.kind, A.name).limit(limit))
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(A.municipality_code))
    return fetch_rows(stmt, url)


@reads("reference")
def editable_municipalities(viewer: Viewer, territory=None, url: str | None = None) -> list[dict]:
    stmt = (select(Municipality.code, Municipality.name)
            .where(edit_territory_clause(viewer, EDIT_TERRITORIAL_ASSET, Municipality.code))
            .order_by(Municipality.name))
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Municipality.code))
    return fetch_rows(stmt, url)
