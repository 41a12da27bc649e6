"""Compare tab: two visible operators side by side, ANS by ANS, and their score trends."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, kpi
from components.sla.common import (
    Q_CMP_A,
    Q_CMP_B,
    Texts,
    pick_operator,
    quarter_text,
    score_text,
    status_text,
    texts,
    window_frame,
)
from components.sla.scorecard import OKABE_BLUE, OKABE_ORANGE, scores_by_quarter, trend_figure
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from rules.sla import scoring as R


def _cell(tx: Texts, rows: list) -> str:
    """One operator's value(s) of one ANS: 'icon status · value (contract)' per contract."""
    if not rows:
        return tx.t("sla.compare.not_applicable")
    parts = []
    for r in rows:
        value = R.fmt_value(r.value, r.unit, tx.lang) if r.value == r.value else "—"
        label = f"{status_text(tx, r.status)} · {value}"
        parts.append(f"{label} ({r.contract_code})" if len(rows) > 1 else label)
    return "; ".join(parts)


def compare_table(tx: Texts, now: pd.DataFrame, a: str, b: str, name_a: str, name_b: str) -> pd.DataFrame:
    t = tx.t
    by: dict[tuple[str, str], list] = {}
    defs: dict[str, tuple] = {}
    for r in now[now["operator_code"].isin([a, b])].itertuples():
        by.setdefault((r.operator_code, r.definition_code), []).append(r)
        defs.setdefault(r.definition_code, (r.route, r.definition_name))
    rows = []
    for code, (route, name) in sorted(defs.items(), key=lambda kv: (kv[1][0], kv[0])):
        rows.append({
            t("sla.col.ans"): f"{name} ({code})",
            t("sla.col.route"): t(f"route.{route}"),
            name_a: _cell(tx, by.get((a, code), [])),
            name_b: _cell(tx, by.get((b, code), [])),
        })
    return pd.DataFrame(rows)


@cached(uses=(window_frame,))
def compare_model(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                  service: str | None, a: str, b: str, name_a: str, name_b: str, tx: Texts, url: str) -> dict:
    frame = window_frame(viewer, filters, quarter, window, service, url)
    scores = {code: scores_by_quarter(frame[frame["operator_code"] == code]) for code in (a, b)}
    return {
        "scores": scores,
        "figure": trend_figure(
            tx,
            [(name_a, scores[a], OKABE_BLUE, "solid"), (name_b, scores[b], OKABE_ORANGE, "dash")],
            [q for q in window if q <= quarter],
        ),
        "table": compare_table(tx, frame[frame["quarter"] == quarter], a, b, name_a, name_b),
    }


def render(ctx: PageContext, chosen: dict, visible_codes: list[str]) -> None:
    t = ctx.t
    quarter = chosen["quarter"]
    visible = [(c, n) for c, n in chosen["operators"] if c in set(visible_codes)]
    if len(visible) < 2:
        st.info(t("sla.compare.need_two"))
        return
    st.subheader(t("sla.compare.title", quarter=quarter_text(quarter, ctx.lang)))
    c1, c2 = st.columns(2)
    with c1:
        a = pick_operator(ctx, visible, Q_CMP_A, "sla.compare.first", "sla_cmp_a")
    with c2:
        b = pick_operator(ctx, visible, Q_CMP_B, "sla.compare.second", "sla_cmp_b", exclude=a)
    names = dict(visible)
    name_a, name_b = f"{names[a]} ({a})", f"{names[b]} ({b})"
    model = compare_model(ctx.viewer, ctx.filters, quarter, chosen["window"], chosen["service"], a, b, name_a, name_b,
                          texts(ctx), ctx.url)
    k1, k2 = st.columns(2)
    with k1:
        kpi(name_a, score_text(model["scores"][a].get(quarter), ctx.lang), t("sla.kpi.score_help"))
    with k2:
        kpi(name_b, score_text(model["scores"][b].get(quarter), ctx.lang), t("sla.kpi.score_help"))
    st.plotly_chart(model["figure"], width="stretch", key="sla_cmp_fig")
    note = figure_note(ctx, t("sla.note.trend"), t("sla.note.score_num"), t("sla.note.score_den"),
                       extra_filters=[f"{name_a} / {name_b}"])
    data_table(model["table"], hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, model["table"], f"ans_comparacion_{a}_{b}_{quarter}", "sla_compare", note=note)
