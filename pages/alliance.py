"""Indicador de alianzas (seed 004, ficha 1.4.1): % of executed PN whose OPR still works
under a productive alliance 18 months after its first disbursement. Goal ≥ 80 %.

Thin page: every figure comes from ``data_access.alliance.queries`` (SQL, scoped) through
the cached reads of ``components.alliance.data``; the rule and its parameters come from
``rules.alliance.indicator``. A click on a bar (or the selector under it) drills down; the
drill-down lives in the URL (``al_*``).
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from components.alliance.charts import drilldown_bar, pick_bars, series_chart
from components.alliance.data import drill_labels, page_overview
from components.alliance.lists import at_risk_section, import_section, plan_list_section, sales_section
from components.core import selection
from components.core.context import page_context
from components.core.figures import data_table, download_table, figure_note, kpi, plain
from components.core.plotting import trusted_figure
from components.reporting import official
from components.results import comments
from data_access.alliance import queries as al
from rules.alliance import indicator as rule
from rules.core.calendar import quarter_of
from rules.core.clock import today
from rules.core.formatting import fmt_date, fmt_int, fmt_pct, quarter_label

ctx = page_context()
t = ctx.t
lang = ctx.lang
settings = rule.current_settings()
goal = settings.goal_percent
DRILL_PREFIX = "al_"


# ------------------------------------------------------------------ drill-down state (URL)
def current_drill() -> al.Drill:
    return al.valid_drill((dim, st.query_params.get(DRILL_PREFIX + dim)) for dim in al.DIMENSIONS)


def set_drill(dim: str, value: str | None) -> None:
    if value in (None, ""):
        if DRILL_PREFIX + dim in st.query_params:
            del st.query_params[DRILL_PREFIX + dim]
    else:
        st.query_params[DRILL_PREFIX + dim] = str(value)


def _on_bar_click(dim: str, key: str, keys: list[str]) -> None:
    """A clicked bar drills down (``components.core.selection``: the charts' one click → URL mechanism)."""
    clicked = selection.points(st.session_state.get(key))
    value = selection.point_key(clicked[0], keys) if clicked else None
    if value:
        set_drill(dim, value[0])


def _on_select(dim: str, key: str) -> None:
    set_drill(dim, st.session_state.get(key))


requested = [dim for dim in al.DIMENSIONS if st.query_params.get(DRILL_PREFIX + dim) not in (None, "")]
drill = current_drill()
drill_names_by_dim = drill_labels(ctx.viewer, drill, url=ctx.url)  # only the values in the viewer's scope
drill = tuple((d, v) for d, v in drill if d in drill_names_by_dim)
dropped_drill = [d for d in requested if d not in dict(drill)]
for d in dropped_drill:
    set_drill(d, None)
if st.session_state.get("al_dim") not in al.DIMENSIONS:
    st.session_state["al_dim"] = al.DIMENSIONS[0]
overview = page_overview(ctx.viewer, ctx.filters, st.session_state["al_dim"], drill, url=ctx.url)

# ------------------------------------------------------------------ headline
st.title(t("alliance.title"))
st.caption(t("alliance.subtitle"))
if dropped_drill:  # neutral: neither the value nor any name behind it is shown
    st.info(t("alliance.drill_dropped", dims=", ".join(t("alliance.dim." + d) for d in dropped_drill)),
            icon=":material/filter_alt_off:")
head = overview["headline"]
SMALL_N_TEXT = "common.small_n_status"


def state_text(row, plain_words: bool = False) -> str:
    """The group's state against the goal in words (``rules.alliance.indicator.goal_status``):
    the headline's traffic light, or (``plain_words``) the table's and downloads' column."""
    small = t(SMALL_N_TEXT, n=fmt_int(row.denominator, lang), min=settings.min_denominator)
    if plain_words:
        return {rule.small_n.MET: t("alliance.state.meets"), rule.small_n.MISSED: t("alliance.state.not_meets"),
                rule.small_n.SMALL_N: small, rule.small_n.NO_DATA: t("alliance.state.no_data")}[row.status]
    return {rule.small_n.MET: t("alliance.meets"), rule.small_n.MISSED: t("alliance.not_meets"),
            rule.small_n.SMALL_N: small, rule.small_n.NO_DATA: t("alliance.no_data_light")}[row.status]


light = state_text(head)
c0, c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1, 1])
with c0:
    kpi(t("alliance.headline"), fmt_pct(head.percent, 1, lang),
        help_text=t("alliance.headline_help", goal=fmt_pct(goal, 0, lang)))
    st.markdown(f"**{light}** · {t('alliance.goal', goal=fmt_pct(goal, 0, lang))}")
