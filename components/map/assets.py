"""Browser assets of the map, served by the app itself (no CDN, no internet).

``tablero assets install`` copies Leaflet's dist files from the installed registry
package ``django-js-lib-leaflet`` (plain files, no Django import) and leaflet.markercluster
(the alert symbols aggregated by zoom) from ``XStatic-Leaflet-MarkerCluster`` into
``static/vendor`` (git-ignored); Streamlit serves them at ``/app/static/vendor/...``
(``[server] enableStaticServing = true``). The map needs nothing else: no jQuery, no
Bootstrap, no d3 (the legend is plain HTML), no topojson-client (the TopoJSON decoder
is our own, in ``components.map.choropleth``).

This module imports no Streamlit so the CLI can use it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"
STATIC_URL = "/app/static/vendor"

# (module of the registry package, path inside it, path under static/vendor)
_LEAFLET_PKG = "js_lib_leaflet"
_LEAFLET_DIST = "django-js-lib-leaflet"
_CLUSTER_PKG = "xstatic.pkg.leaflet_markercluster"
_DISTRIBUTIONS = {_LEAFLET_PKG: _LEAFLET_DIST, _CLUSTER_PKG: "XStatic-Leaflet-MarkerCluster"}
VENDOR_FILES: tuple[tuple[str, str, str], ...] = (
    (_LEAFLET_PKG, "static/js_lib_leaflet/leaflet.js", "leaflet/leaflet.js"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/leaflet.css", "leaflet/leaflet.css"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/images/layers.png", "leaflet/images/layers.png"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/images/layers-2x.png", "leaflet/images/layers-2x.png"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/images/marker-icon.png", "leaflet/images/marker-icon.png"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
    (_LEAFLET_PKG, "static/js_lib_leaflet/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
    (_CLUSTER_PKG, "data/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"),
    (_CLUSTER_PKG, "data/MarkerCluster.css", "markercluster/MarkerCluster.css"),
    (_CLUSTER_PKG, "data/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"),
)

LEAFLET_JS = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_URL}/leaflet/leaflet.css"
CLUSTER_JS = f"{STATIC_URL}/markercluster/leaflet.markercluster.js"
CLUSTER_CSS = f"{STATIC_URL}/markercluster/MarkerCluster.css"
CLUSTER_DEFAULT_CSS = f"{STATIC_URL}/markercluster/MarkerCluster.Default.css"

# What the map page loads (folium's defaults replaced by these).
MAP_JS = [("leaflet", LEAFLET_JS), ("markercluster", CLUSTER_JS)]
MAP_CSS = [("leaflet_css", LEAFLET_CSS), ("markercluster_css", CLUSTER_CSS)]

# folium/branca CDN URLs we know how to serve locally (any version of Leaflet's dist, and of
# leaflet.markercluster's: folium.plugins.MarkerCluster works offline too).
_LOCAL_EQUIVALENTS = (
    (re.compile(r"^https?://[^ ]*leaflet(@[\d.]+)?/dist/leaflet\.js$"), LEAFLET_JS),
    (re.compile(r"^https?://[^ ]*leaflet(@[\d.]+)?/dist/leaflet\.css$"), LEAFLET_CSS),
    (re.compile(r"^https?://[^ ]*/leaflet/[\d.]+/leaflet\.js$"), LEAFLET_JS),
    (re.compile(r"^https?://[^ ]*/leaflet/[\d.]+/leaflet\.css$"), LEAFLET_CSS),
    (re.compile(r"^https?://[^ ]*markercluster[^ ]*/leaflet\.markercluster(-src)?\.js$"), CLUSTER_JS),
    (re.compile(r"^https?://[^ ]*markercluster[^ ]*/MarkerCluster\.css$"), CLUSTER_CSS),
    (re.compile(r"^https?://[^ ]*markercluster[^ ]*/MarkerCluster\.Default\.css$"), CLUSTER_DEFAULT_CSS),
)


class AssetError(RuntimeError):
    """A needed browser asset cannot be installed or served locally (Spanish message)."""


def local_url(url: str) -> str | None:
    """The app-served URL for a CDN URL, or None when we do not vendor it."""
    if url.startswith(STATIC_URL + "/"):
        return url
    for pattern, local in _LOCAL_EQUIVALENTS:
        if pattern.match(url):
            return local
    return None


@dataclass(frozen=True)
class InstallResult:
    copied: list[str]
    unchanged: list[str]
    target: Path
    package_version: str


def _package_root(module: str) -> Path:
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a dotted name whose parent package is missing
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise AssetError(
            f"No está instalado el paquete que trae los archivos del mapa ({_DISTRIBUTIONS[module]}). "
            "Ejecute `make setup` (o `pip install -e .`) y repita `tablero assets install`."
        )
    return Path(list(spec.submodule_search_locations)[0])


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(_LEAFLET_DIST)
    except PackageNotFoundError:
        return "?"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install(target: Path | None = None) -> InstallResult:
    """Copy every vendored file into ``target`` (default static/vendor); idempotent.

    Files already identical are left untouched; others are written atomically
    (temporary file + rename) so a running app never serves half a file.
    """
    target = Path(target or VENDOR_DIR)
    copied: list[str] = []
    unchanged: list[str] = []
    manifest: dict[str, str] = {}
    for module, inner, rel in VENDOR_FILES:
        src = _package_root(module) / inner
        if not src.is_file():
            raise AssetError(
                f"El paquete {_DISTRIBUTIONS[module]} no trae «{inner}»: reinstálelo "
                f"(`pip install --force-reinstall {_DISTRIBUTIONS[module]}`)."
            )
        data = src.read_bytes()
        dst = target / rel
        manifest[rel] = _digest(data)
        if dst.is_file() and _digest(dst.read_bytes()) == manifest[rel]:
            unchanged.append(rel)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dst)
        copied.append(rel)
    manifest_path = target / "manifest.json"
    body = json.dumps(
        {"package": _LEAFLET_DIST, "version": _package_version(), "files": manifest},
        indent=1,
        sort_keys=True,
    )
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != body:
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = manifest_path.with_name(f".manifest.{os.getpid()}.tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, manifest_path)
    return InstallResult(copied, unchanged, target, _package_version())


def installed(target: Path | None = None) -> bool:
    """Are all vendored files present (cheap check for the page)?"""
    target = Path(target or VENDOR_DIR)
    return all((target / rel).is_file() for _, _, rel in VENDOR_FILES)
