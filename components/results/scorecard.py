"""The scorecard page («Metas y semáforo»): rows = territories of the chosen level (oficinas
regionales, drilling to departamentos and municipios through the filters), columns = the
catalogue's indicators; each cell the value, target, % of target, status (icon and text) and
the value a year earlier. Data: ``data_access.results.targets.scorecard`` (the CLI's too)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note
from components.results import overdue
from data_access.results import targets as targets_q
from rules.core.formatting import fmt_pct
from rules.results import catalog, progress

LEVELS = ("oficina_regional", "departamento", "municipio", "nacional")
_scorecard = cached(targets_q.scorecard, by_reach=True)


def compute_first_visit(viewer, filters, url: str) -> None:
    """The scorecard a first visit shows (the first level), computed ahead
    (``components.overview.ahead``)."""
    _scorecard(viewer, filters, LEVELS[0], url=url)


def status_text(ctx: PageContext, status: str) -> str:
    """Icon and words of a status: never colour alone."""
    return f"{progress.ICONS[status]} {ctx.t(f'indicators.status.{status}')}"


def cell_text(ctx: PageContext, cell: targets_q.Cell) -> str:
    ind = catalog.get(cell.indicator)
    value = progress.format_value(ind, cell.value, ctx.lang)
    last = progress.format_value(ind, cell.last_year, ctx.lang)
    if cell.target is None:
        return ctx.t("scorecard.cell_no_target", value=value, icon=progress.ICONS[cell.status],
                     status=ctx.t(f"indicators.status.{cell.status}"), last=last)
    return ctx.t("scorecard.cell", value=value, target=progress.format_value(ind, cell.target, ctx.lang),
                 pct=fmt_pct(cell.pct_target, 0, ctx.lang), icon=progress.ICONS[cell.status],
                 status=ctx.t(f"indicators.status.{cell.status}"), last=last)


def group_name(ctx: PageContext, cell: targets_q.Cell) -> str:
    return ctx.t("scorecard.level.nacional") if cell.level == "nacional" else cell.group_name


def long_frame(ctx: PageContext, cells: list[targets_q.Cell]) -> pd.DataFrame:
    """One row per territory × indicator, as ``tablero scorecard`` prints it (the download)."""
    c = lambda k: ctx.t(f"scorecard.col.{k}")  # noqa: E731
    return pd.DataFrame([{ctx.t("scorecard.group"): group_name(ctx, x), c("code"): x.group or "nacional",
                          c("indicator"): x.indicator, c("value"): x.value, c("target"): x.target,
                          c("expected"): x.expected, c("pct_target"): x.pct_target, c("status"): x.status,
                          c("last_year"): x.last_year} for x in cells])


def wide_frame(ctx: PageContext, cells: list[targets_q.Cell], sort_by: str | None) -> pd.DataFrame:
    """Territories × indicators, each cell's text; rows sorted by ``sort_by``'s % of target."""
    groups: dict[str, dict] = {}
    pct: dict[str, float] = {}
    for x in cells:
        row = groups.setdefault(x.group, {ctx.t("scorecard.group"): group_name(ctx, x)})
        row[ctx.t(catalog.get(x.indicator).name_key)] = cell_text(ctx, x)
        if x.indicator == sort_by:
            pct[x.group] = x.pct_target if x.pct_target is not None else -1.0
    order = sorted(groups, key=lambda g: (-pct.get(g, -1.0), g)) if sort_by else sorted(groups)
    return pd.DataFrame([groups[g] for g in order])


def section(ctx: PageContext) -> None:
    """Draw the scorecard page for the viewer of ``ctx``: the overdue agreements of its scope
    first (``components.results.overdue``), then the scorecard."""
    overdue.box(ctx)
    level = st.radio(ctx.t("scorecard.level"), LEVELS, format_func=lambda v: ctx.t(f"scorecard.level.{v}"),
                     horizontal=True, key="scorecard_level")
    st.caption(ctx.t("scorecard.drill_hint"))
    cells = _scorecard(ctx.viewer, ctx.filters, level, url=ctx.url)
    if not cells:
        st.info(ctx.t("scorecard.empty"))
        return
    codes = [i.code for i in catalog.CATALOG]
    sort_by = st.selectbox(ctx.t("scorecard.sort_by"), [None, *codes], key="scorecard_sort",
                           format_func=lambda c: ctx.t("scorecard.sort_none") if c is None
                           else ctx.t(catalog.get(c).name_key))
    data_table(wide_frame(ctx, cells, sort_by), hide_index=True, width="stretch")
    st.caption(ctx.t("indicators.legend", at_risk=fmt_pct(100 * progress.at_risk(), 0, ctx.lang),
                     lagging=fmt_pct(100 * progress.lagging(), 0, ctx.lang)))
    note = figure_note(ctx, ctx.t("scorecard.definition"))
    download_table(ctx, lambda: long_frame(ctx, cells), "metas_semaforo", key="scorecard_download", note=note,
                   title=ctx.t("nav.scorecard"))
