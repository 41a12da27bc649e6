"""The verifiable exit record: built and sealed in the transaction that writes a «salida», read back
for the certificate, and verified against the audit chain (``tablero verify`` and the page).

A record's payload says who left which route (codes only), when it entered and left, the outcome,
the capacities assessed, the services received, the co-financing and documents and the stage
history. Its seal is the SHA-256 of the canonical payload (``rules.routes.exit_record``), written
into the audit chain: one entry per record (``seal_exit``) whose ``after`` holds the code, the seal
and the payload, or one entry per bulk sealing (``seal_many``, the demo) whose ``after`` holds the
anchor over the batch's seals. Verification recomputes the seal from the stored payload and
compares it with the stored seal, the code and the audit entry (itself re-hashed), naming what
differs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core.db import get_engine, session_scope
from data_access.core.models import (
    AuditLog,
    BusinessPlan,
    DocumentLink,
    Enrolment,
    ExitRecord,
    Household,
    HouseholdCofinancing,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
    ServiceDelivery,
    StageEvent,
)
from data_access.core.scope import Viewer, record_clause
from data_access.core.versions import reads
from rules.routes import exit_record as R

ENTITY = "exit_record"
BATCH_ENTITY = "exit_record_batch"
SEAL_ACTION = "seal"


# ------------------------------------------------------------------------ payload


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def _participant(s: Session, enr: Enrolment) -> dict:
    """Codes only: the household code, or the OPR's NIT (no names, no document numbers)."""
    if enr.participant_kind == "hogar" and enr.household_id is not None:
        return {"kind": "hogar", "code": s.scalar(select(Household.code).where(Household.id == enr.household_id))}
    nit = s.scalar(select(Opr.nit).where(Opr.id == enr.opr_id)) if enr.opr_id is not None else None
    return {"kind": enr.participant_kind, "code": nit}


def _cofinancing(s: Session, enr: Enrolment) -> dict | None:
    """The household micro-project's co-financing, else the OPR's business plans (PN)."""
    hc = s.scalars(select(HouseholdCofinancing).where(HouseholdCofinancing.enrolment_id == enr.id)).first()
    if hc is not None:
        return cofinancing_entry("micro_proyecto", hc.committed_cop, hc.disbursed_cop, hc.requirements_met, [])
    plans = s.execute(
        select(BusinessPlan.code, BusinessPlan.cofinancing_committed_cop, BusinessPlan.cofinancing_disbursed_cop)
        .where(BusinessPlan.enrolment_id == enr.id)
        .order_by(BusinessPlan.code)
    ).all()
    if not plans:
        return None
    return cofinancing_entry(
        "plan_de_negocio", sum(p[1] or 0 for p in plans), sum(p[2] or 0 for p in plans), None, [p[0] for p in plans]
    )


def cofinancing_entry(kind: str, committed: int, disbursed: int, requirements_met, plans: list[str]) -> dict:
    """The co-financing part of a payload (shared with the bulk builder)."""
    entry = {"kind": kind, "committed_cop": int(committed or 0), "disbursed_cop": int(disbursed or 0)}
    if requirements_met is not None:
        entry["requirements_met"] = bool(requirements_met)
    if plans:
        entry["plans"] = list(plans)
    return entry


def build_payload(s: Session, enr: Enrolment, capacities: dict | None = None) -> dict:
    """The record of one enrolment that has left its route, as it stands in this transaction."""
    operator = s.scalar(select(Operator.code).where(Operator.id == enr.operator_id)) if enr.operator_id else None
    contract = (
        s.scalar(select(OperatorContract.code).where(OperatorContract.id == enr.contract_id))
        if enr.contract_id
        else None
    )
    services = dict(
        s.execute(
            select(ServiceDelivery.service_type_code, func.count())
            .where(ServiceDelivery.enrolment_id == enr.id)
            .group_by(ServiceDelivery.service_type_code)
        ).all()
    )
    stages = [
        {"stage": st, "date": _iso(day), "outcome": outcome}
        for st, day, outcome in s.execute(
            select(StageEvent.stage, StageEvent.event_date, StageEvent.outcome)
            .where(StageEvent.enrolment_id == enr.id)
            .order_by(StageEvent.event_date, StageEvent.id)
        )
    ]
    documents = [
        {"file_name": name, "sha256": sha}
        for name, sha in s.execute(
            select(DocumentLink.file_name, DocumentLink.sha256)
            .where(DocumentLink.entity == "enrolment", DocumentLink.entity_id == enr.id)
            .order_by(DocumentLink.id)
        )
    ]
    previous = (
        s.scalar(select(Enrolment.code).where(Enrolment.id == enr.previous_enrolment_id))
        if enr.previous_enrolment_id
        else None
    )
    return payload_of(
        enr, _participant(s, enr), operator, contract, previous, R.normalise_capacities(capacities),
        services, _cofinancing(s, enr), documents, stages,
    )


