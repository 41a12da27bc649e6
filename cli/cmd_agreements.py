"""``tablero agreements``: committee sessions and their agreements (compromisos).

Same functions as the «Comités y compromisos» page (``data_access.results.agreements``);
``--as-user`` applies that account's role and scope: a comité records and lists only agreements of
its office, an operador lists only those assigned to it. A refusal ends with its Spanish message
and exit status 1.
"""

from __future__ import annotations

import click

from cli.cmd_periods import refusals
from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

COLUMNS = ["id", "sesion", "fecha_sesion", "tema", "codigo_tema", "oficina", "municipio",
           "operador",  # not a role: the column of the assigned operator
           "compromiso", "responsable", "fecha_limite", "estado", "cerrado_el"]
SESSION_COLUMNS = ["id", "fecha", "titulo", "comite", "participantes", "compromisos", "registrado_por"]
_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")


def agreement_rows(rows: list[dict]) -> list[dict]:
    """Agreements as the CLI columns (es-CO dates)."""
    from rules.core.formatting import fmt_date

    return [{
        "id": r["id"], "sesion": r["session_title"] or "", "fecha_sesion": fmt_date(r["session_date"]),
        "tema": r["subject_kind"], "codigo_tema": r["subject_code"], "oficina": r["office"] or "Nacional",
        "municipio": r["municipality_code"] or "",
        "operador": r["operator_code"] or "",  # not a role: the column of the assigned operator
        "compromiso": r["description"], "responsable": r["responsible"], "fecha_limite": fmt_date(r["due_on"]),
        "estado": r["shown_status"], "cerrado_el": fmt_date(r["closed_on"]),
    } for r in rows]


def register(group: click.Group) -> None:
    @group.group("agreements")
    def agreements_group() -> None:
        """Sesiones de comité y sus compromisos: registrar, listar, dar seguimiento."""

    @agreements_group.command("add")
    @click.option("--session", "session_id", type=int, default=None, help="Id de la sesión (sin ella: suelto).")
    @click.option("--subject", required=True, help="Tema: indicador|municipio|operador|pn|alerta.")
    @click.option("--code", required=True, help="Código del tema (indicador, DIVIPOLA, operador, PN, alerta).")
    @click.option("--text", "description", required=True, help="Qué se acordó.")
    @click.option("--responsible", required=True, help="Quién responde por el compromiso.")
    @click.option("--due", required=True, help="Fecha límite (AAAA-MM-DD o DD/MM/AAAA).")
    @click.option("--status", default="pendiente", help="pendiente o en_curso.")
    @click.option("--operator", "operator_code", default=None, help="Código del operador al que se asigna.")
    @as_user_option
    def add_cmd(session_id, subject, code, description, responsible, due, status, operator_code, as_user) -> None:
        """Registrar un compromiso."""
        from data_access.results import agreements as A

        with store_in_use("registrar el compromiso en"), refusals():
            done = A.create_agreement(resolve_viewer(as_user), {
                "session_id": session_id, "subject_kind": subject, "subject_code": code,
                "description": description, "responsible": responsible, "due_on": due, "status": status,
                "operator_code": operator_code})
        click.echo(f"Compromiso {done.id} registrado.")

    @agreements_group.command("list")
    @click.option("--status", default=None, help="pendiente|en_curso|vencido|cumplido|cancelado.")
    @click.option("--session", "session_id", type=int, default=None)
    @click.option("--subject", default=None)
    @click.option("--code", default=None)
    @_FORMAT
    @as_user_option
    def list_cmd(status, session_id, subject, code, fmt, as_user) -> None:
        """Compromisos en el alcance (vencido: fecha límite pasada sin cumplir)."""
        from data_access.results import agreements as A
        from rules.results.agreements import STATUSES

        if status and status not in STATUSES:
            raise click.ClickException(f"Estado «{status}» no existe; use uno de {', '.join(STATUSES)}.")
        with store_in_use("leer"):
            rows = A.agreements(resolve_viewer(as_user), status=status, session_id=session_id,
                                subject_kind=subject, subject_code=code)
        emit_rows(agreement_rows(rows), fmt, COLUMNS)

    @agreements_group.command("update")
    @click.argument("agreement_id", type=int)
    @click.option("--status", required=True, help="pendiente|en_curso|cumplido|cancelado.")
    @click.option("--note", required=True, help="Nota de seguimiento.")
    @as_user_option
    def update_cmd(agreement_id, status, note, as_user) -> None:
        """Seguimiento de un compromiso: nuevo estado y nota fechada."""
        from data_access.results import agreements as A

        with store_in_use("actualizar el compromiso en"), refusals():
            viewer = resolve_viewer(as_user)
            found = [r for r in A.agreements(viewer) if r["id"] == agreement_id]
            if not found:
                raise click.ClickException(f"El compromiso {agreement_id} no existe o no está en su alcance.")
            A.follow_up(viewer, agreement_id, found[0]["version"], status, note)
        click.echo(f"Compromiso {agreement_id}: {status}.")

    @agreements_group.group("sessions")
    def sessions_group() -> None:
        """Sesiones de comité."""

    @sessions_group.command("add")
    @click.option("--date", "held_on", required=True, help="Fecha de la sesión (AAAA-MM-DD).")
    @click.option("--title", required=True)
    @click.option("--participants", default="")
    @click.option("--office", default=None, help="Código de la oficina regional (sin él: comité nacional).")
    @as_user_option
    def sessions_add_cmd(held_on, title, participants, office, as_user) -> None:
        """Registrar una sesión; guarda las cifras clave del resumen en su alcance a la fecha de la sesión."""
        from data_access.results import agreements as A
        from exports.acta import session_figures
        from rules.results.agreements import parse_day

        with store_in_use("registrar la sesión en"), refusals():
            viewer = resolve_viewer(as_user)
            day = parse_day(held_on)
            office_id = next((o["id"] for o in A.offices() if office and o["code"].upper() == office.upper()), None)
            if office_id is None and viewer.is_regional:
                office_id = viewer.regional_office_id
            figures = session_figures(viewer, office_id, day) if day else []
            done = A.create_session(viewer, {"held_on": held_on, "title": title, "participants": participants,
                                             "regional_office": office, "figures": figures})
        click.echo(f"Sesión {done.id} registrada.")

    @sessions_group.command("list")
    @_FORMAT
    @as_user_option
    def sessions_list_cmd(fmt, as_user) -> None:
        """Sesiones en el alcance, la más reciente primero."""
        from data_access.results import agreements as A
        from rules.core.formatting import fmt_date

        with store_in_use("leer"):
            rows = A.sessions(resolve_viewer(as_user))
        emit_rows([{"id": r["id"], "fecha": fmt_date(r["held_on"]), "titulo": r["title"],
                    "comite": r["office"] or "Nacional", "participantes": r["participants"],
                    "compromisos": r["agreements"], "registrado_por": r["created_by"]} for r in rows],
                  fmt, SESSION_COLUMNS)
