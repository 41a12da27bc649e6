"""Light edits on the shared store (issue 7): permission, validation, optimistic
concurrency, audit and data-version bump — all in one transaction per edit.

Every write function takes the ``Viewer`` doing the edit and, for an existing row,
the ``version`` the person opened. Order of checks, inside one write transaction:

1. **Permission** (here, not only by hiding a form): analista PMO and admin may edit
   everything; a comité regional only the records of the municipalities of its
   oficina regional; an operador only its own contracts' ANS values and service
   deliveries; directivo (and any unknown role) nothing → ``PermissionDenied``.
2. **Optimistic concurrency**: the row is read ``FOR UPDATE`` (PostgreSQL; on SQLite
   ``BEGIN IMMEDIATE`` serialises writers) and written with
   ``UPDATE ... WHERE id = :id AND version = :opened`` (rowcount checked). A row that
   changed since it was opened → ``StaleEdit`` listing what the other person changed
   (field: theirs vs yours); nothing is overwritten.
3. **Validation** with the pure rules of ``rules.edit.validation`` → ``ValidationFailed``.
4. Write, ``audit.record`` (same transaction), ``versions.bump`` of the affected topics.

Any exception rolls the whole transaction back: nothing is written.
The module also holds the scoped reads the edit forms need (with row versions).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import and_, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import get_engine, session_scope
from data_access.core.models import (
    AllianceEvidence,
    AppUser,
    AuditLog,
    BusinessPlan,
    ContractService,
    Enrolment,
    Household,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
    RegionalOffice,
    ServiceDelivery,
    ServiceType,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
    Targeting,
    TerritorialAlert,
)
from data_access.core.scope import Viewer, municipality_clause
from rules.core.catalog import ROLES, SERVICE_TYPES, services_for_route
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError
from rules.routes.model import COMPLETED_EXITS, SALIDA, allowed_next, route_model

EDIT_ALL = frozenset({"analista_pmo", "admin"})


# ------------------------------------------------------------------------ errors


class EditError(Exception):
    """Base of the refusals; ``message`` is Spanish and meant for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(EditError):
    pass


class NotFound(EditError):
    pass


class ValidationFailed(EditError):
    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("No se guardó nada. Corrija: " + " ".join(e.message for e in self.errors))


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    theirs: object  # value now in the store (saved by the other person)
    yours: object  # value you tried to save


class StaleEdit(EditError):
    def __init__(
        self,
        entity: str,
        entity_id,
        opened_version: int | None,
        current_version: int,
        changes: list[Change],
        by: list[str],
    ):
        self.entity = entity
        self.entity_id = entity_id
        self.opened_version = opened_version
        self.current_version = current_version
        self.changes = list(changes)
        self.by = list(by)
        who = ", ".join(sorted(set(by))) or "otra persona"
        detail = (
            "; ".join(f"{c.label}: {_show(c.theirs)} (suyo: {_show(c.yours)})" for c in self.changes)
            or "sin diferencias en los campos del formulario"
        )
        super().__init__(
            f"No se guardó: {who} modificó este registro después de que usted lo abrió "
            f"(versión {opened_version or 0} → {current_version}). Cambios de la otra persona — {detail}. "
            "Nada se sobrescribió: recargue el registro, revise los valores y vuelva a guardar."
        )


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "sí"
    if value is False:
        return "no"
    return str(value)


@dataclass(frozen=True)
class EditResult:
    entity: str
    id: object
    version: int
    changed: bool = True
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------- permissions

_ROLE_LABEL = {**ROLES, "": "sin rol"}


def _who(viewer: Viewer) -> str:
    return f"{_ROLE_LABEL.get(viewer.role, viewer.role)} ({viewer.scope_label or 'sin alcance'})"


def can_edit_anything(viewer: Viewer) -> bool:
    return viewer.known and viewer.role in ("analista_pmo", "admin", "comite_regional", "operador")


def _require_editor(viewer: Viewer, what: str) -> None:
    if not viewer.known or viewer.role not in ("analista_pmo", "admin", "comite_regional", "operador"):
        raise PermissionDenied(
            f"Su rol {_who(viewer)} no puede {what}: es de solo consulta. "
            "Si necesita editar, solicite el rol al administrador."
        )


def _require_admin(viewer: Viewer, what: str) -> None:
    if viewer.role != "admin":
        raise PermissionDenied(f"Su rol {_who(viewer)} no puede {what}: solo el administrador puede hacerlo.")


def _check_territory(s: Session, viewer: Viewer, municipality_code: str, what: str) -> None:
    """Territorial records: PMO/admin everything; comité its office's municipalities."""
    _require_editor(viewer, what)
    if viewer.role in EDIT_ALL:
        return
    if viewer.is_regional:
        office = s.scalar(
            select(Municipality.regional_office_id).where(Municipality.code == municipality_code)
        )
        if office is not None and office == viewer.regional_office_id:
            return
        raise PermissionDenied(
            f"Su rol {_who(viewer)} no puede {what} del municipio {municipality_code}: un comité regional "
            "solo edita registros de los municipios de su oficina regional."
        )
    raise PermissionDenied(
        f"Su rol {_who(viewer)} no puede {what}: un operador solo edita los valores de ANS y las "
        "entregas de servicios de sus propios contratos."
    )


def _check_contract(viewer: Viewer, contract: OperatorContract, what: str) -> None:
    """Contract records (ANS, deliveries): PMO/admin everything; operador its own contracts."""
    _require_editor(viewer, what)
    if viewer.role in EDIT_ALL:
        return
    if viewer.is_operator:
        if contract.operator_id == viewer.operator_id:
            return
        raise PermissionDenied(
            f"Su rol {_who(viewer)} no puede {what} del contrato {contract.code}: un operador solo edita "
            "sus propios contratos."
        )
    raise PermissionDenied(
        f"Su rol {_who(viewer)} no puede {what}: los valores de ANS los reporta el operador del contrato "
        "y los corrige el analista PMO."
    )


