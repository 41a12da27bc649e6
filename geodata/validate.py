"""Validation of boundary codes against the DIVIPOLA catalogue of the store.

All-or-nothing: a single municipal code that is neither in the catalogue nor listed in
``data_access/reference/data/divipola_additions.csv`` rejects the whole import. Listed
additions (official DANE codes the registry package lacks, e.g. 94663 Mapiripana) are
added to the catalogue by the importer. Catalogue municipalities the file does not
cover are reported (they stay without a polygon), not fatal.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class ImportReport:
    sources: list[str]
    vintage: str = ""
    schema: str = ""
    source_crs: str = ""
    features: int = 0
    department_source: str = ""  # file label, or "disuelto desde los municipios"
    unknown_codes: list[str] = field(default_factory=list)  # fatal
    unknown_departments: list[str] = field(default_factory=list)  # fatal
    additions: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, note)
    missing_in_file: list[str] = field(default_factory=list)  # catalogue codes without polygon
    department_mismatches: list[str] = field(default_factory=list)  # DPTO_CCDGO ≠ code prefix
    notes: list[str] = field(default_factory=list)
    ignored_layers: list[str] = field(default_factory=list)
    payload_bytes: int = 0  # stored TopoJSON
    wire_bytes: int = 0  # geometry as sent to the browser
    tolerance: float = 0.0
    quantization: float = 0.0
    arc_vertices: int = 0
    input_vertices: int = 0
    dry_run: bool = False
    written: bool = False
    boundary_set_id: int | None = None
    replaced_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unknown_codes and not self.unknown_departments

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    def lines(self) -> list[str]:
        """The report for people (Spanish)."""
        out = [f"Fuentes: {', '.join(self.sources)}"]
        if self.schema:
            out.append(
                f"Vigencia: {self.vintage} (esquema {self.schema}); CRS de origen: {self.source_crs or '—'}; "
                f"{self.features} municipios en el archivo."
            )
        if self.department_source:
            out.append(f"Límites departamentales: {self.department_source}.")
        if self.unknown_codes:
            out.append(
                f"RECHAZADO: {len(self.unknown_codes)} código(s) de municipio no están en el catálogo DIVIPOLA "
                f"ni en divipola_additions.csv: {', '.join(self.unknown_codes[:50])}"
                + (" …" if len(self.unknown_codes) > 50 else "")
                + ". Verifique que el archivo sea el MGN oficial del DANE; si un código es oficial y nuevo, "
                "agréguelo a data_access/reference/data/divipola_additions.csv con su fuente."
            )
        if self.unknown_departments:
            out.append(
                f"RECHAZADO: código(s) de departamento desconocidos en el archivo de departamentos: "
                f"{', '.join(self.unknown_departments)}. Use el MGN_DPTO_POLITICO oficial del DANE."
            )
        for code, name, note in self.additions:
            out.append(f"Agregado al catálogo: {code} {name} — {note}")
        if self.missing_in_file:
            out.append(
                f"{len(self.missing_in_file)} municipio(s) del catálogo sin polígono en el archivo "
                f"(se mostrarán solo en tablas): {', '.join(self.missing_in_file[:30])}"
                + (" …" if len(self.missing_in_file) > 30 else "")
            )
        if self.department_mismatches:
            out.append(
                "Aviso: DPTO_CCDGO distinto del prefijo del código de municipio en: "
                + ", ".join(self.department_mismatches[:20])
                + " (se usa el prefijo del código DIVIPOLA)."
            )
        if self.ignored_layers:
            out.append(f"Capas ignoradas (no son límites del MGN): {', '.join(self.ignored_layers)}")
        out.extend(self.notes)
        if self.payload_bytes:
            def n(v) -> str:
                return f"{int(v):,}".replace(",", ".")

            out.append(
                f"Topología simplificada: {n(self.payload_bytes)} bytes; al navegador {n(self.wire_bytes)} bytes "
                f"({n(self.arc_vertices)} vértices de {n(self.input_vertices)}; tolerancia "
                f"{str(self.tolerance).replace('.', ',')}°, cuantización {n(self.quantization)})."
            )
        if not self.ok:
            out.append("No se escribió nada en el almacén.")
        elif self.dry_run:
            out.append("Simulación (--dry-run): no se escribió nada en el almacén.")
        elif self.written:
            out.append(
                f"Importado como conjunto de límites #{self.boundary_set_id} (activo)"
                + (f"; reemplaza a {', '.join('#' + str(i) for i in self.replaced_ids)}." if self.replaced_ids else ".")
            )
        return out


def compare_codes(
    file_codes: list[str],
    catalogue: set[str],
    additions: dict[str, tuple[str, str, str]],
) -> tuple[list[str], list[tuple[str, str, str]], list[str]]:
    """(unknown codes, additions to make (code, name, note), catalogue codes missing in file)."""
    in_file = set(file_codes)
    unknown = sorted(c for c in in_file - catalogue if c not in additions)
    to_add = sorted((c, additions[c][0], additions[c][2]) for c in in_file - catalogue if c in additions)
    missing = sorted(catalogue - in_file)
    return unknown, to_add, missing
