"""Reportes trimestrales: an operator prepares and sends its quarter; the PMO approves or
returns it, closes quarters (official figures) and sees timeliness and restatements."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.reporting import periods, submissions

ctx = page_context()
st.title(ctx.t("nav.reporting"))
st.caption(ctx.t("reporting.intro"))
submissions.section(ctx)
periods.section(ctx)
