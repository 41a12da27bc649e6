"""Auditoría: the hash-chained log of every write, filtered by entity, user and date,
with the chain's status (PMO and admin)."""

from __future__ import annotations

import streamlit as st

from components.audit.log import chain_head, chain_status, log_section
from components.core.context import page_context
from rules import access

ctx = page_context()
st.title(ctx.t("nav.audit"))
if not access.allowed(ctx.viewer, access.READ_AUDIT):  # the shell hides the page; this guards direct runs
    st.error(ctx.t("audit.denied"))
    st.stop()
st.caption(ctx.t("audit.intro"))
chain_status(ctx)
chain_head(ctx)
log_section(ctx)
