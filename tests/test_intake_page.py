"""The «Carga de datos» page under AppTest on both stores: who sees it and which sheet types,
a bad file (problems, confirm disabled, nothing written), a good file (counts, confirm,
rows written, the batch in the history), and no second validation of the same file."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from components.intake.history import local_time
from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.models import ImportBatch, Operator
from data_access.intake import engine
from rules import access
from rules.core.i18n import t
from tests.apptest_utils import all_text, run_app

PAGE = "pages/intake.py"
HEADER = "codigo_operador;nombre;nit;es_psde\n"
GOOD = (HEADER + "NUEVO-1;Operador Nuevo SAS;;si\nNUEVO-2;Servicios Nuevos SAS;;no\n").encode()
BAD = (HEADER + "NUEVO-1;Operador Nuevo SAS;;si\nNUEVO-2;Servicios Nuevos SAS;;quizas\n").encode()


def count(url, model) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def upload(at, name: str, data: bytes):
    uploader = at.get("file_uploader")[0]
    uploader.clear()
    uploader.upload(name, data, "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def confirm_button(at):
    return at.button(key="intake_confirm")


def problems_table(at):
    return next(d.value for d in at.dataframe if "Problema y corrección" in d.value.columns)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_is_listed_only_for_roles_that_import(demo_store):
    listed = {"analista": True, "admin": True, "comite": True, "comite_pac": True, "operador": True,
              "directivo": False}
    for username, expected in listed.items():
        at = run_app(demo_store, username)
        assert not at.exception
        if not expected:
            with pytest.raises(ValueError):
                at.switch_page(PAGE)
            continue
        at.switch_page(PAGE).run()
        assert not at.exception, (username, [e.value for e in at.exception])
        assert at.title[0].value == "Carga de datos", username
        assert at.selectbox(key="intake_entity").options, username


def _offered(url, username) -> tuple[list[str], list[str]]:
    at = run_app(url, username, page=PAGE)
    assert not at.exception
    mine = engine.importable_entities(viewer_for_username(username, url=url))
    return at.selectbox(key="intake_entity").options, [t(f"intake.entity.{e}") for e in mine]


def test_operador_is_offered_only_its_contract_sheets(demo_store):
    options, expected = _offered(demo_store, "operador")
    assert options == expected
    assert "Reportes de ANS" in options
    assert not {"Operadores", "Contratos de operadores", "Focalización municipal", "Hogares"} & set(options)


def test_comite_is_offered_only_its_territorial_sheets(demo_store):
    options, expected = _offered(demo_store, "comite")
    assert options == expected
    assert options == ["Focalización municipal", "Alertas territoriales", "Mapa de activos del territorio",
                       "Cofinanciación de hogares (ruta básica)", "Gestión del conocimiento"]


def test_every_sheet_people_load_is_named_in_both_languages():
    for entity in access.IMPORTS:
        for lang in ("es", "en"):
            assert t(f"intake.entity.{entity}", lang) != f"intake.entity.{entity}", (entity, lang)


def test_a_bad_file_lists_its_problems_disables_confirm_and_writes_nothing(demo_store_rw):
    operators, batches = count(demo_store_rw, Operator), count(demo_store_rw, ImportBatch)
    at = upload(run_app(demo_store_rw, "analista", page=PAGE), "operadores.csv", BAD)
    assert "Archivo rechazado: 1 problema(s). No se guardó nada" in all_text(at)
    row = problems_table(at).iloc[0]
    assert (row["Hoja"], row["Fila"], row["Columna"], row["Valor"]) == ("operadores", 3, "es_psde (D)", "quizas")
    assert "si o no" in row["Problema y corrección"]
    assert confirm_button(at).disabled
    assert "Descargar copia anotada (.xlsx)" in [b.label for b in at.get("download_button")]
    assert (count(demo_store_rw, Operator), count(demo_store_rw, ImportBatch)) == (operators, batches)


def test_a_good_file_shows_its_counts_and_confirm_writes_it_into_the_history(demo_store_rw):
    operators = count(demo_store_rw, Operator)
    at = upload(run_app(demo_store_rw, "analista", page=PAGE), "operadores.csv", GOOD)
    assert "Validación correcta" in all_text(at)
    shown = metrics(at)
    assert {k: shown[k] for k in ("Nuevos", "Actualizados", "Sin cambios")} == {"Nuevos": "2", "Actualizados": "0",
                                                                           "Sin cambios": "0"}
    assert count(demo_store_rw, Operator) == operators  # validation writes nothing
    assert not confirm_button(at).disabled

    confirm_button(at).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Carga completa" in all_text(at)
    with get_engine(demo_store_rw).connect() as conn:
        names = set(conn.execute(select(Operator.name).where(Operator.code.in_(["NUEVO-1", "NUEVO-2"]))).scalars())
    assert names == {"Operador Nuevo SAS", "Servicios Nuevos SAS"}
    history = next(d.value for d in at.dataframe if "SHA-256 completo" in d.value.columns)
    first = history.iloc[0]
    assert (first["Usuario"], first["Tipo de hoja"], first["Archivo"]) == ("analista", "Operadores", "operadores.csv")
    assert first["SHA-256 completo"] == hashlib.sha256(GOOD).hexdigest()
    assert first["SHA-256"] == hashlib.sha256(GOOD).hexdigest()[:12]
    assert first["Conteos"] == "operadores: 2 nuevos, 0 actualizados, 0 sin cambios"
    assert confirm_button(at).disabled  # loaded once: no second batch from a second click


def test_a_file_already_loaded_cannot_be_confirmed(demo_store_rw):
    analista = viewer_for_username("analista", url=demo_store_rw)
    assert engine.import_file("operators", GOOD, "operadores.csv", analista, demo_store_rw).changed
    at = upload(run_app(demo_store_rw, "analista", page=PAGE), "operadores.csv", GOOD)
    assert "Sin cambios: todo el archivo ya está cargado" in all_text(at)
    assert confirm_button(at).disabled


def test_the_same_upload_is_validated_once_across_reruns(demo_store_rw, monkeypatch):
    calls = []
    real = engine.import_file

    def counting(*args, **kwargs):
        calls.append(kwargs.get("dry_run", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "import_file", counting)
    at = upload(run_app(demo_store_rw, "analista", page=PAGE), "operadores.csv", BAD)
    at.run()
    at.run()
    assert not at.exception
    assert calls == [True]


def test_history_times_are_bogota_wall_time():
    assert local_time(dt.datetime(2026, 1, 1, 3, 30), "es") == "31/12/2025 22:30"
    assert local_time(dt.datetime(2026, 1, 1, 3, 30, tzinfo=dt.UTC), "en") == "2025-12-31 22:30"


@pytest.fixture(autouse=True)
def _close_pools():
    """Give back this test's store connections (the PostgreSQL server is shared)."""
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()


def test_the_uploader_states_the_configured_size_limit_above_a_national_stage_file(demo_store):
    """A national «etapas» CSV is ≈ 100 MB: Streamlit's 200 MB default would be close; the
    limit comes from .streamlit/config.toml and the page says it in the user's words."""
    import tomllib
    from pathlib import Path

    limit = tomllib.loads(Path(".streamlit/config.toml").read_text())["server"]["maxUploadSize"]
    assert limit >= 400
    at = run_app(demo_store, "analista", page=PAGE)
    assert f"hasta {limit} MB por archivo" in at.get("file_uploader")[0].proto.help
