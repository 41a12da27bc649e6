"""One path for every intake file, from ``tablero import`` and the «Carga de datos» page.

``import_file`` decides who may load the entity (``rules.access.IMPORTS``; personal data
also needs ``READ_PERSONAL_DATA``), reads and validates the file against its declaration
(``data_access.intake.reader``), then, inside ONE write transaction, lets the entity's
importer check every reference and the uploader's scope against the store and compute its
changes. Any problem anywhere writes nothing. A valid file is one batch: an
``import_batch`` row, its rows written in bulk with the batch id, ONE hash-chained audit
entry (entity, file SHA-256, counts, user) and the touched data topics bumped — all in the
same transaction. A file that changes nothing writes nothing and says so.

An operator's files are never loaded live: ``import_file(..., for_report=True)`` checks them as a
dry run for its quarterly report (``data_access.reporting.submissions``), and :func:`load` writes
them, inside the approving reviewer's transaction, when the PMO approves the report.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import StoreError, session_scope
from data_access.core.models import ImportBatch
from data_access.core.scope import Viewer
from data_access.edits.common import PermissionDenied, StoreRefused, write_session
from data_access.intake import changes
from data_access.intake.reader import MAX_ROWS, read_file
from data_access.summary import sla as summary
from rules import access
from rules.intake import sheets as S
from rules.intake.problems import MAX_PROBLEMS, ImportReport, Problem
from rules.reporting import cycle

Check = Callable[[Connection, dict[str, pd.DataFrame], Viewer, list[Problem]], changes.Plan]
Progress = Callable[[float, str], None]
"""Told ``(fraction done, step)`` as a file goes through the steps of :data:`STEPS`."""

STEPS = ("read", "check", "write", "done")


def _silent(fraction: float, step: str) -> None:
    """The default :data:`Progress`: nobody is watching (the CLI, the bench)."""


@dataclass(frozen=True)
class Importer:
    """An entity's store-side check: references, scope, and the changes of a valid file."""

    entity: str
    check: Check


IMPORTERS: dict[str, Importer] = {}


def importer(entity: str):
    """Register ``fn`` as the check of ``entity`` (a name of ``rules.intake.sheets.ENTITIES``)."""
    if entity not in S.ENTITIES:
        raise ValueError(f"unknown intake entity {entity!r}")

    def register(fn: Check) -> Check:
        IMPORTERS[entity] = Importer(entity, fn)
        return fn

    return register


class ImportPermissionError(PermissionError):
    """The viewer may not load this entity."""


def may_import(viewer: Viewer, entity: str) -> bool:
    sheets = S.ENTITIES[entity]
    if any(s.personal for s in sheets) and not access.allowed(viewer, access.READ_PERSONAL_DATA):
        return False
    return viewer.known and access.allowed(viewer, access.IMPORTS[entity])


def importable_entities(viewer: Viewer) -> list[str]:
    """The entities the viewer may load, live or (an operator) into its quarterly report."""
    return [e for e in S.ENTITIES if (may_import(viewer, e) or may_report(viewer, e)) and e in _importers()]


def _importers() -> dict[str, Importer]:
    from data_access.intake import registry  # noqa: F401  (registers every entity's check)

    return IMPORTERS


def _summary(counts: dict[str, int]) -> str:
    parts = []
    for sheet in dict.fromkeys(k.split(".")[0] for k in counts):
        c = {what: counts.get(f"{sheet}.{what}", 0) for what in ("insert", "update", "unchanged", "void")}
        text = f"{sheet}: {c['insert']} nuevos, {c['update']} actualizados, {c['unchanged']} sin cambios"
        parts.append(text + (f", {c['void']} anulados" if c["void"] else ""))
    return "; ".join(parts)


def _refused(entity: str, problems: list[Problem], notes: list[Problem], dry_run: bool,
             omitted: int = 0) -> ImportReport:
    """``omitted``: problems the reader counted beyond ``MAX_PROBLEMS`` (it lists them as one line)."""
    total = len(problems) - 1 + omitted if omitted else len(problems)
    shown = problems if omitted else problems[:MAX_PROBLEMS]
    if not omitted and len(problems) > MAX_PROBLEMS:
        shown.append(Problem("", None, "", f"… y {len(problems) - MAX_PROBLEMS} problemas más."))
    return ImportReport(ok=False, entity=entity, dry_run=dry_run, problems=shown, notes=notes,
                        message=f"Archivo rechazado: {total} problema(s). No se guardó nada; "
                                "corrija cada fila indicada y vuelva a cargarlo.")


