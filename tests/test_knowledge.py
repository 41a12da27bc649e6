"""Knowledge records (both stores): Spanish full-text search that ignores accents and ranks a word
in the title above the same word once in the text; the consent rule; the scope of a comité (data
access and CLI); audited writes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.models import AuditLog, DocumentLink, Household, KnowledgeRecord, Municipality, RegionalOffice
from data_access.edits.common import PermissionDenied, ValidationFailed
from data_access.knowledge import records as R
from data_access.knowledge import search as S
from rules import knowledge as K


def _scalar(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).scalar()


def municipality_of(url, office_code: str) -> str:
    office = RegionalOffice.id == Municipality.regional_office_id
    return _scalar(url, select(Municipality.code).join(RegionalOffice, office)
                   .where(RegionalOffice.code == office_code).order_by(Municipality.code).limit(1))


def wipe(url) -> None:
    """No demo records: exact expectations on a clean slate (the search index follows the rows)."""
    with get_engine(url).begin() as conn:
        conn.execute(delete(DocumentLink).where(DocumentLink.entity == "knowledge_record"))
        conn.execute(delete(KnowledgeRecord))


def add(viewer, url, **data) -> int:
    base = {"kind": "buena_practica", "title": "Registro", "text": "Un relato del territorio.", "tags": "",
            "consent": True}
    return R.add(viewer, {**base, **data}, url=url).id


# ------------------------------------------------------------------------------ rules

def test_terms_fold_accents_and_case():
    assert K.search_terms("Comercialización  ASOCIATIVIDAD comercializacion") == ["comercializacion",
                                                                                   "asociatividad"]
    assert K.parse_tags("Café; mujeres, café ;") == ("café", "mujeres")
    assert not K.personal_link_visible(False)
    assert [e.field for e in K.validate({"kind": "otro", "title": "", "text": "x"})] == ["kind", "title"]


# ----------------------------------------------------------------------- data access

def test_search_ignores_accents_and_ranks_title_first(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    analista = viewer_for_username("analista", url)
    car = municipality_of(url, "CAR")
    in_text = add(analista, url, title="Historia de la familia Rojas", municipality_code=car,
                  text="La familia cultiva cacao y un día llegó a una feria de comercialización en el pueblo.")
    in_title = add(analista, url, title="Comercialización asociativa de café", municipality_code=car,
                   text="Las socias venden juntas a un comprador nacional con contrato anual.")
    add(analista, url, title="Riego por goteo", municipality_code=car, text="Una lección sobre el agua.")
    for query in ("comercializacion", "COMERCIALIZACIÓN", "Comercialización"):
        found = S.search(analista, query, url=url)
        assert [r["id"] for r in found] == [in_title, in_text], query
        assert found[0]["rank"] > found[1]["rank"]
    snippet = S.search(analista, "feria", url=url)[0]["snippet"]
    assert "«feria»" in snippet
    assert S.search(analista, "comercializacion riego", url=url) == []  # every word must occur
    assert [r["id"] for r in S.search(analista, "comercializacion", kind="historia_de_vida", url=url)] == []


def test_search_follows_an_edit(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    analista = viewer_for_username("analista", url)
    rid = add(analista, url, title="Huerta escolar", municipality_code=municipality_of(url, "CAR"))
    R.update(analista, rid, 1, {**S.record(analista, rid, url=url), "title": "Asociatividad de mujeres"}, url=url)
    assert [r["id"] for r in S.search(analista, "asociatividad", url=url)] == [rid]
    assert S.search(analista, "huerta", url=url) == []
    entries = _scalar(url, select(AuditLog.action).where(AuditLog.entity == "knowledge_record")
                      .order_by(AuditLog.id.desc()).limit(1))
    assert entries == "update"


def test_without_consent_no_personal_link(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    analista = viewer_for_username("analista", url)
    car = municipality_of(url, "CAR")
    household = _scalar(url, select(Household.code).where(Household.municipality_code == car).limit(1)) or \
        _scalar(url, select(Household.code).limit(1))
    shown = add(analista, url, kind="historia_de_vida", title="Con permiso", household_code=household,
                municipality_code=car, consent=True)
    hidden = add(analista, url, kind="historia_de_vida", title="Sin permiso", household_code=household,
                 municipality_code=car, consent=False)
    rows = {r["id"]: r for r in S.records(analista, url=url)}
    assert rows[shown]["household_code"] == household
    assert rows[hidden]["household_code"] is None and rows[hidden]["opr_name"] is None
    assert S.record(analista, hidden, url=url)["household_code"] is None
    assert S.search(analista, "permiso", url=url)[1]["household_code"] is None


def test_comite_of_another_region_reads_and_writes_nothing_there(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    comite, comite_pac = viewer_for_username("comite", url), viewer_for_username("comite_pac", url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    mine = add(comite, url, title="Comercialización en el Caribe", municipality_code=car)
    with pytest.raises(PermissionDenied, match=f"municipio {pac}"):
        add(comite, url, title="Fuera", municipality_code=pac)
    assert [r["id"] for r in S.search(comite, "comercializacion", url=url)] == [mine]
    assert S.search(comite_pac, "comercializacion", url=url) == []
    assert S.records(comite_pac, url=url) == []
    assert S.record(comite_pac, mine, url=url) is None
    with pytest.raises(ValidationFailed, match="Título"):
        add(comite, url, title="", municipality_code=car)


def test_cli_search_as_comite(demo_store_rw):
    from cli.main import tablero

    url = demo_store_rw
    wipe(url)
    env = {"DATABASE_URL": url}
    comite = viewer_for_username("comite", url)
    rid = add(comite, url, title="Comercialización de ñame", municipality_code=municipality_of(url, "CAR"))
    runner = CliRunner()
    out = runner.invoke(tablero, ["knowledge", "search", "comercializacion", "--as-user", "comite",
                              "--format", "json"], env=env)
    assert out.exit_code == 0, out.output
    assert [r["codigo"] for r in json.loads(out.output)] == [f"GC-{rid:06d}"]
    out = runner.invoke(tablero, ["knowledge", "search", "comercializacion", "--as-user", "comite_pac",
                              "--format", "json"], env=env)
    assert out.exit_code == 0 and json.loads(out.output) == []
    out = runner.invoke(tablero, ["knowledge", "add", "--as-user", "comite_pac", "--kind", "buena_practica",
                              "--title", "x", "--text", "y", "--municipality", municipality_of(url, "CAR")], env=env)
    assert out.exit_code == 1 and "no puede registrar" in out.output


# ----------------------------------------------------------------------------- intake

HEADER = "codigo_registro;tipo;titulo;texto;cod_municipio;ruta;servicio;codigo_hogar;nit_opr;consentimiento;" \
         "etiquetas;codigo_operador;fecha\n"


def test_intake_loads_in_scope_and_refuses_the_whole_file_otherwise(demo_store_rw, tmp_path):
    from tests.test_intake_programme import cli, write

    url = demo_store_rw
    wipe(url)
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    good = (HEADER + f"GC-T-1;buena_practica;Comercialización asociativa;Venden juntas.;{car};intermedia;"
            f"comercializacion;;;si;\"café; mujeres\";;10/03/2026\n"
            f"GC-T-2;leccion_aprendida;Riego;Una lección sobre el agua.;{car};;;;;no;;;11/03/2026\n")
    res = cli(url, "import", "knowledge", str(write(tmp_path, "conocimiento.csv", good)), "--as-user", "comite")
    assert res.exit_code == 0, res.output
    comite = viewer_for_username("comite", url)
    assert [r["code"] for r in S.search(comite, "comercializacion", url=url)] == ["GC-T-1"]
    again = cli(url, "import", "knowledge", str(write(tmp_path, "conocimiento.csv", good)), "--as-user", "comite")
    assert again.exit_code == 0 and "2 sin cambios" in again.output, again.output
    bad = good + f"GC-T-3;historia_de_vida;Fuera;Otra región.;{pac};;;;;si;;;12/03/2026\n"
    res = cli(url, "import", "knowledge", str(write(tmp_path, "conocimiento.csv", bad)), "--as-user", "comite")
    assert res.exit_code != 0
    assert "conocimiento" in res.output and "cod_municipio" in res.output and pac in res.output
    assert _scalar(url, select(KnowledgeRecord.id).where(KnowledgeRecord.code == "GC-T-3")) is None


# ------------------------------------------------------------------------------- demo

def test_demo_has_plausible_knowledge_records_and_documents(demo_store):
    from sqlalchemy import func

    url = demo_store
    analista = viewer_for_username("analista", url)
    with get_engine(url).connect() as conn:
        kinds = dict(conn.execute(select(KnowledgeRecord.kind, func.count()).group_by(KnowledgeRecord.kind)).all())
        total = sum(kinds.values())
        consent = conn.execute(select(func.count()).where(KnowledgeRecord.consent.is_(True))).scalar()
        places = conn.execute(select(func.count(func.distinct(KnowledgeRecord.municipality_code)))).scalar()
        links = dict(conn.execute(select(DocumentLink.entity, func.count()).group_by(DocumentLink.entity)).all())
    assert set(kinds) == set(K.KINDS) and total >= 40
    assert kinds["buena_practica"] > kinds["leccion_aprendida"]
    assert 0.7 < consent / total < 0.97
    assert places >= 10
    assert links.get("knowledge_record") and links.get("alliance_evidence")
    found = S.search(analista, "comercializacion", url=url)
    assert found and all(found[i]["rank"] >= found[i + 1]["rank"] for i in range(len(found) - 1))
    assert any("Comercialización" in r["title"] for r in found)
