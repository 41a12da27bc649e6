"""``tablero users list|add|set-password``: accounts with role and scope (audited)."""

from __future__ import annotations

import dataclasses
import getpass

import click

from cli.common import emit_rows, resolve_viewer
from rules.core.catalog import ROUTES, Role


def _admin_viewer():
    """The shell acts as the system administrator; the audit names the OS user."""
    viewer = resolve_viewer(None)
    try:
        who = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in some containers
        who = "sistema"
    return dataclasses.replace(viewer, username=f"cli:{who}"[:60])


def _fail(exc) -> None:
    from data_access.edits.common import ValidationFailed

    if isinstance(exc, ValidationFailed):
        raise click.ClickException("No se guardó nada:\n  " + "\n  ".join(e.message for e in exc.errors))
    raise click.ClickException(exc.message)


def register(group: click.Group) -> None:
    @group.group("users")
    def users() -> None:
        """Cuentas de usuario: rol y alcance."""

    @users.command("list")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    def list_cmd(fmt: str) -> None:
        """Lista las cuentas con su rol, alcance y estado."""
        from data_access.edits.accounts import users as list_users

        rows = list_users(_admin_viewer())
        for r in rows:
            office, operator, route = r.pop("office"), r.pop("operator"), r.pop("route")
            r["scope"] = office or operator or ROUTES.get(route or "") or "Nacional"
            r["active"] = "sí" if r["active"] else "no"
            r["local_password"] = "sí" if r["local_password"] else "no (OIDC)"
        emit_rows(
            rows, fmt, ["username", "display_name", "email", "role", "scope", "active", "local_password"]
        )

    @users.command("add")
    @click.argument("username")
    @click.option(
        "--role",
        required=True,
        type=click.Choice([role.value for role in Role]),
    )
    @click.option("--name", "display_name", default="", help="Nombre para mostrar.")
    @click.option("--email", default=None, help="Correo de la identidad OIDC institucional.")
    @click.option(
        "--office", default=None, help="Código de la oficina regional (comité regional), p. ej. CAR."
    )
    @click.option("--operator", default=None, help="Código del operador (rol operador).")
    @click.option("--route", type=click.Choice(list(ROUTES)), default=None,
                  help="Ruta que dirige (rol direccion_ruta), p. ej. basica.")
    @click.option("--password", default=None, help="Contraseña local (mínimo 10 caracteres).")
    @click.option("--generate", is_flag=True, help="Genera una contraseña local y la imprime una vez.")
    def add_cmd(username, role, display_name, email, office, operator, route, password, generate) -> None:
        """Crea una cuenta (queda en la auditoría)."""
        from data_access.edits.accounts import create_user, offices_all, operators_all
        from data_access.edits.common import EditError

        office_id = operator_id = None
        if office:
            match = [o["id"] for o in offices_all() if o["code"].lower() == office.lower()]
            if not match:
                codes = ", ".join(o["code"] for o in offices_all())
                raise click.ClickException(f"Oficina «{office}» no existe; use uno de: {codes}.")
            office_id = match[0]
        if operator:
            match = [o["id"] for o in operators_all() if o["code"].lower() == operator.lower()]
            if not match:
                raise click.ClickException(f"Operador «{operator}» no existe; revise el código.")
            operator_id = match[0]
        try:
            res = create_user(
                _admin_viewer(),
                {
                    "username": username,
                    "role": role,
                    "display_name": display_name,
                    "email": email,
                    "regional_office_id": office_id,
                    "operator_id": operator_id,
                    "route": route,
                    "password": password,
                    "generate_password": generate,
                },
            )
        except EditError as exc:
            _fail(exc)
        click.echo(f"Cuenta «{username.lower()}» creada con rol {role}.")
        if res.extra.get("password"):
            click.echo(
                f"Contraseña generada (guárdela ahora, no se vuelve a mostrar): {res.extra['password']}"
            )

    @users.command("set-password")
    @click.argument("username")
    @click.option("--password", default=None, help="Nueva contraseña; si falta se pide sin eco.")
    @click.option("--generate", is_flag=True, help="Genera una contraseña y la imprime una vez.")
    def set_password_cmd(username, password, generate) -> None:
        """Cambia la contraseña local de una cuenta (queda en la auditoría)."""
        from data_access.core.auth import new_password
        from data_access.edits.accounts import set_password
        from data_access.edits.common import EditError

        if generate:
            password = new_password() + new_password()[:2]
        elif password is None:
            password = click.prompt("Nueva contraseña", hide_input=True, confirmation_prompt=True)
        try:
            set_password(_admin_viewer(), username, password)
        except EditError as exc:
            _fail(exc)
        click.echo(f"Contraseña de «{username}» actualizada.")
        if generate:
            click.echo(f"Contraseña generada (guárdela ahora): {password}")
