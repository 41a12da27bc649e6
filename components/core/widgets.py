"""Widgets whose own (English-only) text Streamlit does not let us translate, wrapped so that a
person reads only the UI language: the file uploader's "Upload" button and "200MB per file • XLSX"
line are hidden by a style scoped to this uploader and replaced by our own button text and line.
(While a file is dragged over it, Streamlit still writes "Drag and drop a file here".)"""

from __future__ import annotations

import json

import streamlit as st

from components.core.context import PageContext
from rules.core.formatting import fmt_num

# Scoped to the container around one uploader: its instructions hidden, its button's text replaced
# (the button keeps its upload icon: only the label's paragraph is swapped).
_UPLOAD_STYLE = (
    "<style>"
    ".st-key-{box} [data-testid='stFileUploaderDropzoneInstructions']{{display:none}}"
    ".st-key-{box} [data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p"
    "{{font-size:0}}"
    ".st-key-{box} [data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after"
    "{{content:{button};font-size:0.875rem}}"
    "</style>"
)


def upload_limit_text(ctx: PageContext, types: list[str]) -> str:
    """'Hasta 500 MB por archivo · .xlsx, .csv' from the server's configured limit."""
    limit = fmt_num(st.get_option("server.maxUploadSize"), 0, ctx.lang)
    return ctx.t("upload.instructions", limit=limit, types=", ".join(f".{t}" for t in types))


def file_input(ctx: PageContext, label: str, types: list[str], key: str, help: str | None = None):
    """``st.file_uploader`` that reads in the UI language (see the module's note); returns its file."""
    box = f"tb_upload_{key}"
    with st.container(key=box):
        st.html(_UPLOAD_STYLE.format(box=box, button=json.dumps(ctx.t("upload.button"))))
        file = st.file_uploader(label, type=types, key=key, help=help)
        st.caption(upload_limit_text(ctx, types))
    return file
