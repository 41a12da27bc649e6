"""The «Seguimiento de compromisos» view (both stores): in the pack (PPTX and PDF) a comité sees
only its office's agreements, the overdue one with its status in words, and the latest session's;
the acta of a session lists its frozen figures and agreements (PDF and DOCX, es and en)."""

from __future__ import annotations

import datetime as dt
import io

from data_access.core.auth import viewer_for_username
from data_access.core.filters import GlobalFilters
from data_access.results import agreements as A
from exports import acta
from exports.content import VIEWS, build_view, make_context
from exports.pack import build_pack
from rules.core.calendar import last_quarter_end
from rules.core.clock import today
from rules.core.formatting import fmt_date
from tests.test_agreements import municipality_of, wipe
from tests.test_exports import pdf_pages, pptx_slides


def _record(url):
    """A CAR session with an overdue and an open agreement; a PAC agreement."""
    analista = viewer_for_username("analista", url)
    comite = viewer_for_username("comite", url)
    figures = acta.session_figures(comite, comite.regional_office_id, last_quarter_end(), url=url)
    sid = A.create_session(comite, {"held_on": today(), "title": "Comité Caribe de seguimiento",
                                    "participants": "Ana Pérez, Luis Gómez", "figures": figures}, url=url).id
    car, pac = municipality_of(url, "CAR"), municipality_of(url, "PAC")
    base = {"subject_kind": "municipio", "session_id": sid}
    A.create_agreement(comite, {**base, "subject_code": car, "description": "Entregar insumos atrasados",
                                "responsible": "Ana Pérez", "due_on": today() - dt.timedelta(days=5)}, url=url)
    A.create_agreement(comite, {**base, "subject_code": car, "description": "Visitar las OPR nuevas",
                                "responsible": "Luis Gómez", "due_on": today() + dt.timedelta(days=20)}, url=url)
    A.create_agreement(analista, {"subject_kind": "municipio", "subject_code": pac,
                                  "description": "Secreto del Pacífico",
                                  "responsible": "Eva", "due_on": today() - dt.timedelta(days=1)}, url=url)
    return sid, figures


def test_agreements_view_is_registered_and_scoped(demo_store_rw):
    url = demo_store_rw
    wipe(url)
    _record(url)
    assert "agreements" in VIEWS
    comite = viewer_for_username("comite", url)
    slide = build_view("agreements", make_context(comite, GlobalFilters(cutoff=last_quarter_end()), "es", url))
    assert slide.title == "Seguimiento de compromisos"
    figs = {k.key: k.value for k in slide.key_figures}
    assert figs == {"agreements_open": "2", "agreements_overdue": "1", "agreements_done": "0"}
    statuses = list(slide.table["Estado"])
    assert statuses == ["⚠ Vencido", "○ Pendiente"]  # overdue first, in words and symbol
    assert "Secreto del Pacífico" not in slide.table.to_string()
    assert any("Comité Caribe de seguimiento" in n for n in slide.notes)
    pack = build_pack(comite, GlobalFilters(cutoff=last_quarter_end()), ["agreements"], fmt="pptx", url=url,
                      use_cache=False)
    text = " ".join(str(s) for s in pptx_slides(pack.data))
    assert "Entregar insumos atrasados" in text and "Vencido" in text
    assert "Secreto del Pacífico" not in text
    pdf = build_pack(comite, GlobalFilters(cutoff=last_quarter_end()), ["agreements"], fmt="pdf", url=url,
                     use_cache=False)
    pages = " ".join(pdf_pages(pdf.data))
    assert "Seguimiento de compromisos" in pages and "Secreto del Pacífico" not in pages
    national = build_view("agreements", make_context(viewer_for_username("analista", url),
                                                     GlobalFilters(cutoff=last_quarter_end()), "en", url))
    assert national.title == "Agreements follow-up"
    assert {k.key: k.value for k in national.key_figures}["agreements_overdue"] == "2"


def test_acta_pdf_and_docx_list_frozen_figures_and_agreements(demo_store_rw):
    from docx import Document

    url = demo_store_rw
    wipe(url)
    sid, figures = _record(url)
    assert figures and all(f["value"] for f in figures)
    detail = A.session_detail(viewer_for_username("comite", url), sid, url=url)
    now = dt.datetime(2026, 10, 20, 15, 30, tzinfo=dt.UTC)  # 10:30 in Bogotá
    doc = Document(io.BytesIO(acta.acta_docx(detail, "es", now=now)))
    words = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Acta de comité — Comité Caribe de seguimiento" in words
    assert "Participantes: Ana Pérez, Luis Gómez" in words and "Comité: Caribe" in words
    assert f"Fecha: {fmt_date(today())}" in words
    assert "Generada el 20/10/2026 10:30 (hora de Bogotá)" in words
    assert figures[0]["label"] in cells and any(c.startswith(figures[0]["value"]) for c in cells)
    assert "Entregar insumos atrasados" in cells and "⚠ Vencido" in cells and "○ Pendiente" in cells
    assert "Secreto del Pacífico" not in cells
    pdf_text = " ".join(pdf_pages(acta.acta_pdf(detail, "es", now=now)))
    for expected in ("Comité Caribe de seguimiento", "Ana Pérez, Luis Gómez", "Entregar insumos atrasados",
                     "Vencido", figures[0]["label"], "20/10/2026 10:30"):
        assert expected in pdf_text, expected
    english = Document(io.BytesIO(acta.acta_docx(detail, "en", now=now)))
    en_words = "\n".join(p.text for p in english.paragraphs)
    assert "Committee minutes" in en_words and "Generated on 2026-10-20 10:30 (Bogotá time)" in en_words
