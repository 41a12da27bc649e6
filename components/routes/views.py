"""The five views of the routes page. Each takes already-computed, scoped data (from
``components.routes.data``) and draws figures, tables, downloads and figure notes."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, kpi, plain
from components.routes.charts import (
    comparison_figure,
    coverage_figure,
    funnel_figure,
    losses_figure,
    sankey_figure,
    stage_label,
)
from components.routes.tables import comparison_frames, coverage_frames, funnel_frames, participant_frames
from rules.core.formatting import fmt_int, fmt_pct
from rules.routes.funnels import FunnelStage, Sankey, compare_funnels
from rules.routes.model import SALIDA

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _totals(rows: Sequence[FunnelStage]) -> dict[str, int]:
    entrants = rows[0].count if rows else 0
    completed = next((r.count for r in rows if r.stage == SALIDA), 0)
    lost = sum(r.lost for r in rows)
    return {"entrants": entrants, "completed": completed, "lost": lost,
            "in_progress": max(0, entrants - completed - lost)}


def render_funnels(ctx: PageContext, funnels: dict[str, list[FunnelStage]], notes: Sequence[str]) -> None:
    t, lang = ctx.t, ctx.lang
    if not funnels or all(not rows or rows[0].count == 0 for rows in funnels.values()):
        st.info(t("routes.empty"))
        figure_note(ctx, t("routes.note.funnel"), extra_filters=notes)
        return
    cols = st.columns(len(funnels))
    for col, (route, rows) in zip(cols, funnels.items()):
        with col:
            tot = _totals(rows)
            st.subheader(t(f"route.{route}"))
            k1, k2 = st.columns(2)
            with k1:
                kpi(t("routes.kpi.entrants"), fmt_int(tot["entrants"], lang), t("routes.kpi.entrants_help"))
                kpi(t("routes.kpi.lost"), fmt_int(tot["lost"], lang), t("routes.kpi.lost_help"))
            with k2:
                pct = 100.0 * tot["completed"] / tot["entrants"] if tot["entrants"] else None
                kpi(t("routes.kpi.completed"), f"{fmt_int(tot['completed'], lang)} · {fmt_pct(pct, 1, lang)}",
                    t("routes.kpi.completed_help"))
                kpi(t("routes.kpi.in_progress"), fmt_int(tot["in_progress"], lang), t("routes.kpi.in_progress_help"))
            if tot["entrants"]:
                st.plotly_chart(funnel_figure(ctx, route, rows), key=f"rt_funnel_{route}", config=PLOTLY_CONFIG)
            else:
                st.info(t("routes.empty_route"))
    figure_note(ctx, t("routes.note.funnel"), t("routes.note.funnel_num"), t("routes.note.funnel_den"), notes)
    st.subheader(t("routes.losses_title"))
    st.plotly_chart(losses_figure(ctx, funnels), key="rt_losses", config=PLOTLY_CONFIG)
    figure_note(ctx, t("routes.note.losses"), extra_filters=notes)
    st.subheader(t("routes.table_title"))
    show, export = funnel_frames(ctx, funnels)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    figure_note(ctx, t("routes.note.medians"), extra_filters=notes)
    download_table(ctx, export, "embudos_rutas", key="rt_funnel_dl")


def render_sankey(ctx: PageContext, sankey: Sankey, notes: Sequence[str]) -> None:
    t = ctx.t
    if not sankey.links:
        st.info(t("routes.empty"))
        figure_note(ctx, t("routes.note.sankey"), extra_filters=notes)
        return
    st.plotly_chart(sankey_figure(ctx, sankey), key="rt_sankey", config=PLOTLY_CONFIG)
    figure_note(ctx, t("routes.note.sankey"), t("routes.note.sankey_num"), t("routes.note.sankey_den"), notes)

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
    download_table(ctx, df, "progresion_rutas", key="rt_sankey_dl")


def render_services(ctx: PageContext, rows: list[dict], notes: Sequence[str]) -> None:
    t = ctx.t
    if not rows or not any(r["activated"] for r in rows):
        st.info(t("routes.empty_services"))
        figure_note(ctx, t("routes.note.services"), extra_filters=notes)
        return
    st.plotly_chart(coverage_figure(ctx, rows), key="rt_services", config=PLOTLY_CONFIG)
    figure_note(ctx, t("routes.note.services"), t("routes.note.services_num"), t("routes.note.services_den"), notes)
    show, export = coverage_frames(ctx, rows)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, export, "cobertura_servicios", key="rt_services_dl")


def render_comparison(
    ctx: PageContext,
    a: dict[str, list[FunnelStage]],
    b: dict[str, list[FunnelStage]],
    names: tuple[str, str],
    notes_a: Sequence[str],
    notes_b: Sequence[str],
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
    for col, name, tot, rows, side in ((c1, names[0], ta, a[route], "a"), (c2, names[1], tb, b[route], "b")):
        with col:
            st.markdown(f"**{plain(name)}**")
            pct = 100.0 * tot["completed"] / tot["entrants"] if tot["entrants"] else None
            k1, k2 = st.columns(2)
            k1.metric(t("routes.kpi.entrants"), fmt_int(tot["entrants"], ctx.lang))
            k2.metric(t("routes.kpi.completed"), f"{fmt_int(tot['completed'], ctx.lang)} · {fmt_pct(pct, 1, ctx.lang)}")
            if tot["entrants"]:
                st.plotly_chart(funnel_figure(ctx, route, rows), key=f"rt_cmp_funnel_{side}", config=PLOTLY_CONFIG)
            else:
                st.info(t("routes.empty_route"))
    route_rows = [r for r in all_rows if r["route"] == route]
    st.plotly_chart(comparison_figure(ctx, route, route_rows, names), key="rt_cmp_conv", config=PLOTLY_CONFIG)
    show, export = comparison_frames(ctx, all_rows, names)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    figure_note(
        ctx,
        t("routes.note.compare"),
        extra_filters=[f"{names[0]}: {'; '.join(notes_a) or t('common.no_filters')}",
                       f"{names[1]}: {'; '.join(notes_b) or t('common.no_filters')}"],
    )
    download_table(ctx, export, "comparacion_cohortes", key="rt_cmp_dl")


def render_participant_page(ctx: PageContext, page, notes: Sequence[str], key: str) -> None:
    """One page of the participant list, its download, and the personal-data note."""
    t = ctx.t
    st.markdown(
        t("routes.list.total", total=fmt_int(page.total, ctx.lang), page=page.page, pages=page.pages)
    )
    show, export = participant_frames(ctx, page.rows, page.columns)
    data_table(show, hide_index=True, placeholder="—", width="stretch")
    figure_note(
        ctx,
        t("routes.note.list_personal") if page.personal_data else t("routes.note.list_codes"),
        extra_filters=notes,
    )
    download_table(ctx, export, f"participantes_pagina_{page.page}", key=key)


def stage_options(ctx: PageContext, stages: Sequence[str]) -> dict[str, str]:
    return {s: stage_label(ctx, s) for s in stages}