def _edit_territory_clause(viewer: Viewer, municipality_col):
    """Rows the viewer may edit on territorial forms (reads for the forms)."""
    if not viewer.known:
        return false()
    if viewer.role in EDIT_ALL:
        return true()
    if viewer.is_regional:
        return municipality_clause(viewer, municipality_col)
    return false()


def _edit_contract_clause(viewer: Viewer):
    if not viewer.known:
        return false()
    if viewer.role in EDIT_ALL:
        return true()
    if viewer.is_operator:
        return OperatorContract.operator_id == viewer.operator_id
    return false()


# ----------------------------------------------------------------- row plumbing


def _for_update(s: Session, model, *where):
    return s.execute(select(model).where(*where).with_for_update()).scalar_one_or_none()


def _jsonable(d: dict) -> dict:
    return json.loads(audit.canonical_json(d))


def _stale(
    s: Session, entity: str, entity_id, opened_version: int | None, current: dict, yours: dict
) -> StaleEdit:
    """What the other person changed: the audit trail since the opened version."""
    opened_version = opened_version or 0
    rows = s.execute(
        select(AuditLog.username, AuditLog.before, AuditLog.after)
        .where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
        .order_by(AuditLog.id)
    ).all()
    opened: dict | None = None
    by: list[str] = []
    for username, before, after in rows:
        a = json.loads(after) if after else {}
        b = json.loads(before) if before else None
        if int(a.get("version") or 0) > opened_version:
            by.append(username)
            if opened is None and b is not None and int(b.get("version") or 0) == opened_version:
                opened = b
    cur = _jsonable(current)
    mine = _jsonable(yours)
    if opened is not None:
        fields = [f for f in cur if f != "version" and cur.get(f) != opened.get(f)]
    else:
        fields = [f for f in mine if f in cur and f != "version" and cur.get(f) != mine.get(f)]
    changes = [Change(f, V.label(f), cur.get(f), mine.get(f, (opened or cur).get(f))) for f in fields]
    return StaleEdit(entity, entity_id, opened_version, int(current.get("version") or 0), changes, by)


def _audit_id(entity: str, obj):
    """The audit log's entity_id: the PN code for plans (as the tracking-matrix importer
    records them, so both trails line up), the primary key otherwise."""
    if entity == "business_plan":
        return obj.code
    return getattr(obj, type(obj).__mapper__.primary_key[0].key)


def _versioned_update(
    s: Session,
    viewer: Viewer,
    obj,
    entity: str,
    opened_version: int | None,
    changes: dict,
    action: str = "update",
) -> EditResult:
    """Write ``changes`` iff the row is still at ``opened_version``; audit it."""
    model = type(obj)
    pk_attr = model.__mapper__.primary_key[0].key
    pk = getattr(obj, pk_attr)
    audit_id = _audit_id(entity, obj)
    before = audit.row_dict(obj)
    if opened_version is None or before["version"] != opened_version:
        raise _stale(s, entity, audit_id, opened_version, before, changes)
    real = {k: v for k, v in changes.items() if before.get(k) != v}
    if not real:
        return EditResult(entity, pk, before["version"], changed=False)
    res = s.execute(
        update(model)
        .where(getattr(model, pk_attr) == pk, model.version == opened_version)
        .values(**real, version=opened_version + 1)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # changed under us (cannot happen with the row lock; kept as the guard)
        s.expire(obj)
        raise _stale(s, entity, audit_id, opened_version, audit.row_dict(obj), changes)
    after = {**before, **real, "version": opened_version + 1}
    s.expire(obj)
    audit.record(s, viewer.username, entity, audit_id, action, before, after)
    return EditResult(entity, pk, opened_version + 1)


def _insert(s: Session, viewer: Viewer, obj, entity: str, action: str = "create") -> EditResult:
    if hasattr(obj, "version"):
        obj.version = 1
    s.add(obj)
    s.flush()
    after = audit.row_dict(obj)
    pk = getattr(obj, type(obj).__mapper__.primary_key[0].key)
    audit.record(s, viewer.username, entity, pk, action, None, after)
    return EditResult(entity, pk, after.get("version") or 0)


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _date(value) -> dt.date | None:
    try:
        return V.parse_date(value)
    except (ValueError, TypeError):
        return None


def _known(s: Session, code) -> set[str]:
    if not code:
        return set()
    found = s.scalar(select(Municipality.code).where(Municipality.code == str(code).strip()))
    return {found} if found else set()


# ================================================================ business plans


def _plan_for_update(s: Session, plan_id: int) -> BusinessPlan:
    plan = _for_update(s, BusinessPlan, BusinessPlan.id == plan_id)
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
    with session_scope(url, write=True) as s:
        plan = _plan_for_update(s, plan_id)
        _check_territory(s, viewer, plan.municipality_code, "editar las fechas del plan de negocio")
        data = {"first_disbursement_date": first_disbursement_date, "closure_date": closure_date}
        if plan.version != opened_version:
            raise _stale(
                s,
                "business_plan",
                plan.code,
                opened_version,
                audit.row_dict(plan),
                {k: _date(v) for k, v in data.items()},
            )
        _raise_if(V.validate_pn_dates(data))
        changes = {k: _date(v) for k, v in data.items()}
        # evidence must not start after the plan closed
        result = _versioned_update(s, viewer, plan, "business_plan", opened_version, changes)
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
        "start_date": _date(clean["start_date"]),
        "end_date": _date(clean["end_date"]),
        "document_ref": clean["document_ref"][:200],
    }


