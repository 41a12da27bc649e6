"""Import of the «Matriz de seguimiento a OPRs» (seed 004): the entry of the alliance page's
upload and ``tablero import tracking-matrix``.

The workbook goes through the intake engine like every other sheet (``data_access.intake.engine``):
the reader types and checks every cell from the declarations PLANS, EVIDENCE and SALES
(``rules.intake.sheets``), the matrix's importer (``data_access.intake.matrix``) checks every
reference against the store and computes bulk changes, and a valid file is written as ONE batch
with ONE audit entry. Any problem rejects the whole file with every problem by sheet, row and
column; nothing is written. The blank template is ``exports.intake_workbook.template_bytes``.
"""

from __future__ import annotations

from data_access.core.scope import Viewer
from data_access.intake import engine
from rules import access
from rules.intake.problems import ImportReport

ENTITY = "tracking-matrix"
FILE_NAME = "matriz_seguimiento.xlsx"
ImportPermissionError = engine.ImportPermissionError


def can_write(viewer: Viewer) -> bool:
    return engine.may_import(viewer, ENTITY)


def import_tracking_matrix(data: bytes, viewer: Viewer, url: str | None = None, dry_run: bool = False,
                           file_name: str = FILE_NAME) -> ImportReport:
    """Validate the whole workbook, then (unless ``dry_run``) load it as one batch."""
    if not access.allowed(viewer, access.IMPORT_TRACKING_MATRIX):
        raise ImportPermissionError(
            "Su rol no permite importar la matriz de seguimiento: solo analistas PMO y administradores. "
            "Solicite el permiso al administrador."
        )
    return engine.import_file(ENTITY, data, file_name, viewer, url, dry_run=dry_run)

