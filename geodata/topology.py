"""Topology-preserving simplification and quantisation (the ``topojson`` package).

Municipalities and departments go into ONE topology: every border is a single arc
shared by its neighbours, so simplifying an arc moves both sides together (no
overlaps, no gaps) and department borders coincide with municipal ones. The result
is quantised and delta-encoded (standard TopoJSON) and must fit ``TOPOLOGY_BUDGET``
bytes: simplification grows step by step until it does.

The browser decodes it with our own decoder (``components.map.choropleth``);
``decode`` below is the same algorithm in Python (tests, department GeoJSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
import topojson as tp
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, mapping

MUNICIPAL_OBJECT = "municipios"
DEPARTMENT_OBJECT = "departamentos"
# What reaches the browser for all 1,122 municipalities must be ≤ 300 KB; the
# geometry (in its wire form, ``wire_geometry``) gets this much, the rest is for names,
# values, the legend and the map's own code.
PAYLOAD_BUDGET = 300_000
TOPOLOGY_BUDGET = 215_000
# (Douglas–Peucker tolerance in degrees, quantisation grid) tried in order.
SIMPLIFICATION_STEPS: tuple[tuple[float, float], ...] = (
    (0.0, 1e5),
    (0.0005, 1e5),
    (0.001, 5e4),
    (0.002, 5e4),
    (0.004, 3e4),
    (0.008, 2e4),
    (0.016, 1e4),
    (0.03, 1e4),
    (0.05, 1e4),
)
# Above this many input vertices, first thin the coverages with GEOS coverage
# simplification (also topology-preserving) so that building the topology stays fast.
PRESIMPLIFY_VERTICES = 400_000
PRESIMPLIFY_TOLERANCE = 0.0003  # degrees, about 30 m

# Lambert azimuthal equal-area centred on Colombia: areas in km².
_LAEA = "+proj=laea +lat_0=4 +lon_0=-73 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"


@dataclass
class TopologyResult:
    topojson: str  # compact standard TopoJSON, ids = DIVIPOLA codes
    department_geojson: str  # FeatureCollection, properties {code}
    tolerance: float
    quantization: float
    input_vertices: int
    arc_vertices: int
    presimplified: bool
    wire_bytes: int  # size of the geometry as sent to the browser
    budget: int = TOPOLOGY_BUDGET

    @property
    def over_budget(self) -> bool:
        return self.wire_bytes > self.budget

    @property
    def size(self) -> int:
        return len(self.topojson.encode("utf-8"))


def wire_geometry(topojson: str | dict) -> dict:
    """The stored TopoJSON in the form the browser decodes (same arcs, less text).

    ``a``: quantised delta-encoded arcs; ``tr``: [sx, sy, tx, ty]; ``c``: municipality
    codes joined by commas; ``m``: each municipality's arc indexes (Polygon rings, or a
    list of polygons for a MultiPolygon); ``d``: the arcs of department borders, once each.
    """
    topo = json.loads(topojson) if isinstance(topojson, str) else topojson
    tr = topo["transform"]
    munis = topo["objects"][MUNICIPAL_OBJECT]["geometries"]
    depts = topo["objects"].get(DEPARTMENT_OBJECT, {"geometries": []})["geometries"]
    codes, shapes = [], []
    for g in munis:
        if g.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        codes.append(str(g["id"]))
        shapes.append(g["arcs"])
    border: set[int] = set()
    for g in depts:
        polys = g["arcs"] if g.get("type") == "MultiPolygon" else [g["arcs"]]
        for poly in polys:
            for ring in poly:
                for i in ring:
                    border.add(i if i >= 0 else ~i)
    return {"tr": [*tr["scale"], *tr["translate"]], "a": topo["arcs"], "c": ",".join(codes),
            "m": shapes, "d": sorted(border)}


def wire_size(topojson: str | dict) -> int:
    return len(json.dumps(wire_geometry(topojson), separators=(",", ":")).encode("utf-8"))


def _vertices(frame: gpd.GeoDataFrame) -> int:
    return int(shapely.get_num_coordinates(frame.geometry.values).sum())


def dissolve_departments(municipal: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Department polygons as the union of their municipalities (code prefix)."""
    frame = municipal[["code", "geometry"]].copy()
    frame["dept"] = frame["code"].str[:2]
    out = frame.dissolve(by="dept", as_index=False)[["dept", "geometry"]].rename(columns={"dept": "code"})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=municipal.crs)


def _presimplify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = shapely.coverage_simplify(frame.geometry.values, PRESIMPLIFY_TOLERANCE)
    return out


