"""``tablero knowledge search|list|add``: good practices, life stories and lessons learned.

The same functions as the «Gestión del conocimiento» page (``data_access.knowledge``); ``--as-user``
applies that account's scope, so a comité finds only its office's records. Without consent a record
is listed without its household or OPR. A refusal ends with its Spanish message and exit status 1.
"""

from __future__ import annotations

import click

from cli.cmd_periods import refusals
from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

COLUMNS = ["codigo", "tipo", "titulo", "municipio", "ruta", "servicio", "hogar", "opr", "etiquetas", "fecha",
           "relevancia", "fragmento"]
FORMATS = click.Choice(["table", "csv", "json"])


def _row(r: dict) -> dict:
    from rules.core.formatting import fmt_date

    return {"codigo": r["code"], "tipo": r["kind"], "titulo": r["title"],
            "municipio": f"{r['municipality']} ({r['municipality_code']})", "ruta": r["route"] or "",
            "servicio": r["service_type_code"] or "", "hogar": r["household_code"] or "",
            "opr": r["opr_name"] or "", "etiquetas": r["tags"], "fecha": fmt_date(r["created_on"]),
            "relevancia": "" if r["rank"] is None else round(float(r["rank"]), 4),
            "fragmento": " ".join((r["snippet"] or "").split())}


def _filters(f):
    from rules.core.catalog import ROUTES, SERVICE_TYPES
    from rules.knowledge import KINDS

    for option in (
        click.option("--kind", type=click.Choice(list(KINDS)), default=None, help="Tipo de registro."),
        click.option("--route", type=click.Choice(list(ROUTES)), default=None, help="Ruta."),
        click.option("--service", type=click.Choice(list(SERVICE_TYPES)), default=None, help="Tipo de servicio."),
        click.option("--municipality", default=None, help="Código DIVIPOLA del municipio."),
        click.option("--limit", type=int, default=50, show_default=True),
        click.option("--format", "fmt", type=FORMATS, default="table"),
    ):
        f = option(f)
    return f


def register(group: click.Group) -> None:
    @group.group("knowledge")
    def knowledge_group() -> None:
        """Gestión del conocimiento: buenas prácticas, historias de vida, lecciones aprendidas."""

    @knowledge_group.command("search")
    @click.argument("text")
    @_filters
    @as_user_option
    def search_cmd(text, kind, route, service, municipality, limit, fmt, as_user) -> None:
        """Busca TEXT (sin importar tildes ni mayúsculas); los más relevantes primero."""
        from data_access.knowledge import search as S

        with store_in_use("leer"):
            rows = S.search(resolve_viewer(as_user), text, kind=kind, route=route, service=service,
                            municipality=municipality, limit=limit)
        emit_rows([_row(r) for r in rows], fmt, COLUMNS)

    @knowledge_group.command("list")
    @_filters
    @as_user_option
    def list_cmd(kind, route, service, municipality, limit, fmt, as_user) -> None:
        """Los registros de su alcance, los más recientes primero."""
        from data_access.knowledge import search as S

        with store_in_use("leer"):
            rows = S.records(resolve_viewer(as_user), kind=kind, route=route, service=service,
                             municipality=municipality, limit=limit)
        emit_rows([_row(r) for r in rows], fmt, COLUMNS)

    @knowledge_group.command("add")
    @click.option("--kind", required=True, help="buena_practica, historia_de_vida o leccion_aprendida.")
    @click.option("--title", required=True, help="Título.")
    @click.option("--text", "text", required=True, help="El relato.")
    @click.option("--municipality", required=True, help="Código DIVIPOLA del municipio.")
    @click.option("--route", default=None, help="Ruta (basica, intermedia, competitividad).")
    @click.option("--service", default=None, help="Tipo de servicio.")
    @click.option("--tags", default="", help="Etiquetas separadas por «;».")
    @click.option("--household", default=None, help="Código del hogar de la historia.")
    @click.option("--opr", "opr_nit", default=None, help="NIT de la OPR de la historia.")
    @click.option("--consent/--no-consent", default=False, show_default=True,
                  help="Consentimiento para mostrar el hogar o la OPR.")
    @as_user_option
    def add_cmd(kind, title, text, municipality, route, service, tags, household, opr_nit, consent,
                as_user) -> None:
        """Registra un registro de conocimiento (auditado)."""
        from data_access.knowledge import records as R

        data = {"kind": kind, "title": title, "text": text, "municipality_code": municipality, "route": route,
                "service_type_code": service, "tags": tags, "household_code": household, "opr_nit": opr_nit,
                "consent": consent}
        with store_in_use("escribir en"), refusals():
            result = R.add(resolve_viewer(as_user), data)
        click.echo(f"Registro de conocimiento GC-{int(result.id):06d} guardado.")
