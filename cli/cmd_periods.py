"""``tablero periods``: close a quarter (freeze its official figures), list, reopen, verify, see
its restatements, and the year built from closed quarters.

Same functions as the «Reportes trimestrales» page (``data_access.reporting.periods`` and
``restatements``); ``--as-user`` applies that account's role and scope. A refusal (not allowed,
quarter not ended, already closed, reports pending without a reason, reopen without a reason)
ends with its Spanish message and exit status 1.
"""

from __future__ import annotations

import contextlib

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

LIST_COLUMNS = ["trimestre", "estado", "cerrado_por", "cerrado_el", "sha256", "motivo", "pendientes",
                "reabierto_por", "reabierto_el", "motivo_reapertura"]
FIGURE_COLUMNS = ["cifra", "grupo", "medida", "oficial", "en_vivo", "diferencia"]
PLAN_COLUMNS = ["codigo_pn", "estado_oficial", "estado_en_vivo", "cambio", "registro", "usuario", "fecha"]
SLA_COLUMNS = ["contrato", "codigo_operador", "ans", "valor", "reportado_por", "usuario", "fecha"]
ANNUAL_COLUMNS = ["periodo", "fuente", "numerator", "denominator", "percent", "pending", "cerrado_el"]


@contextlib.contextmanager
def refusals():
    """A refusal of the reporting writers/readers as its Spanish message."""
    from data_access.edits.common import EditError

    try:
        yield
    except EditError as exc:
        raise click.ClickException(exc.message) from None


def _when(at) -> str:
    from rules.core.formatting import fmt_datetime

    return fmt_datetime(at) if at else ""


def register(group: click.Group) -> None:
    @group.group("periods")
    def periods_group() -> None:
        """Cierre trimestral: cifras oficiales congeladas, reaperturas y reexpresiones."""

    @periods_group.command("close")
    @click.argument("quarter")
    @click.option("--reason", default="", help="Motivo para cerrar con reportes enviados sin revisar.")
    @as_user_option
    def close_cmd(quarter: str, reason: str, as_user: str | None) -> None:
        """Cerrar QUARTER (AAAAQn): congela sus cifras oficiales para cada alcance."""
        import time

        from data_access.reporting import periods as P
        from rules.core.formatting import quarter_label

        with store_in_use("cerrar el trimestre en"), refusals():
            viewer = resolve_viewer(as_user)
            start = time.perf_counter()
            done = P.close(viewer, quarter, reason, None)
        click.echo(f"{quarter_label(done.quarter)} cerrado: cifras oficiales de {done.scopes} alcances congeladas "
                   f"en {time.perf_counter() - start:.1f} s. SHA-256 {done.sha256}.")
        for p in done.pending:
            click.echo(f"  pendiente al cierre: reporte {p['submission_id']} de {p['operator_name']} "
                       f"({p['operator_code']}), {p['state']}")

    @periods_group.command("list")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def list_cmd(fmt: str, as_user: str | None) -> None:
        """Trimestres cerrados y reabiertos."""
        from data_access.reporting import periods as P

        with store_in_use("leer"):
            rows = P.periods(resolve_viewer(as_user))
        emit_rows([{
            "trimestre": r["quarter"], "estado": r["state"], "cerrado_por": r["closed_by"],
            "cerrado_el": _when(r["closed_at"]), "sha256": r["sha256"], "motivo": r["reason"],
            "pendientes": len(r["pending"]), "reabierto_por": r["reopened_by"] or "",
            "reabierto_el": _when(r["reopened_at"]), "motivo_reapertura": r["reopen_reason"],
        } for r in rows], fmt, LIST_COLUMNS)

    @periods_group.command("reopen")
    @click.argument("quarter")
    @click.option("--reason", default="", help="Motivo de la reapertura (obligatorio).")
    @as_user_option
    def reopen_cmd(quarter: str, reason: str, as_user: str | None) -> None:
        """Reabrir QUARTER (solo administradores, con motivo)."""
        from data_access.reporting import periods as P
        from rules.core.calendar import parse_quarter
        from rules.core.formatting import quarter_label

        with store_in_use("reabrir el trimestre en"), refusals():
            P.reopen(resolve_viewer(as_user), quarter, reason, None)
            click.echo(f"{quarter_label(parse_quarter(quarter))} reabierto: sus cifras vuelven a calcularse en vivo.")

    @periods_group.command("verify")
    @click.argument("quarter")
    @as_user_option
    def verify_cmd(quarter: str, as_user: str | None) -> None:
        """Recalcular el hash de las cifras oficiales de QUARTER y compararlo con el del cierre."""
        from data_access.reporting import periods as P

        with store_in_use("leer"), refusals():
            result = P.verify(quarter, None, resolve_viewer(as_user))
        click.echo(result["message"])
        if not result["ok"]:
            raise SystemExit(1)

    @periods_group.command("restatements")
    @click.argument("quarter")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def restatements_cmd(quarter: str, fmt: str, as_user: str | None) -> None:
        """Cifras de QUARTER que cambiaron después del cierre y los registros que las movieron."""
        from data_access.reporting import restatements as R

        with store_in_use("leer"), refusals():
            out = R.restatements(resolve_viewer(as_user), quarter, None)
        figures = [{"cifra": f["figure"], "grupo": f["group"], "medida": f["measure"], "oficial": f["official"],
                    "en_vivo": f["live"], "diferencia": f["delta"]} for f in out["figures"]]
        plans = []
        for p in out["plans"]:
            base = {"codigo_pn": p["code"], "estado_oficial": p["official_status"] or "",
                    "estado_en_vivo": p["live_status"] or ""}
            for w in p["writes"] or [{}]:
                plans.append({**base, "cambio": w.get("action", ""),
                              "registro": f"{w['entity']} {w['record']} {w['detail']}".strip() if w else "",
                              "usuario": w.get("username", ""), "fecha": _when(w.get("at"))})
        sla = [{"contrato": s["contract_code"], "codigo_operador": s["operator_code"], "ans": s["definition_code"],
                "valor": s["value"], "reportado_por": s["reported_by"], "usuario": s["username"],
                "fecha": _when(s["at"])} for s in out["sla"]]
        if fmt == "json":
            emit_rows([{"cifras": figures, "planes": plans, "ans": sla}], fmt, [])
            return
        if fmt == "table":
            click.echo(f"Cerrado el {_when(out['closed_at'])} por {out['closed_by']}.")
            if not (figures or plans or sla):
                click.echo("Sin reexpresiones: las cifras en vivo son las oficiales.")
                return
        emit_rows(figures, fmt, FIGURE_COLUMNS)
        if plans:
            emit_rows(plans, fmt, PLAN_COLUMNS)
        if sla:
            emit_rows(sla, fmt, SLA_COLUMNS)

    @periods_group.command("annual")
    @click.argument("year", type=int)
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def annual_cmd(year: int, fmt: str, as_user: str | None) -> None:
        """El indicador de alianzas de YEAR: cada trimestre oficial (cerrado) o en vivo (abierto); el
        año es la cifra oficial del T4 cuando está cerrado, si no, provisional."""
        from data_access.reporting import periods as P

        with store_in_use("leer"), refusals():
            rows = P.annual(resolve_viewer(as_user), year, None)
        emit_rows([{"periodo": r["period"], "fuente": r["source"], "numerator": r["numerator"],
                    "denominator": r["denominator"],
                    "percent": "" if r["percent"] is None else f"{r['percent']:.1f}", "pending": r["pending"],
                    "cerrado_el": _when(r["closed_at"])} for r in rows], fmt, ANNUAL_COLUMNS)
