"""The five views of the routes page. Each takes already-computed, scoped data (from
``components.routes.data``) and draws figures, tables, downloads and figure notes."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, kpi, plain
from components.core.selection import url_filter
from components.routes.charts import (
    Q_LIST_ROUTE,
    Q_LIST_STAGE,
    comparison_figure,
    coverage_figure,
    funnel_figure,
    losses_figure,
    sankey_figure,
    stage_label,
    stage_point_params,
)
from components.routes.tables import (
    comparison_frames,
    coverage_frames,
    funnel_frames,
    loop_frames,
    participant_frames,
)
from rules.core import small_n
from rules.core.formatting import fmt_date, fmt_int, fmt_pct
from rules.routes.funnels import (
    MAX_ELAPSED_MONTHS,
    FunnelStage,
    Sankey,
    ViabilityLoop,
    compare_funnels,
    observed_entry_limit,
)
from rules.routes.model import SALIDA

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _totals(rows: Sequence[FunnelStage]) -> dict[str, int]:
    entrants = rows[0].count if rows else 0
    completed = next((r.count for r in rows if r.stage == SALIDA), 0)
    lost = sum(r.lost for r in rows)
    return {"entrants": entrants, "completed": completed, "lost": lost,
            "in_progress": max(0, entrants - completed - lost)}


def render_funnels(ctx: PageContext, funnels: dict[str, list[FunnelStage]], notes: Sequence[str],
                   loops: dict[str, ViabilityLoop] | None = None) -> None:
    t, lang = ctx.t, ctx.lang
    if not funnels or all(not rows or rows[0].count == 0 for rows in funnels.values()):
        st.info(t("routes.empty"))
        figure_note(ctx, t("routes.note.funnel"), extra_filters=notes)
        return
    for route, rows in funnels.items():  # a row of four figures per route: a third of the page is too narrow
        tot = _totals(rows)
        st.subheader(t(f"route.{route}"))
        pct = 100.0 * tot["completed"] / tot["entrants"] if tot["entrants"] else None
        for col, (label, value, help_key) in zip(st.columns(4), (
                (t("routes.kpi.entrants"), fmt_int(tot["entrants"], lang), "routes.kpi.entrants_help"),
                (t("routes.kpi.completed"), f"{fmt_int(tot['completed'], lang)} · {fmt_pct(pct, 1, lang)}",
                 "routes.kpi.completed_help"),
                (t("routes.kpi.in_progress"), fmt_int(tot["in_progress"], lang), "routes.kpi.in_progress_help"),
                (t("routes.kpi.lost"), fmt_int(tot["lost"], lang), "routes.kpi.lost_help"))):
            with col:
                kpi(label, value, t(help_key))
        if not tot["entrants"]:
            st.info(t("routes.empty_route"))
        elif small_n.is_small(tot["entrants"]):  # a funnel on so few entrants is not a result
            minimum = small_n.minimum()
            st.warning(f'{t("common.small_n_status", n=fmt_int(tot["entrants"], lang), min=minimum)}: '
                       f'{t("common.small_n_def", min=minimum)}', icon=":material/info:")
    # each funnel the page's full width, so its stage names and counts are read at 14 px; a click
    # on a stage lists its participants (the list's route and stage in the URL)
    for route, rows in funnels.items():
        if rows and rows[0].count:
            key = f"rt_funnel_{route}"
            st.plotly_chart(funnel_figure(ctx, route, rows), key=key, config=PLOTLY_CONFIG, selection_mode="points",
                            on_select=url_filter(
                                key, functools.partial(stage_point_params, route, [r.stage for r in rows]),
                                {Q_LIST_ROUTE: "rt_list_route", Q_LIST_STAGE: "rt_list_stage"},
                                {"rt_view": "participants", "rt_list_which": "reached"}))
    st.caption(t("routes.funnel_click_help"))
    funnel_note = figure_note(ctx, t("routes.note.funnel"), t("routes.note.funnel_num"), t("routes.note.funnel_den"),
                              notes)
    st.subheader(t("routes.losses_title"))
    st.plotly_chart(losses_figure(ctx, funnels), key="rt_losses", config=PLOTLY_CONFIG)
    figure_note(ctx, t("routes.note.losses"), extra_filters=notes)
    st.subheader(t("routes.table_title"))
    show, export = funnel_frames(ctx, funnels)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    figure_note(ctx, t("routes.note.medians"), extra_filters=notes)
    download_table(ctx, export, "embudos_rutas", key="rt_funnel_dl", note=funnel_note, title=t("routes.table_title"))
    if loops:
        render_loops(ctx, loops, notes)


def render_loops(ctx: PageContext, loops: dict[str, ViabilityLoop], notes: Sequence[str]) -> None:
    """The viability loop per route: a «no viable» is fed back and reformulated, not a drop-out."""
    t = ctx.t
    st.subheader(t("routes.loop.title"))
    show, export = loop_frames(ctx, loops)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    note = figure_note(ctx, t("routes.note.loop"), t("routes.note.loop_num"), t("routes.note.loop_den"), notes)
    download_table(ctx, export, "bucle_viabilidad", key="rt_loop_dl", note=note, title=t("routes.loop.title"))


def render_sankey(ctx: PageContext, sankey: Sankey, notes: Sequence[str]) -> None:
    t = ctx.t
    if not sankey.links:
        st.info(t("routes.empty"))
        figure_note(ctx, t("routes.note.sankey"), extra_filters=notes)
        return
    st.plotly_chart(sankey_figure(ctx, sankey), key="rt_sankey", config=PLOTLY_CONFIG)
    sankey_note = figure_note(ctx, t("routes.note.sankey"), t("routes.note.sankey_num"), t("routes.note.sankey_den"),
                              notes)

    def name(node):
        kind, code = node
        key = {"entry": "routes.mechanism.", "route": "route.", "exit": "routes.exit."}[kind]
        return t(key + code)

    import pandas as pd

    rows = [
        {t("routes.col.from"): name(sankey.nodes[s]), t("routes.col.to"): name(sankey.nodes[d]),
         t("routes.col.count"): n}
        for s, d, n in sankey.links
    ]
    df = pd.DataFrame(rows)
    show = df.copy()
    show[t("routes.col.count")] = [fmt_int(v, ctx.lang) for v in df[t("routes.col.count")]]
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, df, "progresion_rutas", key="rt_sankey_dl", note=sankey_note)


def render_services(ctx: PageContext, rows: list[dict], notes: Sequence[str]) -> None:
    t = ctx.t
    if not rows or not any(r["activated"] for r in rows):
        st.info(t("routes.empty_services"))
        figure_note(ctx, t("routes.note.services"), extra_filters=notes)
        return
    st.plotly_chart(coverage_figure(ctx, rows), key="rt_services", config=PLOTLY_CONFIG)
    note = figure_note(ctx, t("routes.note.services"), t("routes.note.services_num"), t("routes.note.services_den"),
                       notes)
    show, export = coverage_frames(ctx, rows)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, export, "cobertura_servicios", key="rt_services_dl", note=note)


@dataclass(frozen=True)
class Elapsed:
    """A comparison at equal time since entry: ``months``, and per cohort (A, B) the
    entrants per route left out because they have been observed less than that."""

    months: int
    excluded: tuple[dict[str, int], dict[str, int]] = field(default_factory=lambda: ({}, {}))


def elapsed_control(ctx: PageContext, default: int) -> int | None:
    """The comparison's time basis: months since entry (on by default, at ``default``
    months) or, switched off, each cohort as of the cut-off."""
    t = ctx.t
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    equal = c1.toggle(t("routes.compare.equal_time"), value=True, key="rt_cmp_equal",
                      help=t("routes.compare.equal_time_help"))
    if not equal:
        st.warning(t("routes.compare.at_cutoff"), icon=":material/warning:")
        return None
    # keyed on the default: choosing other cohorts brings the like-for-like default back
    return int(c2.number_input(
        t("routes.compare.months"), min_value=1, max_value=120, value=default, step=1,
        key=f"rt_cmp_months_{default}", help=t("routes.compare.months_help", cap=MAX_ELAPSED_MONTHS, default=default)))


def elapsed_notes(ctx: PageContext, elapsed: Elapsed | None, names: tuple[str, str], route: str | None,
                  cutoff: dt.date) -> list[str]:
    """The figure note's lines of an equal-time comparison (what is counted, who is left out)."""
    if elapsed is None:
        return [ctx.t("routes.compare.at_cutoff")]
    m = elapsed.months
    out = [ctx.t("routes.compare.elapsed_note", months=m, date=fmt_date(observed_entry_limit(cutoff, m), ctx.lang))]
    for name, excluded in zip(names, elapsed.excluded):
        n = sum(excluded.values()) if route is None else excluded.get(route, 0)
        if n:
            out.append(ctx.t("routes.compare.excluded", name=name, n=fmt_int(n, ctx.lang), months=m))
    return out


