"""Edit tab: territorial alerts (public-goods gaps) — open, update, close."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.edit.common import changed_since_opened, date_field, remember_opened, saved, show_refusal
from data_access.edits import alerts as alert_edits
from data_access.edits.common import EditError
from rules.core.catalog import ALERT_CATEGORIES, ALERT_SEVERITIES, ALERT_STATUSES
from rules.core.clock import today
from rules.core.formatting import fmt_date

alert_rows = cached(alert_edits.alerts)
municipalities = cached(alert_edits.editable_municipalities)
CLEAR = (alert_rows,)
CATEGORIES = tuple(ALERT_CATEGORIES)


def _status(ctx: PageContext, s: str) -> str:
    icon = {"abierta": "●", "en_gestion": "◐", "cerrada": "○"}.get(s, "")
    return f"{icon} {ctx.t('edit.al.status.' + s)}"


def alerts_section(ctx: PageContext) -> None:
    t = ctx.t
    c1, _ = st.columns([1, 2])
    status = c1.selectbox(
        t("edit.al.filter_status"),
        [None, *ALERT_STATUSES],
        format_func=lambda s: t("edit.al.all") if s is None else _status(ctx, s),
        key="al_filter",
    )
    rows = alert_rows(ctx.viewer, status, ctx.filters, url=ctx.url)
    if rows:
        data_table(
            pd.DataFrame(
                [
                    {
                        "id": r["id"],
                        t("edit.al.municipality"): f"{r['municipality']} ({r['municipality_code']})",
                        t("edit.al.category"): t("edit.al.cat." + r["category"]),
                        t("edit.al.severity"): t("edit.al.sev." + r["severity"]),
                        t("edit.al.status"): _status(ctx, r["status"]),
                        t("edit.al.opened_on"): fmt_date(r["opened_on"], ctx.lang),
                        t("edit.al.closed_on"): fmt_date(r["closed_on"], ctx.lang) if r["closed_on"] else "—",
                        t("edit.al.description"): r["description"],
                        t("edit.version"): r["version"],
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
        )
    else:
        st.caption(t("edit.al.none"))
    tab_open, tab_edit = st.tabs([t("edit.al.open"), t("edit.al.update_close")])
    with tab_open:
        _open_form(ctx)
    with tab_edit:
        live = rows
        if not live:
            st.caption(t("edit.al.none"))
            return
        labels = {
            r["id"]: f"#{r['id']} · {r['municipality']} · {t('edit.al.cat.' + r['category'])} · "
            f"{_status(ctx, r['status'])}"
            for r in live
        }
        aid = st.selectbox(t("edit.al.pick"), list(labels), format_func=labels.get, key="al_pick")
        current = next(r for r in live if r["id"] == aid)
        _edit_forms(ctx, aid, current)


def _open_form(ctx: PageContext) -> None:
    t = ctx.t
    munis = municipalities(ctx.viewer, ctx.filters, url=ctx.url)
    if not munis:
        st.info(t("edit.al.no_municipalities"))
        return
    labels = {m["code"]: f"{m['name']} ({m['code']})" for m in munis}
    with st.form("al_open", clear_on_submit=False):
        code = st.selectbox(t("edit.al.municipality"), list(labels), format_func=labels.get)
        c1, c2 = st.columns(2)
        category = c1.selectbox(
            t("edit.al.category"), CATEGORIES, format_func=lambda c: t("edit.al.cat." + c)
        )
        severity = c2.selectbox(
            t("edit.al.severity"), ALERT_SEVERITIES, format_func=lambda s: t("edit.al.sev." + s)
        )
        opened_on = date_field(st, t("edit.al.opened_on"), today())
        description = st.text_area(t("edit.al.description"), max_chars=2000)
        submitted = st.form_submit_button(t("edit.al.open_submit"), type="primary")
    if submitted:
        try:
            res = alert_edits.open_alert(
                ctx.viewer,
                {
                    "municipality_code": code,
                    "category": category,
                    "severity": severity,
                    "opened_on": opened_on,
                    "description": description,
                },
                url=ctx.url,
            )
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            saved(ctx, t("edit.al.opened_ok", id=res.id, municipality=labels[code]), clear=CLEAR)


def _edit_forms(ctx: PageContext, aid: int, current: dict) -> None:
    t = ctx.t
    key = "alert"
    snap = remember_opened(key, current, aid)
    changed_since_opened(ctx, snap, current, key)
    with st.form(f"al_update_{aid}_{snap['_n']}"):
        c1, c2, c3 = st.columns(3)
        category = c1.selectbox(
            t("edit.al.category"),
            CATEGORIES,
            index=CATEGORIES.index(snap["category"]),
            format_func=lambda c: t("edit.al.cat." + c),
        )
        severity = c2.selectbox(
            t("edit.al.severity"),
            ALERT_SEVERITIES,
            index=ALERT_SEVERITIES.index(snap["severity"]),
            format_func=lambda s: t("edit.al.sev." + s),
        )
        status = c3.selectbox(
            t("edit.al.status"),
            ALERT_STATUSES,
            index=ALERT_STATUSES.index(snap["status"]),
            format_func=lambda s: _status(ctx, s),
        )
        c4, c5 = st.columns(2)
        opened_on = date_field(c4, t("edit.al.opened_on"), snap["opened_on"])
        closed_on = date_field(c5, t("edit.al.closed_on"), snap["closed_on"], help=t("edit.al.closed_help"))
        description = st.text_area(t("edit.al.description"), value=snap["description"] or "", max_chars=2000)
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if submitted:
        data = {
            "category": category,
            "severity": severity,
            "status": status,
            "opened_on": opened_on,
            "closed_on": closed_on,
            "description": description,
        }
        try:
            res = alert_edits.update_alert(ctx.viewer, aid, snap["version"], data, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc, key)
        else:
            what = f"{t('edit.al.alert')} #{aid}"
            msg = (
                t("edit.saved", what=what, version=res.version)
                if res.changed
                else t("edit.nochange", what=what)
            )
            saved(ctx, msg, clear=CLEAR, forget=[key])
    if snap["status"] != "cerrada":
        with st.form(f"al_close_{aid}_{snap['_n']}"):
            st.markdown(f"**{t('edit.al.close_title')}**")
            day = date_field(st, t("edit.al.closed_on"), today())
            go = st.form_submit_button(t("edit.al.close_submit"))
        if go:
            try:
                res = alert_edits.close_alert(ctx.viewer, aid, snap["version"], day, url=ctx.url)
            except EditError as exc:
                show_refusal(ctx, exc, key)
            else:
                saved(ctx, t("edit.al.closed_ok", id=aid, version=res.version), clear=CLEAR, forget=[key])
