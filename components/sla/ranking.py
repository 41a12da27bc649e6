"""Ranking tab: operators of the same route and regional office, by weighted ANS score."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note
from components.sla.common import Texts, quarter_text, score_text, texts, window_frame
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.sla import queries as S
from exports import theme
from rules.sla import scoring as R


def ranking_table(tx: Texts, frame: pd.DataFrame, quarter: str, with_rank: bool = True) -> pd.DataFrame:
    """One row per contract, ranked within its route × office; ``_score`` is numeric (charts)."""
    t = tx.t
    now = frame[frame["quarter"] == quarter]
    table = S.score_table(now, ["route", "office_name", "operator_code", "operator_name", "contract_code"])
    rows = []
    for (route, office), g in table.groupby(["route", "office_name"], sort=True):
        ranks = {e.key: e.rank for e in R.rank(list(zip(g["contract_code"], g["score"])))}
        for r in g.itertuples():
            row = {t("sla.col.route"): t(f"route.{route}"), t("sla.col.office"): office}
            if with_rank:
                row[t("sla.col.rank")] = ranks[r.contract_code] if ranks[r.contract_code] is not None else "—"
                row[t("sla.col.of")] = len(g)
            row.update({
                t("sla.col.operator"): f"{r.operator_name} ({r.operator_code})",
                t("sla.col.contract"): r.contract_code,
                t("sla.col.score"): score_text(r.score, tx.lang),
                f"{R.STATUS_ICONS[R.CUMPLE]} {t('sla.status.cumple')}": int(r.cumple),
                f"{R.STATUS_ICONS[R.EN_RIESGO]} {t('sla.status.en_riesgo')}": int(r.en_riesgo),
                f"{R.STATUS_ICONS[R.INCUMPLE]} {t('sla.status.incumple')}": int(r.incumple),
                f"{R.STATUS_ICONS[R.SIN_REPORTE]} {t('sla.status.sin_reporte')}": int(r.sin_reporte),
                "_score": r.score if r.score is not None else -1.0,
            })
            rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    keys = [t("sla.col.route"), t("sla.col.office")]
    return out.sort_values([*keys, "_score"], ascending=[True, True, False], kind="stable").reset_index(drop=True)


def ranking_figure(tx: Texts, names: list[str], scores: list[float], labels: list[str]) -> go.Figure:
    """Weighted score per operator (best on top); each score written in a column right of
    the bars (a score of -1 means «sin datos»: no bar, the words)."""
    fig = go.Figure(go.Bar(
        x=[v if v >= 0 else None for v in scores], y=names, orientation="h", marker_color="#0072B2",
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
    ))
    fig.update_layout(theme.layout(tx.lang, {
        "height": max(240, 80 + 40 * len(names)),
        "margin": {"l": 10, "r": theme.label_width(labels) + 16, "t": 10, "b": 10},
        "yaxis": {"autorange": "reversed"}, "xaxis": {"range": [0, 100], "ticksuffix": " %"},
        "annotations": theme.label_column(names, labels),
    }))
    return fig


@cached(uses=(window_frame,))
def ranking_model(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                  service: str | None, with_rank: bool, tx: Texts, url: str) -> pd.DataFrame:
    frame = window_frame(viewer, filters, quarter, window, service, url)
    return ranking_table(tx, frame, quarter, with_rank)


def render(ctx: PageContext, chosen: dict) -> None:
    t = ctx.t
    quarter = chosen["quarter"]
    own_only = ctx.viewer.is_operator
    table = ranking_model(ctx.viewer, ctx.filters, quarter, chosen["window"], chosen["service"], not own_only,
                          texts(ctx), ctx.url)
    if table.empty:
        st.info(t("sla.empty"))
        return
    st.subheader(t("sla.ranking.title", quarter=quarter_text(quarter, ctx.lang)))
    if own_only:
        st.info(t("sla.ranking.operator_note"))
    route_col, office_col = t("sla.col.route"), t("sla.col.office")
    labels = list(dict.fromkeys(f"{r} · {o}" for r, o in zip(table[route_col], table[office_col])))
    choice = st.selectbox(t("sla.ranking.group"), [None, *labels], key="sla_rank_group",
                          format_func=lambda x: t("sla.ranking.all_groups") if x is None else x)
    shown = table
    if choice is not None:
        route_label, office = choice.split(" · ", 1)
        shown = table[(table[route_col] == route_label) & (table[office_col] == office)]
        fig = ranking_figure(texts(ctx), list(shown[t("sla.col.operator")]), list(shown["_score"]),
                             list(shown[t("sla.col.score")]))
        st.plotly_chart(fig, width="stretch", key="sla_rank_fig")
    shown = shown.drop(columns="_score")
    data_table(shown, hide_index=True, placeholder="—", width="stretch")
    note = figure_note(ctx, t("sla.note.ranking"), t("sla.note.score_num"), t("sla.note.score_den"))
    download_table(ctx, shown, f"ans_ranking_{quarter}", "sla_ranking", note=note)
