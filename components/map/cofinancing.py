"""The municipality profile's household co-financing: ruta básica micro-projects committed and disbursed
at the cut-off (the business plans' co-financing is shown apart, above it)."""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import figure_note
from data_access.routes import cofinancing as household_cofinancing
from rules.core.formatting import fmt_int, fmt_money

summary = cached(household_cofinancing.municipality_summary)


def profile_section(ctx: PageContext, code: str) -> None:
    t, lang = ctx.t, ctx.lang
    s = summary(ctx.viewer, ctx.filters, code, url=ctx.url)
    st.markdown(f"**{t('exits.map.title')}**")
    st.metric(t("exits.map.committed"), fmt_money(s["committed_cop"], lang))
    st.metric(t("exits.map.disbursed"), fmt_money(s["disbursed_cop"], lang))
    st.caption(t("exits.map.households", committed=fmt_int(s["households_committed"], lang),
                 met=fmt_int(s["requirements_met"], lang), disbursed=fmt_int(s["households_disbursed"], lang)))
    figure_note(ctx, t("exits.map.definition"))
