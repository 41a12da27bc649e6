"""Edición ligera sobre el almacén compartido (issue 7): one tab per form.

Who may edit what is ``rules.access``'s decision, enforced by the writers in
``data_access.edits`` (a refused edit shows its Spanish message); the tabs only spare
people forms they can never use. Every save passes the
version the person opened (optimistic concurrency), is audited and bumps the affected
data versions, so the change shows at the next rerun in every app process.
"""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.edit.alerts import alerts_section
from components.edit.assets import assets_section
from components.edit.cofinancing import cofinancing_section
from components.edit.common import show_flash
from components.edit.plans import plan_section
from components.edit.services import services_section
from components.edit.sla import sla_section
from components.edit.stage import stage_section
from components.edit.targeting import targeting_section
from components.edit.targets import targets_section
from data_access.edits.common import can_edit_anything
from rules import access

ctx = page_context()
t = ctx.t
st.title(t("nav.edit"))
st.caption(t("edit.intro", scope=ctx.viewer.scope_label or t("scope.none")))

if not can_edit_anything(ctx.viewer):
    st.info(t("edit.readonly"), icon=":material/visibility:")
    st.stop()

# the flash lives in a container that is always there, so the tabs keep their place in the
# page and the tab the person was working in stays selected after a save
with st.container():
    show_flash(ctx)

SECTIONS = [
    ("edit.tab.plans", plan_section, access.EDIT_BUSINESS_PLAN),
    ("edit.tab.stage", stage_section, access.EDIT_STAGE),
    ("exits.tab.cofinancing", cofinancing_section, access.EDIT_HOUSEHOLD_COFINANCING),
    ("edit.tab.sla", sla_section, access.EDIT_SLA),
    ("edit.tab.services", services_section, access.EDIT_SERVICE_DELIVERY),
    ("edit.tab.targeting", targeting_section, access.EDIT_TARGETING),
    ("edit.tab.alerts", alerts_section, access.EDIT_ALERT),
    ("characterisation.edit.tab", assets_section, access.EDIT_TERRITORIAL_ASSET),
    ("edit.tab.targets", targets_section, access.EDIT_TARGETS),
]
mine = [(title, fn) for title, fn, action in SECTIONS if access.allowed(ctx.viewer, action)]
# only the open tab's form runs (drawing every form of a role slows each rerun and page switch in
# the browser); the open tab is session state, so it stays open after a save
tabs = st.tabs([t(title) for title, _ in mine], key="edit_tab", on_change="rerun")
for tab, (_, fn) in zip(tabs, mine):
    if tab.open:
        with tab:
            fn(ctx)
