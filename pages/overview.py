"""Resumen ejecutivo (landing page): headline figures with their change vs the previous
quarter end, each linking to its page with the same filters; the committee pack."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.overview import slides
from components.overview.cards import inject_css, render_cards
from components.overview.pack import pack_buttons
from components.reporting import official
from components.results import comments, overdue

ctx = page_context()
inject_css()
data = slides.view_overview(ctx)

st.title(ctx.t("nav.overview"))
st.markdown(f"**{data.subtitle}**")
official.banner(ctx, "overview", cards=True)
render_cards(ctx, data.key_figures, per_row=4, key="ov")
comments.card_threads(ctx, data.key_figures)
overdue.box(ctx)
with st.expander(ctx.t("committee.overview.definitions"), icon=":material/info:"):
    st.markdown("\n".join(f"- **{k.label}**: {k.definition}" for k in data.key_figures if k.definition))

st.subheader(ctx.t("committee.overview.trend"))
slides.render_chart_and_table(ctx, data, key="ov")

st.divider()
pack_buttons(ctx, key="ov_pack")
