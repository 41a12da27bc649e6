"""App shell: login gate, scope-aware navigation, clear errors."""

from __future__ import annotations

from data_access.core.auth import create_user
from tests.apptest_utils import all_text, run_app


def test_anonymous_sees_only_login(empty_store):
    at = run_app(empty_store, None)
    assert not at.exception
    assert at.text_input[0].label == "Usuario"
    assert [b.label for b in at.get("form_submit_button")] == ["Ingresar"]
    assert not at.sidebar.selectbox  # no filters, no navigation before login


def test_local_login_and_wrong_password(empty_store):
    create_user("ana", "analista_pmo", "clave-segura-1", url=empty_store)
    at = run_app(empty_store, None)
    at.text_input[0].input("ana")
    at.text_input[1].input("otra")
    at.get("form_submit_button")[0].click()
    at.run()
    assert "incorrectos" in all_text(at)
    at.text_input[1].input("clave-segura-1")
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception
    assert "Analista PMO" in all_text(at)


def test_unknown_oidc_identity_gets_no_data(empty_store):
    at = run_app(empty_store, "nadie")
    assert not at.exception
    assert "no tiene un rol" in all_text(at)


def test_unreachable_store_message():
    at = run_app("postgresql://postgres@127.0.0.1:1/nada", "directivo")
    assert not at.exception
    assert "No se pudo conectar" in all_text(at)


def test_no_page_url_path_equals_its_file_stem():
    """Otherwise Streamlit's pages/ fallback would run that file without the login gate."""
    from pathlib import Path

    from components.core.navigation import PAGES

    assert len(PAGES) >= 9
    for page in PAGES:
        assert Path(page.path).stem != page.url_path, page.path


def test_the_server_leaves_garbage_to_python_instead_of_a_full_collection_after_each_run():
    """Streamlit's server collects garbage over the whole heap after every script run, holding
    the GIL: with a national store's cached reads that took ~0.2 s of every rerun and page switch
    (``AppTest`` runs no such collection, so only the server's configuration can say it)."""
    from streamlit import config

    assert config.get_option("runner.postScriptGC") is False
