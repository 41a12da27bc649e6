"""Alliance page under AppTest, per role, on the demo store (both stores)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from components.alliance.lists import full_at_risk, full_plan_list
from components.core.context import PageContext
from data_access.alliance import queries as al
from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import Department, Municipality, RegionalOffice
from rules.core.calendar import last_quarter_end
from rules.core.formatting import fmt_int, fmt_pct
from tests.apptest_utils import all_text, run_app

PAGE = "pages/alliance.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cutoff() -> dt.date:
    return last_quarter_end()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def bar_labels(at) -> list[str]:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    bars = [c for c in charts if c["data"][0].get("type") == "bar"]
    assert len(bars) == 1
    return list(bars[0]["data"][0]["y"])


def office_scope(url: str, code: str):
    with get_engine(url).connect() as conn:
        office = conn.execute(select(RegionalOffice.id, RegionalOffice.name).where(RegionalOffice.code == code)).one()
        munis = dict(conn.execute(select(Municipality.code, Municipality.name)
                                  .where(Municipality.regional_office_id == office.id)).all())
        depts = set(conn.execute(select(Department.name).where(Department.code.in_(
            select(Municipality.department_code).where(Municipality.regional_office_id == office.id)))).scalars())
    return office, munis, depts


@pytest.mark.parametrize("username", ["directivo", "analista", "comite", "comite_pac", "operador", "admin"])
def test_page_per_role(demo_store, username):
    viewer = viewer_for_username(username, url=demo_store)
    head = al.indicator(viewer, GlobalFilters(cutoff=cutoff()), url=demo_store)
    at = run_app(demo_store, username, page=PAGE)
    assert not at.exception
    text = all_text(at)
    m = metrics(at)
    assert m["OPR en alianza a los 18 meses"] == fmt_pct(head.percent, 1)
    assert m["Numerador"] == fmt_int(head.numerator) and m["Denominador"] == fmt_int(head.denominator)
    assert m["Pendientes"] == fmt_int(head.pending) and m["No ejecutados"] == fmt_int(head.not_executed)
    light = {"sin_datos": "ℹ️ Sin datos", "cumple": "✅ Cumple", "no_cumple": "⚠️ No cumple",
             "n_pequeno": f"n pequeño ({head.denominator} < 5)"}[head.status]
    assert light in text  # traffic light in text, not colour only
    assert "meta ≥ 80 %" in text
    assert "Corte: 30/09/2026" in text and f"Alcance: {viewer.scope_label}" in text
    assert "+ 18 meses calendario" in text and "180 días" in text  # the rule with its parameters
    can_import = username in ("analista", "admin")
    assert ("Importar matriz de seguimiento a OPRs" in text) is can_import
    assert any(b.label == "Importar" for b in at.get("form_submit_button")) is can_import
    assert any(getattr(b, "proto", None) and b.proto.label == "Descargar plantilla vacía"
               for b in at.get("download_button")) is can_import


def test_comite_sees_only_its_office_in_every_drill_down_and_download(demo_store):
    office, munis, depts = office_scope(demo_store, "CAR")
    viewer = viewer_for_username("comite", url=demo_store)
    assert viewer.regional_office_id == office.id
    f = GlobalFilters(cutoff=cutoff())
    head = al.indicator(viewer, f, url=demo_store)
    assert head.denominator + head.pending + head.not_executed > 0
    at = run_app(demo_store, "comite", page=PAGE)
    assert not at.exception
    at.toggle(key="al_show_dim_table").set_value(True).run()
    expected = {"regional_office": {office.name}, "department": depts, "municipality": set(munis.values())}
    for dim in al.DIMENSIONS:
        at.radio(key="al_dim").set_value(dim).run()
        assert not at.exception
        labels = set(bar_labels(at))
        if dim in expected:
            assert labels <= expected[dim], (dim, labels - expected[dim])
        table = next(d.value for d in at.dataframe if "Grupo" in d.value.columns)  # the drill-down table
        assert table["Denominador"].sum() == head.denominator, dim
        assert table["Pendientes"].sum() == head.pending, dim
        assert table["No ejecutados"].sum() == head.not_executed, dim
    # the PN list on screen and every download: only the office's municipalities
    for which in al.LIST_FILTERS:
        at.selectbox(key="al_list_which").set_value(which).run()
        frames = [d.value for d in at.dataframe if "Código municipio" in d.value.columns]
        for frame in frames:
            assert set(frame["Código municipio"]) <= set(munis)
    ctx = PageContext(viewer=viewer, filters=f, url=demo_store)
    for which in al.LIST_FILTERS:
        frame = full_plan_list(ctx, which, ())
        assert set(frame["Código municipio"]) <= set(munis)
    everything = full_plan_list(ctx, "all", ())
    assert len(everything) == head.denominator + head.pending + head.not_executed
    risk = full_at_risk(ctx, (), dt.date(2026, 11, 23))
    assert set(risk["Código municipio"]) <= set(munis)
    # asking for another office through the URL is dropped with a neutral notice: never its data or name
    noc, _, _ = office_scope(demo_store, "NOC")
    at = run_app(demo_store, "comite", page=PAGE, query={"al_regional_office": str(noc.id)})
    assert not at.exception
    m = metrics(at)
    assert (m["Denominador"], m["Pendientes"], m["No ejecutados"]) == tuple(
        fmt_int(n, "es") for n in (head.denominator, head.pending, head.not_executed))
    assert "fuera de su alcance (Oficina regional)" in all_text(at) and noc.name not in all_text(at)
    assert "al_regional_office" not in at.query_params


def test_drill_down_from_url_and_selector(demo_store):
    car, munis, _ = office_scope(demo_store, "CAR")
    viewer = viewer_for_username("directivo", url=demo_store)
    f = GlobalFilters(cutoff=cutoff())
    drilled = al.indicator(viewer, f, (("regional_office", str(car.id)),), url=demo_store)
    at = run_app(demo_store, "directivo", page=PAGE, query={"al_regional_office": str(car.id)})
    assert not at.exception
    assert metrics(at)["Denominador"] == fmt_int(drilled.denominator)
    assert f"Oficina regional: {car.name}" in all_text(at)  # the drill is named in the figure notes
    # drill further with the keyboard-accessible selector under the chart
    at.radio(key="al_dim").set_value("ventana").run()
    at.selectbox(key="al_pick_ventana").set_value("2").run()
    assert at.query_params["al_ventana"] == ["2"] or at.query_params["al_ventana"] == "2"
    both = al.indicator(viewer, f, (("regional_office", str(car.id)), ("ventana", "2")), url=demo_store)
    assert metrics(at)["Denominador"] == fmt_int(both.denominator)
    assert set(bar_labels(at)) == {"Ventana 2"}
    # ✕ removes one drill, keeping the other
    at.button(key="al_chip_ventana").click().run()
    assert metrics(at)["Denominador"] == fmt_int(drilled.denominator)
    at.button(key="al_chip_all").click().run()
    head = al.indicator(viewer, f, url=demo_store)
    assert metrics(at)["Denominador"] == fmt_int(head.denominator)


def test_sin_datos_and_english(demo_store):
    at = run_app(demo_store, "directivo", page=PAGE, query={"corte": "2023-06-30"})
    assert not at.exception
    m = metrics(at)
    assert m["OPR en alianza a los 18 meses"] == "sin datos" and m["Denominador"] == "0"
    assert "ℹ️ Sin datos" in all_text(at)
    at = run_app(demo_store, "directivo", page=PAGE, query={"lang": "en"})
    assert not at.exception
    assert "Productive alliances indicator (18 months)" in all_text(at)
    assert "OPR in alliance at 18 months" in metrics(at)


def test_every_alliance_key_has_both_languages():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "locales" / "alliance.json"
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    assert all(k.startswith("alliance.") for k in catalogue)
    assert all(v.get("es") and v.get("en") for v in catalogue.values())


def test_fast_chart_formatters_match_rules_formatting():
    from components.alliance import charts as C
    from rules.core import formatting as F

    for v in (0, 5, 999, 1234, 1234567, 99999999, -4500):
        for lang in ("es", "en"):
            assert C.fmt_int(v, lang) == F.fmt_int(v, lang)
            assert C.fmt_money(v, lang) == F.fmt_money(v, lang)
    for v in (None, 0.0, 0.05, 2.25, 66.666, 80.0, 100.0, 1234.56):
        for lang in ("es", "en"):
            assert C.fmt_pct(v, 1, lang) == F.fmt_pct(v, 1, lang)
    assert C.fmt_int(None) == "sin datos"


def import_button(at):
    """The matrix form's «Importar» (the page has other forms: comments on the indicator)."""
    return next(b for b in at.get("form_submit_button") if b.proto.label == "Importar")


