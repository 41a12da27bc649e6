"""Edit tab (PMO): the targets (metas) of the catalogue's indicators — the visible ones listed,
one created or changed per form, saved with the version opened and audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.edit.common import saved, show_refusal
from data_access.edits import targets as target_edits
from data_access.edits.common import EditError
from data_access.results import targets as targets_q
from rules.results import catalog

listing = cached(targets_q.listing)
CLEAR = (listing,)


def targets_section(ctx: PageContext) -> None:
    t = ctx.t
    rows = listing(ctx.viewer)
    st.caption(t("edit.targets.help"))
    if rows:
        data_table(pd.DataFrame(rows).drop(columns=["id"]), hide_index=True, width="stretch")
    else:
        st.info(t("edit.targets.none"))
    codes = [i.code for i in catalog.CATALOG]
    with st.form("targets_form"):
        indicator = st.selectbox(t("edit.targets.indicator"), codes,
                                 format_func=lambda c: f"{t(catalog.get(c).name_key)} ({c})")
        c1, c2, c3 = st.columns(3)
        year = c1.number_input(t("edit.targets.year"), min_value=2000, max_value=2100,
                               value=ctx.filters.cutoff.year, step=1)
        quarter = c2.selectbox(t("edit.targets.quarter"), [0, 1, 2, 3, 4],
                               format_func=lambda q: t("edit.targets.whole_year") if q == 0 else f"T{q}")
        level = c3.selectbox(t("edit.targets.level"), catalog.LEVELS,
                             format_func=lambda v: t(f"scorecard.level.{v}"))
        territory = st.text_input(t("edit.targets.territory"), help=t("edit.targets.territory_help"))
        value = st.number_input(t("edit.targets.value"), min_value=0.0, value=0.0)
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if not submitted:
        return
    code = territory.strip()
    opened = next((r["version"] for r in rows if (r["indicator"], r["year"], r["quarter"], r["level"],
                                                  r["territory_code"]) == (indicator, int(year), quarter, level, code)),
                  None)
    try:
        res = target_edits.set_target(ctx.viewer, indicator, int(year), quarter, level, code, value, opened,
                                      url=ctx.url)
    except EditError as exc:
        show_refusal(ctx, exc, "targets_form")
        return
    what = f"{indicator} · {int(year)} · {level} {code}".strip()
    saved(ctx, t("edit.saved", what=what, version=res.version) if res.changed else t("edit.nochange", what=what),
          clear=CLEAR)
