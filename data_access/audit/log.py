"""Append-only, hash-chained audit log of every write (issue 7).

Every write function appends one entry per changed row **in the caller's transaction**
with ``record(session, ...)``: who, when, entity, id, action, before and after as
canonical JSON, ``prev_hash`` (the previous entry's hash) and ``hash`` = SHA-256 over
the canonical entry including ``prev_hash``. Changing, inserting or deleting any entry
by SQL breaks the chain at that entry (or the next one); ``verify(url)`` recomputes
the chain in id order and names the first broken entry.

Deleting the newest entries leaves an intact, shorter chain, so the chain is anchored
outside the store: ``head(url)`` is the newest entry as ``ID:HASH``; someone keeps it
elsewhere (the nightly job of docs/deployment.md, or a person copying it from the admin
page), and ``verify(url, head=...)`` fails, naming the entry, when the chain no longer
contains that head. A log emptied while programme data exists fails too: every write of
programme data (edits, imports, the demo seed) appends an entry.

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
import re
from dataclasses import dataclass

from sqlalchemy import exists, func, inspect, select, text
from sqlalchemy.orm import Session

from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import (
    AuditLog,
    Base,
    BusinessPlan,
    Enrolment,
    Municipality,
    OperatorContract,
    SlaDefinition,
)
from rules import access
from rules.core.formatting import BOGOTA

GENESIS_HASH = "0" * 64
# Arbitrary constant key for pg_advisory_xact_lock: "audit chain head".
CHAIN_LOCK_KEY = 7_230_001
# Programme tables: rows reach them only through audited writes, so while any of them
# holds a row the log cannot be empty.
AUDITED_TABLES = ("operator", "operator_contract", "contract_service", "targeting", "territorial_alert", "opr",
                  "household", "enrolment", "stage_event", "service_delivery", "business_plan", "alliance_evidence",
                  "sales", "sla_definition", "sla_measurement")


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


def lock_chain(session: Session) -> None:
    """Serialise with every audited writer now, before reading what decides the write (a
    writer whose check must see the others' committed rows, e.g. a quarter close)."""
    _lock_chain(session)


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


@dataclass(frozen=True)
class Head:
    """The newest entry of the chain, as kept outside the store: ``ID:HASH``."""

    id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.id}:{self.hash}"


_HEAD_RE = re.compile(r"#?(\d{1,18}):([0-9a-fA-F]{64})")


def parse_head(text: str) -> Head:
    """``'350:9f…'`` (as printed by ``tablero audit head``) → Head; ValueError in Spanish otherwise."""
    m = _HEAD_RE.fullmatch((text or "").strip())
    if not m:
        raise ValueError(
            f"«{text}» no es una cabeza de auditoría: use ID:HASH tal como lo imprime `tablero audit head` "
            "(el número de la entrada, dos puntos y los 64 caracteres hexadecimales de su hash)."
        )
    return Head(int(m.group(1)), m.group(2).lower())


def head(url: str | None = None) -> Head | None:
    """The newest entry (None for an empty log)."""
    with get_engine(url).connect() as conn:
        row = conn.execute(select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
    return Head(row.id, row.hash) if row else None


def programme_data_tables(url: str | None = None) -> list[str]:
    """The programme tables that hold at least one row (one cheap EXISTS each)."""
    tables = Base.metadata.tables
    with get_engine(url).connect() as conn:
        return [name for name in AUDITED_TABLES if conn.scalar(select(exists().select_from(tables[name])))]


def verify(url: str | None = None, batch: int = 2000, head: Head | str | None = None) -> VerifyResult:
    """Recompute the whole chain in id order; name the first broken entry.

    With ``head`` (kept outside the store), also fail when the chain no longer contains
    that entry with that hash: entries after the last one could be deleted without
    breaking the chain. An empty log fails while programme data exists.
    """
    anchor = parse_head(head) if isinstance(head, str) else head
    anchor_hash: str | None = None  # the anchored entry's hash as found in the store
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
                if anchor is not None and r.id == anchor.id:
                    anchor_hash = r.hash
    if anchor is not None:
        broken = _anchor_problem(anchor, anchor_hash, last_id if checked else None)
        if broken:
            return VerifyResult(False, checked, anchor.id, broken)
    if not checked:
        data = programme_data_tables(url)
        if data:
            return VerifyResult(
                False,
                0,
                None,
                "El registro de auditoría está vacío, pero el almacén tiene datos del programa "
                f"({', '.join(data)}): cada escritura deja una entrada, así que el registro fue borrado. "
                "Restaure el registro desde una copia de seguridad e investigue el borrado.",
            )
    return VerifyResult(True, checked, None, f"Cadena de auditoría íntegra: {checked} entradas verificadas.")


def _anchor_problem(anchor: Head, found_hash: str | None, newest_id: int | None) -> str | None:
    """Spanish message when the chain no longer holds the anchored head, else None."""
    kept = f"{anchor.hash[:16]}…"
    restore = "Restaure el registro desde una copia de seguridad e investigue el cambio."
    if found_hash is None:
        now = f"la más reciente es la #{newest_id}" if newest_id is not None else "el registro está vacío"
        return (
            f"Falta la entrada #{anchor.id} (cabeza anotada {kept}): ya no está en el registro ({now}); "
            f"se borraron entradas de auditoría. {restore}"
        )
    if found_hash != anchor.hash:
        return (
            f"La entrada #{anchor.id} no es la anotada como cabeza: su hash es {found_hash[:16]}…, se anotó "
            f"{kept}; el registro fue reescrito hasta esa entrada. {restore}"
        )
    return None


def count(url: str | None = None) -> int:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditLog)) or 0


