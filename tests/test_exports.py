"""Committee pack (PPTX and PDF), chart PNGs and the export CLI, on both stores.

The generated files are opened and read back: python-pptx for the PPTX; for the PDF a
small reader below (inflates the content streams, decodes the text through each font's
ToUnicode map) — no PDF library is a project dependency.
"""

from __future__ import annotations

import io
import re
import zlib

import pytest
from click.testing import CliRunner
from pptx import Presentation

from data_access.core.auth import viewer_for_username
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Municipality
from exports import charts
from exports.content import VIEWS, parse_views
from exports.pack import build_pack
from tests.test_overview import CUT, office_ids, seed_small

TITLES_ES = [
    "Resumen ejecutivo", "Mapa territorial", "Embudos de las rutas", "Cumplimiento de ANS de operadores",
    "Indicador de alianzas productivas (18 meses)", "Alertas territoriales abiertas", "Seguimiento de compromisos",
]
TITLES_EN = [
    "Executive overview", "Territorial map", "Route funnels", "Operator SLA (ANS) compliance",
    "Productive alliance indicator (18 months)", "Open territorial alerts", "Agreements follow-up",
]


# ------------------------------------------------------------------------ file readers


def pptx_slides(data: bytes) -> list[dict]:
    prs = Presentation(io.BytesIO(data))
    out = []
    for slide in prs.slides:
        texts, pictures, tables = [], 0, []
        for shape in slide.shapes:
            if shape.shape_type == 13:  # picture
                pictures += 1
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                tables.append([[c.text for c in row.cells] for row in shape.table.rows])
        out.append({"title": slide.shapes.title.text, "text": "\n".join(texts), "pictures": pictures,
                    "tables": tables, "notes": slide.notes_slide.notes_text_frame.text})
    return out


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S)}


def _stream(obj: bytes) -> bytes:
    m = re.search(rb"stream\r?\n(.*?)\r?\nendstream", obj, re.S)
    if not m:
        return b""
    raw = m.group(1)
    return zlib.decompress(raw) if b"FlateDecode" in obj else raw


def _cmap(data: bytes) -> dict[int, str]:
    out = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for a, b, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(start + i)
    return out


