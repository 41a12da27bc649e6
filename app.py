"""Tablero de decisión — Generación de Ingresos (MADR): navigation and login gate.

Every run: resolve the store, the viewer (OIDC or local account) and the global
filters, publish them as the page context, then run the page the viewer may see.
"""

from __future__ import annotations

import streamlit as st

from components.core.context import PageContext, page_context, set_page_context
from components.core.figures import plain
from components.core.filters import render_global_filters
from components.core.login import current_viewer, login_page, logout, take_notice
from components.core.navigation import DEFAULT_URL_PATH, PAGES, pages_for
from components.overview import ahead
from components.reporting import reminders
from data_access.core import versions
from data_access.core.db import (
    ConnectionLost,
    LockTimeout,
    StoreError,
    StoreUnavailable,
    WriteConflict,
    database_url,
    store_errors,
)
from data_access.core.scope import localised
from data_access.migrate import store_state
from rules.core.i18n import LANGS, t

st.set_page_config(page_title="Tablero Generación de Ingresos — MADR", page_icon="🌱", layout="wide")

@st.cache_resource
def _warm_heavy_imports() -> None:
    """Import the map's scientific stack (mapclassify → scipy, scikit-learn) in the
    background once per process, so the first map visit does not wait for it."""
    import importlib
    import threading

    threading.Thread(target=importlib.import_module, args=("mapclassify",), daemon=True).start()


def _lang() -> str:
    lang = st.query_params.get("lang", "es")
    return lang if lang in LANGS else "es"


def _gate(page_fn) -> None:
    """Run ``page_fn`` at every page URL, with the navigation hidden.

    Calling st.navigation on every path (also errors and login) keeps Streamlit's
    pages/-folder fallback off, so no page file ever runs without this gate, and a
    shared link keeps its page and query string until the person gets through.
    """
    st.navigation(
        [st.Page(page_fn, title=t("app.title", _lang()), url_path=page.url_path,
                 default=(page.url_path == DEFAULT_URL_PATH)) for page in PAGES],
        position="hidden",
    ).run()


def _store_ready(url: str, lang: str) -> dict | None:
    """Data versions, or None after showing a clear message when the store cannot be used."""
    state = store_state(url)
    if state == "ready":
        return versions.current(url)
    message = t("error.store_not_migrated" if state == "not_migrated" else "error.store_unreachable", lang)
    _gate(lambda: st.error(message))
    return None


_STORE_FAILURES = (  # most specific first: a lost connection is also an unavailable store
    (ConnectionLost, "error.connection_lost"),
    (StoreUnavailable, "error.store_unreachable"),
    (LockTimeout, "error.lock_timeout"),
    (WriteConflict, "error.write_conflict"),
)


def _store_failure(exc: StoreError, lang: str) -> str:
    """What a page tells a person when the store failed under it: the cause, never the driver's text."""
    return next((t(key, lang) for kind, key in _STORE_FAILURES if isinstance(exc, kind)), exc.message)


def main() -> None:
    _warm_heavy_imports()
    lang = _lang()
    url = database_url()
    data_versions = _store_ready(url, lang)
    if data_versions is None:
        return
    ahead.start(url)  # once per process: the landing page of every scope, before people sign in
    try:
        with store_errors():
            viewer = current_viewer(url, lang)
    except StoreError as exc:
        failure = _store_failure(exc, lang)
        _gate(lambda: st.error(failure, icon=":material/cloud_off:"))
        return
    if viewer is None:
        _gate(lambda: login_page(url, lang))
        return
    viewer = localised(viewer, lambda key, name: t(key, lang, name=name))
    with st.sidebar:
        role = t("role." + viewer.role, lang) if viewer.role else "—"
        st.markdown(f"**{plain(viewer.display_name or viewer.username)}** · {role}")
        st.caption(plain(viewer.scope_label or t("scope.none", lang)))
        chosen = st.selectbox(t("app.language", lang), LANGS, index=LANGS.index(lang),
                              format_func=lambda code: {"es": "Español", "en": "English"}[code], key="lang_select")
        if chosen != lang:
            st.query_params["lang"] = chosen
            st.rerun()
        if st.button(t("login.logout", lang), key="logout"):
            logout()
    if not viewer.known:
        message = take_notice(lang) or t("error.no_role", lang)
        _gate(lambda: st.error(message))
        return
    filters, labels = render_global_filters(viewer, lang, url)
    set_page_context(
        PageContext(viewer=viewer, filters=filters, url=url, lang=lang, versions=data_versions, labels=labels)
    )
    pages = [
        st.Page(page.path, title=t(page.title_key, lang), icon=page.icon, url_path=page.url_path,
                default=(page.url_path == DEFAULT_URL_PATH))
        for page in pages_for(viewer.role)
    ]
    try:
        with store_errors():
            navigation = st.navigation(pages, expanded=True)  # every page of the role, no «View more»
            reminders.show(page_context(), navigation)  # what is due, returned or waiting for review
            navigation.run()
    except StoreError as exc:
        st.error(_store_failure(exc, lang), icon=":material/cloud_off:")


main()
