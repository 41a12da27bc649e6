""""Paquete para comité" buttons: one click downloads the PPTX or the PDF of the chosen
views, built for the viewer's scope and the active filters (generated on click)."""

from __future__ import annotations

import streamlit as st

from components.core.context import PageContext
from components.core.figures import scope_parts
from exports import content
from exports.pack import MIME, build_pack, default_file_name
from rules import access


def _builder(viewer, filters, views, fmt, lang, url):
    def build() -> bytes:  # runs on click, in a worker thread: no Streamlit calls here
        return build_pack(viewer, filters, views, fmt=fmt, lang=lang, url=url).data

    return build


def pack_buttons(ctx: PageContext, key: str, views: list[str] | None = None) -> None:
    if not access.allowed(ctx.viewer, access.EXPORT_PACK):
        return
    st.subheader(ctx.t("committee.export.pack_title"))
    chosen = st.multiselect(
        ctx.t("committee.export.views"),
        list(content.VIEWS),
        default=views or list(content.VIEWS),
        format_func=lambda v: ctx.t(f"committee.view.{v}"),
        key=f"{key}_views",
        placeholder=ctx.t("widget.choose_many"),
    )
    st.caption(ctx.t("committee.export.hint"))
    if not chosen:
        st.info(ctx.t("committee.export.choose"))
        return
    c1, c2 = st.columns(2)
    for col, fmt, icon in ((c1, "pptx", ":material/slideshow:"), (c2, "pdf", ":material/picture_as_pdf:")):
        col.download_button(
            ctx.t(f"committee.export.download_{fmt}"),
            data=_builder(ctx.viewer, ctx.filters, tuple(chosen), fmt, ctx.lang, ctx.url),
            file_name=default_file_name(ctx.filters.cutoff, fmt, scope_parts(ctx)),
            mime=MIME[fmt],
            key=f"{key}_{fmt}",
            icon=icon,
            type="primary",
            on_click="ignore",
        )
