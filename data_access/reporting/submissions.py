"""Operators' quarterly reports: prepare, send, approve or return (``rules.reporting.cycle``).

An operator's files do not reach the programme's tables when it loads them: they wait in its
report of the quarter (``submission_file``), each checked by the intake engine as a dry run for
that operator (``data_access.intake.engine``, its scope included). The PMO sees what the report
changes (``preview``: record by record and in the quarter's figures, computed inside a transaction
that is rolled back, ``data_access.core.db.what_if``) and approves it — every file loaded through
the engine in ONE transaction, all or nothing — or returns it with a comment. Each step is a
conditional ``UPDATE … WHERE version = :seen``: of two reviewers acting at once exactly one wins
and the other is told who did what and when. Nobody reviews a report they created or sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from numbers import Integral

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import StoreError, get_engine, session_scope, what_if
from data_access.core.models import (
    AllianceEvidence,
    AppUser,
    BusinessPlan,
    Enrolment,
    ImportBatch,
    Operator,
    OperatorContract,
    PeriodClose,
    ReportSubmission,
    Sales,
    ServiceDelivery,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
    SubmissionFile,
)
from data_access.core.scope import Viewer
from data_access.edits.common import EditError, NotFound, PermissionDenied, StoreRefused, write_session
from data_access.intake import changes, engine
from rules import access
from rules.access import Reach
from rules.core.calendar import parse_quarter, quarter_bounds, quarter_of, shift_quarter
from rules.core.clock import today
from rules.core.formatting import fmt_date, fmt_datetime, quarter_label
from rules.intake.problems import ImportReport, Problem
from rules.reporting import cycle
from rules.reporting.cycle import State, Step

ENTITY = "report_submission"
PREVIEW_RECORDS = 200
"""Records listed per file in a preview (the counts cover them all)."""


class Refused(EditError):
    """A step the cycle, the calendar or segregation of duties does not allow (Spanish ``message``)."""


class Conflict(Refused):
    """Someone else changed the report since it was read: the message says who did what and when."""


class NotValid(Refused):
    """A file of the report no longer validates: nothing was loaded (``file_name``, ``problems``)."""

    def __init__(self, message: str, file_name: str, problems: list[Problem]):
        super().__init__(message)
        self.file_name = file_name
        self.problems = problems


@dataclass
class Added:
    """What adding a file did: the intake's report, and the stored file's id when it was kept."""

    report: ImportReport
    file_id: int | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _quarter(text: str) -> str:
    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def closed(conn, quarter: str) -> PeriodClose | None:
    """The close of ``quarter`` in force (not reopened), or None."""
    return conn.execute(select(PeriodClose).where(PeriodClose.quarter == quarter,
                                                  PeriodClose.reopened_at.is_(None))
                        .order_by(PeriodClose.id.desc()).limit(1)).scalars().first()


def _refuse_closed(s: Session, quarter: str) -> None:
    close = closed(s, quarter)
    if close is not None:
        raise Refused(f"El trimestre {quarter_label(quarter)} está cerrado desde el "
                      f"{fmt_date(close.closed_at.date())} ({close.closed_by}): sus cifras oficiales están "
                      "congeladas y no recibe reportes. Si hay que corregirlo, pida al administrador que lo reabra.")


def _summary(sub: ReportSubmission, operator: Operator | None = None) -> dict:
    return {"id": sub.id, "operator_id": sub.operator_id, "operator_code": operator.code if operator else None,
            "operator_name": operator.name if operator else None, "quarter": sub.quarter, "state": sub.state,
            "created_by": sub.created_by, "created_at": sub.created_at, "submitted_by": sub.submitted_by,
            "submitted_at": sub.submitted_at, "first_submitted_at": sub.first_submitted_at,
            "reviewed_by": sub.reviewed_by, "reviewed_at": sub.reviewed_at, "review_comment": sub.review_comment,
            "version": sub.version}


def _require_operator(viewer: Viewer) -> None:
    if not (viewer.known and viewer.is_operator and access.allowed(viewer, access.SUBMIT_REPORT)):
        raise PermissionDenied("Solo un operador prepara y envía su reporte trimestral (sus propios contratos y los "
                               "PN de su PSDE); la PMO lo revisa.")


def _own(s: Session, viewer: Viewer, submission_id: int, lock: bool = False) -> ReportSubmission:
    _require_operator(viewer)
    stmt = select(ReportSubmission).where(ReportSubmission.id == submission_id)
    sub = s.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if sub is None or not access.allowed(viewer, access.SUBMIT_REPORT, operator=sub.operator_id):
        raise NotFound(f"No existe el reporte {submission_id} entre los de su operador: revise el número "
                       "(tablero reports list).")
    return sub


def _editable(sub: ReportSubmission) -> None:
    if State(sub.state) not in cycle.EDITABLE_STATES:
        raise Refused(f"El reporte {sub.id} está «{sub.state}»: sus archivos ya no se pueden cambiar "
                      "(solo en borrador o devuelto).")


def _store(fn):
    """A store failure in a step becomes a refusal naming its cause."""
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError as exc:
            raise StoreRefused(exc) from exc
    wrapped.__name__, wrapped.__doc__, wrapped.__qualname__ = fn.__name__, fn.__doc__, fn.__qualname__
    return wrapped


# ------------------------------------------------------------------ operator


@_store
def draft(viewer: Viewer, quarter: str, url: str | None = None) -> dict:
    """The operator's open report of ``quarter`` (borrador, enviado or devuelto), a new borrador if none."""
    _require_operator(viewer)
    quarter = _quarter(quarter)
    start = quarter_bounds(quarter)[0]
    if start > today():
        raise Refused(f"El trimestre {quarter_label(quarter)} aún no empieza (inicia el {fmt_date(start)}): "
                      "prepare el reporte de un trimestre en curso o terminado.")
    with write_session(viewer, url) as s:
        operator = s.execute(select(Operator).where(Operator.id == viewer.operator_id).with_for_update()).scalar_one()
        _refuse_closed(s, quarter)
        sub = s.scalars(select(ReportSubmission).where(
            ReportSubmission.operator_id == viewer.operator_id, ReportSubmission.quarter == quarter,
            ReportSubmission.state.in_(sorted(cycle.OPEN_STATES))).order_by(ReportSubmission.id.desc())).first()
        if sub is not None:
            return _summary(sub, operator)
        sub = ReportSubmission(operator_id=viewer.operator_id, quarter=quarter, state=State.BORRADOR.value,
                               created_by=viewer.username, created_at=_now(), review_comment="", version=1)
        s.add(sub)
        s.flush()
        audit.record(s, viewer.username, ENTITY, sub.id, "create", None, _audit_row(sub))
        versions.bump(s, "reporting")
        return _summary(sub, operator)


