"""Committee sessions and their agreements (compromisos), with dated follow-up notes.

Every agreement has a territory, resolved from what it is about: a municipality's oficina
regional; a PN's or an alert's municipality's; an operator's contracts' office; an indicator's
the committee's. A comité regional records and sees only agreements of its office; an operador
sees only the agreements assigned to it (``operator_id``: the operator a subject names, the PN's
operator, or one given) and records none; national roles see all. Writes are audited and bump
``"results"``. The figures a session saw are frozen as the caller passes them (the committee
views are above this layer)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, exists, false, func, select, true
from sqlalchemy.orm import Session

from data_access.core import versions
from data_access.core.models import (
    Agreement,
    AgreementNote,
    BusinessPlan,
    CommitteeSession,
    Municipality,
    Operator,
    OperatorContract,
    RegionalOffice,
    TerritorialAlert,
)
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    PermissionDenied,
    fetch_rows,
    for_update,
    insert,
    raise_if,
    stale,
    versioned_update,
    who,
    write_session,
)
from rules import access
from rules.access import MANAGE_AGREEMENTS, Reach
from rules.core.clock import today
from rules.edit.validation import FieldError
from rules.results import agreements as R


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ------------------------------------------------------------------------- scope


def agreement_clause(viewer: Viewer):
    """Agreements the viewer may see: all (national), its office's (comité), assigned to it (operador)."""
    if viewer.is_national:
        return true()
    if viewer.is_regional:
        return Agreement.regional_office_id == viewer.regional_office_id
    if viewer.is_operator:
        return Agreement.operator_id == viewer.operator_id
    return false()


def session_clause(viewer: Viewer):
    """Sessions the viewer may see: all (national), its office's committee (comité), those that
    assigned it an agreement (operador)."""
    if viewer.is_national:
        return true()
    if viewer.is_regional:
        return CommitteeSession.regional_office_id == viewer.regional_office_id
    if viewer.is_operator:
        return exists().where(Agreement.session_id == CommitteeSession.id,
                              Agreement.operator_id == viewer.operator_id)
    return false()


def _require_manager(viewer: Viewer, what: str) -> None:
    if not access.allowed(viewer, MANAGE_AGREEMENTS):
        raise PermissionDenied(f"Su rol {who(viewer)} no puede {what}: los compromisos los registran el comité "
                               "nacional y los comités regionales; un operador consulta los que le asignan.")


def _require_office(viewer: Viewer, office_id: int | None, what: str, about: str) -> None:
    """A national manager everywhere; a comité only in its office (never a national-level record)."""
    _require_manager(viewer, what)
    if access.reach(viewer, MANAGE_AGREEMENTS) is Reach.ALL:
        return
    if office_id is not None and access.allowed(viewer, MANAGE_AGREEMENTS, office=office_id):
        return
    raise PermissionDenied(f"Su rol {who(viewer)} no puede {what} {about}: un comité regional solo registra "
                           "compromisos de los municipios de su oficina regional.")


def _office_id(s: Session, code) -> int | None:
    if code in (None, ""):
        return None
    if isinstance(code, int):
        return code
    found = s.scalar(select(RegionalOffice.id).where(func.upper(RegionalOffice.code) == str(code).strip().upper()))
    if found is None:
        names = ", ".join(s.scalars(select(RegionalOffice.code).order_by(RegionalOffice.code)))
        raise_if([FieldError("regional_office", f"Oficina regional: «{code}» no existe; use uno de {names}.")])
    return found


# ---------------------------------------------------------------------- sessions


