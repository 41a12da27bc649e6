"""Edit tab: ANS reported values and their evidence, per contract and quarter (operators:
their own contracts; PMO and admin: any). A grid, saved row by row."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.documents.files import sla_attachments
from components.edit.common import changed_rows, none_if_nan, remember_opened, render_refusal, saved
from data_access.edits import sla as sla_edits
from data_access.edits.common import EditError
from rules.core.calendar import quarter_of, quarters_between
from rules.core.clock import today
from rules.core.formatting import quarter_label

contracts = cached(sla_edits.sla_contracts)
values = cached(sla_edits.sla_values)
CLEAR = (values,)


def sla_section(ctx: PageContext) -> None:
    t = ctx.t
    rows = contracts(ctx.viewer, url=ctx.url)
    if not rows:
        st.info(t("edit.sla.none"))
        return
    labels = {r["id"]: f"{r['code']} · {r['operator']} · {t('route.' + r['route'])}" for r in rows}
    cid = st.selectbox(t("edit.sla.contract"), list(labels), format_func=labels.get, key="sla_contract")
    contract = next(r for r in rows if r["id"] == cid)
    end = min(today(), contract["end_date"]) if contract["end_date"] else today()
    start = contract["start_date"]
    quarters = list(reversed(quarters_between(quarter_of(start), quarter_of(max(end, start)))))  # newest first
    quarter = st.selectbox(
        t("edit.sla.quarter"),
        quarters,
        format_func=lambda q: quarter_label(q, ctx.lang),
        key=f"sla_quarter_{cid}",
    )
    current = values(ctx.viewer, cid, quarter, url=ctx.url)
    if not current:
        st.info(t("edit.sla.no_definitions"))
        return
    key = f"sla_{cid}_{quarter}"
    snap = remember_opened(key, {"rows": current}, (cid, quarter))
    base = pd.DataFrame(
        [
            {
                "definition_id": r["definition_id"],
                "name": f"{r['code']} · {r['name']}",
                "unit": r["unit"],
                "target": r["target"],
                "value": r["value"],
                "evidence_ref": r["evidence_ref"] or "",
                "reported_by": r["reported_by"] or "",
                "version": r["version"],
            }
            for r in snap["rows"]
        ]
    )
    st.caption(t("edit.sla.help"))
    edited = st.data_editor(
        base,
        key=f"sla_grid_{key}_{snap['_n']}",
        hide_index=True,
        placeholder="—",
        width="stretch",
        disabled=["definition_id", "name", "unit", "target", "reported_by", "version"],
        column_order=["name", "unit", "target", "value", "evidence_ref", "reported_by", "version"],
        column_config={
            "name": st.column_config.TextColumn(t("edit.sla.indicator"), width="large"),
            "unit": st.column_config.TextColumn(t("edit.sla.unit")),
            "target": st.column_config.NumberColumn(t("edit.sla.target")),
            "value": st.column_config.NumberColumn(t("edit.sla.value"), min_value=None, step=0.1),
            "evidence_ref": st.column_config.TextColumn(t("edit.sla.evidence"), max_chars=300),
            "reported_by": st.column_config.TextColumn(t("edit.sla.reported_by")),
            "version": st.column_config.NumberColumn(t("edit.version")),
        },
    )
    if st.button(t("edit.sla.save"), type="primary", key=f"sla_save_{key}_{snap['_n']}"):
        _save(ctx, cid, quarter, base, edited, key)
    sla_attachments(ctx, cid, quarter, can_upload=True)


def _save(
    ctx: PageContext, cid: int, quarter: str, base: pd.DataFrame, edited: pd.DataFrame, key: str
) -> None:
    t = ctx.t
    done, refused = 0, []
    for old, new in changed_rows(base, edited, ["value", "evidence_ref"]):
        new_v = none_if_nan(new["value"])
        version = none_if_nan(old["version"])
        try:
            sla_edits.report_sla(
                ctx.viewer,
                cid,
                int(new["definition_id"]),
                quarter,
                new_v,
                new["evidence_ref"] or "",
                int(version) if version is not None else None,
                url=ctx.url,
            )
            done += 1
        except EditError as exc:
            refused.append((new["name"], exc))
    if not refused:
        saved(
            ctx, t("edit.sla.saved", n=done) if done else t("edit.nothing_changed"), clear=CLEAR, forget=[key]
        )
        return
    for f in CLEAR:
        f.clear()
    if done:
        st.success(t("edit.sla.saved", n=done))
    for name, exc in refused:
        st.markdown(f"**{name}**")
        render_refusal(ctx, exc)