def _audit_row(sub: ReportSubmission) -> dict:
    return {"operator_id": sub.operator_id, "quarter": sub.quarter, "state": sub.state,
            "review_comment": sub.review_comment, "version": sub.version}


@_store
def add_file(viewer: Viewer, submission_id: int, entity: str, data: bytes, file_name: str,
             url: str | None = None) -> Added:
    """Check ``data`` as ``entity`` for the operator (dry run: references and scope) and keep it in
    the report; an invalid file is not kept and the report lists its problems."""
    with session_scope(url) as s:
        _editable(_own(s, viewer, submission_id))
    if entity not in cycle.ENTITIES:
        raise Refused(f"Un reporte trimestral no lleva «{entity}»: agregue {', '.join(cycle.ENTITIES)}.")
    report = engine.import_file(entity, data, file_name, viewer, url, dry_run=True, for_report=True)
    if not report.ok:
        return Added(report)
    with write_session(viewer, url) as s:
        sub = _own(s, viewer, submission_id, lock=True)
        _editable(sub)
        f = SubmissionFile(submission_id=sub.id, entity=entity, file_name=file_name[:260],
                           sha256=hashlib.sha256(data).hexdigest(), content=data, added_by=viewer.username,
                           added_at=_now(), counts=dict(report.counts))
        s.add(f)
        s.flush()
        _bump_version(s, sub, viewer, "add_file", {"file_id": f.id, "entity": entity, "file_name": file_name,
                                                   "sha256": f.sha256, "counts": f.counts})
        return Added(report, f.id)


