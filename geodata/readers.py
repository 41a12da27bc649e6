"""Readers for official DANE MGN boundaries of any vintage.

Accepted inputs: GeoJSON, Shapefile (``.shp`` or a ``.zip`` holding one or more),
GeoPackage (any layer), or a folder holding such files. Each layer is classified by
its schema:

* municipal, MGN 2018: ``MPIO_CCNCT`` (5-digit DIVIPOLA code), ``MPIO_CNMBR``,
  ``DPTO_CCDGO``, ``DPTO_CNMBR``;
* municipal, MGN 2020 and later: ``MPIO_CDPMP`` instead of ``MPIO_CCNCT``;
* department: ``DPTO_CCDGO`` (+ ``DPTO_CNMBR``) and no municipal code.

Any CRS is reprojected to EPSG:4326 (MGN 2020+ ships in MAGNA-SIRGAS, EPSG:4686).
Messages are Spanish and name the file, the field and the fix.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")
MUNI_CODE_FIELDS = ("MPIO_CCNCT", "MPIO_CDPMP")  # MGN 2018, MGN 2020+
MUNI_NAME_FIELD = "MPIO_CNMBR"
MUNI_PART_FIELD = "MPIO_CCDGO"  # 3-digit part of the code (both vintages)
DEPT_CODE_FIELD = "DPTO_CCDGO"
DEPT_NAME_FIELD = "DPTO_CNMBR"
YEAR_FIELDS = ("MPIO_NANO", "MPIO_NAÑO", "DPTO_NANO", "DPTO_NAÑO")
TARGET_CRS = "EPSG:4326"

_CODE5 = re.compile(r"^\d{5}$")
_CODE2 = re.compile(r"^\d{2}$")


class GeodataError(ValueError):
    """The input cannot be used as it is; the message says what and how to fix it."""


@dataclass(frozen=True)
class LayerRef:
    """One vector layer inside a file (``source`` is what GDAL opens)."""

    source: str
    layer: str | None
    label: str  # for messages: file name (+ layer)


@dataclass
class BoundaryLayer:
    kind: str  # "municipal" | "department"
    schema: str  # "MGN2018" | "MGN2020+" | "DPTO"
    label: str
    frame: gpd.GeoDataFrame  # columns: code, name, dept_code, dept_name, geometry (EPSG:4326)
    year: int | None = None
    notes: list[str] = field(default_factory=list)
    source_crs: str = ""


# ----------------------------------------------------------------------- discovery


def _zip_layers(path: Path) -> list[LayerRef]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
    except zipfile.BadZipFile:
        raise GeodataError(f"«{path.name}» no es un archivo .zip válido: vuelva a descargarlo.") from None
    refs = []
    for inner in sorted(names):
        low = inner.lower()
        if low.endswith((".shp", ".geojson", ".json", ".gpkg")) and "__macosx" not in low:
            refs.extend(_file_layers(f"/vsizip/{path}/{inner}", f"{path.name}:{inner}"))
    if not refs:
        raise GeodataError(
            f"«{path.name}» no contiene ningún shapefile (.shp con su .dbf, .shx y .prj), "
            "GeoJSON ni GeoPackage."
        )
    return refs


def _file_layers(source: str, label: str) -> list[LayerRef]:
    if source.lower().endswith(".gpkg"):
        try:
            layers = pyogrio.list_layers(source)
        except Exception:  # noqa: BLE001 - GDAL error text is not for people
            raise GeodataError(f"No se pudo abrir el GeoPackage «{label}»: verifique que no esté dañado.") from None
        return [LayerRef(source, str(name), f"{label} (capa {name})") for name, gtype in layers if gtype]
    return [LayerRef(source, None, label)]


def discover(paths: list[str | Path]) -> list[LayerRef]:
    """Every vector layer in the given files or folders."""
    refs: list[LayerRef] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise GeodataError(f"No existe «{path}»: revise la ruta del archivo o carpeta de límites.")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VECTOR_SUFFIXES)
            if not files:
                raise GeodataError(
                    f"La carpeta «{path}» no contiene archivos .geojson, .shp, .zip ni .gpkg con límites del MGN."
                )
            for f in files:
                refs.extend(_zip_layers(f) if f.suffix.lower() == ".zip" else _file_layers(str(f), f.name))
        elif path.suffix.lower() == ".zip":
            refs.extend(_zip_layers(path))
        elif path.suffix.lower() in VECTOR_SUFFIXES:
            refs.extend(_file_layers(str(path), path.name))
        else:
            raise GeodataError(
                f"Formato de «{path.name}» no admitido: use GeoJSON, Shapefile (.shp o .zip) o GeoPackage (.gpkg)."
            )
    return refs


# -------------------------------------------------------------------- classification


def _fields(ref: LayerRef) -> list[str]:
    try:
        info = pyogrio.read_info(ref.source, layer=ref.layer)
    except Exception:  # noqa: BLE001
        raise GeodataError(
            f"No se pudo leer «{ref.label}»: verifique que sea un archivo geográfico completo "
            "(un shapefile necesita también .dbf, .shx y .prj)."
        ) from None
    return [str(f) for f in info["fields"]]


# Finer MGN levels (rural/urban sectors and sections, populated centres, blocks, urban
# zones) also carry the municipal code: a layer with any of these fields is not the
# municipal layer.
_FINER_LEVEL_PREFIXES = ("SETR_", "SECR_", "SETU_", "SECU_", "CPOB_", "CLAS_", "MANZ_", "ZU_", "UA_", "LOC_")


def classify(ref: LayerRef) -> tuple[str | None, str | None]:
    """(kind, schema) of a layer, or (None, None) if it is not MGN boundaries."""
    upper = {f.upper() for f in _fields(ref)}
    if any(f.startswith(_FINER_LEVEL_PREFIXES) for f in upper):
        return None, None
    if "MPIO_CCNCT" in upper:
        return "municipal", "MGN2018"
    if "MPIO_CDPMP" in upper:
        return "municipal", "MGN2020+"
    if MUNI_PART_FIELD in upper and DEPT_CODE_FIELD in upper:
        return "municipal", "MGN2020+"
    if DEPT_CODE_FIELD in upper and not any(f.startswith("MPIO_") for f in upper):
        return "department", "DPTO"
    return None, None


# ----------------------------------------------------------------------------- read


def _norm_code(value, width: int) -> str | None:
    """'5001', 5001, 5001.0, ' 05001 ' → '05001'; anything else → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) <= width:
        return text.zfill(width)
    return None