def add_evidence(viewer: Viewer, plan_id: int, data: dict, url: str | None = None) -> EditResult:
    """Add a contrato / factura / crédito to a PN."""
    with session_scope(url, write=True) as s:
        plan = _plan_for_update(s, plan_id)
        _check_territory(s, viewer, plan.municipality_code, "registrar evidencias de alianza")
        clean = _evidence_data(data)
        _raise_if(V.validate_evidence(clean))
        ev = AllianceEvidence(business_plan_id=plan.id, voided=False, **_evidence_columns(clean))
        result = _insert(s, viewer, ev, "alliance_evidence")
        versions.bump(s, "business_plans")
        return result


def _evidence_for_update(s: Session, evidence_id: int) -> tuple[AllianceEvidence, BusinessPlan]:
    ev = _for_update(s, AllianceEvidence, AllianceEvidence.id == evidence_id)
    if ev is None:
        raise NotFound(f"La evidencia {evidence_id} no existe; recargue la lista de evidencias.")
    plan = s.get(BusinessPlan, ev.business_plan_id)
    return ev, plan


def correct_evidence(
    viewer: Viewer, evidence_id: int, opened_version: int, data: dict, url: str | None = None
) -> EditResult:
    with session_scope(url, write=True) as s:
        ev, plan = _evidence_for_update(s, evidence_id)
        _check_territory(s, viewer, plan.municipality_code, "corregir evidencias de alianza")
        clean = _evidence_data(data)
        cols = _evidence_columns(clean) if not V.validate_evidence(clean) else clean
        if ev.version != opened_version:
            raise _stale(s, "alliance_evidence", ev.id, opened_version, audit.row_dict(ev), cols)
        if ev.voided:
            raise ValidationFailed(
                [
                    FieldError(
                        "voided", "Evidencia anulada: no se puede corregir; registre una evidencia nueva."
                    )
                ]
            )
        _raise_if(V.validate_evidence(clean))
        result = _versioned_update(s, viewer, ev, "alliance_evidence", opened_version, cols)
        if result.changed:
            versions.bump(s, "business_plans")
        return result


def void_evidence(
    viewer: Viewer, evidence_id: int, opened_version: int, url: str | None = None
) -> EditResult:
    with session_scope(url, write=True) as s:
        ev, plan = _evidence_for_update(s, evidence_id)
        _check_territory(s, viewer, plan.municipality_code, "anular evidencias de alianza")
        if ev.version != opened_version:
            raise _stale(s, "alliance_evidence", ev.id, opened_version, audit.row_dict(ev), {"voided": True})
        if ev.voided:
            raise ValidationFailed(
                [FieldError("voided", "Evidencia: ya está anulada; no hay nada que anular.")]
            )
        result = _versioned_update(
            s, viewer, ev, "alliance_evidence", opened_version, {"voided": True}, action="void"
        )
        versions.bump(s, "business_plans")
        return result


# ============================================================ stage transitions


def _last_event(s: Session, enrolment_id: int) -> StageEvent | None:
    return s.scalars(
        select(StageEvent)
        .where(StageEvent.enrolment_id == enrolment_id)
        .order_by(StageEvent.event_date.desc(), StageEvent.id.desc())
        .limit(1)
    ).first()


def record_stage(
    viewer: Viewer,
    enrolment_id: int,
    opened_version: int,
    stage: str,
    outcome: str | None,
    event_date,
    note: str = "",
    url: str | None = None,
) -> EditResult:
    """Advance a household or OPR enrolment along its route's allowed transitions.

    Adds the stage event and keeps the enrolment summary consistent: current_stage,
    furthest_stage_order, status (activo / finalizado / salido), exit_outcome, exit_date.
    """
    with session_scope(url, write=True) as s:
        enr = _for_update(s, Enrolment, Enrolment.id == enrolment_id)
        if enr is None:
            raise NotFound(f"La inscripción {enrolment_id} no existe; búsquela de nuevo.")
        _check_territory(s, viewer, enr.municipality_code, "registrar cambios de etapa")
        outcome = outcome or None
        day = _date(event_date)
        if enr.version != opened_version:
            raise _stale(
                s, "enrolment", enr.id, opened_version, audit.row_dict(enr), {"current_stage": stage}
            )
        last = _last_event(s, enr.id)
        last_outcome = last.outcome if last is not None and last.stage == enr.current_stage else None
        errors = V.validate_stage_transition(
            enr.route,
            enr.current_stage,
            last_outcome,
            {"stage": stage, "outcome": outcome, "event_date": event_date},
            last_event_date=last.event_date if last is not None else None,
        )
        if enr.status != "activo" and not errors:
            errors.append(
                FieldError(
                    "stage", "Etapa: la inscripción ya terminó (salida registrada); no admite más etapas."
                )
            )
        if day is not None and day < enr.entry_date and not errors:
            errors.append(
                FieldError(
                    "event_date",
                    f"Fecha del evento: es anterior al ingreso a la ruta "
                    f"({enr.entry_date.isoformat()}); corrija la fecha.",
                )
            )
        _raise_if(errors)
        model = route_model(enr.route)
        ev = StageEvent(
            enrolment_id=enr.id,
            stage=stage,
            event_date=day,
            outcome=outcome,
            registered_on=today(),
            registered_by=viewer.username[:60],
            note=(note or "").strip(),
        )
        # furthest_stage_order: furthest stage reached other than salida (the exit marker)
        furthest = enr.furthest_stage_order or 0
        if stage != SALIDA:
            furthest = max(furthest, model.order(stage))
        changes: dict = {"current_stage": stage, "furthest_stage_order": furthest}
        if stage == SALIDA:
            changes.update(
                status="finalizado" if outcome in COMPLETED_EXITS else "salido",
                exit_outcome=outcome,
                exit_date=day,
            )
        result = _versioned_update(s, viewer, enr, "enrolment", opened_version, changes, action="stage")
        _insert(s, viewer, ev, "stage_event")
        versions.bump(s, "participants", "sla")
        return result