@_store
def remove_file(viewer: Viewer, submission_id: int, file_id: int, url: str | None = None) -> None:
    """Take a file out of an editable report."""
    with write_session(viewer, url) as s:
        sub = _own(s, viewer, submission_id, lock=True)
        _editable(sub)
        f = s.get(SubmissionFile, file_id)
        if f is None or f.submission_id != sub.id:
            raise NotFound(f"El reporte {sub.id} no tiene el archivo {file_id}: revise la lista de archivos.")
        meta = {"file_id": f.id, "entity": f.entity, "file_name": f.file_name, "sha256": f.sha256}
        s.delete(f)
        s.flush()
        _bump_version(s, sub, viewer, "remove_file", meta)


def _bump_version(s: Session, sub: ReportSubmission, viewer: Viewer, action: str, detail: dict) -> None:
    before = _audit_row(sub)
    sub.version += 1
    s.flush()
    audit.record(s, viewer.username, ENTITY, sub.id, action, before, {**_audit_row(sub), **detail})
    versions.bump(s, "reporting")


@_store
def submit(viewer: Viewer, submission_id: int, seen_version: int, url: str | None = None) -> dict:
    """Send the report to the PMO (borrador or devuelto → enviado)."""
    with write_session(viewer, url) as s:
        sub = _own(s, viewer, submission_id)
        _refuse_closed(s, sub.quarter)
        if not s.scalar(select(func.count()).select_from(SubmissionFile)
                        .where(SubmissionFile.submission_id == sub.id)):
            raise Refused(f"El reporte {sub.id} no tiene archivos: agregue al menos uno antes de enviarlo.")
        now = _now()
        return _step(s, viewer, sub, Step.SUBMIT, seen_version,
                     {"submitted_by": viewer.username, "submitted_at": now,
                      "first_submitted_at": func.coalesce(ReportSubmission.first_submitted_at, now)})


