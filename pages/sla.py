"""ANS (Acuerdos de Niveles de Servicio) of the operators — issue 6.

Thin: page context → page filters (quarter, service type; route and office are the global
filters) → cached, scoped reads and view models (``components.sla_*``) → four tabs. Only the
open tab runs (tabs bound to the ``vista`` query parameter). Scope is applied in SQL by
``data_access.sla.queries``; nothing here filters for scope.
"""

import streamlit as st

from components.core.context import page_context
from components.reporting import official
from components.sla import (
    compare as sla_compare,
)
from components.sla import (
    definitions as sla_definitions,
)
from components.sla import (
    ranking as sla_ranking,
)
from components.sla import (
    scorecard as sla_scorecard,
)
from components.sla import timeliness as sla_timeliness
from components.sla.common import operators_in_quarter, page_filters

ctx = page_context()
st.title(ctx.t("sla.title"))
st.caption(ctx.t("sla.subtitle"))

chosen = page_filters(ctx)
official.banner(ctx, "sla", keys=("sla",), quarter=chosen["quarter"], narrowed=chosen["service"] is not None)
tab_card, tab_rank, tab_cmp, tab_defs = st.tabs(
    [ctx.t("sla.tab.scorecard"), ctx.t("sla.tab.ranking"), ctx.t("sla.tab.compare"), ctx.t("sla.tab.definitions")],
    key="vista", bind="query-params",
)
if tab_card.open:
    with tab_card:
        sla_scorecard.render(ctx, chosen)
if tab_rank.open:
    with tab_rank:
        sla_ranking.render(ctx, chosen)
if tab_cmp.open:
    with tab_cmp:
        codes = operators_in_quarter(ctx.viewer, ctx.filters, chosen["quarter"], chosen["window"], chosen["service"],
                                     ctx.url)
        sla_compare.render(ctx, chosen, codes)
if tab_defs.open:
    with tab_defs:
        sla_definitions.render(ctx, ctx.filters.route, chosen["service"])
sla_timeliness.section(ctx, key="sla", quarter=chosen["quarter"])  # «registro oportuno» (issue 16)
