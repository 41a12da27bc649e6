"""Edit tab: the territorial asset map — record a municipality's assets and update them."""

from __future__ import annotations

import streamlit as st

from components.characterisation.assets import asset_frame, asset_table, municipality_assets
from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.edit.common import changed_since_opened, date_field, remember_opened, saved, show_refusal
from data_access.edits import assets as asset_edits
from data_access.edits.common import EditError
from rules import characterisation as CH
from rules.core.catalog import SERVICE_TYPES
from rules.core.clock import today

editable = cached(asset_edits.editable_assets)
municipalities = cached(asset_edits.editable_municipalities)
CLEAR = (editable, asset_table, municipality_assets)
KINDS = tuple(CH.ASSET_KINDS)
NONE = ""


def _fields(ctx: PageContext, where, snap: dict) -> dict:
    """The asset's inputs inside a form, prefilled from ``snap``."""
    t = ctx.t
    c1, c2 = where.columns(2)
    kind = c1.selectbox(t("characterisation.asset.kind"), KINDS, index=KINDS.index(snap.get("kind") or KINDS[0]),
                        format_func=lambda k: t(f"characterisation.kind.{k}"))
    name = c2.text_input(t("characterisation.asset.name"), value=snap.get("name") or "", max_chars=200)
    entity = where.text_input(t("characterisation.asset.entity"), value=snap.get("entity") or "", max_chars=200)
    chosen = [s for s in (snap.get("services") or "").split(",") if s]
    services = where.multiselect(t("characterisation.asset.services"), list(SERVICE_TYPES), default=chosen,
                                 format_func=lambda s: t(f"routes.service.{s}"),
                                 placeholder=t("characterisation.asset.services_none"))
    c3, c4 = where.columns(2)
    categories = (NONE, *CH.PUBLIC_GOOD_CATEGORIES)
    statuses = (NONE, *CH.PUBLIC_GOOD_STATUSES)
    category = c3.selectbox(t("characterisation.asset.category"), categories,
                            index=categories.index(snap.get("category") or NONE),
                            format_func=lambda c: t("characterisation.asset.not_public") if c == NONE
                            else t(f"map.alert.{c}"), help=t("characterisation.asset.public_help"))
    status = c4.selectbox(t("characterisation.asset.state"), statuses, index=statuses.index(snap.get("status") or NONE),
                          format_func=lambda s: t("characterisation.asset.not_public") if s == NONE
                          else f"{CH.STATUS_ICONS[s]} {t(f'characterisation.status.{s}')}")
    updated_on = date_field(where, t("characterisation.asset.updated"), snap.get("updated_on") or today())
    description = where.text_area(t("characterisation.asset.description"), value=snap.get("description") or "",
                                  max_chars=2000)
    return {"kind": kind, "name": name, "entity": entity, "services": services, "category": category or None,
            "status": status, "updated_on": updated_on, "description": description}


def assets_section(ctx: PageContext) -> None:
    t = ctx.t
    rows = editable(ctx.viewer, ctx.filters, url=ctx.url)
    if rows:
        shown = [{**r, "services": tuple(s for s in r["services"].split(",") if s)} for r in rows]
        data_table(asset_frame(ctx.lang, shown, with_municipality=True), hide_index=True, placeholder="—",
                   width="stretch")
    else:
        st.caption(t("characterisation.assets.none_in_scope"))
    tab_add, tab_edit = st.tabs([t("characterisation.edit.add"), t("characterisation.edit.update")])
    with tab_add:
        _add_form(ctx)
    with tab_edit:
        if not rows:
            st.caption(t("characterisation.assets.none_in_scope"))
            return
        labels = {r["id"]: f"{r['municipality']} · {t('characterisation.kind.' + r['kind'])} · {r['name']}"
                  for r in rows}
        aid = st.selectbox(t("characterisation.edit.pick"), list(labels), format_func=labels.get, key="asset_pick")
        _update_form(ctx, aid, next(r for r in rows if r["id"] == aid))


def _add_form(ctx: PageContext) -> None:
    t = ctx.t
    munis = municipalities(ctx.viewer, ctx.filters, url=ctx.url)
    if not munis:
        st.info(t("characterisation.edit.no_municipalities"))
        return
    labels = {m["code"]: f"{m['name']} ({m['code']})" for m in munis}
    with st.form("asset_add"):
        code = st.selectbox(t("characterisation.asset.municipality"), list(labels), format_func=labels.get)
        data = _fields(ctx, st, {})
        submitted = st.form_submit_button(t("characterisation.edit.add_submit"), type="primary")
    if submitted:
        try:
            res = asset_edits.add_asset(ctx.viewer, code, data, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            saved(ctx, t("characterisation.edit.added", id=res.id, municipality=labels[code]), clear=CLEAR)


def _update_form(ctx: PageContext, aid: int, current: dict) -> None:
    t = ctx.t
    key = "territorial_asset"
    snap = remember_opened(key, current, aid)
    changed_since_opened(ctx, snap, current, key)
    with st.form(f"asset_update_{aid}_{snap['_n']}"):
        data = _fields(ctx, st, snap)
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if submitted:
        try:
            res = asset_edits.update_asset(ctx.viewer, aid, snap["version"], data, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc, key)
        else:
            what = f"{t('characterisation.edit.asset')} #{aid}"
            msg = t("edit.saved", what=what, version=res.version) if res.changed else t("edit.nochange", what=what)
            saved(ctx, msg, clear=CLEAR, forget=[key])
