"""Sessions follow the store (issue 13, point 2): an open session re-reads its account at every
script run, so an account an administrator deactivates is logged out with a Spanish notice and
a changed one runs with its new scope; every write re-checks the account inside its transaction.
Both stores."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from data_access.core.auth import current_account, viewer_for_username
from data_access.core.db import get_engine, session_scope
from data_access.core.models import AppUser, TerritorialAlert
from data_access.demo.accounts import demo_passwords
from data_access.edits import accounts as account_edits
from data_access.edits import alerts as alert_edits
from data_access.edits.common import PermissionDenied
from tests.apptest_utils import all_text, run_app
from tests.conftest import DEMO_SEED
from tests.test_edit_support import MUNI_CAR, build

ROOT = Path(__file__).resolve().parents[1]


def _local_login(url: str, username: str):
    """The real app, signed in through its login form (a local session, no OIDC identity)."""
    at = run_app(url, None)
    at.text_input[0].input(username)
    at.text_input[1].input(demo_passwords(DEMO_SEED)[username])
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert any(b.label == "Cerrar sesión" for b in at.button), all_text(at)
    return at


def _office_id(url: str, code: str) -> int:
    from data_access.core.models import RegionalOffice

    with session_scope(url) as s:
        return s.scalar(select(RegionalOffice.id).where(RegionalOffice.code == code))


def _alert(code: str = MUNI_CAR) -> dict:
    return {"municipality_code": code, "category": "riego", "severity": "alta",
            "description": "Distrito de riego sin operar", "opened_on": dt.date(2026, 5, 1)}


def _alerts(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(TerritorialAlert))


@pytest.fixture
def w(empty_store):
    return build(empty_store, accounts=True)


# ------------------------------------------------------------------------------ open sessions


def test_deactivated_account_is_logged_out_at_its_next_run(demo_store_rw):
    at = _local_login(demo_store_rw, "comite")
    admin = viewer_for_username("admin", url=demo_store_rw)
    account_edits.set_user_active(admin, "comite", False, url=demo_store_rw)
    at.run()
    assert not at.exception, at.exception
    assert not any(b.label == "Cerrar sesión" for b in at.button)
    assert [ti.label for ti in at.text_input] == ["Usuario", "Contraseña"]
    notice = " ".join(str(el.value) for el in at.warning)
    assert "Su sesión se cerró" in notice and "«comite» fue desactivada" in notice


def test_deactivated_oidc_identity_is_told_why_at_its_next_run(demo_store_rw):
    at = run_app(demo_store_rw, "comite")  # signed in through the institutional identity
    assert not at.exception and "Oficina regional Caribe" in [c.value for c in at.sidebar.caption]
    admin = viewer_for_username("admin", url=demo_store_rw)
    account_edits.set_user_active(admin, "comite", False, url=demo_store_rw)
    at.run()
    assert not at.exception, at.exception
    told = " ".join(str(el.value) for el in at.error)
    assert "«comite@demo.tablero.gov.co» fue desactivada" in told, all_text(at)


def test_rescoped_account_runs_with_its_new_scope_at_its_next_run(demo_store_rw):
    at = _local_login(demo_store_rw, "comite")
    assert "Oficina regional Caribe" in [c.value for c in at.sidebar.caption]
    admin = viewer_for_username("admin", url=demo_store_rw)
    account_edits.set_user_scope(
        admin, "comite", "comite_regional", regional_office_id=_office_id(demo_store_rw, "PAC"), url=demo_store_rw
    )
    at.run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.sidebar.caption]
    assert "Oficina regional Pacífico" in captions and "Oficina regional Caribe" not in captions
    assert any("cambió su cuenta" in str(toast.value) for toast in at.toast)


def test_admin_page_changes_an_accounts_scope(w):
    at = run_app(w.url, "admin", "pages/admin.py")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="adm_scope_user").set_value("comite")
    at.selectbox(key="adm_scope_role").set_value("comite_regional")
    at.selectbox(key="adm_scope_office").set_value(w.pac)
    next(f for f in at.form if f.key == "adm_scope").form_submit_button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Rol y alcance de «comite» actualizados" in all_text(at)
    comite = viewer_for_username("comite", url=w.url)
    assert (comite.role, comite.regional_office_id) == ("comite_regional", w.pac)


def test_unchanged_account_is_rechecked_with_one_query(w):
    viewer = viewer_for_username("comite", url=w.url)
    statements: list[str] = []
    engine = get_engine(w.url)

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        if "app_user" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert current_account(viewer, url=w.url) is viewer
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_every_account_change_moves_its_version(w):
    admin = viewer_for_username("admin", url=w.url)
    seen = [viewer_for_username("comite", url=w.url).account_version]
    account_edits.set_password(admin, "comite", "otra-clave-segura-1", url=w.url)
    seen.append(viewer_for_username("comite", url=w.url).account_version)
    account_edits.set_user_scope(admin, "comite", "comite_regional", regional_office_id=w.pac, url=w.url)
    seen.append(viewer_for_username("comite", url=w.url).account_version)
    account_edits.set_user_active(admin, "comite", False, url=w.url)
    with session_scope(w.url) as s:
        seen.append(s.scalar(select(AppUser.version).where(AppUser.username == "comite")))
    assert seen == sorted(set(seen)) and len(seen) == 4, seen


# -------------------------------------------------------------------- writes in the transaction


def test_write_by_a_deactivated_account_is_refused_in_its_transaction(w):
    stale_viewer = viewer_for_username("comite", url=w.url)
    admin = viewer_for_username("admin", url=w.url)
    account_edits.set_user_active(admin, "comite", False, url=w.url)
    before = _alerts(w.url)
    with pytest.raises(PermissionDenied) as info:
        alert_edits.open_alert(stale_viewer, _alert(), url=w.url)
    assert "«comite» fue desactivada" in info.value.message
    assert _alerts(w.url) == before


def test_write_by_a_rescoped_account_is_refused_in_its_transaction(w):
    stale_viewer = viewer_for_username("comite", url=w.url)  # oficina Caribe
    admin = viewer_for_username("admin", url=w.url)
    account_edits.set_user_scope(admin, "comite", "comite_regional", regional_office_id=w.pac, url=w.url)
    before = _alerts(w.url)
    with pytest.raises(PermissionDenied) as info:
        alert_edits.open_alert(stale_viewer, _alert(MUNI_CAR), url=w.url)
    assert "cambió la cuenta «comite»" in info.value.message and "Recargue la página" in info.value.message
    assert _alerts(w.url) == before


def test_every_edit_writer_opens_its_transaction_through_write_session():
    """The account re-check lives in ``write_session``: no writer may open a write session of its own."""
    offenders = []
    for path in sorted((ROOT / "data_access" / "edits").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "session_scope":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == [path for path in offenders if path.startswith("common.py")], offenders
