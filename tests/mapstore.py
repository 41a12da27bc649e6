"""Test data of the territorial map: where the real DANE MGN files are, small MGN-style
fixtures built from a few real features (never committed), and a demo store with the
real boundaries imported (one session template per store kind)."""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pytest

from tests.conftest import DEMO_SEED

ROOT = Path(__file__).resolve().parents[1]
MPIO_FILE = "co_2018_MGN_MPIO_POLITICO.geojson"
DPTO_FILE = "co_2018_MGN_DPTO_POLITICO.geojson"


def geodata_dir() -> Path:
    """``TABLERO_GEODATA`` (a folder or a file in it), else ``../shared/geodata``."""
    raw = os.environ.get("TABLERO_GEODATA", "").strip()
    candidates = [Path(raw)] if raw else []
    candidates.append(ROOT.parent / "shared" / "geodata")
    for c in candidates:
        folder = c if c.is_dir() else c.parent
        if (folder / MPIO_FILE).is_file():
            return folder
    pytest.fail(
        "Faltan los límites reales del DANE (MGN 2018): defina TABLERO_GEODATA con la carpeta que contiene "
        f"{MPIO_FILE} o ponga ../shared/geodata junto al repositorio."
    )


def real_municipalities(departments: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    frame = gpd.read_file(geodata_dir() / MPIO_FILE, engine="pyogrio")
    if departments:
        frame = frame[frame["DPTO_CCDGO"].isin(departments)].reset_index(drop=True)
    return frame


def real_departments(departments: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    frame = gpd.read_file(geodata_dir() / DPTO_FILE, engine="pyogrio")
    if departments:
        frame = frame[frame["DPTO_CCDGO"].isin(departments)].reset_index(drop=True)
    return frame


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def write_mgn2020_zip(frame: gpd.GeoDataFrame, folder: Path, name: str = "MGN_MPIO_POLITICO") -> Path:
    """MGN 2020+ layout: MPIO_CDPMP instead of MPIO_CCNCT, MAGNA-SIRGAS (EPSG:4686), zipped shapefile."""
    out = frame.rename(columns={"MPIO_CCNCT": "MPIO_CDPMP"}).copy()
    out["MPIO_NANO"] = 2020
    out = out[["DPTO_CCDGO", "MPIO_CCDGO", "MPIO_CDPMP", "DPTO_CNMBR", "MPIO_CNMBR", "MPIO_NANO", "geometry"]]
    out = out.to_crs("EPSG:4686")
    zpath = folder / f"{name}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        shp_dir = Path(tmp)
        out.to_file(shp_dir / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(zpath, "w") as zf:
            for f in sorted(shp_dir.iterdir()):
                zf.write(f, f"{name}/{f.name}")
    return zpath


# ------------------------------------------------------------------ demo + boundaries


@dataclass
class MapSite:
    url: str
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # username → (role, password)

    def password(self, username: str) -> str:
        return self.accounts[username][1]


_ACCOUNTS: dict[str, dict[str, tuple[str, str]]] = {}


def _build(kind: str):
    def build(url: str) -> None:
        from data_access.demo.seed import seed
        from geodata.importer import import_boundaries

        result = seed(url, "demo", DEMO_SEED)
        accounts = {}
        for acc in result["accounts"]:
            if isinstance(acc, dict):
                accounts[acc["username"]] = (acc["role"], acc["password"])
            else:
                role, username, password = acc
                accounts[username] = (role, password)
        _ACCOUNTS[kind] = accounts
        import_boundaries([geodata_dir()], url=url, imported_by="tests")

    return build


def demo_geo_template(store_factory) -> MapSite:
    """The demo store (seed DEMO_SEED) with the real MGN 2018 boundaries: READ-ONLY."""
    url = store_factory.template("demo_geo_map", _build(store_factory.kind))
    return MapSite(url, _ACCOUNTS.get(store_factory.kind, {}))


def demo_geo_copy(store_factory) -> MapSite:
    """A private, writable copy of ``demo_geo_template``."""
    template = demo_geo_template(store_factory)
    url = store_factory.new("demo_geo_map", _build(store_factory.kind))
    return MapSite(url, template.accounts)
