"""The «Caracterización» page, the asset map in the municipality profile and the asset edit tab
under AppTest on the demo store (SQLite and PostgreSQL): each viewer sees its own scope."""

from __future__ import annotations

import json

from data_access.characterisation import assets, baselines
from data_access.core.auth import viewer_for_username
from data_access.core.filters import GlobalFilters
from rules.core.clock import today
from tests.apptest_utils import all_text, run_app, spy_downloads
from tests.mapstore import demo_geo_template

PAGE = "pages/characterisation.py"


def test_the_page_shows_the_change_by_route_with_its_note_and_downloads(demo_store, monkeypatch):
    files = spy_downloads(monkeypatch)
    at = run_app(demo_store, "analista", PAGE)
    assert not at.exception
    frame = at.dataframe[0].value
    cutoff = at.date_input[0].value  # the page's cut-off (global filters)
    rows = baselines.change(viewer_for_username("analista", demo_store), GlobalFilters(cutoff=cutoff), "route",
                            demo_store)
    assert len(frame) == len(rows) > 0 and sorted(frame["n"].tolist()) == sorted(r.change.n for r in rows)
    text = all_text(at)
    assert "Ruta básica" in set(frame["Grupo"])
    assert "n = inscripciones con la medida tomada en ambos momentos" in text
    assert any(name.startswith("lineas_base_route") for name in files)


def test_a_comite_sees_only_its_office_on_the_page(demo_store):
    at = run_app(demo_store, "comite", PAGE)
    assert not at.exception
    comite = viewer_for_username("comite", demo_store)
    mine = {r["municipality_code"] for r in assets.assets(comite, GlobalFilters(cutoff=today()), url=demo_store)}
    others = {r["municipality_code"] for r in assets.assets(viewer_for_username("analista", demo_store),
                                                            GlobalFilters(cutoff=today()), url=demo_store)} - mine
    shown = " ".join(str(v) for v in at.dataframe[-1].value.iloc[:, 0])
    assert mine and others
    assert all(f"({code})" not in shown for code in others)


def test_the_municipality_profile_lists_its_asset_map_and_the_map_draws_it_as_a_layer(store_factory):
    url = demo_geo_template(store_factory).url
    analista = viewer_for_username("analista", url)
    code = next(iter(assets.map_layer(analista, GlobalFilters(cutoff=today()), url)))
    at = run_app(url, "analista", "pages/map.py", query={"depto": code[:2], "mpio": code})
    assert not at.exception
    assert "Mapa de activos del territorio" in all_text(at)
    names = {r["name"] for r in assets.municipality_assets(analista, code, url)}
    shown = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert names and all(name in shown for name in names)
    layer = _asset_layer(at)
    assert code in {m[5] for m in layer["m"]} and layer["label"] == "Mercados y bienes públicos"
    comite = viewer_for_username("comite", url)
    at = run_app(url, "comite", "pages/map.py")
    office = {r["municipality_code"] for r in assets.assets(comite, GlobalFilters(cutoff=today()), url=url)}
    assert {m[5] for m in _asset_layer(at)["m"]} <= office


def _asset_layer(at) -> dict:
    """The asset layer's data in the map component's script."""
    comps = at.get("component_instance")
    script = json.loads(comps[0].proto.json_args)["script"]
    assert "L.control.layers" in script
    return json.loads(script.split("/*A*/")[1])


def test_the_direccion_tecnica_has_the_asset_edit_tab(demo_store):
    at = run_app(demo_store, "direccion_tecnica", "pages/edit.py")
    assert not at.exception
    assert "Mapa de activos" in [tab.label for tab in at.tabs]