def add_service_delivery(
    viewer: Viewer,
    enrolment_id: int,
    contract_id: int,
    service_type_code: str,
    delivery_date,
    url: str | None = None,
) -> EditResult:
    """A service delivered under a contract (operators: own contracts only)."""
    with session_scope(url, write=True) as s:
        contract = _for_update(s, OperatorContract, OperatorContract.id == contract_id)
        if contract is None:
            raise NotFound(f"El contrato {contract_id} no existe; elíjalo de la lista.")
        _check_contract(viewer, contract, "registrar entregas de servicios")
        enr = s.get(Enrolment, enrolment_id)
        errors: list[FieldError] = []
        if enr is None:
            errors.append(
                FieldError("enrolment_id", f"Inscripción {enrolment_id}: no existe; búsquela de nuevo.")
            )
        elif enr.route != contract.route:
            errors.append(
                FieldError(
                    "contract_id",
                    f"Contrato: {contract.code} es de la ruta {contract.route} y la "
                    f"inscripción de la ruta {enr.route}; elija el contrato correcto.",
                )
            )
        elif enr.contract_id != contract.id:
            errors.append(
                FieldError(
                    "enrolment_id",
                    f"Inscripción {enrolment_id}: no es un participante del contrato {contract.code}; "
                    "elija un participante de la lista del contrato.",
                )
            )
        if s.get(ServiceType, service_type_code) is None:
            errors.append(
                FieldError(
                    "service_type_code", f"Servicio: «{service_type_code}» no existe; elíjalo de la lista."
                )
            )
        elif service_type_code not in _provided_services(s, contract.id, contract.route):
            errors.append(
                FieldError(
                    "service_type_code",
                    f"Servicio: «{service_type_code}» no es un servicio del contrato {contract.code}; "
                    "elija uno de los servicios del contrato.",
                )
            )
        d = V._dates(
            {"delivery_date": delivery_date}, ("delivery_date",), errors, required=("delivery_date",)
        )
        day = d["delivery_date"]
        ours = enr is not None and enr.contract_id == contract.id
        if day:
            stay = (enr.entry_date, enr.exit_date) if ours else (None, None)
            errors += V.delivery_date_errors(day, contract.start_date, contract.end_date, *stay)
        if day and ours:
            same = s.scalar(
                select(ServiceDelivery.id).where(
                    ServiceDelivery.enrolment_id == enr.id,
                    ServiceDelivery.service_type_code == service_type_code,
                    ServiceDelivery.delivery_date == day,
                ).limit(1)
            )
            if same is not None:
                errors.append(
                    FieldError(
                        "delivery_date",
                        f"Fecha de entrega: esta entrega ya está registrada (registro #{same}, mismo "
                        "servicio y fecha); no la registre dos veces.",
                    )
                )
        _raise_if(errors)
        row = ServiceDelivery(
            enrolment_id=enr.id,
            service_type_code=service_type_code,
            operator_id=contract.operator_id,
            contract_id=contract.id,
            municipality_code=enr.municipality_code,
            delivery_date=d["delivery_date"],
            registered_on=today(),
        )
        result = _insert(s, viewer, row, "service_delivery")
        versions.bump(s, "participants", "sla")
        return result


# ========================================================================== ANS


def report_sla(
    viewer: Viewer,
    contract_id: int,
    definition_id: int,
    quarter: str,
    value,
    evidence_ref: str = "",
    opened_version: int | None = None,
    url: str | None = None,
) -> EditResult:
    """Upsert an ANS reported value and its evidence for one contract and quarter.

    ``opened_version`` is the measurement's version when the form was opened, or
    None when there was no value yet (a value created meanwhile is a stale edit).
    """
    quarter = (quarter or "").strip().upper()
    with session_scope(url, write=True) as s:
        contract = _for_update(s, OperatorContract, OperatorContract.id == contract_id)
        if contract is None:
            raise NotFound(f"El contrato {contract_id} no existe; elíjalo de la lista.")
        _check_contract(viewer, contract, "reportar valores de ANS")
        definition = s.get(SlaDefinition, definition_id)
        if definition is None:
            raise NotFound(f"El indicador de ANS {definition_id} no existe; elíjalo de la lista.")
        m = _for_update(
            s,
            SlaMeasurement,
            SlaMeasurement.definition_id == definition.id,
            SlaMeasurement.contract_id == contract.id,
            SlaMeasurement.quarter == quarter,
        )
        number = None
        try:
            number = None if V._blank(value) else float(value)
        except (TypeError, ValueError):
            pass
        wanted = {
            "value": number if number is not None else value,
            "evidence_ref": (evidence_ref or "").strip(),
        }
        if m is not None and m.version != opened_version:
            raise _stale(s, "sla_measurement", m.id, opened_version, audit.row_dict(m), wanted)
        errors = V.validate_sla_measurement(
            {"quarter": quarter, "value": value, "evidence_ref": evidence_ref}, definition.unit
        )
        if definition.kind != "reported":
            errors.append(
                FieldError(
                    "definition_id",
                    f"Indicador: «{definition.name}» se calcula desde los "
                    "registros (derivado); no se reporta a mano.",
                )
            )
        if definition.route != contract.route:
            errors.append(
                FieldError(
                    "definition_id",
                    f"Indicador: «{definition.name}» es de la ruta "
                    f"{definition.route} y el contrato {contract.code} de la "
                    f"ruta {contract.route}; elija un indicador de su ruta.",
                )
            )
        if not errors:
            from rules.core.formatting import quarter_end

            if quarter_end(quarter) < contract.start_date or (
                contract.end_date and quarter_end(quarter) > contract.end_date + dt.timedelta(days=92)
            ):
                errors.append(
                    FieldError(
                        "quarter",
                        f"Trimestre: {quarter} está fuera de la vigencia del contrato "
                        f"{contract.code}; elija un trimestre de su ejecución.",
                    )
                )
        _raise_if(errors)
        cols = {
            "value": number,
            "evidence_ref": (evidence_ref or "").strip()[:300],
            "reported_by": viewer.username[:60],
            "reported_on": today(),
        }
        if m is None:
            result = _insert(
                s,
                viewer,
                SlaMeasurement(definition_id=definition.id, contract_id=contract.id, quarter=quarter, **cols),
                "sla_measurement",
            )
        else:
            if m.value == number and m.evidence_ref == cols["evidence_ref"]:
                return EditResult("sla_measurement", m.id, m.version, changed=False)
            result = _versioned_update(s, viewer, m, "sla_measurement", opened_version, cols)
        versions.bump(s, "sla")
        return result


