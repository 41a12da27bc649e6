"""The per-run page context: who is looking, at what, in which language.

``app.py`` builds it once per script run (after login and global filters) and pages
read it with ``page_context()``; components never query the store themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from rules.core.i18n import t as translate

_KEY = "_page_context"


@dataclass(frozen=True)
class PageContext:
    viewer: Viewer
    filters: GlobalFilters
    url: str
    lang: str = "es"
    versions: dict = field(default_factory=dict)
    presentation: bool = False
    labels: dict = field(default_factory=dict)  # names of the selected office/department/municipality

    def t(self, key: str, **params) -> str:
        return translate(key, self.lang, **params)

    def version(self, *topics: str) -> tuple:
        return tuple(self.versions.get(topic, 0) for topic in topics)


def set_page_context(ctx: PageContext) -> None:
    st.session_state[_KEY] = ctx


def current_context() -> PageContext | None:
    """The run's context, or None outside a page run (a download built when clicked)."""
    return st.session_state.get(_KEY)


def page_context() -> PageContext:
    ctx = current_context()
    if ctx is None:
        st.error("Sesión no iniciada: vuelva a la página de inicio.")
        st.stop()
    return ctx
