"""``tablero export pack``: the "Paquete para comité" (PPTX or PDF) from the shell.
``tablero export data DIR``: every record the viewer may see, one file per entity in the intake
templates' format, so that ``tablero import all DIR`` loads it again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.common import as_user_option, resolve_viewer, store_in_use

VIEW_HELP = ("Vistas separadas por comas: overview,map,funnels,sla,alliance,alerts "
             "(o resumen,mapa,embudos,ans,alianzas,alertas).")


def register(group: click.Group) -> None:
    @group.group("export")
    def export() -> None:
        """Exportaciones: paquete para comité (PPTX/PDF) y datos en el formato de las plantillas de carga."""

    _data_command(export)

    @export.command("pack")
    @click.option("--views", default="overview,map,funnels,sla,alliance,alerts", show_default=True, help=VIEW_HELP)
    @click.option("--format", "fmt", type=click.Choice(["pptx", "pdf"]), default="pptx", show_default=True)
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="Archivo de salida.")
    @click.option("--as-of", "as_of", default=None,
                  help="Fecha de corte AAAA-MM-DD (por omisión: último cierre de trimestre).")
    @click.option("--since", "since", default=None, help="Inicio del periodo AAAA-MM-DD (opcional).")
    @click.option("--office", "office", type=int, default=None, help="Filtro: id de la oficina regional.")
    @click.option("--department", "department", default=None, help="Filtro: código DANE del departamento.")
    @click.option("--municipality", "municipality", default=None, help="Filtro: código DANE del municipio.")
    @click.option("--route", "route", type=click.Choice(["basica", "intermedia", "competitividad"]), default=None)
    @click.option("--lang", "lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
    @as_user_option
    def pack_cmd(views, fmt, out, as_of, since, office, department, municipality, route, lang, as_user) -> None:
        """Construye el paquete para comité: una diapositiva por vista, con el alcance del usuario."""
        from data_access.core.filters import GlobalFilters
        from exports.content import parse_views
        from exports.pack import build_pack
        from rules.core.calendar import last_quarter_end

        chosen = parse_views(views, default=())
        if not chosen:
            raise click.ClickException(f"Ninguna vista válida en «{views}». {VIEW_HELP}")
        try:
            cutoff = dt.date.fromisoformat(as_of) if as_of else last_quarter_end()
            start = dt.date.fromisoformat(since) if since else None
        except ValueError:
            raise click.ClickException(
                "Fecha inválida en --as-of/--since: use el formato AAAA-MM-DD, p. ej. 2026-09-30.") from None
        viewer = resolve_viewer(as_user)
        from rules import access
        from rules.core.i18n import t

        if not access.allowed(viewer, access.EXPORT_PACK):
            raise click.ClickException(f"«{viewer.username}»: {t('committee.export.not_allowed', 'es')}")
        filters = GlobalFilters(cutoff=cutoff, period_start=start, regional_office_id=office,
                                department_code=department, municipality_code=municipality,
                                route=route).within(viewer)
        from exports import charts

        try:
            result = build_pack(viewer, filters, chosen, fmt=fmt, lang=lang)
        finally:
            charts.stop()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.data)
        tm = result.timings
        click.echo(
            f"{out}: {len(result.slides)} diapositivas ({', '.join(s.view for s in result.slides)}); "
            f"alcance: {result.slides[0].scope_label if result.slides else '—'}; corte {cutoff.isoformat()}; "
            f"{tm['total']:.2f} s (consultas {tm['queries']:.2f} s, gráficos {tm['charts']:.2f} s, "
            f"archivo {tm['write']:.2f} s)."
        )



def _data_command(export: click.Group) -> None:
    @export.command("data")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True,
                  help="xlsx: un libro por entidad, como su plantilla; csv: un archivo por hoja. Una hoja de más "
                       "de 1.048.575 filas sale siempre como CSV.")
    @as_user_option
    def data_cmd(directory: Path, fmt: str, as_user: str | None) -> None:
        """Escribe en DIRECTORY cada entidad que el usuario puede ver, en el formato de las plantillas de carga
        (operadores.xlsx, contratos.xlsx, …, matriz_seguimiento.xlsx); «tablero import all DIRECTORY» la carga."""
        from data_access.intake.export import DataExport, ExportPermissionError

        with store_in_use("leer"):
            try:
                data = DataExport(resolve_viewer(as_user))
            except ExportPermissionError as exc:
                raise click.ClickException(str(exc)) from None
            plan = _files(data, fmt, directory)
            _refuse_stale(directory, plan)
            directory.mkdir(parents=True, exist_ok=True)
            for entity, sheets, path, counts in plan:
                _write(data, entity, sheets, path, counts)
                click.echo(f"{path}: " + "; ".join(f"{name} {n:,} filas".replace(",", ".")
                                                   for name, n in counts.items()))
        for note in data.notes:
            click.echo(note)
        if not plan:
            click.echo("Sin datos en su alcance: no se escribió ningún archivo.")


def _files(data, fmt: str, directory: Path) -> list[tuple[str, tuple, Path, dict[str, int]]]:
    """(entity, sheets, file, rows per sheet) of every file to write: one workbook per entity, or one CSV
    per sheet (``--format csv`` or a sheet beyond an xlsx sheet's rows); entities without rows are left out."""
    from exports.intake_workbook import XLSX_MAX_ROWS

    plan = []
    for entity, sheets in data.entities():
        counts = {s.name: data.count(s) for s in sheets}
        if not any(counts.values()):
            continue
        if fmt == "csv" or max(counts.values()) > XLSX_MAX_ROWS - 1:
            for sheet in sheets:
                if counts[sheet.name]:
                    plan.append((entity, (sheet,), directory / f"{sheet.name}.csv", {sheet.name: counts[sheet.name]}))
        else:
            name = sheets[0].workbook or sheets[0].name
            plan.append((entity, sheets, directory / f"{name}.xlsx", counts))
    return plan


def _refuse_stale(directory: Path, plan) -> None:
    """``tablero import all`` loads every intake file of a folder: one left there by an earlier export that
    this one does not overwrite would be loaded with it, so such a folder is refused."""
    from cli.cmd_import import files_in_order

    if not directory.is_dir():
        return
    written = {path.name for _, _, path, _ in plan}
    stale = [path.name for _, path in files_in_order(directory) if path.name not in written]
    if stale:
        raise click.ClickException(
            f"La carpeta «{directory}» ya tiene archivos de carga que esta exportación no reemplaza "
            f"({', '.join(stale)}): «tablero import all» los cargaría junto con los nuevos. Use una carpeta vacía "
            "o retire esos archivos.")


def _write(data, entity: str, sheets, path: Path, counts: dict[str, int]) -> None:
    from exports.intake_workbook import write_data_workbook, write_sheet_csv

    if path.suffix == ".csv":
        write_sheet_csv(path, sheets[0], data.chunks(sheets[0]))
    else:
        write_data_workbook(path, entity, {s.name: data.chunks(s) for s in sheets})
