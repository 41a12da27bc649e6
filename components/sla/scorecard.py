"""Scorecard tab: every visible operator × quarter, then one operator's ANS in detail
(value vs target with icon + text, weighted score, trend, breaches with evidence).

The tables and the figure are built by cached view models (keyed on viewer, filters,
quarter window, service type, operator and language), so a warm rerun only draws them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, kpi, plain
from components.core.selection import point_key, url_filter
from components.results import comments
from components.sla.common import (
    CHART_STATUSES,
    Q_OPERATOR,
    Q_STATUS,
    Texts,
    evidence_text,
    items_table,
    pick_operator,
    pick_status,
    quarter_text,
    score_text,
    status_text,
    target_text,
    texts,
    trend_text,
    window_frame,
)
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.sla import queries as S
from exports import theme
from rules.core.formatting import fmt_int
from rules.sla import scoring as R

OKABE_BLUE, OKABE_ORANGE = "#0072B2", "#E69F00"
STATUS_PATTERNS = {R.CUMPLE: "", R.EN_RIESGO: "/", R.INCUMPLE: "x", R.SIN_REPORTE: "."}
_EVERYONE = "sla_status_everyone"  # the chart of states shows every operator


def _trend_of(scores: dict[str, float | None], window) -> str:
    return R.trend([scores.get(q) for q in window])


def operator_summary(tx: Texts, frame: pd.DataFrame, quarter: str) -> pd.DataFrame:
    """Operator × quarter weighted scores (one column per quarter), trend and the selected
    quarter's status counts."""
    t = tx.t
    window = sorted(frame["quarter"].unique())
    by_q = S.score_table(frame, ["operator_code", "operator_name", "quarter"])
    now = S.score_table(frame[frame["quarter"] == quarter], ["operator_code"]).set_index("operator_code")
    contracts = frame[frame["quarter"] == quarter].groupby("operator_code")["contract_code"].nunique()
    rows = []
    for (code, name), g in by_q.groupby(["operator_code", "operator_name"], sort=False):
        if code not in now.index:
            continue
        scores = dict(zip(g["quarter"], g["score"]))
        row = {t("sla.col.operator"): f"{name} ({code})", t("sla.col.contracts"): int(contracts.get(code, 0))}
        for q in window:
            row[quarter_text(q, tx.lang)] = score_text(scores.get(q), tx.lang)
        row[t("sla.col.trend")] = trend_text(tx, _trend_of(scores, window))
        for s in (R.CUMPLE, R.EN_RIESGO, R.INCUMPLE, R.SIN_REPORTE):
            row[f"{R.STATUS_ICONS[s]} {t('sla.status.' + s)}"] = int(now.at[code, s])
        rows.append(row)
    return pd.DataFrame(rows)


def trend_figure(tx: Texts, series: list[tuple[str, dict[str, float | None], str, str]], window) -> go.Figure:
    """Score over quarters; each series (name, {quarter: score}, colour, dash) with markers
    and dash styles (never colour alone). Only each series' last value is written — above
    it for the higher series, below for the lower — so labels never pile up; every value
    is in the hover and the table."""
    fig = go.Figure()
    x = [quarter_text(q, tx.lang) for q in window]
    lasts = [next((s.get(q) for q in reversed(window) if s.get(q) is not None), None) for _, s, _, _ in series]
    top = max(range(len(series)), key=lambda i: -1 if lasts[i] is None else lasts[i]) if series else 0
    for i, (name, scores, colour, dash) in enumerate(series):
        y = [scores.get(q) for q in window]
        last = max((j for j, v in enumerate(y) if v is not None), default=None)
        fig.add_trace(go.Scatter(
            x=x, y=y, name=name, mode="lines+markers+text", connectgaps=False,
            line={"color": colour, "dash": dash, "width": 3}, marker={"size": 9},
            text=[score_text(v, tx.lang) if j == last else "" for j, v in enumerate(y)],
            textposition="top left" if i == top else "bottom left", cliponaxis=False,
            hovertemplate="%{x}: %{y:.1f} %<extra>%{fullData.name}</extra>",
        ))
    fig.update_layout(theme.layout(tx.lang, {
        "height": 360, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "yaxis": {"title": {"text": tx.t("sla.fig.score_axis")}, "range": [0, 108], "ticksuffix": " %"},
        "xaxis": {"type": "category"},
        "legend": {"orientation": "h", "y": -0.2},
    }))
    return fig


