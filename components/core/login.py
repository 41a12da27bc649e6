"""Login gate: OIDC through ``st.login`` when configured (production), local accounts
with argon2 passwords on the embedded default. Both end in a ``Viewer``."""

from __future__ import annotations

import streamlit as st

from data_access.core.auth import authenticate, current_account, email_deactivated, viewer_for_email
from data_access.core.scope import Viewer
from rules.core.i18n import t

_LOCAL_KEY = "_local_viewer"
_OIDC_KEY = "_oidc_viewer"  # (e-mail, viewer) of the signed-in OIDC identity
_NOTICE_KEY = "_login_notice"  # why the session ended, shown once by the login page or the gate


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_viewer(url: str, lang: str = "es") -> Viewer | None:
    """The logged-in viewer, from the OIDC identity or the local session, re-read at every run
    (``current_account``: one indexed read while the account is unchanged). A deactivated or
    removed account ends the session with a notice; a changed one runs with its new role and scope."""
    user = st.user
    if getattr(user, "is_logged_in", False):
        email = str((user.get("email") if hasattr(user, "get") else None) or "")
        kept = st.session_state.get(_OIDC_KEY)
        if kept and kept[0] == email:
            viewer = _refreshed(kept[1], url, lang)
        else:
            viewer = viewer_for_email(email, url=url) if email else None
        if viewer is None:
            st.session_state.pop(_OIDC_KEY, None)
            if email and email_deactivated(email, url=url):
                st.session_state[_NOTICE_KEY] = ("login.account_closed", email)
            return Viewer(username=email, role="", scope_label="Sin alcance")
        st.session_state[_OIDC_KEY] = (email, viewer)
        return viewer
    viewer = st.session_state.get(_LOCAL_KEY)
    if viewer is None:
        return None
    viewer = _refreshed(viewer, url, lang)
    if viewer is None:
        st.session_state.pop(_LOCAL_KEY, None)
        return None
    st.session_state[_LOCAL_KEY] = viewer
    return viewer


def _refreshed(viewer: Viewer, url: str, lang: str) -> Viewer | None:
    fresh = current_account(viewer, url=url)
    if fresh is None:
        st.session_state[_NOTICE_KEY] = ("login.account_closed", viewer.username)
    elif _scope(fresh) != _scope(viewer):
        st.toast(t("login.account_changed", lang), icon=":material/manage_accounts:")
    return fresh


def _scope(viewer: Viewer) -> tuple:
    return viewer.role, viewer.regional_office_id, viewer.operator_id


def take_notice(lang: str) -> str | None:
    """Why the previous session ended (once), e.g. its account was deactivated."""
    notice = st.session_state.pop(_NOTICE_KEY, None)
    return t(notice[0], lang, user=notice[1]) if notice else None


def logout() -> None:
    st.session_state.pop(_LOCAL_KEY, None)
    if getattr(st.user, "is_logged_in", False) and oidc_configured():
        st.logout()
    st.rerun()


def login_page(url: str, lang: str) -> None:
    """The only page shown to anonymous visitors."""
    st.title(t("app.title", lang))
    st.caption(t("login.subtitle", lang))
    notice = take_notice(lang)
    if notice:
        st.warning(notice, icon=":material/logout:")
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
