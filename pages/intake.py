"""Carga de datos (issue 14): the programme's own files, validated, all-or-nothing, scoped, audited.

Who may load which sheet type is ``data_access.intake.engine``'s decision (``rules.access.IMPORTS``
plus personal data); the page offers only those. Validation and load are the engine's, the
same as ``tablero import``.
"""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.core.figures import plain
from components.intake.history import history_section
from components.intake.upload import choose_entity, upload_section
from rules import access

ctx = page_context()
st.title(ctx.t("nav.intake"))
if not access.allowed(ctx.viewer, access.page("intake")):  # the shell hides the page; this guards direct runs
    st.error(ctx.t("intake.denied"))
    st.stop()
st.caption(ctx.t("intake.intro", scope=plain(ctx.viewer.scope_label or ctx.t("scope.none"))))
entity = choose_entity(ctx)
if entity is not None:
    upload_section(ctx, entity)
st.divider()
history_section(ctx)
