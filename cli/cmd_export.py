"""``tablero export pack``: the "Paquete para comité" (PPTX or PDF) from the shell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cli.common import as_user_option, resolve_viewer

VIEW_HELP = ("Vistas separadas por comas: overview,map,funnels,sla,alliance,alerts "
             "(o resumen,mapa,embudos,ans,alianzas,alertas).")


def register(group: click.Group) -> None:
    @group.group("export")
    def export() -> None:
        """Exportaciones para comité (paquete PPTX/PDF)."""

    @export.command("pack")
    @click.option("--views", default="overview,map,funnels,sla,alliance,alerts", show_default=True, help=VIEW_HELP)
    @click.option("--format", "fmt", type=click.Choice(["pptx", "pdf"]), default="pptx", show_default=True)
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="Archivo de salida.")
    @click.option("--as-of", "as_of", default=None,
                  help="Fecha de corte AAAA-MM-DD (por omisión: último cierre de trimestre).")
    @click.option("--since", "since", default=None, help="Inicio del periodo AAAA-MM-DD (opcional).")
    @click.option("--office", "office", type=int, default=None, help="Filtro: id de la oficina regional.")
    @click.option("--department", "department", default=None, help="Filtro: código DANE del departamento.")
    @click.option("--municipality", "municipality", default=None, help="Filtro: código DANE del municipio.")
    @click.option("--route", "route", type=click.Choice(["basica", "intermedia", "competitividad"]), default=None)
    @click.option("--lang", "lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
    @as_user_option
    def pack_cmd(views, fmt, out, as_of, since, office, department, municipality, route, lang, as_user) -> None:
        """Construye el paquete para comité: una diapositiva por vista, con el alcance del usuario."""
        from data_access.core.filters import GlobalFilters
        from exports.content import parse_views
        from exports.pack import build_pack
        from rules.core.calendar import last_quarter_end

        chosen = parse_views(views, default=())
        if not chosen:
            raise click.ClickException(f"Ninguna vista válida en «{views}». {VIEW_HELP}")
        try:
            cutoff = dt.date.fromisoformat(as_of) if as_of else last_quarter_end()
            start = dt.date.fromisoformat(since) if since else None
        except ValueError:
            raise click.ClickException(
                "Fecha inválida en --as-of/--since: use el formato AAAA-MM-DD, p. ej. 2026-09-30.") from None
        viewer = resolve_viewer(as_user)
        filters = GlobalFilters(cutoff=cutoff, period_start=start, regional_office_id=office,
                                department_code=department, municipality_code=municipality, route=route)
        from exports import charts

        try:
            result = build_pack(viewer, filters, chosen, fmt=fmt, lang=lang)
        finally:
            charts.stop()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.data)
        tm = result.timings
        click.echo(
            f"{out}: {len(result.slides)} diapositivas ({', '.join(s.view for s in result.slides)}); "
            f"alcance: {result.slides[0].scope_label if result.slides else '—'}; corte {cutoff.isoformat()}; "
            f"{tm['total']:.2f} s (consultas {tm['queries']:.2f} s, gráficos {tm['charts']:.2f} s, "
            f"archivo {tm['write']:.2f} s)."
        )

