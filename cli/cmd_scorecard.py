"""``tablero scorecard``: every catalogue indicator per territory against its target.

Same data function as the «Metas y semáforo» page (``data_access.results.targets.scorecard``).
``--format csv`` prints exactly ``group,indicator,value,target,pct_target,status``: ``group`` is
the office / DIVIPOLA code (``nacional`` for the national row), ``value`` and ``target`` as
computed (no thousands separators), ``pct_target`` with one decimal, ``status`` one of
``rules.results.progress.STATUSES``; empty cells when there is no value or target.
"""

from __future__ import annotations

import datetime as dt

import click

from cli.common import as_user_option, emit_rows, resolve_viewer, store_in_use

CSV_COLUMNS = ["group", "indicator", "value", "target", "pct_target", "status"]
TABLE_COLUMNS = ["group", "name", "indicator", "value", "target", "expected", "pct_target", "status", "last_year"]


def _num(value: float | None, digits: int | None = None) -> str:
    if value is None:
        return ""
    if digits is not None:
        return f"{value:.{digits}f}"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def scorecard_rows(viewer, year: int, as_of: dt.date, by: str, url: str | None = None) -> list[dict]:
    """The printed rows, one per group × indicator, in the page's order."""
    from data_access.core.filters import GlobalFilters
    from data_access.results import targets as T
    from rules.results import catalog

    if as_of.year != year:
        raise click.BadParameter(f"La fecha de corte {as_of.isoformat()} no es del año {year}: use una fecha de "
                                 f"{year} en --as-of.", param_hint="--as-of")
    cells = T.scorecard(viewer, GlobalFilters(cutoff=as_of).within(viewer), T.LEVEL_OF_BY[by], url=url)
    pct = {i.code for i in catalog.CATALOG if i.unit == catalog.PERCENT}
    return [{"group": c.group or "nacional", "name": c.group_name, "indicator": c.indicator,
             "value": _num(c.value, 1 if c.indicator in pct else None),
             "target": _num(c.target), "expected": _num(c.expected, 1),
             "pct_target": _num(c.pct_target, 1), "status": c.status,
             "last_year": _num(c.last_year, 1 if c.indicator in pct else None)}
            for c in cells]


def register(group: click.Group) -> None:
    @group.command("scorecard")
    @click.option("--year", type=int, required=True, help="Año de las metas, p. ej. 2026.")
    @click.option("--as-of", "as_of", default=None,
                  help="Fecha de corte AAAA-MM-DD del año (por omisión: 31 de diciembre, u hoy si el año "
                       "está en curso).")
    @click.option("--by", "by", type=click.Choice(["national", "regional_office", "department", "municipality"]),
                  default="regional_office", help="Filas: nacional, oficinas regionales, departamentos o municipios.")
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
    @as_user_option
    def scorecard(year: int, as_of: str | None, by: str, fmt: str, as_user: str | None) -> None:
        """Metas y semáforo: valor, meta, % de la meta y estado (en meta / en riesgo / rezagado) por territorio."""
        if as_of:
            try:
                cutoff = dt.date.fromisoformat(as_of)
            except ValueError:
                raise click.BadParameter(f"«{as_of}» no es una fecha; use AAAA-MM-DD, p. ej. {year}-09-30.",
                                         param_hint="--as-of") from None
        else:
            cutoff = min(dt.date(year, 12, 31), max(dt.date.today(), dt.date(year, 1, 1)))
        with store_in_use("leer"):
            viewer = resolve_viewer(as_user)
            rows = scorecard_rows(viewer, year, cutoff, by)
        emit_rows(rows, fmt, CSV_COLUMNS if fmt == "csv" else TABLE_COLUMNS)