def _unescape(s: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == 0x5C:  # backslash
            i += 1
            n = s[i]
            if n in b"01234567":
                j = i
                while j < len(s) and j < i + 3 and s[j] in b"01234567":
                    j += 1
                out.append(int(s[i:j], 8) & 0xFF)
                i = j
                continue
            out += {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
                    ord("f"): b"\f"}.get(n, bytes([n]))
        else:
            out.append(c)
        i += 1
    return bytes(out)


def pdf_pages(pdf: bytes) -> list[str]:
    """Text of every page (fpdf2 output with TrueType fonts: 2-byte glyph codes + ToUnicode)."""
    objs = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    for obj in objs.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", obj):
            font = objs.get(int(ref), b"")
            tu = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if tu:
                fonts[name] = _cmap(_stream(objs[int(tu.group(1))]))
    pages = []
    page_ids = [i for i, o in sorted(objs.items()) if re.search(rb"/Type\s*/Page\b(?!s)", o)]
    for pid in page_ids:
        contents = re.search(rb"/Contents (\d+) 0 R", objs[pid])
        stream = _stream(objs[int(contents.group(1))]) if contents else b""
        current: dict[int, str] = {}
        words = []
        for m in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|\[(.*?)\]\s*TJ", stream, re.S):
            if m.group(1):
                current = fonts.get(m.group(1), {})
                continue
            chunks = [m.group(2)] if m.group(2) is not None else re.findall(rb"\(((?:\\.|[^\\)])*)\)", m.group(3))
            text = ""
            for chunk in chunks:
                raw = _unescape(chunk)
                text += "".join(current.get(int.from_bytes(raw[k:k + 2], "big"), "?")
                                for k in range(0, len(raw) - 1, 2))
            words.append(text)
        pages.append(" ".join(words))
    return pages


# ------------------------------------------------------------------------------- tests


def test_parse_views_aliases():
    assert parse_views("resumen,mapa,ans,overview,nada") == ["overview", "map", "sla"]
    assert parse_views(None) == list(VIEWS)


def test_national_pack_pptx_and_pdf(empty_store):
    seed_small(empty_store)
    viewer = viewer_for_username("directivo", url=empty_store)
    f = GlobalFilters(cutoff=CUT)
    pptx = build_pack(viewer, f, list(VIEWS), "pptx", url=empty_store)
    slides = pptx_slides(pptx.data)
    assert len(slides) == 7
    assert [s["title"] for s in slides] == TITLES_ES
    for s in slides:
        assert "Corte: 30/09/2026" in s["text"]
        assert "Alcance: Nacional" in s["text"]
        assert "Filtros: ninguno" in s["text"]
        assert "Definición:" in s["text"] and "Fuente de datos:" in s["text"]
        # every view has its chart (the map from stored boundaries); the agreements view is a table
        assert s["pictures"] == (0 if s["title"] == "Seguimiento de compromisos" else 1), s["title"]
    assert "Hogares atendidos" in slides[0]["text"] and "▲" not in slides[0]["text"]
    assert "$ 150.000.000" in slides[0]["text"]  # cofinancing committed, es-CO format
    assert "+$ 50.000.000 vs T2 2026" in slides[0]["text"]
    # the small seed's few plans are «n pequeño»: stated in words, neither ✔ nor ✖
    assert "n pequeño (" in slides[4]["text"] and "Cumple la meta" not in slides[4]["text"]

    # the PDF holds the same content
    pdf = build_pack(viewer, f, list(VIEWS), "pdf", url=empty_store)
    assert pdf.data.startswith(b"%PDF")
    pages = pdf_pages(pdf.data)
    assert len(pages) == 7
    for title, page in zip(TITLES_ES, pages):
        assert title in page
        assert "Corte: 30/09/2026" in page
        assert "Alcance: Nacional" in page
        assert "Fuente de datos" in page
    assert pdf.data.count(b"/Subtype /Image") >= 6


def test_pack_reuses_the_views_pages_built_until_the_data_changes(empty_store):
    from data_access.core import versions
    from exports.content import build_view, shared_context

    seed_small(empty_store)
    viewer = viewer_for_username("directivo", url=empty_store)
    f = GlobalFilters(cutoff=CUT)
    shown = build_view("overview", shared_context(viewer, f, "es", empty_store))  # what the overview page did
    pack = build_pack(viewer, f, ["overview", "alerts"], "pptx", url=empty_store, images={})
    assert pack.slides[0] is shown  # reused, not computed again
    assert build_pack(viewer, f, ["overview"], "pptx", url=empty_store, images={},
                      use_cache=False).slides[0] is not shown
    with session_scope(empty_store, write=True) as s:
        versions.bump(s, "alerts")  # any write to the store
    again = build_pack(viewer, f, ["overview"], "pptx", url=empty_store, images={})
    assert again.slides[0] is not shown
    assert [k.value for k in again.slides[0].key_figures] == [k.value for k in shown.key_figures]


def test_regional_pack_holds_nothing_outside_its_office(empty_store):
    info = seed_small(empty_store)
    viewer = viewer_for_username("comite", url=empty_store)
    f = GlobalFilters(cutoff=CUT)
    result = build_pack(viewer, f, ["overview", "map", "funnels", "sla", "alliance", "alerts"], "pptx",
                        url=empty_store)
    slides = pptx_slides(result.data)
    assert len(slides) == 6
    everything = "\n".join(s["text"] + "\n".join("|".join(r) for t in s["tables"] for r in t) for s in slides)
    for s in slides:
        assert "Alcance: Oficina regional Caribe" in s["text"]
        assert "Corte: 30/09/2026" in s["text"]
    for outside in ("Pacífico", "76001", "Cali", "Operador Pacífico", "Nacional"):
        assert outside not in everything, outside
    # the numbers are the office's (3 households), not the nation's (4)
    overview = result.slides[0]
    households = next(k for k in overview.key_figures if k.key == "households")
    assert households.value == "3"
    # the map draws only the office's municipalities
    codes = {c for tr in result.slides[1].figure.data for c in (tr.meta or {}).get("codes", [])}
    assert codes == {"08001", "13001"}
    # the ANS chart lists only the office's operator
    assert list(result.slides[3].figure.data[0].y) == ["Operador Andino"]
    assert info["offices"]["CAR"]


def test_map_without_boundaries_is_a_table_slide(empty_store):
    seed_small(empty_store, with_boundaries=False)
    viewer = viewer_for_username("analista", url=empty_store)
    result = build_pack(viewer, GlobalFilters(cutoff=CUT), ["map"], "pptx", url=empty_store)
    (slide,) = pptx_slides(result.data)
    assert slide["title"] == "Mapa territorial"
    assert slide["pictures"] == 0
    assert "No hay límites municipales cargados" in slide["text"]
    assert slide["tables"] and slide["tables"][0][0][0] == "Código DANE"
    pdf = build_pack(viewer, GlobalFilters(cutoff=CUT), ["map"], "pdf", url=empty_store)
    (page,) = pdf_pages(pdf.data)
    assert "No hay límites municipales cargados" in page and "Código DANE" in page


def test_english_pack(empty_store):
    seed_small(empty_store)
    viewer = viewer_for_username("comite_pac", url=empty_store)
    result = build_pack(viewer, GlobalFilters(cutoff=CUT), list(VIEWS), "pdf", lang="en", url=empty_store)
    pages = pdf_pages(result.data)
    assert len(pages) == 7
    for title, page in zip(TITLES_EN, pages):
        assert title in page
        assert "Cut-off: 2026-09-30" in page
        assert "Scope: Regional office Pacífico" in page
    assert "No data" in pages[4]  # the alliance indicator cannot be computed there: said in words


def test_chart_png_and_cli(empty_store, monkeypatch, tmp_path):
    seed_small(empty_store)
    png = charts.render_png(charts.compliance_bars(["A"], [50.0], ["50 %"], 80.0, "Meta", "x"))
    assert png.startswith(b"\x89PNG")

    from cli.main import tablero

    monkeypatch.setenv("DATABASE_URL", empty_store)
    out = tmp_path / "pack.pdf"
    res = CliRunner().invoke(tablero, ["export", "pack", "--views", "overview,alliance,ans", "--format", "pdf",
                                       "--out", str(out), "--as-of", "2026-09-30", "--as-user", "comite"])
    assert res.exit_code == 0, res.output
    assert "3 diapositivas" in res.output and "Oficina regional Caribe" in res.output
    pages = pdf_pages(out.read_bytes())
    assert [TITLES_ES[0] in pages[0], TITLES_ES[4] in pages[1], TITLES_ES[3] in pages[2]] == [True] * 3
    bad = CliRunner().invoke(tablero, ["export", "pack", "--views", "nada", "--out", str(out)])
    assert bad.exit_code != 0 and "Ninguna vista válida" in bad.output
    bad_date = CliRunner().invoke(tablero, ["export", "pack", "--out", str(out), "--as-of", "30/09/2026"])
    assert bad_date.exit_code != 0 and "AAAA-MM-DD" in bad_date.output


def _square_boundaries(url: str) -> None:
    """One square per municipality of the catalogue as the active boundary set."""
    import datetime as dt

    from data_access.core.models import BoundarySet
    from tests.test_overview import square_topojson

    with session_scope(url, write=True) as s:
        codes = [c for (c,) in s.query(Municipality.code).order_by(Municipality.code)]
        s.add(BoundarySet(vintage="cuadros", source_name="prueba", imported_at=dt.datetime(2026, 1, 1),
                          municipal_topojson=square_topojson(codes), department_geojson="{}", active=True))


def test_regional_pack_on_demo_store(demo_store_rw):
    demo_store = demo_store_rw
    _square_boundaries(demo_store)
    viewer = viewer_for_username("comite", url=demo_store)
    nat = viewer_for_username("directivo", url=demo_store)
    car = office_ids(demo_store)["CAR"]
    f = GlobalFilters(cutoff=CUT)
    result = build_pack(viewer, f, list(VIEWS), "pptx", url=demo_store)
    slides = pptx_slides(result.data)
    assert len(slides) == 7 and [s["title"] for s in slides] == TITLES_ES
    with session_scope(demo_store) as s:
        office_codes = {c for (c,) in s.query(Municipality.code).filter(Municipality.regional_office_id == car)}
    codes = {c for tr in result.slides[1].figure.data for c in (tr.meta or {}).get("codes", [])}
    assert codes and codes <= office_codes
    table = result.slides[1].table
    assert set(table["Código DANE"]) <= office_codes
    # the comité's pack equals the national one narrowed to its office, figure by figure
    national_car = build_pack(nat, f.with_(regional_office_id=car), ["overview"], "pptx", url=demo_store)
    mine = {k.key: k.value for k in result.slides[0].key_figures}
    theirs = {k.key: k.value for k in national_car.slides[0].key_figures}
    assert mine == theirs
    text = "\n".join(s["text"] for s in slides)
    assert "Alcance: Oficina regional Caribe" in text and "Alcance: Nacional" not in text


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()


def test_the_pack_cards_carry_their_targets_as_the_page_does(demo_store):
    """The overview slide's cards say each target, % of target and status, like the page's cards:
    icons a text font can draw in the PDF."""
    from exports.content import build_view, make_context

    viewer = viewer_for_username("directivo", demo_store)
    filters = GlobalFilters(cutoff=CUT)
    lines = [k.target for k in build_view("overview", make_context(viewer, filters, "es", demo_store)).key_figures
             if k.target]
    assert lines and all("de la meta" in line for line in lines)
    slides = pptx_slides(build_pack(viewer, filters, ["overview"], "pptx", url=demo_store, images={}).data)
    text = " ".join(s["text"] for s in slides)
    assert all(line in text for line in lines)
    pdf = " ".join(pdf_pages(build_pack(viewer, filters, ["overview"], "pdf", url=demo_store, images={}).data))
    assert "de la meta" in pdf and not any(emoji in pdf for emoji in ("✅", "🔻"))