with c1:
    kpi(t("alliance.numerator"), fmt_int(head.numerator, lang), help_text=t("alliance.numerator_help"))
with c2:
    kpi(t("alliance.denominator"), fmt_int(head.denominator, lang), help_text=t("alliance.denominator_help"))
with c3:
    kpi(t("alliance.pending"), fmt_int(head.pending, lang), help_text=t("alliance.pending_help"))
with c4:
    kpi(t("alliance.not_executed"), fmt_int(head.not_executed, lang), help_text=t("alliance.not_executed_help"))
official.banner(ctx, "alliance", keys=("alliance",), narrowed=bool(drill))
comments.thread(ctx, "alliance.headline", fmt_pct(head.percent, 1, lang), label=t("alliance.headline"))

drill_names = [f"{t('alliance.dim.' + d)}: {drill_names_by_dim[d]}" for d, _v in drill]
figure_note(ctx, t("alliance.definition"), t("alliance.numerator_def"), t("alliance.denominator_def"),
            extra_filters=drill_names)
st.markdown(f"{t('alliance.cutoff_label')}: **{fmt_date(ctx.filters.cutoff, lang)}**")

with st.expander(t("alliance.rule_title"), expanded=False):
    rule_credit = t("alliance.rule.credit_yes" if settings.ventana2_requires_credit else "alliance.rule.credit_no")
    rule_args = {"months": settings.evaluation_months, "days": settings.factura_window_days,
                 "credit": rule_credit, "goal": fmt_pct(goal, 0, lang)}
    st.markdown("\n".join(f"{i}. {t(f'alliance.rule.{i}', **rule_args)}" for i in range(1, 8)))
    credit = t("alliance.yes") if settings.ventana2_requires_credit else t("alliance.no")
    st.markdown(
        f"**{t('alliance.param.title')}**\n\n"
        f"- `EVALUATION_MONTHS` = {settings.evaluation_months} — {t('alliance.param.months')}\n"
        f"- `FACTURA_WINDOW_DAYS` = {settings.factura_window_days} — {t('alliance.param.days')}\n"
        f"- `VENTANA2_REQUIRES_CREDIT` = {credit} — {t('alliance.param.credit')}\n"
        f"- `GOAL_PERCENT` = {fmt_pct(goal, 1, lang)} — {t('alliance.param.goal')}\n"
        f"- `AT_RISK_MONTHS` = {settings.at_risk_months} — {t('alliance.param.risk')}\n"
        f"- `MIN_DENOMINATOR` = {settings.min_denominator} — {t('common.small_n_def', min=settings.min_denominator)}"
    )

# ------------------------------------------------------------------ drill-down chips
if drill:
    st.markdown(f"**{t('alliance.drill_active')}**")
    cols = st.columns(len(drill) + 1)
    for (dim, _value), name, col in zip(drill, drill_names, cols):
        col.button(f"✕ {plain(name)}", key=f"al_chip_{dim}", on_click=set_drill, args=(dim, None),
                   help=t("alliance.drill_remove"))
    cols[-1].button(t("alliance.drill_clear"), key="al_chip_all",
                    on_click=lambda: [set_drill(d, None) for d in al.DIMENSIONS])

# ------------------------------------------------------------------ drill-downs
st.subheader(t("alliance.breakdown"))
st.caption(t("alliance.breakdown_help"))
dim = st.radio(t("alliance.breakdown_by"), al.DIMENSIONS, horizontal=True, key="al_dim",
               format_func=lambda d: t("alliance.dim." + d))
rows = overview["rows"]
if not rows:
    st.info(t("alliance.no_rows"))
