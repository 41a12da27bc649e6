"""``tablero db upgrade|status``."""

from __future__ import annotations

import click

from cli.common import store_in_use
from data_access.core.db import database_url, display_url


def register(group: click.Group) -> None:
    @group.group("db")
    def db() -> None:
        """Esquema del almacén (migraciones Alembic)."""

    @db.command("upgrade")
    @click.option("--revision", default="head")
    def upgrade_cmd(revision: str) -> None:
        """Aplica las migraciones pendientes (incluye el catálogo DIVIPOLA)."""
        from data_access.migrate import current_revision, upgrade

        with store_in_use("migrar", hint="verifique DATABASE_URL"):
            upgrade(revision=revision)
            current = current_revision()
        click.echo(f"Esquema en la revisión {current} ({display_url(database_url())}).")

    @db.command("status")
    def status_cmd() -> None:
        """Revisión actual frente a la última disponible."""
        from data_access.migrate import current_revision, head_revision

        with store_in_use("leer", hint="verifique DATABASE_URL"):
            current = current_revision()
        click.echo(f"actual: {current}  disponible: {head_revision()}")