def _to_wgs84(frame: gpd.GeoDataFrame, label: str, notes: list[str]) -> tuple[gpd.GeoDataFrame, str]:
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            notes.append(f"«{label}» no declara sistema de referencia: se asumió EPSG:4326 (grados).")
            return frame.set_crs(TARGET_CRS), "sin declarar (se asumió EPSG:4326)"
        raise GeodataError(
            f"«{label}» no declara su sistema de referencia y sus coordenadas no son grados: "
            "incluya el archivo .prj del shapefile (o exporte con el CRS definido)."
        )
    source_crs = frame.crs.to_string()
    if frame.crs.to_epsg() == 4326:
        return frame, source_crs
    try:
        return frame.to_crs(TARGET_CRS), source_crs
    except Exception:  # noqa: BLE001
        raise GeodataError(
            f"No se pudo reproyectar «{label}» desde {source_crs} a EPSG:4326: verifique su archivo .prj."
        ) from None


def _year(raw: pd.DataFrame) -> int | None:
    for col in raw.columns:
        if col.upper() in YEAR_FIELDS:
            years = pd.to_numeric(raw[col], errors="coerce").dropna()
            if len(years):
                return int(years.mode().iloc[0])  # the vintage: most features carry it
    return None


def read_layer(ref: LayerRef) -> BoundaryLayer | None:
    """Read and normalise one layer; None when it is not MGN boundaries."""
    kind, schema = classify(ref)
    if kind is None:
        return None
    try:
        raw = gpd.read_file(ref.source, layer=ref.layer, engine="pyogrio")
    except Exception:  # noqa: BLE001
        raise GeodataError(f"No se pudo leer «{ref.label}»: verifique que el archivo esté completo.") from None
    raw = raw.rename(columns={c: c.upper() for c in raw.columns if c != raw.geometry.name})
    notes: list[str] = []
    frame, source_crs = _to_wgs84(raw, ref.label, notes)
    problems: list[str] = []
    if kind == "municipal":
        code_field = next((f for f in MUNI_CODE_FIELDS if f in frame.columns), None)
        codes = []
        for i, row in enumerate(frame.itertuples(index=False)):
            data = row._asdict()
            if code_field:
                code = _norm_code(data.get(code_field), 5)
                raw_code = data.get(code_field)
            else:
                d, m = _norm_code(data.get(DEPT_CODE_FIELD), 2), _norm_code(data.get(MUNI_PART_FIELD), 3)
                code = d + m if d and m else None
                raw_code = f"{data.get(DEPT_CODE_FIELD)}+{data.get(MUNI_PART_FIELD)}"
            if code is None or not _CODE5.match(code):
                problems.append(
                    f"elemento {i + 1}: código de municipio «{raw_code}» no es un código DIVIPOLA de 5 dígitos"
                )
            codes.append(code)
        out = gpd.GeoDataFrame(
            {
                "code": codes,
                "name": frame[MUNI_NAME_FIELD].astype(str) if MUNI_NAME_FIELD in frame else "",
                "dept_code": [
                    _norm_code(v, 2) for v in frame[DEPT_CODE_FIELD]
                ] if DEPT_CODE_FIELD in frame else [c[:2] if c else None for c in codes],
                "dept_name": frame[DEPT_NAME_FIELD].astype(str) if DEPT_NAME_FIELD in frame else "",
            },
            geometry=frame.geometry.values,
            crs=TARGET_CRS,
        )
    else:
        codes = [_norm_code(v, 2) for v in frame[DEPT_CODE_FIELD]]
        for i, c in enumerate(codes):
            if c is None or not _CODE2.match(c):
                problems.append(
                    f"elemento {i + 1}: código de departamento «{frame[DEPT_CODE_FIELD].iloc[i]}» "
                    "no es un código DIVIPOLA de 2 dígitos"
                )
        out = gpd.GeoDataFrame(
            {
                "code": codes,
                "name": frame[DEPT_NAME_FIELD].astype(str) if DEPT_NAME_FIELD in frame else "",
                "dept_code": codes,
                "dept_name": frame[DEPT_NAME_FIELD].astype(str) if DEPT_NAME_FIELD in frame else "",
            },
            geometry=frame.geometry.values,
            crs=TARGET_CRS,
        )
    empty = [i + 1 for i, g in enumerate(out.geometry) if g is None or g.is_empty]
    if empty:
        problems.append(f"elementos sin geometría: {', '.join(map(str, empty[:20]))}")
    bad_type = [
        i + 1 for i, g in enumerate(out.geometry)
        if g is not None and not g.is_empty and g.geom_type not in ("Polygon", "MultiPolygon")
    ]
    if bad_type:
        problems.append(f"elementos que no son polígonos: {', '.join(map(str, bad_type[:20]))}")
    if problems:
        raise GeodataError(
            f"«{ref.label}» tiene datos inválidos ({len(problems)}): " + "; ".join(problems[:20])
            + ". Corrija el archivo (o use el MGN oficial del DANE) y repita la importación."
        )
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].values)
        out["geometry"] = [
            g if g.geom_type in ("Polygon", "MultiPolygon")
            else shapely.union_all([p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")])
            for g in out.geometry
        ]
        notes.append(f"«{ref.label}»: {int(invalid.sum())} geometrías inválidas corregidas (make_valid).")
    dup = out["code"][out["code"].duplicated()].unique().tolist()
    if dup:
        out = out.dissolve(by="code", as_index=False, aggfunc="first")
        notes.append(
            f"«{ref.label}»: códigos repetidos unidos en un solo polígono: {', '.join(sorted(dup)[:20])}."
        )
    return BoundaryLayer(kind, schema, ref.label, out, _year(raw), notes, source_crs)


@dataclass
class BoundarySources:
    municipal: BoundaryLayer
    department: BoundaryLayer | None
    ignored: list[str]


def read_sources(paths: list[str | Path]) -> BoundarySources:
    """The municipal layer (exactly one) and an optional department layer."""
    municipal: list[BoundaryLayer] = []
    department: list[BoundaryLayer] = []
    ignored: list[str] = []
    for ref in discover(paths):
        layer = read_layer(ref)
        if layer is None:
            ignored.append(ref.label)
        elif layer.kind == "municipal":
            municipal.append(layer)
        else:
            department.append(layer)
    if not municipal:
        raise GeodataError(
            "No se encontró una capa de municipios del MGN (campo MPIO_CCNCT en el MGN 2018 o MPIO_CDPMP "
            "en el MGN 2020 y posteriores)"
            + (f"; capas revisadas: {', '.join(ignored)}" if ignored else "")
            + ". Indique el archivo MGN_MPIO_POLITICO del DANE."
        )
    if len(municipal) > 1:  # e.g. a whole MGN download: prefer the layer named MPIO
        named = [m for m in municipal if "MPIO" in m.label.upper()]
        if len(named) == 1:
            ignored.extend(m.label for m in municipal if m is not named[0])
            municipal = named
    if len(department) > 1:
        named = [d for d in department if "DPTO" in d.label.upper()]
        if len(named) == 1:
            ignored.extend(d.label for d in department if d is not named[0])
            department = named
    if len(municipal) > 1:
        raise GeodataError(
            "Hay más de una capa de municipios ("
            + ", ".join(m.label for m in municipal)
            + "): indique solo una vigencia del MGN."
        )
    if len(department) > 1:
        raise GeodataError(
            "Hay más de una capa de departamentos (" + ", ".join(d.label for d in department)
            + "): indique solo una."
        )
    return BoundarySources(municipal[0], department[0] if department else None, ignored)