def payload_of(enr, participant, operator, contract, previous, capacities, services, cofinancing, documents,
               stages) -> dict:
    """The payload from its parts (one shape for the single and the bulk builder)."""
    return {
        "schema": R.PAYLOAD_SCHEMA,
        "participant": participant,
        "enrolment": {"id": enr.id, "code": enr.code, "previous": previous},
        "route": enr.route,
        "municipality_code": enr.municipality_code,
        "operator": operator,
        "contract": contract,
        "entry": {"date": _iso(enr.entry_date), "mechanism": enr.entry_mechanism},
        "exit_date": _iso(enr.exit_date),
        "outcome": enr.exit_outcome,
        "capacities": capacities,
        "services": {k: int(v) for k, v in sorted(services.items())},
        "cofinancing": cofinancing,
        "documents": documents,
        "stages": stages,
    }


# -------------------------------------------------------------------------- seal


class NotExited(ValueError):
    """The enrolment has no «salida» yet: there is nothing to seal."""


def _now(at: dt.datetime | None) -> dt.datetime:
    at = at or dt.datetime.now(dt.UTC)
    return at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at


def new_record(enr: Enrolment, payload: dict, *, by: str, at: dt.datetime) -> ExitRecord:
    """The row of a sealed payload (not yet added)."""
    sha, digests = R.sealed(payload)
    return ExitRecord(
        code=R.verification_code(sha, enr.id),
        enrolment_id=enr.id,
        route=enr.route,
        municipality_code=enr.municipality_code,
        operator_id=enr.operator_id,
        outcome=enr.exit_outcome,
        exit_date=enr.exit_date,
        payload=payload,
        sha256=sha,
        digests=digests,
        created_by=(by or "")[:60],
        created_at=at,
    )


def seal_exit(
    session: Session, enrolment: Enrolment, *, by: str, at: dt.datetime | None = None,
    capacities: dict | None = None,
) -> ExitRecord:
    """Build, seal and store the exit record of ``enrolment`` in the caller's transaction, with its
    audit entry (``after``: code, seal, payload). Call it after the «salida» event and the
    enrolment's exit outcome and date are written. An enrolment is sealed once: a second call
    returns the stored record. ValueError (Spanish) for capacities off the scale; ``NotExited``
    when the enrolment has not left its route."""
    session.flush()
    session.refresh(enrolment)
    existing = session.scalars(select(ExitRecord).where(ExitRecord.enrolment_id == enrolment.id)).first()
    if existing is not None:
        return existing
    if enrolment.exit_date is None or not enrolment.exit_outcome:
        raise NotExited(
            f"La inscripción {enrolment.code or enrolment.id} no tiene salida registrada: registre primero la "
            "etapa «Salida» con su resultado; el registro de salida se sella entonces."
        )
    payload = build_payload(session, enrolment, capacities)
    record = new_record(enrolment, payload, by=by, at=_now(at))
    session.add(record)
    session.flush()
    entry = audit.record(
        session, by, ENTITY, record.id, SEAL_ACTION, None,
        {"code": record.code, "sha256": record.sha256, "enrolment_id": enrolment.id, "payload": payload},
    )
    record.audit_log_id = entry.id
    session.flush()
    return record