def import_file(entity: str, data: bytes, file_name: str, viewer: Viewer, url: str | None = None,
                *, dry_run: bool = False, max_rows: int | None = None,
                progress: Progress = _silent, for_report: bool = False) -> ImportReport:
    """Validate ``data`` as ``entity`` and, unless ``dry_run`` or anything is wrong, load it.
    ``max_rows``: the row limit of one file (default ``TABLERO_IMPORT_MAX_ROWS`` or the reader's);
    ``progress``: told how far the file has gone (the page draws it as a bar); ``for_report``: the
    check of a file an operator puts in its quarterly report (``rules.reporting.cycle.ENTITIES``,
    ``SUBMIT_REPORT``), always a dry run: a report's files are loaded when the PMO approves it."""
    max_rows = max_rows or int(os.environ.get("TABLERO_IMPORT_MAX_ROWS", 0)) or MAX_ROWS
    if entity not in S.ENTITIES:
        raise ValueError(f"unknown intake entity {entity!r}")
    if for_report and may_report(viewer, entity):
        dry_run = True
    elif not may_import(viewer, entity):
        raise ImportPermissionError(
            f"Su rol no puede cargar «{entity}»"
            + (" (contiene datos personales, Ley 1581 de 2012)" if any(s.personal for s in S.ENTITIES[entity]) else "")
            + ": pida la carga a la PMO."
        )
    elif not dry_run and reports_instead(viewer):
        raise ImportPermissionError(
            "Sus archivos no se cargan directamente: agréguelos a su reporte trimestral (tablero reports add, "
            "o la página «Carga de datos» con el trimestre); se cargan cuando la PMO lo aprueba."
        )
    try:
        return _import(_importers()[entity], data, file_name, viewer, url, dry_run, max_rows, progress)
    finally:
        progress(1.0, "done")


def may_report(viewer: Viewer, entity: str) -> bool:
    """May ``viewer`` put a file of ``entity`` in its quarterly report?"""
    return viewer.known and entity in cycle.ENTITIES and access.allowed(viewer, access.SUBMIT_REPORT)


def reports_instead(viewer: Viewer) -> bool:
    """An operator's files go into its quarterly report (the PMO approves them), never live."""
    return viewer.known and access.allowed(viewer, access.SUBMIT_REPORT)


@dataclass
class Checked:
    """A file read and checked against the store: its report, and the plan of a valid file."""

    report: ImportReport
    plan: changes.Plan | None = None
    sha256: str = ""


def check(conn: Connection, entity: str, data: bytes, file_name: str, viewer: Viewer, *,
          dry_run: bool = True, max_rows: int | None = None, progress: Progress = _silent) -> Checked:
    """Read ``data`` as ``entity`` and check it against the store seen by ``conn`` (no write)."""
    max_rows = max_rows or int(os.environ.get("TABLERO_IMPORT_MAX_ROWS", 0)) or MAX_ROWS
    progress(0.0, "read")
    parsed = read_file(data, file_name, S.ENTITIES[entity], max_rows=max_rows)
    if parsed.problems:
        return Checked(_refused(entity, parsed.problems, parsed.notes, dry_run, parsed.omitted))
    for name, frame in parsed.frames.items():  # a check may need them (a NIT completed with its check digit)
        frame.attrs["notes"] = [n for n in parsed.notes if n.sheet == name]
    problems: list[Problem] = []
    progress(0.3, "check")
    plan = _importers()[entity].check(conn, parsed.frames, viewer, problems)
    report = _report(entity, plan, _lettered(problems, parsed.letters), parsed.notes, dry_run=dry_run)
    return Checked(report, plan if report.ok else None, parsed.sha256)