def status_figure(tx: Texts, rows: list[tuple[str, str, dict[str, int]]]) -> go.Figure:
    """ANS of the quarter by state, one stacked bar per operator in the order of ``rows`` (code,
    name, {state: count}), the first on top; each segment carries [operator code, state] so a
    click filters the detail below. States by colour, fill pattern and name in the legend,
    counts written."""
    names = [f"{name} ({code})" for code, name, _ in rows]
    fig = go.Figure()
    for status in CHART_STATUSES:
        values = [counts.get(status, 0) for _, _, counts in rows]
        fig.add_trace(go.Bar(
            y=names, x=values, orientation="h", name=tx.t("sla.status." + status),
            marker={"color": R.STATUS_COLOURS[status],
                    "pattern": {"shape": STATUS_PATTERNS[status], "fgcolor": "#222222", "fillmode": "overlay"}},
            text=[str(v) if v else "" for v in values], textposition="inside", insidetextanchor="middle",
            customdata=[[code, status] for code, _, _ in rows],
            hovertemplate="%{y}<br>%{fullData.name}: %{x:,}<extra></extra>",
        ))
    fig.update_layout(theme.layout(tx.lang, {
        "barmode": "stack", "height": max(240, 110 + 36 * len(rows)),
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "clickmode": "event+select", "dragmode": False,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        "yaxis": {"autorange": "reversed"}, "xaxis": {"title": {"text": tx.t("sla.fig.count_axis")}},
    }))
    return fig


def status_point_params(point: dict) -> dict[str, str | None] | None:
    """A clicked segment of :func:`status_figure` as the page's filters (operator, state)."""
    key = point_key(point)
    if not key or len(key) != 2 or key[1] not in CHART_STATUSES:
        return None
    return {Q_OPERATOR: key[0], Q_STATUS: key[1]}


def scores_by_quarter(frame: pd.DataFrame) -> dict[str, float | None]:
    return {r.quarter: r.score for r in S.score_table(frame, ["quarter"]).itertuples()}


@cached(uses=(window_frame,))
def summary_model(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                  service: str | None, tx: Texts, url: str) -> dict:
    """The operators' table, and each operator's states in attention order (code, name, counts)."""
    frame = window_frame(viewer, filters, quarter, window, service, url)
    now = frame[frame["quarter"] == quarter]
    if now.empty:
        return {"empty": True}
    names = dict(zip(now["operator_code"], now["operator_name"]))
    counts = {code: R.status_counts(g["status"]) for code, g in now.groupby("operator_code", sort=True)}
    return {
        "empty": False,
        "summary": operator_summary(tx, frame, quarter),
        "operators": sorted(counts),
        "attention": [(code, names[code], counts[code]) for code in R.attention_order(counts)],
    }


@cached(uses=(window_frame,))
def status_chart(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                 service: str | None, tx: Texts, url: str, first: int | None) -> go.Figure:
    """The chart of states of the ``first`` operators in attention order (every one when None)."""
    return status_figure(tx, summary_model(viewer, filters, quarter, window, service, tx, url)["attention"][:first])


def breach_lines(tx: Texts, rows: pd.DataFrame) -> list[str]:
    """One readable line per breach: status, ANS, contract, value vs target, evidence."""
    out = []
    for r in rows.itertuples():
        value = R.fmt_value(r.value, r.unit, tx.lang) if r.value == r.value else "—"
        out.append(
            f"{status_text(tx, r.status)} · **{r.definition_name}** ({r.definition_code}) · {r.contract_code} · "
            f"{tx.t('sla.col.value')}: {value} · {tx.t('sla.col.target')}: "
            f"{target_text(tx, r.target, r.direction, r.tolerance, r.unit)} · "
            f"{tx.t('sla.col.evidence')}: {plain(evidence_text(tx, r))}"
        )
    return out


@cached(uses=(window_frame,))
def operator_model(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                   service: str | None, code: str, tx: Texts, url: str, status: str | None = None) -> dict:
    frame = window_frame(viewer, filters, quarter, window, service, url)
    mine = frame[frame["operator_code"] == code]
    mine_now = mine[mine["quarter"] == quarter]
    if mine_now.empty:
        return {"empty": True}
    # the state chosen (a click on the status chart) narrows the lists, not the score
    listed_now = mine_now[mine_now["status"] == status] if status else mine_now
    listed = mine[mine["status"] == status] if status else mine
    scores = scores_by_quarter(mine)
    name = mine_now["operator_name"].iloc[0]
    series = [(name, scores, OKABE_BLUE, "solid")]
    if frame["operator_code"].nunique() > 1:
        series.append((tx.t("sla.fig.all_visible"), scores_by_quarter(frame), OKABE_ORANGE, "dash"))
    return {
        "empty": False,
        "figure": trend_figure(tx, series, [q for q in window if q <= quarter]),
        "name": mine_now["operator_name"].iloc[0],
        "scores": scores,
        "trend": _trend_of(scores, window),
        "counts": R.status_counts(mine_now["status"]),
        "items_now": items_table(tx, listed_now),
        "items_all": items_table(tx, listed),
        "breaches": breach_lines(tx, S.breaches(listed_now)),
    }