def seal_many(session: Session, records: list[ExitRecord], *, by: str) -> AuditLog | None:
    """Store already built records (``new_record``) anchored by ONE audit entry whose ``after`` holds the
    SHA-256 over their seals (``rules.routes.exit_record.batch_anchor``): bulk sealing (the demo)."""
    if not records:
        return None
    session.add_all(records)
    session.flush()
    entry = audit.record(
        session, by, BATCH_ENTITY, f"{records[0].id}-{records[-1].id}", SEAL_ACTION, None,
        {"records": len(records), "anchor": R.batch_anchor(r.sha256 for r in records)},
    )
    session.execute(
        ExitRecord.__table__.update()
        .where(ExitRecord.id.in_([r.id for r in records]))
        .values(audit_log_id=entry.id)
    )
    return entry


# ------------------------------------------------------------------------ verify


@dataclass(frozen=True)
class Verification:
    """What a verification found; ``problems`` are Spanish sentences (empty when it matches)."""

    code: str
    found: bool
    problems: list[str] = field(default_factory=list)
    record: dict | None = None  # route, outcome, exit date, municipality, sealed at (no personal data)

    @property
    def ok(self) -> bool:
        return self.found and not self.problems


_COLUMNS = ("enrolment_id", "route", "municipality_code", "outcome", "exit_date")


def _column_problems(row, payload: dict) -> list[str]:
    """The stored row's columns against what its payload says."""
    said = {
        "enrolment_id": (payload.get("enrolment") or {}).get("id"),
        "route": payload.get("route"),
        "municipality_code": payload.get("municipality_code"),
        "outcome": payload.get("outcome"),
        "exit_date": payload.get("exit_date"),
    }
    out = []
    for col in _COLUMNS:
        value = getattr(row, col)
        value = value.isoformat() if isinstance(value, dt.date) else value
        if value != said[col]:
            out.append(
                f"La fila guardada dice {col} = «{value}», pero el registro sellado dice «{said[col]}»: la fila "
                "fue alterada."
            )
    return out


def _entry_problems(conn, row) -> tuple[dict | None, list[str]]:
    """The audit entry of a record, re-hashed: (its ``after``, problems)."""
    if row.audit_log_id is None:
        return None, ["El registro no tiene sello en la cadena de auditoría: no se puede verificar."]
    e = conn.execute(
        select(AuditLog.at, AuditLog.username, AuditLog.entity, AuditLog.entity_id, AuditLog.action,
               AuditLog.before, AuditLog.after, AuditLog.prev_hash, AuditLog.hash)
        .where(AuditLog.id == row.audit_log_id)
    ).first()
    if e is None:
        return None, [f"Falta la entrada #{row.audit_log_id} de la cadena de auditoría que selló el registro."]
    recomputed = audit.entry_hash(at=e.at, username=e.username, entity=e.entity, entity_id=e.entity_id,
                                  action=e.action, before=e.before, after=e.after, prev_hash=e.prev_hash)
    problems = []
    if recomputed != e.hash or e.action != SEAL_ACTION or e.entity not in (ENTITY, BATCH_ENTITY):
        problems.append(
            f"La entrada #{row.audit_log_id} de la cadena de auditoría que selló el registro fue alterada "
            "(su contenido no corresponde a su hash)."
        )
    try:
        after = json.loads(e.after or "{}")
    except ValueError:
        after = {}
    return {**after, "_entity": e.entity}, problems


def _seal_problems(conn, row, after: dict) -> list[str]:
    """The stored seal against the audit entry (one record) or its batch anchor (bulk)."""
    if after.get("_entity") == BATCH_ENTITY:
        seals = conn.scalars(select(ExitRecord.sha256).where(ExitRecord.audit_log_id == row.audit_log_id)).all()
        if len(seals) != after.get("records") or R.batch_anchor(seals) != after.get("anchor"):
            return [
                f"El sello guardado no pertenece al lote sellado en la auditoría (entrada #{row.audit_log_id}): "
                "el sello de este registro, o de otro del mismo lote, fue cambiado."
            ]
        return []
    out = []
    if after.get("sha256") != row.sha256:
        out.append(
            f"El sello guardado ({row.sha256[:12]}…) no es el anotado en la auditoría "
            f"({str(after.get('sha256'))[:12]}…): el sello fue reemplazado."
        )
    if after.get("code") != row.code:
        out.append("El código no es el anotado en la auditoría al sellar.")
    return out


