"""The folium choropleth of the territorial map (no Streamlit, no SQL).

What reaches the browser is one folium ``Map`` whose only external assets are Leaflet's
files served by the app (``components.map.assets``), plus one script of ours carrying:

* the boundaries in a compact wire form of the stored TopoJSON (quantised, delta-encoded
  shared arcs; ``wire_geometry``), decoded in the browser by our own few lines of JS;
* per-municipality classes and es-CO formatted values only for the municipalities in
  the viewer's scope (the rest is drawn grey, with a tooltip that carries no figure);
* department borders on top, an optional alerts symbol layer aggregated by zoom
  (leaflet.markercluster, served by the app like Leaflet), and the zoom to the filtered
  territory. The legend is plain HTML (no d3, no branca colormap) shown beside the map.

Every text from the store is escaped: names travel as JSON with ``<``, ``>``, ``&``
written as ``\\u003c``… and the browser escapes them again before any HTML is built,
so a municipality named ``<img src=x onerror=alert(1)>`` is shown as text.
"""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from folium.template import Template

from components.map.assets import MAP_CSS, MAP_JS, local_url
from geodata.topology import wire_geometry  # noqa: F401  (re-exported for the page glue)
from rules.core.formatting import fmt_int, fmt_money, fmt_pct

# Colour-blind-safe sequential palette (viridis, light → dark) and state colours.
PALETTE = ("#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154")
BOOL_COLOURS = ("#e8e8e8", "#0072B2")  # no / yes (Okabe–Ito blue); the legend and tooltip say it in words
ZERO_COLOUR = "#f3f3f3"
NO_DATA_COLOUR = "#ffffff"
OUT_COLOUR = "#bdbdbd"
SEVERITY_SYMBOLS = {"alta": ("▲", "#D55E00"), "media": ("◆", "#E69F00"), "baja": ("●", "#56B4E9")}
SCHEMES = ("quantiles", "natural_breaks")
MAP_ID = "tablero_mapa"  # fixed folium ids → identical arguments across reruns (no remount, cached message)