# ===================================================================== targeting


def set_targeting(
    viewer: Viewer,
    municipality_code: str,
    year,
    prioritised: bool,
    target_population,
    opened_version: int | None = None,
    url: str | None = None,
) -> EditResult:
    """Upsert the targeting (prioritised flag, target population) of a municipality and year."""
    with session_scope(url, write=True) as s:
        muni = _for_update(s, Municipality, Municipality.code == str(municipality_code or "").strip())
        if muni is None:
            _require_editor(viewer, "editar la focalización")
            raise ValidationFailed(V.validate_municipality(municipality_code, set()))
        _check_territory(s, viewer, muni.code, "editar la focalización")
        data = {
            "municipality_code": muni.code,
            "year": year,
            "prioritised": prioritised,
            "target_population": target_population,
        }
        errors = V.validate_targeting(data, {muni.code})
        y = int(year) if not any(e.field == "year" for e in errors) else None
        row = None
        if y is not None:
            row = _for_update(s, Targeting, Targeting.municipality_code == muni.code, Targeting.year == y)
        wanted = {"prioritised": bool(prioritised), "target_population": target_population}
        if row is not None and row.version != opened_version:
            raise _stale(s, "targeting", row.id, opened_version, audit.row_dict(row), wanted)
        _raise_if(errors)
        cols = {"prioritised": bool(prioritised), "target_population": int(float(target_population or 0))}
        if row is None:
            result = _insert(s, viewer, Targeting(municipality_code=muni.code, year=y, **cols), "targeting")
        else:
            result = _versioned_update(s, viewer, row, "targeting", opened_version, cols)
            if not result.changed:
                return result
        versions.bump(s, "targeting")
        return result


# ================================================================ territorial alerts


_ALERT_FIELDS = ("category", "severity", "status", "description", "opened_on", "closed_on")


