"""``tablero comments``: comment on a figure and read the threads, as on the pages.

Same functions as the «Comentarios» expander under a figure (``data_access.results.comments``);
``--as-user`` applies that account's role and scope: a comment is about the commenter's scope and is
read by those whose scope covers it. A refusal ends with its Spanish message and exit status 1.
"""

from __future__ import annotations

import datetime as dt

import click

from cli.cmd_periods import refusals
from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

LIST_COLUMNS = ["id", "cifra", "respuesta_a", "usuario", "fecha", "valor", "corte", "filtros", "comentario"]


def register(group: click.Group) -> None:
    @group.group("comments")
    def comments_group() -> None:
        """Comentarios sobre cifras: quién, cuándo, el valor y los filtros de ese momento."""

    @comments_group.command("add")
    @click.argument("figure")
    @click.option("--text", "text", required=True, help="El comentario.")
    @click.option("--value", "value", default="", help="El valor de la cifra tal como se ve, p. ej. «78,4 %».")
    @click.option("--as-of", "as_of", default=None, help="Fecha de corte AAAA-MM-DD (por omisión: hoy).")
    @click.option("--office", "office", type=int, default=None, help="Filtro: id de la oficina regional.")
    @click.option("--municipality", "municipality", default=None, help="Filtro: código DANE del municipio.")
    @click.option("--reply-to", "reply_to", type=int, default=None, help="Id del comentario que se responde.")
    @as_user_option
    def add_cmd(figure, text, value, as_of, office, municipality, reply_to, as_user) -> None:
        """Comentar la cifra FIGURE (p. ej. overview.households, alliance.headline)."""
        from data_access.core.filters import GlobalFilters
        from data_access.results import comments as C
        from rules.core.clock import today

        try:
            cutoff = dt.date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            raise click.ClickException("Fecha inválida en --as-of: use el formato AAAA-MM-DD, p. ej. 2026-09-30.") \
                from None
        filters = GlobalFilters(cutoff=cutoff, regional_office_id=office, municipality_code=municipality)
        with store_in_use("escribir en"), refusals():
            new_id = C.add(resolve_viewer(as_user), figure, value, filters, text, parent_id=reply_to)
        click.echo(f"Comentario {new_id} publicado en «{figure}».")

    @comments_group.command("list")
    @click.argument("figure", required=False)
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def list_cmd(figure, fmt, as_user) -> None:
        """Los comentarios que su alcance permite leer, de FIGURE o de todas las cifras."""
        from data_access.results import comments as C
        from rules.core.formatting import fmt_date, fmt_datetime

        with store_in_use("leer"), refusals():
            rows = C.thread(resolve_viewer(as_user), figure)
        emit_rows([{
            "id": r["id"], "cifra": r["figure"], "respuesta_a": r["parent_id"] or "", "usuario": r["username"],
            "fecha": fmt_datetime(r["at"]), "valor": r["value_text"], "corte": fmt_date(r["cutoff"]),
            "filtros": ", ".join(f"{k}={v}" for k, v in sorted(r["filters"].items()) if k != "cutoff"),
            "comentario": r["text"],
        } for r in rows], fmt, LIST_COLUMNS)
