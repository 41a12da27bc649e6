"""Reminders inside the product, on the page a person lands on after login (the default page): an
operator hears which quarterly reports are due, overdue or returned; the PMO how many reports wait
for its review. Never blocking: a message, a link to «Reportes trimestrales» and «Entendido», which
hides them until there is news."""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.overview.cards import link_query
from data_access.reporting import submissions
from rules.core.formatting import fmt_date, fmt_int, quarter_label

due_reminders = cached(submissions.reminders)
_DISMISSED = "_reporting_reminders_dismissed"
PAGE = "pages/reporting.py"


def show(ctx: PageContext, page) -> None:
    """The viewer's reminders above the landing page (``page``: the one ``st.navigation`` is about to
    run; the default page's ``url_path`` is empty) until dismissed; news shows them again."""
    if page.url_path != "":
        return
    items = due_reminders(ctx.viewer)
    seen = tuple(sorted((r["kind"], r.get("quarter", ""), r.get("count", 0)) for r in items))
    if not items or st.session_state.get(_DISMISSED) == seen:
        return
    t, lang = ctx.t, ctx.lang
    for r in items:
        if r["kind"] == "review":
            st.info(t("reporting.remind.review", n=fmt_int(r["count"], lang)), icon=":material/rate_review:")
            continue
        text = t(f"reporting.remind.{r['kind']}", quarter=quarter_label(r["quarter"], lang),
                 deadline=fmt_date(r["deadline"], lang))
        (st.info if r["kind"] == "due" else st.warning)(text, icon=":material/schedule:")
    link, ok = st.columns([3, 1])
    with link:
        st.page_link(PAGE, label=t("reporting.remind.open"), icon=":material/assignment_turned_in:",
                     query_params=link_query(ctx))  # the same filters, as every link between pages
    with ok:
        if st.button(t("reporting.remind.dismiss"), key="reporting_remind_ok", icon=":material/done:"):
            st.session_state[_DISMISSED] = seen
            st.rerun()
