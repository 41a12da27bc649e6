"""``tablero import``: load the programme's own files, validated and all-or-nothing.

* ``tablero import ENTITY FILE [--dry-run] [--as-user USER]`` for each entity of
  ``rules.intake.sheets.ENTITIES`` (operators, contracts, …; the tracking matrix keeps
  ``tablero import tracking-matrix``);
* ``tablero import all DIR``: every file of DIR named after an entity or one of its sheets
  (``operadores.xlsx``, ``contratos.csv``, …), in dependency order, one transaction per file;
* ``tablero import template ENTITY OUT.xlsx``: the blank template with its instructions;
* ``tablero import history``: who loaded which file, when, its SHA-256 and counts.

An operator's files are not loaded live: with ``--quarter`` they go into its report of that quarter
(``tablero reports``), loaded when the PMO approves it.

The same code as the «Carga de datos» page (``data_access.intake.engine``). A rejected file
lists every problem by sheet, row and column and exits 1. Without ``--as-user`` the command
writes as the system account ``cli`` (admin).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from cli.cmd_reports import add_to_report
from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use
from rules.intake import sheets as S

SUFFIXES = (".xlsx", ".csv")


def _report(report) -> None:
    for line in report.lines():
        click.echo(line)


def _load(entity: str, file: Path, dry_run: bool, as_user: str | None, quarter: str | None = None) -> bool:
    """Load ``file`` live, or, for an operator, add it to its report of ``quarter`` (``tablero reports``)."""
    from data_access.intake import engine

    if not file.exists():
        raise click.ClickException(f"No existe el archivo «{file}»: revise la ruta.")
    with store_in_use():
        viewer = resolve_viewer(as_user)
    operator = engine.reports_instead(viewer)
    if operator and not dry_run:
        return add_to_report(viewer, quarter, entity, file)
    try:
        with store_in_use():
            report = engine.import_file(entity, file.read_bytes(), file.name, viewer, dry_run=dry_run,
                                        for_report=operator)
    except engine.ImportPermissionError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report)
    return report.ok


def _stem(path: Path) -> str:
    text = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode().lower()
    return text.replace("-", "_").strip()


def files_in_order(directory: Path) -> list[tuple[str, Path]]:
    """(entity, file) for every file of ``directory`` named after an entity or its sheet, in load order:
    entities in dependency order, and within one the whole workbook first, then its sheets in their
    declared order (evidence and sales name a plan loaded by ``planes_negocio``)."""
    names: dict[str, tuple[str, int]] = {}
    for entity, sheets in S.ENTITIES.items():
        for name in (entity, *(s.workbook for s in sheets if s.workbook)):
            names[name.replace("-", "_")] = (entity, -1)
        for rank, sheet in enumerate(sheets):
            names[sheet.name.replace("-", "_")] = (entity, rank)
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in SUFFIXES and _stem(path) in names:
            entity, rank = names[_stem(path)]
            found.setdefault(entity, []).append((rank, path))
    return [(entity, path) for entity in S.ENTITIES
            for _, path in sorted(found.get(entity, []), key=lambda item: item[0])]


def _entity_command(imports: click.Group, entity: str) -> None:
    sheets = S.ENTITIES[entity]

    @imports.command(entity, help=f"Carga «{', '.join(s.name for s in sheets)}» (.xlsx o .csv): todo o nada.")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Solo valida y muestra lo que cambiaría; no guarda nada.")
    @click.option("--quarter", default=None,
                  help="Operadores: trimestre AAAAQn del reporte al que se agrega el archivo (obligatorio).")
    @as_user_option
    def load(file: Path, dry_run: bool, quarter: str | None, as_user: str | None) -> None:
        if not _load(entity, file, dry_run, as_user, quarter):
            raise SystemExit(1)


def register(group: click.Group) -> None:
    imports = group.commands.get("import")
    if imports is None:
        @group.group("import")
        def imports() -> None:
            """Carga de los archivos del programa (plantillas: tablero import template)."""

    for entity in S.ENTITIES:
        if entity != "tracking-matrix":
            _entity_command(imports, entity)

    @imports.command("tracking-matrix")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Solo valida y muestra lo que cambiaría; no guarda nada.")
    @click.option("--quarter", default=None,
                  help="Operadores: trimestre AAAAQn del reporte al que se agrega el archivo (obligatorio).")
    @as_user_option
    def tracking_matrix(file: Path, dry_run: bool, quarter: str | None, as_user: str | None) -> None:
        """Importa la matriz de seguimiento a OPRs (.xlsx, o una de sus hojas en .csv): todo o nada."""
        if not _load_matrix(file, dry_run, as_user, quarter):
            raise SystemExit(1)

    @imports.command("all")
    @click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Solo valida cada archivo; no guarda nada.")
    @click.option("--quarter", default=None,
                  help="Operadores: trimestre AAAAQn del reporte al que se agrega el archivo (obligatorio).")
    @as_user_option
    def load_all(directory: Path, dry_run: bool, quarter: str | None, as_user: str | None) -> None:
        """Carga cada archivo de DIRECTORY con nombre de entidad u hoja, en orden de dependencias."""
        files = files_in_order(directory)
        if not files:
            raise click.ClickException(
                f"«{directory}» no tiene archivos con nombre de hoja (p. ej. operadores.xlsx, contratos.csv).")
        failed = []
        for entity, path in files:
            click.echo(f"== {path.name} ({entity})")
            ok = (_load_matrix(path, dry_run, as_user, quarter) if entity == "tracking-matrix"
                  else _load(entity, path, dry_run, as_user, quarter))
            if not ok:
                failed.append(path.name)
        if failed:
            click.echo(f"Archivos rechazados: {', '.join(failed)}. Los demás se cargaron, cada uno completo.")
            raise SystemExit(1)

    @imports.command("template")
    @click.argument("entity", type=click.Choice(list(S.ENTITIES)))
    @click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
    def template(entity: str, out: Path) -> None:
        """Escribe la plantilla vacía de ENTITY (.xlsx) con su hoja de instrucciones."""
        from exports.intake_workbook import template_bytes

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(template_bytes(entity))
        click.echo(f"Plantilla de «{entity}» escrita en {out}.")

    @imports.command("history")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @click.option("--limit", type=int, default=50, show_default=True)
    @as_user_option
    def history(fmt: str, limit: int, as_user: str | None) -> None:
        """Cargas realizadas: quién, cuándo, archivo, SHA-256 y conteos."""
        from data_access.intake import engine

        with store_in_use("leer"):
            rows = engine.history(resolve_viewer(as_user), limit=limit)
        for r in rows:
            r["counts"] = ", ".join(f"{k}={v}" for k, v in r["counts"].items() if v)
        emit_rows(rows, fmt, ["id", "at", "username", "entity", "file_name", "sha256", "counts"])


def _load_matrix(path: Path, dry_run: bool, as_user: str | None, quarter: str | None = None) -> bool:
    from data_access.alliance import tracking_matrix as tm
    from data_access.intake import engine

    if not path.exists():
        raise click.ClickException(f"No existe el archivo «{path}»: revise la ruta.")
    with store_in_use():
        viewer = resolve_viewer(as_user)
    if engine.reports_instead(viewer):
        return _load(tm.ENTITY, path, dry_run, as_user, quarter)
    try:
        with store_in_use():
            report = tm.import_tracking_matrix(path.read_bytes(), resolve_viewer(as_user), dry_run=dry_run,
                                               file_name=path.name)
    except tm.ImportPermissionError as exc:
        raise click.ClickException(str(exc)) from None
    _report(report)
    return report.ok