else:
    shown = pick_bars(rows)
    if len(shown) < len(rows):
        st.caption(t("alliance.bars_capped", shown=len(shown), total=len(rows)))
    chart_key = f"al_bar_{dim}"
    st.plotly_chart(trusted_figure(drilldown_bar(shown, goal, lang, t)), key=chart_key,
                    on_select=functools.partial(_on_bar_click, dim, chart_key, [r.key for r in shown]),
                    selection_mode="points", config={"displayModeBar": False})
    options = [""] + [r.key for r in rows]  # "" = all (None would show an untranslated placeholder)
    names = {r.key: r.name for r in rows}
    select_key = f"al_pick_{dim}"
    current = dict(drill).get(dim)
    st.session_state[select_key] = current if current in options else ""
    st.selectbox(t("alliance.drill_pick", dim=t("alliance.dim." + dim).lower()), options, key=select_key,
                 format_func=lambda k: t("alliance.drill_all") if not k else names.get(k, k),
                 on_change=_on_select, args=(dim, select_key))
    note = figure_note(ctx, t("alliance.breakdown_note", dim=t("alliance.dim." + dim).lower()) + " "
                       + t("common.small_n_def", min=settings.min_denominator),
                       t("alliance.numerator_def"), t("alliance.denominator_def"), extra_filters=drill_names)
    table = pd.DataFrame(
        [{t("alliance.col.group"): r.name, t("alliance.col.code"): r.code,
          t("alliance.numerator"): r.numerator, t("alliance.denominator"): r.denominator,
          t("alliance.percent"): None if r.percent is None else round(r.percent, 1),
          t("alliance.col.goal"): fmt_pct(goal, 0, lang),
          t("alliance.col.state"): state_text(r, plain_words=True),
          t("alliance.pending"): r.pending, t("alliance.not_executed"): r.not_executed} for r in rows]
    )
    if st.toggle(t("alliance.table_of", dim=t("alliance.dim." + dim).lower()), key="al_show_dim_table"):
        data_table(table, hide_index=True, placeholder="—")
    download_table(ctx, table, f"alianzas_{dim}", key="al_dl_dim", note=note,
                   title=t("alliance.table_of", dim=t("alliance.dim." + dim).lower()))

# ------------------------------------------------------------------ series
st.subheader(t("alliance.series"))
s1, s2 = st.columns(2)
quarterly = overview["quarterly"]
annual = overview["annual"]
with s1:
    st.markdown(f"**{t('alliance.series_quarterly')}**")
    if quarterly:
        points = [(quarter_label(quarter_of(pd.Timestamp(r.key).date()), lang), r) for r in quarterly]
        st.plotly_chart(trusted_figure(series_chart(points, goal, lang, t)), key="al_series_q",
                        config={"displayModeBar": False})
    else:
        st.info(t("alliance.no_rows"))
with s2:
    st.markdown(f"**{t('alliance.series_annual')}**")
    if annual:
        points = []
        for r in annual:
            day = pd.Timestamp(r.key).date()
            label = str(day.year) if (day.month, day.day) == (12, 31) else \
                t("alliance.partial_year", year=day.year, date=fmt_date(day, lang))
            points.append((label, r))
        st.plotly_chart(trusted_figure(series_chart(points, goal, lang, t)), key="al_series_y",
                        config={"displayModeBar": False})
series_table = pd.DataFrame(
    [{t("alliance.col.date"): r.key, t("alliance.numerator"): r.numerator, t("alliance.denominator"): r.denominator,
      t("alliance.percent"): None if r.percent is None else round(r.percent, 1), t("alliance.pending"): r.pending,
      t("alliance.not_executed"): r.not_executed} for r in quarterly + annual]
)
series_note = figure_note(ctx, t("alliance.series_note"), t("alliance.numerator_def"), t("alliance.denominator_def"),
                          extra_filters=drill_names)
if st.toggle(t("alliance.series_table"), key="al_show_series_table"):
    data_table(series_table, hide_index=True, placeholder="—")
download_table(ctx, series_table, "alianzas_series", key="al_dl_series", note=series_note,
               title=t("alliance.series"))

# ------------------------------------------------------------------ lists, sales, import
plan_list_section(ctx, drill, drill_names)
at_risk_section(ctx, drill, drill_names, today())
sales_section(ctx, drill, drill_names)
import_section(ctx)
