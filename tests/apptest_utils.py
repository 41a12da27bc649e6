"""Running the real app under ``streamlit.testing.v1.AppTest`` as a given account."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from exports import pack

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ROLE_USERS = ("directivo", "analista", "comite", "comite_pac", "operador", "admin")


def run_app(url: str, username: str | None, page: str | None = None, query: dict | None = None,
            timeout: float = 60) -> AppTest:
    """Open the app on store ``url`` logged in (OIDC identity) as ``username``."""
    os.environ["DATABASE_URL"] = url
    st.cache_data.clear()
    pack.forget()  # the committee views shared per process, as the page caches
    at = AppTest.from_file(APP, default_timeout=timeout)
    if username:
        at.user = {"is_logged_in": True, "email": f"{username}@demo.tablero.gov.co", "name": username}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def open_tab(at: AppTest, label: str, key: str = "edit_tab") -> AppTest:
    """Open a lazily drawn tab (``st.tabs(key=...)``) as a click would: its state, then a rerun."""
    at.session_state[key] = label
    return at.run()


def all_text(at: AppTest) -> str:
    """Every visible text of a run, to assert what a person would read."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "metric"):
        for el in at.get(kind):
            parts.append(str(getattr(el, "value", "")))
            parts.append(str(getattr(el, "label", "")))
    return "\n".join(parts)


def spy_downloads(monkeypatch) -> dict[str, object]:
    """Every file a page run offers through the real download buttons: file name → its
    builder (or bytes), as the button was given it."""
    made: dict[str, object] = {}
    real = DeltaGenerator.download_button

    def spy(self, label, data, file_name=None, *args, **kwargs):
        made[file_name] = data
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return made