def _step(s: Session, viewer: Viewer, sub: ReportSubmission, step: Step, seen: int, values: dict,
          detail: dict | None = None) -> dict:
    """The conditional update of one step: it wins only if the report is still at ``seen``."""
    if sub.version != seen:
        raise _conflict(s, sub.id, seen)
    try:
        target = cycle.next_state(sub.state, step)
    except cycle.CycleError as exc:
        raise Refused(str(exc)) from None
    before = _audit_row(sub)
    res = s.execute(update(ReportSubmission)
                    .where(ReportSubmission.id == sub.id, ReportSubmission.version == seen)
                    .values(state=target.value, version=seen + 1, **values)
                    .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise _conflict(s, sub.id, seen)
    s.expire(sub)
    audit.record(s, viewer.username, ENTITY, sub.id, step.value, before, {**_audit_row(sub), **(detail or {})})
    versions.bump(s, "reporting")
    return _summary(sub, s.get(Operator, sub.operator_id))


def _conflict(s: Session, submission_id: int, seen: int) -> Conflict:
    """Who changed the report since version ``seen``, from its row as now committed."""
    s.expire_all()
    sub = s.get(ReportSubmission, submission_id)
    did = {
        State.APROBADO: (sub.reviewed_by, "lo aprobó", sub.reviewed_at),
        State.DEVUELTO: (sub.reviewed_by, "lo devolvió", sub.reviewed_at),
        State.ENVIADO: (sub.submitted_by, "lo envió", sub.submitted_at),
    }.get(State(sub.state), (sub.created_by, "cambió sus archivos", None))
    when = f" el {fmt_datetime(did[2])}" if did[2] else ""
    return Conflict(f"No se hizo nada: {did[0] or 'otra persona'} {did[1]}{when} (versión {seen} → {sub.version}); "
                    f"el reporte {sub.id} está ahora «{sub.state}». Recargue la página para ver su estado.")


# ------------------------------------------------------------------ reviewer


def _reviewable(s: Session, reviewer: Viewer, submission_id: int) -> ReportSubmission:
    if not (reviewer.known and access.allowed(reviewer, access.REVIEW_REPORT)):
        raise PermissionDenied("Solo la PMO (analista o administrador) aprueba o devuelve reportes trimestrales.")
    sub = s.get(ReportSubmission, submission_id)
    if sub is None:
        raise NotFound(f"No existe el reporte {submission_id}: revise el número (tablero reports list).")
    if reviewer.username in {sub.created_by, sub.submitted_by}:
        raise Refused(f"No puede revisar el reporte {sub.id}: usted lo preparó o lo envió. Otra persona de la PMO "
                      "debe aprobarlo o devolverlo (separación de funciones).")
    return sub


def submitter(s: Session, sub: ReportSubmission) -> Viewer:
    """The operator whose scope checks the report's files: its sender's account, bound to the report's operator."""
    who = sub.submitted_by or sub.created_by
    role = s.scalar(select(AppUser.role).where(AppUser.username == who)) or ""
    return Viewer(username=who, role=role, operator_id=sub.operator_id)


@_store
def return_(reviewer: Viewer, submission_id: int, seen_version: int, comment: str, url: str | None = None) -> dict:
    """Return the report to its operator with the reviewer's comment (required)."""
    comment = (comment or "").strip()
    if not comment:
        raise Refused("Escriba el comentario de la devolución: qué debe corregir el operador.")
    with write_session(reviewer, url) as s:
        sub = _reviewable(s, reviewer, submission_id)
        return _step(s, reviewer, sub, Step.RETURN, seen_version,
                     {"reviewed_by": reviewer.username, "reviewed_at": _now(), "review_comment": comment})


@_store
def approve(reviewer: Viewer, submission_id: int, seen_version: int, url: str | None = None) -> dict:
    """Approve the report: every file loaded through the intake engine in this one transaction,
    all or nothing; a file that no longer validates loads nothing and the report stays «enviado»."""
    with write_session(reviewer, url) as s:
        sub = _reviewable(s, reviewer, submission_id)
        _refuse_closed(s, sub.quarter)
        summary = _step(s, reviewer, sub, Step.APPROVE, seen_version,
                        {"reviewed_by": reviewer.username, "reviewed_at": _now(), "review_comment": ""})
        operator = submitter(s, sub)
        loaded = []
        for f in s.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == sub.id)
                           .order_by(SubmissionFile.id)).all():
            report = engine.load(s, f.entity, f.content, f.file_name, operator, username=reviewer.username,
                                 note={"submission_id": sub.id})
            if not report.ok:
                first = report.problems[0] if report.problems else None
                raise NotValid(f"No se aprobó ni se cargó nada: el archivo «{f.file_name}» ya no es válido"
                               + (f" ({first})" if first else f" ({report.message})")
                               + ". El reporte sigue «enviado»: devuélvalo al operador para que lo corrija.",
                               f.file_name, report.problems)
            f.import_batch_id = report.batch_id
            loaded.append({"file_id": f.id, "import_batch_id": report.batch_id})
        s.flush()
        summary["files"] = loaded
        return summary


# ------------------------------------------------------------------ reads


def _scope_clause(viewer: Viewer):
    """Operators: their own; a comité: operators with a contract in its office; national: all."""
    from data_access.reporting.timeliness import scope_contracts

    contracts = scope_contracts(viewer)
    if contracts is None:
        return None
    if access.reach(viewer, access.SEE_REPORTS) is Reach.CONTRACTS and viewer.operator_id is not None:
        return ReportSubmission.operator_id == viewer.operator_id  # its own, contracts or not
    return ReportSubmission.operator_id.in_(select(OperatorContract.operator_id).where(contracts))


