"""Comités y compromisos: committee sessions, the agreements they made, who answers for each
and by when, their follow-up; the acta of a session."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.results import agreements

ctx = page_context()
st.title(ctx.t("nav.agreements"))
agreements.section(ctx)
