"""Documents (both stores): content-addressed files attached to rows, scoped like the row they belong
to (data access and CLI), refused when too large or of a type not allowed, audited, and checked by
``tablero audit verify`` (a file altered or missing on disk is reported)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.models import (
    AllianceEvidence,
    AuditLog,
    BusinessPlan,
    Document,
    DocumentLink,
    Municipality,
    RegionalOffice,
)
from data_access.documents import store as D
from data_access.edits.common import PermissionDenied
from data_access.knowledge import records as R

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def documents(tmp_path, monkeypatch):
    monkeypatch.setenv("TABLERO_DOCUMENTS", str(tmp_path / "docs"))
    return tmp_path / "docs"


def _first(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).first()


def office_clause(code: str):
    return Municipality.regional_office_id.in_(select(RegionalOffice.id).where(RegionalOffice.code == code))


def municipality_of(url, office_code: str) -> str:
    return _first(url, select(Municipality.code).where(office_clause(office_code)).order_by(Municipality.code))[0]


def wipe(url) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(delete(DocumentLink))
        conn.execute(delete(Document))


def knowledge_in(url, viewer, office: str) -> int:
    return R.add(viewer, {"kind": "buena_practica", "title": "Acta de la feria", "text": "Relato.",
                          "municipality_code": municipality_of(url, office), "consent": True}, url=url).id


def test_attach_is_stored_once_by_hash_and_audited(demo_store_rw, documents):
    url = demo_store_rw
    wipe(url)
    comite = viewer_for_username("comite", url)
    rid = knowledge_in(url, comite, "CAR")
    first = D.attach(comite, "knowledge_record", rid, "acta.pdf", PDF, url=url)
    second = D.attach(comite, "knowledge_record", rid, "acta copia.pdf", PDF, url=url)
    sha = D.digest(PDF)
    assert first != second and (documents / sha[:2] / sha).read_bytes() == PDF
    assert [r["file_name"] for r in D.links(comite, "knowledge_record", rid, url=url)] == ["acta copia.pdf",
                                                                                             "acta.pdf"]
    stored = _first(url, select(Document.size, Document.media_type).where(Document.sha256 == sha))
    assert tuple(stored) == (len(PDF), "application/pdf")
    trail = _first(url, select(AuditLog.after).where(AuditLog.entity == "document_link")
                   .order_by(AuditLog.id.desc()))[0]
    assert json.loads(trail)["sha256"] == sha
    assert D.fetch(comite, first, sha, url=url).data == PDF


def test_refusals_name_the_fix(demo_store_rw, documents, monkeypatch):
    url = demo_store_rw
    comite = viewer_for_username("comite", url)
    rid = knowledge_in(url, comite, "CAR")
    with pytest.raises(D.DocumentRefused, match="tipo «.exe» no se admite"):
        D.attach(comite, "knowledge_record", rid, "virus.exe", b"MZ", url=url)
    with pytest.raises(D.DocumentRefused, match="está vacío"):
        D.attach(comite, "knowledge_record", rid, "vacio.pdf", b"", url=url)
    monkeypatch.setenv("TABLERO_DOCUMENT_MAX_MB", "0.00001")
    with pytest.raises(D.DocumentRefused, match="el máximo es"):
        D.attach(comite, "knowledge_record", rid, "grande.pdf", PDF, url=url)
    monkeypatch.setenv("TABLERO_DOCUMENT_TYPES", "png")
    with pytest.raises(D.DocumentRefused, match=r"suba un archivo \.png"):
        D.attach(comite, "knowledge_record", rid, "acta.pdf", PDF, url=url)


def test_comite_of_another_region_gets_nothing(demo_store_rw, documents):
    from cli.main import tablero

    url = demo_store_rw
    wipe(url)
    comite, comite_pac = viewer_for_username("comite", url), viewer_for_username("comite_pac", url)
    analista = viewer_for_username("analista", url)
    rid = knowledge_in(url, comite, "CAR")
    link = D.attach(comite, "knowledge_record", rid, "acta.pdf", PDF, url=url)
    evidence = _first(url, select(AllianceEvidence.id).join(BusinessPlan, BusinessPlan.id ==
                                                           AllianceEvidence.business_plan_id)
                      .where(BusinessPlan.municipality_code.in_(select(Municipality.code)
                                                                .where(office_clause("CAR")))))[0]
    contract = D.attach(analista, "alliance_evidence", evidence, "contrato.pdf", b"%PDF contrato", url=url)
    with pytest.raises(PermissionDenied, match="no puede registrar conocimiento del municipio"):
        D.attach(comite_pac, "knowledge_record", rid, "otro.pdf", PDF, url=url)
    assert {r["id"] for r in D.links(comite, url=url)} == {link, contract}
    assert D.links(comite_pac, url=url) == []
    assert D.fetch(comite_pac, link, url=url) is None
    assert D.fetch(comite_pac, contract, D.digest(b"%PDF contrato"), url=url) is None
    assert D.fetch(comite, link, D.digest(b"otro"), url=url) is None  # a hash that is not the link's
    env = {"DATABASE_URL": url, "TABLERO_DOCUMENTS": str(documents)}
    run = CliRunner().invoke
    listed = run(tablero, ["documents", "list", "--format", "json", "--as-user", "comite_pac"], env=env)
    assert listed.exit_code == 0 and json.loads(listed.output) == []
    got = run(tablero, ["documents", "get", str(link), "-o", str(documents / "x.pdf"), "--as-user", "comite_pac"],
              env=env)
    assert got.exit_code == 1 and "no existe o no está en su alcance" in got.output
    assert not (documents / "x.pdf").exists()
    got = run(tablero, ["documents", "get", str(link), "-o", str(documents / "x.pdf"), "--as-user", "comite"],
              env=env)
    assert got.exit_code == 0, got.output
    assert (documents / "x.pdf").read_bytes() == PDF


def test_verify_reports_an_altered_and_a_missing_file(demo_store_rw, documents):
    from cli.main import tablero

    url = demo_store_rw
    wipe(url)
    comite = viewer_for_username("comite", url)
    rid = knowledge_in(url, comite, "CAR")
    altered = D.attach(comite, "knowledge_record", rid, "acta.pdf", PDF, url=url)
    D.attach(comite, "knowledge_record", rid, "foto.png", b"\x89PNG foto", url=url)
    env = {"DATABASE_URL": url, "TABLERO_DOCUMENTS": str(documents)}
    run = CliRunner().invoke
    ok = run(tablero, ["audit", "verify"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "Cadena de auditoría íntegra" in ok.output and "Documentos íntegros: 2 archivos" in ok.output
    D.path_for(D.digest(PDF)).write_bytes(PDF + b"alterado")
    D.path_for(D.digest(b"\x89PNG foto")).unlink()
    check = D.verify_files(url)
    assert not check.ok and check.altered == (D.digest(PDF),) and check.missing == (D.digest(b"\x89PNG foto"),)
    bad = run(tablero, ["audit", "verify"], env=env)
    assert bad.exit_code == 1
    assert "1 faltan" in bad.output and "1 fueron alterados" in bad.output
    with pytest.raises(D.DocumentDamaged, match="alterado"):
        D.fetch(comite, altered, url=url)
