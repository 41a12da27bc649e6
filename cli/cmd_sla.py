"""``tablero sla scorecard|definitions``: operator ANS from the shell, with the page's scope."""

from __future__ import annotations

import click

from cli.common import as_user_option, emit_rows, resolve_viewer

OPERATOR = "operador"  # not a role: the column of the operator's code
SCORECARD_COLUMNS = [
    "trimestre", OPERATOR, "nombre_operador", "contrato", "ruta", "oficina", "ans", "nombre_ans", "servicio",
    "tipo", "valor", "meta", "sentido", "tolerancia", "peso", "estado", "numerador", "denominador", "evidencia",
    "puntaje_operador",
]
SUMMARY_COLUMNS = ["trimestre", OPERATOR, "nombre_operador", "puntaje", "cumple", "en_riesgo", "incumple",
                   "sin_reporte", "sin_base"]
DEFINITION_COLUMNS = ["codigo", "ruta", "servicio", "nombre", "tipo", "unidad", "meta", "sentido", "tolerancia",
                      "peso", "frecuencia", "como_se_calcula"]


def _round(x, nd=2):
    return None if x is None or x != x else round(float(x), nd)


def register(group: click.Group) -> None:
    @group.group("sla")
    def sla() -> None:
        """ANS de los operadores: tablero de cumplimiento y definiciones."""

    @sla.command("scorecard")
    @click.option("--quarter", "quarter", required=True, help="Trimestre AAAAQn, p. ej. 2026Q3.")
    @click.option("--operator", "operator", default=None, help="Código del operador (p. ej. OP-0001).")
    @click.option("--route", "route", default=None, type=click.Choice(["basica", "intermedia", "competitividad"]))
    @click.option("--service", "service", default=None, help="Código del tipo de servicio.")
    @click.option("--cutoff", "cutoff", default=None,
                  help="Fecha de corte AAAA-MM-DD (por defecto: fin del trimestre, o hoy si aún no termina).")
    @click.option("--summary", is_flag=True, help="Una fila por operador con su puntaje ponderado.")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def scorecard(quarter, operator, route, service, cutoff, summary, fmt, as_user) -> None:
        """Cada ANS de cada contrato visible frente a su meta, con estado y evidencia."""
        import datetime as dt

        from data_access.core.filters import GlobalFilters
        from data_access.sla import queries as S
        from rules.core.calendar import parse_quarter, quarter_end, quarter_of
        from rules.core.clock import today
        from rules.sla import scoring as R

        try:
            q = parse_quarter(quarter)
            cut = dt.date.fromisoformat(cutoff) if cutoff else min(quarter_end(q), today())
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        if quarter_of(cut) < q:
            raise click.BadParameter(f"La fecha de corte {cut.isoformat()} es anterior al trimestre {q}: "
                                     "use un corte dentro o después del trimestre.")
        viewer = resolve_viewer(as_user)
        filters = GlobalFilters(cutoff=cut, route=route).within(viewer)
        frame = S.scorecard_frame(viewer, filters, (q,), service_type=service, operator_code=operator)
        frame = frame[frame["quarter"] == q] if not frame.empty else frame
        scores = S.score_table(frame, ["operator_code", "operator_name"])
        if summary:
            rows = [
                {"trimestre": q, OPERATOR: r.operator_code, "nombre_operador": r.operator_name,
                 "puntaje": _round(r.score, 1), "cumple": int(r.cumple), "en_riesgo": int(r.en_riesgo),
                 "incumple": int(r.incumple), "sin_reporte": int(r.sin_reporte), "sin_base": int(r.sin_base)}
                for r in scores.itertuples()
            ]
            emit_rows(rows, fmt, SUMMARY_COLUMNS)
            return
        by_op = {r.operator_code: r.score for r in scores.itertuples()}
        rows = []
        for r in frame.itertuples():
            status = r.status
            rows.append({
                "trimestre": r.quarter, OPERATOR: r.operator_code, "nombre_operador": r.operator_name,
                "contrato": r.contract_code, "ruta": r.route, "oficina": r.office_name, "ans": r.definition_code,
                "nombre_ans": r.definition_name, "servicio": r.service_type_code,
                "tipo": "derivado" if r.kind == "derived" else "reportado",
                "valor": _round(r.value), "meta": _round(r.target),
                "sentido": R.DIRECTIONS.get(r.direction, r.direction),
                "tolerancia": _round(r.tolerance), "peso": _round(r.weight),
                "estado": (R.STATUS_LABELS[status] if fmt != "table"
                           else f"{R.STATUS_ICONS[status]} {R.STATUS_LABELS[status]}"),
                "numerador": _round(r.numerator), "denominador": _round(r.denominator),
                "evidencia": r.evidence_ref or "", "puntaje_operador": _round(by_op.get(r.operator_code), 1),
            })
        if not rows and fmt == "table":
            click.echo(f"Sin ANS visibles para {q} con su alcance y filtros.", err=True)
        emit_rows(rows, fmt, SCORECARD_COLUMNS)

    @sla.command("definitions")
    @click.option("--route", "route", default=None, type=click.Choice(["basica", "intermedia", "competitividad"]))
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def definitions(route, fmt, as_user) -> None:
        """Cada ANS en lenguaje sencillo: meta, sentido, tolerancia, peso y cómo se calcula."""
        from data_access.sla import queries as S
        from rules.sla import scoring as R

        viewer = resolve_viewer(as_user)
        rows = [
            {"codigo": d["code"], "ruta": d["route"], "servicio": d["service_type_code"], "nombre": d["name"],
             "tipo": "derivado" if d["kind"] == "derived" else "reportado", "unidad": d["unit"],
             "meta": d["target"], "sentido": R.DIRECTIONS.get(d["direction"], d["direction"]),
             "tolerancia": d["tolerance"], "peso": d["weight"], "frecuencia": d["frequency"],
             "como_se_calcula": d["how"] if fmt != "table" else (d["description"] or d["how"])[:80]}
            for d in S.definitions(viewer, route=route)
        ]
        emit_rows(rows, fmt, DEFINITION_COLUMNS)
