"""Audit chain anchored outside the store (issue 13, point 3): deleting the newest entries
or the whole log is caught by ``verify --head ID:HASH``; an empty log while programme data
exists fails ``verify``; the admin page shows the head to copy. Both stores."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from cli.main import tablero
from data_access.audit import log as audit
from data_access.core.db import get_engine, session_scope
from data_access.core.models import AuditLog
from data_access.core.scope import Viewer
from tests.apptest_utils import run_app
from tests.test_audit import _some_edits
from tests.test_edit_support import build


def _verify_cli(url: str, *args: str):
    return CliRunner().invoke(tablero, ["audit", "verify", *args], env={"DATABASE_URL": url})


def _head_cli(url: str) -> str:
    out = CliRunner().invoke(tablero, ["audit", "head"], env={"DATABASE_URL": url})
    assert out.exit_code == 0, out.output
    return out.output.strip()


def _edited(empty_store):
    w = build(empty_store)
    _some_edits(w)
    return w


def test_head_prints_the_newest_entry_and_verifies(empty_store):
    w = _edited(empty_store)
    with session_scope(w.url) as s:
        newest = s.execute(select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).one()
    printed = _head_cli(w.url)
    assert printed == f"{newest.id}:{newest.hash}"
    out = _verify_cli(w.url, "--head", printed)
    assert out.exit_code == 0, out.output
    assert "íntegra" in out.output


def test_deleting_the_newest_entries_is_caught_with_the_head(empty_store):
    w = _edited(empty_store)
    kept = _head_cli(w.url)
    head_id = int(kept.split(":")[0])
    with get_engine(w.url).begin() as conn:  # «delete from audit_log where id > 350»
        conn.execute(text("DELETE FROM audit_log WHERE id > :i"), {"i": head_id - 2})
    res = audit.verify(w.url, head=kept)
    assert not res.ok and res.first_broken_id == head_id
    assert f"Falta la entrada #{head_id}" in res.message and f"la más reciente es la #{head_id - 2}" in res.message
    out = _verify_cli(w.url, "--head", kept)
    assert out.exit_code == 1
    assert f"Falta la entrada #{head_id}" in out.output


def test_deleting_the_whole_log_is_caught_with_the_head(empty_store):
    w = _edited(empty_store)
    kept = _head_cli(w.url)
    head_id = int(kept.split(":")[0])
    with get_engine(w.url).begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    out = _verify_cli(w.url, "--head", kept)
    assert out.exit_code == 1
    assert f"Falta la entrada #{head_id}" in out.output and "el registro está vacío" in out.output


def test_a_rewritten_chain_is_caught_with_the_head(empty_store):
    """A forger who rewrites an entry and re-hashes every entry after it keeps the chain
    intact; the head kept outside no longer matches."""
    w = _edited(empty_store)
    kept = audit.head(w.url)
    with session_scope(w.url, write=True) as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        prev = rows[0].prev_hash
        for r in rows:
            if r.id == rows[1].id:
                r.after = r.after.replace("300", "900")
            r.prev_hash = prev
            r.hash = audit.entry_hash(at=r.at, username=r.username, entity=r.entity, entity_id=r.entity_id,
                                      action=r.action, before=r.before, after=r.after, prev_hash=prev)
            prev = r.hash
    assert audit.verify(w.url).ok  # the chain alone cannot tell
    out = _verify_cli(w.url, "--head", str(kept))
    assert out.exit_code == 1
    assert f"La entrada #{kept.id} no es la anotada como cabeza" in out.output


def test_an_empty_log_with_programme_data_fails_verify(empty_store):
    w = _edited(empty_store)
    with get_engine(w.url).begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    res = audit.verify(w.url)
    assert not res.ok and "está vacío" in res.message and "business_plan" in res.message
    out = _verify_cli(w.url)
    assert out.exit_code == 1 and "está vacío" in out.output


def test_an_empty_store_verifies_and_has_no_head(empty_store):
    assert audit.verify(empty_store).ok
    out = CliRunner().invoke(tablero, ["audit", "head"], env={"DATABASE_URL": empty_store})
    assert out.exit_code == 1 and "está vacío" in out.output


def test_a_malformed_head_is_refused_with_the_format(empty_store):
    out = _verify_cli(empty_store, "--head", "350")
    assert out.exit_code == 2 and "ID:HASH" in out.output


def test_the_demo_seed_is_an_audited_write(demo_store):
    res = audit.verify(demo_store)
    assert res.ok and res.checked >= 1
    seeds = audit.entries(Viewer("admin", "admin"), entity="demo_programme", url=demo_store)
    assert [e["action"] for e in seeds] == ["seed"]


def test_admin_page_shows_the_head_to_copy(demo_store):
    kept = audit.head(demo_store)
    at = run_app(demo_store, "admin", "pages/admin.py")
    assert not at.exception, [e.value for e in at.exception]
    assert [c.value for c in at.code] == [str(kept)]
