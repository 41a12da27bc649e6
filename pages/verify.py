"""Verificar certificado: whether a verification code matches an unaltered exit record (recomputed
seal, stored seal, audit chain), and the certificate of an enrolment the viewer may see."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.routes.exit_record import certificate_lookup, verify_view

ctx = page_context()
st.title(ctx.t("nav.verify"))
st.caption(ctx.t("exits.verify.intro"))
verify_view(ctx)
st.divider()
certificate_lookup(ctx)