def test_upload_form_all_or_nothing_then_import(demo_store_rw):
    from data_access.core.models import BusinessPlan, Operator
    from tests.test_tracking_matrix import workbook

    url = demo_store_rw
    with get_engine(url).connect() as conn:
        psde = conn.execute(select(Operator.code).order_by(Operator.id)).scalars().first()
        n_before = conn.execute(select(func.count()).select_from(BusinessPlan)).scalar()
    plans = [["PN-NUEVO-1", "900123456-8", "Asociación Nueva", 1, 5001, "Café", psde, "2025-01-15", None, None]]
    evidence = [["PN-NUEVO-1", "contrato", "comercial", "Comprador", "2025-02-01", None, "CT-1"]]
    bad = [list(plans[0])]
    bad[0][4] = "99999"
    at = run_app(url, "analista", page=PAGE)
    before = metrics(at)["No ejecutados"]
    at.get("file_uploader")[0].upload("matriz.xlsx", workbook(bad, evidence), XLSX)
    import_button(at).click().run()
    assert not at.exception
    text = all_text(at)
    assert "Archivo rechazado: 1 problema(s). No se guardó nada" in text
    problems = next(d.value for d in at.dataframe if "Hoja" in d.value.columns)
    assert problems.iloc[0]["Hoja"] == "planes_negocio" and problems.iloc[0]["Fila"] == 2
    assert problems.iloc[0]["Columna"] == "cod_municipio (E)"
    with get_engine(url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(BusinessPlan)).scalar() == n_before

    at.get("file_uploader")[0].upload("matriz.xlsx", workbook(plans, evidence), XLSX)
    import_button(at).click().run()
    assert not at.exception
    assert "Carga completa: planes_negocio: 1 nuevos" in all_text(at)
    assert metrics(at)["No ejecutados"] == fmt_int(int(before.replace(".", "")) + 1)  # figures re-read
    at.get("file_uploader")[0].upload("matriz.xlsx", workbook(plans, evidence), XLSX)
    import_button(at).click().run()
    assert "Sin cambios" in all_text(at)
