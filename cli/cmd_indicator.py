"""``tablero indicator alliance``: the seed-004 alliance indicator from the shell.

Same rule, scope and SQL as the page (``data_access.alliance.queries``). ``--quarter`` cuts at the
quarter's end; ``--official`` prints a closed quarter's frozen figures (``data_access.reporting``) in
the same columns; ``--known-at`` counts only evidence and sales registered by that date. ``--format csv`` prints
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

    filters = GlobalFilters(cutoff=as_of, known_at=known_at).within(viewer)
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
    @click.option("--as-of", "as_of", default=None, help="Fecha de corte AAAA-MM-DD.")
    @click.option("--quarter", "quarter", default=None,
                  help="Trimestre AAAAQn: corte al fin del trimestre (en lugar de --as-of).")
    @click.option("--official", is_flag=True,
                  help="Las cifras oficiales congeladas al cerrar --quarter (tablero periods close).")
    @click.option("--known-at", "known_at", default=None,
                  help="Cifra «como se sabía» en la fecha AAAA-MM-DD: solo evidencias y ventas registradas hasta ella.")
    @click.option("--by", "by", type=click.Choice(BY_CHOICES), default=None,
                  help="Desagregación (además de la fila total).")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def alliance(as_of: str | None, quarter: str | None, official: bool, known_at: str | None, by: str | None,
                 fmt: str, as_user: str | None) -> None:
        """% de PN ejecutados cuya OPR sigue en alianza productiva 18 meses después del primer desembolso."""
        cutoff, q = _cutoff(as_of, quarter)
        if official and q is None:
            raise click.UsageError("--official necesita --quarter AAAAQn (las cifras oficiales son de un trimestre).")
        if official and known_at:
            raise click.UsageError("--official y --known-at no se combinan: la cifra oficial ya es la de su cierre.")
        known = _date(known_at, "--known-at") if known_at else None
        with store_in_use("leer"):
            viewer = resolve_viewer(as_user)
            rows = official_rows(viewer, q, by) if official else alliance_rows(viewer, cutoff, by, known_at=known)
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

    @indicator.command("value")
    @click.argument("code")
    @click.option("--as-of", "as_of", default=None, help="Fecha de corte AAAA-MM-DD.")
    @click.option("--quarter", "quarter", default=None, help="Trimestre AAAAQn: corte al fin del trimestre.")
    @click.option("--by", "by", type=click.Choice(["regional_office", "department", "municipality"]), default=None,
                  help="Desagregación (además de la fila total).")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def value(code: str, as_of: str | None, quarter: str | None, by: str | None, fmt: str,
              as_user: str | None) -> None:
        """Un indicador del catálogo (p. ej. hogares_atendidos): valor, numerador y denominador."""
        from rules.results import catalog

        if code not in catalog.BY_CODE:
            raise click.BadParameter(f"Indicador desconocido «{code}»: use uno de {', '.join(catalog.BY_CODE)}.",
                                     param_hint="CODE")
        cutoff, _ = _cutoff(as_of, quarter)
        with store_in_use("leer"):
            rows = value_rows(resolve_viewer(as_user), code, cutoff, by)
        emit_rows(rows, fmt, ["group", "value", "numerator", "denominator"])


def value_rows(viewer, code: str, as_of: dt.date, by: str | None, url: str | None = None) -> list[dict]:
    """Groups of ``by`` (by code) then ``total``: the catalogue's one computation
    (``data_access.results.indicators``)."""
    from data_access.core.filters import GlobalFilters
    from data_access.results import indicators
    from data_access.results.targets import LEVEL_OF_BY

    filters = GlobalFilters(cutoff=as_of).within(viewer)
    found = indicators.by_group(code, viewer, filters, LEVEL_OF_BY[by], url) if by else []
    found.append((None, indicators.value(code, viewer, filters, url)))
    return [{"group": g.code if g else "total", "value": v.value, "numerator": v.numerator,
             "denominator": v.denominator} for g, v in found]


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"«{text}» no es una fecha; use AAAA-MM-DD, p. ej. 2026-09-30.",
                                 param_hint=option) from None


def _cutoff(as_of: str | None, quarter: str | None) -> tuple[dt.date, str | None]:
    """The cut-off of ``--as-of`` or of ``--quarter``'s end (exactly one of them)."""
    from rules.core.calendar import parse_quarter, quarter_end

    if (as_of is None) == (quarter is None):
        raise click.UsageError("Indique la fecha de corte con --as-of AAAA-MM-DD o el trimestre con --quarter AAAAQn "
                               "(uno de los dos).")
    if as_of is not None:
        return _date(as_of, "--as-of"), None
    try:
        q = parse_quarter(quarter)
    except ValueError:
        raise click.BadParameter(f"«{quarter}» no es un trimestre; use AAAAQn, p. ej. 2026Q2.",
                                 param_hint="--quarter") from None
    return quarter_end(q), q


def official_rows(viewer, quarter: str, by: str | None, url: str | None = None) -> list[dict]:
    """The frozen rows of a closed quarter, in the columns of ``alliance_rows``."""
    from data_access.reporting import figures, periods
    from rules.core.formatting import quarter_label

    off = periods.official(viewer, quarter, url)
    if off is None:
        raise click.ClickException(f"El trimestre {quarter_label(quarter)} no está cerrado: no tiene cifras oficiales. "
                                   "Quite --official para la cifra en vivo, o ciérrelo con `tablero periods close`.")
    frozen = off["figures"]
    groups = frozen[f"alliance.by.{by}"]["rows"] if by else []
    return [as_row(figures.restore_row(r)) for r in [*groups, frozen["alliance"]]]