def render(ctx: PageContext, chosen: dict) -> None:
    t, tx = ctx.t, texts(ctx)
    quarter, window, service = chosen["quarter"], chosen["window"], chosen["service"]
    model = summary_model(ctx.viewer, ctx.filters, quarter, window, service, tx, ctx.url)
    if model["empty"]:
        st.info(t("sla.empty"))
        return
    st.subheader(t("sla.scorecard.all_title", quarter=quarter_text(quarter, ctx.lang)))
    data_table(model["summary"], hide_index=True, placeholder="—", width="stretch")
    note = figure_note(ctx, t("sla.note.score"), t("sla.note.score_num"), t("sla.note.score_den"))
    download_table(ctx, model["summary"], f"ans_operadores_{quarter}", "sla_summary", note=note)

    st.markdown(f"**{t('sla.fig.status_title', quarter=quarter_text(quarter, ctx.lang))}**")
    st.caption(t("sla.fig.status_help"))
    total = len(model["operators"])
    first = None if st.session_state.get(_EVERYONE) else R.ATTENTION_FIRST
    if total > R.ATTENTION_FIRST:  # a toggle only where the chart leaves operators out
        if first is not None:
            st.caption(t("sla.fig.status_first", shown=fmt_int(first, ctx.lang), total=fmt_int(total, ctx.lang)))
        st.toggle(t("sla.fig.status_everyone", total=fmt_int(total, ctx.lang)), key=_EVERYONE)
    figure = status_chart(ctx.viewer, ctx.filters, quarter, window, service, tx, ctx.url, first)
    st.plotly_chart(figure, width="stretch", key="sla_status_fig", selection_mode="points",
                    on_select=url_filter("sla_status_fig", status_point_params,
                                         {Q_OPERATOR: "sla_operator", Q_STATUS: "sla_status"}),
                    config={"displayModeBar": False})
    figure_note(ctx, t("sla.note.status"))

    st.divider()
    visible = [(c, n) for c, n in chosen["operators"] if c in set(model["operators"])]
    c1, c2 = st.columns(2)
    with c1:
        code = pick_operator(ctx, visible, Q_OPERATOR, "sla.filter.operator", "sla_operator")
    with c2:
        status = pick_status(ctx)
    if code is None:
        return
    op = operator_model(ctx.viewer, ctx.filters, quarter, window, service, code, tx, ctx.url, status)
    if op["empty"]:
        st.info(t("sla.empty"))
        return
    st.subheader(t("sla.scorecard.detail_title", operator=op["name"], quarter=quarter_text(quarter, ctx.lang)))
    cols = st.columns(5)
    with cols[0]:
        kpi(t("sla.kpi.score"), score_text(op["scores"].get(quarter), ctx.lang), t("sla.kpi.score_help"))
        # the trend in words (a metric delta would colour "empeora" green)
        st.caption(f"{t('sla.col.trend')}: {trend_text(ctx, op['trend'])}")
    for col, s in zip(cols[1:], (R.CUMPLE, R.EN_RIESGO, R.INCUMPLE, R.SIN_REPORTE)):
        with col:
            kpi(f"{R.STATUS_ICONS[s]} {t('sla.status.' + s)}", fmt_int(op["counts"][s], ctx.lang))
    comments.thread(ctx, f"sla.score.{quarter}.{code}"[:60], score_text(op["scores"].get(quarter), ctx.lang),
                    label=f"{t('sla.kpi.score')} · {op['name']}")
    st.plotly_chart(op["figure"], width="stretch", key="sla_trend")
    figure_note(ctx, t("sla.note.trend"), t("sla.note.score_num"), t("sla.note.score_den"),
                extra_filters=[f"{t('sla.col.operator')}: {op['name']}"])

    st.markdown(f"**{t('sla.scorecard.items_title')}**")
    data_table(op["items_now"], hide_index=True, placeholder="—", width="stretch")
    shown_for = [f"{t('sla.col.operator')}: {op['name']}"]
    if status:
        shown_for.append(f"{t('sla.filter.status')}: {t('sla.status.' + status)}")
    note = figure_note(ctx, t("sla.note.items"), extra_filters=shown_for)
    download_table(ctx, op["items_all"], f"ans_{code}_{quarter}", "sla_items", note=note)

    st.markdown(f"**{t('sla.scorecard.breaches_title')}**")
    if not op["breaches"]:
        st.success(t("sla.scorecard.no_breaches"))
    else:
        st.caption(t("sla.scorecard.breaches_help"))
        st.markdown("\n".join(f"- {line}" for line in op["breaches"]))
