"""Plumbing shared by the edit modules: refusals, permission checks (asking
``rules.access``), optimistic concurrency with the audit trail, and the scoped row reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import false, or_, select, true, update
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core.auth import AccountRefused, check_account
from data_access.core.db import StoreError, get_engine, session_scope
from data_access.core.models import (
    AuditLog,
    Enrolment,
    Household,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
)
from data_access.core.scope import Viewer, municipality_clause
from rules import access
from rules.access import Action, Reach
from rules.core.catalog import ROLES
from rules.edit import validation as V
from rules.edit.validation import FieldError

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


class StoreRefused(EditError):
    """The store failed the write (connection lost, lock timeout, simultaneous conflict);
    ``message`` names that cause, ``cause`` is the ``StoreError``."""

    def __init__(self, cause: StoreError):
        super().__init__(cause.message)
        self.cause = cause


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


def who(viewer: Viewer) -> str:
    return f"{_ROLE_LABEL.get(viewer.role, viewer.role)} ({viewer.scope_label or 'sin alcance'})"


def can_edit_anything(viewer: Viewer) -> bool:
    """Whether any edit form is for this viewer (otherwise the edit page is read-only)."""
    return viewer.known and any(access.allowed(viewer, form) for form in access.EDIT_FORMS)


def require_editor(viewer: Viewer, what: str) -> None:
    if not can_edit_anything(viewer):
        raise PermissionDenied(
            f"Su rol {who(viewer)} no puede {what}: es de solo consulta. "
            "Si necesita editar, solicite el rol al administrador."
        )


def _who_may(action: Action) -> str:
    """The roles that may do ``action``, in Spanish, for a refusal that says whom to ask."""
    labels = sorted(ROLES[r] for r in access.roles_for(action))
    return f"lo hacen {', '.join(labels)}; solicite el cambio a uno de ellos." if labels else "nadie puede hacerlo."


def check_territory(s: Session, viewer: Viewer, action: Action, municipality_code: str, what: str) -> None:
    """Territorial records: whoever reaches all of them, or a comité its office's municipalities."""
    require_editor(viewer, what)
    reach = access.reach(viewer, action)
    if reach is Reach.ALL:
        return
    if reach is Reach.OFFICE and viewer.is_regional:
        office = s.scalar(
            select(Municipality.regional_office_id).where(Municipality.code == municipality_code)
        )
        if access.allowed(viewer, action, office=office):
            return
        raise PermissionDenied(
            f"Su rol {who(viewer)} no puede {what} del municipio {municipality_code}: un comité regional "
            "solo edita registros de los municipios de su oficina regional."
        )
    raise PermissionDenied(f"Su rol {who(viewer)} no puede {what}: {_who_may(action)}")


def check_contract(viewer: Viewer, action: Action, contract: OperatorContract, what: str) -> None:
    """Contract records (ANS, deliveries): whoever reaches all of them, or an operador its own."""
    require_editor(viewer, what)
    reach = access.reach(viewer, action)
    if reach is Reach.ALL:
        return
    if reach is Reach.CONTRACTS and viewer.is_operator:
        if access.allowed(viewer, action, operator=contract.operator_id):
            return
        raise PermissionDenied(
            f"Su rol {who(viewer)} no puede {what} del contrato {contract.code}: un operador solo edita "
            "sus propios contratos."
        )
    raise PermissionDenied(
        f"Su rol {who(viewer)} no puede {what}: los valores de ANS los reporta el operador del contrato "
        "y los corrige el analista PMO."
    )


def edit_territory_clause(viewer: Viewer, action: Action, municipality_col):
    """Rows the viewer may ``action`` on territorial forms (reads for the forms)."""
    reach = access.reach(viewer, action)
    if reach is Reach.ALL:
        return true()
    if reach is Reach.OFFICE and viewer.is_regional:
        return municipality_clause(viewer, municipality_col)
    return false()


def edit_contract_clause(viewer: Viewer, action: Action):
    """Contracts the viewer may ``action`` (reads for the contract forms)."""
    reach = access.reach(viewer, action)
    if reach is Reach.ALL:
        return true()
    if reach is Reach.CONTRACTS and viewer.is_operator:
        return OperatorContract.operator_id == viewer.operator_id
    return false()


# ------------------------------------------------------------------ transactions


@contextmanager
def write_session(viewer: Viewer, url: str | None = None) -> Iterator[Session]:
    """Every writer's transaction. The account behind ``viewer`` is re-checked inside it (an
    account deactivated or changed since its session read it is refused before anything is
    written), and a store failure becomes a refusal naming its cause, never a driver error."""
    try:
        with session_scope(url, write=True) as s:
            try:
                check_account(s, viewer)
            except AccountRefused as exc:
                raise PermissionDenied(exc.message) from None
            yield s
    except StoreError as exc:
        raise StoreRefused(exc) from exc


# ----------------------------------------------------------------- row plumbing


def for_update(s: Session, model, *where):
    return s.execute(select(model).where(*where).with_for_update()).scalar_one_or_none()


def _jsonable(d: dict) -> dict:
    return json.loads(audit.canonical_json(d))


def stale(
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


def versioned_update(
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
        raise stale(s, entity, audit_id, opened_version, before, changes)
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
        raise stale(s, entity, audit_id, opened_version, audit.row_dict(obj), changes)
    after = {**before, **real, "version": opened_version + 1}
    s.expire(obj)
    audit.record(s, viewer.username, entity, audit_id, action, before, after)
    return EditResult(entity, pk, opened_version + 1)


def insert(s: Session, viewer: Viewer, obj, entity: str, action: str = "create") -> EditResult:
    if hasattr(obj, "version"):
        obj.version = 1
    s.add(obj)
    s.flush()
    after = audit.row_dict(obj)
    pk = getattr(obj, type(obj).__mapper__.primary_key[0].key)
    audit.record(s, viewer.username, entity, pk, action, None, after)
    return EditResult(entity, pk, after.get("version") or 0)


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def as_date(value) -> dt.date | None:
    try:
        return V.parse_date(value)
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------------ shared reads


def fetch_rows(stmt, url: str | None) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def participants_stmt(search: str, limit: int, *extra):
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


def editable_contracts(viewer: Viewer, action: Action, url: str | None = None) -> list[dict]:
    """Contracts the viewer may ``action`` (ANS values, service deliveries)."""
    return fetch_rows(
        select(
            OperatorContract.id,
            OperatorContract.code,
            OperatorContract.route,
            Operator.name.label("operator"),
            OperatorContract.start_date,
            OperatorContract.end_date,
        )
        .join(Operator, Operator.id == OperatorContract.operator_id)
        .where(edit_contract_clause(viewer, action))
        .order_by(OperatorContract.code),
        url,
    )