@versions.reads("reporting")
def listing(viewer: Viewer, quarter: str | None = None, url: str | None = None) -> list[dict]:
    """The reports the viewer may see (newest quarter first), with their number of files."""
    files = (select(SubmissionFile.submission_id, func.count().label("n")).group_by(SubmissionFile.submission_id)
             .subquery())
    stmt = (select(ReportSubmission, Operator.code, Operator.name, func.coalesce(files.c.n, 0))
            .join(Operator, Operator.id == ReportSubmission.operator_id)
            .outerjoin(files, files.c.submission_id == ReportSubmission.id)
            .order_by(ReportSubmission.quarter.desc(), Operator.code, ReportSubmission.id.desc()))
    clause = _scope_clause(viewer)
    if clause is not None:
        stmt = stmt.where(clause)
    if quarter:
        stmt = stmt.where(ReportSubmission.quarter == _quarter(quarter))
    with session_scope(url) as s:
        return [{**_summary(sub), "operator_code": code, "operator_name": name, "files": n}
                for sub, code, name, n in s.execute(stmt).all()]


def _visible(s: Session, viewer: Viewer, submission_id: int) -> ReportSubmission:
    stmt = select(ReportSubmission).where(ReportSubmission.id == submission_id)
    clause = _scope_clause(viewer)
    sub = s.scalars(stmt.where(clause) if clause is not None else stmt).first()
    if sub is None:
        raise NotFound(f"No existe el reporte {submission_id} en su alcance: revise el número (tablero reports list).")
    return sub


@versions.reads("reporting")
def files(viewer: Viewer, submission_id: int, url: str | None = None) -> list[dict]:
    """The files of a report the viewer may see: entity, name, who added them, dry-run counts, batch."""
    with session_scope(url) as s:
        _visible(s, viewer, submission_id)
        rows = s.execute(select(SubmissionFile.id, SubmissionFile.entity, SubmissionFile.file_name,
                                SubmissionFile.sha256, SubmissionFile.added_by, SubmissionFile.added_at,
                                SubmissionFile.counts, SubmissionFile.import_batch_id)
                         .where(SubmissionFile.submission_id == submission_id).order_by(SubmissionFile.id)).all()
    return [{"id": r[0], "entity": r[1], "file_name": r[2], "sha256": r[3], "added_by": r[4], "added_at": r[5],
             "counts": r[6] or {}, "import_batch_id": r[7]} for r in rows]


@versions.reads("reporting")
def get(viewer: Viewer, submission_id: int, url: str | None = None) -> dict:
    """One report the viewer may see."""
    with session_scope(url) as s:
        sub = _visible(s, viewer, submission_id)
        return _summary(sub, s.get(Operator, sub.operator_id))


# ------------------------------------------------------------------ preview


@dataclass
class Preview:
    """What a report would change: per file its counts and first records, and the quarter's figures."""

    submission: dict
    files: list[dict] = field(default_factory=list)  # entity, file_name, ok, message, counts, records, shown
    figures: list[dict] = field(default_factory=list)  # figure, before, after, delta (only those that move)


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str, dt.date)):
        return value
    if type(value) is object:  # a row written by the same file, its id known only then
        return "(nuevo)"
    return str(value)


