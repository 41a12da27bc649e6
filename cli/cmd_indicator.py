"""``tablero indicator alliance``: the seed-004 alliance indicator from the shell.

Same rule, scope and SQL as the page (``data_access.alliance.queries``). ``--format csv`` prints
exactly ``group,numerator,denominator,percent,pending``: one row per group of ``--by``
(office/department/municipality codes, ventana number, value chain name, PSDE code)
and the row ``total`` for the whole visible scope; ``percent`` has one decimal and is
empty when there is no denominator ("sin datos"). Reads the store of ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

CSV_COLUMNS = ["group", "numerator", "denominator", "percent", "pending"]
TABLE_COLUMNS = ["group", "name", "numerator", "denominator", "percent", "pending", "not_executed", "meets_goal"]
BY_CHOICES = ["ventana", "regional_office", "value_chain", "department", "municipality", "psde"]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def alliance_rows(viewer, as_of: dt.date, by: str | None, url: str | None = None,
                  known_at: dt.date | None = None) -> list[dict]:
    """Rows of the indicator: groups of ``by`` (ordered by code) then the ``total`` row."""
    from data_access.alliance import queries as al
    from data_access.core.filters import GlobalFilters

    filters = GlobalFilters(cutoff=as_of, known_at=known_at)
    return [as_row(r) for r in al.indicator_table(viewer, filters, by, url=url)]


def as_row(r) -> dict:
    """One indicator row (``data_access.alliance.queries.Row``) as printed."""
    group = "total" if r.key == "total" else (r.code or r.name)
    words = {"cumple": "si", "no_cumple": "no", "n_pequeno": "n pequeño", "sin_datos": "sin datos"}
    return {
        "group": group, "name": r.name, "numerator": r.numerator, "denominator": r.denominator,
        "percent": _percent(r.percent), "pending": r.pending, "not_executed": r.not_executed,
        "meets_goal": words[r.status],  # «n pequeño»: under the minimum denominator, not rated
    }


def register(group: click.Group) -> None:
    indicator = group.commands.get("indicator")
    if indicator is None:
        @group.group("indicator")
        def indicator() -> None:
            """Indicadores de resultado del programa."""

    @indicator.command("alliance")
    @click.option("--as-of", "as_of", required=True, help="Fecha de corte AAAA-MM-DD.")
    @click.option("--by", "by", type=click.Choice(BY_CHOICES), default=None,
                  help="Desagregación (además de la fila total).")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def alliance(as_of: str, by: str | None, fmt: str, as_user: str | None) -> None:
        """% de PN ejecutados cuya OPR sigue en alianza productiva 18 meses después del primer desembolso."""
        try:
            cutoff = dt.date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(f"«{as_of}» no es una fecha; use AAAA-MM-DD, p. ej. 2026-09-30.",
                                     param_hint="--as-of") from None
        with store_in_use("leer"):
            viewer = resolve_viewer(as_user)
            rows = alliance_rows(viewer, cutoff, by)
        if fmt == "json":
            for r in rows:
                r["percent"] = float(r["percent"]) if r["percent"] != "" else None
            emit_rows(rows, fmt, TABLE_COLUMNS)
        elif fmt == "csv":
            emit_rows(rows, fmt, CSV_COLUMNS)
        else:
            for r in rows:
                if r["percent"] == "":
                    r["percent"] = "sin datos"
            emit_rows(rows, fmt, TABLE_COLUMNS)
