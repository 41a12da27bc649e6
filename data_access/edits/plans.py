"""Business plans (PN): dates and alliance evidence (contrato, factura, crédito)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import AllianceEvidence, BusinessPlan, Municipality, Opr
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    ValidationFailed,
    as_date,
    check_territory,
    edit_territory_clause,
    fetch_rows,
    for_update,
    insert,
    raise_if,
    stale,
    versioned_update,
    write_session,
)
from rules.access import EDIT_BUSINESS_PLAN
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError


def _plan_for_update(s: Session, plan_id: int) -> BusinessPlan:
    plan = for_update(s, BusinessPlan, BusinessPlan.id == plan_id)
    if plan is None:
        raise NotFound(f"El plan de negocio {plan_id} no existe; elíjalo de nuevo en la lista.")
    return plan


def set_pn_dates(
    viewer: Viewer,
    plan_id: int,
    opened_version: int,
    first_disbursement_date,
    closure_date,
    url: str | None = None,
) -> EditResult:
    """PN dates (first disbursement, closure)."""
    with write_session(viewer, url) as s:
        plan = _plan_for_update(s, plan_id)
        check_territory(s, viewer, EDIT_BUSINESS_PLAN, plan.municipality_code, "editar las fechas del plan de negocio")
        data = {"first_disbursement_date": first_disbursement_date, "closure_date": closure_date}
        if plan.version != opened_version:
            raise stale(
                s,
                "business_plan",
                plan.code,
                opened_version,
                audit.row_dict(plan),
                {k: as_date(v) for k, v in data.items()},
            )
        raise_if(V.validate_pn_dates(data))
        changes = {k: as_date(v) for k, v in data.items()}
        # evidence must not start after the plan closed
        result = versioned_update(s, viewer, plan, "business_plan", opened_version, changes)
        if result.changed:
            versions.bump(s, "business_plans")
        return result


def _evidence_data(data: dict) -> dict:
    return {
        "kind": data.get("kind"),
        "ally_type": data.get("ally_type"),
        "ally_name": (data.get("ally_name") or "").strip(),
        "start_date": data.get("start_date"),
        "end_date": data.get("end_date"),
        "document_ref": (data.get("document_ref") or "").strip(),
        **({"ally_nit": data.get("ally_nit")} if data.get("ally_nit") else {}),
    }


def _evidence_columns(clean: dict) -> dict:
    return {
        "kind": clean["kind"],
        "ally_type": clean["ally_type"],
        "ally_name": clean["ally_name"],
        "start_date": as_date(clean["start_date"]),
        "end_date": as_date(clean["end_date"]),
        "document_ref": clean["document_ref"][:200],
    }


def add_evidence(viewer: Viewer, plan_id: int, data: dict, url: str | None = None) -> EditResult:
    """Add a contrato / factura / crédito to a PN, known from today on (a correction keeps that date)."""
    with write_session(viewer, url) as s:
        plan = _plan_for_update(s, plan_id)
        check_territory(s, viewer, EDIT_BUSINESS_PLAN, plan.municipality_code, "registrar evidencias de alianza")
        clean = _evidence_data(data)
        raise_if(V.validate_evidence(clean))
        ev = AllianceEvidence(business_plan_id=plan.id, voided=False, registered_on=today(),
                              **_evidence_columns(clean))
        result = insert(s, viewer, ev, "alliance_evidence")
        versions.bump(s, "business_plans")
        return result


def _evidence_for_update(s: Session, evidence_id: int) -> tuple[AllianceEvidence, BusinessPlan]:
    ev = for_update(s, AllianceEvidence, AllianceEvidence.id == evidence_id)
    if ev is None:
        raise NotFound(f"La evidencia {evidence_id} no existe; recargue la lista de evidencias.")
    plan = s.get(BusinessPlan, ev.business_plan_id)
    return ev, plan


def correct_evidence(
    viewer: Viewer, evidence_id: int, opened_version: int, data: dict, url: str | None = None
) -> EditResult:
    with write_session(viewer, url) as s:
        ev, plan = _evidence_for_update(s, evidence_id)
        check_territory(s, viewer, EDIT_BUSINESS_PLAN, plan.municipality_code, "corregir evidencias de alianza")
        clean = _evidence_data(data)
        cols = _evidence_columns(clean) if not V.validate_evidence(clean) else clean
        if ev.version != opened_version:
            raise stale(s, "alliance_evidence", ev.id, opened_version, audit.row_dict(ev), cols)
        if ev.voided:
            raise ValidationFailed(
                [
                    FieldError(
                        "voided", "Evidencia anulada: no se puede corregir; registre una evidencia nueva."
                    )
                ]
            )
        raise_if(V.validate_evidence(clean))
        result = versioned_update(s, viewer, ev, "alliance_evidence", opened_version, cols)
        if result.changed:
            versions.bump(s, "business_plans")
        return result


def void_evidence(
    viewer: Viewer, evidence_id: int, opened_version: int, url: str | None = None
) -> EditResult:
    with write_session(viewer, url) as s:
        ev, plan = _evidence_for_update(s, evidence_id)
        check_territory(s, viewer, EDIT_BUSINESS_PLAN, plan.municipality_code, "anular evidencias de alianza")
        if ev.version != opened_version:
            raise stale(s, "alliance_evidence", ev.id, opened_version, audit.row_dict(ev), {"voided": True})
        if ev.voided:
            raise ValidationFailed(
                [FieldError("voided", "Evidencia: ya está anulada; no hay nada que anular.")]
            )
        result = versioned_update(
            s, viewer, ev, "alliance_evidence", opened_version, {"voided": True}, action="void"
        )
        versions.bump(s, "business_plans")
        return result


# ------------------------------------------------------------------ reads for the forms


@reads("business_plans", "reference")
def editable_business_plans(
    viewer: Viewer, search: str = "", territory=None, limit: int = 300, url: str | None = None
) -> list[dict]:
    """PN the viewer may edit (code, OPR, municipality, dates, version)."""
    stmt = (
        select(
            BusinessPlan.id,
            BusinessPlan.code,
            Opr.name.label("opr"),
            BusinessPlan.municipality_code,
            Municipality.name.label("municipality"),
            BusinessPlan.ventana,
            BusinessPlan.first_disbursement_date,
            BusinessPlan.closure_date,
            BusinessPlan.version,
        )
        .join(Opr, Opr.id == BusinessPlan.opr_id)
        .join(Municipality, Municipality.code == BusinessPlan.municipality_code)
        .where(edit_territory_clause(viewer, EDIT_BUSINESS_PLAN, BusinessPlan.municipality_code))
        .order_by(BusinessPlan.code)
        .limit(limit)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(BusinessPlan.municipality_code))
    if search:
        like = f"%{search.strip()}%"
        stmt = stmt.where(or_(BusinessPlan.code.ilike(like), Opr.name.ilike(like), Opr.nit.ilike(like)))
    return fetch_rows(stmt, url)


@reads("business_plans")
def business_plan(viewer: Viewer, plan_id: int, url: str | None = None) -> dict | None:
    rows = fetch_rows(
        select(
            BusinessPlan.id,
            BusinessPlan.code,
            Opr.name.label("opr"),
            BusinessPlan.municipality_code,
            BusinessPlan.ventana,
            BusinessPlan.first_disbursement_date,
            BusinessPlan.closure_date,
            BusinessPlan.version,
        )
        .join(Opr, Opr.id == BusinessPlan.opr_id)
        .where(
            BusinessPlan.id == plan_id,
            edit_territory_clause(viewer, EDIT_BUSINESS_PLAN, BusinessPlan.municipality_code),
        ),
        url,
    )
    return rows[0] if rows else None


@reads("business_plans")
def plan_evidence(viewer: Viewer, plan_id: int, url: str | None = None) -> list[dict]:
    return fetch_rows(
        select(
            AllianceEvidence.id,
            AllianceEvidence.kind,
            AllianceEvidence.ally_type,
            AllianceEvidence.ally_name,
            AllianceEvidence.start_date,
            AllianceEvidence.end_date,
            AllianceEvidence.document_ref,
            AllianceEvidence.voided,
            AllianceEvidence.version,
        )
        .join(BusinessPlan, BusinessPlan.id == AllianceEvidence.business_plan_id)
        .where(
            AllianceEvidence.business_plan_id == plan_id,
            edit_territory_clause(viewer, EDIT_BUSINESS_PLAN, BusinessPlan.municipality_code),
        )
        .order_by(AllianceEvidence.start_date, AllianceEvidence.id),
        url,
    )
