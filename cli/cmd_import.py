"""``tablero import tracking-matrix FILE.xlsx [--dry-run] [--as-user USER]`` and
``tablero import template OUT.xlsx``: the «Matriz de seguimiento a OPRs».

The same code as the upload form of the alliance page (``data_access.alliance.tracking_matrix``):
the whole workbook is validated first and any problem rejects it (exit code 1, every
problem listed by sheet, row and column); a valid file is applied in one transaction.
Without ``--as-user`` the command writes as the system account ``cli`` (admin).
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import as_user_option, resolve_viewer, store_in_use


def register(group: click.Group) -> None:
    imports = group.commands.get("import")
    if imports is None:
        @group.group("import")
        def imports() -> None:
            """Importación de archivos del programa."""

    @imports.command("tracking-matrix")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Solo valida y muestra lo que cambiaría; no guarda nada.")
    @as_user_option
    def tracking_matrix(file: Path, dry_run: bool, as_user: str | None) -> None:
        """Importa la matriz de seguimiento a OPRs (.xlsx): todo o nada."""
        from data_access.alliance import tracking_matrix as tm

        if not file.exists():
            raise click.ClickException(f"No existe el archivo «{file}»: revise la ruta.")
        try:
            with store_in_use():
                viewer = resolve_viewer(as_user)
                report = tm.import_tracking_matrix(file.read_bytes(), viewer, dry_run=dry_run)
        except tm.ImportPermissionError as exc:
            raise click.ClickException(str(exc)) from None
        for line in report.lines():
            click.echo(line)
        if not report.ok:
            raise SystemExit(1)

    @imports.command("template")
    @click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
    def template(out: Path) -> None:
        """Escribe la plantilla vacía de la matriz de seguimiento (.xlsx)."""
        from data_access.alliance import tracking_matrix as tm

        out.write_bytes(tm.template_bytes())
        click.echo(f"Plantilla escrita en {out}.")
