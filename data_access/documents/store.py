"""Documents: files attached to rows (alliance evidence, ANS values, exit records, knowledge records),
stored content-addressed and seen by whoever may see the row.

The bytes live in the document store, a folder (``TABLERO_DOCUMENTS``, default ``data/documents``)
under their SHA-256 (``ab/abcd…``): the same file attached twice is stored once, and a file altered
or lost on disk no longer matches its name, which ``verify_files`` (``tablero audit verify``)
reports. The ``document`` row keeps size and type; a ``document_link`` ties it to a row.

Limits are settings: ``TABLERO_DOCUMENT_MAX_MB`` (default 10) and ``TABLERO_DOCUMENT_TYPES`` (file
extensions, default pdf, jpg, jpeg, png, xlsx, docx, csv, txt). Attaching is the row's edit, with
the row's permission, audited (the link's entry carries the SHA-256) in one transaction. Reading
resolves the row and applies its scope before any byte is returned: a link from another region,
or a SHA-256 that is not the link's, gives nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import get_engine
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    Document,
    DocumentLink,
    ExitRecord,
    KnowledgeRecord,
    OperatorContract,
    SlaDefinition,
    SlaMeasurement,
)
from data_access.core.scope import Viewer, contract_clause, enrolment_route, record_clause
from data_access.core.versions import reads
from data_access.edits.common import (
    EditError,
    NotFound,
    check_contract,
    check_territory,
    insert,
    write_session,
)
from data_access.knowledge import records as knowledge_writes
from data_access.knowledge.search import visible_clause as knowledge_clause
from rules.access import EDIT_BUSINESS_PLAN, EDIT_SLA, EDIT_STAGE

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "data" / "documents"
DEFAULT_TYPES = "pdf,jpg,jpeg,png,xlsx,docx,csv,txt"
MEDIA_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv", "txt": "text/plain", "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet", "zip": "application/zip",
}
ENTITY_LABELS = {"alliance_evidence": "evidencia de alianza", "sla_measurement": "valor de ANS",
                 "exit_record": "registro de salida", "knowledge_record": "registro de conocimiento"}


class DocumentRefused(EditError):
    """A file the store does not take (size, type, empty); ``message`` in Spanish."""


# ------------------------------------------------------------------ settings


def root() -> Path:
    return Path(os.environ.get("TABLERO_DOCUMENTS") or DEFAULT_ROOT)


def max_bytes() -> int:
    return int(float(os.environ.get("TABLERO_DOCUMENT_MAX_MB") or 10) * 1024 * 1024)


def allowed_types() -> tuple[str, ...]:
    raw = os.environ.get("TABLERO_DOCUMENT_TYPES") or DEFAULT_TYPES
    return tuple(t.strip().lower().lstrip(".") for t in raw.split(",") if t.strip())


def extension(file_name: str) -> str:
    return Path(file_name or "").suffix.lower().lstrip(".")


def check_file(file_name: str, data: bytes) -> None:
    """Refuse, naming the fix, a file without name, empty, too large or of a type not allowed."""
    name = (file_name or "").strip()
    ext = extension(name)
    types = allowed_types()
    if not name or len(name) > 260:
        raise DocumentRefused("Archivo: indique un nombre de archivo de 1 a 260 caracteres.")
    if ext not in types:
        raise DocumentRefused(f"Archivo «{name}»: el tipo «.{ext or '?'}» no se admite; suba un archivo "
                              f"{', '.join('.' + t for t in types)}.")
    if not data:
        raise DocumentRefused(f"Archivo «{name}»: está vacío; adjunte el documento con su contenido.")
    if len(data) > max_bytes():
        raise DocumentRefused(f"Archivo «{name}»: pesa {len(data) / 1048576:.1f} MB y el máximo es "
                              f"{max_bytes() / 1048576:.0f} MB; redúzcalo (p. ej. un PDF escaneado a menor "
                              "resolución) o divídalo.")


# ------------------------------------------------------------------ bytes on disk


def path_for(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_bytes(data: bytes) -> str:
    """Store ``data`` under its SHA-256 (atomically; kept if already there) and return the hash."""
    sha = digest(data)
    target = path_for(sha)
    if target.exists() and digest(target.read_bytes()) == sha:
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, target)
    return sha


# ------------------------------------------------------------------ the rows a document belongs to


def visible_rows(viewer: Viewer, entity: str):
    """Select of the ids of ``entity`` rows ``viewer`` may see (the row's own scope)."""
    if entity == "knowledge_record":
        return select(KnowledgeRecord.id).where(knowledge_clause(viewer))
    if entity == "alliance_evidence":
        return (select(AllianceEvidence.id).join(BusinessPlan, BusinessPlan.id == AllianceEvidence.business_plan_id)
                .where(record_clause(viewer, BusinessPlan.municipality_code, BusinessPlan.psde_operator_id,
                                     enrolment_route(BusinessPlan.enrolment_id))))
    if entity == "sla_measurement":
        return (select(SlaMeasurement.id).join(OperatorContract, OperatorContract.id == SlaMeasurement.contract_id)
                .where(contract_clause(viewer)))
    if entity == "exit_record":
        return select(ExitRecord.id).where(record_clause(viewer, ExitRecord.municipality_code,
                                                         ExitRecord.operator_id, ExitRecord.route))
    return select(KnowledgeRecord.id).where(false())


def link_clause(viewer: Viewer):
    """Links ``viewer`` may see: those of rows it may see."""
    return or_(*(
        (DocumentLink.entity == entity) & DocumentLink.entity_id.in_(visible_rows(viewer, entity))
        for entity in ENTITY_LABELS
    ))


_TOPICS = {"alliance_evidence": "business_plans", "sla_measurement": "sla", "exit_record": "participants",
           "knowledge_record": knowledge_writes.TOPIC}


def _check_attach(s: Session, viewer: Viewer, entity: str, entity_id: int) -> None:
    """The row's edit permission, or NotFound when there is no such row."""
    what = "adjuntar documentos"
    missing = NotFound(f"No existe {ENTITY_LABELS.get(entity, entity)} {entity_id}; recargue la página.")
    if entity == "alliance_evidence":
        plan = AllianceEvidence.business_plan_id == BusinessPlan.id
        muni = s.scalar(select(BusinessPlan.municipality_code).join(AllianceEvidence, plan)
                        .where(AllianceEvidence.id == entity_id))
        if muni is None:
            raise missing
        check_territory(s, viewer, EDIT_BUSINESS_PLAN, muni, what)
    elif entity == "sla_measurement":
        contract = s.scalar(select(OperatorContract).join(
            SlaMeasurement, SlaMeasurement.contract_id == OperatorContract.id).where(SlaMeasurement.id == entity_id))
        if contract is None:
            raise missing
        check_contract(viewer, EDIT_SLA, contract, what)
    elif entity == "exit_record":
        muni = s.scalar(select(ExitRecord.municipality_code).where(ExitRecord.id == entity_id))
        if muni is None:
            raise missing
        check_territory(s, viewer, EDIT_STAGE, muni, what)
    elif entity == "knowledge_record":
        row = s.get(KnowledgeRecord, entity_id)
        if row is None:
            raise missing
        knowledge_writes.check_write(s, viewer, row.municipality_code, row.operator_id)
    else:
        raise NotFound(f"No se adjuntan documentos a «{entity}»; use {', '.join(ENTITY_LABELS)}.")


def attach(viewer: Viewer, entity: str, entity_id: int, file_name: str, data: bytes,
           url: str | None = None) -> int:
    """Attach a file to a row the viewer may edit; returns the link's id. The bytes are stored first
    (content-addressed: a refused write leaves at most an unreferenced file, never a dangling row)."""
    check_file(file_name, data)
    with write_session(viewer, url) as s:
        _check_attach(s, viewer, entity, int(entity_id))
        sha = put_bytes(data)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        if s.get(Document, sha) is None:
            document = Document(sha256=sha, size=len(data), stored_at=now,
                                media_type=MEDIA_TYPES.get(extension(file_name), "application/octet-stream"))
            s.add(document)
            s.flush()  # the log's id column is short: the entry names the hash's start, its JSON the whole hash
            audit.record(s, viewer.username, "document", sha[:16], "create", None, audit.row_dict(document))
        link = DocumentLink(sha256=sha, entity=entity, entity_id=int(entity_id), file_name=file_name.strip(),
                            added_by=viewer.username, added_at=now)
        result = insert(s, viewer, link, "document_link")
        versions.bump(s, _TOPICS[entity])
        return int(result.id)


# ------------------------------------------------------------------ reads


_LINK_COLUMNS = (DocumentLink.id, DocumentLink.sha256, DocumentLink.entity, DocumentLink.entity_id,
                 DocumentLink.file_name, DocumentLink.added_by, DocumentLink.added_at, Document.size,
                 Document.media_type)


def _rows(stmt, url) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


@reads("business_plans", "sla", "participants", "results")
def links(viewer: Viewer, entity: str | None = None, entity_id: int | None = None, limit: int = 500,
          url: str | None = None) -> list[dict]:
    """The documents ``viewer`` may see (of one row, or of every row), newest first."""
    stmt = (select(*_LINK_COLUMNS).join(Document, Document.sha256 == DocumentLink.sha256)
            .where(link_clause(viewer)).order_by(DocumentLink.added_at.desc(), DocumentLink.id.desc()).limit(limit))
    if entity is not None:
        stmt = stmt.where(DocumentLink.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(DocumentLink.entity_id == int(entity_id))
    return _rows(stmt, url)


@reads("sla")
def sla_measurements(viewer: Viewer, contract_id: int, quarter: str, url: str | None = None) -> list[dict]:
    """The stored ANS values of a contract's quarter that ``viewer`` may see (what a file attaches to)."""
    stmt = (select(SlaMeasurement.id, SlaDefinition.code, SlaDefinition.name)
            .join(SlaDefinition, SlaDefinition.id == SlaMeasurement.definition_id)
            .join(OperatorContract, OperatorContract.id == SlaMeasurement.contract_id)
            .where(SlaMeasurement.contract_id == int(contract_id), SlaMeasurement.quarter == quarter,
                   contract_clause(viewer))
            .order_by(SlaDefinition.code))
    return _rows(stmt, url)


@dataclass(frozen=True)
class Download:
    link: dict
    data: bytes


class DocumentDamaged(EditError):
    """The stored file is missing or no longer matches its SHA-256."""


def fetch(viewer: Viewer, link_id: int, sha256: str | None = None, url: str | None = None) -> Download | None:
    """The bytes of a link ``viewer`` may see (None otherwise, also when ``sha256`` is not the
    link's); ``DocumentDamaged`` when the file on disk is missing or altered."""
    try:
        link_id = int(link_id)
    except (TypeError, ValueError):
        return None
    stmt = (select(*_LINK_COLUMNS).join(Document, Document.sha256 == DocumentLink.sha256)
            .where(DocumentLink.id == link_id, link_clause(viewer)))
    if sha256 is not None:
        stmt = stmt.where(DocumentLink.sha256 == str(sha256).lower())
    rows = _rows(stmt, url)
    if not rows:
        return None
    link = rows[0]
    path = path_for(link["sha256"])
    if not path.exists():
        raise DocumentDamaged(f"El archivo «{link['file_name']}» no está en el almacén de documentos ({path}); "
                              "restáurelo desde la copia de seguridad (tablero audit verify lista los faltantes).")
    data = path.read_bytes()
    if digest(data) != link["sha256"]:
        raise DocumentDamaged(f"El archivo «{link['file_name']}» fue alterado en el almacén de documentos: su "
                              "contenido ya no corresponde a su SHA-256. Restáurelo desde la copia de seguridad.")
    return Download(link, data)


# ------------------------------------------------------------------ verify


@dataclass(frozen=True)
class FilesCheck:
    ok: bool
    checked: int
    missing: tuple[str, ...]
    altered: tuple[str, ...]
    message: str


def verify_files(url: str | None = None) -> FilesCheck:
    """Every stored document is on disk with the bytes of its SHA-256 (and its recorded size)."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(Document.sha256, Document.size).order_by(Document.sha256)).all()
    missing, altered = [], []
    for sha, size in rows:
        path = path_for(sha)
        if not path.exists():
            missing.append(sha)
            continue
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != sha or path.stat().st_size != size:
            altered.append(sha)
    if not missing and not altered:
        message = f"Documentos íntegros: {len(rows)} archivos verificados en {root()}."
    else:
        parts = []
        if missing:
            parts.append(f"{len(missing)} faltan ({', '.join(s[:12] + '…' for s in missing[:5])})")
        if altered:
            parts.append(f"{len(altered)} fueron alterados ({', '.join(s[:12] + '…' for s in altered[:5])})")
        message = (f"Documentos: de {len(rows)} archivos, {'; '.join(parts)} en {root()}. Restaure esos "
                   "archivos desde la copia de seguridad (su nombre es su SHA-256) e investigue el cambio.")
    return FilesCheck(not missing and not altered, len(rows), tuple(missing), tuple(altered), message)
