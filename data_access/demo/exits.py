"""Demo exit records: every demo enrolment that has left its route gets its verifiable exit record, as
the stage writer and the intake seal them (``data_access.routes.exits``: same payload, same seal, same
code), with capacities assessed at exit drawn from the demo's own stream.

Why in bulk: a national demo has hundreds of thousands of exits; one audit entry per record would add
as many chain entries and minutes to the seed. Records are sealed in batches of ``BATCH``, each batch
anchored by ONE audit entry holding the SHA-256 over its records' seals (``seal_many``'s entry), so a
verification re-reads at most one batch. Same seed → same records (ids, payloads, seals and codes).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import aliased

from data_access.audit import log as audit
from data_access.core.db import session_scope
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
from rules.routes.model import COMPLETED_EXITS, EXIT_ABANDONO, SALIDA

BATCH = 10_000
BY = "sistema:demo"
SEALED_AT = dt.time(17, 0)  # noon in Bogotá, UTC as stored


def _exited(conn):
    E, P = Enrolment, aliased(Enrolment)
    return conn.execute(
        select(E.id, E.code, E.participant_kind, E.route, E.entry_mechanism, E.entry_date, E.municipality_code,
               E.operator_id, E.exit_outcome, E.exit_date, Household.code.label("household"),
               Opr.nit.label("nit"), Operator.code.label("operator"), OperatorContract.code.label("contract"),
               P.code.label("previous"))
        .outerjoin(Household, Household.id == E.household_id)
        .outerjoin(Opr, Opr.id == E.opr_id)
        .outerjoin(Operator, Operator.id == E.operator_id)
        .outerjoin(OperatorContract, OperatorContract.id == E.contract_id)
        .outerjoin(P, P.id == E.previous_enrolment_id)
        .where(E.exit_date.is_not(None))
        .order_by(E.id)
    ).all()


def _grouped(conn, stmt) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for row in conn.execute(stmt):
        out[row[0]].append(tuple(row[1:]))
    return out


def _exited_rows(column):
    return select(Enrolment.id).where(Enrolment.exit_date.is_not(None), Enrolment.id == column).exists()


def _parts(conn) -> dict[str, dict[int, list]]:
    """Services, stage history, co-financing and documents of every exited enrolment, one query each."""
    SE, SD, HC, BP, DL = StageEvent, ServiceDelivery, HouseholdCofinancing, BusinessPlan, DocumentLink
    return {
        "services": _grouped(conn, select(SD.enrolment_id, SD.service_type_code, func.count())
                             .where(_exited_rows(SD.enrolment_id)).group_by(SD.enrolment_id, SD.service_type_code)),
        "stages": _grouped(conn, select(SE.enrolment_id, SE.stage, SE.event_date, SE.outcome, SE.registered_on)
                           .where(_exited_rows(SE.enrolment_id)).order_by(SE.enrolment_id, SE.event_date, SE.id)),
        "micro": _grouped(conn, select(HC.enrolment_id, HC.committed_cop, HC.disbursed_cop, HC.requirements_met)),
        "plans": _grouped(conn, select(BP.enrolment_id, BP.code, BP.cofinancing_committed_cop,
                                    BP.cofinancing_disbursed_cop).where(BP.enrolment_id.is_not(None))
                          .order_by(BP.code)),
        "documents": _grouped(conn, select(DL.entity_id, DL.file_name, DL.sha256).where(DL.entity == "enrolment")
                              .order_by(DL.id)),
    }


def _capacities(rng: np.random.Generator, outcomes: list[str]) -> list[dict]:
    """Completed exits were assessed 3–5, losses 1–3; half of the abandonos were not assessed."""
    n = len(outcomes)
    high = rng.integers(3, 6, size=(n, 3))
    low = rng.integers(1, 4, size=(n, 3))
    unassessed = rng.random(n) < 0.5
    out = []
    for i, outcome in enumerate(outcomes):
        if outcome == EXIT_ABANDONO and unassessed[i]:
            out.append(R.normalise_capacities(None))
            continue
        values = high[i] if outcome in COMPLETED_EXITS else low[i]
        out.append(dict(zip(R.CAPACITY_DIMENSIONS, (int(v) for v in values), strict=True)))
    return out


def _cofinancing(eid: int, parts: dict) -> dict | None:
    if eid in parts["micro"]:
        committed, disbursed, met = parts["micro"][eid][0]
        return exits.cofinancing_entry("micro_proyecto", committed, disbursed, met, [])
    plans = parts["plans"].get(eid)
    if not plans:
        return None
    return exits.cofinancing_entry("plan_de_negocio", sum(p[1] or 0 for p in plans), sum(p[2] or 0 for p in plans),
                                   None, [p[0] for p in plans])


def _record(row, capacities: dict, parts: dict) -> dict:
    """One exit record as a row of ``exit_record`` (its audit entry is the batch's)."""
    history = parts["stages"].get(row.id, [])
    participant = {"kind": row.participant_kind, "code": row.household if row.participant_kind == "hogar" else row.nit}
    payload = exits.payload_of(
        row, participant, row.operator, row.contract, row.previous, capacities,
        {service: n for service, n in parts["services"].get(row.id, [])}, _cofinancing(row.id, parts),
        [{"file_name": name, "sha256": sha} for name, sha in parts["documents"].get(row.id, [])],
        [{"stage": st, "date": day.isoformat(), "outcome": outcome} for st, day, outcome, _ in history],
    )
    sealed_on = next((reg for st, _, _, reg in reversed(history) if st == SALIDA), row.exit_date)
    sha, digests = R.sealed(payload)
    return {"code": R.verification_code(sha, row.id), "enrolment_id": row.id, "route": row.route,
            "municipality_code": row.municipality_code, "operator_id": row.operator_id, "outcome": row.exit_outcome,
            "exit_date": row.exit_date, "payload": payload, "sha256": sha, "digests": digests,
            "created_by": BY,
            "created_at": dt.datetime.combine(sealed_on, SEALED_AT)}


def seal_exits(url: str | None, seed: int, batch: int = BATCH) -> dict:
    """Seal every exited demo enrolment without a record; returns the records and anchoring entries written."""
    rng = np.random.default_rng([seed, 18019])
    written = entries = 0
    with session_scope(url, write=True) as s:
        conn = s.connection()  # Core reads and inserts: hundreds of thousands of rows at national scale
        sealed = set(conn.execute(select(ExitRecord.enrolment_id)).scalars())
        rows = [r for r in _exited(conn) if r.id not in sealed]
        parts = _parts(conn)
        capacities = _capacities(rng, [r.exit_outcome for r in rows])
        for start in range(0, len(rows), batch):
            chunk = zip(rows[start:start + batch], capacities[start:start + batch], strict=True)
            records = [_record(r, c, parts) for r, c in chunk]
            span = f"{records[0]['enrolment_id']}-{records[-1]['enrolment_id']}"
            entry = audit.record(s, BY, exits.BATCH_ENTITY, span, exits.SEAL_ACTION, None,
                                 {"records": len(records), "anchor": R.batch_anchor(r["sha256"] for r in records)})
            conn.execute(insert(ExitRecord.__table__), [{**r, "audit_log_id": entry.id} for r in records])
            written += len(records)
            entries += 1
    return {"records": written, "audit_entries": entries}
