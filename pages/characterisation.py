"""Caracterización: baselines at entry and exit (the change per measure by route, cohort,
territory or operator) and the territorial asset map of the viewer's scope (seed 000 §3 ii)."""

from __future__ import annotations

import streamlit as st

from components.characterisation import assets, baselines
from components.core.context import page_context

ctx = page_context()
st.title(ctx.t("nav.characterisation"))
tab_baselines, tab_assets = st.tabs([ctx.t("characterisation.baselines.title"), ctx.t("characterisation.assets.title")])
with tab_baselines:
    baselines.section(ctx)
with tab_assets:
    assets.section(ctx)
