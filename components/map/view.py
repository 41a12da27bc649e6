"""Streamlit glue of the territorial map: cached reads (each keyed on the topics its query
declares in ``data_access.map.queries``), the folium map through streamlit-folium, and which
municipality was clicked.

The map's component arguments are identical from one rerun to the next as long as the
data do not change (fixed element ids, cached geometry), so a click reruns the page
without remounting the map, and Streamlit sends the big message only once.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from components.characterisation.assets import layer_markers, layer_tooltips
from components.characterisation.layers import AssetLayer
from components.core.cache import cached
from components.core.context import PageContext
from components.map.assets import AssetError, install, installed
from components.map.choropleth import (
    LEGEND_CSS,
    SCHEMES,
    MapSpec,
    build_map,
    classify,
    legend_html,
    safe_json,
    value_entries,
    wire_geometry,
)
from data_access.map import queries as territory
from rules.core.i18n import t

MAP_KEY = "territory_map"
SELECTED_KEY = "map_selected"
_LAST_CLICK_KEY = "_map_last_click"


@cached(uses=(territory.active_boundaries,))
def boundary_wire(url: str | None = None) -> dict | None:
    """The active boundaries in browser form (geometry JSON, codes, symbol points)."""
    bounds = territory.active_boundaries(url=url)
    if bounds is None:
        return None
    wire = wire_geometry(bounds["topojson"])
    return {"id": bounds["id"], "vintage": bounds["vintage"], "source_name": bounds["source_name"],
            "geo": safe_json(wire), "codes": wire["c"].split(","), "points": bounds["points"]}


cached_catalogue = cached(territory.catalogue)
cached_scope_codes = cached(territory.scope_codes)
cached_alerts = cached(territory.alert_symbols)
targeting_years = cached(territory.targeting_years)
municipality_profile = cached(territory.municipality_profile)
municipality_alliance = cached(territory.municipality_alliance)
sla_by_municipality = cached(territory.sla_by_municipality)
# metric → its values, keyed on that metric's topics only
metric_values = {key: cached(query) for key, query in territory.METRIC_VALUES.items()}


def _labels(lang: str) -> dict[str, str]:
    return {"out": t("map.out_of_scope", lang), "filtered": t("map.filtered_out", lang),
            "yes": t("map.bool_yes", lang), "no": t("map.bool_no", lang), "no_data": t("map.legend_no_data", lang),
            "cluster": t("map.alerts_cluster", lang)}


def styled_values(viewer, filters, metric: str, year, scheme: str, lang: str, url: str | None = None):
    """(classes, code → [class, text]) of a metric: classified and formatted once per data version."""
    values = metric_values[metric](viewer, filters, year, url=url)
    unit = territory.METRICS[metric].unit
    classes = classify(values, unit, scheme, lang, lambda key, **p: t(key, lang, **p))
    return classes, value_entries(values, classes, unit, lang, _labels(lang))


styled_metric_values = {key: cached(uses=(query,))(styled_values) for key, query in territory.METRIC_VALUES.items()}


def ensure_assets() -> bool:
    """Leaflet served by the app: install it from the registry package if missing."""
    if installed():
        return True
    try:
        install()
    except (AssetError, OSError):
        return False
    return installed()


def focus_codes(ctx: PageContext, names: dict, scope: list[str]) -> list[str]:
    """What to zoom to: the filtered territory, else a regional viewer's own, else all."""
    f = ctx.filters
    if f.municipality_code:
        return [f.municipality_code]
    if f.department_code or f.regional_office_id is not None:
        return [c for c, (_, dept, office) in names.items()
                if (not f.department_code or dept == f.department_code)
                and (f.regional_office_id is None or office == f.regional_office_id)]
    if not ctx.viewer.is_national:
        return scope
    return []


