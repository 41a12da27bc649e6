"""Administración (admin): accounts with role and scope; municipality → oficina regional
mapping. Every change is audited and bumps the 'reference' data version."""

from __future__ import annotations

import streamlit as st

from components.admin.mapping import mapping_section
from components.admin.users import users_section
from components.audit.log import chain_head
from components.core.context import page_context
from components.edit.common import show_flash
from rules import access

ctx = page_context()
st.title(ctx.t("nav.admin"))
if not access.allowed(ctx.viewer, access.ADMIN_PAGE):  # the shell hides the page; this guards direct runs
    st.error(ctx.t("admin.denied"))
    st.stop()
show_flash(ctx)
users_tab, mapping_tab = st.tabs([ctx.t("admin.tab.users"), ctx.t("admin.tab.mapping")])
with users_tab:
    users_section(ctx)
with mapping_tab:
    mapping_section(ctx)
chain_head(ctx)
