"""Metas y semáforo: each indicator against its target by territory, with the expected
trajectory at the cut-off (en meta / en riesgo / rezagado) and the same quarter last year."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.results import scorecard

ctx = page_context()
st.title(ctx.t("nav.scorecard"))
scorecard.section(ctx)