# -------------------------------------------------------------------- reading


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The stored (naive UTC) instant at which ``day`` starts in Bogotá: people pick Bogotá days."""
    return dt.datetime.combine(day, dt.time.min, BOGOTA).astimezone(dt.UTC).replace(tzinfo=None)


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
        stmt = stmt.where(AuditLog.at >= _utc_midnight(date_from))
    if date_to:
        stmt = stmt.where(AuditLog.at < _utc_midnight(date_to + dt.timedelta(days=1)))
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


def _row(entry: dict) -> dict:
    text = entry.get("after") or entry.get("before")
    try:
        row = json.loads(text) if text else {}
    except ValueError:
        return {}
    return row if isinstance(row, dict) else {}


def record_labels(entries: list[dict], url: str | None = None) -> dict[int, str]:
    """entry id → what the record is for a person: its code (PN, alert, enrolment), the
    municipality's name and year of a targeting row, the plan or enrolment an evidence, event or
    delivery belongs to, a contract and quarter, a name or user; the stored id only as a last resort.
    Names are looked up in one query per kind, whatever the number of entries."""
    rows = {e["id"]: _row(e) for e in entries}
    wanted: dict[str, set] = {"muni": set(), "enrolment": set(), "plan": set(), "contract": set(), "sla": set()}
    for row in rows.values():
        for key, kind in (("municipality_code", "muni"), ("enrolment_id", "enrolment"),
                          ("business_plan_id", "plan"), ("contract_id", "contract"), ("definition_id", "sla")):
            if row.get(key) is not None:
                wanted[kind].add(row[key])
    names: dict[str, dict] = {kind: {} for kind in wanted}
    lookups = {"muni": (Municipality.code, Municipality.name), "enrolment": (Enrolment.id, Enrolment.code),
               "plan": (BusinessPlan.id, BusinessPlan.code), "contract": (OperatorContract.id, OperatorContract.code),
               "sla": (SlaDefinition.id, SlaDefinition.code)}
    if any(wanted.values()):
        with get_engine(url).connect() as conn:
            for kind, values in wanted.items():
                key_col, name_col = lookups[kind]
                for chunk in _chunks(sorted(values, key=str), 500):
                    names[kind].update(conn.execute(select(key_col, name_col).where(key_col.in_(chunk))).all())
    out = {}
    for entry in entries:
        row = rows[entry["id"]]
        muni = names["muni"].get(row.get("municipality_code"))
        parts: list[str] = []
        if entry["entity"] == "targeting":
            code = row.get("municipality_code")
            parts = [f"{muni or code} ({code})", str(row.get("year", ""))]
        elif row.get("code"):
            parts = [str(row["code"])] + ([muni] if muni else [])
        elif row.get("business_plan_id") is not None:
            parts = [str(names["plan"].get(row["business_plan_id"], row["business_plan_id"]))]
        elif row.get("enrolment_id") is not None:
            parts = [str(names["enrolment"].get(row["enrolment_id"], row["enrolment_id"]))]
            parts += [str(row[k]) for k in ("stage", "service_type_code") if row.get(k)]
        elif row.get("contract_id") is not None:
            parts = [str(names["contract"].get(row["contract_id"], row["contract_id"])),
                     str(names["sla"].get(row.get("definition_id"), "")), str(row.get("quarter") or "")]
        else:
            parts = [str(row[k]) for k in ("name", "username", "file_name") if row.get(k)][:1]
        label = " · ".join(p for p in parts if p and p != "None")
        out[entry["id"]] = label or str(entry["entity_id"])
    return out


def _chunks(values: list, size: int):
    for i in range(0, len(values), size):
        yield values[i:i + size]
