"""Placeholder until its issue lands (replaced by the owning engineer)."""

import streamlit as st

from components.context import page_context

ctx = page_context()
st.title(ctx.t("nav.overview"))
st.info("En construcción.")