def _what_changed(sealed: dict | None, stored: dict, digests: dict | None) -> str:
    """Where the stored payload differs: against the payload sealed in the audit entry (one record) or,
    for a bulk seal, against the digests kept beside it."""
    paths = R.payload_differences(sealed, stored) if sealed is not None else R.changed_paths(stored, digests)
    return f" Difiere: {', '.join(paths)}." if paths else ""


def verify(code_text: str, url: str | None = None) -> Verification:
    """Whether ``code_text`` names an unaltered record. ValueError (Spanish) for text that cannot be a
    code. Anyone may verify a code they hold: the answer carries no personal data."""
    code = R.parse_code(code_text)
    with session_scope(url) as conn:
        row = conn.execute(
            select(ExitRecord, Municipality.name.label("municipality"))
            .outerjoin(Municipality, Municipality.code == ExitRecord.municipality_code)
            .where(ExitRecord.code == code)
        ).first()
        if row is None:
            return Verification(code, False, [
                f"No existe un registro de salida con el código {R.display_code(code)}: revise el código impreso "
                "en el certificado."
            ])
        rec, municipality = row[0], row.municipality
        payload = rec.payload if isinstance(rec.payload, dict) else json.loads(rec.payload)
        after, problems = _entry_problems(conn, rec)
        sealed_payload = (after or {}).get("payload")
        recomputed = R.seal(payload)
        if recomputed != rec.sha256:
            problems.append(
                "El contenido del registro no corresponde a su sello: fue modificado después de sellarse."
                + _what_changed(sealed_payload, payload, rec.digests)
            )
        elif sealed_payload is not None and R.seal(sealed_payload) != recomputed:
            problems.append("El contenido del registro no es el sellado en la auditoría."
                            + _what_changed(sealed_payload, payload, None))
        if not R.code_matches_seal(code, rec.sha256):
            problems.append("El código no corresponde al sello guardado: el sello fue reemplazado.")
        if after is not None:
            problems.extend(_seal_problems(conn, rec, after))
        problems.extend(_column_problems(rec, payload))
    summary = {
        "code": rec.code, "route": rec.route, "outcome": rec.outcome, "exit_date": rec.exit_date,
        "municipality_code": rec.municipality_code, "municipality": municipality,
        "participant_kind": (payload.get("participant") or {}).get("kind"), "sealed_at": rec.created_at,
        "sha256": rec.sha256,
    }
    return Verification(code, True, list(dict.fromkeys(problems)), summary)


# ------------------------------------------------------------------------- reads


@reads("participants")
def exit_record_for(viewer: Viewer, enrolment: int | str, url: str | None = None) -> dict | None:
    """The sealed record of one enrolment (its number, or its code such as «INS-000123») for the
    certificate, if the viewer may see the enrolment."""
    which = (ExitRecord.enrolment_id == enrolment if isinstance(enrolment, int)
             else ExitRecord.enrolment_id.in_(select(Enrolment.id).where(Enrolment.code == enrolment.strip())))
    with session_scope(url) as conn:
        row = conn.execute(
            select(ExitRecord, Municipality.name.label("municipality"), Operator.name.label("operator_name"))
            .outerjoin(Municipality, Municipality.code == ExitRecord.municipality_code)
            .outerjoin(Operator, Operator.id == ExitRecord.operator_id)
            .where(which, record_clause(viewer, ExitRecord.municipality_code, ExitRecord.operator_id,
                                        ExitRecord.route))
        ).first()
    if row is None:
        return None
    rec = row[0]
    payload = rec.payload if isinstance(rec.payload, dict) else json.loads(rec.payload)
    return {
        "code": rec.code, "enrolment_id": rec.enrolment_id, "route": rec.route, "outcome": rec.outcome,
        "exit_date": rec.exit_date, "municipality_code": rec.municipality_code, "municipality": row.municipality,
        "operator": row.operator_name, "sha256": rec.sha256, "sealed_at": rec.created_at, "payload": payload,
    }


def count_by_batch(url: str | None = None) -> dict[int | None, int]:
    """Records per sealing audit entry (the README and the bench report how bulk sealing anchored)."""
    out: dict[int | None, int] = defaultdict(int)
    with get_engine(url).connect() as conn:
        for entry_id, n in conn.execute(
            select(ExitRecord.audit_log_id, func.count()).group_by(ExitRecord.audit_log_id)
        ):
            out[entry_id] += n
    return dict(out)
