"""``tablero routes funnel|loop|participants|sankey|services|cohorts``: the routes page from the
shell, with the same SQL (``data_access.routes.funnels``) and the same scope (``--as-user``).

Examples::

    tablero routes funnel --route basica --cohort 2024Q1 --format csv
    tablero routes loop --cohort 2024Q1
    tablero routes participants --route basica --stage formulacion --which lost --as-user comite
    tablero routes funnel --saved "Mujeres Caribe" --as-user analista
"""

from __future__ import annotations

import datetime as dt

import click

from cli.common import as_user_option, emit_rows, resolve_viewer

FUNNEL_COLUMNS = [
    "route", "stage", "order", "optional", "count", "pct_entrants", "conversion", "base_stage",
    "lost_no_viable", "lost_requisitos_no_cumplidos", "lost_abandono", "lost_otro", "lost_total",
    "median_days", "days_measured",
]


LOOP_COLUMNS = ["route", "participants", "reformulations", "resolved", "in_loop", "exited", "days_lost_median",
                "days_lost_total"]


def _cohort_options(f):
    """The cohort filters shared by every sub-command."""
    options = [
        click.option("--cohort", "quarters", default=None,
                     help="Trimestre(s) de ingreso, p. ej. 2024Q1 o 2024Q1,2024Q2. Sin él: todos."),
        click.option("--route", default=None, help="Ruta: basica, intermedia o competitividad."),
        click.option("--mechanism", "entry_mechanisms", default=None,
                     help="Mecanismo(s) de ingreso: barrido, convocatoria, promocion (separados por coma)."),
        click.option("--sex", default=None, help="Sexo de la jefatura del hogar: F o M."),
        click.option("--youth", default=None, help="Jóvenes 18–28: si o no."),
        click.option("--ethnicity", "ethnicities", default=None, help="Pertenencia(s) étnica(s), separadas por coma."),
        click.option("--victim", default=None, help="Víctimas del conflicto: si o no."),
        click.option("--office", "regional_office_id", default=None, help="Id de la oficina regional."),
        click.option("--department", "department_code", default=None,
                     help="Código DIVIPOLA del departamento (2 dígitos)."),
        click.option("--municipality", "municipality_code", default=None,
                     help="Código DIVIPOLA del municipio (5 dígitos)."),
        click.option("--operator", "operator_id", default=None, help="Id del operador."),
        click.option("--saved", default=None, help="Usa una cohorte guardada (del usuario de --as-user)."),
        click.option("--cutoff", default=None,
                     help="Fecha de corte AAAA-MM-DD (por defecto: último cierre de trimestre)."),
        as_user_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _context(kwargs: dict):
    """(viewer, global filters, cohort) from the command's options; Spanish errors."""
    from data_access.core.filters import GlobalFilters
    from data_access.routes.funnels import saved_cohorts
    from rules.core.calendar import last_quarter_end
    from rules.routes.funnels import Cohort

    viewer = resolve_viewer(kwargs.pop("as_user"))
    cutoff_text = kwargs.pop("cutoff")
    try:
        cutoff = dt.date.fromisoformat(cutoff_text) if cutoff_text else last_quarter_end()
    except ValueError:
        raise click.ClickException(f"Fecha de corte «{cutoff_text}» no válida: use AAAA-MM-DD.") from None
    saved_name = kwargs.pop("saved")
    data = {k: v for k, v in kwargs.items() if v not in (None, "")}
    try:
        if saved_name:
            saved = dict(saved_cohorts(viewer))
            if saved_name not in saved:
                raise click.ClickException(
                    f"La cohorte guardada «{saved_name}» no existe para «{viewer.username}»: "
                    f"use «tablero routes cohorts --as-user {viewer.username or 'USUARIO'}» para verlas."
                )
            cohort = Cohort.from_dict({**saved[saved_name].to_dict(), **data})  # options override it
        else:
            cohort = Cohort.from_dict(data)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    return viewer, GlobalFilters(cutoff=cutoff).within(viewer), cohort


def _round(v):
    return round(v, 2) if isinstance(v, float) else v


def register(group: click.Group) -> None:
    @group.group("routes")
    def routes() -> None:
        """Embudos por ruta, progresión entre rutas, servicios y participantes por etapa."""

    @routes.command("funnel")
    @_cohort_options
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def funnel_cmd(fmt: str, **kwargs) -> None:
        """Embudo de la cohorte por ruta: alcanzaron cada etapa, % de ingreso, conversión,
        pérdidas por motivo y mediana de días desde la etapa previa."""
        from data_access.routes.funnels import funnel

        viewer, filters, cohort = _context(kwargs)
        rows = [
            {k: _round(v) for k, v in stage.as_row().items()}
            for stages in funnel(viewer, filters, cohort).values()
            for stage in stages
        ]
        emit_rows(rows, fmt, FUNNEL_COLUMNS)

    @routes.command("loop")
    @_cohort_options
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def loop_cmd(fmt: str, **kwargs) -> None:
        """Bucle de viabilidad por ruta: participantes con «no viable», reformulaciones, luego viables,
        reformulando, salidos sin plan viable y días perdidos (mediana y total)."""
        from data_access.routes.loops import viability_loops

        viewer, filters, cohort = _context(kwargs)
        rows = [{k: _round(v) for k, v in loop.as_row().items()}
                for loop in viability_loops(viewer, filters, cohort).values()]
        emit_rows(rows, fmt, LOOP_COLUMNS)

    @routes.command("participants")
    @_cohort_options
    @click.option("--stage", required=True, help="Etapa (código de rules.routes.model), p. ej. formulacion.")
    @click.option("--which", type=click.Choice(["reached", "active", "lost"]), default="reached", show_default=True,
                  help="reached: alcanzaron la etapa; active: siguen en ella; lost: salieron después de ella.")
    @click.option("--reason", default=None, help="Con --which lost: no_viable, requisitos_no_cumplidos o abandono.")
    @click.option("--page", type=int, default=1, show_default=True)
    @click.option("--page-size", type=int, default=50, show_default=True)
    @click.option("--all", "all_rows", is_flag=True, help="Todas las filas (sin paginar).")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def participants_cmd(stage: str, which: str, reason: str | None, page: int, page_size: int, all_rows: bool,
                         fmt: str, **kwargs) -> None:
        """Participantes detrás de una etapa (códigos; nombre y documento solo para analista PMO y admin)."""
        from data_access.routes.funnels import participants

        viewer, filters, cohort = _context(kwargs)
        route = cohort.route
        if not route:
            raise click.ClickException("Indique la ruta con --route (basica, intermedia o competitividad).")
        try:
            if all_rows:
                total = participants(viewer, filters, cohort, route, stage, which, reason, page_size=1).total
                result = participants(viewer, filters, cohort, route, stage, which, reason, limit=max(total, 1))
            else:
                result = participants(viewer, filters, cohort, route, stage, which, reason, page, page_size)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        emit_rows(result.rows, fmt, list(result.columns))
        if fmt == "table":
            click.echo(f"\n{result.total} participantes · página {result.page} de {result.pages}", err=True)

    @routes.command("sankey")
    @_cohort_options
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def sankey_cmd(fmt: str, **kwargs) -> None:
        """Flujos entre mecanismo de ingreso, rutas y salida (graduado, autogestionada, salió, en curso)."""
        from data_access.routes.funnels import sankey

        viewer, filters, cohort = _context(kwargs)
        s = sankey(viewer, filters, cohort)
        rows = [
            {"from_kind": s.nodes[a][0], "from": s.nodes[a][1], "to_kind": s.nodes[b][0], "to": s.nodes[b][1],
             "participants": n}
            for a, b, n in s.links
        ]
        emit_rows(rows, fmt, ["from_kind", "from", "to_kind", "to", "participants"])

    @routes.command("services")
    @_cohort_options
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def services_cmd(fmt: str, **kwargs) -> None:
        """Cobertura de cada servicio entre quienes llegaron a «servicios activados»."""
        from data_access.routes.funnels import service_coverage

        viewer, filters, cohort = _context(kwargs)
        rows = [{k: _round(v) for k, v in r.items()} for r in service_coverage(viewer, filters, cohort)]
        emit_rows(rows, fmt, ["route", "service", "activated", "received", "coverage_pct"])

    @routes.command("cohorts")
    @as_user_option
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
    def cohorts_cmd(as_user: str | None, fmt: str) -> None:
        """Cohortes guardadas del usuario (--as-user)."""
        import json

        from data_access.routes.funnels import saved_cohorts

        viewer = resolve_viewer(as_user)
        rows = [{"name": n, "filters": json.dumps(c.to_dict(), ensure_ascii=False)} for n, c in saved_cohorts(viewer)]
        emit_rows(rows, fmt, ["name", "filters"])