def _records(s: Session, plan: changes.Plan, limit: int) -> list[dict]:
    """Inserts and updates of a plan as before → after values, the first ``limit`` of them, each
    named by the codes a person reads in its sheet (``_identity``)."""
    out: list[dict] = []
    for change in (*plan.changes, *getattr(plan, "later", ())):
        pk = change.model.__mapper__.primary_key[0].key
        for row in change.inserts:
            if len(out) >= limit:
                return out
            out.append({"sheet": change.sheet, "action": "insert", "id": None,
                        "record": _identity(s, change.model, row),
                        "changes": {k: (None, _plain(v)) for k, v in row.items() if k != "version"}})
        for row in change.updates:
            if len(out) >= limit:
                return out
            stored = s.get(change.model, row[pk])
            out.append({"sheet": change.sheet, "action": "update", "id": row[pk],
                        "record": _identity(s, change.model, {**_attrs(stored), **row}),
                        "changes": {k: (_plain(getattr(stored, k, None)), _plain(v)) for k, v in row.items()
                                    if k not in (pk, "version")}})
    return out


def _attrs(obj) -> dict:
    return {a.key: getattr(obj, a.key) for a in obj.__mapper__.column_attrs} if obj is not None else {}


def _code(s: Session, model, id_) -> str:
    """The code of a stored row; "—" for a row the same file creates (its id is not known yet)."""
    obj = s.get(model, int(id_)) if isinstance(id_, Integral) else None
    return (getattr(obj, "code", None) or f"{model.__tablename__} {id_}") if obj is not None else "—"


_IDENTITY = {
    SlaMeasurement: lambda s, r: (_code(s, SlaDefinition, r.get("definition_id")),
                                  _code(s, OperatorContract, r.get("contract_id")), r.get("quarter")),
    StageEvent: lambda s, r: (_code(s, Enrolment, r.get("enrolment_id")), r.get("stage"), r.get("event_date")),
    ServiceDelivery: lambda s, r: (_code(s, Enrolment, r.get("enrolment_id")), r.get("service_type_code"),
                                   r.get("delivery_date")),
    Enrolment: lambda s, r: (r.get("code"),),
    BusinessPlan: lambda s, r: (r.get("code"),),
    AllianceEvidence: lambda s, r: (_code(s, BusinessPlan, r.get("business_plan_id")), r.get("kind"),
                                    r.get("ally_name"), r.get("start_date")),
    Sales: lambda s, r: (_code(s, BusinessPlan, r.get("business_plan_id")), r.get("year")),
}


def _identity(s: Session, model, row: dict) -> str:
    """A record as its sheet's natural key reads: «BAS-AT-VIS · CT-BAS-PAC-001 · 2026Q3»."""
    parts = _IDENTITY[model](s, row) if model in _IDENTITY else (row.get("code") or row.get("id"),)
    return " · ".join(fmt_date(p) if isinstance(p, dt.date) else str(p) for p in parts if p is not None)


def headline(figures: dict) -> dict[str, float]:
    """The figures of ``data_access.reporting.figures.quarter_figures`` a report can move, as name → number."""
    out: dict[str, float] = {}
    alliance = figures.get("alliance") or {}
    for k in ("numerator", "denominator", "percent", "pending"):
        out[f"alliance.{k}"] = alliance.get(k)
    out["sla.score"] = (figures.get("sla") or {}).get("score")
    for metric, value in ((figures.get("overview") or {}).get("values") or {}).items():
        out[f"overview.{metric}"] = value
    for r in (figures.get("funnel") or {}).get("rows") or []:
        out[f"funnel.{r.get('route')}.{r.get('stage')}"] = r.get("count")
    return {k: v for k, v in out.items() if v is None or isinstance(v, (int, float))}


