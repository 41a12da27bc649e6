"""``tablero documents add|get|list``: files attached to evidence, ANS values, exit records and
knowledge records, from the shell.

The same functions as the pages (``data_access.documents.store``): attaching needs the row's edit
permission; ``list`` and ``get`` show only documents of rows the ``--as-user`` account may see, so
a link of another region gives «no existe o no está en su alcance». ``tablero audit verify`` checks
the stored files.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.cmd_periods import refusals
from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

COLUMNS = ["enlace", "registro", "id_registro", "archivo", "bytes", "tipo", "sha256", "subido_por", "fecha"]
ENTITIES = click.Choice(["alliance_evidence", "sla_measurement", "exit_record", "knowledge_record"])


def register(group: click.Group) -> None:
    @group.group("documents")
    def documents_group() -> None:
        """Documentos de respaldo (almacén por SHA-256, TABLERO_DOCUMENTS)."""

    @documents_group.command("add")
    @click.argument("entity", type=ENTITIES)
    @click.argument("entity_id", type=int)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @as_user_option
    def add_cmd(entity, entity_id, file: Path, as_user) -> None:
        """Adjunta FILE al registro ENTITY ENTITY_ID (auditado)."""
        from data_access.documents import store as D

        with store_in_use("escribir en"), refusals():
            link = D.attach(resolve_viewer(as_user), entity, entity_id, file.name, file.read_bytes())
        click.echo(f"Documento adjunto: enlace {link}.")

    @documents_group.command("list")
    @click.option("--entity", type=ENTITIES, default=None)
    @click.option("--id", "entity_id", type=int, default=None)
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def list_cmd(entity, entity_id, fmt, as_user) -> None:
        """Los documentos de los registros que su alcance permite ver."""
        from data_access.documents import store as D
        from rules.core.formatting import fmt_datetime

        with store_in_use("leer"):
            rows = D.links(resolve_viewer(as_user), entity, entity_id)
        emit_rows([{"enlace": r["id"], "registro": r["entity"], "id_registro": r["entity_id"],
                    "archivo": r["file_name"], "bytes": r["size"], "tipo": r["media_type"],
                    "sha256": r["sha256"] if fmt != "table" else r["sha256"][:12], "subido_por": r["added_by"],
                    "fecha": fmt_datetime(r["added_at"])} for r in rows], fmt, COLUMNS)

    @documents_group.command("get")
    @click.argument("link_id", type=int)
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="Archivo donde guardar el documento.")
    @as_user_option
    def get_cmd(link_id, output: Path, as_user) -> None:
        """Descarga el documento del enlace LINK_ID, si su alcance ve su registro."""
        from data_access.documents import store as D

        with store_in_use("leer"), refusals():
            found = D.fetch(resolve_viewer(as_user), link_id)
        if found is None:
            raise click.ClickException(f"El documento {link_id} no existe o no está en su alcance.")
        output.write_bytes(found.data)
        click.echo(f"{found.link['file_name']} → {output} ({len(found.data)} bytes, SHA-256 {found.link['sha256']}).")
