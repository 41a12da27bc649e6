"""Documentos: the supporting files of the rows in the viewer's scope; a direct link
(``?link=ID&sha=HASH``) opens one document after the row's scope is checked again."""

from __future__ import annotations

import streamlit as st

from components.core.context import page_context
from components.documents import files

ctx = page_context()
st.title(ctx.t("nav.document"))
files.page(ctx)
