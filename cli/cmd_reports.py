"""``tablero reports``: operators' quarterly reports (``data_access.reporting.submissions``).

An operator prepares its report (``draft``, ``add``, ``remove``) and sends it (``submit``); the PMO
sees what it changes (``show``) and approves or returns it (``approve``, ``return --comment``).
``list`` and ``timeliness`` read within the ``--as-user`` scope. The same functions as the page.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use
from rules.core.formatting import fmt_pct, quarter_label
from rules.reporting import cycle

FORMATS = click.Choice(["table", "csv", "json"])
LIST_COLUMNS = ["id", "quarter", "operator_code", "operator_name", "state", "files", "version", "created_by",
                "submitted_by", "first_submitted_at", "submitted_at", "reviewed_by", "reviewed_at", "review_comment"]
TIMELINESS_COLUMNS = ["quarter", "operator_code", "operator_name", "deadline", "first_submitted_on", "on_time",
                      "late", "missing", "approved", "returned", "state"]


def added_line(report: dict) -> str:
    """What an operator is told once a file is in its report."""
    return (f"Agregado al reporte {quarter_label(report['quarter'])} ({report['state']}): se cargará cuando la PMO "
            f"lo apruebe (reporte {report['id']}, tablero reports submit {report['id']}).")


def _run(fn, *args):
    """Call a step; a refusal becomes its Spanish message (a file that no longer validates: its problems too)."""
    from data_access.edits.common import EditError
    from data_access.reporting import submissions as sub

    try:
        with store_in_use():
            return fn(*args)
    except sub.NotValid as exc:
        for p in exc.problems:
            click.echo(str(p))
        raise click.ClickException(exc.message) from None
    except EditError as exc:
        raise click.ClickException(exc.message) from None


def add_to_report(viewer, quarter: str | None, entity: str, file: Path) -> bool:
    """An operator's file into its report of ``quarter`` (``tablero import`` and ``reports add``)."""
    from data_access.reporting import submissions as sub

    if not quarter:
        raise click.ClickException("Como operador, sus archivos van a su reporte trimestral: indique el trimestre "
                                   "con --quarter AAAAQn (p. ej. --quarter 2026Q2).")
    if not file.exists():
        raise click.ClickException(f"No existe el archivo «{file}»: revise la ruta.")
    added, report = _run(sub.into_report, viewer, quarter, entity, file.read_bytes(), file.name)
    for line in added.report.lines():
        click.echo(line)
    if added.file_id is not None:
        click.echo(added_line(report))
    return added.file_id is not None


def _version(viewer, submission_id: int, given: int | None) -> int:
    from data_access.reporting import submissions as sub

    return given if given is not None else _run(sub.get, viewer, submission_id)["version"]


