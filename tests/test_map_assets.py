"""Browser assets of the map come from an installed registry package into static/vendor
(idempotent), and the folium map references nothing but those local files."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
from click.testing import CliRunner
from folium.plugins import Fullscreen, MarkerCluster
from shapely.geometry import box

from cli.main import tablero
from components.map.assets import (
    CLUSTER_DEFAULT_CSS,
    CLUSTER_JS,
    LEAFLET_CSS,
    LEAFLET_JS,
    VENDOR_FILES,
    AssetError,
    install,
    installed,
    local_url,
)
from components.map.choropleth import (
    MapSpec,
    build_map,
    classify,
    legend_html,
    localise,
    read_payload,
    safe_json,
    wire_geometry,
)
from geodata.topology import build_topology


def test_assets_install_is_idempotent(tmp_path):
    target = tmp_path / "vendor"
    first = install(target)
    assert sorted(first.copied) == sorted(rel for _, _, rel in VENDOR_FILES) and not first.unchanged
    assert installed(target)
    js = (target / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert "Leaflet 1.9" in js[:400]
    second = install(target)
    assert not second.copied and len(second.unchanged) == len(VENDOR_FILES)
    (target / "leaflet" / "leaflet.css").write_text("damaged", encoding="utf-8")
    third = install(target)
    assert third.copied == ["leaflet/leaflet.css"]
    assert "leaflet-pane" in (target / "leaflet" / "leaflet.css").read_text(encoding="utf-8")


def test_cli_assets_install(tmp_path):
    res = CliRunner().invoke(tablero, ["assets", "install", "--target", str(tmp_path / "v")])
    assert res.exit_code == 0 and f"{len(VENDOR_FILES)} copiados" in res.output
    res = CliRunner().invoke(tablero, ["assets", "install", "--target", str(tmp_path / "v")])
    assert res.exit_code == 0 and f"0 copiados, {len(VENDOR_FILES)} ya al día" in res.output


def _tiny_spec(**kw) -> MapSpec:
    squares = gpd.GeoDataFrame({"code": ["91001", "91263"]},
                               geometry=[box(-70, -4, -69, -3), box(-69, -4, -68, -3)], crs="EPSG:4326")
    topo = build_topology(squares)
    wire = wire_geometry(topo.topojson)
    values = {"91001": 3.0, "91263": 0.0}
    classes = classify(values, "count", "quantiles", "es", lambda k, **p: k)
    spec = dict(geo_json=safe_json(wire), codes=wire["c"].split(","), names={"91001": ("Leticia",)},
                departments={"91": "Amazonas"}, values=values, classes=classes, unit="count", metric_label="Hogares",
                legend=legend_html("Hogares", classes, None, "Cuantiles"), filtered_out=[], focus=[], alerts=None,
                labels={"out": "fuera", "filtered": "filtro", "yes": "sí", "no": "no", "no_data": "sin datos"})
    spec.update(kw)
    return MapSpec(**spec)


def test_the_map_loads_only_local_files():
    m = build_map(_tiny_spec())
    m.get_root().render()
    header = m.get_root().header.render()
    assert LEAFLET_JS in header and LEAFLET_CSS in header
    assert "http://" not in header and "https://" not in header
    geo, data = read_payload(m.get_root().script.render())
    assert data["v"]["91001"][1] == "3" and geo["c"] == "91001,91263"
    assert local_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js") == LEAFLET_JS
    assert local_url("https://code.jquery.com/jquery-3.7.1.min.js") is None


def test_an_unknown_cdn_asset_is_refused():
    m = folium.Map(tiles=None)  # folium's defaults pull jQuery, Bootstrap... from CDNs
    with pytest.raises(AssetError, match="recurso externo"):
        localise(m)
    m = build_map(_tiny_spec())
    Fullscreen().add_to(m)  # would need leaflet.fullscreen from a CDN
    with pytest.raises(AssetError, match="fullscreen"):
        localise(m)


def test_marker_clusters_are_served_by_the_app(tmp_path):
    """The alerts aggregate by zoom with leaflet.markercluster, vendored like Leaflet (no CDN)."""
    install(tmp_path)
    js = (tmp_path / "markercluster" / "leaflet.markercluster.js").read_text(encoding="utf-8")
    assert "MarkerClusterGroup" in js
    m = build_map(_tiny_spec())
    MarkerCluster().add_to(m)  # folium's plugin: its CDN files have local equivalents
    links = dict(localise(m))
    assert CLUSTER_JS in links.values() and CLUSTER_DEFAULT_CSS in links.values()
    m.get_root().render()
    header = m.get_root().header.render()
    assert CLUSTER_JS in header and "https://" not in header
