"""``import_boundaries``: read, validate, simplify and store DANE MGN boundaries.

Everything is checked before anything is written; the write is one transaction that
(1) adds the listed DIVIPOLA additions to the catalogue (``source='mgn'``, regional
office from its department), (2) deactivates the previous boundary set and drops its
per-municipality rows, (3) inserts the new active set, (4) appends audit entries and
(5) bumps the ``boundaries`` (and ``reference``) data versions so that every app
process reloads them at its next rerun. Readers therefore see the old vintage or the
new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import delete, func, select, text, update

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import is_sqlite, session_scope
from data_access.core.models import (
    BoundarySet,
    Department,
    Municipality,
    MunicipalityBoundary,
    RegionalOffice,
)
from data_access.reference.load import reconciliation_additions, regional_offices
from geodata.readers import BoundarySources, GeodataError, read_sources
from geodata.topology import build_topology, centroids_and_areas
from geodata.validate import ImportReport, compare_codes

ENV_VAR = "TABLERO_GEODATA"


class ImportRejected(GeodataError):
    """Validation failed; ``report`` says why. Nothing was written."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__("\n".join(report.lines()))


def _vintage(sources: BoundarySources) -> str:
    layer = sources.municipal
    if layer.year:
        return f"MGN{layer.year}"
    return "MGN2018" if layer.schema == "MGN2018" else "MGN2020+"


def _catalogue(url: str | None) -> tuple[set[str], set[str]]:
    with session_scope(url) as s:
        munis = set(s.scalars(select(Municipality.code)))
        depts = set(s.scalars(select(Department.code)))
    return munis, depts


def validate_sources(sources: BoundarySources, url: str | None, labels: list[str]) -> ImportReport:
    muni = sources.municipal
    frame = muni.frame
    report = ImportReport(sources=labels, vintage=_vintage(sources), schema=muni.schema,
                          source_crs=muni.source_crs, features=len(frame),
                          ignored_layers=list(sources.ignored))
    report.notes.extend(muni.notes)
    catalogue, departments = _catalogue(url)
    additions = reconciliation_additions()
    unknown, to_add, missing = compare_codes(frame["code"].tolist(), catalogue, additions)
    report.unknown_codes, report.additions, report.missing_in_file = unknown, to_add, missing
    report.department_mismatches = sorted(
        c for c, d in zip(frame["code"], frame["dept_code"]) if d and c and c[:2] != d
    )
    if sources.department is not None:
        report.department_source = sources.department.label
        report.notes.extend(sources.department.notes)
        report.unknown_departments = sorted(set(sources.department.frame["code"]) - departments)
    else:
        report.department_source = "disueltos desde los municipios (no se indicó archivo de departamentos)"
    return report


def import_boundaries(
    paths: list[str | Path],
    url: str | None = None,
    *,
    dry_run: bool = False,
    imported_by: str = "cli",
    vintage: str | None = None,
) -> ImportReport:
    """Import MGN boundaries from ``paths`` (files or folders). Raises ``ImportRejected``
    (nothing written) when a code is unknown; ``GeodataError`` when a file is unusable."""
    labels = [str(p) for p in paths]
    sources = read_sources(paths)
    report = validate_sources(sources, url, labels)
    if vintage:
        report.vintage = vintage
    report.dry_run = dry_run
    if not report.ok:
        raise ImportRejected(report)
    topo = build_topology(sources.municipal.frame,
                          sources.department.frame if sources.department is not None else None)
    report.payload_bytes, report.wire_bytes = topo.size, topo.wire_bytes
    report.tolerance, report.quantization = topo.tolerance, topo.quantization
    report.arc_vertices, report.input_vertices = topo.arc_vertices, topo.input_vertices
    if topo.over_budget:
        size, budget = (f"{n:,}".replace(",", ".") for n in (topo.wire_bytes, topo.budget))
        report.notes.append(
            f"Aviso: aun con la simplificación máxima la geometría ocupa {size} bytes (presupuesto {budget}): "
            "el mapa cargará más lento. Revise que los municipios vecinos compartan exactamente sus bordes "
            "(archivo oficial del MGN)."
        )
    if topo.presimplified:
        report.notes.append("Entrada muy detallada: se adelgazó primero con simplificación de cobertura (GEOS).")
    points = centroids_and_areas(sources.municipal.frame)
    if dry_run:
        return report
    _write(report, topo, points, url, imported_by)
    return report


def _office_of_department(session) -> dict[str, int]:
    ids = dict(session.execute(select(RegionalOffice.code, RegionalOffice.id)).all())
    return {d: ids[code] for code, _, depts in regional_offices() for d in depts if code in ids}


def _write(report: ImportReport, topo, points, url: str | None, imported_by: str) -> None:
    with session_scope(url, write=True) as s:
        if not is_sqlite(s.get_bind()):
            # One importer at a time; readers are not blocked (EXCLUSIVE allows SELECT).
            s.execute(text("LOCK TABLE boundary_set IN EXCLUSIVE MODE"))
        offices = _office_of_department(s)
        existing = set(s.scalars(select(Municipality.code).where(
            Municipality.code.in_([c for c, _, _ in report.additions]))))
        for code, name, _note in report.additions:
            if code in existing:
                continue
            dept = reconciliation_additions()[code][1]
            muni = Municipality(code=code, name=name, department_code=dept,
                                regional_office_id=offices.get(dept), source="mgn", version=1)
            s.add(muni)
            s.flush()
            audit.record(s, imported_by, "municipality", code, "insert", None, audit.row_dict(muni))
        previous = list(s.scalars(select(BoundarySet.id).where(BoundarySet.active)))
        if previous:
            s.execute(delete(MunicipalityBoundary).where(MunicipalityBoundary.boundary_set_id.in_(previous)))
            s.execute(update(BoundarySet).where(BoundarySet.id.in_(previous)).values(active=False))
        report.replaced_ids = previous
        report.written = True
        bset = BoundarySet(
            vintage=report.vintage[:20],
            source_name=", ".join(Path(p).name for p in report.sources)[:300],
            imported_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            imported_by=imported_by[:60],
            active=True,
            municipal_topojson=topo.topojson,
            department_geojson=topo.department_geojson,
            report="",
        )
        s.add(bset)
        s.flush()
        report.boundary_set_id = bset.id
        bset.report = report.to_json()
        s.add_all(
            MunicipalityBoundary(boundary_set_id=bset.id, municipality_code=code,
                                 centroid_lon=lon, centroid_lat=lat, area_km2=area)
            for code, lon, lat, area in points
        )
        s.flush()
        summary = {k: getattr(bset, k) for k in ("id", "vintage", "source_name", "imported_by", "active")}
        summary.update(municipalities=len(points), payload_bytes=report.payload_bytes,
                       wire_bytes=report.wire_bytes, replaced=previous)
        audit.record(s, imported_by, "boundary_set", bset.id, "import", None, summary)
        versions.bump(s, "boundaries", *(("reference",) if report.additions else ()))


def active_set_count(url: str | None = None) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(BoundarySet).where(BoundarySet.active)) or 0)


def configured_paths() -> list[Path] | None:
    """``TABLERO_GEODATA`` (a file or folder), or None when unset."""
    raw = os.environ.get(ENV_VAR, "").strip()
    return [Path(raw)] if raw else None
