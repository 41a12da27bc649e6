"""Documents in the UI: the files of a row (download buttons and the row's direct link), the upload
form for those who may edit the row, and the «Documentos» page, which also answers a direct link
(``?link=ID&sha=HASH``) after checking the row's scope again. No SQL: ``data_access.documents``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, figure_note, plain
from data_access.documents import store as D
from data_access.edits.common import EditError
from rules.core.formatting import fmt_datetime, fmt_int

document_links = cached(D.links)
sla_measurements = cached(D.sla_measurements)
PAGE = "pages/document.py"
_FLASH = "_documents_flash"


def _bytes(ctx: PageContext, link_id: int, sha: str):
    """The file's bytes on click (scope re-checked); empty when no longer visible."""
    def make() -> bytes:
        found = D.fetch(ctx.viewer, link_id, sha, url=ctx.url)
        return found.data if found else b""
    return make


def download_button(ctx: PageContext, link: dict, key: str) -> None:
    label = ctx.t("documents.download", name=plain(link["file_name"]))
    st.container().download_button(label, _bytes(ctx, link["id"], link["sha256"]), file_name=link["file_name"],
                                   mime=link["media_type"], key=key, on_click="ignore", icon=":material/download:")


def attachments(ctx: PageContext, entity: str, entity_id: int, key: str, can_upload: bool) -> None:
    """The files of one row, and (``can_upload``) a form to attach another; the writer re-checks."""
    t = ctx.t
    rows = document_links(ctx.viewer, entity, int(entity_id), url=ctx.url)
    st.markdown(f"**{t('documents.title')}**")
    flash = st.session_state.get(_FLASH, {}).pop(key, None)
    if flash is not None:
        (st.success if flash[0] == "ok" else st.error)(flash[1])
    if not rows:
        st.caption(t("documents.none"))
    for r in rows:
        c1, c2 = st.columns([3, 1])
        with c1:
            download_button(ctx, r, f"{key}_dl_{r['id']}")
        c2.page_link(PAGE, label=t("documents.link"), query_params={"link": str(r["id"]), "sha": r["sha256"]},
                     icon=":material/link:")
    if can_upload:
        _upload(ctx, entity, entity_id, key)


def _upload(ctx: PageContext, entity: str, entity_id: int, key: str) -> None:
    t = ctx.t
    types = D.allowed_types()
    with st.form(f"{key}_upload", clear_on_submit=True, border=False):
        file = st.file_uploader(t("documents.upload"), type=list(types), key=f"{key}_file",
                                help=t("documents.upload_help", types=", ".join(types),
                                       mb=fmt_int(D.max_bytes() // 1048576, ctx.lang)))
        go = st.form_submit_button(t("documents.attach"), icon=":material/attach_file:")
    if not go:
        return
    if file is None:
        outcome = ("error", t("documents.pick_file"))
    else:
        try:
            D.attach(ctx.viewer, entity, int(entity_id), file.name, file.getvalue(), url=ctx.url)
        except EditError as exc:
            outcome = ("error", exc.message)
        else:
            outcome = ("ok", t("documents.attached", name=plain(file.name)))
    st.session_state.setdefault(_FLASH, {})[key] = outcome
    st.rerun()


def row_attachments(ctx: PageContext, entity: str, labels: dict[int, str], key: str, can_upload: bool = True) -> None:
    """The files of one of several rows (``labels``: id → label), picked in a select box."""
    if not labels:
        return
    with st.container(border=True):
        chosen = st.selectbox(ctx.t(f"documents.entity.{entity}"), list(labels), format_func=labels.get,
                              key=f"{key}_pick")
        attachments(ctx, entity, chosen, f"{key}_{chosen}", can_upload)


def sla_attachments(ctx: PageContext, contract_id: int, quarter: str, can_upload: bool) -> None:
    """The support files of the quarter's stored ANS values of a contract (one value picked)."""
    rows = sla_measurements(ctx.viewer, contract_id, quarter, url=ctx.url)
    if not rows:
        st.caption(ctx.t("documents.sla_none"))
        return
    labels = {r["id"]: f"{r['code']} · {r['name']}" for r in rows}
    mid = st.selectbox(ctx.t("documents.sla_pick"), list(labels), format_func=labels.get,
                       key=f"sla_doc_{contract_id}_{quarter}")
    attachments(ctx, "sla_measurement", mid, f"sla_doc_{mid}", can_upload)


# ------------------------------------------------------------------ the page


def page(ctx: PageContext) -> None:
    """A direct link (``?link=&sha=``) shows that one document if the viewer may see its row (else
    says it does not exist or is out of scope, naming nothing); without one, every document in scope."""
    t = ctx.t
    link_id, sha = st.query_params.get("link"), st.query_params.get("sha")
    if link_id is not None:
        try:
            found = D.fetch(ctx.viewer, link_id, sha, url=ctx.url)
        except D.DocumentDamaged as exc:
            st.error(exc.message)
            return
        if found is None:
            st.warning(t("documents.not_found"))
            return
        link = found.link
        st.subheader(plain(link["file_name"]))
        st.caption(f"{t('documents.entity.' + link['entity'])} {link['entity_id']} · "
                   f"{fmt_int(link['size'], ctx.lang)} bytes · {plain(link['added_by'])} · "
                   f"{fmt_datetime(link['added_at'], ctx.lang)} · SHA-256 {link['sha256']}")
        st.container().download_button(t("documents.download", name=plain(link["file_name"])), found.data,
                           file_name=link["file_name"], mime=link["media_type"], key="doc_direct",
                           on_click="ignore", icon=":material/download:", type="primary")
        return
    st.caption(t("documents.intro"))
    rows = document_links(ctx.viewer, url=ctx.url)
    if not rows:
        st.info(t("documents.none"))
        return
    data_table(pd.DataFrame([{
        t("documents.file"): r["file_name"],
        t("documents.entity"): f"{t('documents.entity.' + r['entity'])} {r['entity_id']}",
        t("documents.size"): r["size"], t("documents.added_by"): r["added_by"],
        t("documents.added_at"): fmt_datetime(r["added_at"], ctx.lang),
    } for r in rows]), hide_index=True, placeholder="—", width="stretch")
    figure_note(ctx, t("documents.definition"))
    labels = {r["id"]: f"{r['file_name']} · {t('documents.entity.' + r['entity'])} {r['entity_id']}" for r in rows}
    chosen = st.selectbox(t("documents.pick"), list(labels), format_func=labels.get, key="doc_pick")
    download_button(ctx, next(r for r in rows if r["id"] == chosen), "doc_pick_dl")
