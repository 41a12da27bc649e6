"""Exit records of many enrolments at once: the «etapas» intake seals every exit a file writes, and the
demo seals every exit it generates (``data_access.demo.exits``) from the same reads and payloads.

Why set-wise: a national file ends hundreds of thousands of stays; building each payload with its
own queries (``data_access.routes.exits.build_payload``) would cost several round trips per exit.
Here each part of the payload — participant and contract codes, services, stage history,
co-financing, documents — is read once per chunk of enrolments, and the records come out exactly
as ``build_payload`` makes them (``exits.payload_of``; no capacities assessed unless the caller has
them: a file does not carry them). Each chunk is stored and anchored by one audit entry
(``exits.seal_many``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, aliased

from data_access.core.models import (
    BusinessPlan,
    DocumentLink,
    Enrolment,
    ExitRecord,
    Household,
    HouseholdCofinancing,
    Operator,
    OperatorContract,
    Opr,
    ServiceDelivery,
    StageEvent,
)
from data_access.routes import exits
from rules.routes import exit_record as R

CHUNK = 5_000


def seal_enrolments(session: Session, enrolment_ids: Iterable[int], *, by: str, at: dt.datetime) -> int:
    """Seal the exit record of each of ``enrolment_ids`` that has left its route and has none yet;
    returns how many were sealed."""
    ids = sorted(set(enrolment_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        rows = exited(session, ids[start:start + CHUNK])
        if not rows:
            continue
        parts = read_parts(session, [r.id for r in rows])
        records = [exits.new_record(r, payload(r, parts), by=by, at=at) for r in rows]
        exits.seal_many(session, records, by=by)
        written += len(records)
    return written


def exited(s: Session | Connection, ids: list[int] | None = None) -> list:
    """The enrolments among ``ids`` (every enrolment when None) that have left their route and have no
    exit record yet, in id order, with the codes their payload names."""
    E, P = Enrolment, aliased(Enrolment)
    sealed = select(ExitRecord.id).where(ExitRecord.enrolment_id == E.id).exists()
    stmt = (
        select(E.id, E.code, E.participant_kind, E.route, E.entry_mechanism, E.entry_date, E.municipality_code,
               E.operator_id, E.exit_outcome, E.exit_date, Household.code.label("household"),
               Opr.nit.label("nit"), Operator.code.label("operator"), OperatorContract.code.label("contract"),
               P.code.label("previous"))
        .outerjoin(Household, Household.id == E.household_id)
        .outerjoin(Opr, Opr.id == E.opr_id)
        .outerjoin(Operator, Operator.id == E.operator_id)
        .outerjoin(OperatorContract, OperatorContract.id == E.contract_id)
        .outerjoin(P, P.id == E.previous_enrolment_id)
        .where(E.exit_date.is_not(None), E.exit_outcome.is_not(None), ~sealed)
        .order_by(E.id)
    )
    if ids is not None:
        stmt = stmt.where(E.id.in_(ids))
    return s.execute(stmt).all()


def _grouped(s: Session | Connection, stmt) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in s.execute(stmt):
        out[row[0]].append(tuple(row[1:]))
    return out


def read_parts(s: Session | Connection, ids: list[int]) -> dict[str, dict[int, list]]:
    """Services, stage history (each event with the day it was registered), co-financing and documents
    of the enrolments ``ids``, one query each."""
    SE, SD, HC, BP, DL = StageEvent, ServiceDelivery, HouseholdCofinancing, BusinessPlan, DocumentLink
    return {
        "services": _grouped(s, select(SD.enrolment_id, SD.service_type_code, func.count())
                             .where(SD.enrolment_id.in_(ids)).group_by(SD.enrolment_id, SD.service_type_code)),
        "stages": _grouped(s, select(SE.enrolment_id, SE.stage, SE.event_date, SE.outcome, SE.registered_on)
                           .where(SE.enrolment_id.in_(ids)).order_by(SE.enrolment_id, SE.event_date, SE.id)),
        "micro": _grouped(s, select(HC.enrolment_id, HC.committed_cop, HC.disbursed_cop, HC.requirements_met)
                          .where(HC.enrolment_id.in_(ids))),
        "plans": _grouped(s, select(BP.enrolment_id, BP.code, BP.cofinancing_committed_cop,
                                    BP.cofinancing_disbursed_cop).where(BP.enrolment_id.in_(ids)).order_by(BP.code)),
        "documents": _grouped(s, select(DL.entity_id, DL.file_name, DL.sha256)
                              .where(DL.entity == "enrolment", DL.entity_id.in_(ids)).order_by(DL.id)),
    }


def _cofinancing(eid: int, parts: dict) -> dict | None:
    """As ``exits.build_payload`` reads it: the household micro-project's, else the business plans'."""
    if eid in parts["micro"]:
        committed, disbursed, met = parts["micro"][eid][0]
        return exits.cofinancing_entry("micro_proyecto", committed, disbursed, met, [])
    plans = parts["plans"].get(eid)
    if not plans:
        return None
    return exits.cofinancing_entry("plan_de_negocio", sum(p[1] or 0 for p in plans), sum(p[2] or 0 for p in plans),
                                   None, [p[0] for p in plans])


def payload(row, parts: dict, capacities: dict | None = None) -> dict:
    """The payload of one row of ``exited`` from its ``read_parts``, with the capacities assessed at exit
    (none when None)."""
    participant = {"kind": row.participant_kind, "code": row.household if row.participant_kind == "hogar" else row.nit}
    return exits.payload_of(
        row, participant, row.operator, row.contract, row.previous, R.normalise_capacities(capacities),
        {service: n for service, n in parts["services"].get(row.id, [])}, _cofinancing(row.id, parts),
        [{"file_name": name, "sha256": sha} for name, sha in parts["documents"].get(row.id, [])],
        [{"stage": st, "date": day.isoformat(), "outcome": outcome}
         for st, day, outcome, _ in parts["stages"].get(row.id, [])],
    )
