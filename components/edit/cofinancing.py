"""Edit tab: the co-financing of a ruta básica household's micro-project — committed, disbursed,
requirements met and their dates (the writer validates and scopes)."""

from __future__ import annotations

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import plain
from components.edit.common import (
    changed_since_opened,
    date_field,
    participant_label,
    remember_opened,
    saved,
    show_refusal,
)
from data_access.edits import cofinancing as cofinancing_edits
from data_access.edits.common import EditError
from rules.core.formatting import fmt_money
from rules.routes.model import stage_name

find = cached(cofinancing_edits.find_households)
detail = cached(cofinancing_edits.cofinancing_detail)
CLEAR = (find, detail)


def cofinancing_section(ctx: PageContext) -> None:
    t = ctx.t
    st.caption(t("exits.cof.help"))
    search = st.text_input(t("edit.st.search"), key="cof_search", placeholder=t("edit.st.search_hint"))
    rows = find(ctx.viewer, search, ctx.filters, url=ctx.url)
    if not rows:
        st.info(t("exits.cof.none"))
        return
    labels = {
        r["id"]: f"#{r['id']} · {participant_label(ctx, r)} · {stage_name(r['current_stage'], ctx.lang)} · "
        f"{r['municipality']}"
        for r in rows
    }
    eid = st.selectbox(t("edit.st.pick"), list(labels), format_func=labels.get, key="cof_pick")
    current = detail(ctx.viewer, eid, url=ctx.url)
    if current is None:
        st.warning(t("edit.st.gone"))
        return
    key = "cofinancing"
    snap = remember_opened(key, current, eid)
    st.markdown(plain(labels[eid]))
    changed_since_opened(ctx, snap, current, key)
    _form(ctx, eid, snap, key)


def _form(ctx: PageContext, eid: int, snap: dict, key: str) -> None:
    t = ctx.t
    suffix = f"{eid}_{snap['_n']}"
    with st.form(f"cof_form_{suffix}"):
        c1, c2 = st.columns(2)
        committed = c1.number_input(t("exits.cof.committed"), min_value=0, step=100_000,
                                    value=int(snap["committed_cop"]), key=f"cof_c_{suffix}")
        committed_on = date_field(c2, t("exits.cof.committed_on"), snap["committed_on"], key=f"cof_cd_{suffix}")
        c3, c4 = st.columns(2)
        disbursed = c3.number_input(t("exits.cof.disbursed"), min_value=0, step=100_000,
                                    value=int(snap["disbursed_cop"]), key=f"cof_d_{suffix}")
        disbursed_on = date_field(c4, t("exits.cof.disbursed_on"), snap["disbursed_on"], key=f"cof_dd_{suffix}")
        met = st.checkbox(t("exits.cof.requirements_met"), value=bool(snap["requirements_met"]),
                          help=t("exits.cof.requirements_help"), key=f"cof_r_{suffix}")
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if not submitted:
        return
    data = {"committed_cop": committed, "disbursed_cop": disbursed, "requirements_met": met,
            "committed_on": committed_on, "disbursed_on": disbursed_on}
    try:
        res = cofinancing_edits.set_household_cofinancing(ctx.viewer, eid, data, snap["version"], url=ctx.url)
    except EditError as exc:
        show_refusal(ctx, exc, key)
        return
    what = t("exits.cof.what", id=eid, committed=fmt_money(committed, ctx.lang), disbursed=fmt_money(disbursed,
                                                                                                     ctx.lang))
    message = t("edit.saved", what=what, version=res.version) if res.changed else t("edit.nochange", what=what)
    saved(ctx, message, clear=CLEAR, forget=[key])
