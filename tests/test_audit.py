"""Audit chain (issue 7, acceptance 3): verify passes on a clean store and fails,
naming the entry, after tampering by SQL; the CLI exits 1 and names it. Both stores."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from click.testing import CliRunner
from sqlalchemy import select, text

from cli.main import tablero
from data_access.audit import log as audit
from data_access.core.auth import authenticate
from data_access.core.db import get_engine, session_scope
from data_access.core.models import AuditLog
from data_access.edits import alerts as alert_edits
from data_access.edits import plans as plan_edits
from data_access.edits import stage as stage_edits
from data_access.edits import targeting as targeting_edits
from rules.core.formatting import BOGOTA
from tests.test_edit_support import MUNI_CAR, build


def _some_edits(w) -> None:
    plan_edits.set_pn_dates(w.v["analista"], w.pn_car, 1, "2025-03-01", "2025-12-31", url=w.url)
    targeting_edits.set_targeting(w.v["comite"], MUNI_CAR, 2025, True, 300, 1, url=w.url)
    alert_edits.update_alert(w.v["comite"], w.alert, 1, {"status": "en_gestion"}, url=w.url)
    stage_edits.record_stage(w.v["analista"], w.enr_hh, 1, "evaluacion_capacidades", None, "2025-02-01", url=w.url)


def _ids(url) -> list[int]:
    with session_scope(url) as s:
        return list(s.scalars(select(AuditLog.id).order_by(AuditLog.id)))


def test_chain_records_and_verifies(empty_store):
    assert audit.verify(empty_store).ok and audit.verify(empty_store).checked == 0
    w = build(empty_store)
    _some_edits(w)
    res = audit.verify(w.url)
    assert res.ok and res.checked == 5 and res.first_broken_id is None
    assert "íntegra" in res.message
    with session_scope(w.url) as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    # canonical JSON: sorted keys, ISO dates
    after = rows[0].after
    assert json.loads(after)["closure_date"] == "2025-12-31"
    assert after == audit.canonical_json(json.loads(after))
    # record() appends in the caller's transaction: a rollback leaves no entry
    try:
        with session_scope(w.url, write=True) as s:
            audit.record(s, "x", "prueba", 1, "update", {"a": 1}, {"a": 2})
            raise RuntimeError("rollback")
    except RuntimeError:
        pass
    assert len(_ids(w.url)) == 5 and audit.verify(w.url).ok


def test_tampering_is_caught_and_named(empty_store):
    w = build(empty_store)
    _some_edits(w)
    ids = _ids(w.url)
    victim = ids[2]
    with get_engine(w.url).begin() as conn:  # someone edits the log by SQL
        conn.execute(
            text("UPDATE audit_log SET after = REPLACE(after, 'en_gestion', 'cerrada') WHERE id = :i"),
            {"i": victim},
        )
    res = audit.verify(w.url)
    assert not res.ok and res.first_broken_id == victim and res.checked == 2
    assert f"#{victim}" in res.message and "territorial_alert" in res.message

    runner = CliRunner()
    out = runner.invoke(tablero, ["audit", "verify"], env={"DATABASE_URL": w.url})
    assert out.exit_code == 1
    assert f"#{victim}" in out.output


def test_deleting_or_rehashing_an_entry_breaks_the_next(empty_store):
    w = build(empty_store)
    _some_edits(w)
    ids = _ids(w.url)
    with get_engine(w.url).begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": ids[1]})
    res = audit.verify(w.url)
    assert not res.ok and res.first_broken_id == ids[2] and "hash anterior" in res.message


def test_forged_rehash_breaks_following_entry(empty_store):
    """A forger who also recomputes the tampered entry's own hash breaks the entry after it."""
    w = build(empty_store)
    _some_edits(w)
    with session_scope(w.url) as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    r = rows[1]
    forged_after = r.after.replace("300", "900")
    forged_hash = audit.entry_hash(
        at=r.at,
        username=r.username,
        entity=r.entity,
        entity_id=r.entity_id,
        action=r.action,
        before=r.before,
        after=forged_after,
        prev_hash=r.prev_hash,
    )
    with get_engine(w.url).begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET after = :a, hash = :h WHERE id = :i"),
            {"a": forged_after, "h": forged_hash, "i": r.id},
        )
    res = audit.verify(w.url)
    assert not res.ok and res.first_broken_id == rows[2].id


def test_cli_log_and_users(empty_store):
    w = build(empty_store)
    _some_edits(w)
    runner = CliRunner()
    env = {"DATABASE_URL": w.url}
    out = runner.invoke(tablero, ["audit", "log", "--entity", "targeting", "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["entity"] for r in rows] == ["targeting"]
    assert "target_population: 100 → 300" in rows[0]["changes"]
    out = runner.invoke(
        tablero,
        ["audit", "log", "--user", "comite", "--since", dt.datetime.now(BOGOTA).date().isoformat()],  # a Bogotá day
        env=env,
    )
    assert out.exit_code == 0 and "territorial_alert" in out.output and "business_plan" not in out.output
    out = runner.invoke(tablero, ["audit", "verify"], env=env)
    assert out.exit_code == 0 and "íntegra" in out.output

    out = runner.invoke(
        tablero,
        [
            "users",
            "add",
            "maria",
            "--role",
            "comite_regional",
            "--office",
            "CAR",
            "--email",
            "maria@x.gov.co",
            "--password",
            "clave-larga-123",
        ],
        env=env,
    )
    assert out.exit_code == 0, out.output
    viewer = authenticate("maria", "clave-larga-123", url=w.url)
    assert viewer.role == "comite_regional" and viewer.regional_office_id == w.car
    out = runner.invoke(tablero, ["users", "add", "pedro", "--role", "operador"], env=env)
    assert out.exit_code == 1 and "Operador:" in out.output
    out = runner.invoke(
        tablero, ["users", "add", "luis", "--role", "comite_regional", "--office", "XXX"], env=env
    )
    assert out.exit_code == 1 and "no existe" in out.output
    out = runner.invoke(tablero, ["users", "set-password", "maria", "--password", "nueva-clave-456"], env=env)
    assert out.exit_code == 0, out.output
    assert authenticate("maria", "nueva-clave-456", url=w.url) is not None
    out = runner.invoke(tablero, ["users", "set-password", "nadie", "--password", "nueva-clave-456"], env=env)
    assert out.exit_code == 1 and "no existe" in out.output
    out = runner.invoke(tablero, ["users", "list", "--format", "csv"], env=env)
    assert out.exit_code == 0 and "maria" in out.output and "Caribe" in out.output
    out = runner.invoke(tablero, ["audit", "log", "--entity", "app_user", "--format", "json"], env=env)
    acts = [r["action"] for r in json.loads(out.output)]
    assert acts == ["set_password", "create"]
    assert all(r["username"].startswith("cli:") for r in json.loads(out.output))
    assert audit.verify(w.url).ok