def open_alert(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    with session_scope(url, write=True) as s:
        code = str(data.get("municipality_code") or "").strip()
        known = _known(s, code)
        if known:
            _check_territory(s, viewer, code, "abrir alertas territoriales")
        else:
            _require_editor(viewer, "abrir alertas territoriales")
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
        _raise_if(errors)
        row = TerritorialAlert(
            municipality_code=code,
            category=clean["category"],
            severity=clean["severity"],
            status=clean["status"],
            description=clean["description"],
            opened_on=_date(clean["opened_on"]),
            closed_on=_date(clean.get("closed_on")),
        )
        result = _insert(s, viewer, row, "territorial_alert")
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
    with session_scope(url, write=True) as s:
        row = _for_update(s, TerritorialAlert, TerritorialAlert.id == alert_id)
        if row is None:
            raise NotFound(f"La alerta {alert_id} no existe; recargue la lista de alertas.")
        _check_territory(s, viewer, row.municipality_code, "editar alertas territoriales")
        current = audit.row_dict(row)
        merged = {k: (data[k] if k in data else current[k]) for k in _ALERT_FIELDS}
        merged["description"] = (merged.get("description") or "").strip()
        cols = {
            k: (_date(merged[k]) if k in ("opened_on", "closed_on") else merged[k]) for k in _ALERT_FIELDS
        }
        if row.version != opened_version:
            raise _stale(s, "territorial_alert", row.id, opened_version, current, cols)
        _raise_if(V.validate_alert(merged, set()))
        result = _versioned_update(s, viewer, row, "territorial_alert", opened_version, cols, action=action)
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


# ======================================================================== admin


def set_municipality_office(
    viewer: Viewer, municipality_code: str, office_id: int | None, opened_version: int, url: str | None = None
) -> EditResult:
    """Municipality → oficina regional mapping (admin); bumps 'reference'."""
    with session_scope(url, write=True) as s:
        _require_admin(viewer, "cambiar la oficina regional de un municipio")
        muni = _for_update(s, Municipality, Municipality.code == municipality_code)
        if muni is None:
            raise ValidationFailed(V.validate_municipality(municipality_code, set()))
        if muni.version != opened_version:
            raise _stale(
                s,
                "municipality",
                muni.code,
                opened_version,
                audit.row_dict(muni),
                {"regional_office_id": office_id},
            )
        if office_id is not None and s.get(RegionalOffice, office_id) is None:
            raise ValidationFailed(
                [FieldError("regional_office_id", "Oficina regional: no existe; elíjala de la lista.")]
            )
        result = _versioned_update(
            s, viewer, muni, "municipality", opened_version, {"regional_office_id": office_id}
        )
        if result.changed:
            versions.bump(s, "reference")
        return result


def _user_dict(user: AppUser) -> dict:
    d = audit.row_dict(user)
    d["password_hash"] = "(definida)" if d.get("password_hash") else None  # never log hashes
    return d


def create_user(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    """Create an account with role and scope (admin). ``extra['password']`` is set when
    a password was generated (no password given and ``generate_password`` true)."""
    from data_access.core.auth import hash_password, new_password

    _require_admin(viewer, "crear usuarios")
    clean = {
        "username": str(data.get("username") or "").strip().lower(),
        "display_name": str(data.get("display_name") or "").strip(),
        "email": (str(data.get("email") or "").strip() or None),
        "role": data.get("role"),
        "regional_office_id": data.get("regional_office_id") or None,
        "operator_id": data.get("operator_id") or None,
        "password": data.get("password") or None,
    }
    generated = None
    if not clean["password"] and data.get("generate_password"):
        generated = clean["password"] = new_password() + new_password()[:2]
    with session_scope(url, write=True) as s:
        errors = V.validate_user(clean)
        if s.scalar(select(AppUser.id).where(AppUser.username == clean["username"])) is not None:
            errors.append(
                FieldError("username", f"Usuario: «{clean['username']}» ya existe; elija otro nombre.")
            )
        if clean["email"] and s.scalar(
            select(AppUser.id).where(func.lower(AppUser.email) == clean["email"].lower())
        ):
            errors.append(
                FieldError("email", f"Correo electrónico: «{clean['email']}» ya está asociado a otra cuenta.")
            )
        if (
            clean["regional_office_id"] is not None
            and s.get(RegionalOffice, clean["regional_office_id"]) is None
        ):
            errors.append(
                FieldError("regional_office_id", "Oficina regional: no existe; elíjala de la lista.")
            )
        if clean["operator_id"] is not None and s.get(Operator, clean["operator_id"]) is None:
            errors.append(FieldError("operator_id", "Operador: no existe; elíjalo de la lista."))
        _raise_if(errors)
        role = clean["role"]
        user = AppUser(
            username=clean["username"],
            display_name=clean["display_name"] or clean["username"],
            email=clean["email"],
            role=role,
            regional_office_id=clean["regional_office_id"] if role == "comite_regional" else None,
            operator_id=clean["operator_id"] if role == "operador" else None,
            password_hash=hash_password(clean["password"]) if clean["password"] else None,
            active=True,
        )
        s.add(user)
        s.flush()
        audit.record(s, viewer.username, "app_user", user.username, "create", None, _user_dict(user))
        versions.bump(s, "reference")
        return EditResult("app_user", user.id, 0, extra={"password": generated} if generated else {})


def set_password(viewer: Viewer, username: str, password: str, url: str | None = None) -> EditResult:
    from data_access.core.auth import hash_password

    _require_admin(viewer, "cambiar contraseñas")
    _raise_if(
        [
            e
            for e in V.validate_user({"username": "x" * 3, "role": "admin", "password": password})
            if e.field == "password"
        ]
        or (
            [FieldError("password", "Contraseña: es obligatoria; escriba al menos 10 caracteres.")]
            if not password
            else []
        )
    )
    with session_scope(url, write=True) as s:
        user = _for_update(s, AppUser, AppUser.username == username)
        if user is None:
            raise NotFound(f"El usuario «{username}» no existe; revise el nombre (tablero users list).")
        before = _user_dict(user)
        user.password_hash = hash_password(password)
        s.flush()
        after = {**before, "password_hash": "(cambiada)"}
        audit.record(s, viewer.username, "app_user", user.username, "set_password", before, after)
        return EditResult("app_user", user.id, 0)


def set_user_active(viewer: Viewer, username: str, active: bool, url: str | None = None) -> EditResult:
    _require_admin(viewer, "activar o desactivar usuarios")
    with session_scope(url, write=True) as s:
        user = _for_update(s, AppUser, AppUser.username == username)
        if user is None:
            raise NotFound(f"El usuario «{username}» no existe; revise el nombre.")
        if user.username == viewer.username and not active:
            raise ValidationFailed([FieldError("active", "Activo: no puede desactivar su propia cuenta.")])
        before = _user_dict(user)
        if user.active == active:
            return EditResult("app_user", user.id, 0, changed=False)
        user.active = active
        s.flush()
        audit.record(
            s,
            viewer.username,
            "app_user",
            user.username,
            "activate" if active else "deactivate",
            before,
            _user_dict(user),
        )
        versions.bump(s, "reference")
        return EditResult("app_user", user.id, 0)


# ================================================================ reads for forms


def _rows(stmt, url: str | None) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


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
        .where(_edit_territory_clause(viewer, BusinessPlan.municipality_code))
        .order_by(BusinessPlan.code)
        .limit(limit)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(BusinessPlan.municipality_code))
    if search:
        like = f"%{search.strip()}%"
        stmt = stmt.where(or_(BusinessPlan.code.ilike(like), Opr.name.ilike(like), Opr.nit.ilike(like)))
    return _rows(stmt, url)


def business_plan(viewer: Viewer, plan_id: int, url: str | None = None) -> dict | None:
    rows = _rows(
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
        .where(BusinessPlan.id == plan_id, _edit_territory_clause(viewer, BusinessPlan.municipality_code)),
        url,
    )
    return rows[0] if rows else None


def plan_evidence(viewer: Viewer, plan_id: int, url: str | None = None) -> list[dict]:
    return _rows(
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
            _edit_territory_clause(viewer, BusinessPlan.municipality_code),
        )
        .order_by(AllianceEvidence.start_date, AllianceEvidence.id),
        url,
    )


