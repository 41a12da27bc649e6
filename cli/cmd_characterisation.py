"""``tablero baselines change``: the change between the baseline (entry) and the exit follow-up,
per measure, by route, cohort, territory or operator, in the viewer's scope.

Same data function as the «Caracterización» page (``data_access.characterisation.baselines``).
Only enrolments measured at both moments count (``n``, per measure). ``--format csv`` prints
``group,name,measure,n,entry_mean,exit_mean,change_mean,improved_pct``: means of a yes/no
measure are shares in % (0–100), ``improved_pct`` the share of the ``n`` that improved.
"""

from __future__ import annotations

import datetime as dt

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

COLUMNS = ["group", "name", "measure", "n", "entry_mean", "exit_mean", "change_mean", "improved_pct"]
TERRITORY = {"office": "office", "department": "department", "municipality": "municipality"}


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def change_rows(viewer, by: str | None, cutoff: dt.date, url: str | None = None) -> list[dict]:
    """The printed rows: one per group × measure, groups in order, measures in catalogue order."""
    from data_access.characterisation import baselines
    from data_access.core.filters import GlobalFilters
    from rules import characterisation as CH

    out = []
    for r in baselines.change(viewer, GlobalFilters(cutoff=cutoff), by, url=url):
        c = r.change
        scale = 100.0 if CH.BY_CODE[c.measure].boolean else 1.0
        out.append({"group": r.group, "name": r.name, "measure": c.measure, "n": c.n,
                    "entry_mean": _num(c.entry_mean * scale), "exit_mean": _num(c.exit_mean * scale),
                    "change_mean": _num(c.change_mean * scale), "improved_pct": _num(c.improved_pct)})
    return out


def register(group: click.Group) -> None:
    @group.group("baselines")
    def baselines() -> None:
        """Líneas de base y seguimiento a la salida (caracterización de hogares y OPR)."""

    @baselines.command("change")
    @click.option("--by", "by", type=click.Choice(["total", "route", "cohort", "territory", "operator"]),
                  default="route", help="Filas: total, ruta, cohorte de ingreso, territorio u operador.")
    @click.option("--level", type=click.Choice(list(TERRITORY)), default="office",
                  help="Con --by territory: oficina regional, departamento o municipio.")
    @click.option("--as-of", "as_of", default=None, help="Fecha de corte AAAA-MM-DD (por omisión: hoy).")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def change_cmd(by: str, level: str, as_of: str | None, fmt: str, as_user: str | None) -> None:
        """Cambio entre la línea de base y la salida, por medida (solo inscripciones medidas en ambos momentos)."""
        from rules.core.clock import today

        try:
            cutoff = dt.date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            raise click.BadParameter(f"«{as_of}» no es una fecha; use AAAA-MM-DD, p. ej. 2026-09-30.",
                                     param_hint="--as-of") from None
        grouping = None if by == "total" else TERRITORY[level] if by == "territory" else by
        with store_in_use("leer"):
            viewer = resolve_viewer(as_user)
            rows = change_rows(viewer, grouping, cutoff)
        emit_rows(rows, fmt, COLUMNS)
