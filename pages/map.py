"""Mapa territorial: choropleth of a chosen metric by municipality, alerts layer and
the municipality profile beside the map (issue 4)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.context import page_context
from components.core.figures import Note, data_table, download_table, figure_note
from components.map.choropleth import SCHEMES
from components.map.profile import render_out_of_scope, render_profile
from components.map.view import (
    SELECTED_KEY,
    boundary_wire,
    cached_catalogue,
    ensure_assets,
    metric_values,
    municipality_alliance,
    municipality_profile,
    render_map,
    sla_by_municipality,
    targeting_years,
)
from data_access.map import queries as territory

ctx = page_context()
t = ctx.t
st.title(t("nav.map"))
st.caption(t("map.subtitle"))

metrics = list(territory.METRICS)
default_metric = "households"
c1, c2, c3 = st.columns([3, 2, 2])
metric = c1.selectbox(t("map.metric"), metrics, index=metrics.index(default_metric),
                      format_func=lambda m: t(f"map.metric.{m}"), key="map_metric")
spec = territory.METRICS[metric]
year = None
if spec.needs_year:
    years = targeting_years(ctx.viewer, url=ctx.url) or [ctx.filters.cutoff.year]
    default_year = ctx.filters.cutoff.year if ctx.filters.cutoff.year in years else years[0]
    year = c2.selectbox(t("map.year"), years, index=years.index(default_year), key="map_year")
    scheme = SCHEMES[0]
else:
    scheme = c2.selectbox(t("map.scheme"), SCHEMES, format_func=lambda s: t(f"map.scheme.{s}"), key="map_scheme")
show_alerts = c3.toggle(t("map.alerts_layer"), value=True, key="map_alerts", help=t("map.alerts_layer_help"))
basemap = c3.toggle(t("map.basemap"), value=False, key="map_basemap", help=t("map.basemap_help"))

values = metric_values[metric](ctx.viewer, ctx.filters, year, url=ctx.url)
catalogue = cached_catalogue(url=ctx.url)
names = catalogue["municipalities"]


def _cell(v):
    if spec.unit != "bool":
        return v
    return t("map.legend_no_data") if v is None else t("map.bool_yes") if v else t("map.bool_no")


def figures_table() -> pd.DataFrame:
    """One row per municipality in scope, largest value first (sortable by any column)."""
    value_col = t(f"map.metric.{metric}")
    rows = []
    for code, v in values.items():
        name, dept, _ = names.get(code, (code, code[:2], None))
        rows.append({t("map.col.code"): code, t("map.col.municipality"): name,
                     t("map.col.department"): catalogue["departments"].get(dept, dept), value_col: v})
    df = pd.DataFrame(rows, columns=[t("map.col.code"), t("map.col.municipality"), t("map.col.department"),
                                     value_col])
    df = df.sort_values(value_col, ascending=False, na_position="last", kind="stable")
    if spec.unit == "bool":
        df[value_col] = df[value_col].map(_cell)
    return df


def show_table() -> None:
    df = figures_table()
    value_col = t(f"map.metric.{metric}")
    config = {} if spec.unit == "bool" else {
        value_col: st.column_config.NumberColumn(value_col, format="localized")}
    data_table(df, hide_index=True, placeholder="—", width="stretch", column_config=config)
    download_table(ctx, df, f"mapa_{metric}", key=f"map_table_{metric}", title=value_col,
                   note=Note(t(f"map.def.{metric}"), extra_filters=_extra()))


def _extra() -> list[str]:
    return [f"{t('map.year')}: {year}"] if year else []


def note() -> None:
    figure_note(ctx, t(f"map.def.{metric}"), extra_filters=_extra())


wire = boundary_wire(url=ctx.url)
if wire is None:
    st.info(t("map.no_boundaries"))
    if not values:
        st.warning(t("map.no_values"))
    st.subheader(t("map.table_title"))
    show_table()
    note()
    st.stop()

if not ensure_assets():
    st.error(t("map.assets_missing"))
    st.stop()

if SELECTED_KEY not in st.session_state or st.session_state.get("_map_filter_mpio") != ctx.filters.municipality_code:
    # the municipality filter (e.g. a link with ?mpio=) opens its profile
    st.session_state["_map_filter_mpio"] = ctx.filters.municipality_code
    if ctx.filters.municipality_code or SELECTED_KEY not in st.session_state:
        st.session_state[SELECTED_KEY] = ctx.filters.municipality_code


def _pick() -> None:
    st.session_state[SELECTED_KEY] = st.session_state.get("map_pick")


@st.fragment
def map_and_profile() -> None:
    left, right = st.columns([2, 1], gap="medium")
    with left:
        clicked = render_map(ctx, wire, metric, year, values, scheme, show_alerts, basemap)
        if not values:
            st.warning(t("map.no_values"))
        note()
        st.caption(t("map.boundaries_note", vintage=wire["vintage"], source=wire["source_name"]))
    if clicked:
        st.session_state[SELECTED_KEY] = clicked
    with right:
        st.markdown(f"### {t('map.profile.title')}")
        options = [None, *sorted(values, key=lambda c: names.get(c, (c,))[0])]
        st.selectbox(
            t("map.pick"), options, index=None, placeholder=t("map.pick_none"), key="map_pick",
            format_func=lambda c: t("map.pick_none") if c is None else f"{names.get(c, (c,))[0]} ({c})",
            on_change=_pick,
        )
        code = st.session_state.get(SELECTED_KEY)
        if not code:
            st.info(t("map.profile.hint"))
            return
        profile = municipality_profile(ctx.viewer, ctx.filters, code, year, url=ctx.url)
        if profile is None:
            render_out_of_scope(ctx, names.get(code, (code,))[0])
        else:
            render_profile(ctx, profile, lambda: profile_extras(code))


def profile_extras(code: str):
    """Alliance indicator and ANS compliance of the profile (other areas' engines)."""
    alliance = municipality_alliance(ctx.viewer, ctx.filters, code, url=ctx.url)
    sla = sla_by_municipality(ctx.viewer, ctx.filters, url=ctx.url).get(code)
    return alliance, sla


map_and_profile()

# The figures as a sortable table (and downloads): on demand, so that the map page stays fast.
if st.toggle(t("map.table_toggle"), value=False, key="map_table"):
    st.subheader(t("map.table_title"))
    show_table()
