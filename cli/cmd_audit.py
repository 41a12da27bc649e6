"""``tablero audit verify|head|log``: the hash-chained audit log from the shell."""

from __future__ import annotations

import datetime as dt

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use


def register(group: click.Group) -> None:
    @group.group("audit")
    def audit_group() -> None:
        """Registro de auditoría encadenado (SHA-256)."""

    @audit_group.command("verify")
    @click.option("--head", "head", default=None, metavar="ID:HASH",
                  help="Cabeza anotada antes (salida de `tablero audit head`): falla si la cadena ya no la "
                       "contiene, p. ej. porque se borraron las entradas más recientes.")
    def verify_cmd(head: str | None) -> None:
        """Recalcula la cadena y los documentos; código de salida 1 y la primera entrada rota, o los
        archivos faltantes o alterados, si algo no cuadra."""
        from data_access.audit.log import parse_head, verify
        from data_access.documents.store import verify_files

        try:
            anchor = parse_head(head) if head is not None else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--head") from None
        with store_in_use("leer"):
            result = verify(head=anchor)
            files = verify_files()  # the documents' bytes against their SHA-256
        click.echo(result.message)
        click.echo(files.message)
        if not result.ok or not files.ok:
            if result.first_broken_id is not None:
                click.echo(f"Primera entrada rota: #{result.first_broken_id}", err=True)
            raise SystemExit(1)

    @audit_group.command("head")
    def head_cmd() -> None:
        """Imprime la entrada más reciente como ID:HASH, para anotarla fuera de la base de datos."""
        from data_access.audit.log import head

        with store_in_use("leer"):
            newest = head()
        if newest is None:
            raise click.ClickException("El registro de auditoría está vacío: todavía no hay cabeza que anotar.")
        click.echo(str(newest))

    @audit_group.command("log")
    @click.option("--entity", default=None, help="Entidad (p. ej. business_plan, enrolment, targeting).")
    @click.option("--user", "username", default=None, help="Usuario que hizo el cambio.")
    @click.option("--id", "entity_id", default=None, help="Identificador del registro.")
    @click.option("--since", default=None, help="Desde (AAAA-MM-DD).")
    @click.option("--until", default=None, help="Hasta (AAAA-MM-DD, inclusive).")
    @click.option("--limit", default=100, show_default=True, type=int)
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def log_cmd(entity, username, entity_id, since, until, limit, fmt, as_user) -> None:
        """Entradas del registro, más recientes primero (analista PMO y administrador)."""
        from data_access.audit.log import changed_fields, entries
        from rules import access

        viewer = resolve_viewer(as_user)
        if not access.allowed(viewer, access.READ_AUDIT):
            raise click.ClickException(
                "Solo el analista PMO y el administrador pueden consultar la auditoría."
            )
        try:
            date_from = dt.date.fromisoformat(since) if since else None
            date_to = dt.date.fromisoformat(until) if until else None
        except ValueError:
            raise click.ClickException("Fechas --since/--until: use el formato AAAA-MM-DD.") from None
        rows = entries(
            viewer,
            entity=entity,
            username=username,
            entity_id=entity_id,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        )
        out = [
            {
                "id": r["id"],
                "at": r["at"].isoformat(sep=" ", timespec="seconds"),
                "username": r["username"],
                "entity": r["entity"],
                "entity_id": r["entity_id"],
                "action": r["action"],
                "changes": changed_fields(r["before"], r["after"]),
                "hash": r["hash"][:12] if fmt == "table" else r["hash"],
            }
            for r in rows
        ]
        emit_rows(out, fmt, ["id", "at", "username", "entity", "entity_id", "action", "changes", "hash"])