@_store
def preview(viewer: Viewer, submission_id: int, url: str | None = None, limit: int = PREVIEW_RECORDS) -> Preview:
    """What approving the report would change now, computed in a transaction that is rolled back."""
    from data_access.reporting.figures import quarter_figures

    if not access.allowed(viewer, access.SEE_REPORTS):
        raise PermissionDenied("Su rol no puede ver reportes trimestrales.")
    with session_scope(url) as s:
        sub = _visible(s, viewer, submission_id)
        summary = _summary(sub, s.get(Operator, sub.operator_id))
        operator = submitter(s, sub)
        stored = s.execute(select(SubmissionFile.entity, SubmissionFile.file_name, SubmissionFile.content)
                           .where(SubmissionFile.submission_id == sub.id).order_by(SubmissionFile.id)).all()
    before = headline(quarter_figures(viewer, sub.quarter, url))
    result = Preview(summary)
    with what_if(url):
        with session_scope(url, write=True) as s:
            for entity, file_name, content in stored:
                checked = engine.check(s.connection(), entity, content, file_name, operator)
                rep, plan = checked.report, checked.plan
                item = {"entity": entity, "file_name": file_name, "ok": rep.ok, "message": rep.message,
                        "counts": dict(rep.counts), "problems": [str(p) for p in rep.problems[:20]], "records": []}
                result.files.append(item)
                if plan is None or not rep.changed:
                    continue
                item["records"] = _records(s, plan, limit)
                batch = ImportBatch(entity=entity, file_name=file_name[:260], sha256=checked.sha256,
                                    username=viewer.username, at=_now(), counts=plan.counts())
                s.add(batch)
                s.flush()
                changes.apply(s, plan, batch.id)
            s.flush()
            after = headline(quarter_figures(viewer, sub.quarter, url))
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if a != b:
            delta = a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            result.figures.append({"figure": name, "before": b, "after": a, "delta": delta})
    return result


REMIND_DAYS = 15
"""An operator is reminded of a report from this many days before its deadline."""


@versions.reads("reporting")
def reminders(viewer: Viewer, url: str | None = None, quarters: int = 4) -> list[dict]:
    """What the viewer should hear about at login: for an operator, each recent quarter not closed whose
    report it has not sent (``due`` from the quarter's end or ``REMIND_DAYS`` before the deadline,
    ``overdue`` after it) and each report returned to it; for the PMO, how many reports wait for it."""
    from data_access.reporting import timeliness

    if access.allowed(viewer, access.REVIEW_REPORT):
        n = pending_count(viewer, url)
        return [{"kind": "review", "count": n}] if n else []
    if not (viewer.is_operator and access.allowed(viewer, access.SUBMIT_REPORT)):
        return []
    out: list[dict] = []
    now = today()
    current = quarter_of(now)
    with get_engine(url).connect() as conn:
        closed_now = {q for (q,) in conn.execute(select(PeriodClose.quarter).where(PeriodClose.reopened_at.is_(None)))}
    for n in range(quarters):
        quarter = shift_quarter(current, -n)
        if quarter in closed_now:
            continue
        deadline = cycle.deadline(quarter)
        for r in timeliness.rows(viewer, quarter, url):
            if r["state"] == State.DEVUELTO:
                out.append({"kind": "returned", "quarter": quarter, "deadline": deadline})
            elif r["missing"] and (now > quarter_bounds(quarter)[1] or (deadline - now).days <= REMIND_DAYS):
                out.append({"kind": "overdue" if now > deadline else "due", "quarter": quarter, "deadline": deadline})
    return out


@versions.reads("reporting")
def pending_count(viewer: Viewer, url: str | None = None) -> int:
    """Reports waiting for review that this reviewer may act on (none it created or sent)."""
    if not access.allowed(viewer, access.REVIEW_REPORT):
        return 0
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(ReportSubmission).where(
            ReportSubmission.state.in_(sorted(cycle.PENDING_STATES)),
            ReportSubmission.created_by != viewer.username,
            func.coalesce(ReportSubmission.submitted_by, "") != viewer.username)).scalar_one()


def into_report(viewer: Viewer, quarter: str, entity: str, data: bytes, file_name: str,
                url: str | None = None) -> tuple[Added, dict]:
    """An operator's file loaded from ``tablero import`` or «Carga de datos»: into its open report of
    ``quarter`` (a new borrador if none). Returns what adding did and the report as it is then."""
    report = draft(viewer, quarter, url)
    added = add_file(viewer, report["id"], entity, data, file_name, url)
    return added, get(viewer, report["id"], url)
