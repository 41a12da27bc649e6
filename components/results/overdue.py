"""The overdue agreements of the viewer's scope: their number and the first few, with a link to
«Comités y compromisos». Drawn on the overview and the scorecard; nothing when none is overdue."""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import plain
from components.overview.cards import link_query
from data_access.results import agreements
from rules.core.formatting import fmt_date, fmt_int

overdue_agreements = cached(agreements.overdue)


def box(ctx: PageContext, limit: int = 3) -> None:
    found = overdue_agreements(ctx.viewer, limit=limit, url=ctx.url)
    if not found["count"]:
        return
    lines = [ctx.t("agreements.overdue.count", n=fmt_int(found["count"], ctx.lang))]
    lines += [plain(ctx.t("agreements.overdue.item", description=r["description"], responsible=r["responsible"],
                          due=fmt_date(r["due_on"], ctx.lang))) for r in found["first"]]
    with st.container(border=True, key="overdue_agreements"):
        st.markdown(f"**{ctx.t('agreements.overdue.title')}**")
        st.warning("  \n".join(lines), icon=":material/event_busy:")
        st.page_link("pages/agreements.py", label=ctx.t("agreements.overdue.link"), icon=":material/task_alt:",
                     query_params=link_query(ctx))  # the same filters, as every link between pages