def _compact(topo: dict, ids: dict[str, list[str]]) -> str:
    """Drop properties, set ids to codes, serialise without spaces."""
    for name, obj in topo["objects"].items():
        codes = ids[name]
        geometries = obj["geometries"]
        if len(geometries) != len(codes):
            raise RuntimeError("topology lost geometries")  # never expected
        for geom, code in zip(geometries, codes):
            geom.pop("properties", None)
            geom["id"] = code
    topo.pop("bbox", None)
    return json.dumps(topo, separators=(",", ":"))


def build_topology(
    municipal: gpd.GeoDataFrame,
    department: gpd.GeoDataFrame | None = None,
    budget: int = TOPOLOGY_BUDGET,
) -> TopologyResult:
    """Shared-border topology of municipalities (+ departments, dissolved if not given)."""
    muni = municipal[["code", "geometry"]].reset_index(drop=True)
    dept = (department if department is not None else dissolve_departments(muni))[["code", "geometry"]]
    dept = dept.reset_index(drop=True)
    input_vertices = _vertices(muni) + _vertices(dept)
    presimplified = False
    if input_vertices > PRESIMPLIFY_VERTICES:
        muni, dept = _presimplify(muni), _presimplify(dept)
        presimplified = True
    ids = {MUNICIPAL_OBJECT: muni["code"].tolist(), DEPARTMENT_OBJECT: dept["code"].tolist()}
    base = tp.Topology(
        [muni[["geometry"]], dept[["geometry"]]],
        object_name=[MUNICIPAL_OBJECT, DEPARTMENT_OBJECT],
        prequantize=True,
    )
    chosen = None
    for tolerance, quant in SIMPLIFICATION_STEPS:
        simplified = base.toposimplify(tolerance) if tolerance else base
        topo = simplified.topoquantize(quant).to_dict()
        text = _compact(topo, ids)
        size = wire_size(text)
        chosen = (text, tolerance, quant, topo, size)
        if size <= budget:
            break
    text, tolerance, quant, topo, size = chosen
    decoded = decode(json.loads(text))
    dept_features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": mapping(_round(geom))}
        for code, geom in decoded[DEPARTMENT_OBJECT]
    ]
    return TopologyResult(
        topojson=text,
        department_geojson=json.dumps({"type": "FeatureCollection", "features": dept_features},
                                      separators=(",", ":")),
        tolerance=tolerance,
        quantization=quant,
        input_vertices=input_vertices,
        arc_vertices=sum(len(a) for a in topo["arcs"]),
        presimplified=presimplified,
        wire_bytes=size,
        budget=budget,
    )


def _round(geom, decimals: int = 5):
    return shapely.transform(geom, lambda xy: np.round(xy, decimals))


# --------------------------------------------------------------------------- decoding


def _absolute_arcs(topo: dict) -> list[np.ndarray]:
    transform = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=float)
        if transform:
            a = np.cumsum(a, axis=0)
            a = a * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(a)
    return arcs


def _ring(indexes: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indexes):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts)


def decode(topo: dict) -> dict[str, list[tuple[str, Polygon | MultiPolygon]]]:
    """{object name: [(id, shapely geometry)]} of a (quantised) TopoJSON."""
    arcs = _absolute_arcs(topo)
    out: dict[str, list] = {}
    for name, obj in topo["objects"].items():
        items = []
        for geom in obj["geometries"]:
            if geom.get("type") == "Polygon":
                rings = [_ring(r, arcs) for r in geom["arcs"]]
                shape = Polygon(rings[0], rings[1:])
            elif geom.get("type") == "MultiPolygon":
                shape = MultiPolygon([
                    Polygon(*(lambda rs: (rs[0], rs[1:]))([_ring(r, arcs) for r in poly]))
                    for poly in geom["arcs"]
                ])
            else:
                continue
            items.append((str(geom.get("id")), shape))
        out[name] = items
    return out


# --------------------------------------------------------------------- point & area


def centroids_and_areas(municipal: gpd.GeoDataFrame) -> list[tuple[str, float, float, float]]:
    """[(code, lon, lat, area km²)]: equal-area centroid, moved inside the polygon when
    it falls outside (so a symbol drawn there sits on its municipality)."""
    to_laea = Transformer.from_crs("EPSG:4326", _LAEA, always_xy=True)
    to_wgs = Transformer.from_crs(_LAEA, "EPSG:4326", always_xy=True)
    projected = shapely.transform(
        municipal.geometry.values, lambda xy: np.column_stack(to_laea.transform(xy[:, 0], xy[:, 1]))
    )
    rows = []
    for code, geom in zip(municipal["code"], projected):
        point = geom.centroid
        if not geom.contains(point):
            point = geom.representative_point()
        lon, lat = to_wgs.transform(point.x, point.y)
        rows.append((code, float(lon), float(lat), float(geom.area / 1e6)))
    return rows
