"""Append-only, hash-chained audit log of every write (issue 7).

Every write function appends one entry per changed row **in the caller's transaction**
with ``record(session, ...)``: who, when, entity, id, action, before and after as
canonical JSON, ``prev_hash`` (the previous entry's hash) and ``hash`` = SHA-256 over
the canonical entry including ``prev_hash``. Changing, inserting or deleting any entry
by SQL breaks the chain at that entry (or the next one); ``verify(url)`` recomputes
the chain in id order and names the first broken entry.

Concurrency: chain appends are serialised so that two writers never read the same
chain head. On PostgreSQL ``record`` takes a transaction-scoped advisory lock
(``pg_advisory_xact_lock``) before reading the head; it is released at commit or
rollback, so the next writer reads the committed head (READ COMMITTED takes a fresh
snapshot per statement). On SQLite writers are already serialised by ``BEGIN
IMMEDIATE`` (``session_scope(url, write=True)``).

Lock order for writers (avoids deadlocks): lock/update the edited rows first, then
``audit.record`` (chain lock), then ``versions.bump`` (data_version rows).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import AuditLog
from rules import access

GENESIS_HASH = "0" * 64
# Arbitrary constant key for pg_advisory_xact_lock: "audit chain head".
CHAIN_LOCK_KEY = 7_230_001


# ------------------------------------------------------------------ canonical form


def _default(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"valor no serializable en auditoría: {type(value).__name__}")


def canonical_json(value) -> str:
    """Deterministic JSON: sorted keys, no whitespace, ISO dates, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def row_dict(obj) -> dict:
    """Column values of an ORM object (for ``before`` / ``after``)."""
    mapper = inspect(obj).mapper
    return {attr.key: getattr(obj, attr.key) for attr in mapper.column_attrs}


def _norm_at(at: dt.datetime) -> dt.datetime:
    """Naive UTC with microseconds: what both stores return unchanged."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at


def entry_hash(
    *,
    at: dt.datetime,
    username: str,
    entity: str,
    entity_id: str,
    action: str,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    payload = canonical_json(
        {
            "at": _norm_at(at).isoformat(timespec="microseconds"),
            "username": username,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------- append


def _lock_chain(session: Session) -> None:
    if not is_sqlite(session.get_bind()):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK_KEY})


def record(
    session: Session,
    username: str,
    entity: str,
    entity_id,
    action: str,
    before: dict | None,
    after: dict | None,
) -> AuditLog:
    """Append one chained entry in the caller's transaction and return it (flushed)."""
    _lock_chain(session)
    session.flush()  # pending rows first, so ids/values in before/after are final
    prev = session.scalar(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)) or GENESIS_HASH
    at = _norm_at(dt.datetime.now(dt.UTC))
    before_json = canonical_json(before) if before is not None else None
    after_json = canonical_json(after) if after is not None else None
    entry = AuditLog(
        at=at,
        username=username or "",
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        before=before_json,
        after=after_json,
        prev_hash=prev,
        hash=entry_hash(
            at=at,
            username=username or "",
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            before=before_json,
            after=after_json,
            prev_hash=prev,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


# ------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_id: int | None
    message: str  # Spanish, for people


# What an entry says (who, when, what, before/after), as read by verify() and entries().
_ENTRY = (AuditLog.id, AuditLog.at, AuditLog.username, AuditLog.entity, AuditLog.entity_id, AuditLog.action,
          AuditLog.before, AuditLog.after)


def verify(url: str | None = None, batch: int = 2000) -> VerifyResult:
    """Recompute the whole chain in id order; name the first broken entry."""
    engine = get_engine(url)
    prev = GENESIS_HASH
    checked = 0
    cols = (*_ENTRY, AuditLog.prev_hash, AuditLog.hash)
    last_id = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(*cols).where(AuditLog.id > last_id).order_by(AuditLog.id).limit(batch)
            ).all()
            if not rows:
                break
            for r in rows:
                last_id = r.id
                if r.prev_hash != prev:
                    return VerifyResult(
                        False,
                        checked,
                        r.id,
                        f"Cadena de auditoría rota en la entrada #{r.id} ({r.entity} {r.entity_id}, "
                        f"{r.action}, {r.username}): su hash anterior no coincide con la entrada previa "
                        "(una entrada fue borrada, insertada o alterada). Restaure el registro desde "
                        "una copia de seguridad e investigue el cambio.",
                    )
                expected = entry_hash(
                    at=r.at,
                    username=r.username,
                    entity=r.entity,
                    entity_id=r.entity_id,
                    action=r.action,
                    before=r.before,
                    after=r.after,
                    prev_hash=r.prev_hash,
                )
                if expected != r.hash:
                    return VerifyResult(
                        False,
                        checked,
                        r.id,
                        f"Cadena de auditoría rota en la entrada #{r.id} ({r.entity} {r.entity_id}, "
                        f"{r.action}, {r.username}): su contenido no corresponde a su hash (fue "
                        "modificada después de escribirse). Restaure el registro desde una copia de "
                        "seguridad e investigue el cambio.",
                    )
                prev = r.hash
                checked += 1
    return VerifyResult(True, checked, None, f"Cadena de auditoría íntegra: {checked} entradas verificadas.")


def count(url: str | None = None) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditLog)) or 0


# -------------------------------------------------------------------- reading


def entries(
    viewer,
    entity: str | None = None,
    username: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    entity_id: str | None = None,
    limit: int = 500,
    url: str | None = None,
) -> list[dict]:
    """Audit entries, newest first, for whoever may read the audit (default-deny: [] for others)."""
    if not access.allowed(viewer, access.READ_AUDIT):
        return []
    stmt = (
        select(*_ENTRY, AuditLog.hash)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if username:
        stmt = stmt.where(AuditLog.username == username)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == str(entity_id))
    if date_from:
        stmt = stmt.where(AuditLog.at >= dt.datetime.combine(date_from, dt.time.min))
    if date_to:
        stmt = stmt.where(AuditLog.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def facets(viewer, url: str | None = None) -> dict[str, list[str]]:
    """Distinct entities and users in the log (for the audit page's filters)."""
    if not access.allowed(viewer, access.READ_AUDIT):
        return {"entities": [], "users": []}
    with get_engine(url).connect() as conn:
        ents = [r[0] for r in conn.execute(select(AuditLog.entity).distinct().order_by(AuditLog.entity))]
        users = [r[0] for r in conn.execute(select(AuditLog.username).distinct().order_by(AuditLog.username))]
    return {"entities": ents, "users": users}


def changed_fields(before: str | None, after: str | None) -> str:
    """'campo: antes → después; ...' from the stored canonical JSON (for tables)."""
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    keys = sorted(k for k in set(a) | set(b) if k != "version" and a.get(k) != b.get(k))
    return "; ".join(f"{k}: {b.get(k, '—')} → {a.get(k, '—')}" for k in keys)
