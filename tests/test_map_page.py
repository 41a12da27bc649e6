"""The territorial map page under AppTest, per role, on the demo store with the real DANE
boundaries (SQLite and PostgreSQL): scope of every figure sent to the browser, the
profile beside the map, no CDN, escaping, the payload budget, and the page without
boundaries. ``st_folium`` does not render under AppTest: its arguments (the whole map
script) are read from the component element, a click is simulated through its key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, union, update

from components.map.choropleth import read_payload
from components.map.view import MAP_KEY
from data_access.core.db import get_engine, session_scope
from data_access.core.models import BusinessPlan, Enrolment, Municipality, Operator, RegionalOffice
from data_access.map.queries import METRICS
from geodata.topology import PAYLOAD_BUDGET
from tests.apptest_utils import all_text, run_app
from tests.mapstore import demo_geo_copy, demo_geo_template

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def map_store(store_factory) -> str:
    return demo_geo_template(store_factory).url


def _component(at):
    comps = at.get("component_instance")
    assert len(comps) == 1, "the map component is missing"
    return json.loads(comps[0].proto.json_args), len(comps[0].proto.json_args.encode("utf-8"))


def _payload(at):
    args, size = _component(at)
    geo, data = read_payload(args["script"])
    return args, size, geo, data


def _click(at, code: str, n: int):
    at.session_state[MAP_KEY] = {"last_active_drawing": {"type": "Feature", "properties": {"c": code, "n": n},
                                                           "geometry": None}}
    at.run()
    assert not at.exception, at.exception


def _codes(url, stmt) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(conn.scalars(stmt))


def _office_codes(url, office_code: str) -> set[str]:
    return _codes(url, select(Municipality.code)
                  .join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
                  .where(RegionalOffice.code == office_code))


def _operator_codes(url, username: str) -> set[str]:
    from data_access.core.auth import viewer_for_username

    viewer = viewer_for_username(username, url=url)
    return _codes(url, union(
        select(Enrolment.municipality_code).where(Enrolment.operator_id == viewer.operator_id),
        select(BusinessPlan.municipality_code).where(BusinessPlan.psde_operator_id == viewer.operator_id),
    ))


def _assert_no_cdn(args):
    links = args["js_links"] + args["css_links"]
    assert links and all(link.startswith("/app/static/vendor/") for link in links), links
    for part in ("script", "header", "html"):
        assert "http://" not in args[part] and "https://" not in args[part], part
    assert "d3" not in " ".join(links)


ROLES = {  # demo username → role
    "directivo": "directivo",
    "analista": "analista_pmo",
    "comite": "comite_regional",
    "operador": "operador",
    "admin": "admin",
}


@pytest.mark.parametrize("username", list(ROLES))
def test_map_and_profile_per_role(map_store, username):
    at = run_app(map_store, username, page="pages/map.py")
    assert not at.exception, at.exception
    assert "Mapa territorial" in all_text(at)
    args, size, geo, data = _payload(at)
    _assert_no_cdn(args)
    assert size <= PAYLOAD_BUDGET, f"map payload {size} bytes"
    assert len(geo["c"].split(",")) == 1122  # the whole country is drawn for everybody
    values = set(data["v"])
    all_codes = _codes(map_store, select(Municipality.code))
    if ROLES[username] in ("directivo", "analista_pmo", "admin"):
        expected = all_codes
    elif username == "comite":
        expected = _office_codes(map_store, "CAR")
    else:
        expected = _operator_codes(map_store, username)
    assert values == expected and values
    assert {a[5] for a in data["al"] or []} <= values

    inside = sorted(values)[len(values) // 2]
    _click(at, inside, 1)
    name = dict(_codes_names(map_store))[inside]
    text = all_text(at)
    assert name in text and inside in text
    labels = [m.label for m in at.metric]
    assert "Hogares" in labels and "Planes de negocio (PN)" in labels
    links = at.get("page_link")
    assert links and all(f"mpio={inside}" in link.proto.query_string for link in links)
    assert {link.proto.page for link in links} == {"rutas", "alianzas", "ans", ""}  # "" = the default page (resumen)
    if username in ("comite", "operador"):
        outside = sorted(all_codes - values)[0]
        _click(at, outside, 2)
        assert not at.metric, "no figure of a municipality outside the scope"
        assert any("fuera de su alcance" in w.value for w in at.warning)


def _codes_names(url):
    with get_engine(url).connect() as conn:
        return conn.execute(select(Municipality.code, Municipality.name)).all()


def test_comite_sees_no_figure_outside_its_office(map_store):
    """Acceptance 4: for every metric, what the browser receives and the profile carry
    values only for the municipalities of the comité's own office."""
    office = _office_codes(map_store, "CAR")
    at = run_app(map_store, "comite", page="pages/map.py")
    assert not at.exception
    at.toggle(key="map_table").set_value(True).run()  # the figures as a table too
    assert len(at.selectbox(key="map_metric").options) == len(METRICS)
    for metric in METRICS:
        at.selectbox(key="map_metric").set_value(metric).run()
        assert not at.exception, (metric, at.exception)
        args, size, geo, data = _payload(at)
        assert set(data["v"]) <= office, metric
        assert set(filter(None, data["f"].split(","))) <= office
        assert {a[5] for a in data["al"] or []} <= office
        table = at.dataframe[-1].value
        assert set(table.iloc[:, 0]) <= office, metric
    outside = "05001"  # Medellín, Noroccidente
    assert outside not in office
    _click(at, outside, 7)
    assert not at.metric
    assert all("05001" not in str(df.value.to_dict()) for df in at.dataframe)
    _click(at, "13001", 8)  # Cartagena, Caribe: its own
    assert at.metric and "Cartagena" in all_text(at)