def alert_markers(ctx: PageContext, alerts: dict, points: dict) -> list[list]:
    severity_index = {"alta": 0, "media": 1, "baja": 2}
    out = []
    for code, a in sorted(alerts.items()):
        if code not in points:
            continue
        lon, lat = points[code]
        text = ctx.t("map.alerts_tooltip", count=a["count"], severity=ctx.t(f"map.severity.{a['severity']}"),
                     categories=", ".join(ctx.t(f"map.alert.{c}") for c in a["categories"]))
        out.append([lat, lon, a["count"], severity_index.get(a["severity"], 2), text, code])
    return out


def _legend(ctx: PageContext, wire: dict, metric: str, year: int | None, values: dict, scheme: str):
    """(classes, entries, filtered-out codes, legend HTML) of the drawn metric."""
    classes, entries = styled_metric_values[metric](ctx.viewer, ctx.filters, metric, year, scheme, ctx.lang,
                                                    url=ctx.url)
    unfiltered = ctx.filters.with_(municipality_code=None, department_code=None, regional_office_id=None)
    territory_codes = set(cached_scope_codes(ctx.viewer, unfiltered, url=ctx.url))
    filtered_out = sorted(territory_codes - set(values))
    out_label = ctx.t("map.out_of_scope") if set(wire["codes"]) - territory_codes else None
    if filtered_out:
        out_label = (out_label + " / " if out_label else "") + ctx.t("map.filtered_out")
    scheme_label = ctx.t(f"map.scheme.{classes.scheme}")
    return classes, entries, filtered_out, legend_html(ctx.t(f"map.metric.{metric}"), classes, out_label, scheme_label)


def _spec(ctx: PageContext, wire: dict, metric: str, year: int | None, values: dict, scheme: str,
          show_alerts: bool, basemap: bool, height: int) -> MapSpec:
    cat = cached_catalogue(url=ctx.url)
    names = cat["municipalities"]
    spec_unit = territory.METRICS[metric].unit
    classes, entries, filtered_out, legend = _legend(ctx, wire, metric, year, values, scheme)
    alerts = None
    if show_alerts:
        alerts = alert_markers(ctx, cached_alerts(ctx.viewer, ctx.filters, url=ctx.url), wire["points"])
    return MapSpec(
        geo_json=wire["geo"], codes=wire["codes"], names=names, departments=cat["departments"],
        values=values, classes=classes, unit=spec_unit, metric_label=ctx.t(f"map.metric.{metric}"),
        legend=legend,
        filtered_out=filtered_out, focus=focus_codes(ctx, names, sorted(values)), alerts=alerts,
        labels=_labels(ctx.lang), lang=ctx.lang, basemap=basemap, height=height, entries=entries,
    )


_ARGS_CACHE_KEY = "_map_component_args"


def _layers(ctx: PageContext, wire: dict) -> list:
    """Layers drawn over the territory: the asset map (markets, public goods), when the scope has any."""
    markers = layer_markers(ctx, wire["points"])
    return [AssetLayer(markers, ctx.t("characterisation.layer"), layer_tooltips(ctx))] if markers else []


def _built(spec: MapSpec, layers=()):
    m = build_map(spec)
    for layer in layers:
        layer.add_to(m)
    return m


def _component_args(spec: MapSpec, layers=()) -> dict | None:
    """streamlit-folium's component arguments for ``spec`` (what ``st_folium`` computes on
    every rerun), or None when its internals differ from the version this was written for."""
    import streamlit_folium as sf

    try:
        m = _built(spec, layers)
        m.get_root().render()
        html, header = sf._get_html(m), sf._get_header(m)
        script = sf._get_map_string(m)
        return {"script": script, "header": header, "html": html, "id": sf.get_full_id(m),
                "hash_key": sf.generate_js_hash(script, MAP_KEY, False),
                "css_links": [u for _, u in m.default_css], "js_links": [u for _, u in m.default_js]}
    except AttributeError:
        return None