def register(group: click.Group) -> None:
    @group.group("reports")
    def reports() -> None:
        """Reportes trimestrales de los operadores: preparar, enviar, aprobar o devolver."""

    @reports.command("draft")
    @click.option("--quarter", required=True, help="Trimestre AAAAQn, p. ej. 2026Q2.")
    @as_user_option
    def draft(quarter: str, as_user: str | None) -> None:
        """Abre (o muestra) el reporte del trimestre del operador."""
        from data_access.reporting import submissions as sub

        r = _run(sub.draft, resolve_viewer(as_user), quarter)
        click.echo(f"Reporte {r['id']} de {quarter_label(r['quarter'])}: {r['state']} (versión {r['version']}).")

    @reports.command("add")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--entity", required=True, type=click.Choice(list(cycle.ENTITIES)))
    @click.option("--quarter", required=True, help="Trimestre AAAAQn del reporte.")
    @as_user_option
    def add(file: Path, entity: str, quarter: str, as_user: str | None) -> None:
        """Valida FILE para el operador y lo agrega a su reporte (no se carga hasta la aprobación)."""
        if not add_to_report(resolve_viewer(as_user), quarter, entity, file):
            raise SystemExit(1)

    @reports.command("remove")
    @click.argument("submission_id", type=int)
    @click.argument("file_id", type=int)
    @as_user_option
    def remove(submission_id: int, file_id: int, as_user: str | None) -> None:
        """Quita un archivo de un reporte en borrador o devuelto."""
        from data_access.reporting import submissions as sub

        _run(sub.remove_file, resolve_viewer(as_user), submission_id, file_id)
        click.echo(f"Archivo {file_id} quitado del reporte {submission_id}.")

    def _step(name: str, help_text: str, needs_comment: bool = False):
        @reports.command(name, help=help_text)
        @click.argument("submission_id", type=int)
        @click.option("--version", "seen", type=int, default=None,
                      help="Versión vista del reporte (por omisión, la actual).")
        @as_user_option
        def step(submission_id: int, seen: int | None, as_user: str | None, comment: str = "") -> None:
            from data_access.reporting import submissions as sub

            viewer = resolve_viewer(as_user)
            seen = _version(viewer, submission_id, seen)
            if name == "submit":
                r = _run(sub.submit, viewer, submission_id, seen)
            elif name == "approve":
                r = _run(sub.approve, viewer, submission_id, seen)
            else:
                r = _run(sub.return_, viewer, submission_id, seen, comment)
            click.echo(f"Reporte {r['id']} de {r['operator_code']} {quarter_label(r['quarter'])}: {r['state']} "
                       f"(versión {r['version']}).")

        if needs_comment:
            step = click.option("--comment", required=True, help="Qué debe corregir el operador.")(step)
        return step

    _step("submit", "Envía el reporte a revisión de la PMO.")
    _step("approve", "Aprueba el reporte: carga todos sus archivos en una transacción (todo o nada).")
    _step("return", "Devuelve el reporte al operador con un comentario.", needs_comment=True)

    @reports.command("list")
    @click.option("--quarter", default=None)
    @click.option("--format", "fmt", type=FORMATS, default="table")
    @as_user_option
    def listing(quarter: str | None, fmt: str, as_user: str | None) -> None:
        """Reportes en su alcance (operador: los suyos; comité: su región; PMO: todos)."""
        from data_access.reporting import submissions as sub

        emit_rows(_run(sub.listing, resolve_viewer(as_user), quarter), fmt, LIST_COLUMNS)

    @reports.command("show")
    @click.argument("submission_id", type=int)
    @click.option("--format", "fmt", type=FORMATS, default="table")
    @as_user_option
    def show(submission_id: int, fmt: str, as_user: str | None) -> None:
        """Lo que cambiaría el reporte: registros (antes → después) y cifras del trimestre."""
        from data_access.reporting import submissions as sub

        p = _run(sub.preview, resolve_viewer(as_user), submission_id)
        s = p.submission
        click.echo(f"Reporte {s['id']} de {s['operator_code']} {quarter_label(s['quarter'])}: {s['state']}.")
        rows = [{"file": f["file_name"], "entity": f["entity"], "sheet": r["sheet"], "action": r["action"],
                 "id": r["id"], "field": k, "before": b, "after": a}
                for f in p.files for r in f["records"] for k, (b, a) in r["changes"].items()]
        for f in p.files:
            if not f["ok"]:
                click.echo(f"{f['file_name']}: {f['message']}")
        emit_rows(rows, fmt, ["file", "entity", "sheet", "action", "id", "field", "before", "after"])
        click.echo("Cifras del trimestre que cambian:")
        emit_rows(p.figures, fmt, ["figure", "before", "after", "delta"])

    @reports.command("timeliness")
    @click.option("--quarter", required=True)
    @click.option("--format", "fmt", type=FORMATS, default="table")
    @as_user_option
    def timeliness(quarter: str, fmt: str, as_user: str | None) -> None:
        """Registro oportuno por operador: esperados, a tiempo, tarde, faltantes, aprobados, devueltos."""
        from data_access.reporting import timeliness as T

        try:
            with store_in_use("leer"):
                table = T.rows(resolve_viewer(as_user), quarter)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        emit_rows(table, fmt, TIMELINESS_COLUMNS)
        if fmt == "table":
            s = T.summary(table, quarter)
            click.echo(f"Registro oportuno {quarter_label(s.quarter)}: {s.on_time} de {s.expected} a tiempo "
                       f"({fmt_pct(s.rate * 100) if s.rate is not None else '—'}).")
