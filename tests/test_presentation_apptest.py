"""Presentation mode under AppTest: the URL state (views, slide, filters), navigation,
roles, and the printed cut-off / scope / filters on the slide."""

from __future__ import annotations

import pytest

from tests.apptest_utils import all_text, run_app
from tests.test_overview import seed_small


def _slide_header(at) -> str:
    return next(m.value for m in at.markdown if "<h1 class=\"tb-slide-title\">" in str(m.value))


def test_url_state_navigation_and_scope(empty_store):
    seed_small(empty_store)
    at = run_app(empty_store, "comite", page="pages/presentation.py",
                 query={"vistas": "alianzas,resumen,nada", "slide": "2", "corte": "2026-09-30", "ruta": "basica"})
    assert not at.exception, [e.value for e in at.exception]
    text = all_text(at)
    assert "Diapositiva 2 de 2" in text
    header = _slide_header(at)
    assert "Resumen ejecutivo" in header
    assert "Corte: 30/09/2026" in header and "Alcance: Oficina regional Caribe" in header
    assert "Ruta: Ruta básica" in header
    assert at.query_params["vistas"] in ("alliance,overview", ["alliance,overview"])  # canonical, unknown view dropped
    assert str(at.query_params["slide"]).strip("[]'") == "2"
    # (clicks, keys and the timer run in a fragment: covered in Chromium, test_presentation_browser)
    at = run_app(empty_store, "comite", page="pages/presentation.py",
                 query={"vistas": "alliance,overview", "slide": "9", "corte": "2026-09-30"})
    assert "Diapositiva 2 de 2" in all_text(at)  # out of range: the last slide


def test_english_and_bad_link(empty_store):
    seed_small(empty_store)
    at = run_app(empty_store, "directivo", page="pages/presentation.py",
                 query={"vistas": "map", "lang": "en", "corte": "2026-09-30"})
    assert not at.exception
    header = _slide_header(at)
    assert "Territorial map" in header and "Cut-off: 2026-09-30" in header and "Scope: National" in header
    at = run_app(empty_store, "directivo", page="pages/presentation.py", query={"vistas": "nada"})
    # no valid view in the link: all the views (the default), never an error page
    assert not at.exception
    assert "Diapositiva 1 de 7" in all_text(at)  # every view of exports.content.VIEWS
    assert "no trae vistas válidas" in all_text(at)


def test_operator_has_no_presentation(empty_store):
    import pytest

    seed_small(empty_store)
    # the page is not registered in the operador's navigation at all
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        run_app(empty_store, "operador", page="pages/presentation.py")


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()
