"""Edit tab: a PN's dates (first disbursement, closure) and its alliance evidence
(add / correct / void a contrato, factura or crédito)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.documents.files import row_attachments
from components.edit.common import changed_since_opened, date_field, remember_opened, saved, show_refusal
from data_access.edits import plans as plan_edits
from data_access.edits.common import EditError, EditResult
from rules.core.catalog import ALLY_TYPES, EVIDENCE_KINDS
from rules.core.clock import today
from rules.core.formatting import fmt_date

plans = cached(plan_edits.editable_business_plans)
plan = cached(plan_edits.business_plan)
evidence = cached(plan_edits.plan_evidence)
CLEAR = (plans, plan, evidence)



def plan_section(ctx: PageContext) -> None:
    t = ctx.t
    search = st.text_input(t("edit.pn.search"), key="pn_search", placeholder=t("edit.pn.search_hint"))
    rows = plans(ctx.viewer, search, ctx.filters, url=ctx.url)
    if not rows:
        st.info(t("edit.pn.none"))
        return
    labels = {
        r["id"]: f"{r['code']} · {r['opr']} · {r['municipality']} ({r['municipality_code']})" for r in rows
    }
    pid = st.selectbox(t("edit.pn.pick"), list(labels), format_func=labels.get, key="pn_pick")
    current = plan(ctx.viewer, pid, url=ctx.url)
    if current is None:
        st.warning(t("edit.pn.gone"))
        return
    _dates_form(ctx, pid, current)
    st.divider()
    _evidence_part(ctx, pid)


def _dates_form(ctx: PageContext, pid: int, current: dict) -> None:
    t = ctx.t
    key = "pn_dates"
    snap = remember_opened(key, current, pid)
    st.markdown(
        f"**{t('edit.pn.dates_title')}** · {snap['code']} · "
        f"{t('edit.ventana')} {snap['ventana']} · {t('edit.version')} {snap['version']}"
    )
    changed_since_opened(ctx, snap, current, key)
    with st.form(f"pn_dates_{pid}_{snap['_n']}"):
        c1, c2 = st.columns(2)
        first = date_field(c1, t("edit.pn.first_disbursement"), snap["first_disbursement_date"])
        closure = date_field(c2, t("edit.pn.closure"), snap["closure_date"], help=t("edit.pn.closure_help"))
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if submitted:
        try:
            res = plan_edits.set_pn_dates(ctx.viewer, pid, snap["version"], first, closure, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc, key)
        else:
            saved(ctx, _saved_msg(ctx, res, snap["code"]), clear=CLEAR, forget=[key])


def _saved_msg(ctx: PageContext, res: EditResult, what: str) -> str:
    if not res.changed:
        return ctx.t("edit.nochange", what=what)
    return ctx.t("edit.saved", what=what, version=res.version)


def _evidence_part(ctx: PageContext, pid: int) -> None:
    t = ctx.t
    rows = evidence(ctx.viewer, pid, url=ctx.url)
    st.markdown(f"**{t('edit.ev.title')}**")
    if rows:
        df = pd.DataFrame(
            [
                {
                    "id": r["id"],
                    t("edit.ev.kind"): t(f"edit.ev.kind.{r['kind']}"),
                    t("edit.ev.ally_type"): t(f"edit.ev.ally.{r['ally_type']}"),
                    t("edit.ev.ally_name"): r["ally_name"],
                    t("edit.ev.start"): fmt_date(r["start_date"], ctx.lang),
                    t("edit.ev.end"): fmt_date(r["end_date"], ctx.lang)
                    if r["end_date"]
                    else t("edit.ev.open_ended"),
                    t("edit.ev.document"): r["document_ref"],
                    t("edit.ev.state"): ("⊘ " + t("edit.ev.voided"))
                    if r["voided"]
                    else ("✓ " + t("edit.ev.valid")),
                    t("edit.version"): r["version"],
                }
                for r in rows
            ]
        )
        data_table(df, hide_index=True, placeholder="—", width="stretch")
    else:
        st.caption(t("edit.ev.none"))
    files = {r["id"]: f"#{r['id']} · {t('edit.ev.kind.' + r['kind'])} · {r['ally_name']}" for r in rows}
    row_attachments(ctx, "alliance_evidence", files, f"ev_doc_{pid}")
    tab_add, tab_fix = st.tabs([t("edit.ev.add"), t("edit.ev.correct_void")])
    with tab_add:
        _evidence_form(
            ctx,
            f"ev_add_{pid}",
            None,
            lambda data: plan_edits.add_evidence(ctx.viewer, pid, data, url=ctx.url),
            t("edit.ev.add_submit"),
            reload_key=None,
        )
    with tab_fix:
        live = [r for r in rows if not r["voided"]]
        if not live:
            st.caption(t("edit.ev.none_live"))
            return
        labels = {r["id"]: f"#{r['id']} · {t('edit.ev.kind.' + r['kind'])} · {r['ally_name']}" for r in live}
        eid = st.selectbox(t("edit.ev.pick"), list(labels), format_func=labels.get, key=f"ev_pick_{pid}")
        current = next(r for r in live if r["id"] == eid)
        key = "evidence"
        snap = remember_opened(key, current, eid)
        changed_since_opened(ctx, snap, current, key)
        _evidence_form(
            ctx,
            f"ev_fix_{eid}_{snap['_n']}",
            snap,
            lambda data: plan_edits.correct_evidence(ctx.viewer, eid, snap["version"], data, url=ctx.url),
            t("edit.ev.correct_submit"),
            reload_key=key,
        )
        with st.form(f"ev_void_{eid}_{snap['_n']}"):
            st.caption(t("edit.ev.void_help"))
            sure = st.checkbox(t("edit.ev.void_confirm"))
            go = st.form_submit_button(t("edit.ev.void_submit"))
        if go:
            if not sure:
                st.warning(t("edit.ev.void_need_confirm"))
            else:
                try:
                    res = plan_edits.void_evidence(ctx.viewer, eid, snap["version"], url=ctx.url)
                except EditError as exc:
                    show_refusal(ctx, exc, key)
                else:
                    saved(ctx, t("edit.ev.voided_ok", id=eid, version=res.version), clear=CLEAR, forget=[key])


def _evidence_form(
    ctx: PageContext, form_key: str, snap: dict | None, save, submit_label: str, reload_key: str | None
) -> None:
    t = ctx.t
    snap = snap or {}
    with st.form(form_key, clear_on_submit=False):
        c1, c2 = st.columns(2)
        kind = c1.selectbox(
            t("edit.ev.kind"),
            EVIDENCE_KINDS,
            format_func=lambda k: t(f"edit.ev.kind.{k}"),
            index=EVIDENCE_KINDS.index(snap["kind"]) if snap.get("kind") in EVIDENCE_KINDS else 0,
        )
        ally_type = c2.selectbox(
            t("edit.ev.ally_type"),
            ALLY_TYPES,
            format_func=lambda k: t(f"edit.ev.ally.{k}"),
            index=ALLY_TYPES.index(snap["ally_type"]) if snap.get("ally_type") in ALLY_TYPES else 0,
            help=t("edit.ev.ally_type_help"),
        )
        ally_name = st.text_input(t("edit.ev.ally_name"), value=snap.get("ally_name", ""), max_chars=200)
        c3, c4 = st.columns(2)
        start = date_field(c3, t("edit.ev.start"), snap.get("start_date") if snap else today())
        end = date_field(c4, t("edit.ev.end"), snap.get("end_date"), help=t("edit.ev.end_help"))
        document_ref = st.text_input(t("edit.ev.document"), value=snap.get("document_ref", ""), max_chars=200)
        submitted = st.form_submit_button(submit_label, type="primary")
    if submitted:
        data = {
            "kind": kind,
            "ally_type": ally_type,
            "ally_name": ally_name,
            "start_date": start,
            "end_date": end,
            "document_ref": document_ref,
        }
        try:
            res = save(data)
        except EditError as exc:
            show_refusal(ctx, exc, reload_key)
        else:
            what = f"{t('edit.ev.kind.' + kind)} · {ally_name.strip()}"
            saved(ctx, _saved_msg(ctx, res, what), clear=CLEAR, forget=[reload_key] if reload_key else [])
