"""``tablero geodata import PATH [PATH2] [--dry-run]`` · ``import-configured`` · ``status``."""

from __future__ import annotations

import click

HOW_TO = (
    "Para cargar los límites municipales del DANE (MGN) defina TABLERO_GEODATA con un archivo o una "
    "carpeta (GeoJSON, Shapefile .shp/.zip o GeoPackage), por ejemplo "
    "TABLERO_GEODATA=../shared/geodata make run, o ejecute `tablero geodata import RUTA`."
)


def _print_report(report) -> None:
    for line in report.lines():
        click.echo(line)


def register(group: click.Group) -> None:
    @group.group("geodata")
    def geodata() -> None:
        """Límites municipales y departamentales del DANE (MGN) para el mapa."""

    @geodata.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path())
    @click.option("--dry-run", is_flag=True, help="Valida y simplifica sin escribir en el almacén.")
    @click.option("--vintage", default=None, help="Vigencia a registrar (por defecto, la del archivo: MGN2018…).")
    @click.option("--by", "imported_by", default="cli", show_default=True, help="Usuario que importa (auditoría).")
    def import_cmd(paths: tuple[str, ...], dry_run: bool, vintage: str | None, imported_by: str) -> None:
        """Importa límites MGN (municipios y, si se da, departamentos); todo o nada."""
        from geodata.importer import GeodataError, ImportRejected, import_boundaries

        if len(paths) > 2:
            raise click.UsageError("Indique a lo sumo dos rutas: municipios y departamentos (o una carpeta).")
        try:
            report = import_boundaries(list(paths), dry_run=dry_run, vintage=vintage, imported_by=imported_by)
        except ImportRejected as exc:
            _print_report(exc.report)
            raise click.ClickException("Importación rechazada: no se escribió nada.") from None
        except GeodataError as exc:
            raise click.ClickException(str(exc)) from None
        _print_report(report)

    @geodata.command("import-configured")
    def import_configured_cmd() -> None:
        """Importa TABLERO_GEODATA si el almacén aún no tiene límites (lo llama `make run`)."""
        from geodata.importer import (
            ENV_VAR,
            GeodataError,
            ImportRejected,
            active_set_count,
            configured_paths,
            import_boundaries,
        )

        paths = configured_paths()
        if paths is None:
            click.echo(f"{ENV_VAR} no está definida: el mapa mostrará las cifras en tabla. {HOW_TO}")
            return
        if active_set_count():
            click.echo("El almacén ya tiene límites municipales cargados: no se importa de nuevo "
                       "(use `tablero geodata import RUTA` para reemplazarlos).")
            return
        try:
            report = import_boundaries(paths, imported_by="make-run")
        except ImportRejected as exc:
            _print_report(exc.report)
            raise click.ClickException(f"Importación de {ENV_VAR} rechazada: no se escribió nada.") from None
        except GeodataError as exc:
            raise click.ClickException(f"{ENV_VAR}: {exc}") from None
        _print_report(report)

    @geodata.command("status")
    def status_cmd() -> None:
        """Conjunto de límites activo."""
        from data_access.map.queries import boundary_status

        info = boundary_status()
        if info is None:
            click.echo(f"Sin límites cargados. {HOW_TO}")
            return
        size = f"{info['payload_bytes']:,}".replace(",", ".")
        click.echo(
            f"Conjunto #{info['id']} {info['vintage']} ({info['source_name']}), importado el "
            f"{info['imported_at']:%d/%m/%Y %H:%M} (UTC) por {info['imported_by']}: "
            f"{info['municipalities']} municipios, {size} bytes de topología."
        )
