"""Comments on figures: who reads which thread, what a comment keeps, the CLI (both stores)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import tablero
from data_access.core.auth import viewer_for_username
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import AuditLog, DataVersion, Municipality, OperatorContract
from data_access.core.scope import NOBODY
from data_access.edits.common import NotFound, PermissionDenied, ValidationFailed
from data_access.results import comments as C

CUT = dt.date(2026, 9, 30)


def run(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


@pytest.fixture
def people(demo_store_rw):
    return {u: viewer_for_username(u, demo_store_rw) for u in ("directivo", "comite", "comite_pac", "operador")}


def _texts(viewer, url, figure="overview.households"):
    return [r["text"] for r in C.thread(viewer, figure, url)]


def test_thread_visibility_per_role(demo_store_rw, people):
    url = demo_store_rw
    f = GlobalFilters(cutoff=CUT)
    C.add(people["directivo"], "overview.households", "12.345", f, "nacional", url=url)
    C.add(people["comite"], "overview.households", "1.234", f, "del comité", url=url)
    C.add(people["comite_pac"], "overview.households", "2.345", f, "del otro comité", url=url)
    C.add(people["operador"], "overview.households", "345", f, "del operador", url=url)
    assert _texts(people["directivo"], url) == ["nacional", "del comité", "del otro comité", "del operador"]
    with session_scope(url) as s:
        op_offices = set(s.scalars(select(OperatorContract.regional_office_id)
                                   .where(OperatorContract.operator_id == people["operador"].operator_id)))
    own = people["comite"].regional_office_id
    other = people["comite_pac"].regional_office_id
    assert own != other
    assert _texts(people["comite"], url) == (["del comité"] + (["del operador"] if own in op_offices else []))
    assert _texts(people["comite_pac"], url) == (["del otro comité"] + (["del operador"] if other in op_offices
                                                                       else []))
    assert _texts(people["operador"], url) == ["del operador"]
    assert _texts(NOBODY, url) == []
    assert C.counts(people["comite"], ("overview.households", "alliance.headline"), url)["alliance.headline"] == 0


def test_national_comment_about_an_office_reaches_that_comite(demo_store_rw, people):
    url = demo_store_rw
    own = people["comite"].regional_office_id
    C.add(people["directivo"], "alliance.headline", "61,0 %", GlobalFilters(cutoff=CUT, regional_office_id=own),
          "sobre su oficina", url=url)
    with session_scope(url) as s:
        muni = s.scalar(select(Municipality.code).where(Municipality.regional_office_id == own).limit(1))
    C.add(people["directivo"], "alliance.headline", "70,0 %", GlobalFilters(cutoff=CUT, municipality_code=muni),
          "sobre un municipio suyo", url=url)
    assert _texts(people["comite"], url, "alliance.headline") == ["sobre su oficina", "sobre un municipio suyo"]
    assert _texts(people["comite_pac"], url, "alliance.headline") == []


def test_comment_keeps_value_filters_audit_and_bumps_results(demo_store_rw, people):
    url = demo_store_rw
    with session_scope(url) as s:
        before = s.scalar(select(DataVersion.version).where(DataVersion.topic == "results")) or 0
    f = GlobalFilters(cutoff=CUT, period_start=dt.date(2026, 1, 1), route="basica")
    new_id = C.add(people["comite"], "overview.households", " 1.234 ", f, "  Revisar el dato de Sucre  ", url=url)
    (row,) = C.thread(people["comite"], "overview.households", url)
    assert row["id"] == new_id and row["value_text"] == "1.234" and row["text"] == "Revisar el dato de Sucre"
    assert row["filters"] == {"cutoff": "2026-09-30", "period_start": "2026-01-01", "route": "basica"}
    assert row["cutoff"] == CUT and row["username"] == "comite"
    assert row["regional_office_id"] == people["comite"].regional_office_id and row["operator_id"] is None
    with session_scope(url) as s:
        after = s.scalar(select(DataVersion.version).where(DataVersion.topic == "results"))
        audit = s.scalar(select(AuditLog).where(AuditLog.entity == "figure_comment",
                                                AuditLog.entity_id == str(new_id)))
    assert after == before + 1
    assert audit is not None and audit.username == "comite" and audit.action == "create"


def test_reply_takes_the_parent_scope_and_nests(demo_store_rw, people):
    url = demo_store_rw
    f = GlobalFilters(cutoff=CUT)
    parent = C.add(people["comite"], "overview.households", "1.234", f, "¿por qué bajó?", url=url)
    C.add(people["directivo"], "overview.households", "1.234", f, "por el cierre de Sucre", parent_id=parent, url=url)
    rows = C.thread(people["comite"], "overview.households", url)
    assert [(r["text"], r["depth"]) for r in rows] == [("¿por qué bajó?", 0), ("por el cierre de Sucre", 1)]
    with pytest.raises(NotFound, match="no existe o no está en su alcance"):
        C.add(people["comite_pac"], "overview.households", "1", f, "x", parent_id=parent, url=url)
    with pytest.raises(NotFound, match="otra cifra"):
        C.add(people["comite"], "alliance.headline", "1", f, "x", parent_id=parent, url=url)


def test_refusals_in_spanish(demo_store_rw, people):
    url = demo_store_rw
    f = GlobalFilters(cutoff=CUT)
    with pytest.raises(ValidationFailed, match="Comentario: está vacío"):
        C.add(people["comite"], "overview.households", "1", f, "   ", url=url)
    with pytest.raises(ValidationFailed, match="el máximo es 2000"):
        C.add(people["comite"], "overview.households", "1", f, "x" * 2001, url=url)
    with pytest.raises(ValidationFailed, match="Cifra: indique la clave"):
        C.add(people["comite"], "", "1", f, "hola", url=url)
    with pytest.raises(PermissionDenied, match="no puede comentar cifras"):
        C.add(NOBODY, "overview.households", "1", f, "hola", url=url)
    assert C.thread(people["directivo"], None, url) == []


def test_cli_add_and_list_in_scope(demo_store_rw):
    url = demo_store_rw
    r = run(url, "comments", "add", "alliance.headline", "--text", "Meta lejana", "--value", "61,0 %",
            "--as-of", "2026-09-30", "--as-user", "comite")
    assert r.exit_code == 0, r.output
    assert "publicado en «alliance.headline»" in r.output
    r = run(url, "comments", "list", "alliance.headline", "--format", "json", "--as-user", "comite")
    rows = json.loads(r.output)
    assert [(x["usuario"], x["valor"], x["corte"], x["comentario"]) for x in rows] == [
        ("comite", "61,0 %", "30/09/2026", "Meta lejana")]
    r = run(url, "comments", "list", "--format", "json", "--as-user", "comite_pac")
    assert json.loads(r.output) == []
    r = run(url, "comments", "add", "alliance.headline", "--text", " ", "--as-user", "comite")
    assert r.exit_code == 1 and "Comentario: está vacío" in r.output
    r = run(url, "comments", "add", "alliance.headline", "--text", "x", "--as-of", "30/09/2026")
    assert r.exit_code == 1 and "AAAA-MM-DD" in r.output