def create_session(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    """A committee session: ``held_on``, ``title``, ``participants``, ``regional_office`` (code or id;
    empty: the national committee — a comité's default is its own office) and ``figures``, the key
    figures shown (list of {key, label, value, status}) frozen as given."""
    with write_session(viewer, url) as s:
        return _new_session(s, viewer, data)


def record_session(viewer: Viewer, data: dict, items: list[dict], url: str | None = None) -> EditResult:
    """A session and its agreements (``items``: ``create_agreement``'s data without ``session_id``)
    in ONE transaction: any agreement refused — by its rules or by the store (a subject of another
    office) — and nothing is saved, the refusal naming it."""
    with write_session(viewer, url) as s:
        result = _new_session(s, viewer, data)
        for item in items:
            _new_agreement(s, viewer, {**item, "session_id": result.id})
        return result


def _new_session(s: Session, viewer: Viewer, data: dict) -> EditResult:
    _require_manager(viewer, "registrar sesiones de comité")
    office = _office_id(s, data.get("regional_office"))
    if office is None and viewer.is_regional:
        office = viewer.regional_office_id
    about = "de otra oficina regional" if office is not None else "del comité nacional"
    _require_office(viewer, office, "registrar sesiones", about)
    raise_if(R.validate_session(data))
    row = CommitteeSession(
        regional_office_id=office,
        held_on=R.parse_day(data["held_on"]),
        title=data["title"].strip(),
        participants=(data.get("participants") or "").strip(),
        figures=list(data.get("figures") or []),
        created_by=viewer.username,
        created_at=_now(),
    )
    result = insert(s, viewer, row, "committee_session")
    versions.bump(s, "results")
    return result


# -------------------------------------------------------------------- agreements


def _resolve(s: Session, viewer: Viewer, kind: str, code: str, committee_office: int | None) -> dict:
    """Territory (office, municipality) and assigned operator of a subject; a subject not in the
    store is a validation error naming it."""
    missing = FieldError("subject_code", f"Código del tema: no hay {kind} «{code}» registrado; escriba "
                                         f"{R.subject_hint(kind)}.")
    if kind == "indicador":
        office = committee_office if committee_office is not None else (
            viewer.regional_office_id if viewer.is_regional else None)
        return {"regional_office_id": office, "municipality_code": None, "operator_id": None}
    if kind == "operador":  # not a role: a subject kind
        operator = s.scalar(select(Operator.id).where(Operator.code == code))
        if operator is None:
            raise_if([missing])
        offices = sorted(set(s.scalars(select(OperatorContract.regional_office_id)
                                       .where(OperatorContract.operator_id == operator))))
        wanted = committee_office if committee_office is not None else (
            viewer.regional_office_id if viewer.is_regional else None)
        if wanted is not None:
            office = wanted if wanted in offices else -1  # -1: none of the committee's contracts
        else:
            office = offices[0] if len(offices) == 1 else None
        if office == -1:
            raise PermissionDenied(f"Su rol {who(viewer)} no puede registrar compromisos sobre el operador {code}: "
                                   "no tiene contratos en la oficina regional del comité.")
        return {"regional_office_id": office, "municipality_code": None, "operator_id": operator}
    if kind == "municipio":
        muni, operator = code, None
    elif kind == "pn":
        found = s.execute(select(BusinessPlan.municipality_code, BusinessPlan.psde_operator_id)
                          .where(BusinessPlan.code == code)).first()
        if found is None:
            raise_if([missing])
        muni, operator = found
    else:  # alerta
        muni = s.scalar(select(TerritorialAlert.municipality_code).where(TerritorialAlert.code == code))
        if muni is None and code.isdigit():
            muni = s.scalar(select(TerritorialAlert.municipality_code).where(TerritorialAlert.id == int(code)))
        operator = None
    found = s.execute(select(Municipality.code, Municipality.regional_office_id)
                      .where(Municipality.code == muni)).first() if muni else None
    if found is None:
        raise_if([missing])
    return {"regional_office_id": found[1], "municipality_code": found[0], "operator_id": operator}


def create_agreement(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    """An agreement of a session (``session_id``) or standalone: ``subject_kind``, ``subject_code``,
    ``description``, ``responsible``, ``due_on``, ``status`` (pendiente/en_curso) and optionally
    ``operator_code``, the operator it is assigned to."""
    with write_session(viewer, url) as s:
        return _new_agreement(s, viewer, data)


def _new_agreement(s: Session, viewer: Viewer, data: dict) -> EditResult:
    _require_manager(viewer, "registrar compromisos")
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    clean["status"] = clean.get("status") or R.PENDIENTE
    raise_if(R.validate_agreement(clean))
    session_office = None
    session_id = clean.get("session_id")
    if session_id:
        sess = s.execute(select(CommitteeSession).where(CommitteeSession.id == int(session_id),
                                                        session_clause(viewer))).scalar_one_or_none()
        if sess is None:
            raise NotFound(f"La sesión {session_id} no existe o no está en su alcance; elija una de la lista.")
        session_office = sess.regional_office_id
    kind, code = clean["subject_kind"], clean["subject_code"]
    place = _resolve(s, viewer, kind, code, session_office)
    about = f"sobre {kind} {code}"
    _require_office(viewer, place["regional_office_id"], "registrar compromisos", about)
    if session_office is not None and place["regional_office_id"] != session_office:
        raise PermissionDenied(f"No se guardó: el compromiso sobre {kind} {code} es de otra oficina regional "
                               "que la del comité de la sesión; regístrelo en una sesión de su oficina.")
    if clean.get("operator_code"):
        operator = s.scalar(select(Operator.id).where(Operator.code == clean["operator_code"]))
        if operator is None:
            raise_if([FieldError("operator_code", f"Operador asignado: «{clean['operator_code']}» no existe; "
                                                  "escriba el código de un operador.")])
        place["operator_id"] = operator
    row = Agreement(
        session_id=int(session_id) if session_id else None,
        subject_kind=kind,
        subject_code=code,
        description=clean["description"],
        responsible=clean["responsible"],
        due_on=R.parse_day(clean["due_on"]),
        status=clean["status"],
        created_by=viewer.username,
        created_at=_now(),
        **place,
    )
    result = insert(s, viewer, row, "agreement")
    versions.bump(s, "results")
    return result


def follow_up(viewer: Viewer, agreement_id: int, opened_version: int, status: str, note: str,
              url: str | None = None) -> EditResult:
    """A dated follow-up: the note, and the agreement left in ``status`` (an allowed change or the same)."""
    with write_session(viewer, url) as s:
        _require_manager(viewer, "dar seguimiento a compromisos")
        row = for_update(s, Agreement, Agreement.id == agreement_id, agreement_clause(viewer))
        if row is None:
            raise NotFound(f"El compromiso {agreement_id} no existe o no está en su alcance; recargue la lista.")
        _require_office(viewer, row.regional_office_id, "dar seguimiento al compromiso", str(agreement_id))
        raise_if(R.validate_follow_up(row.status, status, note))
        closing = status in (R.CUMPLIDO, R.CANCELADO)
        cols = {"status": status, "closed_on": today() if closing else None}
        if row.version != opened_version:
            from data_access.audit import log as audit

            raise stale(s, "agreement", row.id, opened_version, audit.row_dict(row), cols)
        result = versioned_update(s, viewer, row, "agreement", opened_version, cols, action="follow_up")
        insert(s, viewer, AgreementNote(agreement_id=agreement_id, at=_now(), username=viewer.username,
                                        text=note.strip(), status=status), "agreement_note")
        versions.bump(s, "results")
        return EditResult("agreement", agreement_id, result.version if result.changed else opened_version)


# ------------------------------------------------------------------------- reads


def _status_filter(status: str | None, on: dt.date):
    if not status:
        return true()
    if status == R.VENCIDO:
        return and_(Agreement.status.in_(R.OPEN_STATUSES), Agreement.due_on < on)
    if status in R.OPEN_STATUSES:
        return and_(Agreement.status == status, Agreement.due_on >= on)
    return Agreement.status == status


@reads("results", "reference")
def agreements(viewer: Viewer, status: str | None = None, session_id: int | None = None,
               subject_kind: str | None = None, subject_code: str | None = None, limit: int = 1000,
               url: str | None = None) -> list[dict]:
    """The agreements in scope, newest due date last, with ``shown_status`` (vencido derived)."""
    on = today()
    stmt = (
        select(Agreement.id, Agreement.session_id, CommitteeSession.title.label("session_title"),
               CommitteeSession.held_on.label("session_date"), Agreement.subject_kind, Agreement.subject_code,
               Agreement.regional_office_id, RegionalOffice.name.label("office"), Agreement.municipality_code,
               Operator.code.label("operator_code"), Agreement.description, Agreement.responsible,
               Agreement.due_on, Agreement.status, Agreement.closed_on, Agreement.created_by, Agreement.version)
        .outerjoin(CommitteeSession, CommitteeSession.id == Agreement.session_id)
        .outerjoin(RegionalOffice, RegionalOffice.id == Agreement.regional_office_id)
        .outerjoin(Operator, Operator.id == Agreement.operator_id)
        .where(agreement_clause(viewer), _status_filter(status, on))
        .order_by(Agreement.due_on, Agreement.id)
        .limit(limit)
    )
    if session_id:
        stmt = stmt.where(Agreement.session_id == int(session_id))
    if subject_kind:
        stmt = stmt.where(Agreement.subject_kind == subject_kind)
    if subject_code:
        stmt = stmt.where(Agreement.subject_code == subject_code)
    rows = fetch_rows(stmt, url)
    for r in rows:
        r["shown_status"] = R.shown_status(r["status"], r["due_on"], on)
    return rows


@reads("results")
def status_counts(viewer: Viewer, url: str | None = None) -> dict[str, int]:
    """Agreements in scope per shown status (vencido apart from pendiente/en curso)."""
    on = today()
    shown = case((and_(Agreement.status.in_(R.OPEN_STATUSES), Agreement.due_on < on), R.VENCIDO),
                 else_=Agreement.status).label("shown")
    rows = fetch_rows(select(shown, func.count().label("n")).where(agreement_clause(viewer)).group_by(shown), url)
    counts = dict.fromkeys(R.STATUSES, 0)
    for r in rows:
        counts[r["shown"]] = counts.get(r["shown"], 0) + int(r["n"])
    return counts


@reads("results", "reference")
def sessions(viewer: Viewer, limit: int = 200, url: str | None = None) -> list[dict]:
    """The committee sessions in scope, newest first, with their number of agreements."""
    n = (select(func.count()).select_from(Agreement).where(Agreement.session_id == CommitteeSession.id,
                                                           agreement_clause(viewer))
         .correlate(CommitteeSession).scalar_subquery())
    return fetch_rows(
        select(CommitteeSession.id, CommitteeSession.held_on, CommitteeSession.title, CommitteeSession.participants,
               CommitteeSession.regional_office_id, RegionalOffice.name.label("office"),
               CommitteeSession.created_by, n.label("agreements"))
        .outerjoin(RegionalOffice, RegionalOffice.id == CommitteeSession.regional_office_id)
        .where(session_clause(viewer))
        .order_by(CommitteeSession.held_on.desc(), CommitteeSession.id.desc())
        .limit(limit),
        url,
    )


@reads("results", "reference")
def session_detail(viewer: Viewer, session_id: int, url: str | None = None) -> dict | None:
    """A session in scope with its frozen figures, its agreements in scope and their notes (the acta)."""
    found = fetch_rows(
        select(CommitteeSession.id, CommitteeSession.held_on, CommitteeSession.title, CommitteeSession.participants,
               CommitteeSession.figures, CommitteeSession.regional_office_id, RegionalOffice.name.label("office"),
               CommitteeSession.created_by, CommitteeSession.created_at)
        .outerjoin(RegionalOffice, RegionalOffice.id == CommitteeSession.regional_office_id)
        .where(CommitteeSession.id == int(session_id), session_clause(viewer)),
        url,
    )
    if not found:
        return None
    detail = found[0]
    detail["figures"] = list(detail["figures"] or [])
    detail["agreements"] = agreements(viewer, session_id=int(session_id), url=url)
    ids = [a["id"] for a in detail["agreements"]]
    detail["notes"] = notes(viewer, ids, url=url) if ids else []
    return detail


@reads("results")
def notes(viewer: Viewer, agreement_ids: list[int], url: str | None = None) -> list[dict]:
    """The follow-up notes of agreements in scope, oldest first."""
    return fetch_rows(
        select(AgreementNote.agreement_id, AgreementNote.at, AgreementNote.username, AgreementNote.text,
               AgreementNote.status)
        .join(Agreement, Agreement.id == AgreementNote.agreement_id)
        .where(AgreementNote.agreement_id.in_([int(i) for i in agreement_ids]), agreement_clause(viewer))
        .order_by(AgreementNote.agreement_id, AgreementNote.at, AgreementNote.id),
        url,
    )


@reads("results", "reference")
def overdue(viewer: Viewer, limit: int = 5, url: str | None = None) -> dict:
    """The overdue agreements in scope: their number and the ``limit`` most overdue."""
    on = today()
    clause = and_(agreement_clause(viewer), Agreement.status.in_(R.OPEN_STATUSES), Agreement.due_on < on)
    counted = fetch_rows(select(func.count().label("n")).select_from(Agreement).where(clause), url)
    return {"count": int(counted[0]["n"]), "first": agreements(viewer, status=R.VENCIDO, limit=limit, url=url)}


@reads("reference")
def offices(url: str | None = None) -> list[dict]:
    """The oficinas regionales (code, name): the committees a session may belong to."""
    return fetch_rows(select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name)
                      .order_by(RegionalOffice.name), url)


__all__ = ["agreement_clause", "session_clause", "create_session", "create_agreement", "follow_up", "agreements",
           "status_counts", "sessions", "session_detail", "notes", "overdue", "offices"]
