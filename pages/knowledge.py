"""Gestión del conocimiento: good practices, life stories and lessons learned, searched in Spanish
(accents ignored), with their files; the form to record one."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.knowledge import lists

ctx = page_context()
st.title(ctx.t("nav.knowledge"))
lists.page(ctx)
