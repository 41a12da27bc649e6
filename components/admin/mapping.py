"""Admin page: municipality → oficina regional mapping (audited; bumps 'reference')."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.edit.common import changed_rows, remember_opened, render_refusal, saved
from data_access.edits import accounts as account_edits
from data_access.edits.common import EditError
from data_access.reference import queries as reference_queries

mapping = cached(account_edits.municipality_offices)
offices = cached(account_edits.offices_all)
departments = cached(reference_queries.departments)
CLEAR = (mapping,)


def mapping_section(ctx: PageContext) -> None:
    t = ctx.t
    depts = departments(ctx.viewer, url=ctx.url)
    names = dict(depts)
    dept = st.selectbox(
        t("admin.department"), list(names), format_func=lambda c: f"{names[c]} ({c})", key="adm_dept"
    )
    office_rows = offices(url=ctx.url)
    label_of = {o["id"]: f"{o['name']} ({o['code']})" for o in office_rows}
    id_of = {v: k for k, v in label_of.items()}
    none_label = t("admin.no_office")
    rows = mapping(ctx.viewer, dept, url=ctx.url)
    key = f"adm_map_{dept}"
    snap = remember_opened(key, {"rows": rows}, dept)
    base = pd.DataFrame(
        [
            {
                "code": r["code"],
                "name": r["name"],
                "office": label_of.get(r["regional_office_id"], none_label),
                "version": r["version"],
            }
            for r in snap["rows"]
        ]
    )
    st.caption(t("admin.mapping_help"))
    edited = st.data_editor(
        base,
        key=f"{key}_{snap['_n']}",
        hide_index=True,
        placeholder="—",
        width="stretch",
        disabled=["code", "name", "version"],
        column_config={
            "code": st.column_config.TextColumn(t("admin.col.code")),
            "name": st.column_config.TextColumn(t("admin.col.municipality")),
            "office": st.column_config.SelectboxColumn(
                t("admin.office"), options=[none_label, *id_of], required=True
            ),
            "version": st.column_config.NumberColumn(t("edit.version")),
        },
    )
    if st.button(t("admin.mapping_save"), type="primary", key=f"{key}_save_{snap['_n']}"):
        done, refused = 0, []
        for old, new in changed_rows(base, edited, ["office"]):
            try:
                account_edits.set_municipality_office(
                    ctx.viewer, new["code"], id_of.get(new["office"]), int(old["version"]), url=ctx.url
                )
                done += 1
            except EditError as exc:
                refused.append((new["name"], exc))
        if not refused:
            saved(
                ctx,
                t("admin.mapping_saved", n=done) if done else t("edit.nothing_changed"),
                clear=CLEAR,
                forget=[key],
            )
            return
        for f in CLEAR:
            f.clear()
        for name, exc in refused:
            st.markdown(f"**{name}**")
            render_refusal(ctx, exc)