def render_comparison(
    ctx: PageContext,
    a: dict[str, list[FunnelStage]],
    b: dict[str, list[FunnelStage]],
    names: tuple[str, str],
    notes_a: Sequence[str],
    notes_b: Sequence[str],
    elapsed: Elapsed | None = None,
) -> None:
    t = ctx.t
    routes = [r for r in a if r in b]
    if not routes:
        st.info(t("routes.empty"))
        return
    all_rows = [row for route in routes for row in compare_funnels(a[route], b[route])]
    route = routes[0]
    if len(routes) > 1:
        route = st.radio(t("routes.compare.route"), routes, key="rt_cmp_route", horizontal=True,
                         format_func=lambda r: t(f"route.{r}"))
    ta, tb = _totals(a[route]), _totals(b[route])
    c1, c2 = st.columns(2)
    for i, (col, name, tot, rows, side) in enumerate(((c1, names[0], ta, a[route], "a"),
                                                      (c2, names[1], tb, b[route], "b"))):
        with col:
            st.markdown(f"**{plain(name)}**")
            pct = 100.0 * tot["completed"] / tot["entrants"] if tot["entrants"] else None
            k1, k2, k3 = st.columns(3) if elapsed is not None else (*st.columns(2), None)
            k1.metric(t("routes.kpi.entrants"), fmt_int(tot["entrants"], ctx.lang))
            k2.metric(t("routes.kpi.completed"), f"{fmt_int(tot['completed'], ctx.lang)} · {fmt_pct(pct, 1, ctx.lang)}")
            if k3 is not None:
                k3.metric(t("routes.kpi.excluded", months=elapsed.months),
                          fmt_int(elapsed.excluded[i].get(route, 0), ctx.lang),
                          help=t("routes.kpi.excluded_help", months=elapsed.months))
            if tot["entrants"]:
                st.plotly_chart(funnel_figure(ctx, route, rows), key=f"rt_cmp_funnel_{side}", config=PLOTLY_CONFIG)
            else:
                st.info(t("routes.empty_route"))
    route_rows = [r for r in all_rows if r["route"] == route]
    st.plotly_chart(comparison_figure(ctx, route, route_rows, names), key="rt_cmp_conv", config=PLOTLY_CONFIG)
    show, export = comparison_frames(ctx, all_rows, names)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    note = figure_note(
        ctx,
        t("routes.note.compare"),
        extra_filters=[f"{names[0]}: {'; '.join(notes_a) or t('common.no_filters')}",
                       f"{names[1]}: {'; '.join(notes_b) or t('common.no_filters')}",
                       *elapsed_notes(ctx, elapsed, names, None, ctx.filters.cutoff)],
    )
    download_table(ctx, export, "comparacion_cohortes", key="rt_cmp_dl", note=note)


def render_participant_page(ctx: PageContext, page, notes: Sequence[str], key: str) -> None:
    """One page of the participant list, its download, and the personal-data note."""
    t = ctx.t
    st.markdown(
        t("routes.list.total", total=fmt_int(page.total, ctx.lang), page=page.page, pages=page.pages)
    )
    show, export = participant_frames(ctx, page.rows, page.columns)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    note = figure_note(
        ctx,
        t("routes.note.list_personal") if page.personal_data else t("routes.note.list_codes"),
        extra_filters=notes,
    )
    download_table(ctx, export, f"participantes_pagina_{page.page}", key=key, note=note)


def stage_options(ctx: PageContext, stages: Sequence[str]) -> dict[str, str]:
    return {s: stage_label(ctx, s) for s in stages}