def test_every_metric_renders_within_budget(map_store):
    at = run_app(map_store, "directivo", page="pages/map.py")
    for key in METRICS:
        at.selectbox(key="map_metric").set_value(key).run()
        assert not at.exception, (key, at.exception)
        args, size, geo, data = _payload(at)
        assert size <= PAYLOAD_BUDGET, (key, size)
        legend = [m.value for m in at.markdown if "tablero-legend" in m.value]
        assert len(legend) == 1 and "tl-row" in legend[0], key  # beside the map, not over it
        unit = METRICS[key].unit
        sample = next(v for v in data["v"].values())
        if unit == "money":
            assert sample[1].startswith("$")
        if unit == "pct" and sample[1] != "sin datos":
            assert sample[1].endswith("%")


def test_filters_zoom_and_grey_out(map_store):
    at = run_app(map_store, "directivo", page="pages/map.py", query={"depto": "05"})
    assert not at.exception
    args, size, geo, data = _payload(at)
    assert data["focus"] and all(c.startswith("05") for c in data["focus"])
    assert data["v"] and all(c.startswith("05") for c in data["v"])
    filtered = data["f"].split(",")
    assert "13001" in filtered and not any(c.startswith("05") for c in filtered)
    # a link from another page (?mpio=) opens that municipality's profile
    at = run_app(map_store, "directivo", page="pages/map.py", query={"depto": "13", "mpio": "13001"})
    assert not at.exception and "Cartagena" in all_text(at) and at.metric
    args, size, geo, data = _payload(at)
    assert data["focus"] == ["13001"]
    # a comité regional is zoomed on its own office by default
    at = run_app(map_store, "comite", page="pages/map.py")
    args, size, geo, data = _payload(at)
    assert set(data["focus"]) == _office_codes(map_store, "CAR")


def test_alerts_layer_toggle_and_basemap_off_by_default(map_store):
    at = run_app(map_store, "directivo", page="pages/map.py")
    args, size, geo, data = _payload(at)
    assert data["al"], "the demo has open alerts"
    lat, lon, count, severity, text, code = data["al"][0]
    assert count >= 1 and "alerta" in text and code.isdigit()
    assert "tileLayer" not in args["script"]
    at.toggle(key="map_alerts").set_value(False).run()
    args, size, geo, data = _payload(at)
    assert data["al"] is None
    at.toggle(key="map_basemap").set_value(True).run()
    args, size, geo, data = _payload(at)
    assert "tileLayer" in args["script"]


def test_names_from_the_store_are_escaped(store_factory):
    site = demo_geo_copy(store_factory)
    with get_engine(site.url).connect() as conn:
        op_id, code = conn.execute(
            select(Enrolment.operator_id, Enrolment.municipality_code).where(Enrolment.operator_id.isnot(None)).limit(1)
        ).one()
    with session_scope(site.url, write=True) as s:
        s.execute(update(Municipality).where(Municipality.code == code).values(name=XSS))
        s.execute(update(Operator).where(Operator.id == op_id).values(name=XSS))
    at = run_app(site.url, "directivo", page="pages/map.py")
    assert not at.exception
    args, size, geo, data = _payload(at)
    assert "<img" not in args["script"] and "\\u003cimg src=x onerror=alert(1)\\u003e" in args["script"]
    i = geo["c"].split(",").index(code)
    assert data["n"][i] == XSS  # the browser gets the text, escapes it before building HTML
    assert "esc(D.n[i])" in args["script"]
    _click(at, code, 1)
    heading = [h.value for h in at.subheader]
    assert any("\\<img" in h for h in heading), heading  # Markdown-escaped: shown literally
    operators = next(df.value for df in at.dataframe if "Operador" in df.value.columns)
    assert XSS in set(operators["Operador"])  # a grid cell: rendered as text


def test_without_boundaries_the_page_explains_and_shows_a_table(demo_store):
    at = run_app(demo_store, "directivo", page="pages/map.py")
    assert not at.exception
    assert not at.get("component_instance")
    text = all_text(at)
    assert "tablero geodata import" in text and "TABLERO_GEODATA" in text
    table = at.dataframe[0].value
    assert len(table) == 1121 and list(table.columns) == ["Código DIVIPOLA", "Municipio", "Departamento",
                                                           "Hogares vinculados"]
    assert table["Hogares vinculados"].is_monotonic_decreasing
    assert [b.label for b in at.get("download_button")] == ["Descargar CSV", "Descargar Excel"]


def test_reused_component_arguments_equal_st_folium(map_store, monkeypatch):
    """The page reuses rendered arguments across reruns; they must be exactly what
    streamlit-folium's public ``st_folium`` sends (guards against version drift)."""
    at = run_app(map_store, "directivo", page="pages/map.py")
    fast = json.loads(at.get("component_instance")[0].proto.json_args)
    import streamlit_folium

    monkeypatch.setattr(streamlit_folium, "_component_func", None, raising=False)
    monkeypatch.setattr("components.map.view.st_folium", _recording_st_folium(streamlit_folium))
    at = run_app(map_store, "directivo", page="pages/map.py")
    assert not at.exception
    public = json.loads(at.get("component_instance")[0].proto.json_args)
    for key in ("script", "header", "html", "id", "css_links", "js_links", "returned_objects", "default", "height"):
        assert fast[key] == public[key], key


def _recording_st_folium(module):
    """st_folium with the real component function (the test hid it from the fast path)."""
    import streamlit.components.v1 as components

    real = components.declare_component("st_folium", path=str(
        __import__("pathlib").Path(module.__file__).parent / "frontend" / "build"))

    def call(*args, **kwargs):
        module._component_func = real
        try:
            return module.st_folium(*args, **kwargs)
        finally:
            module._component_func = None

    return call