def find_enrolments(
    viewer: Viewer, search: str = "", territory=None, limit: int = 100, url: str | None = None
) -> list[dict]:
    """Active enrolments the viewer may move: by household code, OPR name/NIT or id."""
    stmt = _participants(search, limit, Enrolment.current_stage, Enrolment.version).where(
        _edit_territory_clause(viewer, Enrolment.municipality_code)
    )
    if territory is not None:
        stmt = stmt.where(
            territory.territory_clause(Enrolment.municipality_code), territory.route_clause(Enrolment.route)
        )
    return _rows(stmt, url)


def _participants(search: str, limit: int, *extra):
    """Enrolments as the forms list them — id, household code or OPR name (no personal data),
    route, status, municipality, plus ``extra`` columns — narrowed to a search: part of a
    household code or OPR name, the start of an OPR NIT, or the enrolment id (``#12``/``12``).
    The caller adds the scope clause."""
    stmt = (
        select(
            Enrolment.id,
            Enrolment.participant_kind,
            Household.code.label("household"),
            Opr.name.label("opr"),
            Enrolment.route,
            Enrolment.status,
            Enrolment.municipality_code,
            Municipality.name.label("municipality"),
            *extra,
        )
        .outerjoin(Household, Household.id == Enrolment.household_id)
        .outerjoin(Opr, Opr.id == Enrolment.opr_id)
        .join(Municipality, Municipality.code == Enrolment.municipality_code)
        .order_by(Enrolment.id)
        .limit(limit)
    )
    text = (search or "").strip()
    if not text:
        return stmt
    like = f"%{text}%"
    conds = [Household.code.ilike(like), Opr.name.ilike(like), Opr.nit.like(f"{text}%")]
    if text.lstrip("#").isdigit():
        conds.append(Enrolment.id == int(text.lstrip("#")))
    return stmt.where(or_(*conds))


def enrolment_detail(viewer: Viewer, enrolment_id: int, url: str | None = None) -> dict | None:
    head = _rows(
        select(
            Enrolment.id,
            Enrolment.participant_kind,
            Enrolment.route,
            Enrolment.current_stage,
            Enrolment.status,
            Enrolment.exit_outcome,
            Enrolment.exit_date,
            Enrolment.entry_date,
            Enrolment.municipality_code,
            Enrolment.furthest_stage_order,
            Enrolment.version,
            Household.code.label("household"),
            Opr.name.label("opr"),
        )
        .outerjoin(Household, Household.id == Enrolment.household_id)
        .outerjoin(Opr, Opr.id == Enrolment.opr_id)
        .where(Enrolment.id == enrolment_id, _edit_territory_clause(viewer, Enrolment.municipality_code)),
        url,
    )
    if not head:
        return None
    d = head[0]
    d["history"] = _rows(
        select(
            StageEvent.id,
            StageEvent.stage,
            StageEvent.outcome,
            StageEvent.event_date,
            StageEvent.registered_by,
        )
        .where(StageEvent.enrolment_id == enrolment_id)
        .order_by(StageEvent.event_date, StageEvent.id),
        url,
    )
    last = d["history"][-1] if d["history"] else None
    last_outcome = last["outcome"] if last and last["stage"] == d["current_stage"] else None
    d["last_event_date"] = last["event_date"] if last else None
    d["allowed_next"] = (
        list(allowed_next(d["route"], d["current_stage"], last_outcome)) if d["status"] == "activo" else []
    )
    return d


