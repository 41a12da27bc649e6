"""«Gestión del conocimiento» and «Documentos» under the real app (AppTest, both stores): a comité
finds its office's records and their files; a comité of another region sees neither the records nor,
through a crafted direct link, the document."""

from __future__ import annotations

import pytest

from data_access.core.auth import viewer_for_username
from data_access.documents import store as D
from data_access.knowledge import records as R
from tests.apptest_utils import all_text, run_app, spy_downloads
from tests.test_knowledge import municipality_of, wipe

PDF = b"%PDF-1.4\nacta de la feria\n%%EOF\n"


@pytest.fixture
def record_with_file(demo_store_rw, tmp_path, monkeypatch):
    monkeypatch.setenv("TABLERO_DOCUMENTS", str(tmp_path / "docs"))
    url = demo_store_rw
    wipe(url)
    comite = viewer_for_username("comite", url)
    rid = R.add(comite, {"kind": "buena_practica", "title": "Comercialización asociativa de cacao",
                         "text": "Las socias venden juntas.", "municipality_code": municipality_of(url, "CAR"),
                         "consent": True, "tags": "cacao"}, url=url).id
    link = D.attach(comite, "knowledge_record", rid, "acta.pdf", PDF, url=url)
    return url, rid, link


def _tables(at) -> str:
    return " ".join(df.value.to_string() for df in at.dataframe)


def test_knowledge_page_search_is_scoped(record_with_file):
    url, _, _ = record_with_file
    at = run_app(url, "comite", "pages/knowledge.py")
    assert not at.exception
    at.text_input(key="kn_q").set_value("comercializacion").run()
    assert "Comercialización asociativa de cacao" in _tables(at)
    assert "1 registros encontrados" in all_text(at)
    other = run_app(url, "comite_pac", "pages/knowledge.py")
    assert not other.exception
    other.text_input(key="kn_q").set_value("comercializacion").run()
    assert "Comercialización asociativa de cacao" not in _tables(other) + all_text(other)
    assert "No hay registros de conocimiento en su alcance" in all_text(other)


def test_direct_download_link_rechecks_the_scope(record_with_file, monkeypatch):
    url, _, link = record_with_file
    query = {"link": str(link), "sha": D.digest(PDF)}
    made = spy_downloads(monkeypatch)
    at = run_app(url, "comite", "pages/document.py", query=query)
    assert not at.exception, at.exception
    assert made.get("acta.pdf") == PDF, all_text(at)
    made.clear()
    other = run_app(url, "comite_pac", "pages/document.py", query=query)
    assert not other.exception
    assert "El documento no existe o no está en su alcance." in all_text(other)
    assert "acta.pdf" not in all_text(other) and "acta.pdf" not in made