def safe_json(value) -> str:
    """JSON that can sit inside a <script> and inside HTML attributes unchanged."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# -------------------------------------------------------------------------- classes


@dataclass
class Classes:
    colours: list[str]
    labels: list[str]  # legend text per class
    index: dict[str, int]  # code → class (-1 sin datos, -2 zero)
    scheme: str
    extra: list[tuple[str, str]] = field(default_factory=list)  # (colour, label) legend rows


def formatter(unit: str, lang: str) -> Callable[[float | None], str]:
    if unit == "money":
        return lambda v: fmt_money(v, lang)
    if unit == "pct":
        return lambda v: fmt_pct(v, 1, lang)
    return lambda v: fmt_int(v, lang)


def classify(values: dict[str, float | None], unit: str, scheme: str, lang: str, t: Callable[..., str],
             k: int = 5) -> Classes:
    """Class breaks with mapclassify (quantiles or Fisher–Jenks natural breaks).

    Zeros of counts and amounts get their own class (so a few large values do not hide
    where the programme is absent); ``None`` is "sin datos"; booleans are two classes.
    """
    fmt = formatter(unit, lang)
    index: dict[str, int] = {}
    extra: list[tuple[str, str]] = []
    if unit == "bool":
        for code, v in values.items():
            index[code] = -1 if v is None else int(bool(v))
        labels = [t("map.bool_no"), t("map.bool_yes")]
        if any(i == -1 for i in index.values()):
            extra.append((NO_DATA_COLOUR, t("map.legend_no_data")))
        return Classes(list(BOOL_COLOURS), labels, index, "bool", extra)
    positive = {c: v for c, v in values.items() if v is not None and (v > 0 or unit == "pct")}
    for code, v in values.items():
        if v is None:
            index[code] = -1
        elif code not in positive:
            index[code] = -2
    colours: list[str] = []
    labels: list[str] = []
    if positive:
        import mapclassify
        import numpy as np

        y = np.array(list(positive.values()), dtype=float)
        distinct = np.unique(y)
        k_eff = max(1, min(k, len(distinct)))
        if k_eff == 1:
            bins = np.array([distinct[-1]])
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                klass = mapclassify.FisherJenks if scheme == "natural_breaks" else mapclassify.Quantiles
                bins = np.unique(klass(y, k=k_eff).bins)
        bins = list(bins)
        integral = unit == "count" and all(float(v).is_integer() for v in distinct)
        if integral:  # v ≤ b ⟺ v ≤ ⌊b⌋ for whole numbers: same classes, exact labels
            bins = sorted({float(np.floor(b)) for b in bins})
        lo = float(distinct[0])
        for b in bins:
            labels.append(fmt(lo) if lo == b else f"{fmt(lo)} – {fmt(b)}")
            # classes are (previous break, break]: counts start at the next integer
            lo = float(int(b) + 1) if integral else float(b)
        n = len(bins)
        step = (len(PALETTE) - 1) / max(1, n - 1)
        colours = [PALETTE[round(i * step)] for i in range(n)] if n > 1 else [PALETTE[2]]
        for code, v in positive.items():
            index[code] = next(i for i, b in enumerate(bins) if v <= b + 1e-9)
    if any(i == -2 for i in index.values()):
        extra.append((ZERO_COLOUR, fmt(0)))
    if any(i == -1 for i in index.values()):
        extra.append((NO_DATA_COLOUR, t("map.legend_no_data")))
    return Classes(colours, labels, index, scheme, extra)


LEGEND_CSS = (
    "<style>.tablero-legend{display:flex;flex-wrap:wrap;align-items:center;gap:2px 14px;font-size:14px;"
    "line-height:20px;margin:0 0 4px}.tablero-legend .tl-title{font-weight:600}"
    ".tablero-legend .tl-sw{display:inline-block;width:16px;height:12px;margin-right:5px;border:1px solid #777;"
    "vertical-align:middle}.tablero-legend .tl-note{color:#555}</style>"
)


def legend_html(title: str, classes: Classes, out_label: str | None, scheme_label: str) -> str:
    """The legend as plain, escaped HTML (swatch + text for every state), shown beside the map
    (``LEGEND_CSS``), never over it: no corner of the map is free of territory at every zoom."""
    rows = [(c, lab) for c, lab in zip(classes.colours, classes.labels)] + classes.extra
    if out_label:
        rows.append((OUT_COLOUR, out_label))
    items = "".join(
        f'<div class="tl-row"><span class="tl-sw" style="background:{html.escape(c)}"></span>'
        f"{html.escape(lab)}</div>"
        for c, lab in rows
    )
    return (f'<div class="tablero-legend"><div class="tl-title">{html.escape(title)}</div>{items}'
            f'<div class="tl-note">{html.escape(scheme_label)}</div></div>')


# ------------------------------------------------------------------------ the layer


_SCRIPT = r"""
(function (map) {
  var t0 = performance.now();
  var G = JSON.parse(/*G*/'{{ this.geo }}'/*G*/), D = /*D*/{{ this.data }}/*D*/;
  var T = {parse: performance.now() - t0};
  var sx = G.tr[0], sy = G.tr[1], tx = G.tr[2], ty = G.tr[3];
  var arcs = G.a.map(function (a) {
    var x = 0, y = 0, out = new Array(a.length);
    for (var j = 0; j < a.length; j++) { x += a[j][0]; y += a[j][1]; out[j] = [y * sy + ty, x * sx + tx]; }
    return out;
  });
  function ring(ix) {
    var out = [];
    for (var k = 0; k < ix.length; k++) {
      var i = ix[k], j;
      if (i >= 0) { var a = arcs[i]; for (j = k ? 1 : 0; j < a.length; j++) out.push(a[j]); }
      else { var b = arcs[~i]; for (j = b.length - (k ? 2 : 1); j >= 0; j--) out.push(b[j]); }
    }
    return out;
  }
  function shape(g) { return Array.isArray(g[0][0]) ? g.map(function (p) { return p.map(ring); }) : g.map(ring); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  var clicks = 0, current = null;
  function light(f) {
    return function () {  /* what streamlit-folium sends back on a click: the code, no geometry */
      return current && current.properties.c === f.c ? current : {type: "Feature", properties: f, geometry: null};
    };
  }
  function report(f) {
    /* A click: number it (so that clicking the same municipality again is a new event) and send it
       at once instead of after streamlit-folium's 250 ms debounce; its own later update then finds
       nothing new to send. Without those internals, its normal path sends the same value. */
    var p = {c: f.c, n: ++clicks}; if (f.alert) p.alert = 1;
    current = {type: "Feature", properties: p, geometry: null};
    var g = window.__GLOBAL_DATA__;
    if (g && window.Streamlit && g.returned_objects && g.returned_objects.length === 1 &&
        g.returned_objects[0] === "last_active_drawing") {
      g.last_active_drawing = current;
      g.previous_data = {last_active_drawing: current};
      window.Streamlit.setComponentValue(g.previous_data);
    }
  }
  T.arcs = performance.now() - t0;
  var style = document.createElement("style");
  style.textContent = "html,body{margin:0;overflow:hidden}#map_div{height:100vh !important}" +
    ".tablero-alert{font:bold 9px sans-serif;color:#1B2A22;background:rgba(255,255,255,.8);border:1px solid #777;" +
    "border-radius:3px;text-align:center;line-height:12px}" +
    ".tablero-cluster{font-size:11px;line-height:18px;border-width:2px;background:rgba(255,255,255,.92)}" +
    ".leaflet-container{background:#f7fbff}";
  document.head.appendChild(style);
  map.invalidateSize({pan: false});  /* the frame's full height, before the zoom to the territory */
  if (!map.getPane("tableroDeptos")) {
    map.createPane("tableroDeptos"); map.getPane("tableroDeptos").style.zIndex = 450;
    map.getPane("tableroDeptos").style.pointerEvents = "none";
  }
  var codes = G.c.split(","), filtered = {};
  (D.f ? D.f.split(",") : []).forEach(function (c) { filtered[c] = 1; });
  var group = L.featureGroup(), byCode = {}, focus = null;
  for (var i = 0; i < codes.length; i++) {
    var code = codes[i], v = D.v[code], st;
    if (v) {
      var fill = v[0] >= 0 ? D.colours[v[0]] : (v[0] === -2 ? D.zero : D.nodata);
      st = {fillColor: fill, fillOpacity: 0.85, color: "#6b6b6b", weight: 0.4, className: "tablero-mpio tablero-in"};
    } else {
      st = {fillColor: D.out, fillOpacity: 0.45, color: "#ffffff", weight: 0.4, className: "tablero-mpio tablero-out"};
    }
    var layer = L.polygon(shape(G.m[i]), st);
    layer._t = i;
    layer.toGeoJSON = light({c: code});
    group.addLayer(layer);
    byCode[code] = layer;
  }
  group.bindTooltip(function (layer) {
    var i = layer._t, code = codes[i], v = D.v[code];
    var head = "<b>" + esc(D.n[i]) + "</b> · " + esc(D.dn[code.slice(0, 2)] || code.slice(0, 2)) +
      " (" + esc(code) + ")";
    if (!v) return head + "<br>" + esc(filtered[code] ? D.t.filtered : D.t.out);
    return head + "<br>" + esc(D.t.metric) + ": " + esc(v[1]);
  }, {sticky: true, direction: "top"});
  T.polygons = performance.now() - t0;
  var bounds = null;  /* zoom first, then draw: one rendering pass instead of two */
  (D.focus && D.focus.length ? D.focus : codes).forEach(function (c) {
    var l = byCode[c]; if (!l) return;
    var b = l.getBounds();
    bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
  });
  if (bounds) map.fitBounds(bounds, {padding: [8, 8], maxZoom: 11, animate: false});
  T.fit = performance.now() - t0;
  group.addTo(map);
  T.drawn = performance.now() - t0;
  var selected = null;
  group.on("click", function (e) {
    report({c: codes[e.layer._t]});
    if (selected && selected !== e.layer) {
      selected.setStyle({weight: 0.4,
                         color: selected.options.className.indexOf("tablero-out") >= 0 ? "#ffffff" : "#6b6b6b"});
    }
    selected = e.layer; selected.setStyle({weight: 2.5, color: "#000000"}); selected.bringToFront();
  });
  if (D.sel && byCode[D.sel]) { selected = byCode[D.sel]; selected.setStyle({weight: 2.5, color: "#000000"}); }
  if (G.d.length) {
    L.polyline(G.d.map(function (k) { return arcs[k]; }),
               {pane: "tableroDeptos", color: "#1B2A22", weight: 1.3, opacity: 0.9, interactive: false,
                className: "tablero-depto"}).addTo(map);
  }
  function badge(sev, count) {  /* the worst severity's symbol (shape and colour) and the number of alerts */
    var s = D.sym[sev];
    return '<span style="color:' + s[1] + '">' + s[0] + "</span>" + esc(count);
  }
  if (!map.options.maxZoom) map.setMaxZoom(13);  /* no tile layer gives one; clustering needs it */
  var alerts = null;
  if (D.al) {
    /* Alert symbols aggregate by zoom (leaflet.markercluster): a cluster shows its worst severity
       and its number of alerts; a click on it zooms in until single municipalities show. */
    alerts = L.markerClusterGroup ? L.markerClusterGroup({
      maxClusterRadius: 44, showCoverageOnHover: false, spiderfyOnMaxZoom: true, disableClusteringAtZoom: 9,
      iconCreateFunction: function (cluster) {
        var count = 0, sev = 2, marks = cluster.getAllChildMarkers();
        marks.forEach(function (m) { count += m.options.alerts; sev = Math.min(sev, m.options.severity); });
        var label = esc(D.t.cluster.replace("{count}", count).replace("{munis}", marks.length));
        return L.divIcon({className: "tablero-alert tablero-cluster", iconSize: [34, 20], iconAnchor: [17, 10],
                          html: '<span title="' + label + '" aria-label="' + label + '">' +
                                badge(sev, count) + "</span>"});
      }
    }) : L.featureGroup();
    D.al.forEach(function (a) {
      var m = L.marker([a[0], a[1]], {
        icon: L.divIcon({className: "tablero-alert", iconSize: [22, 14], iconAnchor: [11, 7], html: badge(a[3], a[2])}),
        keyboard: false, alerts: a[2], severity: a[3]
      });
      m.toGeoJSON = light({c: a[5], alert: 1});
      m.on("click", function () { report({c: a[5], alert: 1}); });
      m.bindTooltip(esc(a[4]), {direction: "top"});
      alerts.addLayer(m);
    });
    alerts.addTo(map);
  }
  T.layers = performance.now() - t0;
  if (map.keyboard) {
    /* Leaflet focuses the map on mousedown (keyboard panning). Focusing scrolls a map that is not
       wholly on screen into view, in this frame's parent too: the press and the release then land
       on different points, Leaflet sees a drag, and the first click is lost. Same focus, no scroll. */
    map.keyboard.disable();
    map.keyboard._onMouseDown = function () {
      if (this._focused) return;
      var c = this._map._container;
      try { c.focus({preventScroll: true}); } catch (err) { /* an old browser: keep the click, skip the focus */ }
    };
    map.keyboard.enable();
  }
  window.tableroMap = {map: map, group: group, byCode: byCode, alerts: alerts, ready: true, t0: t0,
                       t1: performance.now(), timings: T};
})({{ this._parent.get_name() }});
"""


class TerritoryLayer(MacroElement):
    """Our whole map content as one Leaflet script (see module docstring)."""

    _template = Template("{% macro script(this, kwargs) %}" + _SCRIPT + "{% endmacro %}")

    def __init__(self, geo_json: str, data: dict):
        super().__init__()
        self._name = "TerritoryLayer"
        self._id = "territorio"
        if "'" in geo_json or "\\" in geo_json or "\n" in geo_json:
            raise ValueError("geometry JSON must be plain numbers and codes")  # it sits in a JS '...' literal
        self.geo = geo_json
        self.data = safe_json(data)


@dataclass
class MapSpec:
    """Everything the page decided, in plain data (built by ``components.map.view``)."""

    geo_json: str  # safe_json(wire_geometry(...)), cached per boundary set
    codes: list[str]  # order of the wire geometry
    names: dict[str, tuple]  # code → (name, dept, office) from the catalogue
    departments: dict[str, str]
    values: dict[str, float | None]  # in scope only
    classes: Classes
    unit: str
    metric_label: str
    legend: str
    filtered_out: list[str]  # in the viewer's territory but outside the territory filters
    focus: list[str]
    alerts: list[list] | None
    labels: dict[str, str]
    lang: str = "es"
    basemap: bool = False
    height: int = 620
    entries: dict | None = None  # precomputed value_entries (cached by the page)


def value_entries(values: dict, classes: Classes, unit: str, lang: str, labels: dict) -> dict[str, list]:
    """code → [class, es-CO text] for the municipalities with values (the tooltips' figures)."""
    fmt = formatter(unit, lang)
    out = {}
    for code, v in values.items():
        if unit == "bool":
            text = labels["no_data"] if v is None else (labels["yes"] if v else labels["no"])
        else:
            text = fmt(v)
        out[code] = [classes.index.get(code, -1), text]
    return out


def payload(spec: MapSpec) -> dict:
    entries = spec.entries if spec.entries is not None else value_entries(
        spec.values, spec.classes, spec.unit, spec.lang, spec.labels)
    return {
        "v": entries,
        "n": [spec.names.get(c, (c,))[0] for c in spec.codes],
        "dn": spec.departments,
        "f": ",".join(spec.filtered_out),
        "colours": spec.classes.colours,
        "zero": ZERO_COLOUR, "nodata": NO_DATA_COLOUR, "out": OUT_COLOUR,
        "t": {"metric": spec.metric_label, "out": spec.labels["out"], "filtered": spec.labels["filtered"],
              "cluster": spec.labels.get("cluster", "{count} · {munis}")},
        "focus": spec.focus,
        "al": spec.alerts,
        "sym": [list(SEVERITY_SYMBOLS[s]) for s in ("alta", "media", "baja")],
        "sel": None,
    }


def read_payload(script: str) -> tuple[dict, dict]:
    """(geometry, data) embedded in a rendered map script (tests and benchmarks)."""
    geo = script.split("/*G*/")[1].strip("'")
    data = script.split("/*D*/")[1]
    return json.loads(geo), json.loads(data)


def build_map(spec: MapSpec) -> folium.Map:
    """A folium Map with Leaflet from /app/static/vendor and our layer; no tiles unless asked."""
    m = folium.Map(location=[4.6, -74.1], zoom_start=5, tiles=None, control_scale=True,
                   min_zoom=4, max_zoom=13, zoom_snap=0.25)
    m._id = MAP_ID
    m.default_js = list(MAP_JS)
    m.default_css = list(MAP_CSS)
    if spec.basemap:
        tiles = folium.TileLayer("OpenStreetMap", name="OpenStreetMap")
        tiles._id = "basemap"
        tiles.add_to(m)
    TerritoryLayer(spec.geo_json, payload(spec)).add_to(m)
    localise(m)
    return m


def localise(element) -> list[tuple[str, str]]:
    """Point every JS/CSS link of ``element`` (and children) at the app's static files.

    Raises ``AssetError`` for a link we do not vendor: nothing may load from a CDN.
    """
    from components.map.assets import AssetError

    links = []
    stack = [element]
    while stack:
        el = stack.pop()
        for attr in ("default_js", "default_css"):
            entries = getattr(el, attr, None)
            if not entries:
                continue
            new = []
            for name, url in entries:
                local = local_url(url)
                if local is None:
                    raise AssetError(f"El mapa pide un recurso externo no disponible localmente: {url}")
                new.append((name, local))
                links.append((name, local))
            setattr(el, attr, new)
        stack.extend(getattr(el, "_children", {}).values())
    return links
