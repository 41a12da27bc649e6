"""``tablero db upgrade|status``."""

from __future__ import annotations

import click

from data_access.core.db import database_url


def register(group: click.Group) -> None:
    @group.group("db")
    def db() -> None:
        """Esquema del almacén (migraciones Alembic)."""

    @db.command("upgrade")
    @click.option("--revision", default="head")
    def upgrade_cmd(revision: str) -> None:
        """Aplica las migraciones pendientes (incluye el catálogo DIVIPOLA)."""
        from data_access.migrate import current_revision, upgrade

        upgrade(revision=revision)
        click.echo(f"Esquema en la revisión {current_revision()} ({_safe(database_url())}).")

    @db.command("status")
    def status_cmd() -> None:
        """Revisión actual frente a la última disponible."""
        from data_access.migrate import current_revision, head_revision

        click.echo(f"actual: {current_revision()}  disponible: {head_revision()}")


def _safe(url: str) -> str:
    """Hide a password in a URL before printing it."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
