"""The asset map as a layer of the territorial map: per municipality, a symbol with its markets
and centros de acopio (▲) and its public goods in a poor state or missing (✕), the open alerts
of the same category in its tooltip. Switched on and off in the map's own layer control (Leaflet,
served by the app); a click on a symbol opens the municipality's profile, as a click on its shape.
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

from components.map.choropleth import safe_json

LAYER_ID = "activos"
_SCRIPT = r"""
(function (map) {
  var D = /*A*/{{ this.data }}/*A*/, tm = window.tableroMap;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  var layer = L.layerGroup();
  D.m.forEach(function (a) {
    var html = (a[2] ? '<span class="tablero-asset-m">▲' + a[2] + "</span>" : "") +
               (a[3] ? '<span class="tablero-asset-g">✕' + a[3] + "</span>" : "");
    var m = L.marker([a[0], a[1]], {
      icon: L.divIcon({className: "tablero-asset", iconSize: [34, 14], iconAnchor: [17, -6], html: html}),
      keyboard: false
    });
    var tip = D.tip.counts.replace("{markets}", a[2]).replace("{gaps}", a[3]) +
              (a[4] ? "\n" + D.tip.alerts.replace("{count}", a[4]) : "");
    m.bindTooltip(esc(tip).replace(/\n/g, "<br>"), {direction: "bottom"});
    m.on("click", function () {
      var shape = tm && tm.byCode[a[5]];
      if (shape) shape.fire("click", {latlng: shape.getBounds().getCenter()}, true);
    });
    layer.addLayer(m);
  });
  var style = document.createElement("style");
  style.textContent = ".tablero-asset{font:bold 9px sans-serif;color:#1B2A22;background:rgba(255,255,255,.85);" +
    "border:1px solid #555;border-radius:3px;text-align:center;line-height:12px;white-space:nowrap}" +
    ".tablero-asset-m{color:#009E73}.tablero-asset-g{color:#CC79A7;margin-left:2px}";
  document.head.appendChild(style);
  var overlays = {}; overlays[esc(D.label)] = layer;
  L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
  if (tm) tm.assets = layer;
})({{ this._parent.get_name() }});
"""


class AssetLayer(MacroElement):
    """The asset symbols and their layer control, added to the map after the territory layer."""

    _template = Template("{% macro script(this, kwargs) %}" + _SCRIPT + "{% endmacro %}")

    def __init__(self, markers: list[list], label: str, tooltips: dict[str, str]):
        super().__init__()
        self._name = "AssetLayer"
        self._id = LAYER_ID
        self.data = safe_json({"m": markers, "label": label, "tip": tooltips})