def sla_contracts(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Contracts whose ANS values the viewer may report."""
    return _rows(
        select(
            OperatorContract.id,
            OperatorContract.code,
            OperatorContract.route,
            Operator.name.label("operator"),
            OperatorContract.start_date,
            OperatorContract.end_date,
        )
        .join(Operator, Operator.id == OperatorContract.operator_id)
        .where(_edit_contract_clause(viewer))
        .order_by(OperatorContract.code),
        url,
    )


def sla_reported_definitions(route: str, url: str | None = None) -> list[dict]:
    """Reported (not derived) ANS indicators of a route — catalogue, not programme data."""
    return _rows(
        select(
            SlaDefinition.id,
            SlaDefinition.code,
            SlaDefinition.name,
            SlaDefinition.unit,
            SlaDefinition.target,
            SlaDefinition.direction,
        )
        .where(SlaDefinition.route == route, SlaDefinition.kind == "reported")
        .order_by(SlaDefinition.code),
        url,
    )


def sla_values(viewer: Viewer, contract_id: int, quarter: str, url: str | None = None) -> list[dict]:
    """One row per reported indicator of the contract's route, with the quarter's value."""
    m = (
        select(SlaMeasurement)
        .where(SlaMeasurement.contract_id == contract_id, SlaMeasurement.quarter == quarter)
        .subquery()
    )
    return _rows(
        select(
            SlaDefinition.id.label("definition_id"),
            SlaDefinition.code,
            SlaDefinition.name,
            SlaDefinition.unit,
            SlaDefinition.target,
            m.c.value,
            m.c.evidence_ref,
            m.c.reported_by,
            m.c.reported_on,
            m.c.version,
        )
        .select_from(OperatorContract)
        .join(
            SlaDefinition,
            and_(SlaDefinition.route == OperatorContract.route, SlaDefinition.kind == "reported"),
        )
        .outerjoin(m, m.c.definition_id == SlaDefinition.id)
        .where(OperatorContract.id == contract_id, _edit_contract_clause(viewer))
        .order_by(SlaDefinition.code),
        url,
    )


def delivery_contracts(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Contracts the viewer may register service deliveries for (the same as for ANS:
    operador its own, analista PMO and admin any; everyone else none)."""
    return sla_contracts(viewer, url=url)


def _provided_services(conn, contract_id: int, route: str) -> set[str]:
    """Service codes a contract provides: listed in ``contract_service``, else all of its route."""
    listed = conn.scalars(
        select(ContractService.service_type_code).where(ContractService.contract_id == contract_id)
    ).all()
    return set(listed) if listed else set(services_for_route(route))


def contract_services(viewer: Viewer, contract_id: int, url: str | None = None) -> list[dict]:
    """Service types a contract provides (code, name), in catalogue order: those listed in
    ``contract_service``, or every service of its route when none is listed (básica four,
    the other routes all eight; ``rules.core.catalog.services_for_route``). Empty when the
    viewer may not register deliveries for the contract."""
    with get_engine(url).connect() as conn:
        route = conn.scalar(
            select(OperatorContract.route).where(
                OperatorContract.id == contract_id, _edit_contract_clause(viewer)
            )
        )
        if route is None:
            return []
        codes = _provided_services(conn, contract_id, route)
        rows = conn.execute(
            select(ServiceType.code, ServiceType.name).where(ServiceType.code.in_(sorted(codes)))
        ).all()
    order = {code: i for i, code in enumerate(SERVICE_TYPES)}
    return sorted(
        ({"code": r.code, "name": r.name} for r in rows), key=lambda r: (order.get(r["code"], 99), r["code"])
    )


def contract_enrolments(
    viewer: Viewer, contract_id: int, search: str = "", limit: int = 100, url: str | None = None
) -> list[dict]:
    """Enrolments (participants) of one contract the viewer may register deliveries for,
    by household code, OPR name or enrolment id. No personal data: the household is
    named by its code only."""
    stmt = (
        _participants(search, limit, Enrolment.entry_date)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(Enrolment.contract_id == contract_id, _edit_contract_clause(viewer))
    )
    return _rows(stmt, url)


def enrolment_deliveries(
    viewer: Viewer, contract_id: int, enrolment_id: int, url: str | None = None
) -> list[dict]:
    """Deliveries already registered for one enrolment under one contract, newest first."""
    return _rows(
        select(
            ServiceDelivery.id,
            ServiceDelivery.service_type_code,
            ServiceType.name.label("service"),
            ServiceDelivery.delivery_date,
            ServiceDelivery.registered_on,
        )
        .join(OperatorContract, OperatorContract.id == ServiceDelivery.contract_id)
        .join(ServiceType, ServiceType.code == ServiceDelivery.service_type_code)
        .where(
            ServiceDelivery.enrolment_id == enrolment_id,
            ServiceDelivery.contract_id == contract_id,
            _edit_contract_clause(viewer),
        )
        .order_by(ServiceDelivery.delivery_date.desc(), ServiceDelivery.id.desc()),
        url,
    )


def targeting_rows(
    viewer: Viewer, year: int, territory=None, limit: int = 2000, url: str | None = None
) -> list[dict]:
    t = select(Targeting).where(Targeting.year == year).subquery()
    stmt = (
        select(
            Municipality.code.label("municipality_code"),
            Municipality.name.label("municipality"),
            Municipality.department_code,
            t.c.prioritised,
            t.c.target_population,
            t.c.total_score,
            t.c.version,
        )
        .outerjoin(t, t.c.municipality_code == Municipality.code)
        .where(_edit_territory_clause(viewer, Municipality.code))
        .order_by(Municipality.department_code, Municipality.name)
        .limit(limit)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Municipality.code))
    return _rows(stmt, url)


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
        .where(_edit_territory_clause(viewer, TerritorialAlert.municipality_code))
        .order_by(TerritorialAlert.opened_on.desc(), TerritorialAlert.id.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(TerritorialAlert.status == status)
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(TerritorialAlert.municipality_code))
    return _rows(stmt, url)


def editable_municipalities(viewer: Viewer, territory=None, url: str | None = None) -> list[dict]:
    stmt = (
        select(Municipality.code, Municipality.name, Municipality.department_code)
        .where(_edit_territory_clause(viewer, Municipality.code))
        .order_by(Municipality.name)
    )
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(Municipality.code))
    return _rows(stmt, url)


# ------------------------------------------------------------------ admin reads


def users(viewer: Viewer, url: str | None = None) -> list[dict]:
    if viewer.role != "admin":
        return []
    return _rows(
        select(
            AppUser.id,
            AppUser.username,
            AppUser.display_name,
            AppUser.email,
            AppUser.role,
            RegionalOffice.name.label("office"),
            Operator.name.label("operator"),
            AppUser.active,
            (AppUser.password_hash.is_not(None)).label("local_password"),
        )
        .outerjoin(RegionalOffice, RegionalOffice.id == AppUser.regional_office_id)
        .outerjoin(Operator, Operator.id == AppUser.operator_id)
        .order_by(AppUser.username),
        url,
    )


def offices_all(url: str | None = None) -> list[dict]:
    """Oficinas regionales (reference catalogue)."""
    return _rows(
        select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name).order_by(RegionalOffice.name), url
    )


def operators_all(url: str | None = None) -> list[dict]:
    return _rows(select(Operator.id, Operator.code, Operator.name).order_by(Operator.name), url)


def municipality_offices(
    viewer: Viewer, department_code: str | None = None, url: str | None = None
) -> list[dict]:
    if viewer.role != "admin":
        return []
    stmt = select(
        Municipality.code,
        Municipality.name,
        Municipality.department_code,
        Municipality.regional_office_id,
        Municipality.version,
    ).order_by(Municipality.department_code, Municipality.name)
    if department_code:
        stmt = stmt.where(Municipality.department_code == department_code)
    return _rows(stmt, url)
