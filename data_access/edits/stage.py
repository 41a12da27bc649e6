"""Stage transitions: a household or OPR enrolment moves along its route's allowed stages."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import Enrolment, Household, OperatorContract, Opr, StageEvent
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    PermissionDenied,
    as_date,
    check_territory,
    edit_territory_clause,
    fetch_rows,
    for_update,
    insert,
    participants_stmt,
    raise_if,
    require_editor,
    stale,
    versioned_update,
    who,
    write_session,
)
from data_access.routes import exits, promotion
from rules import access
from rules.access import EDIT_STAGE, Reach
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError
from rules.routes.model import SALIDA, allowed_exit_outcomes, allowed_next, promotion_target, route_model
from rules.routes.progress import Progress, advance


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
    *,
    promote: bool = False,
    capacities: dict | None = None,
) -> EditResult:
    """Advance a household or OPR enrolment along its route's allowed transitions.

    Adds the stage event and keeps the enrolment summary consistent: current_stage,
    furthest_stage_order, status (activo / finalizado / salido), exit_outcome, exit_date.
    A «salida» seals the exit record (``data_access.routes.exits.seal_exit``, with the
    ``capacities`` assessed); with ``promote``, a completed exit also creates the next
    route's enrolment (``data_access.routes.promotion``) — all in one transaction.
    """
    with write_session(viewer, url) as s:
        enr = for_update(s, Enrolment, Enrolment.id == enrolment_id)
        if enr is None:
            raise NotFound(f"La inscripción {enrolment_id} no existe; búsquela de nuevo.")
        check_enrolment(s, viewer, enr)
        outcome = outcome or None
        day = as_date(event_date)
        if enr.version != opened_version:
            raise stale(
                s, "enrolment", enr.id, opened_version, audit.row_dict(enr), {"current_stage": stage}
            )
        errors = _transition_errors(s, enr, stage, outcome, event_date, day, note)
        target = None
        if promote and not errors:
            if stage != SALIDA:
                errors.append(FieldError("promote", "Promoción: solo se promueve al registrar la salida graduada; "
                                                    "desmarque «promover» o elija la etapa «Salida»."))
            else:
                try:
                    target = promotion.plan(s, enr, outcome, day, lock=True)
                except promotion.PromotionRefused as exc:
                    errors.append(FieldError("promote", str(exc)))
        raise_if(errors)
        ev = StageEvent(
            enrolment_id=enr.id,
            stage=stage,
            event_date=day,
            outcome=outcome,
            registered_on=today(),
            registered_by=viewer.username[:60],
            note=(note or "").strip(),
        )
        now = Progress(enr.current_stage, enr.furthest_stage_order or 0, enr.status, enr.exit_outcome, enr.exit_date)
        changes = advance(enr.route, now, stage, outcome, day).as_dict()
        result = versioned_update(s, viewer, enr, "enrolment", opened_version, changes, action="stage")
        insert(s, viewer, ev, "stage_event")
        if stage == SALIDA:
            try:
                exits.seal_exit(s, enr, by=viewer.username, capacities=capacities)
            except ValueError as exc:
                raise_if([FieldError("capacities", str(exc))])
        if target is not None:
            new = promotion.create(s, target, by=viewer.username, registered_on=today())
            audit.record(s, viewer.username, "enrolment", new.id, "promote", None, audit.row_dict(new))
        versions.bump(s, "participants", "sla")
        return result


def check_enrolment(s: Session, viewer: Viewer, enr: Enrolment) -> None:
    """Stage events are territorial records that an operador also keeps for the participants of
    its own contracts (§4.2 c: the plan "será validado respecto a su viabilidad por el operador")."""
    what = "registrar cambios de etapa"
    if access.reach(viewer, EDIT_STAGE) is not Reach.CONTRACTS:
        check_territory(s, viewer, EDIT_STAGE, enr.municipality_code, what)
        return
    require_editor(viewer, what)
    operator = enr.operator_id
    if enr.contract_id is not None:
        operator = s.scalar(select(OperatorContract.operator_id).where(OperatorContract.id == enr.contract_id))
    if not (viewer.is_operator and access.allowed(viewer, EDIT_STAGE, operator=operator)):
        raise PermissionDenied(
            f"Su rol {who(viewer)} no puede {what} de la inscripción {enr.id}: un operador solo registra etapas "
            "y resultados de viabilidad de los participantes de sus propios contratos."
        )


def _transition_errors(s: Session, enr: Enrolment, stage: str, outcome, event_date, day, note) -> list[FieldError]:
    last = _last_event(s, enr.id)
    last_outcome = last.outcome if last is not None and last.stage == enr.current_stage else None
    errors = V.validate_stage_transition(
        enr.route,
        enr.current_stage,
        last_outcome,
        {"stage": stage, "outcome": outcome, "event_date": event_date, "note": note},
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
    return errors


# ------------------------------------------------------------------ reads for the forms


def stage_clause(viewer: Viewer):
    """Enrolments whose stages the viewer may record: its territory, or an operador's own contracts
    (the enrolment's operator when it has no contract), as ``check_enrolment`` decides."""
    if access.reach(viewer, EDIT_STAGE) is not Reach.CONTRACTS:
        return edit_territory_clause(viewer, EDIT_STAGE, Enrolment.municipality_code)
    if not viewer.is_operator:
        return false()
    own = select(OperatorContract.id).where(OperatorContract.operator_id == viewer.operator_id)
    return or_(Enrolment.contract_id.in_(own),
               and_(Enrolment.contract_id.is_(None), Enrolment.operator_id == viewer.operator_id))


@reads("participants", "reference")
def find_enrolments(
    viewer: Viewer, search: str = "", territory=None, limit: int = 100, url: str | None = None
) -> list[dict]:
    """Active enrolments the viewer may move: by household code, OPR name/NIT or id."""
    stmt = participants_stmt(search, limit, Enrolment.current_stage, Enrolment.version).where(stage_clause(viewer))
    if territory is not None:
        stmt = stmt.where(
            territory.territory_clause(Enrolment.municipality_code), territory.route_clause(Enrolment.route)
        )
    return fetch_rows(stmt, url)


@reads("participants")
def enrolment_detail(viewer: Viewer, enrolment_id: int, url: str | None = None) -> dict | None:
    head = fetch_rows(
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
        .where(Enrolment.id == enrolment_id, stage_clause(viewer)),
        url,
    )
    if not head:
        return None
    d = head[0]
    d["history"] = fetch_rows(
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
    d["last_outcome"] = last_outcome
    d["exit_outcomes"] = list(allowed_exit_outcomes(d["route"], d["current_stage"], last_outcome))
    d["promotion"] = promotion_target(d["route"], d["participant_kind"], route_model(d["route"]).completed_exit)
    return d
