"""Demo exit records: every demo enrolment that has left its route gets its verifiable exit record, as
the stage writer and the intake seal them (``data_access.routes.exits``: same payload, same seal, same
code; read and built set-wise by ``data_access.routes.exit_batch``), with capacities assessed at exit
drawn from the demo's own stream.

Why in bulk: a national demo has hundreds of thousands of exits; one audit entry per record would add
as many chain entries and minutes to the seed. Records are sealed in batches of ``BATCH``, each batch
anchored by ONE audit entry holding the SHA-256 over its records' seals (``seal_many``'s entry), so a
verification re-reads at most one batch. Same seed → same records (ids, payloads, seals and codes).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import insert

from data_access.audit import log as audit
from data_access.core.db import session_scope
from data_access.core.models import ExitRecord
from data_access.routes import exit_batch, exits
from rules.routes import exit_record as R
from rules.routes.model import COMPLETED_EXITS, EXIT_ABANDONO, SALIDA

BATCH = 10_000
BY = "sistema:demo"
SEALED_AT = dt.time(17, 0)  # noon in Bogotá, UTC as stored


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


def _record(row, capacities: dict, parts: dict) -> dict:
    """One exit record as a row of ``exit_record`` (its audit entry is the batch's), sealed at noon of
    the day its «salida» was registered."""
    payload = exit_batch.payload(row, parts, capacities)
    history = parts["stages"].get(row.id, [])
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
        rows = exit_batch.exited(conn)
        capacities = _capacities(rng, [r.exit_outcome for r in rows])  # one draw over all: same seed, same draws
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            parts = exit_batch.read_parts(conn, [r.id for r in chunk])
            records = [_record(r, c, parts) for r, c in zip(chunk, capacities[start:start + batch], strict=True)]
            span = f"{records[0]['enrolment_id']}-{records[-1]['enrolment_id']}"
            entry = audit.record(s, BY, exits.BATCH_ENTITY, span, exits.SEAL_ACTION, None,
                                 {"records": len(records), "anchor": R.batch_anchor(r["sha256"] for r in records)})
            conn.execute(insert(ExitRecord.__table__), [{**r, "audit_log_id": entry.id} for r in records])
            written += len(records)
            entries += 1
    return {"records": written, "audit_entries": entries}
