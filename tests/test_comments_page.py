"""Comments on the pages (AppTest, both stores): post one under the overview cards and read it there;
another office's comité does not; the alliance headline keeps its own thread."""

from __future__ import annotations

from data_access.core.auth import viewer_for_username
from data_access.results import comments as C
from tests.apptest_utils import all_text, run_app


def _post(at, key: str, text: str) -> None:
    at.text_area(key=f"cm_text_{key}").input(text)
    next(b for b in at.button if b.label == "Publicar comentario").click()
    at.run()


def _expander_labels(at) -> list[str]:
    return [e.label for e in at.expander]


def test_comment_on_the_overview_is_seen_in_scope(demo_store_rw):
    url = demo_store_rw
    at = run_app(url, "comite", page="pages/overview.py")
    assert not at.exception
    assert "Comentarios (0)" in _expander_labels(at)
    first = at.selectbox(key="cm_fig_overview").options[0]
    _post(at, "overview", "Revisar la cifra con la oficina")
    assert not at.exception
    assert "Comentarios (1)" in _expander_labels(at)
    text = all_text(at)
    assert "Comentario publicado." in text and "Revisar la cifra con la oficina" in text
    assert "comite ·" in text and "valor mostrado:" in text
    (row,) = C.thread(viewer_for_username("comite", url), None, url)
    assert row["figure"].startswith("overview.") and row["value_text"]
    assert row["filters"]["cutoff"] == row["cutoff"].isoformat()
    assert f"**{first}** · hoy: {row['value_text']}" in text  # the thread names its card and today's value

    other = run_app(url, "comite_pac", page="pages/overview.py")
    assert "Comentarios (0)" in _expander_labels(other)
    assert "Revisar la cifra con la oficina" not in all_text(other)
    national = run_app(url, "directivo", page="pages/overview.py")
    assert "Comentarios (1)" in _expander_labels(national)
    assert "Revisar la cifra con la oficina" in all_text(national)


def test_alliance_headline_thread(demo_store_rw):
    url = demo_store_rw
    at = run_app(url, "directivo", page="pages/alliance.py")
    assert not at.exception
    _post(at, "alliance.headline", "Meta del 80 % lejana")
    assert not at.exception
    assert "Meta del 80 % lejana" in all_text(at)
    (row,) = C.thread(viewer_for_username("directivo", url), "alliance.headline", url)
    assert row["value_text"].endswith("%")
    empty = C.thread(viewer_for_username("directivo", url), "overview.households", url)
    assert empty == []


def test_ans_score_thread_for_the_operator(demo_store_rw):
    url = demo_store_rw
    at = run_app(url, "operador", page="pages/sla.py", query={"corte": "2026-09-30"})
    assert not at.exception
    key = next(k for k in (w.key for w in at.text_area) if k and k.startswith("cm_text_sla.score."))
    _post(at, key.removeprefix("cm_text_"), "El ANS de entregas se corrige en el próximo reporte")
    assert not at.exception
    assert "El ANS de entregas se corrige en el próximo reporte" in all_text(at)
    me = viewer_for_username("operador", url)
    (row,) = C.thread(me, None, url)
    assert row["figure"] == key.removeprefix("cm_text_") and row["operator_id"] == me.operator_id
    assert row["value_text"] and row["filters"]["cutoff"] == "2026-09-30"