def _draw(make_spec, args_key: tuple, height: int, make_layers=list):
    """Draw the map with streamlit-folium's component. On a rerun with the same inputs (a
    click, a profile change) the rendered arguments are reused instead of rebuilt."""
    import streamlit_folium as sf

    cached = st.session_state.get(_ARGS_CACHE_KEY)
    args = cached[1] if cached and cached[0] == args_key else None
    spec = None
    if args is None:
        spec = make_spec()
        args = _component_args(spec, make_layers())
        st.session_state[_ARGS_CACHE_KEY] = (args_key, args)
    component = getattr(sf, "_component_func", None)
    if args is None or component is None:  # another streamlit-folium: through its public API
        return st_folium(_built(spec or make_spec(), make_layers()), key=MAP_KEY, height=height,
                         use_container_width=True, returned_objects=["last_active_drawing"])
    hash_key = args["hash_key"]

    def _on_change():
        st.session_state[MAP_KEY] = st.session_state.get(hash_key, {})

    return component(
        script=args["script"], header=args["header"], html=args["html"], id=args["id"], key=hash_key,
        height=height, width=None, returned_objects=["last_active_drawing"],
        default={"last_active_drawing": None}, zoom=None, center=None, feature_group=None,
        return_on_hover=False, layer_control=None, pixelated=False, css_links=args["css_links"],
        js_links=args["js_links"], on_change=_on_change, wrap_longitude=False,
    )


# The map page starts higher than others: the room goes to the map.
PAGE_CSS = (
    '<style>[data-testid="stMainBlockContainer"]{padding-top:1.5rem}'
    # the profile's figures in a third of the page: smaller, and wrapped rather than cut («No prio…»)
    '[data-testid="stMetricValue"]{font-size:1.6rem}'
    '[data-testid="stMetricValue"] div,[data-testid="stMetricLabel"] p{white-space:normal;overflow:visible}</style>'
)

# The map's frame fills the window's height below its top (MAP_TOP: the page's title, controls
# and legend above it, measured at 1366×768, 1440×900 and 1920×1080), never less than MIN_HEIGHT.
MAP_TOP = "17.5rem"
MIN_HEIGHT = "26rem"
FRAME_CSS = (
    f'<style>iframe[title="streamlit_folium.st_folium"]{{height:max({MIN_HEIGHT},calc(100vh - {MAP_TOP}))'
    " !important}</style>"
)


def render_map(ctx: PageContext, wire: dict, metric: str, year: int | None, values: dict, scheme: str,
               show_alerts: bool, basemap: bool, height: int = 620) -> str | None:
    """Draw the legend and the choropleth below it; return the code of a municipality clicked
    in this run (new click). ``height`` is the frame's height before the page's CSS sizes it."""
    legend = _legend(ctx, wire, metric, year, values, scheme)[3]
    st.markdown(PAGE_CSS + FRAME_CSS + LEGEND_CSS + legend, unsafe_allow_html=True)
    args_key = (wire["id"], metric, year, scheme, ctx.lang, show_alerts, basemap, height, ctx.viewer,
                ctx.filters, ctx.url, tuple(sorted(ctx.versions.items())))
    state = _draw(lambda: _spec(ctx, wire, metric, year, values, scheme, show_alerts, basemap, height),
                  args_key, height, lambda: _layers(ctx, wire))
    return new_click(state)


def _clicked(state) -> tuple | None:
    drawing = (state or {}).get("last_active_drawing") if isinstance(state, dict) else None
    props = (drawing or {}).get("properties") or {}
    code = props.get("c")
    if not isinstance(code, str) or not code.isdigit() or len(code) != 5:
        return None
    return code, props.get("n")


def new_click(state) -> str | None:
    """The municipality of a click not handled yet (from the component, or its session key)."""
    click = _clicked(state) or _clicked(st.session_state.get(MAP_KEY))
    if click is None or click == st.session_state.get(_LAST_CLICK_KEY):
        return None
    st.session_state[_LAST_CLICK_KEY] = click
    return click[0]


__all__ = [
    "MAP_KEY", "SCHEMES", "SELECTED_KEY", "boundary_wire", "cached_catalogue", "ensure_assets", "metric_values",
    "municipality_alliance", "municipality_profile", "render_map", "sla_by_municipality", "targeting_years",
]