def load(s: Session, entity: str, data: bytes, file_name: str, viewer: Viewer, *, username: str | None = None,
         note: dict | None = None, max_rows: int | None = None, progress: Progress = _silent) -> ImportReport:
    """Check and write one file as one batch inside the caller's transaction ``s``: the ``import_batch``
    row, its rows, ONE audit entry and the touched topics. ``viewer``: whose scope the check applies;
    ``username``: who loads it (default the viewer; the PMO approving an operator's report);
    ``note``: more for the audit entry (the report it came from). A refused or unchanged file writes
    nothing; the caller rolls back or goes on."""
    checked = check(s.connection(), entity, data, file_name, viewer, dry_run=False, max_rows=max_rows,
                    progress=progress)
    report, plan = checked.report, checked.plan
    if plan is None or not report.changed:
        return report
    counts = plan.counts()
    who = username or viewer.username
    batch = ImportBatch(entity=entity, file_name=file_name[:260], sha256=checked.sha256, username=who,
                        at=dt.datetime.now(dt.UTC).replace(tzinfo=None), counts=counts)
    s.add(batch)
    s.flush()
    progress(0.6, "write")
    summary.touch_changes(s, plan.changes)
    changes.apply(s, plan, batch.id, lambda done: progress(0.6 + 0.35 * done, "write"))
    audit.record(s, who, "import_batch", batch.id, "import", None,
                 {"entity": entity, "file_name": file_name, "sha256": checked.sha256, "counts": counts,
                  **(note or {})})
    versions.bump(s, *topics_of(entity))
    report.batch_id = batch.id
    return report


def topics_of(entity: str) -> tuple[str, ...]:
    """The data topics a file of ``entity`` writes."""
    return tuple(sorted({t for sheet in S.ENTITIES[entity] for t in sheet.topics}))


def _import(imp: Importer, data: bytes, file_name: str, viewer: Viewer, url: str | None, dry_run: bool,
            max_rows: int, progress: Progress) -> ImportReport:
    entity = imp.entity
    try:
        if dry_run:
            with session_scope(url) as s:
                return check(s.connection(), entity, data, file_name, viewer, max_rows=max_rows,
                             progress=progress).report
        with write_session(viewer, url) as s:
            report = load(s, entity, data, file_name, viewer, max_rows=max_rows, progress=progress)
            if not report.ok or not report.changed:
                s.rollback()
            return report
    except PermissionDenied as exc:
        raise ImportPermissionError(str(exc)) from None
    except (StoreRefused, StoreError) as exc:
        return ImportReport(ok=False, entity=entity, dry_run=dry_run,
                            message=f"Importación no realizada: {getattr(exc, 'message', exc)}")


def _lettered(problems: list[Problem], letters: dict[str, dict[str, str]]) -> list[Problem]:
    """The store-side problems with their column's letter in the uploaded sheet."""
    return [p if p.letter else replace(p, letter=letters.get(p.sheet, {}).get(p.column, "")) for p in problems]


def _report(entity: str, plan: changes.Plan, problems: list[Problem], notes: list[Problem],
            *, dry_run: bool) -> ImportReport:
    if problems:
        return _refused(entity, problems, notes, dry_run)
    counts = plan.counts()
    if not plan.changed:
        return ImportReport(ok=True, entity=entity, dry_run=dry_run, notes=notes, counts=Counter(counts),
                            changed=False, message=f"Sin cambios: el archivo ya está cargado ({_summary(counts)}).")
    verb = "Validación correcta; se cargaría" if dry_run else "Carga completa"
    return ImportReport(ok=True, entity=entity, dry_run=dry_run, notes=notes, counts=Counter(counts),
                        changed=True, message=f"{verb}: {_summary(counts)}.")


def history(viewer: Viewer, url: str | None = None, limit: int = 200) -> list[dict]:
    """The import batches the viewer may see, newest first: the PMO sees every batch,
    anyone else the batches it loaded itself."""
    stmt = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if not access.allowed(viewer, access.IMPORT_PROGRAMME):
        stmt = stmt.where(ImportBatch.username == viewer.username)
    with session_scope(url) as s:
        return [{"id": b.id, "at": b.at, "username": b.username, "entity": b.entity, "file_name": b.file_name,
                 "sha256": b.sha256, "counts": b.counts} for b in s.scalars(stmt)]
