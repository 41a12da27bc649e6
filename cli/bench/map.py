"""Benchmark of the territorial map (a ``tablero bench`` area; returns and prints figures).

Figures (medians over ``runs``):

* bytes of the map payload: the streamlit-folium component arguments of the map page for
  a national viewer (geometry, names, values, legend and our script), and of its
  geometry alone;
* bytes the browser receives per visit to the map page (WebSocket frames + HTTP
  bodies, from Chromium's DevTools protocol), first visit (cold browser cache) apart;
* time to map visible in headless Chromium: from the click on "Mapa territorial" in the
  sidebar to the 1,122 municipality paths drawn (goal ≤ 1.5 s);
* click-to-profile: from a click inside a municipality to its profile shown beside the
  map (goal ≤ 700 ms).

It needs a store with boundaries: when the store has none, the boundaries configured in
``TABLERO_GEODATA`` (or ``../shared/geodata``) are imported first. It logs in with a
dedicated account (``bench_mapa``, directivo, fresh random password), so point it at a
demo or temporary store, never at production.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

from rules.core.catalog import Role

BENCH_USER = "bench_mapa"
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
GOALS = {"map_visible_s": 1.5, "click_to_profile_s": 0.7}


def _median(values):
    return statistics.median(values) if values else None


def _default_geodata() -> Path | None:
    raw = os.environ.get("TABLERO_GEODATA", "").strip()
    if raw and Path(raw).exists():
        return Path(raw)
    shared = Path(__file__).resolve().parents[3] / "shared" / "geodata"
    return shared if shared.is_dir() else None


def ensure_boundaries(url: str) -> str:
    from data_access.map.queries import boundary_status
    from geodata.importer import import_boundaries

    info = boundary_status(url)
    if info is not None:
        return f"{info['vintage']} ({info['municipalities']} municipios)"
    source = _default_geodata()
    if source is None:
        raise RuntimeError("el almacén no tiene límites y no hay TABLERO_GEODATA ni ../shared/geodata")
    report = import_boundaries([source], url=url, imported_by="bench")
    return f"{report.vintage} importado para el benchmark ({report.features} municipios)"


def payload_bytes(url: str, metric: str = "households") -> dict:
    """Component arguments of the map for a national viewer, built as the page builds them."""
    import streamlit_folium as sf

    from components.map.choropleth import MapSpec, build_map, classify, legend_html, safe_json
    from data_access.core.filters import GlobalFilters
    from data_access.core.scope import Viewer
    from data_access.map import queries as territory
    from geodata.topology import wire_geometry
    from rules.core.calendar import last_quarter_end
    from rules.core.i18n import t

    viewer = Viewer(username="bench", role=Role.DIRECTIVO, scope_label="Nacional")
    filters = GlobalFilters(cutoff=last_quarter_end())
    bounds = territory.active_boundaries(url)
    wire = wire_geometry(bounds["topojson"])
    geo = safe_json(wire)
    cat = territory.catalogue(url)
    values = territory.map_values(viewer, filters, metric, url=url)
    unit = territory.METRICS[metric].unit
    classes = classify(values, unit, "quantiles", "es", lambda k, **p: t(k, "es", **p))
    alerts = territory.alert_symbols(viewer, filters, url)
    markers = [[bounds["points"][c][1], bounds["points"][c][0], a["count"], 0, "x" * 60, c]
               for c, a in alerts.items() if c in bounds["points"]]
    spec = MapSpec(
        geo_json=geo, codes=wire["c"].split(","), names=cat["municipalities"], departments=cat["departments"],
        values=values, classes=classes, unit=unit, metric_label=t(f"map.metric.{metric}", "es"),
        legend=legend_html(t(f"map.metric.{metric}", "es"), classes, None, t("map.scheme.quantiles", "es")),
        filtered_out=[], focus=[], alerts=markers,
        labels={"out": "", "filtered": "", "yes": "", "no": "", "no_data": ""},
    )
    m = build_map(spec)
    m.get_root().render()
    args = {"script": sf._get_map_string(m), "header": sf._get_header(m), "html": sf._get_html(m)}
    return {"component_args_bytes": len(json.dumps(args).encode("utf-8")), "geometry_bytes": len(geo.encode("utf-8"))}


def _bench_account(url: str) -> str:
    from data_access.core.auth import create_user, new_password

    password = new_password()
    create_user(BENCH_USER, Role.DIRECTIVO, password, display_name="Benchmark del mapa", url=url)
    return password


def _interior_points(url: str, n: int) -> list[tuple[str, str, float, float]]:
    """(code, name, lat, lon) of ``n`` large municipalities, spread over the 60 largest: a
    click at their centroid lands inside them."""
    from data_access.map.queries import largest_municipalities

    rows = largest_municipalities(60, url)
    step = max(1, len(rows) // max(1, n))
    return rows[::step][:n]


def _map_frame(page):
    return next(f for f in page.frames if "st_folium" in f.url)


def _click_point(page, lat: float, lon: float) -> tuple[float, float]:
    frame = _map_frame(page)
    x, y = frame.evaluate("([lat, lon]) => { const p = window.tableroMap.map.latLngToContainerPoint([lat, lon]);"
                          " const r = document.getElementById('map_div').getBoundingClientRect();"
                          " return [p.x + r.left, p.y + r.top]; }", [lat, lon])
    box = page.locator(IFRAME).bounding_box()
    return box["x"] + x, box["y"] + y


class _Traffic:
    """Bytes received by the page (CDP): WebSocket frames and HTTP bodies."""

    def __init__(self, page):
        self.ws = 0
        self.http = 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.loadingFinished", self._http)

    def _frame(self, event) -> None:
        response = event.get("response", {})
        data = response.get("payloadData", "")
        self.ws += len(data) * 3 // 4 if response.get("opcode") == 2 else len(data.encode("utf-8"))

    def _http(self, event) -> None:
        self.http += int(event.get("encodedDataLength", 0))

    def total(self) -> int:
        return self.ws + self.http


def browser_timings(url: str, runs: int = 5) -> dict:
    """Time to map visible and click-to-profile in headless Chromium, outside network blocked."""
    from cli.bench import browser as h

    password = _bench_account(url)
    points = _interior_points(url, runs)
    visible: list[float] = []
    script_ms: list[float] = []
    visit_bytes: list[int] = []
    first_visit_bytes = None
    clicks: list[float] = []
    env = {"TABLERO_TODAY": os.environ.get("TABLERO_TODAY", "")} if os.environ.get("TABLERO_TODAY") else {}
    with h.running_app(url, env) as app, h.chromium() as browser, h.watched_page(browser) as w:
        page = w.page
        h.login(page, app.base_url, BENCH_USER, password)
        traffic = _Traffic(page)
        frame = page.frame_locator(IFRAME)
        for i in range(runs + 1):  # the first visit warms the server (imports, caches) and the browser
            h.click_nav(page, "Resumen ejecutivo")
            page.wait_for_timeout(300)
            before = traffic.total()
            link = page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]',
                                has_text="Mapa territorial")
            start = time.perf_counter()
            link.click()
            frame.locator("path.tablero-mpio").nth(1121).wait_for(state="attached", timeout=120_000)
            elapsed = time.perf_counter() - start
            h.wait_for_app_run(page)
            assert frame.locator("path.tablero-mpio").count() == 1122
            got = traffic.total() - before
            if i == 0:
                first_visit_bytes = got
                continue
            visible.append(elapsed)
            visit_bytes.append(got)
            script_ms.append(_map_frame(page).evaluate("() => window.tableroMap.t1 - window.tableroMap.t0"))
        for code, _name, lat, lon in points:
            x, y = _click_point(page, lat, lon)
            start = time.perf_counter()
            page.mouse.click(x, y)
            page.get_by_text(f"DIVIPOLA {code}").first.wait_for(timeout=60_000)
            clicks.append(time.perf_counter() - start)
            h.wait_for_app_run(page)
        problems = w.problems()
    return {
        "map_visible_s_median": _median(visible),
        "map_visible_s_runs": [round(v, 3) for v in visible],
        "map_script_ms_median": round(_median(script_ms) or 0),  # our decoding + drawing, in the iframe
        "click_to_profile_s_median": _median(clicks),
        "click_to_profile_s_runs": [round(v, 3) for v in clicks],
        "bytes_per_map_visit_median": int(_median(visit_bytes) or 0),
        "bytes_first_map_visit": int(first_visit_bytes or 0),
        "browser_problems": len(problems),
    }


def _browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return Path("/usr/bin/chromium").exists()


def bench(url: str | None = None, runs: int = 5, browser: bool | None = None) -> dict:
    """All map figures as a dict (and printed). ``browser=None``: Chromium figures when
    Chromium and Playwright are installed."""
    from data_access.core.db import database_url

    url = url or database_url()
    out: dict = {"boundaries": ensure_boundaries(url)}
    out.update(payload_bytes(url))
    if browser is None:
        browser = _browser_available()
    if browser:
        out.update(browser_timings(url, runs))
        out["goals"] = (f"mapa visible ≤ {GOALS['map_visible_s']} s: "
                        f"{'sí' if out['map_visible_s_median'] <= GOALS['map_visible_s'] else 'NO'}; "
                        f"clic→perfil ≤ {GOALS['click_to_profile_s']} s: "
                        f"{'sí' if out['click_to_profile_s_median'] <= GOALS['click_to_profile_s'] else 'NO'}")
    out["load_average"] = " ".join(f"{x:.1f}" for x in os.getloadavg())  # this machine is shared
    for key, value in out.items():
        print(f"mapa · {key}: {value}")
    return out


run = bench  # standalone: python -c "from cli.bench.map import run; run()"
BENCHES = [bench]
