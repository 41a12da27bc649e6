"""«Cifra oficial» on the pages: a closed quarter's official figure, and the live one when it moved.

A page whose cut-off is the end of a closed quarter, with no global filter beyond the viewer's
scope (``exports.official.quarter_for``), states the official figure frozen at the close. The
figures come from the page's committee view (``components.overview.slides``: the slide of the
presentation and the pack), so a page and its slide read one official payload. When the live
figure has moved since the close, both are shown with a link to the restatement list of the
«Reportes trimestrales» page.
"""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.overview import slides
from components.overview.cards import link_query
from data_access.reporting import periods
from exports import official

REPORTING_PAGE = "pages/reporting.py"
VIEW_NOTES = {"funnels": "official.note.funnels"}  # what a view's figures are where the page shows another cut

closed_quarters = cached(periods.closed_quarters)


def applicable(ctx: PageContext, quarter: str | None = None) -> str | None:
    """The closed quarter whose official figures the page shows, or None (live page).
    ``quarter``: the page's own quarter (the ANS page's selector), which must be the cut-off's."""
    mine = official.quarter_for(ctx.viewer, ctx.filters)
    if mine is None or (quarter is not None and quarter != mine):
        return None
    return mine if mine in closed_quarters(url=ctx.url) else None


def banner(ctx: PageContext, view: str, keys: tuple[str, ...] | None = None, quarter: str | None = None,
           narrowed: bool = False, cards: bool = False) -> official.Mark | None:
    """State the official figures ``keys`` (key figures of the committee view ``view``; None:
    all) of a closed quarter; ``narrowed``: the page shows a subset (a page filter), so its
    figures are not the official ones and nothing is stated; ``cards``: the page's cards already
    show the official values (the overview), so only the figures that moved are listed.
    Returns the view's mark."""
    if narrowed or applicable(ctx, quarter) is None:
        return None
    mark = slides.REGISTRY[view].build(ctx).official
    if mark is None:
        return None
    shown = [c for c in mark.figures if keys is None or c.key in keys]
    if not shown:
        return None
    t = ctx.t
    title = t("official.banner_one" if len(shown) == 1 else "official.banner_many",
              quarter=mark.quarter_text, date=mark.closed_text)
    lines = [t("official.line_both", figure=c.label, official=c.official, live=c.live) if c.moved
             else t("official.line_one", figure=c.label, official=c.official)
             for c in shown if c.moved or not cards]
    body = f"**{title}**" + (" " + t("official.cards") if cards else "")
    if view in VIEW_NOTES:
        body += " " + t(VIEW_NOTES[view])
    if lines:
        body += "\n\n" + "\n".join(f"- {line}" for line in lines)
    moved = any(c.moved for c in shown)
    if moved:
        body += "\n\n" + t("official.moved_help")
    st.info(body, icon=":material/verified:")
    if moved:
        st.page_link(REPORTING_PAGE, label=t("official.restatements_link", quarter=mark.quarter_text),
                     icon=":material/difference:",
                     query_params={**link_query(ctx), official.RESTATE_PARAM: mark.quarter})
    return mark
