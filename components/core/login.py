"""Login gate: OIDC through ``st.login`` when configured (production), local accounts
with argon2 passwords on the embedded default. Both end in a ``Viewer``."""

from __future__ import annotations

import streamlit as st

from data_access.core.auth import authenticate, viewer_for_email
from data_access.core.scope import Viewer
from rules.core.i18n import t

_LOCAL_KEY = "_local_viewer"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_viewer(url: str) -> Viewer | None:
    """The logged-in viewer, from the OIDC identity or the local session."""
    user = st.user
    if getattr(user, "is_logged_in", False):
        email = user.get("email") if hasattr(user, "get") else None
        viewer = viewer_for_email(email, url=url) if email else None
        if viewer is None:
            return Viewer(username=str(email or ""), role="", scope_label="Sin alcance")
        return viewer
    return st.session_state.get(_LOCAL_KEY)


def logout() -> None:
    st.session_state.pop(_LOCAL_KEY, None)
    if getattr(st.user, "is_logged_in", False) and oidc_configured():
        st.logout()
    st.rerun()


def login_page(url: str, lang: str) -> None:
    """The only page shown to anonymous visitors."""
    st.title(t("app.title", lang))
    st.caption(t("login.subtitle", lang))
    if oidc_configured():
        if st.button(t("login.oidc", lang), type="primary"):
            st.login()
        st.divider()
    with st.form("login"):
        username = st.text_input(t("login.username", lang))
        password = st.text_input(t("login.password", lang), type="password")
        submitted = st.form_submit_button(t("login.submit", lang), type="primary")
    if submitted:
        viewer = authenticate(username, password, url=url)
        if viewer is None:
            st.error(t("login.failed", lang))
        else:
            st.session_state[_LOCAL_KEY] = viewer
            st.rerun()
    st.info(t("login.demo_hint", lang))
